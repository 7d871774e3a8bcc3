// Flagger during an analysis: https://docs.flagger.app/usage/how-it-works
import { checkIntendedFlows, evaluateFlow, undeclaredOpenPairs } from '../../../src/validate';
import { afterFlagger } from '../../../src/validate/model/flagger';
import { app, authorizationPolicy, call, DNS_EGRESS, networkPolicy } from './fixtures';

const canary = {
  apiVersion: 'flagger.app/v1beta1', kind: 'Canary', metadata: { name: 'orders', namespace: 'shop' },
  spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'orders' }, service: { port: 80, targetPort: 8080, gateways: ['mesh'], timeout: '15s' } },
};
const policiesFor = (app: string) => [
  networkPolicy('orders', 'shop', { podSelector: { matchLabels: { app } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }] }] }),
  authorizationPolicy('orders-policy', 'shop', { selector: { matchLabels: { app } }, rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/web'] } }] }] }),
];
const secure = [
  ...app('web', 'shop'), ...app('orders', 'shop'),
  networkPolicy('default-deny', 'shop', { podSelector: {}, policyTypes: ['Ingress', 'Egress'], egress: [DNS_EGRESS] }),
  networkPolicy('web', 'shop', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: {} }] }] }),
  authorizationPolicy('allow-nothing', 'shop', {}),
];

describe('Flagger relabels the primary pods app: <name>-primary (review item 6)', () => {
  test('policies selecting app: <name> no longer match the pods that serve: the declared call is refused', () => {
    const v = evaluateFlow([...secure, ...policiesFor('orders'), canary], call('web', 'shop', 'orders'));
    expect(v).toMatchObject({ allowed: false, decidedBy: { layer: 'NetworkPolicy ingress', name: 'default-deny' } });
    expect(v.hops.join()).toContain('orders-primary.shop:80 → shop/orders-primary:8080');
    const intended = [{ ...call('web', 'shop', 'orders'), expect: 'allow' as const, constructPath: 'shop/web', description: 'web calls orders' }];
    expect(checkIntendedFlows([...secure, ...policiesFor('orders'), canary], intended).map((f) => f.code)).toEqual(['MESH600']);
  });

  test('without the Canary, or with policies selecting the primary, the call works through Flagger\'s VirtualService', () => {
    expect(evaluateFlow([...secure, ...policiesFor('orders')], call('web', 'shop', 'orders')).allowed).toBe(true);
    const v = evaluateFlow([...secure, ...policiesFor('orders-primary'), canary], call('web', 'shop', 'orders'));
    expect(v).toMatchObject({ allowed: true, decidedBy: { name: 'orders-policy' } });
  });

  test('during an analysis the canary runs beside the primary; both are sources by the Deployment\'s name, their declared calls recognised', () => {
    const objs = [...app('orders', 'shop'), ...app('stock', 'shop'), canary];
    // The Deployment's own pods are the canary's; the primary's are app: orders-primary.
    expect(evaluateFlow(objs, call('orders', 'shop', 'stock')).hops[0]).toBe('shop/orders');
    expect(evaluateFlow(objs, call('orders-primary', 'shop', 'stock')).hops[0]).toBe('shop/orders-primary');
    const intended = [{ ...call('orders', 'shop', 'stock'), expect: 'allow' as const, constructPath: 'shop/orders', description: 'orders calls stock' }];
    expect(undeclaredOpenPairs(objs, intended).map((f) => f.message.split(' although')[0]).sort())
      .toEqual(['shop/orders can reach shop/orders-primary on port 8080', 'shop/orders-primary can reach shop/orders on port 8080',
        'shop/stock can reach shop/orders on port 8080', 'shop/stock can reach shop/orders-primary on port 8080']);
  });

  test("a step's weight sends a caller's requests to the canary's pods too: policies must admit both", () => {
    const stepped = { ...canary, spec: { ...canary.spec, analysis: { interval: '5m', stepWeights: [10, 30, 50, 80] } } };
    // Policies on the primary's relabelled app admit the primary; the canary's 10% is refused.
    const v = evaluateFlow([...secure, ...policiesFor('orders-primary'), stepped], call('web', 'shop', 'orders'));
    expect(v).toMatchObject({ allowed: false, decidedBy: { layer: 'NetworkPolicy ingress', name: 'default-deny' } });
    expect(v.reason).toMatch(/\(10% of requests\)/);
    expect(v.hops.join()).toContain('orders-canary.shop:80 → shop/orders:8080');
    // An A/B test sends the requests its match selects to the canary.
    const ab = { ...canary, spec: { ...canary.spec, analysis: { iterations: 10, match: [{ headers: { 'x-canary': { exact: 'insider' } } }] } } };
    const insider = { ...call('web', 'shop', 'orders'), headers: { 'x-canary': 'insider' } };
    expect(evaluateFlow([...secure, ...policiesFor('orders-primary'), ab], insider).hops.join()).toContain('orders-canary.shop:80');
    expect(evaluateFlow([...secure, ...policiesFor('orders-primary'), ab], call('web', 'shop', 'orders')).allowed).toBe(true);
  });
});

describe("Flagger's Services with portDiscovery (fluxcd/flagger pkg/canary/util.go getPorts)", () => {
  test("each container port of the target beside the Canary's own: its name (else tcp-<container>-<index>), as its own port number; no mesh proxy's", () => {
    const deployment = {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'orders', namespace: 'shop' },
      spec: { selector: { matchLabels: { app: 'orders' } }, template: { metadata: { labels: { app: 'orders' } }, spec: { containers: [
        { name: 'app', image: 'orders:1', ports: [{ containerPort: 8080, name: 'http' }, { containerPort: 9090, name: 'grpc' }, { containerPort: 7000 }] },
        { name: 'istio-proxy', image: 'proxyv2', ports: [{ containerPort: 15090, name: 'http-envoy-prom' }] },
      ] } } },
    };
    const discovering = { ...canary, spec: { ...canary.spec, service: { ...canary.spec.service, portDiscovery: true } } };
    const apex = afterFlagger([deployment, discovering]).find((m) => m.kind === 'Service' && m.metadata.name === 'orders')!;
    expect(apex.spec.ports).toEqual([
      { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
      { name: 'grpc', port: 9090, targetPort: 9090, protocol: 'TCP' },
      { name: 'tcp-app-2', port: 7000, targetPort: 7000, protocol: 'TCP' },
    ]);
    // Without it, the Canary's port alone.
    expect(afterFlagger([deployment, canary]).find((m) => m.kind === 'Service' && m.metadata.name === 'orders')!.spec.ports).toHaveLength(1);
  });
});
