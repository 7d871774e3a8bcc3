// MESH670: pods beside a Flagger Canary's target that Flagger's `<name>-canary` Service selects. Flagger selects the canary by
// the target's `app` label alone (fluxcd/flagger pkg/router/kubernetes_default.go Initialize, reconcileService), so a second
// Deployment of the service (a version of its own) joins the canary's endpoints.
import { ApiObject, Duration } from 'cdk8s';
import { FlaggerCanary, MeshService } from '../../../src';
import { validateManifests } from '../../../src/validate';
import { find, meshChart, synth, synthError } from '../../util';

function setup() {
  const { app, chart } = meshChart();
  const orders = new MeshService(chart, 'orders', { image: 'orders:1' });
  new FlaggerCanary(chart, 'orders-flagger', { service: orders, interval: Duration.minutes(1), stepWeights: [10, 50] });
  return { app, chart, orders };
}

describe("MESH670: a workload whose pods Flagger's canary Service selects", () => {
  test('a version added to a service Flagger releases fails synth, on the version, naming the label', () => {
    // GIVEN a Flagger-released service given a shadow version after its FlaggerCanary
    const { app, orders } = setup();
    orders.addVersion({ name: 'shadow', image: 'orders:2-rc1', replicas: 1 });
    // WHEN synthesized THEN the version's Deployment is refused: its pods carry app: orders, as the canary's do
    const error = synthError(app);
    expect(error).toContain('[test/orders/Versionshadow/Resource] test/Deployment/orders-shadow: spec.template.metadata.labels.app:');
    expect(error).toContain("which Flagger's Service orders-canary selects (alone) for Canary production/orders of Deployment/orders");
    expect(error).toContain('[MESH670]');
  });

  test('made before the FlaggerCanary, the version fails the same way, not as a selector to reorder (MESH666)', () => {
    // GIVEN the version added first: its Deployment selects its own pods by app, as they are labelled
    const { app, chart } = meshChart();
    const orders = new MeshService(chart, 'orders', { image: 'orders:1' });
    orders.addVersion({ name: 'shadow', image: 'orders:2-rc1', replicas: 1 });
    new FlaggerCanary(chart, 'orders-flagger', { service: orders, interval: Duration.minutes(1), stepWeights: [10, 50] });
    // THEN the error is that its pods join the canary, and nothing asks to create it after the FlaggerCanary
    const error = synthError(app);
    expect(error).toContain('test/Deployment/orders-shadow: spec.template.metadata.labels.app:');
    expect(error).toContain('[MESH670]');
    expect(error).not.toContain('MESH666');
  });

  test('MESH666 asks for the label Flagger keeps, whatever the order', () => {
    const { app, chart } = setup();
    new ApiObject(chart, 'team-pdb', {
      apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'orders-team' },
      spec: { minAvailable: 1, selector: { matchLabels: { app: 'orders' } } },
    });
    const error = synthError(app);
    expect(error).toContain('PodDisruptionBudget/orders-team spec.selector.matchLabels selects app=orders, which Flagger renames to orders-primary on '
      + "the primary's pods; select by app.kubernetes.io/name, which Flagger keeps [MESH666]");
    expect(error).not.toContain('create it after');
  });

  test('over the manifests: any workload of the namespace with the label and value, and nothing else', () => {
    const m = synth(setup().app);
    // The library's own output has none.
    expect(validateManifests(m).filter((f) => f.code === 'MESH670')).toEqual([]);
    const base = find(m, 'Deployment', 'orders');
    const copy = (name: string, labels: Record<string, string>, namespace = base.metadata.namespace) => {
      const d = JSON.parse(JSON.stringify(base));
      d.metadata = { ...d.metadata, name, namespace };
      d.spec.selector.matchLabels = labels;
      d.spec.template.metadata.labels = labels;
      return d;
    };
    const shadow = copy('orders-shadow', { app: 'orders', version: 'shadow' });
    const other = copy('reports', { app: 'reports' });
    const elsewhere = copy('orders', { app: 'orders' }, 'other');
    const cron = {
      apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'orders-warmup', namespace: base.metadata.namespace },
      spec: { schedule: '0 * * * *', jobTemplate: { spec: { template: { metadata: { labels: { app: 'orders' } }, spec: base.spec.template.spec } } } },
    };
    const found = validateManifests([...m, shadow, other, elsewhere, cron]).filter((f) => f.code === 'MESH670');
    expect(found.map((f) => `${f.resource.kind}/${f.resource.name} ${f.field} ${f.severity ?? 'error'}`).sort()).toEqual([
      'CronJob/orders-warmup spec.jobTemplate.spec.template.metadata.labels.app error',
      'Deployment/orders-shadow spec.template.metadata.labels.app error',
    ]);
    expect(found[0].related).toMatchObject({ kind: 'Canary', name: 'orders' });
  });
});
