import type { IScaledService } from '../../graph/mesh-service-props';
import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { Codes } from '../../core/codes';
import { formatProblem } from '../../core/errors';
import { exactDecimal } from '../../private/decimal';
import { Labels, MANAGED_BY } from '../../core/labels';
import { cpuMillis, mebibytesOf } from '../../workload/quantities';
import { APP_CONTAINER, autoscaleWorkloads, WorkloadVersion } from '../../workload/workload';
import { ScalingPolicy } from './scaling-policy';
import { AutoscalingMetric } from './autoscaling-metric';
import { addProblems } from '../../private/construct-problems';

/** One direction of scaling: how long to wait for a steady signal, and how fast to move. */
export interface ScalingBehavior {
  /**
   * How far back the autoscaler looks before changing the count, from 0s to 1h.
   * @default - seed 004's: 60s up, 300s down
   */
  readonly stabilizationWindow?: Duration;
  /**
   * The fastest allowed changes; the largest wins.
   * @default - seed 004's: 100% per 15s up, 50% per 60s down
   */
  readonly policies?: ScalingPolicy[];
}

/** Props for {@link Autoscaling}. */
export interface AutoscalingProps {
  /** The service whose Deployment is scaled. */
  readonly service: IScaledService;
  /** The most replicas (seed 004: 50). */
  readonly maxReplicas: number;
  /**
   * The fewest replicas.
   * @default - the service's replicas
   */
  readonly minReplicas?: number;
  /**
   * Target average CPU use, as a whole percentage of the app container's CPU request (may
   * exceed 100, up to the share of the request its limit allows).
   * @default 70
   * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#container-resource-metrics
   */
  readonly cpuUtilization?: number;
  /**
   * Target average memory use, as a whole percentage of the app container's memory request
   * (below the share of the request its limit allows: at the limit the container is OOM-killed).
   * @default 80
   * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#container-resource-metrics
   */
  readonly memoryUtilization?: number;
  /**
   * Metrics of the custom or external metrics API the autoscaler also scales on (players waiting for a match per pod, a
   * queue's depth), beside the CPU and memory targets: it takes the highest replica count any of them asks for. The cluster
   * must serve those APIs (prometheus-adapter for Prometheus's series; kube-prometheus-stack does not install it), or the
   * autoscaler reports `FailedGetPodsMetric`/`FailedGetExternalMetric` and scales on the rest.
   * @default - none: CPU and memory alone
   * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale-walkthrough/#autoscaling-on-multiple-metrics-and-custom-metrics
   */
  readonly metrics?: AutoscalingMetric[];
  /**
   * Scale-up behaviour.
   * @default - stabilization 60s, 100% per 15s (seed 004)
   */
  readonly scaleUp?: ScalingBehavior;
  /**
   * Scale-down behaviour.
   * @default - stabilization 300s, 50% per 60s (seed 004)
   */
  readonly scaleDown?: ScalingBehavior;
}

/** Seed 004's scale-up: stabilization 60s, at most doubling every 15s. */
export const DEFAULT_SCALE_UP: Required<ScalingBehavior> = {
  stabilizationWindow: Duration.seconds(60),
  policies: [ScalingPolicy.percent(100, Duration.seconds(15))],
};
/** Seed 004's scale-down: stabilization 300s, at most halving every 60s. */
export const DEFAULT_SCALE_DOWN: Required<ScalingBehavior> = {
  stabilizationWindow: Duration.seconds(300),
  policies: [ScalingPolicy.percent(50, Duration.seconds(60))],
};

