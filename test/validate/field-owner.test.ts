// A finding about one rule of a VirtualService that several gateway routes share is the route's that wrote the rule: it is
// reported on that route's construct path and acknowledged there (`Warnings.of(route)`), not on the route that opened the
// VirtualService (private/field-owners.ts; README "Gateway routes": a warning about a route is acknowledged on it).
import { Duration } from 'cdk8s';
import { EdgeGateway, FlaggerCanary, IngressGateway, MeshChart, MeshService, Warnings } from '../../src';
import { meshChart } from '../util';

const ANALYSIS = { interval: Duration.minutes(5), stepWeights: [10, 50] };

/** web and api (released by Flagger) routed by a gateway: web first, api's rule after it. */
function twoRoutes(gateway: (chart: MeshChart) => EdgeGateway | IngressGateway) {
  const { app, chart } = meshChart();
  const web = new MeshService(chart, 'web', { image: 'web:1' });
  const api = new MeshService(chart, 'api', { image: 'api:1' });
  const g = gateway(chart);
  g.route(web, { pathPrefix: '/web/' });
  // api's prefix is the shorter: second in an IngressGateway (longest first) as in an EdgeGateway (in order).
  const apiRoute = g.route(api, { pathPrefix: '/a/' });
  new FlaggerCanary(chart, 'api-canary', { service: api, ...ANALYSIS });
  return { app, apiRoute };
}

describe("a warning about a shared VirtualService's rule is the gateway route's that wrote it", () => {
  test.each([
    ['EdgeGateway', (c: MeshChart) => new EdgeGateway(c, 'public', { servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] })],
    ['IngressGateway', (c: MeshChart) => new IngressGateway(c, 'public', { hosts: ['shop.example.com'], credentialName: 'shop-tls' })],
  ])('%s: MESH312 on the api route, acknowledged there', (_kind, gateway) => {
    // GIVEN api's route after web's, api released by Flagger (MESH312 on api's rule of the one VirtualService)
    const { app } = twoRoutes(gateway);
    app.manifests();
    // THEN the warning names api's route, not web's, which opened the VirtualService
    expect(app.warnings).toEqual([expect.stringMatching(/^\[test\/public\/route-api\] .*VirtualService\/public: spec\.http\[1\]\.route\[0\]\.destination\.host: .*\[MESH312\]/)]);
    // AND acknowledging it on api's route acknowledges it (and is not stale)
    const acked = twoRoutes(gateway);
    Warnings.of(acked.apiRoute).acknowledge('MESH312', 'public clients are judged by the gateway team');
    acked.app.manifests();
    expect(acked.app.warnings).toEqual([]);
    expect(acked.app.acknowledgedWarnings).toEqual([expect.stringMatching(/\[test\/public\/route-api\].*\(acknowledged: public clients are judged by the gateway team\)$/)]);
  });
});
