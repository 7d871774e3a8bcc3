import { Codes } from './codes';
import { MeshError } from './errors';
import { dns1123LabelProblem } from './names';

/**
 * A workload identity in the mesh: the SPIFFE path of a ServiceAccount,
 * `cluster.local/ns/production/sa/order-service`.
 *
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source
 */
export class Principal {
  /** The principal of ServiceAccount `serviceAccount` in `namespace`. */
  public static serviceAccount(namespace: string, serviceAccount: string, trustDomain = 'cluster.local'): Principal {
    for (const [field, value] of [['namespace', namespace], ['serviceAccount', serviceAccount]] as const) {
      const problem = dns1123LabelProblem(value);
      if (problem) throw new MeshError(Codes.INVALID_NAME, `principal ${field}: ${problem}`);
    }
    if (!/^[a-z0-9.-]+$/.test(trustDomain)) {
      throw new MeshError(Codes.INVALID_NAME, `principal trustDomain '${trustDomain}' is not a domain name`);
    }
    return new Principal(trustDomain, namespace, serviceAccount);
  }

  /** Parses `cluster.local/ns/<namespace>/sa/<name>`; undefined if it has another shape. */
  public static parse(text: string): Principal | undefined {
    const m = /^([^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(text);
    return m ? new Principal(m[1], m[2], m[3]) : undefined;
  }

  private constructor(
    /** The trust domain, `cluster.local` by default. */
    public readonly trustDomain: string,
    /** The ServiceAccount's namespace. */
    public readonly namespace: string,
    /** The ServiceAccount's name. */
    public readonly serviceAccount: string,
  ) {}

  /** `cluster.local/ns/production/sa/order-service` */
  public toString(): string {
    return `${this.trustDomain}/ns/${this.namespace}/sa/${this.serviceAccount}`;
  }
}