/**
 * A HorizontalPodAutoscaler (autoscaling/v2) for a service's Deployment, with seed
 * 004's targets and behaviour by default: CPU 70%, memory 80%, scale up after 60s by
 * up to 100% per 15s, scale down after 300s by up to 50% per 60s. The Deployment then
 * writes no `replicas`, so that applying it does not undo the autoscaler.
 *
 * Every Deployment of the service gets its own autoscaler with these bounds, whichever
 * construct comes first: the current version's (named after the service) and each
 * release's or other version's (named after its Deployment, `<service>-v2`), as Flagger
 * copies the autoscaler for its primary. The side a release switches traffic to is
 * scaled by its own autoscaler, the side it leaves idle is held at `minReplicas`, ready
 * to take the traffic back, and a Deployment a release retires takes its autoscaler with it.
 * A version given its own `replicas` keeps them as its autoscaler's `minReplicas` (0: no
 * autoscaler, the version stays at 0).
 *
 * The targets are the app container's (`ContainerResource` metrics), not the pod's: a
 * `Resource` metric sums every container of the pod, the Istio sidecar included, against
 * the sum of their requests, so the proxy's memory (which grows with the mesh's size, not
 * with the load) keeps the average above the target and pins the autoscaler at
 * `maxReplicas`. The saturation alerts of an {@link ObservabilityStack} read the same
 * container. A target the container cannot reach below its limit (the CPU throttled, the
 * memory OOM-killed there) never scales anything and fails synth (MESH511).
 *
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#container-resource-metrics
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#algorithm-details (Resource metrics: the pod's containers summed)
 *
 * @see https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/horizontal-pod-autoscaler-v2/
 */
export class Autoscaling extends Construct {
  /** The fewest replicas. */
  public readonly minReplicas: number;
  /** The most replicas. */
  public readonly maxReplicas: number;
  /** Target CPU utilization, percent. */
  public readonly cpuUtilization: number;
  /** Target memory utilization, percent. */
  public readonly memoryUtilization: number;
  /** The metrics of the custom and external metrics APIs it scales on too. */
  public readonly metrics: readonly AutoscalingMetric[];
  /** Scale-up behaviour, the defaults filled in. */
  public readonly scaleUp: Required<ScalingBehavior>;
  /** Scale-down behaviour, the defaults filled in. */
  public readonly scaleDown: Required<ScalingBehavior>;
  /** The service whose Deployment is scaled. */
  public readonly service: IScaledService;

  private readonly problems: string[];
  /** What a version's own replicas say against the bounds, found as versions are added (read at synth). */
  private readonly versionProblems: string[] = [];

  public constructor(scope: Construct, id: string, props: AutoscalingProps) {
    super(scope, id);
    this.minReplicas = props.minReplicas ?? props.service.replicas;
    this.maxReplicas = props.maxReplicas;
    this.cpuUtilization = props.cpuUtilization ?? 70;
    this.memoryUtilization = props.memoryUtilization ?? 80;
    this.metrics = [...(props.metrics ?? [])];
    this.service = props.service;
    const scaleUp = behavior(DEFAULT_SCALE_UP, props.scaleUp);
    const scaleDown = behavior(DEFAULT_SCALE_DOWN, props.scaleDown);
    this.scaleUp = scaleUp;
    this.scaleDown = scaleDown;
    this.problems = this.check(scaleUp, scaleDown);
    // cdk8s-plus-27 throws on some of these at construction; with problems, synth fails
    // on them (naming this path) and the autoscaler is not built.
    if (this.problems.length === 0) {
      const s = this.service;
      autoscaleWorkloads(this, 'Resource', s, {
        name: s.name,
        namespace: s.namespace,
        labels: { [Labels.APP]: s.name, [Labels.MANAGED_BY]: MANAGED_BY },
        minReplicas: this.minReplicas,
        maxReplicas: this.maxReplicas,
        cpuUtilization: this.cpuUtilization,
        memoryUtilization: this.memoryUtilization,
        container: APP_CONTAINER,
        metrics: this.metrics.map((m) => ({ source: m.source, name: m.name, target: { ...m.target }, labels: m.labels })),
        scaleUp: { stabilizationWindow: scaleUp.stabilizationWindow, policies: scaleUp.policies },
        scaleDown: { stabilizationWindow: scaleDown.stabilizationWindow, policies: scaleDown.policies },
      }, (v) => this.minReplicasOf(v));
    }
    addProblems(this, () => [...this.problems, ...this.versionProblems]);
  }

