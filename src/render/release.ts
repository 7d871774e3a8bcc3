import { ApiObject, ApiObjectMetadata, Duration, Lazy, Yaml } from 'cdk8s';
import { Construct } from 'constructs';
import {
  AlertProvider, AlertProviderSpecType, Canary, CanarySpecAnalysisAlertsSeverity, CanarySpecAnalysisWebhooksType, CanarySpecAutoscalerRefKind,
  CanarySpecTargetRefKind,
  MetricTemplate, MetricTemplateSpec, MetricTemplateSpecProviderType,
} from '../../imports/flagger.app';
import { describeDuration, toIstioDuration, toPromDuration } from '../core/duration';
import { StringMatch } from '../core/http';
import { Percentage } from '../core/weight';
import type { TierSettings } from '../core/tier';
import { toGoDuration } from '../private/go-duration';
import { decimal, failureMatcher, meshRequests, ratioOf, selector, successMatcher } from '../private/promql';
import type { AlertRule, RuleGroup } from '../views/observability/alert-rules';
import type { FlaggerAlert, FlaggerWebhook } from '../views/release/flagger-hooks';
import type { HostTraffic } from '../graph/traffic/host-traffic';
import type { FaultInjection } from '../graph/traffic/http-route';
import { addPrometheusRule } from './observability';
import { renderDestinationRuleSpec, renderRetries } from './traffic';

/**
 * Rendering of the release view: the Flagger Canary and MetricTemplate bodies, the
 * canary rollback rules and the fault-injection test's VirtualService variants, each a
 * pure function of the constructs' state, and the factories that make the generated
 * API objects (the only place the release constructs meet the types in imports/).
 */

/** A metric of a Flagger analysis, which renders its own `analysis.metrics[]` entry. */
export interface IFlaggerAnalysisMetric {
  /** The entry, with `analysisInterval` as the query range when the metric names none. */
  toAnalysis(analysisInterval: Duration): Record<string, any>;
}

/** What a Flagger Canary is rendered from. */
export interface FlaggerCanaryState {
  /** The Deployment released (and the Service's name). */
  readonly target: string;
  /** The Service's first port, if it has one. */
  readonly port?: { readonly port: number; readonly targetPort?: number };
  /** Gateways Flagger's VirtualService binds to. */
  readonly gateways: readonly string[];
  /** The host's trafficPolicy, timeout and retries ({@link flaggerServiceTraffic}). */
  readonly traffic: Record<string, any>;
  /** The service's HorizontalPodAutoscaler, if it has one. */
  readonly autoscaler?: { readonly apiVersion: string; readonly name: string };
  /** The analysis interval. */
  readonly interval: Duration;
  /** Failed checks before rollback. */
  readonly threshold: number;
  /** A/B testing: the number of runs; weighted mode when undefined. */
  readonly iterations?: number;
  /** The largest weight before promotion. */
  readonly maxWeight?: number;
  /** The weight's growth per interval. */
  readonly stepWeight?: number;
  /** The weights, step by step. */
  readonly stepWeights?: readonly number[];
  /** A/B testing: the header matches. */
  readonly match?: readonly Readonly<Record<string, StringMatch>>[];
  /** The metrics checked. */
  readonly metrics?: readonly IFlaggerAnalysisMetric[];
  /** Notifications. */
  readonly alerts?: readonly FlaggerAlert[];
  /** Webhooks. */
  readonly webhooks?: readonly FlaggerWebhook[];
  /** The share of requests mirrored to the canary (`analysis.mirror`, `mirrorWeight`), if any. */
  readonly mirror?: number;
}

/**
 * The spec of a Flagger Canary (flagger.app/v1beta1). In weighted mode `maxWeight`
 * defaults to 50 unless `stepWeights` are given (their last is the maximum).
 * @see https://docs.flagger.app/usage/how-it-works#canary-analysis
 */
export function renderCanarySpec(s: FlaggerCanaryState): Record<string, any> {
  const go = (d: Duration | undefined) => (d ? toGoDuration(d) : undefined);
  const weighted = s.iterations === undefined;
  return {
    targetRef: { apiVersion: 'apps/v1', kind: CanarySpecTargetRefKind.DEPLOYMENT, name: s.target },
    service: {
      port: s.port?.port,
      targetPort: s.port?.targetPort,
      gateways: [...s.gateways],
      ...s.traffic,
    },
    autoscalerRef: s.autoscaler && { apiVersion: s.autoscaler.apiVersion, kind: CanarySpecAutoscalerRefKind.HORIZONTAL_POD_AUTOSCALER, name: s.autoscaler.name },
    analysis: {
      interval: go(s.interval),
      threshold: s.threshold,
      iterations: s.iterations,
      maxWeight: weighted ? s.maxWeight ?? (s.stepWeights ? undefined : 50) : undefined,
      stepWeight: s.stepWeight,
      stepWeights: s.stepWeights ? [...s.stepWeights] : undefined,
      match: s.match?.map((m) => ({ headers: Object.fromEntries(Object.entries(m).map(([k, v]) => [k, { [v.kind]: v.value }])) })),
      mirror: s.mirror !== undefined ? true : undefined,
      mirrorWeight: s.mirror,
      metrics: s.metrics?.map((m) => m.toAnalysis(s.interval)),
      alerts: s.alerts?.map((a) => ({
        name: a.name,
        severity: (a.severity ?? 'error') as CanarySpecAnalysisAlertsSeverity,
        providerRef: { name: a.providerRef.name, namespace: a.providerRef.namespace },
      })),
      webhooks: s.webhooks?.map((w) => ({
        name: w.name,
        type: w.type as CanarySpecAnalysisWebhooksType,
        url: w.url,
        timeout: go(w.timeout),
        metadata: w.metadata ? { ...w.metadata } : undefined,
      })),
    },
  };
}

