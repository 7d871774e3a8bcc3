/**
 * The props that shape a workload's pods: the application container (env, command, probes,
 * mounts, ports beside the Service's, security), the pod's other containers (extra ones,
 * native sidecars, init containers), its volumes, security and scheduling, and the Istio
 * sidecar's settings. Pure types; rendering is in mesh-pod.ts, the checks in pod-checks.ts.
 */
import { Duration, Size } from 'cdk8s';
import { ContainerOptions, ContainerPortOptions, ContainerResources } from './container-options';
import { EnvVarValue, ImagePullPolicy, ProbesOptions, VolumeMountOptions, WorkloadVolume } from './pod-options';
import type { Cpu } from './quantities';
import { PodSchedulingOptions } from './scheduling';
import { ContainerSecurityOptions, PodSecurityOptions } from './security-context';

/**
 * The Istio sidecar settings a pod can carry as annotations and labels.
 *
 * @see https://istio.io/latest/docs/reference/config/annotations/
 */
export interface SidecarOptions {
  /**
   * Whether the pod gets a sidecar at all (the `sidecar.istio.io/inject` label). A pod
   * without one has no mesh identity: mTLS peers refuse it.
   * @default true
   * @see https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/#controlling-the-injection-policy
   */
  readonly inject?: boolean;
  /**
   * Start the application only once the proxy is ready (`proxy.istio.io/config`
   * `holdApplicationUntilProxyStarts`), for applications that call out at start-up.
   * @default false
   * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#ProxyConfig
   */
  readonly holdApplicationUntilProxyStarts?: boolean;
  /**
   * How long the proxy keeps serving the requests in flight when the pod stops (`proxy.istio.io/config`
   * `terminationDrainDuration`): on SIGTERM pilot-agent drains Envoy's listeners, waits this long and then ends Envoy, with
   * whatever requests are still open (istio/istio pkg/envoy/agent.go, `terminate`). Give a service whose requests run long (a
   * model server's inferences) at least its longest request, and a `terminationGracePeriod` beyond it (MESH281), since the kubelet
   * kills the pod at the end of the grace period.
   * @default - Istio's, 5s
   * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#ProxyConfig
   */
  readonly terminationDrainDuration?: Duration;
  /**
   * The proxy's CPU request (`sidecar.istio.io/proxyCPU`), in whole millicores.
   * @default - the mesh's proxy defaults
   * @see https://istio.io/latest/docs/reference/config/annotations/#SidecarProxyCPU
   */
  readonly cpuRequest?: Cpu;
  /**
   * The proxy's CPU limit (`sidecar.istio.io/proxyCPULimit`), in whole millicores.
   * @default - the mesh's proxy defaults
   */
  readonly cpuLimit?: Cpu;
  /**
   * The proxy's memory request (`sidecar.istio.io/proxyMemory`), in whole mebibytes.
   * @default - the mesh's proxy defaults
   */
  readonly memoryRequest?: Size;
  /**
   * The proxy's memory limit (`sidecar.istio.io/proxyMemoryLimit`), in whole mebibytes.
   * @default - the mesh's proxy defaults
   */
  readonly memoryLimit?: Size;
}

/** Where a pod serves its own metrics: see {@link PodOptions.metrics}. */
export interface AppMetricsOptions {
  /** The container port that serves them: the application's, or an exporter's beside it. */
  readonly port: number;
  /**
   * The path.
   * @default '/metrics'
   */
  readonly path?: string;
}

/** A container run to completion before the application starts. */
export interface InitContainerOptions {
  /** The container's name, a DNS-1123 label other than `app`. */
  readonly name: string;
  /** Its image. */
  readonly image: string;
  /**
   * Its command.
   * @default - the image's entrypoint
   */
  readonly command?: string[];
  /**
   * Its arguments.
   * @default - the image's
   */
  readonly args?: string[];
  /**
   * Its environment.
   * @default - none
   */
  readonly env?: Record<string, EnvVarValue>;
  /**
   * Volumes it mounts.
   * @default - none besides /tmp
   */
  readonly mounts?: VolumeMountOptions[];
  /**
   * Its security settings, over the pod's.
   * @default - hardened
   */
  readonly security?: ContainerSecurityOptions;
  /**
   * Its CPU and memory.
   * @default - the application container's
   */
  readonly resources?: ContainerResources;
}

/**
 * Everything about a workload's pods beyond image, replicas and resources. Every
 * container keeps the hardened security context unless a named exception with its reason
 * loosens one field of it; a writable `/tmp` (emptyDir) is mounted so that the read-only
 * root filesystem does not break images that write there.
 */
