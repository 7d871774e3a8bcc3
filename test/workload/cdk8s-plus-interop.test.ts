/**
 * A team's cdk8s-plus-27 workloads meshed as they are (MeshService.fromDeployment and
 * fromStatefulSet): nothing of them is rebuilt; the library derives the Service (or keeps
 * theirs), the identity, the policies, the routes and the intended flows, and checks their
 * pods like its own. Synth verifies every flow (MESH600, MESH602).
 */
import { ApiObject, Chart, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { evaluateFlow } from '../../src/validate';
import { MeshService, Retries, Tier } from '../../src';
import { find, meshChart, synth, synthError } from '../util';

/** What a team must set on its container for the hardening check: cdk8s-plus-27 drops no capability by default. */
const hardened: kplus.ContainerSecurityContextProps = { ensureNonRoot: true, user: 10001, group: 10001, capabilities: { drop: ['ALL' as kplus.Capability] } };
const resources: kplus.ContainerResources = {
  cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) },
  memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) },
};

function teamDeployment(scope: Chart, name: string, port = 8080) {
  return new kplus.Deployment(scope, name, {
    metadata: { name },
    replicas: 3,
    serviceAccount: new kplus.ServiceAccount(scope, `${name}-sa`, { metadata: { name } }),
    containers: [{ name: 'web', image: `registry.example.com/${name}:2.0.0`, ports: [{ number: port, name: 'http' }], securityContext: hardened, resources }],
  });
}

describe('an adopted workload\'s seccomp profile (Pod Security "restricted", as every pod of the library)', () => {
  const podOf = (out: Record<string, any>[], name: string) => find(out, 'Deployment', name).spec.template.spec;

  test('cdk8s-plus-27 sets none: the adoption confines the pod to RuntimeDefault', () => {
    const { app, chart } = meshChart();
    const team = teamDeployment(chart, 'catalog');
    MeshService.fromDeployment(chart, 'catalog-mesh', team);
    const out = synth(app);
    expect(podOf(out, 'catalog').securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
  });

  test('a pod-level profile the team set before adoption is kept; one removed after it fails synth (MESH208)', () => {
    const { app, chart } = meshChart();
    const team = teamDeployment(chart, 'catalog');
    ApiObject.of(team).addJsonPatch(JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'Localhost', localhostProfile: 'profiles/catalog.json' }));
    MeshService.fromDeployment(chart, 'catalog-mesh', team);
    expect(podOf(synth(app), 'catalog').securityContext.seccompProfile).toEqual({ type: 'Localhost', localhostProfile: 'profiles/catalog.json' });

    const again = meshChart();
    const removed = teamDeployment(again.chart, 'catalog');
    MeshService.fromDeployment(again.chart, 'catalog-mesh', removed);
    ApiObject.of(removed).addJsonPatch(JsonPatch.remove('/spec/template/spec/securityContext/seccompProfile'));
    expect(synthError(again.app)).toMatch(/containers\[web\]\.securityContext\.seccompProfile: must be RuntimeDefault \(or Localhost\).*\[MESH208\]/);
  });
});

