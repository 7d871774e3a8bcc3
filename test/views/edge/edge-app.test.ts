import { Testing } from 'cdk8s';
import { applyEdge } from '../../../src/app/edge';
import { buildEcSite } from '../../../src/app/ec-site';
import { environment } from '../../../src/app/environments';
import { MeshApp } from '../../../src';
import { find, synth } from '../../util';

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

  test('search is limited at 1,200 RPS as a whole (seed 000: 1,000 peak + 20%): 200 a pod over its 6 pods, 5 of which admit the peak', () => {
    const f = find(prod.out, 'EnvoyFilter', 'search-service-local-ratelimit');
    expect(f.spec.configPatches[0].patch.value.typed_config.token_bucket).toEqual({ max_tokens: 400, tokens_per_fill: 200, fill_interval: '1s' });
    expect(prod.edge.searchLimit.requestsPerSecond).toBe(1200);
    expect(prod.edge.searchLimit.unavailable).toBe(1);
    // No autoscaler: at 7 pods (171 a pod), 5 left in a rollout would admit 855.
    expect(prod.out.filter((m) => m.kind === 'HorizontalPodAutoscaler' && m.metadata.name === 'search-service')).toEqual([]);
    expect(find(prod.out, 'Deployment', 'search-service').spec.replicas).toBe(6);
  });

  test('review item 1: the shop host routes /api/ to api-gateway and everything else (the site root) to web-frontend', () => {
    const vs = find(prod.out, 'VirtualService', 'shop-gateway');
    expect(vs.spec).toEqual({
      hosts: ['shop.example.com'],
      gateways: ['production/shop-gateway'],
      http: [
        { name: 'api-gateway', match: [{ uri: { prefix: '/api/' } }], route: [{ destination: { host: 'api-gateway.production.svc.cluster.local', subset: 'stable', port: { number: 80 } }, weight: 100 }], timeout: '15s', retries: { attempts: 2, retryOn: 'reset-before-request,connect-failure' } },
        { name: 'web-frontend', route: [{ destination: { host: 'web-frontend.production.svc.cluster.local', subset: 'stable', port: { number: 80 } }, weight: 100 }], timeout: '5s', retries: { attempts: 2, retryOn: 'reset-before-request,connect-failure' } },
      ],
    });
    // The services' own VirtualServices stay mesh-only: one VirtualService per host.
    expect(find(prod.out, 'VirtualService', 'api-gateway').spec.hosts).toEqual(['api-gateway']);
  });

  test('review item 1: web-frontend admits the gateway pods (namespace AND pod labels) and the gateway principal on every path', () => {
    const np = find(prod.out, 'NetworkPolicy', 'web-frontend');
    expect(np.spec.ingress).toContainEqual({
      from: [{
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } },
        // The gateway pods as their Service selects them.
        podSelector: { matchLabels: { app: 'istio-ingressgateway', istio: 'ingressgateway' } },
      }],
      ports: [{ port: 8080, protocol: 'TCP' }],
    });
    expect(find(prod.out, 'AuthorizationPolicy', 'web-frontend-policy').spec.rules).toContainEqual({
      from: [{ source: { principals: ['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'] } }],
    });
  });

  test('production autoscales every service from its replicas to 50 (seed 004)', () => {
    const hpa = find(prod.out, 'HorizontalPodAutoscaler', 'user-service');
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([3, 50]);
    // search excepted: its local limit keeps it at 6 pods.
    expect(prod.out.filter((m) => m.kind === 'HorizontalPodAutoscaler').map((m) => m.metadata.name)).toHaveLength(7);
  });

  test("payment fails over between the Tokyo and Osaka regions, the caller's region first with every zone alike", () => {
    const dr = find(prod.out, 'DestinationRule', 'payment-service');
    expect(dr.spec.trafficPolicy.loadBalancer.localityLbSetting).toEqual({ enabled: true, failoverPriority: ['topology.kubernetes.io/region'] });
    expect(prod.edge.locality.map((l) => [l.service.name, l.sameZoneFirst, l.failover?.length])).toEqual([['payment-service', false, 2], ['order-service', false, 2]]);
  });

  test('dev: no autoscaler, no disruption budget (one replica), no failover', () => {
    const dev = site('dev');
    expect(dev.out.filter((m) => ['HorizontalPodAutoscaler', 'PodDisruptionBudget'].includes(m.kind))).toEqual([]);
    expect(find(dev.out, 'DestinationRule', 'payment-service').spec.trafficPolicy.loadBalancer.localityLbSetting).toBeUndefined();
    expect(find(dev.out, 'Deployment', 'user-service').spec.replicas).toBe(1);
  });
});
