/**
 * The workloads of a MeshService's versions: the library's (a Deployment, or a StatefulSet
 * with its claims behind the governing headless Service) or a team's cdk8s-plus workload
 * meshed as it is, and the environment variables calls write into them.
 */
import { Construct } from 'constructs';
import { Labels, REPLICATION_ANNOTATION } from '../core/labels';
import { StatefulOptions, withResourceDefaults } from '../workload/container-options';
import { checkAdoptedHardening, confineSeccomp, labelWorkload } from '../workload/adopt';
import { podAnnotations, sidecarLabels } from '../workload/pod-checks';
import { EnvVarValue } from '../workload/pod-options';
import { PodOptions } from '../workload/pod-props';
import { addWorkload, StatefulSpec } from '../workload/pod-builder';
import {
  addContainerEnv, addService, ContainerResources, registerWorkload, retireWorkload, WorkloadResource, WorkloadService, WorkloadServiceAccount,
} from '../workload/workload';
import type { Adoption } from './adopted-workload';
import type { ServiceOptions, ServiceType } from './service-exposure';
import type { ContainerPortPlan, ResolvedProbes, ResolvedServicePort } from './service-port';

/** What the workloads of a service are built from. */
export interface WorkloadOwner extends Construct {
  readonly name: string;
  readonly namespace: string;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly selectorLabels: Readonly<Record<string, string>>;
  readonly pod: Readonly<PodOptions>;
  readonly resources: Required<ContainerResources>;
  readonly automountServiceAccountToken: boolean;
}

/** A version's workload. */
export interface WorkloadVersionSpec {
  readonly name: string;
  readonly version: string;
  readonly image: string;
  readonly replicas: number;
  /** The replicas the version was given itself (not the service's), which an autoscaler keeps as its floor. */
  readonly ownReplicas?: number;
  readonly serviceAccount?: WorkloadServiceAccount;
  readonly resources?: ContainerResources;
  readonly env?: Record<string, EnvVarValue>;
  /** The StatefulSet's part, for the current version of a stateful service. */
  readonly stateful?: { readonly options: StatefulOptions; readonly service: WorkloadService };
}

/** The workloads of one service, in the order created. */
export class ServiceWorkloads {
  private readonly workloads: WorkloadResource[] = [];
  private readonly env: { readonly name: string; readonly value: () => string }[] = [];

  public constructor(private readonly owner: WorkloadOwner, private readonly probes: ResolvedProbes, private readonly plan: ContainerPortPlan) {}

  /** Deploys a version as the library's workload under `scope` (id `id`). */
  public deploy(scope: Construct, id: string, v: WorkloadVersionSpec): WorkloadResource {
    const o = this.owner;
    const pod: PodOptions = { ...o.pod, env: { ...o.pod.env, ...v.env } };
    const stateful: StatefulSpec | undefined = v.stateful
      ? { service: v.stateful.service, claims: v.stateful.options.volumeClaims ?? [], podManagementPolicy: v.stateful.options.podManagementPolicy }
      : undefined;
    const replication = v.stateful?.options.replication?.trim();
    const w = addWorkload(scope, id, {
      pod,
      probes: this.probes,
      name: v.name,
      namespace: o.namespace,
      labels: { ...o.podLabels, [Labels.VERSION]: v.version, [Labels.INSTANCE_VERSION]: v.version },
      annotations: replication ? { [REPLICATION_ANNOTATION]: replication } : undefined,
      selector: { ...o.selectorLabels, [Labels.VERSION]: v.version },
      image: v.image,
      replicas: v.replicas,
      serviceAccount: v.serviceAccount,
      containerPorts: this.plan.app,
      resources: withResourceDefaults(v.resources, o.resources),
      automountServiceAccountToken: o.automountServiceAccountToken,
      stateful,
    });
    this.add(w, v.version, v.ownReplicas);
    return w;
  }

  /** Meshes a team's workload as it is: the mesh's labels and sidecar settings on its pod template, its pods checked. */
  public adopt(a: Adoption, version: string): WorkloadResource {
    const o = this.owner;
    labelWorkload(a.workload, { ...sidecarLabels(o.pod.sidecar), ...o.podLabels, [Labels.VERSION]: version, [Labels.INSTANCE_VERSION]: version },
      podAnnotations({ sidecar: o.pod.sidecar }));
    confineSeccomp(a.workload);
    checkAdoptedHardening(a.workload, a.description.automountServiceAccountToken);
    this.add(a.workload, version);
    return a.workload;
  }

  /** Writes a literal environment variable into every workload, now and to come. */
  public addEnv(name: string, value: () => string): void {
    this.env.push({ name, value });
    for (const w of this.workloads) addContainerEnv(w, name, value());
  }

  /** The first workload: the current version's. */
  public get current(): WorkloadResource | undefined {
    return this.workloads[0];
  }

  /**
   * Removes the current version's Deployment (child `Deployment` of the service) once a release retires it; what other
   * constructs made for it (its autoscaler) goes with it.
   */
  public retireCurrent(): void {
    const current = this.current;
    if (current && this.owner.node.tryRemoveChild('Deployment')) retireWorkload(this.owner, current);
  }

