// A route's retries and destinations, each reported at the construct with its own code:
// an inherited per-try timeout longer than the route's own timeout is clamped to it (Envoy's
// RetryPolicy.per_try_timeout: "If left unspecified, Envoy will use the global route timeout
// for the request", envoy api/envoy/config/route/v3/route_components.proto), a per-try timeout
// the route gives itself above its timeout is MESH011 at the construct, a route with no
// destination MESH214, an unknown retry condition MESH213.
import { Duration } from 'cdk8s';
import { MeshService, Retries, StringMatch, Tier } from '../../src';
import { find, meshChart, synth, synthError } from '../util';

const route = (vs: Record<string, any>, name: string) => vs.spec.http.find((h: any) => h.name === name);

describe('per-try timeouts a route inherits', () => {
  test('the tier\'s 5s tries under a route of 1s become tries of 1s; attempts and conditions stay the given and the tier\'s', () => {
    const { app, chart } = meshChart();
    const s = new MeshService(chart, 'api', { image: 'x/api:1', tier: Tier.SERVICE });
    s.addRoute({ name: 'slow', match: [{ uri: StringMatch.prefix('/slow') }], destinations: [{ subset: s.subset }],
      timeout: Duration.seconds(1), retries: Retries.of({ attempts: 2 }) });
    const vs = find(synth(app), 'VirtualService', 'api');
    expect(route(vs, 'slow')).toMatchObject({
      timeout: '1s', retries: { attempts: 2, perTryTimeout: '1s', retryOn: '5xx,reset,connect-failure,retriable-4xx' },
    });
    // the default route keeps the tier's settings
    expect(vs.spec.http.at(-1)).toMatchObject({ timeout: '15s', retries: { perTryTimeout: '5s' } });
  });

  test('a route with a timeout and no retries of its own gets the tier\'s tries clamped too; a longer timeout keeps them', () => {
    const { app, chart } = meshChart();
    const s = new MeshService(chart, 'api', { image: 'x/api:1', tier: Tier.SERVICE });
    s.addRoute({ name: 'short', match: [{ uri: StringMatch.prefix('/a') }], destinations: [{ subset: s.subset }], timeout: Duration.seconds(2) });
    s.addRoute({ name: 'long', match: [{ uri: StringMatch.prefix('/b') }], destinations: [{ subset: s.subset }], timeout: Duration.seconds(30) });
    const vs = find(synth(app), 'VirtualService', 'api');
    expect(route(vs, 'short').retries).toMatchObject({ attempts: 2, perTryTimeout: '2s' });
    expect(route(vs, 'long').retries).toMatchObject({ attempts: 2, perTryTimeout: '5s' });
  });

  test('a service\'s own timeout under its tier\'s per-try timeout clamps the same way', () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'api', { image: 'x/api:1', tier: Tier.SERVICE, timeout: Duration.seconds(3) });
    expect(find(synth(app), 'VirtualService', 'api').spec.http[0]).toMatchObject({ timeout: '3s', retries: { perTryTimeout: '3s' } });
  });

  test('a per-try timeout the route gives itself above its own timeout fails at the construct (MESH011)', () => {
    const { app, chart } = meshChart();
    const s = new MeshService(chart, 'api', { image: 'x/api:1' });
    s.addRoute({ name: 'slow', match: [{ uri: StringMatch.prefix('/slow') }], destinations: [{ subset: s.subset }],
      timeout: Duration.seconds(1), retries: Retries.of({ attempts: 2, perTryTimeout: Duration.seconds(2) }) });
    expect(synthError(app)).toMatch(/\[test\/api\] route slow .*retries\.perTryTimeout \(2s\) is longer than the route's timeout \(1s\) \[MESH011\]/);
  });
});

describe('codes of their own', () => {
  test('a route without destinations is MESH214, not the unknown subset\'s MESH013', () => {
    const { app, chart } = meshChart();
    const s = new MeshService(chart, 'api', { image: 'x/api:1' });
    s.addRoute({ name: 'slow', match: [{ uri: StringMatch.prefix('/slow') }] });
    const err = synthError(app);
    expect(err).toMatch(/\[test\/api\] route slow .*has no destination, redirect or directResponse: give it destinations \[MESH214\]/);
    expect(err).not.toMatch(/MESH013/);
  });

  test('an unknown retry condition is MESH213, naming the known ones', () => {
    expect(() => Retries.of({ attempts: 2, retryOn: ['5xx', 'bogus' as any] })).toThrow(/retries\.retryOn: unknown condition 'bogus'; known: .*\[MESH213\]/);
  });
});
