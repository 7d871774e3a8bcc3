// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { Duration } from 'cdk8s';
import { LocalRateLimit, MeshApp, MeshChart, MeshService, Percentage } from 'cdk8s-mesh';

const app = new MeshApp();
const chart = new MeshChart(app, 'production', { namespace: 'production' });
const search = new MeshService(chart, 'search-service', { image: 'registry.example.com/search:1.0.0' });
new LocalRateLimit(chart, 'search-rate-limit', {
  service: search,
  capacity: { peakRequestsPerSecond: 1000, headroom: Percentage.of(20) }, // limit 1,200 RPS
  burst: 1500,
  fillInterval: Duration.seconds(1),
  routes: [{ name: 'suggest', pathPrefix: '/api/search/suggest', requestsPerSecond: 300 }],
});
export {};
