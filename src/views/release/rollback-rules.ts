import type { IReleasedService } from '../../graph/mesh-service-props';
import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { Codes } from '../../core/codes';
import { describeDuration } from '../../core/duration';
import { formatProblem } from '../../core/errors';
import { dns1123LabelProblem, labelValueProblem } from '../../core/names';
import { Percentage } from '../../core/weight';
import { addPrometheusRule } from '../observability/observability-stack.render';
import { renderRollbackRuleGroup, RollbackThresholds } from './rollback-rules.render';
import { addProblems } from '../../private/construct-problems';

/** Props for {@link CanaryRollbackRules}. */
export interface CanaryRollbackRulesProps {
  /** The service whose canary is watched. */
  readonly service: IReleasedService;
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
   * The ratio rules (relative and absolute error rate and latency) fire only when the canary
   * (and, for the relative rules, the stable version) received at least this many requests in
   * the window: a handful of requests proves nothing. The rules for a canary that answers
   * nothing right (`CanaryNoSuccessfulResponses`, `CanaryPodsNotReady`) have no such guard.
   * @default 100
   */
  readonly minRequests?: number;
  /**
   * The canary's Deployment, whose unavailable replicas kube-state-metrics reports
   * (`kube_deployment_status_replicas_unavailable`).
   * @default - `<service>-<canaryVersion>`, the Deployment a {@link CanaryRelease} or `MeshService.addVersion` writes
   * @see https://github.com/kubernetes/kube-state-metrics/blob/main/docs/metrics/workload/deployment-metrics.md
   */
  readonly canaryDeployment?: string;
  /**
   * How long the canary's pods may stay unready, with not one successful answer, before it rolls back.
   * @default Duration.minutes(5)
   */
  readonly notReadyFor?: Duration;
  /**
   * Whether the rollback alerts page (`severity: critical`); when false they are `warning`
   * and keep their `action: rollback` label, for automation and routing to act on.
   * @default - the chart's `production`
   */
  readonly paging?: boolean;
  /**
   * Labels Prometheus's `ruleSelector` requires: without them prometheus-operator never
   * loads the rules (kube-prometheus-stack selects by its Helm release).
   * @default - the platform's `prometheus.selectorLabels` ({ release: 'kube-prometheus-stack' } on a stock install)
   * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.PrometheusSpec (ruleSelector)
   */
  readonly ruleSelectorLabels?: Record<string, string>;
}

export { ROLLBACK_GROUP } from './rollback-rules.render';

/**
 * Rollback rules for a canary, as a PrometheusRule `<service>-canary-rollback`:
 * seed 000's relative rules (error rate over 3× stable's for 2m: critical, roll
 * back; P99 over 2× stable's for 5m: warning) and seed 003's absolute bounds (error
 * rate over 5% or P99 over 1000ms: roll back at once).
 *
 * Requests are counted as the callers saw them (`reporter="source"`, and the service's own
 * reports for callers without a proxy, each request once), so the 503s and per-try 504s a
 * caller's proxy raises without an answer from the canary count against it. The ratio rules
 * are guarded against low traffic: they fire only when the canary (and, for the relative
 * rules, the stable version) received at least `minRequests` requests in the window, so a
 * canary with little traffic never divides by zero or fires on one error. Error counts default
 * to 0 when no 5xx series exists, so a stable version with no errors at all still yields a ratio.
 *
 * A dead canary is not silenced by that guard: `CanaryNoSuccessfulResponses` rolls back a
 * canary that has traffic but not one successful answer (for `errorRateFor`), and
 * `CanaryPodsNotReady` one whose Deployment has unavailable replicas while it answers nothing
 * (for `notReadyFor`): an unready pod leaves the endpoints, its callers get 503 UH, and no
 * request metric names the canary then.
 *
 * Its default child (`Resource`) is the PrometheusRule.
 */