/**
 * The host's trafficPolicy, timeout and retries, as the library renders them for its own
 * DestinationRule and VirtualService. Flagger 1.44's Canary schema knows
 * `connectionPool.http` only, so `connectionPool.tcp` (maxConnections) does not reach
 * Flagger's DestinationRules (the API server would prune it).
 * @see https://docs.flagger.app/usage/how-it-works#canary-service
 */
export function flaggerServiceTraffic(traffic: HostTraffic, policy: TierSettings): Record<string, any> {
  const trafficPolicy = renderDestinationRuleSpec(traffic, { policy, defaultSplit: [] }).trafficPolicy;
  return {
    trafficPolicy: trafficPolicy && JSON.parse(JSON.stringify(trafficPolicy)),
    timeout: policy.timeout && toIstioDuration(policy.timeout),
    retries: renderRetries(policy.retries),
  };
}

/** A Flagger Canary under `scope`, its spec read at synth. */
export function addCanary(scope: Construct, id: string, metadata: ApiObjectMetadata, spec: () => Record<string, any>): ApiObject {
  return new Canary(scope, id, { metadata, spec: Lazy.any({ produce: spec }) });
}

/** What a Flagger AlertProvider is rendered from. */
export interface AlertProviderState {
  readonly type: string;
  readonly channel?: string;
  readonly username?: string;
  /** A webhook URL in the object. */
  readonly address?: string;
  /** A Secret of the namespace holding the URL under `address`. */
  readonly secretName?: string;
}

/**
 * A Flagger AlertProvider under `scope`.
 * @see https://docs.flagger.app/usage/alerting
 */
export function addAlertProvider(scope: Construct, id: string, metadata: ApiObjectMetadata, s: AlertProviderState): ApiObject {
  return new AlertProvider(scope, id, {
    metadata,
    spec: {
      type: s.type as AlertProviderSpecType, channel: s.channel, username: s.username, address: s.address,
      secretRef: s.secretName ? { name: s.secretName } : undefined,
    },
  });
}

/** What a MetricTemplate is rendered from. */
export interface MetricTemplateState {
  /** The Prometheus server Flagger queries. */
  readonly address: string;
  /** The PromQL query. */
  readonly query: string;
}

/**
 * The spec of a Flagger MetricTemplate with a Prometheus provider.
 * @see https://docs.flagger.app/usage/metrics#prometheus
 */
export function renderMetricTemplateSpec(s: MetricTemplateState): MetricTemplateSpec {
  return { provider: { type: MetricTemplateSpecProviderType.PROMETHEUS, address: s.address }, query: s.query };
}

/** A Flagger MetricTemplate under `scope`. */
export function addMetricTemplate(scope: Construct, id: string, metadata: ApiObjectMetadata, state: MetricTemplateState): ApiObject {
  return new MetricTemplate(scope, id, { metadata, spec: Lazy.any({ produce: () => renderMetricTemplateSpec(state) }) });
}

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