export interface PodOptions extends PodSchedulingOptions {
  /**
   * Environment variables of the application container, keyed by name (`[-._a-zA-Z][-._a-zA-Z0-9]*`, as the API server accepts them).
   * @default - none
   */
  readonly env?: Record<string, EnvVarValue>;
  /**
   * The container's command, replacing the image's entrypoint.
   * @default - the image's
   */
  readonly command?: string[];
  /**
   * The container's arguments.
   * @default - the image's
   */
  readonly args?: string[];
  /**
   * Containers run in order before the application starts.
   * @default - none
   */
  readonly initContainers?: InitContainerOptions[];
  /**
   * Volumes of the pod, besides the `/tmp` one.
   * @default - none
   */
  readonly volumes?: WorkloadVolume[];
  /**
   * Volumes mounted into the application container.
   * @default - none besides /tmp
   */
  readonly mounts?: VolumeMountOptions[];
  /**
   * Mount a writable emptyDir at `/tmp` in every container.
   * @default true
   */
  readonly writableTmp?: boolean;
  /**
   * The application container's probes.
   * @default - HTTP GETs of the health-check path when given, gRPC health for gRPC, else a TCP connection to the first port
   */
  readonly probes?: ProbesOptions;
  /**
   * Annotations of the pods.
   * @default - none
   */
  readonly podAnnotations?: Record<string, string>;
  /**
   * Where the pod serves metrics of its own, the application's or an exporter's beside it
   * (a container port of the pod). They are scraped through Istio's metrics merging: the
   * `prometheus.io/scrape`, `/port` and `/path` annotations, which the sidecar injector moves
   * into the agent's configuration (pkg/kube/inject applyPrometheusMerge), so the agent serves
   * them with Envoy's at 15020 `/stats/prometheus`, the one port Prometheus reaches under
   * STRICT mTLS; and the `mesh.cdk8s.io/metrics: merged` label, which the ObservabilityStack's
   * `app-metrics` PodMonitor selects (kube-prometheus-stack ignores the annotations). Set the
   * `prometheus.io/*` annotations through this, not `podAnnotations` (MESH409).
   * @default - none: only Envoy's statistics are scraped
   * @see https://istio.io/latest/docs/ops/integrations/prometheus/#option-1-metrics-merging
   */
  readonly metrics?: AppMetricsOptions;
  /**
   * Labels of the pods, besides the library's (which win).
   * @default - none
   */
  readonly podLabels?: Record<string, string>;
  /**
   * When the kubelet pulls the image. Left out of the manifest unless set, so Kubernetes'
   * default applies: Always for an image tagged `:latest` or not tagged, else IfNotPresent.
   * @default - unset: Kubernetes' default
   * @see https://kubernetes.io/docs/concepts/containers/images/#imagepullpolicy-defaulting
   */
  readonly imagePullPolicy?: ImagePullPolicy;
  /**
   * Names of docker-registry Secrets to pull the images with.
   * @default - none
   */
  readonly imagePullSecrets?: string[];
  /**
   * A command run before the container is stopped, to drain connections.
   * @default - none
   */
  readonly preStopCommand?: string[];
  /**
   * Time between SIGTERM and SIGKILL.
   * @default - Kubernetes' default, 30s
   */
  readonly terminationGracePeriod?: Duration;
  /**
   * Annotations of the ServiceAccount (a cloud IAM role binding, say).
   * @default - none
   */
  readonly serviceAccountAnnotations?: Record<string, string>;
  /**
   * The Istio sidecar's settings.
   * @default - injected, with the mesh's defaults
   */
  readonly sidecar?: SidecarOptions;
  /**
   * Ports the application container listens on besides the Service's target ports (a
   * management or debug port): reachable from inside the pod and by port-forward only; a
   * call to one is refused (MESH042).
   * @default - none
   */
  readonly containerPorts?: ContainerPortOptions[];
  /**
   * The application container's security settings: its user and group, and the loosenings
   * its image needs (`HardeningException`), each written as an annotation for review.
   * @default - hardened: UID/GID 10001, non-root, read-only root filesystem, no privilege escalation, all capabilities dropped
   */
  readonly security?: ContainerSecurityOptions;
  /**
   * The pod-wide user, group, fsGroup and seccomp profile.
   * @default - UID/GID/fsGroup 10001, seccomp RuntimeDefault
   */
  readonly podSecurity?: PodSecurityOptions;
  /**
   * Containers beside the application's (exporters, helpers), each with its own ports,
   * probes, security and resources.
   * @default - none
   */
  readonly containers?: ContainerOptions[];
  /**
   * Native sidecar containers: init containers with `restartPolicy: Always` (Kubernetes
   * 1.29 and later), started in order before the init containers and the application and
   * running beside it, with their own probes.
   * @default - none
   * @see https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/
   */
  readonly sidecarContainers?: ContainerOptions[];
  /**
   * Removed: a whole-pod exemption hid every field from review. Loosen field by field with
   * `security.exceptions` (`HardeningException`); a JavaScript caller that still passes it
   * gets MESH040. The `mesh.cdk8s.io/hardening-exemption` annotation remains for objects
   * written by hand.
   * @deprecated use `security: { exceptions: [HardeningException...] }`
   * @default - not allowed
   */
  readonly hardeningExemption?: never;
}
