/**
 * The cluster a flow runs in: the model of the manifests (src/validate/model) as the cluster runs
 * them once Flagger has initialised its Canaries, with the pods the manifests do not hold (the
 * platform's gateways, Prometheus, collectors, the cluster DNS and istiod) and the namespace
 * labels the options add. Every lookup is the model's; this view only adds the platform's pods.
 */
import { Codes } from '../../core/codes';
import { MeshError } from '../../core/errors';
import { Manifest } from '../finding';
import { ClusterModel, ServiceInfo } from '../model/cluster-model';
import { LabelSelector, Labels, hasLabels, labelsSubsetOf } from '../model/selectors';
import { meshInternalWorkloads } from '../model/mesh-internal';
import { isIpAddress } from '../../core/cidr';
import { isMeshed, namespaceOf, VmWorkload, Workload } from '../model/workload';
import { FlowWorkload } from './flow';
import { list } from '../values';

/** What evaluation needs to know beyond the manifests. */
export interface FlowOptions {
  /**
   * The mesh's trust domain: principals are `<trustDomain>/ns/<namespace>/sa/<serviceAccount>`.
   * @default 'cluster.local'
   */
  readonly trustDomain?: string;
  /**
   * Istio's root namespace, whose selector-less Sidecar, PeerAuthentication and
   * AuthorizationPolicy apply mesh-wide.
   * @default 'istio-system'
   */
  readonly rootNamespace?: string;
  /** Pods that are not in the manifests: ingress gateways, Prometheus, collectors. @default [] */
  readonly platform?: readonly FlowWorkload[];
  /**
   * Labels of namespaces that have no Namespace manifest (or more labels for those that do);
   * `kubernetes.io/metadata.name` is always implied.
   * @default {}
   */
  readonly namespaceLabels?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /**
   * The cluster DNS pods an application resolves a Service name with, which its egress
   * NetworkPolicy must admit on 53/UDP; `false` when Istio's DNS proxy
   * (ISTIO_META_DNS_CAPTURE) answers inside the pod.
   * @default - kube-dns: namespace kube-system, label `k8s-app: kube-dns`
   */
  readonly dns?: FlowWorkload | false;
  /**
   * What the external authorizer of a CUSTOM AuthorizationPolicy answers: the evaluator
   * cannot ask it.
   * @default 'allow'
   */
  readonly externalAuthorizer?: 'allow' | 'deny';
  /**
   * Whether istiod injects istio-proxy as a Kubernetes native sidecar where a pod's `sidecar.istio.io/nativeSidecar`
   * annotation does not say (`ENABLE_NATIVE_SIDECARS`): an init container's flow goes through the sidecar only then.
   * @default false - Istio 1.24's
   */
  readonly nativeSidecars?: boolean;
  /**
   * istiod, which every sidecar (and gateway) must reach on its xDS port before it is ready:
   * a meshed pod whose NetworkPolicies refuse that connection never becomes ready, so no flow
   * from or to it holds. A MeshPlatform gives it (`platformFlowOptions`).
   * @default - none: sidecar readiness is not checked
   */
  readonly controlPlane?: ControlPlane;
  /**
   * Istio Gateways the cluster holds that the manifests do not: the platform team's
   * (`MeshPlatform.gatewayManifests()`), to which the manifests' VirtualServices bind. One of
   * the same namespace and name in the manifests is theirs.
   * @default []
   */
  readonly gateways?: readonly Manifest[];
}

/** istiod as the flows see it: its pod and the port every sidecar connects to. */
export interface ControlPlane {
  /** istiod's pods. */
  readonly workload: FlowWorkload;
  /** The xDS and certificate port (15012). */
  readonly port: number;
}

