import { JsonPatch } from 'cdk8s';
import { MeshService, MtlsMode, RemoteService, ServiceSecurity, ServiceType, VirtualMachineGroup, VirtualMachineGroupProps } from '../../src';
import { evaluateFlow } from '../../src/validate';
import { find, meshChart, synth, synthError } from '../util';

/** The migration: the monolith on a Deployment and on two VMs, one host; a storefront calls it, it calls inventory. */
function shop(props: Partial<VirtualMachineGroupProps> = {}, replicas?: number) {
  const { app, chart } = meshChart({ namespace: 'shop' }, 'shop');
  const monolith = new MeshService(chart, 'monolith', { image: 'monolith:1', ...(replicas !== undefined ? { replicas } : {}) });
  const storefront = new MeshService(chart, 'storefront', { image: 'storefront:1' });
  const inventory = new MeshService(chart, 'inventory', { image: 'inventory:1' });
  storefront.calls(monolith, { methods: ['GET'], paths: ['/orders/*'] });
  const vms = new VirtualMachineGroup(chart, 'monolith-vm', {
    service: monolith,
    machines: [{ name: 'a', address: '10.30.0.5' }, { name: 'b', address: '10.30.0.6', locality: 'eu-west1/eu-west1-b' }],
    ...props,
  });
  vms.calls(inventory, { methods: ['POST'], paths: ['/reservations'] });
  return { app, chart, monolith, storefront, inventory, vms };
}

