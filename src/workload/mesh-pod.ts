/**
 * The library's workloads: a cdk8s-plus-27 Deployment or StatefulSet that also writes what
 * cdk8s-plus-27 has no API for, applied to its rendering: topology spread, node selector,
 * tolerations, affinity and priority class, seccomp profiles, native sidecar containers
 * (`restartPolicy: Always`), probes of the kinds it lacks, projected volumes, volume claim
 * templates, resources without a limit, several pull secrets, and no `imagePullPolicy`
 * unless one was asked for (cdk8s-plus-27 writes `Always`).
 */
import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { hasBrand, setBrand } from '../core/brand';
import { withoutUnset } from '../private/defined';
import { memoizingDuringSynth } from '../private/synth-memo';
import { claimQuantity, VolumeClaim } from './container-options';

/** The brand of the library's workloads: a registered symbol, so two copies of the library agree. */
const MESH_WORKLOAD_BRAND = Symbol.for('cdk8s-mesh.MeshWorkload');

/** How pods of one workload spread over a topology domain (zones, nodes). */
export interface TopologySpread {
  /** The node label whose values are the domains, `topology.kubernetes.io/zone`. */
  readonly topologyKey: string;
  /** Most pods more in one domain than in another. */
  readonly maxSkew: number;
  /** Whether an unbalanced placement is refused or only avoided. */
  readonly whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway';
  /** The labels of the pods counted. */
  readonly labelSelector: Record<string, string>;
}

/** What one container needs beyond cdk8s-plus-27's rendering. */
export interface ContainerExtras {
  probes?: { readiness?: k8s.Probe; liveness?: k8s.Probe; startup?: k8s.Probe };
  seccompProfile?: k8s.SeccompProfile;
  /** The pull policy asked for; undefined leaves the field out (Kubernetes' default). */
  imagePullPolicy?: string;
  /** Extended resources' limits (`nvidia.com/gpu: 1`), which cdk8s-plus-27's resources cannot hold. */
  extendedLimits?: Readonly<Record<string, number>>;
}

/** What a pod needs beyond cdk8s-plus-27's rendering. */
export interface PodExtras {
  readonly projected: Map<string, k8s.ProjectedVolumeSource>;
  readonly containers: Map<string, ContainerExtras>;
  readonly pullSecrets: string[];
  readonly spreads: TopologySpread[];
  /** nodeSelector, tolerations, affinity, priorityClassName. */
  scheduling: Record<string, unknown>;
  seccompProfile?: k8s.SeccompProfile;
  /** Names of native sidecar init containers, which go first. */
  readonly sidecars: string[];
  /** Volume claim templates, whose placeholder volumes are dropped from the pod. */
  readonly claims: VolumeClaim[];
}

/** Extended resources' limits as quantities. */
function extendedLimits(limits: Readonly<Record<string, number>>): Record<string, k8s.Quantity> {
  return Object.fromEntries(Object.entries(limits).map(([name, count]) => [name, k8s.Quantity.fromNumber(count)]));
}

function newExtras(): PodExtras {
  return { projected: new Map(), containers: new Map(), pullSecrets: [], spreads: [], scheduling: {}, sidecars: [], claims: [] };
}

/** The library's Deployment. */
export class MeshDeployment extends kplus.Deployment {
  /** @internal */
  public readonly _extras: PodExtras = newExtras();

  public constructor(scope: Construct, id: string, props: kplus.DeploymentProps) {
    super(scope, id, props);
    setBrand(this, MESH_WORKLOAD_BRAND);
    keepSidecarRestartPolicy(this, this._extras);
  }

  /** @internal */
  public override _toKube(): ReturnType<kplus.Deployment['_toKube']> {
    const spec = super._toKube();
    return withoutUnset({ ...spec, template: { ...spec.template, spec: finishPod(spec.template.spec, this._extras) } });
  }
}

