/**
 * An index over a set of manifests, so that every cross-resource check is a
 * lookup by host, selector label or ServiceAccount, never a scan of all pairs.
 */
import { Manifest, podTemplate } from '../finding';
import type { MeshPlatform } from '../../platform/platform';
import { dict, list } from '../values';

/** The cluster's DNS domain. */
export const CLUSTER_DOMAIN = 'cluster.local';

/** The namespace whose selector-less policies apply mesh-wide. */
export const ROOT_NAMESPACE = 'istio-system';

/** A pod template: from a Deployment, StatefulSet, DaemonSet, Job, CronJob or Pod. */
export interface Workload {
  readonly manifest: Manifest;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  /** The pod template's annotations. */
  readonly annotations: Readonly<Record<string, string>>;
  /** The node a Pod is bound to (spec.nodeName), if any. */
  readonly nodeName?: string;
}

/**
 * Labels Istio adds to every endpoint from its node (istio/istio pkg/kube/labels,
 * AugmentLabels; https://kubernetes.io/docs/reference/labels-annotations-taints/#topologykubernetesioregion),
 * so DestinationRule subsets may select on them.
 */
export const NODE_TOPOLOGY_LABELS: readonly string[] = [
  'topology.kubernetes.io/region', 'topology.kubernetes.io/zone', 'topology.istio.io/subzone', 'kubernetes.io/hostname',
];

/** The namespace of `m`, `default` if it names none. */
export function namespaceOf(m: Manifest): string {
  return String(m.metadata?.namespace ?? 'default');
}

/**
 * The fully qualified name of `host` as seen from `namespace`, as Istio computes it: only a
 * short name (`reviews`) is expanded; a name with a dot (`google.com`, `reviews.prod`) or a
 * wildcard is taken as it is (istio/istio pkg/config/analysis/analyzers/util/hosts.go,
 * ConvertHostToFQDN; https://istio.io/latest/docs/reference/config/networking/virtual-service/#Destination).
 */
export function resolveHost(host: string, namespace: string): string {
  if (host.startsWith('*') || host.includes('.')) return host;
  return `${host}.${namespace}.svc.${CLUSTER_DOMAIN}`;
}

/** True if host name `a` matches `b`, either possibly a `*.` wildcard (istio/istio pkg/config/host/name.go, Name.Matches). */
export function hostsMatch(a: string, b: string): boolean {
  const aw = a.startsWith('*');
  const bw = b.startsWith('*');
  if (aw && bw) return a.length < b.length ? b.slice(1).endsWith(a.slice(1)) : a.slice(1).endsWith(b.slice(1));
  if (aw) return b.endsWith(a.slice(1));
  if (bw) return a.endsWith(b.slice(1));
  return a === b;
}

/** A service as the registry knows it: a Service or ServiceEntry, with its ports (unknown for Services Flagger creates). */
export interface RegisteredService {
  readonly manifest: Manifest;
  readonly ports?: readonly number[];
}

/** The namespaces an object is visible in from its exportTo list (`*` for all). */
export function exportToScopes(exportTo: unknown, namespace: string): string[] {
  const list = Array.isArray(exportTo) ? exportTo.map(String) : [];
  if (list.length === 0 || list.includes('*')) return ['*'];
  return [...new Set(list.map((e) => (e === '.' ? namespace : e)))];
}

/**
 * Services and ServiceEntries by `<scope>/<fqdn>`, the scope being the namespace they are
 * exported to or `*`. Port of istio/istio pkg/config/analysis/analyzers/util/service_lookup.go.
 */
export class ServiceRegistry {
  private readonly byScopedHost = new Map<string, RegisteredService>();
  private readonly wildcards: { scope: string; suffix: string; service: RegisteredService }[] = [];

  /** Registers `host` (already fully qualified) in `scopes`. */
  public add(scopes: readonly string[], host: string, service: RegisteredService): void {
    for (const scope of scopes) {
      this.byScopedHost.set(`${scope}/${host}`, service);
      if (host.startsWith('*')) this.wildcards.push({ scope, suffix: host.slice(1), service });
    }
  }

  /**
   * The service `host` names for an object in `namespace` with `exportTo`: exported to all,
   * to the object's scopes, or a wildcard ServiceEntry host that is a suffix of it
   * (GetDestinationHost in service_lookup.go).
   */
  public lookup(namespace: string, exportTo: unknown, host: string): RegisteredService | undefined {
    const fqdn = resolveHost(host, namespace);
    const all = this.byScopedHost.get(`*/${fqdn}`);
    if (all) return all;
    const list = Array.isArray(exportTo) ? exportTo.map(String) : [];
    for (const scope of list.length === 0 ? [namespace] : list.map((e) => (e === '.' ? namespace : e))) {
      const found = this.byScopedHost.get(`${scope}/${fqdn}`);
      if (found) return found;
    }
    const bare = fqdn.startsWith('*') ? fqdn.slice(1) : fqdn;
    for (const w of this.wildcards) {
      if ((w.scope === '*' || w.scope === namespace) && bare.endsWith(w.suffix)) return w.service;
    }
    return undefined;
  }
}

