// Two teams, two folders: dist/checkout calls the catalog team's services as RemoteServices and records the
// calls (remote-calls/v2); dist/catalog admits the checkout team's callers by name. The flow check over both
// folders proves every recorded call is admitted on the callee's side, through its NetworkPolicy, mTLS and
// AuthorizationPolicy, as the proxies judge HTTP, gRPC and TCP (test/validate/flow/protocols.test.ts).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { MeshApp, MeshChart, MeshService } from '../../src';
import { buildCatalogTeam, CHECKOUT_CALLERS } from '../../src/app/teams/catalog';
import { buildCheckoutTeam } from '../../src/app/teams/checkout';
import { main } from '../../src/validate/cli';
import { FlowEvaluator, parseManifests } from '../../src/validate';

const DIST = path.join(__dirname, '..', '..', 'dist');

function run(cwd: string, ...args: string[]) {
  let out = '';
  let err = '';
  const code = main(args, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, cwd });
  return { code, out, err };
}

describe('the two teams of dist/, proved together', () => {
  test('the checkout team records each call it makes to the catalog team\'s services', () => {
    const record = YAML.parse(fs.readFileSync(path.join(DIST, 'checkout', 'configmap.checkout-remote-calls.yaml'), 'utf8'));
    expect(record.metadata.annotations).toEqual({ 'mesh.cdk8s.io/format': 'remote-calls/v2' });
    expect(YAML.parse(record.data['calls.yaml']).map((e: any) => e.description)).toEqual([
      'storefront calls catalog/catalog-api GET /api/products/*',
      'checkout-service calls catalog/pricing POST /catalog.pricing.v1.Pricing/Quote',
      'checkout-service calls catalog/price-feed on 7000/TCP',
    ]);
  });

  test('cdk8s-mesh-validate over both folders: every recorded call is admitted by the catalog team, and nothing else fails', () => {
    const r = run(DIST, 'checkout', 'catalog', 'cluster');
    expect(r.out).toMatch(/resources checked.*: 0 errors, 0 warnings\n$/);
    expect(r.code).toBe(0);
    // Each folder alone is clean too: the checkout team's proves its own side of the calls.
    expect(run(DIST, 'checkout', 'cluster').code).toBe(0);
    expect(run(DIST, 'catalog', 'cluster').code).toBe(0);
  });

  test('--flow over both folders: HTTP, gRPC and TCP calls across the teams, and a call the catalog team does not admit', () => {
    const flow = (spec: string) => run(DIST, '--flow', spec, 'checkout', 'catalog', 'cluster');
    expect(flow('checkout/storefront -> catalog-api.catalog:80 GET /api/products/1')).toMatchObject({ code: 0, out: expect.stringContaining('by AuthorizationPolicy catalog/catalog-api-policy') });
    expect(flow('checkout/checkout-service -> pricing.catalog:9090 grpc /catalog.pricing.v1.Pricing/Quote')).toMatchObject({ code: 0 });
    expect(flow('checkout/checkout-service -> price-feed.catalog:7000')).toMatchObject({ code: 0, out: expect.stringContaining('ALLOWED') });
    // The storefront may read products, not stream prices: its own Sidecar imports no such host.
    expect(flow('checkout/storefront -> price-feed.catalog:7000')).toMatchObject({ code: 1, out: expect.stringContaining('by Sidecar checkout/storefront') });
  });

  test('--flows lists the recorded calls with their verdicts', () => {
    const recorded = run(DIST, '--flows', 'checkout', 'catalog', 'cluster').out.split('\n').filter((l) => / recorded /.test(l));
    expect(recorded.map((l) => l.replace(/ by .*/, ''))).toEqual([
      'ALLOWED recorded checkout/storefront -> catalog-api.catalog.svc.cluster.local:80 GET /api/products',
      'ALLOWED recorded checkout/storefront -> catalog-api.catalog.svc.cluster.local:80 GET /api/products/x',
      'ALLOWED recorded checkout/storefront -> catalog-api.catalog.svc.cluster.local:80 GET /api/products/x/x',
      'ALLOWED recorded checkout/checkout-service -> pricing.catalog.svc.cluster.local:9090 POST /catalog.pricing.v1.Pricing/Quote',
      'ALLOWED recorded checkout/checkout-service -> price-feed.catalog.svc.cluster.local:7000 TCP',
    ]);
  });

  test('--flows=declared lists the recorded calls alone: none of the pairs no flow declares, nor the public hosts', () => {
    const all = run(DIST, '--flows', 'checkout', 'catalog', 'cluster');
    const declared = run(DIST, '--flows=declared', 'checkout', 'catalog', 'cluster');
    expect(declared.code).toBe(0);
    const verdicts = (out: string) => out.split('\n').filter((l) => /^[A-Z]/.test(l));
    // The same recorded calls, with the same verdicts, in the same order as --flows lists them, and nothing else.
    expect(verdicts(declared.out)).toEqual(verdicts(all.out).filter((l) => / recorded /.test(l)));
    expect(verdicts(declared.out)).toHaveLength(5);
    expect(verdicts(all.out).filter((l) => /^REFUSED /.test(l)).length).toBeGreaterThan(10);
    // As JSON: the recorded calls with their flows and verdicts, and no pairs.
    const json = JSON.parse(run(DIST, '--flows=declared', '--format', 'json', 'checkout', 'catalog', 'cluster').out);
    expect(json.pairs).toBeUndefined();
    expect(json.recorded.map((r: any) => [r.spec, r.verdict.allowed])).toEqual(
      verdicts(declared.out).map((l) => [l.replace(/^ALLOWED /, '').replace(/ by .*/, ''), true]));
    // A folder without a record says so; a listing the command does not know is a usage error.
    expect(run(DIST, '--flows=declared', 'catalog').out).toMatch(/^no recorded calls: no remote-calls record among the folders given/);
    expect(run(DIST, '--flows=recorded', 'catalog')).toMatchObject({ code: 2, err: expect.stringMatching(/^--flows must be one of all, declared, got 'recorded'/) });
  });
});

