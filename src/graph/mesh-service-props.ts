import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { ExportTo } from '../core/export-to';
import { LoadBalancer } from '../core/load-balancer';
import { Retries } from '../core/retries';
import { ConnectionPool, OutlierDetection } from '../core/traffic-policy';
import { ServiceSlo } from '../views/observability/slo';
import { HostTraffic } from '../views/traffic/host-traffic';
import { Tier } from './tier';
import { PodOptions } from '../views/workload/pod-options';
import { ContainerResources } from '../views/workload/workload';
import { ServicePortOptions } from './service-port';
import { ServiceVersion } from './service-version';
import type { IMeshService } from './interfaces';

export type { IMeshService } from './interfaces';

/**
 * A service with versions that releases can add to and route between: what
 * {@link CanaryRelease} needs, so that a team's own wrapper construct can be released.
 */
export interface IVersionedService extends IMeshService {
  /** Everything that shapes the host's VirtualService and DestinationRule. */
  readonly traffic: HostTraffic;
  /** The current version's label. */
  readonly version: string;
  /** The current version's subset name. */
  readonly subset: string;
  /** Replicas of the current version. */
  readonly replicas: number;
  /** The versions added besides the current one. */
  readonly versions: readonly ServiceVersion[];
  /** @internal */
  _addVersion(scope: Construct, id: string, options: { version: string; image: string; replicas: number }): string;
  /** @internal */
  _retireCurrentVersion(): void;
}

/**
 * Props for {@link MeshService}: the service, its traffic settings and, from
 * {@link PodOptions}, the shape of its pods (env, volumes, probes, sidecar settings).
 */
export interface MeshServiceProps extends PodOptions {
  /** The container image of the service's current version. */
  readonly image: string;
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
   * Pod replicas of the current version.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * The service's ports. Names follow Istio's protocol convention. An empty list is a
   * workload with no Service (a queue worker, a load generator): it keeps its identity,
   * policies and hardening, but nothing can call it and it has no VirtualService or DestinationRule.
   * @default - one HTTP port, 80 to container port 8080
   */
  readonly ports?: ServicePortOptions[];
  /**
   * Route timeout, over the tier's.
   * @default - the tier's
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute
   */
  readonly timeout?: Duration;
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
   * Container CPU and memory.
   * @default - 100m/500m CPU, 128Mi/512Mi memory
   */
  readonly resources?: ContainerResources;
  /**
   * Base of the health-check paths: readiness at `<path>/ready`, liveness at `<path>/live`.
   * Only for services whose first port speaks HTTP.
   * @default '/health'
   */
  readonly healthCheckPath?: string;
  /**
   * Whether pods mount their ServiceAccount token (only services that call the Kubernetes API need it).
   * @default false
   */
  readonly automountServiceAccountToken?: boolean;
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
