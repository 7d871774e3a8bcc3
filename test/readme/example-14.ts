// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { App } from 'cdk8s';
import { Cidr, IngressGateway, MeshChart, MeshService } from 'cdk8s-mesh';

const chart = new MeshChart(new App(), 'payments', { namespace: 'payments' });
const hooks = new MeshService(chart, 'processor-webhooks', { image: 'registry.example.com/processor-webhooks:1.1.0' });
new IngressGateway(chart, 'hooks-gateway', { hosts: ['hooks.pay.example.com'], credentialName: 'payments-hooks-tls' })
  .route(hooks, { pathPrefix: '/processor/', sourceRanges: [Cidr.of('198.51.100.0/24'), Cidr.of('203.0.113.64/26')] });
export {};
