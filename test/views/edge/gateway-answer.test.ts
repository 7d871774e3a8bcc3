// An EdgeGateway's own redirects and direct responses (EdgeGateway.redirect, respond): rules of its VirtualService ahead of its
// routes, each an intended flow answered at the gateway, proved at synth.
import { EdgeGateway, IngressGateway, MeshService, StringMatch, Warnings } from '../../../src';
import { checkIntendedFlows, FlowEvaluator } from '../../../src/validate';
import { formatVerdict } from '../../../src/validate/flow/cli-flow';
import { find, meshChart, synth, synthError } from '../../util';

const SERVERS = [{ port: { number: 80, name: 'http', protocol: 'HTTP' as const }, hosts: ['shop.example.com'] }];

function setup() {
  const { app, chart } = meshChart();
  const monolith = new MeshService(chart, 'monolith', { image: 'monolith:1' });
  const gateway = new EdgeGateway(chart, 'public', { servers: SERVERS });
  // The monolith's route of every path is added first: the answers must still come before it.
  gateway.route(monolith, { pathPrefix: '/' });
  return { app, chart, gateway };
}

describe('EdgeGateway.redirect and respond', () => {
  test('the rules come before the routes in the gateway\'s VirtualService, and the client is answered at the gateway', () => {
    // GIVEN a retired URL, a maintenance page and robots.txt beside a route of every path
    const { app, chart, gateway } = setup();
    gateway.redirect({ pathPrefix: '/old-cart', to: { uri: '/cart/' } });
    gateway.redirect({ pathPrefix: '/legacy/', to: { authority: 'legacy.example.com', scheme: 'https' }, status: 308 });
    gateway.respond({ pathPrefix: '/maintenance/', status: 503, body: 'back soon' });
    const m = synth(app);
    // THEN the answers are the first rules, in the order added, the route last
    const http = find(m, 'VirtualService', 'public').spec.http;
    expect(http).toHaveLength(4);
    expect(http[0]).toEqual({ match: [{ uri: { exact: '/old-cart' } }, { uri: { prefix: '/old-cart/' } }], redirect: { uri: '/cart/' } });
    expect(http[1]).toEqual({ match: [{ uri: { prefix: '/legacy/' } }], redirect: { authority: 'legacy.example.com', scheme: 'https', redirectCode: 308 } });
    expect(http[2]).toEqual({ match: [{ uri: { prefix: '/maintenance/' } }], directResponse: { status: 503, body: { string: 'back soon' } } });
    expect(http[3].route[0].destination.host).toBe('monolith');
    // AND each is an intended flow answered with its status
    const flows = chart.intendedFlows().filter((f) => f.expect === 'answer');
    expect(flows.map((f) => [f.constructPath, f.path, f.answerStatus])).toEqual([
      ['test/public/redirect', '/old-cart', 301],
      ['test/public/redirect-2', '/legacy/x', 308],
      ['test/public/respond', '/maintenance/x', 503],
    ]);
    const evaluator = new FlowEvaluator(m, { platform: chart.platform.workloads(chart.namespace), trustDomain: chart.platform.trustDomain });
    expect(checkIntendedFlows(evaluator, flows)).toEqual([]);
    expect(evaluator.evaluate(flows[2]).answered).toEqual({ status: 503, redirect: false });
    expect(formatVerdict('external -> shop.example.com:80 GET /old-cart', evaluator.evaluate(flows[0])))
      .toMatch(/^ANSWERED 301 external -> shop\.example\.com:80 GET \/old-cart by VirtualService production\/public \(routing\): .* redirects the request \(301\)/);
    // AND written after the route, the rule would never be met: the flow reaches the monolith instead (MESH601)
    const vs = find(m, 'VirtualService', 'public');
    const shadowed = { ...vs, spec: { ...vs.spec, http: [http[3], ...http.slice(0, 3)] } };
    const after = new FlowEvaluator(m.map((x) => (x === vs ? shadowed : x)),
      { platform: chart.platform.workloads(chart.namespace), trustDomain: chart.platform.trustDomain });
    expect(checkIntendedFlows(after, flows).map((f) => f.code)).toEqual(['MESH601', 'MESH601', 'MESH601']);
    // AND another status than the rule's is not the answer meant (MESH600)
    expect(checkIntendedFlows(evaluator, [{ ...flows[0], answerStatus: 302 }]).map((f) => f.code)).toEqual(['MESH600']);
  });

  test("an answer of every path takes the routes' requests first: their flows fail synth (MESH600)", () => {
    const { app, chart } = meshChart();
    const api = new MeshService(chart, 'api', { image: 'api:1' });
    const gateway = new EdgeGateway(chart, 'public', { servers: SERVERS });
    gateway.route(api, { pathPrefix: '/api/' });
    gateway.redirect({ to: { authority: 'new.example.com' } });
    expect(synthError(app)).toContain('[test/public/route-api] test/VirtualService/public: a client reaches api through public: GET '
      + 'http://shop.example.com:80/api/x: refused by VirtualService production/public (routing): VirtualService production/public http[0] '
      + 'redirects the request (301) [MESH600]');
  });

  test('an answer in another VirtualService of the host than a route of every path fails synth (MESH144)', () => {
    // GIVEN the monolith's route of every path in a VirtualService of its own: istiod merges the two in an order nothing fixes
    const { app, chart } = meshChart();
    const monolith = new MeshService(chart, 'monolith', { image: 'monolith:1' });
    const gateway = new EdgeGateway(chart, 'public', { servers: SERVERS });
    gateway.route(monolith, { virtualServiceName: 'a-monolith' });
    gateway.redirect({ pathPrefix: '/old-cart', to: { uri: '/cart/' } });
    // THEN synth fails on the answer's VirtualService, which it opened
    expect(synthError(app)).toMatch(/\[test\/public\/redirect\/Resource\] .*production\/a-monolith's spec\.http\[0\] takes every request this one's spec\.http\[0\] would.*\[MESH144\]/);
  });

  test('a gateway with answers alone opens its VirtualService under the first', () => {
    const { app, chart } = meshChart();
    const gateway = new EdgeGateway(chart, 'public', { servers: SERVERS });
    gateway.respond({ pathPrefix: '/robots.txt', status: 200, body: 'User-agent: *\nDisallow: /\n' });
    const m = synth(app);
    expect(find(m, 'VirtualService', 'public').spec).toEqual({
      hosts: ['shop.example.com'], gateways: ['public'],
      http: [{ match: [{ uri: { exact: '/robots.txt' } }, { uri: { prefix: '/robots.txt/' } }],
        directResponse: { status: 200, body: { string: 'User-agent: *\nDisallow: /\n' } } }],
    });
  });

  test("a strangler fig's gateway: retired URLs, robots.txt and the monolith's route (snapshot)", () => {
    const { app, gateway } = setup();
    gateway.redirect({ pathPrefix: '/old-cart', to: { uri: '/cart/' } });
    gateway.redirect({ match: [{ method: 'GET', uri: StringMatch.exact('/checkout.jsp') }], to: { uri: '/checkout' }, status: 302 });
    gateway.respond({ pathPrefix: '/robots.txt', status: 200, body: 'User-agent: *\nDisallow: /admin/\n' });
    expect(find(synth(app), 'VirtualService', 'public')).toMatchSnapshot();
  });

  test.each([
    [(g: EdgeGateway) => g.redirect({ pathPrefix: '/old/', to: {} }), 'redirect', 'to: a redirect must change the uri, authority, scheme or port [MESH287]'],
    [(g: EdgeGateway) => g.redirect({ pathPrefix: '/old/', to: { uri: '/new/' }, status: 200 as 301 }), 'redirect',
      'status: 200 is not a redirect code (301, 302, 303, 307, 308) [MESH287]'],
    [(g: EdgeGateway) => g.redirect({ to: { port: 70000 } }), 'redirect', 'to.port: 70000 is not a port (1-65535) [MESH287]'],
    [(g: EdgeGateway) => g.respond({ pathPrefix: '/down/', status: 600 }), 'respond', 'status: 600 is not an HTTP status from 200 to 599 [MESH287]'],
    [(g: EdgeGateway) => g.respond({ status: 503, body: 'x'.repeat(1024 * 1024 + 1) }), 'respond',
      'body: a direct response\'s body is at most 1 MiB (istiod refuses more) [MESH287]'],
    [(g: EdgeGateway) => g.respond({ pathPrefix: 'down', status: 503 }), 'respond', "pathPrefix: 'down' must be '/'"],
  ])('%#: an answer the gateway cannot write fails synth on it', (add, id, message) => {
    const { app, gateway } = setup();
    add(gateway);
    expect(synthError(app)).toContain(`[test/public/${id}] ${message}`);
  });

  test('an answer for other hosts than its VirtualService\'s fails synth', () => {
    const { app, gateway } = setup();
    gateway.redirect({ hosts: ['old.example.com'], to: { authority: 'shop.example.com' } });
    expect(synthError(app)).toContain("[test/public/redirect] hosts: [old.example.com] are not the hosts of VirtualService 'public'");
  });

  test('a redirect of the paths under a directory to one uri drops the rest of each path: a warning (MESH272), acknowledged on the redirect', () => {
    const { app, gateway } = setup();
    const moved = gateway.redirect({ pathPrefix: '/fw/', to: { uri: '/firmware/' } });
    gateway.redirect({ match: [{ uri: StringMatch.prefix('/downloads/') }], to: { uri: '/files/' }, status: 308 });
    // Not reported: one page (its subpaths follow it), every path to one page, a redirect that keeps the path (another host).
    gateway.redirect({ pathPrefix: '/old-cart', to: { uri: '/cart/' } });
    gateway.redirect({ pathPrefix: '/legacy/', to: { authority: 'legacy.example.com' } });
    const m = synth(app);
    // Istio writes the uri as Envoy's path_redirect: the whole path replaced, whatever prefix matched.
    expect(find(m, 'VirtualService', 'public').spec.http[0]).toEqual({ match: [{ uri: { prefix: '/fw/' } }], redirect: { uri: '/firmware/' } });
    expect(app.warnings.filter((w) => w.includes('MESH272'))).toEqual([
      expect.stringMatching(/^\[test\/public\/redirect\] .*to\.uri: every request under \/fw\/ is redirected to \/firmware\/ itself, the rest of its path dropped .*rewrite: \{ uri: '\/firmware\/' \}.*\[MESH272\]$/),
      expect.stringMatching(/^\[test\/public\/redirect-2\] .*every request under \/downloads\/ is redirected to \/files\/ itself.*\[MESH272\]$/),
    ]);
    // Acknowledged where one landing page is meant.
    const { app: acknowledged, gateway: g } = setup();
    Warnings.of(g.redirect({ pathPrefix: '/fw/', to: { uri: '/firmware/' } })).acknowledge('MESH272', 'the old firmware index moved to one page');
    synth(acknowledged);
    expect(acknowledged.warnings.filter((w) => w.includes('MESH272'))).toEqual([]);
    void moved;
  });

  test('an IngressGateway answers nothing itself (MESH287)', () => {
    const { app, chart } = meshChart();
    new IngressGateway(chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls' }).redirect({ to: { uri: '/' } });
    expect(synthError(app)).toContain("an IngressGateway's one VirtualService routes by path prefix to services only");
  });
});
