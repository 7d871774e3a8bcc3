// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { GlobalRateLimit, IngressGateway, MeshApp, MeshChart, MeshService, RateLimiter, RateLimitUser } from 'cdk8s-mesh';

const app = new MeshApp();
const limiter = new RateLimiter(new MeshChart(app, 'ratelimit', { namespace: 'ratelimit' }), 'ratelimit');
// Each environment limits the requests of its own host (`shop.example.com:443`, `dev.shop.example.com:443`), with its own counters.
for (const [env, host, perUser] of [['production', 'shop.example.com', 30], ['dev', 'dev.shop.example.com', 100]] as const) {
  const chart = new MeshChart(app, env, { namespace: env });
  const web = new MeshService(chart, 'web-frontend', { image: 'registry.example.com/web-frontend:1.0.0' });
  new IngressGateway(chart, 'shop-gateway', { hosts: [host], credentialName: `shop-${env}-tls` }).route(web);
  new GlobalRateLimit(chart, 'ec-site', {
    service: limiter,
    user: RateLimitUser.jwtClaim({
      issuer: `https://auth.${host}`, jwksUri: `https://auth.${host}/.well-known/jwks.json`, audiences: ['ec-site'],
    }),
    authenticatedRequestsPerSecond: perUser,
    unauthenticatedRequestsPerSecond: 10,
  });
}
export {};
