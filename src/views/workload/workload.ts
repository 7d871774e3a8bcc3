/**
 * Every use of cdk8s-plus-27 lives in this folder, so that moving to a newer
 * cdk8s-plus is a change of one dependency and one folder.
 */
import { ApiObject, Duration, Lazy, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { podHardeningProblems } from '../security/pod-hardening';
import { HealthProbe, PodOptions, VolumeMountOptions } from './pod-options';
import { isEmptyDir, TMP_VOLUME, toKplusEnv, toKplusProbe, toKplusVolume, toKubeProbe } from './pod-render';
import { HARDENING_EXEMPTION_ANNOTATION, markChecked, podAnnotations, sidecarLabels } from './pod-checks';
import { Codes } from '../../core/codes';
import { MeshError } from '../../core/errors';
import { hasBrand, setBrand } from '../../graph/brands';

/** The brand of the library's Deployments: a registered symbol, so two copies of the library agree. */
const MESH_DEPLOYMENT_BRAND = Symbol.for('cdk8s-mesh.MeshDeployment');

/** CPU and memory requests and limits of a container. */
export interface ContainerResources {
  /**
   * CPU request, in millicores.
   * @default 100
   */
  readonly cpuRequestMillis?: number;
  /**
   * CPU limit, in millicores.
   * @default 500
   */
  readonly cpuLimitMillis?: number;
  /**
   * Memory request, in MiB.
   * @default 128
   */
  readonly memoryRequestMebibytes?: number;
  /**
   * Memory limit, in MiB.
   * @default 512
   */
  readonly memoryLimitMebibytes?: number;
}

/** The defaults of {@link ContainerResources}. */
export const DEFAULT_RESOURCES: Required<ContainerResources> = {
  cpuRequestMillis: 100,
  cpuLimitMillis: 500,
  memoryRequestMebibytes: 128,
  memoryLimitMebibytes: 512,
};

/** The user and group workloads run as: not root, and not 1337 (Envoy's). */
export const WORKLOAD_UID = 10001;

/**
 * Every container's security context: not root (and not Envoy's 1337), a read-only
 * root filesystem, no privilege escalation, no capabilities.
 */
export const HARDENED_CONTAINER: kplus.ContainerSecurityContextProps = {
  ensureNonRoot: true,
  user: WORKLOAD_UID,
  group: WORKLOAD_UID,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  privileged: false,
  // Kubernetes' "ALL" is not in cdk8s-plus-27's Capability enum, whose values are CAP_*.
  capabilities: { drop: ['ALL' as kplus.Capability] },
};

/** What {@link addDeployment} needs. */
export interface DeploymentSpec {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly selector: Record<string, string>;
  readonly image: string;
  readonly replicas: number;
  readonly serviceAccount: kplus.IServiceAccount;
  readonly containerPorts: { readonly name: string; readonly number: number }[];
  readonly resources: Required<ContainerResources>;
  /** HTTP path for the readiness probe, on the first port; none for non-HTTP services. */
  readonly readinessPath?: string;
  /** HTTP path for the liveness probe, on the first port. */
  readonly livenessPath?: string;
  readonly automountServiceAccountToken: boolean;
  /**
   * The pods' shape beyond the above. Its probes, when set, replace the readiness and
   * liveness paths; their ports are resolved by the caller.
   */
  readonly pod?: PodOptions;
  /** The application container's probes, resolved (ports set); `none` probes left out. */
  readonly probes?: { readonly readiness?: HealthProbe; readonly liveness?: HealthProbe; readonly startup?: HealthProbe };
}

/** How pods of one Deployment spread over a topology domain (zones, nodes). */
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

/**
 * A cdk8s-plus-27 Deployment that also writes `topologySpreadConstraints`,
 * which cdk8s-plus-27 has no API for (its `spread` is pod anti-affinity).
 */
class MeshDeployment extends kplus.Deployment {
  /** Whether `x` is a Deployment written by {@link addDeployment}: a brand check, not `instanceof`. */
  public static isMeshDeployment(x: unknown): x is MeshDeployment {
    return hasBrand(x, MESH_DEPLOYMENT_BRAND);
  }

  /** @internal */
  public readonly _spreads: TopologySpread[] = [];
  /**
   * What cdk8s-plus-27 cannot express, applied to its rendering: projected volumes
   * (a placeholder emptyDir of the same name is replaced), gRPC probes and HTTP probes
   * with headers, several image pull secrets.
   * @internal
   */
  public _extras: {
    projected: Map<string, k8s.ProjectedVolumeSource>;
    probes: { readiness?: k8s.Probe; liveness?: k8s.Probe; startup?: k8s.Probe };
    pullSecrets: string[];
  } = { projected: new Map(), probes: {}, pullSecrets: [] };

  public constructor(scope: Construct, id: string, props: kplus.DeploymentProps) {
    super(scope, id, props);
    setBrand(this, MESH_DEPLOYMENT_BRAND);
  }

  /** @internal */
  public override _toKube(): ReturnType<kplus.Deployment['_toKube']> {
    const spec = super._toKube();
    let pod: k8s.PodSpec = spec.template.spec ?? { containers: [] };
    if (this._spreads.length > 0) {
      const constraints = [...this._spreads]
        .sort((a, b) => (a.topologyKey < b.topologyKey ? -1 : a.topologyKey > b.topologyKey ? 1 : 0))
        .map((c) => ({ topologyKey: c.topologyKey, maxSkew: c.maxSkew, whenUnsatisfiable: c.whenUnsatisfiable, labelSelector: { matchLabels: { ...c.labelSelector } } }));
      pod = { ...pod, topologySpreadConstraints: constraints };
    }
    const x = this._extras;
    if (x.projected.size > 0) {
      pod = { ...pod, volumes: pod.volumes?.map((v) => x.projected.has(v.name) ? { name: v.name, projected: x.projected.get(v.name) } : v) };
    }
    if (x.probes.readiness || x.probes.liveness || x.probes.startup) {
      pod = {
        ...pod,
        containers: pod.containers.map((c) => c.name !== APP_CONTAINER ? c : {
          ...c,
          readinessProbe: x.probes.readiness ?? c.readinessProbe,
          livenessProbe: x.probes.liveness ?? c.livenessProbe,
          startupProbe: x.probes.startup ?? c.startupProbe,
        }),
      };
    }
    if (x.pullSecrets.length > 0) pod = { ...pod, imagePullSecrets: x.pullSecrets.map((name) => ({ name })) };
    return pod === spec.template.spec ? spec : { ...spec, template: { ...spec.template, spec: pod } };
  }
}

/** The name of a workload's application container. */
export const APP_CONTAINER = 'app';

export { TMP_VOLUME };

/** The Deployment written by {@link addDeployment} under `owner` (a MeshService), or undefined. */
function deploymentOf(owner: IConstruct): MeshDeployment | undefined {
  const child = owner.node.tryFindChild('Deployment');
  return MeshDeployment.isMeshDeployment(child) ? child : undefined;
}

/** Adds a topology spread constraint to the Deployment of `owner` (a MeshService). */
export function addTopologySpread(owner: IConstruct, spread: TopologySpread): void {
  const d = deploymentOf(owner);
  if (!d) throw new MeshError(Codes.INTERNAL_INVARIANT, `${owner.node.path} has no Deployment`);
  d._spreads.push(spread);
}

/** One HPA scaling policy: `value` percent or pods per `period`. */
export interface HpaPolicySpec {
  readonly type: 'Percent' | 'Pods';
  readonly value: number;
  readonly period: Duration;
}

/** One direction of HPA behaviour. */
export interface HpaRulesSpec {
  readonly stabilizationWindow: Duration;
  readonly policies: HpaPolicySpec[];
}

/** What {@link addHorizontalPodAutoscaler} needs; checked by the caller first. */
export interface HpaSpec {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly cpuUtilization?: number;
  readonly memoryUtilization?: number;
  readonly scaleUp: HpaRulesSpec;
  readonly scaleDown: HpaRulesSpec;
}

/**
 * A HorizontalPodAutoscaler (autoscaling/v2, cdk8s-plus-27) for the Deployment of
 * `owner` (a MeshService). The Deployment then leaves `replicas` to the autoscaler.
 */
export function addHorizontalPodAutoscaler(scope: Construct, id: string, owner: IConstruct, spec: HpaSpec): kplus.HorizontalPodAutoscaler {
  const d = deploymentOf(owner);
  if (!d) throw new MeshError(Codes.INTERNAL_INVARIANT, `${owner.node.path} has no Deployment`);
  // The Deployment keeps its replicas for the service's own bookkeeping; the autoscaler
  // sees a target without a fixed count, and the Deployment stops writing one.
  const target: kplus.IScalable = {
    get hasAutoscaler() { return d.hasAutoscaler; },
    markHasAutoscaler: () => d.markHasAutoscaler(),
    toScalingTarget: () => ({ ...d.toScalingTarget(), replicas: undefined }),
  };
  const metrics: kplus.Metric[] = [];
  if (spec.cpuUtilization !== undefined) metrics.push(kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(spec.cpuUtilization)));
  if (spec.memoryUtilization !== undefined) metrics.push(kplus.Metric.resourceMemory(kplus.MetricTarget.averageUtilization(spec.memoryUtilization)));
  const rules = (r: HpaRulesSpec): kplus.ScalingRules => ({
    stabilizationWindow: r.stabilizationWindow,
    policies: r.policies.map((p) => ({
      replicas: p.type === 'Percent' ? kplus.Replicas.percent(p.value) : kplus.Replicas.absolute(p.value),
      duration: p.period,
    })),
  });
  return new kplus.HorizontalPodAutoscaler(scope, id, {
    metadata: { name: spec.name, namespace: spec.namespace, labels: spec.labels },
    target,
    minReplicas: spec.minReplicas,
    maxReplicas: spec.maxReplicas,
    metrics,
    scaleUp: rules(spec.scaleUp),
    scaleDown: rules(spec.scaleDown),
  });
}

