/**
 * How a VirtualService meets a Gateway, written once for the analysis, the flows and the review tools: the
 * Gateway a VirtualService names, the server hosts it may bind for, and the virtual host a server host and
 * a VirtualService host give. Ports of istio/istio pilot/pkg/networking/core/gateway.go (buildGatewayRoutes)
 * and pkg/config/host/names.go (`Names.Intersection`).
 */
import { Manifest } from '../finding';
import { list } from '../values';
import { hostSubsetOf, moreSpecific, routeHost } from './hosts';
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

/** A name a client addresses on a Gateway server, with the VirtualService that answers for it there, if one does. */
export interface ServedName {
  readonly gateway: Manifest;
  readonly server: Manifest;
  /** The server's port number. */
  readonly port: number;
  /** The concrete name, lower-cased. */
  readonly host: string;
  /** The VirtualService bound to the Gateway that serves `host` on this server. */
  readonly virtualService?: Manifest;
}

/**
 * The names clients address on each Gateway server (the manifests' and a platform's alike): each name both the server
 * and a VirtualService bound to the Gateway serve, concrete: the server's own name, or a VirtualService's name under
 * the server's wildcard (a shared `*.example.com` whose VirtualServices each answer for one name); and each concrete
 * server host no VirtualService serves. A wildcard on both sides names no client. In the order of the Gateways, servers
 * and VirtualServices given.
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/#Server
 */
export function servedNames(gateways: readonly Manifest[], virtualServices: readonly Manifest[]): ServedName[] {
  const bound = new Map<string, Manifest[]>();
  for (const vs of virtualServices) {
    for (const ref of new Set(list(vs.spec?.gateways).map((g) => gatewayReference(String(g), namespaceOf(vs))))) {
      bound.set(ref, [...(bound.get(ref) ?? []), vs]);
    }
  }
  const out: ServedName[] = [];
  for (const gateway of gateways) {
    const gwNs = namespaceOf(gateway);
    const vss = bound.get(`${gwNs}/${gateway.metadata?.name}`) ?? [];
    for (const server of list(gateway.spec?.servers) as Manifest[]) {
      // A server that takes Istio mTLS alone (an egress gateway's, for the mesh's own sidecars) serves no client outside the mesh.
      if (String(server.tls?.mode ?? '') === 'ISTIO_MUTUAL') continue;
      const port = Number(server.port?.number);
      const served = new Set<string>();
      for (const virtualService of vss) {
        const serverHosts = serverHostsFor(server, gwNs, namespaceOf(virtualService));
        const names = list(virtualService.spec?.hosts).flatMap((h) =>
          serverHosts.flatMap((sh) => virtualHostName(routeHost(String(h), namespaceOf(virtualService)), sh) ?? []));
        for (const host of new Set(names.filter((n) => !n.includes('*')))) {
          served.add(host);
          out.push({ gateway, server, port, host, virtualService });
        }
      }
      for (const entry of list(server.hosts).map(String)) {
        const host = entry.split('/').pop()!.toLowerCase();
        if (host.includes('*') || served.has(host)) continue;
        served.add(host);
        out.push({ gateway, server, port, host });
      }
    }
  }
  return out;
}
