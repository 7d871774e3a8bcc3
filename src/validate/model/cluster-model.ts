/**
 * One model of the cluster: the manifests indexed once, so that the analysis, the flows, the
 * topology and the diffs ask the same questions of the same index, by host, by label, by
 * namespace, never by a scan of all pairs. The semantics it applies are written once beside it:
 * hosts (hosts.ts), exportTo (visibility.ts), selectors (selectors.ts), pod templates (workload.ts).
 *
 * The model holds the objects as written. What the cluster runs once Flagger has initialised
 * its Canaries is a second state of the cluster ({@link ClusterModel.running}), indexed on demand,
 * once, and only when there is a Canary to initialise.
 */
import { Manifest } from '../finding';
import { dict, list } from '../values';
import { inCidr, isIpAddress } from '../../core/cidr';
import { afterFlagger, apexStandIns } from './flagger';
import { HostLookups } from './host-lookups';
import { analyzerFqdn, CLUSTER_DOMAIN, dialedHost, serviceHost } from './hosts';
import { RegisteredService, ServiceRegistry } from './registry';
import { firstLabel, hasLabels, LabelSelector, Labels, labelSelectorMatches, labelsSubsetOf } from './selectors';
import { exportToScopes, serviceExportTo } from './visibility';
import { namespaceOf, VmWorkload, Workload, workloadEntryOf, workloadOf } from './workload';

/** A Service of the manifests. */
export interface ServiceInfo {
  readonly manifest: Manifest;
  /** `<name>.<namespace>.svc.cluster.local` */
  readonly fqdn: string;
  readonly namespace: string;
  readonly name: string;
}

/** The index of the objects of one kind in one namespace by one label of their selector. */
interface SelectorIndex {
  readonly unkeyed: Manifest[];
  readonly byLabel: Map<string, Manifest[]>;
  readonly order: Map<Manifest, number>;
}

/** The model. */
export class ClusterModel {
  /** The model of `manifests`. */
  public static of(manifests: readonly Manifest[]): ClusterModel {
    return new ClusterModel(manifests);
  }

  /** Every manifest, in input order. */
  public readonly all: readonly Manifest[];
  /** Every pod template, in input order. */
  public readonly workloads: Workload[] = [];
  /** Every WorkloadEntry (`networking.istio.io`), as the VM it describes, in input order. */
  public readonly workloadEntries: VmWorkload[] = [];
  /** Services (`v1`) by host (`<name>.<namespace>.svc.cluster.local`); the last of a host wins. */
  public readonly services = new Map<string, ServiceInfo>();
  /** Services and ServiceEntries as istioctl analyze looks up a destination host, with exportTo. */
  public readonly registry = new ServiceRegistry();
  /** DestinationRules by host as istioctl analyze reads it (`util.ConvertHostToFQDN`), in input order. */
  public readonly destinationRulesByHost = new Map<string, Manifest[]>();
  /** Labels of each Node, by name. */
  public readonly nodeLabels = new Map<string, Record<string, string>>();
  /** The namespace (`default` when it names none) of every object but a Namespace. */
  public readonly objectNamespaces = new Set<string>();
  /** The namespaces the manifests name: each Namespace object's, and every `metadata.namespace` written. */
  public readonly heldNamespaces = new Set<string>();
  /** Namespaces holding at least one workload. */
  public readonly workloadNamespaces = new Set<string>();
  /** Lookups by host: VirtualServices, DestinationRules and ServiceEntries as istiod finds them. */
  public readonly hosts: HostLookups;
  private readonly byKind = new Map<string, Manifest[]>();
  private readonly byKindNs = new Map<string, Manifest[]>();
  private readonly serviceAccounts = new Set<string>();
  private readonly nsLabels = new Map<string, Record<string, string>>();
  private readonly workloadsByNsLabel = new Map<string, Workload[]>();
  /** Workloads of every namespace by label, built on first use (a Gateway's pods may be anywhere). */
  private workloadsByLabel?: Map<string, Workload[]>;
  private readonly workloadsByNs = new Map<string, Workload[]>();
  private readonly workloadEntriesByNsLabel = new Map<string, VmWorkload[]>();
  private readonly workloadsByName = new Map<string, Workload[]>();
  private readonly servicesBySelectorLabel = new Map<string, ServiceInfo[]>();
  private readonly serviceOrder = new Map<ServiceInfo, number>();
  private readonly selectorIndexes = new Map<string, SelectorIndex>();
  private readonly selectingMemo = new WeakMap<object, Map<string, Manifest[]>>();
  private runningModel?: ClusterModel;

