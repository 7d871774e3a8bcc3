import { Duration, Testing } from 'cdk8s';
import { checkIntendedFlows, FlowEvaluator } from '../../../src/validate';
import {
  EdgeAuthentication, EdgeProxyInstall, EdgeProxyRoute, FlaggerCanary, IngressGateway, MeshApp, MeshChart, MeshPlatform, MeshPlatformProps,
  MeshService,
} from '../../../src';
import { find, synth, synthError } from '../../util';

/** A chart on a platform whose edge proxies are `props`'s, with order-service in it. */
function setup(props: MeshPlatformProps = {}) {
  const platform = MeshPlatform.of(props);
  const app = new MeshApp({ outdir: Testing.app().outdir, platform });
  const chart = new MeshChart(app, 'k1s0-service', { namespace: 'k1s0-service' });
  const order = new MeshService(chart, 'order-server', { image: 'order:1' });
  return { app, chart, order, platform };
}

/** The flows the chart intends, evaluated over its manifests on its platform. */
function flowFindings(app: MeshApp, chart: MeshChart, manifests = synth(app)) {
  const evaluator = new FlowEvaluator(manifests, {
    trustDomain: chart.platform.trustDomain, platform: chart.platform.workloads(chart.namespace), dns: chart.platform.dnsWorkload(),
  });
  return { evaluator, findings: checkIntendedFlows(evaluator, chart.intendedFlows()) };
}

const KONG_SELECTOR = { 'app.kubernetes.io/name': 'kong', 'app.kubernetes.io/component': 'app', 'app.kubernetes.io/instance': 'kong' };
const ORDERS = { methods: ['GET' as const, 'POST' as const], paths: ['/api/v1/orders', '/api/v1/orders/*'] };

