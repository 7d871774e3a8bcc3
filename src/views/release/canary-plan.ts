import { Duration } from 'cdk8s';
import { Codes } from '../../core/codes';
import { formatProblem } from '../../core/errors';
import { StringMatch } from '../../core/http';
import { Percentage } from '../../core/weight';

/**
 * What a phase must show before the release moves on. Metric criteria are also the
 * thresholds a Flagger analysis or a dashboard checks; `checks` are for people.
 */
export interface SuccessCriteria {
  /**
   * The canary's error rate (5xx responses over all responses) must stay under this.
   * @default - no error-rate criterion
   */
  readonly maxErrorRate?: Percentage;
  /**
   * The canary's P99 latency must stay under this.
   * @default - no latency criterion
   */
  readonly maxP99Latency?: Duration;
  /**
   * Criteria checked by people or by business metrics (`QA passes every test`).
   * @default - none
   */
  readonly checks?: string[];
}

/**
 * One phase of a canary release, as data: the canary's share of the default route,
 * an optional header route to the canary ahead of it, how long the phase lasts and
 * what it must show.
 */
export interface CanaryPhase {
  /** The phase's name, by which an environment selects it (`canary-5`). */
  readonly name: string;
  /** The canary's share of the default route, a whole percentage from 0 to 100. */
  readonly canaryWeight: number;
  /**
   * Requests whose headers all match go to the canary, ahead of the weighted route
   * (QA's `x-canary: "true"`).
   * @default - no header route
   */
  readonly headers?: Record<string, StringMatch>;
  /**
   * How long the phase lasts before the next one.
   * @default - open-ended
   */
  readonly duration?: Duration;
  /**
   * What the phase must show before the release moves on.
   * @default - none
   */
  readonly successCriteria?: SuccessCriteria;
  /**
   * The old version's pods are removed in this phase: the release is complete.
   * Only the last phase, at weight 100, may retire the stable version.
   * @default false
   */
  readonly retireStable?: boolean;
}

/** Options for {@link CanaryPlan.steps}. */
export interface CanaryStepsOptions {
  /**
   * How long each step is evaluated.
   * @default - open-ended
   */
  readonly duration?: Duration;
  /**
   * What each step must show (the last, the promotion, has none).
   * @default - none
   */
  readonly successCriteria?: SuccessCriteria;
}

/**
 * The ordered phases of a canary release. A plan is plain data: it is checked at
 * synth by the {@link CanaryRelease} that uses it, so a bad weight is reported with
 * the release's construct path and the phase's index.
 *
 * @example
 * const plan = CanaryPlan.steps([10, 30, 50, 80, 100], {
 *   duration: Duration.minutes(5),
 *   successCriteria: { maxErrorRate: Percentage.of(1), maxP99Latency: Duration.millis(500) },
 * });
 */
export class CanaryPlan {
  /** A plan of the given phases, in order. */
  public static of(phases: CanaryPhase[]): CanaryPlan {
    return new CanaryPlan(phases.map((p) => ({ ...p })));
  }

  /**
   * Weighted steps named `canary-<weight>`, each with the same duration and criteria;
   * the last step (the promotion) has neither.
   */
  public static steps(weights: number[], options: CanaryStepsOptions = {}): CanaryPlan {
    return new CanaryPlan(weights.map((w, i) => {
      const last = i === weights.length - 1;
      return {
        name: `canary-${w}`,
        canaryWeight: w,
        duration: last ? undefined : options.duration,
        successCriteria: last ? undefined : options.successCriteria,
      };
    }));
  }

  private constructor(
    /** The phases, in order. */
    public readonly phases: readonly CanaryPhase[],
  ) {}

  /** The phase called `name`, if the plan has it. */
  public phase(name: string): CanaryPhase | undefined {
    return this.phases.find((p) => p.name === name);
  }

  /** The phases' names, in order. */
  public get names(): string[] {
    return this.phases.map((p) => p.name);
  }

  /** Everything wrong with the plan, as validation messages naming `phases[i]`. */
  public problems(): string[] {
    const out: string[] = [];
    if (this.phases.length === 0) out.push(formatProblem(Codes.CANARY_INVALID_PLAN, 'plan: a canary plan needs at least one phase'));
    const seen = new Set<string>();
    this.phases.forEach((p, i) => {
      const field = `plan.phases[${i}] (${p.name})`;
      if (seen.has(p.name)) out.push(formatProblem(Codes.CANARY_INVALID_PLAN, `${field}.name: '${p.name}' is used twice`));
      seen.add(p.name);
      const w = p.canaryWeight;
      if (!Number.isInteger(w) || w < 0 || w > 100) {
        out.push(formatProblem(Codes.CANARY_WEIGHT_OUT_OF_RANGE, `${field}.canaryWeight must be a whole percentage from 0 to 100, got ${w}`));
      }
      if (p.retireStable && (i !== this.phases.length - 1 || w !== 100)) {
        out.push(
          formatProblem(Codes.CANARY_INVALID_PLAN, `${field}.retireStable: only the last phase, at weight 100, may retire the stable version`),
        );
      }
      if (i > 0) {
        const prev = this.phases[i - 1];
        // Phases at weight 0 may follow each other: dark phases (the QA header's, the release's mirror) come before any weight.
        const growing = w > prev.canaryWeight || (p.retireStable && w === prev.canaryWeight) || (w === 0 && prev.canaryWeight === 0);
        if (!growing) {
          out.push(formatProblem(Codes.CANARY_WEIGHTS_NOT_INCREASING,
            `${field}.canaryWeight: ${w} does not increase on phases[${i - 1}] (${prev.name}) at ${prev.canaryWeight}`));
        }
      }
    });
    return out;
  }
}
