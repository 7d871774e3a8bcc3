import { HighAvailability, HighAvailabilityProps, MeshService } from '../../../src';
import { find, meshChart, synth, synthError } from '../../util';

function build(props: Omit<HighAvailabilityProps, 'service'> = {}, replicas = 3) {
  const { app, chart } = meshChart();
  const service = new MeshService(chart, 'order-service', { image: 'order:1', replicas });
  new HighAvailability(chart, 'ha', { service, ...props });
  return app;
}

describe('HighAvailability', () => {
  test('default: PDB maxUnavailable 1 and a zone spread (snapshot)', () => {
    const out = synth(build());
    const pdb = find(out, 'PodDisruptionBudget', 'order-service');
    expect(pdb).toMatchSnapshot();
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { app: 'order-service' } } });
    expect(find(out, 'Deployment', 'order-service').spec.template.spec.topologySpreadConstraints).toEqual([{
      topologyKey: 'topology.kubernetes.io/zone', maxSkew: 1, whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: { app: 'order-service', version: 'v1' } },
    }]);
  });

  test('props: minAvailable, strict spread, no spread', () => {
    const out = synth(build({ minAvailable: 2, zoneSpread: { maxSkew: 2, strict: true } }));
    expect(find(out, 'PodDisruptionBudget', 'order-service').spec).toEqual({ minAvailable: 2, selector: { matchLabels: { app: 'order-service' } } });
    expect(find(out, 'Deployment', 'order-service').spec.template.spec.topologySpreadConstraints[0]).toMatchObject({ maxSkew: 2, whenUnsatisfiable: 'DoNotSchedule' });
    expect(find(synth(build({ zoneSpread: false })), 'Deployment', 'order-service').spec.template.spec.topologySpreadConstraints).toBeUndefined();
  });

  test('boundaries: minAvailable one below replicas is accepted, at replicas fails (MESH509)', () => {
    expect(find(synth(build({ minAvailable: 2 }, 3)), 'PodDisruptionBudget', 'order-service').spec.minAvailable).toBe(2);
    expect(synthError(build({ minAvailable: 3 }, 3))).toMatch(/\[test\/ha\] minAvailable \(3\) is not below the service's replicas \(3\).*\[MESH509\]/);
  });

  test.each([
    [{ maxUnavailable: 0 }, /maxUnavailable must be a whole number of at least 1 \(0 blocks every drain\), got 0 \[MESH509\]/],
    [{ maxUnavailable: 1, minAvailable: 1 }, /minAvailable and maxUnavailable are both set.*\[MESH509\]/],
    [{ zoneSpread: { maxSkew: 0 } }, /zoneSpread.maxSkew must be a whole number of at least 1, got 0 \[MESH004\]/],
  ] as [Omit<HighAvailabilityProps, 'service'>, RegExp][])('bad settings fail synth: %j', (props, message) => {
    const err = synthError(build(props));
    expect(err).toMatch(/\[test\/ha\]/);
    expect(err).toMatch(message);
  });
});
