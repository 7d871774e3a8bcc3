/**
 * istiod's webhook checks of DestinationRule traffic policies (pkg/config/validation,
 * validateTrafficPolicy and what it calls): one fixture per rule, with the accepted case beside it.
 */
import { checkWebhook } from '../../src/validate/webhook';
import { durationNanos } from '../../src/validate/webhook/traffic-policy';
import { destinationRule, M } from './fixtures';

/** `<code> <field>` of every webhook finding of a DestinationRule with traffic policy `tp`. */
function tp(policy: M): string[] {
  return checkWebhook(destinationRule('orders', [], { trafficPolicy: policy })).map((f) => `${f.code} ${f.field}`).sort();
}

const at = 'spec.trafficPolicy';

describe("istiod's webhook: DestinationRule traffic policies", () => {
  test('MESH172: an empty traffic policy; tunnel with proxyProtocol', () => {
    expect(tp({})).toEqual([`MESH172 ${at}`]);
    expect(tp({ tunnel: { protocol: 'CONNECT', targetHost: 'a.b', targetPort: 443 }, proxyProtocol: { version: 'V1' } }))
      .toEqual([`MESH172 ${at}.proxyProtocol`]);
    expect(tp({ loadBalancer: { simple: 'LEAST_REQUEST' } })).toEqual([]);
  });

  test('MESH172: outlier detection percentages in 0-100, local-origin failures need the split', () => {
    expect(tp({ outlierDetection: { maxEjectionPercent: 101 } })).toEqual([`MESH172 ${at}.outlierDetection.maxEjectionPercent`]);
    expect(tp({ outlierDetection: { minHealthPercent: -1 } })).toEqual([`MESH172 ${at}.outlierDetection.minHealthPercent`]);
    expect(tp({ outlierDetection: { maxEjectionPercent: 100, minHealthPercent: 0 } })).toEqual([]);
    expect(tp({ outlierDetection: { consecutiveLocalOriginFailures: 3 } }))
      .toEqual([`MESH172 ${at}.outlierDetection.consecutiveLocalOriginFailures`]);
    expect(tp({ outlierDetection: { consecutiveLocalOriginFailures: 3, splitExternalLocalOriginErrors: true } })).toEqual([]);
  });

  test('MESH115: deprecated consecutiveErrors and minimumRingSize are warnings', () => {
    const f = checkWebhook(destinationRule('orders', [], { trafficPolicy: { outlierDetection: { consecutiveErrors: 5 } } }));
    expect(f.map((x) => [x.code, x.field, x.severity])).toEqual([['MESH115', `${at}.outlierDetection.consecutiveErrors`, 'warning']]);
    expect(tp({ outlierDetection: { consecutive5xxErrors: 5 } })).toEqual([]);
    expect(tp({ loadBalancer: { consistentHash: { useSourceIp: true, minimumRingSize: 1024 } } }))
      .toEqual([`MESH115 ${at}.loadBalancer.consistentHash.minimumRingSize`]);
    expect(tp({ loadBalancer: { consistentHash: { useSourceIp: true, minimumRingSize: 1024, ringHash: { minimumRingSize: 1024 } } } }))
      .toEqual([`MESH115 ${at}.loadBalancer.consistentHash.minimumRingSize`, `MESH172 ${at}.loadBalancer.consistentHash.minimumRingSize`]);
  });

  test('MESH172: connection pools need http or tcp, and non-negative limits', () => {
    expect(tp({ connectionPool: {} })).toEqual([`MESH172 ${at}.connectionPool`]);
    expect(tp({ connectionPool: { http: { http1MaxPendingRequests: -1, maxRetries: -2 } } }))
      .toEqual([`MESH172 ${at}.connectionPool.http.http1MaxPendingRequests`, `MESH172 ${at}.connectionPool.http.maxRetries`]);
    expect(tp({ connectionPool: { tcp: { maxConnections: -1 } } })).toEqual([`MESH172 ${at}.connectionPool.tcp.maxConnections`]);
    expect(tp({ connectionPool: { tcp: { maxConnections: 0 }, http: { http2MaxRequests: 100 } } })).toEqual([]);
    expect(tp({ connectionPool: { http: { h2UpgradePolicy: 'UPGRADE', useClientProtocol: true } } }))
      .toEqual([`MESH172 ${at}.connectionPool.http.useClientProtocol`]);
    expect(tp({ connectionPool: { http: { h2UpgradePolicy: 'UPGRADE' } } })).toEqual([]);
  });

  test('MESH173: durations at least 1ms in whole milliseconds (ValidateDuration); tcp.idleTimeout 0s disables', () => {
    expect(tp({ outlierDetection: { baseEjectionTime: '1.0005s' } })).toEqual([`MESH173 ${at}.outlierDetection.baseEjectionTime`]);
    expect(tp({ outlierDetection: { interval: '1500us' } })).toEqual([`MESH173 ${at}.outlierDetection.interval`]);
    expect(tp({ outlierDetection: { interval: '1ms', baseEjectionTime: '1m30s' } })).toEqual([]);
    // Under 1ms is ValidateDuration's too; the CRD's CEL rule refuses it first (MESH151), so istiod never sees it.
    expect(tp({ outlierDetection: { interval: '500us' } })).toEqual([`MESH173 ${at}.outlierDetection.interval`]);
    // http.idleTimeout has no exception for 0s (only tcp.idleTimeout has one): under 1ms is refused.
    expect(tp({ connectionPool: { http: { idleTimeout: '0s' } } })).toEqual([`MESH173 ${at}.connectionPool.http.idleTimeout`]);
    expect(tp({ connectionPool: { tcp: { tcpKeepalive: { time: '2.5ms' } } } })).toEqual([`MESH173 ${at}.connectionPool.tcp.tcpKeepalive.time`]);
    // tcp.idleTimeout has no CEL rule: 0s (and what truncates to 0ms) disables it, a negative one is refused.
    expect(tp({ connectionPool: { tcp: { idleTimeout: '0s', connectTimeout: '250ms' } } })).toEqual([]);
    expect(tp({ connectionPool: { tcp: { idleTimeout: '0.5ms' } } })).toEqual([]);
    expect(tp({ connectionPool: { tcp: { idleTimeout: '-1s' } } })).toEqual([`MESH173 ${at}.connectionPool.tcp.idleTimeout`]);
    expect(tp({ connectionPool: { tcp: { idleTimeout: '1.25ms' } } })).toEqual([`MESH173 ${at}.connectionPool.tcp.idleTimeout`]);
  });

  test('durationNanos reads Go and protobuf JSON durations', () => {
    expect(durationNanos('1m30s')).toBe(90e9);
    expect(durationNanos('1.5s')).toBe(1.5e9);
    expect(durationNanos('250ms')).toBe(250e6);
    expect(durationNanos('-2h')).toBe(-7200e9);
    expect(durationNanos('0')).toBe(0);
    expect(durationNanos('10')).toBeUndefined();
    expect(durationNanos('s')).toBeUndefined();
  });

  test('MESH172: consistent hash cookie name and Maglev table size (a prime under 5000011)', () => {
    const ch = (c: M) => tp({ loadBalancer: { consistentHash: c } });
    expect(ch({ httpCookie: { ttl: '10s' } })).toEqual([`MESH172 ${at}.loadBalancer.consistentHash.httpCookie.name`]);
    expect(ch({ httpCookie: { name: 'session', ttl: '10s' } })).toEqual([]);
    expect(ch({ useSourceIp: true, maglev: { tableSize: 65536 } })).toEqual([`MESH172 ${at}.loadBalancer.consistentHash.maglev.tableSize`]);
    // 5000011 is a prime, but not under 5000011; 0 is unset and, to Envoy's primality test, not prime (two errors).
    expect(ch({ useSourceIp: true, maglev: { tableSize: 5000011 } })).toEqual([`MESH172 ${at}.loadBalancer.consistentHash.maglev.tableSize`]);
    expect(ch({ useSourceIp: true, maglev: { tableSize: 5000012 } })).toEqual([
      `MESH172 ${at}.loadBalancer.consistentHash.maglev.tableSize`, `MESH172 ${at}.loadBalancer.consistentHash.maglev.tableSize`]);
    expect(ch({ useSourceIp: true, maglev: {} })).toEqual([
      `MESH172 ${at}.loadBalancer.consistentHash.maglev.tableSize`, `MESH172 ${at}.loadBalancer.consistentHash.maglev.tableSize`]);
    expect(ch({ useSourceIp: true, maglev: { tableSize: 65537 } })).toEqual([]);
  });

  test('MESH172/MESH173: warmup needs a duration in whole milliseconds, minimumPercent up to 100, aggression from 1', () => {
    const warm = (w: M) => tp({ loadBalancer: { simple: 'ROUND_ROBIN', warmup: w } });
    // The CRD requires the duration too (MESH150): the API server refuses it before istiod.
    expect(warm({})).toEqual([`MESH172 ${at}.loadBalancer.warmup.duration`]);
    expect(warm({ duration: '60.0001s' })).toEqual([`MESH173 ${at}.loadBalancer.warmup.duration`]);
    expect(warm({ duration: '60s', minimumPercent: 101, aggression: 0 })).toEqual([
      `MESH172 ${at}.loadBalancer.warmup.aggression`, `MESH172 ${at}.loadBalancer.warmup.minimumPercent`]);
    expect(warm({ duration: '60s', minimumPercent: 10, aggression: 1.5 })).toEqual([]);
  });

  test('MESH172: TLS MUTUAL needs a client certificate and key or credentialName, which excludes files', () => {
    const t = (tls: M) => tp({ tls });
    expect(t({ mode: 'MUTUAL' })).toEqual([`MESH172 ${at}.tls.clientCertificate`, `MESH172 ${at}.tls.privateKey`]);
    expect(t({ mode: 'MUTUAL', clientCertificate: '/c.pem', privateKey: '/k.pem' })).toEqual([]);
    expect(t({ mode: 'MUTUAL', credentialName: 'client-cert' })).toEqual([]);
    expect(t({ mode: 'SIMPLE', credentialName: 'ca', caCertificates: '/ca.pem' })).toEqual([`MESH172 ${at}.tls.credentialName`]);
    expect(t({ mode: 'SIMPLE', insecureSkipVerify: true, subjectAltNames: ['a'] })).toEqual([`MESH172 ${at}.tls.insecureSkipVerify`]);
    expect(t({ mode: 'SIMPLE', insecureSkipVerify: true })).toEqual([]);
    expect(t({ mode: 'ISTIO_MUTUAL' })).toEqual([]);
  });

  test('MESH172: port-level settings need a port and a field; subsets are checked too', () => {
    expect(tp({ portLevelSettings: [{ port: { number: 80 } }] })).toEqual([`MESH172 ${at}.portLevelSettings[0]`]);
    expect(tp({ portLevelSettings: [{ tls: { mode: 'MUTUAL' } }] })).toEqual([
      `MESH172 ${at}.portLevelSettings[0].port`,
      `MESH172 ${at}.portLevelSettings[0].tls.clientCertificate`,
      `MESH172 ${at}.portLevelSettings[0].tls.privateKey`,
    ]);
    const dr = destinationRule('orders', [{ name: 'v1', labels: { version: 'v1' }, trafficPolicy: { outlierDetection: { interval: '10.5ms' } } }]);
    expect(checkWebhook(dr).map((f) => `${f.code} ${f.field}`)).toEqual(['MESH173 spec.subsets[0].trafficPolicy.outlierDetection.interval']);
  });
});
