// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { App } from 'cdk8s';
import { MeshChart, MeshService, StringMatch } from 'cdk8s-mesh';

const chart = new MeshChart(new App(), 'dev', { namespace: 'dev' });
const search = new MeshService(chart, 'search-service', { image: 'registry.example.com/search:3.0.0' });
// v3's Deployment and its subset `experimental`, both contributed to search-service's host.
search.addVersion({ name: 'v3', image: 'registry.example.com/search:3.1.0', subset: 'experimental' });
search.addRoute({
  name: 'qa',
  match: [{ headers: { 'x-qa-team': StringMatch.exact('true') } }],
  destinations: [{ subset: 'experimental' }],
});
export {};
