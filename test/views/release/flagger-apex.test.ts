// The apex Service of a service Flagger releases: Flagger generates it from the Canary's spec.service, so the library
// writes none (fluxcd/flagger pkg/router/kubernetes_default.go Reconcile/reconcileService; fluxcd/flagger issue 680).
import { Duration } from 'cdk8s';
import { Cidr, ExportTo, FlaggerCanary, FlaggerCanaryProps, MeshService, ServiceType } from '../../../src';
import { checkIntendedFlows, FlowEvaluator, validateManifests } from '../../../src/validate';
import { ClusterModel } from '../../../src/validate/model/cluster-model';
import { find, meshChart, synth, synthError } from '../../util';

const ANALYSIS: Omit<FlaggerCanaryProps, 'service'> = { interval: Duration.minutes(5), stepWeights: [10, 30, 50, 80] };

/** orders (released by Flagger, with `ordersProps`) and web, which calls it with GET and POST. */
function setup(ordersProps: Record<string, any> = {}) {
  const { app, chart } = meshChart();
  const orders = new MeshService(chart, 'orders', { image: 'orders:1', ...ordersProps });
  const web = new MeshService(chart, 'web', { image: 'web:1' });
  web.calls(orders, { methods: ['GET', 'POST'] });
  new FlaggerCanary(chart, 'orders-flagger', { service: orders, ...ANALYSIS });
  return { app, chart, orders, web };
}

const services = (m: Record<string, any>[], name: string) => m.filter((x) => x.kind === 'Service' && x.metadata.name === name);

