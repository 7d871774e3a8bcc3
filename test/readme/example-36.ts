// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { GlobalRateLimit, MeshApp, MeshChart, RateLimiter, RateLimitUser } from 'cdk8s-mesh';

const app = new MeshApp();
const limiter = new RateLimiter(new MeshChart(app, 'ratelimit', { namespace: 'ratelimit' }), 'ratelimit');
const production = new MeshChart(app, 'production', { namespace: 'production' });
new GlobalRateLimit(production, 'ec-site', {
  service: limiter,
  user: RateLimitUser.jwtClaim({
    issuer: 'https://auth.example.com', jwksUri: 'https://auth.example.com/.well-known/jwks.json', audiences: ['ec-site'],
  }),
  authenticatedRequestsPerSecond: 30,
  unauthenticatedRequestsPerSecond: 10,
});
export {};
