import { Duration } from 'cdk8s';
import { requestProtocolsOf } from '../../core/ports';
import { describeDuration, toPromDuration } from '../../core/duration';
import { Percentage } from '../../core/weight';
import { decimal, failureMatchers, meshRequests, ratioOf, selector, successMatcher } from '../../private/promql';
import type { IReleasedService } from '../../graph/mesh-service-props';
import type { AlertRule, RuleGroup } from '../observability/alert-rules';

/**
 * The PrometheusRule group of a `CanaryRollbackRules`: the canary's success rate and latency against the stable's.
 */

/** The thresholds of the canary rollback rules, defaults worked out. */
export interface RollbackThresholds {
  /** The window every rate is taken over. */
  readonly window: Duration;
  /** The canary's error rate, as a multiple of the stable's, that rolls back. */
  readonly errorRateRatio: number;
  /** How long the relative error rate must hold. */
  readonly errorRateFor: Duration;
  /** Canary error rates under this floor never count as relatively worse. */
  readonly relativeErrorRateFloor: Percentage;
  /** The canary's P99 latency, as a multiple of the stable's, that warns. */
  readonly latencyRatio: number;
  /** How long the relative latency must hold. */
  readonly latencyFor: Duration;
  /** The canary's error rate that rolls back at once. */
  readonly maxErrorRate: Percentage;
  /** The canary's P99 latency that rolls back at once. */
  readonly maxP99Latency: Duration;
  /** The requests in the window below which the ratio rules do not fire. */
  readonly minRequests: number;
  /** How long the canary's pods may be unready, with not one successful answer, before it rolls back. */
  readonly notReadyFor: Duration;
}

/** The PrometheusRule's one group name (seed 000). */
export const ROLLBACK_GROUP = 'canary-rollback-triggers';

/**
 * A `CanaryRollbackRules` as its rule group reads it: the construct passes itself (this module does
 * not import it, so that no import goes in a circle).
 */
export interface CanaryRollbackRulesSource {
  /** The canary's `version` label. */
  readonly canaryVersion: string;
  /** The stable version's `version` label. */
  readonly stableVersion: string;
  /** The canary's Deployment, whose readiness kube-state-metrics reports. */
  readonly canaryDeployment: string;
  /** Whether the environment pages: when false, the rules' `critical` is `warning`. */
  readonly paging: boolean;
  /** @internal The service released: its name, namespace, environment and whether it speaks gRPC. */
  readonly _service: IReleasedService;
  /** @internal The thresholds, defaults worked out. */
  readonly _thresholds: RollbackThresholds;
}

/**
 * The rollback rules of a canary over Istio's standard metrics (`istio_requests_total`,
 * `istio_request_duration_milliseconds_bucket`), every request counted once with the failures
 * the callers' proxies raised themselves ({@link meshRequests}: UF, UO, per-try 504s), each
 * version by its canonical revision: relative error rate and P99 latency against the stable
 * version and absolute bounds, each guarded by a minimum request count (a missing 5xx series
 * counts as 0, `or on() vector(0)`). Two rules no guard silences: a canary that has traffic but
 * not one successful answer, and one whose pods are not ready (kube-state-metrics'
 * `kube_deployment_status_replicas_unavailable`) while it answers nothing: its callers then get
 * 503 UH, which no metric can tell from the stable version's (no pod was picked).
 * @see https://istio.io/latest/docs/reference/config/metrics/
 * @see https://github.com/kubernetes/kube-state-metrics/blob/main/docs/metrics/workload/deployment-metrics.md
 * @see https://prometheus.io/docs/prometheus/latest/querying/operators/#logical-set-binary-operators
 */
