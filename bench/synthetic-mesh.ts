/**
 * A synthetic mesh of any size, built through the public API only: mixed tiers,
 * call edges, canaries, SLOs and secure services, in each environment.
 */
import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import {
  CanaryPlan, CanaryRelease, LoadBalancer, MeshChart, MeshService, MeshServiceProps, ObservabilityStack,
  Percentage, Retries, Rps, SecureService, ServiceSlo, Tier,
} from '../src';

const TIERS = [Tier.SYSTEM, Tier.BUSINESS, Tier.SERVICE];
export const BENCH_ENVIRONMENTS = ['dev', 'staging', 'production'];
const PLAN = CanaryPlan.steps([10, 50, 100]);

function slo(i: number): ServiceSlo {
  return {
    latency: { p50: Duration.millis(20 + i % 30), p95: Duration.millis(100), p99: Duration.millis(300) },
    errorRate: Percentage.of(0.5),
    trafficCapacity: Rps.of(500 + i),
    saturation: { cpu: Percentage.of(70), memory: Percentage.of(80) },
    team: `team-${i % 7}`,
  };
}

/** Builds `services` services in each environment under `scope`. */
export function buildSyntheticMesh(scope: Construct, services: number, environments = BENCH_ENVIRONMENTS): MeshChart[] {
  return environments.map((env) => {
    const chart = new MeshChart(scope, env, { namespace: env, partOf: 'bench' });
    new ObservabilityStack(chart, 'observability');
    const list: MeshService[] = [];
    for (let i = 0; i < services; i++) {
      const name = `svc-${String(i).padStart(4, '0')}`;
      const props: MeshServiceProps = {
        image: `registry.example.com/bench/${name}:1.0.0`,
        tier: TIERS[i % TIERS.length],
        replicas: 1 + (i % 3),
        loadBalancer: i % 4 === 0 ? LoadBalancer.roundRobin() : undefined,
        timeout: i % 5 === 0 ? Duration.seconds(8) : undefined,
        retries: i % 7 === 0 ? Retries.of({ attempts: 1, retryOn: ['reset', 'connect-failure'] }) : undefined,
        connectionPool: i % 6 === 0 ? { tcp: { maxConnections: 300 } } : undefined,
        slo: i % 4 === 1 ? slo(i) : undefined,
      };
      // One in ten is a secure service (payment-like); one in ten runs a canary.
      const svc = i % 10 === 5
        ? new SecureService(chart, name, { ...props, retries: Retries.of({ attempts: 1, retryOn: ['reset', 'connect-failure'] }) })
        : new MeshService(chart, name, props);
      if (i % 10 === 3) {
        new CanaryRelease(chart, `${name}-canary`, {
          service: svc,
          image: `registry.example.com/bench/${name}:2.0.0`,
          plan: PLAN,
          phase: 'canary-10',
        });
      }
      list.push(svc);
    }
    // Each service calls the next two: a connected graph with 2 edges per node.
    list.forEach((svc, i) => {
      for (const j of [i + 1, i + 2]) {
        if (j < list.length) svc.calls(list[j], { methods: ['GET', 'POST'], paths: [`/api/${list[j].name}/*`] });
      }
    });
    return chart;
  });
}
