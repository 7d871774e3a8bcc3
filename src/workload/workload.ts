/**
 * Every use of cdk8s-plus-27 lives in this folder, so that moving to a newer
 * cdk8s-plus is a change of one dependency and one folder.
 */
import { ApiObject, Duration, JsonPatch, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { ContainerResources, DEFAULT_RESOURCES, withResourceDefaults } from './container-options';
import { isMeshWorkload, TopologySpread } from './mesh-pod';
import { APP_CONTAINER } from './pod-builder';
import { TMP_VOLUME } from './pod-render';
import { WORKLOAD_UID } from './security-context';
import { Codes } from '../core/codes';
import { MeshError } from '../core/errors';
import { lazyWithoutUnset } from '../private/defined';

export { WORKLOAD_UID };
export type { ContainerResources };
export { DEFAULT_RESOURCES, APP_CONTAINER, TMP_VOLUME, withResourceDefaults };
export type { TopologySpread };

/**
 * A container's hardened security context, for the library's own jobs (the scheduled
 * kubectl of fault-injection tests): not root (and not Envoy's 1337), a read-only root
 * filesystem, no privilege escalation, no capabilities.
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

/** What a service says of one of its versions' workloads. */
export interface WorkloadVersion {
  /** The version's `version` label. */
  readonly version: string;
  /** True for the current version's workload (the first registered). */
  readonly current: boolean;
  /** The replicas the version was given itself (`addVersion`, a release's `replicas`), if it was. */
  readonly ownReplicas?: number;
}

/** A workload of one of a MeshService's versions, as registered by the service. */
interface VersionWorkload extends WorkloadVersion {
  readonly workload: WorkloadResource;
  /** True once a release removed it from the tree. */
  retired: boolean;
}

/** What a construct does to each workload of a service (scale it, spread it), now and to come. */
export interface WorkloadWatcher {
  /** Called once for each workload of the service's versions, in the order they are created. */
  added(w: WorkloadResource, v: WorkloadVersion): void;
  /** Called when a release retires `w` (removes it from the tree). */
  retired?(w: WorkloadResource): void;
}

/**
 * The workloads of each MeshService's versions (the library's, or a team's cdk8s-plus workload
 * meshed as it is) and what other constructs do to each of them: a construct created before a
 * release reaches the release's Deployment too, so composition order does not matter.
 */
const WORKLOADS = new WeakMap<IConstruct, { readonly workloads: VersionWorkload[]; readonly watchers: WorkloadWatcher[] }>();

function workloadsOf(owner: IConstruct): { readonly workloads: VersionWorkload[]; readonly watchers: WorkloadWatcher[] } {
  let entry = WORKLOADS.get(owner);
  if (!entry) WORKLOADS.set(owner, entry = { workloads: [], watchers: [] });
  return entry;
}

/** Records `workload` as the workload of a version of `owner` (a MeshService); the first is the current version's. */
export function registerWorkload(owner: IConstruct, workload: WorkloadResource, version: string, ownReplicas?: number): void {
  const entry = workloadsOf(owner);
  const v: VersionWorkload = { workload, version, ownReplicas, current: entry.workloads.length === 0, retired: false };
  entry.workloads.push(v);
  for (const watcher of entry.watchers) watcher.added(workload, v);
}

/** Records that a release removed `workload` of `owner` from the tree: what watchers made for it goes too. */
export function retireWorkload(owner: IConstruct, workload: WorkloadResource): void {
  const entry = workloadsOf(owner);
  const v = entry.workloads.find((x) => x.workload === workload && !x.retired);
  if (!v) return;
  v.retired = true;
  for (const watcher of entry.watchers) watcher.retired?.(workload);
}

/** Calls `watcher` for every workload of `owner` (a MeshService) that is not retired, and for every one to come. */
export function watchWorkloads(owner: IConstruct, watcher: WorkloadWatcher): void {
  const entry = workloadsOf(owner);
  entry.watchers.push(watcher);
  for (const v of entry.workloads) if (!v.retired) watcher.added(v.workload, v);
}

/** A topology spread whose pod selector is worked out for each version's workload. */
export interface VersionTopologySpread extends Omit<TopologySpread, 'labelSelector'> {
  /** The labels of the pods counted, for the workload of `version` (read at synth). */
  labelSelector(version: string): Record<string, string>;
}

/**
 * Adds a topology spread constraint to every library workload of `owner` (a MeshService): the
 * current version's and every other version's or release's, now and to come, each counting its
 * own version's pods. A team's workload meshed as it is keeps its own scheduling: the returned
 * function lists, at synth, the paths of such workloads left unspread (MESH047 for the caller).
 */
export function addTopologySpread(owner: IConstruct, spread: VersionTopologySpread): () => string[] {
  const unspread: string[] = [];
  watchWorkloads(owner, {
    added: (w, { version }) => {
      if (!isMeshWorkload(w)) {
        unspread.push(w.node.path);
        return;
      }
      w._extras.spreads.push({
        topologyKey: spread.topologyKey, maxSkew: spread.maxSkew, whenUnsatisfiable: spread.whenUnsatisfiable,
        get labelSelector() { return spread.labelSelector(version); },
      });
    },
  });
  return () => [...unspread];
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
  /** The container whose use the targets measure (ContainerResource); undefined: the pod's, every container's summed. */
  readonly container?: string;
  /** Metrics of the custom and external metrics APIs, beside CPU and memory. */
  readonly metrics?: readonly HpaMetricSpec[];
  readonly scaleUp: HpaRulesSpec;
  readonly scaleDown: HpaRulesSpec;
}

/** A metric of the custom (`Pods`) or external metrics API, and the value the autoscaler holds it at. */
export interface HpaMetricSpec {
  readonly source: 'Pods' | 'External';
  readonly name: string;
  readonly target: { readonly averageValue?: number; readonly value?: number };
  /** The labels selecting an external metric's series. */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * A HorizontalPodAutoscaler (autoscaling/v2, cdk8s-plus-27) for every workload of `owner` (a
 * MeshService), now and to come: the current version's (named `spec.name`, child `id` of `scope`)
 * and each other version's or release's (named after its Deployment, child `<id>-<version>`), with
 * the same bounds, as Flagger gives the primary a copy of the canary's autoscaler (fluxcd/flagger
 * pkg/canary/deployment_controller.go, reconcilePrimaryHpa); a version given its own replicas keeps
 * them as its autoscaler's floor (`minReplicasOf`; undefined: no autoscaler, a version parked at 0). Each workload then leaves `replicas` to its
 * autoscaler, and a workload a release retires takes its autoscaler with it, so that no autoscaler
 * targets a Deployment that is not written.
 */
export function autoscaleWorkloads(scope: Construct, id: string, owner: IConstruct, spec: HpaSpec,
  minReplicasOf: (v: WorkloadVersion) => number | undefined = () => spec.minReplicas): void {
  const ids = new Map<WorkloadResource, string>();
  watchWorkloads(owner, {
    added: (w, v) => {
      const minReplicas = minReplicasOf(v);
      if (minReplicas === undefined) return;
      // Two workloads of one version (a release of a version addVersion added too, MESH025 on it) get children of their own.
      let child = v.current ? id : `${id}-${v.version}`;
      for (let n = 2; scope.node.tryFindChild(child); n++) child = `${id}-${v.version}-${n}`;
      ids.set(w, child);
      addHorizontalPodAutoscaler(scope, child, w, { ...spec, name: v.current ? spec.name : w.name, minReplicas });
    },
    retired: (w) => {
      const child = ids.get(w);
      if (child !== undefined) scope.node.tryRemoveChild(child);
    },
  });
}

/**
 * A HorizontalPodAutoscaler (autoscaling/v2, cdk8s-plus-27) for the workload `d` (Deployment or
 * StatefulSet). The workload then leaves `replicas` to the autoscaler.
 */
function addHorizontalPodAutoscaler(scope: Construct, id: string, d: WorkloadResource, spec: HpaSpec): kplus.HorizontalPodAutoscaler {
  // The Deployment keeps its replicas for the service's own bookkeeping; the autoscaler
  // sees a target without a fixed count, and the Deployment stops writing one.
  const target: kplus.IScalable = {
    get hasAutoscaler() { return d.hasAutoscaler; },
    markHasAutoscaler: () => d.markHasAutoscaler(),
    toScalingTarget: () => ({ ...d.toScalingTarget(), replicas: undefined }),
  };
  const metrics: kplus.Metric[] = [];
  const container = spec.container === undefined ? undefined : d.containers.find((c) => c.name === spec.container);
  if (spec.container !== undefined && !container)
    throw new MeshError(Codes.INTERNAL_INVARIANT, `${d.node.path} has no container ${spec.container}`);
  const utilization = (resource: 'cpu' | 'memory', percent: number) => {
    const target = kplus.MetricTarget.averageUtilization(percent);
    if (container) return resource === 'cpu' ? kplus.Metric.containerCpu({ container, target }) : kplus.Metric.containerMemory({ container, target });
    return resource === 'cpu' ? kplus.Metric.resourceCpu(target) : kplus.Metric.resourceMemory(target);
  };
  if (spec.cpuUtilization !== undefined) metrics.push(utilization('cpu', spec.cpuUtilization));
  if (spec.memoryUtilization !== undefined) metrics.push(utilization('memory', spec.memoryUtilization));
  for (const m of spec.metrics ?? []) {
    const target = m.target.value !== undefined ? kplus.MetricTarget.value(m.target.value) : kplus.MetricTarget.averageValue(m.target.averageValue!);
    const labelSelector = m.labels ? kplus.LabelSelector.of({ labels: { ...m.labels } }) : undefined;
    metrics.push(m.source === 'Pods' ? kplus.Metric.pods({ name: m.name, target }) : kplus.Metric.external({ name: m.name, target, labelSelector }));
  }
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
  /** The pods' labels, or a function read at synth (a FlaggerCanary created later changes what a service's pods carry). */
  readonly selector: Readonly<Record<string, string>> | (() => Readonly<Record<string, string>>);
  readonly minAvailable?: number;
  readonly maxUnavailable?: number;
}): ApiObject {
  const selector = spec.selector;
  return new kplus.k8s.KubePodDisruptionBudget(scope, id, {
    metadata: { name: spec.name, namespace: spec.namespace, labels: spec.labels },
    spec: {
      selector: typeof selector === 'function'
        ? Lazy.any({ produce: () => ({ matchLabels: { ...selector() } }) })
        : { matchLabels: { ...selector } },
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

/** A ServiceAccount whose token is not mounted unless a pod asks. */
export function addServiceAccount(scope: Construct, id: string, name: string, namespace: string, labels: Record<string, string>,
  annotations?: Record<string, string>): kplus.ServiceAccount {
  return new kplus.ServiceAccount(scope, id, {
    metadata: { name, namespace, labels, annotations: annotations && Object.keys(annotations).length > 0 ? { ...annotations } : undefined },
    automountToken: false,
  });
}

/** What {@link addService} writes. */
export interface ServiceSpec {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly selector: Record<string, string>;
  readonly ports: {
    readonly name: string;
    readonly port: number;
    readonly targetPort: number;
    readonly protocol: 'TCP' | 'UDP';
    readonly nodePort?: number;
  }[];
  /** @default 'ClusterIP' */
  readonly type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  /** True for a headless Service (`clusterIP: None`). */
  readonly headless?: boolean;
  /**
   * DNS names (and endpoints) for the pods before they are ready: the peers of a replicated StatefulSet find each other by
   * name while none is ready yet (a quorum forming).
   * @default false
   * @see https://kubernetes.io/docs/reference/kubernetes-api/service-resources/service-v1/#ServiceSpec
   */
  readonly publishNotReadyAddresses?: boolean;
  readonly loadBalancerSourceRanges?: string[];
  /** Which nodes take a NodePort or LoadBalancer Service's traffic from outside (cdk8s-plus-27 has no field for it). */
  readonly externalTrafficPolicy?: 'Local' | 'Cluster';
}

/** A Service selecting pods by label: ClusterIP (or headless), NodePort or LoadBalancer. */
export function addService(scope: Construct, id: string, spec: ServiceSpec): kplus.Service {
  const service = new kplus.Service(scope, id, {
    metadata: { name: spec.name, namespace: spec.namespace, labels: spec.labels, annotations: spec.annotations },
    type: spec.type === 'NodePort' ? kplus.ServiceType.NODE_PORT : spec.type === 'LoadBalancer' ? kplus.ServiceType.LOAD_BALANCER : undefined,
    clusterIP: spec.headless ? 'None' : undefined,
    loadBalancerSourceRanges: spec.loadBalancerSourceRanges,
    ports: spec.ports.map((p) => ({
      name: p.name,
      port: p.port,
      targetPort: p.targetPort,
      nodePort: p.nodePort,
      protocol: p.protocol === 'UDP' ? kplus.Protocol.UDP : kplus.Protocol.TCP,
    })),
  });
  for (const [k, v] of Object.entries(spec.selector)) service.selectLabel(k, v);
  // cdk8s-plus-27's Service has no field for either.
  if (spec.publishNotReadyAddresses) ApiObject.of(service).addJsonPatch(JsonPatch.add('/spec/publishNotReadyAddresses', true));
  if (spec.externalTrafficPolicy) ApiObject.of(service).addJsonPatch(JsonPatch.add('/spec/externalTrafficPolicy', spec.externalTrafficPolicy));
  return service;
}

/** A Namespace with the given labels (sidecar injection among them). */
export function addNamespace(scope: Construct, id: string, name: string, labels: Record<string, string>): kplus.Namespace {
  return new kplus.Namespace(scope, id, { metadata: { name, labels } });
}

/** The type of a ServiceAccount a workload runs as. */
export type WorkloadServiceAccount = kplus.ServiceAccount;

/** A cdk8s-plus-27 Deployment: the library's, or a team's meshed as it is (`MeshService.fromDeployment`). */
export type WorkloadDeployment = kplus.Deployment;

/** A cdk8s-plus-27 StatefulSet: the library's, or a team's meshed as it is (`MeshService.fromStatefulSet`). */
export type WorkloadStatefulSet = kplus.StatefulSet;

/** A cdk8s-plus-27 Service, a team's own one that a meshed workload keeps. */
export type WorkloadService = kplus.Service;

/** The workload a MeshService runs its current version as: a cdk8s-plus-27 Deployment or StatefulSet. */
export type WorkloadResource = kplus.Deployment | kplus.StatefulSet;

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
    spec: lazyWithoutUnset((): k8s.NetworkPolicySpec => {
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
    }),
  });
}

/** Adds a literal environment variable to the application container of a workload (a team's: its first container). */
export function addContainerEnv(deployment: WorkloadResource, name: string, value: string): void {
  const app = deployment.containers.find((c) => c.name === APP_CONTAINER) ?? deployment.containers[0];
  if (!app) throw new MeshError(Codes.INTERNAL_INVARIANT, `${deployment.node.path} has no container`);
  if (app.env.variables[name] === undefined) app.env.addVariable(name, kplus.EnvValue.fromValue(value));
}

/** Adds a label to a Deployment and its pods (not to its selector). */
export function addDeploymentLabel(deployment: Construct, key: string, value: string): void {
  // cdk8s-plus-27 has no brand check (no `Deployment.isDeployment`): `instanceof` is the only test it offers.
  if (!(deployment instanceof kplus.Deployment)) throw new MeshError(Codes.INTERNAL_INVARIANT, `${deployment.node.path} is not a Deployment`);
  deployment.metadata.addLabel(key, value);
  deployment.podMetadata.addLabel(key, value);
}