/** A pod as the evaluator sees it: one pod template, or one platform workload. */
export interface FlowPod {
  /** Unique: `<namespace>/<Kind>/<name>` for a pod template, `platform:<namespace>/<name>` for a platform pod. */
  readonly id: string;
  /** The value of its `app` label, else the owning resource's name (platform pods: their name). */
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  readonly meshed: boolean;
  /** Container ports by name. */
  readonly namedPorts: Readonly<Record<string, number>>;
  /** Every container port number. */
  readonly portNumbers: readonly number[];
  readonly addresses: readonly string[];
  /** `Deployment`, `Job`, ...; `Platform` for a platform workload. */
  readonly kind: string;
  /** True for an Envoy gateway (Sidecar resources do not apply to it). */
  readonly gateway: boolean;
  readonly manifest?: Manifest;
  /**
   * True for a workload outside the cluster's pod network (a WorkloadEntry's VM): no NetworkPolicy
   * selects it, and only an `ipBlock` of its address covers it as a peer.
   * @default false
   */
  readonly outsideCluster?: boolean;
  /**
   * The endpoint's `security.istio.io/tlsMode`, when it is not the injector's `istio` of a meshed pod:
   * auto mTLS sends plaintext to an endpoint whose mode is not `istio`.
   * @default - `istio` for a meshed pod
   */
  readonly tlsMode?: string;
  /**
   * The network of a VM that gives one, reached through that network's gateway when it has no IP address.
   * @default - the cluster's network
   */
  readonly network?: string;
  /**
   * A platform pod's container port behind each Service port that differs (`{ 443: 8443 }`: istioctl's ingress gateway),
   * from its {@link FlowWorkload.targetPorts}: the port a connection reaches the pod on, which its proxy's policies read.
   * @default {} - each port on the same number
   */
  readonly targetPorts?: Readonly<Record<number, number>>;
}

/** The namespace of `m` (`default` when it names none). */
export const nsOf = namespaceOf;

/** `Kind namespace/name` of a manifest, for messages. */
export function describeManifest(m: Manifest): string {
  return `${m.kind} ${nsOf(m)}/${m.metadata?.name}`;
}

/** A Service of the manifests. */
export type FlowService = ServiceInfo;

/**
 * Answers a layer works out once per run, kept with the cluster they were worked out over
 * (and gone with it): the layer's tables, made on first use, keyed by what each answer depends
 * on (a pod, whose object is one per workload and never changes; a port).
 */
export class ClusterMemo<T> {
  private readonly values = new WeakMap<FlowCluster, T>();

  /** @param make the empty tables */
  public constructor(private readonly make: () => T) {}

  /** The tables of `cluster`. */
  public of(cluster: FlowCluster): T {
    let value = this.values.get(cluster);
    if (value === undefined) this.values.set(cluster, value = this.make());
    return value;
  }
}

/** The cluster DNS a pod resolves names with, unless the options name another. */
const KUBE_DNS: FlowWorkload = {
  name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, serviceAccount: 'coredns', meshed: false,
  ports: { dns: 53, 'dns-tcp': 53 },
};

/** The view. */
export class FlowCluster {
  public readonly trustDomain: string;
  public readonly rootNamespace: string;
  public readonly externalAuthorizer: 'allow' | 'deny';
  /** Whether istiod injects native sidecars where a pod's annotation does not say. */
  public readonly nativeSidecars: boolean;
  /** The cluster DNS pod, or undefined when the DNS proxy answers in the pod. */
  public readonly dnsPod?: FlowPod;
  /** Every pod: the manifests' pod templates in input order, then the platform's. */
  public readonly pods: FlowPod[] = [];
  /** The model of the cluster as it runs (after Flagger). */
  public readonly model: ClusterModel;
  /** The model of the manifests as written. */
  public readonly files: ClusterModel;
  /** istiod's pod and xDS port, when sidecar readiness is checked. */
  public readonly controlPlane?: { readonly pod: FlowPod; readonly port: number };
  private readonly nsLabels: Map<string, Record<string, string>>;
  /** The pod of each of the model's workloads, by its index. */
  private readonly templatePods: FlowPod[] = [];
  private readonly platformPods: FlowPod[] = [];
  /** Answers worked out once: a pod's Services, the namespaces, platform pods made for flows. */
  private readonly servicesOfPod = new Map<FlowPod, FlowService[]>();
  private readonly podsOfServiceMemo = new Map<FlowService, FlowPod[]>();
  private readonly madePlatformPods = new Map<FlowWorkload, FlowPod>();
  private readonly entryPods = new Map<Manifest, FlowPod[] | null>();
  /** The pod of each VM, made once (the answers worked out for a pod are kept by its object). */
  private readonly vmPods = new Map<VmWorkload, FlowPod>();
  private namespaceList?: string[];
  /** The platform's Gateways the manifests do not define, and the Gateways of each namespace with them. */
  private readonly platformGateways: readonly Manifest[];
  private readonly gatewaysOf = new Map<string, Manifest[]>();

