/**
 * An index over a set of manifests, so that every cross-resource check is a
 * lookup by host, selector label or ServiceAccount, never a scan of all pairs.
 */
import { Manifest } from '../finding';

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
}

const POD_TEMPLATE_PATHS: Record<string, string[]> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

/** The namespace of `m`, `default` if it names none. */
export function namespaceOf(m: Manifest): string {
  return String(m.metadata?.namespace ?? 'default');
}

/**
 * The fully qualified name of `host` as seen from `namespace`: a short name
 * (`reviews`) is expanded as Istio does; `reviews.prod` and `reviews.prod.svc`
 * as Kubernetes DNS does.
 */
export function resolveHost(host: string, namespace: string): string {
  const parts = host.split('.');
  if (parts.length === 1) return `${host}.${namespace}.svc.${CLUSTER_DOMAIN}`;
  if (parts.length === 2) return `${host}.svc.${CLUSTER_DOMAIN}`;
  if (parts.length === 3 && parts[2] === 'svc') return `${host}.${CLUSTER_DOMAIN}`;
  return host;
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
  /** DestinationRules by fully qualified host. */
  public readonly destinationRules = new Map<string, Manifest[]>();
  /** `<namespace>/<name>` of every ServiceAccount (`default` exists in every namespace). */
  public readonly serviceAccounts = new Set<string>();
  /** Every pod template. */
  public readonly workloads: Workload[] = [];
  /** Namespaces any object of the set lives in. */
  public readonly namespaces = new Set<string>();
  /** Namespaces holding at least one workload. */
  public readonly workloadNamespaces = new Set<string>();
  private readonly workloadsByLabel = new Map<string, Workload[]>();
  private readonly workloadsByNamespace = new Map<string, Workload[]>();

  public constructor(manifests: readonly Manifest[]) {
    this.all = manifests;
    for (const m of manifests) {
      if (!m || typeof m !== 'object') continue;
      const kind = String(m.kind);
      push(this.byKind, kind, m);
      const ns = namespaceOf(m);
      if (kind !== 'Namespace') this.namespaces.add(ns);
      if (kind === 'Service' && m.apiVersion === 'v1') {
        this.services.set(resolveHost(String(m.metadata?.name), ns), m);
      } else if (kind === 'ServiceAccount') {
        this.serviceAccounts.add(`${ns}/${m.metadata?.name}`);
      } else if (kind === 'ServiceEntry') {
        for (const h of m.spec?.hosts ?? []) this.externalHosts.add(resolveHost(String(h), ns));
      } else if (kind === 'DestinationRule') {
        const host = resolveHost(String(m.spec?.host ?? ''), ns);
        push(this.destinationRules, host, m);
      } else if (kind === 'Canary' && String(m.apiVersion).startsWith('flagger.app/')) {
        // Flagger creates <target>, <target>-primary and <target>-canary Services.
        const target = String(m.spec?.service?.name ?? m.spec?.targetRef?.name ?? '');
        for (const suffix of ['', '-primary', '-canary']) this.externalHosts.add(resolveHost(`${target}${suffix}`, ns));
      }
      const template = podTemplate(m);
      if (template) this.addWorkload(m, ns, template);
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
    const entries = Object.entries(selector ?? {});
    if (entries.length === 0) return this.workloadsByNamespace.get(namespace) ?? [];
    let smallest: Workload[] | undefined;
    for (const [k, v] of entries) {
      const bucket = this.workloadsByLabel.get(`${namespace}\u0000${k}\u0000${v}`) ?? [];
      if (!smallest || bucket.length < smallest.length) smallest = bucket;
    }
    return (smallest ?? []).filter((w) => entries.every(([k, v]) => w.labels[k] === v));
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
      labels: { ...(template.metadata?.labels ?? {}) },
      serviceAccount: String(template.spec?.serviceAccountName ?? template.spec?.serviceAccount ?? 'default'),
    };
    this.workloads.push(w);
    this.workloadNamespaces.add(namespace);
    push(this.workloadsByNamespace, namespace, w);
    for (const [k, v] of Object.entries(w.labels)) {
      push(this.workloadsByLabel, `${namespace}\u0000${k}\u0000${v}`, w);
    }
  }
}

function podTemplate(m: Manifest): Manifest | undefined {
  if (m.kind === 'Pod' && m.apiVersion === 'v1') return m;
  const path = POD_TEMPLATE_PATHS[String(m.kind)];
  if (!path) return undefined;
  let t: any = m;
  for (const p of path) t = t?.[p];
  return t && typeof t === 'object' ? t : undefined;
}

/** Appends `value` to the list at `key`. */
export function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
