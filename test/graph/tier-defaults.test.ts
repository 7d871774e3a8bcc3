import { Duration } from 'cdk8s';
import { LoadBalancer, MeshService, Retries, StringMatch, Tier } from '../../src';
import { resolveRouteSettings } from '../../src/core/tier';
import { BUILT_IN_TIERS, TierDefaults } from '../../src/graph/tier-defaults';
import { find, meshChart, synth, synthError } from '../util';

/** A tier's settings in Istio's terms, for comparison with seed 003's tables. */
function asRendered(tier: string) {
  const { app, chart } = meshChart();
  new MeshService(chart, 'svc', { image: 'img', tier: Tier.named(tier) });
  const out = synth(app);
  return { vs: find(out, 'VirtualService', 'svc').spec.http[0], dr: find(out, 'DestinationRule', 'svc').spec.trafficPolicy };
}

describe('built-in tiers carry seed 003 values', () => {
  test.each([
    // tier, timeout, attempts, perTryTimeout, retryOn  ("Tier 別デフォルト値")
    ['system', '5s', 3, '2s', '5xx,reset,connect-failure'],
    ['business', '10s', 3, '3s', '5xx,reset,connect-failure'],
    ['service', '15s', 2, '5s', '5xx,reset,connect-failure,retriable-4xx'],
  ])('%s: timeout %s, %i retries of %s on %s', (tier, timeout, attempts, perTryTimeout, retryOn) => {
    const { vs } = asRendered(tier);
    expect(vs.timeout).toBe(timeout);
    expect(vs.retries).toEqual({ attempts, perTryTimeout, retryOn });
  });

  test.each([
    // tier, consecutive5xxErrors, interval, baseEjectionTime, maxEjectionPercent (circuit breaker table)
    ['system', 3, '10s', '30s', 30],
    ['business', 5, '30s', '30s', 50],
    ['service', 5, '30s', '60s', 50],
  ])('%s: outlier detection %i / %s / %s / %i%%', (tier, consecutive5xxErrors, interval, baseEjectionTime, maxEjectionPercent) => {
    expect(asRendered(tier).dr.outlierDetection).toEqual({ consecutive5xxErrors, interval, baseEjectionTime, maxEjectionPercent });
  });

  test('connection pools of the DestinationRule examples (auth-server for system, order-server for service)', () => {
    expect(asRendered('system').dr.connectionPool).toEqual({
      tcp: { maxConnections: 200 },
      http: { http1MaxPendingRequests: 200, http2MaxRequests: 2000, maxRequestsPerConnection: 20 },
    });
    expect(asRendered('service').dr.connectionPool).toEqual({
      tcp: { maxConnections: 100 },
      http: { http1MaxPendingRequests: 100, http2MaxRequests: 1000, maxRequestsPerConnection: 10 },
    });
  });

  test("a host of TCP and TLS ports only gets the tier's TCP pool, not its HTTP settings, which Envoy's TCP proxy never reads", () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'feed', { image: 'img', ports: [{ port: 9000, protocol: 'tcp' }, { port: 9443, protocol: 'tls' }] });
    new MeshService(chart, 'mixed', { image: 'img', ports: [{ port: 9000, protocol: 'tcp' }, { port: 8080, protocol: 'grpc' }] });
    new MeshService(chart, 'bare', {
      image: 'img', ports: [{ port: 6379, protocol: 'redis' }], connectionPool: { http: { http1MaxPendingRequests: 5 } },
    });
    const out = synth(app);
    expect(find(out, 'DestinationRule', 'feed').spec.trafficPolicy.connectionPool).toEqual({ tcp: { maxConnections: 100 } });
    // A gRPC port beside it keeps them: its requests go through the HTTP connection manager.
    expect(find(out, 'DestinationRule', 'mixed').spec.trafficPolicy.connectionPool.http).toEqual({
      http1MaxPendingRequests: 100, http2MaxRequests: 1000, maxRequestsPerConnection: 10,
    });
    // Outlier detection stays: on a TCP proxy it counts connection failures.
    expect(find(out, 'DestinationRule', 'feed').spec.trafficPolicy.outlierDetection).toBeDefined();
    expect(find(out, 'DestinationRule', 'bare').spec.trafficPolicy.connectionPool).toEqual({ tcp: { maxConnections: 100 } });
  });

  test('every tier sends ISTIO_MUTUAL', () => {
    for (const tier of Object.keys(BUILT_IN_TIERS)) expect(asRendered(tier).dr.tls).toEqual({ mode: 'ISTIO_MUTUAL' });
  });
});