describe('VirtualMachineGroup', () => {
  test('a WorkloadGroup and one WorkloadEntry per VM, labelled as the service\'s pods; callers\' egress and callees\' ingress admit the VMs', () => {
    const out = synth(shop().app);
    expect({
      workloadGroup: find(out, 'WorkloadGroup', 'monolith-vm'),
      workloadEntries: [find(out, 'WorkloadEntry', 'monolith-vm-a'), find(out, 'WorkloadEntry', 'monolith-vm-b')],
      storefrontEgress: find(out, 'NetworkPolicy', 'storefront').spec.egress,
      inventoryIngress: find(out, 'NetworkPolicy', 'inventory').spec.ingress,
    }).toMatchSnapshot();
  });

  test('the values that matter: address, the service\'s selector label and version, its ServiceAccount, the port per Service port', () => {
    const out = synth(shop().app);
    const entry = find(out, 'WorkloadEntry', 'monolith-vm-a');
    expect(entry.spec).toEqual({ address: '10.30.0.5', labels: { app: 'monolith', version: 'v1' }, ports: { 'http': 8080 }, serviceAccount: 'monolith' });
    expect(find(out, 'Service', 'monolith').spec.selector).toEqual({ app: 'monolith' });
    expect(find(out, 'WorkloadGroup', 'monolith-vm').spec.template).toEqual({ serviceAccount: 'monolith', ports: { http: 8080 } });
    expect(find(out, 'NetworkPolicy', 'storefront').spec.egress).toContainEqual({
      to: [{ ipBlock: { cidr: '10.30.0.5/32' } }, { ipBlock: { cidr: '10.30.0.6/32' } }], ports: [{ port: 8080, protocol: 'TCP' }],
    });
    expect(find(out, 'NetworkPolicy', 'inventory').spec.ingress).toContainEqual({
      from: [{ ipBlock: { cidr: '10.30.0.5/32' } }, { ipBlock: { cidr: '10.30.0.6/32' } }], ports: [{ port: 8080, protocol: 'TCP' }],
    });
  });

  test('ports: the VMs listen on another port than the pods; the WorkloadEntry names it and the callers\' egress admits it', () => {
    const out = synth(shop({ ports: { 80: 9080 } }).app);
    expect(find(out, 'WorkloadEntry', 'monolith-vm-a').spec.ports).toEqual({ http: 9080 });
    expect(find(out, 'NetworkPolicy', 'storefront').spec.egress).toContainEqual({
      to: [{ ipBlock: { cidr: '10.30.0.5/32' } }, { ipBlock: { cidr: '10.30.0.6/32' } }], ports: [{ port: 9080, protocol: 'TCP' }],
    });
  });

  test('the calls to the host reach the VMs in the flows; without the egress to their addresses they would be refused', () => {
    const { app } = shop();
    const out = synth(app);
    const flow = { source: { workload: 'storefront', namespace: 'shop' }, host: 'monolith', port: 80, method: 'GET' as const, path: '/orders/1' };
    const v = evaluateFlow(out, flow);
    expect(v.allowed).toBe(true);
    expect(v.reached).toEqual(expect.arrayContaining([{ namespace: 'shop', workload: 'monolith-vm-a' }, { namespace: 'shop', workload: 'monolith-vm-b' }]));
    const withoutVmEgress = out.map((m) => m.kind === 'NetworkPolicy' && m.metadata.name === 'storefront'
      ? { ...m, spec: { ...m.spec, egress: m.spec.egress.filter((r: any) => !r.to?.some((p: any) => p.ipBlock?.cidr === '10.30.0.5/32')) } } : m);
    expect(evaluateFlow(withoutVmEgress, flow)).toMatchObject({ allowed: false, decidedBy: { layer: 'NetworkPolicy egress', name: 'storefront' } });
  });

  test('the VMs\' calls are intended flows from each VM, proved at synth; the callee admits them by the service\'s principal', () => {
    const { app, chart, vms } = shop();
    const flows = chart.intendedFlows().filter((f) => f.constructPath === vms.node.path);
    expect(flows.map((f) => [('workload' in f.source) && f.source.workload, f.host, f.method, f.path])).toEqual([
      ['monolith-vm-a', 'inventory', 'POST', '/reservations'],
      ['monolith-vm-b', 'inventory', 'POST', '/reservations'],
    ]);
    const out = synth(app);
    const v = evaluateFlow(out, { ...flows[0], source: { workload: 'monolith-vm-a', namespace: 'shop' } });
    expect(v).toMatchObject({ allowed: true, decidedBy: { layer: 'AuthorizationPolicy', name: 'inventory-policy' } });
    expect(vms.principal?.toString()).toBe('cluster.local/ns/shop/sa/monolith');
  });

  test('synth fails when the callee\'s NetworkPolicy does not admit the VMs (the flow from each VM is checked)', () => {
    const { app, inventory } = shop();
    // A hand-made admission by pod labels only, as before VMs: remove the ipBlock rule through the escape hatch.
    ServiceSecurity.of(inventory).networkPolicy.addJsonPatch(JsonPatch.remove('/spec/ingress/1'));
    expect(synthError(app)).toMatch(/monolith's VM monolith-vm-a calls inventory POST \/reservations[^\n]*MESH600/);
  });

  test('a version of its own gets a subset, which routes may name; the service\'s version joins its current subset', () => {
    const out = synth(shop({ version: 'vm' }).app);
    expect(find(out, 'DestinationRule', 'monolith').spec.subsets).toEqual(expect.arrayContaining([
      expect.objectContaining({ name: 'stable', labels: { version: 'v1' } }), expect.objectContaining({ name: 'vm', labels: { version: 'vm' } }),
    ]));
    expect(find(out, 'WorkloadEntry', 'monolith-vm-a').spec.labels).toEqual({ app: 'monolith', version: 'vm' });
    const same = synth(shop().app);
    expect(find(same, 'DestinationRule', 'monolith').spec.subsets.map((s: any) => s.name)).toEqual(['stable']);
  });

  test('alone: a service of no replicas whose VMs serve its host', () => {
    const { app } = shop({}, 0);
    const out = synth(app);
    const v = evaluateFlow(out, { source: { workload: 'storefront', namespace: 'shop' }, host: 'monolith', port: 80, method: 'GET', path: '/orders/1' });
    expect(v.allowed).toBe(true);
    expect(v.hops).toContain('monolith.shop:80 subset stable → 10.30.0.5:8080 (WorkloadEntry shop/monolith-vm-a)');
  });

  test.each([
    ['an address that is a CIDR', { machines: [{ name: 'a', address: '10.30.0.0/24' }] }, /machines\[0\]\.address: '10\.30\.0\.0\/24' is a CIDR range[^\n]*MESH221/],
    ['a host name', { machines: [{ name: 'a', address: 'vm.example.com' }] }, /machines\[0\]\.address: 'vm\.example\.com' is not an IP address[^\n]*MESH221/],
    ['two VMs at one address', { machines: [{ name: 'a', address: '10.30.0.5' }, { name: 'b', address: '10.30.0.5' }] },
      /machines\[1\]\.address: 10\.30\.0\.5 is also the address of [^\n]*machines\[0\][^\n]*MESH222/],
    ['two VMs of one name', { machines: [{ name: 'a', address: '10.30.0.5' }, { name: 'a', address: '10.30.0.6' }] }, /machines\[1\]\.name: WorkloadEntry monolith-vm-a is also[^\n]*MESH222/],
    ['an app label of another service', { labels: { app: 'legacy' } }, /labels\.app: the service's Service selects app: monolith[^\n]*MESH223/],
    ['a version label', { machines: [{ name: 'a', address: '10.30.0.5', labels: { version: 'v2' } }] }, /machines\[0\]\.labels\.version: [^\n]*MESH223/],
    ['a TLS mode label', { labels: { 'security.istio.io/tlsMode': 'disabled' } }, /labels\.security\.istio\.io\/tlsMode: [^\n]*MESH223/],
    ['a port the service lacks', { ports: { 81: 9080 } }, /ports\.81: monolith has no port 81[^\n]*MESH225/],
    ['a listening port out of range', { ports: { 80: 70000 } }, /ports\.80: 70000 is not a port number[^\n]*MESH225/],
    ['no VM', { machines: [] }, /machines: a VirtualMachineGroup needs at least one VM[^\n]*MESH226/],
    ['a bad VM name', { machines: [{ name: 'A_1', address: '10.30.0.5' }] }, /machines\[0\]\.name: 'A_1' is not a DNS-1123 label[^\n]*MESH226/],
  ] as [string, Partial<VirtualMachineGroupProps>, RegExp][])('%s fails synth with the construct path, the field and the code', (_, props, message) => {
    const error = synthError(shop(props).app);
    expect(error).toMatch(/shop\/monolith-vm/);
    expect(error).toMatch(message);
  });

  test('a second group of the service at an address of the first fails (MESH222)', () => {
    const { app, chart, monolith } = shop();
    new VirtualMachineGroup(chart, 'monolith-vm2', { service: monolith, machines: [{ name: 'c', address: '10.30.0.6' }] });
    expect(synthError(app)).toMatch(/shop\/monolith-vm2[^\n]*machines\[0\]\.address: 10\.30\.0\.6 is also the address of shop\/monolith-vm machines\[1\][^\n]*MESH222/);
  });

  test('a service whose Service cannot select WorkloadEntries: headless (ServiceType.headless()) fails (MESH224)', () => {
    const { app, chart } = meshChart({ namespace: 'shop' }, 'shop');
    const db = new MeshService(chart, 'db', { image: 'db:1', ports: [{ port: 5432, protocol: 'tcp' }], service: { type: ServiceType.headless() } });
    new VirtualMachineGroup(chart, 'db-vm', { service: db, machines: [{ name: 'a', address: '10.30.0.5' }] });
    expect(synthError(app)).toMatch(/shop\/db-vm[^\n]*service: db's Service is headless[^\n]*MESH224/);
  });

  test('a service without ports has no Service to select the VMs (MESH224)', () => {
    const { app, chart } = meshChart({ namespace: 'shop' }, 'shop');
    const worker = new MeshService(chart, 'worker', { image: 'worker:1', ports: [] });
    new VirtualMachineGroup(chart, 'worker-vm', { service: worker, machines: [{ name: 'a', address: '10.30.0.5' }] });
    expect(synthError(app)).toMatch(/shop\/worker-vm[^\n]*service: worker writes no Service of its own \(no ports\)[^\n]*MESH224/);
  });

  describe('VMs without a sidecar (sidecar: false) hold no identity', () => {
    function plain(namespaceMtls: MtlsMode | undefined, inject: boolean) {
      const { app, chart } = meshChart({ namespace: 'shop', ...(namespaceMtls ? { security: { namespaceMtls } } : {}) }, 'shop');
      const legacy = new MeshService(chart, 'legacy', { image: 'legacy:1', ...(inject ? {} : { sidecar: { inject: false } }) });
      const storefront = new MeshService(chart, 'storefront', { image: 'storefront:1' });
      storefront.calls(legacy, { methods: ['GET'] });
      const vms = new VirtualMachineGroup(chart, 'legacy-vm', { service: legacy, sidecar: false, machines: [{ name: 'a', address: '10.30.0.5' }] });
      return { app, vms };
    }

    test('beside pods without a sidecar, on PERMISSIVE ports: no ServiceAccount, tlsMode disabled, no WorkloadGroup; callers reach them', () => {
      const { app, vms } = plain(MtlsMode.permissive(), false);
      const out = synth(app);
      expect(find(out, 'WorkloadEntry', 'legacy-vm-a').spec).toEqual({
        address: '10.30.0.5', labels: { 'app': 'legacy', 'version': 'v1', 'security.istio.io/tlsMode': 'disabled' }, ports: { http: 8080 },
      });
      expect(out.filter((m) => m.kind === 'WorkloadGroup')).toEqual([]);
      expect(vms.principal).toBeUndefined();
      const v = evaluateFlow(out, { source: { workload: 'storefront', namespace: 'shop' }, host: 'legacy', port: 80, method: 'GET', path: '/' });
      expect(v.allowed).toBe(true);
      expect(v.reached).toContainEqual({ namespace: 'shop', workload: 'legacy-vm-a' });
    });

    test('beside a meshed service, whose DestinationRule sends Istio mTLS, fails (MESH228)', () => {
      expect(synthError(plain(MtlsMode.permissive(), true).app)).toMatch(/shop\/legacy-vm[^\n]*sidecar: legacy's pods run a sidecar[^\n]*MESH228/);
    });

    test('under STRICT mTLS fails (MESH228)', () => {
      expect(synthError(plain(undefined, false).app)).toMatch(/shop\/legacy-vm[^\n]*sidecar: legacy's mTLS is STRICT on port 80[^\n]*MESH228/);
    });
  });

  test('a service with VMs that calls another team\'s service fails (MESH227)', () => {
    const { app, monolith, chart } = shop();
    const catalog = new RemoteService(chart, 'catalog', { namespace: 'catalog', ports: [{ port: 80, targetPort: 8080, protocol: 'http' }] });
    monolith.calls(catalog, { methods: ['GET'] });
    expect(synthError(app)).toMatch(/shop\/monolith-vm[^\n]*service: monolith calls catalog\/catalog, another team's service[^\n]*MESH227/);
  });
});
