/**
 * Builds the library's workloads (a Deployment, or a StatefulSet with its claims) from the
 * typed pod options: the application container, the extra and native sidecar containers,
 * the init containers, volumes, security contexts with their exceptions' annotations,
 * scheduling and the extras cdk8s-plus-27 cannot express (mesh-pod.ts).
 */
import { ApiObject, Cron, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { podHardeningProblems } from './pod-hardening';
import { ContainerOptions, ContainerPortOptions, ContainerResources, VolumeClaim, withResourceDefaults } from './container-options';
import {
  ContainerExtras, MeshCronJobObject, MeshDeployment, MeshJobObject, MeshPodObject, MeshStatefulSet, MeshWorkloadObject, PodExtras,
} from './mesh-pod';
import { HealthProbe, ImagePullPolicy, ProbesOptions, VolumeMountOptions } from './pod-options';
import { PodOptions } from './pod-props';
import { isEmptyDir, TMP_VOLUME, toKplusEnv, toKplusProbe, toKplusVolume, toKubeProbe } from './pod-render';
import { markChecked, metricsLabels, podAnnotations, sidecarLabels } from './pod-checks';
import { renderScheduling, spreadsOf } from './scheduling';
import { ContainerSecurityOptions, renderContainerSecurity, resolvePodSecurity, ResolvedPodSecurity } from './security-context';
import { addProblems } from '../private/construct-problems';

/** The name of a workload's application container. */
export const APP_CONTAINER = 'app';

/** A StatefulSet's part of a {@link WorkloadSpec}. */
export interface StatefulSpec {
  /** The governing (headless) Service, whose name is the StatefulSet's `serviceName`. */
  readonly service: kplus.Service;
  readonly claims: readonly VolumeClaim[];
  readonly podManagementPolicy?: 'OrderedReady' | 'Parallel';
}

/** What {@link addWorkload} needs. */
export interface WorkloadSpec {
  readonly name: string;
  readonly namespace: string;
  /** Labels of the workload and its pods. */
  readonly labels: Record<string, string>;
  /** Annotations of the workload object. */
  readonly annotations?: Record<string, string>;
  readonly selector: Record<string, string>;
  readonly image: string;
  readonly replicas: number;
  readonly serviceAccount?: kplus.IServiceAccount;
  /** The application container's ports: Service target ports (named after their Service port) and its own container ports. */
  readonly containerPorts: readonly ContainerPortOptions[];
  readonly resources: Required<ContainerResources>;
  readonly automountServiceAccountToken: boolean;
  readonly pod: PodOptions;
  /** The application container's probes, resolved (ports set); `none` probes left out. */
  readonly probes: ProbesOptions;
  /** Set for a StatefulSet. */
  readonly stateful?: StatefulSpec;
}

/**
 * A hardened workload: non-root, read-only root filesystem, no privilege escalation, no
 * capabilities, seccomp RuntimeDefault, unless a named exception loosens one field; its
 * rendered pod is checked at synth (MESH208), JSON patches included.
 */
export function addWorkload(scope: Construct, id: string, spec: WorkloadSpec): MeshWorkloadObject {
  const pod = spec.pod;
  const podSecurity = resolvePodSecurity(pod.podSecurity);
  const annotations = podAnnotations(pod);
  const props = {
    metadata: { name: spec.name, namespace: spec.namespace, labels: spec.labels, annotations: spec.annotations },
    replicas: spec.replicas,
    select: false,
    serviceAccount: spec.serviceAccount,
    automountServiceAccountToken: spec.automountServiceAccountToken,
    // The library's labels win over the user's: the selector and Istio's telemetry read them.
    podMetadata: {
      labels: { ...pod.podLabels, ...sidecarLabels(pod.sidecar), ...metricsLabels(pod), ...spec.labels },
      annotations: Object.keys(annotations).length > 0 ? annotations : undefined,
    },
    securityContext: { ensureNonRoot: true, user: podSecurity.runAsUser, group: podSecurity.runAsGroup, fsGroup: podSecurity.fsGroup },
    terminationGracePeriod: pod.terminationGracePeriod,
  };
  const w = spec.stateful
    ? new MeshStatefulSet(scope, id, {
        ...props, service: spec.stateful.service, podManagementPolicy: spec.stateful.podManagementPolicy as kplus.PodManagementPolicy | undefined,
      })
    : new MeshDeployment(scope, id, { ...props, spread: false });
  const x = w._extras;
  x.claims.push(...(spec.stateful?.claims ?? []));
  x.seccompProfile = { type: podSecurity.seccompProfile.type, localhostProfile: podSecurity.seccompProfile.localhostProfile };
  x.scheduling = renderScheduling(pod, spec.selector);
  x.spreads.push(...spreadsOf(pod).map((s) => ({ ...s, labelSelector: { ...spec.selector } })));
  const b = new PodBuilder(w, pod, podSecurity, spec.resources);
  for (const c of pod.sidecarContainers ?? []) b.container(c, 'sidecar');
  for (const init of pod.initContainers ?? []) b.container(init, 'init');
  b.container({
    name: APP_CONTAINER, image: spec.image, command: pod.command, args: pod.args, env: pod.env, ports: [...spec.containerPorts],
    probes: spec.probes, security: pod.security, mounts: pod.mounts, imagePullPolicy: pod.imagePullPolicy,
  }, 'app', pod.preStopCommand);
  for (const c of pod.containers ?? []) b.container(c, 'extra');
  for (const [k, v] of Object.entries(b.exceptionAnnotations)) w.podMetadata.addAnnotation(k, v);
  x.pullSecrets.push(...(pod.imagePullSecrets ?? []));
  w.select(kplus.LabelSelector.of({ labels: spec.selector }));
  // Checked on the rendered pod, JSON patches included, so an escape hatch cannot quietly un-harden it.
  markChecked(w);
  addProblems(w, () => {
    const template = ApiObject.of(w).toJson().spec?.template;
    return podHardeningProblems(template?.spec, { allowToken: spec.automountServiceAccountToken, annotations: template?.metadata?.annotations });
  });
  return w;
}

/** What {@link addCronJob} and {@link addJob} need of a batch pod. */
export interface BatchPodSpec {
  readonly name: string;
  readonly namespace: string;
  /** Labels of the object and its pods. */
  readonly labels: Record<string, string>;
  /** Annotations of its pods, over the pod options'. */
  readonly podAnnotations: Record<string, string>;
  readonly image: string;
  readonly serviceAccount: kplus.IServiceAccount;
  readonly resources: Required<ContainerResources>;
  /** The pod's shape; its scheduling, probes, ports, extra and sidecar containers are not read. */
  readonly pod: PodOptions;
  readonly activeDeadline?: Duration;
  readonly backoffLimit: number;
  /** Whether the pods mount their ServiceAccount token (a job whose Vault agent logs in with it); else they mount none. */
  readonly automountServiceAccountToken?: boolean;
}

/** What {@link addCronJob} needs. */
export interface CronJobSpec extends BatchPodSpec {
  readonly schedule: Cron;
  /** An IANA time zone (CronJob `timeZone`), else the controller's. */
  readonly timeZone?: string;
  readonly concurrencyPolicy: 'Allow' | 'Forbid' | 'Replace';
  readonly startingDeadline: Duration;
  readonly successfulJobsRetained: number;
  readonly failedJobsRetained: number;
  readonly suspend: boolean;
}

/** What {@link addJob} needs. */
export interface JobSpec extends BatchPodSpec {
  /** How long a finished Job is kept before it is deleted (Job `ttlSecondsAfterFinished`), else for ever. */
  readonly ttlAfterFinished?: Duration;
}

/** The pod props of a batch object, as cdk8s-plus-27 takes them: restarts `OnFailure`, no ServiceAccount token unless it asks. */
function batchPodProps(spec: BatchPodSpec, podSecurity: ResolvedPodSecurity) {
  const pod = spec.pod;
  return {
    metadata: { name: spec.name, namespace: spec.namespace, labels: spec.labels },
    select: false,
    serviceAccount: spec.serviceAccount,
    automountServiceAccountToken: spec.automountServiceAccountToken ?? false,
    podMetadata: {
      labels: { ...pod.podLabels, ...sidecarLabels(pod.sidecar), ...spec.labels }, annotations: { ...podAnnotations(pod), ...spec.podAnnotations },
    },
    securityContext: { ensureNonRoot: true, user: podSecurity.runAsUser, group: podSecurity.runAsGroup, fsGroup: podSecurity.fsGroup },
    terminationGracePeriod: pod.terminationGracePeriod,
    restartPolicy: kplus.RestartPolicy.ON_FAILURE,
    activeDeadline: spec.activeDeadline,
    backoffLimit: spec.backoffLimit,
  };
}

/** The containers of a batch pod, hardened but for their exceptions, and its check on the rendered pod template (`template` finds it). */
function buildBatchPod(w: MeshCronJobObject | MeshJobObject, spec: BatchPodSpec, podSecurity: ResolvedPodSecurity,
  template: (json: any) => any): void {
  const pod = spec.pod;
  const x = w._extras;
  x.seccompProfile = { type: podSecurity.seccompProfile.type, localhostProfile: podSecurity.seccompProfile.localhostProfile };
  const b = new PodBuilder(w, pod, podSecurity, spec.resources);
  for (const init of pod.initContainers ?? []) b.container(init, 'init');
  b.container({
    name: APP_CONTAINER, image: spec.image, command: pod.command, args: pod.args, env: pod.env,
    security: pod.security, mounts: pod.mounts, imagePullPolicy: pod.imagePullPolicy,
  }, 'app');
  for (const [k, v] of Object.entries(b.exceptionAnnotations)) w.podMetadata.addAnnotation(k, v);
  x.pullSecrets.push(...(pod.imagePullSecrets ?? []));
  // Checked on the rendered pod, JSON patches included, as a Deployment's is.
  markChecked(w);
  addProblems(w, () => {
    const t = template(ApiObject.of(w).toJson());
    return podHardeningProblems(t?.spec, { allowToken: spec.automountServiceAccountToken ?? false, annotations: t?.metadata?.annotations });
  });
}

/**
 * A hardened CronJob, as {@link addWorkload} hardens a Deployment: its pods restart `OnFailure`, mount no
 * ServiceAccount token unless the spec asks, and are checked at synth on the rendered template (MESH208), JSON patches included.
 */
export function addCronJob(scope: Construct, id: string, spec: CronJobSpec): MeshCronJobObject {
  const podSecurity = resolvePodSecurity(spec.pod.podSecurity);
  const w = new MeshCronJobObject(scope, id, {
    ...batchPodProps(spec, podSecurity),
    schedule: spec.schedule,
    timeZone: spec.timeZone,
    concurrencyPolicy: spec.concurrencyPolicy as kplus.ConcurrencyPolicy,
    startingDeadline: spec.startingDeadline,
    successfulJobsRetained: spec.successfulJobsRetained,
    failedJobsRetained: spec.failedJobsRetained,
    suspend: spec.suspend,
  });
  buildBatchPod(w, spec, podSecurity, (json) => json.spec?.jobTemplate?.spec?.template);
  return w;
}

/** A hardened Job, as {@link addCronJob} hardens a CronJob's pods. */
export function addJob(scope: Construct, id: string, spec: JobSpec): MeshJobObject {
  const podSecurity = resolvePodSecurity(spec.pod.podSecurity);
  const w = new MeshJobObject(scope, id, { ...batchPodProps(spec, podSecurity), ttlAfterFinished: spec.ttlAfterFinished });
  buildBatchPod(w, spec, podSecurity, (json) => json.spec?.template);
  return w;
}

/** Adds containers to a workload, each hardened but for its exceptions. */
class PodBuilder {
  /** The exception annotations of every container so far. */
  public readonly exceptionAnnotations: Record<string, string> = {};
  private readonly volumes = new Map<string, kplus.Volume>();
  private readonly tmp: boolean;
  private readonly x: PodExtras;

  public constructor(private readonly w: MeshPodObject, private readonly pod: PodOptions, private readonly podSecurity: ResolvedPodSecurity,
    private readonly appResources: Required<ContainerResources>) {
    this.x = w._extras;
    // https://kubernetes.io/docs/concepts/storage/volumes/#emptydir: writable scratch space under a read-only root.
    this.tmp = pod.writableTmp ?? true;
    if (this.tmp) this.volumes.set(TMP_VOLUME, kplus.Volume.fromEmptyDir(w, `Volume${TMP_VOLUME}`, TMP_VOLUME));
    for (const v of pod.volumes ?? []) {
      if (this.volumes.has(v.name)) continue; // reported by the caller (MESH022)
      this.volumes.set(v.name, toKplusVolume(w, v, this.x.projected));
    }
    // A claim is mounted like a volume: a placeholder of its name, dropped from the pod at render.
    for (const c of this.x.claims) if (!this.volumes.has(c.name)) this.volumes.set(c.name, kplus.Volume.fromEmptyDir(w, `Claim${c.name}`, c.name));
  }

  /** Adds `c` as an application-side container (`app`), a native sidecar or an init container. */
  public container(c: ContainerOptions, role: 'app' | 'extra' | 'sidecar' | 'init', preStop?: string[]): void {
    const security = renderContainerSecurity(c.name, this.podSecurity, c.security as ContainerSecurityOptions | undefined);
    Object.assign(this.exceptionAnnotations, security.annotations);
    // The application and its init containers share the service's resources; other containers start from the defaults.
    const r = role === 'app' || role === 'init' ? withResourceDefaults(c.resources, this.appResources) : withResourceDefaults(c.resources);
    const probes = role === 'init' ? {} : this.probes(c.name, role === 'sidecar', c.probes ?? {}, c.ports?.[0]?.number);
    const ctx = security.context;
    const opts: kplus.ContainerProps = {
      name: c.name,
      image: c.image,
      command: c.command,
      args: c.args,
      envVariables: toKplusEnv(this.w, role === 'app' ? 'App' : role === 'init' ? `Init${c.name}` : `Container${c.name}`, c.env ?? {}),
      volumeMounts: this.mounts(c.mounts),
      ports: (c.ports ?? []).map((p) => ({ name: p.name, number: p.number, protocol: p.protocol === 'UDP' ? kplus.Protocol.UDP : undefined })),
      securityContext: {
        ensureNonRoot: ctx.runAsNonRoot, user: ctx.runAsUser, group: ctx.runAsGroup, readOnlyRootFilesystem: ctx.readOnlyRootFilesystem,
        allowPrivilegeEscalation: ctx.allowPrivilegeEscalation, privileged: false,
        // Kubernetes takes capability names without CAP_ (and "ALL"); cdk8s-plus-27's enum writes CAP_*.
        capabilities: { drop: ctx.capabilities.drop as kplus.Capability[], add: ctx.capabilities.add as kplus.Capability[] | undefined },
      },
      resources: {
        cpu: { request: r.cpuRequest, limit: security.noLimits.cpu ? undefined : r.cpuLimit },
        memory: { request: r.memoryRequest, limit: security.noLimits.memory ? undefined : r.memoryLimit },
      },
      lifecycle: preStop ? { preStop: kplus.Handler.fromCommand(preStop) } : undefined,
      ...probes,
    };
    if (role === 'app' || role === 'extra') this.w.addContainer(opts);
    else this.w.addInitContainer(opts);
    const extras = this.x.containers.get(c.name) ?? {};
    // Init containers take the devices they ask for themselves, not the application's.
    const extended = role === 'init' ? c.resources?.extended ?? [] : r.extended;
    this.x.containers.set(c.name, {
      ...extras,
      imagePullPolicy: c.imagePullPolicy as ImagePullPolicy | undefined,
      seccompProfile: ctx.seccompProfile,
      ...(extended.length > 0 ? { extendedLimits: Object.fromEntries(extended.map((e) => [e.name, e.count])) } : {}),
    });
    if (role === 'sidecar') this.x.sidecars.push(c.name);
  }

  /**
   * The probes through cdk8s-plus-27 where it has them; the rest (gRPC, HTTP with headers,
   * every probe of a native sidecar, which cdk8s-plus-27 takes for an init container) in
   * Kubernetes' form, applied at render.
   */
  private probes(name: string, sidecar: boolean, given: ProbesOptions, firstPort: number | undefined): Partial<kplus.ContainerProps> {
    const out: { readiness?: kplus.Probe; liveness?: kplus.Probe; startup?: kplus.Probe } = {};
    const raw: NonNullable<ContainerExtras['probes']> = {};
    for (const slot of ['readiness', 'liveness', 'startup'] as const) {
      const p: HealthProbe | undefined = given[slot]?.withDefaultPort(firstPort);
      if (!p || p.check.kind === 'none') continue;
      const plus = sidecar ? undefined : toKplusProbe(p);
      if (plus) out[slot] = plus;
      else {
        const kube = toKubeProbe(p);
        if (kube) raw[slot] = kube;
      }
    }
    if (Object.keys(raw).length > 0) this.x.containers.set(name, { ...this.x.containers.get(name), probes: raw });
    return out;
  }

  private mounts(list: readonly VolumeMountOptions[] | undefined): kplus.VolumeMount[] {
    return [
      ...(this.tmp ? [{ volume: this.volumes.get(TMP_VOLUME)!, path: '/tmp' }] : []),
      ...(list ?? []).filter((m) => this.volumes.has(m.volume)).map((m) => ({
        volume: this.volumes.get(m.volume)!,
        path: m.path,
        // A claim is writable like scratch space; ConfigMaps, Secrets and projected volumes are read-only.
        readOnly: m.readOnly ?? !(isEmptyDir(this.pod.volumes, m.volume) || this.x.claims.some((c) => c.name === m.volume)),
        subPath: m.subPath,
      })),
    ];
  }
}
