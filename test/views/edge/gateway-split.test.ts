/**
 * A gateway's route to a service without a subset sends the gateway's requests as the service's own default route does.
 * Istio applies at a gateway only the VirtualServices bound to it: the service's own, bound to `mesh`, does not route them
 * (https://istio.io/latest/docs/reference/config/networking/virtual-service/#VirtualService-gateways), so the gateway's route
 * writes the service's weighted subsets and header routes itself, or a canary's share follows the versions' pod counts.
 */
import { Duration } from 'cdk8s';
import {
  BlueGreenRelease, CanaryPlan, CanaryRelease, Codes, EdgeGateway, IngressGateway, MeshService, StringMatch, Weight,
} from '../../../src';
import { evaluateFlow, platformFlowOptions, validateManifests } from '../../../src/validate';
import { find, meshChart, synth } from '../../util';

const RETRIES = { attempts: 2, retryOn: 'reset-before-request,connect-failure' };
const API = 'api.production.svc.cluster.local';
const dest = (host: string, subset: string, weight?: number) =>
  ({ destination: { host, subset, port: { number: 80 } }, ...(weight === undefined ? {} : { weight }) });

/** An api service with two pods per version, v2 released at `phase` of a plan whose canary-10 phase also takes `x-canary`. */
function canary(phase = 'canary-10') {
  const { app, chart } = meshChart();
  const api = new MeshService(chart, 'api', { image: 'api:1', replicas: 2 });
  const plan = CanaryPlan.of([
    { name: 'canary-10', canaryWeight: 10, headers: { 'x-canary': StringMatch.exact('true') }, duration: Duration.days(1) },
    { name: 'canary-50', canaryWeight: 50, duration: Duration.days(1) },
  ]);
  new CanaryRelease(chart, 'api-v2', { service: api, image: 'api:2', plan, phase, replicas: 2 });
  return { app, chart, api };
}

