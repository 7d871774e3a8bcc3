import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { ExportTo } from '../core/export-to';
import { LoadBalancer } from '../core/load-balancer';
import { Retries } from '../core/retries';
import { ConnectionPool, OutlierDetection } from '../core/traffic-policy';
import { ServiceSlo } from '../core/slo';
import { HostTraffic } from './traffic/host-traffic';
import { Tier, type TierSettings } from '../core/tier';
import { ContainerResources, StatefulOptions } from '../workload/container-options';
import { PodOptions, SidecarOptions } from '../workload/pod-props';
import type { WorkloadResource, WorkloadService } from '../workload/workload';
import { ServiceOptions } from './service-exposure';
import { ServicePortOptions } from './service-port';
import { ServiceVersion } from './service-version';
import type { IMeshService, IMeshServiceNode } from './interfaces';
import type { MeshInitContainerOptions } from './init-container-calls';
import type { VaultAgent } from './vault-agent';

export type { IMeshService } from './interfaces';

/**
 * A service whose host other constructs shape: its VirtualService and DestinationRule take their
 * contributions (a fault, a locality setting, a release's routes). What {@link FaultInjectionTest}
 * needs, so that a team's own wrapper construct can be given to it.
 */
export interface IRoutedService extends IMeshService {
  /** Everything that shapes the host's VirtualService and DestinationRule. */
  readonly traffic: HostTraffic;
}

/**
 * A routed service with its traffic settings worked out: what {@link LocalityLoadBalancing} reads
 * (failover needs the host's outlier detection) and Flagger's Service copies.
 */
export interface ITieredService extends IRoutedService {
  /** The host's traffic settings: the tier's, with the service's own laid over them field by field. */
  readonly policy: TierSettings;
}

/**
 * A service whose pods are scaled and kept available: what {@link Autoscaling} and
 * {@link HighAvailability} read (the replicas they start from, the version their selector
 * names, the app container's resources their targets are shares of).
 */
export interface IScaledService extends IMeshService {
  /** Replicas of the current version. */
  readonly replicas: number;
  /** The current version's label. */
  readonly version: string;
  /** The app container's requests and limits. */
  readonly resources: Required<ContainerResources>;
}

/**
 * A service of a chart with a current version: what {@link CanaryRollbackRules} watch (the
 * version that stays, the chart's platform and labels).
 */
export interface IReleasedService extends IMeshServiceNode {
  /** The current version's label. */
  readonly version: string;
}

/**
 * A service Flagger releases: a Deployment of the service's name (its workload), its host's
 * traffic, which Flagger's VirtualService takes over, and its chart. What {@link FlaggerCanary} needs.
 */
export interface ICanaryTarget extends IReleasedService, ITieredService {
  /** The workload Flagger's `targetRef` names: a Deployment, or Flagger cannot release it. */
  readonly workload: WorkloadResource;
  /**
   * The StatefulSet's options, for a stateful service (Flagger releases Deployments only).
   * @default - none: a Deployment
   */
  readonly stateful?: StatefulOptions;
}

/**
 * A service with versions that releases can add to and route between: what
 * {@link CanaryRelease} needs, so that a team's own wrapper construct can be released.
 */
export interface IVersionedService extends IRoutedService {
  /** The current version's label. */
  readonly version: string;
  /** The current version's subset name. */
  readonly subset: string;
  /** Replicas of the current version. */
  readonly replicas: number;
  /** The versions added besides the current one. */
  readonly versions: readonly ServiceVersion[];
  /** @internal */
  _addVersion(scope: Construct, id: string, options: { version: string; image: string; replicas?: number }): string;
  /** @internal */
  _retireCurrentVersion(): void;
  /** @internal Labels the current version's workload and its pods (`deployment: blue` in a blue/green release). */
  _labelCurrentVersion(key: string, value: string): void;
}

/**
 * What every MeshService has, whoever renders its workload: its name, tier, versions'
 * labels, ports and Service, traffic settings, visibility and SLO.
 */
