import * as fc from 'fast-check';
import { exactDecimal, percentToRatio } from '../../../src/private/decimal';
import { alertPrefix, defaultTeam, Rps, titleCase } from '../../../src/core/slo';
import { TracingProvider } from '../../../src';

describe('exactDecimal', () => {
  test('prints factor x budget without binary noise', () => {
    expect(14.4 * 0.001).not.toBe(0.0144);
    expect(exactDecimal(14.4 * 0.001)).toBe('0.0144');
    expect(exactDecimal(14.4 * 0.005)).toBe('0.072');
    expect(exactDecimal(percentToRatio(0.1))).toBe('0.001');
    expect(exactDecimal(1e-7)).toBe('0.0000001');
    expect(() => exactDecimal(NaN)).toThrow();
  });
  test('round-trips every decimal of up to 6 places', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10_000_000 }), (n) => Number(exactDecimal(n / 1e6)) === n / 1e6), { numRuns: 200 });
  });
});

describe('Rps', () => {
  test('takes 0 and up; rejects negatives and non-finite numbers at once', () => {
    expect(Rps.of(0).value).toBe(0);
    expect(Rps.of(1200).toString()).toBe('1200 rps');
    expect(() => Rps.of(-0.1)).toThrow(/\[MESH004\]/);
    expect(() => Rps.of(Infinity)).toThrow(/\[MESH004\]/);
  });
});

describe('names', () => {
  test('team, title and alert prefix from the service name', () => {
    expect(defaultTeam('payment-service')).toBe('payment');
    expect(defaultTeam('api-gateway')).toBe('api-gateway');
    expect(titleCase('order-service')).toBe('Order Service');
    expect(alertPrefix('search-service')).toBe('SearchService');
  });
});

describe('TracingProvider', () => {
  test('jaeger() is seed 000\'s collector', () => {
    expect(TracingProvider.jaeger().toMeshConfig()).toEqual({ name: 'jaeger', zipkin: { service: 'jaeger-collector.observability.svc.cluster.local', port: 9411 } });
  });
  test.each([0, 65536, 1.5])('rejects port %s', (p) => {
    expect(() => TracingProvider.zipkin('z', 'zipkin.svc', p)).toThrow(/\[MESH004\]/);
  });
  test('accepts ports 1 and 65535, rejects a bad name', () => {
    expect(TracingProvider.zipkin('z', 'h', 1).port).toBe(1);
    expect(TracingProvider.zipkin('z', 'h', 65535).port).toBe(65535);
    expect(() => TracingProvider.zipkin('Bad_Name', 'h')).toThrow(/\[MESH001\]/);
  });
});