  private constructor(manifests: readonly Manifest[]) {
    this.all = manifests;
    for (const m of manifests) {
      if (m && typeof m === 'object') this.add(m);
    }
    // Flagger creates a Canary's apex Service, which the manifests need not (should not) hold: indexed, not among `all`.
    for (const m of apexStandIns(manifests)) this.add(m);
    this.hosts = new HostLookups(this);
  }

  /**
   * The cluster once Flagger has initialised every Canary (afterFlagger: the primary Deployment,
   * the Services and the routes Flagger owns): this model itself when there is none.
   */
  public running(): ClusterModel {
    if (!this.runningModel) {
      const after = afterFlagger(this.all);
      this.runningModel = after === this.all ? this : new ClusterModel(after);
    }
    return this.runningModel;
  }

  /** Manifests of `kind` (in `namespace`, if given), in input order. */
  public ofKind(kind: string, namespace?: string): Manifest[] {
    return (namespace === undefined ? this.byKind.get(kind) : this.byKindNs.get(`${kind}\u0000${namespace}`)) ?? [];
  }

  /** True if a ServiceAccount `namespace/name` exists (`default` always does). */
  public hasServiceAccount(namespace: string, name: string): boolean {
    return name === 'default' || this.serviceAccounts.has(`${namespace}/${name}`);
  }

  /** The labels of the Namespace objects, by name, `kubernetes.io/metadata.name` included. */
  public namespaceLabels(): ReadonlyMap<string, Readonly<Record<string, string>>> {
    return this.nsLabels;
  }

  /**
   * Workloads in `namespace` (every namespace if undefined) whose pod labels include every label of
   * `selector` (an empty one: every workload there), in input order: a lookup by one label, not a scan.
   */
  public workloadsMatching(namespace: string | undefined, selector: Labels): Workload[] {
    const key = firstLabel(dict(selector));
    if (!key) return (namespace === undefined ? this.workloads : this.workloadsByNs.get(namespace)) ?? [];
    const bucket = namespace === undefined ? this.labelIndex().get(`${key[0]}\u0000${key[1]}`)
      : this.workloadsByNsLabel.get(`${namespace}\u0000${key[0]}\u0000${key[1]}`);
    return (bucket ?? []).filter((w) => labelsSubsetOf(selector, w.labels));
  }

  /**
   * The WorkloadEntries of `namespace` a non-empty label map selects (`labels.Instance.Match`), in input order: how a
   * ServiceEntry's workloadSelector picks them (istio/istio pilot/pkg/serviceregistry/serviceentry/controller.go,
   * buildServiceInstances: `workloadinstances.ByServiceSelector(<the entry's namespace>, labels)`).
   */
  public workloadEntriesMatching(namespace: string, selector: Labels | undefined): VmWorkload[] {
    const key = firstLabel(dict(selector));
    if (!key) return [];
    return (this.workloadEntriesByNsLabel.get(`${namespace}\u0000${key[0]}\u0000${key[1]}`) ?? []).filter((w) => labelsSubsetOf(selector, w.labels));
  }

  /** Workloads named `name` (their `app` label, their owner's name, or the Deployment a Flagger primary copies), in `namespace` if given. */
  public workloadsNamed(name: string, namespace?: string): Workload[] {
    const all = this.workloadsByName.get(name) ?? [];
    return namespace === undefined ? all : all.filter((w) => w.namespace === namespace);
  }

  /** The workloads behind a Service: those its (non-empty) selector picks (`labels.Instance.Match`). */
  public workloadsOfService(service: Manifest): Workload[] {
    const selector = service.spec?.selector;
    return hasLabels(selector) ? this.workloadsMatching(namespaceOf(service), selector) : [];
  }

  /** The Services of a workload's namespace whose non-empty selector picks it, in input order: a lookup per label. */
  public servicesSelecting(w: Pick<Workload, 'namespace' | 'labels'>): ServiceInfo[] {
    const out = new Set<ServiceInfo>();
    for (const k in w.labels) {
      for (const s of this.servicesBySelectorLabel.get(`${w.namespace}\u0000${k}\u0000${w.labels[k]}`) ?? []) {
        if (labelsSubsetOf(s.manifest.spec?.selector, w.labels)) out.add(s);
      }
    }
    return [...out].sort((a, b) => this.serviceOrder.get(a)! - this.serviceOrder.get(b)!);
  }

