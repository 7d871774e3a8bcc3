// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { App, Duration } from 'cdk8s';
import { FlaggerCanary, FlaggerMetric, FlaggerMetricTemplate, MeshChart, MeshService } from 'cdk8s-mesh';

const chart = new MeshChart(new App(), 'production', { namespace: 'production' });
const pricing = new MeshService(chart, 'pricing', { image: 'registry.example.com/pricing:1.0.0', ports: [{ port: 9090, protocol: 'grpc' }] });
new FlaggerCanary(chart, 'pricing-canary', {
  service: pricing,
  stepWeights: [10, 30, 50],
  metrics: [
    FlaggerMetric.custom(FlaggerMetricTemplate.grpcRequestSuccessRate(chart, 'grpc-success-rate'), { min: 99 }),
    FlaggerMetric.requestDuration(Duration.millis(500)),
  ],
});
export {};