describe('EdgeProxyRoute: a meshed API gateway (seed 003: Kong → Istio sidecar (mTLS) → service)', () => {
  test("order-server admits Kong's principal on the forwarded methods and paths, from Kong's pods on its container port", () => {
    const { app, chart, order } = setup();
    new EdgeProxyRoute(chart, 'orders-via-kong', { service: order, ...ORDERS });
    const m = synth(app);
    expect(find(m, 'AuthorizationPolicy', 'order-server-policy').spec.rules).toContainEqual({
      from: [{ source: { principals: ['cluster.local/ns/kong/sa/kong-kong'] } }],
      to: [{ operation: { methods: ['GET', 'POST'], paths: ['/api/v1/orders', '/api/v1/orders/*'] } }],
    });
    expect(find(m, 'NetworkPolicy', 'order-server').spec.ingress).toContainEqual({
      from: [{
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kong' } },
        podSelector: { matchLabels: KONG_SELECTOR },
      }],
      ports: [{ port: 8080, protocol: 'TCP' }],
    });
    // Kong's ingress controller sends to the Service (so its sidecar routes), told by the Service's annotation, with the
    // Service's own name as Host (Kong keeps the client's by default, which no route of the service matches).
    expect(find(m, 'Service', 'order-server').metadata.annotations).toEqual({
      'ingress.kubernetes.io/service-upstream': 'true', 'konghq.com/host-header': 'order-server.k1s0-service.svc.cluster.local',
    });
    // No plaintext: mTLS stays STRICT, no workload PeerAuthentication.
    expect(m.filter((x) => x.kind === 'PeerAuthentication' && x.metadata.name === 'order-server')).toEqual([]);
  });

  test("each forwarded method and path is an intended flow from Kong's pods to the Service, and synth proves it", () => {
    const { app, chart, order } = setup();
    new EdgeProxyRoute(chart, 'orders-via-kong', { service: order, ...ORDERS });
    const flows = chart.intendedFlows().filter((f) => f.constructPath === 'k1s0-service/orders-via-kong');
    expect(flows.map((f) => `${f.method} ${f.path} ${f.host}:${f.port}`)).toEqual([
      'GET /api/v1/orders order-server.k1s0-service.svc.cluster.local:80', 'GET /api/v1/orders/x order-server.k1s0-service.svc.cluster.local:80',
      'POST /api/v1/orders order-server.k1s0-service.svc.cluster.local:80', 'POST /api/v1/orders/x order-server.k1s0-service.svc.cluster.local:80',
    ]);
    expect(flows[0].source).toEqual({ platform: chart.platform.edgeProxyWorkload('apiGateway') });
    expect(flows[0].description).toBe("kong-kong (the platform's API gateway) forwards GET /api/v1/orders to order-server");
    const { evaluator, findings } = flowFindings(app, chart);
    expect(findings).toEqual([]);
    // THEN a method Kong does not forward is refused by the AuthorizationPolicy, and so is a pod that is not Kong's.
    const del = evaluator.evaluate({ ...flows[0], method: 'DELETE' });
    expect(del).toMatchObject({ allowed: false, decidedBy: { layer: 'AuthorizationPolicy', name: 'order-server-policy' } });
    const stranger = { ...chart.platform.edgeProxyWorkload('apiGateway'), name: 'other', labels: { app: 'other' } };
    expect(evaluator.evaluate({ ...flows[0], source: { platform: stranger } }))
      .toMatchObject({ allowed: false, decidedBy: { layer: 'NetworkPolicy ingress' } });
  });

  test('without the route, nothing can call the top tier: the same flow is refused (issue 24)', () => {
    const { app, chart, order } = setup();
    const { evaluator } = flowFindings(app, chart);
    const kong = { platform: chart.platform.edgeProxyWorkload('apiGateway') };
    const host = 'order-server.k1s0-service.svc.cluster.local';
    const verdict = evaluator.evaluate({ source: kong, host, port: 80, method: 'POST', path: '/api/v1/orders' });
    expect(verdict.allowed).toBe(false);
    expect(order.name).toBe('order-server');
  });

  test("with Flagger releasing the service, Kong's requests reach the primary's and the canary's pods, and both admit it", () => {
    const { app, chart, order } = setup();
    new FlaggerCanary(chart, 'order-flagger', { service: order, stepWeights: [10, 30, 50, 80], interval: Duration.minutes(5) });
    new EdgeProxyRoute(chart, 'orders-via-kong', { service: order, ...ORDERS });
    const { evaluator, findings } = flowFindings(app, chart);
    expect(findings).toEqual([]);
    const flow = chart.intendedFlows().find((f) => f.constructPath === 'k1s0-service/orders-via-kong')!;
    const hops = evaluator.evaluate(flow).hops.join(' | ');
    expect(hops).toContain('order-server-primary.k1s0-service:80 → k1s0-service/order-server-primary:8080');
    expect(hops).toContain('order-server-canary.k1s0-service:80 → k1s0-service/order-server:8080');
  });

  test.each([
    ['before', true],
    ['after', false],
  ])('with Flagger releasing the service (the route made %s the FlaggerCanary), the annotation rides on the Canary to the apex Flagger writes',
    (_when, routeFirst) => {
      // GIVEN Kong addressing order-server's Service, which Flagger generates (fluxcd/flagger pkg/router/kubernetes_default.go Reconcile)
      const { app, chart, order } = setup();
      const route = () => new EdgeProxyRoute(chart, 'orders-via-kong', { service: order, ...ORDERS });
      if (routeFirst) route();
      new FlaggerCanary(chart, 'order-flagger', { service: order, stepWeights: [10, 30, 50, 80], interval: Duration.minutes(5) });
      if (!routeFirst) route();
      // WHEN synthesized
      const m = synth(app);
      // THEN no Service order-server is written, and the Canary's spec.service.apex carries Kong's annotation
      expect(m.filter((x) => x.kind === 'Service' && x.metadata.name === 'order-server')).toEqual([]);
      expect(find(m, 'Canary', 'order-server').spec.service.apex.annotations).toEqual({
        'ingress.kubernetes.io/service-upstream': 'true', 'konghq.com/host-header': 'order-server.k1s0-service.svc.cluster.local',
      });
      // AND Kong's requests still reach the service through the apex Flagger generates
      expect(flowFindings(app, chart, m).findings).toEqual([]);
    });
});

