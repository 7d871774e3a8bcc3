import { Duration } from 'cdk8s';
import { Codes } from './codes';
import { describeDuration } from './duration';
import { formatProblem, MeshError } from './errors';
import { labelValueProblem } from './names';
import { Percentage } from './weight';

/**
 * A request rate in requests per second: a service's traffic capacity.
 * Zero is representable (and rejected at synth by an SLO, with its field).
 */
export class Rps {
  /** `value` requests per second; throws unless it is a finite number of at least 0. */
  public static of(value: number): Rps {
    if (!Number.isFinite(value) || value < 0) {
      throw new MeshError(Codes.OUT_OF_RANGE, `requests per second must be a finite number of at least 0, got ${value}`);
    }
    return new Rps(value);
  }

  private constructor(
    /** Requests per second. */
    public readonly value: number,
  ) {}

  /** `1200 rps` */
  public toString(): string {
    return `${this.value} rps`;
  }
}

/** Latency objectives: the 50th, 95th and 99th percentile of request duration. */
export interface LatencySlo {
  /** The median request duration. */
  readonly p50: Duration;
  /** The 95th percentile. */
  readonly p95: Duration;
  /** The 99th percentile; the latency alert fires above it. */
  readonly p99: Duration;
}

/** Saturation limits: the share of the containers' limits a service may use. */
export interface SaturationSlo {
  /** CPU use as a percentage of the CPU limit. */
  readonly cpu: Percentage;
  /** Memory working set as a percentage of the memory limit. */
  readonly memory: Percentage;
}

/**
 * A service's golden-signal objectives (seed 000's `ServiceSLO`): latency, errors,
 * traffic and saturation. Alerts, burn-rate rules, dashboards and trace sampling
 * are all derived from it.
 *
 * @example
 * const slo: ServiceSlo = {
 *   latency: { p50: Duration.millis(200), p95: Duration.millis(500), p99: Duration.seconds(1) },
 *   errorRate: Percentage.of(0.1),
 *   trafficCapacity: Rps.of(200),
 *   saturation: { cpu: Percentage.of(60), memory: Percentage.of(70) },
 * };
 */
export interface ServiceSlo {
  /** Latency objectives. */
  readonly latency: LatencySlo;
  /** The error budget: the share of requests that may fail (5xx), strictly between 0 and 100. */
  readonly errorRate: Percentage;
  /** The most requests per second the service is sized for. */
  readonly trafficCapacity: Rps;
  /** CPU and memory limits. */
  readonly saturation: SaturationSlo;
  /**
   * The team that owns the service: the `team` label of its alerts.
   * @default - the service name without a `-service` suffix (`payment-service` → `payment`)
   */
  readonly team?: string;
  /**
   * The service's name in alert summaries and dashboard titles.
   * @default - the service name in title case (`payment-service` → `Payment Service`)
   */
  readonly displayName?: string;
  /**
   * The share of capacity at which the traffic alert fires.
   * @default Percentage.of(80)
   */
  readonly trafficAlertAt?: Percentage;
  /**
   * The share of the service's requests that are traced, among those that arrive with no
   * sampling decision: a caller's proxy that traces decides first, and the service's proxy keeps
   * its decision. A service that admits only callers of its own namespace never uses it (MESH408).
   * @default - the stack's default sampling (10%)
   * @see https://istio.io/latest/docs/reference/config/telemetry/#Tracing
   */
  readonly tracingSampling?: Percentage;
}

/** The share of capacity at which the traffic alert fires, unless the SLO says otherwise. */
export const DEFAULT_TRAFFIC_ALERT_AT = 80;

/** `payment-service` → `payment`. */
export function defaultTeam(serviceName: string): string {
  return serviceName.replace(/-service$/, '');
}

/**
 * `payment-service` → `Payment Service`.
 * @internal
 */
export function titleCase(serviceName: string): string {
  return serviceName.split('-').filter((w) => w !== '').map((w) => w[0].toUpperCase() + w.slice(1)).join(' ');
}

/** `payment-service` → `PaymentService`, the prefix of the service's alert names. */
export function alertPrefix(serviceName: string): string {
  return titleCase(serviceName).replace(/ /g, '');
}

/** Problems with an SLO, each naming its field under `field` (`slo`). */
export function sloProblems(slo: ServiceSlo, field = 'slo'): string[] {
  const out: string[] = [];
  const { p50, p95, p99 } = slo.latency;
  const ms = (d: Duration) => d.toMilliseconds({ integral: false });
  for (const [name, d] of [['p50', p50], ['p95', p95], ['p99', p99]] as const) {
    if (!(ms(d) > 0) || !Number.isFinite(ms(d))) {
      out.push(formatProblem(Codes.SLO_LATENCY_ORDER, `${field}.latency.${name}: must be a positive duration, got ${describeDuration(d)}`));
    }
  }
  if (ms(p50) > ms(p95)) {
    out.push(formatProblem(Codes.SLO_LATENCY_ORDER,
      `${field}.latency: p50 (${describeDuration(p50)}) is above p95 (${describeDuration(p95)}); expected p50 <= p95 <= p99`));
  }
  if (ms(p95) > ms(p99)) {
    out.push(formatProblem(Codes.SLO_LATENCY_ORDER,
      `${field}.latency: p95 (${describeDuration(p95)}) is above p99 (${describeDuration(p99)}); expected p50 <= p95 <= p99`));
  }
  const budget = slo.errorRate.value;
  if (!(budget > 0 && budget < 100)) {
    out.push(formatProblem(Codes.SLO_ERROR_BUDGET, `${field}.errorRate: the error budget must be above 0% and below 100%, got ${budget}%`));
  }
  if (!(slo.trafficCapacity.value > 0)) {
    out.push(formatProblem(Codes.SLO_CAPACITY, `${field}.trafficCapacity: must be above 0 rps, got ${slo.trafficCapacity.value}`));
  }
  const positive: Record<string, Percentage | undefined> = {
    'saturation.cpu': slo.saturation.cpu,
    'saturation.memory': slo.saturation.memory,
    'trafficAlertAt': slo.trafficAlertAt,
  };
  for (const [name, p] of Object.entries(positive)) {
    if (p && !(p.value > 0)) out.push(formatProblem(Codes.SLO_SATURATION, `${field}.${name}: must be above 0%, got ${p.value}%`));
  }
  if (slo.team !== undefined) {
    const p = labelValueProblem(slo.team) ?? (slo.team === '' ? 'must not be empty' : undefined);
    if (p) out.push(formatProblem(Codes.INVALID_OBSERVABILITY_LABEL, `${field}.team: ${p}`));
  }
  return out;
}
