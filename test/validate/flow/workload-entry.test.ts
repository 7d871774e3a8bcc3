// A MESH_INTERNAL ServiceEntry whose workloadSelector selects WorkloadEntries (VMs in the mesh) sends its
// traffic to their sidecars, as istiod makes their endpoints (istio/istio 1.24
// pilot/pkg/serviceregistry/serviceentry/controller.go buildServiceInstances, conversion.go convertEndpoint):
// the VMs' PeerAuthentication and AuthorizationPolicies apply, NetworkPolicy does not (a VM is no pod).
// https://istio.io/latest/docs/reference/config/networking/service-entry/ (workloadSelector)
// https://istio.io/latest/docs/reference/config/networking/workload-entry/
import { evaluateFlow, Manifest } from '../../../src/validate';
import { app, authorizationPolicy, call, networkPolicy, peerAuthentication } from './fixtures';

const entry = (name: string, ns: string, spec: Record<string, unknown>): Manifest => ({
  apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name, namespace: ns }, spec,
});
const workloadEntry = (name: string, ns: string, spec: Record<string, unknown>): Manifest => ({
  apiVersion: 'networking.istio.io/v1', kind: 'WorkloadEntry', metadata: { name, namespace: ns }, spec,
});

const client = app('client', 'shop');
const vmEntry = (location = 'MESH_INTERNAL', selector: Record<string, string> = { app: 'vm-app' }) => entry('vm-app', 'shop', {
  hosts: ['vm-app.shop.mesh'], location, resolution: 'STATIC',
  ports: [{ number: 8080, name: 'http', protocol: 'HTTP' }], workloadSelector: { labels: selector },
});
const vm = (spec: Record<string, unknown> = {}, name = 'vm-app-1', ns = 'shop') =>
  workloadEntry(name, ns, { address: '10.30.0.5', labels: { app: 'vm-app' }, serviceAccount: 'vm-app', ...spec });
const denyAll = authorizationPolicy('vm-deny-all', 'shop', { selector: { matchLabels: { app: 'vm-app' } }, action: 'ALLOW' });
const toVm = call('client', 'shop', 'vm-app.shop.mesh', 8080);

