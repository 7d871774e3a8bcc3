import { Construct, IConstruct } from 'constructs';
import { Codes } from '../core/codes';
import { formatProblem } from '../core/errors';
import { Labels } from '../core/labels';
import { dns1123LabelProblem } from '../core/names';
import { Principal } from '../core/principal';
import { hasBrand, isMeshChart, meshChartOf, REMOTE_SERVICE_BRAND, setBrand } from './brands';
import type { IMeshChart, IRemoteService } from './interfaces';
import { remoteWorkloadProblems } from './remote-caller';
import { ResolvedServicePort, resolvePorts, servicePortProblems, ServicePortOptions } from './service-port';
import { addProblems } from '../private/construct-problems';

/** Props of {@link RemoteService}. */
export interface RemoteServiceProps {
  /**
   * The Service's name, as the other team's chart writes it.
   * @default - the construct's id
   */
  readonly name?: string;
  /** The namespace the other team's chart deploys it in. */
  readonly namespace: string;
  /**
   * The ServiceAccount its pods run as (its principal, which its own policies name).
   * @default - the service's name, as a MeshService names its ServiceAccount
   */
  readonly serviceAccount?: string;
  /**
   * The labels on its pods, which the callers' NetworkPolicy egress selects (with its namespace).
   * @default - `{ app: <name> }`, as a MeshService labels its pods; with `releasedByFlagger`,
   * `{ 'app.kubernetes.io/name': <name> }`, which Flagger keeps on the primary's pods
   * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/#behavior-of-to-and-from-selectors
   */
  readonly podLabels?: Readonly<Record<string, string>>;
  /**
   * Its Service ports, each with its protocol (which names the port by Istio's convention) and
   * the container port it targets.
   * @see https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/
   */
  readonly ports: ServicePortOptions[];
  /**
   * Whether its pods run an Istio sidecar. A service outside the mesh (HashiCorp Vault, a
   * database operator's Service, a namespace without injection) runs none: its endpoints carry no
   * `security.istio.io/tlsMode: istio` label, so the callers' auto mTLS sends it plaintext, and it
   * holds no mTLS identity. Without one, the call is plaintext in the flows (the callee's side is
   * its NetworkPolicy alone), the record says so (`callee.sidecar: false`), and an authorization
   * rule that names it (`from: [{ services: [it] }]`) is an error (MESH245): it has no principal.
   * @default true
   * @see https://istio.io/latest/docs/tasks/security/authentication/authn-policy/#auto-mutual-tls
   */
  readonly sidecar?: boolean;
  /**
   * Whether a Flagger Canary releases it (its team's `FlaggerCanary`). Flagger then owns the
   * service's VirtualService, which sends its callers to the `<name>-primary` and `<name>-canary`
   * Services (fluxcd/flagger `pkg/router/istio.go`), and renames the `app` label of the primary's
   * pods to `<name>-primary` (`pkg/canary/util.go`, makePrimaryLabels). So the callers' Sidecars
   * import those two hosts beside `<name>` (a route to a host a Sidecar does not import finds no
   * cluster in the caller's Envoy: 503 NR), and their NetworkPolicy egress selects the pods by
   * `app.kubernetes.io/name`, which both the primary's and the canary's pods keep (`app: <name>`
   * would select the canary's alone, at zero replicas between analyses). Pod labels that name
   * `app: <name>` beside it are refused (MESH605).
   * @default false
   * @see https://docs.flagger.app/usage/how-it-works#canary-service
   * @see https://istio.io/latest/docs/reference/config/networking/sidecar/#IstioEgressListener
   */
  readonly releasedByFlagger?: boolean;
}

/**
 * A meshed service that another chart or repository synthesizes (another team's), called from
 * this app as any other: `order.calls(catalog, { methods, paths })` gives the caller's side (its
 * Sidecar imports `<namespace>/<host>`, its NetworkPolicy lets the call out to the service's
 * namespace and pod labels on the target ports) and records the call in the caller's output
 * (a `remote-calls/v1` ConfigMap, see `REMOTE_CALLS_FORMAT`). Synth proves the caller's side;
 * the flow check over both teams' folders (`cdk8s-mesh-validate <caller> <callee>`) proves the
 * callee admits the call (`service.admits(RemoteCaller.workload(...))` on its side), else fails
 * naming both (MESH604). It writes nothing of the callee's.
 *
 * @example
 * const catalog = new RemoteService(chart, 'catalog-api', {
 *   namespace: 'catalog',
 *   ports: [{ port: 80, targetPort: 8080, protocol: 'http' }],
 * });
 * storefront.calls(catalog, { methods: ['GET'], paths: ['/api/products/*'] });
 */
export class RemoteService extends Construct implements IRemoteService {
  /** Whether `x` is a RemoteService: a brand check, true across two copies of the library too. */
  public static isRemoteService(x: unknown): x is RemoteService {
    return hasBrand(x, REMOTE_SERVICE_BRAND);
  }

  public readonly name: string;
  public readonly namespace: string;
  public readonly serviceAccountName: string;
  /**
   * Its principal, which its own policies name. A service without a sidecar holds none: a rule
   * that names it is an error (MESH245).
   */
  public readonly principal: Principal;
  public readonly ports: readonly ResolvedServicePort[];
  /** The labels on its pods. */
  public readonly podLabels: Readonly<Record<string, string>>;
  /** Whether its pods run an Istio sidecar; without one it is called in plaintext and holds no identity. */
  public readonly sidecar: boolean;
  /** Whether a Flagger Canary releases it: its callers import its `-primary` and `-canary` hosts too. */
  public readonly releasedByFlagger: boolean;
  /** Another team's service has a Service (its ports are given). */
  public readonly hasService = true;
  /** The chart it is declared in (a caller's). */
  private readonly declaredIn: IMeshChart;

