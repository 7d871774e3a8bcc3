import { Construct } from 'constructs';
import { Codes } from '../core/codes';
import { formatProblem } from '../core/errors';
import { Labels } from '../core/labels';
import { labelValueProblem } from '../core/names';
import { Percentage, Weight } from '../core/weight';
import { integerProblems } from '../private/checks';
import { MeshService } from '../service/mesh-service';
import { RouteDestinationOptions } from '../traffic/host-traffic';
import { CanaryPhase, CanaryPlan } from './canary-plan';

/** The subset name the new version's pods form. */
export const CANARY_SUBSET = 'canary';

/** Props for {@link CanaryRelease}. */
export interface CanaryReleaseProps {
  /** The service being released; its current version is the `stable` subset. */
  readonly service: MeshService;
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
   * Pod replicas of the new version.
   * @default - the service's replicas
   */
  readonly replicas?: number;
  /**
   * Copies this share of the default route's requests to the canary, responses
   * discarded: only in a phase where the canary serves no weighted traffic.
   * @default - no mirroring
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute
   */
  readonly mirror?: Percentage;
}

/**
 * A phased canary release of a {@link MeshService}: deploys the new version as its
 * own Deployment (`<service>-v2`, label `version: v2`, subset `canary`) and drives the
 * host's one VirtualService to the phase in force: a header route to the canary
 * ahead of the weighted route, the stable/canary weights, an optional mirror. In
 * the last phase the old version's Deployment is removed.
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
  public readonly service: MeshService;
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

  public constructor(scope: Construct, id: string, props: CanaryReleaseProps) {
    super(scope, id);
    this.service = props.service;
    this.version = props.version ?? 'v2';
    this.replicas = props.replicas ?? props.service.replicas;
    this.plan = props.plan;
    this.phaseName = props.phase;
    this.phase = props.plan.phase(props.phase);
    this.mirror = props.mirror;

    const traffic = this.service.traffic;
    this.deploymentName = this.service._addVersion(this, 'Deployment', { version: this.version, image: props.image, replicas: this.replicas });
    traffic.addSubset(this, { name: CANARY_SUBSET, labels: { [Labels.VERSION]: this.version } });

    // The routes are contributed only from a sound plan, so a bad weight is one message, not a throw.
    const phase = this.phase;
    if (phase && props.plan.problems().length === 0) {
      if (phase.headers && Object.keys(phase.headers).length > 0) {
        traffic.addRoute(this, { match: [{ headers: { ...phase.headers } }], destinations: [{ subset: CANARY_SUBSET }] });
      }
      traffic.setSplit(this, splitFor(phase));
      if (phase.retireStable) this.service._retireCurrentVersion();
    }
    if (this.mirror) traffic.setMirror(this, { subset: CANARY_SUBSET, percentage: this.mirror });

    this.node.addValidation({ validate: () => this.problems() });
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
      out.push(formatProblem(Codes.CANARY_NO_STABLE_VERSION,
        `version: the canary's version '${this.version}' is the service's own version, so ${this.service.name} has no stable version to fall back to`));
    } else if (this.service.replicas === 0 && !this.phase?.retireStable) {
      out.push(formatProblem(Codes.CANARY_NO_STABLE_VERSION,
        `service: ${this.service.name} runs no replicas of its stable version '${this.service.version}'`));
    }
    out.push(...integerProblems({ replicas: this.replicas }, 0));
    if (this.mirror && this.phase && this.phase.canaryWeight > 0) {
      out.push(formatProblem(Codes.MIRROR_TO_SERVING_SUBSET,
        `mirror: the canary already serves ${this.phase.canaryWeight}% of the traffic in phase '${this.phase.name}'; mirror only while it serves none`));
    }
    return out;
  }
}

/** The default route of a phase: stable only at 0, canary only once stable is retired. */
function splitFor(phase: CanaryPhase): RouteDestinationOptions[] {
  const w = phase.canaryWeight;
  if (phase.retireStable) return [{ subset: CANARY_SUBSET, weight: Weight.all() }];
  if (w === 0) return [{ subset: 'stable', weight: Weight.all() }];
  return [
    { subset: 'stable', weight: Weight.percent(100 - w) },
    { subset: CANARY_SUBSET, weight: Weight.percent(w) },
  ];
}
