import { Duration, Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { buildEcSite } from '../../../src/app/ec-site';
import { environment } from '../../../src/app/environments';
import { applyObservability, EC_SITE_SLOS } from '../../../src/app/observability';
import {
  AccessLogging,
  IngressGateway,
  MeshApp,
  MeshChart,
  MeshPlatform,
  MeshService,
  ObservabilityStack,
  Percentage,
  Rps,
  ServiceSecurity,
  ServiceSlo,
  TracingProvider,
} from '../../../src';
import { find, meshChart, synth, synthError } from '../../util';

const slo = (over: Partial<ServiceSlo> = {}): ServiceSlo => ({
  latency: { p50: Duration.millis(200), p95: Duration.millis(500), p99: Duration.seconds(1) },
  errorRate: Percentage.of(0.1),
  trafficCapacity: Rps.of(200),
  saturation: { cpu: Percentage.of(60), memory: Percentage.of(70) },
  ...over,
});

function ecSite() {
  const { app } = meshChart({}, 'unused');
  app.node.tryRemoveChild('unused');
  const site = buildEcSite(app, environment('production'));
  const stack = applyObservability(site, environment('production'));
  return { app, site, stack, manifests: synth(app) };
}

const rulesOf = (m: Record<string, any>) => m.spec.groups.flatMap((g: any) => g.rules);
const alert = (m: Record<string, any>, name: string) => {
  const r = rulesOf(m).find((x: any) => x.alert === name);
  if (!r) throw new Error(`no alert ${name}`);
  return r;
};

describe('ObservabilityStack defaults', () => {
  afterEach(() => jest.restoreAllMocks());

  test('snapshot of one service with an SLO', () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'payment-service', { image: 'pay:1', slo: slo() });
    new ObservabilityStack(chart, 'observability');
    const out = synth(app).filter((m) => !['Deployment', 'Service', 'ServiceAccount', 'DestinationRule', 'VirtualService', 'Namespace',
      'AuthorizationPolicy', 'NetworkPolicy', 'PeerAuthentication', 'Sidecar'].includes(m.kind));
    expect(out.map((m) => `${m.kind}/${m.metadata.name}`)).toEqual([
      'ConfigMap/mesh-dashboard-mesh-overview', 'ConfigMap/mesh-dashboard-service-detail', 'ConfigMap/mesh-dashboard-troubleshooting',
      'PodMonitor/app-metrics', 'PodMonitor/envoy-stats', 'PrometheusRule/mesh-service-mesh-alerts', 'PrometheusRule/payment-service-slo', 'Telemetry/mesh-default',
    ]);
    expect(out.filter((m) => m.kind !== 'ConfigMap')).toMatchSnapshot();
    expect(app.outputFiles()).toMatchSnapshot();
  });

  test('rules and monitors carry kube-prometheus-stack\'s release label; it is configurable', () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'payment-service', { image: 'pay:1', slo: slo() });
    new ObservabilityStack(chart, 'observability', { ruleSelectorLabels: { prometheus: 'main' } });
    const out = synth(app);
    for (const m of out.filter((x) => ['PrometheusRule', 'PodMonitor'].includes(x.kind))) {
      expect(m.metadata.labels.prometheus).toBe('main');
      expect(m.metadata.labels.release).toBeUndefined();
    }
    const { app: app2, chart: chart2 } = meshChart();
    new ObservabilityStack(chart2, 'observability');
    expect(find(synth(app2), 'PrometheusRule', 'mesh-service-mesh-alerts').metadata.labels.release).toBe('kube-prometheus-stack');
  });

  test('a service created after the stack still gets its rules', () => {
    const { app, chart } = meshChart();
    new ObservabilityStack(chart, 'observability');
    new MeshService(chart, 'late-service', { image: 'x:1', slo: slo() });
    expect(find(synth(app), 'PrometheusRule', 'late-service-slo').spec.groups.map((g: any) => g.name))
      .toEqual(['late-service-slo-recording', 'late-service-slo-burn-rate']);
  });

  test('services created after the stack add their own rules only: the stack does not pass over every target per service', () => {
    // GIVEN a stack, then services with an SLO (one with its own sampling) and without
    const { app, chart } = meshChart();
    const stack = new ObservabilityStack(chart, 'observability');
    const index = jest.spyOn(stack as any, 'targetIndex');
    for (let i = 0; i < 40; i++) new MeshService(chart, `svc-${i}`, { image: 'x:1', slo: i % 2 === 0 ? slo() : undefined });
    new MeshService(chart, 'sampled', { image: 'x:1', slo: slo({ tracingSampling: Percentage.of(5) }) });
    // THEN registering them read no target index (a pass per service would be quadratic in the services)
    expect(index).not.toHaveBeenCalled();
    // AND each service with an SLO has its PrometheusRule, the sampled one its Telemetry too
    const out = synth(app);
    expect(out.filter((m) => m.kind === 'PrometheusRule').map((m) => m.metadata.name).sort())
      .toEqual(['mesh-service-mesh-alerts', 'sampled-slo', ...Array.from({ length: 20 }, (_, i) => `svc-${i * 2}-slo`)].sort());
    expect(find(out, 'Telemetry', 'sampled-tracing').spec.selector.matchLabels).toEqual({ app: 'sampled' });
  });
});

