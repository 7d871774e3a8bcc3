/**
 * Host names as Istio reads them, written once for the analysis, the flows, the topology and
 * the diffs. Each rule is a port of the Istio function named beside it (istio/istio at
 * pkg/config/host/name.go, names.go, pilot/pkg/model/config.go, pkg/config/analysis/analyzers/util/hosts.go).
 *
 * Case. Istio's validation admits upper-case letters in hosts (pkg/config/labels/instance.go,
 * dns1123LabelFmt `[a-zA-Z0-9]...`), and compares host names as written (`Name.Matches`,
 * `Name.SubsetOf`, the registry's maps keyed by `host.Name`): a route destination, a
 * DestinationRule host or a ServiceEntry host names its service exactly. Two places fold case,
 * because DNS names and the HTTP Host header are case-insensitive (RFC 4343; Envoy matches a
 * virtual host's domains case-insensitively): istiod lowercases VirtualService hosts and service
 * host names before it selects the VirtualServices of a service and builds the virtual hosts
 * (pilot/pkg/networking/core/httproute.go `SelectVirtualServices`, `BuildSidecarOutboundVirtualHosts`;
 * route/route.go `separateVSHostsAndServices`; gateway.go), and a client's own request names a
 * host in any case ({@link dialedHost}). Kubernetes Service names are lower-case DNS-1035 labels,
 * so a Service's host is lower-case anyway.
 */
import { isIpAddress } from '../../core/cidr';

/** The cluster's DNS domain. */
export const CLUSTER_DOMAIN = 'cluster.local';

/** `host.Name.IsWildCarded`: the name starts with `*`. */
export function isWildcarded(h: string): boolean {
  return h.length > 0 && h[0] === '*';
}

/**
 * `host.Name.Matches`: the two names overlap. Exact names are equal; a wildcard covers every
 * name ending in its suffix, either way round; two wildcards overlap when one's suffix ends the
 * other's (`*.com` and `*.foo.com`). Symmetric. `*.foo.com` does not match `foo.com`.
 */
export function hostsMatch(n: string, o: string): boolean {
  const nw = isWildcarded(n);
  const ow = isWildcarded(o);
  if (nw && ow) return n.length < o.length ? o.slice(1).endsWith(n.slice(1)) : n.slice(1).endsWith(o.slice(1));
  if (nw) return o.endsWith(n.slice(1));
  if (ow) return n.endsWith(o.slice(1));
  return n === o;
}

/**
 * `host.Name.SubsetOf`: every name `n` stands for is covered by `o` (Matches in one direction
 * only). A wildcard is never a subset of an exact name; `*.foo.com` is a subset of `*.com` and of `*`.
 */
export function hostSubsetOf(n: string, o: string): boolean {
  const nw = isWildcarded(n);
  const ow = isWildcarded(o);
  if (nw && ow) return n.length >= o.length && n.slice(1).endsWith(o.slice(1));
  if (nw) return false;
  if (ow) return n.endsWith(o.slice(1));
  return n === o;
}

/**
 * `host.MoreSpecific` (names.go): exact names before wildcards, then longer before shorter,
 * then alphabetical.
 */
export function moreSpecific(a: string, b: string): boolean {
  if (a.length === 0 && b.length === 0) return true;
  const aw = a.startsWith('*');
  const bw = b.startsWith('*');
  if (aw !== bw) return !aw;
  if (a.length === b.length) return a < b;
  return a.length > b.length;
}

/**
 * `model.MostSpecificHostMatch` (pilot/pkg/model/config.go): the entry for `needle` itself,
 * else the most specific wildcard whose suffix ends it (for a wildcard needle, without its `*`).
 * How istiod picks a DestinationRule for a service host.
 */
