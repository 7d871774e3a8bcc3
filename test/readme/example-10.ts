// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { App } from 'cdk8s';
import { CanaryPlan, CanaryRelease, LoadBalancer, MeshChart, MeshService, Weight } from 'cdk8s-mesh';

const chart = new MeshChart(new App(), 'production', { namespace: 'production' });
const reviews = new MeshService(chart, 'reviews', { image: 'registry.example.com/reviews:1.0.0', version: 'v1', subset: 'v1' });
reviews.addVersion({ name: 'v2', image: 'registry.example.com/reviews:2.0.0', replicas: 3, trafficPolicy: { loadBalancer: LoadBalancer.roundRobin() } });
// v3 takes 10%; v1 and v2 share the other 90% half and half (45/45/10).
new CanaryRelease(chart, 'reviews-v3', {
  service: reviews,
  image: 'registry.example.com/reviews:3.0.0',
  version: 'v3',
  subset: 'v3',
  plan: CanaryPlan.steps([10, 50, 100]), // phases `canary-10`, `canary-50`, `canary-100`
  phase: 'canary-10',
  baseline: [{ subset: 'v1', weight: Weight.percent(50) }, { subset: 'v2', weight: Weight.percent(50) }],
});
export {};
