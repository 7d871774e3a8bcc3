// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { LocalityLoadBalancing, MeshApp, MeshChart, MeshService } from 'cdk8s-mesh';

const chart = new MeshChart(new MeshApp(), 'production', { namespace: 'production' });
const db = new MeshService(chart, 'database-service', { image: 'registry.example.com/db:1.0.0' });
new LocalityLoadBalancing(chart, 'db-locality', {
  service: db,
  failover: [{ from: 'us-east', to: 'us-west' }, { from: 'us-west', to: 'eu-west' }],
});
export {};
