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
  /** An SLO's latencies are out of order (p50 > p95 or p95 > p99) or not positive. */
  SLO_LATENCY_ORDER: 'MESH400',
  /** An SLO's error budget is not strictly between 0 and 100 percent. */
  SLO_ERROR_BUDGET: 'MESH401',
  /** An SLO's traffic capacity is not above zero. */
  SLO_CAPACITY: 'MESH402',
  /** An SLO names a service that is not part of the app. */
  SLO_UNKNOWN_SERVICE: 'MESH403',
  /** A PromQL expression (alert, recording rule or dashboard query) does not parse. */
  INVALID_PROMQL: 'MESH404',
  /** One service has two SLOs, or two rules share a name. */
  DUPLICATE_SLO: 'MESH405',
  /** An SLO's saturation limit or alert threshold is not above 0. */
  SLO_SATURATION: 'MESH406',
  /** An observability label or annotation that Kubernetes or Prometheus would reject. */
  INVALID_OBSERVABILITY_LABEL: 'MESH407',
} as const;

/** One of the stable codes. */
export type Code = (typeof Codes)[keyof typeof Codes];
