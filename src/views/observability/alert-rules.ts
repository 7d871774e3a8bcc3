import { Duration } from 'cdk8s';
import { toPromDuration } from '../../core/duration';
import { exactDecimal, percentToRatio } from '../../private/decimal';
import type { RequestProtocols } from '../../core/ports';
import { failureMatchers, meshRequests } from '../../private/promql';
import { alertPrefix, DEFAULT_TRAFFIC_ALERT_AT, defaultTeam, ServiceSlo, titleCase } from '../../core/slo';

/** A Prometheus alerting rule, as a PrometheusRule holds it. */
export interface AlertRule {
  /** The alert's name (`PaymentServiceHighErrorRate`). */
  readonly alert: string;
  /** The PromQL condition. */
  readonly expr: string;
  /** How long the condition must hold before the alert fires (`2m`). */
  readonly for?: string;
  /** Labels the alert carries (`severity`, `team`). */
  readonly labels: Readonly<Record<string, string>>;
  /** `summary`, `description`, `runbook`. */
  readonly annotations: Readonly<Record<string, string>>;
}

/** A Prometheus recording rule. */
export interface RecordingRule {
  /** The recorded series' name. */
  readonly record: string;
  /** The PromQL it records. */
  readonly expr: string;
  /**
   * Labels the recorded series carries besides the expression's own.
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/** A rule of either kind. */
export type Rule = AlertRule | RecordingRule;

/** A named group of rules, evaluated together. */
export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly Rule[];
}

/** The name of a rule, alerting or recording. */
export function ruleName(rule: Rule): string {
  return 'alert' in rule ? rule.alert : rule.record;
}

/** A service with its SLO, as the rules and dashboards see it. */
export interface SloTarget {
  /** The service's name (`payment-service`). */
  readonly service: string;
  /** Its namespace. */
  readonly namespace: string;
  /** The objectives. */
  readonly slo: ServiceSlo;
  /**
   * How the service's failures show in Istio's metrics, by the protocols of its ports: 5xx for `http`, the grpc-status of a
   * server fault for `grpc` (a failed call is an HTTP 200), either for `http-and-grpc`.
   * @default 'http'
   */
  readonly protocols?: RequestProtocols;
  /**
   * Whether Flagger releases the service, whose callers then reach its `-primary` and `-canary` hosts:
   * its requests are counted under all three ({@link meshRequests}).
   * @default false
   */
  readonly flagger?: boolean;
}

/**
 * The label matchers of a target's failed requests, whose union is every failure: HTTP 5xx, the gRPC statuses that mean a
 * server fault, or both for a service of both ({@link failureMatchers}).
 */
export function errorMatchers(t: Pick<SloTarget, 'protocols'>): readonly string[] {
  return failureMatchers(t.protocols);
}

/** What the alerts link to, and the environment they are raised in. */
export interface AlertContext {
  /** Base URL of the runbooks; each alert links to `<base>/<team>-<topic>`. */
  readonly runbookBaseUrl: string;
  /**
   * The environment, every alert's `environment` label: one Alertmanager tells dev's alerts from production's.
   * @default - no environment label
   */
  readonly environment?: string;
  /**
   * Whether alerts that need someone now page (`severity: critical`); when false they are
   * `warning` (a ticket), as a dev or staging outage should be.
   * @default true
   */
  readonly pages?: boolean;
}

/**
 * An alert's labels: `severity` (`critical` only where the context pages), the given labels,
 * and the context's `environment`.
 */
export function alertLabels(ctx: AlertContext, severity: 'critical' | 'warning', labels: Record<string, string>): Record<string, string> {
  const paged = severity === 'critical' && ctx.pages === false ? 'warning' : severity;
  return { severity: paged, ...labels, ...(ctx.environment !== undefined ? { environment: ctx.environment } : {}) };
}

/**
 * The rate of a target's requests over `range` (`5m`), `extra` matchers added (`,response_code=~"5.*"`):
 * every request counted once, the 503s and 504s its callers' proxies raised included
 * (caller-side reports, and the service's own for callers without a proxy: {@link meshRequests}).
 */
export function requestRate(t: Pick<SloTarget, 'service' | 'namespace' | 'flagger'>, range: string, extra: string | readonly string[] = ''): string {
  return `sum(${meshRequests('rate', 'istio_requests_total', t, range, extra)})`;
}

/** The `q` quantile (`0.99`) of a target's request duration in ms over `range`, as its callers measured it. */
export function latencyQuantile(q: string, t: Pick<SloTarget, 'service' | 'namespace' | 'flagger'>, range: string): string {
  return `histogram_quantile(${q}, sum by (le) (${meshRequests('rate', 'istio_request_duration_milliseconds_bucket', t, range)}))`;
}

