import { ApiObject, Duration } from 'cdk8s';
import { EdgeGateway, GatewayServer, GatewayTls, IngressGateway, MeshGateway, MeshPlatform, MeshService, StringMatch } from '../../../src';
import { FlowEvaluator } from '../../../src/validate';
import { gatewayRoutesOf } from '../../../src/views/edge/gateway-route';
import { find, meshChart, synth, synthError } from '../../util';

function build(servers: GatewayServer[]) {
  const { app, chart } = meshChart();
  new EdgeGateway(chart, 'edge', { servers });
  return app;
}

describe('EdgeGateway', () => {
  test('renders servers as given (snapshot)', () => {
    const app = build([{ port: { number: 8443, name: 'tls-passthrough', protocol: 'TLS' }, hosts: ['db.example.com'], tls: GatewayTls.passthrough() }]);
    expect(find(synth(app), 'Gateway', 'edge')).toMatchSnapshot();
  });

  test('a server without a port name fails synth (MESH504)', () => {
    const err = synthError(build([{ port: { number: 80, name: '', protocol: 'HTTP' }, hosts: ['a.example.com'] }]));
    expect(err).toMatch(/\[test\/edge\] servers\[0\]\.port\.name: a gateway server's port needs a name \(port 80\) \[MESH504\]/);
  });

  test('an HTTPS server without tls fails synth (MESH505)', () => {
    const err = synthError(build([{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['a.example.com'] }]));
    expect(err).toMatch(/\[test\/edge\] servers\[0\]\.tls: a HTTPS server needs tls settings.*\[MESH505\]/);
  });

  test('tls on a plain HTTP server, other than a redirect, fails synth (MESH505)', () => {
    const err = synthError(build([{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['a.example.com'], tls: GatewayTls.istioMutual() }]));
    expect(err).toMatch(/\[test\/edge\] servers\[0\]\.tls: a HTTP server does not terminate TLS.*\[MESH505\]/);
  });

  test('servers without hosts, with bad hosts, duplicate names or ports out of range fail synth', () => {
    const err = synthError(build([
      { port: { number: 0, name: 'http', protocol: 'HTTP' }, hosts: [] },
      { port: { number: 65536, name: 'http', protocol: 'HTTP' }, hosts: ['Bad_Host'] },
    ]));
    expect(err).toMatch(/servers\[0\]\.hosts: a server needs at least one host \[MESH507\]/);
    expect(err).toMatch(/servers\[1\]\.hosts: 'Bad_Host' is not a host name Istio accepts \[MESH507\]/);
    expect(err).toMatch(/servers\[1\]\.port\.name: 'http' is used twice \[MESH020\]/);
    expect(err).toMatch(/servers\[0\]\.port\.number must be a whole number from 1 to 65535, got 0 \[MESH004\]/);
    expect(err).toMatch(/servers\[1\]\.port\.number must be a whole number from 1 to 65535, got 65536 \[MESH004\]/);
  });

  test('port boundaries 1 and 65535 are accepted', () => {
    const app = build([
      { port: { number: 1, name: 'http', protocol: 'HTTP' }, hosts: ['*'] },
      { port: { number: 65535, name: 'http-2', protocol: 'HTTP' }, hosts: ['ns/*.example.com'] },
    ]);
    expect(find(synth(app), 'Gateway', 'edge').spec.servers.map((s: any) => s.port.number)).toEqual([1, 65535]);
  });

  test('GatewayTls.simple rejects a credential that is not a Secret name at once', () => {
    expect(() => GatewayTls.simple('Bad Secret')).toThrow(/credentialName.*\[MESH505\]/);
  });
});

describe('EdgeGateway.route admission', () => {
  test("a gateway on the user's own pods: their namespace and labels in the NetworkPolicy, their ServiceAccount's principal in the ALLOW rule", () => {
    const { app, chart } = meshChart({ platform: MeshPlatform.of({ trustDomain: 'example.org' }) });
    const web = new MeshService(chart, 'web', { image: 'img' });
    const gateway = new EdgeGateway(chart, 'edge', {
      namespace: 'edge',
      selector: { app: 'edge-gateway' },
      servers: [{ port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }],
      workload: { namespace: 'edge', serviceAccount: 'edge-gateway' },
    });
    const route = gateway.route(web, { match: [{ uri: StringMatch.prefix('/') }], virtualServiceName: 'public' });
    const out = synth(app);
    expect(route.paths).toEqual(['/*']);
    expect(find(out, 'AuthorizationPolicy', 'web-policy').spec.rules[0]).toEqual({
      from: [{ source: { principals: ['example.org/ns/edge/sa/edge-gateway'] } }], to: [{ operation: { paths: ['/*'] } }],
    });
    // The gateway's selector is the peer's labels, in the pods' namespace, not the platform's.
    expect(find(out, 'NetworkPolicy', 'web').spec.ingress[0].from[0]).toEqual({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'edge' } },
      podSelector: { matchLabels: { app: 'edge-gateway' } },
    });
    // The VirtualService beside the Gateway, bound to it alone, to the service by its full name.
    const vs = find(out, 'VirtualService', 'public');
    expect(vs.metadata.namespace).toBe('edge');
    expect(vs.spec).toEqual({
      gateways: ['edge'], hosts: ['*'],
      // Its retries spare writes, as an IngressGateway's: Istio's default policy would retry 503 too. It waits as long as the
      // service's own routes (the `service` tier's 15s), as an IngressGateway's route does.
      http: [{ match: [{ uri: { prefix: '/' } }], route: [{ destination: { host: 'web.production.svc.cluster.local', subset: 'stable', port: { number: 80 } }, weight: 100 }], timeout: '15s', retries: { attempts: 2, retryOn: 'reset-before-request,connect-failure' } }],
    });
  });

  test("a route's timeout: its own, else the service's route timeout, none for a stream (as an IngressGateway's)", () => {
    // Istio's route timeout is none by default (VirtualService HTTPRoute.timeout): without the service's, the gateway would
    // wait on a hung service without end, while the service's own callers give up at its timeout.
    const { app, chart } = meshChart();
    const api = new MeshService(chart, 'api', { image: 'img', timeout: Duration.seconds(4) });
    const feed = new MeshService(chart, 'feed', { image: 'img', streaming: true });
    const web = new MeshService(chart, 'web', { image: 'img' });
    const gateway = new EdgeGateway(chart, 'edge', { servers: [{ port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['a.example.com'] }] });
    gateway.route(api, { pathPrefix: '/api/' });
    gateway.route(feed, { pathPrefix: '/feed/' });
    gateway.route(web, { pathPrefix: '/ws/', streaming: true });
    gateway.route(web, { pathPrefix: '/slow/', timeout: Duration.seconds(40) });
    const http = find(synth(app), 'VirtualService', 'edge').spec.http;
    expect(http.map((r: any) => [r.match[0].uri.prefix, r.timeout])).toEqual([
      ['/api/', '4s'], ['/feed/', undefined], ['/ws/', undefined], ['/slow/', '40s'],
    ]);
  });

  test('routes naming one VirtualService share it in the order added; a path prefix admits its paths', () => {
    const { app, chart } = meshChart();
    const web = new MeshService(chart, 'web', { image: 'img' });
    const api = new MeshService(chart, 'api', { image: 'img' });
    const gateway = new EdgeGateway(chart, 'edge', { servers: [{ port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['a.example.com'] }] });
    const apiRoute = gateway.route(api, { pathPrefix: '/api/', subset: api.subset, timeout: Duration.seconds(3) });
    gateway.route(web);
    const out = synth(app);
    const vs = find(out, 'VirtualService', 'edge');
    expect(vs.spec.http).toEqual([
      { match: [{ uri: { prefix: '/api/' } }], route: [{ destination: { host: 'api', subset: api.subset, port: { number: 80 } } }], timeout: '3s', retries: { attempts: 2, retryOn: 'reset-before-request,connect-failure' } },
      // Without a timeout of its own, the route waits as long as the service's routes (its tier's 15s).
      { route: [{ destination: { host: 'web', subset: 'stable', port: { number: 80 } }, weight: 100 }], timeout: '15s', retries: { attempts: 2, retryOn: 'reset-before-request,connect-failure' } },
    ]);
    expect(apiRoute.node.defaultChild).toBe(ApiObject.of(apiRoute));
    expect(gatewayRoutesOf(api).map((r) => r.paths)).toEqual([['/api/*']]);
    expect(gatewayRoutesOf(web).map((r) => r.paths)).toEqual([undefined]);
    expect(find(out, 'AuthorizationPolicy', 'api-policy').spec.rules[0].to).toEqual([{ operation: { paths: ['/api/*'] } }]);
  });
});

