import { Duration, Testing } from 'cdk8s';
import { buildEcSite } from '../../../src/app/ec-site';
import { environment } from '../../../src/app/environments';
import { applyObservability } from '../../../src/app/observability';
import { FlaggerCanary, FlaggerMetric, FlaggerMetricTemplate, MeshApp, MeshChart, MeshService, ObservabilityStack, Percentage, Rps } from '../../../src';
import { find, synth } from '../../util';
import { checkRules, promtoolCheckRules, testRules } from '../../promtool';

// The EC site's rules in production, rendered once for every test of this file.
const app = new MeshApp({ outdir: Testing.app().outdir });
applyObservability(buildEcSite(app, environment('production')), environment('production'));
const manifests = synth(app);
const meshAlerts = find(manifests, 'PrometheusRule', 'ec-site-service-mesh-alerts').spec;
const paymentSlo = find(manifests, 'PrometheusRule', 'payment-service-slo').spec;

// A service's requests as a meshed caller's sidecar reports them (each request's one count: meshRequests).
const SVC = (name: string) => `reporter="source",source_workload="api-gateway",destination_service="${name}.production.svc.cluster.local",`
  + `destination_service_namespace="production",destination_service_name="${name}"`;

/** The alert's annotations as Prometheus expands them, for the given `$value` text and labels. */
function annotations(spec: any, alert: string, value: string, labels: Record<string, string> = {}): Record<string, string> {
  const rule = spec.groups.flatMap((g: any) => g.rules).find((r: any) => r.alert === alert);
  if (!rule) throw new Error(`no alert ${alert}`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries<string>(rule.annotations)) {
    out[k] = v.replace(/\{\{ \$value( \| \w+)? \}\}/g, value).replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, l) => labels[l]);
  }
  return out;
}

describe('promtool', () => {
  test('is installed (the rule tests fail, never skip, without it)', () => {
    expect(promtoolCheckRules({ groups: [] }).ok).toBe(true);
  });

  test('check rules accepts every generated PrometheusRule', () => {
    const rules = manifests.filter((m) => m.kind === 'PrometheusRule');
    expect(rules.map((r) => r.metadata.name).sort()).toEqual([
      'api-gateway-slo', 'ec-site-service-mesh-alerts', 'inventory-service-slo', 'order-service-slo', 'payment-service-slo', 'search-service-slo',
    ]);
    for (const r of rules) expect(checkRules(r.spec)).toMatch(/SUCCESS/);
  });
});

