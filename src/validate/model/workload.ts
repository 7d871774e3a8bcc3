/**
 * A pod template as the model holds it: from a Deployment, StatefulSet, DaemonSet, ReplicaSet,
 * Job, CronJob or a bare Pod, read once for every check.
 */
import { Manifest, podTemplate } from '../finding';
import { dict, list } from '../values';
import { FLAGGER_PRIMARY_OF } from './flagger';
import type { Labels } from './selectors';

/** A pod template of the manifests. */
export interface Workload {
  /** The object holding the template. */
  readonly manifest: Manifest;
  /** Unique: `<namespace>/<Kind>/<name>`. */
  readonly id: string;
  /** `Deployment`, `Job`, ... */
  readonly kind: string;
  /** The value of its `app` label, else the owning object's name. */
  readonly name: string;
  readonly namespace: string;
  /** The pod template's labels. */
  readonly labels: Labels;
  /** The pod template's annotations. */
  readonly annotations: Labels;
  readonly serviceAccount: string;
  /** The node a Pod is bound to (spec.nodeName), if any. */
  readonly nodeName?: string;
  /** Container ports (init containers' included) by name. */
  readonly namedPorts: Readonly<Record<string, number>>;
  /** Every container port number. */
  readonly portNumbers: readonly number[];
  /**
   * False when the template opts out of sidecar injection (`sidecar.istio.io/inject: "false"` as
   * a label, else an annotation); its namespace may still disable injection.
   * https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/#controlling-the-injection-policy
   */
  readonly injectable: boolean;
  /** True when the template asks for a sidecar (`sidecar.istio.io/inject: "true"`), whatever its namespace says. */
  readonly injectionAsked: boolean;
  /** The names it answers to: its own, its owner's, and for a Flagger primary the Deployment it copies. */
  readonly aliases: readonly string[];
  /** Its position among the model's workloads (views keep what they add to it in an array by this). */
  readonly index: number;
}

/**
 * True if the pods of `w` run a sidecar: the template does not opt out of injection and its namespace, labelled
 * `namespaceLabels`, does not say `istio-injection: disabled`.
 * https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/#controlling-the-injection-policy
 */
export function isMeshed(w: Workload, namespaceLabels: Readonly<Record<string, string>> | undefined): boolean {
  return w.injectable && namespaceLabels?.['istio-injection'] !== 'disabled';
}

/**
 * True if the pods of `w` certainly run a sidecar: the template asks for one, or it does not opt out and its namespace is
 * labelled for injection (`istio-injection: enabled`, or a revision's `istio.io/rev`). {@link isMeshed} assumes injection
 * where nothing says otherwise, as the flows do; this is what a check may claim of a folder whose Namespace is not given.
 * https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/#controlling-the-injection-policy
 */
export function isCertainlyMeshed(w: Workload, namespaceLabels: Readonly<Record<string, string>> | undefined): boolean {
  if (w.injectionAsked) return true;
  const rev = namespaceLabels?.['istio.io/rev'];
  return isMeshed(w, namespaceLabels) && (namespaceLabels?.['istio-injection'] === 'enabled' || (typeof rev === 'string' && rev !== ''));
}

/** The namespace of `m`, `default` if it names none. */
export function namespaceOf(m: Manifest): string {
  return String(m?.metadata?.namespace ?? 'default');
}

/** The workload of `m`, the `index`th of its model, if it holds a pod template. */
export function workloadOf(m: Manifest, index: number): Workload | undefined {
  const template = podTemplate(m);
  if (!template) return undefined;
  const namespace = namespaceOf(m);
  // The template's own label and annotation maps, not copies: nothing changes them, and a model of
  // thousands of workloads need not hold them twice.
  const labels: Record<string, string> = dict(template.metadata?.labels);
  const annotations: Record<string, string> = dict(template.metadata?.annotations);
  const inject = labels['sidecar.istio.io/inject'] ?? annotations['sidecar.istio.io/inject'];
  const namedPorts: Record<string, number> = {};
  const portNumbers: number[] = [];
  for (const c of [...list(template.spec?.containers), ...list(template.spec?.initContainers)]) {
    for (const p of list(c?.ports)) {
      if (typeof p?.containerPort !== 'number') continue;
      portNumbers.push(p.containerPort);
      if (p.name) namedPorts[String(p.name)] = p.containerPort;
    }
  }
  const name = String(labels.app ?? m.metadata?.name);
  const owner = m.metadata?.name ? String(m.metadata.name) : undefined;
  const copied = FLAGGER_PRIMARY_OF.get(m);
  const aliases = [name];
  if (owner !== undefined && owner !== name) aliases.push(owner);
  if (copied && copied !== name && copied !== owner) aliases.push(copied);
  return {
    manifest: m,
    id: `${namespace}/${m.kind}/${m.metadata?.name}`,
    kind: String(m.kind),
    name,
    namespace,
    labels,
    annotations,
    serviceAccount: String(template.spec?.serviceAccountName ?? template.spec?.serviceAccount ?? 'default'),
    ...(typeof template.spec?.nodeName === 'string' ? { nodeName: template.spec.nodeName } : {}),
    namedPorts,
    portNumbers,
    injectable: String(inject) !== 'false',
    injectionAsked: String(inject) === 'true',
    aliases,
    index,
  };
}