test("a route's default hosts are its gateway's servers' hosts, once each, without the namespace a server may name", () => {
  const { app, chart } = meshChart();
  const web = new MeshService(chart, 'web', { image: 'img' });
  const gateway = new EdgeGateway(chart, 'edge', { servers: [
    { port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['production/a.example.com', 'b.example.com'] },
    { port: { number: 8081, name: 'http-2', protocol: 'HTTP' }, hosts: ['b.example.com'] },
  ] });
  expect(gateway.route(web).hosts).toEqual(['a.example.com', 'b.example.com']);
  expect(find(synth(app), 'VirtualService', 'edge').spec.hosts).toEqual(['a.example.com', 'b.example.com']);
});

describe('a path prefix without a trailing slash: the path and the paths under it (Gateway API PathPrefix)', () => {
  test("'/graphql' takes /graphql and /graphql/..., never /graphqlx: an exact and a prefix match, both admitted and proved", () => {
    // GIVEN a GraphQL endpoint routed at /graphql beside a site at /
    const { app, chart } = meshChart();
    const api = new MeshService(chart, 'graphql', { image: 'img' });
    const web = new MeshService(chart, 'web', { image: 'img' });
    const gateway = new EdgeGateway(chart, 'edge', { servers: [{ port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['a.example.com'] }] });
    const route = gateway.route(api, { pathPrefix: '/graphql' });
    gateway.route(web);
    // WHEN synthesized
    const out = synth(app);
    // THEN the route matches the path itself and the paths under it, not a string prefix (Envoy's, which would take /graphqlx)
    expect(find(out, 'VirtualService', 'edge').spec.http[0].match).toEqual([{ uri: { exact: '/graphql' } }, { uri: { prefix: '/graphql/' } }]);
    // AND the service admits the gateway on both
    expect(route.paths).toEqual(['/graphql', '/graphql/*']);
    expect(find(out, 'AuthorizationPolicy', 'graphql-policy').spec.rules[0].to).toEqual([{ operation: { paths: ['/graphql', '/graphql/*'] } }]);
    // AND its flow is the endpoint itself, which synth proves
    expect(chart.intendedFlows().filter((f) => f.constructPath === 'test/edge/route-graphql').map((f) => f.path)).toEqual(['/graphql']);
    const evaluator = new FlowEvaluator(out, { platform: chart.platform.workloads('production') });
    const request = (path: string) => evaluator.evaluate({
      source: { external: true }, host: 'a.example.com', port: 8080, protocol: 'HTTP', method: 'POST', path,
    }).reached?.map((p) => p.workload);
    expect(request('/graphql')).toEqual(['graphql']);
    expect(request('/graphql/batch')).toEqual(['graphql']);
    expect(request('/graphqlx')).toEqual(['web']);
  });

  test('an IngressGateway writes the same two matches, and orders the route by its length as a prefix', () => {
    const { app, chart } = meshChart();
    const gateway = new IngressGateway(chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls' });
    gateway.route(new MeshService(chart, 'web', { image: 'img' }));
    gateway.route(new MeshService(chart, 'graphql', { image: 'img' }), { pathPrefix: '/graphql' });
    const http = find(synth(app), 'VirtualService', 'shop').spec.http;
    expect(http.map((r: any) => r.match)).toEqual([[{ uri: { exact: '/graphql' } }, { uri: { prefix: '/graphql/' } }], undefined]);
    expect(chart.intendedFlows().filter((f) => f.host === 'shop.example.com').map((f) => f.path)).toEqual(['/graphql', '/']);
  });
});

describe("a gateway route's header changes", () => {
  test('the gateway removes a header only the mesh may set (x-tenant) from the client\'s requests, on an EdgeGateway and an IngressGateway', () => {
    // GIVEN billing's routes send x-tenant: bigcorp to a dedicated subset, and the public routes to api strip the client's copy
    const { app, chart } = meshChart();
    const api = new MeshService(chart, 'api', { image: 'img' });
    const remove = { request: { remove: ['x-tenant'] }, response: { set: { 'x-frame-options': 'DENY' } } };
    new EdgeGateway(chart, 'edge', { servers: [{ port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['a.example.com'] }] })
      .route(api, { headers: remove });
    new IngressGateway(chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls' }).route(api, { headers: remove });
    const out = synth(app);
    // THEN each gateway's rule carries the changes
    for (const name of ['edge', 'shop']) {
      expect(find(out, 'VirtualService', name).spec.http[0].headers).toEqual({ request: { remove: ['x-tenant'] }, response: { set: { 'x-frame-options': 'DENY' } } });
    }
  });

  test('not on a MeshGateway, whose routes are the service\'s own (MESH630)', () => {
    const { app, chart } = meshChart();
    const gateway = new MeshGateway(chart, 'gw', { pods: { namespace: 'service-mesh', serviceAccount: 'mesh-gateway', labels: { istio: 'mesh-gateway' } },
      tierNamespaces: ['production'] });
    gateway.route(new MeshService(chart, 'web', { image: 'img' }), { hosts: ['web.production.svc.cluster.local'], headers: { request: { remove: ['x-tenant'] } } });
    expect(synthError(app)).toMatch(/\[test\/gw\/route-web\] headers: .*\[MESH630\]/);
  });

  test("a MeshGateway's clients meet the service's own routes: its default retries spare their writes", () => {
    // The gateway applies the VirtualService bound to it, the service's own, retries included: every method its clients send.
    const retryOn = (meshGateway: boolean) => {
      const { app, chart } = meshChart();
      const web = new MeshService(chart, 'web', { image: 'img' });
      if (meshGateway) {
        new MeshGateway(chart, 'gw', { pods: { namespace: 'service-mesh', serviceAccount: 'mesh-gateway', labels: { istio: 'mesh-gateway' } },
          tierNamespaces: ['production'] }).route(web, { hosts: ['web.production.svc.cluster.local'] });
      }
      return find(synth(app), 'VirtualService', 'web').spec.http.at(-1).retries.retryOn;
    };
    expect(retryOn(true)).toBe('reset-before-request,connect-failure');
    expect(retryOn(false)).toBe('5xx,reset,connect-failure,retriable-4xx');
  });
});

describe('EdgeGateway.route flows', () => {
  test("a route means a client outside reaches the service on the server's port, host and the route's first path", () => {
    const { app, chart } = meshChart();
    const web = new MeshService(chart, 'web', { image: 'img' });
    const gateway = new EdgeGateway(chart, 'edge', { servers: [{ port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['*.example.com'] }] });
    gateway.route(web, { match: [{ uri: StringMatch.exact('/login'), method: 'POST' }] });
    const flows = chart.intendedFlows().filter((f) => f.constructPath === 'test/edge/route-web');
    expect(flows).toEqual([expect.objectContaining({
      source: { external: true }, host: 'www.example.com', port: 8080, protocol: 'HTTP', method: 'POST', path: '/login', expect: 'allow',
    })]);
    // Synth evaluates it over the manifests: the gateway, its VirtualService, the service's policies.
    expect(() => synth(app)).not.toThrow();
  });

  test('a route the gateway cannot deliver fails synth on the route (MESH600): an HTTP server that redirects to HTTPS', () => {
    const { app, chart } = meshChart();
    const web = new MeshService(chart, 'web', { image: 'img' });
    const gateway = new EdgeGateway(chart, 'edge', {
      servers: [{ port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['a.example.com'], tls: GatewayTls.httpsRedirect() }],
    });
    gateway.route(web);
    expect(synthError(app)).toMatch(/\[test\/edge\/route-web\] .*a client reaches web through edge: GET http:\/\/a\.example\.com:8080\/.*\[MESH600\]/);
  });

  test("no flow for a gateway on the user's own pods, which the platform does not describe, or for a match on headers", () => {
    const { chart } = meshChart();
    const web = new MeshService(chart, 'web', { image: 'img' });
    const servers = [{ port: { number: 8080, name: 'http', protocol: 'HTTP' as const }, hosts: ['a.example.com'] }];
    new EdgeGateway(chart, 'own', { servers, selector: { app: 'own' }, workload: { namespace: 'own' } }).route(web);
    new EdgeGateway(chart, 'edge', { servers }).route(web, { match: [{ headers: { 'x-canary': StringMatch.exact('1') } }] });
    expect(chart.intendedFlows().filter((f) => f.constructPath.includes('route-web'))).toEqual([]);
  });
});

describe('EdgeGateway.route bad input', () => {
  test('a target with no HTTP port, a port the target lacks, a prefix and matches, other hosts in one VirtualService', () => {
    const { app, chart } = meshChart();
    const gateway = new EdgeGateway(chart, 'gw', { servers: [{ port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] });
    const db = new MeshService(chart, 'db', { image: 'img', ports: [{ port: 5432, protocol: 'tcp' }] });
    const web = new MeshService(chart, 'web', { image: 'img' });
    gateway.route(web, { port: 8443 });
    gateway.route(db, { pathPrefix: '/db/' });
    gateway.route(web, { pathPrefix: '/x/', match: [{ uri: StringMatch.exact('/old') }] });
    gateway.route(web, { pathPrefix: 'static/', hosts: ['a.example.com'] });
    gateway.route(web, { match: [] });
    const err = synthError(app);
    expect(err).toMatch(/\[test\/gw\/route-web\] port: 8443 is not a port of test\/web \[MESH030\]/);
    expect(err).toMatch(/\[test\/gw\/route-db\] service: test\/db has no HTTP port \[MESH030\]/);
    expect(err).toMatch(/\[test\/gw\/route-web-2\] pathPrefix: give a path prefix or full matches, not both \[MESH630\]/);
    expect(err).toMatch(/\[test\/gw\/route-web-3\] pathPrefix: 'static\/' must be '\/', a path ending in '\/' \('\/api\/', the paths under it\) or a path of segments \('\/graphql', it and the paths under it\) \(web\); match other requests with `match` \[MESH630\]/);
    expect(err).toMatch(/\[test\/gw\/route-web-3\] hosts: \[a.example.com\] are not the hosts of VirtualService 'gw' \(\[\*\], opened by test\/gw\/route-web\)/);
    expect(err).toMatch(/\[test\/gw\/route-web-4\] match: give at least one match, or a pathPrefix \[MESH017\]/);
  });
});

describe("a gateway's virtualServiceName taken by another VirtualService of its namespace (MESH273)", () => {
  const http = (host: string): GatewayServer[] => [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: [host] }];

  test("a service's own VirtualService: an error at the route naming the field and the service, before the manifests' MESH018", () => {
    const { app, chart } = meshChart();
    const api = new MeshService(chart, 'device-api', { image: 'img' });
    new EdgeGateway(chart, 'edge', { servers: http('api.example.com') }).route(api, { virtualServiceName: 'device-api' });
    const err = synthError(app);
    expect(err).toMatch(/^Validation failed/);
    expect(err).toMatch(/\[test\/edge\/route-device-api\] virtualServiceName: 'device-api' is the name of test\/device-api's VirtualService in namespace production: .* \[MESH273\]/);
    expect(err).not.toMatch(/MESH018/);
  });

  test("another gateway's, by its default name: each gateway's rule names the other's", () => {
    const { app, chart } = meshChart();
    const web = new MeshService(chart, 'web', { image: 'img' });
    new EdgeGateway(chart, 'edge', { servers: http('a.example.com') }).route(web);
    new EdgeGateway(chart, 'partner', { servers: http('b.example.com') }).redirect({ pathPrefix: '/old/', to: { uri: '/new' }, virtualServiceName: 'edge' });
    const err = synthError(app);
    expect(err).toMatch(/\[test\/partner\/redirect\] virtualServiceName: 'edge' is the name of test\/edge\/route-web's VirtualService in namespace production/);
    expect(err).toMatch(/\[test\/edge\/route-web\] virtualServiceName: 'edge' \(the gateway's name, the default\) is the name of test\/partner\/redirect's VirtualService/);
  });

  test('a gateway named as a service routes to it in a VirtualService of another name, or in another namespace, and synthesizes', () => {
    const { app, chart } = meshChart();
    const web = new MeshService(chart, 'web', { image: 'img' });
    new EdgeGateway(chart, 'web-edge', { servers: http('a.example.com') }).route(web, { virtualServiceName: 'web-public' });
    new EdgeGateway(chart, 'web-gateway', { name: 'web', namespace: 'edge', servers: http('b.example.com') }).route(web);
    const out = synth(app);
    expect(find(out, 'VirtualService', 'web-public').metadata.namespace).toBe('production');
    expect(out.filter((m) => m.kind === 'VirtualService' && m.metadata.name === 'web').map((m) => m.metadata.namespace).sort()).toEqual(['edge', 'production']);
  });
});

test("a service routed through a mesh gateway under '*' fails synth: its VirtualService is also the mesh's", () => {
  const { app, chart } = meshChart();
  const gateway = new MeshGateway(chart, 'gw', { pods: { namespace: 'service-mesh', serviceAccount: 'mesh-gateway', labels: { istio: 'mesh-gateway' } },
    tierNamespaces: ['production'] });
  gateway.route(new MeshService(chart, 'web', { image: 'img' }), { hosts: ['*'] });
  expect(synthError(app)).toMatch(
    /\[test\/web\] host '\*' \(bound by test\/gw\/route-web\) is invalid on the mesh gateway; serve it with EdgeGateway.route, bound to the gateway only \[MESH507\]/);
});

describe("a gateway's route flow takes the server that serves the host, not one that redirects to HTTPS", () => {
  test('an EdgeGateway with an HTTP redirect server before its HTTPS one: the flow is on 443 and synth passes', () => {
    const { app, chart } = meshChart({}, 'shop');
    const web = new MeshService(chart, 'web', { image: 'registry.example.com/web:1' });
    new EdgeGateway(chart, 'edge', { servers: [
      { port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['shop.example.com'], tls: GatewayTls.httpsRedirect() },
      { port: { number: 8443, name: 'https', protocol: 'HTTPS' }, hosts: ['shop.example.com'], tls: GatewayTls.simple('shop-tls') },
    ] }).route(web, { subset: 'stable' });
    expect(chart.intendedFlows().filter((f) => f.constructPath === 'shop/edge/route-web').map((f) => [f.port, f.protocol])).toEqual([[8443, 'HTTPS']]);
    expect(() => app.manifests()).not.toThrow();
  });
});
