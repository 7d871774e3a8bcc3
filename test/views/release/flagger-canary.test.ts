import { ApiObject, Duration, Testing } from 'cdk8s';
import { Autoscaling, CanaryPlan, ConsistentHash, CanaryRelease, EdgeGateway, FlaggerAlertAddress, IngressGateway, FlaggerAlertProvider, FlaggerCanary, FlaggerCanaryProps, FlaggerMetric, FlaggerMetricTemplate, HighAvailability, LocalityLoadBalancing, MeshApp, MeshChart, MeshPlatform, MeshService, ObservabilityStack, Percentage, Retries, Rps, StringMatch, Warnings } from '../../../src';
import { checkIntendedFlows, FlowEvaluator, validateManifests } from '../../../src/validate';
import { find, meshChart, synth, synthError } from '../../util';

/** Seed 003 posts a `rollback` webhook to Alertmanager; a rollback webhook is a gate, so the notification is an alert. */
const ROLLBACK_ALERT = { name: 'rollback-alert', providerRef: { name: 'on-call', namespace: 'istio-system' } };
const LOAD_TEST = { name: 'load-test', type: 'rollout' as const, url: 'http://flagger-loadtester.test/' };
const SEED_ROLLBACK_WEBHOOK = { name: 'rollback-alert', type: 'rollback' as const, url: 'http://alertmanager.observability.svc.cluster.local:9093/api/v1/alerts' };

/** Seed 003's analysis: 5m, threshold 2, stages 10/30/50/80, success rate >= 99, P99 <= 500ms, rollback alert. */
const SEED_003: Omit<FlaggerCanaryProps, 'service'> = {
  interval: Duration.minutes(5),
  threshold: 2,
  stepWeights: [10, 30, 50, 80],
  maxWeight: 80,
  metrics: [
    FlaggerMetric.requestSuccessRate(Percentage.of(99), Duration.minutes(5)),
    FlaggerMetric.requestDuration(Duration.millis(500), Duration.minutes(5)),
  ],
  alerts: [ROLLBACK_ALERT],
};

function setup(props: Partial<FlaggerCanaryProps> = {}) {
  const { app, chart } = meshChart();
  const service = new MeshService(chart, 'order-service', { image: 'order:1' });
  new FlaggerCanary(chart, 'order-flagger', { service, ...SEED_003, ...props });
  return { app, chart, service };
}

