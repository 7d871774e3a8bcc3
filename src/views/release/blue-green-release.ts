import type { IVersionedService } from '../../graph/mesh-service-props';
import { Construct } from 'constructs';
import { Codes } from '../../core/codes';
import { formatProblem } from '../../core/errors';
import { labelValueProblem } from '../../core/names';
import { Weight } from '../../core/weight';
import { addDeploymentLabel } from '../../workload/workload';
import { addProblems } from '../../private/construct-problems';

/** The two sides of a blue/green release. */
export type BlueGreenColor = 'blue' | 'green';

/** Props for {@link BlueGreenRelease}. */
export interface BlueGreenReleaseProps {
  /** The service; its current Deployment is blue. */
  readonly service: IVersionedService;
  /** The container image of the new version, deployed as green. */
  readonly image: string;
  /** The side that receives all the traffic. */
  readonly active: BlueGreenColor;
  /**
   * The new version's `version` label.
   * @default 'v2'
   */
  readonly version?: string;
  /**
   * Pod replicas of green; with an {@link Autoscaling} of the service, the floor (`minReplicas`)
   * of green's own autoscaler (0: no autoscaler, green stays at 0).
   * @default - the service's replicas; with an Autoscaling, its minReplicas
   */
  readonly replicas?: number;
  /**
   * The pod label that tells blue from green (seed 001: `deployment`).
   * @default 'deployment'
   */
  readonly label?: string;
}

/**
 * A blue/green release (seed 001): the service's current Deployment is blue, the new
 * version's Deployment is green; each carries `deployment: blue|green`, the host's
 * DestinationRule gets `blue` and `green` subsets by that label, and the default route
 * sends 100% to the active side. Switching is one prop, `active`.
 * Its child `Deployment` is green's Deployment.
 */
export class BlueGreenRelease extends Construct {
  /** The side receiving the traffic. */
  public readonly active: BlueGreenColor;
  /** The name of green's Deployment. */
  public readonly greenDeploymentName: string;

  private readonly service: IVersionedService;
  private readonly version: string;
  private readonly label: string;

  public constructor(scope: Construct, id: string, props: BlueGreenReleaseProps) {
    super(scope, id);
    this.service = props.service;
    this.active = props.active;
    this.version = props.version ?? 'v2';
    this.label = props.label ?? 'deployment';
    this.greenDeploymentName = this.service._addVersion(this, 'Deployment', {
      version: this.version, image: props.image, replicas: props.replicas,
    });
    this.service._labelCurrentVersion(this.label, 'blue');
    addDeploymentLabel(this.node.findChild('Deployment'), this.label, 'green');
    const traffic = this.service.traffic;
    traffic.addSubset(this, { name: 'blue', labels: { [this.label]: 'blue' } });
    traffic.addSubset(this, { name: 'green', labels: { [this.label]: 'green' } });
    traffic.setSplit(this, [{ subset: this.active, weight: Weight.all() }]);
    addProblems(this, () => this.problems());
  }

  private problems(): string[] {
    const out: string[] = [];
    if (this.active !== 'blue' && this.active !== 'green') {
      out.push(formatProblem(Codes.CANARY_INVALID_PLAN, `active: must be 'blue' or 'green', got '${this.active}'`));
    }
    if (this.version === this.service.version) {
      out.push(formatProblem(Codes.CANARY_NO_STABLE_VERSION, `version: green's version '${this.version}' is blue's own version`));
    }
    if (!/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(this.label)) {
      out.push(formatProblem(Codes.INVALID_NAME, `label: '${this.label}' is not a Kubernetes label key`));
    }
    const vp = labelValueProblem(this.version);
    if (vp) out.push(formatProblem(Codes.INVALID_NAME, `version: ${vp}`));
    return out;
  }
}
