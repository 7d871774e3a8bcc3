import * as path from 'node:path';
import { Cron, Testing } from 'cdk8s';
import * as yaml from 'js-yaml';
import { buildEcEnvironment } from '../../src/app/ec-environment';
import { ENVIRONMENTS } from '../../src/app/environments';
import { FlowEvaluator } from '../../src/validate';
import { MeshApp, MeshChart, MeshCronJob, MeshService } from '../../src';
import { renderConnectivity, renderJson, renderMarkdown, semanticDiff } from '../../src/review';
import { connectivityOf, exitCodeOf, ExitCodes } from '../../src/review/cli';
import { connectivityDiff, sampleOf, samplePath, secureWorkloads } from '../../src/review/connectivity';
import { ManifestTree, readTreeFromDir, resourcesOf } from '../../src/review/manifest-tree';

/** The committed EC site: the "before" of every change below. */
const dist: ManifestTree = readTreeFromDir(path.join(__dirname, '..', '..', 'dist'));

/** `dist` with `edit` applied to copies of the manifests of `file` (a path under dist/). */
function edited(file: string, edit: (m: Record<string, any>) => Record<string, any> | undefined): ManifestTree {
  const out = new Map(dist);
  const docs = yaml.loadAll(dist.get(file)!).map((d) => edit(JSON.parse(JSON.stringify(d))));
  out.set(file, docs.filter((d) => d !== undefined).map((d) => yaml.dump(d)).join('---\n'));
  return out;
}

/** The connectivity section of the diff from the committed tree to `after`, and its exit code. */
function review(after: ManifestTree): { section: string; code: number } {
  const diff = semanticDiff(dist, after);
  const connectivity = connectivityOf(dist, after, diff);
  return { section: renderConnectivity(connectivity).join('\n'), code: exitCodeOf(diff, connectivity) };
}

