// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { App } from 'cdk8s';
import { AuthorizationAction, EdgeAuthentication, IngressGateway, MeshAuthorizationPolicy, MeshChart, MeshService } from 'cdk8s-mesh';

const chart = new MeshChart(new App(), 'production', { namespace: 'production' });
const gateway = new MeshService(chart, 'api-gateway', { image: 'registry.example.com/api-gateway:1.0.0' });
// What the ingress gateway routes to api-gateway is what the token guards (every path here).
new IngressGateway(chart, 'shop-gateway', { hosts: ['shop.example.com'], credentialName: 'shop-tls' }).route(gateway);
new EdgeAuthentication(chart, 'edge-authentication', {
  service: gateway,
  issuer: 'https://auth.example.com',
  jwksUri: 'https://auth.example.com/.well-known/jwks.json',
  audiences: ['ec-site'],
  outputClaimToHeaders: [{ claim: 'sub', header: 'x-user-id' }], // the signed-in user, for api-gateway
});
new MeshAuthorizationPolicy(chart, 'deny-admin', {
  action: AuthorizationAction.deny(),
  service: gateway,
  rules: [{ to: [{ paths: ['/admin/{**}'] }] }],
});
export {};