describe('when the callee does not admit', () => {
  /** The checkout team as in dist/, beside a catalog chart of the same services that admits `admitted` only. */
  function synthesized(admitted: (c: { catalogApi: MeshService; pricing: MeshService; priceFeed: MeshService }) => void): string {
    // Two teams, two repositories: each its own app and output folder (one app would check both as one cluster).
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'teams-'));
    const checkout = new MeshApp({ outdir });
    buildCheckoutTeam(checkout);
    const catalogOut = fs.mkdtempSync(path.join(os.tmpdir(), 'teams-catalog-'));
    const catalog = new MeshApp({ outdir: catalogOut });
    const chart = new MeshChart(catalog, 'catalog', { namespace: 'catalog', partOf: 'catalog' });
    const services = {
      catalogApi: new MeshService(chart, 'catalog-api', { image: 'registry.example.com/catalog/catalog-api:2.3.0', ports: [{ port: 80, targetPort: 8080 }] }),
      pricing: new MeshService(chart, 'pricing', { image: 'registry.example.com/catalog/pricing:2.3.0', ports: [{ port: 9090, protocol: 'grpc' }] }),
      priceFeed: new MeshService(chart, 'price-feed', { image: 'registry.example.com/catalog/price-feed:2.3.0', ports: [{ port: 7000, protocol: 'tcp', name: 'tcp-feed' }] }),
    };
    admitted(services);
    // Each team's synth passes on its own: the caller's side holds, and the callee is another folder.
    catalog.synth();
    checkout.synth();
    fs.renameSync(path.join(catalogOut, 'catalog'), path.join(outdir, 'catalog'));
    fs.rmSync(catalogOut, { recursive: true, force: true });
    return outdir;
  }

  test('each call the catalog team does not admit fails the check over both folders (MESH604), naming the caller, its construct, the callee and the refusing resource', () => {
    // GIVEN a catalog team that admits the storefront only
    const outdir = synthesized((c) => c.catalogApi.admits(CHECKOUT_CALLERS.storefront, { methods: ['GET'], paths: ['/api/products/*'] }));
    try {
      // THEN the checkout folder alone passes, and both together fail on the two calls to pricing and price-feed
      expect(run(outdir, 'checkout').code).toBe(0);
      const r = run(outdir, 'checkout', 'catalog');
      expect(r.code).toBe(1);
      const errors = r.out.split('\n').filter((l) => l.startsWith('ERROR'));
      expect(errors).toEqual([
        expect.stringMatching(new RegExp('^ERROR checkout/configmap\\.checkout-remote-calls\\.yaml: ConfigMap/checkout-remote-calls: data\\.calls\\.yaml\\[1\\]: '
          + 'checkout-service calls catalog/pricing POST /catalog\\.pricing\\.v1\\.Pricing/Quote '
          + '\\[caller checkout/checkout-service, construct checkout/checkout-service; callee Service catalog/pricing:9090\\]: '
          + 'refused by NetworkPolicy catalog/pricing \\(NetworkPolicy ingress\\).*\\[MESH604\\]$')),
        expect.stringMatching(/data\.calls\.yaml\[2\]: checkout-service calls catalog\/price-feed on 7000\/TCP .*callee Service catalog\/price-feed:7000\]: refused by NetworkPolicy catalog\/price-feed.*\[MESH604\]$/),
      ]);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('an admission on other paths is refused by the callee\'s AuthorizationPolicy; one with HTTP fields on the TCP feed fails the callee\'s own synth', () => {
    // GIVEN the storefront let through the network, but admitted on other paths
    const outdir = synthesized((c) => {
      c.catalogApi.admits(CHECKOUT_CALLERS.storefront, { methods: ['GET'], paths: ['/api/categories/*'] });
      c.pricing.admits(CHECKOUT_CALLERS.checkoutService, { methods: ['POST'], paths: ['/catalog.pricing.v1.Pricing/Quote'] });
      c.priceFeed.admits(CHECKOUT_CALLERS.checkoutService, { port: 7000 });
    });
    try {
      const errors = run(outdir, 'checkout', 'catalog').out.split('\n').filter((l) => l.startsWith('ERROR'));
      expect(errors).toEqual([
        expect.stringMatching(/data\.calls\.yaml\[0\]: storefront calls catalog\/catalog-api GET \/api\/products\/\* .*refused by AuthorizationPolicy catalog\/catalog-api-policy.*\[MESH604\]$/),
      ]);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
    // AND methods never match a TCP connection (istio authz builder: HTTP-only fields skip the rule on TCP):
    // the catalog team's own synth refuses the admission before any folder is written, at the admission (MESH042).
    expect(() => synthesized((c) => c.priceFeed.admits(CHECKOUT_CALLERS.checkoutService, { methods: ['GET'] })))
      .toThrow(/\[catalog\/price-feed\/Security\] admits\[0\]: price-feed has no HTTP port; methods and paths are HTTP-only, so the rule would admit nothing \[MESH042\]/);
  });
});

test('in one build, the catalog team\'s own synth proves its admissions, and the checkout team\'s declarations match its services', () => {
  const app = new MeshApp({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'teams-')) });
  const catalog = buildCatalogTeam(app);
  buildCheckoutTeam(app);
  const flows = catalog.chart.intendedFlows().filter((f) => f.description.includes(' admits '));
  expect(flows.map((f) => f.description)).toEqual([
    'catalog-api admits checkout/storefront GET /api/products',
    'catalog-api admits checkout/storefront GET /api/products/x',
    'pricing admits checkout/checkout-service POST /catalog.pricing.v1.Pricing/Quote',
    'price-feed admits checkout/checkout-service on 7000/TCP',
  ]);
  expect(() => app.manifests()).not.toThrow();
});

