import { ApiObject, Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import {
  EnvoyFilter,
  EnvoyFilterSpec,
  EnvoyFilterSpecConfigPatchesApplyTo as ApplyTo,
  EnvoyFilterSpecConfigPatchesMatchContext as Context,
  EnvoyFilterSpecConfigPatchesMatchRouteConfigurationVhostRouteAction as RouteAction,
  EnvoyFilterSpecConfigPatchesPatchOperation as Operation,
} from '../../../imports/networking.istio.io';
import { Codes } from '../../core/codes';
import { describeDuration } from '../../core/duration';
import { formatProblem } from '../../core/errors';
import { Labels } from '../../core/labels';
import { dns1123LabelProblem } from '../../core/names';
import { allRequests, envoySeconds, HCM, LOCAL_RATELIMIT, RATE_LIMIT_FILTER_PRIORITY } from '../../private/envoy';
import { MeshChart } from '../../graph/mesh-chart';
import { IMeshService } from '../../graph/mesh-service';
import { limitOf, TrafficCapacity } from './capacity';

/** A limit: either a capacity (peak plus headroom) or a rate given outright. */
export interface RateLimitOptions {
  /**
   * The capacity the limit is derived from: peak plus headroom (1,000 RPS + 20% = 1,200).
   * @default - `requestsPerSecond` must be given
   */
  readonly capacity?: TrafficCapacity;
  /**
   * The limit in requests per second, when no capacity is given.
   * @default - derived from `capacity`
   */
  readonly requestsPerSecond?: number;
  /**
   * The bucket's size (Envoy `max_tokens`): how many requests may pass at once after a quiet spell.
   * @default - one fill interval's worth of tokens
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/type/v3/token_bucket.proto
   */
  readonly burst?: number;
}

/** A limit of its own for the requests of one path prefix. */
export interface LocalRateLimitRouteOptions extends RateLimitOptions {
  /** The route's name, a DNS-1123 label; it is the descriptor value and shows in Envoy's stats. */
  readonly name: string;
  /** The path prefix of the route's requests (`/api/search`). */
  readonly pathPrefix: string;
}

/** Props for {@link LocalRateLimit}. */
export interface LocalRateLimitProps extends RateLimitOptions {
  /** The service whose sidecar enforces the limit on its inbound requests. */
  readonly service: IMeshService;
  /**
   * How often the bucket is refilled; the limit is spread over it.
   * @default Duration.seconds(1)
   * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto
   */
  readonly fillInterval?: Duration;
  /**
   * Limits of their own for some paths, over the service's.
   * @default - none
   */
  readonly routes?: LocalRateLimitRouteOptions[];
}

/** A token bucket, in Envoy's field names. */
interface TokenBucket {
  readonly max_tokens: number;
  readonly tokens_per_fill: number;
  readonly fill_interval: string;
}

const MIN_FILL_INTERVAL_MS = 50;

/** The fewest and most pods a service runs. */
export interface ReplicaRange {
  readonly min: number;
  readonly max: number;
}

/**
 * Envoy's local rate limit (a token bucket per sidecar) on a service's inbound
 * requests, as seed 001's EnvoyFilter, derived from the service's capacity: seed 000's
 * search service peaks at 1,000 RPS and is limited at 1,200 (20% headroom), with a
 * bucket that lets a burst through. Paths may have limits of their own, as descriptors
 * chosen by the route's `rate_limits` actions.
 *
 * The limit is the service's as a whole, but Envoy's local rate limit is "local
 * (non-distributed)": each sidecar has its own bucket, so N pods admit N times the
 * bucket. The bucket is therefore the limit divided by the most pods the service runs
 * (its HorizontalPodAutoscaler's maxReplicas, else its replicas), rounded down: however
 * far it scales, the service admits at most the limit. At its fewest pods it admits
 * minReplicas × that share, which must still cover the peak, or synth fails (MESH664)
 * with the arithmetic; {@link LocalRateLimit.maxReplicasFor} gives the widest range
 * that keeps both. An exact total at every scale needs a global limit.
 *
 * Internal callers are not exempt here: this limit protects the service's capacity
 * whoever calls; per-user limits that exempt internal callers are {@link GlobalRateLimit}'s.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/other_features/local_rate_limiting
 * @see https://istio.io/latest/docs/tasks/policy-enforcement/rate-limit/#local-rate-limit
 */
export class LocalRateLimit extends Construct {
  /**
   * The most replicas a service of minimum `minReplicas` may scale to while a local limit
   * from `capacity` still serves the peak at the fewest pods: the largest `max` with
   * `minReplicas × floor(limit / max) ≥ peak` (search: 1,200 over min 6 → max 7, 171 rps a pod).
   */
  public static maxReplicasFor(capacity: TrafficCapacity, minReplicas: number): number {
    const limit = limitOf(capacity);
    let max = minReplicas;
    while (minReplicas * Math.floor(limit / (max + 1)) >= capacity.peakRequestsPerSecond) max++;
    return max;
  }

  /** The service's limit as a whole, in requests per second (0 when its input is invalid). */
  public readonly requestsPerSecond: number;
  /** The fill interval. */
  public readonly fillInterval: Duration;

  private readonly props: LocalRateLimitProps;

  public constructor(scope: Construct, id: string, props: LocalRateLimitProps) {
    super(scope, id);
    this.props = props;
    this.fillInterval = props.fillInterval ?? Duration.seconds(1);
    this.requestsPerSecond = rateOf(props);
    const service = props.service;
    new EnvoyFilter(this, 'Resource', {
      metadata: {
        name: `${service.name}-local-ratelimit`,
        namespace: service.namespace,
        labels: { [Labels.APP]: service.name, [Labels.MANAGED_BY]: 'cdk8s-mesh' },
      },
      spec: Lazy.any({ produce: () => this.toIstio() }),
    });
    this.node.addValidation({ validate: () => this.problems() });
  }

  /**
   * The service's fewest and most pods: its HorizontalPodAutoscaler's range, else its
   * replica count. Read at synth, so an autoscaler added later counts.
   */
  public get replicas(): ReplicaRange {
    const s = this.props.service;
    const hpa = MeshChart.of(this).node.findAll().find((c): c is ApiObject => c instanceof ApiObject
      && c.kind === 'HorizontalPodAutoscaler' && c.metadata.namespace === s.namespace && c.toJson().spec?.scaleTargetRef?.name === s.name);
    const spec = hpa?.toJson().spec;
    const fixed = (s as { replicas?: number }).replicas ?? 1;
    return spec ? { min: spec.minReplicas ?? 1, max: spec.maxReplicas } : { min: fixed, max: fixed };
  }

  /** Each pod's share of a service-wide rate: the rate over the most pods, rounded down. */
  public perPod(requestsPerSecond: number = this.requestsPerSecond): number {
    return Math.floor(requestsPerSecond / Math.max(1, this.replicas.max));
  }

  private bucket(options: RateLimitOptions): TokenBucket {
    const ms = this.fillInterval.toMilliseconds({ integral: false });
    const perFill = Math.round((this.perPod(rateOf(options)) * ms) / 1000);
    return { max_tokens: options.burst ?? perFill, tokens_per_fill: perFill, fill_interval: envoySeconds(ms) };
  }

  private toIstio(): EnvoyFilterSpec {
    const routes = this.props.routes ?? [];
    const config: Record<string, unknown> = {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
      'stat_prefix': 'http_local_rate_limiter',
      'token_bucket': this.bucket(this.props),
      // Without these two the filter counts but never refuses (Envoy's default is 0%).
      'filter_enabled': allRequests('local_rate_limit_enabled'),
      'filter_enforced': allRequests('local_rate_limit_enforced'),
      'response_headers_to_add': [{ append_action: 'OVERWRITE_IF_EXISTS_OR_ADD', header: { key: 'x-local-rate-limit', value: 'true' } }],
      'descriptors': routes.length > 0
        ? routes.map((r) => ({ entries: [{ key: 'route', value: r.name }], token_bucket: this.bucket(r) }))
        : undefined,
    };
    const patches: NonNullable<EnvoyFilterSpec['configPatches']> = [{
      applyTo: ApplyTo.HTTP_UNDERSCORE_FILTER,
      match: { context: Context.SIDECAR_UNDERSCORE_INBOUND, listener: { filterChain: { filter: { name: HCM } } } },
      patch: { operation: Operation.INSERT_UNDERSCORE_BEFORE, value: { name: LOCAL_RATELIMIT, typed_config: config } },
    }];
    if (routes.length > 0) {
      patches.push({
        applyTo: ApplyTo.HTTP_UNDERSCORE_ROUTE,
        match: { context: Context.SIDECAR_UNDERSCORE_INBOUND, routeConfiguration: { vhost: { route: { action: RouteAction.ANY } } } },
        patch: {
          operation: Operation.MERGE,
          value: {
            route: {
              rate_limits: routes.map((r) => ({
                actions: [{
                  header_value_match: {
                    descriptor_key: 'route',
                    descriptor_value: r.name,
                    headers: [{ name: ':path', string_match: { prefix: r.pathPrefix } }],
                  },
                }],
              })),
            },
          },
        },
      });
    }
    return { workloadSelector: { labels: { ...this.props.service.selectorLabels } }, priority: RATE_LIMIT_FILTER_PRIORITY, configPatches: patches };
  }

  private problems(): string[] {
    const out: string[] = [];
    const ms = this.fillInterval.toMilliseconds({ integral: false });
    if (!(ms >= MIN_FILL_INTERVAL_MS) || !Number.isInteger(ms)) {
      out.push(formatProblem(Codes.RATE_LIMIT_INVALID,
        `fillInterval must be a whole number of milliseconds, at least ${MIN_FILL_INTERVAL_MS}ms, got ${describeDuration(this.fillInterval)}`));
      return out;
    }
    out.push(...this.limitProblems('', this.props));
    const seen = new Set<string>();
    (this.props.routes ?? []).forEach((r, i) => {
      const field = `routes[${i}]`;
      const nameProblem = dns1123LabelProblem(r.name);
      if (nameProblem) out.push(formatProblem(Codes.INVALID_NAME, `${field}.name: ${nameProblem}`));
      if (seen.has(r.name)) out.push(formatProblem(Codes.RATE_LIMIT_INVALID, `${field}.name: '${r.name}' is used twice`));
      seen.add(r.name);
      if (!r.pathPrefix.startsWith('/')) out.push(formatProblem(Codes.RATE_LIMIT_INVALID, `${field}.pathPrefix must start with '/', got '${r.pathPrefix}'`));
      out.push(...this.limitProblems(`${field}.`, r));
    });
    return out;
  }

  private limitProblems(prefix: string, o: RateLimitOptions): string[] {
    const out = rateProblems(prefix, o);
    if (out.length > 0) return out;
    const { min, max } = this.replicas;
    const perPod = this.perPod(rateOf(o));
    if (perPod < 1) {
      out.push(formatProblem(Codes.LOCAL_RATE_LIMIT_REPLICAS,
        `${prefix}requestsPerSecond: ${rateOf(o)} rps over up to ${max} pods leaves less than 1 rps a pod`));
      return out;
    }
    const peak = o.capacity?.peakRequestsPerSecond;
    if (peak !== undefined && min * perPod < peak) {
      out.push(formatProblem(Codes.LOCAL_RATE_LIMIT_REPLICAS,
        `${prefix}capacity: each sidecar admits ${rateOf(o)} / ${max} pods = ${perPod} rps (the limit at the most pods), so the fewest ${min} pods admit ${min * perPod} rps, `
        + `below the peak of ${peak}; scale between ${min} and ${LocalRateLimit.maxReplicasFor(o.capacity!, min)} pods, or limit globally`));
    }
    const bucket = this.bucket(o);
    const exact = (perPod * this.fillInterval.toMilliseconds()) / 1000;
    if (!Number.isInteger(exact)) {
      out.push(formatProblem(Codes.RATE_LIMIT_INVALID,
        `${prefix}fillInterval: ${perPod} requests per second a pod over ${describeDuration(this.fillInterval)} is ${exact} tokens per fill, not a whole number`));
    } else if (bucket.tokens_per_fill < 1) {
      out.push(formatProblem(Codes.INVALID_RATE, `${prefix}fillInterval: ${describeDuration(this.fillInterval)} refills no token at ${perPod} requests per second a pod`));
    }
    if (o.burst !== undefined) {
      if (!Number.isInteger(o.burst) || o.burst <= 0) {
        out.push(formatProblem(Codes.INVALID_RATE, `${prefix}burst must be a positive whole number, got ${o.burst}`));
      } else if (o.burst < bucket.tokens_per_fill) {
        out.push(formatProblem(Codes.RATE_LIMIT_INVALID,
          `${prefix}burst (${o.burst}) is below the tokens added per fill (${bucket.tokens_per_fill}); the limit would be the burst, not the rate`));
      }
    }
    return out;
  }
}

/** The rate a limit's options imply: `requestsPerSecond` if given, else the capacity's limit; 0 if neither. */
export function rateOf(o: RateLimitOptions): number {
  if (o.requestsPerSecond !== undefined) return o.requestsPerSecond;
  if (o.capacity) return limitOf(o.capacity);
  return 0;
}

/** Problems with a limit's rate or capacity, each naming its field under `prefix`. */
export function rateProblems(prefix: string, o: RateLimitOptions): string[] {
  const out: string[] = [];
  if (o.requestsPerSecond === undefined && !o.capacity) {
    out.push(formatProblem(Codes.INVALID_RATE, `${prefix}requestsPerSecond or ${prefix}capacity must be given`));
  }
  if (o.requestsPerSecond !== undefined && o.capacity) {
    out.push(formatProblem(Codes.INVALID_RATE, `${prefix}requestsPerSecond and ${prefix}capacity are both given; give one`));
  }
  if (o.requestsPerSecond !== undefined && (!Number.isInteger(o.requestsPerSecond) || o.requestsPerSecond <= 0)) {
    out.push(formatProblem(Codes.INVALID_RATE, `${prefix}requestsPerSecond must be a positive whole number, got ${o.requestsPerSecond}`));
  }
  const peak = o.capacity?.peakRequestsPerSecond;
  if (peak !== undefined && !(Number.isFinite(peak) && peak > 0)) {
    out.push(formatProblem(Codes.INVALID_RATE, `${prefix}capacity.peakRequestsPerSecond must be positive, got ${peak}`));
  }
  return out;
}