describe('seed 000 on the EC site (production)', () => {
  const { manifests } = ecSite();
  const mesh = find(manifests, 'PrometheusRule', 'ec-site-service-mesh-alerts');

  test('the SLO table is seed 000\'s, field by field', () => {
    const row = (s: ServiceSlo) => [s.latency.p50, s.latency.p95, s.latency.p99].map((d) => d.toMilliseconds())
      .concat([s.errorRate.value, s.trafficCapacity.value, s.saturation.cpu.value, s.saturation.memory.value]);
    expect(Object.fromEntries(Object.entries(EC_SITE_SLOS).map(([k, v]) => [k, row(v)]))).toEqual({
      'api-gateway': [10, 50, 100, 0.1, 2000, 70, 80],
      'order-service': [50, 200, 500, 0.5, 500, 70, 80],
      'payment-service': [200, 500, 1000, 0.1, 200, 60, 70],
      'search-service': [30, 100, 300, 1.0, 1200, 80, 85],
      'inventory-service': [20, 80, 200, 0.5, 500, 60, 70],
    });
  });

  test('the group is seed 000\'s ec-site-service-mesh-alerts', () => {
    expect(mesh.spec.groups.map((g: any) => g.name)).toEqual(['ec-site-service-mesh-alerts']);
  });

  test('alert 1: payment error rate over 0.1%, for 2m, critical, team payment', () => {
    const a = alert(mesh, 'PaymentServiceHighErrorRate');
    // Each request once, as its caller saw it (503 UH/UF/UO included), or as payment saw it for a caller without a proxy.
    const requests = (extra: string) =>
      'sum((rate(istio_requests_total{reporter="source",destination_service="payment-service.production.svc.cluster.local"' +
      `${extra}}[5m]) or rate(istio_requests_total{reporter="destination",source_workload="unknown",destination_service_namespace="production",` +
      `destination_service_name="payment-service"${extra}}[5m])))`;
    expect(a.expr).toBe(`${requests(',response_code=~"5.*"')} / ${requests('')} > 0.001`);
    expect(a.for).toBe('2m');
    expect(a.labels).toEqual({ severity: 'critical', team: 'payment', namespace: 'production', environment: 'production' });
    expect(a.annotations).toEqual({
      summary: 'Payment Service error rate is above its 0.1% budget',
      description: 'Error rate of payment-service in production: {{ $value | humanizePercentage }} (SLO 0.1%)',
      runbook: 'https://wiki.example.com/runbooks/payment-errors',
    });
  });

  test('alert 2: order P99 over 500ms, for 5m, warning, team order', () => {
    const a = alert(mesh, 'OrderServiceHighLatency');
    expect(a.expr).toBe(
      'histogram_quantile(0.99, sum by (le) ((rate(istio_request_duration_milliseconds_bucket{reporter="source",' +
        'destination_service="order-service.production.svc.cluster.local"}[5m]) or rate(istio_request_duration_milliseconds_bucket{reporter="destination",' +
        'source_workload="unknown",destination_service_namespace="production",destination_service_name="order-service"}[5m])))) > 500',
    );
    expect(a.for).toBe('5m');
    expect(a.labels).toEqual({ severity: 'warning', team: 'order', namespace: 'production', environment: 'production' });
    expect(a.annotations.summary).toBe('Order Service P99 latency is above its SLO (500ms)');
  });

  test('alert 3: search traffic over 960 rps (80% of 1200) over 1m, for 3m, warning, team search', () => {
    const a = alert(mesh, 'SearchServiceHighTraffic');
    expect(a.expr).toBe(
      'sum((rate(istio_requests_total{reporter="source",destination_service="search-service.production.svc.cluster.local"}[1m]) or ' +
        'rate(istio_requests_total{reporter="destination",source_workload="unknown",destination_service_namespace="production",destination_service_name="search-service"}[1m]))) > 960',
    );
    expect(a.for).toBe('3m');
    expect(a.labels).toEqual({ severity: 'warning', team: 'search', namespace: 'production', environment: 'production' });
    expect(a.annotations.summary).toBe('Search Service traffic reached 80% of its capacity (960 of 1200 rps)');
  });

  test('alert 4: circuit breaker from envoy_cluster_upstream_cx_overflow and upstream_rq_pending_overflow (503 UO), for 1m, critical', () => {
    const a = alert(mesh, 'CircuitBreakerTripped');
    expect(a.expr).toBe('sum by (cluster_name) (rate(envoy_cluster_upstream_cx_overflow{namespace="production"}[5m])) > 0'
      + ' or sum by (cluster_name) (rate(envoy_cluster_upstream_rq_pending_overflow{namespace="production"}[5m])) > 0');
    expect(a.for).toBe('1m');
    expect(a.labels).toEqual({ severity: 'critical', namespace: 'production', environment: 'production' });
    expect(a.annotations.summary).toBe('Circuit breaker tripped on {{ $labels.cluster_name }}');
  });

  test('review item 2: an alert notices when the PodMonitor\'s job scrapes nothing, and one per failing pod', () => {
    // prometheus-operator's job for a PodMonitor without a usable jobLabel: <namespace>/<name>.
    const monitor = find(manifests, 'PodMonitor', 'envoy-stats');
    const job = `${monitor.metadata.namespace}/${monitor.metadata.name}`;
    expect(alert(mesh, 'EnvoyMetricsAbsent')).toMatchObject({ expr: `absent(up{job="${job}"} == 1)`, for: '10m',
      labels: { severity: 'critical', namespace: 'production', environment: 'production' } });
    expect(alert(mesh, 'EnvoyScrapeFailing')).toMatchObject({ expr: `up{job="${job}"} == 0`, labels: { severity: 'warning' } });
  });

  test('every SLO service has its five golden-signal alerts; services without an SLO have none', () => {
    const names = rulesOf(mesh).map((r: any) => r.alert);
    for (const p of ['ApiGateway', 'InventoryService', 'OrderService', 'PaymentService', 'SearchService']) {
      for (const s of ['HighErrorRate', 'HighLatency', 'HighTraffic', 'HighCpu', 'HighMemory']) expect(names).toContain(`${p}${s}`);
    }
    expect(names.filter((n: string) => /UserService|NotificationService|WebFrontend/.test(n))).toEqual([]);
    expect(alert(mesh, 'PaymentServiceHighCpu').expr).toMatch(/ > 0\.6$/);
    expect(alert(mesh, 'SearchServiceHighMemory').expr).toMatch(/ > 0\.85$/);
  });

  test('burn-rate thresholds are exact decimals of factor x budget', () => {
    const pay = find(manifests, 'PrometheusRule', 'payment-service-slo');
    const fast = alert(pay, 'PaymentServiceErrorBudgetFastBurn').expr;
    expect(fast).toContain(
      'slo:istio_request_errors:ratio_rate1h{destination_service_namespace="production",destination_service_name="payment-service"} > 0.0144',
    );
    expect(fast).toContain('ratio_rate5m{destination_service_namespace="production",destination_service_name="payment-service"} > 0.0144');
    expect(fast).toContain('ratio_rate6h{destination_service_namespace="production",destination_service_name="payment-service"} > 0.006');
    expect(fast).toContain('ratio_rate30m{destination_service_namespace="production",destination_service_name="payment-service"} > 0.006');
    const slow = alert(pay, 'PaymentServiceErrorBudgetSlowBurn').expr;
    expect(slow).toMatch(
      /ratio_rate1d\{[^}]*\} > 0\.003 and .*ratio_rate2h\{[^}]*\} > 0\.003\) or \(.*ratio_rate3d\{[^}]*\} > 0\.001 and .*ratio_rate6h\{[^}]*\} > 0\.001\)/,
    );
    const order = alert(find(manifests, 'PrometheusRule', 'order-service-slo'), 'OrderServiceErrorBudgetFastBurn').expr;
    expect(order).toContain('> 0.072 and'); // 14.4 x 0.005
    expect(order).toContain('> 0.03 and'); // 6 x 0.005
    for (const m of manifests.filter((x) => x.kind === 'PrometheusRule')) expect(JSON.stringify(m)).not.toMatch(/\d\.\d*0000000|9999999/);
    expect(rulesOf(pay).filter((r: any) => r.record).map((r: any) => r.record)).toEqual(
      ['5m', '30m', '1h', '2h', '6h', '1d', '3d'].map((w) => `slo:istio_request_errors:ratio_rate${w}`));
  });

  test("tracing: 10% by default in the namespace, no sampling of payment's own (its callers decide: MESH408); access logging on for every request", () => {
    expect(find(manifests, 'Telemetry', 'ec-site-default')).toMatchObject({
      apiVersion: 'telemetry.istio.io/v1',
      metadata: { namespace: 'production' },
      spec: { tracing: [{ providers: [{ name: 'jaeger' }], randomSamplingPercentage: 10 }], accessLogging: [{ providers: [{ name: 'envoy' }] }] },
    });
    expect(find(manifests, 'Telemetry', 'ec-site-default').spec.selector).toBeUndefined();
    expect(find(manifests, 'Telemetry', 'ec-site-default').spec.accessLogging[0].filter).toBeUndefined();
    expect(manifests.filter((m) => m.kind === 'Telemetry').map((m) => m.metadata.name)).toEqual(['ec-site-default']);
  });

  test('PodMonitor scrapes Envoy on http-envoy-prom (15090) at /stats/prometheus', () => {
    expect(find(manifests, 'PodMonitor', 'envoy-stats').spec.podMetricsEndpoints).toEqual([
      { port: 'http-envoy-prom', path: '/stats/prometheus', interval: '15s' },
    ]);
  });

  test('the istiod values name seed 000\'s Jaeger collector and export the circuit-breaker stats', () => {
    const { app } = ecSite();
    const files = app.outputFiles();
    // One file for the cluster, not a .yaml that kubectl apply -R or Argo CD would read as a manifest.
    expect(files.map((f) => f.path)).toEqual(['cluster/istiod.values']);
    const values = YAML.parse(files[0].content);
    expect(files[0].content.split('\n').filter((l) => l.startsWith('#   helm'))).toEqual([
      '#   helm upgrade istiod istio/istiod -n istio-system --version 1.24.6 --reuse-values -f istiod.values',
    ]);
    expect(values.meshConfig.extensionProviders).toEqual([
      { name: 'jaeger', zipkin: { service: 'jaeger-collector.observability.svc.cluster.local', port: 9411 } },
    ]);
    expect(values.meshConfig.defaultConfig.proxyStatsMatcher.inclusionRegexps).toContain('.*upstream_cx_overflow.*');
  });

  test("the helm command names the platform's release, namespace and revision", () => {
    const app = new MeshApp({
      outdir: Testing.app().outdir,
      platform: MeshPlatform.of({ istio: { release: '1.24.3', rootNamespace: 'service-mesh', revision: 'canary' } }),
    });
    new ObservabilityStack(new MeshChart(app, 'production', { namespace: 'production' }), 'obs');
    app.manifests();
    expect(app.outputFiles()[0].content).toContain(
      '#   helm upgrade istiod-canary istio/istiod -n service-mesh --version 1.24.3 --reuse-values -f istiod.values\n',
    );
    expect(() => MeshPlatform.of({ istio: { release: '1.24' } })).toThrow(
      /istio.release must be a full release of Istio 1.24 such as 1.24.6.*\[MESH640\]/,
    );
  });

  test('environments that want different istiod values fail synth (MESH631): the cluster has one istiod', () => {
    const app = new MeshApp({ outdir: Testing.app().outdir });
    new ObservabilityStack(new MeshChart(app, 'dev', { namespace: 'dev' }), 'obs', {
      tracingProvider: TracingProvider.zipkin('a', 'a.obs.svc.cluster.local'),
    });
    new ObservabilityStack(new MeshChart(app, 'prod', { namespace: 'prod' }), 'obs');
    expect(synthError(app)).toMatch(
      /cluster\/istiod.values is written once for the cluster, but the environments write 2 versions of it: dev\/obs writes version 1; prod\/obs writes version 2 \[MESH631\]/,
    );
  });

  test('dev samples everything', () => {
    const { app } = meshChart({}, 'unused');
    app.node.tryRemoveChild('unused');
    applyObservability(buildEcSite(app, environment('dev')), environment('dev'));
    expect(find(synth(app), 'Telemetry', 'ec-site-default').spec.tracing[0].randomSamplingPercentage).toBe(100);
  });
});

