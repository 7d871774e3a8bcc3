import { Duration } from 'cdk8s';
import { IngressGateway, MeshService, StringMatch } from '../../src';
import { find, meshChart, synth } from '../util';

/**
 * Envoy's route timeout "spans between the point at which the entire downstream request (i.e. end-of-stream) has been processed
 * and when the upstream response has been completely processed"
 * (https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto): a WebSocket or a server-sent
 * event stream is cut at that mark (kubeflow/kubeflow#6126: "timeout: 300s ... would cause websockets to disconnect at the
 * 5 minute mark"). Istio's own default is no timeout (VirtualService HTTPRoute.timeout: "default is disabled").
 */
describe('a streaming service beside others on one gateway', () => {
  function build() {
    const { app, chart } = meshChart();
    const notifications = new MeshService(chart, 'notifications', { image: 'registry.example.com/notifications:1.0.0', streaming: true });
    const api = new MeshService(chart, 'api', { image: 'registry.example.com/api:1.0.0' });
    const gw = new IngressGateway(chart, 'public', { hosts: ['api.example.com'], credentialName: 'api-tls' });
    gw.route(notifications, { pathPrefix: '/ws/' });
    gw.route(api, { pathPrefix: '/v1/' });
    return { app, notifications };
  }

  test("the service's routes and the gateway's route to it carry no timeout; other services keep the tier's", () => {
    const ms = synth(build().app);
    const own = find(ms, 'VirtualService', 'notifications').spec.http;
    expect(own.map((r: any) => r.timeout)).toEqual(own.map(() => undefined));
    expect(own[0].retries).toMatchObject({ attempts: 2 });
    const gateway = find(ms, 'VirtualService', 'public').spec.http;
    expect(gateway.find((r: any) => r.name === 'notifications').timeout).toBeUndefined();
    expect(gateway.find((r: any) => r.name === 'api').timeout).toBe('15s');
    expect(find(ms, 'VirtualService', 'api').spec.http[0].timeout).toBe('15s');
  });

  test('a route of addRoute may set its own timeout', () => {
    const { app, notifications } = build();
    notifications.addRoute({
      name: 'history', match: [{ uri: StringMatch.prefix('/history') }], destinations: [{ subset: 'stable' }], timeout: Duration.seconds(5),
    });
    const http = find(synth(app), 'VirtualService', 'notifications').spec.http;
    expect(http.map((r: any) => [r.name, r.timeout])).toEqual([['history', '5s'], [http[1].name, undefined]]);
  });
});