/** A PodDisruptionBudget (policy/v1); exactly one of minAvailable and maxUnavailable. */
export function addPodDisruptionBudget(scope: Construct, id: string, spec: {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly selector: Record<string, string>;
  readonly minAvailable?: number;
  readonly maxUnavailable?: number;
}): ApiObject {
  return new kplus.k8s.KubePodDisruptionBudget(scope, id, {
    metadata: { name: spec.name, namespace: spec.namespace, labels: spec.labels },
    spec: {
      selector: { matchLabels: { ...spec.selector } },
      minAvailable: spec.minAvailable !== undefined ? kplus.k8s.IntOrString.fromNumber(spec.minAvailable) : undefined,
      maxUnavailable: spec.maxUnavailable !== undefined ? kplus.k8s.IntOrString.fromNumber(spec.maxUnavailable) : undefined,
    },
  });
}

/** A ConfigMap holding text files (rate-limit configuration, Grafana dashboards). */
export function addConfigMap(scope: Construct, id: string, spec: {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly data: Record<string, string>;
}): kplus.ConfigMap {
  return new kplus.ConfigMap(scope, id, {
    metadata: { name: spec.name, namespace: spec.namespace, labels: spec.labels },
    data: spec.data,
  });
}

/** A hardened Deployment: non-root, read-only root filesystem, no privilege escalation, no capabilities. */
export function addDeployment(scope: Construct, id: string, spec: DeploymentSpec): WorkloadDeployment {
  const first = spec.containerPorts[0];
  const pod = spec.pod ?? {};
  const annotations = podAnnotations(pod);
  const deployment = new MeshDeployment(scope, id, {
    metadata: { name: spec.name, namespace: spec.namespace, labels: spec.labels, annotations: pod.hardeningExemption ? { [HARDENING_EXEMPTION_ANNOTATION]: pod.hardeningExemption } : undefined },
    replicas: spec.replicas,
    select: false,
    spread: false,
    serviceAccount: spec.serviceAccount,
    automountServiceAccountToken: spec.automountServiceAccountToken,
    // The library's labels win over the user's: the selector and Istio's telemetry read them.
    podMetadata: { labels: { ...pod.podLabels, ...sidecarLabels(pod.sidecar), ...spec.labels }, annotations: Object.keys(annotations).length > 0 ? annotations : undefined },
    securityContext: { ensureNonRoot: true, user: WORKLOAD_UID, group: WORKLOAD_UID, fsGroup: WORKLOAD_UID },
    terminationGracePeriod: pod.terminationGracePeriod,
  });
  const volumes = new Map<string, kplus.Volume>();
  // https://kubernetes.io/docs/concepts/storage/volumes/#emptydir: writable scratch space under a read-only root.
  const tmp = pod.writableTmp ?? true;
  if (tmp) volumes.set(TMP_VOLUME, kplus.Volume.fromEmptyDir(deployment, `Volume${TMP_VOLUME}`, TMP_VOLUME));
  for (const v of pod.volumes ?? []) {
    if (volumes.has(v.name)) continue; // reported by the caller (MESH022)
    volumes.set(v.name, toKplusVolume(deployment, v, deployment._extras.projected));
  }
  const mounts = (list: readonly VolumeMountOptions[] | undefined): kplus.VolumeMount[] => [
    ...(tmp ? [{ volume: volumes.get(TMP_VOLUME)!, path: '/tmp' }] : []),
    ...(list ?? []).filter((m) => volumes.has(m.volume)).map((m) => ({
      volume: volumes.get(m.volume)!,
      path: m.path,
      readOnly: m.readOnly ?? !isEmptyDir(pod.volumes, m.volume),
      subPath: m.subPath,
    })),
  ];
  const resources = {
    cpu: { request: kplus.Cpu.millis(spec.resources.cpuRequestMillis), limit: kplus.Cpu.millis(spec.resources.cpuLimitMillis) },
    memory: { request: Size.mebibytes(spec.resources.memoryRequestMebibytes), limit: Size.mebibytes(spec.resources.memoryLimitMebibytes) },
  };
  const probes = spec.probes;
  const probe = (p: HealthProbe | undefined, fallbackPath: string | undefined, slot: 'readiness' | 'liveness' | 'startup'): kplus.Probe | undefined => {
    if (!probes) return fallbackPath && first ? kplus.Probe.fromHttpGet(fallbackPath, { port: first.number }) : undefined;
    if (!p) return undefined;
    const plus = toKplusProbe(p);
    if (!plus) {
      const raw = toKubeProbe(p);
      if (raw) deployment._extras.probes[slot] = raw;
    }
    return plus;
  };
  for (const init of pod.initContainers ?? []) {
    deployment.addInitContainer({
      name: init.name,
      image: init.image,
      command: init.command,
      args: init.args,
      envVariables: toKplusEnv(deployment, `Init${init.name}`, init.env ?? {}),
      volumeMounts: mounts(init.mounts),
      securityContext: HARDENED_CONTAINER,
      resources,
    });
  }
  deployment.addContainer({
    name: APP_CONTAINER,
    image: spec.image,
    command: pod.command,
    args: pod.args,
    imagePullPolicy: pod.imagePullPolicy as kplus.ImagePullPolicy | undefined,
    envVariables: toKplusEnv(deployment, 'App', pod.env ?? {}),
    volumeMounts: mounts(pod.mounts),
    ports: spec.containerPorts.map((p) => ({ name: p.name, number: p.number })),
    securityContext: HARDENED_CONTAINER,
    resources,
    readiness: probe(probes?.readiness, spec.readinessPath, 'readiness'),
    liveness: probe(probes?.liveness, spec.livenessPath, 'liveness'),
    startup: probe(probes?.startup, undefined, 'startup'),
    lifecycle: pod.preStopCommand ? { preStop: kplus.Handler.fromCommand(pod.preStopCommand) } : undefined,
  });
  deployment._extras.pullSecrets.push(...(pod.imagePullSecrets ?? []));
  deployment.select(kplus.LabelSelector.of({ labels: spec.selector }));
  // Checked on the rendered pod, JSON patches included, so an escape hatch cannot quietly un-harden it.
  markChecked(deployment);
  deployment.node.addValidation({
    validate: () => pod.hardeningExemption ? [] : podHardeningProblems(ApiObject.of(deployment).toJson().spec?.template?.spec,
      { allowToken: spec.automountServiceAccountToken }),
  });
  return deployment;
}

