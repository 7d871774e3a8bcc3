import { ApiObject, App, Chart, Duration, JsonPatch, Testing } from 'cdk8s';
import {
  FlaggerCanary, FlaggerCanaryProps, FlaggerMetric, LoadTesterInstall, MeshChart, MeshChartProps, MeshPlatform, MeshService, MeshWideMtls, Percentage,
  ServiceSecurity,
} from '../../../src';
import { checkIntendedFlows, FlowEvaluator, validateManifests } from '../../../src/validate';
import { find, meshChart, synth, synthError } from '../../util';

/** An analysis that needs traffic: the canary's success rate and latency each interval. */
const ANALYSIS: Omit<FlaggerCanaryProps, 'service'> = {
  interval: Duration.minutes(1),
  threshold: 5,
  stepWeight: 10,
  metrics: [
    FlaggerMetric.requestSuccessRate(Percentage.of(99), Duration.minutes(1)),
    FlaggerMetric.requestDuration(Duration.millis(500), Duration.minutes(1)),
  ],
};

function setup(props: Partial<FlaggerCanaryProps> = {}, platform?: MeshPlatform, chartProps: Partial<MeshChartProps> = {}) {
  const { app, chart } = meshChart({ namespace: 'tickets-service', ...(platform ? { platform } : {}), ...chartProps });
  const service = new MeshService(chart, 'booking-api', { image: 'booking:1', ports: [{ port: 8080, targetPort: 8080 }] });
  const canary = new FlaggerCanary(chart, 'booking-flagger', { service, ...ANALYSIS, ...props });
  return { app, chart, service, canary };
}

/** The flow from the load tester's pods to the canary's Service, over `manifests` as the cluster runs them. */
function loadTesterFlow(chart: ReturnType<typeof meshChart>['chart'], manifests: Record<string, any>[], path = '/') {
  const evaluator = new FlowEvaluator(manifests, { platform: chart.platform.workloads(chart.namespace), trustDomain: chart.platform.trustDomain });
  return evaluator.evaluate({
    source: { platform: chart.platform.loadTesterWorkload() }, host: 'booking-api-canary.tickets-service.svc.cluster.local', port: 8080,
    method: 'GET', path,
  });
}

