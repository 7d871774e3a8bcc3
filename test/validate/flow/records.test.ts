// The remote-calls record (format remote-calls/v1, src/core/remote-calls.ts) read back from manifests
// and checked: over the caller's manifests alone, the caller's side (Sidecar, NetworkPolicy egress); with the
// callee's namespace among them, the callee's NetworkPolicy, mTLS and AuthorizationPolicy too.
import { Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { FlowEvaluator, Manifest, platformFlowOptions, readCallRecords, recordedCallFindings } from '../../../src/validate';
import { FlaggerCanary, MeshApp, MeshChart, MeshPlatform, MeshService, RemoteCaller, RemoteService } from '../../../src';

/** Both teams in one build: checkout's storefront calls catalog's catalog-api, which admits it unless told not to. */
function teams(admit = true, admitted = ['/api/products/*'], targetPort = 8080): { checkout: Manifest[]; catalog: Manifest[]; cluster: Manifest[] } {
  // Two teams, two repositories: each its own app (one app would check both as one cluster at synth).
  const checkoutApp = new MeshApp({ outdir: Testing.app().outdir });
  const catalogApp = new MeshApp({ outdir: Testing.app().outdir });
  const checkout = new MeshChart(checkoutApp, 'checkout', { namespace: 'checkout' });
  const catalog = new MeshChart(catalogApp, 'catalog', { namespace: 'catalog' });
  const api = new MeshService(catalog, 'catalog-api', { image: 'registry.example.com/catalog-api:1.0.0', ports: [{ port: 80, targetPort }] });
  const storefront = new MeshService(checkout, 'storefront', { image: 'registry.example.com/storefront:1.0.0' });
  storefront.calls(new RemoteService(checkout, 'catalog-api', { namespace: 'catalog', ports: [{ port: 80, targetPort: 8080 }] }), {
    methods: ['GET'],
    paths: ['/api/products/*'],
  });
  if (admit) api.admits(RemoteCaller.workload({ name: 'storefront', namespace: 'checkout' }), { methods: ['GET'], paths: admitted });
  const checkoutFiles = checkoutApp.manifests();
  const catalogFiles = catalogApp.manifests();
  const folder = (files: typeof checkoutFiles, name: string) => files.filter((f) => f.path.startsWith(`${name}/`)).map((f) => f.manifest);
  return { checkout: folder(checkoutFiles, 'checkout'), catalog: folder(catalogFiles, 'catalog'), cluster: folder(checkoutFiles, 'cluster') };
}

const check = (manifests: Manifest[]) => recordedCallFindings(new FlowEvaluator(manifests, platformFlowOptions(MeshPlatform.default(), 'checkout')));
const record = (manifests: Manifest[]) => manifests.find((m) => m.kind === 'ConfigMap')!;

describe('recorded calls, checked over the folders given', () => {
  test('both folders: the call is admitted on the callee\'s side', () => {
    const t = teams();
    // One entry, proved by three requests: the collection path, the path made concrete, and one deeper.
    expect(readCallRecords([...t.checkout, ...t.catalog]).calls.map((c) => c.flow.description)).toEqual(['/api/products', '/api/products/x', '/api/products/x/x']
      .map((p) => `storefront calls catalog/catalog-api GET /api/products/* (as GET ${p})`));
    expect(check([...t.checkout, ...t.catalog, ...t.cluster])).toEqual([]);
  });

  test('the callee does not admit: refused on its side, naming both (MESH604)', () => {
    const t = teams(false);
    // The caller's side alone holds: its folder passes by itself.
    expect(check([...t.checkout, ...t.cluster])).toEqual([]);
    const [f] = check([...t.checkout, ...t.catalog, ...t.cluster]);
    expect(f).toMatchObject({
      code: 'MESH604',
      resource: { kind: 'ConfigMap', namespace: 'checkout', name: 'checkout-remote-calls' },
      field: 'data.calls.yaml[0]',
      constructPath: 'checkout/storefront',
      verdict: { allowed: false, decidedBy: { kind: 'NetworkPolicy', namespace: 'catalog', name: 'catalog-api' } },
    });
    expect(f.message).toMatch(
      /^storefront calls catalog\/catalog-api GET \/api\/products\/\* \[caller checkout\/storefront, construct checkout\/storefront; callee Service catalog\/catalog-api:80\]: refused by NetworkPolicy catalog\/catalog-api/,
    );
  });

  test('a callee that narrows its admission below the declared pattern is refused on the requests it no longer admits (MESH604)', () => {
    // `/api/products/{*}` admits one segment: not the collection path, nor a deeper one, both of which `/api/products/*` covers.
    const t = teams(true, ['/api/products/{*}']);
    const found = check([...t.checkout, ...t.catalog, ...t.cluster]);
    expect(found.map((f) => [f.code, f.field])).toEqual([['MESH604', 'data.calls.yaml[0]']]);
    expect(found[0].message).toContain('2 of the 3 requests that prove it are refused: GET /api/products refused by AuthorizationPolicy catalog/catalog-api-policy');
    expect(found[0].message).toContain('GET /api/products/x/x refused by AuthorizationPolicy catalog/catalog-api-policy');
  });

  test('a record of format remote-calls/v1 (one concrete path per entry) is still read and checked', () => {
    const t = teams();
    const v2 = record(t.checkout);
    const v1Entries = YAML.parse(v2.data['calls.yaml']).map((e: any) => ({ ...e, description: e.description.replace('/*', '/x'), request: { method: e.request.method, path: e.request.paths[1] } }));
    const v1 = { ...v2, metadata: { ...v2.metadata, annotations: { 'mesh.cdk8s.io/format': 'remote-calls/v1' } }, data: { 'calls.yaml': YAML.stringify(v1Entries) } };
    const manifests = [...t.checkout.filter((m) => m !== v2), v1, ...t.catalog, ...t.cluster];
    expect(readCallRecords(manifests).calls.map((c) => c.flow.path)).toEqual(['/api/products/x']);
    expect(check(manifests)).toEqual([]);
  });

  test('a callee that drifted from the record: one MESH608 per difference, naming the record\'s field and the callee\'s value, not a refusal per request', () => {
    // The catalog team moved its container port 8080 -> 8081; the record (and the caller's egress) still say 8080.
    const t = teams(true, ['/api/products/*'], 8081);
    const found = check([...t.checkout, ...t.catalog, ...t.cluster]);
    expect(found.map((f) => [f.code, f.field])).toEqual([['MESH608', 'data.calls.yaml[0].callee.port.targetPort']]);
    expect(found[0].message).toContain('the record says 80 → 8080 (http), but Service catalog/catalog-api has 80 → 8081 (http)');
    expect(found[0].message).toMatch(/^the calls of checkout\/storefront to catalog\/catalog-api:80 \(storefront calls catalog\/catalog-api GET \/api\/products\/\*\): /);
    expect(found[0].message).not.toContain('refused by');
    // Pod labels that select none of the Service's pods, and a ServiceAccount its pods do not run as.
    const u = teams();
    const [entry] = YAML.parse(record(u.checkout).data['calls.yaml']);
    const drifted = { ...entry, callee: { ...entry.callee, serviceAccount: 'catalog', podLabels: { app: 'catalog' } } };
    const rec = { ...record(u.checkout), data: { 'calls.yaml': YAML.stringify([drifted]) } };
    const labels = check([...u.checkout.filter((m) => m.kind !== 'ConfigMap'), rec, ...u.catalog, ...u.cluster]);
    expect(labels.map((f) => [f.code, f.field])).toEqual([
      ['MESH608', 'data.calls.yaml[0].callee.podLabels'], ['MESH608', 'data.calls.yaml[0].callee.serviceAccount'],
    ]);
    expect(labels[0].message).toContain('the record\'s pod labels app=catalog select no pod of Service catalog/catalog-api (it selects app=catalog-api)');
    expect(labels[1].message).toContain('the record says its pods run as ServiceAccount catalog, but the pods of Service catalog/catalog-api run as catalog-api');
  });

  test('a record that says its callee runs no sidecar, against a callee whose pods run one: MESH608 on callee.sidecar', () => {
    const t = teams();
    const [entry] = YAML.parse(record(t.checkout).data['calls.yaml']);
    expect(entry.callee).not.toHaveProperty('sidecar');
    const rec = (callee: object) => ({ ...record(t.checkout), data: { 'calls.yaml': YAML.stringify([{ ...entry, callee: { ...entry.callee, ...callee } }]) } });
    const found = check([...t.checkout.filter((m) => m.kind !== 'ConfigMap'), rec({ sidecar: false }), ...t.catalog, ...t.cluster]);
    expect(found.map((f) => [f.code, f.field])).toEqual([['MESH608', 'data.calls.yaml[0].callee.sidecar']]);
    expect(found[0].message).toContain('the record says its pods run no sidecar (sidecar: false, plaintext), but the pods of Service catalog/catalog-api run one');
    // `sidecar: true` says what its absence says; anything else is a malformed record (MESH606).
    expect(check([...t.checkout.filter((m) => m.kind !== 'ConfigMap'), rec({ sidecar: true }), ...t.catalog, ...t.cluster])).toEqual([]);
    const bad = check([...t.checkout.filter((m) => m.kind !== 'ConfigMap'), rec({ sidecar: 'no' }), ...t.cluster]);
    expect(bad.map((f) => [f.code, f.field])).toEqual([['MESH606', 'data.calls.yaml[0].callee.sidecar']]);
  });

  test('the callee\'s namespace given without its Service: the call has nothing to reach (MESH604)', () => {
    const t = teams();
    const [f] = check([...t.checkout, ...t.catalog.filter((m) => m.kind !== 'Service'), ...t.cluster]);
    expect(f.message).toContain('the manifests of namespace catalog are given but hold no Service catalog-api');
  });

  test('a callee Flagger releases: the record must say so (releasedByFlagger), else MESH608 names the fix; said, the call is proved', () => {
    // Flagger renames app on the primary's pods to <name>-primary (fluxcd/flagger pkg/canary/util.go, makePrimaryLabels) and its
    // VirtualService sends the apex's callers to <name>-primary and <name>-canary (pkg/router/istio.go).
    const released = (releasedByFlagger: boolean) => {
      const checkoutApp = new MeshApp({ outdir: Testing.app().outdir });
      const catalogApp = new MeshApp({ outdir: Testing.app().outdir });
      const checkout = new MeshChart(checkoutApp, 'checkout', { namespace: 'checkout' });
      const catalog = new MeshChart(catalogApp, 'catalog', { namespace: 'catalog' });
      const api = new MeshService(catalog, 'catalog-api', { image: 'registry.example.com/catalog-api:1.0.0' });
      new FlaggerCanary(catalog, 'catalog-api-canary', { service: api, stepWeight: 10 });
      api.admits(RemoteCaller.workload({ name: 'storefront', namespace: 'checkout' }), { methods: ['GET'], paths: ['/api/products/*'] });
      const storefront = new MeshService(checkout, 'storefront', { image: 'registry.example.com/storefront:1.0.0' });
      storefront.calls(new RemoteService(checkout, 'catalog-api', { namespace: 'catalog', releasedByFlagger, ports: [{ port: 80, targetPort: 8080 }] }), {
        methods: ['GET'], paths: ['/api/products/*'],
      });
      const folder = (a: MeshApp, name: string) => a.manifests().filter((f) => f.path.startsWith(`${name}/`)).map((f) => f.manifest);
      return [...folder(checkoutApp, 'checkout'), ...folder(catalogApp, 'catalog'), ...folder(checkoutApp, 'cluster')];
    };
    const found = check(released(false));
    expect(found.map((f) => [f.code, f.field])).toEqual([['MESH608', 'data.calls.yaml[0].callee.podLabels']]);
    expect(found[0].message).toContain('the record\'s pod labels app=catalog-api select no pod of Service catalog/catalog-api (it selects app=catalog-api-primary): '
      + 'Flagger releases catalog-api (a Canary of catalog), so declare its RemoteService with releasedByFlagger: true');
    expect(check(released(true))).toEqual([]);
  });

  test('a callee that moved to another namespace of the folders and admits the caller there: MESH608 on callee.namespace, not silence', () => {
    // The record still calls catalog/catalog-api; no folder holds catalog, and catalog-v2's catalog-api admits checkout's storefront.
    const moved = (admit: boolean) => {
      const checkoutApp = new MeshApp({ outdir: Testing.app().outdir });
      const catalogApp = new MeshApp({ outdir: Testing.app().outdir });
      const checkout = new MeshChart(checkoutApp, 'checkout', { namespace: 'checkout' });
      const catalog = new MeshChart(catalogApp, 'catalog-v2', { namespace: 'catalog-v2' });
      const api = new MeshService(catalog, 'catalog-api', { image: 'registry.example.com/catalog-api:1.0.0' });
      if (admit) api.admits(RemoteCaller.workload({ name: 'storefront', namespace: 'checkout' }), { methods: ['GET'], paths: ['/api/products/*'] });
      const storefront = new MeshService(checkout, 'storefront', { image: 'registry.example.com/storefront:1.0.0' });
      storefront.calls(new RemoteService(checkout, 'catalog-api', { namespace: 'catalog', ports: [{ port: 80, targetPort: 8080 }] }), {
        methods: ['GET'], paths: ['/api/products/*'],
      });
      const folder = (a: MeshApp, name: string) => a.manifests().filter((f) => f.path.startsWith(`${name}/`)).map((f) => f.manifest);
      return [...folder(checkoutApp, 'checkout'), ...folder(catalogApp, 'catalog-v2'), ...folder(checkoutApp, 'cluster')];
    };
    const found = check(moved(true));
    expect(found.map((f) => [f.code, f.field])).toEqual([['MESH608', 'data.calls.yaml[0].callee.namespace']]);
    expect(found[0].message).toContain('no folder given holds namespace catalog, while Service catalog-v2/catalog-api admits checkout\'s calls '
      + '(AuthorizationPolicy catalog-v2/catalog-api-policy): the callee moved');
    expect(found[0].message).toContain('declare its RemoteService with namespace catalog-v2');
    // A Service of that name elsewhere that does not admit the caller is another service: the callee's folder was not given.
    expect(check(moved(false))).toEqual([]);
  });

  test('a caller whose egress is gone: refused on its own side, with or without the callee\'s folder', () => {
    const t = teams();
    const cut = t.checkout.map((m) =>
      m.kind === 'NetworkPolicy' && m.metadata.name === 'storefront' ? { ...m, spec: { ...m.spec, egress: m.spec.egress.slice(1) } } : m,
    );
    expect(check([...cut, ...t.cluster])[0]).toMatchObject({
      code: 'MESH604',
      verdict: { decidedBy: { layer: 'NetworkPolicy egress', name: 'storefront' } },
    });
    expect(check([...cut, ...t.catalog, ...t.cluster])[0]).toMatchObject({
      code: 'MESH604',
      verdict: { decidedBy: { layer: 'NetworkPolicy egress' } },
    });
  });
});

describe('malformed records (MESH606)', () => {
  const t = teams();
  const withRecord = (change: (r: Manifest) => Manifest) => [
    ...t.checkout.filter((m) => m.kind !== 'ConfigMap'),
    change(record(t.checkout)),
    ...t.cluster,
  ];
  const entries = YAML.parse(record(t.checkout).data['calls.yaml']);
  const withEntries = (list: unknown) => withRecord((r) => ({ ...r, data: { 'calls.yaml': YAML.stringify(list) } }));

  test.each([
    [
      'another format version',
      withRecord((r) => ({ ...r, metadata: { ...r.metadata, annotations: { 'mesh.cdk8s.io/format': 'remote-calls/v3' } } })),
      "metadata.annotations.mesh.cdk8s.io/format: 'remote-calls/v3' is not remote-calls/v1 or remote-calls/v2",
    ],
    ['no calls.yaml', withRecord((r) => ({ ...r, data: {} })), 'data.calls.yaml: is not a list of calls'],
    ['not YAML', withRecord((r) => ({ ...r, data: { 'calls.yaml': 'a: [1, 2' } })), 'data.calls.yaml: not YAML'],
    ['an entry without its caller', withEntries([{ ...entries[0], caller: '' }]), 'data.calls.yaml[0].caller: must be a non-empty string'],
    [
      'a callee without pod labels',
      withEntries([{ ...entries[0], callee: { ...entries[0].callee, podLabels: {} } }]),
      'data.calls.yaml[0].callee.podLabels: must be a non-empty map of labels',
    ],
    [
      'a port out of range',
      withEntries([{ ...entries[0], callee: { ...entries[0].callee, port: { name: 'http', port: 80, targetPort: 70000 } } }]),
      'data.calls.yaml[0].callee.port: must be',
    ],
    [
      'an unknown protocol',
      withEntries([{ ...entries[0], request: { protocol: 'QUIC' } }]),
      "data.calls.yaml[0].request.protocol: 'QUIC' is not TCP, TLS or UDP",
    ],
    [
      'a malformed request',
      withEntries([{ ...entries[0], request: { method: 'FETCH', path: '/', paths: ['/'] } }]),
      "data.calls.yaml[0].request: method: 'FETCH' is not an HTTP method",
    ],
  ])('%s', (_name, manifests, message) => {
    const found = check(manifests);
    expect(found.map((f) => f.code)).toEqual(['MESH606']);
    expect(`${found[0].field}: ${found[0].message}`).toContain(message);
  });
});
