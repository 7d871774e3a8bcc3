// A policy port written as the Service's port (80) where the pods receive on its target port (8080). The sidecar matches an
// AuthorizationPolicy's ports against the connection's destination port on its inbound listener (istio/api
// security/v1beta1/authorization.proto, Operation.ports; istio/istio pilot/pkg/security/authz/model/generator.go,
// destPortGenerator), and the CNI a NetworkPolicy's against "a numerical or named port on a pod"
// (https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/). The flow evaluator, which
// follows the request through the Service, refuses the call; the analysis says why without a flow.
import { analyze } from '../../src/validate/analysis';
import { evaluateFlow } from '../../src/validate';
import { app, authorizationPolicy, call, deployment, networkPolicy } from './flow/fixtures';

const A = 'cluster.local/ns/shop/sa/a';
const allowOn = (ports: string[], key = 'ports') => authorizationPolicy('b', 'shop', {
  selector: { matchLabels: { app: 'b' } }, rules: [{ from: [{ source: { principals: [A] } }], to: [{ operation: { [key]: ports } }] }],
});
const ingressOn = (port: number) => networkPolicy('b', 'shop', {
  podSelector: { matchLabels: { app: 'b' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'a' } } }], ports: [{ port }] }],
});
const base = [...app('a', 'shop'), ...app('b', 'shop')];
const codes = (manifests: object[]) => analyze(manifests).filter((f) => f.code === 'MESH613' || f.code === 'MESH614')
  .map((f) => `${f.code} ${f.severity ?? 'error'} ${f.resource.kind}/${f.resource.name} ${f.field}`);

describe("policy ports that are the Service's port, not the pods' (MESH613, MESH614)", () => {
  test("an AuthorizationPolicy's port 80 on pods behind 80 → 8080 never matches: the flow is refused, the analysis warns", () => {
    expect(evaluateFlow([...base, allowOn(['80'])], call('a', 'shop', 'b')).allowed).toBe(false);
    expect(codes([...base, allowOn(['80'])])).toEqual(['MESH613 warning AuthorizationPolicy/b spec.rules[0].to[0].operation.ports[0]']);
    expect(codes([...base, allowOn(['8080', '80'], 'notPorts')])).toEqual(['MESH613 warning AuthorizationPolicy/b spec.rules[0].to[0].operation.notPorts[1]']);
    const [f] = analyze([...base, allowOn(['80'])]).filter((x) => x.code === 'MESH613');
    expect(f.message).toContain('Service b maps 80 → 8080');
  });

  test("a NetworkPolicy's ingress port 80 on pods behind 80 → 8080 admits nothing through the Service: refused, and a warning", () => {
    expect(evaluateFlow([...base, ingressOn(80)], call('a', 'shop', 'b')).allowed).toBe(false);
    expect(codes([...base, ingressOn(80)])).toEqual(['MESH614 warning NetworkPolicy/b spec.ingress[0].ports[0].port']);
  });

  test('the pods\' own port, a port a pod declares, a named target port resolved, and pods that declare no port are not reported', () => {
    expect(evaluateFlow([...base, allowOn(['8080'])], call('a', 'shop', 'b')).allowed).toBe(true);
    expect(codes([...base, allowOn(['8080']), ingressOn(8080)])).toEqual([]);
    // A pod that also listens on 80 (declared) may well be meant.
    const both = [...app('a', 'shop'), deployment('b', 'shop', { ports: { http: 8080, admin: 80 } }), base[3]];
    expect(codes([...both, allowOn(['80']), ingressOn(80)])).toEqual([]);
    // targetPort by name: 80 → http (8080) is still another port.
    const named = [...app('a', 'shop'), deployment('b', 'shop'), { ...base[3], spec: { ...base[3].spec, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } }];
    expect(codes([...named, ingressOn(80)])).toEqual(['MESH614 warning NetworkPolicy/b spec.ingress[0].ports[0].port']);
    const undeclared = [...app('a', 'shop'), deployment('b', 'shop', { ports: {} }), base[3]];
    expect(codes([...undeclared, allowOn(['80']), ingressOn(80)])).toEqual([]);
  });
});