describe('seed 000 alerts fire above their thresholds and stay silent below', () => {
  const team = (t: string, severity: string) => ({ severity, team: t, namespace: 'production', environment: 'production' });

  test('PaymentServiceHighErrorRate: 0.3% fires after 2m, 0.05% stays silent', () => {
    testRules(meshAlerts, [
      {
        interval: '1m',
        input_series: [
          { series: `istio_requests_total{${SVC('payment-service')},response_code="200"}`, values: '0+997x15' },
          { series: `istio_requests_total{${SVC('payment-service')},response_code="500"}`, values: '0+3x15' },
        ],
        alert_rule_test: [
          { eval_time: '2m', alertname: 'PaymentServiceHighErrorRate', exp_alerts: [] },
          {
            eval_time: '10m', alertname: 'PaymentServiceHighErrorRate',
            exp_alerts: [{ exp_labels: team('payment', 'critical'), exp_annotations: annotations(meshAlerts, 'PaymentServiceHighErrorRate', '0.3%') }],
          },
        ],
      },
      {
        interval: '1m',
        input_series: [
          { series: `istio_requests_total{${SVC('payment-service')},response_code="200"}`, values: '0+999.5x15' },
          { series: `istio_requests_total{${SVC('payment-service')},response_code="503"}`, values: '0+0.5x15' },
        ],
        alert_rule_test: [{ eval_time: '10m', alertname: 'PaymentServiceHighErrorRate', exp_alerts: [] }],
      },
    ]);
  });

  test('OrderServiceHighLatency: P99 of 995ms fires after 5m, 248ms stays silent', () => {
    const buckets = (counts: Record<string, number>) => Object.entries(counts).map(([le, n]) => ({
      series: `istio_request_duration_milliseconds_bucket{${SVC('order-service')},le="${le}"}`, values: `0+${n}x15`,
    }));
    testRules(meshAlerts, [
      {
        interval: '1m',
        input_series: buckets({ '100': 0, '250': 0, '500': 0, '1000': 100, '+Inf': 100 }),
        alert_rule_test: [
          { eval_time: '4m', alertname: 'OrderServiceHighLatency', exp_alerts: [] },
          {
            eval_time: '10m', alertname: 'OrderServiceHighLatency',
            exp_alerts: [{ exp_labels: team('order', 'warning'), exp_annotations: annotations(meshAlerts, 'OrderServiceHighLatency', '995') }],
          },
        ],
      },
      {
        interval: '1m',
        input_series: buckets({ '100': 0, '250': 100, '500': 100, '1000': 100, '+Inf': 100 }),
        alert_rule_test: [{ eval_time: '10m', alertname: 'OrderServiceHighLatency', exp_alerts: [] }],
      },
    ]);
  });

  test('SearchServiceHighTraffic: 1000 rps (over 960) fires after 3m, 900 rps stays silent', () => {
    const series = (rps: number) => [{ series: `istio_requests_total{${SVC('search-service')},response_code="200"}`, values: `0+${rps * 15}x60` }];
    testRules(meshAlerts, [
      {
        interval: '15s',
        input_series: series(1000),
        alert_rule_test: [{
          eval_time: '10m', alertname: 'SearchServiceHighTraffic',
          exp_alerts: [{ exp_labels: team('search', 'warning'), exp_annotations: annotations(meshAlerts, 'SearchServiceHighTraffic', '1k') }],
        }],
      },
      { interval: '15s', input_series: series(900), alert_rule_test: [{ eval_time: '10m', alertname: 'SearchServiceHighTraffic', exp_alerts: [] }] },
    ]);
  });

  test('CircuitBreakerTripped: any overflow fires after 1m, none stays silent', () => {
    const cluster = 'outbound|80||payment-service.production.svc.cluster.local';
    const series = (values: string) => [{ series: `envoy_cluster_upstream_cx_overflow{namespace="production",cluster_name="${cluster}"}`, values }];
    testRules(meshAlerts, [
      {
        interval: '1m',
        input_series: series('0+6x15'),
        alert_rule_test: [{
          eval_time: '5m', alertname: 'CircuitBreakerTripped',
          exp_alerts: [{
            exp_labels: { severity: 'critical', namespace: 'production', environment: 'production', cluster_name: cluster },
            exp_annotations: annotations(meshAlerts, 'CircuitBreakerTripped', '100m', { cluster_name: cluster }),
          }],
        }],
      },
      { interval: '1m', input_series: series('0+0x15'), alert_rule_test: [{ eval_time: '5m', alertname: 'CircuitBreakerTripped', exp_alerts: [] }] },
      // Requests refused by the pending-request limit (503 UO to the callers), with no connection overflow.
      {
        interval: '1m',
        input_series: [
          { series: `envoy_cluster_upstream_rq_pending_overflow{namespace="production",cluster_name="${cluster}"}`, values: '0+12x15' },
          ...series('0+0x15'),
        ],
        alert_rule_test: [{
          eval_time: '5m', alertname: 'CircuitBreakerTripped',
          exp_alerts: [{
            exp_labels: { severity: 'critical', namespace: 'production', environment: 'production', cluster_name: cluster },
            exp_annotations: annotations(meshAlerts, 'CircuitBreakerTripped', '200m', { cluster_name: cluster }),
          }],
        }],
      },
      // Another environment's overflows are not this environment's alert.
      {
        interval: '1m',
        input_series: [{ series: `envoy_cluster_upstream_cx_overflow{namespace="staging",cluster_name="${cluster}"}`, values: '0+6x15' }],
        alert_rule_test: [{ eval_time: '5m', alertname: 'CircuitBreakerTripped', exp_alerts: [] }],
      },
    ]);
  });
});

