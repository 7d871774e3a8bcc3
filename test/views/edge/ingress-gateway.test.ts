import { Duration } from 'cdk8s';
import { EdgeAuthentication, ExportTo, IngressGateway, MeshPlatform, MeshService, StringMatch } from '../../../src';
import { gatewayRoutesOf } from '../../../src/views/edge/gateway-route';
import { find, meshChart, synth, synthError } from '../../util';

const GW = 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account';

function shop(withAuth: boolean) {
  const { app, chart } = meshChart();
  const api = new MeshService(chart, 'api-gateway', { image: 'api:1' });
  const web = new MeshService(chart, 'web-frontend', { image: 'web:1' });
  const gw = new IngressGateway(chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls' });
  // Declared in the "wrong" order: the longer prefix still goes first.
  gw.route(web);
  gw.route(api, { pathPrefix: '/api/' });
  if (withAuth) {
    new EdgeAuthentication(chart, 'edge', { service: api, issuer: 'https://auth.example.com', jwksUri: 'https://auth.example.com/jwks.json' });
  }
  return { app, chart, gw, out: synth(app) };
}

describe('IngressGateway', () => {
  test('a route timeout Istio cannot take is rendered as it reads and reported on the construct, not thrown while rendering', () => {
    const { app, chart } = meshChart();
    const web = new MeshService(chart, 'web-frontend', { image: 'web:1' });
    new IngressGateway(chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls' }).route(web, { timeout: Duration.millis(1.5) });
    const err = synthError(app);
    // On the route whose rule it is (the gateway's one VirtualService holds every route's rules).
    expect(err).toMatch(/\[test\/shop\/route-web-frontend\] test\/VirtualService\/shop: spec\.http\[0\]\.timeout: duration '1\.5ms': only durations to ms precision are supported \[MESH173\]/);
  });

  test('HTTPS with SIMPLE TLS from credentialName, and an HTTP redirect (snapshot)', () => {
    const { app, chart } = meshChart();
    new IngressGateway(chart, 'shop', { hosts: ['shop.example.com', 'www.example.com'], credentialName: 'shop-example-com-tls' });
    const gw = find(synth(app), 'Gateway', 'shop');
    expect(gw).toMatchSnapshot();
    expect(gw.spec.servers).toEqual([
      { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['shop.example.com', 'www.example.com'], tls: { mode: 'SIMPLE', credentialName: 'shop-example-com-tls' } },
      { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['shop.example.com', 'www.example.com'], tls: { httpsRedirect: true } },
    ]);
  });

  test('redirectHttp: false leaves only the HTTPS server', () => {
    const { app, chart } = meshChart();
    new IngressGateway(chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls', redirectHttp: false, namespace: 'istio-system' });
    const gw = find(synth(app), 'Gateway', 'shop');
    expect(gw.metadata.namespace).toBe('istio-system');
    expect(gw.spec.servers.map((s: any) => s.port.name)).toEqual(['https']);
  });

  test('routes: one VirtualService for the public hosts, bound only to the gateway, longest prefix first (first match wins)', () => {
    const { out, gw } = shop(false);
    expect(gw.routes.map((r) => r.pathPrefix)).toEqual(['/api/', '/']);
    expect(find(out, 'VirtualService', 'shop').spec).toEqual({
      hosts: ['shop.example.com'],
      gateways: ['production/shop'],
      http: [
        { name: 'api-gateway', match: [{ uri: { prefix: '/api/' } }], route: [{ destination: { host: 'api-gateway.production.svc.cluster.local', subset: 'stable', port: { number: 80 } }, weight: 100 }], timeout: '15s', retries: { attempts: 2, retryOn: 'reset-before-request,connect-failure' } },
        { name: 'web-frontend', route: [{ destination: { host: 'web-frontend.production.svc.cluster.local', subset: 'stable', port: { number: 80 } }, weight: 100 }], timeout: '15s', retries: { attempts: 2, retryOn: 'reset-before-request,connect-failure' } },
      ],
    });
  });

  test('a routed service admits the gateway pods (one peer: namespace AND labels) and its principal on the routed paths', () => {
    const { out } = shop(false);
    expect(find(out, 'NetworkPolicy', 'api-gateway').spec.ingress).toEqual([{
      // The gateway pods as their Service selects them (MeshPlatform.ingressGateway.serviceSelector).
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } }, podSelector: { matchLabels: { app: 'istio-ingressgateway', istio: 'ingressgateway' } } }],
      ports: [{ port: 8080, protocol: 'TCP' }],
    }, expect.anything()]);
    expect(find(out, 'AuthorizationPolicy', 'api-gateway-policy').spec.rules[0]).toEqual({
      from: [{ source: { principals: [GW] } }], to: [{ operation: { paths: ['/api/*'] } }],
    });
    expect(find(out, 'AuthorizationPolicy', 'web-frontend-policy').spec.rules[0]).toEqual({ from: [{ source: { principals: [GW] } }] });
  });

  test('where a RequestAuthentication guards the routed paths, only the end-user rule (gateway principal AND token) admits them', () => {
    const { out } = shop(true);
    const rules = find(out, 'AuthorizationPolicy', 'api-gateway-policy').spec.rules;
    expect(rules.filter((r: any) => r.from?.[0].source.principals?.includes(GW))).toEqual([{
      from: [{ source: { principals: [GW], requestPrincipals: ['https://auth.example.com/*'] } }], to: [{ operation: { paths: ['/api/*'] } }],
    }]);
  });

  test('a catch-all route to a service with end-user paths excludes them (notPaths), so no token-less request gets in', () => {
    const { app, chart } = meshChart();
    const web = new MeshService(chart, 'web', { image: 'web:1' });
    new IngressGateway(chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls' }).route(web);
    new EdgeAuthentication(chart, 'edge', { service: web, issuer: 'https://auth.example.com', jwksUri: 'https://auth.example.com/jwks.json', paths: ['/account/*'] });
    expect(find(synth(app), 'AuthorizationPolicy', 'web-policy').spec.rules[0]).toEqual({
      from: [{ source: { principals: [GW] } }], to: [{ operation: { notPaths: ['/account/*'] } }],
    });
  });

  test('the gateway\'s namespace, labels and principal come from the platform', () => {
    const platform = MeshPlatform.of({ ingressGateway: { namespace: 'ingress', serviceAccount: 'edge', selector: { app: 'edge' }, podLabels: { app: 'edge' } } });
    const { app, chart } = meshChart({ platform });
    const web = new MeshService(chart, 'web', { image: 'web:1' });
    new IngressGateway(chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls' }).route(web);
    const out = synth(app);
    expect(find(out, 'Gateway', 'shop').spec.selector).toEqual({ app: 'edge' });
    expect(find(out, 'NetworkPolicy', 'web').spec.ingress[0].from).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress' } }, podSelector: { matchLabels: { app: 'edge' } } },
    ]);
    expect(find(out, 'AuthorizationPolicy', 'web-policy').spec.rules[0].from).toEqual([{ source: { principals: ['cluster.local/ns/ingress/sa/edge'] } }]);
  });

  test.each(['api/', '/api//', '/a b/'])('pathPrefix %p fails synth with the path and MESH630', (prefix) => {
    const { app, chart } = meshChart();
    const web = new MeshService(chart, 'web', { image: 'web:1' });
    new IngressGateway(chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls' }).route(web, { pathPrefix: prefix });
    expect(synthError(app)).toMatch(/\[test\/shop\/route-web\] pathPrefix: .*\[MESH630\]/);
  });

  test('the same prefix routed twice fails synth (MESH630)', () => {
    const { app, chart } = meshChart();
    const web = new MeshService(chart, 'web', { image: 'web:1' });
    const gw = new IngressGateway(chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls' });
    gw.route(web);
    gw.route(web, { pathPrefix: '/' });
    expect(synthError(app)).toMatch(/routes\[1\]\.pathPrefix: '\/' is routed twice.*\[MESH630\]/);
  });

  test("a route's port and subset reach its destination; the route is a construct under the gateway, listed with the service's", () => {
    const { app, chart } = meshChart();
    const web = new MeshService(chart, 'web', { image: 'web:1', ports: [{ port: 8080 }, { port: 9090, name: 'http-admin' }] });
    const gw = new IngressGateway(chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls' });
    const admin = gw.route(web, { pathPrefix: '/admin/', port: 9090, subset: web.subset });
    const root = gw.route(web);
    const vs = find(synth(app), 'VirtualService', 'shop');
    expect(vs.spec.http.map((h: any) => h.route[0].destination)).toEqual([
      { host: 'web.production.svc.cluster.local', subset: web.subset, port: { number: 9090 } },
      // Without a subset, the service's own default route: its one version's subset.
      { host: 'web.production.svc.cluster.local', subset: 'stable', port: { number: 8080 } },
    ]);
    expect([admin.node.scope, admin.node.id, root.node.id]).toEqual([gw, 'route-web', 'route-web-2']);
    expect(gw.routes).toEqual([admin, root]);
    expect(gatewayRoutesOf(web).map((r) => r.paths)).toEqual([['/admin/*'], undefined]);
  });

  test("full matches, hosts and a VirtualService name are an EdgeGateway's: each fails synth naming it (MESH630)", () => {
    const { app, chart } = meshChart();
    const web = new MeshService(chart, 'web', { image: 'web:1' });
    const gw = new IngressGateway(chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls' });
    gw.route(web, { match: [{ uri: StringMatch.exact('/x') }], hosts: ['shop.example.com'], virtualServiceName: 'web' });
    const err = synthError(app);
    expect(err).toMatch(/\[test\/shop\/route-web\] match: an IngressGateway routes by path prefix, longest first.*\[MESH630\]/);
    expect(err).toMatch(/\[test\/shop\/route-web\] hosts: an IngressGateway's one VirtualService serves every public host.*\[MESH630\]/);
    expect(err).toMatch(/\[test\/shop\/route-web\] virtualServiceName: an IngressGateway's routes are in its one VirtualService.*\[MESH630\]/);
  });

  test('no route, no VirtualService', () => {
    const { app, chart } = meshChart();
    new IngressGateway(chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls' });
    expect(synth(app).filter((m) => m.kind === 'VirtualService')).toEqual([]);
  });
});

test("MESH038: a route to a service whose exportTo hides it from the gateway's namespace (the gateway would answer 503)", () => {
  const build = (exportTo: ExportTo) => {
    const { app, chart } = meshChart();
    const web = new MeshService(chart, 'web', { image: 'registry.example.com/web:1', exportTo });
    new IngressGateway(chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls' }).route(web);
    return app;
  };
  expect(synthError(build(ExportTo.sameNamespace()))).toMatch(
    /exportTo: a gateway in istio-system routes to web, whose exportTo hides it from istio-system: the gateway's proxies have no route to it \(503\).*\[MESH038\]/);
  expect(() => synth(build(ExportTo.namespaces(['production', 'istio-system'])))).not.toThrow();
});

describe('the flows of a wildcard IngressGateway', () => {
  // A client addresses a name, never `*.<domain>`: the flow is proved for `www.<domain>`, as an EdgeGateway's (gateway-route.ts, concreteHost).
  test('a route on *.<domain> is proved for www.<domain>, the name a client sends (SNI and Host), not the wildcard itself', () => {
    const { app, chart } = meshChart();
    const api = new MeshService(chart, 'api', { image: 'registry.example.com/api:1.0.0' });
    const gw = new IngressGateway(chart, 'public', { hosts: ['*.saas.example.com', 'api.vanity.example.org'], credentialName: 'saas-tls' });
    gw.route(api, { pathPrefix: '/v1/' });
    expect(gw.intendedFlows().map((f) => [f.host, f.description])).toEqual([
      ['www.saas.example.com', 'a browser reaches api through public: GET https://www.saas.example.com/v1/x'],
    ]);
    synth(app);
  });
});
