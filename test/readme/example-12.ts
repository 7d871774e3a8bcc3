// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { App, Duration } from 'cdk8s';
import { IngressGateway, MeshChart, MeshService, StringMatch } from 'cdk8s-mesh';

const chart = new MeshChart(new App(), 'staging', { namespace: 'staging' });
// A gRPC service of server-streaming calls: no route timeout on any of its routes.
const prices = new MeshService(chart, 'prices', { image: 'registry.example.com/prices:1.0.0', ports: [{ port: 9090, protocol: 'grpc' }], streaming: true });
// A web service whose /events path is a server-sent-events stream: that route only, and the gateway's route to it.
const web = new MeshService(chart, 'web', { image: 'registry.example.com/web:1.0.0' });
web.addRoute({ name: 'events', match: [{ uri: StringMatch.prefix('/events/') }], destinations: [{ subset: 'stable' }], streaming: true });
const gateway = new IngressGateway(chart, 'public', { hosts: ['www.example.com'], credentialName: 'www-tls' });
gateway.route(web, { pathPrefix: '/events/', streaming: true });
gateway.route(web);
new MeshService(chart, 'dashboard', { image: 'registry.example.com/dashboard:1.0.0', timeout: Duration.seconds(5) })
  .calls(prices, { methods: ['POST'], paths: ['/prices.v1.Prices/Watch'] });
export {};
