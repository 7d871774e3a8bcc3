/**
 * The cluster a flow runs in, read from rendered manifests: pods (pod templates and
 * platform workloads), Services, namespaces with their labels, and every policy and
 * routing resource indexed by namespace and host, so each layer is a lookup.
 */
import { Codes } from '../../core/codes';
import { MeshError } from '../../core/errors';
import { inCidr } from '../../core/cidr';
import { Manifest, podTemplate } from '../finding';
import { afterFlagger, FLAGGER_PRIMARY_OF } from './flagger';
import { FlowWorkload } from './flow';

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
   * istiod, which every sidecar (and gateway) must reach on its xDS port before it is ready:
   * a meshed pod whose NetworkPolicies refuse that connection never becomes ready, so no flow
   * from or to it holds. A MeshPlatform gives it (`platformFlowOptions`).
   * @default - none: sidecar readiness is not checked
   */
  readonly controlPlane?: ControlPlane;
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
}

/** The namespace of `m` (`default` when it names none). */
export function nsOf(m: Manifest): string {
  return String(m?.metadata?.namespace ?? 'default');
}

/** `Kind namespace/name` of a manifest, for messages. */
export function describeManifest(m: Manifest): string {
  return `${m.kind} ${nsOf(m)}/${m.metadata?.name}`;
}

/**
 * True if `labels` satisfy a Kubernetes LabelSelector (matchLabels AND every
 * matchExpression); an empty selector selects everything.
 * https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#resources-that-support-set-based-requirements
 */
