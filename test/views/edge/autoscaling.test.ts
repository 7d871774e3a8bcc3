import { Duration } from 'cdk8s';
import { Autoscaling, AutoscalingMetric, AutoscalingProps, MeshService, ScalingPolicy } from '../../../src';
import { find, meshChart, synth, synthError } from '../../util';

function build(props: Omit<AutoscalingProps, 'service'>, replicas = 3) {
  const { app, chart } = meshChart();
  const service = new MeshService(chart, 'user-service', { image: 'user:1', replicas });
  new Autoscaling(chart, 'hpa', { service, ...props });
  return app;
}

describe('Autoscaling', () => {
  test("seed 004's HPA, field by field (snapshot)", () => {
    const hpa = find(synth(build({ maxReplicas: 50 })), 'HorizontalPodAutoscaler', 'user-service');
    expect(hpa).toMatchSnapshot();
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.metadata.namespace).toBe('production');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'user-service' });
    expect(hpa.spec.minReplicas).toBe(3);
    expect(hpa.spec.maxReplicas).toBe(50);
    // The app container's use of its own request: a Resource metric would add the sidecar's use and request.
    expect(hpa.spec.metrics).toEqual([
      { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', target: { type: 'Utilization', averageUtilization: 70 } } },
      { type: 'ContainerResource', containerResource: { name: 'memory', container: 'app', target: { type: 'Utilization', averageUtilization: 80 } } },
    ]);
    expect(hpa.spec.behavior.scaleDown).toMatchObject({ stabilizationWindowSeconds: 300, policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] });
    expect(hpa.spec.behavior.scaleUp).toMatchObject({ stabilizationWindowSeconds: 60, policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] });
  });

  test('the Deployment leaves replicas to the autoscaler', () => {
    const out = synth(build({ maxReplicas: 50 }));
    expect(find(out, 'Deployment', 'user-service').spec.replicas).toBeUndefined();
    const { app, chart } = meshChart();
    new MeshService(chart, 'user-service', { image: 'user:1', replicas: 3 });
    expect(find(synth(app), 'Deployment', 'user-service').spec.replicas).toBe(3);
  });

  test('props: min, targets and behaviour', () => {
    const hpa = find(synth(build({
      minReplicas: 2, maxReplicas: 4, cpuUtilization: 60, memoryUtilization: 120,
      scaleUp: { policies: [ScalingPolicy.pods(4, Duration.seconds(30))] },
      scaleDown: { stabilizationWindow: Duration.seconds(0) },
    })), 'HorizontalPodAutoscaler', 'user-service');
    expect(hpa.spec.minReplicas).toBe(2);
    expect(hpa.spec.metrics.map((m: any) => m.containerResource.target.averageUtilization)).toEqual([60, 120]);
    expect(hpa.spec.behavior.scaleUp).toMatchObject({ stabilizationWindowSeconds: 60, policies: [{ type: 'Pods', value: 4, periodSeconds: 30 }] });
    expect(hpa.spec.behavior.scaleDown).toMatchObject({ stabilizationWindowSeconds: 0, policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] });
  });

  test('boundaries: min equal to max, a one-hour window are accepted', () => {
    const hpa = find(synth(build({ minReplicas: 5, maxReplicas: 5, scaleDown: { stabilizationWindow: Duration.hours(1) } })), 'HorizontalPodAutoscaler', 'user-service');
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas, hpa.spec.behavior.scaleDown.stabilizationWindowSeconds]).toEqual([5, 5, 3600]);
  });

  test('a target the app container cannot reach below its limit fails synth (MESH511); just under it is accepted', () => {
    // GIVEN the default resources: 100m/500m CPU, 128Mi/512Mi memory
    expect(synthError(build({ maxReplicas: 5, cpuUtilization: 500 })))
      .toMatch(/\[test\/hpa\] cpuUtilization: 500% of the app container's 100m request is 500m, at or above its 500m limit, where the CPU is throttled.*\[MESH511\]/);
    expect(synthError(build({ maxReplicas: 5, memoryUtilization: 400 })))
      .toMatch(/memoryUtilization: 400% of the app container's 128Mi request is 512Mi, at or above its 512Mi limit, where the container is OOM-killed.*\[MESH511\]/);
    const hpa = find(synth(build({ maxReplicas: 5, cpuUtilization: 499, memoryUtilization: 399 })), 'HorizontalPodAutoscaler', 'user-service');
    expect(hpa.spec.metrics.map((m: any) => m.containerResource.target.averageUtilization)).toEqual([499, 399]);
  });

  test('min above max fails synth with the path (MESH501)', () => {
    expect(synthError(build({ minReplicas: 6, maxReplicas: 5 }))).toMatch(/\[test\/hpa\] minReplicas \(6\) is above maxReplicas \(5\) \[MESH501\]/);
    expect(synthError(build({ maxReplicas: 2 }, 3))).toMatch(/\[test\/hpa\] minReplicas \(3\) is above maxReplicas \(2\) \[MESH501\]/);
  });

  test.each([
    [{ maxReplicas: 0, minReplicas: 0 }, /minReplicas must be a whole number of at least 1, got 0 \[MESH508\]/],
    [{ maxReplicas: 5, cpuUtilization: 0 }, /cpuUtilization must be a whole number of at least 1, got 0 \[MESH508\]/],
    [{ maxReplicas: 5, scaleDown: { stabilizationWindow: Duration.seconds(3601) } }, /scaleDown.stabilizationWindow must be whole seconds from 0s to 3600s, got 3601s \[MESH508\]/],
    [{ maxReplicas: 5, scaleUp: { policies: [] } }, /scaleUp.policies: give at least one policy \[MESH508\]/],
  ] as [Omit<AutoscalingProps, 'service'>, RegExp][])('bad settings fail synth: %j', (props, message) => {
    const err = synthError(build(props));
    expect(err).toMatch(/\[test\/hpa\]/);
    expect(err).toMatch(message);
  });

  test('ScalingPolicy checks at once: periods 1s to 1800s, values at least 1', () => {
    expect(ScalingPolicy.percent(1, Duration.seconds(1)).value).toBe(1);
    expect(ScalingPolicy.pods(1, Duration.seconds(1800)).period.toSeconds()).toBe(1800);
    expect(() => ScalingPolicy.percent(100, Duration.seconds(1801))).toThrow(/\[MESH508\]/);
    expect(() => ScalingPolicy.percent(100, Duration.millis(500))).toThrow(/\[MESH508\]/);
    expect(() => ScalingPolicy.pods(0, Duration.seconds(15))).toThrow(/\[MESH508\]/);
  });
});

