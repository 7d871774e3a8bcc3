// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { App } from 'cdk8s';
import { MeshChart, MeshService, StringMatch } from 'cdk8s-mesh';

const chart = new MeshChart(new App(), 'dev', { namespace: 'dev' });
const search = new MeshService(chart, 'search-service', { image: 'registry.example.com/search:3.0.0' });
search.traffic.addSubset(search, { name: 'experimental', labels: { version: 'v3' } });
search.addRoute({
  name: 'qa',
  match: [{ headers: { 'x-qa-team': StringMatch.exact('true') } }],
  destinations: [{ subset: 'experimental' }],
});
export {};
