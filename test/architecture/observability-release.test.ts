import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiObject, Cron, Duration, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import {
  AccessLogging,
  BlueGreenRelease,
  CanaryPlan,
  CanaryRelease,
  CanaryRollbackRules,
  Cidr,
  FaultInjectionTest,
  FlaggerCanary,
  KubectlImage,
  FlaggerMetric,
  FlaggerCanaryMetric,
  FlaggerMetricTemplate,
  MeshConfigTracingProvider,
  MeshPlatform,
  MeshService,
  ObservabilityStack,
  Percentage,
  Rps,
  ServiceSlo,
  TracingProvider,
} from '../../src';
import { find, meshChart, synth } from '../util';

const SRC = path.join(__dirname, '..', '..', 'src');

const slo: ServiceSlo = {
  latency: { p50: Duration.millis(50), p95: Duration.millis(200), p99: Duration.millis(500) },
  errorRate: Percentage.of(0.1),
  trafficCapacity: Rps.of(100),
  saturation: { cpu: Percentage.of(80), memory: Percentage.of(85) },
};

const SEED_003_FAULTS = {
  delay: { fixedDelay: Duration.millis(500), percentage: Percentage.of(10) },
  abort: { httpStatus: 503, percentage: Percentage.of(5) },
  apiServer: { addresses: [Cidr.of('172.18.0.2/32')] },
};

