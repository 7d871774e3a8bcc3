import { analyze } from '../../src/validate/analysis';
import { counted } from '../read-counter';
import { app, authorizationPolicy, deployment, destinationRule, M, peerAuthentication, route, service, serviceAccount, sidecar, virtualService } from './fixtures';

/** The codes `manifests` trigger, with the resource and field of each. */
function codes(manifests: M[]): string[] {
  return analyze(manifests).map((f) => `${f.code} ${f.resource.kind}/${f.resource.name} ${f.field}`).sort();
}

describe('analysis', () => {
  test('a clean set of two services passes every check', () => {
    expect(codes([...app('orders'), ...app('payments')])).toEqual([]);
  });

  test('MESH100: a route to a host with no Service', () => {
    const base = app('orders');
    expect(codes([...base, virtualService('x', [route('nowhere')])])).toEqual(['MESH100 VirtualService/x spec.http[0].route[0].destination.host']);
    // A fully qualified host resolves to the same Service.
    expect(codes([...base, virtualService('x', [route('orders.shop.svc.cluster.local', 'stable')])])).toEqual([]);
    // A ServiceEntry declares an external host.
    const se = { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'ext', namespace: 'shop' }, spec: { hosts: ['api.example.com'], resolution: 'DNS', ports: [{ number: 443, name: 'https', protocol: 'HTTPS' }] } };
    expect(codes([...base, se, virtualService('api.example.com', [route('api.example.com')])])).toEqual([]);
  });

  test('MESH013: a subset the DestinationRule does not define (503 NR)', () => {
    const [svc, sa, dep, dr] = app('orders');
    expect(codes([svc, sa, dep, dr, virtualService('orders', [route('orders', 'canary')])])).toEqual(['MESH013 VirtualService/orders spec.http[0].route[0].destination.subset']);
    expect(codes([svc, sa, dep, dr, virtualService('orders', [route('orders', 'stable')])])).toEqual([]);
    const msg = analyze([svc, sa, dep, dr, virtualService('orders', [route('orders', 'canary')])])[0].message;
    expect(msg).toMatch(/subset 'canary'.*defined: stable.*503 NR/);
  });

  test('MESH102: two VirtualServices for one host; a gateway-only one does not conflict', () => {
    const base = app('orders');
    const second = { ...virtualService('orders-b', [route('orders', 'stable')]), spec: { hosts: ['orders'], http: [route('orders', 'stable')] } };
    // Once, on the second by name, naming the first as related (Istio reports it on both).
    expect(codes([...base, second])).toEqual(['MESH102 VirtualService/orders-b spec.hosts']);
    expect(analyze([...base, second])[0].related).toMatchObject({ kind: 'VirtualService', name: 'orders' });
    const gateway = { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'public', namespace: 'istio-system' }, spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['shop/*'] }] } };
    expect(codes([...base, gateway, { ...second, spec: { ...second.spec, gateways: ['istio-system/public'] } }])).toEqual([]);
  });

  test('MESH103: a destination without a port when the Service has several', () => {
    const two = [{ name: 'http', port: 80 }, { name: 'grpc', port: 9090 }];
    const [, sa, dep, dr] = app('orders');
    expect(codes([service('orders', two), sa, dep, dr, virtualService('orders', [route('orders', 'stable')])]))
      .toEqual(['MESH103 VirtualService/orders spec.http[0].route[0].destination.port']);
    const withPort = virtualService('orders', [{ route: [{ destination: { host: 'orders', subset: 'stable', port: { number: 80 } } }] }]);
    expect(codes([service('orders', two), sa, dep, dr, withPort])).toEqual([]);
    const wrongPort = virtualService('orders', [{ route: [{ destination: { host: 'orders', subset: 'stable', port: { number: 81 } } }] }]);
    expect(codes([service('orders', two), sa, dep, dr, wrongPort])).toEqual(['MESH122 VirtualService/orders spec.http[0].route[0].destination.port.number']);
  });

  test('MESH104: a rule after a match-less rule is unreachable', () => {
    const [svc, sa, dep, dr] = app('orders');
    const qa = { match: [{ headers: { 'x-qa': { exact: '1' } } }], ...route('orders', 'stable') };
    expect(codes([svc, sa, dep, dr, virtualService('orders', [route('orders', 'stable'), qa])])).toEqual(['MESH104 VirtualService/orders spec.http[1]']);
    expect(codes([svc, sa, dep, dr, virtualService('orders', [qa, route('orders', 'stable')])])).toEqual([]);
  });

  test('MESH105: port names outside the protocol convention, unless appProtocol says', () => {
    const [, sa, dep, dr, vs] = app('orders');
    expect(codes([service('orders', [{ name: 'web', port: 80 }]), sa, dep, dr, vs])).toEqual(['MESH105 Service/orders spec.ports[0].name']);
    expect(codes([service('orders', [{ name: 'web', port: 80, appProtocol: 'http' }]), sa, dep, dr, vs])).toEqual([]);
    expect(codes([service('orders', [{ name: 'http-web', port: 80 }]), sa, dep, dr, vs])).toEqual([]);
  });

  test('MESH106: a principal naming a ServiceAccount that does not exist', () => {
    const allow = (principal: string) => authorizationPolicy('orders', { selector: { matchLabels: { app: 'orders' } }, rules: [{ from: [{ source: { principals: [principal] } }] }] });
    expect(codes([...app('orders'), allow('cluster.local/ns/shop/sa/ghost')])).toEqual(['MESH106 AuthorizationPolicy/orders spec.rules[0].from[0].source.principals[0]']);
    expect(codes([...app('orders'), allow('cluster.local/ns/shop/sa/orders')])).toEqual([]);
    // A namespace the set holds nothing of is someone else's: not checked.
    expect(codes([...app('orders'), allow('cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account')])).toEqual([]);
  });

  test('MESH107: a selector that matches no workload', () => {
    const pa = (app: string) => peerAuthentication('orders', { selector: { matchLabels: { app } }, mtls: { mode: 'STRICT' } });
    expect(codes([...app('orders'), pa('ordrs')])).toEqual(['MESH107 PeerAuthentication/orders spec.selector.matchLabels']);
    expect(codes([...app('orders'), pa('orders')])).toEqual([]);
    const sc = (app: string) => sidecar('orders', { workloadSelector: { labels: { app } }, egress: [{ hosts: ['./*'] }] });
    expect(codes([...app('orders'), sc('nope')])).toEqual(['MESH107 Sidecar/orders spec.workloadSelector.labels']);
  });

  test('MESH691: an AuthorizationPolicy that applies to no workload is a warning, as istioctl analyze reports IST0127', () => {
    const ap = authorizationPolicy('orders', { selector: { matchLabels: { app: 'nope' } } });
    expect(codes([...app('orders'), ap])).toEqual(['MESH691 AuthorizationPolicy/orders spec.selector.matchLabels']);
    expect(analyze([...app('orders'), ap]).find((f) => f.code === 'MESH691')?.severity).toBe('warning');
    expect(codes([...app('orders'), authorizationPolicy('orders', { selector: { matchLabels: { app: 'orders' } } })])).toEqual([]);
  });

  test('MESH691 and MESH107: a WorkloadEntry with the labels is a workload (a VM whose sidecar applies them), as the flows read it', () => {
    const vm = (ns = 'shop') => ({
      apiVersion: 'networking.istio.io/v1', kind: 'WorkloadEntry', metadata: { name: 'vm-1', namespace: ns },
      spec: { address: '10.30.0.5', labels: { app: 'vm-app' }, serviceAccount: 'vm-app' },
    });
    const ap = authorizationPolicy('vm-app', { selector: { matchLabels: { app: 'vm-app' } }, action: 'ALLOW' });
    const pa = peerAuthentication('vm-app', { selector: { matchLabels: { app: 'vm-app' } }, mtls: { mode: 'STRICT' } });
    expect(codes([...app('orders'), vm(), ap, pa])).toEqual([]);
    // one of another namespace is not
    expect(codes([...app('orders'), vm('other'), ap, pa])).toEqual([
      'MESH107 PeerAuthentication/vm-app spec.selector.matchLabels',
      'MESH691 AuthorizationPolicy/vm-app spec.selector.matchLabels',
    ]);
  });

  test('MESH108: a DestinationRule that sends plaintext to a STRICT workload', () => {
    const [svc, sa, dep, , vs] = app('orders');
    const plain = destinationRule('orders', [{ name: 'stable', labels: { version: 'v1' } }], { trafficPolicy: { tls: { mode: 'DISABLE' } } });
    const strict = peerAuthentication('default', { mtls: { mode: 'STRICT' } });
    expect(codes([svc, sa, dep, vs, plain, strict])).toEqual(['MESH108 DestinationRule/orders spec.trafficPolicy.tls.mode']);
    expect(codes([svc, sa, dep, vs, plain, peerAuthentication('default', { mtls: { mode: 'PERMISSIVE' } })])).toEqual([]);
    // Mesh-wide STRICT from the root namespace counts too.
    expect(codes([svc, sa, dep, vs, plain, peerAuthentication('default', { mtls: { mode: 'STRICT' } }, 'istio-system')])).toEqual(['MESH108 DestinationRule/orders spec.trafficPolicy.tls.mode']);
  });

  test("MESH108: a port's DISABLE meets the workload's port-level mode on the Service port's target port", () => {
    const [svc, sa, dep, , vs] = app('orders');
    // port 80 goes to container port 8080, where the workload's own policy DISABLEs mTLS
    const atPort = destinationRule('orders', [{ name: 'stable', labels: { version: 'v1' } }],
      { trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' }, portLevelSettings: [{ port: { number: 80 }, tls: { mode: 'DISABLE' } }] } });
    const disabled = peerAuthentication('orders', { selector: { matchLabels: { app: 'orders' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { 8080: { mode: 'DISABLE' } } });
    expect(codes([svc, sa, dep, vs, atPort, disabled])).toEqual([]);
    // STRICT on that port (or a port-level mode of another port) still refuses it
    const other = peerAuthentication('orders', { selector: { matchLabels: { app: 'orders' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { 9090: { mode: 'DISABLE' } } });
    expect(codes([svc, sa, dep, vs, atPort, other])).toEqual(['MESH108 DestinationRule/orders spec.trafficPolicy.portLevelSettings[0].tls.mode']);
    // the whole rule's DISABLE still meets the workload's STRICT
    const plain = destinationRule('orders', [{ name: 'stable', labels: { version: 'v1' } }], { trafficPolicy: { tls: { mode: 'DISABLE' } } });
    expect(codes([svc, sa, dep, vs, plain, disabled])).toEqual(['MESH108 DestinationRule/orders spec.trafficPolicy.tls.mode']);
  });

  test('MESH109: two Sidecars or PeerAuthentications selecting one workload', () => {
    const sc = (name: string) => sidecar(name, { workloadSelector: { labels: { app: 'orders' } }, egress: [{ hosts: ['./*'] }] });
    expect(codes([...app('orders'), sc('a'), sc('b')])).toEqual(['MESH109 Sidecar/a spec.workloadSelector', 'MESH109 Sidecar/b spec.workloadSelector']);
    expect(codes([...app('orders'), sc('a')])).toEqual([]);
    const pa = (name: string) => peerAuthentication(name, { mtls: { mode: 'STRICT' } });
    expect(codes([...app('orders'), pa('a'), pa('b')])).toEqual(['MESH145 PeerAuthentication/a spec.selector', 'MESH145 PeerAuthentication/b spec.selector']);
  });

  test('MESH110: subset labels that match no pod template', () => {
    const [svc, sa, dep, , vs] = app('orders');
    const dr = destinationRule('orders', [{ name: 'stable', labels: { version: 'v1' } }, { name: 'canary', labels: { version: 'v2' } }]);
    expect(codes([svc, sa, dep, vs, dr])).toEqual(['MESH110 DestinationRule/orders spec.subsets[1].labels']);
    expect(codes([svc, sa, dep, deployment('orders', 'v2'), vs, dr])).toEqual([]);
  });

  test('MESH111 (warning): retries on 5xx for a route that serves POST', () => {
    const [svc, sa, dep, dr] = app('orders');
    const retries = { attempts: 3, retryOn: '5xx,reset' };
    const post = virtualService('orders', [{ match: [{ method: { exact: 'POST' } }], retries, ...route('orders', 'stable') }, route('orders', 'stable')]);
    const found = analyze([svc, sa, dep, dr, post]);
    expect(found.map((f) => [f.code, f.field, f.severity])).toEqual([['MESH111', 'spec.http[0].retries.retryOn', 'warning']]);
    const get = virtualService('orders', [{ match: [{ method: { exact: 'GET' } }], retries, ...route('orders', 'stable') }, route('orders', 'stable')]);
    expect(codes([svc, sa, dep, dr, get])).toEqual([]);
    // Without a method match, the methods AuthorizationPolicies allow on the workload decide.
    const any = virtualService('orders', [{ retries, ...route('orders', 'stable') }]);
    const allowPost = authorizationPolicy('orders', { selector: { matchLabels: { app: 'orders' } }, rules: [{ to: [{ operation: { methods: ['POST'] } }] }] });
    // `reset` on the same route is MESH662's (it resends a request that reached the server).
    expect(codes([svc, sa, dep, dr, any, allowPost])).toEqual(['MESH111 VirtualService/orders spec.http[0].retries.retryOn', 'MESH662 VirtualService/orders spec.http[0].retries.retryOn']);
    expect(codes([svc, sa, dep, dr, { ...any, spec: { ...any.spec, http: [{ ...any.spec.http[0], retries: { attempts: 3, retryOn: 'reset-before-request,connect-failure' } }] } }, allowPost])).toEqual([]);
  });

  test('MESH111 (warning): a status the route names, a 409 or a header on the response resend a write the server had, as 5xx does', () => {
    const [svc, sa, dep, dr] = app('orders');
    const on = (retryOn: string) => analyze([svc, sa, dep, dr, virtualService('orders', [
      { match: [{ method: { exact: 'POST' } }], retries: { attempts: 2, retryOn }, ...route('orders', 'stable') }, route('orders', 'stable')])])
      .filter((f) => f.code === 'MESH111').map((f) => f.message);
    // Istio turns a bare status in retryOn into Envoy's retriable-status-codes.
    expect(on('503,connect-failure')).toEqual([expect.stringMatching(/retries on 503 for a route serving POST/)]);
    expect(on('retriable-4xx')).toEqual([expect.stringMatching(/retries on retriable-4xx for/)]);
    expect(on('retriable-status-codes,retriable-headers')).toEqual([expect.stringMatching(/retries on retriable-status-codes,retriable-headers for/)]);
    expect(on('connect-failure,refused-stream,reset-before-request')).toEqual([]);
  });

  test('MESH111 (warning): gRPC retry conditions act on a response\'s grpc-status, so they resend a write the server had', () => {
    const [, sa, dep, dr] = app('ingest');
    const grpcSvc = service('ingest', [{ name: 'grpc', port: 9090 }]);
    const allowPost = authorizationPolicy('ingest', { selector: { matchLabels: { app: 'ingest' } }, rules: [{ to: [{ operation: { methods: ['POST'] } }] }] });
    const on = (retryOn: string, svc = grpcSvc) =>
      analyze([svc, sa, dep, dr, allowPost, virtualService('ingest', [{ retries: { attempts: 2, retryOn }, ...route('ingest', 'stable') }])])
        .filter((f) => f.code === 'MESH111').map((f) => f.message);
    expect(on('unavailable')).toEqual([expect.stringMatching(/retries on unavailable for a route serving POST: a request the server acted on may be applied twice/)]);
    expect(on('internal,cancelled,deadline-exceeded,connect-failure')).toEqual([expect.stringMatching(/retries on internal,cancelled,deadline-exceeded for/)]);
    expect(on('resource-exhausted,5xx')).toEqual([expect.stringMatching(/retries on resource-exhausted,5xx for/)]);
    // Only what never reached the server, and a gRPC status on a Service that speaks HTTP/1.1 alone (no grpc-status ever comes back): nothing.
    expect(on('reset-before-request,connect-failure,refused-stream')).toEqual([]);
    expect(on('unavailable', service('ingest', [{ name: 'http-api', port: 80, targetPort: 8080 }]))).toEqual([]);
    // A port Istio sniffs may carry gRPC.
    expect(on('unavailable', service('ingest', [{ name: 'api', port: 80, targetPort: 8080 }]))).toHaveLength(1);
  });

  test('MESH031: a rule an earlier rule shadows, once, and not where Istio\'s check (MESH104, MESH132) reports it', () => {
    const [svc, sa, dep, dr] = app('orders');
    const to = route('orders', 'stable');
    const vs = (...matches: any[][]) => virtualService('orders', [...matches.map((match, i) => ({ name: `r${i}`, match, ...to })), to]);
    // An exact URI under an earlier prefix, and a method under an earlier rule that asks none: dead, an error.
    expect(codes([svc, sa, dep, dr, vs([{ uri: { prefix: '/api' } }], [{ uri: { exact: '/api/items' }, method: { exact: 'GET' } }])]))
      .toEqual(['MESH031 VirtualService/orders spec.http[1]']);
    expect(analyze([svc, sa, dep, dr, vs([{ uri: { prefix: '/api' } }], [{ uri: { exact: '/api/items' } }])])[0].severity).toBeUndefined();
    // A header the earlier rule asks for, a port it does not take, another gateway: live.
    expect(codes([svc, sa, dep, dr, vs([{ uri: { prefix: '/api' }, headers: { 'x-beta': { exact: '1' } } }], [{ uri: { exact: '/api/items' } }])])).toEqual([]);
    expect(codes([svc, sa, dep, dr, vs([{ uri: { prefix: '/api' }, port: 8080 }], [{ uri: { exact: '/api/items' } }])])).toEqual([]);
    expect(codes([svc, sa, dep, dr, vs([{ uri: { prefix: '/' }, gateways: ['mesh'] }], [{ uri: { exact: '/a' }, gateways: ['edge/gw'] }])])).toEqual([]);
    // What Istio's check reports is its own: a prefix under a prefix (MESH132), a duplicated match (MESH104).
    expect(codes([svc, sa, dep, dr, vs([{ uri: { prefix: '/api' } }], [{ uri: { prefix: '/api/items' } }])]))
      .toEqual(['MESH132 VirtualService/orders spec.http[1].match']);
    expect(codes([svc, sa, dep, dr, vs([{ uri: { exact: '/a' } }], [{ uri: { exact: '/a' } }])]))
      .toEqual(['MESH104 VirtualService/orders spec.http[1]', 'MESH132 VirtualService/orders spec.http[1].match[0]']);
  });

  test('MESH012: weights that do not sum to 100 (boundaries 99, 100, 101)', () => {
    const [svc, sa, dep] = app('orders');
    const dr = destinationRule('orders', [{ name: 'stable', labels: { version: 'v1' } }, { name: 'canary', labels: { version: 'v2' } }]);
    const split = (a: number, b: number) => virtualService('orders', [{ route: [
      { destination: { host: 'orders', subset: 'stable' }, weight: a }, { destination: { host: 'orders', subset: 'canary' }, weight: b }] }]);
    const base = [svc, sa, dep, deployment('orders', 'v2'), dr];
    expect(codes([...base, split(90, 10)])).toEqual([]);
    expect(codes([...base, split(90, 9)])).toEqual(['MESH012 VirtualService/orders spec.http[0].route']);
    expect(codes([...base, split(90, 11)])).toEqual(['MESH012 VirtualService/orders spec.http[0].route']);
  });

  test('MESH113: two DestinationRules for one host', () => {
    const extra = { ...destinationRule('orders'), metadata: { name: 'orders-2', namespace: 'shop' } };
    expect(codes([...app('orders'), extra])).toEqual(['MESH113 DestinationRule/orders spec.host', 'MESH113 DestinationRule/orders-2 spec.host']);
  });

  test('MESH011: perTryTimeout longer than the timeout (equal passes)', () => {
    const [svc, sa, dep, dr] = app('orders');
    const vs = (t: string, p: string) => virtualService('orders', [{ ...route('orders', 'stable'), timeout: t, retries: { attempts: 2, perTryTimeout: p } }]);
    expect(codes([svc, sa, dep, dr, vs('1s', '1s')])).toEqual([]);
    expect(codes([svc, sa, dep, dr, vs('1s', '1001ms')])).toEqual(['MESH011 VirtualService/orders spec.http[0].retries.perTryTimeout']);
  });

  test('the index keeps the analysis linear: 500 services are checked with half the reads of 1,000 (analysis-linear.test.ts for a whole mesh)', () => {
    const reads = (n: number) => {
      const counter = { reads: 0 };
      expect(analyze(counted(Array.from({ length: n }, (_, i) => app(`svc-${i}`)).flat(), counter))).toEqual([]);
      return counter.reads;
    };
    const ratio = reads(1000) / reads(500);
    expect(ratio).toBeLessThan(2.2);
  });

  test('service accounts and namespaces are resolved per namespace', () => {
    expect(codes([service('a', undefined, 'x'), serviceAccount('a', 'x'), deployment('a', 'v1', 'x'), destinationRule('a', undefined, {}, 'x'), virtualService('a', [route('a.x.svc.cluster.local', 'stable')], {}, 'x')])).toEqual([]);
  });
});

test('MESH133 (warning): a TCP ServiceEntry port without addresses says how to scope it', () => {
  const se = { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'smtp', namespace: 'shop' },
    spec: { hosts: ['smtp.example.com'], ports: [{ number: 587, name: 'tcp-smtp', protocol: 'TCP' }], resolution: 'DNS', location: 'MESH_EXTERNAL' } };
  const found = analyze([se]).filter((f) => f.code === 'MESH133');
  expect(found.map((f) => [f.field, f.severity])).toEqual([['spec.ports[0].protocol', 'warning']]);
  expect(found[0].message).toMatch(/all TCP traffic on the port would match it; give the provider's addresses \(spec\.addresses/);
  expect(analyze([{ ...se, spec: { ...se.spec, addresses: ['192.0.2.10/32'] } }]).filter((f) => f.code === 'MESH133')).toEqual([]);
  // STATIC endpoints are no addresses: what an ExternalService's `addresses` become then is said, since the warning asks for them.
  const endpoints = [{ address: '10.60.0.25' }];
  const [staticEntry] = analyze([{ ...se, spec: { ...se.spec, resolution: 'STATIC', endpoints } }]).filter((f) => f.code === 'MESH133');
  expect(staticEntry.message).toContain('has no addresses (its STATIC endpoints are where the traffic goes, not what the listener matches: '
    + "an ExternalService writes its `addresses` as spec.addresses only with resolution 'NONE'): all TCP traffic");
});
