import { Duration } from 'cdk8s';
import { CanaryPlan, CanaryRelease, CanaryReleaseProps, MeshApp, MeshService, Percentage, StringMatch } from '../../../src';
import { applyCanary, FLAGGER_STAGES_PLAN, ORDER_V2_PHASE, ORDER_V2_PLAN } from '../../../src/app/canary';
import { buildEcSite } from '../../../src/app/ec-site';
import { environment, EnvironmentName } from '../../../src/app/environments';
import { promtoolCheckRules, ruleFileOf } from '../../promtool';
import { find, meshChart, synth, synthError } from '../../util';

/** The production EC site with order-service v2 in `phase` of seed 000's plan. */
function ecSiteAt(phase: string) {
  const app = new MeshApp();
  const site = buildEcSite(app, environment('production'));
  new CanaryRelease(site.chart, 'order-service-v2', { service: site.order, image: 'order:2.0.0', plan: ORDER_V2_PLAN, phase });
  return synth(app);
}

const dest = (subset: string, weight?: number) => ({ destination: { host: 'order-service', subset }, ...(weight === undefined ? {} : { weight }) });
// What the foundation adds to every route of order-service (its Mission 2 values), beyond seed 000's Phase YAML.
const ORDER_ROUTE_POLICY = { timeout: '15s', retries: { attempts: 3, perTryTimeout: '5s', retryOn: '5xx,reset,connect-failure,retriable-4xx' } };
// Order's writes (POST, PATCH) take a route of their own ahead of the default one, to the same split, never resent.
const ORDER_WRITES = {
  name: 'writes', match: [{ method: { exact: 'POST' } }, { method: { exact: 'PATCH' } }],
  timeout: '15s', retries: { attempts: 3, perTryTimeout: '15s', retryOn: 'reset-before-request,connect-failure' },
};
const withWrites = (route: any[]) => [{ ...ORDER_WRITES, route }, { route, ...ORDER_ROUTE_POLICY }];

function simple(props: Partial<CanaryReleaseProps> = {}, serviceProps: Record<string, any> = {}) {
  const { app, chart } = meshChart();
  const service = new MeshService(chart, 'payment-service', { image: 'payment:1', ...serviceProps });
  const plan = CanaryPlan.steps([5, 50, 100]);
  new CanaryRelease(chart, 'payment-v2', { service, image: 'payment:2', plan, phase: 'canary-5', ...props });
  return { app, chart, service };
}

