/**
 * A snapshot of the cluster (`kubectl get deploy,statefulset,daemonset,svc,sa,endpoints -A -o yaml`)
 * indexed for the platform's reader: Services by namespace and name, workloads (pod
 * templates) by namespace, the API server's endpoints and Prometheus resources. Each object
 * keeps the file it came from, so that every message names the file.
 */
import { Codes } from '../core/codes';
import { MeshError } from '../core/errors';
import { readYamlFile } from '../private/yaml-reader';

/** A Kubernetes object as read. */
export type SnapshotObject = Record<string, any>;

/** One file of a snapshot: its name as messages show it, and its documents' values. */
export interface SnapshotFile {
  readonly file: string;
  readonly values: readonly unknown[];
}

/** An object with the file it came from. */
export interface Located {
  readonly object: SnapshotObject;
  readonly file: string;
}

/** The pods a Service selects, as their pod templates describe them. */
export interface SnapshotPods {
  /** The labels every one of the pods carries. */
  readonly labels: Record<string, string>;
  readonly serviceAccount: string;
  /** Container ports by name. */
  readonly namedPorts: Readonly<Record<string, number>>;
  /** `Deployment istio-system/istio-ingressgateway`, for messages. */
  readonly owners: string;
  readonly file: string;
  /** Every container's command and args. */
  readonly args: readonly string[];
  /** The environment variables every one of the pods sets to a literal `value` in one of its containers (istiod's `ENABLE_NATIVE_SIDECARS`). */
  readonly env: Readonly<Record<string, string>>;
  /** Every container's image, as written. */
  readonly images: readonly string[];
}

/** The kinds a snapshot is read for; a file with none of them is not a snapshot. */
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);
const SNAPSHOT_KINDS = new Set([...WORKLOAD_KINDS, 'Service', 'ServiceAccount', 'Endpoints', 'EndpointSlice', 'Prometheus']);

const isMap = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The files of `source`: file paths are read with the package's YAML reader (its limits
 * apply; a file that is not YAML is a MESH156 error naming it); objects are one file,
 * `the manifests`.
 */
export function snapshotFilesOf(source: readonly string[] | readonly SnapshotObject[]): SnapshotFile[] {
  if (source.length === 0) throw new MeshError(Codes.PLATFORM_NOT_A_SNAPSHOT, 'a snapshot of the cluster needs at least one file or object');
  if (source.every((s) => typeof s === 'string')) {
    return (source as readonly string[]).map((file) => ({ file, values: readYamlFile(file, file).map((d) => d.value) }));
  }
  return [{ file: 'the manifests', values: [...source] }];
}

/** The index of a snapshot's objects. */
export class SnapshotIndex {
  /** Every file's name, for messages about the whole snapshot. */
  public readonly files: string;
  private readonly services = new Map<string, Located>();
  private readonly workloads = new Map<string, Located[]>();
  private readonly endpointObjects: Located[] = [];
  private readonly prometheuses = new Map<string, Located[]>();

  /** Indexes `files`; throws MESH080 naming the first file that holds no object of a snapshot. */
  public constructor(files: readonly SnapshotFile[]) {
    this.files = files.map((f) => f.file).join(', ');
    for (const f of files) {
      const objects = f.values.flatMap((v) => (isMap(v) && v.kind === 'List' && Array.isArray(v.items) ? v.items : [v]))
        .filter((o): o is SnapshotObject => isMap(o) && typeof o.kind === 'string' && typeof o.apiVersion === 'string');
      const read = objects.filter((o) => SNAPSHOT_KINDS.has(o.kind));
      if (read.length === 0) {
        throw new MeshError(Codes.PLATFORM_NOT_A_SNAPSHOT, `${f.file}: not a snapshot of the cluster: it holds no ${[...SNAPSHOT_KINDS].join(', ')}`
          + ' (write one with kubectl get deploy,statefulset,daemonset,svc,sa,endpoints -A -o yaml)');
      }
      for (const object of read) this.add({ object, file: f.file });
    }
  }

  /** The Service `namespace/name`. */
  public service(namespace: string, name: string): Located | undefined {
    return this.services.get(`${namespace}/${name}`);
  }

  /** The names of the Services in `namespace`, for a hint. */
  public serviceNames(namespace: string): string[] {
    return [...this.services.keys()].filter((k) => k.startsWith(`${namespace}/`)).map((k) => k.slice(namespace.length + 1)).sort();
  }