describe('EdgeProxyRoute: a proxy without a sidecar (ingress-nginx, or Kong left out of the mesh)', () => {
  const unmeshed = { apiGateway: EdgeProxyInstall.kongHelmChart({ release: 'kong', namespace: 'kong', meshed: false }) };

  test("plaintext on the routed container port only (PERMISSIVE there), from the proxy's pods, for requests with no mTLS identity", () => {
    const { app, chart, order } = setup(unmeshed);
    new EdgeProxyRoute(chart, 'orders-via-kong', { service: order, ...ORDERS });
    const m = synth(app);
    expect(find(m, 'PeerAuthentication', 'order-server').spec).toEqual({
      selector: { matchLabels: { app: 'order-server' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { 8080: { mode: 'PERMISSIVE' } },
    });
    expect(find(m, 'AuthorizationPolicy', 'order-server-policy').spec.rules).toContainEqual({
      from: [{ source: { notPrincipals: ['*'] } }],
      to: [{ operation: { methods: ['GET', 'POST'], paths: ['/api/v1/orders', '/api/v1/orders/*'] } }],
    });
    const { evaluator, findings } = flowFindings(app, chart);
    expect(findings).toEqual([]);
    // A pod of the same labels with a sidecar presents its identity, so the plaintext rule does not admit it.
    const meshedKong = { ...chart.platform.edgeProxyWorkload('apiGateway'), name: 'kong-with-sidecar', meshed: true };
    const flow = chart.intendedFlows().find((f) => f.constructPath === 'k1s0-service/orders-via-kong')!;
    expect(evaluator.evaluate({ ...flow, source: { platform: meshedKong } }))
      .toMatchObject({ allowed: false, decidedBy: { layer: 'AuthorizationPolicy' } });
  });

  test("ingress-nginx sends to the pods' endpoints: the flows address the pods' port, past any route", () => {
    const { app, chart, order } = setup();
    new EdgeProxyRoute(chart, 'orders-via-nginx', { service: order, proxy: 'ingressController', methods: ['GET'], paths: ['/api/v1/orders/*'] });
    const flows = chart.intendedFlows().filter((f) => f.constructPath === 'k1s0-service/orders-via-nginx');
    expect(flows)
      .toEqual([expect.objectContaining({ port: 8080, pods: { workload: 'order-server', namespace: 'k1s0-service' }, path: '/api/v1/orders/x' })]);
    expect(flowFindings(app, chart).findings).toEqual([]);
    // ingress-nginx reads service-upstream from the Ingress, which the library does not write: no annotation.
    expect(find(synth(app), 'Service', 'order-server').metadata.annotations).toBeUndefined();
  });

  test("a meshed proxy that addresses pods sends plain TCP past its sidecar's routes, which STRICT mTLS refuses: synth's flow check says so", () => {
    const nginx = EdgeProxyInstall.ingressNginxHelmChart({ release: 'nginx', namespace: 'nginx', meshed: true });
    const { app, chart, order } = setup({ ingressController: nginx });
    new EdgeProxyRoute(chart, 'orders-via-nginx', { service: order, proxy: 'ingressController', methods: ['GET'], paths: ['/api/v1/orders/*'] });
    expect(synthError(app)).toMatch(new RegExp('\\[k1s0-service/orders-via-nginx\\] .*nginx-ingress-nginx-controller '
      + "\\(the platform's ingress controller\\) forwards GET /api/v1/orders/x to order-server: refused by .*mTLS.*\\[MESH600\\]"));
  });

  test('made before a FlaggerCanary, the PERMISSIVE port still selects the pods Flagger keeps labelled (no MESH666), and the flows hold', () => {
    const { app, chart, order } = setup(unmeshed);
    new EdgeProxyRoute(chart, 'orders-via-kong', { service: order, ...ORDERS });
    new FlaggerCanary(chart, 'order-flagger', { service: order, stepWeights: [10, 30, 50, 80], interval: Duration.minutes(5) });
    const m = synth(app);
    expect(find(m, 'PeerAuthentication', 'order-server').spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'order-server' } }, mtls: { mode: 'STRICT' },
      portLevelMtls: { 8080: { mode: 'PERMISSIVE' } },
    });
    expect(flowFindings(app, chart, m).findings).toEqual([]);
  });

  test('an explicit setMtls keeps the plaintext port open unless it names that port itself', () => {
    const { app, chart, order } = setup(unmeshed);
    new EdgeProxyRoute(chart, 'orders-via-kong', { service: order, ...ORDERS });
    const { ServiceSecurity, MtlsMode } = require('../../../src');
    ServiceSecurity.of(order).setMtls(MtlsMode.strict(), { portLevelMtls: { 9090: MtlsMode.disable() } });
    expect(find(synth(app), 'PeerAuthentication', 'order-server').spec.portLevelMtls)
      .toEqual({ 8080: { mode: 'PERMISSIVE' }, 9090: { mode: 'DISABLE' } });
  });
});

