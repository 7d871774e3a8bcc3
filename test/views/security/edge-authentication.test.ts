import { EdgeAuthentication, EdgeGateway, GatewayTls, IngressGateway, MeshService, Principal } from '../../../src';
import { find, meshChart, synth, synthError } from '../../util';

function edge(props: Partial<ConstructorParameters<typeof EdgeAuthentication>[2]> = {}) {
  const { app, chart } = meshChart();
  const gateway = new MeshService(chart, 'api-gateway', { image: 'x', healthCheckPath: '/health' });
  new IngressGateway(chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls' }).route(gateway, { pathPrefix: '/api/' });
  new EdgeAuthentication(chart, 'edge', { service: gateway, issuer: 'https://auth.example.com', jwksUri: 'https://auth.example.com/jwks.json', ...props });
  return app;
}

describe('EdgeAuthentication', () => {
  test('default output (snapshot)', () => {
    const ms = synth(edge());
    expect(find(ms, 'RequestAuthentication', 'api-gateway-jwt')).toMatchSnapshot();
  });

  test('the ALLOW policy admits tokens of the issuer on /api/*, through the platform\'s ingress gateway, and nothing else', () => {
    const ms = synth(edge());
    expect(find(ms, 'AuthorizationPolicy', 'api-gateway-policy').spec.rules).toEqual([
      {
        from: [{ source: { principals: ['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'], requestPrincipals: ['https://auth.example.com/*'] } }],
        to: [{ operation: { paths: ['/api/*'] } }],
      },
    ]);
  });

  test('props: requestPrincipals, methods, paths, audiences, forwardOriginalToken, ingressFrom, name', () => {
    const ms = synth(edge({
      name: 'users-jwt', requestPrincipals: ['https://auth.example.com/user-1'], methods: ['GET'], paths: ['/api/v2/*'],
      audiences: ['shop'], forwardOriginalToken: true, ingressFrom: { peer: { namespace: 'ingress', podLabels: { app: 'kong' } }, principal: Principal.serviceAccount('ingress', 'kong') },
    }));
    expect(find(ms, 'RequestAuthentication', 'users-jwt').spec.jwtRules[0]).toMatchObject({ audiences: ['shop'], forwardOriginalToken: true });
    // The platform's gateway routes /api/ too: its own rule leaves the guarded paths out.
    expect(find(ms, 'AuthorizationPolicy', 'api-gateway-policy').spec.rules[0].to).toEqual([{ operation: { paths: ['/api/*'], notPaths: ['/api/v2/*'] } }]);
    expect(find(ms, 'AuthorizationPolicy', 'api-gateway-policy').spec.rules[1]).toEqual({
      from: [{ source: { principals: ['cluster.local/ns/ingress/sa/kong'], requestPrincipals: ['https://auth.example.com/user-1'] } }],
      to: [{ operation: { methods: ['GET'], paths: ['/api/v2/*'] } }],
    });
    expect(find(ms, 'NetworkPolicy', 'api-gateway').spec.ingress[1]).toEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress' } }, podSelector: { matchLabels: { app: 'kong' } } }],
      ports: [{ port: 8080, protocol: 'TCP' }],
    });
  });

  test('outputClaimToHeaders: the token stays at the sidecar and the service learns the user from a header no client can send', () => {
    // GIVEN api-gateway behind the ingress gateway, its users' sub copied to x-user-id
    const { app, chart } = meshChart();
    const gateway = new MeshService(chart, 'api-gateway', { image: 'x' });
    const ingress = new IngressGateway(chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls' });
    ingress.route(gateway, { pathPrefix: '/api/' });
    new EdgeAuthentication(chart, 'edge', {
      service: gateway, issuer: 'https://auth.example.com', jwksUri: 'https://auth.example.com/jwks.json',
      outputClaimToHeaders: [{ claim: 'sub', header: 'x-user-id' }],
    });
    const ms = synth(app);
    expect(find(ms, 'RequestAuthentication', 'api-gateway-jwt').spec.jwtRules[0]).toMatchObject({
      forwardOriginalToken: false, outputClaimToHeaders: [{ header: 'x-user-id', claim: 'sub' }],
    });
    // THEN the gateway's route removes a client's own x-user-id: Envoy's jwt_authn adds the claim's header (addCopy) and strips
    // a client's copy only where its verifier runs (envoyproxy/envoy#46586 lists the paths where it did not)
    expect(find(ms, 'VirtualService', 'shop').spec.http[0].headers).toEqual({ request: { remove: ['x-user-id'] } });
  });

  test("an EdgeGateway's route (its own Gateway's or the platform's) removes the client's copy of the claims' headers too", () => {
    const { app, chart } = meshChart();
    const gateway = new MeshService(chart, 'api-gateway', { image: 'x' });
    new EdgeGateway(chart, 'edge-gw', {
      servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['shop.example.com'], tls: GatewayTls.simple('shop-tls') }],
    }).route(gateway, { subset: 'stable' });
    new EdgeAuthentication(chart, 'edge', {
      service: gateway, issuer: 'https://auth.example.com', jwksUri: 'https://auth.example.com/jwks.json',
      outputClaimToHeaders: [{ claim: 'sub', header: 'x-user-id' }, { claim: 'email', header: 'x-user-email' }],
    });
    expect(find(synth(app), 'VirtualService', 'edge-gw').spec.http[0].headers).toEqual({ request: { remove: ['x-user-email', 'x-user-id'] } });
  });

  test.each([
    [{ outputClaimToHeaders: [{ claim: '', header: 'x-user-id' }] }, /outputClaimToHeaders\[0\]: claim must not be empty/],
    [{ outputClaimToHeaders: [{ claim: 'sub', header: 'X-User-Id' }] }, /outputClaimToHeaders\[0\]: header 'X-User-Id' must be a lowercase HTTP header name/],
    [{ outputClaimToHeaders: [{ claim: 'sub', header: 'authorization' }] }, /outputClaimToHeaders\[0\]: header 'authorization' carries the request's framing/],
    [{ outputClaimToHeaders: [{ claim: 'sub', header: 'x-user' }, { claim: 'email', header: 'x-user' }] }, /outputClaimToHeaders\[1\]: header 'x-user' is written twice/],
    [{ jwksUri: 'http://auth.example.com/jwks.json' }, /jwksUri: .* must use https/],
    [{ jwksUri: 'not a url' }, /jwksUri: 'not a url' is not a URL/],
    [{ issuer: ' ' }, /issuer: must not be empty/],
    [{ audiences: [''] }, /audiences\[0\]: must not be empty/],
  ])('%o fails synth', (props, message) => {
    const err = synthError(edge(props));
    expect(err).toMatch(/\[test\/edge\]/);
    expect(err).toMatch(message);
    expect(err).toMatch(/\[MESH210\]/);
  });
});
