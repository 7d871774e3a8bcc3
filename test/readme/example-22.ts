// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { MeshApp, MeshChart, MeshService, ExportTo, Tier } from 'cdk8s-mesh';

const app = new MeshApp();
const system = new MeshChart(app, 'k1s0-system', { namespace: 'k1s0-system' });
const service = new MeshChart(app, 'k1s0-service', { namespace: 'k1s0-service' });
const auth = new MeshService(system, 'auth-server', {
  image: 'registry.example.com/k1s0/auth-server:1.0.0',
  tier: Tier.SYSTEM,
  exportTo: ExportTo.namespaces(['k1s0-service']),
});
const order = new MeshService(service, 'order-server', { image: 'registry.example.com/k1s0/order-server:1.0.0' });
order.calls(auth, { methods: ['POST'], paths: ['/api/v1/token/verify'] });
export {};