describe('props', () => {
  test('tracing provider, access logging, scrape interval, runbooks and team', () => {
    const { app, chart } = meshChart();
    const svc = new MeshService(chart, 'payment-service', { image: 'p:1' });
    const stack = new ObservabilityStack(chart, 'obs', {
      name: 'shop',
      tracingProvider: TracingProvider.openTelemetry('otel', 'otel-collector.observability.svc.cluster.local'),
      accessLogging: AccessLogging.errorsOnly(),
      scrapeInterval: Duration.seconds(30),
      runbookBaseUrl: 'https://runbooks.test/',
      defaultSampling: Percentage.of(1),
    });
    stack.addSlo(svc, slo({ team: 'billing', tracingSampling: Percentage.of(50), trafficAlertAt: Percentage.of(50) }));
    const out = synth(app);
    expect(find(out, 'Telemetry', 'shop-default').spec).toEqual({
      tracing: [{ providers: [{ name: 'otel' }], randomSamplingPercentage: 1 }],
      accessLogging: [{ providers: [{ name: 'envoy' }], filter: { expression: 'response.code >= 400 || response.code == 0' } }],
    });
    expect(find(out, 'Telemetry', 'payment-service-tracing').spec.tracing[0]).toEqual({
      providers: [{ name: 'otel' }],
      randomSamplingPercentage: 50,
    });
    expect(find(out, 'PodMonitor', 'envoy-stats').spec.podMetricsEndpoints[0].interval).toBe('30s');
    const rule = alert(find(out, 'PrometheusRule', 'shop-service-mesh-alerts'), 'PaymentServiceHighTraffic');
    expect(rule.labels.team).toBe('billing');
    expect(rule.expr).toMatch(/ > 100$/);
    expect(rule.annotations.runbook).toBe('https://runbooks.test/billing-traffic');
    expect(YAML.parse(app.outputFiles()[0].content).meshConfig.extensionProviders)
      .toEqual([{ name: 'otel', opentelemetry: { service: 'otel-collector.observability.svc.cluster.local', port: 4317 } }]);
    expect(AccessLogging.none().toTelemetry()).toEqual({ providers: [{ name: 'envoy' }], disabled: true });
  });

  test('addAlert adds a parsed alert to the mesh group', () => {
    const { app, chart } = meshChart();
    const stack = new ObservabilityStack(chart, 'obs');
    stack.addAlert({
      alert: 'CheckoutStalled',
      expr: 'sum(rate(checkout_total[5m])) == 0',
      for: Duration.minutes(10),
      severity: 'warning',
      team: 'order',
      summary: 'No checkouts',
    });
    expect(alert(find(synth(app), 'PrometheusRule', 'mesh-service-mesh-alerts'), 'CheckoutStalled')).toEqual({
      alert: 'CheckoutStalled', expr: 'sum(rate(checkout_total[5m])) == 0', for: '10m',
      labels: { severity: 'warning', team: 'order', namespace: 'production', environment: 'test' }, annotations: { summary: 'No checkouts' },
    });
  });

  test('an environment that does not page (the chart is not production) raises warnings, each alert with its environment', () => {
    // GIVEN the same SLO in a staging chart and a production chart
    const rules = (production: boolean, paging?: boolean) => {
      const { app, chart } = meshChart({ environment: production ? 'production' : 'staging', production });
      const svc = new MeshService(chart, 'payment-service', { image: 'p:1' });
      const stack = new ObservabilityStack(chart, 'obs', { paging });
      stack.addSlo(svc, EC_SITE_SLOS['payment-service']);
      stack.addAlert({ alert: 'Mine', expr: 'up == 0', severity: 'critical', summary: 'x' });
      const out = synth(app);
      return [find(out, 'PrometheusRule', 'mesh-service-mesh-alerts'), find(out, 'PrometheusRule', 'payment-service-slo')]
        .flatMap((r) => r.spec.groups.flatMap((g: any) => g.rules)).filter((r: any) => r.alert);
    };
    const severities = (production: boolean, paging?: boolean) =>
      Object.fromEntries(rules(production, paging).map((r: any) => [r.alert, r.labels.severity]));
    expect(severities(true)).toMatchObject({
      PaymentServiceHighErrorRate: 'critical', CircuitBreakerTripped: 'critical', EnvoyMetricsAbsent: 'critical',
      PaymentServiceErrorBudgetFastBurn: 'critical', PaymentServiceErrorBudgetSlowBurn: 'warning', Mine: 'critical',
    });
    expect(new Set(Object.values(severities(false)))).toEqual(new Set(['warning']));
    expect(severities(false, true).PaymentServiceHighErrorRate).toBe('critical');
    for (const r of rules(false)) expect(r.labels.environment).toBe('staging');
  });
});

