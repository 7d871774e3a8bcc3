import type { IScaledService } from '../../graph/mesh-service-props';
import { Construct } from 'constructs';
import { Codes } from '../../core/codes';
import { formatProblem } from '../../core/errors';
import { Labels, MANAGED_BY } from '../../core/labels';
import { addPodDisruptionBudget, addTopologySpread } from '../../workload/workload';
import { addProblems } from '../../private/construct-problems';

/** How a service's pods spread over zones. */
export interface ZoneSpreadOptions {
  /**
   * Most pods more in one zone than in another.
   * @default 1
   */
  readonly maxSkew?: number;
  /**
   * Whether a pod that would unbalance the zones stays pending (`true`) or is placed anyway.
   * @default false - placed anyway: a lost zone must not stop the service from scaling
   */
  readonly strict?: boolean;
}

/** Props for {@link HighAvailability}. */
export interface HighAvailabilityProps {
  /** The service. */
  readonly service: IScaledService;
  /**
   * Most pods a voluntary disruption (a node drain) may take down at once.
   * @default 1, unless minAvailable is given
   * @see https://kubernetes.io/docs/tasks/run-application/configure-pdb/
   */
  readonly maxUnavailable?: number;
  /**
   * Fewest pods that must stay up during a voluntary disruption, instead of maxUnavailable.
   * @default - maxUnavailable is used
   */
  readonly minAvailable?: number;
  /**
   * Spread over zones (`topology.kubernetes.io/zone`) of each version's Deployment, the current one's and every
   * release's; `false` for none, which a team's workload meshed as it is needs (it keeps its own scheduling, MESH047).
   * @default - maxSkew 1, ScheduleAnyway
   * @see https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/
   */
  readonly zoneSpread?: ZoneSpreadOptions | false;
}

/** The node label of a node's zone. */
export const ZONE_TOPOLOGY_KEY = 'topology.kubernetes.io/zone';

/** A zone spread worked out from {@link ZoneSpreadOptions}. */
export interface ZoneSpread {
  /** Most pods more in one zone than in another. */
  readonly maxSkew: number;
  /** Whether a pod that would unbalance the zones stays pending. */
  readonly strict: boolean;
}

/**
 * Keeps a service up through node drains and zone loss: a PodDisruptionBudget over
 * all its pods (every version), and a topology spread over zones of each version's
 * Deployment (the current one and every release's, whichever construct comes first),
 * each counting its own version's pods.
 */
export class HighAvailability extends Construct {
  /** The service kept up. */
  public readonly service: IScaledService;
  /** The PDB's maxUnavailable, if it uses it. */
  public readonly maxUnavailable?: number;
  /** The PDB's minAvailable, if it uses it. */
  public readonly minAvailable?: number;
  /** The spread over zones, or undefined for none. */
  public readonly zoneSpread?: ZoneSpread;

  /** The team's workloads meshed as they are, which keep their own scheduling (read at synth). */
  private readonly unspread: () => string[] = () => [];

  public constructor(scope: Construct, id: string, props: HighAvailabilityProps) {
    super(scope, id);
    this.service = props.service;
    this.minAvailable = props.minAvailable;
    this.maxUnavailable = props.maxUnavailable ?? (props.minAvailable === undefined ? 1 : undefined);
    this.zoneSpread = props.zoneSpread === false ? undefined
      : Object.freeze({ maxSkew: props.zoneSpread?.maxSkew ?? 1, strict: props.zoneSpread?.strict ?? false });
    const s = this.service;
    addPodDisruptionBudget(this, 'Resource', {
      name: s.name,
      namespace: s.namespace,
      labels: { [Labels.APP]: s.name, [Labels.MANAGED_BY]: MANAGED_BY },
      // Read at synth: once a FlaggerCanary releases the service, its pods are selected by the label Flagger keeps on the
      // primary's (MeshService.selectorLabels), whichever construct came first.
      selector: () => s.selectorLabels,
      minAvailable: this.minAvailable,
      maxUnavailable: this.maxUnavailable,
    });
    if (this.zoneSpread) {
      // https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/#spread-constraint-definition
      // Every version's Deployment, now and to come (a release's serves the traffic once it takes it), each counting its own pods.
      this.unspread = addTopologySpread(s, {
        topologyKey: ZONE_TOPOLOGY_KEY,
        maxSkew: this.zoneSpread.maxSkew,
        whenUnsatisfiable: this.zoneSpread.strict ? 'DoNotSchedule' : 'ScheduleAnyway',
        labelSelector: (version) => ({ ...s.selectorLabels, [Labels.VERSION]: version }),
      });
    }
    addProblems(this, () => this.problems());
  }

  private problems(): string[] {
    const out: string[] = [];
    const minAvailable = this.minAvailable;
    const replicas = this.service.replicas;
    // maxUnavailable is only defaulted when minAvailable is not given: both set means both were given.
    if (minAvailable !== undefined && this.maxUnavailable !== undefined) {
      out.push(formatProblem(Codes.DISRUPTION_BUDGET_INVALID, 'minAvailable and maxUnavailable are both set; a PodDisruptionBudget takes one'));
    }
    if (this.maxUnavailable !== undefined && (!Number.isInteger(this.maxUnavailable) || this.maxUnavailable < 1)) {
      out.push(
        formatProblem(
          Codes.DISRUPTION_BUDGET_INVALID,
          `maxUnavailable must be a whole number of at least 1 (0 blocks every drain), got ${this.maxUnavailable}`,
        ),
      );
    }
    if (minAvailable !== undefined) {
      if (!Number.isInteger(minAvailable) || minAvailable < 0) {
        out.push(formatProblem(Codes.DISRUPTION_BUDGET_INVALID, `minAvailable must be a whole number of at least 0, got ${minAvailable}`));
      } else if (minAvailable >= replicas) {
        out.push(
          formatProblem(
            Codes.DISRUPTION_BUDGET_INVALID,
            `minAvailable (${minAvailable}) is not below the service's replicas (${replicas}); no pod could ever be evicted`,
          ),
        );
      }
    }
    for (const path of this.unspread()) {
      out.push(formatProblem(Codes.WORKLOAD_NOT_MESHABLE,
        `zoneSpread: ${path} is a cdk8s-plus workload meshed as it is, which keeps its own scheduling; spread it on that workload `
        + '(topologySpread) and set zoneSpread: false here'));
    }
    const skew = this.zoneSpread?.maxSkew;
    if (skew !== undefined && (!Number.isInteger(skew) || skew < 1)) {
      out.push(formatProblem(Codes.OUT_OF_RANGE, `zoneSpread.maxSkew must be a whole number of at least 1, got ${skew}`));
    }
    return out;
  }
}
