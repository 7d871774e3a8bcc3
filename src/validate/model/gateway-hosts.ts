/**
 * How a VirtualService meets a Gateway, written once for the analysis, the flows and the review tools: the
 * Gateway a VirtualService names, the server hosts it may bind for, and the virtual host a server host and
 * a VirtualService host give. Ports of istio/istio pilot/pkg/networking/core/gateway.go (buildGatewayRoutes)
 * and pkg/config/host/names.go (`Names.Intersection`).
 */
import { Manifest } from '../finding';
import { list } from '../values';
import { hostSubsetOf, moreSpecific } from './hosts';
import { namespaceOf } from './workload';

/**
 * `mesh`, or a VirtualService's gateway reference as `<namespace>/<name>`: a name alone is of the
 * VirtualService's namespace (resource.NewShortOrFullName).
 */
export function gatewayReference(name: string, vsNamespace: string): string {
  return name === 'mesh' || name.includes('/') ? name : `${vsNamespace}/${name}`;
}

/**
 * The hosts of a Gateway server that a VirtualService of `vsNamespace` may bind for: its `[namespace/]host` entries,
 * the namespace `*` (or none) for any, `.` for the Gateway's own (gateway.go, sanitizeServerHostNamespace;
 * host.NamesForNamespace).
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/#Server
 */
export function serverHostsFor(server: Manifest, gatewayNamespace: string, vsNamespace: string): string[] {
  const out: string[] = [];
  for (const entry of list(server?.hosts).map(String)) {
    const slash = entry.indexOf('/');
    const [ns, host] = slash < 0 ? ['*', entry] : [entry.slice(0, slash), entry.slice(slash + 1)];
    if (ns === '*' || (ns === '.' ? gatewayNamespace : ns) === vsNamespace) out.push(host);
  }
  return out;
}

/** The hosts of every server of a Gateway that a VirtualService of `vsNamespace` may bind for ({@link serverHostsFor}). */
export function gatewayHostsFor(gateway: Manifest, vsNamespace: string): string[] {
  return list(gateway.spec?.servers).flatMap((s: Manifest) => serverHostsFor(s, namespaceOf(gateway), vsNamespace));
}

/**
 * The virtual host a VirtualService host and a server host give, lower-cased: the one of them that is a subset of the
 * other (`Names.Intersection` for one pair); none when neither is.
 */
export function virtualHostName(vsHost: string, serverHost: string): string | undefined {
  const [v, s] = [vsHost.toLowerCase(), serverHost.toLowerCase()];
  return hostSubsetOf(v, s) ? v : hostSubsetOf(s, v) ? s : undefined;
}

/**
 * Of the virtual hosts' domains, the one Envoy picks for a request to `host`: among those that cover it, the host
 * itself, else the longest wildcard (route_components.proto, VirtualHost.domains; `host.MoreSpecific`).
 */
export function domainFor(domains: Iterable<string>, host: string): string | undefined {
  const requested = host.toLowerCase();
  let best: string | undefined;
  for (const d of domains) if (hostSubsetOf(requested, d) && (best === undefined || moreSpecific(d, best))) best = d;
  return best;
}