export function selects(selector: Manifest | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values: string[] = (e.values ?? []).map(String);
    switch (e.operator) {
      case 'In': if (!has || !values.includes(labels[e.key])) return false; break;
      case 'NotIn': if (has && values.includes(labels[e.key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

/** True if every label of a plain map selector (Service.spec.selector, Istio `matchLabels`) is on the pod. */
export function mapSelects(selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

/**
 * The FQDN of `host` as written in a resource of `namespace`: a short name is the
 * namespace's Service, `name.ns` and `name.ns.svc` are completed as cluster DNS does.
 * https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/#namespaces-of-services
 */
export function fqdn(host: string, namespace: string): string {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (h.includes('*')) return h;
  const parts = h.split('.');
  if (parts.length === 1) return `${h}.${namespace}.svc.cluster.local`;
  if (parts.length === 2) return `${h}.svc.cluster.local`;
  if (parts.length === 3 && parts[2] === 'svc') return `${h}.cluster.local`;
  return h;
}

/**
 * The FQDN of a host written in an Istio resource of `namespace` (VirtualService hosts and
 * destinations, DestinationRule host): a short name (no dots) is `<name>.<namespace>.svc.cluster.local`,
 * anything with a dot is taken as written ("interpreted relative to the rule's namespace" applies
 * to short names only). https://istio.io/latest/docs/reference/config/networking/virtual-service/#VirtualService
 */
export function istioHost(host: string, namespace: string): string {
  const h = host.toLowerCase().replace(/\.$/, '');
  return h.includes('.') || h.includes('*') ? h : `${h}.${namespace}.svc.cluster.local`;
}

/** True if host pattern `pattern` (exact, `*`, `*.suffix`) covers `host`. */
export function hostMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase();
  if (p === '*') return true;
  if (p.startsWith('*')) return h.endsWith(p.slice(1));
  return p === h;
}

/** A Service of the manifests. */
export interface FlowService {
  readonly manifest: Manifest;
  readonly fqdn: string;
  readonly namespace: string;
  readonly name: string;
}

/** The index. */
export class FlowCluster {
  public readonly trustDomain: string;
  public readonly rootNamespace: string;
  public readonly externalAuthorizer: 'allow' | 'deny';
  /** The cluster DNS pod, or undefined when the DNS proxy answers in the pod. */
  public readonly dnsPod?: FlowPod;
  public readonly pods: FlowPod[] = [];
  public readonly services = new Map<string, FlowService>();
  /** Hosts of ServiceEntries, by FQDN, with the entry's namespace (the last entry of a host; see {@link serviceEntryFor}). */
  public readonly serviceEntries = new Map<string, Manifest>();
  /** Every ServiceEntry of a host, by FQDN, in input order. */
  private readonly serviceEntriesByHost = new Map<string, Manifest[]>();
  private readonly nsLabels = new Map<string, Record<string, string>>();
  private readonly byKindNs = new Map<string, Manifest[]>();
  private readonly byKind = new Map<string, Manifest[]>();
  private readonly podsByNs = new Map<string, FlowPod[]>();
  private readonly podsByLabel = new Map<string, FlowPod[]>();
  private readonly podsByName = new Map<string, FlowPod[]>();
  private readonly selectingMemo = new WeakMap<object, Map<string, Manifest[]>>();

  /** The manifests as the cluster runs them (after Flagger's changes). */
  public readonly manifests: readonly Manifest[];
  /** istiod's pod and xDS port, when sidecar readiness is checked. */
  public readonly controlPlane?: { readonly pod: FlowPod; readonly port: number };
  /** The namespaces that hold at least one manifest (a Namespace object counts for its own). */
  private readonly manifestNamespaces = new Set<string>();
  /** ServiceEntries with `addresses`, each with its ranges. */
  private readonly addressedEntries: Array<[string, Manifest]> = [];

  public constructor(written: readonly Manifest[], options: FlowOptions = {}) {
    const manifests = afterFlagger(written);
    this.manifests = manifests;
    this.trustDomain = options.trustDomain ?? 'cluster.local';
    this.rootNamespace = options.rootNamespace ?? 'istio-system';
    if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(this.trustDomain))
      throw new MeshError(Codes.INVALID_FLOW, `flow options: trustDomain '${this.trustDomain}' is not a domain name`);
    if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(this.rootNamespace))
      throw new MeshError(Codes.INVALID_FLOW, `flow options: rootNamespace '${this.rootNamespace}' is not a namespace name`);
    this.externalAuthorizer = options.externalAuthorizer ?? 'allow';
    for (const m of manifests) {
      if (!m || typeof m !== 'object' || !m.kind) continue;
      const kind = String(m.kind);
      if (kind === 'Namespace') {
        this.addNamespaceLabels(String(m.metadata?.name), m.metadata?.labels ?? {});
        this.manifestNamespaces.add(String(m.metadata?.name));
        continue;
      }
      if (m.metadata?.namespace !== undefined) this.manifestNamespaces.add(String(m.metadata.namespace));
      push(this.byKind, kind, m);
      push(this.byKindNs, `${kind}/${nsOf(m)}`, m);
      if (kind === 'Service' && m.apiVersion === 'v1') {
        const s: FlowService = { manifest: m, fqdn: fqdn(String(m.metadata?.name), nsOf(m)), namespace: nsOf(m), name: String(m.metadata?.name) };
        this.services.set(s.fqdn, s);
      } else if (kind === 'ServiceEntry') {
        for (const h of m.spec?.hosts ?? []) {
          this.serviceEntries.set(fqdn(String(h), nsOf(m)), m);
          push(this.serviceEntriesByHost, fqdn(String(h), nsOf(m)), m);
        }
        for (const a of m.spec?.addresses ?? []) this.addressedEntries.push([String(a), m]);
      }
    }
    for (const [ns, labels] of Object.entries(options.namespaceLabels ?? {})) this.addNamespaceLabels(ns, labels);
    for (const w of options.platform ?? []) {
      this.addNamespaceLabels(w.namespace, w.namespaceLabels ?? {});
    }
    for (const m of manifests) {
      const template = podTemplate(m);
      if (template) this.addPod(podOfTemplate(m, template, this.namespaceLabels(nsOf(m))));
    }
    for (const w of options.platform ?? []) this.addPod(platformPod(w, this.isGatewayPod(w.labels)));
    if (options.dns !== false) {
      const dns = options.dns ?? {
        name: 'kube-dns',
        namespace: 'kube-system',
        labels: { 'k8s-app': 'kube-dns' },
        serviceAccount: 'coredns',
        meshed: false,
        ports: { dns: 53, 'dns-tcp': 53 },
      };
      this.addNamespaceLabels(dns.namespace, dns.namespaceLabels ?? {});
      this.dnsPod = platformPod(dns);
    }
    if (options.controlPlane) {
      this.addNamespaceLabels(options.controlPlane.workload.namespace, options.controlPlane.workload.namespaceLabels ?? {});
      this.controlPlane = { pod: this.platformPodFor(options.controlPlane.workload), port: options.controlPlane.port };
    }
  }

  /** Whether any manifest lives in `namespace`: then its Services and policies are known, not assumed. */
  public holdsNamespace(namespace: string): boolean {
    return this.manifestNamespaces.has(namespace);
  }

  /**
   * The ServiceEntry whose `addresses` (IPs or CIDR ranges) cover the IP address `ip`, first
   * in input order: the sidecar matches such traffic by its destination address.
   * https://istio.io/latest/docs/reference/config/networking/service-entry/#ServiceEntry (addresses)
   */
  public serviceEntryAt(ip: string): Manifest | undefined {
    if (!/^[0-9a-fA-F.:]+$/.test(ip) || !(ip.includes(':') || /^\d+\.\d+\.\d+\.\d+$/.test(ip))) return undefined;
    return this.addressedEntries.find(([range]) => inCidr(ip, range.includes('/') ? range : `${range}/${range.includes(':') ? 128 : 32}`))?.[1];
  }

  private readonly selectorIndexes = new Map<string, SelectorIndex>();
  private readonly hostIndexes = new Map<string, HostIndex>();
  private servicesByPod?: Map<FlowPod, FlowService[]>;

  /**
   * The manifests of `kind` in `namespace` whose selector (as `selectorOf` reads it:
   * undefined = no selector, selects every pod) may select `labels`, in input order. Indexed
   * by one label of each selector, so a namespace of 1,000 policies costs a lookup.
   */
  public selecting(
    kind: string,
    namespace: string,
    labels: Readonly<Record<string, string>>,
    selectorOf: (m: Manifest) => Manifest | undefined,
  ): Manifest[] {
    const key = `${kind}/${namespace}`;
    let index = this.selectorIndexes.get(key);
    if (!index) {
      index = { unkeyed: [], byLabel: new Map(), order: new Map() };
      this.ofKind(kind, namespace).forEach((m, i) => {
        index!.order.set(m, i);
        const first = Object.entries(selectorOf(m)?.matchLabels ?? {})[0];
        if (first) push(index!.byLabel, `${first[0]}\u0000${first[1]}`, m);
        else index!.unkeyed.push(m);
      });
      this.selectorIndexes.set(key, index);
    }
    // A pod's labels are one object for all its flows: its answer is worked out once per kind
    // and namespace (each kind has one selector reading, so the key suffices).
    let memo = this.selectingMemo.get(labels);
    if (!memo) {
      memo = new Map();
      this.selectingMemo.set(labels, memo);
    }
    const known = memo.get(key);
    if (known) return known;
    const out = [...index.unkeyed];
    for (const [k, v] of Object.entries(labels)) out.push(...(index.byLabel.get(`${k}\u0000${v}`) ?? []));
    const result = out.filter((m) => selects(selectorOf(m), labels)).sort((a, b) => index!.order.get(a)! - index!.order.get(b)!);
    memo.set(key, result);
    return result;
  }

  /**
   * The manifests of `kind` whose hosts (as `hostsOf` reads them, resolved in the manifest's
   * namespace) cover the FQDN `host`, in input order.
   */
  public forHost(kind: string, host: string, hostsOf: (m: Manifest) => readonly string[]): Manifest[] {
    let index = this.hostIndexes.get(kind);
    if (!index) {
      index = { exact: new Map(), wildcard: [], order: new Map() };
      this.ofKind(kind).forEach((m, i) => {
        index!.order.set(m, i);
        for (const h of new Set(hostsOf(m).map((x) => istioHost(String(x), nsOf(m))))) {
          if (h.includes('*')) index!.wildcard.push([h, m]);
          else push(index!.exact, h, m);
        }
      });
      this.hostIndexes.set(kind, index);
    }
    const out = new Set<Manifest>(index.exact.get(host.toLowerCase()) ?? []);
    for (const [pattern, m] of index.wildcard) if (hostMatches(pattern, host)) out.add(m);
    return [...out].sort((a, b) => index!.order.get(a)! - index!.order.get(b)!);
  }

  /** The Services whose selector picks `pod`. */
  public servicesOf(pod: FlowPod): FlowService[] {
    if (!this.servicesByPod) {
      this.servicesByPod = new Map();
      for (const s of this.services.values()) {
        for (const p of this.podsOfService(s)) {
          const list = this.servicesByPod.get(p);
          if (list) list.push(s);
          else this.servicesByPod.set(p, [s]);
        }
      }
    }
    return this.servicesByPod.get(pod) ?? [];
  }

  /** Manifests of `kind` (in `namespace`, if given), in input order. */
  public ofKind(kind: string, namespace?: string): Manifest[] {
    return (namespace === undefined ? this.byKind.get(kind) : this.byKindNs.get(`${kind}/${namespace}`)) ?? [];
  }

  /** The labels of `namespace`, `kubernetes.io/metadata.name` included. */
  public namespaceLabels(namespace: string): Readonly<Record<string, string>> {
    return this.nsLabels.get(namespace) ?? { 'kubernetes.io/metadata.name': namespace };
  }

  /** Every namespace the cluster knows of (manifests, options, platform pods). */
  public namespaces(): string[] {
    const all = new Set<string>([...this.nsLabels.keys(), ...this.podsByNs.keys()]);
    return [...all].sort();
  }

  /** Pods in `namespace` (every namespace if undefined) whose labels satisfy a plain map selector. */
  public podsMatching(namespace: string | undefined, selector: Readonly<Record<string, string>>): FlowPod[] {
    const entries = Object.entries(selector ?? {});
    const inNs = (p: FlowPod) => namespace === undefined || p.namespace === namespace;
    if (entries.length === 0) return namespace === undefined ? this.pods : (this.podsByNs.get(namespace) ?? []);
    const [k, v] = entries[0];
    return (this.podsByLabel.get(`${k}\u0000${v}`) ?? []).filter((p) => inNs(p) && mapSelects(selector, p.labels));
  }

  /** Pods in `namespace`. */
  public podsIn(namespace: string): FlowPod[] {
    return this.podsByNs.get(namespace) ?? [];
  }

  /** Pods named `name` (their `app` label, or the name of the Deployment, Job... that owns them), in `namespace` if given. */
  public podsNamed(name: string, namespace?: string): FlowPod[] {
    return (this.podsByName.get(name) ?? []).filter((p) => namespace === undefined || p.namespace === namespace);
  }

  /** The pods behind a Service, by its selector (none for a selector-less Service). */
  public podsOfService(s: FlowService): FlowPod[] {
    const selector = s.manifest.spec?.selector;
    if (!selector || Object.keys(selector).length === 0) return [];
    return this.podsMatching(s.namespace, selector);
  }

  /**
   * The ServiceEntry of `host` (a FQDN) a client in `namespace` gets: of the entries exported
   * to its namespace, the one in its own namespace, else the first. Environments of one
   * cluster may each declare the same external host; istiod keeps one per hostname for a
   * proxy, "the one in the configNamespace" (istio/istio pilot/pkg/model/sidecar.go,
   * selectServices), else an arbitrary one.
   */
  public serviceEntryFor(host: string, namespace: string): Manifest | undefined {
    const visible = (this.serviceEntriesByHost.get(host) ?? []).filter((m) => {
      const exportTo: unknown[] = Array.isArray(m.spec?.exportTo) ? m.spec.exportTo : [];
      return exportTo.length === 0 || exportTo.some((e) => e === '*' || e === namespace || (e === '.' && nsOf(m) === namespace));
    });
    return visible.find((m) => nsOf(m) === namespace) ?? visible[0];
  }

  /**
   * The Service for `host` as a client in `namespace` writes it; a StatefulSet pod's own name
   * (`<pod>.<service>.<namespace>.svc.cluster.local`) is its headless governing Service, which
   * is how Istio routes it (istio/istio pilot/pkg/networking/core/httproute.go,
   * generateVirtualHostDomains: `*.<host>` for a headless Kubernetes Service).
   * https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#stable-network-id
   */
  public service(host: string, namespace: string): FlowService | undefined {
    return this.services.get(fqdn(host, namespace)) ?? this.podDnsService(fqdn(host, namespace));
  }

  /** The headless Service whose StatefulSet has the pod `name` names, if any. */
  private podDnsService(name: string): FlowService | undefined {
    const labels = name.split('.');
    if (labels.length !== 6 || labels[3] !== 'svc') return undefined;
    const service = this.services.get(labels.slice(1).join('.'));
    if (!service || service.manifest.spec?.clusterIP !== 'None') return undefined;
    const pod = /^(.+)-(\d+)$/.exec(labels[0]);
    if (!pod) return undefined;
    const owner = this.ofKind('StatefulSet', service.namespace).find((m) => m.metadata?.name === pod[1] && m.spec?.serviceName === service.name);
    return owner && Number(pod[2]) < Number(owner.spec?.replicas ?? 1) ? service : undefined;
  }

  /** The pod of a platform workload: the one from the options, else a new one (a gateway if a Gateway selects it). */
  public platformPodFor(w: FlowWorkload): FlowPod {
    return (
      this.pods.find((p) => p.kind === 'Platform' && p.name === w.name && p.namespace === w.namespace) ?? platformPod(w, this.isGatewayPod(w.labels))
    );
  }

  /** True if a Gateway of the manifests selects pods with `labels`, or they carry Istio's gateway label. */
  public isGatewayPod(labels: Readonly<Record<string, string>>): boolean {
    return (
      this.ofKind('Gateway').some((g) => Object.keys(g.spec?.selector ?? {}).length > 0 && mapSelects(g.spec.selector, labels)) ||
      /gateway/.test(labels.istio ?? '')
    );
  }

  /** The principal of `pod`: `<trustDomain>/ns/<ns>/sa/<sa>`. */
  public principalOf(pod: FlowPod): string {
    return `${this.trustDomain}/ns/${pod.namespace}/sa/${pod.serviceAccount}`;
  }

  private addNamespaceLabels(ns: string, labels: Readonly<Record<string, string>>): void {
    const current = this.nsLabels.get(ns) ?? {};
    this.nsLabels.set(ns, { ...current, ...labels, 'kubernetes.io/metadata.name': ns });
  }

  private addPod(p: FlowPod): void {
    this.pods.push(p);
    push(this.podsByNs, p.namespace, p);
    push(this.podsByName, p.name, p);
    const owner = p.manifest?.metadata?.name;
    if (owner && owner !== p.name) push(this.podsByName, String(owner), p);
    // A Flagger primary answers to the name of the Deployment it copies.
    const copied = p.manifest ? FLAGGER_PRIMARY_OF.get(p.manifest) : undefined;
    if (copied && copied !== p.name && copied !== owner) push(this.podsByName, copied, p);
    for (const [k, v] of Object.entries(p.labels)) push(this.podsByLabel, `${k}\u0000${v}`, p);
  }
}

interface SelectorIndex {
  readonly unkeyed: Manifest[];
  readonly byLabel: Map<string, Manifest[]>;
  readonly order: Map<Manifest, number>;
}

interface HostIndex {
  readonly exact: Map<string, Manifest[]>;
  readonly wildcard: Array<[string, Manifest]>;
  readonly order: Map<Manifest, number>;
}

/**
 * A pod template as a pod. It is meshed unless it opts out of injection
 * (`sidecar.istio.io/inject: "false"`) or its namespace says `istio-injection: disabled`.
 * https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/#controlling-the-injection-policy
 */
function podOfTemplate(m: Manifest, template: Manifest, nsLabels: Readonly<Record<string, string>>): FlowPod {
  const labels: Record<string, string> = { ...(template.metadata?.labels ?? {}) };
  const inject = template.metadata?.labels?.['sidecar.istio.io/inject'] ?? template.metadata?.annotations?.['sidecar.istio.io/inject'];
  const meshed = String(inject) !== 'false' && nsLabels['istio-injection'] !== 'disabled';
  const namedPorts: Record<string, number> = {};
  const portNumbers: number[] = [];
  for (const c of [...(template.spec?.containers ?? []), ...(template.spec?.initContainers ?? [])]) {
    for (const p of c.ports ?? []) {
      if (typeof p.containerPort !== 'number') continue;
      portNumbers.push(p.containerPort);
      if (p.name) namedPorts[String(p.name)] = p.containerPort;
    }
  }
  const ns = nsOf(m);
  return {
    id: `${ns}/${m.kind}/${m.metadata?.name}`,
    name: String(labels.app ?? m.metadata?.name),
    namespace: ns,
    labels,
    serviceAccount: String(template.spec?.serviceAccountName ?? template.spec?.serviceAccount ?? 'default'),
    meshed,
    namedPorts,
    portNumbers,
    addresses: [],
    kind: String(m.kind),
    gateway: false,
    manifest: m,
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
    addresses: [...(w.addresses ?? [])],
    kind: 'Platform',
    gateway,
  };
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** The range test lives with the other CIDR vocabulary in src/core/cidr.ts; the flow modules import it from here. */
export { inCidr };
