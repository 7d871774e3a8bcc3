// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { App } from 'cdk8s';
import { MeshChart, MeshService, SecureService } from 'cdk8s-mesh';

const chart = new MeshChart(new App(), 'production', { namespace: 'production' });
const payment = new SecureService(chart, 'payment-service', { image: 'registry.example.com/payment-service:1.0.0' });
const order = new MeshService(chart, 'order-service', { image: 'registry.example.com/order-service:1.0.0' });
order.calls(payment, { methods: ['POST'], paths: ['/api/payments/*', '/api/refunds/*'] });
export {};