export class CanaryRollbackRules extends Construct {
  /** The PrometheusRule's name. */
  public readonly ruleName: string;
  /** The canary's version label. */
  public readonly canaryVersion: string;
  /** The stable version's label. */
  public readonly stableVersion: string;
  /** The canary's Deployment. */
  public readonly canaryDeployment: string;
  /** Whether the rollback alerts page. */
  public readonly paging: boolean;

  /** @internal The service released. */
  public readonly _service: IReleasedService;
  /** @internal The thresholds, defaults worked out. */
  public readonly _thresholds: RollbackThresholds;
  /** The labels Prometheus's rule selector requires, on the PrometheusRule. */
  public readonly ruleSelectorLabels: Readonly<Record<string, string>>;

  public constructor(scope: Construct, id: string, props: CanaryRollbackRulesProps) {
    super(scope, id);
    this._service = props.service;
    this.canaryVersion = props.canaryVersion ?? 'v2';
    this.stableVersion = props.stableVersion ?? props.service.version;
    this.ruleName = `${props.service.name}-canary-rollback`;
    this.ruleSelectorLabels = { ...(props.ruleSelectorLabels ?? props.service.chart.platform.prometheus.selectorLabels) };
    this._thresholds = {
      window: props.window ?? Duration.minutes(5),
      errorRateRatio: props.errorRateRatio ?? 3,
      errorRateFor: props.errorRateFor ?? Duration.minutes(2),
      relativeErrorRateFloor: props.relativeErrorRateFloor ?? Percentage.of(0.5),
      latencyRatio: props.latencyRatio ?? 2,
      latencyFor: props.latencyFor ?? Duration.minutes(5),
      maxErrorRate: props.maxErrorRate ?? Percentage.of(5),
      maxP99Latency: props.maxP99Latency ?? Duration.millis(1000),
      minRequests: props.minRequests ?? 100,
      notReadyFor: props.notReadyFor ?? Duration.minutes(5),
    };
    this.paging = props.paging ?? props.service.chart.production;
    this.canaryDeployment = props.canaryDeployment ?? `${props.service.name}-${this.canaryVersion}`;
    addPrometheusRule(this, 'Resource', {
      name: this.ruleName,
      namespace: this._service.namespace,
      labels: { ...this._service.chart.commonLabels(), 'app.kubernetes.io/name': this._service.name, ...this.ruleSelectorLabels },
    }, () => [renderRollbackRuleGroup(this)]);
    addProblems(this, () => this.problems());
  }

  private problems(): string[] {
    const s = this._thresholds;
    const out: string[] = [];
    const bad = (field: string, what: string) => out.push(formatProblem(Codes.ROLLBACK_RULE_INVALID, `${field}: ${what}`));
    const durations = {
      window: s.window,
      errorRateFor: s.errorRateFor,
      latencyFor: s.latencyFor,
      maxP99Latency: s.maxP99Latency,
      notReadyFor: s.notReadyFor,
    };
    for (const [field, d] of Object.entries(durations)) {
      const ms = d.toMilliseconds({ integral: false });
      if (!(ms >= 1) || !Number.isInteger(ms)) bad(field, `must be a whole number of milliseconds, at least 1ms, got ${describeDuration(d)}`);
    }
    for (const [field, n] of Object.entries({ errorRateRatio: s.errorRateRatio, latencyRatio: s.latencyRatio })) {
      if (!Number.isFinite(n) || n <= 1) bad(field, `must be a number above 1 (a canary worse than stable), got ${n}`);
    }
    if (!Number.isInteger(s.minRequests) || s.minRequests < 1) bad('minRequests', `must be a whole number of at least 1, got ${s.minRequests}`);
    if (s.maxErrorRate.value === 0) bad('maxErrorRate', 'must be above 0%: at 0% every single error rolls back');
    const deployment = dns1123LabelProblem(this.canaryDeployment);
    if (deployment) bad('canaryDeployment', deployment);
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
