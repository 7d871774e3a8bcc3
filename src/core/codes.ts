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
  // Releases (canary, blue/green, Flagger, rollback rules, fault injection): MESH300-MESH349.
  /** A canary phase's weight is not a whole percentage from 0 to 100. */
  CANARY_WEIGHT_OUT_OF_RANGE: 'MESH300',
  /** A canary plan's weights decrease from one phase to the next. */
  CANARY_WEIGHTS_NOT_INCREASING: 'MESH301',
  /** A release names a phase its plan does not have, or the plan is empty or repeats a name. */
  CANARY_INVALID_PLAN: 'MESH302',
  /** A release on a service with no distinct stable version to fall back to. */
  CANARY_NO_STABLE_VERSION: 'MESH303',
  /** A mirror to the subset that already serves the traffic. */
  MIRROR_TO_SERVING_SUBSET: 'MESH304',
  /** A Flagger analysis setting out of range or contradictory. */
  FLAGGER_INVALID_ANALYSIS: 'MESH305',
  /** A route, split, mirror or fault set on a host whose VirtualService Flagger owns. */
  FLAGGER_OWNS_VIRTUAL_SERVICE: 'MESH306',
  /** A fault percentage outside 0-100 or an abort status outside 200-599. */
  FAULT_OUT_OF_RANGE: 'MESH307',
  /** Fault injection in production without the explicit opt-out. */
  FAULT_IN_PRODUCTION: 'MESH308',
  /** A rollback rule's threshold or window out of range. */
  ROLLBACK_RULE_INVALID: 'MESH309',
} as const;

/** One of the stable codes. */
export type Code = (typeof Codes)[keyof typeof Codes];
