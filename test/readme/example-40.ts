// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { App } from 'cdk8s';
import { EdgeProxyInstall, EdgeProxyRoute, MeshApp, MeshChart, MeshPlatform, MeshService } from 'cdk8s-mesh';

// The seeds' platform: Kong from its chart as release `kong` in `kong`, with a sidecar.
const chart = new MeshChart(new App(), 'k1s0-service', { namespace: 'k1s0-service' });
const order = new MeshService(chart, 'order-server', { image: 'registry.example.com/k1s0/order-server:1.0.0' });
new EdgeProxyRoute(chart, 'order-server-via-kong', { service: order, methods: ['GET', 'POST'], paths: ['/api/v1/orders', '/api/v1/orders/*'] });

// Kong left out of the mesh: order-server accepts its plaintext on 8080 only.
const kong = EdgeProxyInstall.kongHelmChart({ release: 'kong', namespace: 'kong', meshed: false });
const app = new MeshApp({ platform: MeshPlatform.of({ apiGateway: kong }) });
const other = new MeshChart(app, 'k1s0-service', { namespace: 'k1s0-service' });
new EdgeProxyRoute(other, 'orders', { service: new MeshService(other, 'order-server', { image: 'registry.example.com/k1s0/order-server:1.0.0' }) });
export {};
