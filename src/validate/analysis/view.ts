/**
 * The analysis's view of the cluster: the model of the manifests (src/validate/model), built once
 * for every check, beside the few objects the analysis assumes the platform has (its ingress
 * gateway's pods and Service, assumed-gateways.ts), which the files do not hold. Every lookup is
 * the model's, asked of both; the assumed objects come after the files' in each answer.
 */
import { Manifest } from '../finding';
import { dict } from '../values';
import { ClusterModel, ServiceInfo } from '../model/cluster-model';
import { RegisteredService } from '../model/registry';
import { Labels, labelsSubsetOf } from '../model/selectors';
import { namespaceOf, VmWorkload, Workload } from '../model/workload';
import { AssumedIngressGateway, DEFAULT_ROOT_NAMESPACE, defaultIngressGateway } from './assumed-gateways';

export { namespaceOf, Workload } from '../model/workload';
export { push } from '../model/cluster-model';

/**
 * Labels Istio adds to every endpoint from its node (istio/istio pkg/kube/labels,
 * AugmentLabels; https://kubernetes.io/docs/reference/labels-annotations-taints/#topologykubernetesioregion),
 * so DestinationRule subsets may select on them.
 */
export const NODE_TOPOLOGY_LABELS: readonly string[] = [
  'topology.kubernetes.io/region', 'topology.kubernetes.io/zone', 'topology.istio.io/subzone', 'kubernetes.io/hostname',
];

/** The view. */
export class AnalysisView {
  /**
   * The view of `model` with `gateways` assumed where the manifests do not define them (istioctl analyze's default gateway if none
   * given), in a mesh whose root namespace is `rootNamespace`.
   */
  public static of(
    model: ClusterModel, gateways?: AssumedIngressGateway | readonly AssumedIngressGateway[], rootNamespace: string = DEFAULT_ROOT_NAMESPACE,
    nativeSidecars = false,
  ): AnalysisView {
    const assumed = ClusterModel.of(defaultIngressGateway(model.ofKind('Service'), gateways, model.ofKind('Gateway')));
    return new AnalysisView(model, assumed, rootNamespace, nativeSidecars);
  }

  private readonly kinds = new Map<string, Manifest[]>();
  private readonly servicesOfWorkload = new Map<Workload, readonly Manifest[]>();
  private allWorkloads?: Workload[];
  private allWorkloadNamespaces?: Set<string>;

  private constructor(
    /** The model of the manifests. */
    public readonly model: ClusterModel,
    /** The model of the objects assumed beside them. */
    private readonly assumed: ClusterModel,
    /** The mesh's root namespace: its selector-less Sidecar and policies apply to every namespace. */
    public readonly rootNamespace: string,
    /** Whether istiod injects native sidecars where a pod's `sidecar.istio.io/nativeSidecar` annotation does not say. */
    public readonly nativeSidecars: boolean,
  ) {}

  /**
   * The view of the cluster once Flagger has initialised every Canary (the model's `running()`: the primaries, the Services and
   * the VirtualServices Flagger writes, a delegate among them), with the same assumed objects; this view when there is no Canary.
   */
  public running(): AnalysisView {
    const running = this.model.running();
    if (running === this.model) return this;
    return this.runningView ??= new AnalysisView(running, this.assumed, this.rootNamespace, this.nativeSidecars);
  }

  private runningView?: AnalysisView;

  /** Whether `resource` is one of the objects assumed beside the manifests (not one of theirs). */
  public isAssumed(resource: { readonly kind: string; readonly namespace?: string; readonly name: string }): boolean {
    return this.assumed.ofKind(resource.kind).some((m) => m.metadata?.name === resource.name && namespaceOf(m) === (resource.namespace ?? 'default'));
  }

  /** Every manifest, in input order. */
  public get all(): readonly Manifest[] {
    return this.model.all;
  }

  /** Manifests of `kind`, in input order, the assumed ones last. */
  public ofKind(kind: string): Manifest[] {
    let out = this.kinds.get(kind);
    if (!out) {
      const assumed = this.assumed.ofKind(kind);
      out = assumed.length === 0 ? this.model.ofKind(kind) : [...this.model.ofKind(kind), ...assumed];
      this.kinds.set(kind, out);
    }
    return out;
  }

  /** The Service of host `fqdn`, if any. */
  public service(fqdn: string): Manifest | undefined {
    return (this.model.services.get(fqdn) ?? this.assumed.services.get(fqdn))?.manifest;
  }

  /** Every Service by host, the assumed ones last. */
  public services(): [string, Manifest][] {
    return [...this.model.services.values(), ...this.assumed.services.values()].map((s) => [s.fqdn, s.manifest]);
  }

  /** The service a destination host names for an object of `namespace` with `exportTo`, as istioctl analyze looks it up. */
  public lookup(namespace: string, exportTo: unknown, host: string): RegisteredService | undefined {
    return this.model.registry.lookup(namespace, exportTo, host) ?? this.assumed.registry.lookup(namespace, exportTo, host);
  }