export function renderRollbackRuleGroup(source: CanaryRollbackRulesSource): RuleGroup {
  const st = {
    group: ROLLBACK_GROUP, service: source._service.name, namespace: source._service.namespace, environment: source._service.chart.environment,
    canaryVersion: source.canaryVersion, stableVersion: source.stableVersion, canaryDeployment: source.canaryDeployment,
    // gRPC failures are grpc-status codes, not 5xx.
    protocols: requestProtocolsOf(source._service.ports), pages: source.paging,
  };
  const s = source._thresholds;
  const w = toPromDuration(s.window);
  const svc = st.service;
  const scope = (revision: string) => ({ namespace: st.namespace, service: svc, revision });
  const total = (fn: 'rate' | 'increase', v: string, extra: string | readonly string[] = '') =>
    `sum(${meshRequests(fn, 'istio_requests_total', scope(v), w, extra)})`;
  const requests = (v: string) => total('rate', v);
  const errors = (v: string) => `(${total('rate', v, failureMatchers(st.protocols))} or on() vector(0))`;
  const errorRate = (v: string) => `(\n  ${errors(v)}\n  /\n  ${requests(v)}\n)`;
  const p99 = (v: string) =>
    `histogram_quantile(0.99, sum by (le) (${meshRequests('rate', 'istio_request_duration_milliseconds_bucket', scope(v), w)}))`;
  const enough = (v: string) => `(${total('increase', v)} >= ${s.minRequests})`;
  const answered = (v: string) => `(${total('increase', v, successMatcher(st.protocols))} > 0)`;
  const unready = `(sum(kube_deployment_status_replicas_unavailable${selector([
    ['namespace', st.namespace],
    ['deployment', st.canaryDeployment],
  ])}) > 0)`;
  const c = st.canaryVersion;
  const stable = st.stableVersion;
  // namespace and environment tell one environment's rollback from another's in a shared Alertmanager.
  const labels = (severity: 'critical' | 'warning', action: string) => ({
    severity: st.pages ? severity : 'warning', action, service: svc, canary_version: c, namespace: st.namespace, environment: st.environment,
  });
  const rules: AlertRule[] = [
    {
      alert: 'CanaryHighErrorRate',
      expr:
        `${errorRate(c)}\n> ${decimal(s.errorRateRatio)} * ${errorRate(stable)}\nand on() ${errorRate(c)} > `
          + `${ratioOf(s.relativeErrorRateFloor.value)}\n` +
        `and on() ${enough(c)}\nand on() ${enough(stable)}`,
      for: toPromDuration(s.errorRateFor),
      labels: labels('critical', 'rollback'),
      annotations: { summary: `カナリア(${c})のエラー率がstable(${stable})の${decimal(s.errorRateRatio)}倍超過。自動ロールバック推奨` },
    },
    {
      alert: 'CanaryHighLatency',
      expr: `${p99(c)}\n> ${decimal(s.latencyRatio)} * ${p99(stable)}\nand on() ${enough(c)}\nand on() ${enough(stable)}`,
      for: toPromDuration(s.latencyFor),
      labels: labels('warning', 'investigate'),
      annotations: { summary: `カナリア(${c})のP99レイテンシがstable(${stable})の${decimal(s.latencyRatio)}倍超過` },
    },
    {
      alert: 'CanaryErrorRateAboveBound',
      expr: `${errorRate(c)} > ${ratioOf(s.maxErrorRate.value)}\nand on() ${enough(c)}`,
      labels: labels('critical', 'rollback'),
      annotations: { summary: `カナリア(${c})のエラー率が${decimal(s.maxErrorRate.value)}%超過。即座にロールバック` },
    },
    {
      alert: 'CanaryLatencyAboveBound',
      expr: `${p99(c)} > ${decimal(s.maxP99Latency.toMilliseconds({ integral: false }))}\nand on() ${enough(c)}`,
      labels: labels('critical', 'rollback'),
      annotations: { summary: `カナリア(${c})のP99レイテンシが${describeDuration(s.maxP99Latency)}超過。即座にロールバック` },
    },
    {
      // No request guard: a canary that answers nothing right is dead whatever its traffic.
      alert: 'CanaryNoSuccessfulResponses',
      expr: `(${total('increase', c)} > 0)\nunless on() ${answered(c)}`,
      for: toPromDuration(s.errorRateFor),
      labels: labels('critical', 'rollback'),
      annotations: { summary: `カナリア(${c})にリクエストがあるが成功応答が一件もない。即座にロールバック` },
    },
    {
      alert: 'CanaryPodsNotReady',
      expr: `${unready}\nunless on() ${answered(c)}`,
      for: toPromDuration(s.notReadyFor),
      labels: labels('critical', 'rollback'),
      annotations: { summary: `カナリア(${c})のPod(${st.canaryDeployment})がReadyにならず、成功応答もない。即座にロールバック` },
    },
  ];
  return { name: st.group, rules };
}
