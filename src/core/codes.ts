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
  /** A caller or principal that names no ServiceAccount of a service in the app. */
  UNKNOWN_PRINCIPAL: 'MESH200',
  /** A method in an authorization rule or call that is not an HTTP method. */
  INVALID_HTTP_METHOD: 'MESH201',
  /** An AuthorizationPolicy path Istio would reject (templates other than {*} and {**}, a '*' mid-path). */
  INVALID_AUTHZ_PATH: 'MESH202',
  /** A DENY or CUSTOM AuthorizationPolicy without rules, or CUSTOM without a provider. */
  POLICY_WITHOUT_RULES: 'MESH203',
  /** A PeerAuthentication with port-level mTLS but no workload selector. */
  PORT_MTLS_WITHOUT_SELECTOR: 'MESH204',
  /** A DestinationRule that sends plaintext (or non-Istio TLS) to a workload whose mTLS is STRICT. */
  PLAINTEXT_TO_STRICT: 'MESH205',
  /** Principals or namespaces in authorization rules for a workload whose mTLS is not STRICT. */
  IDENTITY_WITHOUT_STRICT_MTLS: 'MESH206',
  /** A SecureService retrying on a condition that may send a request twice (5xx and the like). */
  UNSAFE_RETRY: 'MESH207',
  /** A pod that misses a hardening setting (non-root, read-only root FS, no escalation, drop ALL, limits). */
  POD_NOT_HARDENED: 'MESH208',
  /** A pod or container running as UID 1337, which is reserved for the Envoy proxy. */
  RESERVED_UID: 'MESH209',
  /** A JWT rule Istio would reject or that trusts keys over plain HTTP. */
  INVALID_JWT_RULE: 'MESH210',
} as const;

/** One of the stable codes. */
export type Code = (typeof Codes)[keyof typeof Codes];
