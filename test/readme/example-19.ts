// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { App } from 'cdk8s';
import { MeshChart, MeshService, ServiceSecurity, MtlsMode } from 'cdk8s-mesh';

const chart = new MeshChart(new App(), 'production', { namespace: 'production' });
const gateway = new MeshService(chart, 'api-gateway', { image: 'registry.example.com/api-gateway:1.0.0' });
const order = new MeshService(chart, 'order-service', { image: 'registry.example.com/order-service:1.0.0' });
const notification = new MeshService(chart, 'notification-service', { image: 'registry.example.com/notification-service:1.0.0' });
gateway.calls(order, { methods: ['GET', 'POST'], paths: ['/api/orders/*'] });
order.calls(notification, { methods: ['POST'], paths: ['/api/notifications/*'], asynchronous: true });

// Workload- and port-level mTLS, and a rule of your own on top of the call graph.
ServiceSecurity.of(order).setMtls(MtlsMode.strict(), { portLevelMtls: { 9090: MtlsMode.permissive() } });
ServiceSecurity.of(order).allow({ from: [{ services: [gateway] }], to: [{ methods: ['HEAD'], paths: ['/api/orders/{*}/status'] }] });
export {};