  /** The Deployment, StatefulSet or DaemonSet `namespace/name`. */
  public workload(namespace: string, name: string): Located | undefined {
    return (this.workloads.get(namespace) ?? []).find((w) => w.object.metadata?.name === name);
  }

  /** The Prometheus resources of `namespace`. */
  public prometheusesIn(namespace: string): readonly Located[] {
    return this.prometheuses.get(namespace) ?? [];
  }

  /**
   * The addresses and ports of the endpoints of Service `namespace/name`: its Endpoints
   * object, else its EndpointSlices (label `kubernetes.io/service-name`); undefined if the
   * snapshot holds neither.
   * https://kubernetes.io/docs/concepts/services-networking/endpoint-slices/
   */
  public endpoints(namespace: string, name: string): { addresses: string[]; ports: number[]; file: string } | undefined {
    const inNs = this.endpointObjects.filter((e) => nsOf(e.object) === namespace);
    const endpoints = inNs.find((e) => e.object.kind === 'Endpoints' && e.object.metadata?.name === name);
    const slices = inNs.filter((e) => e.object.kind === 'EndpointSlice' && e.object.metadata?.labels?.['kubernetes.io/service-name'] === name);
    const addresses: string[] = [];
    const ports: number[] = [];
    if (endpoints) {
      for (const s of arrayOf(endpoints.object.subsets)) {
        addresses.push(...arrayOf(s.addresses).map((a: SnapshotObject) => String(a.ip)));
        ports.push(...arrayOf(s.ports).map((p: SnapshotObject) => Number(p.port)));
      }
    } else {
      for (const s of slices) {
        addresses.push(...arrayOf(s.object.endpoints).flatMap((e: SnapshotObject) => arrayOf(e.addresses).map(String)));
        ports.push(...arrayOf(s.object.ports).map((p: SnapshotObject) => Number(p.port)));
      }
    }
    const from = endpoints ?? slices[0];
    if (!from) return undefined;
    return { addresses: [...new Set(addresses)].sort(), ports: [...new Set(ports)].sort((a, b) => a - b), file: from.file };
  }

  /**
   * The pods `service` selects (the pod templates of the Deployments, StatefulSets and
   * DaemonSets of its namespace that carry every label of its selector): their common labels,
   * their one ServiceAccount and their named container ports. Throws MESH083 when the
   * Service has no selector, selects no workload, or selects pods of several ServiceAccounts.
   */
  public podsOf(service: Located): SnapshotPods {
    const s = service.object;
    const ref = `Service ${nsOf(s)}/${s.metadata?.name} (${service.file})`;
    const selector = s.spec?.selector;
    if (!isMap(selector) || Object.keys(selector).length === 0) {
      throw incomplete(`${ref} has no selector: its pods cannot be told apart`);
    }
    const matched = (this.workloads.get(nsOf(s)) ?? []).filter((w) => Object.entries(selector).every(([k, v]) => templateLabels(w)[k] === String(v)));
    if (matched.length === 0) {
      throw incomplete(`${ref} selects no Deployment, StatefulSet or DaemonSet of the snapshot (selector ${JSON.stringify(selector)});`
        + ' add its workload to the snapshot');
    }
    return podsOfWorkloads(matched, ref);
  }

  /** The pods of one workload. */
  public podsOfWorkload(workload: Located): SnapshotPods {
    return podsOfWorkloads([workload], describe(workload));
  }

  private add(l: Located): void {
    const o = l.object;
    const ns = nsOf(o);
    if (o.kind === 'Service') this.services.set(`${ns}/${o.metadata?.name}`, l);
    else if (WORKLOAD_KINDS.has(o.kind)) this.workloads.set(ns, [...(this.workloads.get(ns) ?? []), l]);
    else if (o.kind === 'Endpoints' || o.kind === 'EndpointSlice') this.endpointObjects.push(l);
    else if (o.kind === 'Prometheus') this.prometheuses.set(ns, [...(this.prometheuses.get(ns) ?? []), l]);
  }
}

