// A gateway route's mirror (GatewayRouteOptions.mirror): the gateway's Envoy copies the route's requests to a service of their
// own (Istio HTTPRoute mirror, mirrorPercentage), which admits the gateway; the way to shadow the public traffic of a service
// whose VirtualService Flagger writes.
import { Duration } from 'cdk8s';
import {
  EdgeGateway, FlaggerCanary, IngressGateway, MeshChart, MeshService, Percentage, StringMatch, Warnings,
} from '../../../src';
import { checkIntendedFlows, FlowEvaluator } from '../../../src/validate';
import { find, meshChart, synth, synthError } from '../../util';

const SERVERS = [{ port: { number: 80, name: 'http', protocol: 'HTTP' as const }, hosts: ['api.example.com'] }];

function setup(mirror: (chart: MeshChart, api: MeshService, shadow: MeshService) => Parameters<EdgeGateway['route']>[1]) {
  const { app, chart } = meshChart();
  const api = new MeshService(chart, 'api', { image: 'api:1' });
  const shadow = new MeshService(chart, 'api-shadow', { image: 'api:2-rc1', replicas: 1 });
  const gateway = new EdgeGateway(chart, 'public', { servers: SERVERS });
  const route = gateway.route(api, mirror(chart, api, shadow));
  return { app, chart, api, shadow, route };
}

describe('GatewayRouteOptions.mirror', () => {
  test("the gateway's rule copies the share to the mirror's host and port; the mirror admits the gateway on the route's paths", () => {
    // GIVEN a route under /api/ copying 10% of its requests to api-shadow
    const { app, chart } = setup((_c, _a, shadow) => ({ pathPrefix: '/api/', mirror: { service: shadow, percentage: Percentage.of(10) } }));
    const m = synth(app);
    // THEN the rule mirrors to api-shadow's first HTTP port, 10%
    expect(find(m, 'VirtualService', 'public').spec.http[0]).toMatchObject({
      match: [{ uri: { prefix: '/api/' } }],
      route: [{ destination: { host: 'api', subset: 'stable' } }],
      mirror: { host: 'api-shadow', port: { number: 80 } },
      mirrorPercentage: { value: 10 },
    });
    // AND api-shadow admits the gateway's principal on the route's paths, and its pods in the NetworkPolicy
    expect(find(m, 'AuthorizationPolicy', 'api-shadow-policy').spec.rules).toContainEqual({
      from: [{ source: { principals: ['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'] } }],
      to: [{ operation: { paths: ['/api/*'] } }],
    });
    expect(JSON.stringify(find(m, 'NetworkPolicy', 'api-shadow').spec.ingress)).toContain('"istio":"ingressgateway"');
    // AND the copy is an intended flow from the gateway's pods, which synth proves
    const flows = chart.intendedFlows().filter((f) => f.host === 'api-shadow.production.svc.cluster.local' && f.constructPath === 'test/public/route-api');
    expect(flows).toEqual([expect.objectContaining({ port: 80, method: 'GET', path: '/api/x', expect: 'allow', constructPath: 'test/public/route-api' })]);
    const evaluate = (manifests: Record<string, any>[]) => checkIntendedFlows(
      new FlowEvaluator(manifests, { platform: chart.platform.workloads(chart.namespace), trustDomain: chart.platform.trustDomain }), flows);
    expect(evaluate(m)).toEqual([]);
    // AND without the admission the copy is refused
    const ap = find(m, 'AuthorizationPolicy', 'api-shadow-policy');
    const stripped = m.filter((x) => x !== ap);
    expect(evaluate(stripped).map((f) => f.message)).toEqual([expect.stringMatching(/the gateway's copy of GET \/api\/x to api reaches its mirror api-shadow/)]);
  });

  test('every request is copied without a share: no mirrorPercentage (Istio mirrors all then)', () => {
    const { app } = setup((_c, _a, shadow) => ({ mirror: { service: shadow } }));
    const rule = find(synth(app), 'VirtualService', 'public').spec.http[0];
    expect(rule.mirror).toEqual({ host: 'api-shadow', port: { number: 80 } });
    expect(rule.mirrorPercentage).toBeUndefined();
  });

  test("shadowing a service Flagger releases: the gateway's copy, where a mirror on its host would be dropped (MESH306)", () => {
    const { app, chart } = meshChart();
    const playback = new MeshService(chart, 'playback', { image: 'playback:1', ports: [{ port: 9090, protocol: 'grpc' }] });
    const shadow = new MeshService(chart, 'playback-shadow', { image: 'playback:2', ports: [{ port: 9090, protocol: 'grpc' }], replicas: 1 });
    new FlaggerCanary(chart, 'playback-canary', { service: playback, interval: Duration.minutes(1), stepWeights: [10, 50] });
    const route = new EdgeGateway(chart, 'public', { servers: SERVERS }).route(playback, {
      match: [{ uri: StringMatch.prefix('/vod.playback.v1.Playback/') }], mirror: { service: shadow, percentage: Percentage.of(5) },
    });
    Warnings.of(route).acknowledge('MESH312', 'public clients are judged by the shadow');
    // A gRPC call is a POST: the copy applies it again (MESH669), reported and acknowledged on the route
    app.manifests();
    expect(app.warnings).toEqual([expect.stringMatching(/^\[test\/public\/route-playback\] .*spec\.http\[0\]\.mirror.*\[MESH669\]/)]);
    Warnings.of(route).acknowledge('MESH669', 'the shadow writes to a store of its own');
    app.manifests();
    expect(app.warnings).toEqual([]);
  });

  test.each([
    ['its own service', (_c: MeshChart, api: MeshService) => ({ mirror: { service: api } }),
      "mirror.service: api is the route's own service, which would act on each request twice; mirror to a service of its own [MESH304]"],
    ['a port that is not HTTP', (_c: MeshChart, _a: MeshService, shadow: MeshService) => ({ mirror: { service: shadow, port: 5432 } }),
      'mirror.port: 5432 is not an HTTP port of test/api-shadow [MESH630]'],
    ['0%', (_c: MeshChart, _a: MeshService, shadow: MeshService) => ({ mirror: { service: shadow, percentage: Percentage.of(0) } }),
      'mirror.percentage: must be above 0%: 0% mirrors nothing [MESH630]'],
    ['a service without an HTTP port', (c: MeshChart) => ({
      mirror: { service: new MeshService(c, 'db', { image: 'db:1', ports: [{ port: 5432, protocol: 'tcp' as const }] }) },
    }), 'mirror.service: test/db has no HTTP port: Istio mirrors HTTP requests [MESH630]'],
  ])('a mirror to %s fails synth on the route', (_what, mirror, message) => {
    const { app } = setup(mirror);
    expect(synthError(app)).toContain(`[test/public/route-api] ${message}`);
  });

  test("an IngressGateway's routes do not mirror (MESH630)", () => {
    const { app, chart } = meshChart();
    const api = new MeshService(chart, 'api', { image: 'api:1' });
    const shadow = new MeshService(chart, 'api-shadow', { image: 'api:2' });
    new IngressGateway(chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls' }).route(api, { mirror: { service: shadow } });
    expect(synthError(app)).toContain("mirror: an IngressGateway's routes do not mirror; route the mirrored requests through an EdgeGateway [MESH630]");
  });
});
