/**
 * The VirtualService and DestinationRule of a mesh host, rendered at synth from every
 * contribution to its `HostTraffic`. The route pieces shared with gateway-only
 * VirtualServices are in http-route.render.ts beside it.
 */
import {
  DestinationRuleSpec,
  DestinationRuleSpecTrafficPolicy,
  DestinationRuleSpecTrafficPolicyConnectionPoolHttpH2UpgradePolicy as H2Upgrade,
  DestinationRuleSpecTrafficPolicyLoadBalancer,
  DestinationRuleSpecTrafficPolicyTlsMode as TlsMode,
  VirtualServiceSpec,
  VirtualServiceSpecHttp,
  VirtualServiceSpecHttpMatch,
  VirtualServiceSpecHttpRoute,
  VirtualServiceSpecTcp,
  VirtualServiceSpecTls,
} from '../../../imports/networking.istio.io';
import { LoadBalancer } from '../../core/load-balancer';
import { ConnectionPool, OutlierDetection } from '../../core/traffic-policy';
import { LocalityLbSetting } from '../../core/locality-lb';
import type { HostPorts, HostTraffic } from './host-traffic';
import type { HttpMatchOptions, HttpRouteOptions, MirrorOptions } from './http-route';
import { TierSettings } from '../../core/tier';
import { toIstioDuration } from '../../core/duration';
import { portOf, renderActions, renderDestinations, renderFault, renderMatch, renderRetries } from './http-route.render';
import { NON_IDEMPOTENT_METHODS } from '../../core/http';
import { HTTP_PROTOCOLS } from '../../core/ports';

export { renderRetries } from './http-route.render';

/** What the renderer needs besides the host's contributions. */
export interface HostRenderContext {
  /** The resolved settings (tier under service). */
  readonly policy: TierSettings;
  /**
   * Each route's resolved timeout and retries, in the order of the host's routes (core/tier.ts
   * resolveRouteSettings); none for a route that redirects or answers itself.
   * @default - none
   */
  readonly routeSettings?: readonly Pick<TierSettings, 'timeout' | 'retries'>[];
  /**
   * The writes route's resolved timeout and retries, when the host has one.
   * @default - none
   */
  readonly writeSettings?: Pick<TierSettings, 'timeout' | 'retries'>;
  /** The port every destination names, when the Service has several. */
  readonly destinationPort?: number;
  /**
   * The Service's ports by how Istio routes them.
   * @default - one HTTP port
   */
  readonly ports?: HostPorts;
  /**
   * Whether the host's pods run Istio's sidecar. Without one nothing terminates Istio mTLS, so the
   * DestinationRule sets no TLS mode and auto mTLS sends plaintext to pods the injector did not
   * label `security.istio.io/tlsMode: istio`, and Istio mTLS to endpoints that are (a VM's
   * WorkloadEntry with a sidecar).
   * @default true
   */
  readonly meshed?: boolean;
  /**
   * The Service ports whose pods DISABLE mTLS (the service's own `setMtls`, port-level or whole): its callers send
   * plaintext there, as Istio mTLS to a port that does not terminate it fails.
   * @default - none
   */
  readonly plaintextPorts?: readonly number[];
}

/** The DestinationRule spec of a host. */
export function renderDestinationRuleSpec(traffic: HostTraffic, ctx: HostRenderContext): DestinationRuleSpec {
  const http = (ctx.ports?.http.length ?? 1) > 0;
  return {
    host: traffic.host,
    trafficPolicy: withPlaintextPorts(renderTrafficPolicy(ctx.policy, traffic.locality, ctx.meshed ?? true, http), ctx.plaintextPorts ?? []),
    subsets: traffic.subsets.map((s) => ({
      name: s.name,
      labels: { ...s.labels },
      // The subset's generated types mirror the host's, with enums of the same values.
      trafficPolicy: s.connectionPool || s.loadBalancer || s.outlierDetection ? {
        connectionPool: s.connectionPool ? renderConnectionPool(s.connectionPool, http) as any : undefined,
        // A subset's load balancer replaces the host's whole, its locality setting included (istio/istio
        // pilot/pkg/networking/util/util.go mergeTrafficPolicy): it carries the host's locality.
        loadBalancer: s.loadBalancer ? withLocality(s.loadBalancer, traffic.locality) as any : undefined,
        outlierDetection: s.outlierDetection ? renderOutlierDetection(s.outlierDetection) : undefined,
      } : undefined,
    })),
  };
}

/** The name of the route of the default route's writes ({@link HostTraffic.setWriteRetries}). */
export const WRITES_ROUTE = 'writes';

