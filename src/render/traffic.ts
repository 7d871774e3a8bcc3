import { Duration } from 'cdk8s';
import {
  DestinationRuleSpec,
  DestinationRuleSpecTrafficPolicy,
  DestinationRuleSpecTrafficPolicyConnectionPoolHttpH2UpgradePolicy as H2Upgrade,
  DestinationRuleSpecTrafficPolicyLoadBalancer,
  DestinationRuleSpecTrafficPolicyLoadBalancerSimple as Simple,
  DestinationRuleSpecTrafficPolicyTlsMode as TlsMode,
  VirtualServiceSpec,
  VirtualServiceSpecHttp,
  VirtualServiceSpecHttpMatch,
  VirtualServiceSpecHttpRoute,
} from '../../imports/networking.istio.io';
import { describeDuration, istioDurationProblem, toIstioDuration as strictIstioDuration } from '../core/duration';
import { StringMatch } from '../core/http';
import { LoadBalancer } from '../core/load-balancer';
import { Retries } from '../core/retries';
import { ConnectionPool, OutlierDetection } from '../core/traffic-policy';
import { HostTraffic, HttpMatchOptions, LocalityLbOptions, RouteDestinationOptions } from '../traffic/host-traffic';
import { TierSettings } from '../traffic/tier';

/**
 * Istio's form of a duration. Rendering never throws: validation may render objects
 * (to check JSON patches, say) before every problem has been reported, and an invalid
 * duration is reported with its construct path (MESH010) before anything is written.
 */
function toIstioDuration(d: Duration): string {
  return istioDurationProblem(d) ? describeDuration(d) : strictIstioDuration(d);
}

/** What the renderer needs besides the host's contributions. */
export interface HostRenderContext {
  /** The resolved settings (tier under service). */
  readonly policy: TierSettings;
  /** The port every destination names, when the Service has several. */
  readonly destinationPort?: number;
  /** The split used when no contributor set one. */
  readonly defaultSplit: RouteDestinationOptions[];
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

/** The VirtualService spec of a host: matched routes first, the default route last. */
export function renderVirtualServiceSpec(traffic: HostTraffic, ctx: HostRenderContext): VirtualServiceSpec {
  const { policy } = ctx;
  const common = {
    timeout: policy.timeout ? toIstioDuration(policy.timeout) : undefined,
    retries: renderRetries(policy.retries),
    fault: renderFault(traffic),
  };
  const http: VirtualServiceSpecHttp[] = traffic.routes.map((r) => ({
    name: r.name,
    match: r.match.map(renderMatch),
    route: renderDestinations(traffic.host, r.destinations, ctx.destinationPort),
    ...common,
  }));
  const mirror = traffic.mirror;
  http.push({
    route: renderDestinations(traffic.host, traffic.split ?? ctx.defaultSplit, ctx.destinationPort, true),
    ...common,
    mirror: mirror ? { host: traffic.host, subset: mirror.subset, port: portOf(ctx.destinationPort) } : undefined,
    mirrorPercentage: mirror ? { value: mirror.percentage?.value ?? 100 } : undefined,
  });
  const gateways = traffic.gateways;
  return {
    hosts: [traffic.host, ...traffic.extraHosts],
    gateways: gateways.length > 0 ? ['mesh', ...gateways] : undefined,
    http,
  };
}

function renderTrafficPolicy(p: TierSettings, locality: LocalityLbOptions | undefined): DestinationRuleSpecTrafficPolicy {
  const lb = p.loadBalancer ? renderLoadBalancer(p.loadBalancer) : undefined;
  return {
    loadBalancer: locality ? { ...lb, localityLbSetting: renderLocality(locality) } : lb,
    connectionPool: p.connectionPool ? renderConnectionPool(p.connectionPool) : undefined,
    outlierDetection: p.outlierDetection ? renderOutlierDetection(p.outlierDetection) : undefined,
    tls: { mode: TlsMode.ISTIO_UNDERSCORE_MUTUAL },
  };
}

function renderLoadBalancer(lb: LoadBalancer): DestinationRuleSpecTrafficPolicyLoadBalancer {
  if (lb.simple) return { simple: SIMPLE[lb.simple] };
  const k = lb.consistentHashKey!;
  return {
    consistentHash: {
      httpHeaderName: k.httpHeaderName,
      httpCookie: k.httpCookie ? { name: k.httpCookie.name, path: k.httpCookie.path, ttl: toIstioDuration(k.httpCookie.ttl) } : undefined,
      useSourceIp: k.useSourceIp,
      httpQueryParameterName: k.httpQueryParameterName,
    },
  };
}

function renderLocality(l: LocalityLbOptions): NonNullable<DestinationRuleSpecTrafficPolicyLoadBalancer['localityLbSetting']> {
  return {
    enabled: true,
    failover: l.failover?.map((f) => ({ from: f.from, to: f.to })),
    distribute: l.distribute?.map((d) => ({ from: d.from, to: { ...d.to } })),
  };
}

const SIMPLE: Record<NonNullable<LoadBalancer['simple']>, Simple> = {
  ROUND_ROBIN: Simple.ROUND_UNDERSCORE_ROBIN,
  LEAST_REQUEST: Simple.LEAST_UNDERSCORE_REQUEST,
  RANDOM: Simple.RANDOM,
  PASSTHROUGH: Simple.PASSTHROUGH,
};

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

/** Istio's form of a retry policy; undefined leaves Istio's default. */
export function renderRetries(r: Retries | undefined): VirtualServiceSpecHttp['retries'] {
  if (!r) return undefined;
  if (r.disabled && !r.problem()) return { attempts: 0 };
  return {
    attempts: r.attempts,
    perTryTimeout: r.perTryTimeout ? toIstioDuration(r.perTryTimeout) : undefined,
    retryOn: r.retryOn ? r.retryOn.join(',') : undefined,
    retryRemoteLocalities: r.retryRemoteLocalities,
  };
}

function renderFault(traffic: HostTraffic): VirtualServiceSpecHttp['fault'] {
  const f = traffic.fault;
  if (!f) return undefined;
  return {
    delay: f.delay ? { fixedDelay: toIstioDuration(f.delay.fixedDelay), percentage: { value: f.delay.percentage.value } } : undefined,
    abort: f.abort ? { httpStatus: f.abort.httpStatus, percentage: { value: f.abort.percentage.value } } : undefined,
  };
}

function renderMatch(m: HttpMatchOptions): VirtualServiceSpecHttpMatch {
  const headers = m.headers ? Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, renderString(v)])) : undefined;
  return {
    headers,
    uri: m.uri ? renderString(m.uri) : undefined,
    method: m.method ? { exact: m.method } : undefined,
  };
}

function renderString(s: StringMatch): { exact?: string; prefix?: string; regex?: string } {
  return { [s.kind]: s.value };
}

function renderDestinations(host: string, dests: RouteDestinationOptions[], port: number | undefined, alwaysWeigh = false): VirtualServiceSpecHttpRoute[] {
  return dests.map((d) => ({
    destination: { host, subset: d.subset, port: portOf(port) },
    weight: d.weight?.value ?? (alwaysWeigh && dests.length === 1 ? 100 : undefined),
  }));
}

function portOf(port: number | undefined): { number: number } | undefined {
  return port === undefined ? undefined : { number: port };
}
