import { MeshApp, MeshChart, MeshService, RemoteCaller, RemoteService } from '../../src';
import { connectivityDiff } from '../../src/review';

type Manifests = Map<string, Record<string, any>[]>;

/** The callee's repository: `api` (HTTP) and `events` (gRPC) in `inventory`, admitting `checkout` of namespace `shop`. */
function callee(variant: '' | 'drop' | 'narrow' | 'grpc-port' | 'caller-sa'): Manifests {
  const app = new MeshApp({ outdir: '/nonexistent', schemaValidation: false });
  const chart = new MeshChart(app, 'inv', { namespace: 'inventory' });
  const api = new MeshService(chart, 'api', { image: 'registry.example.com/api:1', ports: [{ port: 80, targetPort: 8080, protocol: 'http' }] });
  const events = new MeshService(chart, 'events', {
    image: 'registry.example.com/events:1', ports: [{ port: variant === 'grpc-port' ? 50051 : 9090, protocol: 'grpc' }],
  });
  const checkout = RemoteCaller.workload({
    name: 'checkout', namespace: 'shop', ...(variant === 'caller-sa' ? { serviceAccount: 'shop-checkout' } : {}),
  });
  const cart = RemoteCaller.workload({ name: 'cart', namespace: 'shop' });
  api.admits(cart, { methods: ['GET'], paths: ['/api/stock/*'] });
  if (variant !== 'drop') {
    api.admits(checkout, { methods: variant === 'narrow' ? ['GET'] : ['GET', 'POST'], paths: ['/api/stock/*'] });
  }
  events.admits(checkout, { methods: ['POST'], paths: ['/inv.v1.Events/*'] });
  return envs(app);
}

/** The caller's repository: `checkout` and `cart` in `shop`, calling the callee's services (its remote-calls record). */
function caller(): Manifests {
  const app = new MeshApp({ outdir: '/nonexistent', schemaValidation: false });
  const chart = new MeshChart(app, 'shop', { namespace: 'shop' });
  const api = new RemoteService(chart, 'api', { namespace: 'inventory', ports: [{ port: 80, targetPort: 8080, protocol: 'http' }] });
  const checkout = new MeshService(chart, 'checkout', { image: 'registry.example.com/checkout:1' });
  const cart = new MeshService(chart, 'cart', { image: 'registry.example.com/cart:1' });
  checkout.calls(api, { methods: ['GET', 'POST'], paths: ['/api/stock/*'] });
  cart.calls(api, { methods: ['GET'], paths: ['/api/stock/*'] });
  return envs(app);
}

function envs(app: MeshApp): Manifests {
  const out: Manifests = new Map();
  for (const f of app.manifests()) {
    const env = f.path.split('/')[0];
    if (env !== 'cluster') out.set(env, [...(out.get(env) ?? []), f.manifest]);
  }
  return out;
}

const row = (c: { change: string; intended: boolean; source: string; destination: string; port: number; method: string; pathClass: string }) =>
  `${c.change}${c.intended ? ' intended' : ''} ${c.source} → ${c.destination}:${c.port} ${c.method} ${c.pathClass}`;

describe("the callee's own diff evaluates flows from the callers it admits from other repositories", () => {
  const before = callee('');

  test('a caller still admitted but no longer for a request it was admitted for: an intended flow that breaks, the caller named', () => {
    const d = connectivityDiff(before, callee('narrow'));
    expect(d.changes.map(row)).toEqual([
      'closed intended shop/checkout → api:80 POST /api/stock',
      'closed intended shop/checkout → api:80 POST /api/stock/*',
    ]);
    expect(d.intendedBroken).toBe(2);
    expect(d.changes[0].after.decidedBy).toBe('AuthorizationPolicy inventory/api-policy');
  });

  test('a caller no longer admitted: its flows close, no longer declared, with the caller named', () => {
    const d = connectivityDiff(before, callee('drop'));
    expect(d.changes.map(row)).toEqual([
      'closed shop/checkout → api:80 GET /api/stock',
      'closed shop/checkout → api:80 GET /api/stock/*',
      'closed shop/checkout → api:80 POST /api/stock',
      'closed shop/checkout → api:80 POST /api/stock/*',
    ]);
    expect(d.intendedBroken).toBe(0);
  });

  test("the callee's port moved while the caller is still admitted: the flow to the old port breaks", () => {
    const d = connectivityDiff(before, callee('grpc-port'));
    expect(d.changes.map(row)).toEqual([
      'closed intended shop/checkout → events:9090 POST /inv.v1.Events/*',
      'opened intended shop/checkout → events:50051 POST /inv.v1.Events/*',
    ]);
    expect(d.changes[0].after.reason).toContain('has no port 9090');
  });

  test('the caller admitted under another ServiceAccount: its pods (labels app=checkout) as admitted before break', () => {
    const d = connectivityDiff(before, callee('caller-sa'));
    const closed = d.changes.filter((c) => c.change === 'closed').map(row);
    expect(closed).toContain('closed intended shop/checkout → api:80 GET /api/stock/*');
    expect(closed).toContain('closed intended shop/checkout → events:9090 POST /inv.v1.Events/*');
    expect(d.changes.filter((c) => c.change === 'opened').map((c) => c.source)).toContain('shop/checkout (sa shop-checkout)');
    expect(d.changes.find((c) => c.change === 'closed')!.after.reason).toContain('cluster.local/ns/shop/sa/checkout');
  });

  test('a principal pattern names no one caller: the callers it admits are those admitted before, and nothing changes', () => {
    // Istio matches a principal with a `*` prefix or suffix (https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source).
    const after: [string, Record<string, any>[]][] = JSON.parse(JSON.stringify([...before]), (_k, v) => (v === 'cluster.local/ns/shop/sa/checkout' ? 'cluster.local/ns/shop/sa/check*' : v));
    const d = connectivityDiff(before, new Map(after));
    expect(d.changes).toEqual([]);
  });

  test('an unchanged callee changes nothing', () => {
    const d = connectivityDiff(before, callee(''));
    expect(d.changes).toEqual([]);
  });
});

describe("both repositories diffed together: the caller's remote-calls record declares its calls", () => {
  const both = (c: Manifests) => new Map([...c, ...caller()]);

  test('a call the callee stops admitting that the record still declares is an intended flow that breaks', () => {
    const d = connectivityDiff(both(callee('')), both(callee('drop')));
    const rows = d.changes.map(row);
    // The record declares GET and POST /api/stock/x: the rules' probes that cover them break; the collection path only closes.
    expect(rows).toEqual([
      'closed shop/checkout → api:80 GET /api/stock',
      'closed intended shop/checkout → api:80 GET /api/stock/*',
      'closed shop/checkout → api:80 POST /api/stock',
      'closed intended shop/checkout → api:80 POST /api/stock/*',
    ]);
    expect(d.intendedBroken).toBe(2);
    expect(d.changes.every((c) => c.environment === 'inv')).toBe(true);
  });
});
