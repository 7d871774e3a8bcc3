// Rules from https://kubernetes.io/docs/concepts/services-networking/network-policies/
import { evaluateFlow } from '../../../src/validate';
import { inCidr } from '../../../src/core/cidr';
import { app, call, deployment, DNS_EGRESS, namespace, networkPolicy, PROMETHEUS, service } from './fixtures';

const base = [...app('a', 'shop'), ...app('b', 'shop'), ...app('c', 'other', { labels: { role: 'client' } }), namespace('other', { team: 'x' })];

describe('NetworkPolicy (kubernetes.io network-policies)', () => {
  test('a pod no policy selects is non-isolated: the flow is allowed', () => {
    expect(evaluateFlow(base, call('a', 'shop', 'b')).allowed).toBe(true);
  });

  test('policyTypes omitted: Ingress is implied, so an empty ingress list isolates the pod', () => {
    const v = evaluateFlow([...base, networkPolicy('deny-b', 'shop', { podSelector: { matchLabels: { app: 'b' } } })], call('a', 'shop', 'b'));
    expect(v.allowed).toBe(false);
    expect(v.decidedBy).toEqual({ layer: 'NetworkPolicy ingress', kind: 'NetworkPolicy', namespace: 'shop', name: 'deny-b' });
  });

  test('policyTypes omitted: Egress is implied only when the policy has egress rules', () => {
    const noEgress = networkPolicy('p', 'shop', { podSelector: { matchLabels: { app: 'a' } }, ingress: [{}], egress: [] });
    expect(evaluateFlow([...base, noEgress], call('a', 'shop', 'b')).allowed).toBe(true);
    const withEgress = networkPolicy('p', 'shop', { podSelector: { matchLabels: { app: 'a' } }, ingress: [{}], egress: [{ to: [{ podSelector: { matchLabels: { app: 'zzz' } } }] }] });
    const v = evaluateFlow([...base, withEgress], call('a', 'shop', 'b'));
    expect(v.decidedBy?.layer).toBe('NetworkPolicy egress');
  });

  test('explicit policyTypes [Egress] with no egress rules denies all egress, leaves ingress open', () => {
    const np = networkPolicy('deny-egress', 'shop', { podSelector: {}, policyTypes: ['Egress'] });
    expect(evaluateFlow([...base, np], call('a', 'shop', 'b')).decidedBy?.layer).toBe('NetworkPolicy egress');
    expect(evaluateFlow([...base, np], call('c', 'other', 'b.shop')).allowed).toBe(true);
  });

  test('podSelector alone selects pods of the policy\'s own namespace only', () => {
    const np = networkPolicy('b-in', 'shop', { podSelector: { matchLabels: { app: 'b' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { role: 'client' } } }] }] });
    // c has role: client but lives in namespace other
    expect(evaluateFlow([...base, np], call('c', 'other', 'b.shop')).allowed).toBe(false);
  });

  test('namespaceSelector and podSelector in one element are ANDed; in two elements ORed', () => {
    const and = networkPolicy('b-in', 'shop', { podSelector: { matchLabels: { app: 'b' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'x' } }, podSelector: { matchLabels: { role: 'server' } } }] }] });
    expect(evaluateFlow([...base, and], call('c', 'other', 'b.shop')).allowed).toBe(false);
    const or = networkPolicy('b-in', 'shop', { podSelector: { matchLabels: { app: 'b' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'x' } } }, { podSelector: { matchLabels: { role: 'server' } } }] }] });
    expect(evaluateFlow([...base, or], call('c', 'other', 'b.shop')).allowed).toBe(true);
  });

  test('the kubernetes.io/metadata.name label of every namespace is implied', () => {
    const np = networkPolicy('b-in', 'shop', { podSelector: { matchLabels: { app: 'b' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'other' } } }] }] });
    expect(evaluateFlow([...base, np], call('c', 'other', 'b.shop')).allowed).toBe(true);
    expect(evaluateFlow([...base, np], call('a', 'shop', 'b')).allowed).toBe(false);
  });

  test('matchExpressions: In, NotIn, Exists, DoesNotExist', () => {
    const mk = (expr: object) => [...base, networkPolicy('b-in', 'shop', { podSelector: { matchLabels: { app: 'b' } }, ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchExpressions: [expr] } }] }] })];
    const from = call('c', 'other', 'b.shop');
    expect(evaluateFlow(mk({ key: 'role', operator: 'In', values: ['client', 'x'] }), from).allowed).toBe(true);
    expect(evaluateFlow(mk({ key: 'role', operator: 'NotIn', values: ['client'] }), from).allowed).toBe(false);
    expect(evaluateFlow(mk({ key: 'role', operator: 'Exists' }), from).allowed).toBe(true);
    expect(evaluateFlow(mk({ key: 'role', operator: 'DoesNotExist' }), from).allowed).toBe(false);
  });

  test('ports: the container port after the Service\'s targetPort, by number, range (endPort) or name; protocol TCP by default', () => {
    const mk = (ports: object[]) => [...base, networkPolicy('b-in', 'shop', { podSelector: { matchLabels: { app: 'b' } }, ingress: [{ ports }] })];
    expect(evaluateFlow(mk([{ port: 80 }]), call('a', 'shop', 'b')).allowed).toBe(false); // the Service port is not what the pod sees
    expect(evaluateFlow(mk([{ port: 8080 }]), call('a', 'shop', 'b')).allowed).toBe(true);
    expect(evaluateFlow(mk([{ port: 8000, endPort: 8100 }]), call('a', 'shop', 'b')).allowed).toBe(true);
    expect(evaluateFlow(mk([{ port: 8081, endPort: 8100 }]), call('a', 'shop', 'b')).allowed).toBe(false);
    expect(evaluateFlow(mk([{ port: 'http' }]), call('a', 'shop', 'b')).allowed).toBe(true);
    expect(evaluateFlow(mk([{ port: 'grpc' }]), call('a', 'shop', 'b')).allowed).toBe(false);
    expect(evaluateFlow(mk([{ port: 8080, protocol: 'UDP' }]), call('a', 'shop', 'b')).allowed).toBe(false);
  });

  test('egress named ports resolve against the destination pod\'s container ports', () => {
    const objs = [deployment('a', 'shop'), deployment('b', 'shop', { ports: { web: 9000 } }), service('b', 'shop', 80, 'web'),
      networkPolicy('a-out', 'shop', { podSelector: { matchLabels: { app: 'a' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'web' }] }, DNS_EGRESS] })];
    const v = evaluateFlow(objs, call('a', 'shop', 'b'));
    expect(v.allowed).toBe(true);
    expect(v.hops.join(' ')).toContain('shop/b:9000');
  });

  test('ipBlock matches a platform pod by its addresses, minus except', () => {
    const api = { name: 'kube-apiserver', namespace: 'default', labels: {}, serviceAccount: 'none', meshed: false, addresses: ['10.0.0.1'] };
    const mk = (ipBlock: object) => [deployment('job', 'shop', { inject: false }),
      networkPolicy('job-out', 'shop', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock }], ports: [{ port: 443 }] }] })];
    const flow = { source: { workload: 'job', namespace: 'shop' }, host: 'kubernetes.default.svc', port: 443, target: api, protocol: 'TCP' as const };
    expect(evaluateFlow(mk({ cidr: '10.0.0.0/24' }), flow).allowed).toBe(true);
    expect(evaluateFlow(mk({ cidr: '10.0.0.0/24', except: ['10.0.0.1/32'] }), flow).allowed).toBe(false);
    expect(evaluateFlow(mk({ cidr: '192.168.0.0/16' }), flow).allowed).toBe(false);
  });

  // IPBlock "describes a particular CIDR (Ex. "192.168.1.0/24","2001:db8::/64")":
  // https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/#IPBlock
  test.each([
    ['10.0.0.1', '10.0.0.0/24', true], ['10.0.1.1', '10.0.0.0/24', false], ['10.0.0.1', '10.0.0.1/32', true], ['10.0.0.2', '10.0.0.1/32', false],
    ['2001:db8::1', '2001:db8::/64', true], ['2001:db8:0:1::1', '2001:db8::/64', false], ['fd00:10::1', 'fd00:10::1/128', true],
    ['fd00:10::2', 'fd00:10::1/128', false], ['::ffff:10.0.0.1', '::ffff:10.0.0.0/120', true], ['2001:db8::1', '::/0', true],
    ['10.0.0.1', '::/0', false], ['2001:db8::1', '0.0.0.0/0', false], ['2001:db8:::1', '2001:db8::/64', false], ['1:2:3:4:5:6:7:8', '1:2:3:4::/64', true],
  ])('%s in %s: %s', (ip, cidr, inside) => {
    expect(inCidr(ip as string, cidr as string)).toBe(inside);
  });

  test('policies are additive: one admitting policy among several suffices, and it is named', () => {
    const objs = [...base,
      networkPolicy('default-deny', 'shop', { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: [] }),
      networkPolicy('a', 'shop', { podSelector: { matchLabels: { app: 'a' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'b' } } }] }, DNS_EGRESS] }),
      networkPolicy('b', 'shop', { podSelector: { matchLabels: { app: 'b' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'a' } } }] }] })];
    const v = evaluateFlow(objs, call('a', 'shop', 'b'));
    expect(v.allowed).toBe(true);
    expect(v.decidedBy?.name).toBe('b');
    // the reverse direction is refused by the more specific policy, not default-deny
    expect(evaluateFlow([...objs, service('a', 'shop')], call('b', 'shop', 'a')).decidedBy).toMatchObject({ layer: 'NetworkPolicy egress', name: 'default-deny' });
  });

  test('an egress-isolated application must reach kube-dns on 53/UDP to resolve the host (dns-pod-service)', () => {
    const only = (extra: object[]) => [...base, networkPolicy('a', 'shop', { podSelector: { matchLabels: { app: 'a' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'b' } } }] }, ...extra] })];
    const v = evaluateFlow(only([]), call('a', 'shop', 'b'));
    expect(v).toMatchObject({ allowed: false, decidedBy: { layer: 'NetworkPolicy egress', name: 'a' } });
    expect(v.reason).toContain('cannot resolve b');
    expect(evaluateFlow(only([DNS_EGRESS]), call('a', 'shop', 'b')).allowed).toBe(true);
    expect(evaluateFlow(only([{ ...DNS_EGRESS, ports: [{ port: 53, protocol: 'TCP' }] }]), call('a', 'shop', 'b')).allowed).toBe(false);
    // Istio's DNS proxy answers inside the pod
    expect(evaluateFlow(only([]), call('a', 'shop', 'b'), { dns: false }).allowed).toBe(true);
  });

  test('a scrape of the proxy port 15090 is refused when ingress admits only 15020 (review item 2)', () => {
    const objs = [...base, networkPolicy('b', 'shop', { podSelector: { matchLabels: { app: 'b' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } } }], ports: [{ port: 15020 }] }] })];
    const scrape = (port: number) => evaluateFlow(objs, { source: { platform: PROMETHEUS }, host: 'b.shop', port }, { platform: [PROMETHEUS] });
    expect(scrape(15020).allowed).toBe(true);
    expect(scrape(15090)).toMatchObject({ allowed: false, decidedBy: { layer: 'NetworkPolicy ingress', name: 'b' } });
  });
});
