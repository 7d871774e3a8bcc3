/**
 * The label conventions every workload carries. Istio's telemetry reads `app` and
 * `version`; the `app.kubernetes.io/*` labels are Kubernetes' recommended labels.
 * @internal
 */
export const Labels = {
  APP: 'app',
  VERSION: 'version',
  NAME: 'app.kubernetes.io/name',
  INSTANCE_VERSION: 'app.kubernetes.io/version',
  PART_OF: 'app.kubernetes.io/part-of',
  COMPONENT: 'app.kubernetes.io/component',
  MANAGED_BY: 'app.kubernetes.io/managed-by',
  /** The mesh tier a service belongs to. */
  TIER: 'mesh.cdk8s.io/tier',
  /** The namespace label that turns on sidecar injection. */
  ISTIO_INJECTION: 'istio-injection',
} as const;

/**
 * The value of `app.kubernetes.io/managed-by` on everything this library writes.
 * @internal
 */
export const MANAGED_BY = 'cdk8s-mesh';

/**
 * The annotation on a StatefulSet that says how its image replicates its data between its
 * pods; without it, more than one replica is a warning (MESH045).
 * @internal
 */
export const REPLICATION_ANNOTATION = 'mesh.cdk8s.io/replication';

/**
 * The annotation on a ServiceEntry of DNS resolution that gives the provider's addresses (comma-separated CIDRs), which its
 * spec cannot carry (istiod takes `addresses` for NONE and STATIC resolution only): the ranges its callers' NetworkPolicy
 * lets them out to, where the flow check takes the host to resolve.
 * @internal
 */
export const EXTERNAL_ADDRESSES_ANNOTATION = 'mesh.cdk8s.io/addresses';

/**
 * The annotation on a service's ALLOW AuthorizationPolicy that lists, comma-separated, the
 * principals of the callers whose every call to it is asynchronous (`calls(..., { asynchronous: true })`):
 * fire-and-forget, the caller does not hold its own response for them, so the retry analysis
 * (MESH660, MESH661) takes no hop through them. Manifests carry no other trace of it.
 */
export const ASYNCHRONOUS_CALLERS_ANNOTATION = 'mesh.cdk8s.io/asynchronous-callers';

/**
 * The pod label that marks pods serving metrics of their own through Istio's metrics merging
 * (`metrics` of a MeshService); the ObservabilityStack's `app-metrics` PodMonitor selects it.
 */
export const APP_METRICS_LABEL = 'mesh.cdk8s.io/metrics';
/** The value of {@link APP_METRICS_LABEL}: the metrics are served merged, on the agent's 15020. */
export const APP_METRICS_MERGED = 'merged';
