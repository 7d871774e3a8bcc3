import { ApiObject, JsonPatch, Testing } from 'cdk8s';
import { buildTiers } from '../../src/app/tiers/tiers';
import { ExportTo, MeshApp, MeshChart, MeshService } from '../../src';
import { chartsByCalls, clusterFlowFindings } from '../../src/validate/flow-check';
import { topologyFiles } from '../../src/review/topology';
import { find, synth, synthError } from '../util';

/** Two charts of one app: a frontend namespace calling a backend namespace. */
function twoNamespaces(options: { exportTo?: ExportTo } = {}) {
  const app = new MeshApp({ outdir: Testing.app().outdir, schemaValidation: false });
  const front = new MeshChart(app, 'front', { namespace: 'front' });
  const back = new MeshChart(app, 'back', { namespace: 'back' });
  const web = new MeshService(front, 'web', { image: 'web:1' });
  const api = new MeshService(back, 'api', { image: 'api:1', exportTo: options.exportTo });
  web.calls(api, { methods: ['GET'], paths: ['/api/*'] });
  return { app, front, back, web, api };
}

describe('calls across namespaces of one app', () => {
  test("two namespaces of one environment share its folder: each namespaced object's file is named with its namespace", () => {
    // GIVEN a legacy namespace beside the new services' one, both the `staging` environment
    const app = new MeshApp({ outdir: Testing.app().outdir, schemaValidation: false });
    const shop = new MeshChart(app, 'shop-staging', { namespace: 'shop-staging', environment: 'staging' });
    const legacy = new MeshChart(app, 'legacy-staging', { namespace: 'legacy-staging', environment: 'staging' });
    new MeshService(shop, 'cart', { image: 'cart:1' }).calls(new MeshService(legacy, 'monolith', { image: 'monolith:1' }));
    // THEN each namespace's PeerAuthentication `default` is a file of its own (MESH018 before, both one file)
    const paths = app.manifests().map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining([
      'staging/peerauthentication.shop-staging.default.yaml', 'staging/peerauthentication.legacy-staging.default.yaml',
      'staging/00-namespace.shop-staging.yaml', 'staging/00-namespace.legacy-staging.yaml', 'staging/deployment.legacy-staging.monolith.yaml',
    ]));
    // and a folder of one namespace keeps the short names
    expect(twoNamespaces().app.manifests().map((f) => f.path)).toContain('front/peerauthentication.default.yaml');
  });

  test('the caller imports `<namespace>/<fqdn>` and may leave to namespaceSelector AND podSelector', () => {
    const out = synth(twoNamespaces().app);
    expect(find(out, 'Sidecar', 'web').spec.egress).toEqual([{ hosts: ['back/api.back.svc.cluster.local'] }]);
    expect(find(out, 'NetworkPolicy', 'web').spec.egress[0]).toEqual({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'back' } }, podSelector: { matchLabels: { app: 'api' } } }],
      ports: [{ port: 8080, protocol: 'TCP' }],
    });
  });

  test("the callee admits the caller's principal in the caller's namespace, and its pods from that namespace only", () => {
    const out = synth(twoNamespaces().app);
    expect(find(out, 'AuthorizationPolicy', 'api-policy').spec.rules[0]).toEqual({
      from: [{ source: { principals: ['cluster.local/ns/front/sa/web'] } }],
      to: [{ operation: { methods: ['GET'], paths: ['/api', '/api/*'] } }],
    });
    expect(find(out, 'NetworkPolicy', 'api').spec.ingress[0]).toEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'front' } }, podSelector: { matchLabels: { app: 'web' } } }],
      ports: [{ port: 8080, protocol: 'TCP' }],
    });
  });

  test('the intended flow names the fully qualified host; same-namespace calls keep the short name', () => {
    const { front } = twoNamespaces();
    expect(front.intendedFlows().filter((f) => 'workload' in f.source && f.source.workload === 'web').map((f) => `${f.host}:${f.port}${f.path}`))
      .toEqual(['api.back.svc.cluster.local:80/api', 'api.back.svc.cluster.local:80/api/x']);
  });

  test('charts that call one another are checked together: a refusal in the callee namespace fails synth (MESH600)', () => {
    // GIVEN api's NetworkPolicy admits nobody
    const { app, api } = twoNamespaces();
    ApiObject.of(api.node.findAll().find((c) => c.node.id === 'NetworkPolicy')!).addJsonPatch(JsonPatch.replace('/spec/ingress', []));
    // THEN the caller's flow, evaluated over both namespaces, is refused by the callee's policy
    expect(synthError(app)).toMatch(/\[front\/web\] .*web calls api GET \/api\/x: refused by NetworkPolicy back\/api \(NetworkPolicy ingress\).*\[MESH600\]/);
  });

  test('exportTo hiding the service from the caller fails synth (MESH038); exporting it to the caller passes', () => {
    expect(synthError(twoNamespaces({ exportTo: ExportTo.sameNamespace() }).app))
      .toMatch(/\[front\/web\] calls back\/api, whose exportTo \(\.\) hides it from namespace front \[MESH038\]/);
    const out = synth(twoNamespaces({ exportTo: ExportTo.namespaces(['front']) }).app);
    expect(find(out, 'VirtualService', 'api').spec.exportTo).toEqual(['.', 'front']);
  });

  test('a call to a service of another App still fails (MESH019)', () => {
    const { app, web } = twoNamespaces();
    const elsewhere = new MeshChart(new MeshApp({ outdir: Testing.app().outdir }), 'other', { namespace: 'other' });
    web.calls(new MeshService(elsewhere, 'ledger', { image: 'ledger:1' }));
    expect(synthError(app)).toMatch(/\[front\/web\] calls other\/ledger, which is not a service of this app \[MESH019\]/);
  });

  test('charts are grouped by the calls between them, each once', () => {
    const app = new MeshApp({ outdir: Testing.app().outdir });
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => new MeshChart(app, n, { namespace: n }));
    const svc = (chart: MeshChart) => new MeshService(chart, `s-${chart.namespace}`, { image: 'x:1' });
    const [sa, sb, sc, sd] = [a, b, c, d].map(svc);
    sc.calls(sa);
    sa.calls(sb);
    void sd;
    expect(chartsByCalls([a, b, c, d]).map((g) => g.map((x) => x.namespace))).toEqual([['a', 'b', 'c'], ['d']]);
    expect(chartsByCalls([a, b, c, d]).flat()).toHaveLength(4);
  });
});