/** A ServiceAccount whose token is not mounted unless a pod asks. */
export function addServiceAccount(scope: Construct, id: string, name: string, namespace: string, labels: Record<string, string>,
  annotations?: Record<string, string>): kplus.ServiceAccount {
  return new kplus.ServiceAccount(scope, id, {
    metadata: { name, namespace, labels, annotations: annotations && Object.keys(annotations).length > 0 ? { ...annotations } : undefined },
    automountToken: false,
  });
}

/** A ClusterIP Service selecting pods by label. */
export function addService(scope: Construct, id: string, spec: {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly selector: Record<string, string>;
  readonly ports: { readonly name: string; readonly port: number; readonly targetPort: number; readonly protocol: 'TCP' | 'UDP' }[];
}): kplus.Service {
  const service = new kplus.Service(scope, id, {
    metadata: { name: spec.name, namespace: spec.namespace, labels: spec.labels, annotations: spec.annotations },
    ports: spec.ports.map((p) => ({
      name: p.name,
      port: p.port,
      targetPort: p.targetPort,
      protocol: p.protocol === 'UDP' ? kplus.Protocol.UDP : kplus.Protocol.TCP,
    })),
  });
  for (const [k, v] of Object.entries(spec.selector)) service.selectLabel(k, v);
  return service;
}

