// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { App, Duration } from 'cdk8s';
import { LoadBalancer, MeshChart, MeshService, Retries, Tier } from 'cdk8s-mesh';

const app = new App();
const chart = new MeshChart(app, 'production', { namespace: 'production' });

const payment = new MeshService(chart, 'payment-service', {
  image: 'registry.example.com/payment-service:2.3.1',
  tier: Tier.SERVICE,
  loadBalancer: LoadBalancer.leastRequest(),
  timeout: Duration.seconds(30),
  // retry only what never reached payment: a retried charge may be a double charge
  retries: Retries.of({ attempts: 1, perTryTimeout: Duration.seconds(25), retryOn: ['reset-before-request', 'connect-failure'] }),
});

const order = new MeshService(chart, 'order-service', {
  image: 'registry.example.com/order-service:1.4.2',
  retries: Retries.of({ attempts: 3 }), // perTryTimeout and retryOn stay the tier's
});
order.calls(payment, { methods: ['POST'], paths: ['/api/payments/*'] });

app.synth();
export {};
