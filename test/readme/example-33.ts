// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { App, Duration } from 'cdk8s';
import { FlaggerAlertAddress, FlaggerAlertProvider, FlaggerCanary, FlaggerMetric, MeshChart, MeshService, Percentage, Warnings } from 'cdk8s-mesh';

const chart = new MeshChart(new App(), 'k1s0-service', { namespace: 'k1s0-service' });
const order = new MeshService(chart, 'order-server', { image: 'registry.example.com/k1s0/order-server:1.0.0' });
const teams = new FlaggerAlertProvider(chart, 'k1s0-infra-report', { type: 'msteams', address: FlaggerAlertAddress.secret('flagger-msteams') });
const release = new FlaggerCanary(chart, 'order-server-canary', {
  service: order,
  interval: Duration.minutes(5),
  threshold: 2,
  stepWeights: [10, 30, 50, 80],
  mirror: Percentage.of(10),
  metrics: [
    FlaggerMetric.requestSuccessRate(Percentage.of(99), Duration.minutes(5)),
    FlaggerMetric.requestDuration(Duration.millis(500), Duration.minutes(5)),
  ],
  alerts: [teams.alert({ name: 'rollback-alert' })],
});
Warnings.of(release).acknowledge('MESH320', "the canary's orders go to a store of its own");
export {};
