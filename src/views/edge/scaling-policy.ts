import { Duration } from 'cdk8s';
import { Codes } from '../../core/codes';
import { MeshError } from '../../core/errors';

/**
 * How fast an autoscaler may change the replica count in one period: by a percentage
 * of the current replicas, or by a number of pods.
 *
 * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#scaling-policies
 */
export class ScalingPolicy {
  /** At most `percent` % of the current replicas per `period` (seed 004: 100% per 15s up, 50% per 60s down). */
  public static percent(percent: number, period: Duration): ScalingPolicy {
    return new ScalingPolicy('Percent', check('percent', percent), checkPeriod(period));
  }

  /** At most `pods` pods per `period`. */
  public static pods(pods: number, period: Duration): ScalingPolicy {
    return new ScalingPolicy('Pods', check('pods', pods), checkPeriod(period));
  }

  private constructor(
    /** `Percent` or `Pods`. */
    public readonly type: 'Percent' | 'Pods',
    /** The percentage or the number of pods. */
    public readonly value: number,
    /** The period the change is measured over. */
    public readonly period: Duration,
  ) {}
}

function check(what: string, v: number): number {
  if (!Number.isInteger(v) || v < 1)
    throw new MeshError(Codes.AUTOSCALING_INVALID, `scaling policy ${what} must be a whole number of at least 1, got ${v}`);
  return v;
}

function checkPeriod(d: Duration): Duration {
  const s = d.toSeconds({ integral: false });
  if (!Number.isInteger(s) || s < 1 || s > 1800) {
    throw new MeshError(Codes.AUTOSCALING_INVALID, `scaling policy period must be whole seconds from 1s to 1800s, got ${s}s`);
  }
  return d;
}
