// The remote-calls record (format remote-calls/v1, src/core/remote-calls.ts) read back from manifests
// and checked: over the caller's manifests alone, the caller's side (Sidecar, NetworkPolicy egress); with the
// callee's namespace among them, the callee's NetworkPolicy, mTLS and AuthorizationPolicy too.
import { Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { FlowEvaluator, Manifest, platformFlowOptions, readCallRecords, recordedCallFindings } from '../../../src/validate';
import { MeshApp, MeshChart, MeshPlatform, MeshService, RemoteCaller, RemoteService } from '../../../src';

/** Both teams in one build: checkout's storefront calls catalog's catalog-api, which admits it unless told not to. */
function teams(admit = true): { checkout: Manifest[]; catalog: Manifest[]; cluster: Manifest[] } {
  // Two teams, two repositories: each its own app (one app would check both as one cluster at synth).
  const checkoutApp = new MeshApp({ outdir: Testing.app().outdir });
  const catalogApp = new MeshApp({ outdir: Testing.app().outdir });
  const checkout = new MeshChart(checkoutApp, 'checkout', { namespace: 'checkout' });
  const catalog = new MeshChart(catalogApp, 'catalog', { namespace: 'catalog' });
  const api = new MeshService(catalog, 'catalog-api', { image: 'registry.example.com/catalog-api:1.0.0' });
  const storefront = new MeshService(checkout, 'storefront', { image: 'registry.example.com/storefront:1.0.0' });
  storefront.calls(new RemoteService(checkout, 'catalog-api', { namespace: 'catalog', ports: [{ port: 80, targetPort: 8080 }] }), {
    methods: ['GET'],
    paths: ['/api/products/*'],
  });
  if (admit) api.admits(RemoteCaller.workload({ name: 'storefront', namespace: 'checkout' }), { methods: ['GET'], paths: ['/api/products/*'] });
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
    expect(readCallRecords([...t.checkout, ...t.catalog]).calls.map((c) => c.flow.description)).toEqual([
      'storefront calls catalog/catalog-api GET /api/products/x',
    ]);
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
      /^storefront calls catalog\/catalog-api GET \/api\/products\/x \[caller checkout\/storefront, construct checkout\/storefront; callee Service catalog\/catalog-api:80\]: refused by NetworkPolicy catalog\/catalog-api/,
    );
  });

  test('the callee\'s namespace given without its Service: the call has nothing to reach (MESH604)', () => {
    const t = teams();
    const [f] = check([...t.checkout, ...t.catalog.filter((m) => m.kind !== 'Service'), ...t.cluster]);
    expect(f.message).toContain('the manifests of namespace catalog are given but hold no Service catalog-api');
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
      withRecord((r) => ({ ...r, metadata: { ...r.metadata, annotations: { 'mesh.cdk8s.io/format': 'remote-calls/v2' } } })),
      "metadata.annotations.mesh.cdk8s.io/format: 'remote-calls/v2' is not remote-calls/v1",
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
      "data.calls.yaml[0].request.protocol: 'QUIC' is not TCP or TLS",
    ],
    [
      'a malformed request',
      withEntries([{ ...entries[0], request: { method: 'FETCH', path: '/' } }]),
      "data.calls.yaml[0].request: method: 'FETCH' is not an HTTP method",
    ],
  ])('%s', (_name, manifests, message) => {
    const found = check(manifests);
    expect(found.map((f) => f.code)).toEqual(['MESH606']);
    expect(`${found[0].field}: ${found[0].message}`).toContain(message);
  });
});