describe('service settings win over the tier', () => {
  test("seed 003's order-server: 10s and 3 attempts over the service tier's 15s and 2", () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'order-server', {
      image: 'img',
      tier: Tier.SERVICE,
      timeout: Duration.seconds(10),
      retries: Retries.of({ attempts: 3, perTryTimeout: Duration.seconds(3) }),
    });
    const vs = find(synth(app), 'VirtualService', 'order-server').spec.http[0];
    expect(vs.timeout).toBe('10s');
    // retryOn is not set by the service, so the tier's stays
    expect(vs.retries).toEqual({ attempts: 3, perTryTimeout: '3s', retryOn: '5xx,reset,connect-failure,retriable-4xx' });
  });

  test('pool and outlier settings merge field by field', () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'svc', {
      image: 'img',
      tier: Tier.SYSTEM,
      connectionPool: { http: { http2MaxRequests: 50 } },
      outlierDetection: { maxEjectionPercent: 10 },
      loadBalancer: LoadBalancer.consistentHash.header('x-user'),
    });
    const dr = find(synth(app), 'DestinationRule', 'svc').spec.trafficPolicy;
    expect(dr.connectionPool).toEqual({
      tcp: { maxConnections: 200 },
      http: { http1MaxPendingRequests: 200, http2MaxRequests: 50, maxRequestsPerConnection: 20 },
    });
    expect(dr.outlierDetection).toEqual({ consecutive5xxErrors: 3, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 10 });
    // a consistent hash orders its endpoints by region (MESH064: zone first, each zone's callers would hash apart)
    expect(dr.loadBalancer).toEqual({
      consistentHash: { httpHeaderName: 'x-user' }, localityLbSetting: { enabled: true, failoverPriority: ['topology.kubernetes.io/region'] },
    });
  });

  test('Retries.none() turns the tier retries off', () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'svc', { image: 'img', retries: Retries.none() });
    expect(find(synth(app), 'VirtualService', 'svc').spec.http[0].retries).toEqual({ attempts: 0 });
  });
});

describe('TierDefaults', () => {
  test('changes a built-in tier and defines a custom one, for services declared before it too', () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'early', { image: 'img', tier: Tier.named('batch') });
    new TierDefaults(chart, 'Tiers', {
      tiers: {
        service: { timeout: Duration.seconds(20) },
        batch: { timeout: Duration.minutes(2), retries: Retries.none() },
      },
    });
    new MeshService(chart, 'late', { image: 'img' });
    const out = synth(app);
    expect(find(out, 'VirtualService', 'early').spec.http[0]).toMatchObject({ timeout: '120s', retries: { attempts: 0 } });
    const late = find(out, 'VirtualService', 'late').spec.http[0];
    expect(late.timeout).toBe('20s');
    expect(late.retries.attempts).toBe(2); // the rest of the service tier is unchanged
  });

  test('of() finds the nearest TierDefaults, or returns the built-in one without adding it to the chart', () => {
    const { chart } = meshChart();
    const svc = new MeshService(chart, 'svc', { image: 'img' });
    const found = TierDefaults.of(svc);
    expect(chart.node.tryFindChild('TierDefaults')).toBeUndefined();
    expect(found.node.root).not.toBe(chart.node.root);
    expect(TierDefaults.of(svc)).toBe(found);
    expect(found.settingsFor(Tier.BUSINESS)).toBe(BUILT_IN_TIERS.business);
  });

  test('a second TierDefaults in one scope is refused', () => {
    const { chart } = meshChart();
    new TierDefaults(chart, 'A');
    expect(() => new TierDefaults(chart, 'B')).toThrow(/test already has a TierDefaults \(test\/A\); use one per scope \[MESH073\]/);
  });

  test('an unknown tier fails synth naming the service', () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'svc', { image: 'img', tier: Tier.named('gold') });
    expect(synthError(app)).toMatch(/\[test\/svc\] tier 'gold' is not defined by TierDefaults \(known: system, business, service\) \[MESH016\]/);
  });

  test('a tier name must be a DNS-1123 label', () => {
    expect(() => Tier.named('Gold')).toThrow(/tier name.*\[MESH001\]/);
  });
});

describe('a route\'s settings are resolved once, in the graph, and the renderer writes them', () => {
  test('resolveRouteSettings: the route\'s own over its service\'s, retries field by field', () => {
    const service = { timeout: Duration.seconds(10), retries: Retries.of({ attempts: 3, perTryTimeout: Duration.seconds(3) }) };
    const own = resolveRouteSettings(service, { retries: Retries.of({ attempts: 1 }) });
    expect(own.timeout?.toSeconds()).toBe(10);
    expect(own.retries?.attempts).toBe(1);
    expect(own.retries?.perTryTimeout?.toSeconds()).toBe(3);
    expect(resolveRouteSettings(service, { timeout: Duration.seconds(2) }).timeout?.toSeconds()).toBe(2);
  });

  test("the host's render context carries each route's resolved settings, and the VirtualService is what they say", () => {
    const { app, chart } = meshChart();
    const svc = new MeshService(chart, 'svc', { image: 'img', tier: Tier.BUSINESS, timeout: Duration.seconds(7) });
    svc.addRoute({ name: 'slow', match: [{ uri: StringMatch.prefix('/report') }], destinations: [{ subset: 'stable' }], timeout: Duration.seconds(30) });
    svc.addRoute({ name: 'plain', match: [{ uri: StringMatch.prefix('/api') }], destinations: [{ subset: 'stable' }] });
    const ctx = svc._hostContext();
    expect(ctx.routeSettings?.map((r) => r.timeout?.toSeconds())).toEqual([30, 7]);
    const http = find(synth(app), 'VirtualService', 'svc').spec.http;
    expect(http.map((r: any) => [r.name, r.timeout])).toEqual([['slow', '30s'], ['plain', '7s'], [undefined, '7s']]);
  });
});