  public constructor(scope: Construct, id: string, props: RemoteServiceProps) {
    super(scope, id);
    setBrand(this, REMOTE_SERVICE_BRAND);
    this.declaredIn = meshChartOf(this);
    this.name = props.name ?? id;
    this.namespace = props.namespace;
    this.serviceAccountName = props.serviceAccount ?? this.name;
    this.releasedByFlagger = props.releasedByFlagger ?? false;
    this.podLabels = { ...(props.podLabels ?? (this.releasedByFlagger ? { [Labels.NAME]: this.name } : { [Labels.APP]: this.name })) };
    this.ports = resolvePorts(props.ports);
    this.sidecar = props.sidecar ?? true;
    // A name that cannot be a principal is reported at synth (MESH001), not thrown here.
    const valid = !dns1123LabelProblem(this.namespace) && !dns1123LabelProblem(this.serviceAccountName);
    this.principal = valid
      ? Principal.serviceAccount(this.namespace, this.serviceAccountName, this.declaredIn.trustDomain)
      : Principal.serviceAccount('invalid', 'invalid', this.declaredIn.trustDomain);
    addProblems(this, () => this.problems());
  }

  /** The labels that select its pods: its pod labels. */
  public get selectorLabels(): Readonly<Record<string, string>> {
    return this.podLabels;
  }

  /** Its visibility is its team's to say; a call is checked against it in the callee's manifests. */
  public exportedTo(_namespace: string): boolean {
    return true;
  }

  private problems(): string[] {
    const identity = { name: this.name, namespace: this.namespace, serviceAccount: this.serviceAccountName, podLabels: this.podLabels };
    const out = remoteWorkloadProblems(identity, `remote service ${this.namespace}/${this.name}`).map((p) => formatProblem(p.code, p.message));
    if (this.ports.length === 0) out.push(formatProblem(Codes.INVALID_REMOTE_SERVICE, 'ports: a remote service needs the ports its callers call'));
    out.push(...servicePortProblems(this.ports));
    // Flagger renames `app` on the primary's pods (fluxcd/flagger pkg/canary/util.go, makePrimaryLabels): such labels
    // select the canary's pods alone, which run no replica between analyses.
    if (this.releasedByFlagger && this.podLabels[Labels.APP] === this.name) {
      out.push(formatProblem(Codes.INVALID_REMOTE_SERVICE, `podLabels['${Labels.APP}']: '${this.name}' selects only the canary's pods of a service `
        + `Flagger releases (releasedByFlagger), which renames it to '${this.name}-primary' on the primary's pods: select them by `
        + `'${Labels.NAME}', which both keep`));
    }
    const own = ownService(this.node.root, this.namespace, this.name);
    if (own) out.push(...contradictions(this, own));
    return out;
  }
}

/** What the app's own MeshService of a name shows, for the comparison with a RemoteService of that name. */
interface OwnService extends IConstruct {
  readonly serviceAccountName: string;
  readonly ports: readonly ResolvedServicePort[];
  readonly podLabels?: Readonly<Record<string, string>>;
  readonly selectorLabels: Readonly<Record<string, string>>;
  readonly traffic?: { readonly virtualServiceOwner?: string };
}

/** The app's own service `namespace/name`, when a chart of the app (another team's, in one build) defines it. */
function ownService(root: IConstruct, namespace: string, name: string): OwnService | undefined {
  for (const c of root.node.children) {
    if (!isMeshChart(c) || c.namespace !== namespace) continue;
    const found = c.services.find((s) => s.name === name);
    if (found) return found as unknown as OwnService;
  }
  return undefined;
}

/**
 * Where a RemoteService contradicts the app's own MeshService of that name (both teams built in
 * one app): its ServiceAccount, pod labels (each must be on the service's pods) and ports.
 */
function contradictions(remote: RemoteService, own: OwnService): string[] {
  const out: string[] = [];
  const bad = (field: string, says: string, actual: string) => out.push(formatProblem(Codes.INVALID_REMOTE_SERVICE,
    `${field}: says ${says}, but ${own.node.path} has ${actual}`));
  const released = own.traffic?.virtualServiceOwner === 'flagger';
  if (remote.releasedByFlagger !== released) {
    bad('releasedByFlagger', String(remote.releasedByFlagger), released ? 'a FlaggerCanary' : 'no FlaggerCanary');
  }
  if (remote.serviceAccountName !== own.serviceAccountName) bad('serviceAccount', remote.serviceAccountName, own.serviceAccountName);
  const labels = own.podLabels ?? own.selectorLabels;
  for (const [k, v] of Object.entries(remote.podLabels)) {
    if (labels[k] !== v) bad(`podLabels['${k}']`, `'${v}'`, labels[k] === undefined ? 'no such pod label' : `'${labels[k]}'`);
  }
  remote.ports.forEach((p, i) => {
    const o = own.ports.find((x) => x.port === p.port);
    if (!o) bad(`ports[${i}]`, `port ${p.port}`, `ports ${own.ports.map((x) => x.port).join(', ')}`);
    else if (o.targetPort !== p.targetPort || o.protocol !== p.protocol) {
      bad(`ports[${i}]`, `${p.port} → ${p.targetPort} (${p.protocol})`, `${o.port} → ${o.targetPort} (${o.protocol})`);
    }
  });
  return out;
}