/** The team that owns a target. */
export function teamOf(t: SloTarget): string {
  return t.slo.team ?? defaultTeam(t.service);
}

/** The target's display name. */
export function displayNameOf(t: SloTarget): string {
  return t.slo.displayName ?? titleCase(t.service);
}

/**
 * Milliseconds of a duration, as exact decimal text.
 * @internal
 */
export function millisText(d: Duration): string {
  return exactDecimal(d.toMilliseconds({ integral: false }));
}

/** The traffic alert's threshold in requests per second: capacity × trafficAlertAt. */
export function trafficThreshold(slo: ServiceSlo): number {
  return Number((slo.trafficCapacity.value * percentToRatio(slo.trafficAlertAt?.value ?? DEFAULT_TRAFFIC_ALERT_AT)).toPrecision(12));
}

/**
 * Seed 000's golden-signal alerts for one service, from its SLO: error rate over
 * the budget (2m, critical), P99 over its objective (5m, warning), traffic over
 * 80% of capacity (3m, warning), and CPU and memory over their limits (10m, warning).
 */
export function goldenSignalAlerts(t: SloTarget, ctx: AlertContext): AlertRule[] {
  const prefix = alertPrefix(t.service);
  const team = teamOf(t);
  const name = displayNameOf(t);
  const budget = exactDecimal(percentToRatio(t.slo.errorRate.value));
  const p99 = millisText(t.slo.latency.p99);
  const traffic = exactDecimal(trafficThreshold(t.slo));
  const trafficAt = exactDecimal(t.slo.trafficAlertAt?.value ?? DEFAULT_TRAFFIC_ALERT_AT);
  const runbook = (topic: string) => `${ctx.runbookBaseUrl.replace(/\/+$/, '')}/${team}-${topic}`;
  const pods = `namespace="${t.namespace}",pod=~"${t.service}-.*",container="app"`;
  const saturation = (resource: 'cpu' | 'memory') => {
    const usage = resource === 'cpu'
      ? `sum by (pod) (rate(container_cpu_usage_seconds_total{${pods}}[5m]))`
      : `sum by (pod) (container_memory_working_set_bytes{${pods}})`;
    return `max(${usage} / sum by (pod) (kube_pod_container_resource_limits{${pods},resource="${resource}"}))`;
  };
  const cpu = exactDecimal(t.slo.saturation.cpu.value);
  const memory = exactDecimal(t.slo.saturation.memory.value);
  return [
    {
      alert: `${prefix}HighErrorRate`,
      expr: `${requestRate(t, '5m', errorMatchers(t))} / ${requestRate(t, '5m')} > ${budget}`,
      for: toPromDuration(Duration.minutes(2)),
      labels: alertLabels(ctx, 'critical', { team, namespace: t.namespace }),
      annotations: {
        summary: `${name} error rate is above its ${exactDecimal(t.slo.errorRate.value)}% budget`,
        description: `Error rate of ${t.service} in ${t.namespace}: {{ $value | humanizePercentage }} (SLO ${exactDecimal(t.slo.errorRate.value)}%)`,
        runbook: runbook('errors'),
      },
    },
    {
      alert: `${prefix}HighLatency`,
      expr: `${latencyQuantile('0.99', t, '5m')} > ${p99}`,
      for: toPromDuration(Duration.minutes(5)),
      labels: alertLabels(ctx, 'warning', { team, namespace: t.namespace }),
      annotations: {
        summary: `${name} P99 latency is above its SLO (${p99}ms)`,
        description: `P99 latency of ${t.service} in ${t.namespace}: {{ $value | humanize }}ms (SLO ${p99}ms)`,
        runbook: runbook('latency'),
      },
    },
    {
      alert: `${prefix}HighTraffic`,
      expr: `${requestRate(t, '1m')} > ${traffic}`,
      for: toPromDuration(Duration.minutes(3)),
      labels: alertLabels(ctx, 'warning', { team, namespace: t.namespace }),
      annotations: {
        summary: `${name} traffic reached ${trafficAt}% of its capacity (${traffic} of ${exactDecimal(t.slo.trafficCapacity.value)} rps)`,
        description: `Request rate of ${t.service} in ${t.namespace}: {{ $value | humanize }} rps`,
        runbook: runbook('traffic'),
      },
    },
    {
      alert: `${prefix}HighCpu`,
      expr: `${saturation('cpu')} > ${exactDecimal(percentToRatio(t.slo.saturation.cpu.value))}`,
      for: toPromDuration(Duration.minutes(10)),
      labels: alertLabels(ctx, 'warning', { team, namespace: t.namespace }),
      annotations: {
        summary: `${name} CPU use is above ${cpu}% of its limit`,
        description: `Busiest pod of ${t.service} in ${t.namespace} uses {{ $value | humanizePercentage }} of its CPU limit (SLO ${cpu}%)`,
        runbook: runbook('saturation'),
      },
    },
    {
      alert: `${prefix}HighMemory`,
      expr: `${saturation('memory')} > ${exactDecimal(percentToRatio(t.slo.saturation.memory.value))}`,
      for: toPromDuration(Duration.minutes(10)),
      labels: alertLabels(ctx, 'warning', { team, namespace: t.namespace }),
      annotations: {
        summary: `${name} memory use is above ${memory}% of its limit`,
        description: `Busiest pod of ${t.service} in ${t.namespace} uses {{ $value | humanizePercentage }} of its memory limit (SLO ${memory}%)`,
        runbook: runbook('saturation'),
      },
    },
  ];
}