describe('the observability and release constructs', () => {
  test.each(['views/observability', 'views/release'])('no file in src/%s tests constructs with instanceof ApiObject', (dir) => {
    const files = fs.readdirSync(path.join(SRC, dir)).filter((f) => f.endsWith('.ts'));
    const offenders = files.filter((f) => /instanceof ApiObject/.test(fs.readFileSync(path.join(SRC, dir, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});

describe('each construct has its object as its default child', () => {
  /** Builds a chart with one construct of each kind; returns [construct, child id, kind, name] rows. */
  function build() {
    const { app, chart } = meshChart({ namespace: 'staging', environment: 'staging', production: false });
    const order = new MeshService(chart, 'order-service', { image: 'order:1', slo });
    const payment = new MeshService(chart, 'payment-service', { image: 'payment:1' });
    const search = new MeshService(chart, 'search-service', { image: 'search:1' });
    const stack = new ObservabilityStack(chart, 'observability', { name: 'shop' });
    const template = new FlaggerMetricTemplate(chart, 'completion-rate', { query: 'sum(rate(x[1m]))' });
    const flagger = new FlaggerCanary(chart, 'payment-canary', {
      service: payment,
      stepWeight: 10,
      metrics: [FlaggerMetric.custom(template, { min: 0.9 })],
    });
    const rollback = new CanaryRollbackRules(chart, 'order-rollback', { service: order });
    const canary = new CanaryRelease(chart, 'order-v2', { service: order, image: 'order:2', plan: CanaryPlan.steps([5, 100]), phase: 'canary-5' });
    const blueGreen = new BlueGreenRelease(chart, 'search-bg', { service: search, image: 'search:2', active: 'blue' });
    const faults = new FaultInjectionTest(chart, 'faults', { services: [order], ...SEED_003_FAULTS });
    const rows: [string, Construct, string, string, string][] = [
      ['FlaggerCanary', flagger, 'Resource', 'Canary', 'payment-service'],
      ['FlaggerMetricTemplate', template, 'Resource', 'MetricTemplate', 'completion-rate'],
      ['CanaryRollbackRules', rollback, 'Resource', 'PrometheusRule', 'order-service-canary-rollback'],
      ['ObservabilityStack (mesh alerts)', stack, 'MeshAlerts', 'PrometheusRule', 'shop-service-mesh-alerts'],
      ['ObservabilityStack (Telemetry)', stack, 'Telemetry', 'Telemetry', 'shop-default'],
      ['ObservabilityStack (Envoy stats)', stack, 'EnvoyStats', 'PodMonitor', 'envoy-stats'],
      ['ObservabilityStack (SLO rules)', stack, 'Slo-order-service', 'PrometheusRule', 'order-service-slo'],
      ['CanaryRelease', canary, 'Deployment', 'Deployment', canary.deploymentName],
      ['BlueGreenRelease', blueGreen, 'Deployment', 'Deployment', blueGreen.greenDeploymentName],
      ['ObservabilityStack (dashboards)', stack.node.findChild('Dashboards'), 'mesh-overview', 'ConfigMap', 'shop-dashboard-mesh-overview'],
      ['FaultInjectionTest (switch-on)', faults, 'On', 'CronJob', 'fault-injection-test-on'],
      ['FaultInjectionTest (switch-off)', faults, 'Off', 'CronJob', 'fault-injection-test-off'],
      ['FaultInjectionTest (alert)', faults, 'LeftOnAlert', 'PrometheusRule', 'fault-injection-test-faults-left-on'],
      ['FaultInjectionTest (config)', faults, 'ConfigMap', 'ConfigMap', 'fault-injection-test-config'],
      ['FaultInjectionTest (policy)', faults, 'NetworkPolicy', 'NetworkPolicy', 'fault-injection-test'],
      ['FaultInjectionTest (role)', faults, 'Role', 'Role', 'fault-injection-test'],
    ];
    return { app, rows };
  }

  const { rows } = build();
  test.each(rows.map(([label, , id, kind, name]) => [label, id, kind, name]))('%s: child %s is the %s %s', (label, id, kind, name) => {
    const [, construct] = build().rows.find((r) => r[0] === label)!;
    const obj = ApiObject.of(construct.node.findChild(id));
    expect(ApiObject.isApiObject(obj)).toBe(true);
    expect(obj.kind).toBe(kind);
    expect(obj.name).toBe(name);
  });

  test("ApiObject.of(...).addJsonPatch on the FlaggerCanary's Resource reaches the synthesized Canary", () => {
    // GIVEN the constructs, and a user's patch through the escape hatch
    const { app, rows: built } = build();
    const flagger = built.find((r) => r[0] === 'FlaggerCanary')![1];
    ApiObject.of(flagger).addJsonPatch(JsonPatch.add('/spec/skipAnalysis', true));
    // THEN the Canary carries it, beside the rendered analysis
    const canary = find(synth(app), 'Canary', 'payment-service');
    expect(canary.spec.skipAnalysis).toBe(true);
    expect(canary.spec.analysis.stepWeight).toBe(10);
    expect(canary.spec.analysis.metrics).toEqual([
      { name: 'completion-rate', templateRef: { name: 'completion-rate', namespace: 'staging' }, thresholdRange: { min: 0.9 }, interval: '1m' },
    ]);
  });
});

describe('shapes render themselves', () => {
  const otelPlatform = MeshPlatform.of({ tracing: { protocol: 'opentelemetry', providerName: 'otel', serviceName: 'otel-collector' } });
  test.each<[string, TracingProvider, string, MeshConfigTracingProvider, string]>([
    [
      'zipkin',
      TracingProvider.zipkin('zipkin', 'zipkin.tracing.svc.cluster.local'),
      'zipkin',
      { name: 'zipkin', zipkin: { service: 'zipkin.tracing.svc.cluster.local', port: 9411 } },
      '/api/v2/spans',
    ],
    [
      'openTelemetry',
      TracingProvider.openTelemetry('otel', 'otel.observability.svc.cluster.local', 4318),
      'opentelemetry',
      { name: 'otel', opentelemetry: { service: 'otel.observability.svc.cluster.local', port: 4318 } },
      '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
    ],
    [
      'jaeger',
      TracingProvider.jaeger(),
      'zipkin',
      { name: 'jaeger', zipkin: { service: 'jaeger-collector.observability.svc.cluster.local', port: 9411 } },
      '/api/v2/spans',
    ],
    [
      'fromPlatform (stock)',
      TracingProvider.fromPlatform(MeshPlatform.default()),
      'zipkin',
      { name: 'jaeger', zipkin: { service: 'jaeger-collector.observability.svc.cluster.local', port: 9411 } },
      '/api/v2/spans',
    ],
    [
      'fromPlatform (OTLP)',
      TracingProvider.fromPlatform(otelPlatform),
      'opentelemetry',
      { name: 'otel', opentelemetry: { service: 'otel-collector.observability.svc.cluster.local', port: 4317 } },
      '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
    ],
  ])('TracingProvider.%s: its mesh-config entry, its Telemetry entry and its span path', (_label, provider, kind, meshConfig, spanPath) => {
    expect(provider.kind).toBe(kind);
    expect(provider.toMeshConfig()).toEqual(meshConfig);
    expect(provider.toTelemetry(Percentage.of(2.5))).toEqual({ providers: [{ name: meshConfig.name }], randomSamplingPercentage: 2.5 });
    expect(provider.spanPath).toBe(spanPath);
  });

  test.each<[string, AccessLogging, boolean, string | undefined, Record<string, any>]>([
    ['all', AccessLogging.all(), true, undefined, { providers: [{ name: 'envoy' }] }],
    ['errorsOnly', AccessLogging.errorsOnly(), true, 'response.code >= 400 || response.code == 0',
      { providers: [{ name: 'envoy' }], filter: { expression: 'response.code >= 400 || response.code == 0' } }],
    ['none', AccessLogging.none(), false, undefined, { providers: [{ name: 'envoy' }], disabled: true }],
  ])('AccessLogging.%s renders its Telemetry entry', (_label, logging, enabled, filter, entry) => {
    expect(logging.enabled).toBe(enabled);
    expect(logging.filter).toBe(filter);
    expect(logging.toTelemetry()).toEqual(entry);
  });

  test('the Telemetry of a stack is assembled from its provider and logging shapes', () => {
    const { app, chart } = meshChart();
    new ObservabilityStack(chart, 'obs', {
      name: 'shop',
      tracingProvider: TracingProvider.openTelemetry('otel', 'otel.o.svc'),
      accessLogging: AccessLogging.none(),
    });
    expect(find(synth(app), 'Telemetry', 'shop-default').spec).toEqual({
      tracing: [{ providers: [{ name: 'otel' }], randomSamplingPercentage: 10 }],
      accessLogging: [{ providers: [{ name: 'envoy' }], disabled: true }],
    });
  });

  test('FlaggerMetric kinds render their analysis entry; the analysis interval fills in', () => {
    const { chart } = meshChart();
    const template = new FlaggerMetricTemplate(chart, 'errors', { query: 'x' });
    const interval = Duration.minutes(2);
    // the entry is typed: its fields are named, not Record<string, any>
    const entry: FlaggerCanaryMetric = FlaggerMetric.custom(template, { name: 'error-count', max: 3 }).toAnalysis(interval);
    expect([entry.templateRef?.name, entry.thresholdRange.max, entry.interval]).toEqual(['errors', 3, '2m']);
    expect(FlaggerMetric.requestSuccessRate(Percentage.of(99)).toAnalysis(interval))
      .toEqual({ name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '2m' });
    expect(FlaggerMetric.requestDuration(Duration.millis(500), Duration.seconds(30)).toAnalysis(interval))
      .toEqual({ name: 'request-duration', thresholdRange: { max: 500 }, interval: '30s' });
    expect(FlaggerMetric.custom(template, { name: 'error-count', max: 3 }).toAnalysis(interval)).toEqual({
      name: 'error-count',
      templateRef: { name: 'errors', namespace: 'production' },
      thresholdRange: { min: undefined, max: 3 },
      interval: '2m',
    });
  });
});

describe('defaults are worked out once into readonly fields', () => {
  test('ObservabilityStack', () => {
    const { chart } = meshChart({ partOf: 'ec-site' });
    const stack = new ObservabilityStack(chart, 'obs');
    expect(stack.name).toBe('ec-site');
    expect(stack.title).toBe('Ec Site');
    expect(stack.accessLogging.toTelemetry()).toEqual(AccessLogging.all().toTelemetry());
    expect(stack.scrapeInterval.toSeconds()).toBe(15);
    expect(stack.dashboardLinks).toEqual([]);
    expect(stack.defaultSampling.value).toBe(10);
    expect(stack.tracingProvider.toMeshConfig()).toEqual(TracingProvider.fromPlatform(chart.platform).toMeshConfig());
    const links = [{ title: 'Traces', url: 'https://jaeger.example.com' }];
    const own = new ObservabilityStack(meshChart().chart, 'obs', { title: 'Shop', scrapeInterval: Duration.seconds(30), dashboardLinks: links });
    links.push({ title: 'Later', url: 'https://late.example.com' });
    expect([own.title, own.scrapeInterval.toSeconds(), own.dashboardLinks.map((l) => l.title)]).toEqual(['Shop', 30, ['Traces']]);
  });

  test('FaultInjectionTest', () => {
    const { chart } = meshChart({ namespace: 'staging', environment: 'staging', production: false });
    const order = new MeshService(chart, 'order-service', { image: 'order:1' });
    const services = [order];
    const test1 = new FaultInjectionTest(chart, 'faults', { services, ...SEED_003_FAULTS });
    services.push(new MeshService(chart, 'payment-service', { image: 'payment:1' }));
    expect(test1.services.map((s) => s.name)).toEqual(['order-service']);
    expect(test1.permanent).toBe(false);
    expect(test1.forceInProduction).toBe(false);
    expect(test1.testDuration.toMinutes()).toBe(30);
    expect(test1.schedule.expressionString).toBe('0 1 * * 1');
    expect(test1.image.reference).toMatch(/^registry\.k8s\.io\/kubectl:v1\.31\.12@sha256:[0-9a-f]{64}$/);
    expect(test1.timeZone).toBe('Etc/UTC');
    expect(test1.name).toBe('fault-injection-test');
    const test2 = new FaultInjectionTest(meshChart({ production: false }).chart, 'f', {
      services: [],
      ...SEED_003_FAULTS,
      permanent: true,
      testDuration: Duration.minutes(5),
      schedule: Cron.daily(),
      image: KubectlImage.of(`kubectl@sha256:${'0'.repeat(64)}`),
      forceInProduction: true,
    });
    expect([test2.permanent, test2.forceInProduction, test2.testDuration.toMinutes(), test2.image.reference]).toEqual([
      true,
      true,
      5,
      `kubectl@sha256:${'0'.repeat(64)}`,
    ]);
  });

  test('FlaggerCanary and FlaggerMetricTemplate', () => {
    const { chart } = meshChart();
    const payment = new MeshService(chart, 'payment-service', { image: 'payment:1' });
    const canary = new FlaggerCanary(chart, 'canary', { service: payment, stepWeights: [10, 30] });
    expect(canary.gateways).toEqual(['mesh']);
    expect(canary.interval.toMinutes()).toBe(1);
    expect(canary.threshold).toBe(5);
    expect(canary.stepWeights).toEqual([10, 30]);
    expect(canary.iterations).toBeUndefined();
    const template = new FlaggerMetricTemplate(chart, 'rate', { query: 'sum(rate(x[1m]))' });
    expect(template.address).toBe(chart.platform.flagger.prometheusAddress);
    expect(template.query).toBe('sum(rate(x[1m]))');
  });
});