/** The methods the writes route takes: those RFC 9110 does not make idempotent (§9.2.2). */
export { NON_IDEMPOTENT_METHODS };

/**
 * The VirtualService spec of a host: matched HTTP routes first, the default route
 * last, each route with the service's (or tier's) timeout and retries unless it sets
 * its own; then TCP and TLS routes for non-HTTP ports. A host with no HTTP port gets
 * no HTTP routes, so no HTTP setting Istio would ignore is written.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/
 */
export function renderVirtualServiceSpec(traffic: HostTraffic, ctx: HostRenderContext): VirtualServiceSpec {
  const { policy } = ctx;
  const ports = ctx.ports ?? { http: [0], tcp: [], tls: [] };
  const hostFault = renderFault(traffic.fault);
  const http: VirtualServiceSpecHttp[] = traffic.routes.flatMap((r, i) => {
    const forwards = !r.redirect && !r.directResponse;
    const own = forwards ? ctx.routeSettings?.[i] ?? {} : {};
    return perPort(r, ports.http, ctx.destinationPort).map(({ name, match, port }) => ({
      name,
      match: match.map(renderMatch),
      route: forwards && r.destinations ? renderDestinations(traffic.host, r.destinations, port) : undefined,
      timeout: own.timeout ? toIstioDuration(own.timeout) : undefined,
      retries: renderRetries(own.retries),
      fault: forwards ? (r.fault ? renderFault(r.fault) : hostFault) : undefined,
      mirror: r.mirror ? renderMirror(traffic, r.mirror, port) : undefined,
      mirrorPercentage: r.mirror ? { value: r.mirror.percentage?.value ?? 100 } : undefined,
      ...renderActions(r),
    }));
  });
  const mirror = traffic.mirror;
  const split = traffic.defaultDestinations;
  // One default route per HTTP port when there are several (an HTTP and a gRPC port, say): a
  // match-less route naming one destination port would send every port's requests there.
  const defaults = ports.http.length > 1 ? ports.http.map((p) => ({ match: [{ port: p }] as VirtualServiceSpecHttp['match'], port: p }))
    : ports.http.length === 1 ? [{ match: undefined, port: ctx.destinationPort }] : [];
  // A default route's body on port `port`: the host's destinations, fault and mirror, with `settings`' timeout and retries.
  const body = (port: number | undefined, settings: Pick<TierSettings, 'timeout' | 'retries'>) => ({
    route: renderDestinations(traffic.host, split, port, true),
    timeout: settings.timeout ? toIstioDuration(settings.timeout) : undefined,
    retries: renderRetries(settings.retries),
    fault: hostFault,
    mirror: mirror ? renderMirror(traffic, mirror, port) : undefined,
    mirrorPercentage: mirror ? { value: mirror.percentage?.value ?? 100 } : undefined,
  });
  for (const d of defaults) {
    if (traffic.writeRetries) {
      // The default route's writes, ahead of it: the same destinations, with their own retries.
      http.push({
        name: defaults.length > 1 ? `${WRITES_ROUTE}-${d.port}` : WRITES_ROUTE,
        match: NON_IDEMPOTENT_METHODS.map((m) => ({ method: { exact: m }, ...(d.match ? { port: d.port } : {}) })),
        ...body(d.port, ctx.writeSettings ?? {}),
      });
    }
    http.push({ match: d.match, ...body(d.port, policy) });
  }
  // Several ports when the Service has several, a UDP port included: no route takes it, since the
  // sidecar proxies TCP alone, but a destination of a Service with several ports must name its port
  // (istioctl analyze IST0112, VirtualServiceDestinationPortSelectorRequired; MESH103).
  const several = ctx.destinationPort !== undefined || ports.http.length + ports.tcp.length + ports.tls.length > 1;
  const tcp: VirtualServiceSpecTcp[] = [
    ...traffic.tcpRoutes.map((r) => ({
      match:
        r.port !== undefined || r.sourceLabels ? [{ port: r.port, sourceLabels: r.sourceLabels ? { ...r.sourceLabels } : undefined }] : undefined,
      route: renderDestinations(traffic.host, r.destinations, r.port ?? (ports.tcp.length === 1 && several ? ports.tcp[0] : undefined)),
    })),
    // TCP routes never apply to TLS ports (buildSidecarOutboundTCPFilterChainOpts skips them).
    // One default route per TCP port when the Service has several ports, so each names its port.
    ...(several
      ? ports.tcp.map((p) => ({ match: [{ port: p }], route: renderDestinations(traffic.host, split, p, true) }))
      : ports.tcp.map(() => ({ route: renderDestinations(traffic.host, split, undefined, true) }))),
  ];
  // TLS ports get only the user's routes: a TLS route needs sniHosts within the VirtualService's
  // hosts as written (validateSniHost in istio/istio pilot validation), and with no TLS route
  // matching, istiod sends the port's traffic to the whole service (buildSidecarOutboundTLSFilterChainOpts).
  const tls: VirtualServiceSpecTls[] = traffic.tlsRoutes.map((r) => ({
    match: [{ port: r.port, sniHosts: [...r.sniHosts] }],
    route: renderDestinations(traffic.host, r.destinations, r.port ?? (several ? ports.tls[0] : undefined)),
  }));
  const gateways = traffic.gateways;
  return {
    hosts: [traffic.host, ...traffic.extraHosts],
    gateways: gateways.length > 0 ? ['mesh', ...gateways] : undefined,
    http: http.length > 0 ? http : undefined,
    tcp: tcp.length > 0 ? tcp : undefined,
    tls: tls.length > 0 ? tls : undefined,
  };
}