/**
 * A workload outside the cluster's pods that the mesh knows by a WorkloadEntry (or an endpoint of a
 * MESH_INTERNAL ServiceEntry, which is an inline WorkloadEntry): a VM, as istiod makes its endpoint
 * (istio/istio 1.24 pilot/pkg/serviceregistry/serviceentry/conversion.go, convertEndpoint and
 * convertWorkloadEntryToWorkloadInstance): its labels, its namespace, its ServiceAccount (the principal
 * `<trustDomain>/ns/<namespace>/sa/<serviceAccount>`), its address and its named ports.
 * https://istio.io/latest/docs/reference/config/networking/workload-entry/
 */
export interface VmWorkload {
  /** The WorkloadEntry, or the ServiceEntry whose endpoint it is. */
  readonly manifest: Manifest;
  /** Unique: `<namespace>/WorkloadEntry/<name>`, or `<namespace>/ServiceEntry/<name>/endpoints/<i>`. */
  readonly id: string;
  /** The WorkloadEntry's name, or `<ServiceEntry>[<i>]` for an endpoint. */
  readonly name: string;
  readonly namespace: string;
  readonly labels: Labels;
  /** The ServiceAccount it names; `''` when it names none (then it has no principal). */
  readonly serviceAccount: string;
  /** Its `address` (an IP address, a host name, or `unix://...`); `''` when it gives only a `network`. */
  readonly address: string;
  /** Its `network`, when it names one: a VM of another network is reached through that network's gateway. */
  readonly network?: string;
  /** Its `ports`: a port name of the ServiceEntry to the port it listens on. */
  readonly namedPorts: Readonly<Record<string, number>>;
  /**
   * The endpoint's TLS mode as istiod reads it (conversion.go, getTLSModeFromWorkloadEntry): its
   * `security.istio.io/tlsMode` label, else `istio` when it names a ServiceAccount, else `disabled`.
   * Auto mTLS sends Istio mTLS only to an `istio` endpoint.
   */
  readonly tlsMode: string;
  /**
   * True when a sidecar runs beside it (its PeerAuthentication and AuthorizationPolicies apply): a
   * WorkloadEntry is a VM in the mesh unless its `security.istio.io/tlsMode` label says otherwise.
   */
  readonly meshed: boolean;
}

/** The label that states an endpoint's TLS mode (istio/api label: security.istio.io/tlsMode). */
export const TLS_MODE_LABEL = 'security.istio.io/tlsMode';

/**
 * The VM a WorkloadEntry spec (`spec` of a WorkloadEntry, or one `endpoints` item of a ServiceEntry)
 * describes, in `namespace` (the WorkloadEntry's own, or the ServiceEntry's: istiod names an endpoint's
 * principal in the service's namespace, conversion.go convertEndpoint).
 */
export function vmWorkloadOf(manifest: Manifest, spec: Manifest, namespace: string, id: string, name: string): VmWorkload {
  const labels: Record<string, string> = dict(spec?.labels);
  const serviceAccount = typeof spec?.serviceAccount === 'string' ? spec.serviceAccount : '';
  const written = labels[TLS_MODE_LABEL];
  const tlsMode = written ?? (serviceAccount !== '' ? 'istio' : 'disabled');
  const namedPorts: Record<string, number> = {};
  for (const [k, v] of Object.entries(dict(spec?.ports))) if (Number.isInteger(Number(v)) && Number(v) > 0) namedPorts[k] = Number(v);
  return {
    manifest, id, name, namespace, labels, serviceAccount, address: typeof spec?.address === 'string' ? spec.address : '',
    ...(typeof spec?.network === 'string' && spec.network !== '' ? { network: spec.network } : {}),
    namedPorts, tlsMode, meshed: written === undefined || written === 'istio',
  };
}

/** The VM of a WorkloadEntry manifest. */
export function workloadEntryOf(m: Manifest): VmWorkload {
  const namespace = namespaceOf(m);
  const name = String(m.metadata?.name);
  return vmWorkloadOf(m, m.spec, namespace, `${namespace}/WorkloadEntry/${name}`, name);
}