describe('FlaggerCanary', () => {
  test('a service with a second port: Flagger is told to keep it (portDiscovery), so a call on it still works once Flagger owns the Services', () => {
    // GIVEN a service with HTTP on 80 -> 8080 and gRPC on 9090, released by Flagger, and a caller of each port
    const { app, chart } = meshChart();
    const orders = new MeshService(chart, 'orders', { image: 'orders:1', ports: [{ port: 80, targetPort: 8080 }, { port: 9090, protocol: 'grpc' }] });
    const web = new MeshService(chart, 'web', { image: 'web:1' });
    web.calls(orders, { port: 80, methods: ['GET'] });
    web.calls(orders, { port: 9090 });
    new FlaggerCanary(chart, 'orders-flagger', { service: orders, ...SEED_003 });
    // WHEN it is synthesized (synth checks every intended flow over the cluster as Flagger leaves it)
    const m = synth(app);
    // THEN the Canary keeps the other container ports on Flagger's Services (fluxcd/flagger pkg/canary/util.go getPorts)
    expect(find(m, 'Canary', 'orders').spec.service).toMatchObject({ port: 80, targetPort: 8080, portDiscovery: true });
    // AND without it, the gRPC call would find no port 9090 on Flagger's apex Service
    const canary = find(m, 'Canary', 'orders');
    const without = m.map((x) => (x === canary ? { ...x, spec: { ...x.spec, service: { ...x.spec.service, portDiscovery: undefined } } } : x));
    const evaluator = new FlowEvaluator(without, { platform: chart.platform.workloads(chart.namespace), trustDomain: chart.platform.trustDomain });
    expect(checkIntendedFlows(evaluator, chart.intendedFlows()).map((f) => f.message)).toEqual([
      expect.stringMatching(/web calls orders .*on 9090: refused by Service production\/orders \(routing\): Service production\/orders has no port 9090/),
    ]);
  });

  test('one port: no portDiscovery', () => {
    expect(find(synth(setup().app), 'Canary', 'order-service').spec.service.portDiscovery).toBeUndefined();
  });

  test('default output', () => {
    const { app, chart } = meshChart();
    const service = new MeshService(chart, 'order-service', { image: 'order:1' });
    new FlaggerCanary(chart, 'order-flagger', { service, stepWeight: 10 });
    expect(find(synth(app), 'Canary', 'order-service')).toMatchSnapshot();
  });

  test('seed 003 Canary, field by field', () => {
    const canary = find(synth(setup().app), 'Canary', 'order-service');
    expect(canary.apiVersion).toBe('flagger.app/v1beta1');
    expect(canary.metadata).toMatchObject({ name: 'order-service', namespace: 'production' });
    expect(canary.spec.targetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'order-service' });
    expect(canary.spec.service).toMatchObject({ port: 80, targetPort: 8080, gateways: ['mesh'] });
    expect(canary.spec.analysis).toEqual({
      interval: '5m',
      threshold: 2,
      maxWeight: 80,
      stepWeights: [10, 30, 50, 80],
      metrics: [
        { name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '5m' },
        { name: 'request-duration', thresholdRange: { max: 500 }, interval: '5m' },
      ],
      alerts: [{ ...ROLLBACK_ALERT, severity: 'error' }],
    });
  });

  test("seed 003's literal stepWeight 20 with maxWeight 80", () => {
    const canary = find(synth(setup({ stepWeights: undefined, stepWeight: 20 }).app), 'Canary', 'order-service');
    expect(canary.spec.analysis).toMatchObject({ stepWeight: 20, maxWeight: 80 });
    expect(canary.spec.analysis.stepWeights).toBeUndefined();
  });

  test('Flagger owns the VirtualService: the library emits none for the host, but keeps its DestinationRule', () => {
    const m = synth(setup().app);
    expect(m.filter((r) => r.kind === 'VirtualService')).toHaveLength(0);
    expect(find(m, 'DestinationRule', 'order-service').spec.host).toBe('order-service');
    expect(find(m, 'Deployment', 'order-service').metadata.name).toBe('order-service');
  });

  test('a custom MetricTemplate and an A/B test with a header match', () => {
    const { app, chart } = meshChart();
    const service = new MeshService(chart, 'order-service', { image: 'order:1' });
    const template = new FlaggerMetricTemplate(chart, 'order-completion-rate', {
      query: 'sum(rate(orders_completed_total{namespace="{{ namespace }}"}[{{ interval }}]))',
    });
    new FlaggerCanary(chart, 'order-flagger', {
      service,
      iterations: 10,
      match: [{ 'x-canary': StringMatch.exact('insider') }],
      metrics: [FlaggerMetric.custom(template, { min: 0.95 })],
      webhooks: [{ ...LOAD_TEST, timeout: Duration.seconds(15), metadata: { cmd: 'hey -z 1m http://order-service-canary/' } }],
    });
    const m = synth(app);
    expect(find(m, 'MetricTemplate', 'order-completion-rate')).toMatchObject({
      apiVersion: 'flagger.app/v1beta1',
      metadata: { namespace: 'production' },
      spec: { provider: { type: 'prometheus', address: 'http://prometheus-operated.observability.svc.cluster.local:9090' }, query: expect.stringContaining('orders_completed_total') },
    });
    expect(find(m, 'Canary', 'order-service').spec.analysis).toEqual({
      interval: '1m',
      threshold: 5,
      iterations: 10,
      match: [{ headers: { 'x-canary': { exact: 'insider' } } }],
      metrics: [{ name: 'order-completion-rate', templateRef: { name: 'order-completion-rate', namespace: 'production' }, thresholdRange: { min: 0.95 }, interval: '1m' }],
      webhooks: [{ ...LOAD_TEST, timeout: '15s', metadata: { cmd: 'hey -z 1m http://order-service-canary/' } }],
    });
  });

  test('metric factories check their input at once', () => {
    const { chart } = meshChart();
    const t = new FlaggerMetricTemplate(chart, 't', { query: 'x' });
    expect(() => FlaggerMetric.custom(t, {})).toThrow(/needs a min or a max \[MESH305\]/);
    expect(() => FlaggerMetric.custom(t, { min: 2, max: 1 })).toThrow(/\[MESH305\]/);
    expect(() => FlaggerMetric.requestDuration(Duration.millis(0.5))).toThrow(/\[MESH305\]/);
    // a template referred to by name must be named as Kubernetes names objects
    expect(() => FlaggerMetric.custom({ name: 'Error_Rate', namespace: 'istio-system' }, { max: 1 }))
      .toThrow(/template name 'Error_Rate' is not a DNS-1123 subdomain \[MESH305\]/);
    expect(() => FlaggerMetric.custom({ name: 'error-rate', namespace: 'Istio.System' }, { max: 1 }))
      .toThrow(/custom metric error-rate: namespace 'Istio.System' is not a DNS-1123 label.*\[MESH305\]/);
  });

  test('a MetricTemplate installed elsewhere, referred to by name and namespace (Flagger reads a templateRef of any namespace)', () => {
    // GIVEN a template the platform team installed in istio-system, not written by this app
    const { app, chart } = meshChart();
    const service = new MeshService(chart, 'order-service', { image: 'order:1' });
    new FlaggerCanary(chart, 'order-flagger', {
      service,
      stepWeight: 10,
      metrics: [FlaggerMetric.custom({ name: 'error-rate', namespace: 'istio-system' }, { name: 'errors', max: 1 })],
    });
    // THEN the analysis refers to it, and the app writes no MetricTemplate
    const m = synth(app);
    expect(find(m, 'Canary', 'order-service').spec.analysis.metrics).toEqual([
      { name: 'errors', templateRef: { name: 'error-rate', namespace: 'istio-system' }, thresholdRange: { max: 1 }, interval: '1m' },
    ]);
    expect(m.filter((x) => x.kind === 'MetricTemplate')).toEqual([]);
  });

  describe('validation', () => {
    test.each<[string, Partial<FlaggerCanaryProps>, RegExp]>([
      ['threshold 0', { threshold: 0 }, /threshold: must be a whole number of at least 1, got 0/],
      ['stepWeight 101', { stepWeights: undefined, maxWeight: undefined, stepWeight: 101 }, /stepWeight: must be a whole percentage from 1 to 100, got 101/],
      ['stepWeight 0', { stepWeights: undefined, maxWeight: undefined, stepWeight: 0 }, /stepWeight: must be a whole percentage from 1 to 100, got 0/],
      ['maxWeight 101', { maxWeight: 101 }, /maxWeight: must be a whole percentage from 1 to 100, got 101/],
      ['stepWeights not increasing', { stepWeights: [10, 30, 30] }, /stepWeights\[2\]: 30 does not increase on 30/],
      ['maxWeight under the last step', { maxWeight: 50 }, /maxWeight: 50 is below the last step weight 80/],
      ['both step modes', { stepWeight: 10 }, /stepWeights: cannot be combined with stepWeight/],
      ['no mode', { stepWeights: undefined }, /stepWeight: set one of stepWeight, stepWeights/],
      ['iterations without match', { stepWeights: undefined, maxWeight: undefined, iterations: 5 }, /match: A\/B testing \(iterations\) needs at least one header or query parameter match/],
      ['match without iterations', { match: [{ 'x-a': StringMatch.exact('1') }] }, /match: request matches are for A\/B testing: set iterations/],
      ['interval under 1ms', { interval: Duration.millis(0.5) }, /interval: must be whole milliseconds/],
      ['a webhook URL that is not one', { webhooks: [{ name: 'x', type: 'rollback', url: 'alertmanager' }] }, /webhooks\[0\]\.url: must be an http\(s\) URL/],
    ])('%s', (_, props, message) => {
      const error = synthError(setup(props).app);
      expect(error).toMatch(new RegExp(`\\[test/order-flagger\\] ${message.source}.*\\[MESH305\\]`));
    });

    test('boundaries: stepWeight 1 and 100, maxWeight 100 are accepted', () => {
      expect(() => synth(setup({ stepWeights: undefined, stepWeight: 1, maxWeight: 100 }).app)).not.toThrow();
      expect(() => synth(setup({ stepWeights: undefined, stepWeight: 100, maxWeight: 100 }).app)).not.toThrow();
    });

    test('a CanaryRelease on a Flagger-owned host fails instead of being dropped', () => {
      const { app, chart, service } = setup();
      new CanaryRelease(chart, 'order-v2', { service, image: 'order:2', plan: CanaryPlan.steps([5]), phase: 'canary-5' });
      expect(synthError(app)).toMatch(/\[test\/order-flagger\] service: Flagger writes the VirtualService of order-service, so the default route split .*\[MESH306\]/);
    });

    test('a route added to a Flagger-owned host fails', () => {
      const { app, service } = setup();
      service.addRoute({ name: 'qa', match: [{ headers: { 'x-qa-team': StringMatch.exact('true') } }], destinations: [{ subset: 'stable' }] });
      expect(synthError(app)).toMatch(/\[test\/order-flagger\] service: .*matched route\(s\) qa .*\[MESH306\]/);
    });
  });

  describe('review item 6: Flagger renames the primary pods\' app label; everything still matches', () => {
    /** GIVEN api-gateway calls order-service, which Flagger releases, with an autoscaler and a disruption budget. */
    function released(haBeforeFlagger = false) {
      const { app, chart } = meshChart();
      const order = new MeshService(chart, 'order-service', {
        image: 'order:1', replicas: 3, timeout: Duration.seconds(15),
        retries: Retries.of({ attempts: 2, perTryTimeout: Duration.seconds(5), retryOn: ['reset-before-request', 'connect-failure'] }),
      });
      const api = new MeshService(chart, 'api-gateway', { image: 'api:1' });
      api.calls(order, { methods: ['POST'], paths: ['/api/orders/*'] });
      if (haBeforeFlagger) new HighAvailability(chart, 'order-ha', { service: order });
      new FlaggerCanary(chart, 'order-flagger', { service: order, ...SEED_003 });
      if (!haBeforeFlagger) new HighAvailability(chart, 'order-ha', { service: order });
      new Autoscaling(chart, 'order-hpa', { service: order, maxReplicas: 10 });
      return { app, chart, order };
    }

    test('policies select by app.kubernetes.io/name, which Flagger keeps on primary and canary pods', () => {
      const m = synth(released().app);
      const byName = { 'app.kubernetes.io/name': 'order-service' };
      expect(find(m, 'AuthorizationPolicy', 'order-service-policy').spec.selector.matchLabels).toEqual(byName);
      expect(find(m, 'NetworkPolicy', 'order-service').spec.podSelector.matchLabels).toEqual(byName);
      expect(find(m, 'Sidecar', 'order-service').spec.workloadSelector.labels).toEqual(byName);
      expect(find(m, 'PodDisruptionBudget', 'order-service').spec.selector.matchLabels).toEqual(byName);
      // The caller's egress reaches the renamed pods, and its Sidecar imports Flagger's primary and canary hosts.
      const egress = find(m, 'NetworkPolicy', 'api-gateway').spec.egress.flatMap((r: any) => r.to).map((t: any) => t.podSelector?.matchLabels);
      expect(egress).toContainEqual(byName);
      expect(find(m, 'Sidecar', 'api-gateway').spec.egress[0].hosts).toEqual(expect.arrayContaining([
        './order-service.production.svc.cluster.local', './order-service-primary.production.svc.cluster.local', './order-service-canary.production.svc.cluster.local',
      ]));
      // The Deployment keeps `app` in its selector: Flagger reads it there and renames it on the primary only.
      const dep = find(m, 'Deployment', 'order-service');
      expect(dep.spec.selector.matchLabels).toEqual({ app: 'order-service', version: 'v1' });
      expect(dep.spec.template.metadata.labels).toMatchObject(byName);
      expect(dep.spec.template.spec.topologySpreadConstraints[0].labelSelector.matchLabels).toMatchObject(byName);
    });

    test("a traced SLO's Telemetry selects the released service by the label Flagger keeps", () => {
      const { app, chart } = meshChart();
      const order = new MeshService(chart, 'order-service', {
        image: 'order:1',
        slo: {
          latency: { p50: Duration.millis(50), p95: Duration.millis(200), p99: Duration.millis(500) },
          errorRate: Percentage.of(0.5), trafficCapacity: Rps.of(500), saturation: { cpu: Percentage.of(70), memory: Percentage.of(80) },
          tracingSampling: Percentage.of(100),
        },
      });
      new ObservabilityStack(chart, 'observability');
      new FlaggerCanary(chart, 'order-flagger', { service: order, ...SEED_003 });
      expect(find(synth(app), 'Telemetry', 'order-service-tracing').spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'order-service' });
    });

    test("HighAvailability made before the FlaggerCanary protects the primary's pods too: its budget and spread are read at synth", () => {
      // Flagger creates no PodDisruptionBudget of its own (fluxcd/flagger pkg/canary/deployment_controller.go copies the
      // Deployment and its HPA only) and relabels the primary's pods app=<name>-primary (pkg/canary/util.go makePrimaryLabels):
      // the budget must select the label it keeps, whichever construct came first.
      const m = synth(released(true).app);
      const byName = { 'app.kubernetes.io/name': 'order-service' };
      expect(find(m, 'PodDisruptionBudget', 'order-service').spec.selector.matchLabels).toEqual(byName);
      expect(find(m, 'Deployment', 'order-service').spec.template.spec.topologySpreadConstraints[0].labelSelector.matchLabels)
        .toEqual({ ...byName, version: 'v1' });
    });

    test('MESH666: a selector of its own on app for a service Flagger releases fails synth', () => {
      const { app, chart } = released();
      new ApiObject(chart, 'team-pdb', {
        apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'order-team' },
        spec: { minAvailable: 1, selector: { matchLabels: { app: 'order-service' } } },
      });
      expect(synthError(app)).toMatch(/PodDisruptionBudget\/order-team spec\.selector\.matchLabels selects app=order-service, which Flagger renames to order-service-primary.*\[MESH666\]/);
    });

    test("the Canary's service carries the host's trafficPolicy, timeout and retries, and autoscalerRef its HPA", () => {
      const { app } = released();
      const m = synth(app);
      const canary = find(m, 'Canary', 'order-service');
      // Flagger 1.44's Canary schema has connectionPool.http only: the API server would prune tcp.
      const { connectionPool: { tcp, ...pool }, ...rest } = find(m, 'DestinationRule', 'order-service').spec.trafficPolicy;
      expect(tcp).toEqual({ maxConnections: 100 });
      expect(canary.spec.service).toMatchObject({
        timeout: '15s',
        retries: { attempts: 2, perTryTimeout: '5s', retryOn: 'reset-before-request,connect-failure' },
        trafficPolicy: { ...rest, connectionPool: pool },
      });
      expect(canary.spec.service.trafficPolicy.outlierDetection).toBeDefined();
      expect(canary.spec.autoscalerRef).toEqual({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: 'order-service' });
      // No autoscaler, no autoscalerRef.
      expect(find(synth(setup().app), 'Canary', 'order-service').spec.autoscalerRef).toBeUndefined();
    });

    // Flagger 1.44's Canary schema: trafficPolicy.loadBalancer is oneOf `simple` or `consistentHash` (its CRD); istiod takes
    // LEAST_REQUEST when none is given (pilot/pkg/networking/core/cluster_traffic_policy.go, defaultLBAlgorithm).
    test('a locality setting alone reaches the Canary with the algorithm istiod uses by default, which the schema requires', () => {
      const { app, chart, service } = setup();
      new LocalityLoadBalancing(chart, 'order-locality', { service, failover: [{ from: 'us-east', to: 'us-west' }] });
      const m = synth(app);
      const own = find(m, 'DestinationRule', 'order-service').spec.trafficPolicy.loadBalancer;
      expect(own.simple).toBeUndefined();
      expect(own.localityLbSetting.failoverPriority).toEqual(['topology.kubernetes.io/region']);
      // Nor does the schema's localityLbSetting know failoverPriority: distribute, enabled and failover only.
      const { failoverPriority: _dropped, ...locality } = own.localityLbSetting;
      expect(find(m, 'Canary', 'order-service').spec.service.trafficPolicy.loadBalancer).toEqual({ simple: 'LEAST_REQUEST', localityLbSetting: locality });
      expect(validateManifests(m).filter((f) => f.resource.kind === 'Canary')).toEqual([]);
    });

    // Flagger's schema has no failoverPriority, so a hashed service's region-first order cannot reach Flagger's DestinationRules;
    // Istio's default zone-first order would hash one session to a different pod per caller zone (istio/istio issue 41674):
    // locality off (`enabled: false`, pilot/pkg/networking/core/loadbalancer/loadbalancer.go, no failover when disabled).
    test('a service hashed by a header reaches the Canary with locality off, one ring for every caller', () => {
      const { app, chart } = meshChart();
      const service = new MeshService(chart, 'order-service', { image: 'order:1', loadBalancer: ConsistentHash.header('x-session-id') });
      new FlaggerCanary(chart, 'order-flagger', { service, ...SEED_003 });
      const m = synth(app);
      expect(find(m, 'Canary', 'order-service').spec.service.trafficPolicy.loadBalancer)
        .toEqual({ consistentHash: { httpHeaderName: 'x-session-id' }, localityLbSetting: { enabled: false } });
      expect(validateManifests(m).filter((f) => f.resource.kind === 'Canary')).toEqual([]);
    });

    test('MESH667: seed 003\'s rollback webhook to Alertmanager is a gate that rolls back on every 2xx; alerts notify', () => {
      expect(synthError(setup({ alerts: undefined, webhooks: [SEED_ROLLBACK_WEBHOOK] }).app))
        .toMatch(/\[test\/order-flagger\] webhooks\[0\]: a rollback webhook to Alertmanager .* send notifications with alerts \[MESH667\]/);
      expect(find(synth(setup().app), 'Canary', 'order-service').spec.analysis.alerts)
        .toEqual([{ name: 'rollback-alert', severity: 'error', providerRef: { name: 'on-call', namespace: 'istio-system' } }]);
    });

    test("a MetricTemplate queries the platform's Prometheus", () => {
      const app = new MeshApp({ outdir: Testing.app().outdir, platform: MeshPlatform.of({ flagger: { prometheusAddress: 'http://prom.monitoring:9090' } }) });
      const chart = new MeshChart(app, 'test', { namespace: 'production' });
      new FlaggerMetricTemplate(chart, 'rate', { query: 'sum(rate(x[1m]))' });
      expect(find(synth(app), 'MetricTemplate', 'rate').spec.provider.address).toBe('http://prom.monitoring:9090');
    });
  });

  describe("seed 003's mirroring and notifications, the way Flagger does them", () => {
    test('mirror: analysis.mirror and mirrorWeight, one step before the first shift', () => {
      const canary = find(synth(setup({ mirror: Percentage.of(10) }).app), 'Canary', 'order-service');
      expect(canary.spec.analysis).toMatchObject({ mirror: true, mirrorWeight: 10, stepWeights: [10, 30, 50, 80] });
      expect(find(synth(setup().app), 'Canary', 'order-service').spec.analysis.mirror).toBeUndefined();
    });

    test.each([[0, /must be a whole percentage from 1 to 100, got 0/], [12.5, /got 12\.5/]])('mirror %p is MESH305', (value, message) => {
      expect(synthError(setup({ mirror: Percentage.of(value) }).app))
        .toMatch(new RegExp(`\\[test/order-flagger\\] mirror: .*${message.source}.*\\[MESH305\\]`));
    });

    test('an A/B test sends the matched requests themselves: Flagger does not mirror there (MESH305)', () => {
      const ab = {
        stepWeights: undefined, maxWeight: undefined, iterations: 10, match: [{ 'x-canary': StringMatch.exact('insider') }],
        mirror: Percentage.of(10),
      };
      expect(synthError(setup(ab).app)).toMatch(/mirror: an A\/B test .* \[MESH305\]/);
    });

    test('MESH320 (warning): mirroring to a service that admits writes applies each mirrored write twice; over plain manifests too', () => {
      const { app, chart } = meshChart();
      const order = new MeshService(chart, 'order-service', { image: 'order:1' });
      new MeshService(chart, 'api-gateway', { image: 'api:1' }).calls(order, { methods: ['GET', 'POST'], paths: ['/api/orders/*'] });
      const release = new FlaggerCanary(chart, 'order-flagger', { service: order, ...SEED_003, mirror: Percentage.of(10) });
      const findings = validateManifests(synth(app)).filter((f) => f.code === 'MESH320');
      expect(findings).toEqual([expect.objectContaining({
        severity: 'warning', field: 'spec.analysis.mirror', resource: expect.objectContaining({ kind: 'Canary', name: 'order-service' }),
      })]);
      expect(findings[0].message)
        .toMatch(/^Flagger mirrors 10% of the requests to order-service to its canary, and order-service admits POST: a mirrored write is applied/);
      // GET-only callers: nothing to warn about.
      const reads = meshChart();
      const o2 = new MeshService(reads.chart, 'order-service', { image: 'order:1' });
      new MeshService(reads.chart, 'api-gateway', { image: 'api:1' }).calls(o2, { methods: ['GET'], paths: ['/api/orders/*'] });
      new FlaggerCanary(reads.chart, 'order-flagger', { service: o2, ...SEED_003, mirror: Percentage.of(10) });
      expect(validateManifests(synth(reads.app)).filter((f) => f.code === 'MESH320')).toEqual([]);
      // It can be acknowledged on the release, with its reason.
      Warnings.of(release).acknowledge('MESH320', 'the canary writes to a store of its own');
      expect(() => synth(app)).not.toThrow();
    });

    test("an AlertProvider in the chart's namespace, its webhook URL from a Secret, replaces seed 003's rollback webhook to Alertmanager", () => {
      const { app, chart } = meshChart();
      const teams = new FlaggerAlertProvider(chart, 'infra-report', { type: 'msteams', address: FlaggerAlertAddress.secret('flagger-msteams') });
      const service = new MeshService(chart, 'order-service', { image: 'order:1' });
      new FlaggerCanary(chart, 'order-flagger', { service, ...SEED_003, alerts: [teams.alert({ name: 'rollback-alert' })] });
      const m = synth(app);
      expect(find(m, 'AlertProvider', 'infra-report')).toMatchObject({
        apiVersion: 'flagger.app/v1beta1', metadata: { namespace: 'production' }, spec: { type: 'msteams', secretRef: { name: 'flagger-msteams' } },
      });
      expect(find(m, 'Canary', 'order-service').spec.analysis.alerts)
        .toEqual([{ name: 'rollback-alert', severity: 'error', providerRef: { name: 'infra-report', namespace: 'production' } }]);
      expect(find(m, 'Canary', 'order-service').spec.analysis.webhooks).toBeUndefined();
      expect(() => FlaggerAlertAddress.url('alertmanager:9093')).toThrow(/must be an http\(s\) URL.*\[MESH305\]/);
      expect(() => FlaggerAlertAddress.secret('Flagger_Teams')).toThrow(/\[MESH001\]/);
      const relay = meshChartWith((c) => new FlaggerAlertProvider(c, 'relay', {
        type: 'slack', address: FlaggerAlertAddress.url('http://relay.ops:8080/hook'), channel: 'releases',
      }));
      expect(find(synth(relay), 'AlertProvider', 'relay').spec)
        .toEqual({ type: 'slack', address: 'http://relay.ops:8080/hook', channel: 'releases' });
    });

    test("the service's own calls are proved from the primary's pods and from the canary's", () => {
      const { app, chart } = meshChart();
      const order = new MeshService(chart, 'order-service', { image: 'order:1' });
      const stock = new MeshService(chart, 'stock', { image: 'stock:1' });
      order.calls(stock, { methods: ['GET'], paths: ['/api/stock/*'] });
      new FlaggerCanary(chart, 'order-flagger', { service: order, ...SEED_003 });
      const flows = chart.intendedFlows().filter((f) => f.host === 'stock');
      // Each path (the collection path too) from the canary's pods, then from the primary's.
      expect(flows.map((f) => `${'workload' in f.source && f.source.workload} ${f.path}`))
        .toEqual(['order-service /api/stock', 'order-service /api/stock/x', 'order-service-primary /api/stock', 'order-service-primary /api/stock/x']);
      const evaluator = new FlowEvaluator(synth(app), { platform: chart.platform.workloads('production') });
      expect(checkIntendedFlows(evaluator, flows)).toEqual([]);
      expect(evaluator.evaluate(flows[0]).hops[0]).toBe('production/order-service');
      expect(evaluator.evaluate(flows[2]).hops[0]).toBe('production/order-service-primary');
    });
  });
});

