import { Construct } from 'constructs';
import { Codes } from '../../core/codes';
import { formatProblem } from '../../core/errors';
import { Labels } from '../../core/labels';
import { dns1123LabelProblem, labelValueProblem } from '../../core/names';
import { Percentage, Weight } from '../../core/weight';
import { weightSplitProblem } from '../../core/weight-split';
import { integerProblems } from '../../private/checks';
import { IVersionedService } from '../../graph/mesh-service';
import { RouteDestinationOptions } from '../../graph/traffic/host-traffic';
import { CanaryPhase, CanaryPlan } from './canary-plan';
import { addProblems } from '../../private/construct-problems';

/** The subset name the new version's pods form. */
export const CANARY_SUBSET = 'canary';

/** Props for {@link CanaryRelease}. */
export interface CanaryReleaseProps {
  /** The service being released; its current version's subset (`stable`) is what the canary takes traffic from. */
  readonly service: IVersionedService;
  /** The container image of the new version. */
  readonly image: string;
  /** The release's phases, in order. */
  readonly plan: CanaryPlan;
  /** The name of the phase in force (per environment: `canary-5` in production, say). */
  readonly phase: string;
  /**
   * The new version's `version` label; its pods form the `canary` subset.
   * @default 'v2'
   */
  readonly version?: string;
  /**
   * Pod replicas of the new version; with an {@link Autoscaling} of the service, the floor
   * (`minReplicas`) of the new version's own autoscaler (0: no autoscaler, the version stays at 0).
   * @default - the service's replicas; with an Autoscaling, its minReplicas
   */
  readonly replicas?: number;
  /**
   * Copies this share of the default route's requests to the canary, responses
   * discarded: only in a phase where the canary serves no weighted traffic.
   * @default - no mirroring
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute
   */
  readonly mirror?: Percentage;
  /**
   * The new version's subset name, a DNS-1123 label.
   * @default 'canary'
   */
  readonly subset?: string;
  /**
   * How the traffic the canary does not take is split over the service's other subsets
   * (its versions), weights summing to 100: with v1 and v2 at 50 each and a canary
   * phase at 10%, v1 and v2 get 45% each. Shares are rounded to whole percent by the
   * largest remainder, so the route always sums to 100.
   * @default - all of it to the service's current subset
   */
  readonly baseline?: RouteDestinationOptions[];
}

/**
 * A phased canary release of a {@link MeshService}: deploys the new version as its
 * own Deployment (`<service>-v2`, label `version: v2`, subset `canary`) and drives the
 * host's one VirtualService to the phase in force: a header route to the canary
 * ahead of the weighted route, the stable/canary weights, an optional mirror. In
 * the last phase the old version's Deployment is removed.
 * Its child `Deployment` is the new version's Deployment.
 *
 * @example
 * new CanaryRelease(chart, 'order-v2', {
 *   service: order,
 *   image: 'registry.example.com/order-service:2.0.0',
 *   plan: CanaryPlan.steps([5, 25, 50, 100]),
 *   phase: 'canary-5',
 * });
 */
export class CanaryRelease extends Construct {
  /** The released service. */
  public readonly service: IVersionedService;
  /** The new version's subset. */
  public readonly subset: string;
  /** The new version's label. */
  public readonly version: string;
  /** Replicas of the new version. */
  public readonly replicas: number;
  /** The plan. */
  public readonly plan: CanaryPlan;
  /** The phase in force, if the plan has it. */
  public readonly phase?: CanaryPhase;
  /** The name of the new version's Deployment. */
  public readonly deploymentName: string;

  private readonly phaseName: string;
  private readonly mirror?: Percentage;
  private readonly baseline?: RouteDestinationOptions[];

  public constructor(scope: Construct, id: string, props: CanaryReleaseProps) {
    super(scope, id);
    this.service = props.service;
    this.version = props.version ?? 'v2';
    this.replicas = props.replicas ?? props.service.replicas;
    this.plan = props.plan;
    this.phaseName = props.phase;
    this.phase = props.plan.phase(props.phase);
    this.mirror = props.mirror;
    this.subset = props.subset ?? CANARY_SUBSET;
    this.baseline = props.baseline;
    const baseline = props.baseline ?? [{ subset: this.service.subset, weight: Weight.all() }];

    const traffic = this.service.traffic;
    this.deploymentName = this.service._addVersion(this, 'Deployment', { version: this.version, image: props.image, replicas: props.replicas });
    traffic.addSubset(this, { name: this.subset, labels: { [Labels.VERSION]: this.version } });

    // The routes are contributed only from a sound plan, so a bad weight is one message, not a throw.
    const phase = this.phase;
    if (phase && props.plan.problems().length === 0 && baselineProblems(baseline).length === 0) {
      if (phase.headers && Object.keys(phase.headers).length > 0) {
        traffic.addRoute(this, { match: [{ headers: { ...phase.headers } }], destinations: [{ subset: this.subset }] });
      }
      traffic.setSplit(this, splitFor(phase, this.subset, baseline));
      if (phase.retireStable) this.service._retireCurrentVersion();
    }
    if (this.mirror) traffic.setMirror(this, { subset: this.subset, percentage: this.mirror });

    addProblems(this, () => this.problems());
  }