/** One rendered copy of a route: its name, its matches and the port its destinations and mirror name. */
interface RouteCopy {
  readonly name: string | undefined;
  readonly match: HttpMatchOptions[];
  readonly port: number | undefined;
}

/**
 * A route as the rules it is written as. A route that sends requests on (destinations or a mirror) on a host of several
 * HTTP ports is one rule per port its matches take, each match asking that port and its destinations naming it: a rule
 * whose matches ask no port takes the requests of every port (HTTPMatchRequest.port: "if not specified, the match
 * applies to all ports"), and a destination that names one port sends them all there, a gRPC call on 8500 to the REST
 * port 8501. A destination cannot leave the port out on such a host (istioctl analyze IST0112,
 * destinationPortRequired), so each port gets its own rule, as the default route does. A match naming a port keeps it;
 * one naming no HTTP port of the Service keeps the first HTTP port's destination. Other routes are written once.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPMatchRequest
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#Destination
 */
function perPort(r: HttpRouteOptions, httpPorts: readonly number[], destinationPort: number | undefined): RouteCopy[] {
  const sends = (r.destinations !== undefined && !r.redirect && !r.directResponse) || r.mirror !== undefined;
  if (!sends || httpPorts.length < 2) return [{ name: r.name, match: r.match, port: destinationPort }];
  const byPort = new Map<number | undefined, HttpMatchOptions[]>();
  const add = (port: number | undefined, m: HttpMatchOptions) => byPort.set(port, [...(byPort.get(port) ?? []), m]);
  for (const m of r.match) {
    if (m.port === undefined) for (const p of httpPorts) add(p, { ...m, port: p });
    else add(httpPorts.includes(m.port) ? m.port : destinationPort, m);
  }
  const copies = [...byPort.entries()];
  return copies.map(([port, match]) => ({ name: r.name && copies.length > 1 ? `${r.name}-${port}` : r.name, match, port }));
}

/** One HTTP route of a gateway-only VirtualService to a host: its matches and weighted destinations, or the delegate it hands to. */
export interface GatewayHostRoute {
  /** The matches, undefined for every request. */
  readonly match?: VirtualServiceSpecHttpMatch[];
  /** The weighted destinations; undefined for a route that delegates. */
  readonly route?: VirtualServiceSpecHttpRoute[];
  /** The delegate VirtualService whose rules serve the route's requests (Istio's `HTTPRoute.delegate`). */
  readonly delegate?: { readonly name: string; readonly namespace: string };
}

/**
 * The HTTP routes a gateway-only VirtualService writes for a route of its to `traffic`'s host that names no subset: the
 * host's header routes ({@link HostTraffic.headerRoutes}), each under the gateway route's matches, then the host's default
 * destinations ({@link HostTraffic.defaultDestinations}), weighted, under the gateway route's matches. Istio applies at a
 * gateway only the VirtualServices bound to it, not the host's own (bound to `mesh`), so without these a release's weights
 * would not hold there and requests would follow the versions' pod counts. A header route whose match asks a header the
 * gateway's match asks otherwise can take none of the gateway route's requests, and is left out under that match.
 * Undefined, for a route to the whole host, where a controller writes the host's VirtualService (Flagger routes to
 * Services of its own) or the host has no default destinations. Where the controller's VirtualService is a delegate
 * ({@link HostTraffic.virtualServiceDelegate}), one rule under the gateway route's matches that delegates to it: istiod
 * merges the delegate's rules into it (their matches ANDed with the root's), so the gateway's requests meet the
 * controller's routing (Flagger's weights and A/B matches) rather than the host's Service.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#VirtualService-gateways
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#Delegate
 */
