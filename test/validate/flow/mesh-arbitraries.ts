// Random NetworkPolicies and AuthorizationPolicies over four pods in two namespaces, for the flow
// evaluator's property tests. `basic` draws only what the naive reference of property.test.ts reads
// (matchLabels selectors, policy ports 8080/9090/http/a range, GET and POST); `full` also draws
// matchExpressions, the Envoy stats port, DNS egress, DELETE, rule ports and root-namespace policies
// (memo.property.test.ts, which compares the evaluator with itself).
import * as fc from 'fast-check';

export const NAMESPACES = ['n1', 'n2'];
export const PODS = [
  { name: 'p0', ns: 'n1', tier: 'web' }, { name: 'p1', ns: 'n1', tier: 'db' },
  { name: 'p2', ns: 'n2', tier: 'web' }, { name: 'p3', ns: 'n2', tier: 'db' },
];
export type Pod = typeof PODS[number];
export const principalOf = (p: Pod) => `cluster.local/ns/${p.ns}/sa/${p.name}`;

/** The policies' arbitraries for `reach`. */
export function policyArbitraries(reach: 'basic' | 'full') {
  const full = reach === 'full';
  const selector = fc.oneof(
    fc.constant({}),
    fc.constantFrom(...PODS.map((p) => ({ matchLabels: { app: p.name } }))),
    fc.constantFrom({ matchLabels: { tier: 'web' } }, { matchLabels: { tier: 'db' } }),
    ...(full ? [fc.constant({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['db'] }] })] : []),
  );
  const peer = fc.oneof(
    fc.record({ podSelector: selector }),
    fc.record({ namespaceSelector: fc.constantFrom(...NAMESPACES.map((n) => ({ matchLabels: { 'kubernetes.io/metadata.name': n } })), {}) }),
    fc.record({ namespaceSelector: fc.constantFrom({ matchLabels: { 'kubernetes.io/metadata.name': 'n1' } }, {}), podSelector: selector }),
  );
  const ports = fc.option(fc.subarray([
    { port: 8080 }, { port: 9090 }, { port: 'http' }, { port: 8000, endPort: 8100 }, ...(full ? [{ port: 15090 }] : []),
  ], { minLength: 1 }), { nil: undefined });
  const npRule = (dir: 'to' | 'from') =>
    fc.record({ [dir]: fc.option(fc.array(peer, { minLength: 1, maxLength: 2 }), { nil: undefined }), ports }, { requiredKeys: [] });
  const networkPolicies = fc.array(fc.record({
    ns: fc.constantFrom(...NAMESPACES),
    podSelector: selector,
    policyTypes: fc.option(fc.subarray(['Ingress', 'Egress'], { minLength: 1 }), { nil: undefined }),
    ingress: fc.option(fc.array(npRule('from'), { maxLength: 2 }), { nil: undefined }),
    egress: fc.option(fc.array(npRule('to'), { maxLength: 2 }), { nil: undefined }),
    dns: full ? fc.boolean() : fc.constant(false),
  }), { maxLength: full ? 4 : 3 });
  const authzRule = fc.record({
    from: fc.option(fc.array(fc.record({ source: fc.record({
      principals: fc.option(fc.subarray(PODS.map(principalOf), { minLength: 1 }), { nil: undefined }),
      namespaces: fc.option(fc.subarray(NAMESPACES, { minLength: 1 }), { nil: undefined }),
    }, { requiredKeys: [] }) }), { minLength: 1, maxLength: 2 }), { nil: undefined }),
    to: fc.option(fc.array(fc.record({ operation: fc.record({
      methods: fc.option(fc.subarray(full ? ['GET', 'POST', 'DELETE'] : ['GET', 'POST'], { minLength: 1 }), { nil: undefined }),
      paths: fc.option(fc.subarray(['/a', '/a/*', '/b'], { minLength: 1 }), { nil: undefined }),
      ports: full ? fc.option(fc.subarray(['8080', '9090'], { minLength: 1 }), { nil: undefined }) : fc.constant(undefined),
    }, { requiredKeys: [] }) }), { minLength: 1, maxLength: 2 }), { nil: undefined }),
  }, { requiredKeys: [] });
  const authorizationPolicies = fc.array(fc.record({
    ns: fc.constantFrom(...NAMESPACES, ...(full ? ['istio-system'] : [])),
    action: fc.constantFrom('ALLOW', 'DENY'),
    selector: fc.option(fc.constantFrom(...PODS.map((p) => ({ matchLabels: { app: p.name } }))), { nil: undefined }),
    rules: fc.option(fc.array(authzRule, { maxLength: 2 }), { nil: undefined }),
  }), { maxLength: 3 });
  return { selector, networkPolicies, authorizationPolicies };
}
