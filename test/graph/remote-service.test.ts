// Services of other teams: the caller's side of a call to a RemoteService (Sidecar host
// `<namespace>/<host>`: https://istio.io/latest/docs/reference/config/networking/sidecar/#IstioEgressListener;
// a NetworkPolicy peer that is namespaceSelector AND podSelector:
// https://kubernetes.io/docs/concepts/services-networking/network-policies/#behavior-of-to-and-from-selectors),
// the record of the call, and the callee's admission of a RemoteCaller (an ALLOW rule on its principal:
// https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source).
import { ApiObject, JsonPatch } from 'cdk8s';
import * as YAML from 'yaml';
import {
  ExportTo, FlaggerCanary, MeshChart, MeshService, MtlsMode, RemoteCaller, RemoteService, REMOTE_CALLS_FORMAT, ServicePortOptions, ServiceSecurity,
} from '../../src';
import { find, meshChart, synth, synthError } from '../util';

/** A checkout chart whose storefront calls the catalog team's catalog-api. */
function checkout(ports: ServicePortOptions[] = [{ port: 80, targetPort: 8080, protocol: 'http' }]) {
  const { app, chart } = meshChart({ namespace: 'checkout' }, 'checkout');
  const storefront = new MeshService(chart, 'storefront', { image: 'registry.example.com/storefront:1.0.0' });
  const catalog = new RemoteService(chart, 'catalog-api', { namespace: 'catalog', ports });
  return { app, chart, storefront, catalog };
}

const entries = (out: Record<string, any>[], name = 'checkout-remote-calls') => YAML.parse(find(out, 'ConfigMap', name).data['calls.yaml']);

