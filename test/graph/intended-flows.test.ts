import { ApiObject, JsonPatch, Testing } from 'cdk8s';
import { Codes, MeshApp, MeshChart, MeshService, MtlsMode, ObservabilityStack, Retries, ServiceSecurity, Warnings } from '../../src';
import { concretePath } from '../../src/graph/intended-flows';
import { find, meshChart, synth, synthError } from '../util';

function shop(tracing: boolean) {
  const { app, chart } = meshChart();
  const api = new MeshService(chart, 'api-gateway', { image: 'api:1' });
  const order = new MeshService(chart, 'order-service', { image: 'order:1' });
  api.calls(order, { methods: ['GET', 'POST'], paths: ['/api/orders/*', '/api/carts/{*}/items'] });
  if (tracing) new ObservabilityStack(chart, 'observability');
  return { app, chart, api, order };
}

describe('intended flows', () => {
  test('a declared call is one flow per method and path, its path made concrete, stated by the caller; a path ending in /* with its collection path', () => {
    const { chart } = shop(false);
    const calls = chart.intendedFlows().filter((f) => 'workload' in f.source && f.source.workload === 'api-gateway');
    expect(calls.map((f) => `${f.method} ${f.host}:${f.port}${f.path} ${f.expect} ${f.constructPath}`)).toEqual([
      'GET order-service:80/api/orders allow test/api-gateway',
      'GET order-service:80/api/orders/x allow test/api-gateway',
      'GET order-service:80/api/carts/x/items allow test/api-gateway',
      'POST order-service:80/api/orders allow test/api-gateway',
      'POST order-service:80/api/orders/x allow test/api-gateway',
      'POST order-service:80/api/carts/x/items allow test/api-gateway',
    ]);
  });

  test('Prometheus scrapes 15090 and 15020 of every service; spans go to the collector only when tracing is on', () => {
    const off = shop(false).chart.intendedFlows();
    expect(off.filter((f) => 'platform' in f.source).map((f) => `${f.host}:${f.port}`)).toEqual([
      'api-gateway.production.svc.cluster.local:15090', 'api-gateway.production.svc.cluster.local:15020',
      'order-service.production.svc.cluster.local:15090', 'order-service.production.svc.cluster.local:15020',
    ]);
    expect(off.some((f) => f.target)).toBe(false);
    const on = shop(true).chart.intendedFlows().filter((f) => f.target);
    expect(on.map((f) => `${(f.source as any).workload} -> ${f.host}:${f.port} ${f.method} ${f.path}`)).toEqual([
      'api-gateway -> jaeger-collector.observability.svc.cluster.local:9411 POST /api/v2/spans',
      'order-service -> jaeger-collector.observability.svc.cluster.local:9411 POST /api/v2/spans',
    ]);
  });

  test('a service without a sidecar has no scrape flows and no NetworkPolicy ingress from Prometheus: nothing listens on 15090 or 15020', () => {
    const { app, chart } = meshChart({}, 'u');
    new MeshService(chart, 'legacy-ingest', { image: 'registry.example.com/legacy-ingest:1.0.0' });
    new MeshService(chart, 'legacy-agent', { image: 'registry.example.com/agent:1.0.0', sidecar: { inject: false } });
    expect(chart.intendedFlows().filter((f) => f.description.startsWith('Prometheus')).map((f) => f.description)).toEqual([
      'Prometheus scrapes legacy-ingest on 15090', 'Prometheus scrapes legacy-ingest on 15020',
    ]);
    const out = synth(app);
    const fromPrometheus = (name: string) => find(out, 'NetworkPolicy', name).spec.ingress
      .filter((r: any) => r.ports?.some((p: any) => p.port === 15090 || p.port === 15020));
    expect(fromPrometheus('legacy-agent')).toEqual([]);
    expect(fromPrometheus('legacy-ingest')).toHaveLength(1);
    expect(find(out, 'Deployment', 'legacy-agent').spec.template.metadata.labels['sidecar.istio.io/inject']).toBe('false');
  });

  test('a service without a sidecar has no span flows: the sidecar sends the spans', () => {
    const { app, chart } = meshChart({}, 'u');
    new MeshService(chart, 'legacy-ingest', { image: 'registry.example.com/legacy-ingest:1.0.0' });
    new MeshService(chart, 'legacy-agent', { image: 'registry.example.com/agent:1.0.0', sidecar: { inject: false } });
    new ObservabilityStack(chart, 'observability');
    expect(chart.intendedFlows().filter((f) => f.target).map((f) => (f.source as any).workload)).toEqual(['legacy-ingest']);
    expect(() => synth(app)).not.toThrow();
  });

  test('a meshed caller reaches a service without a sidecar: its DestinationRule leaves TLS to auto mTLS, which sends plaintext there', () => {
    const { app, chart } = meshChart({}, 'u');
    const api = new MeshService(chart, 'api-gateway', { image: 'registry.example.com/api:1.0.0' });
    const legacy = new MeshService(chart, 'legacy-agent', { image: 'registry.example.com/agent:1.0.0', sidecar: { inject: false } });
    api.calls(legacy, { methods: ['GET'], paths: ['/status'] });
    const out = synth(app);
    // ISTIO_MUTUAL would have api-gateway's sidecar send Istio mTLS to a server with nothing to terminate it (MESH600).
    expect(find(out, 'DestinationRule', 'legacy-agent').spec.trafficPolicy.tls).toBeUndefined();
    expect(find(out, 'DestinationRule', 'api-gateway').spec.trafficPolicy.tls).toEqual({ mode: 'ISTIO_MUTUAL' });
  });

  test("a plaintext caller of a server-first port (MySQL's) under PERMISSIVE mTLS is refused: the sidecar waits for the client's first bytes", () => {
    const build = (protocol: 'mysql' | 'tcp') => {
      const { app, chart } = meshChart({ security: { namespaceMtls: MtlsMode.permissive() } }, 'u');
      const db = new MeshService(chart, 'db', { image: 'registry.example.com/db:1.0.0', ports: [{ port: 3306, protocol }] });
      const legacy = new MeshService(chart, 'legacy', { image: 'registry.example.com/legacy:1.0.0', sidecar: { inject: false } });
      legacy.calls(db);
      ServiceSecurity.of(db).admitPlaintext({ peer: { podLabels: { app: 'legacy' } }, ports: [{ port: 3306, protocol: 'TCP' }] });
      return app;
    };
    expect(synthError(build('mysql'))).toMatch(
      /\[u\/legacy\] .*legacy calls db on 3306\/TCP: refused by PeerAuthentication production\/db \(mTLS\): legacy has no sidecar and sends plaintext to db's port 3306 \(mysql\), whose server speaks first: .*\[MESH600\]/);
    // a client-first protocol on the same port is told from TLS by its first bytes: allowed
    expect(() => synth(build('tcp'))).not.toThrow();
  });

  test('a port whose pods DISABLE mTLS gets a DestinationRule port setting DISABLE, the rest of the policy repeated: callers send plaintext there', () => {
    const { app, chart } = meshChart({}, 'u');
    const db = new MeshService(chart, 'db', { image: 'registry.example.com/db:1.0.0', ports: [{ port: 3306, protocol: 'mysql' }, { port: 8080, protocol: 'http' }] });
    const api = new MeshService(chart, 'api', { image: 'registry.example.com/api:1.0.0' });
    api.calls(db, { port: 3306 });
    ServiceSecurity.of(db).setMtls(MtlsMode.strict(), { portLevelMtls: { 3306: MtlsMode.disable() } });
    // a plaintext request has no principal: admitted on 3306 by the NetworkPolicy's peers alone
    ServiceSecurity.of(db).admitPlaintext({ peer: { podLabels: { app: 'api' } }, ports: [{ port: 3306, protocol: 'TCP' }] });
    const policy = find(synth(app), 'DestinationRule', 'db').spec.trafficPolicy;
    expect(policy.tls).toEqual({ mode: 'ISTIO_MUTUAL' });
    expect(policy.portLevelSettings).toEqual([{
      port: { number: 3306 }, loadBalancer: policy.loadBalancer, connectionPool: policy.connectionPool,
      outlierDetection: policy.outlierDetection, tls: { mode: 'DISABLE' },
    }]);
  });

  test.each([['/api/*', '/api/x'], ['/x/{*}/y', '/x/x/y'], ['/a/{**}', '/a/x'], ['*', '/'], ['*.js', '/x.js'], ['/exact', '/exact']])('%s is matched by %s', (pattern, path) => {
    expect(concretePath(pattern)).toBe(path);
  });

  test('synth checks them: the output of the constructs passes, with tracing on too', () => {
    expect(() => synth(shop(true).app)).not.toThrow();
  });

  test('a declared call the output refuses fails synth naming the caller, the deciding resource and MESH600; flowVerification: false opts out', () => {
    for (const verify of [true, false]) {
      // GIVEN order-service's NetworkPolicy admits nobody (an escape hatch gone wrong)
      const app = new MeshApp({ outdir: Testing.app().outdir, flowVerification: verify });
      const chart = new MeshChart(app, 'test', { namespace: 'production' });
      const api = new MeshService(chart, 'api-gateway', { image: 'api:1' });
      const order = new MeshService(chart, 'order-service', { image: 'order:1' });
      api.calls(order, { methods: ['POST'], paths: ['/api/orders/*'] });
      const np = order.node.findAll().find((c) => c.node.id === 'NetworkPolicy')!;
      ApiObject.of(np).addJsonPatch(JsonPatch.replace('/spec/ingress', []));
      // THEN
      if (verify) {
        expect(() => app.manifests()).toThrow(/\[test\/api-gateway\] test\/.*api-gateway calls order-service POST \/api\/orders\/x: refused by NetworkPolicy production\/order-service \(NetworkPolicy ingress\).*\[MESH600\]/);
      } else {
        expect(() => app.manifests()).not.toThrow();
      }
    }
  });

  test('a call to a TCP-only service is one TCP flow and synthesizes; methods on it fail synth saying why (MESH042)', () => {
    // GIVEN a database reached over TCP (found by the random-mesh property test: it was checked as HTTP GET /)
    const build = (methods?: ['GET']) => {
      const { app, chart } = meshChart();
      const api = new MeshService(chart, 'api-gateway', { image: 'api:1' });
      const db = new MeshService(chart, 'db', { image: 'db:1', ports: [{ protocol: 'tcp', port: 5432 }] });
      api.calls(db, { methods });
      return { app, chart };
    };
    const { app, chart } = build();
    // THEN
    expect(chart.intendedFlows().filter((f) => f.host === 'db').map((f) => `${f.port}/${f.protocol} ${f.method ?? '-'} ${f.path ?? '-'}`)).toEqual(['5432/TCP - -']);
    expect(() => synth(app)).not.toThrow();
    // Istio ignores an ALLOW rule with HTTP-only fields for TCP traffic, so the construct refuses the call first.
    expect(() => synth(build(['GET']).app)).toThrow(/\[test\/api-gateway\] calls\[0\]: db has no HTTP port \(5432\/tcp\); methods and paths are HTTP-only \[MESH042\]/);
  });
});

describe('a call to one port of several', () => {
  function search(port?: number) {
    const { app, chart } = meshChart();
    const web = new MeshService(chart, 'web', { image: 'web:1' });
    const s = new MeshService(chart, 'search', { image: 'search:1', ports: [{ port: 80, targetPort: 8080 }, { port: 9090, protocol: 'grpc' }] });
    web.calls(s, { port });
    return { app, chart };
  }

  test('opens only that port: flows, the NetworkPolicy at both ends and the ALLOW rule name it', () => {
    const { app, chart } = search(9090);
    expect(chart.intendedFlows().filter((f) => f.host === 'search').map((f) => `${f.port} ${f.method} ${f.path}`)).toEqual(['9090 POST /']);
    const out = synth(app);
    expect(find(out, 'NetworkPolicy', 'search').spec.ingress[0]).toEqual({ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 9090, protocol: 'TCP' }] });
    expect(find(out, 'NetworkPolicy', 'web').spec.egress[0]).toEqual({ to: [{ podSelector: { matchLabels: { app: 'search' } } }], ports: [{ port: 9090, protocol: 'TCP' }] });
    expect(find(out, 'AuthorizationPolicy', 'search-policy').spec.rules[0].to).toEqual([{ operation: { ports: ['9090'] } }]);
    // Each HTTP-family port has its own default route: a match-less one naming port 80 would send gRPC requests on 9090 there.
    expect(find(out, 'VirtualService', 'search').spec.http.map((r: any) => [r.match, r.route[0].destination.port])).toEqual([
      [[{ port: 80 }], { number: 80 }], [[{ port: 9090 }], { number: 9090 }],
    ]);
  });

  test('without a port, every port is called and is a flow', () => {
    const { app, chart } = search();
    expect(chart.intendedFlows().filter((f) => f.host === 'search').map((f) => `${f.port} ${f.method} ${f.path}`)).toEqual(['80 GET /', '9090 POST /']);
    expect(find(synth(app), 'NetworkPolicy', 'search').spec.ingress[0].ports).toEqual([{ port: 8080, protocol: 'TCP' }, { port: 9090, protocol: 'TCP' }]);
  });

  test('a call to a gRPC port is a POST; methods other than POST, or paths that are not /<package.Service>/<Method>, fail synth (MESH042)', () => {
    // GIVEN web calling search's gRPC port as a team might write it for HTTP
    const build = (options: { methods?: ['GET'] | ['POST']; paths?: string[] }) => {
      const { app, chart } = meshChart();
      const web = new MeshService(chart, 'web', { image: 'web:1' });
      const s = new MeshService(chart, 'search', { image: 'search:1', ports: [{ port: 9090, protocol: 'grpc' }] });
      web.calls(s, options);
      return { app, chart };
    };
    // THEN GET and a one-segment path, which no gRPC request is, are refused with the call's field
    const error = synthError(build({ methods: ['GET'], paths: ['/search'] }).app);
    expect(error).toMatch(/calls\[0\]\.methods: search's port 9090 speaks gRPC, whose every call is POST \/<package\.Service>\/<Method>: GET never matches one.*\[MESH042\]/);
    expect(error).toMatch(/calls\[0\]\.paths: search's port 9090 speaks gRPC.*'\/search' never matches one.*\[MESH042\]/);
    // AND POST on a service's methods synthesizes, its flows POST to those paths; no methods is POST too
    const ok = build({ methods: ['POST'], paths: ['/shop.v1.Search/*', '/shop.v1.Search/Find'] });
    expect(() => synth(ok.app)).not.toThrow();
    expect(ok.chart.intendedFlows().filter((f) => f.host === 'search').map((f) => `${f.method} ${f.path}`))
      .toEqual(['POST /shop.v1.Search/x', 'POST /shop.v1.Search/Find']);
    expect(build({}).chart.intendedFlows().filter((f) => f.host === 'search').map((f) => f.method)).toEqual(['POST']);
  });

  test('a TCP call is not an HTTP hop of the retry analysis (MESH660-662)', () => {
    // GIVEN api, POSTed to by the gateway, retries on 5xx, and calls a cache with an HTTP admin port and a Redis port
    const build = (port: number, methods?: ['POST']) => {
      const { app, chart } = meshChart();
      const gateway = new MeshService(chart, 'gateway', { image: 'gw:1' });
      const api = new MeshService(chart, 'api', { image: 'api:1', retries: Retries.of({ attempts: 2, retryOn: ['5xx'] }) });
      const cache = new MeshService(chart, 'cache', { image: 'cache:1', ports: [{ port: 8080 }, { port: 6379, protocol: 'redis' }] });
      gateway.calls(api, { methods: ['POST'] });
      api.calls(cache, { port, methods });
      Warnings.of(api).acknowledge(Codes.RETRY_NON_IDEMPOTENT, 'not under test');
      Warnings.of(api).acknowledge(Codes.RETRY_RESET_NON_IDEMPOTENT, 'not under test');
      app.manifests();
      return app.warnings.filter((w) => /MESH66[012]/.test(w) && w.includes('cache'));
    };
    // THEN the Redis call is no HTTP hop; the same call to the HTTP port is (the control)
    expect(build(6379)).toEqual([]);
    expect(build(8080, ['POST'])).toEqual(expect.arrayContaining([expect.stringMatching(/POST from api to cache.*\[MESH661\]/)]));
  });

  test('a declared call must reach the pods of the service it calls: a VirtualService patched to route its host elsewhere fails synth (MESH607)', () => {
    // GIVEN web calls orders and other, and an escape hatch that sends orders' requests to other's Service
    const build = (patched: boolean) => {
      const { app, chart } = meshChart();
      const web = new MeshService(chart, 'web', { image: 'web:1' });
      const other = new MeshService(chart, 'other', { image: 'other:1' });
      const orders = new MeshService(chart, 'orders', { image: 'orders:1' });
      web.calls(orders, { methods: ['GET'] });
      web.calls(other, { methods: ['GET'] });
      if (patched) {
        const vs = chart.node.findAll().find((c): c is ApiObject => ApiObject.isApiObject(c) && c.kind === 'VirtualService' && c.name === 'orders')!;
        vs.addJsonPatch(JsonPatch.replace('/spec/http/0/route/0/destination/host', 'other'), JsonPatch.remove('/spec/http/0/route/0/destination/subset'));
      }
      return { app, chart };
    };
    // THEN each flow of the call states the Service it must reach
    const flows = build(false).chart.intendedFlows().filter((f) => f.host === 'orders');
    expect(flows.length).toBeGreaterThan(0);
    expect(flows.every((f) => f.reaches?.namespace === 'production' && f.reaches.service === 'orders')).toBe(true);
    // AND the patched route, which Istio accepts, sends the call to other's pods: synth names the VirtualService and the call
    expect(synthError(build(true).app)).toMatch(
      /\[test\/web\] test\/VirtualService\/orders: spec\.http: web calls orders GET \/: reaches production\/other, which Service production\/orders does not select .*VirtualService production\/orders routes orders there \[MESH607\]/,
    );
    // AND without the patch it synthesizes (the control)
    expect(() => synth(build(false).app)).not.toThrow();
  });
});
