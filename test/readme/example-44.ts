// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { LocalityLoadBalancing, MeshApp, MeshChart, MeshService } from 'cdk8s-mesh';

const chart = new MeshChart(new MeshApp(), 'production', { namespace: 'production' });
const db = new MeshService(chart, 'database-service', { image: 'registry.example.com/db:1.0.0', replicas: 6 });
new LocalityLoadBalancing(chart, 'db-locality', {
  service: db,
  // Seed 002's order among three regions: zone first, with two pods or more in every zone.
  failover: [{ from: 'us-east', to: 'us-west' }, { from: 'us-west', to: 'eu-west' }],
  sameZoneFirst: true,
});
export {};