/** What the canary rollback rules are rendered from. */
export interface RollbackRulesState {
  /** The rules' group name. */
  readonly group: string;
  /** The service's name. */
  readonly service: string;
  /** The service's namespace. */
  readonly namespace: string;
  /** The environment, a label that tells one environment's rollback from another's. */
  readonly environment: string;
  /** The canary's `version` label. */
  readonly canaryVersion: string;
  /** The stable version's `version` label. */
  readonly stableVersion: string;
  /** The canary's Deployment, whose readiness kube-state-metrics reports. */
  readonly canaryDeployment: string;
  /** Whether the service speaks gRPC (failures are grpc-status codes, not 5xx). */
  readonly grpc: boolean;
  /** Whether the environment pages: when false, the rules' `critical` is `warning`. */
  readonly pages: boolean;
  /** The thresholds. */
  readonly thresholds: RollbackThresholds;
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
export function renderRollbackRuleGroup(st: RollbackRulesState): RuleGroup {
  const s = st.thresholds;
  const w = toPromDuration(s.window);
  const svc = st.service;
  const scope = (revision: string) => ({ namespace: st.namespace, service: svc, revision });
  const total = (fn: 'rate' | 'increase', v: string, extra = '') => `sum(${meshRequests(fn, 'istio_requests_total', scope(v), w, extra)})`;
  const requests = (v: string) => total('rate', v);
  const errors = (v: string) => `(${total('rate', v, failureMatcher(st.grpc))} or on() vector(0))`;
  const errorRate = (v: string) => `(\n  ${errors(v)}\n  /\n  ${requests(v)}\n)`;
  const p99 = (v: string) => `histogram_quantile(0.99, sum by (le) (${meshRequests('rate', 'istio_request_duration_milliseconds_bucket', scope(v), w)}))`;
  const enough = (v: string) => `(${total('increase', v)} >= ${s.minRequests})`;
  const answered = (v: string) => `(${total('increase', v, successMatcher(st.grpc))} > 0)`;
  const unready = `(sum(kube_deployment_status_replicas_unavailable${selector([['namespace', st.namespace], ['deployment', st.canaryDeployment]])}) > 0)`;
  const c = st.canaryVersion;
  const stable = st.stableVersion;
  // namespace and environment tell one environment's rollback from another's in a shared Alertmanager.
  const labels = (severity: 'critical' | 'warning', action: string) => ({
    severity: st.pages ? severity : 'warning', action, service: svc, canary_version: c, namespace: st.namespace, environment: st.environment,
  });
  const rules: AlertRule[] = [
    {
      alert: 'CanaryHighErrorRate',
      expr: `${errorRate(c)}\n> ${decimal(s.errorRateRatio)} * ${errorRate(stable)}\nand on() ${errorRate(c)} > ${ratioOf(s.relativeErrorRateFloor.value)}\n`
        + `and on() ${enough(c)}\nand on() ${enough(stable)}`,
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

/**
 * The fault-injection test's files, per host: its VirtualService as rendered
 * (`<host>.fault-off.yaml`) and with the faults on every HTTP route (`<host>.fault-on.yaml`).
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPFaultInjection
 */
export function renderFaultSwitchFiles(virtualServices: readonly { readonly host: string; readonly manifest: any }[], fault: FaultInjection): Record<string, string> {
  const out: Record<string, string> = {};
  const rendered = {
    delay: fault.delay && { percentage: { value: fault.delay.percentage.value }, fixedDelay: toIstioDuration(fault.delay.fixedDelay) },
    abort: fault.abort && { percentage: { value: fault.abort.percentage.value }, httpStatus: fault.abort.httpStatus },
  };
  for (const { host, manifest: off } of virtualServices) {
    const on = { ...off, spec: { ...off.spec, http: (off.spec.http ?? []).map((h: any) => ({ ...h, fault: JSON.parse(JSON.stringify(rendered)) })) } };
    out[`${host}.fault-off.yaml`] = Yaml.stringify(off);
    out[`${host}.fault-on.yaml`] = Yaml.stringify(on);
  }
  return out;
}

/** What the alert on faults left on is rendered from. */
export interface FaultsLeftOnState {
  /** The namespace of the hosts, the environment's. */
  readonly namespace: string;
  /** The environment, the alert's label. */
  readonly environment: string;
  /** The hosts whose routes get the faults. */
  readonly hosts: readonly string[];
  /** How long the faults are meant to stay on. */
  readonly window: Duration;
  /** Whether the environment pages (critical), else warning. */
  readonly pages: boolean;
}

/**
 * A PrometheusRule whose alert `FaultInjectionLeftOn` fires when requests to the hosts keep meeting
 * the injected faults longer than the test window plus 10 minutes: the callers' proxies, which
 * apply a VirtualService's faults, report them with the response flags FI (aborted) and DI (delayed).
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage#config-access-log-format-response-flags
 */
export function addFaultsLeftOnAlert(scope: Construct, id: string, metadata: ApiObjectMetadata, st: FaultsLeftOnState): ApiObject {
  const hosts = st.hosts.map((h) => `${h}\\\\.${st.namespace}\\\\.svc\\\\.cluster\\\\.local`).join('|');
  const faulted = `{reporter="source",destination_service=~"${hosts}",response_flags=~".*(FI|DI).*"}`;
  const rule: AlertRule = {
    alert: 'FaultInjectionLeftOn',
    expr: `sum by (destination_service_name) (rate(istio_requests_total${faulted}[5m])) > 0`,
    for: toPromDuration(Duration.minutes(st.window.toMinutes({ integral: false }) + 10)),
    labels: { severity: st.pages ? 'critical' : 'warning', namespace: st.namespace, environment: st.environment },
    annotations: {
      summary: 'Injected faults are still on for {{ $labels.destination_service_name }}',
      description: `Requests to {{ $labels.destination_service_name }} in ${st.namespace} meet injected faults (FI, DI) longer than the `
        + `${describeDuration(st.window)} test window: apply the fault-off files again (kubectl apply -f <host>.fault-off.yaml)`,
    },
  };
  return addPrometheusRule(scope, id, metadata, () => [{ name: 'fault-injection', rules: [rule] }]);
}
