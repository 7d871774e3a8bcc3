import { Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr } from '../../../imports/monitoring.coreos.com';
import { Codes } from '../../core/codes';
import { describeDuration, toPromDuration } from '../../core/duration';
import { formatProblem } from '../../core/errors';
import { labelValueProblem } from '../../core/names';
import { Percentage } from '../../core/weight';
import { decimal, ratioOf, selector } from '../../private/promql';
import { MeshService } from '../../graph/mesh-service';

/** Props for {@link CanaryRollbackRules}. */
export interface CanaryRollbackRulesProps {
  /** The service whose canary is watched. */
  readonly service: MeshService;
  /**
   * The canary's `version` label.
   * @default 'v2'
   */
  readonly canaryVersion?: string;
  /**
   * The stable version's `version` label.
   * @default - the service's version
   */
  readonly stableVersion?: string;
  /**
   * The window every rate is taken over.
   * @default Duration.minutes(5)
   */
  readonly window?: Duration;
  /**
   * Roll back when the canary's error rate exceeds the stable's this many times.
   * @default 3
   */
  readonly errorRateRatio?: number;
  /**
   * How long the relative error rate must hold before the alert fires.
   * @default Duration.minutes(2)
   */
  readonly errorRateFor?: Duration;
  /**
   * The relative error rule ignores canary error rates under this floor, so one
   * error against a stable version with none does not count as "3× worse".
   * @default Percentage.of(0.5) - seed 000's phase criterion
   */
  readonly relativeErrorRateFloor?: Percentage;
  /**
   * Warn when the canary's P99 latency exceeds the stable's this many times.
   * @default 2
   */
  readonly latencyRatio?: number;
  /**
   * How long the relative latency must hold before the alert fires.
   * @default Duration.minutes(5)
   */
  readonly latencyFor?: Duration;
  /**
   * Roll back at once when the canary's error rate exceeds this, whatever the stable's.
   * @default Percentage.of(5)
   */
  readonly maxErrorRate?: Percentage;
  /**
   * Roll back at once when the canary's P99 latency exceeds this, whatever the stable's.
   * @default Duration.millis(1000)
   */
  readonly maxP99Latency?: Duration;
  /**
   * No rule fires unless the canary (and, for the relative rules, the stable version)
   * received at least this many requests in the window: a handful of requests proves nothing.
   * @default 100
   */
  readonly minRequests?: number;
  /**
   * Labels Prometheus's `ruleSelector` requires: without them prometheus-operator never
   * loads the rules (kube-prometheus-stack selects by its Helm release).
   * @default - the platform's `prometheus.selectorLabels` ({ release: 'kube-prometheus-stack' } on a stock install)
   * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.PrometheusSpec (ruleSelector)
   */
  readonly ruleSelectorLabels?: Record<string, string>;
}

/** The PrometheusRule's one group name (seed 000). */
export const ROLLBACK_GROUP = 'canary-rollback-triggers';

/**
 * Rollback rules for a canary, as a PrometheusRule `<service>-canary-rollback`:
 * seed 000's relative rules (error rate over 3× stable's for 2m: critical, roll
 * back; P99 over 2× stable's for 5m: warning) and seed 003's absolute bounds (error
 * rate over 5% or P99 over 1000ms: roll back at once).
 *
 * Every rule is guarded against low traffic: it fires only when the canary (and, for
 * the relative rules, the stable version) received at least `minRequests` requests in
 * the window, so a canary with no traffic never divides by zero or fires on one error.
 * Error counts default to 0 when no 5xx series exists, so a stable version with no
 * errors at all still yields a ratio.
 */
export class CanaryRollbackRules extends Construct {
  /** The PrometheusRule's name. */
  public readonly ruleName: string;
  /** The canary's version label. */
  public readonly canaryVersion: string;
  /** The stable version's label. */
  public readonly stableVersion: string;

  private readonly service: MeshService;
  private readonly s: Required<Omit<CanaryRollbackRulesProps, 'service' | 'canaryVersion' | 'stableVersion' | 'ruleSelectorLabels'>>;
  /** The labels Prometheus's rule selector requires, on the PrometheusRule. */
  public readonly ruleSelectorLabels: Readonly<Record<string, string>>;

  public constructor(scope: Construct, id: string, props: CanaryRollbackRulesProps) {
    super(scope, id);
    this.service = props.service;
    this.canaryVersion = props.canaryVersion ?? 'v2';
    this.stableVersion = props.stableVersion ?? props.service.version;
    this.ruleName = `${props.service.name}-canary-rollback`;
    this.ruleSelectorLabels = { ...(props.ruleSelectorLabels ?? props.service.chart.platform.prometheus.selectorLabels) };
    this.s = {
      window: props.window ?? Duration.minutes(5),
      errorRateRatio: props.errorRateRatio ?? 3,
      errorRateFor: props.errorRateFor ?? Duration.minutes(2),
      relativeErrorRateFloor: props.relativeErrorRateFloor ?? Percentage.of(0.5),
      latencyRatio: props.latencyRatio ?? 2,
      latencyFor: props.latencyFor ?? Duration.minutes(5),
      maxErrorRate: props.maxErrorRate ?? Percentage.of(5),
      maxP99Latency: props.maxP99Latency ?? Duration.millis(1000),
      minRequests: props.minRequests ?? 100,
    };
    new PrometheusRule(this, 'Resource', {
      metadata: {
        name: this.ruleName,
        namespace: this.service.namespace,
        labels: { ...this.service.chart.commonLabels(), 'app.kubernetes.io/name': this.service.name, ...this.ruleSelectorLabels },
      },
      spec: Lazy.any({ produce: () => ({ groups: [{ name: ROLLBACK_GROUP, rules: this.rules() }] }) }),
    });
    this.node.addValidation({ validate: () => this.problems() });
  }

