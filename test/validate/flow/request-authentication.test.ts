import { EdgeAuthentication, IngressGateway, MeshService } from '../../../src';
import { evaluateFlow, platformFlowOptions } from '../../../src/validate';
import { meshChart, synth } from '../../util';

/**
 * The JWT filter of each proxy on the way (https://istio.io/latest/docs/reference/config/security/request_authentication/):
 * a token of an issuer the proxy's RequestAuthentications do not name is refused (401), a validated one sets the principal
 * the proxy's AuthorizationPolicies read and is removed unless a rule keeps it (`forwardOriginalToken`, Envoy's `forward`:
 * "If false, the JWT is removed in the request after a success verification"), and a proxy without one sets no principal.
 */
const ISSUER = 'https://login.example.com';

function routed() {
  const { app, chart } = meshChart();
  const api = new MeshService(chart, 'api', { image: 'registry.example.com/api:1.0.0' });
  new IngressGateway(chart, 'public', { hosts: ['api.example.com'], credentialName: 'api-tls' }).route(api, { pathPrefix: '/v1/' });
  return { app, chart, api };
}

const gatewayAuthn = (forwardOriginalToken: boolean, issuer = ISSUER) => ({
  apiVersion: 'security.istio.io/v1', kind: 'RequestAuthentication', metadata: { name: 'gateway-jwt', namespace: 'istio-system' },
  spec: { selector: { matchLabels: { istio: 'ingressgateway' } }, jwtRules: [{ issuer, jwksUri: `${issuer}/keys`, forwardOriginalToken }] },
});

const flow = { source: { external: true as const }, host: 'api.example.com', port: 443, protocol: 'HTTPS' as const, path: '/v1/x',
  requestPrincipal: `${ISSUER}/u1` };

describe('RequestAuthentication in the flows', () => {
  test('a gateway that validates the token and does not keep it leaves the service without one: its end-user rule refuses', () => {
    const { app, chart, api } = routed();
    new EdgeAuthentication(chart, 'users', { service: api, issuer: ISSUER, jwksUri: `${ISSUER}/keys` });
    const ms = synth(app);
    const options = platformFlowOptions(chart.platform, 'production');
    expect(evaluateFlow(ms, flow, options).allowed).toBe(true);
    expect(evaluateFlow([...ms, gatewayAuthn(true)], flow, options).allowed).toBe(true);
    const removed = evaluateFlow([...ms, gatewayAuthn(false)], flow, options);
    expect(removed).toMatchObject({ allowed: false, decidedBy: { layer: 'AuthorizationPolicy', name: 'api-policy' } });
    expect(removed.hops.join(' | ')).toMatch(/token removed at the gateway/);
  });

  test('a token of an issuer the gateway does not name is refused there (401), whatever the service accepts', () => {
    const { app, chart, api } = routed();
    new EdgeAuthentication(chart, 'users', { service: api, issuer: ISSUER, jwksUri: `${ISSUER}/keys` });
    const ms = [...synth(app), gatewayAuthn(true, 'https://other.example.com')];
    const verdict = evaluateFlow(ms, flow, platformFlowOptions(chart.platform, 'production'));
    expect(verdict).toMatchObject({ allowed: false, decidedBy: { layer: 'RequestAuthentication', namespace: 'istio-system', name: 'gateway-jwt' } });
    expect(verdict.reason).toMatch(/validates tokens of https:\/\/other\.example\.com .*a token of https:\/\/login\.example\.com is refused with 401/);
  });

  test('a service no RequestAuthentication covers sets no request principal: a rule on one refuses the request', () => {
    const { app, chart, api } = routed();
    new EdgeAuthentication(chart, 'users', { service: api, issuer: ISSUER, jwksUri: `${ISSUER}/keys` });
    // The service's own RequestAuthentication gone, the gateway's kept: only the gateway validates.
    const ms = [...synth(app).filter((m) => !(m.kind === 'RequestAuthentication' && m.metadata.namespace === 'production')), gatewayAuthn(true)];
    expect(evaluateFlow(ms, flow, platformFlowOptions(chart.platform, 'production')))
      .toMatchObject({ allowed: false, decidedBy: { layer: 'AuthorizationPolicy', name: 'api-policy' } });
  });
});