describe("a Flagger-released service's apex Service", () => {
  test("is not written: Flagger generates it, and the Canary's spec.service.apex carries the Service's labels and annotations", () => {
    // GIVEN a released service whose Service has labels and annotations of its own, restricted to its namespace
    const { app } = setup({
      service: { labels: { team: 'orders' }, annotations: { 'example.com/owner': 'orders' } }, exportTo: ExportTo.sameNamespace(),
    });
    // WHEN synthesized
    const m = synth(app);
    // THEN no Service orders is written (every apply would point it back at the canary's pods), while web's still is
    expect(services(m, 'orders')).toEqual([]);
    expect(services(m, 'web')).toHaveLength(1);
    // AND the Canary carries what the library would have written on it
    expect(find(m, 'Canary', 'orders').spec.service).toMatchObject({
      port: 80,
      targetPort: 8080,
      apex: {
        labels: { 'app': 'orders', 'app.kubernetes.io/name': 'orders', 'app.kubernetes.io/managed-by': 'cdk8s-mesh', 'team': 'orders' },
        annotations: { 'example.com/owner': 'orders', 'networking.istio.io/exportTo': '.' },
      },
    });
    expect(find(m, 'Canary', 'orders').spec.service.headless).toBeUndefined();
    // AND the hosts Flagger's VirtualService sends the apex's callers to are exported as narrowly as the apex
    expect(find(m, 'Canary', 'orders').spec.service).toMatchObject({
      primary: { annotations: { 'networking.istio.io/exportTo': '.' } }, canary: { annotations: { 'networking.istio.io/exportTo': '.' } },
    });
  });

  test('declared calls still verify: over the cluster Flagger runs, web reaches the primary and the canary through the apex', () => {
    const { app, chart } = setup();
    const m = synth(app);
    const evaluator = new FlowEvaluator(m, { platform: chart.platform.workloads(chart.namespace), trustDomain: chart.platform.trustDomain });
    const calls = chart.intendedFlows().filter((f) => 'workload' in f.source && f.source.workload === 'web' && f.host === 'orders');
    expect(calls.map((f) => `${f.method} ${f.expect}`)).toEqual(expect.arrayContaining(['GET allow', 'POST allow']));
    expect(checkIntendedFlows(evaluator, chart.intendedFlows())).toEqual([]);
    const hops = evaluator.evaluate(calls.find((f) => f.method === 'POST')!).hops.join(' | ');
    expect(hops).toContain('orders-primary.production:80 → production/orders-primary:8080');
    expect(hops).toContain('orders-canary.production:80 → production/orders:8080');
  });

  test("the model derives the apex from the Canary: in the manifests as written (the target's pods) and as Flagger runs them", () => {
    const m = synth(setup({ exportTo: ExportTo.sameNamespace() }).app);
    const files = ClusterModel.of(m);
    // Indexed for the checks over the manifests as written, without being one of them.
    expect(files.services.get('orders.production.svc.cluster.local')?.manifest).toMatchObject({
      spec: { type: 'ClusterIP', selector: { app: 'orders' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
      metadata: { annotations: { 'networking.istio.io/exportTo': '.' } },
    });
    expect(files.all.filter((x) => x.kind === 'Service' && x.metadata.name === 'orders')).toEqual([]);
    // As Flagger runs it: the primary's pods, Flagger's labels and the apex metadata.
    const apex = files.running().services.get('orders.production.svc.cluster.local')!.manifest;
    expect(apex.spec.selector).toEqual({ app: 'orders-primary' });
    expect(apex.metadata.labels).toMatchObject({ 'app': 'orders', 'app.kubernetes.io/name': 'orders' });
    expect(apex.metadata.annotations).toEqual({ 'networking.istio.io/exportTo': '.' });
    for (const host of ['orders-primary', 'orders-canary']) {
      expect(files.running().services.get(`${host}.production.svc.cluster.local`)!.manifest.metadata.annotations)
        .toEqual({ 'networking.istio.io/exportTo': '.' });
    }
    // No MESH315 on the library's output.
    expect(validateManifests(m).filter((f) => f.code === 'MESH315')).toEqual([]);
  });

  test('a headless Service: spec.service.headless, and Flagger\'s Services are headless in the model', () => {
    const m = synth(setup({ service: { type: ServiceType.headless() }, ports: [{ port: 8080 }] }).app);
    expect(services(m, 'orders')).toEqual([]);
    expect(find(m, 'Canary', 'orders').spec.service).toMatchObject({ port: 8080, headless: true });
    expect(ClusterModel.of(m).running().services.get('orders.production.svc.cluster.local')!.manifest.spec.clusterIP).toBe('None');
  });
});

describe('MESH314: what the apex Flagger generates cannot carry fails synth', () => {
  test.each([
    ['a NodePort Service', { service: { type: ServiceType.nodePort() } }, /service: spec\.type is NodePort; Flagger generates the Service orders/],
    ['a LoadBalancer Service', { service: { type: ServiceType.loadBalancer([Cidr.of('10.0.0.0/8')]) } }, /spec\.type is LoadBalancer/],
    ['a UDP port', { ports: [{ port: 80, targetPort: 8080 }, { port: 5353, protocol: 'udp' }] }, /spec\.ports\[1\]\.protocol is UDP/],
    ['a second port mapped to another container port', { ports: [{ port: 80, targetPort: 8080 }, { port: 9000, targetPort: 9090, protocol: 'grpc' }] },
      /spec\.ports\[1\] is port 9000 to 9090 \(Flagger's port discovery exposes container port 9090 as itself\)/],
  ])('%s', (_what, props, message) => {
    const error = synthError(setup(props).app);
    expect(error).toMatch(/\[test\/orders-flagger\] /);
    expect(error).toMatch(message);
    expect(error).toMatch(/\[MESH314\]/);
  });

  test('a ClusterIP Service with a second port that is its container port passes', () => {
    const m = synth(setup({ ports: [{ port: 80, targetPort: 8080 }, { port: 9090, protocol: 'grpc' }] }).app);
    expect(find(m, 'Canary', 'orders').spec.service).toMatchObject({ port: 80, targetPort: 8080, portDiscovery: true });
  });
});

describe('MESH315: a written apex Service that Flagger does not own, over the manifests', () => {
  /** The output with the Service the library used to write for the apex: selecting the canary's pods. */
  const withWrittenApex = () => {
    const m = synth(setup().app);
    const web = find(m, 'Service', 'web');
    const apex = JSON.parse(JSON.stringify(web));
    apex.metadata = { ...apex.metadata, name: 'orders', labels: { app: 'orders' } };
    apex.spec.selector = { app: 'orders' };
    return { m, apex };
  };

  test('selecting the target Deployment\'s pods: every apply undoes Flagger\'s selector (error)', () => {
    const { m, apex } = withWrittenApex();
    const found = validateManifests([...m, apex]).filter((f) => f.code === 'MESH315');
    expect(found).toEqual([expect.objectContaining({
      resource: expect.objectContaining({ kind: 'Service', name: 'orders' }),
      field: 'spec.selector',
      related: expect.objectContaining({ kind: 'Canary', name: 'orders' }),
    })]);
    expect(found[0].severity ?? 'error').toBe('error');
    expect(found[0].message).toMatch(/selector app: orders-primary.*callers get 503/);
  });

  test("Flagger's own selector but other ports: the ports fight (error); Flagger's selector and ports, or Flagger's ownership: none", () => {
    const { m, apex } = withWrittenApex();
    const ports = [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }];
    const otherPorts = { ...apex, spec: { ...apex.spec, selector: { app: 'orders-primary' }, ports: [{ ...ports[0], port: 81 }] } };
    expect(validateManifests([...m, otherPorts]).filter((f) => f.code === 'MESH315').map((f) => f.field)).toEqual(['spec.ports']);
    const same = { ...apex, spec: { ...apex.spec, selector: { app: 'orders-primary' }, ports } };
    expect(validateManifests([...m, same]).filter((f) => f.code === 'MESH315')).toEqual([]);
    const owned = { ...apex, metadata: { ...apex.metadata, ownerReferences: [{ apiVersion: 'flagger.app/v1beta1', kind: 'Canary', name: 'orders',
      uid: 'u', controller: true }] } };
    expect(validateManifests([...m, owned]).filter((f) => f.code === 'MESH315')).toEqual([]);
  });
});
