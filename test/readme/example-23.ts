// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { MeshApp, MeshChart, MeshService, RemoteCaller, RemoteService } from 'cdk8s-mesh';

// The checkout team's repository
const app = new MeshApp();
const checkout = new MeshChart(app, 'checkout', { namespace: 'checkout' });
const storefront = new MeshService(checkout, 'storefront', { image: 'registry.example.com/checkout/storefront:1.8.1' });
const catalogApi = new RemoteService(checkout, 'catalog-api', { namespace: 'catalog', ports: [{ port: 80, targetPort: 8080, protocol: 'http' }] });
storefront.calls(catalogApi, { methods: ['GET'], paths: ['/api/products/*'] });

// The catalog team's repository
const catalogApp = new MeshApp();
const catalog = new MeshChart(catalogApp, 'catalog', { namespace: 'catalog' });
const api = new MeshService(catalog, 'catalog-api', { image: 'registry.example.com/catalog/catalog-api:2.3.0' });
api.admits(RemoteCaller.workload({ name: 'storefront', namespace: 'checkout' }), { methods: ['GET'], paths: ['/api/products/*'] });
export {};
