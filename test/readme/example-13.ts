// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { App } from 'cdk8s';
import { EdgeGateway, MeshChart, MeshService, StringMatch } from 'cdk8s-mesh';

const chart = new MeshChart(new App(), 'bookinfo', { namespace: 'bookinfo' });
const productpage = new MeshService(chart, 'productpage', { image: 'registry.example.com/productpage:1.0.0', ports: [{ port: 9080 }] });
const gateway = new EdgeGateway(chart, 'bookinfo-gateway', { servers: [{ port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] });
gateway.route(productpage, {
  match: [{ uri: StringMatch.exact('/productpage') }, { uri: StringMatch.prefix('/static') }],
  virtualServiceName: 'bookinfo',
});
export {};