describe('the SLO rules count what the callers saw, each request once', () => {
  const team = (t: string, severity: string) => ({ severity, team: t, namespace: 'production', environment: 'production' });

  test("payment's pods all unready: the callers' 503 UH (no endpoint, so no destination namespace) page on the error rate and burn the budget", () => {
    // GIVEN order-service's sidecar: 900 answered a minute, then 100 503 UH a minute (payment's own sidecar reports nothing of them)
    const uh = 'reporter="source",source_workload="order-service",destination_service="payment-service.production.svc.cluster.local",'
      + 'destination_service_namespace="unknown",destination_service_name="payment-service",destination_workload="unknown",response_flags="UH"';
    const series = [
      { series: `istio_requests_total{${SVC('payment-service')},response_code="200"}`, values: '0+900x60' },
      { series: `istio_requests_total{${uh},response_code="503"}`, values: '0+100x60' },
    ];
    testRules(meshAlerts, [{
      interval: '1m', input_series: series,
      alert_rule_test: [{
        eval_time: '10m', alertname: 'PaymentServiceHighErrorRate',
        exp_alerts: [{ exp_labels: team('payment', 'critical'), exp_annotations: annotations(meshAlerts, 'PaymentServiceHighErrorRate', '10%') }],
      }],
    }]);
    testRules(paymentSlo, [{
      interval: '1m', input_series: series,
      alert_rule_test: [{
        eval_time: '60m', alertname: 'PaymentServiceErrorBudgetFastBurn',
        exp_alerts: [{
          exp_labels: { ...team('payment', 'critical'), destination_service_namespace: 'production', destination_service_name: 'payment-service' },
          exp_annotations: annotations(paymentSlo, 'PaymentServiceErrorBudgetFastBurn', ''),
        }],
      }],
    }]);
  });

  test('a request both proxies report counts once: 600 rps of search is not 1,200 (the traffic alert fires over 960)', () => {
    const server = 'reporter="destination",source_workload="api-gateway",destination_service="search-service.production.svc.cluster.local",'
      + 'destination_service_namespace="production",destination_service_name="search-service"';
    const series = (rps: number) => [
      { series: `istio_requests_total{${SVC('search-service')},response_code="200"}`, values: `0+${rps * 15}x60` },
      { series: `istio_requests_total{${server},response_code="200"}`, values: `0+${rps * 15}x60` },
    ];
    testRules(meshAlerts, [
      { interval: '15s', input_series: series(600), alert_rule_test: [{ eval_time: '10m', alertname: 'SearchServiceHighTraffic', exp_alerts: [] }] },
      {
        interval: '15s', input_series: series(1000),
        alert_rule_test: [{
          eval_time: '10m', alertname: 'SearchServiceHighTraffic',
          exp_alerts: [{ exp_labels: team('search', 'warning'), exp_annotations: annotations(meshAlerts, 'SearchServiceHighTraffic', '1k') }],
        }],
      },
    ]);
  });

  test("a caller without a proxy is counted from the service's own report", () => {
    const unmeshed = 'reporter="destination",source_workload="unknown",destination_service_namespace="production",destination_service_name="payment-service"';
    testRules(meshAlerts, [{
      interval: '1m',
      input_series: [
        { series: `istio_requests_total{${unmeshed},response_code="200"}`, values: '0+997x15' },
        { series: `istio_requests_total{${unmeshed},response_code="500"}`, values: '0+3x15' },
      ],
      alert_rule_test: [{
        eval_time: '10m', alertname: 'PaymentServiceHighErrorRate',
        exp_alerts: [{ exp_labels: team('payment', 'critical'), exp_annotations: annotations(meshAlerts, 'PaymentServiceHighErrorRate', '0.3%') }],
      }],
    }]);
  });
});