/**
 * Seed 000's circuit-breaker alert, for 1m, critical: Envoy refused connections or requests because
 * a connection-pool limit was reached: `upstream_cx_overflow` (maxConnections) and
 * `upstream_rq_pending_overflow` (http1MaxPendingRequests, and http2MaxRequests), the latter
 * being the one callers see as 503 UO.
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/upstream/cluster_manager/cluster_stats#general
 * @see https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/circuit_breaking
 */
export function circuitBreakerAlert(namespace: string, ctx: AlertContext): AlertRule {
  // One comparison per counter, joined by `or`: the rate of a name regex would drop the names and
  // collide, and a sum would go blind when one counter is not exported.
  const overflowing = (counter: string) => `sum by (cluster_name) (rate(${counter}{namespace="${namespace}"}[5m])) > 0`;
  return {
    alert: 'CircuitBreakerTripped',
    expr: CIRCUIT_BREAKER_OVERFLOWS.map(overflowing).join(' or '),
    for: toPromDuration(Duration.minutes(1)),
    labels: alertLabels(ctx, 'critical', { namespace }),
    annotations: {
      summary: 'Circuit breaker tripped on {{ $labels.cluster_name }}',
      description: `Envoy in ${namespace} is refusing connections or requests to {{ $labels.cluster_name }}: its connection pool or `
        + 'pending-request queue is full ({{ $value | humanize }} overflows/s)',
      runbook: `${ctx.runbookBaseUrl.replace(/\/+$/, '')}/circuit-breaker`,
    },
  };
}

/** The Envoy cluster counters of a tripped circuit breaker (both kept by the istiod values' `proxyStatsMatcher`). */
export const CIRCUIT_BREAKER_OVERFLOWS = ['envoy_cluster_upstream_cx_overflow', 'envoy_cluster_upstream_rq_pending_overflow'] as const;

/**
 * Alerts that notice when Envoy's statistics are not scraped, so that every istio_*
 * alert, SLO rule and dashboard is not silently blind: `EnvoyMetricsAbsent` when no
 * target of the PodMonitor's job is up (none discovered, or all failing), and
 * `EnvoyScrapeFailing` per pod whose scrape fails. prometheus-operator names a
 * PodMonitor's job `<namespace>/<name>` unless its `jobLabel` names a pod label that is set.
 *
 * @see https://prometheus.io/docs/concepts/jobs_instances/#automatically-generated-labels-and-time-series
 * @see https://github.com/prometheus-operator/prometheus-operator/blob/main/pkg/prometheus/promcfg.go (generatePodMonitorConfig: job relabeling)
 */
export function scrapeAlerts(namespace: string, podMonitor: string, ctx: AlertContext): AlertRule[] {
  const job = `${namespace}/${podMonitor}`;
  const runbook = `${ctx.runbookBaseUrl.replace(/\/+$/, '')}/metrics-scrape`;
  return [
    {
      alert: 'EnvoyMetricsAbsent',
      expr: `absent(up{job="${job}"} == 1)`,
      for: toPromDuration(Duration.minutes(10)),
      labels: alertLabels(ctx, 'critical', { namespace }),
      annotations: {
        summary: `No Envoy metrics from ${namespace}`,
        description: `Prometheus scrapes no sidecar of ${namespace} (job ${job}): every mesh alert, SLO rule and dashboard of the namespace is blind`,
        runbook,
      },
    },
    {
      alert: 'EnvoyScrapeFailing',
      expr: `up{job="${job}"} == 0`,
      for: toPromDuration(Duration.minutes(10)),
      labels: alertLabels(ctx, 'warning', { namespace }),
      annotations: {
        summary: 'Envoy metrics of {{ $labels.pod }} are not scraped',
        description: `Prometheus cannot scrape {{ $labels.pod }} in ${namespace} (job ${job}): check the NetworkPolicy from Prometheus on 15090 `
          + 'and the pod\'s sidecar',
        runbook,
      },
    },
  ];
}
