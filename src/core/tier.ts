import { Duration } from 'cdk8s';
import { Codes } from './codes';
import { describeDuration } from './duration';
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
   * The calls are long-lived streams (gRPC server or bidirectional streaming, WebSockets,
   * server-sent events): the route has no timeout, its VirtualService route no `timeout` field.
   * Istio refuses a zero timeout (`0s`: its ValidateDuration and the CRD's rule want at least
   * 1ms), and a route without `timeout` gets Envoy's route timeout 0, disabled (istio
   * pilot/pkg/networking/core/route/route.go, setTimeout); any other timeout cuts a stream that
   * outlives it, as Envoy's route timeout runs from the end of the request until the response is
   * complete (envoy api/envoy/config/route/v3/route_components.proto, RouteAction.timeout).
   * Retries and their per-try timeout stay: Envoy applies both only before the response starts
   * (router filter docs, x-envoy-upstream-rq-per-try-timeout-ms; Filter::maybeRetryReset), so
   * they bound the wait for a stream's first response headers and never cut or resend a running
   * stream. Not with `timeout` on the same settings (MESH054); a more specific `timeout` (a
   * route's over its service's, a service's over its tier's) wins over this, and this over a
   * less specific `timeout`.
   * @default false - the route has the timeout given here or inherited
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute
   */
  readonly streaming?: boolean;
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

/**
 * The timeout and streaming of `over` on top of `base`: `over`'s own `streaming` or `timeout`
 * decides, else `base`'s; a resolved stream has no timeout.
 */
function mergeTimeout(base: TierSettings, over: TierSettings): Pick<TierSettings, 'timeout' | 'streaming'> {
  if (over.streaming) return { timeout: undefined, streaming: true };
  if (over.timeout !== undefined) return { timeout: over.timeout, streaming: undefined };
  return base.streaming ? { timeout: undefined, streaming: true } : { timeout: base.timeout, streaming: undefined };
}

/**
 * Why `settings` are contradictory (`streaming` with a `timeout`, MESH054), or undefined.
 * @internal
 */
export function streamingContradiction(settings: Pick<TierSettings, 'timeout' | 'streaming'>): string | undefined {
  return settings.streaming && settings.timeout !== undefined
    ? `streaming: a stream has no route timeout, yet timeout is ${describeDuration(settings.timeout)}; give one of them`
    : undefined;
}

/** `over` on top of `base`, field by field; a per-try timeout it inherits at most the timeout it sets. */
export function mergeTierSettings(base: TierSettings | undefined, over: TierSettings): TierSettings {
  if (!base) return over.streaming ? { ...over, timeout: undefined } : over;
  return {
    ...mergeTimeout(base, over),
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
  /** Whether the route's calls are streams, with no timeout. */
  readonly streaming?: boolean;
  /** The route's own retries, over its service's field by field. */
  readonly retries?: Retries;
}

/**
 * A route's timeout and retries, resolved: its own over its service's resolved settings (the
 * tier's under the service's own). The one place a route's settings are worked out: the graph
 * calls it when it hands a host to its renderer, which writes what it is given.
 */
export function resolveRouteSettings(service: TierSettings, route: RouteSettingsOptions): Pick<TierSettings, 'timeout' | 'retries'> {
  const { timeout, retries } = mergeTierSettings(service, { timeout: route.timeout, streaming: route.streaming, retries: route.retries });
  return { timeout, retries };
}
