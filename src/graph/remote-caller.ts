import { Codes } from '../core/codes';
import { MeshError } from '../core/errors';
import { Labels } from '../core/labels';
import { dns1123LabelProblem, isLabelKey, labelValueProblem } from '../core/names';
import { Principal } from '../core/principal';
import type { FlowWorkload } from '../core/flow';

/** A workload another team's chart or repository deploys, as a {@link RemoteCaller}. */
export interface RemoteCallerProps {
  /** The workload's name (its `app` label, as a MeshService of that team would set it), for messages and flows. */
  readonly name: string;
  /** The namespace its chart deploys it in. */
  readonly namespace: string;
  /**
   * The ServiceAccount its pods run as: its principal is what the callee's AuthorizationPolicy admits.
   * @default - the workload's name, as a MeshService names its ServiceAccount
   * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source
   */
  readonly serviceAccount?: string;
  /**
   * Labels on its pods, which the callee's NetworkPolicy ingress selects (with its namespace).
   * @default - `{ app: <name> }`, as a MeshService labels its pods
   * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/#behavior-of-to-and-from-selectors
   */
  readonly podLabels?: Readonly<Record<string, string>>;
}

/**
 * A named caller from outside the app: a workload that another team's chart or repository
 * deploys, which a service admits with `service.admits(caller, { methods, paths })`. Its
 * principal, namespace and pod labels are typed data, checked at once; the flow check over both
 * teams' folders proves they are the ones the caller's chart writes.
 *
 * @example
 * const storefront = RemoteCaller.workload({ name: 'storefront', namespace: 'checkout' });
 * catalogApi.admits(storefront, { methods: ['GET'], paths: ['/api/products/*'] });
 */
export class RemoteCaller {
  /** The workload described by `props`; throws a {@link MeshError} naming the field when a name or label is malformed (MESH001, MESH605). */
  public static workload(props: RemoteCallerProps): RemoteCaller {
    const problems = remoteWorkloadProblems(props, `remote caller ${props.namespace}/${props.name}`);
    if (problems.length > 0) {
      throw new MeshError(problems[0].code, `remote caller ${props.namespace}/${props.name}: ${problems.map((p) => p.message).join('; ')}`);
    }
    const podLabels = { ...(props.podLabels ?? { [Labels.APP]: props.name }) };
    return new RemoteCaller(props.name, props.namespace, props.serviceAccount ?? props.name, podLabels);
  }

  private constructor(
    /** The workload's name. */
    public readonly name: string,
    /** Its namespace. */
    public readonly namespace: string,
    /** Its ServiceAccount. */
    public readonly serviceAccount: string,
    /** The labels on its pods. */
    public readonly podLabels: Readonly<Record<string, string>>,
  ) {}

  /** Its principal in the mesh of trust domain `trustDomain` (the callee's: one cluster's teams share it). */
  public principal(trustDomain: string): Principal {
    return Principal.serviceAccount(this.namespace, this.serviceAccount, trustDomain);
  }

  /** Its pods as a flow's source: meshed, with its labels and ServiceAccount. */
  public workload(): FlowWorkload {
    return { name: this.name, namespace: this.namespace, labels: { ...this.podLabels }, serviceAccount: this.serviceAccount, meshed: true };
  }

  /** `<namespace>/<name>` */
  public toString(): string {
    return `${this.namespace}/${this.name}`;
  }
}

/**
 * Problems with the identity of another team's workload (a RemoteCaller's or a RemoteService's):
 * DNS-1123 names (MESH001), and pod labels that are valid and select something (MESH605).
 * @internal
 */
export function remoteWorkloadProblems(
  w: { name: string; namespace: string; serviceAccount?: string; podLabels?: Readonly<Record<string, string>> }, what: string,
): { code: string; message: string }[] {
  const out: { code: string; message: string }[] = [];
  for (const [field, value] of [['name', w.name], ['namespace', w.namespace], ['serviceAccount', w.serviceAccount ?? w.name]] as const) {
    const problem = dns1123LabelProblem(value);
    if (problem) out.push({ code: Codes.INVALID_NAME, message: `${field}: ${problem}` });
  }
  if (w.podLabels !== undefined) {
    const entries = Object.entries(w.podLabels);
    // An empty selector would pick every pod of the namespace, not the workload.
    if (entries.length === 0) {
      out.push({ code: Codes.INVALID_REMOTE_SERVICE, message: `podLabels: empty: ${what} would stand for every pod of namespace ${w.namespace}` });
    }
    for (const [k, v] of entries) {
      if (!isLabelKey(k)) out.push({ code: Codes.INVALID_REMOTE_SERVICE, message: `podLabels: '${k}' is not a label key` });
      const problem = labelValueProblem(v);
      if (problem) out.push({ code: Codes.INVALID_REMOTE_SERVICE, message: `podLabels['${k}']: ${problem}` });
    }
  }
  return out;
}
