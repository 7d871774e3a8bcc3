import { Duration } from 'cdk8s';
import { Codes } from './codes';
import { toIstioDuration } from './duration';
import { MeshError } from './errors';

/**
 * A condition on which Envoy retries a request (Istio's `retryOn`).
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-retry-on
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-retry-grpc-on
 */
export type RetryCondition =
  | '5xx'
  | 'gateway-error'
  | 'reset'
  | 'reset-before-request'
  | 'connect-failure'
  | 'envoy-ratelimited'
  | 'retriable-4xx'
  | 'refused-stream'
  | 'retriable-status-codes'
  | 'retriable-headers'
  | 'http3-post-connect-failure'
  | 'cancelled'
  | 'deadline-exceeded'
  | 'internal'
  | 'resource-exhausted'
  | 'unavailable';

/** Every retry condition Envoy understands, in the order Envoy's documentation lists them. */
export const RETRY_CONDITIONS: readonly RetryCondition[] = [
  '5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'envoy-ratelimited',
  'retriable-4xx', 'refused-stream', 'retriable-status-codes', 'retriable-headers',
  'http3-post-connect-failure', 'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
];

/** Retry conditions under which a request that reached the upstream may be sent twice. */
export const RETRY_CONDITIONS_AFTER_RESPONSE: readonly RetryCondition[] = [
  '5xx', 'gateway-error', 'retriable-4xx', 'retriable-status-codes', 'retriable-headers',
  'internal', 'unavailable', 'resource-exhausted', 'deadline-exceeded', 'cancelled',
];

/**
 * Retry conditions that may send a request the upstream has already received a second
 * time: every condition on a response, and `reset`, which Envoy also retries after the
 * request's headers went out ("disconnect/reset/read timeout"). `reset-before-request`
 * and `connect-failure` retry only when nothing reached the upstream.
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-retry-on
 */
export const RETRY_CONDITIONS_RESENDING: readonly RetryCondition[] = [...RETRY_CONDITIONS_AFTER_RESPONSE, 'reset'];

/**
 * The library's retry conditions for routes that serve non-idempotent requests (POST,
 * PATCH) and for a SecureService: Envoy retries only when the request never reached the
 * upstream (`reset-before-request`: "only if no headers were sent upstream";
 * `connect-failure`), so a charge is never sent twice. Istio 1.24 accepts both
 * (pkg/config/validation/validation.go, `supportedRetryOnPolicies`).
 *
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-retry-on
 */
export const NON_IDEMPOTENT_RETRY_ON: readonly RetryCondition[] = ['reset-before-request', 'connect-failure'];

/** Options for {@link Retries.of}. Field names are Istio's. */
export interface RetriesOptions {
  /**
   * How many times a request is retried (not counting the first try). 0 turns retries
   * off and then nothing else may be set (prefer {@link Retries.none}).
   * @default - inherited from the tier
   */
  readonly attempts?: number;
  /**
   * The timeout of each try, whole milliseconds and at least 1ms.
   * @default - inherited from the tier
   */
  readonly perTryTimeout?: Duration;
  /**
   * The conditions on which to retry.
   * @default - inherited from the tier
   */
  readonly retryOn?: RetryCondition[];
  /**
   * Whether retries go to endpoints in other localities.
   * @default - inherited from the tier (Istio's own default: false)
   */
  readonly retryRemoteLocalities?: boolean;
}

/**
 * `retries` of a VirtualService HTTP route as Istio reads it: what {@link Retries} renders.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRetry
 */
export interface IstioHttpRetry {
  /** Retry attempts; 0 turns retries off. */
  readonly attempts?: number;
  /** Timeout of each try, in Istio's form (`2s`). */
  readonly perTryTimeout?: string;
  /** Retry conditions, comma-separated. */
  readonly retryOn?: string;
  /** Whether retries may go to other localities. */
  readonly retryRemoteLocalities?: boolean;
}

/**
 * A retry policy for an HTTP route. Settings left out are inherited from the tier,
 * field by field; {@link Retries.none} turns retries off. Its two shapes (retries off,
 * a policy) are private subclasses that merge and render themselves.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRetry
 */