  /** DestinationRules by host, as istioctl analyze reads it. */
  public get destinationRules(): ReadonlyMap<string, Manifest[]> {
    return this.model.destinationRulesByHost;
  }

  /** True if a ServiceAccount `namespace/name` exists (`default` always does). */
  public hasServiceAccount(namespace: string, name: string): boolean {
    return this.model.hasServiceAccount(namespace, name);
  }

  /** Every pod template, the assumed ones last. */
  public get workloads(): readonly Workload[] {
    return this.allWorkloads ??= [...this.model.workloads, ...this.assumed.workloads];
  }

  /** Namespaces any object of the manifests lives in. */
  public get namespaces(): ReadonlySet<string> {
    return this.model.objectNamespaces;
  }

  /** Namespaces of the assumed objects: they exist on the cluster. */
  public get assumedNamespaces(): ReadonlySet<string> {
    return this.assumed.objectNamespaces;
  }

  /** True if the manifests themselves (not the assumed objects) hold a workload. */
  public get hasOwnWorkloads(): boolean {
    return this.model.workloads.length > 0;
  }

  /** Namespaces holding at least one workload, assumed ones included. */
  public get workloadNamespaces(): ReadonlySet<string> {
    return this.allWorkloadNamespaces ??= new Set([...this.model.workloadNamespaces, ...this.assumed.workloadNamespaces]);
  }

  /** The namespaces holding a workload of the manifests themselves. */
  public get ownWorkloadNamespaces(): ReadonlySet<string> {
    return this.model.workloadNamespaces;
  }

  /** Workloads in `namespace` whose pod labels include every label of `selector`. */
  public workloadsMatching(namespace: string, selector: Labels): Workload[] {
    const assumed = this.assumed.workloadsMatching(namespace, selector);
    const own = this.model.workloadsMatching(namespace, selector);
    return assumed.length === 0 ? own : [...own, ...assumed];
  }

  /**
   * Workloads in `namespace` whose endpoints carry every label of `selector`, node topology
   * labels included: from the Pod's Node when both are known (empty values are not set), else
   * any non-empty topology value is taken as one some node may have.
   */
  public endpointsMatching(namespace: string, selector: Labels): Workload[] {
    const own: Record<string, string> = {};
    const topology: [string, string][] = [];
    for (const [k, v] of Object.entries(dict(selector))) {
      if (NODE_TOPOLOGY_LABELS.includes(k)) topology.push([k, v]);
      else own[k] = v;
    }
    return this.workloadsMatching(namespace, own).filter((w) => topology.every(([k, v]) => {
      if (w.labels[k] !== undefined) return w.labels[k] === v;
      const node = w.nodeName !== undefined ? this.model.nodeLabels.get(w.nodeName) : undefined;
      if (!node) return v !== '';
      const value = k === 'kubernetes.io/hostname' ? w.nodeName : node[k];
      return value !== undefined && value !== '' && value === v;
    }));
  }

  /**
   * The WorkloadEntries (VMs in the mesh, read as the flows read them: model/workload.ts, workloadEntryOf) whose labels include
   * every label of a non-empty `selector`, in `namespace` or, when it is undefined, in any. A VM's sidecar applies the policies,
   * PeerAuthentications and Sidecars of its namespace that select its labels, as a pod's does.
   * https://istio.io/latest/docs/reference/config/networking/workload-entry/
   */
  public workloadEntriesMatching(namespace: string | undefined, selector: Labels): readonly VmWorkload[] {
    if (namespace !== undefined) return this.model.workloadEntriesMatching(namespace, selector);
    if (Object.keys(dict(selector)).length === 0) return [];
    return this.model.workloadEntries.filter((w) => labelsSubsetOf(selector, w.labels));
  }

  /** Workloads in any namespace whose pod labels include every label of `selector` (as a Gateway selects its pods). */
  public workloadsMatchingAnywhere(selector: Labels): readonly Workload[] {
    if (Object.keys(dict(selector)).length === 0) return this.workloads;
    return [...this.workloadNamespaces].sort().flatMap((ns) => this.workloadsMatching(ns, selector));
  }

  /** Services of the workload's namespace whose (non-empty) selector matches its labels: a lookup per label, not a scan, once per workload. */
  public servicesSelecting(w: Workload): readonly Manifest[] {
    let out = this.servicesOfWorkload.get(w);
    if (!out) {
      const of = (m: ClusterModel) => m.servicesSelecting(w).map((s: ServiceInfo) => s.manifest);
      out = [...of(this.model), ...of(this.assumed)];
      this.servicesOfWorkload.set(w, out);
    }
    return out;
  }

  /** The workloads behind a Service (by its selector), if it has one. */
  public workloadsOfService(service: Manifest): Workload[] {
    const selector = service.spec?.selector;
    if (!selector || Object.keys(selector).length === 0) return [];
    return this.workloadsMatching(namespaceOf(service), selector);
  }
}
