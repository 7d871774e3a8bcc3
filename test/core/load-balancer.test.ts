import { Duration } from 'cdk8s';
import { LoadBalancer } from '../../src';

describe('LoadBalancer: each shape renders itself', () => {
  test.each([
    [LoadBalancer.roundRobin(), { simple: 'ROUND_ROBIN' }, 'ROUND_ROBIN'],
    [LoadBalancer.leastRequest(), { simple: 'LEAST_REQUEST' }, 'LEAST_REQUEST'],
    [LoadBalancer.random(), { simple: 'RANDOM' }, 'RANDOM'],
    [LoadBalancer.consistentHash.header('X-User'), { consistentHash: { httpHeaderName: 'x-user' } }, 'consistentHash(header x-user)'],
    [LoadBalancer.consistentHash.cookie('session', Duration.minutes(90), '/'),
      { consistentHash: { httpCookie: { name: 'session', path: '/', ttl: '5400s' } } }, 'consistentHash(cookie session)'],
    [LoadBalancer.consistentHash.sourceIp(), { consistentHash: { useSourceIp: true } }, 'consistentHash(sourceIp)'],
    [LoadBalancer.consistentHash.queryParameter('user'), { consistentHash: { httpQueryParameterName: 'user' } }, 'consistentHash(query user)'],
  ])('%s', (lb, istio, text) => {
    // undefined keys are dropped by cdk8s when it writes the manifest
    expect(JSON.parse(JSON.stringify(lb._toIstio()))).toEqual(istio);
    expect(lb.toString()).toBe(text);
  });

  test('a consistent hash has no simple algorithm and a simple one no hash key', () => {
    expect(LoadBalancer.consistentHash.sourceIp().simple).toBeUndefined();
    expect(LoadBalancer.roundRobin().consistentHashKey).toBeUndefined();
  });
});
