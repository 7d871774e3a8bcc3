import { Duration, Testing } from 'cdk8s';
import { MeshApp, MeshChart, MeshService, ObservabilityStack, Percentage, Rps } from '../../src';
import { memoizingDuringSynth, onceDuringSynth } from '../../src/private/synth-memo';

afterEach(() => jest.restoreAllMocks());

describe('onceDuringSynth', () => {
  test('computes once per owner and key within a synth, afresh outside one, and keeps nothing after', () => {
    const owner = {};
    let n = 0;
    const next = () => ++n;
    expect(onceDuringSynth(owner, 'k', next)).toBe(1);
    expect(onceDuringSynth(owner, 'k', next)).toBe(2);
    memoizingDuringSynth(() => {
      expect(onceDuringSynth(owner, 'k', next)).toBe(3);
      expect(onceDuringSynth(owner, 'k', next)).toBe(3);
      expect(onceDuringSynth(owner, 'other', next)).toBe(4);
      expect(onceDuringSynth({}, 'k', next)).toBe(5);
      // A nested scope is the same synth.
      memoizingDuringSynth(() => expect(onceDuringSynth(owner, 'k', next)).toBe(3));
    });
    expect(onceDuringSynth(owner, 'k', next)).toBe(6);
    memoizingDuringSynth(() => expect(onceDuringSynth(owner, 'k', next)).toBe(7));
  });

  test('a failed synth drops the memo too', () => {
    const owner = {};
    expect(() => memoizingDuringSynth(() => { onceDuringSynth(owner, 'k', () => 1); throw new Error('boom'); })).toThrow('boom');
    memoizingDuringSynth(() => expect(onceDuringSynth(owner, 'k', () => 2)).toBe(2));
  });
});

describe('ObservabilityStack in one synth', () => {
  test('builds its dashboards once for the validation and the three ConfigMaps, and writes what it builds', () => {
    const app = new MeshApp({ outdir: Testing.app().outdir });
    const chart = new MeshChart(app, 'production', { namespace: 'production', partOf: 'shop' });
    const stack = new ObservabilityStack(chart, 'observability');
    new MeshService(chart, 'orders', {
      image: 'registry.example.com/shop/orders:1.0.0',
      slo: {
        latency: { p50: Duration.millis(20), p95: Duration.millis(100), p99: Duration.millis(300) },
        errorRate: Percentage.of(0.5),
        trafficCapacity: Rps.of(100),
        saturation: { cpu: Percentage.of(70), memory: Percentage.of(80) },
        team: 'orders',
      },
    });
    const built = jest.spyOn(ObservabilityStack.prototype, 'dashboards');
    const files = app.manifests();
    expect(built).toHaveBeenCalledTimes(1);
    const maps = files.filter((f) => f.manifest.kind === 'ConfigMap' && f.path.includes('dashboard'));
    expect(maps).toHaveLength(3);
    const written = maps.map((f) => JSON.parse(String(Object.values(f.manifest.data)[0])));
    expect(written.map((d) => d.uid).sort()).toEqual(stack.dashboards().map((d) => d.dashboard.uid).sort());
    // Outside a synth, every call builds afresh.
    stack.dashboards();
    expect(built).toHaveBeenCalledTimes(3);
  });
});
