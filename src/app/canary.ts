import { Cron, Duration } from 'cdk8s';
import { ApiServerEndpoints, CanaryPlan, CanaryRelease, CanaryRollbackRules, FaultInjectionTest, Percentage, StringMatch } from '../index';
import { exampleCluster } from './cluster';
import { EcSite } from './ec-site';
import { Environment, EnvironmentName } from './environments';

/**
 * Seed 000, Mission 4: order-service v2, header-only for QA, then 5%, 25%, 50%,
 * 100% (old version on standby), then the old version removed.
 */
export const ORDER_V2_PLAN = CanaryPlan.of([
  {
    name: 'qa-header',
    canaryWeight: 0,
    headers: { 'x-canary': StringMatch.exact('true') },
    duration: Duration.days(1),
    successCriteria: { checks: ['QA passes every test'] },
  },
  ...[[5, 2], [25, 2], [50, 1]].map(([weight, days]) => ({
    name: `canary-${weight}`,
    canaryWeight: weight,
    duration: Duration.days(days),
    successCriteria: {
      maxErrorRate: Percentage.of(0.5),
      maxP99Latency: Duration.millis(500),
      checks: ['error rate and P99 no worse than v1', 'order completion rate does not drop'],
    },
  })),
  { name: 'canary-100', canaryWeight: 100, duration: Duration.days(1), successCriteria: { checks: ['v1 stays on standby'] } },
  { name: 'retire-v1', canaryWeight: 100, retireStable: true },
]);

/** Seed 003: Flagger's stages 10/30/50/80/100, each evaluated 5 minutes, error < 1% and P99 < 500ms. */
export const FLAGGER_STAGES_PLAN = CanaryPlan.steps([10, 30, 50, 80, 100], {
  duration: Duration.minutes(5),
  successCriteria: { maxErrorRate: Percentage.of(1), maxP99Latency: Duration.millis(500) },
});

/**
 * The phase of order-service v2 in force per environment: dev runs ahead at 100%,
 * staging at 50%, production at seed 000's Phase 2 (5%).
 */
export const ORDER_V2_PHASE: Readonly<Record<EnvironmentName, string>> = {
  dev: 'canary-100',
  staging: 'canary-50',
  production: 'canary-5',
};

/** What {@link applyCanary} adds to the EC site. */
export interface EcSiteCanary {
  /** order-service v2's release. */
  readonly orderRelease: CanaryRelease;
  /** Its rollback alerts. */
  readonly rollbackRules: CanaryRollbackRules;
  /** The weekly resilience test, where the environment allows one. */
  readonly faultInjection?: FaultInjectionTest;
}

/**
 * The API server the fault job reaches, the only addresses its NetworkPolicy allows: the
 * endpoints of the example cluster's `kubernetes` Service, read from its committed snapshot
 * (src/app/cluster/kubernetes-endpoints.yaml), on the ports they serve.
 */
export function stagingApiServer(): ApiServerEndpoints {
  const api = exampleCluster().apiServer;
  return { addresses: [...api.endpoints], ports: [...api.ports] };
}

/** Seed 003: fault injection runs in staging only. */
export const FAULT_INJECTION_ENVIRONMENTS: readonly EnvironmentName[] = ['staging'];

/** Adds order-service v2's canary release and its rollback rules to the EC site of `env`, and the weekly fault injection test in staging. */
export function applyCanary(site: EcSite, env: Environment): EcSiteCanary {
  const orderRelease = new CanaryRelease(site.chart, 'order-service-v2', {
    service: site.order,
    image: 'registry.example.com/ec-site/order-service:2.0.0',
    version: 'v2',
    plan: ORDER_V2_PLAN,
    phase: ORDER_V2_PHASE[env.name],
  });
  const rollbackRules = new CanaryRollbackRules(site.chart, 'order-service-v2-rollback', { service: site.order, canaryVersion: 'v2' });
  // Seed 003: every service-to-service call, 500ms on 10% and 503 on 5%, Mondays 10:00 JST (in Tokyo's time zone).
  const faultInjection = FAULT_INJECTION_ENVIRONMENTS.includes(env.name)
    ? new FaultInjectionTest(site.chart, 'fault-injection-test', {
        services: [site.order, site.payment, site.inventory, site.user, site.notification, site.search],
        delay: { fixedDelay: Duration.millis(500), percentage: Percentage.of(10) },
        abort: { httpStatus: 503, percentage: Percentage.of(5) },
        schedule: Cron.schedule({ minute: '0', hour: '10', day: '*', month: '*', weekDay: '1' }),
        timeZone: 'Asia/Tokyo',
        apiServer: stagingApiServer(),
      })
    : undefined;
  return { orderRelease, rollbackRules, faultInjection };
}
