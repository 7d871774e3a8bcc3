/**
 * A synthetic mesh of any size, built through the public API only: mixed tiers,
 * call edges, header routes, and per-service overrides, in each environment.
 */
import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { LoadBalancer, MeshChart, MeshService, Retries, StringMatch, Tier, Weight } from '../src';

const TIERS = [Tier.SYSTEM, Tier.BUSINESS, Tier.SERVICE];
export const BENCH_ENVIRONMENTS = ['dev', 'staging', 'production'];

/** Builds `services` services in each environment under `scope`. */
export function buildSyntheticMesh(scope: Construct, services: number, environments = BENCH_ENVIRONMENTS): MeshChart[] {
  return environments.map((env) => {
    const chart = new MeshChart(scope, env, { namespace: env, partOf: 'bench' });
    const list: MeshService[] = [];
    for (let i = 0; i < services; i++) {
      const name = `svc-${String(i).padStart(4, '0')}`;
      const svc = new MeshService(chart, name, {
        image: `registry.example.com/bench/${name}:1.0.0`,
        tier: TIERS[i % TIERS.length],
        replicas: 1 + (i % 3),
        loadBalancer: i % 4 === 0 ? LoadBalancer.roundRobin() : undefined,
        timeout: i % 5 === 0 ? Duration.seconds(8) : undefined,
        retries: i % 7 === 0 ? Retries.of({ attempts: 1, retryOn: ['reset', 'connect-failure'] }) : undefined,
        connectionPool: i % 6 === 0 ? { tcp: { maxConnections: 300 } } : undefined,
      });
      if (i % 10 === 3) {
        // a canary-shaped contribution: a second subset, a header route and a weighted split
        svc.traffic.addSubset(svc, { name: 'canary', labels: { version: 'v2' } });
        svc.addRoute({ match: [{ headers: { 'x-canary': StringMatch.exact('true') } }], destinations: [{ subset: 'canary' }] });
        svc.traffic.setSplit(svc, [{ subset: 'stable', weight: Weight.percent(90) }, { subset: 'canary', weight: Weight.percent(10) }]);
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
