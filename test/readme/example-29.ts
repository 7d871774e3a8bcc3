// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { App } from 'cdk8s';
import { BlueGreenRelease, MeshChart, MeshService } from 'cdk8s-mesh';

const app = new App();
const chart = new MeshChart(app, 'production', { namespace: 'production' });
const order = new MeshService(chart, 'order-service', { image: 'registry.example.com/order-service:1.0.0' });
new BlueGreenRelease(chart, 'order-service-bg', { service: order, image: 'registry.example.com/order-service:2.0.0', active: 'green' });
export {};
