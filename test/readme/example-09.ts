// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { App, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { MeshChart, MeshService, Retries } from 'cdk8s-mesh';

const chart = new MeshChart(new App(), 'production', { namespace: 'production' });
const web = new kplus.Deployment(chart, 'catalog', {
  metadata: { name: 'catalog' },
  replicas: 3,
  serviceAccount: new kplus.ServiceAccount(chart, 'catalog-sa', { metadata: { name: 'catalog' } }),
  containers: [{
    name: 'web',
    image: 'registry.example.com/catalog:2.0.0',
    ports: [{ number: 8080, name: 'http' }],
    securityContext: { ensureNonRoot: true, user: 10001, group: 10001, capabilities: { drop: ['ALL' as kplus.Capability] } },
    resources: { cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) }, memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) } },
  }],
});
// The library's routes, policies and flows for it, from a MeshService's props; `catalog`, as its Deployment names it.
const catalog = MeshService.fromDeployment(chart, 'catalog-mesh', web, { timeout: Duration.seconds(4), retries: Retries.of({ attempts: 1, perTryTimeout: Duration.seconds(2) }) });
const orders = new MeshService(chart, 'orders', { image: 'registry.example.com/orders:1.0.0' });
orders.calls(catalog, { methods: ['GET'], paths: ['/items/*'] });
export {};
