// A Kubernetes Service selects the WorkloadEntries of its namespace whose labels its selector matches, besides its pods:
// istiod makes each an endpoint of the Service's host (istio/istio 1.24 pilot/pkg/serviceregistry/kube/controller/
// controller.go, serviceInstancesFromWorkloadInstances and serviceInstanceFromWorkloadInstance; util.go findServiceTargetPort;
// PILOT_ENABLE_K8S_SELECT_WORKLOAD_ENTRIES, on by default). A VM serves the host beside the pods, is a member of the
// DestinationRule subsets its labels match, and is reached at its address (NetworkPolicy: an ipBlock only).
import { evaluateFlow, Manifest } from '../../../src/validate';
import { app, authorizationPolicy, call, deployment, destinationRule, DNS_EGRESS, networkPolicy, peerAuthentication, virtualService } from './fixtures';

const workloadEntry = (name: string, spec: Record<string, unknown> = {}, ns = 'shop'): Manifest => ({
  apiVersion: 'networking.istio.io/v1', kind: 'WorkloadEntry', metadata: { name, namespace: ns },
  spec: { address: '10.30.0.5', labels: { app: 'monolith', version: 'vm' }, serviceAccount: 'monolith', ...spec },
});
const client = app('client', 'shop');
const monolith = app('monolith', 'shop', { labels: { version: 'v1' } });
const toMonolith = call('client', 'shop', 'monolith.shop.svc.cluster.local', 80);
const onlyPods = networkPolicy('client-egress', 'shop', {
  podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'],
  egress: [DNS_EGRESS, { to: [{ podSelector: { matchLabels: { app: 'monolith' } } }], ports: [{ port: 8080, protocol: 'TCP' }] }],
});

