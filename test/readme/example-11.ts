// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { App, Duration } from 'cdk8s';
import { MeshChart, MeshService, Percentage, Retries, StringMatch } from 'cdk8s-mesh';

const chart = new MeshChart(new App(), 'staging', { namespace: 'staging' });
const ratings = new MeshService(chart, 'ratings', { image: 'registry.example.com/ratings:1.0.0', version: 'v1', subset: 'v1' });
ratings.addRoute({
  name: 'jason-delay',
  match: [{ headers: { 'end-user': StringMatch.exact('jason') } }],
  destinations: [{ subset: 'v1' }],
  fault: { delay: { fixedDelay: Duration.seconds(7), percentage: Percentage.of(100) } },
});
ratings.addRoute({
  name: 'reports',
  match: [{ uri: StringMatch.prefix('/reports'), method: 'GET' }],
  destinations: [{ subset: 'v1' }],
  timeout: Duration.seconds(30),
  retries: Retries.of({ attempts: 1 }),
  rewrite: { uri: '/v2/reports' },
});
ratings.addRoute({ name: 'gone', match: [{ uri: StringMatch.exact('/legacy') }], directResponse: { status: 410 } });
const db = new MeshService(chart, 'ratings-db', { image: 'registry.example.com/mysql:8.4', ports: [{ port: 3306, protocol: 'mysql' }] });
db.addTcpRoute({ port: 3306, destinations: [{ subset: 'stable' }] });
export {};