/**
 * An ingress gateway the analysis assumes the cluster runs when the manifests do not define
 * it: its pods' labels and namespace and its Service's ports (the platform's gateway at
 * synth, istioctl analyze's default otherwise).
 */
export interface AssumedIngressGateway {
  /** The Service's name. */
  readonly name: string;
  /** The namespace of the pods and the Service. */
  readonly namespace: string;
  /** The pods' labels. */
  readonly podLabels: Readonly<Record<string, string>>;
  /** The Service's ports and the pod ports they target. */
  readonly ports: readonly { readonly name: string; readonly port: number; readonly targetPort: number }[];
}

/**
 * The ingress gateway istioctl analyze assumes when the input does not define it: a pod
 * labelled `istio: ingressgateway` and its Service `istio-ingressgateway` in istio-system
 * (istio/istio pkg/config/analysis/local/defaults.go, added by AddDefaultResources).
 */
export const ISTIOCTL_DEFAULT_INGRESS_GATEWAY: AssumedIngressGateway = {
  name: 'istio-ingressgateway',
  namespace: ROOT_NAMESPACE,
  podLabels: { istio: 'ingressgateway' },
  ports: [
    ['http2', 80],
    ['https', 443],
    ['tcp', 31400],
    ['tls', 15443],
  ].map(([name, n]) => ({ name: String(name), port: Number(n), targetPort: Number(n) })),
};

/**
 * The platform's ingress gateway as the analysis assumes it: the pods' labels and the
 * Service's ports with the pod ports they target (a stock install's 80 -> 8080 and
 * 443 -> 8443), so a Gateway server may name either, as on the cluster.
 * @see https://github.com/istio/istio/blob/master/manifests/charts/gateways/istio-ingress/values.yaml
 */
export function platformIngressGateway(platform: MeshPlatform): AssumedIngressGateway {
  const gw = platform.ingressGateway;
  return {
    name: gw.name,
    namespace: gw.namespace,
    podLabels: gw.podLabels,
    ports: [
      { name: 'http2', port: gw.httpServicePort, targetPort: gw.httpPort },
      { name: 'https', port: gw.httpsServicePort, targetPort: gw.httpsPort },
    ],
  };
}

/**
 * The objects of the assumed ingress gateways (`gateways`, by default istioctl analyze's one),
 * each unless `manifests` define its Service; gateways of one name and namespace are assumed
 * once (the first). The platform's gateway pods are not part of a chart's output, as they are
 * not part of the files istioctl analyze reads.
 */
export function defaultIngressGateway(manifests: readonly Manifest[],
  gateways: AssumedIngressGateway | readonly AssumedIngressGateway[] = ISTIOCTL_DEFAULT_INGRESS_GATEWAY): Manifest[] {
  const defined = new Set(manifests.filter((m) => m?.kind === 'Service').map((m) => `${m.metadata?.namespace}/${m.metadata?.name}`));
  const out: Manifest[] = [];
  const list: readonly AssumedIngressGateway[] = Array.isArray(gateways) ? gateways : [gateways as AssumedIngressGateway];
  for (const gateway of list) {
    const key = `${gateway.namespace}/${gateway.name}`;
    if (defined.has(key)) continue;
    defined.add(key);
    const labels = { ...gateway.podLabels };
    out.push(
      {
        apiVersion: 'v1', kind: 'Pod', metadata: { name: `${gateway.name}-dummypod`, namespace: gateway.namespace, labels },
        spec: { containers: [{ name: 'istio-proxy' }] },
      },
      {
        apiVersion: 'v1', kind: 'Service', metadata: { name: gateway.name, namespace: gateway.namespace },
        spec: { selector: labels, ports: gateway.ports.map((p) => ({ name: p.name, port: p.port, protocol: 'TCP', targetPort: p.targetPort })) },
      },
    );
  }
  return out;
}

