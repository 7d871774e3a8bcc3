// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { EdgeGateway, MeshApp, MeshChart, MeshService } from 'cdk8s-mesh';

const app = new MeshApp();
for (const env of ['dev', 'staging', 'production']) {
  const chart = new MeshChart(app, env, { namespace: env });
  const web = new MeshService(chart, 'web', { image: 'registry.example.com/web:1.0.0' });
  // Each environment its own host on the shared ingress gateway; `hosts: ['*']` in all three fails synth (MESH120).
  const host = env === 'production' ? 'www.example.com' : `${env}.example.com`;
  const gateway = new EdgeGateway(chart, 'gateway', { servers: [{ port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: [host] }] });
  gateway.route(web); // every path of the host, in the VirtualService `gateway`
}
app.synth();
export {};