describe('CanaryRelease', () => {
  test('default output', () => {
    const { app } = simple();
    const m = synth(app);
    expect([find(m, 'VirtualService', 'payment-service'), find(m, 'DestinationRule', 'payment-service'), find(m, 'Deployment', 'payment-service-v2')]).toMatchSnapshot();
  });

  test('the new version: its own Deployment, version label v2, canary subset', () => {
    const m = ecSiteAt('canary-5');
    const d = find(m, 'Deployment', 'order-service-v2');
    expect(d.spec.selector.matchLabels).toEqual({ app: 'order-service', version: 'v2' });
    expect(d.spec.template.metadata.labels).toMatchObject({ app: 'order-service', version: 'v2' });
    expect(d.spec.template.spec.containers[0].image).toBe('order:2.0.0');
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.template.spec.serviceAccountName).toBe('order-service');
    expect(find(m, 'Deployment', 'order-service').spec.selector.matchLabels).toEqual({ app: 'order-service', version: 'v1' });
    expect(find(m, 'DestinationRule', 'order-service').spec.subsets).toEqual([
      { name: 'stable', labels: { version: 'v1' } },
      { name: 'canary', labels: { version: 'v2' } },
    ]);
    expect(m.filter((r) => r.kind === 'VirtualService' && r.metadata.name.startsWith('order-service'))).toHaveLength(1);
  });

  test('seed 000 Phase 1: x-canary header to the canary, everything else to stable', () => {
    const vs = find(ecSiteAt('qa-header'), 'VirtualService', 'order-service');
    expect(vs.metadata).toMatchObject({ name: 'order-service', namespace: 'production' });
    expect(vs.spec.hosts).toEqual(['order-service']);
    expect(vs.spec.http).toEqual([
      { match: [{ headers: { 'x-canary': { exact: 'true' } } }], route: [dest('canary')], ...ORDER_ROUTE_POLICY },
      ...withWrites([dest('stable', 100)]),
    ]);
  });

  test.each([['canary-5', 95, 5], ['canary-25', 75, 25], ['canary-50', 50, 50], ['canary-100', 0, 100]])(
    'seed 000 %s: stable %i / canary %i', (phase, stable, canary) => {
      const vs = find(ecSiteAt(phase), 'VirtualService', 'order-service');
      expect(vs.spec.http).toEqual(withWrites([dest('stable', stable), dest('canary', canary)]));
    });

  test('seed 000 Phase 2 retries: attempts 3, perTryTimeout 5s, and 5xx,reset,connect-failure among retryOn', () => {
    const route = find(ecSiteAt('canary-5'), 'VirtualService', 'order-service').spec.http.at(-1);
    expect(route.retries).toMatchObject({ attempts: 3, perTryTimeout: '5s' });
    expect(route.retries.retryOn.split(',')).toEqual(expect.arrayContaining(['5xx', 'reset', 'connect-failure']));
  });

  test('seed 000 Phase 6: the old version removed, all traffic to v2', () => {
    const m = ecSiteAt('retire-v1');
    expect(m.filter((r) => r.kind === 'Deployment' && r.metadata.name === 'order-service')).toHaveLength(0);
    expect(find(m, 'Deployment', 'order-service-v2').spec.replicas).toBe(3);
    expect(find(m, 'VirtualService', 'order-service').spec.http).toEqual(withWrites([dest('canary', 100)]));
    // the stable subset went with its pods: nothing can route to v1 any more
    expect(find(m, 'DestinationRule', 'order-service').spec.subsets).toEqual([{ name: 'canary', labels: { version: 'v2' } }]);
  });

  test('seed 000 plan: phases, durations and success criteria as data', () => {
    expect(ORDER_V2_PLAN.names).toEqual(['qa-header', 'canary-5', 'canary-25', 'canary-50', 'canary-100', 'retire-v1']);
    expect(ORDER_V2_PLAN.phases.map((p) => p.canaryWeight)).toEqual([0, 5, 25, 50, 100, 100]);
    expect(ORDER_V2_PLAN.phases.map((p) => p.duration?.toHours())).toEqual([24, 48, 48, 24, 24, undefined]);
    const p2 = ORDER_V2_PLAN.phase('canary-5')!;
    expect(p2.successCriteria?.maxErrorRate?.value).toBe(0.5);
    expect(p2.successCriteria?.maxP99Latency?.toMilliseconds()).toBe(500);
    expect(ORDER_V2_PLAN.phase('canary-25')!.successCriteria).toEqual(p2.successCriteria);
    expect(ORDER_V2_PLAN.phase('retire-v1')!.retireStable).toBe(true);
    expect(ORDER_V2_PLAN.problems()).toEqual([]);
  });

  test('seed 003 stages: 10/30/50/80/100, 5 minutes each, error < 1% and P99 < 500ms', () => {
    expect(FLAGGER_STAGES_PLAN.phases.map((p) => [p.name, p.canaryWeight, p.duration?.toMinutes()])).toEqual([
      ['canary-10', 10, 5], ['canary-30', 30, 5], ['canary-50', 50, 5], ['canary-80', 80, 5], ['canary-100', 100, undefined],
    ]);
    expect(FLAGGER_STAGES_PLAN.phases[0].successCriteria).toMatchObject({ maxErrorRate: { value: 1 } });
    expect(FLAGGER_STAGES_PLAN.phases[3].successCriteria?.maxP99Latency?.toMilliseconds()).toBe(500);
    expect(FLAGGER_STAGES_PLAN.phases[4].successCriteria).toBeUndefined();
  });

  test.each(['dev', 'staging', 'production'] as EnvironmentName[])('applyCanary: %s runs its own phase', (name) => {
    const app = new MeshApp();
    const env = environment(name);
    const site = buildEcSite(app, env);
    const { orderRelease } = applyCanary(site, env);
    const canary = ORDER_V2_PLAN.phase(ORDER_V2_PHASE[name])!.canaryWeight;
    expect(orderRelease.phase?.name).toBe(ORDER_V2_PHASE[name]);
    const route = find(synth(app), 'VirtualService', 'order-service').spec.http.at(-1).route;
    expect(route.find((r: any) => r.destination.subset === 'canary').weight).toBe(canary);
  });

  test('per environment: production at seed 000 Phase 2 (5%), staging at 50%, dev at 100%', () => {
    expect(ORDER_V2_PHASE).toEqual({ production: 'canary-5', staging: 'canary-50', dev: 'canary-100' });
  });

  test('a header phase with weight: header route ahead of the weighted route (seed 001, x-qa-team)', () => {
    const plan = CanaryPlan.of([{ name: 'qa', canaryWeight: 10, headers: { 'x-qa-team': StringMatch.exact('true') } }]);
    const { app } = simple({ plan, phase: 'qa', version: 'v3', replicas: 1 });
    const m = synth(app);
    const http = find(m, 'VirtualService', 'payment-service').spec.http;
    expect(http.map((h: any) => h.match)).toEqual([[{ headers: { 'x-qa-team': { exact: 'true' } } }], undefined]);
    expect(http[0].route).toEqual([{ destination: { host: 'payment-service', subset: 'canary' } }]);
    expect(http[1].route.map((r: any) => r.weight)).toEqual([90, 10]);
    expect(find(m, 'Deployment', 'payment-service-v3').spec.replicas).toBe(1);
  });

  test('mirroring to the canary while it serves nothing (seed 003: mirrorPercentage 10)', () => {
    const plan = CanaryPlan.of([{ name: 'shadow', canaryWeight: 0, duration: Duration.hours(1) }, { name: 'canary-10', canaryWeight: 10 }]);
    const { app } = simple({ plan, phase: 'shadow', mirror: Percentage.of(10) });
    const http = find(synth(app), 'VirtualService', 'payment-service').spec.http;
    expect(http).toHaveLength(1);
    expect(http[0].route).toEqual([{ destination: { host: 'payment-service', subset: 'stable' }, weight: 100 }]);
    expect(http[0].mirror).toEqual({ host: 'payment-service', subset: 'canary' });
    expect(http[0].mirrorPercentage).toEqual({ value: 10 });
  });

  describe('validation', () => {
    test('a mirror to the subset that already serves the traffic', () => {
      const { app } = simple({ mirror: Percentage.of(10) });
      expect(synthError(app)).toMatch(/\[test\/payment-v2\] mirror: the canary already serves 5% .*\[MESH304\]/);
    });

    test.each([[-1], [101], [2.5]])('a phase weight of %d', (w) => {
      const { app } = simple({ plan: CanaryPlan.of([{ name: 'a', canaryWeight: 0 }, { name: 'b', canaryWeight: w }]), phase: 'a' });
      expect(synthError(app)).toMatch(/\[test\/payment-v2\] plan\.phases\[1\] \(b\)\.canaryWeight must be .*\[MESH300\]/);
    });

    test('boundaries 0 and 100 are accepted', () => {
      const plan = CanaryPlan.of([{ name: 'a', canaryWeight: 0 }, { name: 'b', canaryWeight: 100 }]);
      expect(() => synth(simple({ plan, phase: 'b' }).app)).not.toThrow();
    });

    test.each([[[10, 5]], [[10, 10]]])('weights %j do not increase', (weights) => {
      const { app } = simple({ plan: CanaryPlan.steps(weights as number[]), phase: 'canary-10' });
      expect(synthError(app)).toMatch(/\[test\/payment-v2\] plan\.phases\[1\] .*canaryWeight: \d+ does not increase .*\[MESH301\]/);
    });

    test('dark phases at weight 0 may follow each other (a QA header, then the release\'s mirror alone); weights then increase', () => {
      const headers = { 'x-qa-team': StringMatch.exact('true') };
      const plan = CanaryPlan.of([{ name: 'qa', canaryWeight: 0, headers }, { name: 'dark', canaryWeight: 0 }, { name: 'canary-10', canaryWeight: 10 }]);
      expect(() => synth(simple({ plan, phase: 'dark' }).app)).not.toThrow();
      const back = CanaryPlan.of([{ name: 'a', canaryWeight: 10 }, { name: 'b', canaryWeight: 0 }]);
      expect(synthError(simple({ plan: back, phase: 'a' }).app)).toMatch(/plan\.phases\[1\] \(b\)\.canaryWeight: 0 does not increase .*\[MESH301\]/);
    });

    test('an unknown phase, a duplicate phase name, an empty plan, a retire phase not last', () => {
      expect(synthError(simple({ phase: 'canary-7' }).app)).toMatch(/\[test\/payment-v2\] phase: 'canary-7' is not a phase of the plan \(phases: canary-5, canary-50, canary-100\) \[MESH302\]/);
      expect(synthError(simple({ plan: CanaryPlan.of([]), phase: 'x' }).app)).toMatch(/plan: a canary plan needs at least one phase \[MESH302\]/);
      const dup = CanaryPlan.of([{ name: 'a', canaryWeight: 1 }, { name: 'a', canaryWeight: 2 }]);
      expect(synthError(simple({ plan: dup, phase: 'a' }).app)).toMatch(/phases\[1\] \(a\)\.name: 'a' is used twice \[MESH302\]/);
      const early = CanaryPlan.of([{ name: 'a', canaryWeight: 100, retireStable: true }, { name: 'b', canaryWeight: 100 }]);
      expect(synthError(simple({ plan: early, phase: 'a' }).app)).toMatch(/phases\[0\] \(a\)\.retireStable: only the last phase, .*\[MESH302\]/);
    });

    test('a canary on a service with no stable version', () => {
      expect(synthError(simple({ version: 'v1' }).app)).toMatch(/\[test\/payment-v2\] version: the canary's version 'v1' is the service's own version.*\[MESH303\]/);
      expect(synthError(simple({}, { replicas: 0 }).app)).toMatch(/\[test\/payment-v2\] service: payment-service runs no replicas of its stable version 'v1' \[MESH303\]/);
    });

    test('a second release of the same host is reported with both paths', () => {
      const { app, chart, service } = simple();
      new CanaryRelease(chart, 'payment-v3', { service, image: 'p:3', version: 'v3', plan: CanaryPlan.steps([5]), phase: 'canary-5' });
      expect(synthError(app)).toMatch(/default route split of host payment-service is set by both test\/payment-v2 and test\/payment-v3 \[MESH015\]/);
    });
  });
});

