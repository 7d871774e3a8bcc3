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
  /** A call to a service that is not part of the app (a service of another App, or no MeshService). */
  UNKNOWN_SERVICE: 'MESH019',
  /** A duplicate subset, port or route name within one service. */
  DUPLICATE_ENTRY: 'MESH020',
  // Workloads, versions and routes: MESH021-MESH059.
  /** An environment variable name the API server refuses (`[-._a-zA-Z][-._a-zA-Z0-9]*`), or one given twice. */
  INVALID_ENV: 'MESH021',
  /** A volume that is declared twice, has no valid name, or whose source is empty. */
  INVALID_VOLUME: 'MESH022',
  /** A mount of a volume the workload does not declare, or over `/`, `/tmp` or a relative path. */
  INVALID_MOUNT: 'MESH023',
  /** A probe on a port the container does not expose, or with thresholds Kubernetes rejects. */
  INVALID_PROBE: 'MESH024',
  /** Two versions of one service with one name, or a version that is also the service's own. */
  DUPLICATE_VERSION: 'MESH025',
  /** A subset name that is not a DNS-1123 label. */
  INVALID_SUBSET_NAME: 'MESH026',
  /** A regular expression that RE2 (Envoy's engine, Go's syntax) rejects. */
  INVALID_REGEX: 'MESH027',
  /**
   * A route that redirects or answers directly and also names destinations or a fault, which the VirtualService cannot show (they
   * are dropped); every other combination of actions is istiod's rule over the manifests (MESH160).
   */
  CONFLICTING_ROUTE_ACTION: 'MESH028',
  /**
   * Not reported since the statuses are checked once, over the rendered VirtualService (MESH160, MESH190); kept so that an
   * acknowledgement or a pipeline naming it still compiles.
   * @deprecated the statuses are MESH160 (what istiod refuses) and MESH190 (600, which Envoy refuses)
   */
  INVALID_RESPONSE_STATUS: 'MESH029',
  /** A TCP or TLS route on an HTTP port, or HTTP route settings on a service with no HTTP port. */
  ROUTE_PROTOCOL_MISMATCH: 'MESH030',
  /** A route that can never match: an earlier route matches every request it would. */
  UNREACHABLE_ROUTE: 'MESH031',
  /** A call to, or a route or release of, a workload that has no Service. */
  NO_SERVICE: 'MESH032',
  /** An init container, annotation or pod label the API server or Istio rejects. */
  INVALID_POD_SETTING: 'MESH033',
  /** An SLO on a service with no HTTP or gRPC port, which has no request metrics to measure. */
  SLO_WITHOUT_REQUEST_METRICS: 'MESH034',
  /** An external service (ServiceEntry) with invalid hosts, ports, addresses or TLS origination. */
  INVALID_EXTERNAL_SERVICE: 'MESH035',
  /** An external service with DNS resolution and a host Envoy cannot resolve (a wildcard). */
  UNRESOLVABLE_EXTERNAL_HOST: 'MESH036',
  /** A call to an external service no chart of the app defines, or on a port it does not have. */
  UNKNOWN_EXTERNAL_SERVICE: 'MESH037',
  /** A call from another namespace to a service whose exportTo hides it from the caller's namespace. */
  NOT_EXPORTED_TO_CALLER: 'MESH038',
  /** A loosening of the hardened pod without a reason, excused twice, or whose annotation names no container or nothing loosened. */
  INVALID_HARDENING_EXCEPTION: 'MESH040',
  /** A capability that is not a Linux capability as Kubernetes takes it (`NET_BIND_SERVICE`), or `ALL` added. */
  UNKNOWN_CAPABILITY: 'MESH041',
  /**
   * A call to a port the service does not expose, to a container port no Service port reaches, or with HTTP methods or paths on a
   * TCP port; an admission of a caller from outside the app with methods or paths where it reaches no HTTP port.
   */
  INVALID_CALL_PORT: 'MESH042',
  /** A container port declared twice in one pod, or a Service target port no container of the pod declares. */
  CONTAINER_PORT_CONFLICT: 'MESH043',
  /** A volume claim template without a mount, or with an invalid name, size, access mode or storage class. */
  INVALID_VOLUME_CLAIM: 'MESH044',
  /** A StatefulSet of more than one replica, each with claims of its own, that does not say how its image replicates (warning). */
  STATEFUL_REPLICAS_UNREPLICATED: 'MESH045',
  /**
   * A Service type, annotation, label or port that its type does not allow (a headless port that
   * retargets, a NodePort out of range, an external Service on a STRICT mTLS port).
   */
  INVALID_SERVICE_EXPOSURE: 'MESH046',
  /**
   * A cdk8s-plus workload that cannot be meshed as it is: no ServiceAccount of its own, another
   * chart or namespace, an `app` label of another name, ports Istio cannot classify.
   */
  WORKLOAD_NOT_MESHABLE: 'MESH047',
  /** A nodeSelector, toleration, affinity, topology spread or priority class Kubernetes rejects. */
  INVALID_SCHEDULING: 'MESH048',
  /** A second version, canary or blue/green release of a StatefulSet or of a workload meshed as it is. */
  SINGLE_VERSION_WORKLOAD: 'MESH049',
  /**
   * A container image the kubelet cannot parse (InvalidImageName): empty, with whitespace, an
   * upper-case repository path, a bad tag or digest (github.com/distribution/reference).
   */
  INVALID_IMAGE: 'MESH050',
  /**
   * Warning: an official image the checks know (postgres, mysql, mongo, rabbitmq, redis) run as
   * a user other than its own while it keeps its data on a claim.
   */
  OFFICIAL_IMAGE_USER: 'MESH051',
  /**
   * An official image the checks know that cannot start in its pod: a directory it writes as it
   * starts on the read-only root filesystem or a read-only volume, postgres's PGDATA a mount point.
   */
  OFFICIAL_IMAGE_CANNOT_START: 'MESH052',
  /**
   * An image the checks know whose server switches, as it starts, to the user its own configuration names (edoburu/pgbouncer's
   * generated pgbouncer.ini: `user = postgres`, UID 70), run as another user who is not root: setgid and setuid fail and it exits.
   */
  IMAGE_SWITCHES_USER: 'MESH244',
  /**
   * An authorization rule names another team's service whose pods run no sidecar (`RemoteService` `sidecar: false`) as a caller
   * (`from: [{ services }]`): its calls arrive in plaintext, with no mTLS identity, so its principal matches none of them.
   */
  REMOTE_SERVICE_WITHOUT_IDENTITY: 'MESH245',
  /**
   * A probe on the management port of an image the checks know whose endpoint it asks is off (Keycloak's /health on 9000 without
   * `KC_HEALTH_ENABLED=true`): it fails at every period, so the pod never becomes ready (or is restarted for ever).
   */
  MANAGEMENT_PROBE_DISABLED: 'MESH246',
  /**
   * Warning: a pod's `prometheus.io` scrape of the management port of an image the checks know whose metrics are off (Keycloak's
   * /metrics on 9000 without `KC_METRICS_ENABLED=true`): the scrape finds nothing, and the service's own metrics are missing.
   */
  MANAGEMENT_SCRAPE_DISABLED: 'MESH247',
  /**
   * A workload's `vault` (`VaultAgent.of`) the injector cannot honour: no role, no secret, a secret's name that cannot name its
   * annotation or file, a port Vault's Service lacks; or injector annotations written by hand beside it.
   */
  INVALID_VAULT_AGENT: 'MESH248',
  /**
   * A Service port declared plaintext HTTP (http, http2, grpc) that targets the HTTP port of an image the checks know serves HTTPS
   * there (Elasticsearch 8's 9200 after its security auto-configuration): the sidecar forwards plaintext, which the server refuses.
   */
  IMAGE_SERVES_HTTPS: 'MESH249',
  /**
   * Warning: a Job's or CronJob's pods certainly get an injected istio-proxy that runs as an ordinary container (neither their
   * `sidecar.istio.io/nativeSidecar` annotation nor the platform's `istio.nativeSidecars` makes it a native sidecar): it keeps
   * running after the job's containers exit, so the pods never complete and the Job never succeeds.
   */
  JOB_SIDECAR_NEVER_EXITS: 'MESH053',
  /**
   * A route, service, gateway route or tier both `streaming` (no route timeout) and given a `timeout`: one
   * of them is a mistake.
   */
  STREAMING_WITH_TIMEOUT: 'MESH054',
  /**
   * Warning: a gateway route given a `timeout` to a service whose calls are streams (`streaming`): Envoy ends each stream
   * through that gateway when the timeout expires.
   */
  GATEWAY_TIMEOUT_CUTS_STREAMS: 'MESH055',
  /**
   * A HorizontalPodAutoscaler whose scaleTargetRef names a Deployment, StatefulSet or ReplicaSet the manifests do
   * not hold, though they hold that namespace's workloads of that kind: it never scales anything.
   */
  AUTOSCALER_TARGET_NOT_FOUND: 'MESH056',
  /** More rate-limit domains on one gateway than Envoy's ratelimit filter has stages (0 to 10), one a domain. */
  RATE_LIMIT_STAGES_EXHAUSTED: 'MESH057',
  // Construct placement and internal invariants: MESH070-MESH079.
  /** A construct that needs a MeshChart (its namespace, platform and security) placed outside one. */
  NOT_IN_MESH_CHART: 'MESH070',
  /** An output file outside the environment's folder, not a `.yaml` file, or added twice. */
  INVALID_OUTPUT_FILE: 'MESH071',
  /**
   * Something the types rule out happened (a service without its Deployment or ServiceSecurity, an unknown environment, an unexpected
   * answer from git): a bug to report.
   */
  INTERNAL_INVARIANT: 'MESH072',
  /** A second TierDefaults in one scope. */
  DUPLICATE_TIER_DEFAULTS: 'MESH073',
  // The platform: presets and snapshots of the cluster, MESH080-MESH089.
  /** A platform file or set of manifests that is not a snapshot of the cluster (nor, for `--platform`, a map of platform components). */
  PLATFORM_NOT_A_SNAPSHOT: 'MESH080',
  /** A platform component the snapshot lacks (no Service or Deployment where the platform says it runs). */
  PLATFORM_COMPONENT_MISSING: 'MESH081',
  /** A preset or prop that the snapshot of the cluster contradicts (a ServiceAccount, labels, a port). */
  PLATFORM_CONTRADICTED: 'MESH082',
  /** A component the snapshot holds without what the platform needs (its Service selects no pod or has no port for the protocol). */
  PLATFORM_COMPONENT_INCOMPLETE: 'MESH083',
  /** A platform component whose Service selector or Gateway selector does not select its own pods. */
  PLATFORM_SELECTOR_MISMATCH: 'MESH084',
  /** A route bound to a platform Gateway the platform does not describe (`EdgeGateway.fromPlatform`). */
  PLATFORM_GATEWAY_UNKNOWN: 'MESH085',
  /**
   * A platform given to the command line (`--platform`, what the cluster runs) that contradicts the one an environment's Namespace
   * records (what synth assumed): a gateway namespace, a pod label, a ServiceAccount, a selector, the trust domain.
   */
  PLATFORM_RECORD_CONTRADICTED: 'MESH086',
  /** A platform address (the API server's endpoints, the DNS cache's) in a documentation range: a placeholder for the cluster's own. */
  PLATFORM_PLACEHOLDER_ADDRESS: 'MESH090',
  /** A warning acknowledged without a reason. */
  ACKNOWLEDGEMENT_WITHOUT_REASON: 'MESH060',
  /** An acknowledgement of a code that is not a warning (errors cannot be acknowledged). */
  ACKNOWLEDGED_NOT_A_WARNING: 'MESH061',
  /** An acknowledged warning that no longer occurs under the construct (warning). */
  STALE_ACKNOWLEDGEMENT: 'MESH062',
  /** A range given to `Cidr.of` that is not a CIDR, or one that matches every address. */
  INVALID_CIDR: 'MESH067',
  /**
   * A container port that an image the checks know does not listen on, its configuration its own (nginx's 80,
   * nginxinc/nginx-unprivileged's 8080), or listens on for the loopback addresses alone (eclipse-mosquitto 2's local only mode):
   * nothing answers there.
   */
  IMAGE_PORT_NOT_LISTENED: 'MESH065',
  /**
   * Warning: an image the checks know keeps its data directory on an emptyDir (Kafka's default log.dirs on the /tmp emptyDir)
   * while the container mounts a claim, which holds none of it: the data goes with the pod.
   */
  DATA_ON_EMPTY_DIR: 'MESH066',
  /** A consistent-hash load balancer under zone-first locality failover: callers in different zones hash one key to different pods (warning). */
  CONSISTENT_HASH_PER_ZONE: 'MESH064',
  /**
   * A consistent hash by a cookie the application sets itself (JSESSIONID, PHPSESSID...): Envoy sets its own of that name, or
   * a first request's session hashes to another pod (warning).
   */
  HASH_ON_APPLICATION_SESSION_COOKIE: 'MESH068',
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
  /** An autoscaling target the app container cannot reach below its limit (CPU throttled, memory OOM-killed there). */
  AUTOSCALING_TARGET_UNREACHABLE: 'MESH511',
  /** A locality failover order among more than two regions without Istio's zone-first order, which alone can express it. */
  LOCALITY_ORDER_NEEDS_ZONE_FIRST: 'MESH512',
  /** A mesh-internal gateway on the public ingress gateway's pods (or on every gateway pod: no selector). */
  MESH_GATEWAY_ON_PUBLIC_PODS: 'MESH513',
  /**
   * A GlobalRateLimit on a meshed edge proxy's pods (its proxy a sidecar, where an EnvoyFilter of context GATEWAY never applies).
   */
  RATE_LIMIT_ON_SIDECAR: 'MESH514',
  /** Warning: a GlobalRateLimit on the ingress gateway while the chart's services are reached only through an edge proxy. */
  RATE_LIMIT_BYPASSED: 'MESH515',
  /**
   * A GlobalRateLimit whose environment routes nothing through its gateway's pods (no HTTP route of an IngressGateway or
   * EdgeGateway of the chart there, no `virtualHosts`): its route rate limits are scoped to the environment's virtual hosts,
   * so it would limit no request.
   */
  RATE_LIMIT_NO_VIRTUAL_HOST: 'MESH534',
  /**
   * Two EnvoyFilter HTTP_ROUTE patches on the same gateway proxies that merge `rate_limits` of one stage into one virtual host
   * (the same `vhost.name`, or one patch matching every virtual host): the route carries both lists and the stage's ratelimit
   * filter sends both descriptors, so one request counts in both environments (or twice in one).
   */
  RATE_LIMIT_VIRTUAL_HOST_SHARED: 'MESH535',
  /**
   * A warning: a Gateway server that verifies its clients' certificates (MUTUAL, OPTIONAL_MUTUAL) whose credential Secret holds no
   * CA of its own for them, with no Secret `<credentialName>-cacert` beside it: a cert-manager Certificate of the manifests writes
   * it (its `ca.crt` is the issuer's CA, none for an ACME issuer), or a Secret of the manifests lacks `ca.crt`/`cacert`. istiod
   * verifies the clients with that CA, so the gateway admits only clients of the server certificate's issuer, or none.
   */
  GATEWAY_CLIENT_CA_UNSET: 'MESH537',
  /**
   * A warning: a DestinationRule's `portLevelSettings` entry leaves out a field (connectionPool, outlierDetection,
   * loadBalancer, tls) its policy sets: the port gets Istio's default for it, not the policy's (port settings do not inherit).
   */
  PORT_SETTINGS_DROP_POLICY: 'MESH516',
  /**
   * `EdgeGateway.routeTcp` on a server another `routeTcp` routes already: istiod forwards all of a TCP or terminated TLS server's
   * connections to one destination.
   */
  GATEWAY_TCP_SERVER_ROUTED_TWICE: 'MESH517',
  /** A route's destination host has no Service (Istio IST0101, Kiali KIA1101). */
  HOST_NOT_FOUND: 'MESH100',
  /** Two VirtualServices for one host on the mesh gateway (IST0109, KIA1106). */
  DUPLICATE_VIRTUAL_SERVICE_HOST: 'MESH102',
  /** A destination without a port when the Service or ServiceEntry has several (IST0112). */
  DESTINATION_PORT_REQUIRED: 'MESH103',
  /** An HTTP, TCP or TLS rule that can never match: after a match-less rule, or all its matches taken earlier (IST0130). */
  UNREACHABLE_RULE: 'MESH104',
  /** Warning: a Service port whose protocol istiod cannot tell from its name, appProtocol or number (IST0118, KIA0601). */
  PORT_NAME_CONVENTION: 'MESH105',
  /** A principal names a ServiceAccount that does not exist (KIA0106). */
  PRINCIPAL_NOT_FOUND: 'MESH106',
  /** A PeerAuthentication or Sidecar selector matches no workload (IST0101, KIA0004); an AuthorizationPolicy's is MESH691. */
  SELECTOR_MATCHES_NOTHING: 'MESH107',
  /** A DestinationRule sends plaintext to a workload whose PeerAuthentication is STRICT (KIA0207). */
  PLAINTEXT_TO_STRICT: 'MESH108',
  /** Two Sidecars or PeerAuthentications select one workload (IST0110, KIA0002, KIA0003); selector-less ones are MESH145. */
  CONFLICTING_SELECTORS: 'MESH109',
  /** A DestinationRule subset whose labels match no pod template (IST0173, KIA0203). */
  SUBSET_SELECTS_NO_PODS: 'MESH110',
  /** Retries on 5xx, gateway-error or a gRPC status for a route that serves non-idempotent methods (POST, PATCH). */
  RETRY_NON_IDEMPOTENT: 'MESH111',
  /** Two DestinationRules for one host (KIA0201). */
  DUPLICATE_DESTINATION_RULE_HOST: 'MESH113',
  /** A field Istio deprecated or ignores (IST0002). */
  DEPRECATED_FIELD: 'MESH115',
  /** A Gateway whose selector matches no gateway pod (IST0101). */
  GATEWAY_SELECTOR_MATCHES_NOTHING: 'MESH116',
  /** A Gateway server port that no Service in front of the gateway pods exposes (IST0162). */
  GATEWAY_PORT_NOT_ON_SERVICE: 'MESH117',
  /** A Gateway credentialName with no Secret in the gateway pods' namespace (IST0101). */
  GATEWAY_CREDENTIAL_NOT_FOUND: 'MESH118',
  /** A Gateway credential Secret without a certificate and key, or with one that does not parse or is expired (IST0161). */
  GATEWAY_CREDENTIAL_INVALID: 'MESH119',
  /** Two Gateways on the same pods and port claiming one host (IST0145). */
  CONFLICTING_GATEWAYS: 'MESH120',
  /** Plaintext and TLS servers on one port of the same gateway pods: istiod keeps one kind and rejects the other's servers. */
  GATEWAY_PORT_TLS_MIXED: 'MESH143',
  /**
   * Two plaintext servers on one port of the same gateway pods, not both HTTP (two TCP servers of two environments), whatever
   * their hosts: istiod merges only HTTP ones and rejects the later server, whose routes get no listener.
   */
  GATEWAY_PLAINTEXT_PORT_UNMERGEABLE: 'MESH541',
  /** Two VirtualServices bound to one Gateway for one host, a rule of one taking another's requests: istiod merges them in an order nothing fixes. */
  GATEWAY_ROUTES_MERGED: 'MESH144',
  /**
   * A DestinationRule's load balancer (an algorithm, a consistent hash, locality settings) for a headless Service's host: a sidecar's
   * cluster for it sends each request to the address the client dialled, and applies none of it (warning).
   */
  HEADLESS_LOAD_BALANCER: 'MESH148',
  /** A Gateway server that no VirtualService bound to its Gateway routes (by its protocol: http, tls or tcp rules): istiod writes no route for it. */
  GATEWAY_SERVER_UNROUTED: 'MESH196',
  /** A VirtualService bound to a Gateway that does not exist (IST0101). */
  GATEWAY_NOT_FOUND: 'MESH123',
  /** A VirtualService with no host its Gateway serves (IST0132). */
  HOST_NOT_IN_GATEWAY: 'MESH124',
  /** Routing on a JWT claim at a gateway whose pods no RequestAuthentication covers (IST0149). */
  JWT_CLAIM_ROUTE_WITHOUT_AUTHN: 'MESH125',
  /** A VirtualService bound to a Gateway Istio generates from a Kubernetes Gateway (IST0165). */
  INTERNAL_GATEWAY_REFERENCE: 'MESH126',
  /** Two Gateways on the same pods serving the same certificate (IST0138). */
  GATEWAY_DUPLICATE_CERTIFICATE: 'MESH134',
  /** A Sidecar that has no effect: its namespace or selected pods run in ambient mode (IST0167). */
  SIDECAR_IN_AMBIENT: 'MESH121',
  /** A Deployment behind Services that give one port different protocols (IST0116). */
  DEPLOYMENT_MULTIPLE_SERVICES: 'MESH127',
  /** A Deployment behind Services whose different ports target one container port (IST0137). */
  DEPLOYMENT_CONFLICTING_PORTS: 'MESH128',
  /** An AuthorizationPolicy source namespace that matches no Namespace of the set (IST0101). */
  NAMESPACE_NOT_FOUND: 'MESH129',
  /** Two selector-less Sidecars or PeerAuthentications in one namespace (IST0111). */
  MULTIPLE_NAMESPACE_WIDE: 'MESH145',
  /** A destination port the Service or ServiceEntry does not have (IST0101). */
  DESTINATION_PORT_NOT_FOUND: 'MESH122',
  /**
   * A DestinationRule with tls SIMPLE or MUTUAL and no caCertificates: the server is verified against the proxy's whole system CA
   * bundle (IST0128).
   */
  TLS_WITHOUT_CA: 'MESH130',
  /** The same at port level (IST0129). */
  PORT_TLS_WITHOUT_CA: 'MESH131',
  /** A match an earlier rule of the VirtualService always takes first (IST0131). */
  INEFFECTIVE_MATCH: 'MESH132',
  /** A ServiceEntry with TCP (or unset protocol) ports and no addresses (IST0134). */
  SERVICE_ENTRY_ADDRESSES_REQUIRED: 'MESH133',
  /**
   * A gateway route without a subset to a host another VirtualService splits by subsets (IST0140): a hand-written
   * VirtualService's, as the library's gateway routes write the service's subsets.
   */
  INGRESS_SKIPS_SUBSET_RULES: 'MESH135',
  /** An ExternalName Service whose port name does not name a protocol (IST0150). */
  EXTERNAL_NAME_PORT_NAME: 'MESH136',
  /** An EnvoyFilter with a relative patch (INSERT_BEFORE/AFTER, REPLACE, REMOVE) and no priority (IST0151). */
  ENVOY_FILTER_RELATIVE_OPERATION: 'MESH137',
  /** The same, on a filter an earlier EnvoyFilter patched for a proxy version (IST0155). */
  ENVOY_FILTER_RELATIVE_OPERATION_PROXY_VERSION: 'MESH138',
  /** An EnvoyFilter REPLACE on what is not a network filter, HTTP filter or virtual host (IST0152). */
  ENVOY_FILTER_REPLACE: 'MESH139',
  /** An EnvoyFilter ADD on a route configuration or HTTP route (IST0153). */
  ENVOY_FILTER_ADD: 'MESH140',
  /** An EnvoyFilter REMOVE on a route configuration or HTTP route (IST0154). */
  ENVOY_FILTER_REMOVE: 'MESH141',
  /** ServiceEntries visible together that give one host and port different protocols (IST0177). */
  SERVICE_ENTRY_PROTOCOL_CONFLICT: 'MESH142',
  // istiod's validating webhook over manifests: MESH160-MESH199 (and the construct codes of the same checks).
  /** A VirtualService istiod's webhook rejects: route conflicts, retry policies, mirrors, delegates. */
  VIRTUAL_SERVICE_REJECTED: 'MESH160',
  /** A DestinationRule istiod's webhook rejects (duplicate subset names). */
  DESTINATION_RULE_REJECTED: 'MESH161',
  /** A ServiceEntry istiod's webhook rejects: duplicate ports, resolution and address rules. */
  SERVICE_ENTRY_REJECTED: 'MESH163',
  /** A Sidecar istiod's webhook rejects: egress hosts, listener order, duplicate ports. */
  SIDECAR_REJECTED: 'MESH164',
  /** An AuthorizationPolicy istiod's webhook rejects: empty from/to/source/operation, bad ports, CUSTOM limits. */
  AUTHORIZATION_POLICY_REJECTED: 'MESH165',
  /** A PeerAuthentication istiod's webhook rejects (empty or out-of-range port-level mTLS). */
  PEER_AUTHENTICATION_REJECTED: 'MESH166',
  /** A Telemetry istiod's webhook rejects (empty provider names, sampling outside 0-100, empty custom tags, tag override values). */
  TELEMETRY_REJECTED: 'MESH168',
  /** An EnvoyFilter istiod's webhook rejects (a patch without operation, applyTo or value). */
  ENVOY_FILTER_REJECTED: 'MESH169',
  /** A WasmPlugin istiod's webhook rejects (url, sha256, name lengths, env entries, match ports). */
  WASM_PLUGIN_REJECTED: 'MESH170',
  /** Two items of an `x-kubernetes-list-type: map` list with the same keys, or a `set` with a repeated item. */
  LIST_KEY_NOT_UNIQUE: 'MESH171',
  /** An object violates its CRD's openAPIV3Schema (IST0106). */
  SCHEMA_VIOLATION: 'MESH150',
  /** An object fails one of its CRD's x-kubernetes-validations CEL rules. */
  CEL_RULE_VIOLATION: 'MESH151',
  /** No CRD (of the Istio release checked) serves the object's apiVersion and kind; a warning for kinds of unknown groups unless strict. */
  UNKNOWN_KIND: 'MESH152',
  /** A core Kubernetes object violates its schema. */
  CORE_SCHEMA_VIOLATION: 'MESH153',
  /** metadata.name or a label is not what the API server accepts. */
  INVALID_METADATA: 'MESH154',
  /** The CRD directory cannot be found or read. */
  CRD_DIRECTORY_NOT_FOUND: 'MESH155',
  /** A file that is not valid YAML or holds a document that is not a Kubernetes object. */
  UNPARSABLE_MANIFEST: 'MESH156',
  /**
   * Two Envoy ratelimit filters at one stage on the same proxies: each applies every route rate limit
   * of its stage, so each sends the other's descriptors to its own domain (or one domain counts each request twice).
   */
  RATE_LIMIT_FILTERS_SHARE_STAGE: 'MESH157',
  /**
   * Warning: a NodePort or LoadBalancer Service without `externalTrafficPolicy: Local` in front of pods whose
   * NetworkPolicies admit its clients by address only, an address kube-proxy rewrites to a node's.
   */
  EXTERNAL_CLIENT_ADDRESS_REWRITTEN: 'MESH158',
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
  /**
   * A rule plaintext gets past on a workload whose mTLS is not STRICT: principals or namespaces in a DENY,
   * AUDIT or CUSTOM rule, or an ALLOW rule whose source only excludes principals (notPrincipals).
   */
  IDENTITY_WITHOUT_STRICT_MTLS: 'MESH206',
  /** A SecureService retrying on a condition that may send a request twice (5xx and the like). */
  UNSAFE_RETRY: 'MESH207',
  /** A pod that misses a hardening setting (non-root, read-only root FS, no escalation, drop ALL, limits). */
  POD_NOT_HARDENED: 'MESH208',
  /** A pod or container running as UID 1337, which is reserved for the Envoy proxy. */
  RESERVED_UID: 'MESH209',
  /** A JWT rule Istio would reject or that trusts keys over plain HTTP. */
  INVALID_JWT_RULE: 'MESH210',
  /** A headless Service's pods without a sidecar, called from the mesh: Istio always sends them mTLS. */
  HEADLESS_WITHOUT_SIDECAR: 'MESH211',
  /** A container's CPU or memory request above its limit, which the API server rejects. */
  REQUEST_ABOVE_LIMIT: 'MESH212',
  /** A retry condition Envoy does not know, or an empty list of conditions. */
  INVALID_RETRY_CONDITION: 'MESH213',
  /** An HTTP route that neither forwards (no destination), redirects nor answers (directResponse). */
  ROUTE_WITHOUT_DESTINATION: 'MESH214',
  /** A container running as root with every capability dropped and neither SETUID nor SETGID added (warning). */
  ROOT_WITHOUT_SETUID: 'MESH215',
  /**
   * A container under runAsNonRoot with no runAsUser whose image the checks know starts as root (no `USER`: nginx, postgres) or as a
   * user by name (`USER emqx`): the kubelet cannot verify it is not root and refuses to start it (CreateContainerConfigError).
   */
  IMAGE_USER_UNVERIFIABLE: 'MESH260',
  /**
   * Templates mounted for an image's entrypoint to render (nginx's /etc/nginx/templates) where it cannot write their output (the
   * read-only root filesystem's /etc/nginx/conf.d): it skips them and the server starts without the configuration they hold.
   */
  TEMPLATES_NOT_RENDERED: 'MESH261',
  /**
   * A MeshCronJob's or MeshJob's settings the CronJob or Job controller cannot honour: a starting deadline under 10 seconds, an
   * active deadline under one second, a negative backoff limit or history, or a time zone that is not an IANA name.
   */
  INVALID_BATCH_JOB: 'MESH270',
  /**
   * A MeshCronJob or MeshJob named as a service or another job of its namespace: they would share a ServiceAccount (one
   * principal for both) and the `app` label a Service selects its pods by.
   */
  BATCH_JOB_NAME_TAKEN: 'MESH271',
  /**
   * A MeshCronJob or MeshJob on a platform that states a Kubernetes version below 1.29 (`kubernetesVersion`) and not istiod's
   * native sidecars: the job's pods ask for istio-proxy as a native sidecar (`sidecar.istio.io/nativeSidecar: "true"`), which
   * Istio's injector writes whatever the cluster, and where the SidecarContainers feature is off (alpha in 1.28) the API server
   * drops its `restartPolicy: Always`: the proxy becomes an init container that never exits, and the job's pods never start.
   */
  BATCH_JOB_NATIVE_SIDECAR_UNSUPPORTED: 'MESH539',
  /**
   * A warning: an `EdgeGateway.redirect` of the paths under a prefix (`/fw/`) to one `uri`: Istio's HTTPRedirect replaces the
   * whole path, so every path under the prefix is sent to that one path, the rest of it dropped.
   */
  GATEWAY_REDIRECT_DROPS_PATH: 'MESH272',
  /**
   * An `EdgeGateway`'s `virtualServiceName` (by default the gateway's name) that is the name of another construct's VirtualService
   * in its namespace (a service's own, another gateway's): the cluster holds one object of a name, so one would replace the other.
   */
  GATEWAY_VIRTUAL_SERVICE_NAME_TAKEN: 'MESH273',
  /**
   * A service whose SLO lets its requests run longer (its p99 latency) than its sidecar drains on shutdown (`terminationDrainDuration`,
   * Istio's 5s by default): at each rollout or scale-in the proxy exits under the requests still in flight (warning).
   */
  SIDECAR_DRAIN_SHORTER_THAN_REQUESTS: 'MESH280',
  /** A sidecar drain the pod cannot honour: not a whole positive number of seconds, or not shorter than the pod's grace period. */
  SIDECAR_DRAIN_INVALID: 'MESH281',
  /**
   * A streaming service whose pods are given time to close their streams on shutdown (a `terminationGracePeriod`, a
   * `preStopCommand`) while their sidecar keeps Istio's 5s drain: the proxy exits under the open streams (warning).
   */
  STREAM_DRAIN_DEFAULT: 'MESH685',
  /**
   * An `EdgeGateway.redirect` or `respond` the gateway cannot write: a redirect that changes nothing, a status out of its range
   * (301, 302, 303, 307, 308 for a redirect; 200 to 599 for a response), a scheme other than http or https, a port out of
   * 1-65535, a body over 1 MiB, or requests given both as a path prefix and as full matches.
   */
  GATEWAY_ANSWER_INVALID: 'MESH287',
  /**
   * A service without a sidecar (`sidecar.inject: false`) that calls a meshed service which admits no plaintext from its pods on
   * a port the call reaches: its requests carry no mTLS identity, so the ALLOW rule for its principal never matches them (an
   * AuthorizationPolicy `principals` source requires mTLS), and a STRICT port refuses them before any rule.
   */
  PLAINTEXT_CALLER_NOT_ADMITTED: 'MESH293',
  /**
   * A port `admitPlaintext` opens to callers without a sidecar that the service's own `setMtls` makes STRICT (its
   * `portLevelMtls`): STRICT refuses plaintext whatever the AuthorizationPolicy says, so the admission never matches.
   */
  PLAINTEXT_ADMISSION_STRICT: 'MESH294',
  /**
   * An EdgeAuthentication whose paths cover no path a gateway routes to its service (or no gateway routes
   * to it): the routes admit requests without a token.
   */
  EDGE_AUTH_GUARDS_NO_ROUTE: 'MESH216',
  /** A path a gateway routes to a service that an EdgeAuthentication guards on other paths, left open to requests without a token (warning). */
  EDGE_AUTH_ROUTE_UNGUARDED: 'MESH217',
  /**
   * An EdgeAuthentication's jwksUri that names a Service of the app's namespaces which istiod cannot fetch the keys from: no
   * service of the app of that name, a port that is not one of its HTTP ports, or https, which the service's sidecar cannot
   * authorize by path from istiod's pod (it has no sidecar).
   */
  JWKS_SERVICE_UNREACHABLE: 'MESH229',
  /**
   * A meshed pod that asks HashiCorp Vault's agent injector for its secrets before it starts (`vault.hashicorp.com/agent-inject`
   * true, `agent-pre-populate` not false) where istio-proxy would not be a Kubernetes native sidecar: the injected
   * `vault-agent-init` container, appended after the pod's init containers, runs before istio-proxy does, and its login to Vault
   * meets the pod's redirection to Envoy's 15001, where nothing listens yet; the pod never starts.
   */
  VAULT_AGENT_INIT_BEFORE_SIDECAR: 'MESH230',
  /**
   * A pod that asks Vault's agent injector for its secrets and mounts no ServiceAccount token (`automountServiceAccountToken:
   * false`): the injector refuses it ("failed to find service account volume mount"), so the agent never authenticates to Vault.
   */
  VAULT_AGENT_WITHOUT_TOKEN: 'MESH231',
  /**
   * A CUSTOM AuthorizationPolicy whose external authorizer istiod will not know: the provider is named by a string where the app
   * writes istiod's values, whose `meshConfig.extensionProviders` list replaces the install's, so istiod denies every request the
   * policy matches; or two providers of one name, or a provider with an invalid name, service or port.
   */
  EXT_AUTHZ_PROVIDER_UNKNOWN: 'MESH232',
  /**
   * An ExternalService whose calls leave through the egress gateway (`egress: EgressRoute.viaGateway()`) where the platform declares
   * none (`MeshPlatform.of({ egressGateway })`): there is no gateway Service to route to, no pods to admit the callers.
   */
  EGRESS_GATEWAY_UNDECLARED: 'MESH233',
  /**
   * An ExternalService routed through the egress gateway that the gateway cannot carry as written: several or wildcard hosts, a port
   * that is neither plain HTTP nor HTTPS/TLS (TCP), two ports of one kind (the gateway listens on one port per kind), resolution
   * NONE, or mutual TLS origination from a Secret (a rule selecting the callers' pods, which the gateway is not).
   */
  EGRESS_GATEWAY_UNSUPPORTED: 'MESH234',
  /**
   * One host routed through the egress gateway in a way the gateway cannot hold: by two ExternalServices of one namespace (one
   * callers' route and one gateway subset per host there), or by ExternalServices of several environments that differ in what the
   * gateway holds once for the host (its ports, TLS origination, resolution or addresses): istiod keeps one TLS server per host and
   * port of the gateway's pods and the first matching route, and the gateway sees one ServiceEntry and one TLS origination for it.
   */
  EGRESS_GATEWAY_HOST_TWICE: 'MESH235',
  /**
   * An ALLOW rule admits a workload whose Sidecar (its own, its namespace's or the root namespace's) lists no host of the workload
   * the policy selects: the caller cannot reach it (warning).
   */
  RULE_CALLER_CANNOT_REACH: 'MESH218',
  /** An ExternalService's timeout or retries where no VirtualService can carry them: several or wildcard hosts, or no HTTP port. */
  INVALID_EXTERNAL_ROUTE: 'MESH219',
  /**
   * A call to an ExternalService without `addresses` (nor `anyAddress`): the caller's NetworkPolicy lets the port out to any
   * address, 0.0.0.0/0, since it cannot name a DNS host (warning).
   */
  EXTERNAL_EGRESS_ANY_ADDRESS: 'MESH241',
  /**
   * An init container of a meshed pod declares calls where istio-proxy would not be a Kubernetes native sidecar started
   * before it: the platform says neither a Kubernetes version of 1.29 or later (`kubernetesVersion`) nor istiod's native
   * sidecars, or the pod's `sidecar.istio.io/nativeSidecar` annotation says "false". Its connections would meet the pod's
   * iptables redirection (or, with istio-init, leave in plaintext past every mesh policy) before Envoy runs.
   */
  INIT_CONTAINER_CALL_BEFORE_SIDECAR: 'MESH242',
  /** The platform's `kubernetesVersion` is not a Kubernetes minor (`1.29`). */
  PLATFORM_KUBERNETES_VERSION: 'MESH243',
  /**
   * An ALLOW rule narrowed by the client's address (ipBlocks, remoteIpBlocks, a condition on source.ip or remote.ip) whose
   * requests another ALLOW rule on the same workloads admits from any address: the narrowing restricts nothing (warning).
   */
  ADDRESS_NARROWING_VOID: 'MESH240',
  /**
   * An extended resource (a device plugin's `nvidia.com/gpu`) Kubernetes does not take: a name without a domain, in the
   * `kubernetes.io` domain or with the `requests.` prefix, a count that is not a whole number above 0, or one given twice.
   */
  INVALID_EXTENDED_RESOURCE: 'MESH220',
  /** A VM of a VirtualMachineGroup whose address is not one IP address (a CIDR range, a host name, a Unix socket, nothing). */
  VM_ADDRESS_INVALID: 'MESH221',
  /** Two VMs of one service with the same address, or two with the same WorkloadEntry name. */
  VM_DUPLICATE: 'MESH222',
  /**
   * A VM label that clashes with what the group writes: the service's selector label (`app`) with another value, the `version`
   * label (the group's `version` sets it), or `security.istio.io/tlsMode` (the VMs run a sidecar, whose mode is `istio`).
   */
  VM_LABEL_CLASH: 'MESH223',
  /**
   * VMs for a service whose Kubernetes Service cannot select them: none (no ports), a headless one (istiod selects
   * WorkloadEntries for a client-side load-balanced Service only), a Service the team keeps (`existingService`), or a host
   * Flagger releases (its primary's Service selects the primary's pods only).
   */
  VM_SERVICE_CANNOT_SELECT: 'MESH224',
  /** A VirtualMachineGroup `ports` entry for a port the service lacks, or a listening port outside 1-65535. */
  VM_PORT_INVALID: 'MESH225',
  /** A VirtualMachineGroup without VMs, or with a name, network, locality, weight, version, subset or label Kubernetes or Istio refuses. */
  VM_INVALID: 'MESH226',
  /**
   * A service with VMs that calls another team's service (a RemoteService): the callee admits the caller's pods by their labels,
   * which a VM does not have (a NetworkPolicy reaches a VM by its address only), so the VMs' calls are refused there.
   */
  VM_REMOTE_CALL: 'MESH227',
  /**
   * VMs without a sidecar (`sidecar: false`: no identity) behind a meshed service, whose DestinationRule sends Istio mTLS to every
   * endpoint of its host, which such a VM cannot terminate; or under STRICT mTLS on a port of the service, which such a VM,
   * holding no identity, cannot meet as the service's own callers' peer.
   */
  VM_WITHOUT_IDENTITY: 'MESH228',
  /**
   * A host mirrors its requests to another service that one of its callers does not call: the copies leave from that caller's
   * sidecar, whose Sidecar has no host of the mirror and which the mirror's NetworkPolicy and ALLOW policy refuse.
   */
  MIRROR_CALLER_CANNOT_REACH: 'MESH250',
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
  /** A Flagger Canary that mirrors requests to a workload that admits writes (POST, PUT, PATCH, DELETE): each is applied twice (warning). */
  FLAGGER_MIRRORS_WRITES: 'MESH320',
  /**
   * A Flagger Canary's A/B match (`analysis.match[]`) with conditions other than headers and sourceLabels (queryParams, uri,
   * method...) while its `service.match` is set: Flagger merges each analysis entry into the service's matches keeping only its
   * headers and sourceLabels, so the canary's route drops the rest (an entry of query parameters alone sends every request the
   * service matches to the canary).
   */
  FLAGGER_MATCH_DROPPED: 'MESH538',
  /** A fault percentage outside 0-100 or an abort status outside 200-599. */
  FAULT_OUT_OF_RANGE: 'MESH307',
  /** Fault injection in production without the explicit opt-out. */
  FAULT_IN_PRODUCTION: 'MESH308',
  /** A rollback rule's threshold or window out of range. */
  ROLLBACK_RULE_INVALID: 'MESH309',
  /** A scheduled job's kubectl image not pinned by digest (a tag can move or vanish), or its kubectl path not absolute. */
  KUBECTL_IMAGE_NOT_PINNED: 'MESH310',
  /**
   * A fault test whose switch-off cannot be scheduled: a schedule without one minute and hour, a window past midnight or not in whole
   * minutes, a bad time zone.
   */
  FAULT_SCHEDULE_INVALID: 'MESH311',
  /**
   * Two scheduled fault tests of one namespace (in one chart or in several charts of the app) with one name: their CronJobs,
   * ConfigMap, ServiceAccount, Role, RoleBinding, NetworkPolicy and PrometheusRule would be one object each.
   */
  FAULT_TEST_NAME_TAKEN: 'MESH533',
  /**
   * A VirtualService bound to a Gateway routes to the apex host of a Flagger Canary: that traffic goes to the apex Service, which
   * Flagger points at the primary, so the canary's analysis never sees it (warning).
   */
  FLAGGER_GATEWAY_BYPASS: 'MESH312',
  /**
   * A Flagger analysis checks the built-in `request-success-rate` of a gRPC port: it counts non-5xx responses, and a failed gRPC call
   * is an HTTP 200 with a grpc-status, so the check cannot see the canary's errors (warning).
   */
  FLAGGER_GRPC_SUCCESS_RATE: 'MESH313',
  /**
   * A setting of the Service of a service Flagger releases that the apex Service Flagger generates cannot carry (a NodePort or
   * LoadBalancer type, external IPs, session affinity, a UDP port, a discovered port whose number differs from its container port).
   */
  FLAGGER_APEX_NOT_CARRIED: 'MESH314',
  /**
   * The manifests write a Service named as a Flagger Canary's apex that Flagger does not own, with a selector or ports other than
   * Flagger's: every apply points it back at the canary's pods, which Flagger keeps at zero replicas between analyses.
   */
  FLAGGER_APEX_WRITTEN: 'MESH315',
  /**
   * A Flagger Canary's webhook runs a load test from Flagger's load tester against a Service whose policies refuse the load tester's
   * pods: the canary gets no load, its metrics no values, and Flagger rolls the release back (warning).
   */
  FLAGGER_LOAD_TESTER_REFUSED: 'MESH316',
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
  /** A service's own trace sampling that never applies: every source its policy admits is a proxy, which decides first. */
  TRACING_SAMPLING_NEVER_APPLIES: 'MESH408',
  /** A pod's metrics endpoint on no container port, a bad path, without a sidecar, or prometheus.io annotations set by hand. */
  INVALID_APP_METRICS: 'MESH409',
  /**
   * A latency objective or check (an SLO's latency, Flagger's request-duration) on a service whose calls are streams: Istio
   * records a stream's duration when it ends, so the latency measured is how long streams stay open (warning).
   */
  STREAM_LATENCY_MEASURED: 'MESH410',
  /**
   * An SLO on an application's own metrics with a metric name Prometheus's grammar refuses (or a histogram's series, `_bucket`,
   * `_count` or `_sum`, given for its base name), a label matcher whose name is no label name, is reserved (`__`), is one the
   * library selects by (`namespace`, `job`, `pod`, a histogram's `le`), or whose regular expression Go's `regexp` refuses, or
   * an SLO name that is no DNS label.
   */
  INVALID_APP_SLO_METRIC: 'MESH546',
  /**
   * A latency SLO on an application's histogram whose threshold is not one of the bucket bounds it declares (Prometheus cannot
   * count the events under a value between two bounds), or whose bounds, threshold or unit are not usable.
   */
  APP_SLO_THRESHOLD_NOT_A_BUCKET: 'MESH547',
  /** An SLO on an application's own metrics of a service whose pods serve none (no `metrics`): no PodMonitor scrapes them. */
  APP_SLO_METRICS_NOT_SCRAPED: 'MESH548',
  // Flow verification: MESH600-MESH629.
  /** A flow the constructs intend (a declared call, a gateway route, a scrape...) is refused by the rendered manifests. */
  INTENDED_FLOW_REFUSED: 'MESH600',
  /** A flow the constructs mean to be refused is allowed by the rendered manifests. */
  UNINTENDED_FLOW_ALLOWED: 'MESH601',
  /** Two workloads without a declared flow between them can reach each other: no layer refuses. */
  UNDECLARED_PAIR_OPEN: 'MESH602',
  /** A malformed flow or flow option (host, port, method, path, source, trust domain), or a `--flow` that does not parse or names no workload. */
  INVALID_FLOW: 'MESH603',
  /**
   * A recorded call to a service another chart or repository synthesizes (a RemoteService) is
   * refused by the manifests (the callee's admission, or the caller's side), or the callee's
   * namespace is given without its Service; the message names both sides.
   */
  REMOTE_CALL_REFUSED: 'MESH604',
  /**
   * A RemoteService or RemoteCaller that cannot stand for a workload (no ports, no pod labels, a
   * malformed name or label, a port it lacks), or that contradicts the app's own MeshService of that name.
   */
  INVALID_REMOTE_SERVICE: 'MESH605',
  /** A remote-calls record (ConfigMap labelled `mesh.cdk8s.io/record: remote-calls`) of another format or version, or with a malformed entry. */
  INVALID_CALL_RECORD: 'MESH606',
  /** An intended flow that is allowed, but to pods of another service than the one it must reach (`IntendedFlow.reaches`). */
  INTENDED_FLOW_MISROUTED: 'MESH607',
  /**
   * A remote-calls record describes its callee otherwise than the callee's manifests given with it
   * (the Service port, its container port or protocol, pod labels that select none of its pods, its
   * pods' ServiceAccount): the caller's side is written from the record, so its calls to that port
   * are not evaluated until the caller synthesizes again from the callee's current description.
   */
  CALL_RECORD_STALE: 'MESH608',
  /**
   * A workload certainly injected whose NetworkPolicies keep its sidecar from istiod's xDS port: it never becomes ready, so no
   * flow from or to it holds (a hand-written CronJob under a namespace's deny-all, say).
   */
  SIDECAR_NEVER_READY: 'MESH609',
  /**
   * An AuthorizationPolicy `ports` or `notPorts` value that is a Service port of the workloads it selects, not a port of their
   * pods: the sidecar matches the port the pod receives on, so the rule never matches (a warning).
   */
  POLICY_PORT_IS_SERVICE_PORT: 'MESH613',
  /**
   * A NetworkPolicy ingress port that is a Service port of the pods it selects, not a port of theirs: the CNI matches the
   * translated port, so no connection through the Service is admitted (a warning).
   */
  NETWORK_POLICY_PORT_IS_SERVICE_PORT: 'MESH614',
  // The platform, edge routes, cluster-wide objects and flows: MESH630-MESH659.
  /** An ingress route's path prefix is not `/` or a path ending in `/`, or two routes share one. */
  INGRESS_ROUTE_INVALID: 'MESH630',
  /** Two environments of one cluster disagree on a cluster-wide object (the mesh-wide mTLS mode, say). */
  CLUSTER_OBJECT_CONFLICT: 'MESH631',
  /** Environments of one cluster that assume different trust domains or Istio root namespaces (one cluster runs one mesh). */
  MESH_IDENTITY_CONFLICT: 'MESH632',
  /** The platform's Istio release is not a full release (`1.24.6`), which `helm upgrade --version` needs, or not one of its `version`. */
  PLATFORM_ISTIO_RELEASE: 'MESH640',
  /** Mesh-wide STRICT mTLS asked for without the record of the PERMISSIVE stage that found no plaintext client. */
  MESH_WIDE_STRICT_UNSTAGED: 'MESH641',
  /** An edge proxy route to a port the service lacks, or one that does not speak HTTP. */
  EDGE_PROXY_ROUTE_INVALID: 'MESH650',
  /** Two global rate limits that give one domain of a rate-limit service different limits. */
  RATE_LIMIT_DOMAIN_CONFLICT: 'MESH651',
  /** A global rate limit keyed by a request header at the gateway, which a client can set itself (warning). */
  RATE_LIMIT_KEY_CLIENT_HEADER: 'MESH652',
  /** A rate-limit service no global rate limit uses, or a global rate limit given a deployed service and another's address. */
  RATE_LIMIT_SERVICE_MISUSED: 'MESH653',
  // Production review (retries, fault jobs, rate limits, Flagger, gateway secrets): MESH660-MESH689.
  /** An outer route gives up (timeout, or per-try timeout) before the route it calls may answer. */
  RETRY_OUTER_GIVES_UP_FIRST: 'MESH660',
  /** Retries at two hops of a call that serves POST or PATCH, at least one of which may resend a received request. */
  RETRY_STACKED_NON_IDEMPOTENT: 'MESH661',
  /** `retryOn: reset` on a route that serves POST or PATCH: a reset after the request was sent resends it. */
  RETRY_RESET_NON_IDEMPOTENT: 'MESH662',
  /** A scheduled job's egress to the API server without addresses, or with a range no network routes. */
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
  /**
   * A VirtualService route that mirrors requests while it serves a method that is not safe (POST, PUT, PATCH, DELETE): each
   * mirrored write is applied twice.
   */
  MIRROR_SERVES_WRITES: 'MESH669',
  /** A workload beside a Flagger Canary's target whose pods carry the label and value Flagger's `<name>-canary` Service selects. */
  FLAGGER_CANARY_SELECTS_OTHER_PODS: 'MESH670',
  /**
   * A gateway that forwards long-lived client connections (`EdgeGateway.routeTls`, `routeTcp`) to a service whose connection pool
   * caps each gateway pod's connections to it: a client past the cap is refused.
   */
  GATEWAY_CONNECTIONS_CAPPED: 'MESH675',
  /**
   * An HTTP route without timeout (a stream's) to a host whose DestinationRule connection pool caps each proxy's concurrent
   * streams to it below a stream's threshold: the clients past the cap wait, then fail with 503 UO.
   */
  STREAMS_CONNECTION_CAPPED: 'MESH676',
  /**
   * A FlaggerCanary with `delegation` whose service has callers in the mesh: Flagger's delegate VirtualService has no hosts, so
   * their sidecars route them to the apex Service, the primary, and they never meet the canary (warning).
   */
  FLAGGER_DELEGATION_SKIPS_MESH_CALLERS: 'MESH677',
  /**
   * A FlaggerCanary of a service that sets `connectionPool.tcp` of its own: Flagger's Canary schema has no `connectionPool.tcp`,
   * so the DestinationRules Flagger writes cap neither connections nor their connect timeout (warning).
   */
  FLAGGER_DROPS_TCP_POOL: 'MESH682',
  /**
   * A FlaggerCanary webhook to a Service of the cluster that is neither the load tester nor a service of the app: Flagger's
   * plaintext POST from pods without a sidecar is not proved by synth (warning).
   */
  FLAGGER_WEBHOOK_UNVERIFIED: 'MESH683',
  /**
   * A FlaggerCanary that shifts weights over a service hashed for affinity (a ConsistentHash load balancer), without session
   * affinity: Flagger's VirtualService picks the primary or the canary for each request by weight before the hash applies, so
   * one key's requests, and one client's, reach both versions during the analysis (warning).
   */
  FLAGGER_SPLITS_HASHED_SESSIONS: 'MESH684',
  /**
   * A rule of a mesh-only VirtualService that redirects, answers directly or rewrites, for a host a gateway-only VirtualService routes
   * to: the public's requests never meet it (warning).
   */
  MESH_ONLY_ROUTE_ACTION: 'MESH686',
  /**
   * A DestinationRule without a workloadSelector that originates TLS from a Secret (`credentialName`) for the sidecars of its
   * namespace: istiod builds their cluster with no TLS at all, so they send the plaintext on.
   */
  SIDECAR_TLS_CREDENTIAL_UNSELECTED: 'MESH687',
  /**
   * An AUDIT AuthorizationPolicy whose workloads no Telemetry gives an access log: Envoy's RBAC filter in LOG mode only marks the
   * requests it matches (`access_log_hint`), which nothing records without an access log or a telemetry extension that reads
   * it (warning).
   */
  AUDIT_POLICY_RECORDS_NOTHING: 'MESH688',
  // Synth: MESH690-MESH699.
  /** A synth that failed: the problems it lists carry their own codes (MeshSynthError), or MeshCharts with no synth check registered. */
  SYNTH_FAILED: 'MESH690',
  /**
   * A warning: an AuthorizationPolicy that applies to no workload, its selector matching none or, without one, its namespace running
   * none (IST0127 NoMatchingWorkloadsFound, which istioctl analyze reports as a warning; KIA0004).
   */
  AUTHORIZATION_POLICY_MATCHES_NOTHING: 'MESH691',
  /**
   * A warning: an AuthorizationPolicy value (a principal, a host, a `when` value of a header, claim, principal or server name) with
   * more than one `*` or one inside it (`*acme*`, `spiffe://td/ns/a*b`): istiod turns only a single leading or trailing `*` into a
   * suffix or prefix match and reads any other as itself, so the value matches next to nothing.
   */
  AUTHORIZATION_VALUE_WILDCARD_LITERAL: 'MESH695',
  /** A DestinationRule traffic policy istiod's webhook rejects (load balancer, outlier detection, connection pool, TLS, port settings). */
  TRAFFIC_POLICY_REJECTED: 'MESH172',
  /** A duration istiod's webhook rejects that the CRD's CEL rules accept: a fraction of a millisecond (or a negative tcp.idleTimeout). */
  WEBHOOK_DURATION_REJECTED: 'MESH173',
  /** A Telemetry istiod's webhook accepts with a warning: several tracing entries or providers, an empty tag override name. */
  TELEMETRY_UNSUPPORTED: 'MESH174',
  /**
   * A VirtualService header name or value istiod's webhook rejects (match names, Host and ':' operations, control characters, authority
   * rewritten twice).
   */
  HEADER_REJECTED: 'MESH175',
  /** A VirtualService string match istiod's webhook rejects (an empty prefix or regex, a regex over 1024 characters or not RE2). */
  STRING_MATCH_REJECTED: 'MESH176',
  /** Something istiod's webhook admits with a warning (WrapWarning / AppendWarningf in pkg/config/validation). */
  WEBHOOK_WARNING: 'MESH177',
  /** A regex Go's regexp compiles but Envoy refuses in an Istio proxy: an RE2 program over 32768 instructions. */
  REGEX_PROGRAM_TOO_LARGE: 'MESH178',
  /** A host or domain name istiod's webhook rejects (ValidateWildcardDomain, ValidateFQDN, ValidateNamespaceSlashWildcardHostname). */
  INVALID_HOST: 'MESH179',
  /** A port istiod's webhook rejects (ValidatePort: 1-65535; security.ValidatePorts: 0-65535). */
  INVALID_PORT: 'MESH180',
  /** An IP address, CIDR range, bind address or Unix socket istiod's webhook rejects. */
  INVALID_ADDRESS: 'MESH181',
  /** An AuthorizationPolicy condition istiod's webhook rejects (security.ValidateAttribute: unknown key, bad value). */
  INVALID_CONDITION: 'MESH182',
  /** A name istiod's webhook rejects: subset, gateway, port or namespace names, a Gateway's own name. */
  INVALID_REFERENCE_NAME: 'MESH183',
  /** An exportTo list istiod's webhook rejects (validateExportTo). */
  INVALID_EXPORT_TO: 'MESH184',
  /** A protocol istiod does not know (protocol.Parse: Unsupported). */
  INVALID_PROTOCOL: 'MESH185',
  /** A workload selector, targetRef or label set istiod's webhook rejects. */
  INVALID_SELECTOR: 'MESH186',
  /** A route destination weight istiod's webhook rejects: negative, or every weight of several 0. */
  INVALID_WEIGHT: 'MESH187',
  /** An annotation istiod's webhook rejects (istio.io/dry-run where unsupported, the always-reject and internal annotations). */
  REJECTED_ANNOTATION: 'MESH188',
  /** An AuthorizationPolicy method that matches no HTTP method: istiod accepts it, and it never matches. */
  METHOD_NEVER_MATCHES: 'MESH162',
  /** A WorkloadEntry, WorkloadGroup or ProxyConfig istiod's webhook rejects. */
  WORKLOAD_ENTRY_REJECTED: 'MESH167',
  /** An Istio release the validation does not know (--istio-version, istioVersion, MeshPlatform istio.version). */
  UNKNOWN_ISTIO_VERSION: 'MESH189',
  /** An HTTP status istiod's webhook admits (600, in a direct response or a fault's abort) that Envoy refuses in the route configuration. */
  STATUS_ENVOY_REFUSES: 'MESH190',
} as const;

/** One of the stable codes. */
export type Code = (typeof Codes)[keyof typeof Codes];
