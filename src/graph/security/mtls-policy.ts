import { Construct } from 'constructs';
import { Codes } from '../../core/codes';
import { formatProblem } from '../../core/errors';
import { MANAGED_BY, Labels } from '../../core/labels';
import { dns1123LabelProblem } from '../../core/names';
import { integerProblems } from '../../private/checks';
import { addPeerAuthentication } from './mtls-policy.render';
import { MtlsMode } from './mtls-mode';
import { addProblems } from '../../private/construct-problems';

/** Props for {@link MtlsPolicy}. */
export interface MtlsPolicyProps {
  /** The PeerAuthentication's name (`default` for a namespace's or the mesh's policy). */
  readonly name: string;
  /** The namespace; the Istio root namespace makes the policy mesh-wide. */
  readonly namespace: string;
  /** The mode for every port not listed in `portLevelMtls`. */
  readonly mode: MtlsMode;
  /**
   * Pod labels of the workloads the policy applies to.
   * @default - every workload of the namespace
   * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/#PeerAuthentication
   */
  readonly selector?: Record<string, string>;
  /**
   * Modes of particular container ports; Istio honours them only with a selector.
   * @default - none
   * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/#PeerAuthentication
   */
  readonly portLevelMtls?: Record<number, MtlsMode>;
}

/**
 * One PeerAuthentication: the mesh's (in the root namespace), a namespace's, or a
 * workload's (with a selector, optionally per port).
 *
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
 */
export class MtlsPolicy extends Construct {
  /** The PeerAuthentication's name. */
  public readonly name: string;
  /** Its namespace. */
  public readonly namespace: string;
  /** The mode for ports not listed per port. */
  public readonly mode: MtlsMode;
  /** Modes per container port. */
  public readonly portLevelMtls: Readonly<Record<number, MtlsMode>>;
  private readonly givenSelector?: Readonly<Record<string, string>>;

  public constructor(scope: Construct, id: string, props: MtlsPolicyProps) {
    super(scope, id);
    this.name = props.name;
    this.namespace = props.namespace;
    this.mode = props.mode;
    this.givenSelector = props.selector && { ...props.selector };
    this.portLevelMtls = { ...props.portLevelMtls };
    addPeerAuthentication(this, 'Resource', { name: this.name, namespace: this.namespace, labels: { [Labels.MANAGED_BY]: MANAGED_BY } }, this);
    addProblems(this, () => this.problems());
  }

  /**
   * The selected pods' labels, if any, as of now: the PeerAuthentication is written with them
   * at synth. A workload's own policy (`ServiceSecurity.setMtls`) follows the service's
   * selector, which a later FlaggerCanary moves to `app.kubernetes.io/name`.
   */
  public get selector(): Readonly<Record<string, string>> | undefined {
    return this.selectorNow();
  }

  /** The selector the policy has at synth; a subclass may read it from elsewhere. */
  protected selectorNow(): Readonly<Record<string, string>> | undefined {
    return this.givenSelector;
  }

  /** The mode on `port`: its port-level mode, else the policy's. */
  public modeOn(port: number): MtlsMode {
    return this.portLevelMtls[port] ?? this.mode;
  }

  private problems(): string[] {
    const out: string[] = [];
    const nameProblem = dns1123LabelProblem(this.name);
    if (nameProblem) out.push(formatProblem(Codes.INVALID_NAME, `name: ${nameProblem}`));
    const ports = Object.keys(this.portLevelMtls).map(Number);
    if (ports.length > 0 && !this.selector) {
      out.push(formatProblem(Codes.PORT_MTLS_WITHOUT_SELECTOR,
        `portLevelMtls (ports ${ports.join(', ')}): Istio ignores port-level mTLS without a selector; select the workload or drop portLevelMtls`));
    }
    out.push(...integerProblems(Object.fromEntries(ports.map((p) => [`portLevelMtls[${p}]`, p])), 1, 65535));
    return out;
  }
}
