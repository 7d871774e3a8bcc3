// The production review of issue 12, as the evaluator sees each finding when it comes back.
import { checkIntendedFlows, evaluateFlow, IntendedFlow } from '../../src/flow';
import { app, deployment, DNS_EGRESS, networkPolicy, sidecar } from './fixtures';

const collector = { name: 'zipkin', namespace: 'istio-system', labels: { app: 'zipkin' }, serviceAccount: 'zipkin', meshed: false, ports: { http: 9411 } };
const spans = { source: { workload: 'orders', namespace: 'shop' }, host: 'zipkin.istio-system', port: 9411, target: collector, method: 'POST' as const, path: '/api/v2/spans' };

describe('tracing (review item 3): the collector must be in the Sidecar\'s hosts and the egress NetworkPolicy', () => {
  const base = [...app('orders', 'shop'), networkPolicy('orders', 'shop', { podSelector: { matchLabels: { app: 'orders' } }, policyTypes: ['Egress'], egress: [DNS_EGRESS] })];
  const sc = (hosts: string[]) => sidecar('orders', 'shop', { workloadSelector: { labels: { app: 'orders' } }, egress: [{ hosts }], outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } });

  test('a Sidecar listing only the application\'s hosts drops the spans', () => {
    expect(evaluateFlow([...base, sc(['./*'])], spans)).toMatchObject({ allowed: false, decidedBy: { layer: 'Sidecar egress' } });
  });

  test('with the collector listed, the egress NetworkPolicy decides', () => {
    expect(evaluateFlow([...base, sc(['./*', 'istio-system/zipkin.istio-system.svc.cluster.local'])], spans)).toMatchObject({ allowed: false, decidedBy: { layer: 'NetworkPolicy egress', name: 'orders' } });
    const open = networkPolicy('orders-tracing', 'shop', { podSelector: { matchLabels: { app: 'orders' } }, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } }, podSelector: { matchLabels: { app: 'zipkin' } } }], ports: [{ port: 9411 }] }] });
    expect(evaluateFlow([...base, open, sc(['./*', 'istio-system/zipkin.istio-system.svc.cluster.local'])], spans).allowed).toBe(true);
  });
});

test('global rate limit (review item 5): a filter pointing at a rate-limit service that is not there', () => {
  const objs = app('search', 'shop');
  expect(evaluateFlow(objs, { source: { workload: 'search', namespace: 'shop' }, host: 'ratelimit.shop', port: 8081, protocol: 'GRPC' }))
    .toMatchObject({ allowed: false, decidedBy: { layer: 'routing', kind: 'Service', name: 'ratelimit.shop' } });
});

test('fault-injection job egress (review item 8): 443 to 0.0.0.0/0 lets the job reach any address, which an intended deny catches', () => {
  const job = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'fault-test', namespace: 'shop' }, spec: { jobTemplate: { spec: { template: deployment('fault-test', 'shop', { inject: false }).spec.template } } } };
  const wide = networkPolicy('fault-test', 'shop', { podSelector: { matchLabels: { app: 'fault-test' } }, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 443 }, { port: 6443 }] }] });
  const apiServer = { name: 'kube-apiserver', namespace: 'default', labels: {}, serviceAccount: 'none', meshed: false, addresses: ['10.96.0.1'] };
  const elsewhere = { name: 'internet', namespace: 'external', labels: {}, serviceAccount: 'none', meshed: false, addresses: ['203.0.113.7'] };
  const intended: IntendedFlow[] = [
    { source: { workload: 'fault-test', namespace: 'shop' }, host: 'kubernetes.default.svc', port: 443, target: apiServer, protocol: 'HTTPS', expect: 'allow', constructPath: 'shop/fault-test', description: 'fault-test job calls the API server' },
    { source: { workload: 'fault-test', namespace: 'shop' }, host: 'example.org', port: 443, target: elsewhere, protocol: 'HTTPS', expect: 'deny', constructPath: 'shop/fault-test', description: 'fault-test job reaches the internet' },
  ];
  expect(checkIntendedFlows([job, wide], intended, { dns: false }).map((f) => [f.code, f.constructPath])).toEqual([['MESH601', 'shop/fault-test']]);
  const narrow = networkPolicy('fault-test', 'shop', { podSelector: { matchLabels: { app: 'fault-test' } }, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.96.0.1/32' } }], ports: [{ port: 443 }] }] });
  expect(checkIntendedFlows([job, narrow], intended, { dns: false })).toEqual([]);
});
