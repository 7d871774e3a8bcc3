/**
 * The stable codes of every check cdk8s-mesh makes. The README lists them; tests
 * assert on them. A code never changes meaning once released.
 */
export const Codes = {
  /** A name is not a DNS-1123 label. */
  INVALID_NAME: 'MESH001',
  /** Two services in one chart share a name. */
  DUPLICATE_SERVICE: 'MESH002',
  /** A port name Istio cannot classify by its protocol prefix. */
  INVALID_PORT_NAME: 'MESH003',
  /** A number outside its allowed range (replicas, pool sizes, percentages...). */
  OUT_OF_RANGE: 'MESH004',
  /** A duration under 1ms or not a whole number of milliseconds. */
  INVALID_DURATION: 'MESH010',
  /** A retry's perTryTimeout is longer than the route's timeout. */
  PER_TRY_TIMEOUT_EXCEEDS_TIMEOUT: 'MESH011',
  /** Route weights do not sum to 100. */
  WEIGHTS_NOT_100: 'MESH012',
  /** A route names a subset the DestinationRule does not define. */
  UNKNOWN_SUBSET: 'MESH013',
  /** Retries with zero attempts and retry conditions set. */
  RETRY_ON_WITHOUT_ATTEMPTS: 'MESH014',
  /** Two constructs contribute the same field of one host's traffic. */
  CONFLICTING_CONTRIBUTION: 'MESH015',
  /** A service names a tier no TierDefaults defines. */
  UNKNOWN_TIER: 'MESH016',
  /** A header or URI match that Istio would reject. */
  INVALID_MATCH: 'MESH017',
  /** Two resources of the same kind, namespace and name. */
  DUPLICATE_RESOURCE: 'MESH018',
  /** A call to a service that is not part of the app. */
  UNKNOWN_SERVICE: 'MESH019',
  /** A duplicate subset, port or route name within one service. */
  DUPLICATE_ENTRY: 'MESH020',
  // Traffic edge and scale: MESH500-MESH549.
  /** A rate, capacity or token count that is not a positive whole number. */
  INVALID_RATE: 'MESH500',
  /** An autoscaler whose minReplicas is above its maxReplicas. */
  HPA_MIN_ABOVE_MAX: 'MESH501',
  /** A locality failover whose `from` equals its `to`. */
  LOCALITY_SELF_FAILOVER: 'MESH502',
  /** Locality load balancing on a host without outlier detection. */
  LOCALITY_NEEDS_OUTLIER_DETECTION: 'MESH503',
  /** A gateway server whose port has no name. */
  GATEWAY_PORT_NAME: 'MESH504',
  /** A gateway server whose TLS settings do not fit its protocol (HTTPS without tls, SIMPLE without credentialName). */
  GATEWAY_TLS: 'MESH505',
  /** Locality settings Istio rejects: failover and distribute together, shares not summing to 100, a malformed locality. */
  LOCALITY_INVALID: 'MESH506',
  /** A gateway server without hosts, or with a host Istio rejects. */
  GATEWAY_HOSTS: 'MESH507',
  /** Autoscaler settings out of range: utilization, stabilization windows, policy periods, no metric. */
  AUTOSCALING_INVALID: 'MESH508',
  /** A PodDisruptionBudget that is ambiguous or can never allow an eviction. */
  DISRUPTION_BUDGET_INVALID: 'MESH509',
  /** Rate-limit settings Envoy rejects or ignores: a burst below the fill, a fill interval under 50ms, duplicate names. */
  RATE_LIMIT_INVALID: 'MESH510',
} as const;

/** One of the stable codes. */
export type Code = (typeof Codes)[keyof typeof Codes];
