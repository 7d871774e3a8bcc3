import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { Codes } from '../../core/codes';
import { describeDuration } from '../../core/duration';
import { formatProblem } from '../../core/errors';
import { Labels } from '../../core/labels';
import { dns1123LabelProblem } from '../../core/names';
import { MeshChart } from '../../graph/mesh-chart';
import { IMeshService } from '../../graph/mesh-service';
import { addEnvoyFilter, renderLocalRateLimitSpec, TokenBucket, tokenBucket } from './local-rate-limit.render';
import { limitOf, TrafficCapacity } from './capacity';
import { addProblems } from '../../private/construct-problems';

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
   * A bucket no bigger than one fill refuses the uneven seconds of a steady rate (a second of 190
   * requests at an average of 171), so by default one fill interval's unused tokens carry over.
   * @default - two fill intervals' worth of tokens
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

const MIN_FILL_INTERVAL_MS = 50;

/** The fewest and most pods a service runs. */
export interface ReplicaRange {
  readonly min: number;
  readonly max: number;
}

/** Kubernetes' default rolling update: 25% of the pods unavailable at once (rounded down), 25% surge (rounded up). */
const DEFAULT_MAX_UNAVAILABLE = '25%';

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
 * far it scales, the service admits at most the limit. At its fewest pods, with as many down
 * as a rollout or a drain takes at once (the Deployment's `maxUnavailable`, 25% rounded down
 * by default, or its PodDisruptionBudget's allowance, whichever is more), the pods left admit
 * that many shares, which must still cover the peak, or synth fails (MESH664) with the
 * arithmetic; {@link LocalRateLimit.maxReplicasFor} gives the widest range that keeps both. A
 * rollout's surge pods bring their own share with their own capacity. An exact total at every
 * scale needs a global limit.
 *
 * Each bucket holds two fill intervals' tokens by default: a steady rate is uneven second by
 * second, and a bucket of exactly one fill refuses the busy seconds of an average it allows.
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
   * from `capacity` still serves the peak at the fewest pods with `unavailable` of them down (a
   * rollout's or a drain's): the largest `max` with `(minReplicas - unavailable) × floor(limit / max) ≥ peak`
   * (search: 1,200 over min 6 with one pod down → max 6, 200 rps a pod, 1,000 at 5 pods);
   * `minReplicas` itself when even that range cannot serve the peak.
   */
  public static maxReplicasFor(capacity: TrafficCapacity, minReplicas: number, unavailable = 1): number {
    const limit = limitOf(capacity);
    const serving = Math.max(0, minReplicas - unavailable);
    let max = minReplicas;
    while (serving * Math.floor(limit / (max + 1)) >= capacity.peakRequestsPerSecond) max++;
    return max;
  }

  /** The service whose sidecars enforce the limit. */
  public readonly service: IMeshService;
  /** The service's limit as a whole, in requests per second (0 when its input is invalid). */
  public readonly requestsPerSecond: number;
  /** The fill interval. */
  public readonly fillInterval: Duration;
  /** The paths with limits of their own. */
  public readonly routes: readonly LocalRateLimitRouteOptions[];
  /** The service's own limit as given: a capacity or a rate, and the burst. */
  private readonly limit: RateLimitOptions;

  public constructor(scope: Construct, id: string, props: LocalRateLimitProps) {
    super(scope, id);
    this.service = props.service;
    this.fillInterval = props.fillInterval ?? Duration.seconds(1);
    this.limit = Object.freeze({ capacity: props.capacity, requestsPerSecond: props.requestsPerSecond, burst: props.burst });
    this.requestsPerSecond = rateOf(this.limit);
    this.routes = Object.freeze((props.routes ?? []).map((r) => Object.freeze({ ...r })));
    addEnvoyFilter(this, 'Resource', {
      name: `${this.service.name}-local-ratelimit`,
      namespace: this.service.namespace,
      labels: { [Labels.APP]: this.service.name, [Labels.MANAGED_BY]: 'cdk8s-mesh' },
    }, () => renderLocalRateLimitSpec(this));
    addProblems(this, () => this.problems());
  }

  /**
   * The service's fewest and most pods: its HorizontalPodAutoscaler's range, else its
   * replica count. Read at synth, so an autoscaler added later counts.
   */
  public get replicas(): ReplicaRange {
    const s = this.service;
    const hpa = MeshChart.of(this).node.findAll().find((c): c is ApiObject => ApiObject.isApiObject(c)
      && c.kind === 'HorizontalPodAutoscaler' && c.metadata.namespace === s.namespace && c.toJson().spec?.scaleTargetRef?.name === s.name);
    const spec = hpa?.toJson().spec;
    const fixed = (s as { replicas?: number }).replicas ?? 1;
    return spec ? { min: spec.minReplicas ?? 1, max: spec.maxReplicas } : { min: fixed, max: fixed };
  }

  /**
   * The most pods down at once at the fewest replicas: a rollout's (the Deployment's
   * `rollingUpdate.maxUnavailable`, a percentage rounded down, Kubernetes' 25% by default; all
   * of them for `Recreate`) or a drain's (the PodDisruptionBudget's maxUnavailable, or the
   * pods above its minAvailable), whichever is more. Read at synth from the rendered objects.
   * @see https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#max-unavailable
   * @see https://kubernetes.io/docs/concepts/workloads/pods/disruptions/#pod-disruption-budgets
   */
  public get unavailable(): number {
    const s = this.service;
    const { min } = this.replicas;
    const objects = MeshChart.of(this).node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c) && c.metadata.namespace === s.namespace);
    const deployment = objects.find((c) => c.kind === 'Deployment' && c.metadata.name === s.name)?.toJson().spec;
    const strategy = deployment?.strategy ?? {};
    const rollout = strategy.type === 'Recreate' ? min : countOf(strategy.rollingUpdate?.maxUnavailable ?? DEFAULT_MAX_UNAVAILABLE, min);
    const pdb = objects.find((c) => c.kind === 'PodDisruptionBudget' && c.metadata.name === s.name)?.toJson().spec;
    const drain = pdb?.maxUnavailable !== undefined ? countOf(pdb.maxUnavailable, min, true)
      : pdb?.minAvailable !== undefined ? Math.max(0, min - countOf(pdb.minAvailable, min, true)) : 0;
    return Math.min(min, Math.max(rollout, drain));
  }

  /** Each pod's share of a service-wide rate: the rate over the most pods, rounded down. */
  public perPod(requestsPerSecond: number = this.requestsPerSecond): number {
    return Math.floor(requestsPerSecond / Math.max(1, this.replicas.max));
  }

  /** @internal The bucket of the service's own limit, or of route `route`, worked out for the pods the service runs (read at synth). */
  public _bucket(route?: number): TokenBucket {
    return this.bucket(route === undefined ? this.limit : this.routes[route]);
  }

  private bucket(options: RateLimitOptions): TokenBucket {
    return tokenBucket(this.perPod(rateOf(options)), this.fillInterval.toMilliseconds({ integral: false }), options.burst);
  }

  private problems(): string[] {
    const out: string[] = [];
    const ms = this.fillInterval.toMilliseconds({ integral: false });
    if (!(ms >= MIN_FILL_INTERVAL_MS) || !Number.isInteger(ms)) {
      out.push(formatProblem(Codes.RATE_LIMIT_INVALID,
        `fillInterval must be a whole number of milliseconds, at least ${MIN_FILL_INTERVAL_MS}ms, got ${describeDuration(this.fillInterval)}`));
      return out;
    }
    out.push(...this.limitProblems('', this.limit));
    const seen = new Set<string>();
    this.routes.forEach((r, i) => {
      const field = `routes[${i}]`;
      const nameProblem = dns1123LabelProblem(r.name);
      if (nameProblem) out.push(formatProblem(Codes.INVALID_NAME, `${field}.name: ${nameProblem}`));
      if (seen.has(r.name)) out.push(formatProblem(Codes.RATE_LIMIT_INVALID, `${field}.name: '${r.name}' is used twice`));
      seen.add(r.name);
      if (!r.pathPrefix.startsWith('/'))
        out.push(formatProblem(Codes.RATE_LIMIT_INVALID, `${field}.pathPrefix must start with '/', got '${r.pathPrefix}'`));
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
    const capacity = o.capacity;
    const down = this.unavailable;
    const serving = min - down;
    if (capacity && serving * perPod < capacity.peakRequestsPerSecond) {
      const widest = LocalRateLimit.maxReplicasFor(capacity, min, down);
      const fits = serving * Math.floor(rateOf(o) / widest) >= capacity.peakRequestsPerSecond;
      const fix = !fits
        ? 'run more pods'
        : widest === min
          ? `keep ${min} pods, without autoscaling above them`
          : `scale between ${min} and ${widest} pods`;
      out.push(
        formatProblem(
          Codes.LOCAL_RATE_LIMIT_REPLICAS,
          `${prefix}capacity: each sidecar admits ${rateOf(o)} / ${max} pods = ${perPod} rps (the limit at the most pods), so the fewest ${min} `
            + 'pods, ' +
            `${down} of them down in a rollout or drain, admit ${serving} × ${perPod} = ${serving * perPod} rps, below the peak of `
              + `${capacity.peakRequestsPerSecond}; ` +
            `${fix}, or limit globally`,
        ),
      );
    }
    const bucket = this.bucket(o);
    const exact = (perPod * this.fillInterval.toMilliseconds()) / 1000;
    if (!Number.isInteger(exact)) {
      out.push(
        formatProblem(
          Codes.RATE_LIMIT_INVALID,
          `${prefix}fillInterval: ${perPod} requests per second a pod over ${describeDuration(this.fillInterval)} is ${exact} tokens per fill, not `
            + 'a whole number',
        ),
      );
    } else if (bucket.tokens_per_fill < 1) {
      out.push(
        formatProblem(
          Codes.INVALID_RATE,
          `${prefix}fillInterval: ${describeDuration(this.fillInterval)} refills no token at ${perPod} requests per second a pod`,
        ),
      );
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
function rateOf(o: RateLimitOptions): number {
  if (o.requestsPerSecond !== undefined) return o.requestsPerSecond;
  if (o.capacity) return limitOf(o.capacity);
  return 0;
}

/** Problems with a limit's rate or capacity, each naming its field under `prefix`. */
function rateProblems(prefix: string, o: RateLimitOptions): string[] {
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

/**
 * An IntOrString count of pods (`1`, `'25%'`) out of `of`: a percentage rounded down (a rollout's
 * maxUnavailable), or up when `up` (a PodDisruptionBudget's, which Kubernetes rounds up).
 */
function countOf(value: number | string, of: number, up = false): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) return Number(value) || 0;
  const exact = (Number(m[1]) * of) / 100;
  return up ? Math.ceil(exact) : Math.floor(exact);
}