// A MeshChart's namespace has `allow-nothing` (an ALLOW policy that matches nothing) and each service one ALLOW rule per
// declared call or admission: with an ALLOW policy on a workload, a request no ALLOW rule matches is denied
// (https://istio.io/latest/docs/reference/config/security/authorization-policy/, "allow-nothing"; the evaluation order CUSTOM,
// DENY, ALLOW: https://istio.io/latest/docs/concepts/security/#implicit-enablement). So another team's undeclared caller is
// refused already, and a DENY for "everyone but the declared callers" refuses nothing more: defence in depth.
describe("the catalog team's policies refuse other teams' undeclared callers without a DENY of their own", () => {
  const principal = (ns: string, sa: string) => `cluster.local/ns/${ns}/sa/${sa}`;
  /**
   * dist/'s two teams and the cluster folder, and a third team's meshed exporter, without NetworkPolicies and Sidecars (a caller's
   * own egress limits are its team's to keep): the callee's mesh policies decide alone.
   */
  function cluster(extra: Record<string, any>[] = []) {
    const manifests = ['catalog', 'checkout', 'cluster'].flatMap((dir) => fs.readdirSync(path.join(DIST, dir))
      .filter((f) => f.endsWith('.yaml')).flatMap((f) => parseManifests(fs.readFileSync(path.join(DIST, dir, f), 'utf8'))));
    const analytics = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'analytics', labels: { 'istio-injection': 'enabled' } } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'bi-exporter', namespace: 'analytics' } },
      {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'bi-exporter', namespace: 'analytics' },
        spec: {
          selector: { matchLabels: { app: 'bi-exporter' } },
          template: {
            metadata: { labels: { app: 'bi-exporter' } },
            spec: { serviceAccountName: 'bi-exporter', containers: [{ name: 'main', image: 'registry.example.com/bi-exporter:1' }] },
          },
        },
      },
    ];
    return new FlowEvaluator([...manifests, ...analytics, ...extra].filter((m) => m.kind !== 'NetworkPolicy' && m.kind !== 'Sidecar'));
  }
  const products = { host: 'catalog-api.catalog.svc.cluster.local', port: 80, method: 'GET' as const, path: '/api/products' };
  const requests = [
    { source: { workload: 'bi-exporter', namespace: 'analytics' }, ...products },
    { source: { workload: 'checkout-service', namespace: 'checkout' }, ...products },
    { source: { workload: 'storefront', namespace: 'checkout' }, ...products },
    { source: { workload: 'storefront', namespace: 'checkout' }, host: 'price-feed.catalog.svc.cluster.local', port: 7000, protocol: 'TCP' as const },
  ];

  test('allow-nothing and the ALLOW rules refuse every undeclared caller; a DENY of all but the declared callers changes no verdict', () => {
    const plain = cluster();
    const verdicts = requests.map((r) => plain.evaluate(r));
    // THEN only the declared call gets through, and the callee's ALLOW policy is what refuses the others
    expect(verdicts.map((v) => v.allowed)).toEqual([false, false, true, false]);
    for (const v of [verdicts[0], verdicts[1], verdicts[3]]) expect(v.decidedBy).toMatchObject({ layer: 'AuthorizationPolicy', namespace: 'catalog' });
    // WHEN the catalog team adds a DENY for every caller but the declared ones
    const deny = {
      apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'deny-undeclared', namespace: 'catalog' },
      spec: {
        action: 'DENY',
        rules: [{ from: [{ source: { notPrincipals: [principal('checkout', 'storefront'), principal('checkout', 'checkout-service')] } }] }],
      },
    };
    const denied = cluster([deny]);
    // THEN every request gets the verdict it had: the DENY is defence in depth, against an ALLOW rule that admits too much
    expect(requests.map((r) => denied.evaluate(r).allowed)).toEqual(verdicts.map((v) => v.allowed));
    expect(denied.evaluate(requests[0]).decidedBy).toMatchObject({ kind: 'AuthorizationPolicy', name: 'deny-undeclared' });
  });
});
