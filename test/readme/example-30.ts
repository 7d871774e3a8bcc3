// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { App, Duration } from 'cdk8s';
import { FlaggerCanary, FlaggerMetric, MeshChart, MeshService, Percentage } from 'cdk8s-mesh';

const app = new App();
const chart = new MeshChart(app, 'production', { namespace: 'production' });
const order = new MeshService(chart, 'order-service', { image: 'registry.example.com/order-service:1.0.0' });

new FlaggerCanary(chart, 'order-service-flagger', {
  service: order,
  interval: Duration.minutes(5),
  threshold: 2,
  stepWeights: [10, 30, 50, 80],
  maxWeight: 80,
  metrics: [
    FlaggerMetric.requestSuccessRate(Percentage.of(99), Duration.minutes(5)),
    FlaggerMetric.requestDuration(Duration.millis(500), Duration.minutes(5)),
  ],
  alerts: [{ name: 'rollback-alert', severity: 'error', providerRef: { name: 'on-call-slack', namespace: 'istio-system' } }],
});
export {};