describe('validation', () => {
  function withSlo(s: ServiceSlo) {
    const { app, chart } = meshChart();
    new MeshService(chart, 'payment-service', { image: 'p:1', slo: s });
    new ObservabilityStack(chart, 'obs');
    return app;
  }
  const lat = (a: number, b: number, c: number) => ({ p50: Duration.millis(a), p95: Duration.millis(b), p99: Duration.millis(c) });

  test('latencies out of order fail with the service path, field and MESH400', () => {
    expect(synthError(withSlo(slo({ latency: lat(600, 500, 1000) })))).toMatch(
      /\[test\/payment-service\] slo.latency: p50 \(600ms\) is above p95 \(500ms\).*\[MESH400\]/,
    );
    expect(synthError(withSlo(slo({ latency: lat(200, 1001, 1000) })))).toMatch(
      /\[test\/payment-service\] slo.latency: p95 \(1001ms\) is above p99.*\[MESH400\]/,
    );
    expect(synthError(withSlo(slo({ latency: lat(0, 500, 1000) })))).toMatch(/slo.latency.p50: must be a positive duration.*\[MESH400\]/);
    expect(() => synth(withSlo(slo({ latency: lat(500, 500, 500) })))).not.toThrow(); // equal is in order
  });

  test.each([0, 100])('an error budget of %s%% fails with MESH401', (v) => {
    expect(synthError(withSlo(slo({ errorRate: Percentage.of(v) })))).toMatch(
      /\[test\/payment-service\] slo.errorRate: the error budget must be above 0% and below 100%.*\[MESH401\]/,
    );
  });

  test.each([0.0001, 99.9999])('an error budget of %s%% is accepted', (v) => {
    expect(() => synth(withSlo(slo({ errorRate: Percentage.of(v) })))).not.toThrow();
  });

  test('zero capacity fails with MESH402; negative capacity throws at once', () => {
    expect(synthError(withSlo(slo({ trafficCapacity: Rps.of(0) })))).toMatch(
      /\[test\/payment-service\] slo.trafficCapacity: must be above 0 rps.*\[MESH402\]/,
    );
    expect(() => synth(withSlo(slo({ trafficCapacity: Rps.of(0.001) })))).not.toThrow();
    expect(() => Rps.of(-1)).toThrow(/\[MESH004\]/);
  });

  test('zero saturation limits fail with MESH406', () => {
    expect(synthError(withSlo(slo({ saturation: { cpu: Percentage.of(0), memory: Percentage.of(70) } })))).toMatch(
      /slo.saturation.cpu: must be above 0%.*\[MESH406\]/,
    );
  });

  test('addSlo checks the SLO against the service\'s path', () => {
    const { app, chart } = meshChart();
    const svc = new MeshService(chart, 'order-service', { image: 'o:1' });
    new ObservabilityStack(chart, 'obs').addSlo(svc, slo({ latency: lat(50, 20, 500) }));
    expect(synthError(app)).toMatch(/\[test\/order-service\] slo.latency: p50 \(50ms\) is above p95 \(20ms\).*\[MESH400\]/);
  });

  test('an SLO for a service outside the chart fails with MESH403', () => {
    const { app, chart } = meshChart();
    const other = meshChart({ namespace: 'other' }, 'other');
    const foreign = new MeshService(other.chart, 'search-service', { image: 's:1' });
    new ObservabilityStack(chart, 'obs').addSlo(foreign, slo());
    expect(synthError(app)).toMatch(/\[test\/obs\] slos\[other\/search-service\]: an SLO for a service that is not part of chart test.*\[MESH403\]/);
  });

  test('two SLOs for one service fail with MESH405', () => {
    const { app, chart } = meshChart();
    const svc = new MeshService(chart, 'payment-service', { image: 'p:1', slo: slo() });
    new ObservabilityStack(chart, 'obs').addSlo(svc, slo());
    expect(synthError(app)).toMatch(/\[test\/obs\] slos\[payment-service\]: the service has two SLOs.*\[MESH405\]/);
  });

  test('a malformed PromQL expression fails with the rule\'s name and MESH404', () => {
    const { app, chart } = meshChart();
    const stack = new ObservabilityStack(chart, 'obs');
    stack.addAlert({ alert: 'Broken', expr: 'sum(rate(x[5m]) >', severity: 'info', summary: 'x' });
    expect(synthError(app)).toMatch(/\[test\/obs\] rules\[Broken\]\.expr is not valid PromQL: syntax error at offset \d+.*\[MESH404\]/);
  });

  test('a duplicate alert name in a group fails with MESH405', () => {
    const { app, chart } = meshChart();
    const stack = new ObservabilityStack(chart, 'obs');
    stack.addAlert({ alert: 'CircuitBreakerTripped', expr: 'up == 0', severity: 'info', summary: 'x' });
    expect(synthError(app)).toMatch(/rules\[CircuitBreakerTripped\]: the group mesh-service-mesh-alerts has two alerts.*\[MESH405\]/);
  });

  test('a rule selector label value Kubernetes rejects fails with MESH407', () => {
    const { app, chart } = meshChart();
    new ObservabilityStack(chart, 'obs', { ruleSelectorLabels: { release: 'not valid!' } });
    expect(synthError(app)).toMatch(/ruleSelectorLabels.release: 'not valid!' is not a valid label value.*\[MESH407\]/);
  });

  describe("MESH408: a service's own sampling applies only to requests that arrive with no sampling decision", () => {
    // seed 000: payment traced at 100% behind order-service, whose proxy decides first (sampled=0 at 90%).
    function payment(sampling: number, more: (svc: MeshService, chart: MeshChart) => void = () => undefined) {
      const { app, chart } = meshChart();
      const order = new MeshService(chart, 'order-service', { image: 'o:1' });
      const pay = new MeshService(chart, 'payment-service', { image: 'p:1', slo: slo({ tracingSampling: Percentage.of(sampling) }) });
      order.calls(pay, { methods: ['POST'], paths: ['/api/payments/*'] });
      new ObservabilityStack(chart, 'obs', { defaultSampling: Percentage.of(10) });
      more(pay, chart);
      return app;
    }

    test('only callers of the namespace, whose proxies the stack traces: synth fails, naming them', () => {
      expect(synthError(payment(100))).toMatch(
        /\[test\/obs\] slos\[payment-service\]\.tracingSampling: 100% applies only to requests that arrive with no sampling decision, and payment-service admits only its callers \(order-service\), whose proxies this stack's Telemetry traces: they decide first.*\[MESH408\]/,
      );
      // Lower than the default never applies either.
      expect(synthError(payment(1))).toMatch(/tracingSampling: 1% .*\[MESH408\]/);
    });

    test('a sampling equal to the default, no source at all, a gateway (its tracing is the platform\'s) or a rule of its own is fine', () => {
      expect(() => synth(payment(10))).not.toThrow();
      const { app, chart } = meshChart();
      new MeshService(chart, 'payment-service', { image: 'p:1', slo: slo({ tracingSampling: Percentage.of(100) }) });
      new ObservabilityStack(chart, 'obs');
      expect(find(synth(app), 'Telemetry', 'payment-service-tracing').spec.tracing[0].randomSamplingPercentage).toBe(100);
      const withBatch = payment(100, (svc) => ServiceSecurity.of(svc).allow({ to: [{ methods: ['POST'], paths: ['/api/settlements'] }] }));
      expect(find(synth(withBatch), 'Telemetry', 'payment-service-tracing').spec.tracing[0].randomSamplingPercentage).toBe(100);
      const behindGateway = payment(100, (svc, c) =>
        new IngressGateway(c, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls' }).route(svc),
      );
      expect(find(synth(behindGateway), 'Telemetry', 'payment-service-tracing').spec.tracing[0].randomSamplingPercentage).toBe(100);
      // A caller of another namespace: whether its proxy traces is that namespace's Telemetry's.
      const fromBatch = payment(100, (svc, c) =>
        new MeshService(new MeshChart(c.node.scope!, 'batch', { namespace: 'batch' }), 'settlement', { image: 's:1' }).calls(svc, {
          methods: ['POST'],
          paths: ['/api/settlements'],
        }),
      );
      expect(find(synth(fromBatch), 'Telemetry', 'payment-service-tracing').spec.tracing[0].randomSamplingPercentage).toBe(100);
    });
  });
});