describe('what a change to the committed EC site does to traffic', () => {
  test('(a) search-service calls payment-service: one declared flow opens into a SecureService, called out first', () => {
    // GIVEN the EC site synthesized again with one more call, as a developer would write it
    const app = new MeshApp({ outdir: '/nonexistent', schemaValidation: false });
    const sites = ENVIRONMENTS.map((env) => buildEcEnvironment(app, env));
    const production = sites[ENVIRONMENTS.findIndex((e) => e.name === 'production')];
    production.search.calls(production.payment, { methods: ['POST'], paths: ['/api/payments/*'] });
    const after = new Map(dist);
    for (const f of app.manifests().filter((x) => x.path.startsWith('production/'))) {
      const before = resourcesOf(new Map([[f.path, dist.get(f.path) ?? '']]))[0]?.manifest;
      if (JSON.stringify(before) !== JSON.stringify(f.manifest)) after.set(f.path, yaml.dump(f.manifest));
    }
    // WHEN it is reviewed
    const { section, code } = review(after);
    // THEN the files the call changes are the four layers, and the section says what opens
    expect([...after.keys()].filter((k) => after.get(k) !== dist.get(k))).toEqual([
      'production/authorizationpolicy.payment-service-policy.yaml', 'production/networkpolicy.payment-service.yaml',
      'production/networkpolicy.search-service.yaml', 'production/sidecar.search-service.yaml',
    ]);
    expect(section).toBe(
      [
        '### Connectivity',
        '',
        '> [!CAUTION]',
        '> 🔓 This change opens a path into a SecureService or from outside the mesh:',
        '> - production: search-service → payment-service:80 POST /api/payments opens into SecureService payment-service (declared; admitted by AuthorizationPolicy production/payment-service-policy)',
        '> - production: search-service → payment-service:80 POST /api/payments/* opens into SecureService payment-service (declared; admitted by AuthorizationPolicy production/payment-service-policy)',
        '',
        '**Opened** (2): refused before, allowed after',
        '',
        '| environment | source | destination | port | method | path | declared | was refused by | now admitted by |',
        '|---|---|---|---|---|---|---|---|---|',
        '| production | search-service | payment-service | 80 | `POST` | `/api/payments` | yes | Sidecar production/search-service (Sidecar egress) | AuthorizationPolicy production/payment-service-policy |',
        '| production | search-service | payment-service | 80 | `POST` | `/api/payments/*` | yes | Sidecar production/search-service (Sidecar egress) | AuthorizationPolicy production/payment-service-policy |',
        '',
      ].join('\n'),
    );
    expect(code).not.toBe(ExitCodes.UNDECLARED_FLOW_OPENED);
    expect(code).not.toBe(ExitCodes.INTENDED_FLOW_BROKEN);
  });

  test("(b) the gateway's route to web-frontend removed: the site root is an intended flow that breaks, exit 5", () => {
    const after = edited('production/virtualservice.shop-gateway.yaml', (vs) => ({
      ...vs, spec: { ...vs.spec, http: vs.spec.http.filter((r: any) => r.name !== 'web-frontend') },
    }));
    const { section, code } = review(after);
    expect(section).toBe(
      [
        '### Connectivity',
        '',
        '**Intended flows that break** (1): declared after the change, allowed before, refused after',
        '',
        '| environment | source | destination | port | method | path | refused by | why |',
        '|---|---|---|---|---|---|---|---|',
        '| production | external | web-frontend | 443 | `GET` | `/*` | VirtualService production/shop-gateway (routing) | no http rule of VirtualService production/shop-gateway matches GET / (404 NR) |',
        '',
      ].join('\n'),
    );
    expect(code).toBe(ExitCodes.INTENDED_FLOW_BROKEN);
  });

  test("the gateway's route to web-frontend narrowed to /shop/: the site root is no longer declared, so it only closes, exit 1", () => {
    const narrowed = (vs: Record<string, any>) => ({
      ...vs,
      spec: { ...vs.spec, http: vs.spec.http.map((r: any) => (r.name === 'web-frontend' ? { ...r, match: [{ uri: { prefix: '/shop/' } }] } : r)) },
    });
    const after = edited('production/virtualservice.shop-gateway.yaml', narrowed);
    const { section, code } = review(after);
    expect(section).toContain('**Closed** (1): allowed before, refused after, no longer declared');
    expect(section).toContain('| production | external | web-frontend | 443 | `GET` | `/*` | VirtualService production/shop-gateway (routing) |');
    expect(section).not.toContain('Intended flows that break');
    expect(code).toBe(ExitCodes.CHANGES);
  });

  test("the route removed while web-frontend's policy admits the gateway only on /shop/*: the root is no longer declared", () => {
    const after = new Map(edited('production/virtualservice.shop-gateway.yaml', (vs) => ({
      ...vs, spec: { ...vs.spec, http: vs.spec.http.filter((r: any) => r.name !== 'web-frontend') },
    })));
    const policy = 'production/authorizationpolicy.web-frontend-policy.yaml';
    const docs = yaml.loadAll(dist.get(policy)!) as Record<string, any>[];
    for (const rule of docs[0].spec.rules) rule.to = [{ operation: { paths: ['/shop/*'] } }];
    after.set(policy, docs.map((d) => yaml.dump(d)).join('---\n'));
    const { section, code } = review(after);
    expect(section).toContain('| production | external | web-frontend | 443 | `GET` | `/*` | VirtualService production/shop-gateway (routing) |');
    expect(section).not.toContain('Intended flows that break');
    expect(code).toBe(ExitCodes.CHANGES);
  });

  test('a gateway route matched by a header and a path regex is probed with a request that meets both', () => {
    // GIVEN a first route that sends requests with `x-internal: yes` on /internal/<digits> to
    // web-frontend, then the same route pointed at payment-service (which admits no gateway)
    const withRoute = (service: string) => edited('production/virtualservice.shop-gateway.yaml', (vs) => ({
      ...vs,
      spec: {
        ...vs.spec,
        http: [{
          name: 'internal', match: [{ uri: { regex: '/internal/[0-9]+' }, headers: { 'x-internal': { exact: 'yes' } } }],
          route: [{ destination: { host: `${service}.production.svc.cluster.local`, port: { number: 80 } } }],
        }, ...vs.spec.http],
      },
    }));
    const before = withRoute('web-frontend');
    const after = withRoute('payment-service');
    // WHEN the change is reviewed
    const connectivity = connectivityOf(before, after, semanticDiff(before, after));
    // THEN the request that meets the match (a probe without the header would take the default
    // route to web-frontend on both sides and see no change) now goes to payment-service, whose
    // NetworkPolicy refuses the gateway
    expect(connectivity.changes.map((c) => [c.change, c.kind, c.destination, c.pathClass, c.after.layer])).toEqual([
      ['closed', 'route', 'web-frontend', '~/internal/[0-9]+ x-internal:=yes', 'NetworkPolicy ingress'],
    ]);
  });

  test("a call across namespaces (seed 003's tiers) is evaluated with both namespaces' objects and reported once, by the callee's", () => {
    // GIVEN the tiers with accounting-server's rule for order-server (k1s0-service) removed, and
    // order-server's own NetworkPolicy egress to accounting-server (k1s0-business) removed
    const file = 'k1s0-business/authorizationpolicy.accounting-server-policy.yaml';
    const after = edited(file, (ap) => ({ ...ap, spec: { ...ap.spec, rules: ap.spec.rules.filter((r: any) => !r.from) } }));
    // WHEN the change is reviewed
    const connectivity = connectivityOf(dist, after, semanticDiff(dist, after));
    // THEN the call breaks, once, in the callee's environment, refused by its policy: without
    // k1s0-service's objects the caller would be unknown and the call not compared at all
    // (each method on the collection path `/api/v1/ledgers` and below it, both admitted before)
    const ap = 'AuthorizationPolicy k1s0-business/accounting-server-policy';
    expect(connectivity.changes.map((c) => [c.environment, c.change, c.source, c.destination, c.method, c.pathClass, c.after.decidedBy])).toEqual([
      ['k1s0-business', 'closed', 'k1s0-service/order-server', 'accounting-server', 'GET', '/api/v1/ledgers', ap],
      ['k1s0-business', 'closed', 'k1s0-service/order-server', 'accounting-server', 'GET', '/api/v1/ledgers/*', ap],
      ['k1s0-business', 'closed', 'k1s0-service/order-server', 'accounting-server', 'POST', '/api/v1/ledgers', ap],
      ['k1s0-business', 'closed', 'k1s0-service/order-server', 'accounting-server', 'POST', '/api/v1/ledgers/*', ap],
      // order-server is released by Flagger: its primary runs beside the canary, under the same principal.
      ...['GET', 'POST'].flatMap((m) =>
        ['/api/v1/ledgers', '/api/v1/ledgers/*'].map((p) => [
          'k1s0-business',
          'closed',
          'k1s0-service/order-server-primary',
          'accounting-server',
          m,
          p,
          ap,
        ]),
      ),
    ]);
    expect(connectivity.intendedBroken).toBe(0);
  });

  test("a change on the caller's side of a call across namespaces is compared in the callee's environment, which did not change", () => {
    // GIVEN order-server (k1s0-service) may no longer leave to accounting-server (k1s0-business)
    const after = edited('k1s0-service/networkpolicy.order-server.yaml', (np) => ({
      ...np, spec: { ...np.spec, egress: np.spec.egress.filter((r: any) => r.to?.[0]?.podSelector?.matchLabels?.app !== 'accounting-server') },
    }));
    const diff = semanticDiff(dist, after);
    expect(diff.environments).toEqual(['k1s0-service']);
    // WHEN it is reviewed, THEN the declared call breaks, reported once, where the callee is
    const connectivity = connectivityOf(dist, after, diff);
    const np = 'NetworkPolicy k1s0-service/order-server';
    expect(connectivity.changes.map((c) => [c.environment, c.change, c.intended, c.source, c.destination, c.method, c.after.decidedBy])).toEqual([
      ['k1s0-business', 'closed', true, 'k1s0-service/order-server', 'accounting-server', 'GET', np],
      ['k1s0-business', 'closed', true, 'k1s0-service/order-server', 'accounting-server', 'GET', np],
      ['k1s0-business', 'closed', true, 'k1s0-service/order-server', 'accounting-server', 'POST', np],
      ['k1s0-business', 'closed', true, 'k1s0-service/order-server', 'accounting-server', 'POST', np],
      ['k1s0-business', 'closed', true, 'k1s0-service/order-server-primary', 'accounting-server', 'GET', np],
      ['k1s0-business', 'closed', true, 'k1s0-service/order-server-primary', 'accounting-server', 'GET', np],
      ['k1s0-business', 'closed', true, 'k1s0-service/order-server-primary', 'accounting-server', 'POST', np],
      ['k1s0-business', 'closed', true, 'k1s0-service/order-server-primary', 'accounting-server', 'POST', np],
    ]);
    expect(exitCodeOf(diff, connectivity)).toBe(ExitCodes.INTENDED_FLOW_BROKEN);
  });

  test('sample values for regex matches meet the pattern in full, or there is none', () => {
    expect(sampleOf('/products/[0-9]+')).toBe('/products/0');
    expect(sampleOf('^/(v1|v2)/items/[^/]+$')).toBe('/v1/items/x');
    expect(sampleOf('/a/\\d{3}/b')).toBe('/a/111/b');
    expect(sampleOf('/static/.+\\.css')).toBe('/static/x.css');
    // a candidate that would not match is not offered
    expect(sampleOf('/(?:x)(?!y)')).toBeUndefined();
    for (const r of ['/products/[0-9]+', '^/(v1|v2)/items/[^/]+$', '/a/\\d{3}/b']) expect(new RegExp(`^(?:${r})$`).test(sampleOf(r)!)).toBe(true);
  });

  test('(c) only a timeout changes: no flow changes its verdict, exit 1', () => {
    const after = edited('production/virtualservice.search-service.yaml', (vs) => {
      vs.spec.http[0].timeout = '4s';
      return vs;
    });
    const { section, code } = review(after);
    expect(section).toMatch(/^### Connectivity\n\nNo flow changes its verdict \(\d+ flows compared\)\.\n$/);
    // the probes of the manifests and the 8 x 7 workload pairs
    expect(Number(/\((\d+) flows/.exec(section)![1])).toBeGreaterThan(8 * 7);
    expect(code).toBe(ExitCodes.CHANGES);
  });

  test('the section comes first in the Markdown, and the JSON carries it with the exit code', () => {
    const after = edited('production/virtualservice.shop-gateway.yaml', (vs) => ({ ...vs, spec: { ...vs.spec, http: vs.spec.http.slice(0, 1) } }));
    const diff = semanticDiff(dist, after);
    const connectivity = connectivityOf(dist, after, diff);
    const md = renderMarkdown(diff, { connectivity });
    expect(md.indexOf('### Connectivity')).toBeLessThan(md.indexOf('### production'));
    const json = JSON.parse(renderJson(diff, exitCodeOf(diff, connectivity), connectivity));
    expect(json.exitCode).toBe(5);
    expect(json.connectivity).toMatchObject({ intendedBroken: 1, undeclaredOpened: 0 });
    expect(json.connectivity.changes[0]).toMatchObject({
      environment: 'production', kind: 'route', source: 'external', destination: 'web-frontend', port: 443, method: 'GET', pathClass: '/*',
      change: 'closed', intended: true, fromOutside: true, secureDestination: false,
      before: { allowed: true }, after: { allowed: false, layer: 'routing', decidedBy: 'VirtualService production/shop-gateway' },
    });
  });
});

describe('connectivityDiff on small manifests', () => {
  const deployment = (name: string) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'shop' },
    spec: {
      template: { metadata: { labels: { app: name } }, spec: { serviceAccountName: name, containers: [{ name, ports: [{ containerPort: 8080 }] }] } },
    },
  });
  const service = (name: string) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'shop' },
    spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] },
  });
  // An ALLOW policy with no rules matches nothing: every request is refused.
  // https://istio.io/latest/docs/reference/config/security/authorization-policy/ (allow-nothing)
  const allowNothing = {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name: 'allow-nothing', namespace: 'shop' },
    spec: {},
  };
  const base = [deployment('a'), service('a'), deployment('b'), service('b')];

  test('removing the allow-nothing baseline opens every undeclared pair: exit 4', () => {
    const c = connectivityDiff(new Map([['shop', [...base, allowNothing]]]), new Map([['shop', base]]));
    expect(c.changes.map((x) => [x.kind, x.source, x.destination, x.port, x.change, x.intended, x.before.decidedBy])).toEqual([
      ['pair', 'a', 'b', 8080, 'opened', false, 'AuthorizationPolicy shop/allow-nothing'],
      ['pair', 'b', 'a', 8080, 'opened', false, 'AuthorizationPolicy shop/allow-nothing'],
    ]);
    expect(c.undeclaredOpened).toBe(2);
    expect(exitCodeOf({ environments: ['shop'], resources: [], files: [], downgrades: 1, acknowledgements: [] }, c)).toBe(
      ExitCodes.UNDECLARED_FLOW_OPENED,
    );
    expect(renderConnectivity(c)).toContain('| shop | a | b | 8080 | any | any | **no** | AuthorizationPolicy shop/allow-nothing | - |');
  });

  test('a declared caller refused after the change is an intended flow that breaks; one no longer declared is only closed', () => {
    const allowA = {
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'b', namespace: 'shop' },
      spec: {
        selector: { matchLabels: { app: 'b' } },
        rules: [
          { from: [{ source: { principals: ['cluster.local/ns/shop/sa/a'] } }], to: [{ operation: { methods: ['POST'], paths: ['/orders/{*}'] } }] },
        ],
      },
    };
    const denyA = { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'deny-a', namespace: 'shop' },
      spec: { action: 'DENY', rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/a'] } }] }] } };
    const broken = connectivityDiff(new Map([['shop', [...base, allowA]]]), new Map([['shop', [...base, allowA, denyA]]]));
    expect(broken.intendedBroken).toBe(1);
    expect(broken.changes[0]).toMatchObject({
      kind: 'call',
      source: 'a',
      destination: 'b',
      port: 80,
      method: 'POST',
      pathClass: '/orders/{*}',
      change: 'closed',
      intended: true,
      after: { decidedBy: 'AuthorizationPolicy shop/deny-a' },
    });
    const removed = connectivityDiff(new Map([['shop', [...base, allowA]]]), new Map([['shop', [...base, allowNothing]]]));
    expect(removed.intendedBroken).toBe(0);
    // a → b is reported once, as the call; b → a, which no policy restricted before, closes as a pair
    expect(removed.changes.map((x) => [x.kind, x.source, x.destination, x.change, x.intended])).toEqual([
      ['call', 'a', 'b', 'closed', false],
      ['pair', 'b', 'a', 'closed', false],
    ]);
  });

  test('a SecureService is recognised by its own STRICT PeerAuthentication', () => {
    const pa = (name: string, mode: string, selector?: object) => ({
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: { name, namespace: 'shop' },
      spec: { mtls: { mode }, ...(selector ? { selector } : {}) },
    });
    const cluster = new FlowEvaluator([
      ...base,
      pa('default', 'STRICT'),
      pa('a', 'PERMISSIVE', { matchLabels: { app: 'a' } }),
      pa('b', 'STRICT', { matchLabels: { app: 'b' } }),
    ]).cluster;
    expect([...secureWorkloads(cluster, 'shop')]).toEqual(['b']);
  });

  test('sample paths fill Istio path templates and wildcards', () => {
    expect(['/api/payments/*', '/orders/{*}/items', '/files/{**}', '*/health', ''].map(samplePath)).toEqual([
      '/api/payments/x',
      '/orders/x/items',
      '/files/x/y',
      'x/health',
      '/',
    ]);
  });
});

