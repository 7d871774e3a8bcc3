// The production review of issue 12, as the evaluator sees each finding when it comes back.
import { checkIntendedFlows, evaluateFlow } from '../../../src/validate';
import { IntendedFlow } from '../../../src';
import { app, authorizationPolicy, deployment, DNS_EGRESS, gateway, INGRESS, networkPolicy, peerAuthentication, PROMETHEUS, sidecar, virtualService } from './fixtures';

const DENY_ALL = networkPolicy('default-deny', 'shop', { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: [] });
const ALLOW_NOTHING = authorizationPolicy('allow-nothing', 'shop', {});

const collector = { name: 'zipkin', namespace: 'istio-system', labels: { app: 'zipkin' }, serviceAccount: 'zipkin', meshed: false, ports: { http: 9411 } };
const spans = { source: { workload: 'orders', namespace: 'shop' }, host: 'zipkin.istio-system', port: 9411, target: collector, method: 'POST' as const, path: '/api/v2/spans' };

describe('tracing (review item 3): the collector must be in the Sidecar\'s hosts and the egress NetworkPolicy', () => {
  const base = [...app('orders', 'shop'), networkPolicy('orders', 'shop', { podSelector: { matchLabels: { app: 'orders' } }, policyTypes: ['Egress'], egress: [DNS_EGRESS] })];
  const sc = (hosts: string[]) => sidecar('orders', 'shop', { workloadSelector: { labels: { app: 'orders' } }, egress: [{ hosts }], outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } });

  test('a Sidecar listing only the application\'s hosts drops the spans', () => {
    expect(evaluateFlow([...base, sc(['./*'])], spans)).toMatchObject({ allowed: false, decidedBy: { layer: 'Sidecar egress' } });
  });

  test('with the collector listed, the egress NetworkPolicy decides', () => {
    expect(evaluateFlow([...base, sc(['./*', 'istio-system/zipkin.istio-system.svc.cluster.local'])], spans)).toMatchObject({ allowed: false, decidedBy: { layer: 'NetworkPolicy egress', name: 'orders' } });
    const open = networkPolicy('orders-tracing', 'shop', { podSelector: { matchLabels: { app: 'orders' } }, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } }, podSelector: { matchLabels: { app: 'zipkin' } } }], ports: [{ port: 9411 }] }] });
    expect(evaluateFlow([...base, open, sc(['./*', 'istio-system/zipkin.istio-system.svc.cluster.local'])], spans).allowed).toBe(true);
  });
});

test('global rate limit (review item 5): a filter pointing at a rate-limit service that is not there', () => {
  const objs = app('search', 'shop');
  expect(evaluateFlow(objs, { source: { workload: 'search', namespace: 'shop' }, host: 'ratelimit.shop', port: 8081, protocol: 'GRPC' }))
    .toMatchObject({ allowed: false, decidedBy: { layer: 'routing', kind: 'Service', name: 'ratelimit.shop' } });
});

test('fault-injection job egress (review item 8): 443 to 0.0.0.0/0 lets the job reach any address, which an intended deny catches', () => {
  const job = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'fault-test', namespace: 'shop' }, spec: { jobTemplate: { spec: { template: deployment('fault-test', 'shop', { inject: false }).spec.template } } } };
  const wide = networkPolicy('fault-test', 'shop', { podSelector: { matchLabels: { app: 'fault-test' } }, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 443 }, { port: 6443 }] }] });
  const apiServer = { name: 'kube-apiserver', namespace: 'default', labels: {}, serviceAccount: 'none', meshed: false, addresses: ['10.96.0.1'] };
  const elsewhere = { name: 'internet', namespace: 'external', labels: {}, serviceAccount: 'none', meshed: false, addresses: ['203.0.113.7'] };
  const intended: IntendedFlow[] = [
    { source: { workload: 'fault-test', namespace: 'shop' }, host: 'kubernetes.default.svc', port: 443, target: apiServer, protocol: 'HTTPS', expect: 'allow', constructPath: 'shop/fault-test', description: 'fault-test job calls the API server' },
    { source: { workload: 'fault-test', namespace: 'shop' }, host: 'example.org', port: 443, target: elsewhere, protocol: 'HTTPS', expect: 'deny', constructPath: 'shop/fault-test', description: 'fault-test job reaches the internet' },
  ];
  expect(checkIntendedFlows([job, wide], intended, { dns: false }).map((f) => [f.code, f.constructPath])).toEqual([['MESH601', 'shop/fault-test']]);
  const narrow = networkPolicy('fault-test', 'shop', { podSelector: { matchLabels: { app: 'fault-test' } }, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.96.0.1/32' } }], ports: [{ port: 443 }] }] });
  expect(checkIntendedFlows([job, narrow], intended, { dns: false })).toEqual([]);
});

