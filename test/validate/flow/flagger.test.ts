// Flagger's steady state: https://docs.flagger.app/usage/how-it-works
import { checkIntendedFlows, evaluateFlow, undeclaredOpenPairs } from '../../../src';
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

  test('the primary answers to the Deployment\'s name as a source, and its declared calls are recognised', () => {
    const objs = [...app('orders', 'shop'), ...app('stock', 'shop'), canary];
    expect(evaluateFlow(objs, call('orders', 'shop', 'stock')).hops[0]).toBe('shop/orders-primary');
    const intended = [{ ...call('orders', 'shop', 'stock'), expect: 'allow' as const, constructPath: 'shop/orders', description: 'orders calls stock' }];
    expect(undeclaredOpenPairs(objs, intended).map((f) => f.message.split(' although')[0])).toEqual(['shop/stock can reach shop/orders-primary on port 8080']);
  });
});