describe('an IngressGateway route without a subset', () => {
  test("at canary-10 writes the service's header route, then its 90/10 split, under the route's prefix, with the route's own settings", () => {
    const { app, chart, api } = canary();
    new IngressGateway(chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls' })
      .route(api, { pathPrefix: '/api/', timeout: Duration.seconds(3) });
    const out = synth(app);
    expect(find(out, 'VirtualService', 'shop').spec.http).toEqual([
      {
        name: 'api-headers-0',
        match: [{ uri: { prefix: '/api/' }, headers: { 'x-canary': { exact: 'true' } } }],
        route: [dest(API, 'canary')], timeout: '3s', retries: RETRIES,
      },
      { name: 'api', match: [{ uri: { prefix: '/api/' } }], route: [dest(API, 'stable', 90), dest(API, 'canary', 10)], timeout: '3s', retries: RETRIES },
    ]);
    // The same destinations as the service's own VirtualService, inside the mesh.
    const own = find(out, 'VirtualService', 'api').spec.http;
    expect(own[own.length - 1].route).toEqual([
      { destination: { host: 'api', subset: 'stable' }, weight: 90 }, { destination: { host: 'api', subset: 'canary' }, weight: 10 },
    ]);
    expect(own[0]).toMatchObject({ match: [{ headers: { 'x-canary': { exact: 'true' } } }], route: [{ destination: { host: 'api', subset: 'canary' } }] });
  });

  test("a phase without headers writes the split alone; '/' keeps the route match-less", () => {
    const { app, chart, api } = canary('canary-50');
    new IngressGateway(chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls' }).route(api);
    expect(find(synth(app), 'VirtualService', 'shop').spec.http).toEqual([
      { name: 'api', route: [dest(API, 'stable', 50), dest(API, 'canary', 50)], timeout: '15s', retries: RETRIES },
    ]);
  });

  test("a service of one version gets its own subset at weight 100; setSplit's and a BlueGreenRelease's weights are followed", () => {
    const { app, chart } = meshChart();
    const web = new MeshService(chart, 'web', { image: 'web:1' });
    const pay = new MeshService(chart, 'pay', { image: 'pay:1' });
    pay.addVersion({ name: 'v2', image: 'pay:2' });
    pay.setSplit([{ subset: 'stable', weight: Weight.percent(70) }, { subset: 'v2', weight: Weight.percent(30) }]);
    const cart = new MeshService(chart, 'cart', { image: 'cart:1' });
    new BlueGreenRelease(chart, 'cart-green', { service: cart, image: 'cart:2', active: 'green' });
    const gw = new IngressGateway(chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls' });
    gw.route(web);
    gw.route(pay, { pathPrefix: '/pay/' });
    gw.route(cart, { pathPrefix: '/cart/' });
    const routes = Object.fromEntries(find(synth(app), 'VirtualService', 'shop').spec.http.map((r: any) => [r.name, r.route]));
    const fq = (s: string) => `${s}.production.svc.cluster.local`;
    expect(routes.web).toEqual([dest(fq('web'), 'stable', 100)]);
    expect(routes.pay).toEqual([dest(fq('pay'), 'stable', 70), dest(fq('pay'), 'v2', 30)]);
    expect(routes.cart).toEqual([dest(fq('cart'), 'green', 100)]);
  });

  test("carries the service's routes by header alone that forward as they are; not those by path or that change the request", () => {
    const { app, chart } = meshChart();
    const pay = new MeshService(chart, 'pay', { image: 'pay:1' });
    pay.addVersion({ name: 'v2', image: 'pay:2' });
    pay.addRoute({ match: [{ uri: StringMatch.prefix('/beta/') }], destinations: [{ subset: 'v2' }] });
    pay.addRoute({ match: [{ headers: { 'x-old': StringMatch.exact('1') } }], destinations: [{ subset: 'v2' }], rewrite: { uri: '/' } });
    pay.addRoute({ name: 'testers', match: [{ withoutHeaders: { cookie: StringMatch.prefix('prod') } }], destinations: [{ subset: 'v2' }] });
    expect(pay.traffic.headerRoutes.map((r) => r.name)).toEqual(['testers']);
    new IngressGateway(chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls' }).route(pay, { pathPrefix: '/pay/' });
    const fq = 'pay.production.svc.cluster.local';
    expect(find(synth(app), 'VirtualService', 'shop').spec.http.map((r: any) => ({ name: r.name, match: r.match, route: r.route }))).toEqual([
      { name: 'pay-headers-0', match: [{ uri: { prefix: '/pay/' }, withoutHeaders: { cookie: { prefix: 'prod' } } }], route: [dest(fq, 'v2')] },
      { name: 'pay', match: [{ uri: { prefix: '/pay/' } }], route: [dest(fq, 'stable', 100)] },
    ]);
  });

  test('an explicit subset is kept: every request to it, no header route', () => {
    const { app, chart, api } = canary();
    new IngressGateway(chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls' }).route(api, { subset: 'stable' });
    expect(find(synth(app), 'VirtualService', 'shop').spec.http).toEqual([
      { name: 'api', route: [{ destination: { host: API, subset: 'stable', port: { number: 80 } } }], timeout: '15s', retries: RETRIES },
    ]);
  });
});

describe('an EdgeGateway route without a subset', () => {
  function edge() {
    const { app, chart, api } = canary();
    const gw = new EdgeGateway(chart, 'public', { servers: [{ port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['api.example.com'] }] });
    gw.route(api, {
      match: [
        { uri: StringMatch.prefix('/v1/') },
        // Asks x-canary otherwise: no request of this match takes the header route.
        { uri: StringMatch.prefix('/beta/'), headers: { 'x-canary': StringMatch.exact('false') } },
      ],
    });
    return { app, chart, out: synth(app) };
  }

  test('writes the header route under each of its matches that admits it, then the split, and MESH135 has nothing to say', () => {
    const { out } = edge();
    const vs = find(out, 'VirtualService', 'public');
    expect(vs.spec.http).toEqual([
      { match: [{ uri: { prefix: '/v1/' }, headers: { 'x-canary': { exact: 'true' } } }], route: [dest('api', 'canary')], timeout: '15s', retries: RETRIES },
      {
        match: [{ uri: { prefix: '/v1/' } }, { uri: { prefix: '/beta/' }, headers: { 'x-canary': { exact: 'false' } } }],
        route: [dest('api', 'stable', 90), dest('api', 'canary', 10)], timeout: '15s', retries: RETRIES,
      },
    ]);
    // The gateway's routes name the subsets the service's own VirtualService splits by (IST0140's concern).
    expect(validateManifests(out).filter((f) => f.code === Codes.INGRESS_SKIPS_SUBSET_RULES)).toEqual([]);
  });
});

describe('the flows through the gateway', () => {
  test("a browser's request at canary-10 reaches the pods of both weighted subsets, each named in the verdict", () => {
    const { app, chart, api } = canary();
    new IngressGateway(chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls' }).route(api, { pathPrefix: '/api/' });
    const out = synth(app);
    const flow = { source: { external: true as const }, host: 'shop.example.com', port: 443, protocol: 'HTTPS' as const, method: 'GET' as const, path: '/api/x' };
    const verdict = evaluateFlow(out, flow, platformFlowOptions(chart.platform, 'production'));
    expect(verdict.allowed).toBe(true);
    // Each weighted subset's pods take their share (a route without subsets would name the Service's pods alone).
    expect(verdict.hops).toEqual(expect.arrayContaining([
      'api.production:80 subset stable → production/api:8080', 'api.production:80 subset canary → production/api:8080',
    ]));
  });
});
