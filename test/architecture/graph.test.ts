import { ApiObject, App, Duration, JsonPatch, Size, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import {
  Cidr, Cpu, EnvVarValue, ExportTo, ExternalService, LoadBalancer, MeshApp, MeshChart, MeshCluster, MeshService, MeshWideMtls, Retries,
  TlsOrigination,
} from '../../src';
import { find, synth } from '../util';

/** Every construct path under `scope`, sorted. */
const paths = (scope: Construct) => scope.node.findAll().map((c) => c.node.path).sort();

/** The kind and name of the ApiObject that `ApiObject.of` finds for `c`. */
const objectOf = (c: Construct) => {
  const o = ApiObject.of(c);
  return `${o.kind}/${o.name}`;
};

function app(): { app: MeshApp; chart: MeshChart } {
  const a = new MeshApp({ outdir: Testing.app().outdir });
  return { app: a, chart: new MeshChart(a, 'dev', { namespace: 'dev' }) };
}

describe('the objects of the graph constructs', () => {
  test('MeshService: its objects are children named by kind, and ApiObject.of finds each', () => {
    const { chart } = app();
    const svc = new MeshService(chart, 'order-service', { image: 'registry.example.com/order:1.0.0' });
    const child = (id: string) => objectOf(svc.node.findChild(id) as Construct);
    expect({
      ServiceAccount: child('ServiceAccount'),
      Service: child('Service'),
      Deployment: child('Deployment'),
      DestinationRule: child('DestinationRule'),
      VirtualService: child('VirtualService'),
    }).toEqual({
      ServiceAccount: 'ServiceAccount/order-service',
      Service: 'Service/order-service',
      Deployment: 'Deployment/order-service',
      DestinationRule: 'DestinationRule/order-service',
      VirtualService: 'VirtualService/order-service',
    });
  });

  test("MeshService: ApiObject.of(...).addJsonPatch on the host's DestinationRule is the user's escape hatch", () => {
    // GIVEN a service whose DestinationRule the user patches
    const { app: a, chart } = app();
    const svc = new MeshService(chart, 'order-service', { image: 'registry.example.com/order:1.0.0' });
    ApiObject.of(svc.node.findChild('DestinationRule')).addJsonPatch(JsonPatch.add('/spec/trafficPolicy/tls', { mode: 'ISTIO_MUTUAL' }));
    // THEN the rendered object carries the patch, over the lazily rendered spec
    const dr = find(synth(a), 'DestinationRule', 'order-service');
    expect(dr.spec.trafficPolicy.tls).toEqual({ mode: 'ISTIO_MUTUAL' });
    expect(dr.spec.host).toBe('order-service');
  });

  test('MeshService: a workload with no ports has no Service, DestinationRule or VirtualService child', () => {
    const { chart } = app();
    const worker = new MeshService(chart, 'worker', { image: 'registry.example.com/worker:1.0.0', ports: [] });
    expect(['Service', 'DestinationRule', 'VirtualService'].map((id) => worker.node.tryFindChild(id))).toEqual([undefined, undefined, undefined]);
    expect(objectOf(worker.node.findChild('Deployment') as Construct)).toBe('Deployment/worker');
  });

  test('ExternalService: its default child (id Resource) is the ServiceEntry; with TLS origination a DestinationRule beside it', () => {
    const { chart } = app();
    const plain = new ExternalService(chart, 'maps', { hosts: ['maps.example.com'], ports: [{ number: 443, protocol: 'TLS' }] });
    const tls = new ExternalService(chart, 'payment-provider', {
      hosts: ['api.payment-provider.example'],
      ports: [{ number: 80, protocol: 'HTTP', targetPort: 443 }],
      tls: TlsOrigination.simple({ port: 80 }),
    });
    expect(plain.node.defaultChild?.node.id).toBe('Resource');
    expect([objectOf(plain), objectOf(tls)]).toEqual(['ServiceEntry/maps', 'ServiceEntry/payment-provider']);
    expect(plain.node.tryFindChild('DestinationRule')).toBeUndefined();
    expect(objectOf(tls.node.findChild('DestinationRule') as Construct)).toBe('DestinationRule/payment-provider');
  });

  test('ExternalService: the ServiceEntry is rendered from the resolved state (names, target ports, STATIC endpoints, exportTo)', () => {
    const { app: a, chart } = app();
    new ExternalService(chart, 'ledger', {
      hosts: ['ledger.example.com'],
      ports: [{ number: 8443, protocol: 'TLS' }, { number: 80, protocol: 'HTTP', targetPort: 8080 }],
      resolution: 'STATIC',
      addresses: [Cidr.of('203.0.113.10/32')],
      exportTo: ExportTo.sameNamespace(),
    });
    expect(find(synth(a), 'ServiceEntry', 'ledger').spec).toEqual({
      hosts: ['ledger.example.com'],
      location: 'MESH_EXTERNAL',
      resolution: 'STATIC',
      ports: [{ name: 'tls-8443', number: 8443, protocol: 'TLS' }, { name: 'http-80', number: 80, protocol: 'HTTP', targetPort: 8080 }],
      endpoints: [{ address: '203.0.113.10' }],
      exportTo: ['.'],
    });
  });

  test("MeshChart: its Namespace is a child named so, and its MeshSecurity is 'Security'", () => {
    const { chart } = app();
    expect(objectOf(chart.node.findChild('Namespace') as Construct)).toBe('Namespace/dev');
    expect(chart.node.findChild('Security').node.path).toBe('dev/Security');
  });

  test('MeshCluster: created on first use by the first chart that opts in to a mesh-wide object, under the app, once; its children are the cluster-wide objects', () => {
    const a = new MeshApp({ outdir: Testing.app().outdir });
    expect(MeshCluster.lookup(a)).toBeUndefined();
    new MeshChart(a, 'plain', { namespace: 'plain' });
    expect(MeshCluster.lookup(a)).toBeUndefined();
    new MeshChart(a, 'dev', { namespace: 'dev', security: { meshMtls: MeshWideMtls.permissive() } });
    const cluster = MeshCluster.lookup(a);
    expect(cluster?.node.path).toBe('cluster');
    new MeshChart(a, 'prod', { namespace: 'prod', security: { meshMtls: MeshWideMtls.permissive() } });
    expect(MeshCluster.forApp(a)).toBe(cluster);
    expect(a.node.children.filter((c) => MeshCluster.isMeshCluster(c))).toHaveLength(1);
    const objects = cluster!.node.children.map((c) => objectOf(c as Construct)).sort();
    expect(objects).toEqual(['PeerAuthentication/default']);
  });
});

describe('lookups create nothing', () => {
  test('MeshChart.of, MeshCluster.lookup and the resolved policy leave the tree as it was', () => {
    const a = new MeshApp({ outdir: Testing.app().outdir });
    // (a chart that opts in to a mesh-wide policy, so that the app has a cluster chart to look up)
    const chart = new MeshChart(a, 'dev', { namespace: 'dev', security: { meshMtls: MeshWideMtls.permissive() } });
    const svc = new MeshService(chart, 'order-service', { image: 'registry.example.com/order:1.0.0' });
    const before = paths(a);
    expect(MeshChart.of(svc)).toBe(chart);
    expect(MeshCluster.lookup(svc)).toBe(MeshCluster.forApp(svc));
    void svc.policy;
    expect(paths(a)).toEqual(before);
  });

  test('under a plain App, MeshCluster.forApp creates nothing: each chart writes its cluster-wide objects', () => {
    const plain = new App();
    const chart = new MeshChart(plain, 'dev', { namespace: 'dev' });
    expect(MeshCluster.forApp(chart)).toBeUndefined();
    expect(MeshCluster.lookup(chart)).toBeUndefined();
    expect(plain.node.tryFindChild('cluster')).toBeUndefined();
  });
});

describe('MeshService works its defaults out once into readonly fields', () => {
  test('defaults', () => {
    const { chart } = app();
    const svc = new MeshService(chart, 'order-service', { image: 'registry.example.com/order:1.0.0' });
    expect({
      image: svc.image, version: svc.version, subset: svc.subset, replicas: svc.replicas, automount: svc.automountServiceAccountToken,
      exportTo: svc.exportTo, overrides: svc.overrides, resources: svc.resources, pod: svc.pod,
    }).toEqual({
      image: 'registry.example.com/order:1.0.0', version: 'v1', subset: 'stable', replicas: 2, automount: false,
      exportTo: undefined, overrides: {}, pod: {},
      resources: {
        cpuRequest: Cpu.millis(100), cpuLimit: Cpu.millis(500), memoryRequest: Size.mebibytes(128), memoryLimit: Size.mebibytes(512), extended: [],
      },
    });
  });

  test('given values: the service-only settings are fields, the pod shape keeps only pod options', () => {
    const { chart } = app();
    const retries = Retries.of({ attempts: 1 });
    const svc = new MeshService(chart, 'order-service', {
      image: 'img:2', timeout: Duration.seconds(3), retries, loadBalancer: LoadBalancer.roundRobin(),
      resources: { cpuLimit: Cpu.millis(1000) }, automountServiceAccountToken: true, exportTo: ExportTo.sameNamespace(),
      env: { MODE: EnvVarValue.of('fast') }, podLabels: { team: 'orders' },
    });
    expect(svc.overrides.timeout?.toSeconds()).toBe(3);
    expect(svc.overrides.retries).toBe(retries);
    expect(svc.resources).toEqual({
      cpuRequest: Cpu.millis(100), cpuLimit: Cpu.millis(1000), memoryRequest: Size.mebibytes(128), memoryLimit: Size.mebibytes(512), extended: [],
    });
    expect(svc.automountServiceAccountToken).toBe(true);
    expect(svc.exportTo?.toList('dev')).toEqual(['.']);
    expect(svc.pod).toEqual({ env: { MODE: EnvVarValue.of('fast') }, podLabels: { team: 'orders' } });
    // the tier's settings under the service's own: the resolved policy
    expect(svc.policy.timeout?.toSeconds()).toBe(3);
    expect(svc.policy.retries?.attempts).toBe(1);
  });

  test('the fields are readonly (a compile error to assign)', () => {
    const { chart } = app();
    const svc = new MeshService(chart, 'order-service', { image: 'img:1' });
    // @ts-expect-error readonly
    svc.image = 'other';
    // @ts-expect-error readonly
    svc.overrides = {};
    expect(svc.chart).toBe(chart);
  });
});