  /** @param written the manifests, or the model of them built once for every check */
  public constructor(written: readonly Manifest[] | ClusterModel, options: FlowOptions = {}) {
    this.files = written instanceof ClusterModel ? written : ClusterModel.of(written);
    this.model = this.files.running();
    const defined = new Set(this.model.ofKind('Gateway').map((g) => `${namespaceOf(g)}/${g.metadata?.name}`));
    this.platformGateways = list(options.gateways).filter((g) => !defined.has(`${namespaceOf(g)}/${g.metadata?.name}`));
    this.trustDomain = options.trustDomain ?? 'cluster.local';
    this.rootNamespace = options.rootNamespace ?? 'istio-system';
    if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(this.trustDomain)) {
      throw new MeshError(Codes.INVALID_FLOW, `flow options: trustDomain '${this.trustDomain}' is not a domain name`);
    }
    if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(this.rootNamespace)) {
      throw new MeshError(Codes.INVALID_FLOW, `flow options: rootNamespace '${this.rootNamespace}' is not a namespace name`);
    }
    this.externalAuthorizer = options.externalAuthorizer ?? 'allow';
    this.nativeSidecars = options.nativeSidecars ?? false;
    this.nsLabels = new Map(this.model.namespaceLabels());
    for (const [ns, labels] of Object.entries(options.namespaceLabels ?? {})) this.addNamespaceLabels(ns, labels);
    for (const w of options.platform ?? []) this.addNamespaceLabels(w.namespace, w.namespaceLabels ?? {});
    for (const w of this.model.workloads) {
      const pod = templatePod(w, isMeshed(w, this.namespaceLabels(w.namespace)));
      this.templatePods[w.index] = pod;
      this.pods.push(pod);
    }
    for (const w of options.platform ?? []) {
      const pod = platformPod(w, this.isGatewayPod(w.labels));
      this.platformPods.push(pod);
      this.pods.push(pod);
    }
    if (options.dns !== false) {
      const dns = options.dns ?? KUBE_DNS;
      this.addNamespaceLabels(dns.namespace, dns.namespaceLabels ?? {});
      this.dnsPod = platformPod(dns);
    }
    if (options.controlPlane) {
      this.addNamespaceLabels(options.controlPlane.workload.namespace, options.controlPlane.workload.namespaceLabels ?? {});
      this.controlPlane = { pod: this.platformPodFor(options.controlPlane.workload), port: options.controlPlane.port };
    }
  }

  /** The manifests as the cluster runs them (after Flagger's changes). */
  public get manifests(): readonly Manifest[] {
    return this.model.all;
  }

  /** The Services, by host. */
  public get services(): ReadonlyMap<string, FlowService> {
    return this.model.services;
  }

  /** Whether any manifest lives in `namespace`: then its Services and policies are known, not assumed. */
  public holdsNamespace(namespace: string): boolean {
    return this.model.heldNamespaces.has(namespace);
  }

  /** The ServiceEntry whose `addresses` cover the IP address `ip` ({@link ClusterModel.serviceEntryAt}). */
  public serviceEntryAt(ip: string): Manifest | undefined {
    return this.model.serviceEntryAt(ip);
  }

  /** The manifests of `kind` in `namespace` whose selector selects `labels` ({@link ClusterModel.selecting}). */
  public selecting(kind: string, namespace: string, labels: Labels, selectorOf: (m: Manifest) => LabelSelector | undefined): Manifest[] {
    return this.model.selecting(kind, namespace, labels, selectorOf);
  }

  /** The Services whose selector picks `pod`, in input order. */
  public servicesOf(pod: FlowPod): FlowService[] {
    let out = this.servicesOfPod.get(pod);
    if (!out) {
      out = this.model.servicesSelecting(pod).filter((s) => this.model.services.get(s.fqdn) === s);
      this.servicesOfPod.set(pod, out);
    }
    return out;
  }

  /** Manifests of `kind` (in `namespace`, if given), in input order. */
  public ofKind(kind: string, namespace?: string): Manifest[] {
    if (kind !== 'Gateway' || this.platformGateways.length === 0) return this.model.ofKind(kind, namespace);
    const key = namespace ?? '';
    let out = this.gatewaysOf.get(key);
    if (!out) {
      const platform = namespace === undefined ? this.platformGateways : this.platformGateways.filter((g) => namespaceOf(g) === namespace);
      this.gatewaysOf.set(key, out = [...this.model.ofKind(kind, namespace), ...platform]);
    }
    return out;
  }

  /** The labels of `namespace`, `kubernetes.io/metadata.name` included. */
  public namespaceLabels(namespace: string): Readonly<Record<string, string>> {
    return this.nsLabels.get(namespace) ?? { 'kubernetes.io/metadata.name': namespace };
  }

  /** Every namespace the cluster knows of (manifests, options, platform pods). */
  public namespaces(): string[] {
    if (!this.namespaceList) {
      const all = [...this.nsLabels.keys(), ...this.model.workloadNamespaces, ...this.platformPods.map((p) => p.namespace)];
      this.namespaceList = [...new Set<string>(all)].sort();
    }
    return this.namespaceList;
  }

  /** Pods in `namespace` (every namespace if undefined) whose labels satisfy a plain map selector. */
  public podsMatching(namespace: string | undefined, selector: Labels): FlowPod[] {
    const own = this.podsOf(this.model.workloadsMatching(namespace, selector ?? {}));
    const platform = this.platformPods.filter((p) => (namespace === undefined || p.namespace === namespace) && labelsSubsetOf(selector, p.labels));
    return platform.length === 0 ? own : [...own, ...platform];
  }

  /** Pods in `namespace`. */
  public podsIn(namespace: string): FlowPod[] {
    return this.podsMatching(namespace, {});
  }

  /**
   * Pods named `name` (their `app` label, or the name of the Deployment, Job... that owns them), in `namespace` if given;
   * where no pod is, the VM of the WorkloadEntry of that name.
   */
  public podsNamed(name: string, namespace?: string): FlowPod[] {
    const own = this.podsOf(this.model.workloadsNamed(name, namespace));
    const platform = this.platformPods.filter((p) => p.name === name && (namespace === undefined || p.namespace === namespace));
    if (own.length === 0 && platform.length === 0) {
      return this.model.workloadEntries.filter((vm) => vm.name === name && (namespace === undefined || vm.namespace === namespace))
        .map((vm) => this.vmPod(vm));
    }
    return platform.length === 0 ? own : [...own, ...platform];
  }

  /**
   * The pods behind a Service, by its selector (none for a selector-less Service), and the VMs of the WorkloadEntries of its
   * namespace it selects. istiod makes a WorkloadEntry an endpoint of every Kubernetes Service of its namespace whose
   * selector matches its labels, when the Service is load-balanced by the client (not headless) and
   * PILOT_ENABLE_K8S_SELECT_WORKLOAD_ENTRIES is on (its default): istio/istio 1.24 pilot/pkg/serviceregistry/kube/controller/
   * controller.go, serviceInstancesFromWorkloadInstances and workloadInstanceHandler (a WorkloadEntry without labels is
   * skipped); pilot/pkg/features/pilot.go, EnableK8SServiceSelectWorkloadEntries.
   */
  public podsOfService(s: FlowService): FlowPod[] {
    let out = this.podsOfServiceMemo.get(s);
    if (!out) {
      const selector = s.manifest.spec?.selector;
      out = hasLabels(selector) ? this.podsMatching(s.namespace, selector) : [];
      const headless = s.manifest.spec?.clusterIP === 'None' || s.manifest.spec?.type === 'ExternalName';
      if (hasLabels(selector) && !headless) {
        const vms = this.model.workloadEntriesMatching(s.namespace, selector).filter((vm) => hasLabels(vm.labels));
        if (vms.length > 0) out = [...out, ...vms.map((vm) => this.vmPod(vm))];
      }
      this.podsOfServiceMemo.set(s, out);
    }
    return out;
  }

  /** The ServiceEntry a client in `namespace` reaches by the name `host` ({@link HostLookups.serviceEntryFor}). */
  public serviceEntryFor(host: string, namespace: string): Manifest | undefined {
    return this.model.hosts.serviceEntryFor(host, namespace);
  }

  /**
   * The pods and VMs behind a ServiceEntry inside the mesh ({@link meshInternalWorkloads}), or undefined
   * when its hosts are outside the mesh.
   */
  public serviceEntryPods(entry: Manifest): FlowPod[] | undefined {
    let out = this.entryPods.get(entry);
    if (out === undefined) {
      const found = meshInternalWorkloads(this.model, entry);
      out = found ? [...this.podsOf(found.pods), ...found.vms.map((vm) => this.vmPod(vm))] : null;
      this.entryPods.set(entry, out);
    }
    return out ?? undefined;
  }

  /** The Service a client in `namespace` reaches by the name `host` ({@link ClusterModel.serviceForDialedHost}). */
  public service(host: string, namespace: string): FlowService | undefined {
    return this.model.serviceForDialedHost(host, namespace);
  }

  /**
   * The gateway pod of the platform whose Service is `fqdn` (`<name>.<namespace>.svc.cluster.local`, as the platform names a
   * gateway's Service after it): the egress gateway a caller's route sends an external host's requests to.
   */
  public platformGatewayAt(fqdn: string): FlowPod | undefined {
    const host = fqdn.toLowerCase();
    return this.platformPods.find((p) => p.gateway && `${p.name}.${p.namespace}.svc.cluster.local` === host);
  }

  /** The pod of a platform workload: the one from the options, else a new one (a gateway if a Gateway selects it). */
  public platformPodFor(w: FlowWorkload): FlowPod {
    const given = this.platformPods.find((p) => p.name === w.name && p.namespace === w.namespace);
    if (given) return given;
    // One pod per workload described, so the answers worked out for its labels are kept.
    let made = this.madePlatformPods.get(w);
    if (!made) {
      made = platformPod(w, this.isGatewayPod(w.labels));
      this.madePlatformPods.set(w, made);
    }
    return made;
  }

  /** True if a Gateway of the manifests selects pods with `labels`, or they carry Istio's gateway label. */
  public isGatewayPod(labels: Labels): boolean {
    const selected = this.ofKind('Gateway').some((g) => hasLabels(g.spec?.selector) && labelsSubsetOf(g.spec.selector, labels));
    return selected || /gateway/.test(labels.istio ?? '');
  }

  /** The principal of `pod`: `<trustDomain>/ns/<ns>/sa/<sa>`. */
  public principalOf(pod: FlowPod): string {
    return `${this.trustDomain}/ns/${pod.namespace}/sa/${pod.serviceAccount}`;
  }

  /** The pod of every workload of the manifests, in input order. */
  public workloadPods(): FlowPod[] {
    return this.podsOf(this.model.workloads);
  }

  /** The pod of the VM `vm`, one object per VM. */
  private vmPod(vm: VmWorkload): FlowPod {
    let pod = this.vmPods.get(vm);
    if (!pod) this.vmPods.set(vm, pod = vmPod(vm));
    return pod;
  }

  private podsOf(workloads: readonly Workload[]): FlowPod[] {
    const out = new Array<FlowPod>(workloads.length);
    for (let i = 0; i < workloads.length; i++) out[i] = this.templatePods[workloads[i].index];
    return out;
  }

  private addNamespaceLabels(ns: string, labels: Labels): void {
    const current = this.nsLabels.get(ns) ?? {};
    this.nsLabels.set(ns, { ...current, ...labels, 'kubernetes.io/metadata.name': ns });
  }
}

