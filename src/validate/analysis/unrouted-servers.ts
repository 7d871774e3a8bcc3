/**
 * MESH196 (warning): a Gateway server that no VirtualService bound to the Gateway routes. istiod builds a server's routes
 * from the VirtualServices bound to its Gateway for its hosts alone (istio/istio pilot/pkg/networking/core/gateway.go:
 * buildGatewayRoutes for the HTTP and terminated HTTPS servers' virtual hosts, buildGatewayNetworkFiltersFromTCPRoutes
 * and buildGatewayNetworkFiltersFromTLSRoutes for TCP, terminated TLS and PASSTHROUGH servers): an HTTP server with none
 * answers 404, and a TLS or TCP server with none gets no filter chain, so its clients' connections are closed. Which
 * routes a server takes follows its protocol and TLS mode: `http` routes on HTTP, HTTP2, GRPC and HTTPS servers, `tls`
 * routes on a TLS server in PASSTHROUGH mode, `tcp` routes on TCP and terminated TLS servers
 * (https://istio.io/latest/docs/reference/config/networking/gateway/#Server). A server that redirects to HTTPS
 * (`httpsRedirect`) and one in AUTO_PASSTHROUGH mode (routed by SNI to the mesh's services, without VirtualServices) route
 * nothing of their own. A warning: the VirtualService may be in files not given (another folder, another team's), and a
 * route's own `match.port` is not read (the VirtualService's hosts and its kind of rule decide).
 */
import { Codes } from '../../core/codes';
import { Finding, finding, Manifest } from '../finding';
import { gatewayReference, serverHostsFor, virtualHostName } from '../model/gateway-hosts';
import { routeHost } from '../model/hosts';
import { list } from '../values';
import { AnalysisCheck } from './check';
import { namespaceOf, push } from './view';

/** The kind of VirtualService rule a server takes, or undefined for one that routes nothing of its own. */
function ruleKind(server: any): 'http' | 'tls' | 'tcp' | undefined {
  const protocol = String(server?.port?.protocol ?? '').toUpperCase();
  const mode = String(server?.tls?.mode ?? '').toUpperCase();
  if (server?.tls?.httpsRedirect === true || mode === 'AUTO_PASSTHROUGH') return undefined;
  if (['HTTP', 'HTTP2', 'GRPC', 'HTTPS'].includes(protocol)) return 'http';
  if (protocol === 'TLS') return mode === 'PASSTHROUGH' ? 'tls' : 'tcp';
  return protocol === 'TCP' || protocol === 'MONGO' || protocol === 'REDIS' || protocol === 'MYSQL' ? 'tcp' : undefined;
}

export const unroutedGatewayServers: AnalysisCheck = {
  code: Codes.GATEWAY_SERVER_UNROUTED,
  title: 'a Gateway server that no VirtualService bound to the Gateway routes',
  run(index) {
    // `<namespace>/<gateway>` -> the VirtualServices bound to it
    const bound = new Map<string, Manifest[]>();
    for (const vs of index.ofKind('VirtualService')) {
      for (const name of list(vs.spec?.gateways).map(String)) if (name !== 'mesh') push(bound, gatewayReference(name, namespaceOf(vs)), vs);
    }
    const out: Finding[] = [];
    for (const gw of index.ofKind('Gateway')) {
      const gwNs = namespaceOf(gw);
      const candidates = bound.get(`${gwNs}/${gw.metadata?.name}`) ?? [];
      list(gw.spec?.servers).forEach((server: any, i: number) => {
        const kind = ruleKind(server);
        if (!kind) return;
        const routed = candidates.some((vs) => {
          if (list(vs.spec?.[kind]).length === 0) return false;
          const serverHosts = serverHostsFor(server, gwNs, namespaceOf(vs));
          const vsHosts = list(vs.spec?.hosts).map((h: unknown) => routeHost(String(h), namespaceOf(vs)));
          return vsHosts.some((v) => serverHosts.some((s) => virtualHostName(v, s) !== undefined));
        });
        if (routed) return;
        const what = kind === 'http' ? 'its clients get 404' : "it gets no filter chain, so its clients' connections are closed";
        out.push(finding(Codes.GATEWAY_SERVER_UNROUTED, gw, `spec.servers[${i}]`,
          `no VirtualService bound to Gateway ${gwNs}/${gw.metadata?.name} has ${kind} routes for ${list(server.hosts).map(String).join(', ')} `
          + `(${String(server?.port?.protocol)} on ${String(server?.port?.number)}): istiod writes no route for the server, and ${what}`,
          'warning'));
      });
    }
    return out;
  },
};