  private add(w: WorkloadResource, version: string, ownReplicas?: number): void {
    registerWorkload(this.owner, w, version, ownReplicas);
    this.workloads.push(w);
    for (const e of this.env) addContainerEnv(w, e.name, e.value());
  }
}

/**
 * The Service of `owner` (child `Service`): its type, the user's annotations and labels under
 * the library's, and `networking.istio.io/exportTo` when the service is restricted. The headless Service of replicas
 * that replicate (`peersBeforeReady`) publishes its pods' names before they are ready: a KRaft controller, a ZooKeeper
 * or etcd member becomes ready only once the quorum formed, which it forms by reaching its peers by those names, and DNS
 * answers for a not-ready pod only under `publishNotReadyAddresses` ("The primary use case for setting this field is for
 * a StatefulSet's Headless Service to propagate SRV DNS records for its Pods for the purpose of peer discovery",
 * ServiceSpec; the EndpointSlice controller then marks those endpoints ready, kubernetes/kubernetes
 * staging/src/k8s.io/endpointslice/utils.go podToEndpoint, so istiod sends to them too).
 * @see https://istio.io/latest/docs/reference/config/annotations/#NetworkingExportTo
 */
export function writeService(owner: WorkloadOwner, s: {
  readonly options: ServiceOptions; readonly type: ServiceType; readonly ports: readonly ResolvedServicePort[];
  readonly labels: Record<string, string>; readonly exportTo?: readonly string[]; readonly peersBeforeReady?: boolean;
}, id = 'Service', name = owner.name): WorkloadService {
  const annotations = { ...s.options.annotations, ...(s.exportTo ? { 'networking.istio.io/exportTo': s.exportTo.join(',') } : {}) };
  return addService(owner, id, {
    name,
    namespace: owner.namespace,
    labels: { ...s.options.labels, ...s.labels },
    annotations: Object.keys(annotations).length > 0 ? annotations : undefined,
    selector: { ...owner.selectorLabels },
    ports: s.ports.map((p) => ({
      name: p.name, port: p.port, targetPort: p.targetPort, protocol: p.protocol === 'udp' ? 'UDP' : 'TCP', nodePort: s.type.nodePorts[p.port],
    })),
    type: s.type.type,
    headless: s.type.headless,
    publishNotReadyAddresses: s.peersBeforeReady && s.type.headless ? true : undefined,
    loadBalancerSourceRanges: s.type.sourceRanges.length > 0 ? s.type.sourceRanges.map(String) : undefined,
    externalTrafficPolicy: s.type.externalTrafficPolicy,
  });
}

/** The name of the headless governing Service a stateful service writes beside its client Service (bitnami's `<name>-headless`). */
export function headlessServiceName(name: string): string {
  return `${name}-headless`;
}

/**
 * The headless governing Service of a stateful service whose own Service is not headless (`<name>-headless`, child
 * `HeadlessService`): it gives the StatefulSet's pods their names in the cluster DNS, which only a headless governing
 * Service does ("StatefulSets currently require a Headless Service to be responsible for the network identity of the
 * Pods", StatefulSet limitations), while the client Service `<name>`, ClusterIP, is the host callers, routes and
 * policies name, which the sidecar load-balances (an EDS cluster; a headless Service's is ORIGINAL_DST, istiod
 * `convertResolution`). Its ports are the pods' own (port = targetPort, one a container port): no proxy translates a
 * headless Service's ports, so a client that dials a pod by name reaches it on the port it dials.
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#limitations
 * @see https://kubernetes.io/docs/concepts/services-networking/service/#headless-services
 */
export function writeHeadlessService(owner: WorkloadOwner, s: {
  readonly options: ServiceOptions; readonly ports: readonly ResolvedServicePort[];
  readonly labels: Record<string, string>; readonly exportTo?: readonly string[]; readonly peersBeforeReady?: boolean;
}, headless: ServiceType): WorkloadService {
  const seen = new Set<string>();
  const ports = s.ports.filter((p) => {
    const key = `${p.targetPort}/${p.protocol === 'udp' ? 'UDP' : 'TCP'}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  }).map((p) => ({ ...p, port: p.targetPort }));
  const spec = { ...s, options: { labels: s.options.labels }, type: headless, ports };
  return writeService(owner, spec, 'HeadlessService', headlessServiceName(owner.name));
}

/**
 * The pod-by-pod names a headless Service gives a StatefulSet's pods, `<pod>.<service>.<namespace>.svc.cluster.local`
 * (`<statefulset>-<ordinal>` for each replica, `<service>` the governing Service: the service's own when headless, else
 * its `<name>-headless`); none for other workloads.
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#stable-network-id
 */
export function podHostnamesOf(s: { readonly name: string; readonly namespace: string; readonly replicas: number; readonly hasService: boolean;
  readonly serviceType: ServiceType; }, w: WorkloadResource | undefined, governing: string | undefined): string[] | undefined {
  if (!w || governing === undefined || !s.hasService) return undefined;
  return Array.from({ length: s.replicas }, (_, i) => `${w.name}-${i}.${governing}.${s.namespace}.svc.cluster.local`);
}