export interface MeshServiceCommonProps {
  /**
   * The service's name, a DNS-1123 label; its resources are named so, never hashed.
   * @default - the construct's id
   */
  readonly name?: string;
  /**
   * The tier whose resilience defaults apply.
   * @default Tier.SERVICE
   */
  readonly tier?: Tier;
  /**
   * The version label of the current pods; they form the `stable` subset.
   * @default 'v1'
   */
  readonly version?: string;
  /**
   * The name of the current version's subset in the DestinationRule.
   * @default 'stable'
   */
  readonly subset?: string;
  /**
   * The service's ports, each with the protocol Istio treats it as: `http`, `http2`,
   * `grpc`, `grpc-web`, `https`, `tls`, `tcp`, `mongo`, `mysql`, `redis`, `udp`. A protocol
   * Istio does not know (AMQP, Kafka) is `tcp`, named after it: `{ protocol: 'tcp', name: 'tcp-amqp' }`.
   * An empty list is a workload with no Service (a queue worker, a load generator): it keeps its
   * identity, policies and hardening, but nothing can call it and it has no VirtualService or DestinationRule.
   * @default - one HTTP port, 80 to container port 8080
   * @see https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/
   */
  readonly ports?: ServicePortOptions[];
  /**
   * The Service's type, annotations and extra labels.
   * @default - a ClusterIP Service (for a stateful service, with a headless governing Service `<name>-headless` beside it)
   */
  readonly service?: ServiceOptions;
  /**
   * Route timeout, over the tier's.
   * @default - the tier's
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute
   */
  readonly timeout?: Duration;
  /**
   * The service's calls are long-lived streams (gRPC streaming, WebSockets, server-sent events):
   * its routes have no timeout (no `timeout` field), over the tier's timeout; its retries and
   * their per-try timeout stay, as Envoy applies them only before a response starts. A route of
   * its own with a `timeout` has that timeout. Not with `timeout` (MESH054).
   * @default false - the service's `timeout`, else its tier's
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute
   */
  readonly streaming?: boolean;
  /**
   * Retry policy, over the tier's field by field.
   * @default - the tier's
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRetry
   */
  readonly retries?: Retries;
  /**
   * Load balancer, over the tier's.
   * @default - the tier's, else Istio's own (LEAST_REQUEST)
   * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#LoadBalancerSettings
   */
  readonly loadBalancer?: LoadBalancer;
  /**
   * Connection-pool limits, over the tier's field by field.
   * @default - the tier's
   * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#ConnectionPoolSettings
   */
  readonly connectionPool?: ConnectionPool;
  /**
   * Outlier detection, over the tier's field by field.
   * @default - the tier's
   * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#OutlierDetection
   */
  readonly outlierDetection?: OutlierDetection;
  /**
   * The namespaces the service (its Service, VirtualService and DestinationRule) is
   * visible to; callers elsewhere get no route to it.
   * @default - every namespace (Istio's default)
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#VirtualService-export_to
   */
  readonly exportTo?: ExportTo;
  /**
   * The service's golden-signal objectives; an ObservabilityStack in the chart turns
   * them into alerts, burn-rate rules, dashboards and trace sampling.
   * @default - no SLO (unless `ObservabilityStack.addSlo` gives one)
   */
  readonly slo?: ServiceSlo;
}

/**
 * Props for {@link MeshService}: the service, its traffic settings and, from
 * {@link PodOptions}, the shape of its pods (containers, security, volumes, probes,
 * scheduling, sidecar settings).
 */
export interface MeshServiceProps extends PodOptions, MeshServiceCommonProps {
  /** The container image of the service's current version. */
  readonly image: string;
  /**
   * Containers run in order before the application starts, each with what it calls over the network (`calls`: a MeshService,
   * a RemoteService or an ExternalService on a port), which the pod's policies then admit and istio-proxy, a native sidecar
   * started before them, carries.
   * @default - none
   */
  readonly initContainers?: MeshInitContainerOptions[];
  /**
   * Secrets from HashiCorp Vault, rendered into `/vault/secrets/<name>` by its agent injector (`VaultAgent.of({ role, server,
   * secrets })`): the pods get the injector's annotations, mount their ServiceAccount token (the agent logs in with it) unless
   * `automountServiceAccountToken` says false, and, meshed, istio-proxy as a native sidecar started before `vault-agent-init`
   * (`sidecar.istio.io/nativeSidecar: "true"`; the platform must run them: MESH242). The agent's connections to Vault's Service
   * are a call of the pods (Sidecar and NetworkPolicy egress, the remote-calls record, an intended flow proved at synth).
   * @default - none
   * @see https://developer.hashicorp.com/vault/docs/platform/k8s/injector/annotations
   */
  readonly vault?: VaultAgent;
  /**
   * Pod replicas of the current version.
   * @default 2; 1 for a stateful service
   */
  readonly replicas?: number;
  /**
   * Container CPU and memory of the application container.
   * @default - 100m/500m CPU, 128Mi/512Mi memory
   */
  readonly resources?: ContainerResources;
  /**
   * Base of the health-check paths: readiness at `<path>/ready`, liveness at `<path>/live`,
   * open to every source in the AuthorizationPolicy, on the first port, which must speak HTTP (MESH024 otherwise: the path would
   * be probed nowhere; put the HTTP port first, or give `probes`).
   * @default - none: the probes are a TCP connection to the serving port (gRPC health for gRPC)
   */
  readonly healthCheckPath?: string;
  /**
   * Whether pods mount their ServiceAccount token (only services that call the Kubernetes API, or log in to Vault, need it).
   * @default false; true with `vault`
   */
  readonly automountServiceAccountToken?: boolean;
  /**
   * Runs the service as a StatefulSet (a database, a queue): each pod keeps its name
   * (`<name>-0.<name>-headless.<namespace>.svc.cluster.local`, under a headless governing Service `<name>-headless`) and
   * its own volume claims, while callers dial its ClusterIP Service `<name>`, which their sidecars load-balance;
   * one replica unless the image replicates.
   * @default - a Deployment
   */
  readonly stateful?: StatefulOptions;
}

/**
 * Props for a team's cdk8s-plus workload meshed as it is ({@link MeshService.fromDeployment},
 * {@link MeshService.fromStatefulSet}): what the mesh needs beyond the workload. Its pods keep
 * their containers, security and probes; the library adds the mesh's labels (`app`,
 * `version`, `app.kubernetes.io/*`) and the Istio sidecar's settings to its pod template.
 */
export interface MeshWorkloadProps extends MeshServiceCommonProps {
  /**
   * The Istio sidecar's settings, written on the workload's pod template.
   * @default - injected, with the mesh's defaults
   */
  readonly sidecar?: SidecarOptions;
  /**
   * The team's own Service in front of the workload, kept as it is: its name is the
   * service's host and its ports are the service's (named by Istio's convention).
   * @default - a StatefulSet's governing Service; for a Deployment, a Service the library writes, with `ports`
   */
  readonly existingService?: WorkloadService;
}