describe('FlaggerCanary loadTest: the load tester sends the canary requests, and the service admits it', () => {
  const LOAD_TEST = { rate: 20, duration: Duration.minutes(1), path: '/api/bookings' };

  test("the webhook calls the platform's load tester with hey against <name>-canary.<namespace>:<port><path>", () => {
    const m = synth(setup({ loadTest: LOAD_TEST }).app);
    // https://docs.flagger.app/usage/webhooks#load-testing: `hey -z 1m -q 10 -c 2 http://podinfo-canary.test:9898/`; -q is per worker
    expect(find(m, 'Canary', 'booking-api').spec.analysis.webhooks).toEqual([{
      name: 'load-test', type: 'rollout', url: 'http://flagger-loadtester.test/',
      metadata: { type: 'cmd', cmd: "hey -z 1m -q 10 -c 2 'http://booking-api-canary.tickets-service:8080/api/bookings'" },
    }]);
  });

  test("the NetworkPolicy admits the load tester's pods (its namespace AND labels) on the container port; the ALLOW rule its principal", () => {
    const m = synth(setup({ loadTest: { ...LOAD_TEST, method: 'POST', concurrency: 4, timeout: Duration.seconds(5) } }).app);
    expect(find(m, 'Canary', 'booking-api').spec.analysis.webhooks[0]).toMatchObject({
      timeout: '5s', metadata: { cmd: "hey -z 1m -q 5 -c 4 -m POST 'http://booking-api-canary.tickets-service:8080/api/bookings'" },
    });
    expect(find(m, 'NetworkPolicy', 'booking-api').spec.ingress).toContainEqual({
      from: [{
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'test' } }, podSelector: { matchLabels: { app: 'loadtester' } },
      }],
      ports: [{ port: 8080, protocol: 'TCP' }],
    });
    expect(find(m, 'AuthorizationPolicy', 'booking-api-policy').spec.rules).toContainEqual({
      from: [{ source: { principals: ['cluster.local/ns/test/sa/default'] } }],
      to: [{ operation: { methods: ['POST'], paths: ['/api/bookings'], ports: ['8080'] } }],
    });
  });

  test('synth proves the load test reaches the canary through Flagger\'s -canary Service; without the admission it is refused', () => {
    const { app, chart } = setup({ loadTest: LOAD_TEST });
    // synth checks every intended flow: the load tester's among them
    const m = synth(app);
    expect(chart.intendedFlows()).toContainEqual(expect.objectContaining({
      source: { platform: chart.platform.loadTesterWorkload() }, host: 'booking-api-canary.tickets-service.svc.cluster.local', port: 8080,
      method: 'GET', path: '/api/bookings', expect: 'allow', reaches: { namespace: 'tickets-service', service: 'booking-api-canary' },
    }));
    expect(loadTesterFlow(chart, m, '/api/bookings').allowed).toBe(true);
    // Another path than the load test's is refused by the ALLOW policy
    expect(loadTesterFlow(chart, m, '/admin').allowed).toBe(false);
    // AND without the NetworkPolicy's peer for the load tester, synth's flow check reports the load test refused
    const np = find(m, 'NetworkPolicy', 'booking-api');
    const ingress = np.spec.ingress.filter((r: any) => r.from?.[0]?.podSelector?.matchLabels?.app !== 'loadtester');
    expect(ingress.length).toBe(np.spec.ingress.length - 1);
    const stripped = m.map((x) => (x === np ? { ...np, spec: { ...np.spec, ingress } } : x));
    const evaluator = new FlowEvaluator(stripped, { platform: chart.platform.workloads(chart.namespace), trustDomain: chart.platform.trustDomain });
    expect(checkIntendedFlows(evaluator, chart.intendedFlows()).map((f) => f.message)).toEqual([
      expect.stringMatching(/the load tester \(flagger-loadtester\) sends GET \/api\/bookings to booking-api-canary.*NetworkPolicy tickets-service\/booking-api/),
    ]);
  });

  test('MESH316: a webhook of its own to the load tester admits nothing: the service refuses its requests, and the manifests say so', () => {
    // GIVEN the team's webhook from Flagger's docs, and no loadTest (so nothing admits the load tester)
    const { app, chart } = setup({
      webhooks: [{
        name: 'load-test', type: 'rollout', url: 'http://flagger-loadtester.test/',
        metadata: { cmd: 'hey -z 1m -q 10 -c 2 http://booking-api-canary.tickets-service:8080/' },
      }],
    });
    const m = synth(app);
    // THEN the load tester's requests to the canary are refused: Flagger would find no values and roll back
    expect(loadTesterFlow(chart, m).allowed).toBe(false);
    // AND the rule over the manifests warns on the webhook, naming what refuses it (the platform record on the Namespace gives the pods)
    const findings = validateManifests(m).filter((f) => f.code === 'MESH316');
    expect(findings).toEqual([expect.objectContaining({
      resource: expect.objectContaining({ kind: 'Canary', name: 'booking-api' }), field: 'spec.analysis.webhooks[0].metadata.cmd', severity: 'warning',
      message: expect.stringMatching(/^the load tester test\/flagger-loadtester sends GET \/ to booking-api-canary.tickets-service.svc.cluster.local:8080, and .*NetworkPolicy.*rolls the release back/),
    })]);
    // AND with loadTest the same command is admitted: no warning
    expect(validateManifests(synth(setup({ loadTest: LOAD_TEST }).app)).filter((f) => f.code === 'MESH316')).toEqual([]);
  });

  test('MESH316 over manifests without a record: the chart\'s load tester; a load test of a Service outside the manifests is not judged', () => {
    const m = synth(setup({ loadTest: LOAD_TEST }).app).filter((x) => x.kind !== 'Namespace');
    const canary = find(m, 'Canary', 'booking-api');
    const hook = canary.spec.analysis.webhooks[0];
    const withCmd = (cmd: string) => m.map((x) => (x === canary ? {
      ...x, spec: { ...x.spec, analysis: { ...x.spec.analysis, webhooks: [{ ...hook, metadata: { type: 'cmd', cmd } }] } },
    } : x));
    expect(validateManifests(m).filter((f) => f.code === 'MESH316')).toEqual([]);
    const refused = validateManifests(withCmd("hey -z 1m -q 10 -c 2 -m DELETE 'http://booking-api-canary.tickets-service:8080/api/bookings'"));
    expect(refused.filter((f) => f.code === 'MESH316').map((f) => f.message)).toEqual([
      expect.stringMatching(/^the load tester test\/flagger-loadtester sends DELETE \/api\/bookings to .*, and no ALLOW policy of booking-api matches DELETE \/api\/bookings from cluster.local\/ns\/test\/sa\/default/),
    ]);
    expect(validateManifests(withCmd('hey -z 1m -q 10 http://podinfo-canary.other:9898/')).filter((f) => f.code === 'MESH316')).toEqual([]);
  });

  test('MESH316 reads hey run by a wrapper (timeout, nice, env, exec, time) as the command the wrapper runs', () => {
    // GIVEN the library's load test (GET admitted), and hand-written commands that DELETE instead, each run by a wrapper
    const m = synth(setup({ loadTest: LOAD_TEST }).app).filter((x) => x.kind !== 'Namespace');
    const canary = find(m, 'Canary', 'booking-api');
    const hook = canary.spec.analysis.webhooks[0];
    const mesh316 = (cmd: string) => validateManifests(m.map((x) => (x === canary ? {
      ...x, spec: { ...x.spec, analysis: { ...x.spec.analysis, webhooks: [{ ...hook, metadata: { type: 'cmd', cmd } }] } },
    } : x))).filter((f) => f.code === 'MESH316').map((f) => f.message);
    const hey = "hey -z 1m -q 10 -c 2 -m DELETE 'http://booking-api-canary.tickets-service:8080/api/bookings'";
    const refused = [expect.stringMatching(/^the load tester test\/flagger-loadtester sends DELETE \/api\/bookings to booking-api-canary/)];
    // THEN each wrapper's options and operands are skipped as coreutils' getopt reads them, and the wrapped hey is read
    for (const wrapper of [
      'timeout 60', 'timeout -s KILL -k5 90s', 'timeout --kill-after=10 --preserve-status 1.5m', 'timeout --sig INT -v -- 60',
      'nice', 'nice -n 10', 'nice -10', 'nice --adjustment=5', 'env', 'env -i HOME=/tmp FOO=bar', 'env -u HOME - A=1', 'exec',
      'time', 'time -p', 'GOMAXPROCS=2', '/usr/bin/timeout 60 nice -n 5 env A=1', 'exec timeout 1m',
    ]) expect([wrapper, mesh316(`${wrapper} ${hey}`)]).toEqual([wrapper, refused]);
    // AND the admitted GET through a wrapper warns of nothing
    expect(mesh316("timeout 70 hey -z 1m -q 10 -c 2 'http://booking-api-canary.tickets-service:8080/api/bookings'")).toEqual([]);
    // AND a wrapper run as no command could run (no duration, an unknown option, env's split string) is not judged
    for (const wrapper of ['timeout', 'timeout --frobnicate 60', 'timeout 60s5', 'env -S', 'nice -x 3']) {
      expect([wrapper, mesh316(`${wrapper} ${hey}`)]).toEqual([wrapper, []]);
    }
  });

  test('a load tester without a sidecar: its plaintext is admitted on the tested port alone (PERMISSIVE there), and proved', () => {
    const platform = MeshPlatform.of({ loadTester: LoadTesterInstall.helmChart({ release: 'lt', namespace: 'perf', meshed: false }) });
    const { app, chart } = setup({ loadTest: LOAD_TEST }, platform);
    const m = synth(app);
    expect(find(m, 'Canary', 'booking-api').spec.analysis.webhooks[0].url).toBe('http://lt-loadtester.perf/');
    expect(find(m, 'PeerAuthentication', 'booking-api').spec.portLevelMtls).toEqual({ 8080: { mode: 'PERMISSIVE' } });
    expect(find(m, 'AuthorizationPolicy', 'booking-api-policy').spec.rules).toContainEqual({
      from: [{ source: { notPrincipals: ['*'] } }], to: [{ operation: { methods: ['GET'], paths: ['/api/bookings'] } }],
    });
    expect(loadTesterFlow(chart, m, '/api/bookings').allowed).toBe(true);
  });

  test.each([
    [{ rate: 0 }, 'loadTest.rate: must be a number of requests per second of at least 0.002 (0.001 per worker), got 0 [MESH305]'],
    [{ concurrency: 1.5 }, 'loadTest.concurrency: must be a whole number of at least 1, got 1.5 [MESH305]'],
    [{ duration: Duration.millis(0.5) }, 'loadTest.duration: must be whole milliseconds'],
    [{ path: '/api/*' }, "loadTest.path: must be a concrete path such as /api/products (no *, ?, # or quote), got '/api/*' [MESH305]"],
    [{ path: "/x';rm -rf /;'" }, 'loadTest.path: must be a concrete path'],
  ])('a bad load test fails synth naming the field: %o', (bad, message) => {
    expect(synthError(setup({ loadTest: { ...LOAD_TEST, ...bad } }).app)).toContain(message);
  });

  test("a gRPC port's load test is ghz's, which takes no HTTP path or method, and neither hey nor ghz loads a TCP port", () => {
    const grpc = meshChart({ namespace: 'tickets-service' });
    const service = new MeshService(grpc.chart, 'booking-api', { image: 'booking:1', ports: [{ port: 9090, protocol: 'grpc' }] });
    new FlaggerCanary(grpc.chart, 'booking-flagger', { service, ...ANALYSIS, loadTest: LOAD_TEST });
    expect(synthError(grpc.app)).toContain("loadTest.path: the canary's Service port 9090 is gRPC: ghz calls grpcMethod (default "
      + "grpc.health.v1.Health/Check); path is an HTTP port's [MESH305]");
    const tcp = meshChart({ namespace: 'tickets-service' });
    const db = new MeshService(tcp.chart, 'booking-api', { image: 'booking:1', ports: [{ port: 5432, protocol: 'tcp' }] });
    new FlaggerCanary(tcp.chart, 'booking-flagger', { service: db, ...ANALYSIS, loadTest: { rate: 5, duration: Duration.minutes(1) } });
    expect(synthError(tcp.app)).toContain("the canary's Service port 5432 is tcp, which neither hey (HTTP) nor ghz (gRPC) can load");
  });
});

