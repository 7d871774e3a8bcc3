import { Duration } from 'cdk8s';
import {
  MeshService, MtlsMode, ObservabilityStack, Percentage, Rps, ServiceSecurity, ServiceSlo, Tier, TierDefaults,
} from '../../src';
import { find, meshChart, synth } from '../util';

const slo: ServiceSlo = {
  latency: { p50: Duration.millis(50), p95: Duration.millis(200), p99: Duration.millis(500) },
  errorRate: Percentage.of(0.1),
  trafficCapacity: Rps.of(100),
  saturation: { cpu: Percentage.of(80), memory: Percentage.of(85) },
};

/** Every construct path under `scope`, sorted. */
const paths = (scope: { node: { findAll(): { node: { path: string } }[] } }) => scope.node.findAll().map((c) => c.node.path).sort();

describe('lookups and validation add no constructs', () => {
  test('TierDefaults.of on a chart without one returns the built-in tiers and adds no child', () => {
    // GIVEN a chart with one service and no TierDefaults
    const { chart } = meshChart();
    const svc = new MeshService(chart, 'order-service', { image: 'img', tier: Tier.SERVICE });
    const before = paths(chart);
    // WHEN the tiers are looked up
    const tiers = TierDefaults.of(svc);
    // THEN the built-in ones come back, and the tree is unchanged
    expect(tiers.settingsFor(Tier.SERVICE)?.timeout?.toSeconds()).toBe(15);
    expect(tiers.node.scope?.node.scope).toBeUndefined(); // on a root of its own, not in the chart
    expect(paths(chart)).toEqual(before);
    expect(chart.node.tryFindChild('TierDefaults')).toBeUndefined();
  });

  test("a chart's own TierDefaults, created where the user constructs it, governs its services", () => {
    const { chart } = meshChart();
    const own = new TierDefaults(chart, 'TierDefaults', { tiers: { batch: { timeout: Duration.minutes(2) } } });
    const svc = new MeshService(chart, 'report-service', { image: 'img', tier: Tier.named('batch') });
    expect(TierDefaults.of(svc)).toBe(own);
    expect(TierDefaults.of(svc)).not.toBe(TierDefaults.of(meshChart().chart));
  });

  test('ObservabilityStack: a service created after the stack gets its SLO rule at once; validation creates nothing', () => {
    // GIVEN a stack, then a service with an SLO
    const { app, chart } = meshChart();
    const stack = new ObservabilityStack(chart, 'observability');
    new MeshService(chart, 'web', { image: 'img', slo });
    // THEN its rule is a child already
    expect(stack.node.tryFindChild('Slo-web')).toBeDefined();
    // AND validating the app leaves the tree as it was
    const before = paths(app);
    for (const c of app.node.findAll()) c.node.validate();
    expect(paths(app)).toEqual(before);
    expect(find(synth(app), 'PrometheusRule', 'web-slo').spec.groups.map((g: any) => g.name)).toEqual(['web-slo-recording', 'web-slo-burn-rate']);
  });
});

describe('immutable policies', () => {
  test('setMtls twice replaces the workload PeerAuthentication; the first policy keeps its mode', () => {
    const { app, chart } = meshChart();
    const payment = new MeshService(chart, 'payment-service', { image: 'img' });
    const first = ServiceSecurity.of(payment).setMtls(MtlsMode.permissive());
    const second = ServiceSecurity.of(payment).setMtls(MtlsMode.strict(), { portLevelMtls: { 9090: MtlsMode.permissive() } });
    expect(first.mode.mode).toBe('PERMISSIVE');
    expect(second.mode.mode).toBe('STRICT');
    expect(second.node.path).toBe(first.node.path);
    const pa = find(synth(app), 'PeerAuthentication', 'payment-service');
    expect(pa.spec).toEqual({ selector: { matchLabels: { app: 'payment-service' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { 9090: { mode: 'PERMISSIVE' } } });
  });
});
