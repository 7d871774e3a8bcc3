import { Duration } from 'cdk8s';
import { MeshService, Retries } from '../../src';
import { find, meshChart, synth } from '../util';

/** GIVEN a caller that calls `orders` with `methods`, and `orders` with its own props. */
function routeOf(methods: ('GET' | 'POST' | 'PATCH' | 'PUT')[] | undefined, retries?: Retries) {
  const { app, chart } = meshChart();
  const orders = new MeshService(chart, 'orders', { image: 'o:1', retries });
  const api = new MeshService(chart, 'api', { image: 'a:1' });
  api.calls(orders, { methods, paths: ['/api/orders/*'] });
  return find(synth(app), 'VirtualService', 'orders').spec.http[0].retries;
}

describe("a route that callers POST or PATCH to retries only what never reached it (the library's default)", () => {
  test.each([[['POST']], [['GET', 'PATCH']], [undefined]] as const)('methods %j: reset-before-request,connect-failure, attempts and per-try timeout from the tier', (methods) => {
    expect(routeOf(methods as any)).toEqual({ attempts: 2, perTryTimeout: '5s', retryOn: 'reset-before-request,connect-failure' });
  });

  test("idempotent callers keep the tier's conditions", () => {
    expect(routeOf(['GET', 'PUT']).retryOn).toBe('5xx,reset,connect-failure,retriable-4xx');
  });

  test('the service\'s own retryOn wins (then MESH111/MESH662 warn), and Retries.none() stays off', () => {
    expect(routeOf(['POST'], Retries.of({ retryOn: ['5xx', 'connect-failure'] })).retryOn).toBe('5xx,connect-failure');
    expect(routeOf(['POST'], Retries.of({ attempts: 1, perTryTimeout: Duration.seconds(2) }))).toEqual({
      attempts: 1, perTryTimeout: '2s', retryOn: 'reset-before-request,connect-failure',
    });
    expect(routeOf(['POST'], Retries.none())).toEqual({ attempts: 0 });
  });
});