test('Envoy metrics (review item 2): a NetworkPolicy admitting Prometheus on 15020 only refuses the PodMonitor\'s 15090 scrape', () => {
  // Prometheus scrapes the pods directly; 15090 is the proxy's own port (no mTLS, no authorization).
  const scrape = (port: number) => ({ source: { platform: PROMETHEUS }, host: 'orders.shop', pods: { workload: 'orders', namespace: 'shop' }, port, path: '/stats/prometheus' });
  const fromPrometheus = (ports: number[]) => networkPolicy('orders', 'shop', { podSelector: { matchLabels: { app: 'orders' } }, policyTypes: ['Ingress'], ingress: [{
    from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } }, podSelector: { matchLabels: { app: 'prometheus' } } }], ports: ports.map((port) => ({ port })) }] });
  const before = [...app('orders', 'shop'), DENY_ALL, ALLOW_NOTHING, fromPrometheus([15020])];
  expect(evaluateFlow(before, scrape(15020), { platform: [PROMETHEUS] }).allowed).toBe(true);
  expect(evaluateFlow(before, scrape(15090), { platform: [PROMETHEUS] })).toMatchObject({ allowed: false, decidedBy: { layer: 'NetworkPolicy ingress' } });
  const after = [...app('orders', 'shop'), DENY_ALL, ALLOW_NOTHING, fromPrometheus([15090, 15020])];
  expect(evaluateFlow(after, scrape(15090), { platform: [PROMETHEUS] }).allowed).toBe(true);
});

describe('the rate-limit path (review item 5): the gateway asks the rate-limit service in a deny-by-default namespace', () => {
  const ratelimit = { name: 'ratelimit', namespace: 'shop', labels: { app: 'ratelimit' }, serviceAccount: 'ratelimit', meshed: true, ports: { grpc: 8081 } };
  const ask = { source: { platform: INGRESS }, host: 'ratelimit.shop.svc.cluster.local', port: 8081, target: ratelimit, protocol: 'GRPC' as const, method: 'POST' as const,
    path: '/envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit' };
  const opts = { platform: [INGRESS, ratelimit] };
  const admit = networkPolicy('ratelimit', 'shop', { podSelector: { matchLabels: { app: 'ratelimit' } }, policyTypes: ['Ingress'], ingress: [{
    from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } }, podSelector: { matchLabels: { istio: 'ingressgateway' } } }], ports: [{ port: 8081 }] }] });
  const principal = authorizationPolicy('ratelimit', 'shop', { selector: { matchLabels: { app: 'ratelimit' } }, rules: [{ from: [{ source: { principals: ['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'] } }], to: [{ operation: { ports: ['8081'] } }] }] });

  test('the namespace\'s default-deny isolates the service; then its allow-nothing policy refuses the gateway', () => {
    expect(evaluateFlow([DENY_ALL, ALLOW_NOTHING], ask, opts)).toMatchObject({ allowed: false, decidedBy: { layer: 'NetworkPolicy ingress', name: 'default-deny' } });
    expect(evaluateFlow([DENY_ALL, ALLOW_NOTHING, admit], ask, opts)).toMatchObject({ allowed: false, decidedBy: { layer: 'AuthorizationPolicy' } });
    expect(evaluateFlow([DENY_ALL, ALLOW_NOTHING, admit, principal], ask, opts)).toMatchObject({ allowed: true });
  });
});

test('several environments (review item 9): a PERMISSIVE mesh-wide policy does not open a STRICT namespace to plaintext', () => {
  // https://istio.io/latest/docs/reference/config/security/peer_authentication/: namespace-wide wins over mesh-wide.
  const plaintext = { source: { workload: 'legacy', namespace: 'dev' }, host: 'orders.shop', port: 80 };
  const objs = [...app('orders', 'shop'), deployment('legacy', 'dev', { inject: false }), peerAuthentication('default', 'istio-system', { mtls: { mode: 'PERMISSIVE' } })];
  expect(evaluateFlow(objs, plaintext, { dns: false }).allowed).toBe(true);
  expect(evaluateFlow([...objs, peerAuthentication('default', 'shop', { mtls: { mode: 'STRICT' } })], plaintext, { dns: false }))
    .toMatchObject({ allowed: false, decidedBy: { layer: 'mTLS', kind: 'PeerAuthentication', namespace: 'shop', name: 'default' } });
});

test('the gateway certificate (review item 10): a credentialName Secret written in the app\'s namespace leaves the HTTPS server without a certificate', () => {
  // The gateway reads credentialName in its own namespace: https://istio.io/latest/docs/tasks/traffic-management/ingress/secure-ingress/
  const gw = gateway('shop-gw', 'shop', { selector: { istio: 'ingressgateway' }, servers: [
    { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['shop.example.com'], tls: { mode: 'SIMPLE', credentialName: 'shop-tls' } }] });
  const vs = virtualService('web', 'shop', { hosts: ['shop.example.com'], gateways: ['shop-gw'], http: [{ route: [{ destination: { host: 'web' } }] }] });
  const secret = (ns: string) => ({ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name: 'shop-tls', namespace: ns } });
  const browser = { source: { external: true as const }, host: 'shop.example.com', port: 443, protocol: 'HTTPS' as const, path: '/' };
  const objs = [...app('web', 'shop'), gw, vs];
  expect(evaluateFlow(objs, browser, { platform: [INGRESS] }).allowed).toBe(true);
  expect(evaluateFlow([...objs, secret('shop')], browser, { platform: [INGRESS] }))
    .toMatchObject({ allowed: false, decidedBy: { layer: 'routing', kind: 'Gateway', name: 'shop-gw' }, reason: expect.stringMatching(/credentialName shop-tls is read in istio-system.*Secret shop-tls is in shop/) });
  expect(evaluateFlow([...objs, secret('istio-system')], browser, { platform: [INGRESS] }).allowed).toBe(true);
});
