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
  VirtualServiceSpecTcp,
  VirtualServiceSpecTls,
} from '../../../imports/networking.istio.io';
import { LoadBalancer } from '../../core/load-balancer';
import { ConnectionPool, OutlierDetection } from '../../core/traffic-policy';
import type { LocalityLbSetting } from '../../core/locality-lb';
import type { HostPorts, HostTraffic } from './host-traffic';
import type { RouteDestinationOptions } from './http-route';
import { TierSettings } from '../../core/tier';
import { toIstioDuration } from '../../core/duration';
import { portOf, renderActions, renderDestinations, renderFault, renderMatch, renderRetries } from './http-route.render';
import { WRITE_METHODS } from '../../core/http';

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
  /** The split used when no contributor set one. */
  readonly defaultSplit: RouteDestinationOptions[];
  /**
   * The Service's ports by how Istio routes them.
   * @default - one HTTP port
   */
  readonly ports?: HostPorts;
}

/** The DestinationRule spec of a host. */
export function renderDestinationRuleSpec(traffic: HostTraffic, ctx: HostRenderContext): DestinationRuleSpec {
  return {
    host: traffic.host,
    trafficPolicy: renderTrafficPolicy(ctx.policy, traffic.locality),
    subsets: traffic.subsets.map((s) => ({
      name: s.name,
      labels: { ...s.labels },
      // The subset's generated types mirror the host's, with enums of the same values.
      trafficPolicy: s.connectionPool || s.loadBalancer || s.outlierDetection ? {
        connectionPool: s.connectionPool ? renderConnectionPool(s.connectionPool) as any : undefined,
        loadBalancer: s.loadBalancer ? renderLoadBalancer(s.loadBalancer) as any : undefined,
        outlierDetection: s.outlierDetection ? renderOutlierDetection(s.outlierDetection) : undefined,
      } : undefined,
    })),
  };
}

/** The name of the route of the default route's writes ({@link HostTraffic.setWriteRetries}). */
export const WRITES_ROUTE = 'writes';

/** The methods the writes route takes: those RFC 9110 does not make idempotent (§9.2.2). */
export { WRITE_METHODS };

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
  const http: VirtualServiceSpecHttp[] = traffic.routes.map((r, i) => {
    const forwards = !r.redirect && !r.directResponse;
    const own = forwards ? ctx.routeSettings?.[i] ?? {} : {};
    return {
      name: r.name,
      match: r.match.map(renderMatch),
      route: forwards && r.destinations ? renderDestinations(traffic.host, r.destinations, ctx.destinationPort) : undefined,
      timeout: own.timeout ? toIstioDuration(own.timeout) : undefined,
      retries: renderRetries(own.retries),
      fault: forwards ? (r.fault ? renderFault(r.fault) : hostFault) : undefined,
      mirror: r.mirror ? { host: traffic.host, subset: r.mirror.subset, port: portOf(ctx.destinationPort) } : undefined,
      mirrorPercentage: r.mirror ? { value: r.mirror.percentage?.value ?? 100 } : undefined,
      ...renderActions(r),
    };
  });
  const mirror = traffic.mirror;
  const split = traffic.split ?? ctx.defaultSplit;
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
    mirror: mirror ? { host: traffic.host, subset: mirror.subset, port: portOf(port) } : undefined,
    mirrorPercentage: mirror ? { value: mirror.percentage?.value ?? 100 } : undefined,
  });
  for (const d of defaults) {
    if (traffic.writeRetries) {
      // The default route's writes, ahead of it: the same destinations, with their own retries.
      http.push({
        name: defaults.length > 1 ? `${WRITES_ROUTE}-${d.port}` : WRITES_ROUTE,
        match: WRITE_METHODS.map((m) => ({ method: { exact: m }, ...(d.match ? { port: d.port } : {}) })),
        ...body(d.port, ctx.writeSettings ?? {}),
      });
    }
    http.push({ match: d.match, ...body(d.port, policy) });
  }
  const several = ports.http.length + ports.tcp.length + ports.tls.length > 1;
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

function renderTrafficPolicy(p: TierSettings, locality: LocalityLbSetting | undefined): DestinationRuleSpecTrafficPolicy {
  const lb = p.loadBalancer ? renderLoadBalancer(p.loadBalancer) : undefined;
  return {
    loadBalancer: locality ? { ...lb, localityLbSetting: renderLocality(locality) } : lb,
    connectionPool: p.connectionPool ? renderConnectionPool(p.connectionPool) : undefined,
    outlierDetection: p.outlierDetection ? renderOutlierDetection(p.outlierDetection) : undefined,
    tls: { mode: TlsMode.ISTIO_UNDERSCORE_MUTUAL },
  };
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

function renderConnectionPool(c: ConnectionPool): DestinationRuleSpecTrafficPolicy['connectionPool'] {
  return {
    tcp: c.tcp ? {
      maxConnections: c.tcp.maxConnections,
      connectTimeout: c.tcp.connectTimeout ? toIstioDuration(c.tcp.connectTimeout) : undefined,
    } : undefined,
    http: c.http ? {
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
