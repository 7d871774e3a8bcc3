// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { Testing } from 'cdk8s';
import { MeshApp, MeshChart, MeshService, renderChartTopology } from 'cdk8s-mesh';

const app = new MeshApp({ outdir: Testing.app().outdir });
const chart = new MeshChart(app, 'production', { namespace: 'production' });
const order = new MeshService(chart, 'order-service', { image: 'registry.example.com/order-service:1.0.0' });
const notification = new MeshService(chart, 'notification-service', { image: 'registry.example.com/notification-service:1.0.0' });
order.calls(notification, { methods: ['POST'], paths: ['/api/notifications/*'], asynchronous: true });
const markdown: string = renderChartTopology(chart, app.manifests().map((f) => f.manifest));
console.log(markdown);
export {};