export abstract class Retries {
  /**
   * Retry with these settings; throws on attempts outside 0-100 or on unknown or duplicate
   * conditions. Zero attempts with conditions or a per-try timeout fails synth (MESH014).
   */
  public static of(options: RetriesOptions): Retries {
    const { attempts, retryOn } = options;
    if (attempts !== undefined && (!Number.isInteger(attempts) || attempts < 0 || attempts > 100)) {
      throw new MeshError(Codes.OUT_OF_RANGE, `retries.attempts must be a whole number from 0 to 100, got ${attempts}`);
    }
    if (retryOn !== undefined) {
      if (retryOn.length === 0) throw new MeshError(Codes.INVALID_RETRY_CONDITION, 'retries.retryOn must name at least one condition');
      const seen = new Set<string>();
      for (const c of retryOn) {
        if (!RETRY_CONDITIONS.includes(c)) {
          const known = RETRY_CONDITIONS.join(', ');
          throw new MeshError(Codes.INVALID_RETRY_CONDITION, `retries.retryOn: unknown condition '${String(c)}'; known: ${known}`);
        }
        if (seen.has(c)) throw new MeshError(Codes.DUPLICATE_ENTRY, `retries.retryOn names '${c}' twice`);
        seen.add(c);
      }
    }
    const conditions = retryOn ? [...retryOn] : undefined;
    return attempts === 0
      ? new NoRetries(options.perTryTimeout, conditions, options.retryRemoteLocalities)
      : new RetryPolicy(attempts, options.perTryTimeout, conditions, options.retryRemoteLocalities);
  }

  /** No retries at all (`attempts: 0`). */
  public static none(): Retries {
    return new NoRetries(undefined, undefined, undefined);
  }

  /** True when retries are off. */
  public abstract readonly disabled: boolean;

  protected constructor(
    /** Retry attempts, if set. */
    public readonly attempts: number | undefined,
    /** Timeout of each try, if set. */
    public readonly perTryTimeout: Duration | undefined,
    /** Retry conditions, if set. */
    public readonly retryOn: readonly RetryCondition[] | undefined,
    /** Retries to other localities, if set. */
    public readonly retryRemoteLocalities: boolean | undefined,
  ) {}

  /** Why these settings are contradictory (zero attempts with conditions), or undefined. */
  public problem(): string | undefined {
    if (this.attempts !== 0) return undefined;
    const set = [
      this.retryOn && 'retryOn',
      this.perTryTimeout && 'perTryTimeout',
      this.retryRemoteLocalities !== undefined && 'retryRemoteLocalities',
    ].filter(Boolean);
    return set.length > 0
      ? `retries.attempts is 0 but ${set.join(', ')} ${set.length > 1 ? 'are' : 'is'} set; use Retries.none() to turn retries off`
      : undefined;
  }

  /** These settings over `base`: each field set here wins; zero attempts win outright. */
  public abstract over(base: Retries | undefined): Retries;

  /** @internal The policy as Istio's HTTP route `retries`. */
  public abstract _toIstio(): IstioHttpRetry;

  /** Every field as set, in Istio's form; a duration Istio would refuse is described, not thrown (MESH010 reports it). */
  protected renderFields(): IstioHttpRetry {
    const t = this.perTryTimeout;
    return {
      attempts: this.attempts,
      perTryTimeout: t ? toIstioDuration(t) : undefined,
      retryOn: this.retryOn ? this.retryOn.join(',') : undefined,
      retryRemoteLocalities: this.retryRemoteLocalities,
    };
  }
}

/** Retries off: `attempts: 0`, over any base. */
class NoRetries extends Retries {
  public readonly disabled = true;

  public constructor(
    perTryTimeout: Duration | undefined,
    retryOn: readonly RetryCondition[] | undefined,
    retryRemoteLocalities: boolean | undefined,
  ) {
    super(0, perTryTimeout, retryOn, retryRemoteLocalities);
  }

  public over(): Retries {
    return this;
  }

  public _toIstio(): IstioHttpRetry {
    // contradictory settings are written as given, so the output shows what MESH014 reports
    return this.problem() ? this.renderFields() : { attempts: 0 };
  }
}

/** Retries on: each field set here over the base's. */
class RetryPolicy extends Retries {
  public readonly disabled = false;

  public constructor(
    attempts: number | undefined,
    perTryTimeout: Duration | undefined,
    retryOn: readonly RetryCondition[] | undefined,
    retryRemoteLocalities: boolean | undefined,
  ) {
    super(attempts, perTryTimeout, retryOn, retryRemoteLocalities);
  }

  public over(base: Retries | undefined): Retries {
    if (!base || base.disabled) return this;
    return new RetryPolicy(
      this.attempts ?? base.attempts,
      this.perTryTimeout ?? base.perTryTimeout,
      this.retryOn ?? base.retryOn,
      this.retryRemoteLocalities ?? base.retryRemoteLocalities,
    );
  }

  public _toIstio(): IstioHttpRetry {
    return this.renderFields();
  }
}
