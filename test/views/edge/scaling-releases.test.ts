import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  Autoscaling, BlueGreenRelease, CanaryPlan, CanaryRelease, HighAvailability, MeshChart, MeshService, Weight,
} from '../../../src';
import { meshChart, synth, synthError } from '../../util';

/** A release of `ingest` that `release` adds; the scaling constructs come before or after it. */
type Release = (chart: MeshChart, ingest: MeshService) => void;

const PLAN = CanaryPlan.of([
  { name: 'canary-10', canaryWeight: 10 },
  { name: 'canary-100', canaryWeight: 100 },
  { name: 'retire', canaryWeight: 100, retireStable: true },
]);
const canary = (phase: string, replicas?: number): Release => (chart, ingest) =>
  new CanaryRelease(chart, 'ingest-v2', { service: ingest, image: 'ingest:2', plan: PLAN, phase, replicas });
const blueGreen = (active: 'blue' | 'green'): Release => (chart, ingest) =>
  new BlueGreenRelease(chart, 'ingest-bg', { service: ingest, image: 'ingest:2', active });

function build(release: Release, scalingFirst: boolean) {
  const { app, chart } = meshChart();
  const ingest = new MeshService(chart, 'ingest', { image: 'ingest:1', replicas: 3 });
  const api = new MeshService(chart, 'api', { image: 'api:1' });
  api.calls(ingest, { methods: ['POST'], paths: ['/v1/push'] });
  const scaling = () => {
    new Autoscaling(chart, 'ingest-autoscaling', { service: ingest, minReplicas: 3, maxReplicas: 20 });
    new HighAvailability(chart, 'ingest-ha', { service: ingest, maxUnavailable: 1 });
  };
  if (scalingFirst) scaling();
  release(chart, ingest);
  if (!scalingFirst) scaling();
  return app;
}

const of = (m: Record<string, any>[], kind: string) => m.filter((o) => o.kind === kind);
const matches = (labels: Record<string, string> | undefined, selector: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);

/**
 * The Deployments that serve `host`'s traffic, read off the manifests: the subsets its VirtualService routes a
 * weight above 0 to (or a header route to), through the DestinationRule's subset labels, to the Deployments of the
 * Service's pods that carry them.
 */
function servingDeployments(m: Record<string, any>[], host: string): Record<string, any>[] {
  const vs = of(m, 'VirtualService').find((v) => v.metadata.name === host)!;
  const dr = of(m, 'DestinationRule').find((d) => d.metadata.name === host)!;
  const service = of(m, 'Service').find((s) => s.metadata.name === host)!;
  const subsets = new Set<string>(vs.spec.http.flatMap((h: any) => h.route)
    .filter((r: any) => r.weight === undefined || r.weight > 0).map((r: any) => r.destination.subset));
  const labels = dr.spec.subsets.filter((s: any) => subsets.has(s.name)).map((s: any) => s.labels);
  return of(m, 'Deployment').filter((d) => {
    const pod = d.spec.template.metadata.labels;
    return matches(pod, service.spec.selector) && labels.some((l: Record<string, string>) => matches(pod, l));
  });
}