describe("seed 003's tiers", () => {
  const app = new MeshApp({ outdir: Testing.app().outdir, schemaValidation: false });
  const tiers = buildTiers(app);
  const out = synth(app);

  test('three namespaces, one chart each, and the tiers call downwards only', () => {
    expect([tiers.system, tiers.business, tiers.service].map((c) => c.namespace)).toEqual(['k1s0-system', 'k1s0-business', 'k1s0-service']);
    const rank: Record<string, number> = { 'k1s0-system': 0, 'k1s0-business': 1, 'k1s0-service': 2 };
    const calls = [tiers.system, tiers.business, tiers.service].flatMap((c) => c.calls);
    expect(calls.length).toBeGreaterThan(0);
    for (const c of calls) expect(rank[c.target.namespace]).toBeLessThanOrEqual(rank[c.source.namespace]);
  });

  test("seed 003's mesh gateway is left out: on the public ingress pods it would route nothing, and the VirtualServices steer the mesh", () => {
    expect(out.filter((m) => m.kind === 'Gateway')).toEqual([]);
    for (const vs of out.filter((m) => m.kind === 'VirtualService')) expect(vs.spec.gateways ?? ['mesh']).toEqual(['mesh']);
  });

  test("order-server's Sidecar imports the business and system hosts it calls, by namespace (and the platform's trace collector)", () => {
    expect(find(out, 'Sidecar', 'order-server').spec.egress[0].hosts).toEqual([
      'k1s0-business/accounting-server.k1s0-business.svc.cluster.local',
      'k1s0-system/auth-server.k1s0-system.svc.cluster.local',
      'observability/jaeger-collector.observability.svc.cluster.local',
    ]);
  });

  test("auth-server admits its callers' principals from their namespaces and is exported to them", () => {
    const principals = find(out, 'AuthorizationPolicy', 'auth-server-policy').spec.rules.flatMap((r: any) => r.from?.[0].source.principals ?? []);
    expect(principals).toEqual(['cluster.local/ns/k1s0-business/sa/accounting-server', 'cluster.local/ns/k1s0-service/sa/order-server']);
    expect(find(out, 'Service', 'auth-server').metadata.annotations).toEqual({ 'networking.istio.io/exportTo': '.,k1s0-business,k1s0-service' });
  });

  test('every intended flow of the three charts holds over all three; one folder alone cannot show it', () => {
    const charts = [tiers.system, tiers.business, tiers.service];
    expect(chartsByCalls(charts).map((g) => g.length)).toEqual([3]);
    const intended = tiers.service.intendedFlows().filter((f) => f.host.endsWith('.svc.cluster.local') && 'workload' in f.source);
    expect(intended.map((f) => `${f.method} ${f.host}${f.path}`)).toEqual(expect.arrayContaining([
      'POST auth-server.k1s0-system.svc.cluster.local/api/v1/token/verify', 'GET accounting-server.k1s0-business.svc.cluster.local/api/v1/ledgers/x',
    ]));
    expect(clusterFlowFindings(charts, out)).toEqual([]);
    // order-server's folder alone has no auth-server: its calls would be refused (503 NR)
    const own = out.filter((m) => m.metadata?.namespace === 'k1s0-service' || m.kind === 'Namespace');
    expect(clusterFlowFindings([tiers.service], own).map((f) => f.finding.code)).toContain('MESH600');
  });

  test("each tier's picture draws its calls into the other namespaces as allowed, by <namespace>/<name>", () => {
    const files = topologyFiles(app.node.children, app.manifests());
    const service = files.find((f) => f.path === 'k1s0-service/topology.md')!.content;
    expect(service).toContain('order_server ==>|"✔ POST /api/v1/token/verify"| k1s0_system_auth_server');
    expect(service).toContain('order_server ==>|"✔ GET,POST /api/v1/ledgers/*"| k1s0_business_accounting_server');
    for (const f of files) {
      const edges = f.content.split('\n').filter((l) => /==>|-->/.test(l) && !l.startsWith('Each edge'));
      expect(edges.length).toBeGreaterThan(0);
      expect({ path: f.path, refused: edges.filter((l) => !l.includes('==>|"✔')) }).toEqual({ path: f.path, refused: [] });
    }
  });
});