/**
 * A pod template as a pod. It is meshed unless it opts out of injection or its namespace says
 * `istio-injection: disabled`.
 * https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/#controlling-the-injection-policy
 */
function templatePod(w: Workload, meshed: boolean): FlowPod {
  return {
    id: w.id, name: w.name, namespace: w.namespace, labels: w.labels, serviceAccount: w.serviceAccount, meshed,
    namedPorts: w.namedPorts, portNumbers: w.portNumbers, addresses: [], kind: w.kind, gateway: false, manifest: w.manifest,
  };
}

/** A VM of a WorkloadEntry as a pod outside the cluster's pod network, at its address. */
function vmPod(vm: VmWorkload): FlowPod {
  return {
    id: vm.id, name: vm.name, namespace: vm.namespace, labels: vm.labels, serviceAccount: vm.serviceAccount, meshed: vm.meshed,
    namedPorts: vm.namedPorts, portNumbers: Object.values(vm.namedPorts), addresses: isIpAddress(vm.address) ? [vm.address] : [],
    kind: vm.manifest.kind === 'WorkloadEntry' ? 'WorkloadEntry' : 'ServiceEntry endpoint', gateway: false, manifest: vm.manifest,
    outsideCluster: true, tlsMode: vm.tlsMode, ...(vm.network !== undefined ? { network: vm.network } : {}),
  };
}

/** A platform workload as a pod. */
export function platformPod(w: FlowWorkload, gateway = false): FlowPod {
  return {
    id: `platform:${w.namespace}/${w.name}`,
    name: w.name,
    namespace: w.namespace,
    labels: { ...w.labels },
    serviceAccount: w.serviceAccount,
    meshed: w.meshed,
    namedPorts: { ...(w.ports ?? {}) },
    portNumbers: Object.values(w.ports ?? {}),
    addresses: [...list(w.addresses)],
    kind: 'Platform',
    gateway,
    ...(w.targetPorts ? { targetPorts: { ...w.targetPorts } } : {}),
  };
}