  private problems(): string[] {
    const out = this.plan.problems();
    if (!this.phase) {
      out.push(formatProblem(Codes.CANARY_INVALID_PLAN,
        `phase: '${this.phaseName}' is not a phase of the plan (phases: ${this.plan.names.join(', ') || 'none'})`));
    }
    const vp = labelValueProblem(this.version);
    if (vp || this.version === '') out.push(formatProblem(Codes.INVALID_NAME, `version: ${vp ?? 'must not be empty'}`));
    if (this.version === this.service.version) {
      out.push(
        formatProblem(
          Codes.CANARY_NO_STABLE_VERSION,
          `version: the canary's version '${this.version}' is the service's own version, so ${this.service.name} has no stable version to fall `
            + 'back to',
        ),
      );
    } else if (this.service.replicas === 0 && !this.phase?.retireStable) {
      out.push(formatProblem(Codes.CANARY_NO_STABLE_VERSION,
        `service: ${this.service.name} runs no replicas of its stable version '${this.service.version}'`));
    }
    out.push(...integerProblems({ replicas: this.replicas }, 0));
    if (this.service.versions.some((v) => v.name === this.version)) {
      out.push(formatProblem(Codes.DUPLICATE_VERSION, `version: '${this.version}' is already a version of ${this.service.name} (addVersion)`));
    }
    // https://istio.io/latest/docs/reference/config/networking/destination-rule/#Subset: a DNS label.
    const sp = dns1123LabelProblem(this.subset);
    if (sp) out.push(formatProblem(Codes.INVALID_SUBSET_NAME, `subset: '${this.subset}' ${sp}`));
    if (this.baseline) out.push(...baselineProblems(this.baseline));
    if (this.mirror && this.phase && this.phase.canaryWeight > 0) {
      out.push(
        formatProblem(
          Codes.MIRROR_TO_SERVING_SUBSET,
          `mirror: the canary already serves ${this.phase.canaryWeight}% of the traffic in phase '${this.phase.name}'; mirror only while it serves `
            + 'none',
        ),
      );
    }
    return out;
  }
}

/** The baseline's weights must sum to 100 over distinct subsets (MESH012). */
function baselineProblems(baseline: RouteDestinationOptions[]): string[] {
  if (baseline.length === 0) return [formatProblem(Codes.WEIGHTS_NOT_100, 'baseline: needs at least one subset')];
  // a baseline subset without a weight counts 0 beside others, as an omitted Istio weight does
  const split = weightSplitProblem(baseline.map((d) => ({ name: d.subset, weight: d.weight?.value ?? (baseline.length === 1 ? undefined : 0) })));
  return split ? [formatProblem(Codes.WEIGHTS_NOT_100, `baseline: ${split}`)] : [];
}

/**
 * The default route of a phase: the baseline only at 0, the canary only once the
 * current version is retired, else the canary's weight and the rest shared over the
 * baseline by its weights, rounded by the largest remainder (ties to the earlier subset).
 */
export function splitFor(phase: CanaryPhase, canary: string, baseline: RouteDestinationOptions[]): RouteDestinationOptions[] {
  const w = phase.canaryWeight;
  if (phase.retireStable) return [{ subset: canary, weight: Weight.all() }];
  const rest = 100 - w;
  const raw = baseline.map((d) => ((d.weight?.value ?? 100) * rest) / 100);
  const shares = raw.map(Math.floor);
  let left = rest - shares.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => ({ i, frac: r - Math.floor(r) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    shares[i]++;
    left--;
  }
  const out = baseline.map((d, i) => ({ subset: d.subset, weight: Weight.percent(shares[i]) }));
  if (w === 0) return out.length === 1 ? [{ subset: out[0].subset, weight: Weight.all() }] : out;
  return [...out, { subset: canary, weight: Weight.percent(w) }];
}
