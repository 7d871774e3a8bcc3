import { Construct, IConstruct } from 'constructs';
import { Labels, MANAGED_BY } from '../../core/labels';
import type { IMeshChart } from '../interfaces';
import { MeshCluster } from '../mesh-cluster';
import { addNetworkPolicy, NetworkRule } from '../../workload/workload';
import { dnsEgressRules } from './dns-egress';
import { MeshWideMtls, MtlsMode } from './mtls-mode';
import { MtlsPolicy } from './mtls-policy';
import { Codes } from '../../core/codes';
import { MeshError } from '../../core/errors';
import { hasBrand } from '../brands';
import { addAuthorizationPolicy } from './authorization-rule.render';
import { renderDefaultDenyNetworkPolicy } from './service-security.render';

/** Props for {@link MeshSecurity}, given as `MeshChartProps.security`. */
export interface MeshSecurityProps {
  /**
   * The mesh-wide mTLS policy, PeerAuthentication `default` in the root namespace: an explicit,
   * staged opt-in (`MeshWideMtls.permissive()`, then `MeshWideMtls.strict({...})`), since it
   * governs every namespace of the cluster. Written once for the cluster (`dist/cluster/`), and
   * environments that ask for different modes fail synth (MESH631).
   * @default MeshWideMtls.none() - no mesh-wide object; the namespace's own STRICT policy covers the chart's services
   * @see https://istio.io/latest/docs/tasks/security/authentication/mtls-migration/
   */
  readonly meshMtls?: MeshWideMtls;
  /**
   * The namespace's mTLS mode, PeerAuthentication `default` in the chart's namespace: every
   * service the chart writes runs here, so it is STRICT without any mesh-wide policy.
   * @default MtlsMode.strict()
   */
  readonly namespaceMtls?: MtlsMode;
  /**
   * Whether Prometheus may scrape: NetworkPolicy ingress from its pods to Envoy's metrics
   * ports 15090 and 15020. No PeerAuthentication is needed: Istio serves those ports in
   * plaintext, outside the inbound mTLS listener, whatever the workload's mode.
   * @default true
   * @see https://istio.io/latest/docs/tasks/observability/metrics/secure-metrics/ (the telemetry ports are not protected by mutual TLS)
   */
  readonly allowMetricsScraping?: boolean;
  /**
   * Whether the namespace gets the allow-nothing AuthorizationPolicy, so that only what a
   * service's ALLOW policy names reaches it. Turning it off is an explicit opt-out.
   * @default true
   * @see https://istio.io/latest/docs/ops/best-practices/security/#use-default-deny-patterns
   */
  readonly allowNothingBaseline?: boolean;
}

/**
 * The security of one chart's namespace, secure by default: STRICT mTLS for the
 * namespace, the allow-nothing AuthorizationPolicy and a deny-all NetworkPolicy
 * baseline, and Prometheus's scrape of the sidecars let through. The mesh-wide policy
 * (root namespace) is written only when the chart opts in, in stages ({@link MeshWideMtls}).
 * Every MeshChart has one (id `Security`), configured by `MeshChartProps.security`;
 * each service's {@link ServiceSecurity} opens exactly its declared calls on top.
 */
export class MeshSecurity extends Construct {
  /**
   * Whether `x` is a MeshSecurity, of this copy of the library or another (a registered
   * brand, as cdk8s's `Chart.isChart`).
   */
  public static isMeshSecurity(x: unknown): x is MeshSecurity {
    return hasBrand(x, MESH_SECURITY_BRAND);
  }

  /**
   * The MeshSecurity of the chart `scope` belongs to. A lookup: it creates nothing (every
   * MeshChart creates its own, id `Security`, when it is constructed).
   */
  public static of(scope: IConstruct): MeshSecurity {
    for (let s: IConstruct | undefined = scope; s; s = s.node.scope) {
      const found = s.node.tryFindChild(MESH_SECURITY_ID);
      if (MeshSecurity.isMeshSecurity(found)) return found;
    }
    throw new MeshError(Codes.NOT_IN_MESH_CHART, `${scope.node.path} is not inside a MeshChart`);
  }

  /** Istio's root namespace. */
  public readonly rootNamespace: string;
  /** istiod's namespace. */
  public readonly controlPlaneNamespace: string;
  /** The chart's namespace. */
  public readonly namespace: string;
  /** The mesh-wide policy (none unless the chart opted in). */
  public readonly meshMtls: MeshWideMtls;
  /** The namespace's mode. */
  public readonly namespaceMtls: MtlsMode;
  /** Whether Prometheus may scrape. */
  public readonly allowMetricsScraping: boolean;
  /** Prometheus's namespace. */
  public readonly observabilityNamespace: string;
  /** The NetworkPolicy egress rules that let a pod resolve names: the platform's DNS (`MeshPlatform.dns`). */
  public readonly dnsEgress: readonly NetworkRule[];

  public constructor(scope: IMeshChart, id: string, props: MeshSecurityProps = {}) {
    super(scope, id);
    Object.defineProperty(this, MESH_SECURITY_BRAND, { value: true });
    this.namespace = scope.namespace;
    // The namespaces are the platform's (MeshChartProps.platform), never literals here.
    this.rootNamespace = scope.platform.istio.rootNamespace;
    this.controlPlaneNamespace = scope.platform.istio.controlPlaneNamespace;
    this.meshMtls = props.meshMtls ?? MeshWideMtls.none();
    this.namespaceMtls = props.namespaceMtls ?? MtlsMode.strict();
    this.allowMetricsScraping = props.allowMetricsScraping ?? true;
    this.observabilityNamespace = scope.platform.prometheus.namespace;
    this.dnsEgress = dnsEgressRules(scope.platform.dns);
    const labels = { [Labels.MANAGED_BY]: MANAGED_BY };

    // The root namespace's policy belongs to the cluster: in a MeshApp it is written once
    // (dist/cluster/), and environments that opt in must agree on it.
    const meshMode = this.meshMtls.mode;
    if (meshMode) {
      const create = (s: Construct, childId: string) =>
        new MtlsPolicy(s, childId, { name: 'default', namespace: this.rootNamespace, mode: meshMode });
      const cluster = MeshCluster.forApp(this);
      if (cluster) cluster.addOnce(`PeerAuthentication ${this.rootNamespace}/default`, this, { mode: meshMode.mode }, create);
      else create(this, 'MeshMtls');
    }
    new MtlsPolicy(this, 'NamespaceMtls', { name: 'default', namespace: this.namespace, mode: this.namespaceMtls });
    if (props.allowNothingBaseline ?? true) {
      // An ALLOW policy that matches nothing: with it, a request is allowed only if another policy allows it.
      addAuthorizationPolicy(this, 'AllowNothing', { name: 'allow-nothing', namespace: this.namespace, labels }, () => ({}));
    }
    addNetworkPolicy(this, 'DefaultDeny', { name: 'default-deny', namespace: this.namespace, labels },
      renderDefaultDenyNetworkPolicy);
  }

  /** The mode a workload without its own PeerAuthentication accepts: the namespace's, which overrides the mesh's. */
  public get defaultMode(): MtlsMode {
    return this.namespaceMtls;
  }
}

const MESH_SECURITY_ID = 'Security';

/** The brand of a MeshSecurity (a registered symbol, so it holds across two copies of the library). */
const MESH_SECURITY_BRAND = Symbol.for('cdk8s-mesh.MeshSecurity');