  /**
   * The manifests of `kind` in `namespace` whose selector (as `selectorOf` reads it: undefined = no
   * selector, every pod) selects `labels`, in input order. Indexed by one label of each selector,
   * and worked out once per set of labels (a pod's labels are one object for all its flows; each
   * kind has one selector reading, so kind and namespace key the answer).
   */
  public selecting(kind: string, namespace: string, labels: Labels, selectorOf: (m: Manifest) => LabelSelector | undefined): Manifest[] {
    const key = `${kind}\u0000${namespace}`;
    let memo = this.selectingMemo.get(labels);
    if (!memo) this.selectingMemo.set(labels, memo = new Map());
    const known = memo.get(key);
    if (known) return known;
    const index = this.selectorIndex(key, kind, namespace, selectorOf);
    const out = [...index.unkeyed];
    for (const k in labels) out.push(...(index.byLabel.get(`${k}\u0000${labels[k]}`) ?? []));
    const result = out.filter((m) => labelSelectorMatches(selectorOf(m), labels)).sort((a, b) => index.order.get(a)! - index.order.get(b)!);
    memo.set(key, result);
    return result;
  }

  /**
   * The Service a client in `namespace` reaches by the name `host` (cluster DNS: {@link dialedHost}).
   * A StatefulSet pod's own name (`<pod>.<service>.<namespace>.svc.cluster.local`) is its headless
   * governing Service, which is how Istio routes it (istio/istio pilot/pkg/networking/core/httproute.go,
   * generateVirtualHostDomains: `*.<host>` for a headless Kubernetes Service).
   * https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#stable-network-id
   */
  public serviceForDialedHost(host: string, namespace: string): ServiceInfo | undefined {
    const fqdn = dialedHost(host, namespace);
    // `<pod>.<service>` is first `<pod>.<service>.<namespace>.svc.cluster.local`: a pod's resolv.conf tries its search
    // list before the name as written (ndots:5), so a StatefulSet pod of the caller's namespace wins over a Service
    // `<pod>` in a namespace `<service>` (https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/#pod-s-dns-policy).
    const labels = host.split('.').length;
    const pod = labels === 2 && !host.includes('*') ? this.podDnsService(`${host.toLowerCase()}.${namespace}.svc.${CLUSTER_DOMAIN}`) : undefined;
    // `<pod>.<service>.<namespace>` and `<pod>.<service>.<namespace>.svc` are completed by the same search list (svc.cluster.local,
    // cluster.local) to the pod's own name.
    const h = host.toLowerCase().replace(/\.$/, '');
    const searched = labels === 3 && !h.includes('*') && !h.endsWith('.svc') ? this.podDnsService(`${h}.svc.${CLUSTER_DOMAIN}`)
      : labels === 4 && h.endsWith('.svc') ? this.podDnsService(`${h}.${CLUSTER_DOMAIN}`) : undefined;
    return pod ?? this.services.get(fqdn) ?? searched ?? this.podDnsService(fqdn);
  }

  /**
   * The ServiceEntry whose `addresses` (IPs or CIDR ranges) cover the IP address `ip`, first in
   * input order: the sidecar matches such traffic by its destination address.
   * https://istio.io/latest/docs/reference/config/networking/service-entry/#ServiceEntry (addresses)
   */
  public serviceEntryAt(ip: string): Manifest | undefined {
    if (!isIpAddress(ip)) return undefined;
    for (const se of this.ofKind('ServiceEntry')) {
      for (const a of list(se.spec?.addresses).map(String)) {
        if (inCidr(ip, a.includes('/') ? a : `${a}/${a.includes(':') ? 128 : 32}`)) return se;
      }
    }
    return undefined;
  }

  /** The headless Service whose StatefulSet has the pod `name` names, if any. */
  private podDnsService(name: string): ServiceInfo | undefined {
    const labels = name.split('.');
    if (labels.length !== 6 || labels[3] !== 'svc') return undefined;
    const service = this.services.get(labels.slice(1).join('.'));
    if (!service || service.manifest.spec?.clusterIP !== 'None') return undefined;
    const pod = /^(.+)-(\d+)$/.exec(labels[0]);
    if (!pod) return undefined;
    const owner = this.ofKind('StatefulSet', service.namespace).find((m) => m.metadata?.name === pod[1] && m.spec?.serviceName === service.name);
    return owner && Number(pod[2]) < Number(owner.spec?.replicas ?? 1) ? service : undefined;
  }

  private labelIndex(): Map<string, Workload[]> {
    if (!this.workloadsByLabel) {
      this.workloadsByLabel = new Map();
      for (const w of this.workloads) for (const k in w.labels) push(this.workloadsByLabel, `${k}\u0000${w.labels[k]}`, w);
    }
    return this.workloadsByLabel;
  }

