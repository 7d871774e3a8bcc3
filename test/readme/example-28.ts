// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { App, Duration } from 'cdk8s';
import { CanaryPlan, CanaryRelease, MeshChart, MeshService, Percentage, StringMatch } from 'cdk8s-mesh';

const app = new App();
const chart = new MeshChart(app, 'production', { namespace: 'production' });
const order = new MeshService(chart, 'order-service', { image: 'registry.example.com/order-service:1.0.0' });

const criteria = { maxErrorRate: Percentage.of(0.5), maxP99Latency: Duration.millis(500) };
const plan = CanaryPlan.of([
  { name: 'qa-header', canaryWeight: 0, headers: { 'x-canary': StringMatch.exact('true') }, duration: Duration.days(1) },
  { name: 'canary-5', canaryWeight: 5, duration: Duration.days(2), successCriteria: criteria },
  { name: 'canary-25', canaryWeight: 25, duration: Duration.days(2), successCriteria: criteria },
  { name: 'canary-50', canaryWeight: 50, duration: Duration.days(1), successCriteria: criteria },
  { name: 'canary-100', canaryWeight: 100, duration: Duration.days(1) },
  { name: 'retire-v1', canaryWeight: 100, retireStable: true },
]);

new CanaryRelease(chart, 'order-service-v2', {
  service: order,
  image: 'registry.example.com/order-service:2.0.0',
  plan,
  phase: 'canary-5', // staging might run 'canary-50'
});
export {};