/** A MeshApp's chart with what `add` puts in it. */
function meshChartWith(add: (chart: MeshChart) => void): MeshApp {
  const { app, chart } = meshChart();
  add(chart);
  return app;
}

describe('a gateway route to a host Flagger releases', () => {
  test('MESH312 (warning): the gateway VirtualService sends public requests to the apex Service (the primary), past the canary', () => {
    // GIVEN an ingress route to api, and a weighted Flagger analysis of api
    const { app, chart } = meshChart();
    const api = new MeshService(chart, 'api', { image: 'api:1' });
    const gateway = new IngressGateway(chart, 'shop-gateway', { hosts: ['shop.example.com'], credentialName: 'shop-tls' });
    gateway.route(api, { pathPrefix: '/api/' });
    new FlaggerCanary(chart, 'api-canary', { service: api, ...SEED_003 });
    // WHEN the manifests are analysed
    const findings = validateManifests(synth(app)).filter((f) => f.code === 'MESH312');
    // THEN the gateway's VirtualService is named, with the Canary, and what to do
    expect(findings).toEqual([expect.objectContaining({
      severity: 'warning', field: 'spec.http[0].route[0].destination.host',
      resource: expect.objectContaining({ kind: 'VirtualService', name: 'shop-gateway' }),
      related: expect.objectContaining({ kind: 'Canary', name: 'api', namespace: 'production' }),
    })]);
    expect(findings[0].message).toMatch(/^routes the requests of production\/shop-gateway to api\.production\.svc\.cluster\.local, the apex Service of Flagger Canary production\/api, which Flagger points at api-primary: .*spec\.service\.gateways, spec\.service\.hosts.*spec\.service\.delegation/);
    // A Blue/Green run (iterations, no match, no mirror) judges only the load tester's requests: nothing to warn about.
    // The flows agree: the gateway's request reaches the primary's pods alone, never the canary's.
    const evaluator = new FlowEvaluator(synth(app), { platform: chart.platform.workloads('production') });
    const publicFlows = chart.intendedFlows().filter((f) => f.host === 'shop.example.com');
    expect(publicFlows.length).toBeGreaterThan(0);
    for (const f of publicFlows) expect(evaluator.evaluate(f).reached?.map((p) => p.workload)).toEqual(['api-primary']);
    const blueGreen = synth(app).map((m) => (m.kind === 'Canary' ? { ...m, spec: { ...m.spec, analysis: { interval: '5m', threshold: 2, iterations: 10 } } } : m));
    expect(validateManifests(blueGreen).filter((f) => f.code === 'MESH312')).toEqual([]);
    // It is acknowledged on the gateway, whose VirtualService carries it, with its reason.
    Warnings.of(gateway).acknowledge('MESH312', 'public clients are released by the gateway team');
    expect(find(synth(app), 'VirtualService', 'shop-gateway').metadata.annotations)
      .toMatchObject({ 'acknowledged.mesh.cdk8s.io/MESH312': 'public clients are released by the gateway team' });
  });
});