/** The index. */
export class MeshIndex {
  /** Every manifest, in input order. */
  public readonly all: readonly Manifest[];
  /** Manifests by kind. */
  private readonly byKind = new Map<string, Manifest[]>();
  /** Services by fully qualified host. */
  public readonly services = new Map<string, Manifest>();
  /** Hosts declared by ServiceEntries (and Services Flagger will create). */
  public readonly externalHosts = new Set<string>();
  /** Services and ServiceEntries as Istio's analyzers look them up, with exportTo. */
  public readonly registry = new ServiceRegistry();
  /** Labels of each Node, by name. */
  public readonly nodeLabels = new Map<string, Record<string, string>>();
  /** DestinationRules by fully qualified host. */
  public readonly destinationRules = new Map<string, Manifest[]>();
  /** `<namespace>/<name>` of every ServiceAccount (`default` exists in every namespace). */
  public readonly serviceAccounts = new Set<string>();
  /** Every pod template. */
  public readonly workloads: Workload[] = [];
  /** Namespaces any object of the set lives in. */
  public readonly namespaces = new Set<string>();
  /** Namespaces of the assumed defaults (the platform's ingress gateway's): they exist on the cluster. */
  public readonly assumedNamespaces = new Set<string>();
  /** True if the set itself (not the assumed defaults) holds a workload. */
  public hasOwnWorkloads = false;
  /** Namespaces holding at least one workload. */
  public readonly workloadNamespaces = new Set<string>();
  /** The namespaces holding a workload of the set itself (not of the assumed defaults). */
  public readonly ownWorkloadNamespaces = new Set<string>();
  private readonly workloadsByLabel = new Map<string, Workload[]>();
  /** Services with a selector, by `<namespace>\0<key>\0<value>` of their selector's first label. */
  private readonly servicesBySelectorLabel = new Map<string, Manifest[]>();
  private readonly workloadsByNamespace = new Map<string, Workload[]>();

  /**
   * @param manifests the set to check
   * @param defaults objects the platform is assumed to have (istioctl analyze's default ingress
   * gateway): indexed, but their namespaces do not count as namespaces of the set
   */
  public constructor(manifests: readonly Manifest[], defaults: readonly Manifest[] = []) {
    this.all = manifests;
    const own = new Set(manifests);
    for (const m of [...manifests, ...defaults]) {
      if (!m || typeof m !== 'object') continue;
      const kind = String(m.kind);
      push(this.byKind, kind, m);
      const ns = namespaceOf(m);
      if (kind !== 'Namespace' && own.has(m)) this.namespaces.add(ns);
      if (!own.has(m)) this.assumedNamespaces.add(ns);
      if (kind === 'Node') {
        this.nodeLabels.set(String(m.metadata?.name), { ...(dict(m.metadata?.labels)) });
      } else if (kind === 'Service' && m.apiVersion === 'v1') {
        this.services.set(resolveHost(String(m.metadata?.name), ns), m);
        const first = Object.entries(dict(m.spec?.selector)).sort(([a], [b]) => (a < b ? -1 : 1))[0];
        if (first) push(this.servicesBySelectorLabel, `${ns}\u0000${first[0]}\u0000${first[1]}`, m);
        // The networking.istio.io/exportTo annotation: comma-separated namespaces, '.' for the own.
        const anno = m.metadata?.annotations?.['networking.istio.io/exportTo'];
        const scopes = typeof anno === 'string' && anno !== '' ? anno.split(',').map((e) => (e.trim() === '.' ? ns : e.trim())) : ['*'];
        this.registry.add(scopes, resolveHost(String(m.metadata?.name), ns), {
          manifest: m,
          ports: list(m.spec?.ports).map((p: any) => Number(p?.port)),
        });
      } else if (kind === 'ServiceAccount') {
        this.serviceAccounts.add(`${ns}/${m.metadata?.name}`);
      } else if (kind === 'ServiceEntry') {
        const ports = list(m.spec?.ports).map((p: any) => Number(p?.number));
        for (const h of list(m.spec?.hosts)) {
          this.externalHosts.add(resolveHost(String(h), ns));
          this.registry.add(exportToScopes(m.spec?.exportTo, ns), resolveHost(String(h), ns), { manifest: m, ports });
        }
      } else if (kind === 'DestinationRule') {
        const host = resolveHost(String(m.spec?.host ?? ''), ns);
        push(this.destinationRules, host, m);
      } else if (kind === 'Canary' && String(m.apiVersion).startsWith('flagger.app/')) {
        // Flagger creates <target>, <target>-primary and <target>-canary Services.
        const target = String(m.spec?.service?.name ?? m.spec?.targetRef?.name ?? '');
        for (const suffix of ['', '-primary', '-canary']) {
          this.externalHosts.add(resolveHost(`${target}${suffix}`, ns));
          if (!this.services.has(resolveHost(`${target}${suffix}`, ns)))
            this.registry.add(['*'], resolveHost(`${target}${suffix}`, ns), { manifest: m });
        }
      }
      const template = podTemplate(m);
      if (template) {
        this.addWorkload(m, ns, template);
        if (own.has(m)) {
          this.hasOwnWorkloads = true;
          this.ownWorkloadNamespaces.add(ns);
        }
      }
    }
  }