export function renderGatewayHostRoutes(
  traffic: HostTraffic, host: string, port: number | undefined, match: VirtualServiceSpecHttpMatch[] | undefined,
): GatewayHostRoute[] | undefined {
  // A controller's delegate (Flagger's VirtualService with `delegation`) routes the requests itself: the root rule hands them over.
  const delegate = traffic.virtualServiceDelegate;
  if (delegate) return [{ match, delegate }];
  const split = traffic.defaultDestinations;
  if (traffic.virtualServiceOwner || split.length === 0) return undefined;
  const out: GatewayHostRoute[] = [];
  for (const r of traffic.headerRoutes) {
    const own = r.match.map(renderMatch);
    const merged = (match ?? [{}]).flatMap((g) => own.map((m) => mergeHeaderMatch(g, m)).filter((m) => m !== undefined));
    if (merged.length > 0) out.push({ match: merged, route: renderDestinations(host, r.destinations ?? [], port) });
  }
  out.push({ match, route: renderDestinations(host, split, port, true) });
  return out;
}

/**
 * A gateway's match and a header route's (headers and withoutHeaders only) as one: Istio ANDs a match's fields. Undefined
 * where both ask one header differently, which this form cannot state (only the requests both take).
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPMatchRequest
 */
function mergeHeaderMatch(g: VirtualServiceSpecHttpMatch, h: VirtualServiceSpecHttpMatch): VirtualServiceSpecHttpMatch | undefined {
  const merge = <T>(a: Record<string, T> | undefined, b: Record<string, T> | undefined): Record<string, T> | undefined | null => {
    if (!a || !b) return a ?? b;
    for (const [k, v] of Object.entries(b)) if (k in a && JSON.stringify(a[k]) !== JSON.stringify(v)) return null;
    return { ...a, ...b };
  };
  const headers = merge(g.headers, h.headers);
  const withoutHeaders = merge(g.withoutHeaders, h.withoutHeaders);
  if (headers === null || withoutHeaders === null) return undefined;
  return { ...g, headers, withoutHeaders };
}

/**
 * The host's traffic policy. ISTIO_MUTUAL where the pods run a sidecar; none where they do not, since a
 * client's sidecar told ISTIO_MUTUAL sends Istio mTLS to a server with nothing to terminate it (the
 * connection fails: 503 UF), while without a TLS mode auto mTLS sends plaintext to an endpoint not
 * labelled `security.istio.io/tlsMode: istio` (pilot/pkg/networking/core/cluster_builder.go,
 * buildUpstreamTLSSettings; https://istio.io/latest/docs/concepts/security/#auto-mutual-tls).
 */
function renderTrafficPolicy(
  p: TierSettings, locality: LocalityLbSetting | undefined, meshed: boolean, http: boolean,
): DestinationRuleSpecTrafficPolicy {
  return {
    loadBalancer: withLocality(p.loadBalancer, locality),
    connectionPool: p.connectionPool ? renderConnectionPool(p.connectionPool, http) : undefined,
    outlierDetection: p.outlierDetection ? renderOutlierDetection(p.outlierDetection) : undefined,
    tls: meshed ? { mode: TlsMode.ISTIO_UNDERSCORE_MUTUAL } : undefined,
  };
}

/**
 * The policy with a port-level setting of `tls.mode: DISABLE` for each port whose pods DISABLE mTLS. A port's settings replace
 * the policy's load balancer, pool, outlier detection and TLS whole (pilot/pkg/networking/util/util.go, MergeTrafficPolicy
 * and GetPortLevelTrafficPolicy), so each repeats them with its own TLS mode.
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#TrafficPolicy-PortTrafficPolicy
 */
function withPlaintextPorts(policy: DestinationRuleSpecTrafficPolicy, ports: readonly number[]): DestinationRuleSpecTrafficPolicy {
  if (ports.length === 0 || !policy.tls) return policy;
  const { tls: _tls, ...rest } = policy;
  return {
    ...policy,
    portLevelSettings: ports.map((port) => ({ port: { number: port }, ...(rest as any), tls: { mode: TlsMode.DISABLE } })),
  };
}

/**
 * A load balancer with its locality setting: the one given, else, for a consistent hash, the caller's
 * region first. Istio's default order (the mesh's `localityLbSetting`, on wherever outlier detection is)
 * puts each caller's own zone first, so callers in different zones would hash one session to different
 * pods (MESH064, src/validate/analysis/load-balancing.ts); ordered by region, every caller of a region
 * hashes over one ring of the region's pods, and a region still fails over to the others.
 */
