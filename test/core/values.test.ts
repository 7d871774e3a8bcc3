import { Duration } from 'cdk8s';
import { LoadBalancer, Percentage, Principal, Retries, StringMatch, Weight } from '../../src';
import { dns1123LabelProblem, labelValueProblem } from '../../src/core/names';
import { portNameProblem, protocolOfPortName } from '../../src/core/ports';

describe('Weight', () => {
  test('takes whole percentages 0 to 100', () => {
    expect(Weight.percent(0).value).toBe(0);
    expect(Weight.percent(100).value).toBe(100);
    expect(Weight.all().value).toBe(100);
  });
  test.each([-1, 101, 5.5, NaN])('rejects %s with a code', (v) => {
    expect(() => Weight.percent(v)).toThrow(/weight must be a whole percentage from 0 to 100.*\[MESH004\]/);
  });
});

describe('Percentage', () => {
  test('takes fractions from 0 to 100', () => {
    expect(Percentage.of(0.1).value).toBe(0.1);
    expect(Percentage.of(100).value).toBe(100);
  });
  test.each([-0.01, 100.01, Infinity])('rejects %s', (v) => {
    expect(() => Percentage.of(v)).toThrow(/\[MESH004\]/);
  });
});

describe('Retries', () => {
  test('of() keeps what is given, in order', () => {
    const r = Retries.of({ attempts: 3, perTryTimeout: Duration.seconds(5), retryOn: ['5xx', 'reset'] });
    expect(r.attempts).toBe(3);
    expect(r.retryOn).toEqual(['5xx', 'reset']);
    expect(r.disabled).toBe(false);
  });
  test('attempts from 0 to 100; 0 turns retries off, and conditions with it are a problem', () => {
    expect(() => Retries.of({ attempts: -1 })).toThrow(/from 0 to 100, got -1 \[MESH004\]/);
    expect(() => Retries.of({ attempts: 101 })).toThrow(/got 101/);
    expect(Retries.of({ attempts: 100 }).attempts).toBe(100);
    expect(Retries.of({ attempts: 0 }).disabled).toBe(true);
    expect(Retries.of({ attempts: 0 }).problem()).toBeUndefined();
    expect(Retries.of({ attempts: 0, retryOn: ['5xx'] }).problem()).toBe('retries.attempts is 0 but retryOn is set; use Retries.none() to turn retries off');
    expect(Retries.none().attempts).toBe(0);
    expect(Retries.none().retryOn).toBeUndefined();
  });
  test('rejects unknown and duplicate conditions', () => {
    expect(() => Retries.of({ retryOn: ['5xx', '5xx'] })).toThrow(/twice.*\[MESH020\]/);
    expect(() => Retries.of({ retryOn: ['teapot' as any] })).toThrow(/unknown condition 'teapot'; known: 5xx, .*\[MESH213\]/);
    expect(() => Retries.of({ retryOn: [] })).toThrow(/must name at least one condition \[MESH213\]/);
  });
  test('over() inherits unset fields from the base; none() wins', () => {
    const tier = Retries.of({ attempts: 2, perTryTimeout: Duration.seconds(5), retryOn: ['5xx'] });
    const merged = Retries.of({ attempts: 3 }).over(tier);
    expect(merged.attempts).toBe(3);
    expect(merged.perTryTimeout?.toSeconds()).toBe(5);
    expect(merged.retryOn).toEqual(['5xx']);
    expect(Retries.none().over(tier).disabled).toBe(true);
  });
});

describe('LoadBalancer', () => {
  test('simple algorithms and consistent hashes', () => {
    expect(LoadBalancer.roundRobin().simple).toBe('ROUND_ROBIN');
    expect(LoadBalancer.leastRequest().simple).toBe('LEAST_REQUEST');
    expect(LoadBalancer.random().simple).toBe('RANDOM');
    expect(LoadBalancer.consistentHash.header('X-User').consistentHashKey).toEqual({ httpHeaderName: 'x-user' });
    expect(LoadBalancer.consistentHash.sourceIp().toString()).toBe('consistentHash(sourceIp)');
    expect(() => LoadBalancer.consistentHash.header('bad header')).toThrow(/not a valid HTTP token/);
  });
});

describe('StringMatch', () => {
  test('exact, prefix, regex', () => {
    expect(StringMatch.exact('true').toString()).toBe('exact "true"');
    expect(() => StringMatch.prefix('')).toThrow(/non-empty/);
    expect(() => StringMatch.regex('(')).toThrow(/missing closing \)/);
  });
});

describe('names, ports and principals', () => {
  test('DNS-1123 labels', () => {
    expect(dns1123LabelProblem('order-service')).toBeUndefined();
    expect(dns1123LabelProblem('a'.repeat(63))).toBeUndefined();
    expect(dns1123LabelProblem('a'.repeat(64))).toMatch(/longer than 63/);
    expect(dns1123LabelProblem('Order')).toMatch(/not a DNS-1123 label/);
    expect(dns1123LabelProblem('-order')).toMatch(/not a DNS-1123 label/);
    expect(dns1123LabelProblem('')).toMatch(/empty/);
    expect(labelValueProblem('v1.2_beta')).toBeUndefined();
    expect(labelValueProblem('v1/2')).toMatch(/not a valid label value/);
  });
  test('port names follow the protocol convention', () => {
    expect(protocolOfPortName('http')).toBe('http');
    expect(protocolOfPortName('grpc-web-api')).toBe('grpc-web');
    expect(protocolOfPortName('http2-x')).toBe('http2');
    expect(protocolOfPortName('web')).toBeUndefined();
    expect(protocolOfPortName('httpx')).toBeUndefined();
    expect(portNameProblem('http-metrics')).toBeUndefined();
    expect(portNameProblem('web')).toMatch(/does not start with a protocol/);
    expect(portNameProblem('http-much-too-long')).toMatch(/at most 15/);
  });
  test('principals derive from a ServiceAccount', () => {
    expect(Principal.serviceAccount('production', 'order-service').toString()).toBe('cluster.local/ns/production/sa/order-service');
    expect(Principal.parse('cluster.local/ns/production/sa/order-service')?.serviceAccount).toBe('order-service');
    expect(Principal.parse('order-service')).toBeUndefined();
    expect(() => Principal.serviceAccount('production', 'Order')).toThrow(/serviceAccount.*\[MESH001\]/);
  });
});
