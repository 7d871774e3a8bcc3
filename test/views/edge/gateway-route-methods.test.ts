// An EdgeGateway route whose every match names a method forwards only those methods: the service admits the gateway with them.
import { EdgeAuthentication, EdgeGateway, MeshService, StringMatch } from '../../../src';
import { find, meshChart, synth } from '../../util';

const SERVERS = [{ port: { number: 80, name: 'http', protocol: 'HTTP' as const }, hosts: ['api.example.com'] }];
const GATEWAY = 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account';

describe("EdgeGateway.route: the methods of the route's matches", () => {
  test('a route of POST /v1/telemetry admits the gateway for POST on that path alone, its token rule too', () => {
    const { app, chart } = meshChart();
    const api = new MeshService(chart, 'device-api', { image: 'registry.example.com/device-api:1.0.0' });
    const route = new EdgeGateway(chart, 'devices', { servers: SERVERS })
      .route(api, { match: [{ uri: StringMatch.exact('/v1/telemetry'), method: 'POST' }] });
    expect(route.methods).toEqual(['POST']);
    const rules = () => find(synth(app), 'AuthorizationPolicy', 'device-api-policy').spec.rules;
    expect(rules()).toEqual([{ from: [{ source: { principals: [GATEWAY] } }], to: [{ operation: { methods: ['POST'], paths: ['/v1/telemetry'] } }] }]);
    // The end-user rule that replaces it keeps the methods the gateway forwards.
    new EdgeAuthentication(chart, 'device-auth', { service: api, issuer: 'https://id.example.com', jwksUri: 'https://id.example.com/jwks.json' });
    expect(rules()).toEqual([{
      from: [{ source: { principals: [GATEWAY], requestPrincipals: ['https://id.example.com/*'] } }],
      to: [{ operation: { methods: ['POST'], paths: ['/v1/telemetry'] } }],
    }]);
  });

  test('a match without a method forwards every method: no methods in the rule', () => {
    const { app, chart } = meshChart();
    const api = new MeshService(chart, 'device-api', { image: 'registry.example.com/device-api:1.0.0' });
    const route = new EdgeGateway(chart, 'devices', { servers: SERVERS }).route(api, {
      match: [{ uri: StringMatch.exact('/v1/telemetry'), method: 'POST' }, { uri: StringMatch.prefix('/v1/status/') }],
    });
    expect(route.methods).toBeUndefined();
    const rule = find(synth(app), 'AuthorizationPolicy', 'device-api-policy').spec.rules[0];
    expect(rule.to[0].operation.methods).toBeUndefined();
  });
});
