// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { GlobalRateLimit, MeshApp, MeshChart } from 'cdk8s-mesh';

const chart = new MeshChart(new MeshApp(), 'production', { namespace: 'production' });
new GlobalRateLimit(chart, 'ec-site', {
  serviceDeployed: true, // envoyproxy/ratelimit and Redis run at the platform's rateLimit address
  authenticatedRequestsPerSecond: 30,
  unauthenticatedRequestsPerSecond: 10,
  userHeader: 'x-user-id', // set by the gateway after JWT validation
});
export {};