/** The library's StatefulSet, with its volume claim templates. */
export class MeshStatefulSet extends kplus.StatefulSet {
  /** @internal */
  public readonly _extras: PodExtras = newExtras();

  public constructor(scope: Construct, id: string, props: kplus.StatefulSetProps) {
    super(scope, id, props);
    setBrand(this, MESH_WORKLOAD_BRAND);
    keepSidecarRestartPolicy(this, this._extras);
  }

  /** @internal */
  public override _toKube(): ReturnType<kplus.StatefulSet['_toKube']> {
    const spec = super._toKube();
    const claims = this._extras.claims.map((c): k8s.KubePersistentVolumeClaimProps => ({
      metadata: { name: c.name },
      spec: {
        accessModes: [...c.accessModes],
        storageClassName: c.storageClassName,
        resources: { requests: { storage: k8s.Quantity.fromString(claimQuantity(c.size)) } },
      },
    }));
    return withoutUnset({
      ...spec,
      template: { ...spec.template, spec: finishPod(spec.template.spec, this._extras) },
      volumeClaimTemplates: claims.length > 0 ? claims : undefined,
    });
  }
}

/** The workloads rendered within {@link renderingEachWorkloadOnce}, by their ApiObject. */
let renderMemo: WeakMap<ApiObject, any> | undefined;

/**
 * Runs `f` (a synth's validations, checks and rendering, during which the tree does not change)
 * rendering each workload once: its hardening check (pod-builder.ts) and the synth check read
 * the same rendering, where cdk8s would serialize the Deployment twice. Outside it, every
 * `toJson()` renders afresh, as cdk8s does.
 */
export function renderingEachWorkloadOnce<T>(f: () => T): T {
  if (renderMemo) return f();
  renderMemo = new WeakMap();
  try {
    // What else a validation and a renderer both work out is worked out once too (private/synth-memo.ts).
    return memoizingDuringSynth(f);
  } finally {
    renderMemo = undefined;
  }
}

/**
 * A native sidecar's `restartPolicy: Always` (Kubernetes 1.29) is not a field of
 * cdk8s-plus-27's Kubernetes 1.27 types, whose serializer drops it: it is set again on the
 * serialized object of `w`, by the sidecars' names.
 */
function keepSidecarRestartPolicy(w: Construct, x: PodExtras): void {
  const obj = ApiObject.of(w);
  const toJson = obj.toJson.bind(obj);
  obj.toJson = () => {
    const known = renderMemo?.get(obj);
    if (known) return known;
    const json = toJson();
    renderMemo?.set(obj, json);
    const inits: Record<string, unknown>[] | undefined = json.spec?.template?.spec?.initContainers;
    if (inits && x.sidecars.length > 0) {
      json.spec.template.spec.initContainers = inits.map((c) => (x.sidecars.includes(String(c.name)) ? { ...c, restartPolicy: 'Always' } : c));
    }
    return json;
  };
}

/**
 * The library's CronJob: its pod finished as a Deployment's is (seccomp profiles, probes, pull secrets, no
 * `imagePullPolicy` unless asked for), in `spec.jobTemplate.spec.template`. Not a workload a Service selects.
 */
export class MeshCronJobObject extends kplus.CronJob {
  /** @internal */
  public readonly _extras: PodExtras = newExtras();

  /** @internal */
  public override _toKube(): k8s.CronJobSpec {
    const spec = super._toKube();
    const job = spec.jobTemplate.spec;
    if (!job) return spec;
    const template = { ...job.template, spec: finishPod(job.template.spec, this._extras) };
    return withoutUnset({ ...spec, jobTemplate: { ...spec.jobTemplate, spec: withoutUnset({ ...job, template }) } });
  }
}

/** The library's Job: its pod finished as a CronJob's is, in `spec.template`. Not a workload a Service selects. */
export class MeshJobObject extends kplus.Job {
  /** @internal */
  public readonly _extras: PodExtras = newExtras();