describe('multi-window burn-rate alerts (payment-service, 0.1% budget)', () => {
  const labels = (severity: string) => ({
    severity, team: 'payment', namespace: 'production', environment: 'production',
    destination_service_namespace: 'production', destination_service_name: 'payment-service',
  });
  const series = (errorsPerMin: string, okPerMin: string) => [
    { series: `istio_requests_total{${SVC('payment-service')},response_code="500"}`, values: errorsPerMin },
    { series: `istio_requests_total{${SVC('payment-service')},response_code="200"}`, values: okPerMin },
  ];
  const fast = (exp: boolean) => ({
    alertname: 'PaymentServiceErrorBudgetFastBurn',
    exp_alerts: exp ? [{ exp_labels: labels('critical'), exp_annotations: annotations(paymentSlo, 'PaymentServiceErrorBudgetFastBurn', '') }] : [],
  });
  const slow = (exp: boolean) => ({
    alertname: 'PaymentServiceErrorBudgetSlowBurn',
    exp_alerts: exp ? [{ exp_labels: labels('warning'), exp_annotations: annotations(paymentSlo, 'PaymentServiceErrorBudgetSlowBurn', '') }] : [],
  });

  test('2% errors (over 14.4 x 0.1%) pages; the page resets once both short windows (5m, 30m) are clean', () => {
    testRules(paymentSlo, [{
      interval: '1m',
      input_series: series('0+20x60 1200+0x60', '0+980x120'),
      alert_rule_test: [
        { eval_time: '60m', ...fast(true) },
        { eval_time: '60m', ...slow(true) },
        // 10m after the errors stopped the 5m window is clean, but 6h/30m still burns at over 6x.
        { eval_time: '70m', ...fast(true) },
        { eval_time: '95m', ...fast(false) },
      ],
    }]);
  });

  test('0.5% errors (under 14.4x and 6x, over 3x) opens a ticket but does not page', () => {
    testRules(paymentSlo, [{
      interval: '1m',
      input_series: series('0+5x150', '0+995x150'),
      alert_rule_test: [{ eval_time: '150m', ...fast(false) }, { eval_time: '150m', ...slow(true) }],
    }]);
  });

  test('0.05% errors (within budget) is silent', () => {
    testRules(paymentSlo, [{
      interval: '1m',
      input_series: series('0+0.5x150', '0+999.5x150'),
      alert_rule_test: [{ eval_time: '150m', ...fast(false) }, { eval_time: '150m', ...slow(false) }],
    }]);
  });
});

describe('a service Flagger releases', () => {
  // Its SLO's stack made before the FlaggerCanary: whether Flagger releases the service is read at synth.
  const flaggerApp = new MeshApp({ outdir: Testing.app().outdir });
  const chart = new MeshChart(flaggerApp, 'production', { namespace: 'production' });
  const api = new MeshService(chart, 'api', { image: 'api:1', slo: {
    latency: { p50: Duration.millis(200), p95: Duration.millis(500), p99: Duration.seconds(1) },
    errorRate: Percentage.of(1), trafficCapacity: Rps.of(100), saturation: { cpu: Percentage.of(60), memory: Percentage.of(70) },
  } });
  new MeshService(chart, 'web', { image: 'web:1' }).calls(api, { methods: ['GET'] });
  new ObservabilityStack(chart, 'observability');
  new FlaggerCanary(chart, 'api-canary', {
    service: api, stepWeights: [10, 50], metrics: [FlaggerMetric.requestSuccessRate(Percentage.of(99), Duration.minutes(1))],
  });
  const out = synth(flaggerApp);
  const alerts = find(out, 'PrometheusRule', 'mesh-service-mesh-alerts').spec;
  // Flagger's VirtualService sends web's requests to the api-primary and api-canary hosts, and web's sidecar reports the host of the
  // cluster it sent each to (istio/proxy istio_stats.cc populatePeerInfo: the cluster metadata's istio.services[0].host).
  const TO = (host: string) => `reporter="source",source_workload="web",destination_service="${host}.production.svc.cluster.local",`
    + `destination_service_namespace="production",destination_service_name="${host}"`;

  test('its SLO alert counts the requests to its -primary and -canary hosts: 5% failing at the canary fires', () => {
    testRules(alerts, [{
      interval: '1m',
      input_series: [
        { series: `istio_requests_total{${TO('api-primary')},response_code="200"}`, values: '0+900x15' },
        { series: `istio_requests_total{${TO('api-canary')},response_code="200"}`, values: '0+50x15' },
        { series: `istio_requests_total{${TO('api-canary')},response_code="500"}`, values: '0+50x15' },
      ],
      alert_rule_test: [{
        eval_time: '10m', alertname: 'ApiHighErrorRate',
        exp_alerts: [{ exp_labels: { severity: 'warning', team: 'api', namespace: 'production', environment: 'production' },
          exp_annotations: annotations(alerts, 'ApiHighErrorRate', '5%') }],
      }],
    }]);
  });

  test("its burn-rate rules, and its dashboard's panels, select the three hosts; a service Flagger does not release keeps its one", () => {
    const slo = find(out, 'PrometheusRule', 'api-slo').spec;
    const exprs: string[] = slo.groups.flatMap((g: any) => g.rules).map((r: any) => r.expr).filter((e: string) => e.includes('istio_requests_total'));
    expect(exprs.length).toBeGreaterThan(0);
    for (const e of exprs) {
      expect(e).toContain('destination_service=~"(api|api-primary|api-canary)\\\\.production\\\\.svc\\\\.cluster\\\\.local"');
      expect(e).toContain('destination_service_name=~"api|api-primary|api-canary"');
    }
    const detail = find(out, 'ConfigMap', 'mesh-dashboard-service-detail');
    const panels = JSON.stringify(Object.values(detail.data));
    expect(panels).toContain('(api|api-primary|api-canary)');
    expect(panels).not.toContain('destination_service=\\\\\\"api.production');
    expect(JSON.stringify(paymentSlo)).toContain('destination_service=\\"payment-service.production.svc.cluster.local\\"');
  });
});