  /**
   * The floor of a version's autoscaler: the version's own replicas when it was given some (a canary of 1, a
   * shadow of 1), else minReplicas; a version given 0 is parked and gets no autoscaler.
   */
  private minReplicasOf(v: WorkloadVersion): number | undefined {
    const own = v.current ? undefined : v.ownReplicas;
    // A count that is no whole number is the version's own problem, reported on its construct.
    if (own === undefined || !Number.isInteger(own) || own < 0) return this.minReplicas;
    if (own === 0) return undefined;
    if (own > this.maxReplicas) {
      this.versionProblems.push(formatProblem(Codes.HPA_MIN_ABOVE_MAX,
        `maxReplicas (${this.maxReplicas}) is below the ${own} replicas version ${v.version} of ${this.service.name} is given; `
        + 'raise maxReplicas or lower that version\'s replicas'));
      return this.maxReplicas;
    }
    return own;
  }

  private check(up: Required<ScalingBehavior>, down: Required<ScalingBehavior>): string[] {
    const out: string[] = [];
    const whole = (field: string, v: number, min: number) => {
      if (!Number.isInteger(v) || v < min)
        out.push(formatProblem(Codes.AUTOSCALING_INVALID, `${field} must be a whole number of at least ${min}, got ${v}`));
    };
    whole('minReplicas', this.minReplicas, 1);
    whole('maxReplicas', this.maxReplicas, 1);
    if (this.minReplicas > this.maxReplicas) {
      out.push(formatProblem(Codes.HPA_MIN_ABOVE_MAX, `minReplicas (${this.minReplicas}) is above maxReplicas (${this.maxReplicas})`));
    }
    whole('cpuUtilization', this.cpuUtilization, 1);
    whole('memoryUtilization', this.memoryUtilization, 1);
    // The target as a share of the request, against what the limit allows of it.
    const r = this.service.resources;
    const reachable = (field: string, percent: number, request: number, limit: number, unit: string, atLimit: string) => {
      if (percent * request < 100 * limit) return;
      out.push(formatProblem(Codes.AUTOSCALING_TARGET_UNREACHABLE,
        `${field}: ${percent}% of the app container's ${request}${unit} request is ${exactDecimal(percent * request / 100)}${unit}, at or above its `
        + `${limit}${unit} limit, where ${atLimit}: the autoscaler would never scale; lower the target or raise the limit`));
    };
    reachable('cpuUtilization', this.cpuUtilization, cpuMillis(r.cpuRequest), cpuMillis(r.cpuLimit), 'm', 'the CPU is throttled');
    const [memoryRequest, memoryLimit] = [mebibytesOf(r.memoryRequest), mebibytesOf(r.memoryLimit)];
    reachable('memoryUtilization', this.memoryUtilization, memoryRequest, memoryLimit, 'Mi', 'the container is OOM-killed');
    for (const [field, b] of [['scaleUp', up], ['scaleDown', down]] as const) {
      const s = b.stabilizationWindow.toSeconds({ integral: false });
      if (!Number.isInteger(s) || s < 0 || s > 3600) {
        out.push(formatProblem(Codes.AUTOSCALING_INVALID, `${field}.stabilizationWindow must be whole seconds from 0s to 3600s, got ${s}s`));
      }
      if (b.policies.length === 0) out.push(formatProblem(Codes.AUTOSCALING_INVALID, `${field}.policies: give at least one policy`));
    }
    return out;
  }
}

/** A direction's behaviour: the given fields over the defaults, frozen. */
function behavior(defaults: Required<ScalingBehavior>, given: ScalingBehavior | undefined): Required<ScalingBehavior> {
  return Object.freeze({
    stabilizationWindow: given?.stabilizationWindow ?? defaults.stabilizationWindow,
    policies: Object.freeze([...(given?.policies ?? defaults.policies)]) as ScalingPolicy[],
  });
}
