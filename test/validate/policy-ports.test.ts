// A policy port written as the Service's port (80) where the pods receive on its target port (8080). The sidecar matches an
// AuthorizationPolicy's ports against the connection's destination port on its inbound listener (istio/api
// security/v1beta1/authorization.proto, Operation.ports; istio/istio pilot/pkg/security/authz/model/generator.go,
// destPortGenerator), and the CNI a NetworkPolicy's against "a numerical or named port on a pod"
// (https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/). The flow evaluator, which
// follows the request through the Service, refuses the call; the analysis says why without a flow.
import { analyze } from '../../src/validate/analysis';
import { evaluateFlow } from '../../src/validate';
import { app, authorizationPolicy, call, deployment, DNS_EGRESS, namespace, networkPolicy } from './flow/fixtures';

const A = 'cluster.local/ns/shop/sa/a';
const allowOn = (ports: string[], key = 'ports') => authorizationPolicy('b', 'shop', {
  selector: { matchLabels: { app: 'b' } }, rules: [{ from: [{ source: { principals: [A] } }], to: [{ operation: { [key]: ports } }] }],
});
const ingressOn = (port: number) => networkPolicy('b', 'shop', {
  podSelector: { matchLabels: { app: 'b' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'a' } } }], ports: [{ port }] }],
});
// Egress from a's pods: the CNI matches a podSelector or namespaceSelector peer against the pod a connection reaches, after
// kube-proxy's translation of the Service's address and port (https://kubernetes.io/docs/concepts/services-networking/network-policies/#behavior-of-to-and-from-selectors).
const egressOn = (ports: object[], to: object[] = [{ podSelector: { matchLabels: { app: 'b' } } }], policyTypes = ['Egress']) => networkPolicy('a', 'shop', {
  podSelector: { matchLabels: { app: 'a' } }, policyTypes, egress: [DNS_EGRESS, { to, ports }],
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

  test("a NetworkPolicy's egress port 80 to pods behind 80 → 8080 admits nothing through the Service: refused, and a warning naming the Service", () => {
    expect(evaluateFlow([...base, egressOn([{ port: 80 }])], call('a', 'shop', 'b')).allowed).toBe(false);
    expect(evaluateFlow([...base, egressOn([{ port: 8080 }])], call('a', 'shop', 'b')).allowed).toBe(true);
    expect(codes([...base, egressOn([{ port: 80 }])])).toEqual(['MESH614 warning NetworkPolicy/a spec.egress[1].ports[0].port']);
    const [f] = analyze([...base, egressOn([{ port: 80 }])]).filter((x) => x.code === 'MESH614');
    expect(f.message).toMatch(/^port 80 is a Service port \(Service shop\/b maps 80 → 8080\), but egress to the Service's pods is matched on the port they receive on/);
    // A peer by namespace (its name's label, set on every namespace, or the Namespace object's labels) selects b's pods too.
    const byName = [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } } }];
    expect(codes([...base, egressOn([{ port: 80 }], byName)])).toEqual(['MESH614 warning NetworkPolicy/a spec.egress[1].ports[0].port']);
    const byLabel = [{ namespaceSelector: { matchLabels: { team: 'shop' } }, podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['b'] }] } }];
    expect(codes([...base, namespace('shop', { team: 'shop' }), egressOn([{ port: 80 }], byLabel)]))
      .toEqual(['MESH614 warning NetworkPolicy/a spec.egress[1].ports[0].port']);
    // AND a Service in another namespace, selected by both selectors, is named with its namespace
    const other = [...app('a', 'shop'), ...app('b', 'billing')];
    const toBilling = [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'billing' } }, podSelector: { matchLabels: { app: 'b' } } }];
    expect(analyze([...other, egressOn([{ port: 80 }], toBilling)]).filter((x) => x.code === 'MESH614').map((x) => x.message))
      .toEqual([expect.stringContaining('Service billing/b maps 80 → 8080')]);
  });

  test('an egress port that is the pods\' own, a rule that admits the target port too, or peers that do not select the Service\'s pods are not reported', () => {
    expect(codes([...base, egressOn([{ port: 8080 }])])).toEqual([]);
    expect(codes([...base, egressOn([{ port: 80 }, { port: 8080 }])])).toEqual([]);
    expect(codes([...base, egressOn([{ port: 80 }, { port: 8000, endPort: 8100 }])])).toEqual([]);
    expect(codes([...base, egressOn([{ port: 80 }, { port: 'http' }])])).toEqual([]);
    // port == targetPort: the Service does not translate.
    const same = [...app('a', 'shop'), deployment('b', 'shop', { ports: { http: 80 } }), { ...base[3], spec: { ...base[3].spec, ports: [{ port: 80, targetPort: 80 }] } }];
    expect(codes([...same, egressOn([{ port: 80 }])])).toEqual([]);
    // Peers selecting other pods, another namespace, an unknown namespace label, or addresses.
    expect(codes([...base, egressOn([{ port: 80 }], [{ podSelector: { matchLabels: { app: 'c' } } }])])).toEqual([]);
    expect(codes([...base, egressOn([{ port: 80 }], [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'billing' } } }])])).toEqual([]);
    expect(codes([...base, egressOn([{ port: 80 }], [{ namespaceSelector: { matchLabels: { team: 'shop' } } }])])).toEqual([]);
    expect(codes([...base, egressOn([{ port: 80 }], [{ ipBlock: { cidr: '10.0.0.0/8' } }])])).toEqual([]);
    // A peer selecting the whole namespace, where another pod listens on 80: that pod may well be the one meant.
    const web = deployment('web', 'shop', { ports: { http: 80 } });
    expect(codes([...base, web, egressOn([{ port: 80 }], [{ namespaceSelector: {} }])])).toEqual([]);
    expect(codes([...base, egressOn([{ port: 80 }], [{ namespaceSelector: {} }])])).toEqual(['MESH614 warning NetworkPolicy/a spec.egress[1].ports[0].port']);
    // A policy whose types leave out Egress has no egress rules in force.
    expect(codes([...base, egressOn([{ port: 80 }], undefined, ['Ingress'])])).toEqual([]);
  });
});