  /** @internal */
  public override _toKube(): k8s.JobSpec {
    const spec = super._toKube();
    return withoutUnset({ ...spec, template: { ...spec.template, spec: finishPod(spec.template.spec, this._extras) } });
  }
}

/** A workload the library renders: its Deployment or StatefulSet. */
export type MeshWorkloadObject = MeshDeployment | MeshStatefulSet;

/** A pod-owning object the library builds containers into: a workload, a CronJob or a Job. */
export type MeshPodObject = MeshWorkloadObject | MeshCronJobObject | MeshJobObject;

/** Whether `x` is a workload the library renders (a brand check, not `instanceof`). */
export function isMeshWorkload(x: unknown): x is MeshWorkloadObject {
  return hasBrand(x, MESH_WORKLOAD_BRAND);
}

/** The pod spec cdk8s-plus-27 rendered, with the extras applied. */
function finishPod(rendered: k8s.PodSpec | undefined, x: PodExtras): k8s.PodSpec {
  let pod: k8s.PodSpec = rendered ?? { containers: [] };
  const spreads = uniqueSpreads(x.spreads);
  if (spreads.length > 0) {
    pod = {
      ...pod,
      topologySpreadConstraints: spreads.map((c) => ({
        topologyKey: c.topologyKey, maxSkew: c.maxSkew, whenUnsatisfiable: c.whenUnsatisfiable,
        labelSelector: { matchLabels: { ...c.labelSelector } },
      })),
    };
  }
  const claimed = new Set(x.claims.map((c) => c.name));
  if (x.projected.size > 0 || claimed.size > 0) {
    const volumes = pod.volumes?.filter((v) => !claimed.has(v.name))
      .map((v) => x.projected.has(v.name) ? { name: v.name, projected: x.projected.get(v.name) } : v);
    pod = { ...pod, volumes: volumes && volumes.length > 0 ? volumes : undefined };
  }
  const finish = (c: k8s.Container): k8s.Container => {
    const e = x.containers.get(c.name) ?? {};
    return {
      ...c,
      imagePullPolicy: e.imagePullPolicy,
      readinessProbe: e.probes?.readiness ?? c.readinessProbe,
      livenessProbe: e.probes?.liveness ?? c.livenessProbe,
      startupProbe: e.probes?.startup ?? c.startupProbe,
      securityContext: e.seccompProfile ? { ...c.securityContext, seccompProfile: e.seccompProfile } : c.securityContext,
      ...(e.extendedLimits ? { resources: { ...c.resources, limits: { ...c.resources?.limits, ...extendedLimits(e.extendedLimits) } } } : {}),
    };
  };
  // Native sidecars first: regular init containers start once they have started.
  // https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/
  const inits = (pod.initContainers ?? []).map(finish);
  const ordered = [...inits.filter((c) => x.sidecars.includes(c.name)), ...inits.filter((c) => !x.sidecars.includes(c.name))];
  pod = {
    ...pod,
    ...x.scheduling,
    containers: pod.containers.map(finish),
    initContainers: ordered.length > 0 ? ordered : undefined,
    securityContext: x.seccompProfile ? { ...pod.securityContext, seccompProfile: x.seccompProfile } : pod.securityContext,
  };
  if (x.pullSecrets.length > 0) pod = { ...pod, imagePullSecrets: x.pullSecrets.map((name) => ({ name })) };
  return pod;
}

/** Spreads sorted by topology key, the first of each key kept (a user's over HighAvailability's). */
function uniqueSpreads(spreads: readonly TopologySpread[]): TopologySpread[] {
  const byKey = new Map<string, TopologySpread>();
  for (const s of spreads) if (!byKey.has(s.topologyKey)) byKey.set(s.topologyKey, s);
  return [...byKey.values()].sort((a, b) => (a.topologyKey < b.topologyKey ? -1 : a.topologyKey > b.topologyKey ? 1 : 0));
}