/**
 * A meshed proxy that addresses the Service sends through its sidecar, which applies the service's VirtualService, retries
 * included (Envoy's x-envoy-retry-on): the service's default retries then spare writes as for a declared caller that POSTs.
 */
describe("EdgeProxyRoute: the service's retries when the proxy's sidecar routes its writes", () => {
  const retryOn = (app: MeshApp) => find(synth(app), 'VirtualService', 'order-server').spec.http.at(-1).retries?.retryOn;

  test('a meshed Kong forwarding POST: the service retries only on reset-before-request,connect-failure', () => {
    const { app, chart, order } = setup();
    new EdgeProxyRoute(chart, 'orders-via-kong', { service: order, ...ORDERS });
    expect(retryOn(app)).toBe('reset-before-request,connect-failure');
  });

  test("GET only, or a proxy without a sidecar (its requests meet no VirtualService): the tier's conditions stay", () => {
    const tier = (() => { const { app } = setup(); return retryOn(app); })();
    expect(tier).toContain('reset');
    expect(tier).not.toBe('reset-before-request,connect-failure');
    const reads = setup();
    new EdgeProxyRoute(reads.chart, 'orders-via-kong', { service: reads.order, methods: ['GET'], paths: ORDERS.paths });
    expect(retryOn(reads.app)).toBe(tier);
    const plain = setup({ apiGateway: EdgeProxyInstall.kongHelmChart({ release: 'kong', namespace: 'kong', meshed: false }) });
    new EdgeProxyRoute(plain.chart, 'orders-via-kong', { service: plain.order, ...ORDERS });
    expect(retryOn(plain.app)).toBe(tier);
  });
});

