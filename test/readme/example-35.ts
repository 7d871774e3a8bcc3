// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { App, Duration } from 'cdk8s';
import { Cidr, FaultInjectionTest, MeshChart, MeshService, Percentage } from 'cdk8s-mesh';

const app = new App();
const chart = new MeshChart(app, 'staging', { namespace: 'staging' });
const order = new MeshService(chart, 'order-service', { image: 'registry.example.com/order-service:1.0.0' });
new FaultInjectionTest(chart, 'fault-injection-test', {
  services: [order],
  delay: { fixedDelay: Duration.millis(500), percentage: Percentage.of(10) },
  abort: { httpStatus: 503, percentage: Percentage.of(5) },
  apiServer: { addresses: [Cidr.of('10.0.0.2/32')] }, // kubectl get endpoints kubernetes
});
export {};
