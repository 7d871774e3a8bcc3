import { Testing } from 'cdk8s';
import { applyEdge } from '../../src/app/edge';
import { buildEcSite } from '../../src/app/ec-site';
import { environment } from '../../src/app/environments';
import { MeshApp } from '../../src/mesh/mesh-app';
import { find, synth } from '../util';

function site(name: 'dev' | 'staging' | 'production') {
  const app = new MeshApp({ outdir: Testing.app().outdir });
  const s = buildEcSite(app, environment(name));
  const edge = applyEdge(s, environment(name));
  return { app, edge, out: synth(app) };
}

describe('applyEdge (EC site)', () => {
  const prod = site('production');

  test('production edge resources (snapshot)', () => {
    const kinds = ['Gateway', 'EnvoyFilter', 'HorizontalPodAutoscaler', 'PodDisruptionBudget'];
    expect(prod.out.filter((m) => kinds.includes(m.kind)).map((m) => `${m.kind}/${m.metadata.namespace}/${m.metadata.name}`)).toMatchSnapshot();
  });

  test('search is limited at 1,200 RPS (seed 000: 1,000 peak + 20%)', () => {
    const f = find(prod.out, 'EnvoyFilter', 'search-service-local-ratelimit');
    expect(f.spec.configPatches[0].patch.value.typed_config.token_bucket).toEqual({ max_tokens: 1200, tokens_per_fill: 1200, fill_interval: '1s' });
    expect(prod.edge.searchLimit.requestsPerSecond).toBe(1200);
  });

  test('the API gateway has one VirtualService, bound to mesh and the shop gateway', () => {
    const vss = prod.out.filter((m) => m.kind === 'VirtualService' && m.metadata.name === 'api-gateway');
    expect(vss).toHaveLength(1);
    expect(vss[0].spec.gateways).toEqual(['mesh', 'production/shop-gateway']);
    expect(vss[0].spec.hosts).toEqual(['api-gateway', 'shop.example.com']);
  });

  test('production autoscales every service from its replicas to 50 (seed 004)', () => {
    const hpa = find(prod.out, 'HorizontalPodAutoscaler', 'user-service');
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([3, 50]);
    expect(find(prod.out, 'HorizontalPodAutoscaler', 'search-service').spec.minReplicas).toBe(6);
    expect(prod.out.filter((m) => m.kind === 'HorizontalPodAutoscaler')).toHaveLength(8);
  });

  test('payment fails over between the Tokyo and Osaka regions', () => {
    const dr = find(prod.out, 'DestinationRule', 'payment-service');
    expect(dr.spec.trafficPolicy.loadBalancer.localityLbSetting.failover).toEqual([
      { from: 'asia-northeast1', to: 'asia-northeast2' }, { from: 'asia-northeast2', to: 'asia-northeast1' },
    ]);
  });

  test('dev: no autoscaler, no disruption budget (one replica), no failover', () => {
    const dev = site('dev');
    expect(dev.out.filter((m) => ['HorizontalPodAutoscaler', 'PodDisruptionBudget'].includes(m.kind))).toEqual([]);
    expect(find(dev.out, 'DestinationRule', 'payment-service').spec.trafficPolicy.loadBalancer.localityLbSetting).toBeUndefined();
    expect(find(dev.out, 'Deployment', 'user-service').spec.replicas).toBe(1);
  });
});