describe('EdgeProxyRoute and EdgeAuthentication: paths end users sign in for, through the proxy too', () => {
  test("Kong's forwarded requests on a guarded path need the user's token: the end-user rule admits Kong's identity with it", () => {
    // GIVEN order-server routed by the ingress gateway and by Kong, and an EdgeAuthentication guarding what they route
    const { app, chart, order } = setup();
    new IngressGateway(chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls' }).route(order, { pathPrefix: '/api/' });
    new EdgeProxyRoute(chart, 'orders-via-kong', { service: order, ...ORDERS });
    new EdgeAuthentication(chart, 'auth', { service: order, issuer: 'https://auth.example.com', jwksUri: 'https://auth.example.com/jwks.json' });
    // WHEN it is synthesized (synth proves every intended flow, allowed and refused)
    const m = synth(app);
    // THEN the end-user rule names both gateways' identities beside the token
    const rules = find(m, 'AuthorizationPolicy', 'order-server-policy').spec.rules;
    expect(rules).toContainEqual(expect.objectContaining({ from: [{ source: {
      principals: ['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account', 'cluster.local/ns/kong/sa/kong-kong'],
      requestPrincipals: ['https://auth.example.com/*'],
    } }] }));
    // AND Kong's flows on a guarded path carry a token; the same request without one is refused
    const flows = chart.intendedFlows().filter((f) => f.constructPath === 'k1s0-service/orders-via-kong' && f.path === '/api/v1/orders/x');
    expect(flows.map((f) => `${f.method} ${f.expect} ${f.requestPrincipal ?? 'no token'}`)).toEqual([
      'GET allow https://auth.example.com/user-1', 'GET deny no token', 'POST allow https://auth.example.com/user-1', 'POST deny no token',
    ]);
    const { findings } = flowFindings(app, chart, m);
    expect(findings).toEqual([]);
  });

  test('a proxy without a sidecar: the end-user rule admits the token from a peer with no identity too, on the PERMISSIVE port only it reaches', () => {
    // GIVEN Kong left out of the mesh, routing to order-server beside the ingress gateway, and the paths guarded
    const { app, chart, order } = setup({ apiGateway: EdgeProxyInstall.kongHelmChart({ release: 'kong', namespace: 'kong', meshed: false }) });
    new IngressGateway(chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls' }).route(order);
    new EdgeProxyRoute(chart, 'orders-via-kong', { service: order, ...ORDERS });
    new EdgeAuthentication(chart, 'auth', { service: order, issuer: 'https://auth.example.com', jwksUri: 'https://auth.example.com/jwks.json' });
    const m = synth(app);
    // THEN the end-user rule has a second source: no mTLS identity, and the token (the NetworkPolicy lets only Kong's pods through there)
    expect(find(m, 'AuthorizationPolicy', 'order-server-policy').spec.rules).toContainEqual(expect.objectContaining({ from: [
      { source: { principals: ['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'], requestPrincipals: ['https://auth.example.com/*'] } },
      { source: { notPrincipals: ['*'], requestPrincipals: ['https://auth.example.com/*'] } },
    ] }));
    // AND Kong's signed-in requests are allowed, those without a token refused (synth proved both; so does the evaluator here)
    expect(flowFindings(app, chart, m).findings).toEqual([]);
  });
});

describe('EdgeAuthentication on a service only an edge proxy routes to', () => {
  test('the end-user rule admits Kong alone, on the methods it forwards: not the ingress gateway, which routes nothing there', () => {
    // GIVEN order-server behind Kong only (GET and POST forwarded), its paths guarded with the defaults
    const { app, chart, order } = setup();
    new EdgeProxyRoute(chart, 'orders-via-kong', { service: order, ...ORDERS });
    new EdgeAuthentication(chart, 'auth', { service: order, issuer: 'https://auth.example.com', jwksUri: 'https://auth.example.com/jwks.json' });
    const m = synth(app);
    // THEN the end-user rule names Kong's identity and Kong's methods only
    const rule = find(m, 'AuthorizationPolicy', 'order-server-policy').spec.rules
      .find((r: any) => r.from?.[0]?.source?.requestPrincipals);
    expect(rule).toEqual({
      from: [{ source: { principals: ['cluster.local/ns/kong/sa/kong-kong'], requestPrincipals: ['https://auth.example.com/*'] } }],
      to: [{ operation: { methods: ['GET', 'POST'], paths: ['/api/v1/orders', '/api/v1/orders/*'] } }],
    });
    // AND the NetworkPolicy lets in Kong's pods, not the ingress gateway's
    const peers = find(m, 'NetworkPolicy', 'order-server').spec.ingress.flatMap((r: any) => r.from ?? []);
    expect(peers.some((p: any) => p.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'istio-system')).toBe(false);
    // AND a signed-in PATCH through Kong, or a PUT from the ingress gateway's pods, is refused
    const { evaluator, findings } = flowFindings(app, chart, m);
    expect(findings).toEqual([]);
    const host = 'order-server.k1s0-service.svc.cluster.local';
    const token = { requestPrincipal: 'https://auth.example.com/user-1' };
    expect(evaluator.evaluate({ source: { platform: chart.platform.edgeProxyWorkload('apiGateway') }, host, port: 80, method: 'PATCH', path: '/api/v1/orders/1', ...token }))
      .toMatchObject({ allowed: false, decidedBy: { layer: 'AuthorizationPolicy' } });
    expect(evaluator.evaluate({ source: { platform: chart.platform.ingressGatewayWorkload() }, host, port: 80, method: 'PUT', path: '/api/v1/orders/1', ...token }))
      .toMatchObject({ allowed: false });
  });
});

describe('EdgeProxyRoute: validation', () => {
  test('a port the service lacks, or one that does not speak HTTP, is MESH650; a bad method or path is refused as in any rule', () => {
    const { app, chart, order } = setup();
    new EdgeProxyRoute(chart, 'bad-port', { service: order, port: 9000 });
    expect(synthError(app))
      .toMatch(/\[k1s0-service\/bad-port\] port: order-server has no port 9000 for the apiGateway to send to \(its ports: 80\/http\) \[MESH650\]/);
    const tcp = setup();
    const db = new MeshService(tcp.chart, 'db', { image: 'db:1', ports: [{ port: 5432, protocol: 'tcp' }] });
    new EdgeProxyRoute(tcp.chart, 'db-via-kong', { service: db, port: 5432 });
    expect(synthError(tcp.app)).toMatch(/port: db's port 5432 speaks tcp, not HTTP.*\[MESH650\]/);
    const paths = setup();
    new EdgeProxyRoute(paths.chart, 'bad-path', { service: paths.order, paths: ['/api/*/orders'] });
    expect(synthError(paths.app)).toMatch(/\[k1s0-service\/bad-path\] route\.paths\[0\]: .*\[MESH202\]/);
  });
});