export function mostSpecificHostMatch<V>(needle: string, exact: ReadonlyMap<string, V>, wildcard: ReadonlyMap<string, V>): [string, V] | undefined {
  const own = isWildcarded(needle) ? wildcard.get(needle) : exact.get(needle);
  if (own !== undefined) return [needle, own];
  const bare = isWildcarded(needle) ? needle.slice(1) : needle;
  let best: [string, V] | undefined;
  for (const [h, v] of wildcard) {
    if (bare.endsWith(h.slice(1)) && (!best || moreSpecific(h, best[0]))) best = [h, v];
  }
  return best;
}

/**
 * `model.ResolveShortnameToFQDN` (pilot/pkg/model/config.go), as istiod reads a host of a
 * VirtualService, DestinationRule or route destination in `namespace`: a short name (no dot) is
 * `<name>.<namespace>.svc.cluster.local`; `*`, an IP address and anything with a dot are taken as
 * written; case is kept.
 */
export function resolveShortname(host: string, namespace: string): string {
  // A dotted name first: cheaper than parsing it as an address, and an IPv4 address has dots too.
  if (host === '' || host === '*' || host.includes('.') || isIpAddress(host)) return host;
  return `${host}.${namespace}.svc.${CLUSTER_DOMAIN}`;
}

/**
 * `util.ConvertHostToFQDN` (pkg/config/analysis/analyzers/util/hosts.go), as istioctl analyze
 * reads a host: like {@link resolveShortname}, but anything starting with `*` is kept and an IP
 * address without a dot (IPv6) is expanded. The analysis ports istioctl analyze's checks, so it
 * reads hosts this way.
 */
export function analyzerFqdn(host: string, namespace: string): string {
  if (host.startsWith('*') || host.includes('.')) return host;
  return `${host}.${namespace}.svc.${CLUSTER_DOMAIN}`;
}

/**
 * A VirtualService or Gateway host as istiod compares it with service host names: resolved in
 * the resource's namespace and lower-cased (httproute.go `SelectVirtualServices`,
 * route.go `separateVSHostsAndServices`, gateway.go).
 */
export function routeHost(host: string, namespace: string): string {
  return resolveShortname(host, namespace).toLowerCase();
}

/**
 * The Service a client in `namespace` reaches by the name `host`, as cluster DNS resolves it
 * through the pod's search list (`<namespace>.svc.cluster.local svc.cluster.local cluster.local`):
 * `name`, `name.ns` and `name.ns.svc` complete to `name.ns.svc.cluster.local`; any other name is
 * taken as written. Lower-cased: DNS names are case-insensitive (RFC 4343). A final dot is dropped.
 * https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/#namespaces-of-services
 */
export function dialedHost(host: string, namespace: string): string {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (h.includes('*')) return h;
  const parts = h.split('.');
  if (parts.length === 1) return `${h}.${namespace}.svc.${CLUSTER_DOMAIN}`;
  if (parts.length === 2) return `${h}.svc.${CLUSTER_DOMAIN}`;
  if (parts.length === 3 && parts[2] === 'svc') return `${h}.${CLUSTER_DOMAIN}`;
  return h;
}

/** The host of Service `name` in `namespace` (`kube.ServiceHostname`, pilot/pkg/serviceregistry/kube/conversion.go). */
export function serviceHost(name: string, namespace: string): string {
  return `${name}.${namespace}.svc.${CLUSTER_DOMAIN}`;
}

/**
 * The name and namespace of a Kubernetes Service host, `<name>.<namespace>.svc.cluster.local`
 * (`util.GetFullNameFromFQDN`, pkg/config/analysis/analyzers/util/hosts.go: `^(.+)\.(.+)\.svc\.cluster\.local$`,
 * greedy, so the namespace is the label before `svc`); undefined for any other name.
 */
export function serviceOfHost(fqdn: string): { name: string; namespace: string } | undefined {
  const m = /^(.+)\.(.+)\.svc\.cluster\.local$/.exec(fqdn);
  return m ? { name: m[1], namespace: m[2] } : undefined;
}