/** A Namespace with the given labels (sidecar injection among them). */
export function addNamespace(scope: Construct, id: string, name: string, labels: Record<string, string>): kplus.Namespace {
  return new kplus.Namespace(scope, id, { metadata: { name, labels } });
}

/** The type of a ServiceAccount a workload runs as. */
export type WorkloadServiceAccount = kplus.ServiceAccount;

/** A Deployment written by {@link addDeployment} (cdk8s-plus-27's, kept behind this folder). */
export type WorkloadDeployment = kplus.Deployment;

/** Pods a network policy rule allows: by labels, in the policy's namespace or another. */
export interface NetworkPeer {
  /**
   * Labels of the pods.
   * @default - every pod of the namespace(s)
   */
  readonly podLabels?: Record<string, string>;
  /**
   * The pods' namespace.
   * @default - the policy's own namespace
   */
  readonly namespace?: string;
  /**
   * An IP range instead of pods (`0.0.0.0/0` for anywhere, the API server among it).
   * @default - pods, not an IP range
   */
  readonly cidr?: string;
}

/** A port a network policy rule allows. */
export interface NetworkPort {
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP';
}

/** One rule of a network policy: traffic with any of the peers on any of the ports. */
export interface NetworkRule {
  /** The peers, any of which the rule admits. */
  readonly peers: NetworkPeer[];
  /** The ports, any of which the rule admits. */
  readonly ports: NetworkPort[];
}