// A metric of the custom or external metrics API (prometheus-adapter's), beside the app container's CPU and memory: the
// autoscaler proposes a count for each and takes the highest (https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale-walkthrough/#autoscaling-on-multiple-metrics-and-custom-metrics).
describe('Autoscaling on custom and external metrics', () => {
  test('a Pods metric held at an average per pod, an external one at a value or an average, after CPU and memory', () => {
    const hpa = find(synth(build({
      maxReplicas: 30,
      metrics: [
        AutoscalingMetric.podsAverage('matchmaking_tickets_in_flight', 50),
        AutoscalingMetric.external('lobby_players_waiting', { averageValue: 0.5 }, { queue: 'ranked' }),
        AutoscalingMetric.external('lobby_players_waiting_total', { value: 2000 }),
      ],
    })), 'HorizontalPodAutoscaler', 'user-service');
    expect(hpa.spec.metrics.slice(0, 2).map((m: any) => m.containerResource.name)).toEqual(['cpu', 'memory']);
    expect(hpa.spec.metrics.slice(2)).toEqual([
      { type: 'Pods', pods: { metric: { name: 'matchmaking_tickets_in_flight' }, target: { type: 'AverageValue', averageValue: 50 } } },
      { type: 'External', external: { metric: { name: 'lobby_players_waiting', selector: { matchLabels: { queue: 'ranked' } } }, target: { type: 'AverageValue', averageValue: 0.5 } } },
      { type: 'External', external: { metric: { name: 'lobby_players_waiting_total' }, target: { type: 'Value', value: 2000 } } },
    ]);
  });

  test('AutoscalingMetric checks at once: a metric name, a target above 0, one target of an external metric, label syntax', () => {
    expect(AutoscalingMetric.podsAverage('istio_requests:rate1m', 20).toString()).toBe('Pods istio_requests:rate1m averageValue 20');
    expect(() => AutoscalingMetric.podsAverage('requests per second', 20)).toThrow(/'requests per second' is not a metric name.*/);
    expect(() => AutoscalingMetric.podsAverage('1rps', 20)).toThrow(/is not a metric name/);
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => AutoscalingMetric.podsAverage('rps', bad)).toThrow(/metric target averageValue must be a number above 0/);
    }
    expect(() => AutoscalingMetric.external('depth', {})).toThrow(/give its target as one of averageValue or value, got neither/);
    expect(() => AutoscalingMetric.external('depth', { value: 1, averageValue: 1 })).toThrow(/got averageValue and value/);
    expect(() => AutoscalingMetric.external('depth', { value: 1 }, { 'bad key!': 'x' })).toThrow(/labels: 'bad key!: x': not a label key/);
    let code: string | undefined;
    try {
      AutoscalingMetric.external('depth', { value: 0 });
    } catch (e) {
      code = (e as { code?: string }).code;
    }
    expect(code).toBe('MESH508');
  });
});
