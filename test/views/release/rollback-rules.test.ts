import { Duration, Testing } from 'cdk8s';
import { CanaryRollbackRules, CanaryRollbackRulesProps, MeshApp, MeshChart, MeshPlatform, MeshService, Percentage } from '../../../src';
import { promtoolCheckRules, promtoolTestRules, ruleFileOf } from '../../promtool';
import { find, meshChart, synth, synthError } from '../../util';

function setup(props: Partial<CanaryRollbackRulesProps> = {}) {
  const { app, chart } = meshChart();
  const service = new MeshService(chart, 'order-service', { image: 'order:1' });
  const rules = new CanaryRollbackRules(chart, 'order-rollback', { service, ...props });
  return { app, chart, service, rules };
}

function ruleOf(props: Partial<CanaryRollbackRulesProps> = {}) {
  const { app } = setup(props);
  return find(synth(app), 'PrometheusRule', 'order-service-canary-rollback');
}

function alert(rule: Record<string, any>, name: string): Record<string, any> {
  const found = rule.spec.groups[0].rules.find((r: any) => r.alert === name);
  if (!found) throw new Error(`no alert ${name}`);
  return found;
}

describe('CanaryRollbackRules', () => {
  test("carries the label kube-prometheus-stack's ruleSelector requires, from the platform; a bad one fails synth", () => {
    expect(ruleOf().metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
    const app = new MeshApp({ outdir: Testing.app().outdir, platform: MeshPlatform.of({ prometheus: { selectorLabels: { prometheus: 'shared' } } }) });
    const chart = new MeshChart(app, 'staging', { namespace: 'staging' });
    const service = new MeshService(chart, 'order-service', { image: 'order:1' });
    new CanaryRollbackRules(chart, 'order-rollback', { service });
    const rule = find(synth(app), 'PrometheusRule', 'order-service-canary-rollback');
    expect(rule.metadata.labels).toMatchObject({ prometheus: 'shared' });
    expect(rule.metadata.labels.release).toBeUndefined();
    // Each alert says which environment rolls back, for a shared Alertmanager.
    for (const r of rule.spec.groups[0].rules) expect(r.labels).toMatchObject({ namespace: 'staging', environment: 'staging' });
    expect(synthError(setup({ ruleSelectorLabels: { release: 'not a value!' } }).app)).toMatch(/ruleSelectorLabels\.release: .*\[MESH407\]/);
  });

  test('default output', () => {
    expect(ruleOf()).toMatchSnapshot();
  });

  test('seed 000 relative rules and seed 003 absolute bounds, field by field', () => {
    const rule = ruleOf();
    expect(rule.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(rule.metadata).toMatchObject({ name: 'order-service-canary-rollback', namespace: 'production' });
    expect(rule.spec.groups.map((g: any) => g.name)).toEqual(['canary-rollback-triggers']);
    expect(rule.spec.groups[0].rules.map((r: any) => r.alert)).toEqual([
      'CanaryHighErrorRate', 'CanaryHighLatency', 'CanaryErrorRateAboveBound', 'CanaryLatencyAboveBound',
    ]);
    const err = alert(rule, 'CanaryHighErrorRate');
    expect(err.for).toBe('2m');
    expect(err.labels).toEqual({
      severity: 'critical', action: 'rollback', service: 'order-service', canary_version: 'v2', namespace: 'production', environment: 'test',
    });
    expect(err.annotations.summary).toBe('カナリア(v2)のエラー率がstable(v1)の3倍超過。自動ロールバック推奨');
    expect(err.expr).toContain('> 3 * (');
    expect(err.expr).toContain('response_code=~"5.*"');
    expect(err.expr).toContain('[5m]');
    const lat = alert(rule, 'CanaryHighLatency');
    expect(lat.for).toBe('5m');
    expect(lat.labels).toMatchObject({ severity: 'warning', action: 'investigate' });
    expect(lat.expr).toContain('histogram_quantile(0.99, sum by (le) (rate(istio_request_duration_milliseconds_bucket{');
    expect(lat.expr).toContain('> 2 * histogram_quantile(0.99');
    const absErr = alert(rule, 'CanaryErrorRateAboveBound');
    expect(absErr.for).toBeUndefined();
    expect(absErr.labels).toMatchObject({ severity: 'critical', action: 'rollback' });
    expect(absErr.expr).toMatch(/\) > 0\.05\n/);
    const absLat = alert(rule, 'CanaryLatencyAboveBound');
    expect(absLat.labels).toMatchObject({ severity: 'critical', action: 'rollback' });
    expect(absLat.expr).toMatch(/\)\)\) > 1000\n/);
  });

  test('every rule is guarded by the request count of the versions it compares', () => {
    const rule = ruleOf();
    const guard = (v: string) => `and on() (sum(increase(istio_requests_total{reporter="destination",destination_service_namespace="production",destination_service_name="order-service",destination_version="${v}"}[5m])) >= 100)`;
    for (const name of ['CanaryHighErrorRate', 'CanaryHighLatency']) {
      expect(alert(rule, name).expr).toContain(guard('v1'));
      expect(alert(rule, name).expr).toContain(guard('v2'));
    }
    for (const name of ['CanaryErrorRateAboveBound', 'CanaryLatencyAboveBound']) {
      expect(alert(rule, name).expr).toContain(guard('v2'));
    }
  });

  test('props change thresholds, windows and versions, written as exact decimals', () => {
    const rule = ruleOf({
      canaryVersion: 'v3', stableVersion: 'v2', window: Duration.minutes(10), errorRateRatio: 2.5,
      errorRateFor: Duration.minutes(1), relativeErrorRateFloor: Percentage.of(0.07), latencyRatio: 1.5,
      latencyFor: Duration.minutes(10), maxErrorRate: Percentage.of(2), maxP99Latency: Duration.millis(750), minRequests: 20,
    });
    const err = alert(rule, 'CanaryHighErrorRate');
    expect(err.for).toBe('1m');
    expect(err.expr).toContain('> 2.5 * (');
    expect(err.expr).toContain(' > 0.0007\n');
    expect(err.expr).toContain('destination_version="v3"');
    expect(err.expr).toContain('[10m]');
    expect(err.expr).toContain('>= 20)');
    expect(alert(rule, 'CanaryHighLatency').expr).toContain('> 1.5 * histogram_quantile');
    expect(alert(rule, 'CanaryHighLatency').for).toBe('10m');
    expect(alert(rule, 'CanaryErrorRateAboveBound').expr).toMatch(/ > 0\.02\n/);
    expect(alert(rule, 'CanaryLatencyAboveBound').expr).toMatch(/ > 750\n/);
  });

  test('promtool check rules accepts the generated rules', () => {
    for (const props of [{}, { window: Duration.minutes(1), errorRateRatio: 1.5 }]) {
      const r = promtoolCheckRules(ruleFileOf(ruleOf(props)));
      expect(r.output).toContain('SUCCESS');
      expect(r.ok).toBe(true);
    }
  });

  describe('promtool test rules', () => {
    const rule = ruleOf();
    const file = ruleFileOf(rule);
    const sel = (v: string, extra = '') =>
      `{reporter="destination",destination_service_namespace="production",destination_service_name="order-service",destination_version="${v}"${extra}}`;
    const reqs = (v: string, code: string, perMinute: number) => ({
      series: `istio_requests_total${sel(v, `,response_code="${code}"`)}`, values: `0+${perMinute}x30`,
    });
    // Every request of a version in one bucket: its P99 sits just under that bucket's bound.
    const buckets = (v: string, perMinute: number, bound: number) => [100, 500, 1000, 2500].map((le) => ({
      series: `istio_request_duration_milliseconds_bucket${sel(v, `,le="${le}"`)}`, values: `0+${le >= bound ? perMinute : 0}x30`,
    })).concat([{ series: `istio_request_duration_milliseconds_bucket${sel(v, ',le="+Inf"')}`, values: `0+${perMinute}x30` }]);
    const expected = (name: string) => {
      const a = alert(rule, name);
      return { exp_labels: a.labels, exp_annotations: a.annotations };
    };
    const atTen = (names: string[], all: string[] = ['CanaryHighErrorRate', 'CanaryHighLatency', 'CanaryErrorRateAboveBound', 'CanaryLatencyAboveBound']) =>
      all.map((alertname) => ({ eval_time: '10m', alertname, exp_alerts: names.includes(alertname) ? [expected(alertname)] : [] }));

    test('a bad canary fires every rollback alert', () => {
      // GIVEN stable at 0.1% errors and P99 under 100ms; canary at ~9% errors and P99 over 1000ms
      const series = [
        reqs('v1', '200', 999), reqs('v1', '503', 1), reqs('v2', '200', 600), reqs('v2', '503', 60),
        ...buckets('v1', 1000, 100), ...buckets('v2', 660, 2500),
      ];
      const r = promtoolTestRules(file, [{ interval: '1m', input_series: series, alert_rule_test: atTen(
        ['CanaryHighErrorRate', 'CanaryHighLatency', 'CanaryErrorRateAboveBound', 'CanaryLatencyAboveBound']) }]);
      expect(r.output).toContain('SUCCESS');
      expect(r.ok).toBe(true);
    });

    test('the relative error alert fires against a stable version with no errors at all', () => {
      const series = [reqs('v1', '200', 1000), reqs('v2', '200', 600), reqs('v2', '503', 12), ...buckets('v1', 1000, 100), ...buckets('v2', 612, 100)];
      const r = promtoolTestRules(file, [{ interval: '1m', input_series: series, alert_rule_test: atTen(['CanaryHighErrorRate']) }]);
      expect(r.output).toContain('SUCCESS');
    });

    test('a healthy canary fires nothing', () => {
      const series = [
        reqs('v1', '200', 999), reqs('v1', '503', 1), reqs('v2', '200', 599), reqs('v2', '503', 1),
        ...buckets('v1', 1000, 100), ...buckets('v2', 600, 100),
      ];
      const r = promtoolTestRules(file, [{ interval: '1m', input_series: series, alert_rule_test: atTen([]) }]);
      expect(r.output).toContain('SUCCESS');
    });

    // A canary with no series at all, and one with 4 requests in 10 minutes, 2 of them errors and slow.
    const noTraffic = [reqs('v1', '200', 1000), ...buckets('v1', 1000, 100)];
    const trickle = [...noTraffic,
      { series: `istio_requests_total${sel('v2', ',response_code="503"')}`, values: '0 0 0 0 0 0 0 1 1 2 2' },
      { series: `istio_requests_total${sel('v2', ',response_code="200"')}`, values: '0 0 0 0 0 0 0 1 1 2 2' },
      ...['100', '500', '1000', '2500'].map((le) => ({ series: `istio_request_duration_milliseconds_bucket${sel('v2', `,le="${le}"`)}`, values: `0 0 0 0 0 0 0 ${le === '2500' ? '2 2 4 4' : '0 0 0 0'}` })),
      { series: `istio_request_duration_milliseconds_bucket${sel('v2', ',le="+Inf"')}`, values: '0 0 0 0 0 0 0 2 2 4 4' }];

    test('a canary with no traffic, or too little, fires nothing and divides by nothing', () => {
      const r = promtoolTestRules(file, [
        { interval: '1m', input_series: noTraffic, alert_rule_test: atTen([]) },
        { interval: '1m', input_series: trickle, alert_rule_test: atTen([]) },
      ]);
      expect(r.output).toContain('SUCCESS');
    });

    test('the guard is what keeps the trickle silent: with minRequests 1 the same trickle fires the error and absolute rules', () => {
      const low = ruleFileOf(ruleOf({ minRequests: 1 }));
      const r = promtoolTestRules(low, [{ interval: '1m', input_series: trickle,
        alert_rule_test: atTen(['CanaryHighErrorRate', 'CanaryErrorRateAboveBound', 'CanaryLatencyAboveBound']) }]);
      expect(r.output).toContain('SUCCESS');
    });
  });

  test.each([
    ['errorRateRatio', { errorRateRatio: 1 }],
    ['latencyRatio', { latencyRatio: Number.NaN }],
    ['minRequests', { minRequests: 0 }],
    ['window', { window: Duration.millis(0.5) }],
    ['maxErrorRate', { maxErrorRate: Percentage.of(0) }],
  ])('invalid %s fails synth', (field, props) => {
    const { app } = setup(props as Partial<CanaryRollbackRulesProps>);
    expect(synthError(app)).toMatch(new RegExp(`\\[test/order-rollback\\] ${field}: .*\\[MESH309\\]`));
  });

  test('boundaries: ratio just above 1 and minRequests 1 are accepted', () => {
    expect(() => ruleOf({ errorRateRatio: 1.01, latencyRatio: 1.01, minRequests: 1 })).not.toThrow();
  });

  test('canary and stable of the same version fail synth', () => {
    const { app } = setup({ canaryVersion: 'v1' });
    expect(synthError(app)).toMatch(/\[test\/order-rollback\] canaryVersion: .*\[MESH303\]/);
  });
});