  private rules() {
    const s = this.s;
    const w = toPromDuration(s.window);
    const svc = this.service.name;
    const base = (version: string): Array<[string, string, ('=' | '=~')?]> => [
      ['reporter', 'destination'],
      ['destination_service_namespace', this.service.namespace],
      ['destination_service_name', svc],
      ['destination_version', version],
    ];
    const requests = (v: string) => `sum(rate(istio_requests_total${selector(base(v))}[${w}]))`;
    const errors = (v: string) => `(sum(rate(istio_requests_total${selector([...base(v), ['response_code', '5.*', '=~']])}[${w}])) or on() vector(0))`;
    const errorRate = (v: string) => `(\n  ${errors(v)}\n  /\n  ${requests(v)}\n)`;
    const p99 = (v: string) => `histogram_quantile(0.99, sum by (le) (rate(istio_request_duration_milliseconds_bucket${selector(base(v))}[${w}])))`;
    const enough = (v: string) => `(sum(increase(istio_requests_total${selector(base(v))}[${w}])) >= ${s.minRequests})`;
    const c = this.canaryVersion;
    const st = this.stableVersion;
    // namespace and environment tell one environment's rollback from another's in a shared Alertmanager.
    const labels = (severity: string, action: string) => ({
      severity, action, service: svc, canary_version: c, namespace: this.service.namespace, environment: this.service.chart.environment,
    });
    const expr = (text: string) => PrometheusRuleSpecGroupsRulesExpr.fromString(text);
    return [
      {
        alert: 'CanaryHighErrorRate',
        expr: expr(`${errorRate(c)}\n> ${decimal(s.errorRateRatio)} * ${errorRate(st)}\nand on() ${errorRate(c)} > ${ratioOf(s.relativeErrorRateFloor.value)}\n`
          + `and on() ${enough(c)}\nand on() ${enough(st)}`),
        for: toPromDuration(s.errorRateFor),
        labels: labels('critical', 'rollback'),
        annotations: { summary: `カナリア(${c})のエラー率がstable(${st})の${decimal(s.errorRateRatio)}倍超過。自動ロールバック推奨` },
      },
      {
        alert: 'CanaryHighLatency',
        expr: expr(`${p99(c)}\n> ${decimal(s.latencyRatio)} * ${p99(st)}\nand on() ${enough(c)}\nand on() ${enough(st)}`),
        for: toPromDuration(s.latencyFor),
        labels: labels('warning', 'investigate'),
        annotations: { summary: `カナリア(${c})のP99レイテンシがstable(${st})の${decimal(s.latencyRatio)}倍超過` },
      },
      {
        alert: 'CanaryErrorRateAboveBound',
        expr: expr(`${errorRate(c)} > ${ratioOf(s.maxErrorRate.value)}\nand on() ${enough(c)}`),
        labels: labels('critical', 'rollback'),
        annotations: { summary: `カナリア(${c})のエラー率が${decimal(s.maxErrorRate.value)}%超過。即座にロールバック` },
      },
      {
        alert: 'CanaryLatencyAboveBound',
        expr: expr(`${p99(c)} > ${decimal(s.maxP99Latency.toMilliseconds({ integral: false }))}\nand on() ${enough(c)}`),
        labels: labels('critical', 'rollback'),
        annotations: { summary: `カナリア(${c})のP99レイテンシが${describeDuration(s.maxP99Latency)}超過。即座にロールバック` },
      },
    ];
  }

  private problems(): string[] {
    const s = this.s;
    const out: string[] = [];
    const bad = (field: string, what: string) => out.push(formatProblem(Codes.ROLLBACK_RULE_INVALID, `${field}: ${what}`));
    for (const [field, d] of Object.entries({ window: s.window, errorRateFor: s.errorRateFor, latencyFor: s.latencyFor, maxP99Latency: s.maxP99Latency })) {
      const ms = d.toMilliseconds({ integral: false });
      if (!(ms >= 1) || !Number.isInteger(ms)) bad(field, `must be a whole number of milliseconds, at least 1ms, got ${describeDuration(d)}`);
    }
    for (const [field, n] of Object.entries({ errorRateRatio: s.errorRateRatio, latencyRatio: s.latencyRatio })) {
      if (!Number.isFinite(n) || n <= 1) bad(field, `must be a number above 1 (a canary worse than stable), got ${n}`);
    }
    if (!Number.isInteger(s.minRequests) || s.minRequests < 1) bad('minRequests', `must be a whole number of at least 1, got ${s.minRequests}`);
    if (s.maxErrorRate.value === 0) bad('maxErrorRate', 'must be above 0%: at 0% every single error rolls back');
    for (const [k, v] of Object.entries(this.ruleSelectorLabels)) {
      const p = labelValueProblem(v);
      if (p) out.push(formatProblem(Codes.INVALID_OBSERVABILITY_LABEL, `ruleSelectorLabels.${k}: ${p}`));
    }
    if (this.canaryVersion === this.stableVersion) {
      out.push(formatProblem(Codes.CANARY_NO_STABLE_VERSION, `canaryVersion: '${this.canaryVersion}' is also the stable version`));
    }
    return out;
  }
}