describe('RemoteService: the caller\'s side', () => {
  test('the Sidecar imports the callee\'s host from its namespace, the NetworkPolicy lets the call out to its pods, and the call is recorded', () => {
    const { app, storefront, catalog } = checkout();
    storefront.calls(catalog, { methods: ['GET'], paths: ['/api/products/*'] });
    const out = synth(app);
    expect({
      sidecarEgress: find(out, 'Sidecar', 'storefront').spec.egress,
      networkPolicyEgress: find(out, 'NetworkPolicy', 'storefront').spec.egress,
      record: find(out, 'ConfigMap', 'checkout-remote-calls'),
    }).toMatchSnapshot();
    expect(find(out, 'Sidecar', 'storefront').spec.egress[0].hosts).toEqual(['catalog/catalog-api.catalog.svc.cluster.local']);
    expect(find(out, 'NetworkPolicy', 'storefront').spec.egress[0]).toEqual({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'catalog' } }, podSelector: { matchLabels: { app: 'catalog-api' } } }],
      ports: [{ port: 8080, protocol: 'TCP' }],
    });
    // The record: a ConfigMap of the caller's namespace, in the documented format and version.
    const record = find(out, 'ConfigMap', 'checkout-remote-calls');
    expect(record.metadata).toMatchObject({ namespace: 'checkout', labels: { 'mesh.cdk8s.io/record': 'remote-calls' }, annotations: { 'mesh.cdk8s.io/format': REMOTE_CALLS_FORMAT } });
    expect(entries(out)).toEqual([{
      caller: 'checkout/storefront', description: 'storefront calls catalog/catalog-api GET /api/products/*',
      source: { workload: 'storefront', namespace: 'checkout' },
      callee: { service: 'catalog-api', namespace: 'catalog', serviceAccount: 'catalog-api', podLabels: { app: 'catalog-api' }, port: { name: 'http', port: 80, targetPort: 8080 } },
      // The path as declared, and the requests that prove what it admits: the collection path and a deeper one too.
      request: { method: 'GET', path: '/api/products/*', paths: ['/api/products', '/api/products/x', '/api/products/x/x'] },
    }]);
    // Nothing of the callee's is written here, and the call is checked from the record, not twice.
    expect(out.filter((m) => m.metadata?.namespace === 'catalog')).toEqual([]);
    expect(storefront.chart.intendedFlows().filter((f) => f.host.includes('catalog'))).toEqual([]);
  });

  test('a service without a sidecar (sidecar: false): the record says so, a meshed one\'s record has no such field', () => {
    const { app, chart, storefront, catalog } = checkout();
    const vault = new RemoteService(chart, 'vault', { namespace: 'vault', sidecar: false, ports: [{ port: 8200, targetPort: 8200, protocol: 'http' }] });
    expect([catalog.sidecar, vault.sidecar]).toEqual([true, false]);
    storefront.calls(catalog, { methods: ['GET'] });
    storefront.calls(vault, { methods: ['GET'], paths: ['/v1/secret/*'] });
    const out = synth(app);
    const [meshed, plain] = [entries(out).find((e: any) => e.callee.service === 'catalog-api'), entries(out).find((e: any) => e.callee.service === 'vault')];
    expect(meshed.callee).not.toHaveProperty('sidecar');
    expect(plain.callee).toEqual({
      service: 'vault', namespace: 'vault', serviceAccount: 'vault', podLabels: { app: 'vault' }, sidecar: false,
      port: { name: 'http', port: 8200, targetPort: 8200 },
    });
    // Nothing of the caller's sends Istio mTLS to its host: no DestinationRule names it (auto mTLS sends plaintext to a
    // non-istio endpoint), and the PeerAuthentication is the caller's inbound side only.
    const rules = out.filter((m) => m.kind === 'DestinationRule');
    expect(rules.length).toBeGreaterThan(0);
    expect(rules.filter((m) => /vault|\*/.test(m.spec.host))).toEqual([]);
  });

  test('MESH245: a rule that names a service without a sidecar as a caller, which holds no identity', () => {
    const { app, chart, storefront } = checkout();
    const vault = new RemoteService(chart, 'vault', { namespace: 'vault', sidecar: false, ports: [{ port: 8200, targetPort: 8200, protocol: 'http' }] });
    ServiceSecurity.of(storefront).allow({ from: [{ services: [vault] }] });
    expect(synthError(app)).toMatch(/allow\[0\]\.from\[0\]\.services\[0\]: remote service vault\/vault runs no sidecar \(sidecar: false\), so its calls are plaintext.*\[MESH245\]/);
    // The same service with its sidecar is named by its principal, as any other.
    const meshed = checkout();
    const withSidecar = new RemoteService(meshed.chart, 'vault', { namespace: 'vault', ports: [{ port: 8200, targetPort: 8200, protocol: 'http' }] });
    ServiceSecurity.of(meshed.storefront).allow({ from: [{ services: [withSidecar] }] });
    let message = '';
    try { meshed.app.manifests(); } catch (e) { message = (e as Error).message; }
    expect(message).not.toContain('MESH245');
  });

  test('a call to a TCP port is recorded as one connection; one with methods says they match no TCP rule', () => {
    const { app, storefront, catalog } = checkout([{ port: 5432, targetPort: 5432, protocol: 'tcp' }]);
    storefront.calls(catalog);
    expect(entries(synth(app))).toEqual([expect.objectContaining({ description: 'storefront calls catalog/catalog-api on 5432/TCP', request: { protocol: 'TCP' } })]);
  });

  test('a gRPC call that names no method or path is recorded as a POST of any path, as inside the app', () => {
    const { app, chart, storefront } = checkout();
    storefront.calls(new RemoteService(chart, 'events', { namespace: 'catalog', ports: [{ port: 9090, protocol: 'grpc' }] }));
    expect(entries(synth(app)).map((e: any) => [e.description, e.request])).toEqual([
      ['storefront calls catalog/events POST *', { method: 'POST', path: '*', paths: ['/'] }],
    ]);
  });

  test('the pod labels and ServiceAccount the callee\'s team uses are typed data', () => {
    const { app, chart, storefront } = checkout();
    const search = new RemoteService(chart, 'search', { name: 'search-api', namespace: 'search', serviceAccount: 'search-sa', podLabels: { 'app.kubernetes.io/name': 'search-api' }, ports: [{ port: 9090, protocol: 'grpc' }] });
    storefront.calls(search, { methods: ['POST'], paths: ['/search.v1.Search/*'] });
    const out = synth(app);
    expect(find(out, 'NetworkPolicy', 'storefront').spec.egress[0].to[0].podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'search-api' } });
    expect(entries(out)[0].callee).toMatchObject({ service: 'search-api', serviceAccount: 'search-sa', port: { name: 'grpc', port: 9090, targetPort: 9090 } });
    expect(search.principal.toString()).toBe('cluster.local/ns/search/sa/search-sa');
  });

  test('a service Flagger releases (releasedByFlagger): the Sidecar imports its -primary and -canary hosts, the egress selects the pods Flagger keeps labelled', () => {
    // Flagger's VirtualService routes <name> to <name>-primary and <name>-canary (fluxcd/flagger pkg/router/istio.go): a Sidecar
    // that imports <name> alone has no cluster for them (503 NR). The primary's pods carry app: <name>-primary
    // (pkg/canary/util.go, makePrimaryLabels) and keep app.kubernetes.io/name.
    const { app, chart, storefront } = checkout();
    const pricing = new RemoteService(chart, 'pricing', { namespace: 'catalog', releasedByFlagger: true, ports: [{ port: 9090, protocol: 'grpc' }] });
    storefront.calls(pricing, { methods: ['POST'], paths: ['/pricing.v1.Prices/*'] });
    const out = synth(app);
    expect(find(out, 'Sidecar', 'storefront').spec.egress[0].hosts).toEqual([
      'catalog/pricing-canary.catalog.svc.cluster.local', 'catalog/pricing-primary.catalog.svc.cluster.local', 'catalog/pricing.catalog.svc.cluster.local',
    ]);
    expect(find(out, 'NetworkPolicy', 'storefront').spec.egress[0].to[0].podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'pricing' } });
    expect(entries(out)[0].callee.podLabels).toEqual({ 'app.kubernetes.io/name': 'pricing' });
  });

  test('MESH605: a service Flagger releases selected by app: <name>, which Flagger renames on the primary\'s pods', () => {
    const { app, chart, storefront } = checkout();
    storefront.calls(new RemoteService(chart, 'pricing', { namespace: 'catalog', releasedByFlagger: true, podLabels: { app: 'pricing' }, ports: [{ port: 9090, protocol: 'grpc' }] }));
    expect(synthError(app)).toMatch(/\[checkout\/pricing\] podLabels\['app'\]: 'pricing' selects only the canary's pods of a service Flagger releases.*'pricing-primary'.*\[MESH605\]/);
  });

  test('synth proves the caller\'s side from the record: a NetworkPolicy that no longer lets the call out fails, naming both sides (MESH604)', () => {
    const { app, storefront, catalog } = checkout();
    storefront.calls(catalog, { methods: ['GET'], paths: ['/api/products/*'] });
    ApiObject.of(ServiceSecurity.of(storefront).networkPolicy).addJsonPatch(JsonPatch.remove('/spec/egress/0'));
    expect(synthError(app)).toMatch(new RegExp(
      '\\[checkout/storefront\\] checkout/ConfigMap/checkout-remote-calls: data\\.calls\\.yaml\\[0\\]: storefront calls catalog/catalog-api GET /api/products/\\* '
      + '\\[caller checkout/storefront, construct checkout/storefront; callee Service catalog/catalog-api:80\\]: refused by NetworkPolicy checkout/storefront \\(NetworkPolicy egress\\).*\\[MESH604\\]'));
  });

  test.each([
    ['no ports', { ports: [] }, /\[checkout\/search\] ports: a remote service needs the ports its callers call \[MESH605\]/],
    ['empty pod labels', { podLabels: {} }, /podLabels: empty: remote service catalog\/search would stand for every pod of namespace catalog \[MESH605\]/],
    ['a pod label value that is not one', { podLabels: { app: 'not a value' } }, /podLabels\['app'\]: 'not a value' is not a valid label value \[MESH605\]/],
    ['a namespace that is not a DNS label', { namespace: 'Catalog' }, /namespace: 'Catalog' is not a DNS-1123 label.*\[MESH001\]/],
    ['a port name outside the protocol convention', { ports: [{ port: 80, name: 'web' }] }, /ports\[0\]\.name: port name 'web' does not start with a protocol.*\[MESH003\]/],
  ])('%s fails synth with the construct path', (_name, props, error) => {
    const { app, chart } = meshChart({ namespace: 'checkout' }, 'checkout');
    const storefront = new MeshService(chart, 'storefront', { image: 'registry.example.com/storefront:1.0.0' });
    storefront.calls(new RemoteService(chart, 'search', { namespace: 'catalog', ports: [{ port: 80 }], ...props } as never));
    expect(synthError(app)).toMatch(error);
  });

  test('in one build with the callee\'s own chart, what it says must be what the callee is (MESH605)', () => {
    const { app, chart } = meshChart({ namespace: 'checkout' }, 'checkout');
    const storefront = new MeshService(chart, 'storefront', { image: 'registry.example.com/storefront:1.0.0' });
    const catalogChart = new MeshChart(app, 'catalog', { namespace: 'catalog' });
    new MeshService(catalogChart, 'catalog-api', { image: 'registry.example.com/catalog-api:1.0.0' });
    storefront.calls(new RemoteService(chart, 'catalog', { name: 'catalog-api', namespace: 'catalog', serviceAccount: 'catalog', ports: [{ port: 80, targetPort: 9000 }] }));
    const error = synthError(app);
    expect(error).toMatch(/\[checkout\/catalog\] serviceAccount: says catalog, but catalog\/catalog-api has catalog-api \[MESH605\]/);
    expect(error).toMatch(/ports\[0\]: says 80 → 9000 \(http\), but catalog\/catalog-api has 80 → 8080 \(http\) \[MESH605\]/);
  });

  test('in one build, releasedByFlagger must say whether the callee\'s own chart releases it with a FlaggerCanary (MESH605)', () => {
    const { app, chart } = meshChart({ namespace: 'checkout' }, 'checkout');
    const storefront = new MeshService(chart, 'storefront', { image: 'registry.example.com/storefront:1.0.0' });
    const catalogChart = new MeshChart(app, 'catalog', { namespace: 'catalog' });
    const api = new MeshService(catalogChart, 'catalog-api', { image: 'registry.example.com/catalog-api:1.0.0' });
    new FlaggerCanary(catalogChart, 'catalog-api-canary', { service: api, stepWeight: 10 });
    storefront.calls(new RemoteService(chart, 'catalog-api', { namespace: 'catalog', podLabels: { 'app.kubernetes.io/name': 'catalog-api' }, ports: [{ port: 80, targetPort: 8080 }] }));
    expect(synthError(app)).toMatch(/\[checkout\/catalog-api\] releasedByFlagger: says false, but catalog\/catalog-api has a FlaggerCanary \[MESH605\]/);
  });
});