describe('Autoscaling and HighAvailability follow the versions a release serves, in either order', () => {
  const cases: [string, Release, string[]][] = [
    ['canary at 10%', canary('canary-10'), ['ingest', 'ingest-v2']],
    ['canary at 100%, stable kept', canary('canary-100'), ['ingest-v2']],
    ['canary retiring the stable version', canary('retire'), ['ingest-v2']],
    ['blue/green, green active', blueGreen('green'), ['ingest-v2']],
    ['blue/green, blue active', blueGreen('blue'), ['ingest']],
  ];
  describe.each(cases)('%s', (_name, release, serving) => {
    test.each([true, false])('scaling constructs first: %s', (first) => {
      const m = synth(build(release, first));
      const deployments = of(m, 'Deployment');
      const hpas = of(m, 'HorizontalPodAutoscaler');
      // Every autoscaler targets a Deployment that is written, and none targets one twice.
      for (const h of hpas) {
        expect(h.spec.scaleTargetRef.kind).toBe('Deployment');
        expect(deployments.map((d) => d.metadata.name)).toContain(h.spec.scaleTargetRef.name);
      }
      expect(new Set(hpas.map((h) => h.spec.scaleTargetRef.name)).size).toBe(hpas.length);
      // The Deployments that serve are read off the routes, and each is scaled, unpinned and spread over zones.
      const served = servingDeployments(m, 'ingest');
      expect(served.map((d) => d.metadata.name).sort()).toEqual(serving);
      for (const d of served) {
        const hpa = hpas.find((h) => h.spec.scaleTargetRef.name === d.metadata.name);
        expect(hpa?.spec).toMatchObject({ minReplicas: 3, maxReplicas: 20 });
        expect(d.spec.replicas).toBeUndefined();
        expect(d.spec.template.spec.topologySpreadConstraints).toEqual([{
          topologyKey: 'topology.kubernetes.io/zone', maxSkew: 1, whenUnsatisfiable: 'ScheduleAnyway',
          labelSelector: { matchLabels: { app: 'ingest', version: d.spec.template.metadata.labels.version } },
        }]);
      }
      // The budget covers every version's pods.
      const pdb = of(m, 'PodDisruptionBudget').find((p) => p.metadata.name === 'ingest')!;
      for (const d of served) expect(matches(d.spec.template.metadata.labels, pdb.spec.selector.matchLabels)).toBe(true);
    });

    test('the order of the constructs changes nothing written', () => {
      const scaled = (first: boolean) => synth(build(release, first))
        .filter((o) => ['Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget'].includes(o.kind))
        .sort((a, b) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`));
      expect(scaled(true)).toEqual(scaled(false));
    });
  });

  test('a retired version takes its autoscaler with it: the HPA is the new Deployment\'s, named after it', () => {
    const m = synth(build(canary('retire'), true));
    expect(of(m, 'Deployment').map((d) => d.metadata.name).sort()).toEqual(['api', 'ingest-v2']);
    expect(of(m, 'HorizontalPodAutoscaler').map((h) => [h.metadata.name, h.spec.scaleTargetRef.name])).toEqual([['ingest-v2', 'ingest-v2']]);
  });

  test('the side a blue/green release leaves idle is held by its own autoscaler, ready to take the traffic back', () => {
    const m = synth(build(blueGreen('green'), true));
    expect(of(m, 'HorizontalPodAutoscaler').map((h) => [h.metadata.name, h.spec.scaleTargetRef.name, h.spec.minReplicas]).sort())
      .toEqual([['ingest', 'ingest', 3], ['ingest-v2', 'ingest-v2', 3]]);
  });

  test('a version given its own replicas keeps them as its autoscaler\'s floor; 0 parks it without one', () => {
    const one = synth(build(canary('canary-10', 1), false));
    expect(of(one, 'HorizontalPodAutoscaler').find((h) => h.metadata.name === 'ingest-v2')!.spec).toMatchObject({ minReplicas: 1, maxReplicas: 20 });
    const parked = synth(build(canary('canary-10', 0), true));
    expect(of(parked, 'HorizontalPodAutoscaler').map((h) => h.metadata.name)).toEqual(['ingest']);
    expect(of(parked, 'Deployment').find((d) => d.metadata.name === 'ingest-v2')!.spec.replicas).toBe(0);
  });

  test('a version given more replicas than maxReplicas fails synth on the autoscaler (MESH501)', () => {
    expect(synthError(build(canary('canary-10', 30), true)))
      .toMatch(/\[test\/ingest-autoscaling\] maxReplicas \(20\) is below the 30 replicas version v2 of ingest is given.*\[MESH501\]/);
  });

  test('addVersion: every version is scaled and spread, whichever comes first', () => {
    const { app, chart } = meshChart();
    const reviews = new MeshService(chart, 'reviews', { image: 'reviews:1', replicas: 2 });
    new HighAvailability(chart, 'ha', { service: reviews });
    new Autoscaling(chart, 'scale', { service: reviews, maxReplicas: 6 });
    reviews.addVersion({ name: 'v2', image: 'reviews:2' });
    reviews.setSplit([{ subset: 'stable', weight: Weight.percent(50) }, { subset: 'v2', weight: Weight.percent(50) }]);
    const m = synth(app);
    const v2 = of(m, 'Deployment').find((d) => d.metadata.name === 'reviews-v2')!;
    expect(v2.spec.replicas).toBeUndefined();
    expect(v2.spec.template.spec.topologySpreadConstraints[0].labelSelector.matchLabels).toEqual({ app: 'reviews', version: 'v2' });
    expect(of(m, 'HorizontalPodAutoscaler').find((h) => h.spec.scaleTargetRef.name === 'reviews-v2')!.spec.minReplicas).toBe(2);
  });
});

describe('HighAvailability on a workload meshed as it is', () => {
  test('its zone spread is a validation line naming the construct and the field (MESH047), not a throw', () => {
    const { app, chart } = meshChart();
    const d = new kplus.Deployment(chart, 'team', {
      metadata: { name: 'team' },
      serviceAccount: new kplus.ServiceAccount(chart, 'team-sa', { metadata: { name: 'team' } }),
      containers: [{
        name: 'web', image: 'team:1', ports: [{ number: 8080, name: 'http' }],
        securityContext: { ensureNonRoot: true, user: 10001, group: 10001, capabilities: { drop: ['ALL' as kplus.Capability] } },
        resources: {
          cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) },
          memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) },
        },
      }],
    });
    const team = MeshService.fromDeployment(chart, 'team-mesh', d);
    expect(() => new HighAvailability(chart, 'team-ha', { service: team })).not.toThrow();
    expect(synthError(app)).toMatch(/\[test\/team-ha\] zoneSpread: test\/team is a cdk8s-plus workload meshed as it is.*\[MESH047\]/);
    new HighAvailability(chart, 'team-ha-2', { service: team, zoneSpread: false });
    expect(synthError(app)).not.toMatch(/team-ha-2/);
  });
});

describe('two workloads of one version', () => {
  test('a release of a version addVersion added too is MESH025, not a throw of the autoscaler', () => {
    const { app, chart } = meshChart();
    const reviews = new MeshService(chart, 'reviews', { image: 'reviews:1', replicas: 2 });
    new Autoscaling(chart, 'scale', { service: reviews, maxReplicas: 6 });
    reviews.addVersion({ name: 'v2', image: 'reviews:2' });
    expect(() => new CanaryRelease(chart, 'reviews-v2', { service: reviews, image: 'reviews:2', plan: PLAN, phase: 'canary-10' })).not.toThrow();
    expect(synthError(app)).toMatch(/version: 'v2' is already a version of reviews.*\[MESH025\]/);
  });
});