describe('applyCanary', () => {
  test.each(['dev', 'staging', 'production'] as EnvironmentName[])('%s: rollback rules everywhere, fault injection in staging only', (name) => {
    const app = new MeshApp();
    const env = environment(name);
    const result = applyCanary(buildEcSite(app, env), env);
    const m = synth(app);
    expect(find(m, 'PrometheusRule', 'order-service-canary-rollback').metadata.namespace).toBe(env.namespace);
    expect(result.rollbackRules.canaryVersion).toBe('v2');
    expect(m.filter((r) => r.kind === 'CronJob').map((r) => r.metadata.name)).toEqual(name === 'staging' ? ['fault-injection-test-off', 'fault-injection-test-on'] : []);
    expect(m.filter((r) => r.kind === 'VirtualService' && r.metadata.name === 'order-service')).toHaveLength(1);
    for (const rule of m.filter((r) => r.kind === 'PrometheusRule')) {
      const check = promtoolCheckRules(ruleFileOf(rule));
      expect(check.output).toContain('SUCCESS');
    }
  });

  test('staging: the fault-on variants carry seed 003 values for every service but the edge', () => {
    const app = new MeshApp();
    const env = environment('staging');
    applyCanary(buildEcSite(app, env), env);
    const data = find(synth(app), 'ConfigMap', 'fault-injection-test-config').data;
    expect(Object.keys(data).filter((k) => k.endsWith('.fault-on.yaml')).sort()).toEqual([
      'inventory-service', 'notification-service', 'order-service', 'payment-service', 'search-service', 'user-service',
    ].map((s) => `${s}.fault-on.yaml`));
    expect(data['order-service.fault-on.yaml']).toContain('fixedDelay: 500ms');
    expect(data['order-service.fault-on.yaml']).toContain('httpStatus: 503');
  });
});