describe('a cdk8s-plus Deployment meshed as it is', () => {
  function build() {
    const { app, chart } = meshChart();
    const catalog = MeshService.fromDeployment(chart, 'catalog-mesh', teamDeployment(chart, 'catalog'), { tier: Tier.BUSINESS, retries: Retries.of({ attempts: 1 }) });
    const orders = new MeshService(chart, 'orders', { image: 'registry.example.com/orders:1.0.0' });
    const basket = MeshService.fromDeployment(chart, 'basket-mesh', teamDeployment(chart, 'basket', 9000), { version: 'v2' });
    orders.calls(catalog, { methods: ['GET'], paths: ['/items/*'] });
    catalog.calls(basket, { methods: ['POST'], paths: ['/baskets'] });
    return { app, chart, catalog, orders, basket };
  }

  test('the library writes its Service, policies and routes, and labels its pods; the Deployment keeps the rest', () => {
    const { app, catalog } = build();
    const out = synth(app); // the declared flows (orders → catalog → basket) and the refused pairs hold at synth
    const d = find(out, 'Deployment', 'catalog');
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.template.spec.serviceAccountName).toBe('catalog');
    // Its own selector (cdk8s-plus's) is untouched; its pods gain the mesh's labels.
    expect(Object.keys(d.spec.selector.matchLabels)).toEqual(['cdk8s.io/metadata.addr']);
    expect(d.spec.template.metadata.labels).toMatchObject({ app: 'catalog', version: 'v1', 'app.kubernetes.io/name': 'catalog', 'mesh.cdk8s.io/tier': 'business' });
    expect(d.spec.template.spec.containers[0]).toMatchObject({ name: 'web', image: 'registry.example.com/catalog:2.0.0' });
    expect(find(out, 'Service', 'catalog').spec).toMatchObject({ selector: { app: 'catalog' }, ports: [{ name: 'http', port: 8080, targetPort: 8080 }] });
    expect(catalog.principal.toString()).toBe('cluster.local/ns/production/sa/catalog');
    expect(find(out, 'AuthorizationPolicy', 'catalog-policy').spec.rules).toEqual([
      { from: [{ source: { principals: ['cluster.local/ns/production/sa/orders'] } }], to: [{ operation: { methods: ['GET'], paths: ['/items', '/items/*'] } }] },
    ]);
    expect(find(out, 'VirtualService', 'catalog').spec.http[0].retries).toMatchObject({ attempts: 1 });
    expect(find(out, 'Sidecar', 'catalog').spec.egress[0].hosts).toEqual(['./basket.production.svc.cluster.local']);
    expect(find(out, 'Deployment', 'basket').spec.template.metadata.labels).toMatchObject({ app: 'basket', version: 'v2' });
    expect(catalog.workload).toBeInstanceOf(kplus.Deployment);
  });

  test('its calls, both ways, are intended flows that the manifests allow', () => {
    const { app, chart } = build();
    const out = synth(app);
    const flows = chart.intendedFlows().filter((f) => 'workload' in f.source && ['orders', 'catalog'].includes(f.source.workload));
    expect(flows.map((f) => f.description)).toEqual(['orders calls catalog GET /items', 'orders calls catalog GET /items/x', 'catalog calls basket POST /baskets']);
    for (const f of flows) expect(evaluateFlow(out, f)).toMatchObject({ allowed: true });
    expect(evaluateFlow(out, { source: { workload: 'basket', namespace: 'production' }, host: 'catalog', port: 8080, method: 'GET', path: '/items/x' }).allowed).toBe(false);
  });

  test('its pods are checked like the library\'s: cdk8s-plus-27\'s defaults drop no capability', () => {
    const { app, chart } = meshChart();
    const plain = new kplus.Deployment(chart, 'legacy', {
      metadata: { name: 'legacy' },
      serviceAccount: new kplus.ServiceAccount(chart, 'legacy-sa', { metadata: { name: 'legacy' } }),
      containers: [{ name: 'main', image: 'legacy:1', ports: [{ number: 8080, name: 'http' }] }],
    });
    MeshService.fromDeployment(chart, 'legacy-mesh', plain);
    expect(synthError(app)).toMatch(/\[test\/legacy\] containers\[main\]\.securityContext\.capabilities\.drop: must include ALL \[MESH208\]/);
  });

  test('what keeps a workload from being meshed is said on the workload (MESH047); versions of it are MESH049', () => {
    const { app, chart } = meshChart();
    const elsewhere = new Chart(app, 'team-chart', { namespace: 'production' });
    const noSa = new kplus.Deployment(chart, 'nosa', { containers: [{ image: 'x', ports: [{ number: 80, name: 'web' }], securityContext: hardened, resources }] });
    const labelled = teamDeployment(chart, 'labelled');
    labelled.podMetadata.addLabel('app', 'something-else');
    const foreign = teamDeployment(elsewhere, 'foreign');
    MeshService.fromDeployment(chart, 'nosa-mesh', noSa, { name: 'nosa' });
    MeshService.fromDeployment(chart, 'labelled-mesh', labelled, { name: 'labelled' }).addVersion({ name: 'v2' });
    MeshService.fromDeployment(chart, 'foreign-mesh', foreign);
    const err = synthError(app);
    expect(err).toMatch(/\[test\/nosa-mesh\] test\/nosa: serviceAccount: none, so its pods run as 'default', an identity every such pod of production shares.*\[MESH047\]/);
    expect(err).toMatch(/\[test\/nosa-mesh\] containers\[main\]\.ports\[80\]: port 80 'web' has no name Istio can classify.*\[MESH047\]/);
    expect(err).toMatch(/\[test\/labelled-mesh\] test\/labelled: its pods' app label is 'something-else'; name the service 'something-else'.*\[MESH047\]/);
    expect(err).toMatch(/\[test\/labelled-mesh\] addVersion\(v2\): labelled is a Deployment meshed as it is, which has one version \[MESH049\]/);
    expect(err).toMatch(/\[test\/foreign-mesh\] team-chart\/foreign: a Deployment of chart team-chart; create it in the MeshChart test.*\[MESH047\]/);
  });
});