  private selectorIndex(key: string, kind: string, namespace: string, selectorOf: (m: Manifest) => LabelSelector | undefined): SelectorIndex {
    let index = this.selectorIndexes.get(key);
    if (!index) {
      const built: SelectorIndex = { unkeyed: [], byLabel: new Map(), order: new Map() };
      this.ofKind(kind, namespace).forEach((m, i) => {
        built.order.set(m, i);
        const first = firstLabel(selectorOf(m)?.matchLabels);
        if (first) push(built.byLabel, `${first[0]}\u0000${first[1]}`, m);
        else built.unkeyed.push(m);
      });
      this.selectorIndexes.set(key, built);
      index = built;
    }
    return index;
  }

  private add(m: Manifest): void {
    const kind = String(m.kind);
    const ns = namespaceOf(m);
    push(this.byKind, kind, m);
    push(this.byKindNs, `${kind}\u0000${ns}`, m);
    if (kind === 'Namespace') {
      const name = String(m.metadata?.name);
      this.heldNamespaces.add(name);
      this.nsLabels.set(name, { ...(this.nsLabels.get(name) ?? {}), ...dict(m.metadata?.labels), 'kubernetes.io/metadata.name': name });
    } else {
      this.objectNamespaces.add(ns);
      if (m.metadata?.namespace !== undefined) this.heldNamespaces.add(String(m.metadata.namespace));
    }
    if (kind === 'Service' && m.apiVersion === 'v1') this.addService(m, ns);
    else if (kind === 'ServiceEntry') this.addServiceEntry(m, ns);
    else if (kind === 'Node') this.nodeLabels.set(String(m.metadata?.name), { ...dict(m.metadata?.labels) });
    else if (kind === 'ServiceAccount') this.serviceAccounts.add(`${ns}/${m.metadata?.name}`);
    else if (kind === 'DestinationRule') push(this.destinationRulesByHost, analyzerFqdn(String(m.spec?.host ?? ''), ns), m);
    else if (kind === 'Canary' && String(m.apiVersion).startsWith('flagger.app/')) this.addCanaryServices(m, ns);
    else if (kind === 'WorkloadEntry' && String(m.apiVersion).startsWith('networking.istio.io/')) this.addWorkloadEntry(workloadEntryOf(m));
    const w = workloadOf(m, this.workloads.length);
    if (w) this.addWorkload(w);
  }

  private addService(m: Manifest, ns: string): void {
    const name = String(m.metadata?.name);
    const s: ServiceInfo = { manifest: m, fqdn: serviceHost(name, ns), namespace: ns, name };
    this.services.set(s.fqdn, s);
    this.serviceOrder.set(s, this.serviceOrder.size);
    const first = firstLabel(dict(m.spec?.selector));
    if (first) push(this.servicesBySelectorLabel, `${ns}\u0000${first[0]}\u0000${first[1]}`, s);
    const scopes = serviceExportTo(m.metadata?.annotations?.['networking.istio.io/exportTo'], ns);
    this.registry.add(scopes, analyzerFqdn(name, ns), { manifest: m, ports: list(m.spec?.ports).map((p: any) => Number(p?.port)) });
  }

  private addServiceEntry(m: Manifest, ns: string): void {
    const service: RegisteredService = { manifest: m, ports: list(m.spec?.ports).map((p: any) => Number(p?.number)) };
    for (const h of list(m.spec?.hosts)) this.registry.add(exportToScopes(m.spec?.exportTo, ns), analyzerFqdn(String(h), ns), service);
  }

  /** Flagger creates `<target>`, `<target>-primary` and `<target>-canary` Services: the registry knows them before they exist. */
  private addCanaryServices(m: Manifest, ns: string): void {
    const target = String(m.spec?.service?.name ?? m.spec?.targetRef?.name ?? '');
    for (const suffix of ['', '-primary', '-canary']) {
      const host = analyzerFqdn(`${target}${suffix}`, ns);
      if (!this.services.has(host)) this.registry.add(['*'], host, { manifest: m });
    }
  }

  private addWorkloadEntry(w: VmWorkload): void {
    this.workloadEntries.push(w);
    for (const k in w.labels) push(this.workloadEntriesByNsLabel, `${w.namespace}\u0000${k}\u0000${w.labels[k]}`, w);
  }

  private addWorkload(w: Workload): void {
    this.workloads.push(w);
    this.workloadNamespaces.add(w.namespace);
    push(this.workloadsByNs, w.namespace, w);
    for (const name of w.aliases) push(this.workloadsByName, name, w);
    for (const k in w.labels) {
      push(this.workloadsByNsLabel, `${w.namespace}\u0000${k}\u0000${w.labels[k]}`, w);
    }
  }
}

/** Appends `value` to the list at `key`. */
export function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const items = map.get(key);
  if (items) items.push(value);
  else map.set(key, [value]);
}
