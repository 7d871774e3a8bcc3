// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { IngressGateway, MeshApp, MeshChart, MeshGateway, MeshService } from 'cdk8s-mesh';

const chart = new MeshChart(new MeshApp(), 'production', { namespace: 'production' });
const api = new MeshService(chart, 'api-gateway', { image: 'registry.example.com/api-gateway:1.0.0' });
new MeshGateway(chart, 'k1s0-mesh-gateway', {
  namespace: 'service-mesh',
  pods: { namespace: 'service-mesh', serviceAccount: 'mesh-gateway', labels: { istio: 'mesh-gateway' } }, // its own deployment
  tierNamespaces: ['k1s0-system', 'k1s0-business', 'k1s0-service'],
});
const shop = new IngressGateway(chart, 'shop-gateway', { hosts: ['shop.example.com'], credentialName: 'shop-tls' });
const web = new MeshService(chart, 'web-frontend', { image: 'registry.example.com/web-frontend:1.0.0' });
shop.route(api, { pathPrefix: '/api/' }); // the API
shop.route(web); // the site root and everything else a browser asks for
export {};