describe('a MESH_INTERNAL ServiceEntry selecting WorkloadEntries', () => {
  test('the VM\'s AuthorizationPolicy refuses at its sidecar, reached at the WorkloadEntry\'s address', () => {
    const v = evaluateFlow([...client, vmEntry(), vm(), denyAll], toVm);
    expect(v).toMatchObject({ allowed: false, decidedBy: { layer: 'AuthorizationPolicy', kind: 'AuthorizationPolicy', name: 'vm-deny-all' } });
    expect(v.hops).toContain('ServiceEntry shop/vm-app → 10.30.0.5:8080 (WorkloadEntry shop/vm-app-1)');
  });

  test('a policy admitting the client\'s principal lets it in: the VM is reached and the client sent Istio mTLS', () => {
    const allow = authorizationPolicy('vm-allow', 'shop', {
      selector: { matchLabels: { app: 'vm-app' } },
      rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/client'] } }] }],
    });
    const v = evaluateFlow([...client, vmEntry(), vm(), allow], toVm);
    expect(v).toMatchObject({ allowed: true, decidedBy: { kind: 'AuthorizationPolicy', name: 'vm-allow' } });
    expect(v.reached).toEqual([{ namespace: 'shop', workload: 'vm-app-1' }]);
  });

  test('the endpoint port is the WorkloadEntry\'s port named as the entry\'s port (convertEndpoint)', () => {
    const v = evaluateFlow([...client, vmEntry(), vm({ ports: { http: 9080 } })], toVm);
    expect(v.allowed).toBe(true);
    expect(v.hops).toContain('ServiceEntry shop/vm-app → 10.30.0.5:9080 (WorkloadEntry shop/vm-app-1)');
  });

  test('the client\'s egress NetworkPolicy admits the VM by an ipBlock of its address only, not by a podSelector', () => {
    const bySelector = networkPolicy('client-egress', 'shop', {
      podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'vm-app' } } }] }],
    });
    expect(evaluateFlow([...client, vmEntry(), vm(), bySelector], toVm)).toMatchObject({ allowed: false, decidedBy: { layer: 'NetworkPolicy egress' } });
    const byIp = networkPolicy('client-egress', 'shop', {
      podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.30.0.0/16' } }] }],
    });
    expect(evaluateFlow([...client, vmEntry(), vm(), byIp], toVm).allowed).toBe(true);
  });

  test('an ingress NetworkPolicy whose selector matches the VM\'s labels does not apply to it (a VM is no pod)', () => {
    const isolate = networkPolicy('deny-all', 'shop', { podSelector: {}, policyTypes: ['Ingress'] });
    const v = evaluateFlow([...client, vmEntry(), vm(), isolate], toVm);
    expect(v.allowed).toBe(true);
    expect(v.reason).toContain('vm-app-1 is outside the cluster\'s pods: no NetworkPolicy applies to it (ingress)');
  });

  test('STRICT mTLS on the VM refuses a WorkloadEntry without a ServiceAccount: auto mTLS sends it plaintext', () => {
    // getTLSModeFromWorkloadEntry: no security.istio.io/tlsMode label and no ServiceAccount is tlsMode `disabled`.
    const strict = peerAuthentication('default', 'shop', { mtls: { mode: 'STRICT' } });
    const v = evaluateFlow([...client, vmEntry(), vm({ serviceAccount: undefined }), strict], toVm);
    expect(v).toMatchObject({ allowed: false, decidedBy: { layer: 'mTLS', name: 'default' } });
    expect(v.reason).toContain('auto mTLS sends plaintext to vm-app-1, whose endpoint\'s TLS mode is disabled');
    expect(evaluateFlow([...client, vmEntry(), vm(), strict], toVm).allowed).toBe(true);
  });

  test('a WorkloadEntry labelled security.istio.io/tlsMode: disabled runs no sidecar: its AuthorizationPolicy does not apply', () => {
    const v = evaluateFlow([...client, vmEntry(), vm({ labels: { 'app': 'vm-app', 'security.istio.io/tlsMode': 'disabled' } }), denyAll], toVm);
    expect(v.allowed).toBe(true);
    expect(v.reason).toContain('vm-app-1 has no sidecar');
  });

  test('only WorkloadEntries of the entry\'s namespace are selected; none selected is no endpoint', () => {
    const v = evaluateFlow([...client, vmEntry(), vm({}, 'vm-app-1', 'other')], toVm);
    expect(v).toMatchObject({ allowed: false, decidedBy: { layer: 'no endpoint', kind: 'ServiceEntry', name: 'vm-app' } });
  });

  test('a workloadSelector also selects the Pods of its namespace, whose NetworkPolicy applies', () => {
    const pods = app('vm-app', 'shop');
    const isolate = networkPolicy('deny-all', 'shop', { podSelector: { matchLabels: { app: 'vm-app' } }, policyTypes: ['Ingress'] });
    const v = evaluateFlow([...client, ...pods, vmEntry(), isolate], toVm);
    expect(v).toMatchObject({ allowed: false, decidedBy: { layer: 'NetworkPolicy ingress', name: 'deny-all' } });
  });

  test('a WorkloadEntry with a network and no address is reached through its network\'s gateway, with Istio mTLS only', () => {
    // ep_filters.go, EndpointsByNetworkFilter: "Cross-network traffic relies on mTLS to be enabled for SNI routing".
    const remote = (spec: Record<string, unknown>) => vm({ address: undefined, network: 'vm-net', ...spec });
    const v = evaluateFlow([...client, vmEntry(), remote({})], toVm);
    expect(v.allowed).toBe(true);
    expect(v.hops).toContain('ServiceEntry shop/vm-app → vm-app-1:8080 (WorkloadEntry shop/vm-app-1), through network vm-net\'s gateway');
    const plain = evaluateFlow([...client, vmEntry(), remote({ serviceAccount: undefined })], toVm);
    expect(plain).toMatchObject({ allowed: false, decidedBy: { layer: 'mTLS', kind: 'ServiceEntry', name: 'vm-app' } });
    expect(plain.reason).toContain('its network\'s gateway forwards Istio mTLS only, and the client sends plaintext (its TLS mode is disabled)');
  });

  test('a MESH_EXTERNAL entry keeps its hosts outside the mesh', () => {
    const v = evaluateFlow([...client, vmEntry('MESH_EXTERNAL'), vm(), denyAll], toVm);
    expect(v).toMatchObject({ allowed: true, decidedBy: { layer: 'routing', kind: 'ServiceEntry' } });
    expect(v.reason).toContain('outside the mesh\'s workloads');
  });
});

describe('a MESH_INTERNAL ServiceEntry with labelled endpoints', () => {
  const legacy = (endpoint: Record<string, unknown>) => entry('legacy', 'shop', {
    hosts: ['legacy.shop.mesh'], location: 'MESH_INTERNAL', resolution: 'STATIC',
    ports: [{ number: 8080, name: 'http', protocol: 'HTTP', targetPort: 8081 }], endpoints: [{ address: '10.40.0.9', ...endpoint }],
  });
  const deny = authorizationPolicy('legacy-deny', 'shop', { selector: { matchLabels: { app: 'legacy' } }, action: 'ALLOW' });
  const toLegacy = call('client', 'shop', 'legacy.shop.mesh', 8080);

  test('an endpoint with labels and a ServiceAccount is a workload of the entry\'s namespace: its policy applies', () => {
    const v = evaluateFlow([...client, legacy({ labels: { app: 'legacy' }, serviceAccount: 'legacy' }), deny], toLegacy);
    expect(v).toMatchObject({ allowed: false, decidedBy: { kind: 'AuthorizationPolicy', name: 'legacy-deny' } });
    expect(v.hops).toContain('ServiceEntry shop/legacy → 10.40.0.9:8081 (ServiceEntry endpoint shop/legacy[0])');
  });

  test('an endpoint with an address only is outside the mesh\'s workloads, as before', () => {
    const v = evaluateFlow([...client, legacy({}), deny], toLegacy);
    expect(v).toMatchObject({ allowed: true, decidedBy: { layer: 'routing', kind: 'ServiceEntry', name: 'legacy' } });
  });
});
