/**
 * A team's own cdk8s-plus-27 Deployment or StatefulSet, meshed as it is: read what the mesh
 * needs from it (its ServiceAccount, namespace, containers' ports, replicas, its Service),
 * add the mesh's labels and the Istio pod settings to its pod template, and check its pods
 * like the library's (MESH208). Nothing else of it is rebuilt or changed.
 */
import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { IConstruct } from 'constructs';
import { Codes } from '../core/codes';
import { MeshError } from '../core/errors';
import { podHardeningProblems } from './pod-hardening';
import { markChecked } from './pod-checks';
import { addProblems } from '../private/construct-problems';

/** A Service port of a team's Service. */
export interface AdoptedServicePort {
  readonly name?: string;
  readonly port: number;
  readonly targetPort: number;
  readonly protocol: 'TCP' | 'UDP';
}

/** What the mesh reads of a team's workload. */
export interface AdoptedWorkload {
  readonly kind: 'Deployment' | 'StatefulSet';
  /** Its chart, which must be the MeshChart. */
  readonly chart: Chart;
  /** Its namespace: its own, else its chart's. */
  readonly namespace?: string;
  /** Its ServiceAccount's name, if it has one of its own. */
  readonly serviceAccountName?: string;
  /** Its first container's image. */
  readonly image: string;
  /** Its replicas (cdk8s-plus-27's defaults: 2 for a Deployment, 1 for a StatefulSet). */
  readonly replicas: number;
  /** Every port of its containers. */
  readonly containerPorts: readonly {
    readonly container: string; readonly name?: string; readonly number: number; readonly protocol: 'TCP' | 'UDP';
  }[];
  /** Its pod template's labels. */
  readonly podLabels: Readonly<Record<string, string>>;
  /** Whether its pods mount their ServiceAccount token. */
  readonly automountServiceAccountToken: boolean;
}

/** A team's Service, as the mesh reads it. */
export interface AdoptedService {
  readonly name: string;
  readonly namespace?: string;
  readonly headless: boolean;
  readonly type: string;
  readonly ports: readonly AdoptedServicePort[];
}

/** Whether `x` is a cdk8s-plus-27 Deployment (cdk8s-plus-27 has no brand check: `instanceof` is the only test it offers). */
export function isKplusDeployment(x: unknown): x is kplus.Deployment {
  return x instanceof kplus.Deployment;
}

/** Whether `x` is a cdk8s-plus-27 StatefulSet. */
export function isKplusStatefulSet(x: unknown): x is kplus.StatefulSet {
  return x instanceof kplus.StatefulSet;
}

/** What the mesh reads of `w`. */
export function describeWorkload(w: kplus.Deployment | kplus.StatefulSet): AdoptedWorkload {
  const stateful = isKplusStatefulSet(w);
  if (!stateful && !isKplusDeployment(w)) {
    throw new MeshError(Codes.WORKLOAD_NOT_MESHABLE, `${(w as IConstruct).node.path}: not a cdk8s-plus-27 Deployment or StatefulSet`);
  }
  const labels = (w.podMetadata.toJson().labels ?? {}) as Record<string, string>;
  return {
    kind: stateful ? 'StatefulSet' : 'Deployment',
    chart: Chart.of(w),
    namespace: w.metadata.namespace,
    serviceAccountName: w.serviceAccount?.name,
    image: w.containers[0]?.image ?? '',
    replicas: w.replicas ?? (stateful ? 1 : 2),
    containerPorts: w.containers.flatMap((c) => c.ports.map((p) => ({
      container: c.name, name: p.name, number: p.number, protocol: p.protocol === kplus.Protocol.UDP ? 'UDP' as const : 'TCP' as const,
    }))),
    podLabels: { ...labels },
    automountServiceAccountToken: w.automountServiceAccountToken,
  };
}

/** The governing Service of a team's StatefulSet (cdk8s-plus-27 makes a headless one unless given). */
export function governingService(w: kplus.StatefulSet): kplus.Service {
  return w.service;
}

/** What the mesh reads of a team's Service. */
export function describeService(s: kplus.Service): AdoptedService {
  return {
    name: s.name,
    namespace: s.metadata.namespace,
    headless: s.clusterIP === 'None',
    type: s.type,
    ports: s.ports.map((p) => ({
      name: p.name, port: p.port, targetPort: p.targetPort ?? p.port, protocol: p.protocol === kplus.Protocol.UDP ? 'UDP' : 'TCP',
    })),
  };
}

/** Adds the mesh's labels and the Istio pod settings to `w`'s pod template (its selector is left alone). */
export function labelWorkload(w: kplus.Deployment | kplus.StatefulSet, labels: Record<string, string>, annotations: Record<string, string>): void {
  for (const [k, v] of Object.entries(labels)) w.podMetadata.addLabel(k, v);
  for (const [k, v] of Object.entries(annotations)) w.podMetadata.addAnnotation(k, v);
}

/**
 * Confines `w`'s pods to the container runtime's default seccomp profile, as the library's own pods
 * are, when its pod template sets no profile at the pod level: cdk8s-plus-27 has no field for it,
 * and without one the runtime runs the containers Unconfined, which Pod Security "restricted"
 * rejects (https://kubernetes.io/docs/concepts/security/pod-security-standards/, Seccomp). A
 * container's own profile still wins over the pod's; a pod-level profile the team patches in
 * before adoption is kept, one patched in after it replaces this one.
 */
export function confineSeccomp(w: kplus.Deployment | kplus.StatefulSet): void {
  const object = ApiObject.of(w);
  const pod = object.toJson().spec?.template?.spec;
  if (pod?.securityContext?.seccompProfile) return;
  object.addJsonPatch(pod?.securityContext
    ? JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' })
    : JsonPatch.add('/spec/template/spec/securityContext', { seccompProfile: { type: 'RuntimeDefault' } }));
}

/** Checks `w`'s rendered pods like the library's (MESH208), exceptions read from its pod template's annotations. */
export function checkAdoptedHardening(w: kplus.Deployment | kplus.StatefulSet, allowToken: boolean): void {
  markChecked(w);
  addProblems(w, () => {
    const template = ApiObject.of(w).toJson().spec?.template;
    return podHardeningProblems(template?.spec, { allowToken, annotations: template?.metadata?.annotations });
  });
}