describe('a Kubernetes Service selecting WorkloadEntries', () => {
  test('the VM is an endpoint of the Service\'s host beside its pods, reached at its address on the targetPort', () => {
    const v = evaluateFlow([...client, ...monolith, workloadEntry('monolith-vm-1')], toMonolith);
    expect(v.allowed).toBe(true);
    expect(v.hops).toContain('monolith.shop:80 → shop/monolith:8080');
    expect(v.hops).toContain('monolith.shop:80 → 10.30.0.5:8080 (WorkloadEntry shop/monolith-vm-1)');
    expect(v.reached).toEqual([{ namespace: 'shop', workload: 'monolith' }, { namespace: 'shop', workload: 'monolith-vm-1' }]);
  });

  test('alone, without pods, the VM serves the host', () => {
    const service = monolith[1];
    const v = evaluateFlow([...client, service, workloadEntry('monolith-vm-1')], toMonolith);
    expect(v.allowed).toBe(true);
    expect(v.reached).toEqual([{ namespace: 'shop', workload: 'monolith-vm-1' }]);
  });

  test('the caller\'s egress admitting the pods only refuses the VM; an ipBlock of its address on the port admits it', () => {
    const v = evaluateFlow([...client, ...monolith, workloadEntry('monolith-vm-1'), onlyPods], toMonolith);
    expect(v).toMatchObject({ allowed: false, decidedBy: { layer: 'NetworkPolicy egress', name: 'client-egress' } });
    expect(v.reason).toContain('egress to monolith-vm-1 on 8080/TCP');
    const withVm = networkPolicy('client-egress', 'shop', {
      ...onlyPods.spec,
      egress: [...onlyPods.spec.egress, { to: [{ ipBlock: { cidr: '10.30.0.5/32' } }], ports: [{ port: 8080, protocol: 'TCP' }] }],
    });
    expect(evaluateFlow([...client, ...monolith, workloadEntry('monolith-vm-1'), withVm], toMonolith).allowed).toBe(true);
  });

  test('the VM\'s sidecar applies the AuthorizationPolicy that selects its labels', () => {
    const deny = authorizationPolicy('vm-only', 'shop', { selector: { matchLabels: { version: 'vm' } }, action: 'ALLOW' });
    const v = evaluateFlow([...client, ...monolith, workloadEntry('monolith-vm-1'), deny], toMonolith);
    expect(v).toMatchObject({ allowed: false, decidedBy: { layer: 'AuthorizationPolicy', name: 'vm-only' } });
  });

  test('a subset selects the VMs by their labels: a route to subset v1 reaches the pods only, to subset vm the VM only', () => {
    const dr = destinationRule('monolith', 'shop', {
      host: 'monolith.shop.svc.cluster.local',
      subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'vm', labels: { version: 'vm' } }],
    });
    const route = (subset: string) => virtualService('monolith', 'shop', {
      hosts: ['monolith.shop.svc.cluster.local'], http: [{ route: [{ destination: { host: 'monolith.shop.svc.cluster.local', subset } }] }],
    });
    const base = [...client, ...monolith, workloadEntry('monolith-vm-1'), dr];
    expect(evaluateFlow([...base, route('v1')], toMonolith).reached).toEqual([{ namespace: 'shop', workload: 'monolith' }]);
    expect(evaluateFlow([...base, route('vm')], toMonolith).reached).toEqual([{ namespace: 'shop', workload: 'monolith-vm-1' }]);
  });

  test('the endpoint port: the WorkloadEntry\'s port named as the Service port overrides a numbered targetPort', () => {
    const v = evaluateFlow([...client, ...monolith, workloadEntry('monolith-vm-1', { ports: { http: 9080 } })], toMonolith);
    expect(v.hops).toContain('monolith.shop:80 → 10.30.0.5:9080 (WorkloadEntry shop/monolith-vm-1)');
  });

  test('a named targetPort is the WorkloadEntry\'s port of that name; without it the VM is no endpoint of the port', () => {
    const named = { ...monolith[1], spec: { ...monolith[1].spec, ports: [{ name: 'http', port: 80, targetPort: 'web' }] } };
    const pods = deployment('monolith', 'shop', { labels: { version: 'v1' }, ports: { web: 8080 } });
    const given = evaluateFlow([...client, pods, named, workloadEntry('monolith-vm-1', { ports: { web: 9090 } })], toMonolith);
    expect(given.hops).toContain('monolith.shop:80 → 10.30.0.5:9090 (WorkloadEntry shop/monolith-vm-1)');
    const none = evaluateFlow([...client, named, workloadEntry('monolith-vm-1')], toMonolith);
    expect(none).toMatchObject({ allowed: false, decidedBy: { layer: 'no endpoint', kind: 'Service', name: 'monolith' } });
  });

  test('a headless Service, a WorkloadEntry of another namespace or without the selector\'s labels is not selected', () => {
    const headless = { ...monolith[1], spec: { ...monolith[1].spec, clusterIP: 'None' } };
    const deny = authorizationPolicy('vm-only', 'shop', { selector: { matchLabels: { version: 'vm' } }, action: 'ALLOW' });
    expect(evaluateFlow([...client, monolith[0], headless, workloadEntry('monolith-vm-1'), deny], toMonolith).allowed).toBe(true);
    const elsewhere = workloadEntry('monolith-vm-1', {}, 'other');
    expect(evaluateFlow([...client, ...monolith, elsewhere], toMonolith).reached).toEqual([{ namespace: 'shop', workload: 'monolith' }]);
    const unlabelled = workloadEntry('monolith-vm-1', { labels: { version: 'vm' } });
    expect(evaluateFlow([...client, ...monolith, unlabelled], toMonolith).reached).toEqual([{ namespace: 'shop', workload: 'monolith' }]);
  });

  test('STRICT refuses a VM without a ServiceAccount: auto mTLS sends it plaintext', () => {
    const strict = peerAuthentication('default', 'shop', { mtls: { mode: 'STRICT' } });
    const v = evaluateFlow([...client, ...monolith, workloadEntry('monolith-vm-1', { serviceAccount: undefined }), strict], toMonolith);
    expect(v).toMatchObject({ allowed: false, decidedBy: { layer: 'mTLS' } });
    expect(v.reason).toContain('monolith-vm-1');
  });

  test('a VM is a flow\'s source by its WorkloadEntry\'s name; the callee\'s ingress NetworkPolicy admits it by an ipBlock only', () => {
    const fromVm = call('monolith-vm-1', 'shop', 'client.shop.svc.cluster.local', 80);
    const bySelector = networkPolicy('client-ingress', 'shop', {
      podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'monolith' } } }] }],
    });
    const base = [...client, monolith[1], workloadEntry('monolith-vm-1')];
    const refusedFlow = evaluateFlow([...base, bySelector], fromVm);
    expect(refusedFlow).toMatchObject({ allowed: false, decidedBy: { layer: 'NetworkPolicy ingress', name: 'client-ingress' } });
    expect(refusedFlow.hops[0]).toBe('shop/monolith-vm-1');
    const byIp = networkPolicy('client-ingress', 'shop', {
      podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ ipBlock: { cidr: '10.30.0.5/32' } }] }],
    });
    const allow = authorizationPolicy('client', 'shop', {
      selector: { matchLabels: { app: 'client' } }, rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/monolith'] } }] }],
    });
    expect(evaluateFlow([...base, byIp, allow], fromVm)).toMatchObject({ allowed: true, decidedBy: { layer: 'AuthorizationPolicy', name: 'client' } });
  });
});