  /** Manifests of `kind`, in input order. */
  public ofKind(kind: string): Manifest[] {
    return this.byKind.get(kind) ?? [];
  }

  /** True if a ServiceAccount `namespace/name` exists (`default` always does). */
  public hasServiceAccount(namespace: string, name: string): boolean {
    return name === 'default' || this.serviceAccounts.has(`${namespace}/${name}`);
  }

  /** Workloads in `namespace` whose pod labels include every label of `selector`. */
  public workloadsMatching(namespace: string, selector: Readonly<Record<string, string>>): Workload[] {
    const entries = Object.entries(dict(selector));
    if (entries.length === 0) return this.workloadsByNamespace.get(namespace) ?? [];
    let smallest: Workload[] | undefined;
    for (const [k, v] of entries) {
      const bucket = this.workloadsByLabel.get(`${namespace}\u0000${k}\u0000${v}`) ?? [];
      if (!smallest || bucket.length < smallest.length) smallest = bucket;
    }
    return list(smallest).filter((w) => entries.every(([k, v]) => w.labels[k] === v));
  }

  /**
   * Workloads in `namespace` whose endpoints carry every label of `selector`, node topology
   * labels included: from the Pod's Node when both are known (empty values are not set), else
   * any non-empty topology value is taken as one some node may have.
   */
  public endpointsMatching(namespace: string, selector: Readonly<Record<string, string>>): Workload[] {
    const own: Record<string, string> = {};
    const topology: [string, string][] = [];
    for (const [k, v] of Object.entries(dict(selector))) {
      if (NODE_TOPOLOGY_LABELS.includes(k)) topology.push([k, v]);
      else own[k] = v;
    }
    return this.workloadsMatching(namespace, own).filter((w) => topology.every(([k, v]) => {
      if (w.labels[k] !== undefined) return w.labels[k] === v;
      const node = w.nodeName !== undefined ? this.nodeLabels.get(w.nodeName) : undefined;
      if (!node) return v !== '';
      const value = k === 'kubernetes.io/hostname' ? w.nodeName : node[k];
      return value !== undefined && value !== '' && value === v;
    }));
  }

  /** Workloads in any namespace whose pod labels include every label of `selector` (as a Gateway selects its pods). */
  public workloadsMatchingAnywhere(selector: Readonly<Record<string, string>>): Workload[] {
    if (Object.keys(dict(selector)).length === 0) return this.workloads;
    return [...this.workloadNamespaces].sort().flatMap((ns) => this.workloadsMatching(ns, selector));
  }

  /** Services of the workload's namespace whose (non-empty) selector matches its labels: a lookup per label, not a scan. */
  public servicesSelecting(w: Workload): Manifest[] {
    const out = new Set<Manifest>();
    for (const [k, v] of Object.entries(w.labels)) {
      for (const svc of this.servicesBySelectorLabel.get(`${w.namespace}\u0000${k}\u0000${v}`) ?? []) {
        if (Object.entries(dict(svc.spec?.selector)).every(([sk, sv]) => w.labels[sk] === sv)) out.add(svc);
      }
    }
    return [...out];
  }

  /** The workloads behind a Service (by its selector), if it has one. */
  public workloadsOfService(service: Manifest): Workload[] {
    const selector = service.spec?.selector;
    if (!selector || Object.keys(selector).length === 0) return [];
    return this.workloadsMatching(namespaceOf(service), selector);
  }

  private addWorkload(m: Manifest, namespace: string, template: Manifest): void {
    const w: Workload = {
      manifest: m,
      namespace,
      labels: { ...(dict(template.metadata?.labels)) },
      annotations: { ...(dict(template.metadata?.annotations)) },
      serviceAccount: String(template.spec?.serviceAccountName ?? template.spec?.serviceAccount ?? 'default'),
      ...(typeof template.spec?.nodeName === 'string' ? { nodeName: template.spec.nodeName } : {}),
    };
    this.workloads.push(w);
    this.workloadNamespaces.add(namespace);
    push(this.workloadsByNamespace, namespace, w);
    for (const [k, v] of Object.entries(w.labels)) {
      push(this.workloadsByLabel, `${namespace}\u0000${k}\u0000${v}`, w);
    }
  }
}

/** Appends `value` to the list at `key`. */
export function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
