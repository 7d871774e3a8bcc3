// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { MeshApp, MeshChart, MeshService } from 'cdk8s-mesh';

const app = new MeshApp();
const chart = new MeshChart(app, 'production', { namespace: 'production', production: true });
const api = new MeshService(chart, 'api-gateway', { image: 'registry.example.com/api-gateway:1.0.0' });
const order = new MeshService(chart, 'order-service', { image: 'registry.example.com/order-service:1.0.0' });
api.calls(order, { methods: ['POST'], paths: ['/api/orders/*'] });
console.log(chart.intendedFlows().map((f) => f.description)); // api-gateway calls order-service POST /api/orders/x, Prometheus scrapes ...
export {};
