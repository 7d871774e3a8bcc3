import { Duration } from 'cdk8s';
import { Codes } from './codes';
import { MeshError } from './errors';
import { LoadBalancer } from './load-balancer';
import { dns1123LabelProblem } from './names';
import { Retries } from './retries';
import { ConnectionPool, mergeConnectionPool, mergeOutlierDetection, OutlierDetection } from './traffic-policy';

/**
 * Resilience settings shared by every service of a tier. Each is a default: a
 * service's own setting wins, field by field.
 */
export interface TierSettings {
  /**
   * Route timeout (VirtualService `timeout`).
   * @default - none: Istio's own default (no timeout)
   */
  readonly timeout?: Duration;
  /**
   * Retry policy (VirtualService `retries`).
   * @default - none: Istio's own default (2 attempts)
   */
  readonly retries?: Retries;
  /**
   * Connection-pool limits (DestinationRule `trafficPolicy.connectionPool`).
   * @default - none: Envoy's own limits
   */
  readonly connectionPool?: ConnectionPool;
  /**
   * Outlier detection (DestinationRule `trafficPolicy.outlierDetection`).
   * @default - none: no outlier detection
   */
  readonly outlierDetection?: OutlierDetection;
  /**
   * Load balancer (DestinationRule `trafficPolicy.loadBalancer`).
   * @default - none: Istio's own default (LEAST_REQUEST)
   */
  readonly loadBalancer?: LoadBalancer;
}

/**
 * A service tier: the system, business and service tiers of the production design
 * (seed 003), or a custom tier defined in {@link TierDefaults}.
 */
export class Tier {
  /** Platform services: short timeouts, aggressive ejection (5s, 3 retries of 2s). */
  public static readonly SYSTEM = new Tier('system');
  /** Core business services (10s, 3 retries of 3s). */
  public static readonly BUSINESS = new Tier('business');
  /** Product-facing services (15s, 2 retries of 5s, retriable-4xx too). */
  public static readonly SERVICE = new Tier('service');

  /** A custom tier; its settings come from `TierDefaults`. Throws unless `name` is a DNS-1123 label. */
  public static named(name: string): Tier {
    const problem = dns1123LabelProblem(name);
    if (problem) throw new MeshError(Codes.INVALID_NAME, `tier name: ${problem}`);
    return new Tier(name);
  }

  private constructor(
    /** The tier's name. */
    public readonly name: string,
  ) {}

  /** The tier's name. */
  public toString(): string {
    return this.name;
  }
}

/**
 * `retries` with a per-try timeout that `over` does not set itself at most the timeout `over`
 * sets: a route (or service, or tier) of 2s under a tier whose tries last 5s gets tries of 2s.
 * Envoy's per-try timeout longer than the route's never fires (the route's timeout ends the
 * request first), and a retry policy without one gives each try the route's timeout
 * (`per_try_timeout`: "If left unspecified, Envoy will use the global route timeout for the
 * request", envoy api/envoy/config/route/v3/route_components.proto RetryPolicy), so the clamp
 * renders what Envoy would do, where the inherited value would fail synth (MESH011) for a
 * value the user never wrote. A per-try timeout `over` sets itself is kept (and reported).
 */
function clampInheritedPerTry(retries: Retries | undefined, over: TierSettings): Retries | undefined {
  const timeout = over.timeout;
  const perTry = retries?.perTryTimeout;
  if (!retries || retries.disabled || !timeout || !perTry || over.retries?.perTryTimeout !== undefined) return retries;
  if (perTry.toMilliseconds({ integral: false }) <= timeout.toMilliseconds({ integral: false })) return retries;
  return Retries.of({ perTryTimeout: timeout }).over(retries);
}

/** `over` on top of `base`, field by field; a per-try timeout it inherits at most the timeout it sets. */
export function mergeTierSettings(base: TierSettings | undefined, over: TierSettings): TierSettings {
  if (!base) return over;
  return {
    timeout: over.timeout ?? base.timeout,
    retries: clampInheritedPerTry(over.retries ? over.retries.over(base.retries) : base.retries, over),
    connectionPool: mergeConnectionPool(base.connectionPool, over.connectionPool),
    outlierDetection: mergeOutlierDetection(base.outlierDetection, over.outlierDetection),
    loadBalancer: over.loadBalancer ?? base.loadBalancer,
  };
}

/** A route's own timeout and retries, as a route sets them. */
export interface RouteSettingsOptions {
  /** The route's own timeout. */
  readonly timeout?: Duration;
  /** The route's own retries, over its service's field by field. */
  readonly retries?: Retries;
}

/**
 * A route's timeout and retries, resolved: its own over its service's resolved settings (the
 * tier's under the service's own). The one place a route's settings are worked out: the graph
 * calls it when it hands a host to its renderer, which writes what it is given.
 */
export function resolveRouteSettings(service: TierSettings, route: RouteSettingsOptions): Pick<TierSettings, 'timeout' | 'retries'> {
  const { timeout, retries } = mergeTierSettings(service, { timeout: route.timeout, retries: route.retries });
  return { timeout, retries };
}