describe('MESH312 where other routes share the public host by path', () => {
  // Bound to the gateway and the host, Flagger's VirtualService (one route, every path) is one more VirtualService of the
  // host, which istiod merges with the others in an order nothing fixes
  // (https://istio.io/latest/docs/ops/best-practices/traffic-management/#split-virtual-services): it may take their paths.
  // A delegate is reached only through the gateway rule's own match (docs.flagger.app, Istio delegation).
  const message = (m: Record<string, any>[]) => validateManifests(m).filter((f) => f.code === 'MESH312').map((f) => f.message);
  /** api under /api/ and web at the root of one public host, api released by Flagger. */
  function shared() {
    const { app, chart } = meshChart();
    const api = new MeshService(chart, 'api', { image: 'api:1' });
    const web = new MeshService(chart, 'web', { image: 'web:1' });
    const gateway = new IngressGateway(chart, 'shop-gateway', { hosts: ['shop.example.com'], credentialName: 'shop-tls' });
    gateway.route(api, { pathPrefix: '/api/' });
    gateway.route(web);
    new FlaggerCanary(chart, 'api-canary', { service: api, ...SEED_003 });
    return synth(app);
  }

  test("another rule of the gateway's VirtualService: the advice leads with delegation, and says why not to bind the host", () => {
    const [m] = message(shared());
    expect(m).toMatch(/; the host shop\.example\.com is shared with other routes \(this VirtualService's spec\.http\[1\]\): delegate the route to Flagger's VirtualService \(spec\.service\.delegation: a FlaggerCanary's `delegation: true`\), which keeps their paths where they go; binding the Canary to the gateway and the host \(spec\.service\.gateways, spec\.service\.hosts\) would add Flagger's VirtualService.*it may take their paths$/);
    expect(m).not.toMatch(/let the Canary bind/);
  });

  test("another team's VirtualService on the same gateway for the host is named; one on another gateway or host is not", () => {
    // GIVEN the api alone on the gateway's VirtualService, and another team's route of /cart on the same gateway and host
    const { app, chart } = meshChart();
    const api = new MeshService(chart, 'api', { image: 'api:1' });
    new IngressGateway(chart, 'shop-gateway', { hosts: ['shop.example.com'], credentialName: 'shop-tls' }).route(api, { pathPrefix: '/api/' });
    new FlaggerCanary(chart, 'api-canary', { service: api, ...SEED_003 });
    const vs = (name: string, gateway: string, host: string) => ({
      apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace: 'cart' },
      spec: { gateways: [gateway], hosts: [host], http: [{ match: [{ uri: { prefix: '/cart/' } }], route: [{ destination: { host: 'cart' } }] }] },
    });
    const alone = synth(app);
    expect(message(alone)[0]).toMatch(/let the Canary bind the gateway and the public host/);
    // THEN the other team's VirtualService is what shares the host, and delegation comes first
    expect(message([...alone, vs('cart', 'production/shop-gateway', 'shop.example.com')])[0])
      .toMatch(/the host shop\.example\.com is shared with other routes \(VirtualService cart\/cart\): delegate the route/);
    expect(message([...alone, vs('cart', 'production/shop-gateway', '*.example.com')])[0]).toMatch(/\(VirtualService cart\/cart\): delegate/);
    expect(message([...alone, vs('cart', 'production/other-gateway', 'shop.example.com')])[0]).toMatch(/let the Canary bind/);
    expect(message([...alone, vs('cart', 'production/shop-gateway', 'admin.example.com')])[0]).toMatch(/let the Canary bind/);
  });
});

describe('a gateway route to a host Flagger releases with delegation', () => {
  /** An ingress route to web (the site root), and Flagger's A/B test of web on a header, with `delegation`. */
  function abTest(props: Partial<FlaggerCanaryProps> = {}) {
    const { app, chart } = meshChart();
    const web = new MeshService(chart, 'web', { image: 'web:1' });
    const gateway = new IngressGateway(chart, 'shop-gateway', { hosts: ['shop.example.com'], credentialName: 'shop-tls' });
    gateway.route(web);
    new FlaggerCanary(chart, 'web-canary', {
      service: web, iterations: 10, match: [{ 'x-canary': StringMatch.exact('insider') }], delegation: true, ...props,
    });
    return { app, chart };
  }

  test("the gateway's rule delegates to Flagger's VirtualService, so a public request of the A/B match reaches the canary", () => {
    // GIVEN an A/B test of the public site through the ingress gateway, with delegation
    const { app, chart } = abTest();
    // WHEN synthesized
    const m = synth(app);
    // THEN the Canary asks Flagger for a delegate VirtualService: no gateways (Flagger refuses a Canary with both)
    const service = find(m, 'Canary', 'web').spec.service;
    expect(service.delegation).toBe(true);
    expect(service.gateways).toBeUndefined();
    // AND the gateway's rule delegates to it (Flagger names it after the apex, in the Canary's namespace) instead of routing
    const rule = find(m, 'VirtualService', 'shop-gateway').spec.http[0];
    expect(rule.delegate).toEqual({ name: 'web', namespace: 'production' });
    expect(rule.route).toBeUndefined();
    // AND nothing bypasses the canary any more
    expect(validateManifests(m).filter((f) => f.code === 'MESH312' || f.severity === 'error')).toEqual([]);
    // AND over the cluster Flagger runs, a public request with the header reaches the canary's pods, one without the primary's
    const evaluator = new FlowEvaluator(m, { platform: chart.platform.workloads('production') });
    const flow = chart.intendedFlows().find((f) => f.host === 'shop.example.com')!;
    expect(evaluator.evaluate({ ...flow, headers: { 'x-canary': 'insider' } }).reached?.map((p) => p.workload)).toEqual(['web']);
    expect(evaluator.evaluate({ ...flow, headers: {} }).reached?.map((p) => p.workload)).toEqual(['web-primary']);
  });

  test("an EdgeGateway's route delegates the same way, under its path prefix", () => {
    const platform = MeshPlatform.of({ gateways: [{ name: 'public', servers: [{ port: 80, protocol: 'HTTP', hosts: ['*.example.com'] }] }] });
    const { app, chart } = meshChart({ platform });
    const web = new MeshService(chart, 'web', { image: 'web:1' });
    EdgeGateway.fromPlatform(chart, 'public', 'public').route(web, { hosts: ['shop.example.com'], pathPrefix: '/app/' });
    new FlaggerCanary(chart, 'web-canary', { service: web, iterations: 10, match: [{ 'x-canary': StringMatch.exact('insider') }], delegation: true });
    const rule = find(synth(app), 'VirtualService', 'public').spec.http[0];
    expect(rule).toMatchObject({ match: [{ uri: { prefix: '/app/' } }], delegate: { name: 'web', namespace: 'production' } });
    expect(rule.route).toBeUndefined();
  });

  test("with delegation the gateway's requests meet the Canary's retries: a service routed for every method retries only what never reached it", () => {
    // istiod merges the delegate's rules into the root rule, the delegate's retries winning (istio/istio
    // pilot/pkg/model/virtualservice.go, mergeHTTPRoute: the root's only `if delegate.Retries == nil`), and Flagger writes the
    // Canary's service.retries into its VirtualService: so the gateway's POSTs were retried on the tier's 5xx.
    const { app } = abTest();
    const retries = find(synth(app), 'Canary', 'web').spec.service.retries;
    expect(retries).toEqual({ attempts: 2, perTryTimeout: '5s', retryOn: 'reset-before-request,connect-failure' });
    // Without delegation the gateway's own rule routes to the apex and keeps its own retries: the service's reads keep the tier's
    const { app: routed, chart } = meshChart();
    const web = new MeshService(chart, 'web', { image: 'web:1' });
    new IngressGateway(chart, 'shop-gateway', { hosts: ['shop.example.com'], credentialName: 'shop-tls' }).route(web);
    new FlaggerCanary(chart, 'web-canary', { service: web, iterations: 10, match: [{ 'x-canary': StringMatch.exact('insider') }], gateways: ['mesh'] });
    const m = synth(routed);
    expect(find(m, 'Canary', 'web').spec.service.retries.retryOn).toBe('5xx,reset,connect-failure,retriable-4xx');
    expect(find(m, 'VirtualService', 'shop-gateway').spec.http[0].retries.retryOn).toBe('reset-before-request,connect-failure');
  });

  test('MESH677 (warning): with delegation, callers of the service in the mesh reach the primary alone', () => {
    const { app, chart } = abTest();
    const web = chart.node.findAll().find((c): c is MeshService => c instanceof MeshService && c.name === 'web')!;
    new MeshService(chart, 'bff', { image: 'bff:1' }).calls(web, { methods: ['GET'], paths: ['/orders'] });
    app.manifests();
    expect(app.warnings.filter((w) => w.includes('[MESH677]'))).toEqual([expect.stringMatching(
      /\[test\/web-canary\] .*delegation: Flagger's delegate VirtualService has no hosts, so the sidecars of web's callers in the mesh \(production\/bff\) route them to web, which Flagger points at web-primary.*\[MESH677\]/)]);
    // without callers in the mesh, nothing to warn of
    const alone = abTest().app;
    alone.manifests();
    expect(alone.warnings.filter((w) => w.includes('[MESH677]'))).toEqual([]);
  });

  test('MESH305: gateways beside delegation, which Flagger refuses', () => {
    expect(synthError(abTest({ gateways: ['mesh'] }).app))
      .toMatch(/\[test\/web-canary\] gateways: Flagger's VirtualService with delegation binds to no gateway .*got mesh \[MESH305\]/);
  });

  test("the gateway's POSTs meet Flagger's routes, so the service's default retries spare writes there", () => {
    // istiod merges a delegate's rule into the gateway's, the delegate's retries winning where it sets them
    // (istio/istio pilot/pkg/model/virtualservice.go, mergeHTTPRoute): the Canary's `service.retries` retry the public's requests.
    const retries = (delegation: boolean, own?: Retries) => {
      const { app, chart } = meshChart();
      const web = new MeshService(chart, 'web', { image: 'web:1', ...(own ? { retries: own } : {}) });
      new IngressGateway(chart, 'shop-gateway', { hosts: ['shop.example.com'], credentialName: 'shop-tls' }).route(web);
      new FlaggerCanary(chart, 'web-canary', { service: web, stepWeights: [10, 50], delegation });
      return find(synth(app), 'Canary', 'web').spec.service.retries;
    };
    // every method through the gateway, into the service's own routes: retried only when nothing reached web
    expect(retries(true)).toEqual({ attempts: 2, perTryTimeout: '5s', retryOn: 'reset-before-request,connect-failure' });
    // without delegation the gateway routes to the apex with its own retries (MESH312): the service's stay the tier's
    expect(retries(false).retryOn).toBe('5xx,reset,connect-failure,retriable-4xx');
    // the service's own retryOn wins, as for a declared caller's writes
    expect(retries(true, Retries.of({ retryOn: ['5xx'] })).retryOn).toBe('5xx');
  });
});

test("MESH682 (warning): a service's own connectionPool.tcp does not reach Flagger's DestinationRules, whose schema has none", () => {
  // GIVEN a model server sized for slow requests (64 connections a proxy, 5s to connect), released by Flagger
  const { app, chart } = meshChart();
  const ranker = new MeshService(chart, 'ranker', {
    image: 'ranker:1',
    connectionPool: { tcp: { maxConnections: 64, connectTimeout: Duration.seconds(5) }, http: { http1MaxPendingRequests: 128 } },
  });
  const release = new FlaggerCanary(chart, 'ranker-canary', { service: ranker, stepWeights: [10, 50] });
  // THEN the Canary carries the HTTP pool only, and synth says the TCP one is lost
  const out = synth(app);
  expect(find(out, 'Canary', 'ranker').spec.service.trafficPolicy.connectionPool).toEqual({ http: { http1MaxPendingRequests: 128, http2MaxRequests: 1000, maxRequestsPerConnection: 10 } });
  expect(app.warnings.filter((w) => w.includes('[MESH682]'))).toEqual([expect.stringMatching(
    /\[test\/ranker-canary\] .*service: ranker sets connectionPool\.tcp\.maxConnections and connectionPool\.tcp\.connectTimeout, which Flagger's Canary cannot carry.*\[MESH682\]/)]);
  // Acknowledged, it is no longer reported; a service that keeps its tier's pool is not reported at all.
  Warnings.of(release).acknowledge('MESH682', 'the callers bound their requests with connectionPool.http');
  app.manifests();
  expect(app.warnings.filter((w) => w.includes('[MESH682]'))).toEqual([]);
  const tier = setup().app;
  tier.manifests();
  expect(tier.warnings.filter((w) => w.includes('[MESH682]'))).toEqual([]);
});

test("MESH105 on Flagger's apex Service, which the manifests do not hold: reported on the Canary, naming the container port to rename", () => {
  // GIVEN a released service with a management port inside the pod, which portDiscovery copies onto Flagger's Services
  const { app, chart } = meshChart();
  const ranker = new MeshService(chart, 'ranker', {
    image: 'ranker:1', ports: [{ port: 8080, protocol: 'http' }, { port: 7070, protocol: 'grpc' }], containerPorts: [{ number: 8081, name: 'management' }],
  });
  new FlaggerCanary(chart, 'ranker-canary', { service: ranker, stepWeights: [10, 50] });
  app.manifests();
  // THEN the warning is the Canary's, in its namespace, and says where the name comes from
  expect(app.warnings.filter((w) => w.includes('[MESH105]'))).toEqual([expect.stringMatching(
    /^\[test\/ranker-canary\/Resource\] test\/Service\/ranker: spec\.ports\[2\]\.name: port name 'management' .*Flagger writes this port of its Services from the target's container port 'management' \(portDiscovery\): name that container port by its protocol \(http-management, tcp-management\) \[MESH105\]$/)]);
});

describe('a gRPC service Flagger releases', () => {
  function grpcRelease(metrics: (chart: MeshChart) => FlaggerMetric[]) {
    const { app, chart } = meshChart();
    const pricing = new MeshService(chart, 'pricing', { image: 'pricing:1', ports: [{ port: 9090, protocol: 'grpc' }] });
    new MeshService(chart, 'web', { image: 'web:1' }).calls(pricing, { paths: ['/catalog.pricing.v1.Pricing/Quote'] });
    const release = new FlaggerCanary(chart, 'pricing-canary', { service: pricing, stepWeights: [10, 50], metrics: metrics(chart) });
    return { app, release };
  }

  test("Flagger's Services name the port as the service does, so Istio proxies it as gRPC, not as HTTP/1.1", () => {
    const { app } = grpcRelease(() => []);
    expect(find(synth(app), 'Canary', 'pricing').spec.service).toMatchObject({ port: 9090, targetPort: 9090, portName: 'grpc' });
    // An HTTP port keeps Flagger's default name, `http`.
    expect(find(synth(setup().app), 'Canary', 'order-service').spec.service.portName).toBeUndefined();
  });

  test('MESH313 (warning): the built-in request-success-rate counts non-5xx responses, and a failed gRPC call is an HTTP 200', () => {
    const { app, release } = grpcRelease(() => [FlaggerMetric.requestSuccessRate(Percentage.of(99))]);
    const findings = validateManifests(synth(app)).filter((f) => f.code === 'MESH313');
    expect(findings).toEqual([expect.objectContaining({
      severity: 'warning', field: 'spec.analysis.metrics[0]', resource: expect.objectContaining({ kind: 'Canary', name: 'pricing' }),
    })]);
    expect(findings[0].message).toMatch(/^Flagger's built-in request-success-rate counts the responses to pricing that are not HTTP 5xx, and its port 9090 speaks gRPC.*FlaggerMetricTemplate\.grpcRequestSuccessRate/);
    Warnings.of(release).acknowledge('MESH313', 'the service answers every error with an HTTP status');
    expect(find(synth(app), 'Canary', 'pricing').metadata.annotations)
      .toMatchObject({ 'acknowledged.mesh.cdk8s.io/MESH313': 'the service answers every error with an HTTP status' });
    // The gRPC-aware template instead: no warning.
    const grpc = grpcRelease((chart) => [
      FlaggerMetric.custom(FlaggerMetricTemplate.grpcRequestSuccessRate(chart, 'grpc-success-rate'), { min: 99 }),
      FlaggerMetric.requestDuration(Duration.millis(500)),
    ]);
    const out = synth(grpc.app);
    expect(validateManifests(out).filter((f) => f.code === 'MESH313')).toEqual([]);
    expect(find(out, 'Canary', 'pricing').spec.analysis.metrics[0])
      .toEqual({ name: 'grpc-success-rate', templateRef: { name: 'grpc-success-rate', namespace: 'production' }, thresholdRange: { min: 99 }, interval: '1m' });
    // An HTTP service's built-in check stays silent.
    expect(validateManifests(synth(setup().app)).filter((f) => f.code === 'MESH313')).toEqual([]);
  });

  test('MESH313 (warning) also for a gRPC port beside the HTTP one, which portDiscovery adds to what Flagger routes and counts', () => {
    // GIVEN a model server with REST on 8080 and gRPC on 7070, released by Flagger on its first port with the built-in check
    const { app, chart } = meshChart();
    const ranker = new MeshService(chart, 'ranker', { image: 'ranker:1', ports: [{ port: 8080, protocol: 'http' }, { port: 7070, protocol: 'grpc' }] });
    new FlaggerCanary(chart, 'ranker-canary', { service: ranker, stepWeights: [10, 50], metrics: [FlaggerMetric.requestSuccessRate(Percentage.of(99))] });
    // THEN the check warns: the gRPC calls on 7070 reach the canary too, each failure an HTTP 200 the check counts as a success
    const findings = validateManifests(synth(app)).filter((f) => f.code === 'MESH313');
    expect(findings).toEqual([expect.objectContaining({ severity: 'warning', field: 'spec.analysis.metrics[0]' })]);
    expect(findings[0].message).toMatch(/and its port 7070, which portDiscovery adds to Flagger's Services and routes, speaks gRPC.*whose every gRPC call fails.*FlaggerMetricTemplate\.httpAndGrpcRequestSuccessRate/);
    // The template that counts both instead: no warning.
    const other = meshChart();
    const svc = new MeshService(other.chart, 'ranker', { image: 'ranker:1', ports: [{ port: 8080, protocol: 'http' }, { port: 7070, protocol: 'grpc' }] });
    const template = FlaggerMetricTemplate.httpAndGrpcRequestSuccessRate(other.chart, 'success-rate');
    new FlaggerCanary(other.chart, 'ranker-canary', { service: svc, stepWeights: [10, 50], metrics: [FlaggerMetric.custom(template, { min: 99 })] });
    expect(validateManifests(synth(other.app)).filter((f) => f.code === 'MESH313')).toEqual([]);
  });
});
