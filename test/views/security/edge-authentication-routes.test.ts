/**
 * EdgeAuthentication guards the paths the gateways route to its service: by default every one,
 * given paths that cover none fail synth (MESH216), a routed path left open beside a guarded
 * one is a warning (MESH217). The flows prove it over the rendered manifests: without a token
 * a guarded route is refused, with one it is allowed.
 */
import { Codes, EdgeAuthentication, EdgeGateway, IngressGateway, MeshService, StringMatch } from '../../../src';
import { Flow, FlowEvaluator } from '../../../src/validate';
import { find, meshChart, synth, synthError } from '../../util';

const ISSUER = 'https://auth.example.com';
const auth = { issuer: ISSUER, jwksUri: `${ISSUER}/jwks.json`, audiences: ['payments'] };

function payments(paths?: string[]) {
  const { app, chart } = meshChart();
  const api = new MeshService(chart, 'api', { image: 'api:1' });
  const web = new MeshService(chart, 'web', { image: 'web:1' });
  const ingress = new IngressGateway(chart, 'edge', { hosts: ['pay.example.com'], credentialName: 'pay-tls' });
  const edge = new EdgeAuthentication(chart, 'edge-auth', { service: api, ...auth, paths });
  // Routed after the EdgeAuthentication: the default is worked out at synth.
  ingress.route(api, { pathPrefix: '/v1/' });
  ingress.route(web);
  return { app, chart, api, edge };
}

function browser(out: Record<string, any>[], chart: ReturnType<typeof meshChart>['chart'], path: string, requestPrincipal?: string) {
  const evaluator = new FlowEvaluator(out, {
    trustDomain: chart.platform.trustDomain, rootNamespace: chart.platform.istio.rootNamespace, platform: chart.platform.workloads(chart.namespace),
  });
  const flow: Flow = { source: { external: true }, host: 'pay.example.com', port: 443, protocol: 'HTTPS', method: 'GET', path, requestPrincipal };
  return evaluator.evaluate(flow);
}

describe('EdgeAuthentication over the routed paths', () => {
  test('by default it guards every path the gateways route to its service: /v1/* without a token is refused, with one allowed', () => {
    const { app, chart, edge } = payments();
    const out = synth(app);
    expect(edge.paths).toEqual(['/v1/*']);
    expect(find(out, 'AuthorizationPolicy', 'api-policy').spec.rules).toEqual([{
      from: [{ source: { principals: ['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'], requestPrincipals: [`${ISSUER}/*`] } }],
      to: [{ operation: { paths: ['/v1/*'] } }],
    }]);
    const anonymous = browser(out, chart, '/v1/payments');
    expect(anonymous.allowed).toBe(false);
    expect(anonymous.decidedBy).toMatchObject({ kind: 'AuthorizationPolicy', name: 'api-policy' });
    expect(browser(out, chart, '/v1/payments', `${ISSUER}/user-1`).allowed).toBe(true);
    // The other route's service is not guarded by it.
    expect(browser(out, chart, '/index.html').allowed).toBe(true);
  });

  test('paths that cover no routed path fail synth, naming the construct, both sets of paths and the code', () => {
    const err = synthError(payments(['/api/*']).app);
    expect(err).toMatch(/\[test\/edge-auth\] paths: \[\/api\/\*\] cover no path the gateways route to api \(\[\/v1\/\*\]\)/);
    expect(err).toContain(`[${Codes.EDGE_AUTH_GUARDS_NO_ROUTE}]`);
  });

  test('a service no gateway routes to fails synth: nothing would be guarded', () => {
    const { app, chart } = meshChart();
    const api = new MeshService(chart, 'api', { image: 'api:1' });
    new EdgeAuthentication(chart, 'edge-auth', { service: api, ...auth });
    expect(synthError(app)).toMatch(/\[test\/edge-auth\] paths: no gateway routes to api .*\[MESH216\]/);
  });

  test('a routed path left unguarded beside a guarded one is a warning naming it; the guarded one still needs a token', () => {
    const { app, chart } = meshChart();
    const api = new MeshService(chart, 'api', { image: 'api:1' });
    const ingress = new IngressGateway(chart, 'edge', { hosts: ['pay.example.com'], credentialName: 'pay-tls' });
    ingress.route(api, { pathPrefix: '/v1/' });
    ingress.route(api, { pathPrefix: '/public/' });
    new EdgeAuthentication(chart, 'edge-auth', { service: api, ...auth, paths: ['/v1/*'] });
    const out = synth(app);
    expect(app.warnings.filter((w) => w.includes(Codes.EDGE_AUTH_ROUTE_UNGUARDED))).toEqual([
      '[test/edge-auth] test/RequestAuthentication/api-jwt: paths: the gateways route /public/* to api, which no guarded path covers ([/v1/*]): '
        + 'it admits requests without a token; add it to paths if it needs a signed-in user [MESH217]',
    ]);
    expect(browser(out, chart, '/v1/x').allowed).toBe(false);
    expect(browser(out, chart, '/public/x').allowed).toBe(true);
  });

  test('a guarded path inside a routed prefix is cut out of the gateway\'s own rule: no token, refused', () => {
    const { app, chart } = meshChart();
    const api = new MeshService(chart, 'api', { image: 'api:1' });
    new IngressGateway(chart, 'edge', { hosts: ['pay.example.com'], credentialName: 'pay-tls' }).route(api, { pathPrefix: '/v1/' });
    new EdgeAuthentication(chart, 'edge-auth', { service: api, ...auth, paths: ['/v1/payments/*'] });
    const out = synth(app);
    expect(find(out, 'AuthorizationPolicy', 'api-policy').spec.rules[0].to).toEqual([{ operation: { paths: ['/v1/*'], notPaths: ['/v1/payments/*'] } }]);
    expect(browser(out, chart, '/v1/payments/1').allowed).toBe(false);
    expect(browser(out, chart, '/v1/payments/1', `${ISSUER}/user-1`).allowed).toBe(true);
    expect(browser(out, chart, '/v1/status').allowed).toBe(true);
  });

  test("an EdgeGateway's routes count as routes: their matches are the default, a route of every path is `/*`", () => {
    const { app, chart } = meshChart();
    const api = new MeshService(chart, 'api', { image: 'api:1' });
    const other = new MeshService(chart, 'other', { image: 'o:1' });
    const gw = new EdgeGateway(chart, 'gw', {
      servers: [{ port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['pay.example.com', 'other.example.com'] }],
    });
    gw.route(api, { hosts: ['pay.example.com'], match: [{ uri: StringMatch.exact('/v2/pay') }], virtualServiceName: 'pay-edge' });
    const byRoutes = new EdgeAuthentication(chart, 'auth-api', { service: api, ...auth });
    gw.route(other, { hosts: ['other.example.com'], virtualServiceName: 'other-edge' });
    const byBind = new EdgeAuthentication(chart, 'auth-other', { service: other, ...auth });
    synth(app);
    expect(byRoutes.paths).toEqual(['/v2/pay']);
    expect(byBind.paths).toEqual(['/*']);
  });
});