describe('a cdk8s-plus StatefulSet meshed as it is', () => {
  test('its governing Service is the host; each pod is called by its own name', () => {
    const { app, chart } = meshChart();
    const svc = new kplus.Service(chart, 'ledger-svc', { metadata: { name: 'ledger' }, clusterIP: 'None', ports: [{ port: 5432, name: 'tcp-postgres' }] });
    const set = new kplus.StatefulSet(chart, 'ledger', {
      metadata: { name: 'ledger' },
      service: svc,
      replicas: 2,
      serviceAccount: new kplus.ServiceAccount(chart, 'ledger-sa', { metadata: { name: 'ledger' } }),
      // PGDATA below the mount: initdb chmods it to 0700, which it cannot do to a mount point it does not own (MESH052).
      containers: [{ name: 'db', image: 'postgres:16', ports: [{ number: 5432, name: 'tcp-postgres' }], securityContext: { ...hardened, user: 999, group: 999 }, resources,
        envVariables: { PGDATA: kplus.EnvValue.fromValue('/var/lib/postgresql/data/pgdata') },
        volumeMounts: [{ path: '/var/lib/postgresql/data', volume: kplus.Volume.fromEmptyDir(chart, 'data', 'data') }, { path: '/var/run/postgresql', volume: kplus.Volume.fromEmptyDir(chart, 'run', 'run') }] }],
    });
    set.podMetadata.addAnnotation('mesh.cdk8s.io/replication', 'a primary streams its WAL to the replica (repmgr)');
    const ledger = MeshService.fromStatefulSet(chart, 'ledger-mesh', set);
    const api = new MeshService(chart, 'api', { image: 'api:1' });
    api.calls(ledger);
    const out = synth(app);
    expect(ledger.name).toBe('ledger');
    expect(ledger.podHostnames).toEqual(['ledger-0.ledger.production.svc.cluster.local', 'ledger-1.ledger.production.svc.cluster.local']);
    expect(out.filter((m) => m.kind === 'Service').map((m) => m.metadata.name).sort()).toEqual(['api', 'ledger']);
    expect(chart.intendedFlows().filter((f) => f.host.startsWith('ledger') && 'workload' in f.source).map((f) => `${f.host}:${f.port}/${f.protocol}`)).toEqual([
      'ledger:5432/TCP', 'ledger-0.ledger.production.svc.cluster.local:5432/TCP', 'ledger-1.ledger.production.svc.cluster.local:5432/TCP',
    ]);
    expect(find(out, 'StatefulSet', 'ledger').spec.template.metadata.labels).toMatchObject({ app: 'ledger' });
  });
});

describe('the Service the library writes for a team\'s Deployment', () => {
  test('ports given for it must reach its containers (MESH047); its own Service is kept when given', () => {
    const { app, chart } = meshChart();
    const a = teamDeployment(chart, 'a');
    MeshService.fromDeployment(chart, 'a-mesh', a, { ports: [{ port: 80, targetPort: 9999 }] });
    expect(synthError(app)).toMatch(/\[test\/a-mesh\] test\/a: ports\[0\]\.targetPort: 9999 is not a port of its containers \(8080\) \[MESH047\]/);

    const { app: app2, chart: chart2 } = meshChart();
    const b = teamDeployment(chart2, 'b');
    const theirs = new kplus.Service(chart2, 'b-svc', { metadata: { name: 'b' }, selector: b, ports: [{ port: 80, targetPort: 8080, name: 'http' }] });
    const svc = MeshService.fromDeployment(chart2, 'b-mesh', b, { existingService: theirs });
    new MeshService(chart2, 'caller', { image: 'c:1' }).calls(svc);
    const out = synth(app2); // the call through the team's own Service is verified at synth
    expect(out.filter((m) => m.kind === 'Service' && m.metadata.name === 'b')).toHaveLength(1);
    expect(svc.ports).toEqual([{ name: 'http', port: 80, targetPort: 8080, protocol: 'http' }]);
  });
});