describe('RemoteCaller and admits: the callee\'s side', () => {
  function catalog() {
    const { app, chart } = meshChart({ namespace: 'catalog' }, 'catalog');
    const api = new MeshService(chart, 'catalog-api', { image: 'registry.example.com/catalog-api:1.0.0', ports: [{ port: 80, targetPort: 8080 }, { port: 9090, protocol: 'grpc' }] });
    return { app, chart, api };
  }
  const storefront = RemoteCaller.workload({ name: 'storefront', namespace: 'checkout' });

  test('an ALLOW rule for the caller\'s principal and NetworkPolicy ingress from its namespace AND pods', () => {
    const { app, api } = catalog();
    api.admits(storefront, { methods: ['GET'], paths: ['/api/products/*'], port: 80 });
    const out = synth(app);
    expect(find(out, 'AuthorizationPolicy', 'catalog-api-policy').spec.rules[0]).toEqual({
      from: [{ source: { principals: ['cluster.local/ns/checkout/sa/storefront'] } }],
      // With its collection path, as a declared call's rule: GET /api/products lists them.
      to: [{ operation: { methods: ['GET'], paths: ['/api/products', '/api/products/*'], ports: ['8080'] } }],
    });
    expect(find(out, 'NetworkPolicy', 'catalog-api').spec.ingress[0]).toEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'checkout' } }, podSelector: { matchLabels: { app: 'storefront' } } }],
      ports: [{ port: 8080, protocol: 'TCP' }],
    });
    expect(ServiceSecurity.of(api).remoteCallers).toEqual([storefront]);
  });

  test('without a port, every port of the service; the flow from the caller\'s pods is intended and proven at synth', () => {
    const { app, chart, api } = catalog();
    api.admits(storefront, { methods: ['GET'], paths: ['/api/products/*'] });
    const out = synth(app);
    expect(find(out, 'NetworkPolicy', 'catalog-api').spec.ingress[0].ports).toEqual([{ port: 8080, protocol: 'TCP' }, { port: 9090, protocol: 'TCP' }]);
    const source = { platform: { name: 'storefront', namespace: 'checkout', labels: { app: 'storefront' }, serviceAccount: 'storefront', meshed: true } };
    expect(chart.intendedFlows().filter((f) => f.description.includes('admits'))).toEqual(['/api/products', '/api/products/x'].map((path) => expect.objectContaining({
      source, host: 'catalog-api.catalog.svc.cluster.local', port: 80, method: 'GET', path, description: `catalog-api admits checkout/storefront GET ${path}`,
    })));
    // GIVEN the rule patched away THEN synth fails on the admission's flow (MESH600)
    ApiObject.of(ServiceSecurity.of(api).authorizationPolicy).addJsonPatch(JsonPatch.remove('/spec/rules/0'));
    expect(synthError(app)).toMatch(/\[catalog\/catalog-api\] .*catalog-api admits checkout\/storefront GET \/api\/products\/x: refused by AuthorizationPolicy catalog\/catalog-api-policy.*\[MESH600\]/);
  });

  test('a hand-written CronJob of the app, admitted by its pods and ServiceAccount: its flow is the declared one, not an undeclared open pair (MESH602)', () => {
    const { app, chart, api } = catalog();
    // The job as a team writes it beside its services: its own ServiceAccount and label, hardened, with a NetworkPolicy out to istiod,
    // DNS and the service (MESH609 otherwise); what it may call is the service's admission of it.
    const template = {
      metadata: { labels: { app: 'reindex' }, annotations: { 'sidecar.istio.io/nativeSidecar': 'true' } },
      spec: {
        serviceAccountName: 'reindex', automountServiceAccountToken: false, restartPolicy: 'Never', securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
        containers: [{
          name: 'reindex', image: 'registry.example.com/reindex:1.0.0',
          securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
          resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '100m', memory: '128Mi' } },
        }],
      },
    };
    new ApiObject(chart, 'reindex-sa', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'reindex', namespace: 'catalog' } });
    new ApiObject(chart, 'reindex', {
      apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'reindex', namespace: 'catalog' },
      spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template } } },
    });
    const peer = (ns: string, labels: Record<string, string>) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } }, podSelector: { matchLabels: labels } });
    new ApiObject(chart, 'reindex-egress', {
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'reindex', namespace: 'catalog' },
      spec: {
        podSelector: { matchLabels: { app: 'reindex' } }, policyTypes: ['Egress'],
        egress: [
          { to: [peer('kube-system', { 'k8s-app': 'kube-dns' })], ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] },
          { to: [peer('istio-system', { app: 'istiod' })], ports: [{ port: 15012, protocol: 'TCP' }] },
          { to: [{ podSelector: { matchLabels: { app: 'catalog-api' } } }], ports: [{ port: 8080, protocol: 'TCP' }] },
        ],
      },
    });
    api.admits(RemoteCaller.workload({ name: 'reindex', namespace: 'catalog', podLabels: { app: 'reindex' } }), { methods: ['POST'], paths: ['/api/reindex'], port: 80 });
    const out = synth(app);
    expect(find(out, 'AuthorizationPolicy', 'catalog-api-policy').spec.rules[0].from).toEqual([{ source: { principals: ['cluster.local/ns/catalog/sa/reindex'] } }]);
  });

  test('a caller admitted to POST counts as a declared caller: the service retries only what never reached it (MESH111, MESH662)', () => {
    const { app, api } = catalog();
    api.admits(storefront, { methods: ['POST'], paths: ['/api/orders/*'] });
    expect(find(synth(app), 'VirtualService', 'catalog-api').spec.http[0].retries.retryOn).toBe('reset-before-request,connect-failure');
    expect(ServiceSecurity.of(api).remoteAdmissions).toEqual([{ caller: storefront, options: { methods: ['POST'], paths: ['/api/orders/*'] } }]);
  });

  test('a caller with a ServiceAccount and labels of its own, in the platform\'s trust domain', () => {
    const { app, api } = catalog();
    api.admits(RemoteCaller.workload({ name: 'batch', namespace: 'jobs', serviceAccount: 'batch-runner', podLabels: { team: 'jobs' } }));
    const out = synth(app);
    expect(find(out, 'AuthorizationPolicy', 'catalog-api-policy').spec.rules[0]).toEqual({ from: [{ source: { principals: ['cluster.local/ns/jobs/sa/batch-runner'] } }] });
    expect(find(out, 'NetworkPolicy', 'catalog-api').spec.ingress[0].from[0].podSelector).toEqual({ matchLabels: { team: 'jobs' } });
  });

  test.each([
    ['a port the service lacks', (api: MeshService) => api.admits(storefront, { port: 8443 }), /admits\[0\]\.port: 8443 is not a port of catalog-api \(80, 9090\) \[MESH605\]/],
    ['a caller admitted twice', (api: MeshService) => { api.admits(storefront); api.admits(storefront); }, /admits\[1\]: checkout\/storefront is admitted twice.*\[MESH605\]/],
    ['a path AuthorizationPolicy refuses', (api: MeshService) => api.admits(storefront, { paths: ['/api/*/x'] }), /admits\[0\]\.to\[0\]\.operation\.paths\[0\]: .*\[MESH\d{3}\]/],
  ])('%s fails synth', (_name, act, error) => {
    const { app, api } = catalog();
    act(api);
    expect(synthError(app)).toMatch(error);
  });

  test('a caller admitted by principal on a PERMISSIVE workload passes: a plaintext request never matches its principal', () => {
    const { app, api } = catalog();
    ServiceSecurity.of(api).setMtls(MtlsMode.permissive());
    api.admits(storefront);
    expect(find(synth(app), 'AuthorizationPolicy', 'catalog-api-policy').spec.rules[0].from).toEqual([{ source: { principals: ['cluster.local/ns/checkout/sa/storefront'] } }]);
  });

  // An ALLOW rule's HTTP fields never match TCP traffic (authorization-policy/#Operation): such an admission admits nothing,
  // and says so at the construct, as a call with methods on a TCP port does (MESH042).
  test.each([
    ['on a TCP port', [{ port: 80 }, { port: 9092, protocol: 'tcp' as const, name: 'tcp-kafka' }], { methods: ['GET' as const], port: 9092 },
      /\[catalog\/broker\/Security\] admits\[0\]: port 9092 of broker is tcp; methods and paths are HTTP-only, so the rule would admit nothing \[MESH042\]/],
    ['on a service with no HTTP port', [{ port: 9092, protocol: 'tcp' as const, name: 'tcp-kafka' }], { paths: ['/topics/*'] },
      /\[catalog\/broker\/Security\] admits\[0\]: broker has no HTTP port; methods and paths are HTTP-only.*\[MESH042\]/],
  ])('methods or paths %s fail synth', (_name, ports, options, error) => {
    const { app, chart } = meshChart({ namespace: 'catalog' }, 'catalog');
    const broker = new MeshService(chart, 'broker', { image: 'registry.example.com/broker:1.0.0', ports });
    broker.admits(storefront, options);
    expect(synthError(app)).toMatch(error);
  });

  test.each([
    [{ name: 'Storefront', namespace: 'checkout' }, /remote caller checkout\/Storefront: name: 'Storefront' is not a DNS-1123 label.*\[MESH001\]/],
    [{ name: 'storefront', namespace: 'checkout', podLabels: {} }, /podLabels: empty: .*\[MESH605\]/],
    [{ name: 'storefront', namespace: 'checkout', serviceAccount: 'Store' }, /serviceAccount: 'Store' is not a DNS-1123 label.*\[MESH001\]/],
  ])('RemoteCaller.workload(%j) throws at once', (props, error) => {
    expect(() => RemoteCaller.workload(props)).toThrow(error);
  });
});

test("MESH038: admitting a caller from a namespace the service's exportTo hides it from (its sidecars have no route to it)", () => {
  const build = (exportTo: ExportTo) => {
    const { app, chart } = meshChart({ namespace: 'catalog' }, 'catalog');
    const api = new MeshService(chart, 'catalog-api', { image: 'registry.example.com/catalog-api:1.0.0', exportTo });
    api.admits(RemoteCaller.workload({ name: 'storefront', namespace: 'checkout' }), { methods: ['GET'] });
    return app;
  };
  expect(synthError(build(ExportTo.sameNamespace()))).toMatch(
    /\[catalog\/catalog-api\/Security\] admits\[0\]: admits checkout\/storefront, but catalog-api's exportTo hides it from namespace checkout.*\[MESH038\]/);
  expect(() => synth(build(ExportTo.namespaces(['catalog', 'checkout'])))).not.toThrow();
});