function podsOfWorkloads(matched: readonly Located[], ref: string): SnapshotPods {
  const accounts = [...new Set(matched.map((w) => serviceAccountOf(w)))];
  if (accounts.length > 1) {
    throw incomplete(`${ref} selects the pods of ${matched.map(describe).join(' and ')}, which run as different ServiceAccounts`
      + ` (${accounts.join(', ')}): the platform has one per component; read the others (components) and give its props`);
  }
  const labels = { ...templateLabels(matched[0]) };
  for (const w of matched.slice(1)) {
    for (const [k, v] of Object.entries(labels)) if (templateLabels(w)[k] !== v) delete labels[k];
  }
  const env = envOf(matched[0]);
  for (const w of matched.slice(1)) {
    const other = envOf(w);
    for (const [k, v] of Object.entries(env)) if (other[k] !== v) delete env[k];
  }
  const namedPorts: Record<string, number> = {};
  const args: string[] = [];
  const images: string[] = [];
  for (const w of matched) {
    for (const c of arrayOf(w.object.spec?.template?.spec?.containers)) {
      for (const p of arrayOf(c.ports)) if (typeof p.name === 'string') namedPorts[p.name] = Number(p.containerPort);
      args.push(...arrayOf(c.command).map(String), ...arrayOf(c.args).map(String));
      if (typeof c?.image === 'string') images.push(c.image);
    }
  }
  return { labels, serviceAccount: accounts[0], namedPorts, owners: matched.map(describe).join(', '), file: matched[0].file, args, env, images };
}

/** The literal `value`s of a workload's containers' environment variables (one set twice to different values is left out). */
function envOf(w: Located): Record<string, string> {
  const out: Record<string, string> = {};
  const twice = new Set<string>();
  for (const c of arrayOf(w.object.spec?.template?.spec?.containers)) {
    for (const e of arrayOf(c?.env)) {
      if (typeof e?.name !== 'string' || typeof e.value !== 'string') continue;
      if (out[e.name] !== undefined && out[e.name] !== e.value) twice.add(e.name);
      out[e.name] = e.value;
    }
  }
  for (const k of twice) delete out[k];
  return out;
}

/** A port of a Service and the pod port it sends to. */
export interface ResolvedServicePort {
  readonly name?: string;
  readonly port: number;
  readonly targetPort: number;
}

/**
 * The ports of `service` with the pod port each targets: `targetPort` by number, by the name
 * of a container port of `pods`, else the port itself. Throws MESH083 for a name no container port has.
 * https://kubernetes.io/docs/concepts/services-networking/service/#field-spec-ports
 */
export function servicePorts(service: Located, pods: SnapshotPods): ResolvedServicePort[] {
  return arrayOf(service.object.spec?.ports).map((p: SnapshotObject) => {
    const port = Number(p.port);
    const t = p.targetPort;
    let targetPort: number;
    if (t === undefined || t === null) targetPort = port;
    else if (typeof t === 'number' || /^\d+$/.test(String(t))) targetPort = Number(t);
    else if (pods.namedPorts[String(t)] !== undefined) targetPort = pods.namedPorts[String(t)];
    else throw incomplete(`${describe(service)} port ${port} targets container port '${t}', which its pods (${pods.owners}) do not declare`);
    return { ...(typeof p.name === 'string' ? { name: p.name } : {}), port, targetPort };
  });
}

/** The namespace of an object (`default` when it names none, as kubectl applies it). */
export function nsOf(o: SnapshotObject): string {
  return String(o.metadata?.namespace ?? 'default');
}

/** `Kind namespace/name (file)`. */
export function describe(l: Located): string {
  return `${l.object.kind} ${nsOf(l.object)}/${l.object.metadata?.name} (${l.file})`;
}

/** A list field, `[]` when absent or not a list. */
export function arrayOf(v: unknown): any[] {
  return Array.isArray(v) ? v : [];
}

/** A MESH083 error: the snapshot holds a component without what the platform needs of it. */
export function incomplete(message: string): MeshError {
  return new MeshError(Codes.PLATFORM_COMPONENT_INCOMPLETE, message);
}

function templateLabels(w: Located): Record<string, string> {
  const labels = w.object.spec?.template?.metadata?.labels;
  return isMap(labels) ? Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)])) : {};
}

/** The pod template's ServiceAccount: `serviceAccountName`, its deprecated alias, else the namespace's `default`. */
function serviceAccountOf(w: Located): string {
  const spec = w.object.spec?.template?.spec ?? {};
  return String(spec.serviceAccountName ?? spec.serviceAccount ?? 'default');
}
