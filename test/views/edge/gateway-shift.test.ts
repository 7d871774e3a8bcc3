// A gateway route's shift (GatewayRouteOptions.shift): a share of the route's requests goes to another service instead, one
// rule weighing both hosts (Istio HTTPRouteDestination weight across hosts): a strangler fig's new service taking a path over
// from a monolith step by step.
import {
  CanaryPlan, CanaryRelease, EdgeGateway, FlaggerCanary, IngressGateway, MeshChart, MeshService, Weight,
} from '../../../src';
import { checkIntendedFlows, FlowEvaluator } from '../../../src/validate';
import { find, meshChart, synth, synthError } from '../../util';

const SERVERS = [{ port: { number: 80, name: 'http', protocol: 'HTTP' as const }, hosts: ['shop.example.com'] }];

function setup(shift: (chart: MeshChart, monolith: MeshService, cart: MeshService) => Parameters<EdgeGateway['route']>[1]) {
  const { app, chart } = meshChart();
  const monolith = new MeshService(chart, 'monolith', { image: 'monolith:1', ports: [{ port: 8080, protocol: 'http' }] });
  const cart = new MeshService(chart, 'cart', { image: 'cart:1' });
  const route = new EdgeGateway(chart, 'public', { servers: SERVERS }).route(monolith, shift(chart, monolith, cart));
  return { app, chart, monolith, cart, route };
}