describe("connectivityDiff of a batch job's calls", () => {
  // A CronJob calls the ledger: its principal is a caller the ledger's AuthorizationPolicy names, probed as a service's is.
  const app = new MeshApp({ outdir: Testing.app().outdir, schemaValidation: false });
  const chart = new MeshChart(app, 'finance', { namespace: 'finance' });
  const ledger = new MeshService(chart, 'ledger', { image: 'registry.example.com/ledger:1.0.0' });
  new MeshCronJob(chart, 'settlement', { image: 'registry.example.com/settle:1.0.0', schedule: Cron.schedule({ minute: '0', hour: '2' }) })
    .calls(ledger, { methods: ['POST'], paths: ['/api/settlements'] });
  const before = app.manifests().filter((f) => f.path.startsWith('finance/') || f.path.startsWith('cluster/')).map((f) => f.manifest);
  /** `before` with the ledger's `kind` object edited. */
  const edited = (kind: string, edit: (spec: Record<string, any>) => Record<string, any>) => before.map((m) => (
    m.kind === kind && m.metadata.name === (kind === 'NetworkPolicy' ? 'ledger' : 'ledger-policy') ? { ...m, spec: edit(m.spec) } : m));
  const fromSettlement = (r: any) => (r.from ?? []).some((p: any) => p.podSelector?.matchLabels?.app === 'settlement'
    || (p.source?.principals ?? []).includes('cluster.local/ns/finance/sa/settlement'));

  test("a change that shuts the job out of its callee breaks an intended flow: exit 5, with the job's call and the refusing layer", () => {
    const after = edited('NetworkPolicy', (spec) => ({ ...spec, ingress: spec.ingress.filter((r: any) => !fromSettlement(r)) }));
    const c = connectivityDiff(new Map([['finance', before]]), new Map([['finance', after]]));
    const rows = c.changes.map((x) => [
      x.kind, x.source, x.destination, x.port, x.method, x.pathClass, x.change, x.intended, x.before.allowed, x.after.layer,
    ]);
    expect(rows).toEqual([['call', 'settlement', 'ledger', 80, 'POST', '/api/settlements', 'closed', true, true, 'NetworkPolicy ingress']]);
    expect(c.intendedBroken).toBe(1);
    expect(exitCodeOf({ environments: ['finance'], resources: [], files: [], downgrades: 0, acknowledgements: [] }, c)).toBe(
      ExitCodes.INTENDED_FLOW_BROKEN,
    );
    expect(renderConnectivity(c).join('\n')).toContain('| finance | settlement | ledger | 80 | `POST` | `/api/settlements` |');
  });

  test("the job's rule taken out of the callee's AuthorizationPolicy is no longer declared: the call only closes", () => {
    const after = edited('AuthorizationPolicy', (spec) => ({ ...spec, rules: spec.rules.filter((r: any) => !fromSettlement(r)) }));
    const c = connectivityDiff(new Map([['finance', before]]), new Map([['finance', after]]));
    expect(c.changes.map((x) => [x.kind, x.source, x.destination, x.method, x.pathClass, x.change, x.intended, x.after.layer]))
      .toEqual([['call', 'settlement', 'ledger', 'POST', '/api/settlements', 'closed', false, 'AuthorizationPolicy']]);
    expect(c.intendedBroken).toBe(0);
  });

  test('an unchanged tree changes nothing', () => {
    expect(connectivityDiff(new Map([['finance', before]]), new Map([['finance', before]])).changes).toEqual([]);
  });
});
