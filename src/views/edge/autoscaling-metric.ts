import { Codes } from '../../core/codes';
import { MeshError } from '../../core/errors';
import { isLabelKey, labelValueProblem } from '../../core/names';

/** What an {@link AutoscalingMetric} reads: a metric of the scaled pods, or one of no object of the cluster. */
export type AutoscalingMetricSource = 'Pods' | 'External';

/**
 * A metric a HorizontalPodAutoscaler scales on beside the app container's CPU and memory: one the cluster's custom or
 * external metrics API serves (`custom.metrics.k8s.io`, `external.metrics.k8s.io`), such as prometheus-adapter's series of
 * Prometheus. The autoscaler works out a replica count for each of its metrics and takes the highest ("the
 * HorizontalPodAutoscaler will calculate proposed replica counts for each metric, and then choose the one with the highest
 * replica count"), so a metric adds a reason to scale up and none to stay small.
 *
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale-walkthrough/#autoscaling-on-multiple-metrics-and-custom-metrics
 * @see https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/horizontal-pod-autoscaler-v2/
 */
export class AutoscalingMetric {
  /**
   * A metric each scaled pod has (a `Pods` metric: matchmaking tickets in flight, requests per second), averaged over the
   * pods and held at `averageValue` per pod; a `Pods` metric takes no other target ("pods metrics only support a target
   * type of AverageValue").
   */
  public static podsAverage(name: string, averageValue: number): AutoscalingMetric {
    return new AutoscalingMetric('Pods', checkName(name), { averageValue: checkTarget('averageValue', averageValue) });
  }

  /**
   * A metric of no object of the cluster (an `External` metric: a queue's depth, players waiting in a lobby), selected by
   * `labels`, held at `averageValue` per pod (the metric divided by the replicas) or at `value` in all.
   */
  public static external(name: string, target: ExternalMetricTarget, labels?: Readonly<Record<string, string>>): AutoscalingMetric {
    const given = (['averageValue', 'value'] as const).filter((k) => target[k] !== undefined);
    if (given.length !== 1) {
      const got = given.join(' and ') || 'neither';
      throw new MeshError(Codes.AUTOSCALING_INVALID, `external metric ${name}: give its target as one of averageValue or value, got ${got}`);
    }
    const [k] = given;
    for (const [key, value] of Object.entries(labels ?? {})) {
      const p = isLabelKey(key) ? labelValueProblem(value) : 'not a label key';
      if (p) throw new MeshError(Codes.AUTOSCALING_INVALID, `external metric ${name}: labels: '${key}: ${value}': ${p}`);
    }
    return new AutoscalingMetric('External', checkName(name), { [k]: checkTarget(k, target[k]!) }, labels && { ...labels });
  }

  private constructor(
    /** What the metric is of. */
    public readonly source: AutoscalingMetricSource,
    /** The metric's name, as the metrics API serves it. */
    public readonly name: string,
    /** The value the autoscaler holds it at: per pod (`averageValue`) or in all (`value`, an external metric's). */
    public readonly target: ExternalMetricTarget,
    /** The labels that select an external metric's series. */
    public readonly labels?: Readonly<Record<string, string>>,
  ) {}

  /** `Pods istio_requests_per_second averageValue 50`. */
  public toString(): string {
    const [k, v] = Object.entries(this.target)[0];
    return `${this.source} ${this.name} ${k} ${v}`;
  }
}

/** An external metric's target: one of the two. */
export interface ExternalMetricTarget {
  /**
   * The metric divided by the current replicas, held at this value.
   * @default - none: give this or `value`
   */
  readonly averageValue?: number;
  /**
   * The metric as a whole, held at this value.
   * @default - none: give this or `averageValue`
   */
  readonly value?: number;
}

/** A metric's name as the metrics APIs take it: a path segment of the API's URL, so no whitespace or `/`. */
function checkName(name: string): string {
  if (typeof name !== 'string' || !/^[A-Za-z_:][A-Za-z0-9_:.-]*$/.test(name)) {
    throw new MeshError(Codes.AUTOSCALING_INVALID, `'${name}' is not a metric name (letters, digits, '_', ':', '.', '-', not starting with a digit)`);
  }
  return name;
}

/** A target is a quantity above 0: at 0 the autoscaler's ratio of the metric to its target is undefined. */
function checkTarget(field: string, v: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new MeshError(Codes.AUTOSCALING_INVALID, `metric target ${field} must be a number above 0, got ${v}`);
  }
  return v;
}
