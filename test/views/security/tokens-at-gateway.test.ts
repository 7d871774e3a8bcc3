import { EdgeAuthentication, GlobalRateLimit, IngressGateway, MeshService, RateLimitUser } from '../../../src';
import { evaluateFlow, platformFlowOptions } from '../../../src/validate';
import { find, meshChart, synth, synthError } from '../../util';

/**
 * A token through a gateway whose pods a RequestAuthentication covers: istiod makes each jwtRule a provider required
 * "OR allow_missing" (pilot/pkg/security/authn/policy_applier.go), and Envoy answers a token of an issuer no provider
 * names with JwtUnknownIssuer, which allow_missing does not admit (source/extensions/filters/http/jwt_authn/verifier.cc:
 * "Prefer JwtUnknownIssuer between JwtMissed and JwtUnknownIssuer"): 401 "Jwt issuer is not configured" (istio/istio#40718).
 */
const USERS = { issuer: 'https://login.example.com', jwksUri: 'https://login.example.com/keys' };
const MACHINES = { issuer: 'https://machines.example.com', jwksUri: 'https://machines.example.com/keys' };

function saas(otherIssuers?: (typeof MACHINES)[]) {
  const { app, chart } = meshChart();
  const api = new MeshService(chart, 'api', { image: 'registry.example.com/api:1.0.0' });
  new IngressGateway(chart, 'public', { hosts: ['api.example.com'], credentialName: 'api-tls' }).route(api, { pathPrefix: '/v1/' });
  new EdgeAuthentication(chart, 'users', { service: api, name: 'users', ...USERS });
  new EdgeAuthentication(chart, 'machines', { service: api, name: 'machines', ...MACHINES });
  new GlobalRateLimit(chart, 'per-user', { serviceDeployed: true, user: RateLimitUser.jwtClaim({ ...USERS, otherIssuers }) });
  return { app, chart };
}

describe('tokens at a gateway that validates some issuers', () => {
  test("a service's second issuer, which the gateway's RequestAuthentication does not name, fails synth: the gateway answers its tokens 401", () => {
    expect(synthError(saas().app)).toMatch(new RegExp('a browser reaches api through public: GET https://api\\.example\\.com/v1/x signed in '
      + '\\(https://machines\\.example\\.com/user-1\\): refused by RequestAuthentication istio-system/per-user-ratelimit-production: '
      + "istio-ingressgateway's proxy validates tokens of https://login\\.example\\.com .*401 \"Jwt issuer is not configured\".*\\[MESH600\\]"));
  });

  test('otherIssuers: the gateway validates and forwards both, and each signs in through it', () => {
    const { app, chart } = saas([MACHINES]);
    const ms = synth(app);
    expect(find(ms, 'RequestAuthentication', 'per-user-ratelimit-production').spec.jwtRules.map((r: any) => [r.issuer, r.forwardOriginalToken]))
      .toEqual([[USERS.issuer, true], [MACHINES.issuer, true]]);
    const flow = { source: { external: true as const }, host: 'api.example.com', port: 443, protocol: 'HTTPS' as const, path: '/v1/things' };
    const options = platformFlowOptions(chart.platform, 'production');
    for (const iss of [USERS.issuer, MACHINES.issuer]) {
      expect(evaluateFlow(ms, { ...flow, requestPrincipal: `${iss}/c1` }, options)).toMatchObject({ allowed: true });
    }
    // Neither issuer: 401 at the gateway.
    expect(evaluateFlow(ms, { ...flow, requestPrincipal: 'https://other.example.com/c1' }, options).decidedBy)
      .toMatchObject({ layer: 'RequestAuthentication', kind: 'RequestAuthentication', namespace: 'istio-system' });
  });

  test('RateLimitUser.jwtClaim checks each other issuer as it checks the first', () => {
    expect(() => RateLimitUser.jwtClaim({ ...USERS, otherIssuers: [{ issuer: '', jwksUri: MACHINES.jwksUri }] }))
      .toThrow(/otherIssuers\[0\]\.issuer must not be empty \[MESH/);
    expect(() => RateLimitUser.jwtClaim({ ...USERS, otherIssuers: [{ ...MACHINES, jwksUri: 'http://machines.example.com/keys' }] }))
      .toThrow(/otherIssuers\[0\]\.jwksUri must be an https URL/);
    expect(() => RateLimitUser.jwtClaim({ ...USERS, otherIssuers: [USERS] })).toThrow(/issuer 'https:\/\/login\.example\.com' is given twice/);
  });
});
