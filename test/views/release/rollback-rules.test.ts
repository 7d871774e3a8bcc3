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

function ruleOf(props: Partial<CanaryRollbackRulesProps> = { paging: true }) {
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
    const app = new MeshApp({
      outdir: Testing.app().outdir,
      platform: MeshPlatform.of({ prometheus: { selectorLabels: { prometheus: 'shared' } } }),
    });
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
      'CanaryNoSuccessfulResponses', 'CanaryPodsNotReady',
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
    expect(lat.expr).toContain('histogram_quantile(0.99, sum by (le) ((rate(istio_request_duration_milliseconds_bucket{reporter="source",');
    expect(lat.expr).toContain('> 2 * histogram_quantile(0.99');
    const absErr = alert(rule, 'CanaryErrorRateAboveBound');
    expect(absErr.for).toBeUndefined();
    expect(absErr.labels).toMatchObject({ severity: 'critical', action: 'rollback' });
    expect(absErr.expr).toMatch(/\) > 0\.05\n/);
    const absLat = alert(rule, 'CanaryLatencyAboveBound');
    expect(absLat.labels).toMatchObject({ severity: 'critical', action: 'rollback' });
    expect(absLat.expr).toMatch(/\)\)\)\) > 1000\n/);
    const dead = alert(rule, 'CanaryNoSuccessfulResponses');
    expect([dead.for, dead.labels.action, dead.labels.severity]).toEqual(['2m', 'rollback', 'critical']);
    expect(dead.expr).toContain('response_code!~"0|5.*"');
    const unready = alert(rule, 'CanaryPodsNotReady');
    expect([unready.for, unready.labels.action]).toEqual(['5m', 'rollback']);
    expect(unready.expr).toContain('kube_deployment_status_replicas_unavailable{namespace="production",deployment="order-service-v2"}');
  });

  test('requests count once, as the callers saw them: caller-side reports, and the service\'s own for callers without a proxy', () => {
    const err = alert(ruleOf(), 'CanaryErrorRateAboveBound').expr;
    expect(err).toContain(
      'rate(istio_requests_total{reporter="source",destination_service="order-service.production.svc.cluster.local",' +
        'destination_canonical_revision="v2",response_code=~"5.*"}[5m]) or rate(istio_requests_total{reporter="destination",source_workload="unknown",' +
        'destination_service_namespace="production",destination_service_name="order-service",destination_canonical_revision="v2",response_code=~"5.*"}[5m])',
    );
    expect(err).not.toContain('destination_version');
  });

  test('every ratio rule is guarded by the request count of the versions it compares; the dead-canary rules are not', () => {
    const rule = ruleOf();
    const guard = (v: string) =>
      'and on() (sum((increase(istio_requests_total{reporter="source",destination_service="order-service.production.svc.cluster.local",' +
      `destination_canonical_revision="${v}"}[5m]) or increase(istio_requests_total{reporter="destination",source_workload="unknown",` +
      `destination_service_namespace="production",destination_service_name="order-service",destination_canonical_revision="${v}"}[5m]))) >= 100)`;
    for (const name of ['CanaryHighErrorRate', 'CanaryHighLatency']) {
      expect(alert(rule, name).expr).toContain(guard('v1'));
      expect(alert(rule, name).expr).toContain(guard('v2'));
    }
    for (const name of ['CanaryErrorRateAboveBound', 'CanaryLatencyAboveBound']) {
      expect(alert(rule, name).expr).toContain(guard('v2'));
    }
    for (const name of ['CanaryNoSuccessfulResponses', 'CanaryPodsNotReady']) expect(alert(rule, name).expr).not.toContain('>= 100');
  });

  test('props change thresholds, windows and versions, written as exact decimals', () => {
    const rule = ruleOf({
      canaryVersion: 'v3', stableVersion: 'v2', window: Duration.minutes(10), errorRateRatio: 2.5,
      errorRateFor: Duration.minutes(1), relativeErrorRateFloor: Percentage.of(0.07), latencyRatio: 1.5,
      latencyFor: Duration.minutes(10), maxErrorRate: Percentage.of(2), maxP99Latency: Duration.millis(750), minRequests: 20,
      canaryDeployment: 'order-canary', notReadyFor: Duration.minutes(3),
    });
    const err = alert(rule, 'CanaryHighErrorRate');
    expect(err.for).toBe('1m');
    expect(err.expr).toContain('> 2.5 * (');
    expect(err.expr).toContain(' > 0.0007\n');
    expect(err.expr).toContain('destination_canonical_revision="v3"');
    expect(err.expr).toContain('[10m]');
    expect(err.expr).toContain('>= 20)');
    expect(alert(rule, 'CanaryHighLatency').expr).toContain('> 1.5 * histogram_quantile');
    expect(alert(rule, 'CanaryHighLatency').for).toBe('10m');
    expect(alert(rule, 'CanaryErrorRateAboveBound').expr).toMatch(/ > 0\.02\n/);
    expect(alert(rule, 'CanaryLatencyAboveBound').expr).toMatch(/ > 750\n/);
    expect(alert(rule, 'CanaryPodsNotReady').expr).toContain('deployment="order-canary"');
    expect(alert(rule, 'CanaryPodsNotReady').for).toBe('3m');
  });

  test('a chart that is not production does not page: its rollback alerts are warnings and keep action rollback', () => {
    const severities = (rule: Record<string, any>) => rule.spec.groups[0].rules.map((r: any) => `${r.alert} ${r.labels.severity} ${r.labels.action}`);
    expect(severities(ruleOf({}))).toEqual([
      'CanaryHighErrorRate warning rollback', 'CanaryHighLatency warning investigate', 'CanaryErrorRateAboveBound warning rollback',
      'CanaryLatencyAboveBound warning rollback', 'CanaryNoSuccessfulResponses warning rollback', 'CanaryPodsNotReady warning rollback',
    ]);
    const { app, chart } = meshChart({ production: true });
    new CanaryRollbackRules(chart, 'order-rollback', { service: new MeshService(chart, 'order-service', { image: 'order:1' }) });
    expect(severities(find(synth(app), 'PrometheusRule', 'order-service-canary-rollback'))[0]).toBe('CanaryHighErrorRate critical rollback');
  });

  test("a service of REST and gRPC ports: the canary's errors are its 5xx and its gRPC faults, its answers neither", () => {
    // GIVEN a model server with REST on 8080 and gRPC on 7070, rolled back on its canary's error rate
    const { app, chart } = meshChart();
    const service = new MeshService(chart, 'order-service', { image: 'order:1', ports: [{ port: 8080, protocol: 'http' }, { port: 7070, protocol: 'grpc' }] });
    new CanaryRollbackRules(chart, 'order-rollback', { service });
    const rule = find(synth(app), 'PrometheusRule', 'order-service-canary-rollback');
    // THEN the error rate adds the gRPC calls that failed with HTTP 200 to the 5xx responses
    const relative = alert(rule, 'CanaryHighErrorRate').expr;
    expect(relative).toContain('response_code=~"5.*"');
    expect(relative).toContain('response_code!~"5.*",grpc_response_status=~"2|4|12|13|14|15"');
    // and a canary whose every gRPC call fails has answered nothing
    expect(alert(rule, 'CanaryNoSuccessfulResponses').expr).toContain('response_code!~"0|5.*",grpc_response_status!~"2|4|12|13|14|15"');
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
    const ALL = ['CanaryHighErrorRate', 'CanaryHighLatency', 'CanaryErrorRateAboveBound', 'CanaryLatencyAboveBound',
      'CanaryNoSuccessfulResponses', 'CanaryPodsNotReady'];
    const HOST = 'order-service.production.svc.cluster.local';
    // As api-gateway's sidecar reports its calls (reporter="source"): the answering pod's revision in
    // destination_canonical_revision, its version too when the pod answered (metadata exchange).
    const caller = (v: string, extra = '') =>
      `{reporter="source",source_workload="api-gateway",destination_service="${HOST}",destination_service_name="order-service",`
      + `destination_service_namespace="production",destination_canonical_revision="${v}",destination_version="${v}"${extra}}`;
    // As the canary's own sidecar reports a request; `from` is the caller's workload ("unknown" without a proxy).
    const server = (v: string, from: string, extra = '') =>
      `{reporter="destination",source_workload="${from}",destination_service="${HOST}",destination_service_name="order-service",`
      + `destination_service_namespace="production",destination_canonical_revision="${v}",destination_version="${v}"${extra}}`;
    const reqs = (v: string, code: string, perMinute: number) => ({
      series: `istio_requests_total${caller(v, `,response_code="${code}",response_flags="-"`)}`, values: `0+${perMinute}x30`,
    });
    // Every request of a version in one bucket: its P99 sits just under that bucket's bound.
    const buckets = (v: string, perMinute: number, bound: number) => [100, 500, 1000, 2500].map((le) => ({
      series: `istio_request_duration_milliseconds_bucket${caller(v, `,le="${le}"`)}`, values: `0+${le >= bound ? perMinute : 0}x30`,
    })).concat([{ series: `istio_request_duration_milliseconds_bucket${caller(v, ',le="+Inf"')}`, values: `0+${perMinute}x30` }]);
    const expected = (name: string) => {
      const a = alert(rule, name);
      return { exp_labels: a.labels, exp_annotations: a.annotations };
    };
    const at = (time: string, names: string[]) =>
      ALL.map((alertname) => ({ eval_time: time, alertname, exp_alerts: names.includes(alertname) ? [expected(alertname)] : [] }));
    const atTen = (names: string[]) => at('10m', names);
    const run = (series: any[], tests: any[], f = file) => {
      const r = promtoolTestRules(f, [{ interval: '1m', input_series: series, alert_rule_test: tests }]);
      expect(r.output).toContain('SUCCESS');
      expect(r.ok).toBe(true);
    };
    const healthyStable = [reqs('v1', '200', 999), reqs('v1', '503', 1), ...buckets('v1', 1000, 100)];

    test('a bad canary fires every ratio rule', () => {
      // GIVEN stable at 0.1% errors and P99 under 100ms; canary at ~9% errors and P99 over 1000ms
      run([...healthyStable, reqs('v2', '200', 600), reqs('v2', '503', 60), ...buckets('v2', 660, 2500)],
        atTen(['CanaryHighErrorRate', 'CanaryHighLatency', 'CanaryErrorRateAboveBound', 'CanaryLatencyAboveBound']));
    });

    test('the relative error alert fires against a stable version with no errors at all', () => {
      run([reqs('v1', '200', 1000), reqs('v2', '200', 600), reqs('v2', '503', 12), ...buckets('v1', 1000, 100), ...buckets('v2', 612, 100)],
        atTen(['CanaryHighErrorRate']));
    });

    test('a healthy canary fires nothing', () => {
      run([...healthyStable, reqs('v2', '200', 599), reqs('v2', '503', 1), ...buckets('v2', 600, 100)], atTen([]));
    });

    test("caller-side 503s (UF, UO) and per-try 504s (UT), which the canary's own sidecar never reports, roll it back", () => {
      // GIVEN the canary's sidecar saw only successes; the callers' proxies got no answer for 1 in 10
      // requests they sent it: no metadata exchange, so destination_version is unknown, but the
      // endpoint's metadata gives the workload and its canonical revision.
      const noAnswer = (flags: string, code: string, perMinute: number) => ({
        series:
          `istio_requests_total{reporter="source",source_workload="api-gateway",destination_service="${HOST}",destination_service_name="order-service",` +
          'destination_service_namespace="production",destination_workload="order-service-v2",destination_canonical_revision="v2",destination_version="unknown",' +
          `response_code="${code}",response_flags="${flags}"}`,
        values: `0+${perMinute}x30`,
      });
      const canarySidecar = {
        series: `istio_requests_total${server('v2', 'api-gateway', ',response_code="200",response_flags="-"')}`,
        values: '0+540x30',
      };
      run([...healthyStable, reqs('v2', '200', 540), canarySidecar, noAnswer('UF', '503', 20), noAnswer('UO', '503', 20), noAnswer('UT', '504', 20),
        ...buckets('v2', 600, 100)], atTen(['CanaryHighErrorRate', 'CanaryErrorRateAboveBound']));
    });

    test('a request reported by both proxies counts once: 60 requests in the window stay under the guard of 100', () => {
      // GIVEN 12 requests a minute from api-gateway to the canary, half of them 503, each reported by
      // api-gateway's sidecar (source) and the canary's (destination): 60 in 5m, 120 if counted twice.
      const both = (code: string) => [
        { series: `istio_requests_total${caller('v2', `,response_code="${code}",response_flags="-"`)}`, values: '0+6x30' },
        { series: `istio_requests_total${server('v2', 'api-gateway', `,response_code="${code}",response_flags="-"`)}`, values: '0+6x30' },
      ];
      run([...healthyStable, ...both('200'), ...both('503'), ...buckets('v2', 12, 100)], atTen([]));
      // The same with minRequests 60 fires: the guard, not a lost series, kept it silent.
      run([...healthyStable, ...both('200'), ...both('503'), ...buckets('v2', 12, 100)],
        atTen(['CanaryHighErrorRate', 'CanaryErrorRateAboveBound']), ruleFileOf(ruleOf({ minRequests: 60, paging: true })));
    });

    test('requests from callers without a proxy count, as the canary\'s own sidecar reports them', () => {
      const unmeshed = (code: string, perMinute: number) => ({
        series: `istio_requests_total${server('v2', 'unknown', `,response_code="${code}",response_flags="-"`)}`, values: `0+${perMinute}x30`,
      });
      run([...healthyStable, unmeshed('200', 600), unmeshed('503', 60), ...buckets('v2', 660, 100)],
        atTen(['CanaryHighErrorRate', 'CanaryErrorRateAboveBound']));
    });

    // A canary with no series at all, and one with 4 requests in 10 minutes, 2 of them errors and slow.
    const noTraffic = [reqs('v1', '200', 1000), ...buckets('v1', 1000, 100)];
    const trickle = [
      ...noTraffic,
      { series: `istio_requests_total${caller('v2', ',response_code="503",response_flags="-"')}`, values: '0 0 0 0 0 0 0 1 1 2 2' },
      { series: `istio_requests_total${caller('v2', ',response_code="200",response_flags="-"')}`, values: '0 0 0 0 0 0 0 1 1 2 2' },
      ...['100', '500', '1000', '2500'].map((le) => ({
        series: `istio_request_duration_milliseconds_bucket${caller('v2', `,le="${le}"`)}`,
        values: `0 0 0 0 0 0 0 ${le === '2500' ? '2 2 4 4' : '0 0 0 0'}`,
      })),
      { series: `istio_request_duration_milliseconds_bucket${caller('v2', ',le="+Inf"')}`, values: '0 0 0 0 0 0 0 2 2 4 4' },
    ];

    test('a canary with no traffic, or too little, fires nothing and divides by nothing', () => {
      run(noTraffic, atTen([]));
      run(trickle, atTen([]));
    });

    test('the guard is what keeps the trickle silent: with minRequests 1 the same trickle fires the error and absolute rules', () => {
      run(
        trickle,
        atTen(['CanaryHighErrorRate', 'CanaryErrorRateAboveBound', 'CanaryLatencyAboveBound']),
        ruleFileOf(ruleOf({ minRequests: 1, paging: true })),
      );
    });

    test('low traffic with not one successful answer rolls back, under the guard: CanaryNoSuccessfulResponses after 2m', () => {
      // GIVEN 2 requests a minute to the canary, every one a 503 (10 in 5m, far under 100)
      const failing = [
        ...noTraffic,
        { series: `istio_requests_total${caller('v2', ',response_code="503",response_flags="URX"')}`, values: '0+2x30' },
      ];
      run(failing, [...at('2m', []), ...atTen(['CanaryNoSuccessfulResponses'])]);
    });

    describe('a dead canary (kube-state-metrics)', () => {
      const unavailable = (n: number) => ({
        series: 'kube_deployment_status_replicas_unavailable{namespace="production",deployment="order-service-v2",job="kube-state-metrics"}',
        values: `${n}x30`,
      });

      test('pods not ready and no series at all: CanaryPodsNotReady after 5m, which the request guard cannot silence', () => {
        // GIVEN the canary's 3 pods crash-loop: never ready, so never an endpoint; its callers' 503 UH name no revision
        const uh = {
          series:
            `istio_requests_total{reporter="source",source_workload="api-gateway",destination_service="${HOST}",destination_service_name="order-service",` +
            'destination_service_namespace="unknown",destination_workload="unknown",destination_canonical_revision="latest",destination_version="unknown",' +
            'response_code="503",response_flags="UH"}',
          values: '0+50x30',
        };
        run([...noTraffic, unavailable(3), uh], [...at('4m', []), ...atTen(['CanaryPodsNotReady'])]);
      });

      test('every pod ready and no traffic (a header-only phase) fires nothing', () => {
        run([...noTraffic, unavailable(0)], atTen([]));
      });

      test('one pod not ready while the others answer fires nothing: the ratio rules judge it', () => {
        run([...healthyStable, unavailable(1), reqs('v2', '200', 600), ...buckets('v2', 600, 100)], atTen([]));
      });
    });
  });

  test.each([
    ['errorRateRatio', { errorRateRatio: 1 }],
    ['latencyRatio', { latencyRatio: Number.NaN }],
    ['minRequests', { minRequests: 0 }],
    ['window', { window: Duration.millis(0.5) }],
    ['maxErrorRate', { maxErrorRate: Percentage.of(0) }],
    ['notReadyFor', { notReadyFor: Duration.millis(0) }],
    ['canaryDeployment', { canaryDeployment: 'Order_V2' }],
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