function withLocality(
  lb: LoadBalancer | undefined, locality: LocalityLbSetting | undefined,
): DestinationRuleSpecTrafficPolicyLoadBalancer | undefined {
  const rendered = lb ? renderLoadBalancer(lb) : undefined;
  const setting = locality ?? (lb?.consistentHashKey ? LocalityLbSetting.regionFirst() : undefined);
  return setting ? { ...rendered, localityLbSetting: renderLocality(setting) } : rendered;
}

function renderLoadBalancer(lb: LoadBalancer): DestinationRuleSpecTrafficPolicyLoadBalancer {
  // the shape renders itself; Istio's enum values are the strings it writes
  return lb._toIstio() as DestinationRuleSpecTrafficPolicyLoadBalancer;
}

function renderLocality(l: LocalityLbSetting): NonNullable<DestinationRuleSpecTrafficPolicyLoadBalancer['localityLbSetting']> {
  // the shape renders itself
  return l._toIstio();
}

const H2: Record<string, H2Upgrade> = {
  DEFAULT: H2Upgrade.DEFAULT,
  DO_NOT_UPGRADE: H2Upgrade.DO_UNDERSCORE_NOT_UNDERSCORE_UPGRADE,
  UPGRADE: H2Upgrade.UPGRADE,
};

/**
 * A connection pool; its HTTP settings only where the host has an HTTP, HTTP/2 or gRPC port (`http`). On a host of TCP and TLS
 * ports alone the sidecar forwards each connection with Envoy's TCP proxy (Istio's protocol selection), which takes only
 * the cluster's connection limit (Envoy's TCP proxy filter "respects the connection limits imposed by each upstream
 * cluster's global resource manager"); istiod writes the HTTP settings as the cluster's pending and active request limits
 * and its HTTP protocol options (istio/istio pilot/pkg/networking/core/cluster_traffic_policy.go, applyConnectionPool),
 * which only requests through the HTTP connection manager count against. A tier's HTTP pool there changes nothing and
 * tells a reviewer otherwise, so it is left out (the TCP settings stay).
 * @see https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/listeners/network_filters/tcp_proxy_filter
 * @see https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/circuit_breaking
 */
function renderConnectionPool(c: ConnectionPool, http = true): DestinationRuleSpecTrafficPolicy['connectionPool'] {
  if (!http && !c.tcp) return undefined;
  return {
    tcp: c.tcp ? {
      maxConnections: c.tcp.maxConnections,
      connectTimeout: c.tcp.connectTimeout ? toIstioDuration(c.tcp.connectTimeout) : undefined,
    } : undefined,
    http: c.http && http ? {
      h2UpgradePolicy: c.http.h2UpgradePolicy ? H2[c.http.h2UpgradePolicy] : undefined,
      http1MaxPendingRequests: c.http.http1MaxPendingRequests,
      http2MaxRequests: c.http.http2MaxRequests,
      maxRequestsPerConnection: c.http.maxRequestsPerConnection,
      maxRetries: c.http.maxRetries,
      idleTimeout: c.http.idleTimeout ? toIstioDuration(c.http.idleTimeout) : undefined,
    } : undefined,
  };
}

function renderOutlierDetection(o: OutlierDetection): DestinationRuleSpecTrafficPolicy['outlierDetection'] {
  return {
    consecutive5XxErrors: o.consecutive5xxErrors,
    consecutiveGatewayErrors: o.consecutiveGatewayErrors,
    interval: o.interval ? toIstioDuration(o.interval) : undefined,
    baseEjectionTime: o.baseEjectionTime ? toIstioDuration(o.baseEjectionTime) : undefined,
    maxEjectionPercent: o.maxEjectionPercent,
    minHealthPercent: o.minHealthPercent,
  };
}

/**
 * A mirror's destination: the host's own subset on the route's port, or another service's subset (by its full name, which
 * resolves from any namespace) on its `port`, else the route's port where it is an HTTP port of it, else its first HTTP port.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute (mirror)
 */
function renderMirror(traffic: HostTraffic, m: MirrorOptions, port: number | undefined): { host: string; subset: string; port?: { number: number } } {
  if (!m.service) return { host: traffic.host, subset: m.subset, port: portOf(port) };
  const http = m.service.ports.filter((p) => HTTP_PROTOCOLS.includes(p.protocol)).map((p) => p.port);
  const to = m.port ?? (port !== undefined && http.includes(port) ? port : http[0]);
  return { host: `${m.service.name}.${m.service.namespace}.svc.cluster.local`, subset: m.subset, port: portOf(to) };
}