/** A network policy as the security layer describes it, worked out at synth. */
export interface NetworkPolicySpec {
  /** Labels of the pods the policy applies to; `{}` selects every pod of the namespace. */
  readonly podLabels: Record<string, string>;
  /** Incoming traffic allowed; every other connection is denied. */
  readonly ingress: NetworkRule[];
  /** Outgoing traffic allowed; every other connection is denied. */
  readonly egress: NetworkRule[];
  /**
   * The directions the policy isolates; a direction left out is not restricted by it.
   * @default ['Ingress', 'Egress']
   */
  readonly policyTypes?: ('Ingress' | 'Egress')[];
}

/**
 * A deny-by-default Kubernetes NetworkPolicy (both directions), its rules produced at
 * synth. cdk8s-plus-27's NetworkPolicy takes its rules one by one when they are
 * added and renders them in that order; the call graph is only complete at synth,
 * so the policy is written with the `k8s` types cdk8s-plus-27 exports instead.
 */
export function addNetworkPolicy(scope: Construct, id: string, meta: { name: string; namespace: string; labels: Record<string, string> },
  produce: () => NetworkPolicySpec): k8s.KubeNetworkPolicy {
  const peer = (p: NetworkPeer): k8s.NetworkPolicyPeer => p.cidr ? { ipBlock: { cidr: p.cidr } } : ({
    podSelector: { matchLabels: p.podLabels ? { ...p.podLabels } : undefined },
    namespaceSelector: p.namespace ? { matchLabels: { 'kubernetes.io/metadata.name': p.namespace } } : undefined,
  });
  const ports = (r: NetworkRule): k8s.NetworkPolicyPort[] => r.ports.map((p) => ({ port: k8s.IntOrString.fromNumber(p.port), protocol: p.protocol }));
  return new k8s.KubeNetworkPolicy(scope, id, {
    metadata: meta,
    spec: Lazy.any({
      produce: (): k8s.NetworkPolicySpec => {
        const s = produce();
        // A rule with no peers would allow every peer: such rules are dropped, never written.
        const real = (rules: NetworkRule[]) => rules.filter((r) => r.peers.length > 0);
        const types = s.policyTypes ?? ['Ingress', 'Egress'];
        return {
          podSelector: { matchLabels: Object.keys(s.podLabels).length > 0 ? { ...s.podLabels } : undefined },
          policyTypes: [...types],
          ingress: types.includes('Ingress') ? real(s.ingress).map((r) => ({ from: r.peers.map(peer), ports: ports(r) })) : undefined,
          egress: types.includes('Egress') ? real(s.egress).map((r) => ({ to: r.peers.map(peer), ports: ports(r) })) : undefined,
        };
      },
    }),
  });
}

/** Adds a literal environment variable to the application container of a Deployment. */
export function addContainerEnv(deployment: WorkloadDeployment, name: string, value: string): void {
  const app = deployment.containers.find((c) => c.name === APP_CONTAINER);
  if (!app) throw new MeshError(Codes.INTERNAL_INVARIANT, `${deployment.node.path} has no application container`);
  if (app.env.variables[name] === undefined) app.env.addVariable(name, kplus.EnvValue.fromValue(value));
}

/** Adds a label to a Deployment and its pods (not to its selector). */
export function addDeploymentLabel(deployment: Construct, key: string, value: string): void {
  // cdk8s-plus-27 has no brand check (no `Deployment.isDeployment`): `instanceof` is the only test it offers.
  if (!(deployment instanceof kplus.Deployment)) throw new MeshError(Codes.INTERNAL_INVARIANT, `${deployment.node.path} is not a Deployment`);
  deployment.metadata.addLabel(key, value);
  deployment.podMetadata.addLabel(key, value);
}
