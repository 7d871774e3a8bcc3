// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { MeshApp, MeshChart, MeshService, Warnings } from 'cdk8s-mesh';

const app = new MeshApp();
const chart = new MeshChart(app, 'production', { namespace: 'production' });
const gateway = new MeshService(chart, 'api-gateway', { image: 'registry.example.com/api-gateway:1.0.0' });
const order = new MeshService(chart, 'order-service', { image: 'registry.example.com/order-service:1.0.0' });
gateway.calls(order, { methods: ['POST'], paths: ['/api/orders/*'] });
Warnings.of(order).acknowledge('MESH111', 'order creation carries an idempotency key');
// synth prints: cdk8s-mesh: 1 acknowledged warning: MESH111 ×1 (production/order-service)
// and writes on VirtualService order-service:
//   metadata.annotations: { acknowledged.mesh.cdk8s.io/MESH111: order creation carries an idempotency key }
export {};