describe("FlaggerCanary webhooks on the load tester: Flagger's own calls, from its pods without a sidecar, are proved at synth", () => {
  const LOAD_TEST = { rate: 20, duration: Duration.minutes(1), path: '/api/bookings' };
  const GATES = [
    { name: 'approve-rollout', type: 'confirm-rollout' as const, url: 'http://flagger-loadtester.test/gate/check' },
    { name: 'approve-promotion', type: 'confirm-promotion' as const, url: 'http://flagger-loadtester.test.svc.cluster.local:80/gate/check' },
    // not the load tester's: another host, another port, HTTPS
    { name: 'notify', type: 'event' as const, url: 'http://events.example.com/flagger' },
    { name: 'other-port', type: 'pre-rollout' as const, url: 'http://flagger-loadtester.test:8080/' },
    { name: 'tls', type: 'pre-rollout' as const, url: 'https://flagger-loadtester.test/' },
  ];
  const strict = MeshWideMtls.strict({ plaintextClientsChecked: 'none left' });

  test('each webhook to the load tester Service is an intended flow: POST of its path from Flagger to the load tester', () => {
    const { chart } = setup({ loadTest: LOAD_TEST, webhooks: GATES });
    const flagger = chart.intendedFlows().filter((f) => 'platform' in f.source && f.source.platform.name === 'flagger'
      && f.target?.name === 'flagger-loadtester');
    // fluxcd/flagger pkg/controller/webhook.go, callWebhook: every webhook is a POST of the payload
    expect(flagger.map((f) => [f.host, f.port, f.targetPort, f.method, f.path, f.constructPath])).toEqual([
      ['flagger-loadtester.test.svc.cluster.local', 80, 8080, 'POST', '/gate/check', 'test/booking-flagger'],
      ['flagger-loadtester.test.svc.cluster.local', 80, 8080, 'POST', '/gate/check', 'test/booking-flagger'],
      ['flagger-loadtester.test.svc.cluster.local', 80, 8080, 'POST', '/', 'test/booking-flagger'],
    ]);
    expect(flagger[0].description).toMatch(/confirm-rollout webhook approve-rollout/);
  });

  test("under mesh-wide STRICT mTLS the library admits Flagger's plaintext on the load tester's port (Flagger's FAQ), and synth proves the calls", () => {
    const { app, chart } = setup({ loadTest: LOAD_TEST, webhooks: GATES.slice(0, 1) }, undefined, { security: { meshMtls: strict } });
    const m = synth(app);
    // fluxcd/flagger docs/gitbook/faq.md: a PeerAuthentication of the load tester's own, here plaintext on its port alone
    const pa = find(m, 'PeerAuthentication', 'flagger-loadtester');
    expect(pa.metadata.namespace).toBe('test');
    expect(pa.spec).toEqual({ selector: { matchLabels: { app: 'loadtester' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { 8080: { mode: 'PERMISSIVE' } } });
    expect(app.manifests().find((f) => f.manifest.kind === 'PeerAuthentication' && f.manifest.metadata.name === 'flagger-loadtester')!.path)
      .toMatch(/^cluster\//);
    // A flow to the load tester's Service port (80, as the webhook's URL has it) meets its pods' policies on their 8080
    const platform = chart.platform;
    const evaluator = new FlowEvaluator(m, { platform: platform.workloads(chart.namespace), trustDomain: platform.trustDomain });
    expect(evaluator.evaluate({
      source: { platform: platform.flaggerWorkload() }, host: 'flagger-loadtester.test.svc.cluster.local', port: 80,
      target: platform.loadTesterWorkload(), method: 'POST', path: '/gate/check',
    }).allowed).toBe(true);
    // The load tester's own requests still reach the canary over its sidecar's mTLS
    expect(loadTesterFlow(chart, m, '/api/bookings').allowed).toBe(true);
  });

  test('MESH600 still proves the calls: the load tester STRICT on its port refuses Flagger, outside the mesh', () => {
    const { app } = setup({ loadTest: LOAD_TEST, webhooks: GATES.slice(0, 1) }, undefined, { security: { meshMtls: strict } });
    const pa = app.node.findAll().find((c) => ApiObject.isApiObject(c) && c.kind === 'PeerAuthentication' && c.name === 'flagger-loadtester');
    ApiObject.of(pa!).addJsonPatch(JsonPatch.replace('/spec/portLevelMtls/8080/mode', 'STRICT'));
    const error = synthError(app);
    expect(error).toMatch(/\[test\/booking-flagger\] .*Flagger calls the confirm-rollout webhook approve-rollout .*refused by PeerAuthentication test\/flagger-loadtester .*flagger has no sidecar and sends plaintext.*\[MESH600\]/);
    expect(error).toMatch(/\[test\/booking-flagger\] .*Flagger calls the rollout webhook load-test .*\[MESH600\]/);
  });

  test('the PeerAuthentication is written once, only where needed: not without STRICT, nor for a load tester without a sidecar, nor without a webhook to it', () => {
    const twice = setup({ loadTest: LOAD_TEST }, undefined, { security: { meshMtls: strict } });
    const other = new MeshChart(twice.app, 'other', { namespace: 'orders', security: { meshMtls: strict } });
    const orders = new MeshService(other, 'orders-api', { image: 'orders:1', ports: [{ port: 8080, targetPort: 8080 }] });
    new FlaggerCanary(other, 'orders-flagger', { service: orders, ...ANALYSIS, loadTest: LOAD_TEST });
    expect(synth(twice.app).filter((o) => o.metadata.name === 'flagger-loadtester' && o.kind === 'PeerAuthentication')).toHaveLength(1);
    const none = (m: Record<string, any>[]) => m.filter((o) => o.kind === 'PeerAuthentication' && o.metadata.name === 'flagger-loadtester');
    // Without a mesh-wide policy the load tester's namespace, not a chart's, is not STRICT: nothing to admit
    expect(none(synth(setup({ loadTest: LOAD_TEST }).app))).toEqual([]);
    // A gate to another host, or no webhook to the load tester, asks nothing of it
    expect(none(synth(setup({ webhooks: GATES.slice(2, 3) }, undefined, { security: { meshMtls: strict } }).app))).toEqual([]);
    const unmeshed = MeshPlatform.of({ loadTester: LoadTesterInstall.helmChart({ release: 'lt', namespace: 'perf', meshed: false }) });
    expect(none(synth(setup({ loadTest: LOAD_TEST }, unmeshed, { security: { meshMtls: strict } }).app))).toEqual([]);
  });

  test("under a plain cdk8s App the chart whose mesh-wide policy is STRICT writes it, in the load tester's namespace", () => {
    const app = new App({ outdir: Testing.app().outdir });
    for (const ns of ['orders', 'tickets']) {
      // One chart writes the mesh-wide policy: two would write one object twice (MESH018)
      const chart = new MeshChart(app, ns, { namespace: ns, ...(ns === 'orders' ? { security: { meshMtls: strict } } : {}) });
      const service = new MeshService(chart, `${ns}-api`, { image: 'api:1', ports: [{ port: 8080, targetPort: 8080 }] });
      new FlaggerCanary(chart, `${ns}-flagger`, { service, ...ANALYSIS, loadTest: LOAD_TEST });
    }
    const written = app.charts.flatMap((c) => c.toJson()).filter((o) => o.kind === 'PeerAuthentication' && o.metadata.name === 'flagger-loadtester');
    expect(written.map((o) => o.metadata.namespace)).toEqual(['test']);
    expect(() => app.synth()).not.toThrow();
  });

  test("a hand-written copy of Flagger's FAQ collides with the library's (MESH018), rather than select the load tester's pods twice", () => {
    const { app } = setup({ loadTest: LOAD_TEST, webhooks: GATES.slice(0, 1) }, undefined, { security: { meshMtls: strict } });
    new ApiObject(new Chart(app, 'loadtester', { namespace: 'test' }), 'permissive', {
      apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'flagger-loadtester', namespace: 'test' },
      spec: { selector: { matchLabels: { app: 'loadtester' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { 8080: { mode: 'PERMISSIVE' } } },
    });
    expect(synthError(app)).toMatch(/PeerAuthentication test\/flagger-loadtester.*\[MESH018\]/);
  });
});

describe("a FlaggerCanary webhook to a service of the app (an offline evaluation): Flagger's plaintext call is proved at synth", () => {
  const EVALUATE = [{ name: 'offline-eval', type: 'pre-rollout' as const, url: 'http://model-eval.tickets-service.svc.cluster.local:8080/evaluate' }];

  test('MESH600: the evaluator refuses Flagger, which has no sidecar, until it admits Flagger\'s plaintext on the webhook\'s path', () => {
    // GIVEN an evaluation service of the app, called by the Canary's pre-rollout webhook
    const { app, chart } = setup({ webhooks: EVALUATE });
    const evaluator = new MeshService(chart, 'model-eval', { image: 'eval:1', ports: [{ port: 8080, protocol: 'http' }] });
    // THEN the call is an intended flow from Flagger's pods, and synth fails: its NetworkPolicy and STRICT mTLS refuse it
    const flow = chart.intendedFlows().find((f) => 'platform' in f.source && f.source.platform.name === 'flagger' && f.reaches?.service === 'model-eval');
    expect(flow).toMatchObject({ host: 'model-eval.tickets-service.svc.cluster.local', port: 8080, method: 'POST', path: '/evaluate' });
    expect(synthError(app)).toMatch(
      /\[test\/booking-flagger\] .*Flagger calls the pre-rollout webhook offline-eval of booking-api's Canary \(POST http:\/\/model-eval\.tickets-service\.svc\.cluster\.local:8080\/evaluate\) on model-eval, from its pods without a sidecar: refused by NetworkPolicy tickets-service\/model-eval.*\[MESH600\]/);
    // WHEN the evaluator admits Flagger's pods' plaintext on that path, the call passes
    const flagger = chart.platform.flagger;
    ServiceSecurity.of(evaluator).admitPlaintext({
      peer: { namespace: flagger.namespace, podLabels: { ...flagger.podLabels } }, ports: [{ port: 8080, protocol: 'TCP' }],
      methods: ['POST'], paths: ['/evaluate'],
    });
    expect(() => synth(app)).not.toThrow();
  });

  test('a URL of a host outside the app, or a bare name (resolved in Flagger\'s own namespace), is not read', () => {
    const { chart } = setup({ webhooks: [
      { name: 'elsewhere', type: 'pre-rollout', url: 'http://model-eval.ml-eval.svc.cluster.local:8080/evaluate' },
      { name: 'bare', type: 'pre-rollout', url: 'http://model-eval:8080/evaluate' },
    ] });
    new MeshService(chart, 'model-eval', { image: 'eval:1', ports: [{ port: 8080, protocol: 'http' }] });
    expect(chart.intendedFlows().filter((f) => f.reaches?.service === 'model-eval')).toEqual([]);
  });
});

describe('FlaggerCanary loadTest on a gRPC port: ghz from the load tester, admitted on the method it calls', () => {
  /** booking-api over gRPC on 9090, released by Flagger with `loadTest`. */
  function grpcSetup(loadTest: FlaggerCanaryProps['loadTest']) {
    const { app, chart } = meshChart({ namespace: 'tickets-service' });
    const service = new MeshService(chart, 'booking-api', { image: 'booking:1', ports: [{ port: 9090, protocol: 'grpc' }] });
    new FlaggerCanary(chart, 'booking-flagger', { service, ...ANALYSIS, loadTest });
    return { app, chart };
  }
  const grpcFlow = (chart: ReturnType<typeof meshChart>['chart'], m: Record<string, any>[], path: string) =>
    new FlowEvaluator(m, { platform: chart.platform.workloads(chart.namespace), trustDomain: chart.platform.trustDomain }).evaluate({
      source: { platform: chart.platform.loadTesterWorkload() }, host: 'booking-api-canary.tickets-service.svc.cluster.local', port: 9090,
      protocol: 'GRPC', method: 'POST', path,
    });

  test("by default ghz calls the health service's Check with the image's health.proto (no reflection), which alone is admitted", () => {
    // GIVEN a load test of 20 rps over 4 workers, and no method
    const { app, chart } = grpcSetup({ rate: 20, duration: Duration.minutes(1), concurrency: 4 });
    const m = synth(app);
    // THEN the webhook runs Flagger's "without reflection" form against the canary's Service; -r is ghz's total rate
    expect(find(m, 'Canary', 'booking-api').spec.analysis.webhooks).toEqual([{
      name: 'load-test', type: 'rollout', url: 'http://flagger-loadtester.test/',
      metadata: {
        type: 'cmd',
        cmd: 'ghz --insecure -z 1m -r 20 -c 4 --proto=/tmp/ghz/health.proto --call=grpc.health.v1.Health/Check booking-api-canary.tickets-service:9090',
      },
    }]);
    // AND the load tester's principal is admitted on that method's path only, over POST, on the container port
    expect(find(m, 'AuthorizationPolicy', 'booking-api-policy').spec.rules).toContainEqual({
      from: [{ source: { principals: ['cluster.local/ns/test/sa/default'] } }],
      to: [{ operation: { methods: ['POST'], paths: ['/grpc.health.v1.Health/Check'], ports: ['9090'] } }],
    });
    // AND synth proves it reaches the canary's pods; another method is refused
    expect(chart.intendedFlows()).toContainEqual(expect.objectContaining({
      host: 'booking-api-canary.tickets-service.svc.cluster.local', port: 9090, protocol: 'GRPC', method: 'POST', path: '/grpc.health.v1.Health/Check',
    }));
    expect(grpcFlow(chart, m, '/grpc.health.v1.Health/Check').allowed).toBe(true);
    expect(grpcFlow(chart, m, '/booking.v1.Bookings/Cancel').allowed).toBe(false);
  });

  test('grpcMethod: ghz calls it, described by server reflection, and both are admitted', () => {
    const { app, chart } = grpcSetup({ rate: 10, duration: Duration.seconds(30), grpcMethod: 'booking.v1.Bookings/Quote' });
    const m = synth(app);
    expect(find(m, 'Canary', 'booking-api').spec.analysis.webhooks[0].metadata.cmd)
      .toBe('ghz --insecure -z 30s -r 10 -c 2 --call=booking.v1.Bookings/Quote booking-api-canary.tickets-service:9090');
    for (const path of [
      '/booking.v1.Bookings/Quote',
      '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
      '/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo',
    ]) expect(grpcFlow(chart, m, path).allowed).toBe(true);
    expect(grpcFlow(chart, m, '/grpc.health.v1.Health/Check').allowed).toBe(false);
  });

  test.each([
    [{ rate: 2.5 }, 'loadTest.rate: ghz takes a whole number of requests per second (-r), at least 1, got 2.5 [MESH305]'],
    [{ grpcMethod: 'Quote' }, "loadTest.grpcMethod: must be a gRPC method, package.Service/Method (vod.playback.v1.Playback/Start), got 'Quote' [MESH305]"],
    [{ grpcMethod: "a.B/C';rm -rf /;'" }, 'loadTest.grpcMethod: must be a gRPC method'],
    [{ method: 'POST' as const }, "loadTest.method: the canary's Service port 9090 is gRPC"],
  ])('a bad gRPC load test fails synth naming the field: %o', (bad, message) => {
    expect(synthError(grpcSetup({ rate: 10, duration: Duration.minutes(1), ...bad }).app)).toContain(message);
  });

  test('MESH316 reads a hand-written ghz command as ghz does: its --call on its host:port, over POST, with reflection without a proto', () => {
    // GIVEN the library's own load test of the health Check (the load tester admitted on that path alone), and its manifests
    const m = synth(grpcSetup({ rate: 20, duration: Duration.minutes(1) }).app);
    const canary = find(m, 'Canary', 'booking-api');
    const hook = canary.spec.analysis.webhooks[0];
    const withCmd = (cmd: string) => m.map((x) => (x === canary ? {
      ...x, spec: { ...x.spec, analysis: { ...x.spec.analysis, webhooks: [{ ...hook, metadata: { type: 'cmd', cmd } }] } },
    } : x));
    const mesh316 = (cmd: string) => validateManifests(withCmd(cmd)).filter((f) => f.code === 'MESH316').map((f) => f.message);
    const refused = (path: string) => [expect.stringMatching(new RegExp(`^the load tester test/flagger-loadtester sends POST ${path} to `
      + 'booking-api-canary.tickets-service.svc.cluster.local:9090, and no ALLOW policy of booking-api matches'))];
    // THEN the admitted call, however ghz's flags spell it (cmd/ghz/main.go; kingpin: --flag=v, --flag v, -fv, -f v), warns of nothing
    expect(mesh316(hook.metadata.cmd)).toEqual([]);
    expect(mesh316("ghz --insecure --proto /tmp/ghz/health.proto --call grpc.health.v1.Health.Check -d '{\"service\": \"\"}' -c4 -n 200 "
      + 'booking-api-canary.tickets-service:9090')).toEqual([]);
    expect(mesh316('ghz --insecure -z 1m --proto=/tmp/ghz/health.proto --call=.grpc.health.v1.Health/Check dns:///booking-api-canary.tickets-service:9090'))
      .toEqual([]);
    // AND ghz by its path, after another command, reads the same
    expect(mesh316('sleep 5 && /usr/local/bin/ghz --insecure --call=booking.v1.Bookings/Cancel booking-api-canary.tickets-service:9090'))
      .toEqual(refused('/grpc.reflection.v1.ServerReflection/ServerReflectionInfo'));
    // AND a method the policy does not admit is refused, whatever flags take values before the address
    expect(mesh316("ghz --insecure --proto=/tmp/ghz/health.proto --call=booking.v1.Bookings/Cancel -d '{\"id\": 1}' -z 30s "
      + 'booking-api-canary.tickets-service:9090')).toEqual(refused('/booking.v1.Bookings/Cancel'));
    // AND without --proto ghz first asks the server's reflection, which the policy refuses (bojand/ghz runner/requester.go)
    expect(mesh316('ghz --insecure --call=grpc.health.v1.Health/Check booking-api-canary.tickets-service:9090'))
      .toEqual(refused('/grpc.reflection.v1.ServerReflection/ServerReflectionInfo'));
    // AND a command ghz cannot run as written (-call is kingpin's -c with "all") or a Service outside the manifests is not judged
    expect(mesh316('ghz --insecure -call=booking.v1.Bookings/Cancel booking-api-canary.tickets-service:9090')).toEqual([]);
    expect(mesh316('ghz --insecure --proto=/p.proto --call=booking.v1.Bookings/Cancel podinfo-canary.other:9898')).toEqual([]);
  });

  test("MESH683: a webhook to a Service of the cluster outside the app is a warning naming the field, since synth cannot prove Flagger's plaintext POST", () => {
    // Flagger POSTs from pods without a sidecar (fluxcd/flagger pkg/controller/webhook.go, callWebhook); a bare name is resolved in
    // Flagger's own namespace. The load tester and an external URL are not reported.
    const { app } = setup({
      webhooks: [
        { name: 'evaluate', type: 'pre-rollout', url: 'http://model-eval.ml-platform.svc.cluster.local:8080/evaluate' },
        { name: 'gate', type: 'confirm-rollout', url: 'http://release-gate/approve' },
        { name: 'notify', type: 'event', url: 'https://hooks.example.com/flagger' },
        { name: 'smoke', type: 'pre-rollout', url: 'http://flagger-loadtester.test/', metadata: { type: 'bash', cmd: 'true' } },
      ],
    });
    synth(app);
    const warnings = app.warnings.filter((w) => w.includes('MESH683'));
    expect(warnings).toEqual([
      expect.stringMatching(/webhooks\[0\]\.url: evaluate calls model-eval\.ml-platform\.svc\.cluster\.local, a Service of the cluster that is neither/),
      expect.stringMatching(/webhooks\[1\]\.url: gate calls release-gate, a Service of Flagger's own namespace/),
    ]);
  });

  test('grpcMethod on an HTTP port is refused', () => {
    expect(synthError(setup({ loadTest: { rate: 10, duration: Duration.minutes(1), grpcMethod: 'a.B/C' } }).app))
      .toContain("loadTest.grpcMethod: the canary's Service port 8080 is http: give method and path [MESH305]");
  });
});
