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
  /** A route's destination host has no Service (Istio IST0101, Kiali KIA1101). */
  HOST_NOT_FOUND: 'MESH100',
  // MESH101, MESH112 and MESH114 are MESH013, MESH012 and MESH011: one code per check, at synth and in the analysis.
  /** Two VirtualServices for one host on the mesh gateway (IST0109, KIA1106). */
  DUPLICATE_VIRTUAL_SERVICE_HOST: 'MESH102',
  /** A destination without a port when the Service has several (IST0112). */
  DESTINATION_PORT_REQUIRED: 'MESH103',
  /** An HTTP rule after a match-less rule can never match (IST0130). */
  UNREACHABLE_RULE: 'MESH104',
  /** A Service port name outside Istio's protocol naming convention (IST0118, KIA0601). */
  PORT_NAME_CONVENTION: 'MESH105',
  /** A principal names a ServiceAccount that does not exist (KIA0106). */
  PRINCIPAL_NOT_FOUND: 'MESH106',
  /** An AuthorizationPolicy, PeerAuthentication or Sidecar selector matches no workload (IST0127, KIA0004). */
  SELECTOR_MATCHES_NOTHING: 'MESH107',
  /** A DestinationRule sends plaintext to a workload whose PeerAuthentication is STRICT (KIA0207). */
  PLAINTEXT_TO_STRICT: 'MESH108',
  /** Two Sidecars or PeerAuthentications select one workload (IST0110, IST0111, KIA0002, KIA0003). */
  CONFLICTING_SELECTORS: 'MESH109',
  /** A DestinationRule subset whose labels match no pod template (IST0173, KIA0203). */
  SUBSET_SELECTS_NO_PODS: 'MESH110',
  /** Retries on 5xx for a route that serves non-idempotent methods (POST, PATCH). */
  RETRY_NON_IDEMPOTENT: 'MESH111',
  /** Two DestinationRules for one host (KIA0201). */
  DUPLICATE_DESTINATION_RULE_HOST: 'MESH113',
  /** An object violates its CRD's openAPIV3Schema (IST0106). */
  SCHEMA_VIOLATION: 'MESH150',
  /** An object fails one of its CRD's x-kubernetes-validations CEL rules. */
  CEL_RULE_VIOLATION: 'MESH151',
  /** No CRD (of every Istio version checked) serves the object's apiVersion and kind. */
  UNKNOWN_KIND: 'MESH152',
  /** A core Kubernetes object violates its schema. */
  CORE_SCHEMA_VIOLATION: 'MESH153',
  /** metadata.name or a label is not what the API server accepts. */
  INVALID_METADATA: 'MESH154',
  /** The CRD directory cannot be found or read. */
  CRD_DIRECTORY_NOT_FOUND: 'MESH155',
  /** A file that is not valid YAML or holds a document that is not a Kubernetes object. */
  UNPARSABLE_MANIFEST: 'MESH156',
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
  // MESH205 (plaintext to a STRICT workload) is MESH108, one code at synth and in the analysis.
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
  // Flow verification: MESH600-MESH629.
  /** A flow the constructs intend (a declared call, a gateway route, a scrape...) is refused by the rendered manifests. */
  INTENDED_FLOW_REFUSED: 'MESH600',
  /** A flow the constructs mean to be refused is allowed by the rendered manifests. */
  UNINTENDED_FLOW_ALLOWED: 'MESH601',
  /** Two workloads without a declared flow between them can reach each other: no layer refuses. */
  UNDECLARED_PAIR_OPEN: 'MESH602',
  /** A malformed flow or flow option (host, port, method, path, source, trust domain), or a `--flow` that does not parse or names no workload. */
  INVALID_FLOW: 'MESH603',
  // The platform, edge routes, cluster-wide objects and flows: MESH630-MESH659.
  /** An ingress route's path prefix is not `/` or a path ending in `/`, or two routes share one. */
  INGRESS_ROUTE_INVALID: 'MESH630',
  /** Two environments of one cluster disagree on a cluster-wide object (the mesh-wide mTLS mode, say). */
  CLUSTER_OBJECT_CONFLICT: 'MESH631',
  // Production review (retries, fault jobs, rate limits, Flagger, gateway secrets): MESH660-MESH689.
  /** An outer route gives up (timeout, or per-try timeout) before the route it calls may answer. */
  RETRY_OUTER_GIVES_UP_FIRST: 'MESH660',
  /** Retries at two hops of a call that serves POST or PATCH, at least one of which may resend a received request. */
  RETRY_STACKED_NON_IDEMPOTENT: 'MESH661',
  /** `retryOn: reset` on a route that serves POST or PATCH: a reset after the request was sent resends it. */
  RETRY_RESET_NON_IDEMPOTENT: 'MESH662',
  /** A scheduled job's egress to the API server without addresses, with a malformed range or a catch-all one. */
  JOB_API_SERVER_EGRESS: 'MESH663',
  /** A per-pod local rate limit that leaves under 1 rps a pod, or whose fewest pods cannot serve the peak. */
  LOCAL_RATE_LIMIT_REPLICAS: 'MESH664',
  /** A gateway's TLS Secret written in a namespace other than the gateway workload's. */
  GATEWAY_SECRET_NAMESPACE: 'MESH665',
  /** A selector on `app: <service>` for a service Flagger releases, which renames that label on the primary's pods. */
  FLAGGER_RENAMED_SELECTOR: 'MESH666',
  /** A notification endpoint (Alertmanager) as a Flagger rollback webhook, a gate that rolls back on every 2xx. */
  FLAGGER_NOTIFICATION_AS_GATE: 'MESH667',
  /** A global rate limit whose rate-limit service is not declared deployed: its filter would limit nothing. */
  GLOBAL_RATE_LIMIT_WITHOUT_SERVICE: 'MESH668',
} as const;

/** One of the stable codes. */
export type Code = (typeof Codes)[keyof typeof Codes];