describe('GatewayRouteOptions.shift', () => {
  test("one rule weighs the route's service and the shifted one; the shifted one admits the gateway; the flow holds on both", () => {
    // GIVEN /api/cart/ of the monolith, 10% of it shifted to cart
    const { app, chart } = setup((_c, _m, cart) => ({ pathPrefix: '/api/cart/', shift: { service: cart, weight: Weight.percent(10) } }));
    const m = synth(app);
    // THEN the rule sends 90% to the monolith's subset and 10% to cart's, each on its own port
    expect(find(m, 'VirtualService', 'public').spec.http).toEqual([expect.objectContaining({
      match: [{ uri: { prefix: '/api/cart/' } }],
      route: [
        { destination: { host: 'monolith', subset: 'stable', port: { number: 8080 } }, weight: 90 },
        { destination: { host: 'cart', subset: 'stable', port: { number: 80 } }, weight: 10 },
      ],
    })]);
    // AND cart admits the gateway's principal on the route's paths
    expect(find(m, 'AuthorizationPolicy', 'cart-policy').spec.rules).toContainEqual({
      from: [{ source: { principals: ['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'] } }],
      to: [{ operation: { paths: ['/api/cart/*'] } }],
    });
    // AND the route's flow may reach both services' pods (no MESH607), and is refused when cart does not admit the gateway
    const flows = chart.intendedFlows().filter((f) => f.constructPath === 'test/public/route-monolith');
    expect(flows).toEqual([expect.objectContaining({
      path: '/api/cart/x', reaches: { namespace: 'production', service: 'monolith' }, alsoReaches: [{ namespace: 'production', service: 'cart' }],
    })]);
    const evaluate = (manifests: Record<string, any>[]) => checkIntendedFlows(
      new FlowEvaluator(manifests, { platform: chart.platform.workloads(chart.namespace), trustDomain: chart.platform.trustDomain }), flows);
    expect(evaluate(m)).toEqual([]);
    const ap = find(m, 'AuthorizationPolicy', 'cart-policy');
    expect(evaluate(m.filter((x) => x !== ap)).map((f) => f.code)).toEqual(['MESH600']);
    // AND without alsoReaches the same flow is misrouted: the check reads it
    expect(checkIntendedFlows(new FlowEvaluator(m, { platform: chart.platform.workloads(chart.namespace) }),
      flows.map((f) => ({ ...f, alsoReaches: undefined }))).map((f) => f.code)).toEqual(['MESH607']);
  });

  test("the shares scale each side's own split: a canary of the monolith keeps its ratio within the monolith's share", () => {
    const { app, chart } = meshChart();
    const monolith = new MeshService(chart, 'monolith', { image: 'monolith:1' });
    const cart = new MeshService(chart, 'cart', { image: 'cart:1' });
    new CanaryRelease(chart, 'monolith-v2', { service: monolith, image: 'monolith:2', plan: CanaryPlan.steps([20, 100]), phase: 'canary-20' });
    new EdgeGateway(chart, 'public', { servers: SERVERS }).route(monolith, { shift: { service: cart, weight: Weight.percent(50) } });
    const rule = find(synth(app), 'VirtualService', 'public').spec.http.at(-1);
    expect(rule.route.map((d: any) => `${d.destination.host}/${d.destination.subset} ${d.weight}`)).toEqual([
      'monolith/stable 40', 'monolith/canary 10', 'cart/stable 50',
    ]);
  });

  test.each([
    ['its own service', (_c: MeshChart, m: MeshService) => ({ shift: { service: m, weight: Weight.percent(10) } }),
      "shift.service: monolith is the route's own service; shift a share to another service, or weigh its subsets (setSplit) [MESH630]"],
    ['all of it', (_c: MeshChart, _m: MeshService, cart: MeshService) => ({ shift: { service: cart, weight: Weight.all() } }),
      'shift.weight: 100% must be from 1 to 99: route to cart itself (a route of its own) [MESH630]'],
    ['none of it', (_c: MeshChart, _m: MeshService, cart: MeshService) => ({ shift: { service: cart, weight: Weight.percent(0) } }),
      'shift.weight: 0% must be from 1 to 99: route to monolith alone [MESH630]'],
    ['a port that is not HTTP', (_c: MeshChart, _m: MeshService, cart: MeshService) => ({ shift: { service: cart, weight: Weight.percent(10), port: 5432 } }),
      'shift.port: 5432 is not an HTTP port of test/cart [MESH630]'],
  ])('a shift to %s fails synth on the route', (_what, shift, message) => {
    const { app } = setup(shift);
    expect(synthError(app)).toContain(`[test/public/route-monolith] ${message}`);
  });

  test("a share that leaves a subset's weight not whole fails synth on the route (MESH630)", () => {
    const { app, chart } = meshChart();
    const monolith = new MeshService(chart, 'monolith', { image: 'monolith:1' });
    const cart = new MeshService(chart, 'cart', { image: 'cart:1' });
    new CanaryRelease(chart, 'monolith-v2', { service: monolith, image: 'monolith:2', plan: CanaryPlan.steps([5, 100]), phase: 'canary-5' });
    new EdgeGateway(chart, 'public', { servers: SERVERS }).route(monolith, { shift: { service: cart, weight: Weight.percent(10) } });
    expect(synthError(app)).toContain("shift.weight: 90% of monolith's split (95/5) is not whole weights; choose a share that is [MESH630]");
  });

  test("an IngressGateway's routes do not shift (MESH630)", () => {
    const { app, chart } = meshChart();
    const monolith = new MeshService(chart, 'monolith', { image: 'monolith:1' });
    const cart = new MeshService(chart, 'cart', { image: 'cart:1' });
    new IngressGateway(chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls' })
      .route(monolith, { shift: { service: cart, weight: Weight.percent(10) } });
    expect(synthError(app)).toContain("shift: an IngressGateway's routes go to one service; weigh two services' share of a path through an EdgeGateway [MESH630]");
  });
});

describe('shift and rewrite beside the routes of other branches of the API', () => {
  test("MESH630: a shift on a route to a service whose gateway routes delegate to Flagger's VirtualService, whose rules have no destinations to weigh", () => {
    const { app, monolith } = setup((_c, _m, cart) => ({ pathPrefix: '/api/cart/', shift: { service: cart, weight: Weight.percent(10) } }));
    new FlaggerCanary(monolith.chart, 'monolith-canary', { service: monolith, stepWeights: [10, 50], delegation: true });
    expect(synthError(app)).toMatch(/shift\.service: monolith's gateway routes delegate to Flagger's VirtualService \(delegation\).*\[MESH630\]/);
  });

  test('MESH630: a rewrite.uri with a pathPrefix without a trailing slash, whose two matches would share one rewrite', () => {
    const { app } = setup(() => ({ pathPrefix: '/graphql', rewrite: { uri: '/gql' } }));
    expect(synthError(app)).toMatch(/rewrite\.uri: rewrites both matches of pathPrefix '\/graphql' .*give the pathPrefix a trailing slash \('\/graphql\/'\).*\[MESH630\]/);
    // with the trailing slash, the paths under it are rewritten and admitted as the service receives them
    const ok = setup(() => ({ pathPrefix: '/graphql/', rewrite: { uri: '/gql/' } }));
    expect(find(synth(ok.app), 'AuthorizationPolicy', 'monolith-policy').spec.rules).toContainEqual(expect.objectContaining({
      to: [{ operation: { paths: ['/gql/*'] } }],
    }));
  });
});
