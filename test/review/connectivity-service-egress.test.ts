import { Testing } from 'cdk8s';
import { ExternalService, MeshApp, MeshChart, MeshService, RemoteService } from '../../src';
import { connectivityDiff } from '../../src/review';

/** The shop environment: checkout calls a payment provider outside the mesh and another team's ledger, as `calls` says. */
function shop(calls: { psp?: boolean; ledger?: boolean; geo?: boolean } = {}) {
  const app = new MeshApp({ outdir: Testing.app().outdir, schemaValidation: false });
  const chart = new MeshChart(app, 'shop', { namespace: 'shop' });
  const checkout = new MeshService(chart, 'checkout', { image: 'registry.example.com/checkout:1.0.0' });
  new MeshService(chart, 'catalog', { image: 'registry.example.com/catalog:1.0.0' });
  const psp = new ExternalService(chart, 'psp', { hosts: ['api.psp.example'], ports: [{ number: 443, protocol: 'TLS' }] });
  const geo = new ExternalService(chart, 'geo', { hosts: ['api.geo.example'], ports: [{ number: 443, protocol: 'TLS' }] });
  if (calls.psp ?? true) checkout.calls(psp, { port: 443 });
  if (calls.geo) checkout.calls(geo, { port: 443 });
  if (calls.ledger) {
    checkout.calls(new RemoteService(chart, 'ledger', { namespace: 'finance', ports: [{ port: 80, targetPort: 8080 }] }), { methods: ['POST'], paths: ['/api/entries'] });
  }
  return app.manifests().filter((f) => f.path.startsWith('shop/') || f.path.startsWith('cluster/')).map((f) => f.manifest);
}

const row = (x: ReturnType<typeof connectivityDiff>['changes'][number]) =>
  [x.kind, x.source, x.destination, x.port, x.method, x.pathClass, x.change, x.intended, x.after.layer ?? null];
const diff = (before: readonly Record<string, any>[], after: readonly Record<string, any>[]) =>
  connectivityDiff(new Map([['shop', before]]), new Map([['shop', after]]));

describe("connectivityDiff of services' calls outside the app", () => {
  const base = shop();

  test("a service's new call to a host outside the mesh is an opened, intended egress flow; only its own", () => {
    const c = diff(base, shop({ geo: true }));
    expect(c.changes.filter((x) => x.kind === 'egress').map(row)).toEqual([
      ['egress', 'checkout', 'api.geo.example', 443, 'any', 'any', 'opened', true, 'routing'],
    ]);
    expect(c.undeclaredOpened).toBe(c.changes.filter((x) => !x.intended && x.change === 'opened').length);
  });

  test("a service's call it drops closes, no longer intended; one its NetworkPolicy shuts out breaks an intended flow", () => {
    const lost = diff(base, shop({ psp: false }));
    expect(lost.changes.filter((x) => x.kind === 'egress').map((x) => row(x).slice(0, 8))).toEqual([
      ['egress', 'checkout', 'api.psp.example', 443, 'any', 'any', 'closed', false],
    ]);
    expect(lost.intendedBroken).toBe(0);
    const shut = base.map((m) => (m.kind === 'NetworkPolicy' && m.metadata.name === 'checkout'
      ? { ...m, spec: { ...m.spec, egress: m.spec.egress.filter((r: any) => !(r.to ?? []).some((p: any) => p.ipBlock)) } } : m));
    const broken = diff(base, shut);
    expect(broken.changes.map(row)).toEqual([['egress', 'checkout', 'api.psp.example', 443, 'any', 'any', 'closed', true, 'NetworkPolicy egress']]);
    expect(broken.intendedBroken).toBe(1);
  });

  test("a service's new or dropped call to another team's service, from its record, is a call change", () => {
    expect(diff(base, shop({ ledger: true })).changes.filter((x) => x.destination === 'finance/ledger').map((x) => row(x).slice(0, 8)))
      .toEqual([['call', 'checkout', 'finance/ledger', 80, 'POST', '/api/entries', 'opened', true]]);
    expect(diff(shop({ ledger: true }), base).changes.filter((x) => x.destination === 'finance/ledger').map((x) => row(x).slice(0, 8)))
      .toEqual([['call', 'checkout', 'finance/ledger', 80, 'POST', '/api/entries', 'closed', false]]);
  });

  test('an unchanged tree changes nothing', () => {
    expect(diff(base, shop()).changes).toEqual([]);
  });
});