test("FlaggerMetricTemplate.grpcRequestSuccessRate counts a gRPC fault as a failure, which Flagger's built-in query (non-5xx) does not", () => {
  const grpcApp = new MeshApp({ outdir: Testing.app().outdir });
  const chart = new MeshChart(grpcApp, 'production', { namespace: 'production' });
  const template = FlaggerMetricTemplate.grpcRequestSuccessRate(chart, 'grpc-success-rate');
  // Flagger fills the template's variables (pkg/metrics/providers/prometheus.go, RenderQuery): the namespace, the target, the range.
  const query = template.query.replace(/\{\{ namespace \}\}/g, 'production').replace(/\{\{ target \}\}/g, 'pricing').replace(/\{\{ interval \}\}/g, '1m');
  const builtin = 'sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="production",destination_workload=~"pricing",'
    + 'response_code!~"5.*"}[1m])) / sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="production",'
    + 'destination_workload=~"pricing"}[1m])) * 100';
  const at = 'reporter="destination",source_workload="web",destination_workload_namespace="production",destination_workload="pricing",response_code="200"';
  testRules({ groups: [] }, [{
    interval: '1m',
    input_series: [
      { series: `istio_requests_total{${at},grpc_response_status="0"}`, values: '0+180x10' },
      { series: `istio_requests_total{${at},grpc_response_status="14"}`, values: '0+60x10' },
    ],
    promql_expr_test: [
      { expr: query, eval_time: '5m', exp_samples: [{ labels: '{}', value: 75 }] },
      { expr: builtin, eval_time: '5m', exp_samples: [{ labels: '{}', value: 100 }] },
    ],
  }]);
});

test('FlaggerMetricTemplate.httpAndGrpcRequestSuccessRate counts REST 5xx and gRPC faults as failures, and REST 201s as successes', () => {
  const mixedApp = new MeshApp({ outdir: Testing.app().outdir });
  const chart = new MeshChart(mixedApp, 'production', { namespace: 'production' });
  const template = FlaggerMetricTemplate.httpAndGrpcRequestSuccessRate(chart, 'success-rate');
  const query = template.query.replace(/\{\{ namespace \}\}/g, 'production').replace(/\{\{ target \}\}/g, 'ranker').replace(/\{\{ interval \}\}/g, '1m');
  const at = 'reporter="destination",source_workload="gateway",destination_workload_namespace="production",destination_workload="ranker"';
  // 400 requests a minute: REST 200 160, 201 40, 503 20; gRPC OK 150, UNAVAILABLE 30: 50 failures, 87.5% success
  testRules({ groups: [] }, [{
    interval: '1m',
    input_series: [
      { series: `istio_requests_total{${at},response_code="200",grpc_response_status=""}`, values: '0+160x10' },
      { series: `istio_requests_total{${at},response_code="201",grpc_response_status=""}`, values: '0+40x10' },
      { series: `istio_requests_total{${at},response_code="503",grpc_response_status=""}`, values: '0+20x10' },
      { series: `istio_requests_total{${at},response_code="200",grpc_response_status="0"}`, values: '0+150x10' },
      { series: `istio_requests_total{${at},response_code="200",grpc_response_status="14"}`, values: '0+30x10' },
    ],
    promql_expr_test: [{ expr: `round(${query} * 10)`, eval_time: '5m', exp_samples: [{ labels: '{}', value: 875 }] }],
  }]);
});
