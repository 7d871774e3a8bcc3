// A gateway route's rewrite (GatewayRouteOptions.rewrite): the service receives the path with the matched prefix replaced
// (Istio HTTPRewrite.uri, Envoy prefix_rewrite), and admits the gateway on the paths it receives.
import { EdgeGateway, IngressGateway, MeshService, StringMatch } from '../../../src';
import { checkIntendedFlows, FlowEvaluator } from '../../../src/validate';
import { find, meshChart, synth, synthError } from '../../util';

const SERVERS = [{ port: { number: 80, name: 'http', protocol: 'HTTP' as const }, hosts: ['shop.example.com'] }];

function setup(options: Parameters<EdgeGateway['route']>[1]) {
  const { app, chart } = meshChart();
  const search = new MeshService(chart, 'search', { image: 'search:1' });
  const route = new EdgeGateway(chart, 'public', { servers: SERVERS }).route(search, options);
  return { app, chart, search, route };
}

describe('GatewayRouteOptions.rewrite', () => {
  test("the rule rewrites the matched prefix; the service admits the gateway on the paths it receives, which the route's flow proves", () => {
    // GIVEN the public /api/search/ served by a service whose own paths are /search/
    const { app, chart } = setup({ pathPrefix: '/api/search/', rewrite: { uri: '/search/' } });
    const m = synth(app);
    // THEN the rule rewrites, and the ALLOW rule names the rewritten paths
    expect(find(m, 'VirtualService', 'public').spec.http[0]).toMatchObject({ match: [{ uri: { prefix: '/api/search/' } }], rewrite: { uri: '/search/' } });
    expect(find(m, 'AuthorizationPolicy', 'search-policy').spec.rules).toContainEqual({
      from: [{ source: { principals: ['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'] } }],
      to: [{ operation: { paths: ['/search/*'] } }],
    });
    // AND the client's request (GET /api/search/x) reaches search as /search/x: refused when the rule names the client's path instead
    const flows = chart.intendedFlows().filter((f) => f.constructPath === 'test/public/route-search');
    expect(flows.map((f) => f.path)).toEqual(['/api/search/x']);
    const evaluate = (manifests: Record<string, any>[]) => checkIntendedFlows(
      new FlowEvaluator(manifests, { platform: chart.platform.workloads(chart.namespace), trustDomain: chart.platform.trustDomain }), flows);
    expect(evaluate(m)).toEqual([]);
    const ap = find(m, 'AuthorizationPolicy', 'search-policy');
    const unrewritten = { ...ap, spec: { ...ap.spec, rules: [{ ...ap.spec.rules[0], to: [{ operation: { paths: ['/api/search/*'] } }] }] } };
    expect(evaluate(m.map((x) => (x === ap ? unrewritten : x))).map((f) => f.code)).toEqual(['MESH600']);
  });

  test('an exact match is replaced whole; a rewrite to / admits every path', () => {
    const exact = setup({ match: [{ uri: StringMatch.exact('/checkout.jsp') }], rewrite: { uri: '/checkout' } });
    expect(exact.route.paths).toEqual(['/checkout']);
    expect(setup({ pathPrefix: '/api/search/', rewrite: { uri: '/' } }).route.paths).toBeUndefined();
    expect(setup({ pathPrefix: '/api/search/' }).route.paths).toEqual(['/api/search/*']);
  });

  test.each([
    [{ pathPrefix: '/api/', rewrite: { uriRegexRewrite: { match: '^/api/(.*)$', rewrite: '/\\1' } } },
      "rewrite.uriRegexRewrite: a gateway route rewrites by `uri`, whose paths the service's admission states [MESH630]"],
    [{ pathPrefix: '/api/', rewrite: { uri: 'search/' } }, "rewrite.uri: 'search/' must start with '/' [MESH630]"],
    [{ match: [{ method: 'GET' as const }], rewrite: { uri: '/search/' } },
      'rewrite.uri: replaces the prefix or exact path a match names: give every match a uri prefix or exact path [MESH630]'],
  ])('%j fails synth on the route', (options, message) => {
    expect(synthError(setup(options).app)).toContain(`[test/public/route-search] ${message}`);
  });

  test("an IngressGateway's routes do not rewrite (MESH630)", () => {
    const { app, chart } = meshChart();
    const search = new MeshService(chart, 'search', { image: 'search:1' });
    new IngressGateway(chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls' }).route(search, { pathPrefix: '/api/', rewrite: { uri: '/' } });
    expect(synthError(app)).toContain("rewrite: an IngressGateway's routes keep the client's path; rewrite it through an EdgeGateway [MESH630]");
  });
});
