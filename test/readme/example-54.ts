// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { Duration } from 'cdk8s';
import { MeshApp, MeshChart, MeshService, Tier } from 'cdk8s-mesh';

const app = new MeshApp();
const chart = new MeshChart(app, 'catalog', { namespace: 'catalog' });
const api = new MeshService(chart, 'catalog-api', { image: 'registry.example.com/catalog-api:2.0.0', tier: Tier.BUSINESS, timeout: Duration.seconds(4) });
const store = new MeshService(chart, 'catalog-store', { image: 'registry.example.com/catalog-store:1.0.0' });
api.calls(store, { methods: ['GET'], paths: ['/items/*'] });
app.synth();
export {};
