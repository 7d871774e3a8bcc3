/**
 * The vocabulary of flow verification: a request from a source to a destination,
 * and the verdict the rendered manifests give it. The constructs state the flows they intend
 * in these terms; the evaluator (src/validate/flow/) reads manifests only, so a hand-written
 * YAML file gets the same verdict as synth.
 */
import type { HttpMethod } from './http';

/**
 * A pod that takes part in flows but is not in the manifests being checked: the
 * ingress gateway, Prometheus, the tracing collector, Flagger. The platform
 * description produces these from its typed defaults.
 */
export interface FlowWorkload {
  /** A name for messages: `istio-ingressgateway`. */
  readonly name: string;
  /** The pod's namespace. */
  readonly namespace: string;
  /** The pod's labels, as selectors see them. */
  readonly labels: Readonly<Record<string, string>>;
  /** The pod's ServiceAccount: its mTLS principal is `<trustDomain>/ns/<namespace>/sa/<serviceAccount>`. */
  readonly serviceAccount: string;
  /**
   * Whether the pod runs an Envoy sidecar (or is an Envoy, as a gateway is): it then
   * speaks mTLS and its own Sidecar resource, if any, limits its egress.
   */
  readonly meshed: boolean;
  /** The labels of the pod's namespace (`kubernetes.io/metadata.name` is implied). @default {} */
  readonly namespaceLabels?: Readonly<Record<string, string>>;
  /** Container ports by name, for NetworkPolicy named ports. @default {} */
  readonly ports?: Readonly<Record<string, number>>;
  /**
   * The IP addresses the pod is reached at, for NetworkPolicy `ipBlock` peers (the API
   * server's endpoints, an external collector). Pods of the manifests have no known address.
   * @default []
   */
  readonly addresses?: readonly string[];
  /**
   * For a pod reached through its Service (a flow's `target`): the pod port each Service port
   * sends to, where they differ (`{ 9411: 9412 }`). A NetworkPolicy sees the pod's port, after
   * the Service's DNAT. https://kubernetes.io/docs/concepts/services-networking/service/#defining-a-service
   * @default {} - the pod serves each port on the same number
   */
  readonly targetPorts?: Readonly<Record<number, number>>;
}

/** Where a flow starts. */
export type FlowSource =
  /** A pod of the manifests, found by namespace and the value of its `app` label (or its Deployment's name). */
  | { readonly workload: string; readonly namespace: string }
  /** A platform pod described by data. */
  | { readonly platform: FlowWorkload }
  /** A client outside the cluster, entering through an ingress gateway. */
  | { readonly external: true; readonly clientCertificate?: FlowClientCertificate };

/**
 * The certificate an external client presents in its TLS handshake with the ingress gateway. A Gateway server in
 * MUTUAL mode requires one (Envoy's `require_client_certificate`) and, with `subjectAltNames`, one carrying a listed
 * SAN (`match_typed_subject_alt_names`); OPTIONAL_MUTUAL admits a client with or without one.
 * https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings
 */
export interface FlowClientCertificate {
  /**
   * The subject alternative name the certificate carries (a SPIFFE URI, a DNS name).
   * @default - a certificate no `subjectAltNames` list names: admitted only by a server that lists none
   */
  readonly subjectAltName?: string;
}

/** One request. */
export interface Flow {
  /** Who sends it. */
  readonly source: FlowSource;
  /**
   * The init container of the source's pods that sends it (a pod of the manifests): it runs before the pod's containers, so
   * it goes through the pod's sidecar only where istio-proxy is a Kubernetes native sidecar started before it (the pod's
   * `sidecar.istio.io/nativeSidecar: "true"`, or istiod's default); otherwise the flow is refused at its source, since
   * its connections meet the pod's redirection before Envoy runs.
   * @default - the pod's containers
   * @see https://istio.io/latest/docs/setup/additional-setup/cni/#compatibility-with-application-init-containers
   */
  readonly initContainer?: string;
  /**
   * The host the client addresses: a Service's name, `name.namespace`, its FQDN, a
   * ServiceEntry host, or a gateway's public host for an external source.
   */
  readonly host: string;
  /** The port the client addresses (the Service port, or the gateway's port for an external source). */
  readonly port: number;
  /**
   * The platform pod that serves `host`:`port` when it is not in the manifests (the
   * tracing collector, the rate-limit service, the ingress gateway, the API server
   * as a pseudo-workload). Pods of the manifests are found through their Service.
   * @default - found through the manifests
   */
  readonly target?: FlowWorkload;
  /**
   * The workload whose pods the request addresses directly, by pod IP, as Prometheus
   * scrapes a PodMonitor's targets (https://prometheus-operator.dev/docs/developer/
   * getting-started/#using-podmonitors): no Service or route is involved, only the
   * pods' NetworkPolicies and proxy. `host` then only names the flow in messages.
   * @default - the request goes to `host`'s Service
   */
  readonly pods?: { readonly workload: string; readonly namespace: string };
  /**
   * What the client sends. HTTP and GRPC (HTTP/2, `POST /<package.Service>/<Method>`) are
   * routed and authorized on their method, path and headers; TCP is opaque bytes (routed by
   * port, authorized on the connection only: a rule with HTTP-only fields never matches it);
   * TLS, and HTTPS the client encrypts itself, is routed by its SNI on a TLS or HTTPS port and
   * is opaque TCP elsewhere. Through an ingress gateway, HTTPS is the external client's, which
   * the gateway terminates. UDP is sent to the Service's UDP port and no proxy captures it (Istio
   * proxies TCP alone): only the NetworkPolicies at both ends decide, and no gateway carries it.
   * @default - as the destination port's protocol says (UDP for a port number the Service has
   *   over UDP alone; else its `appProtocol`, else its name's prefix: `tcp-amqp` is TCP, `tls-x`
   *   TLS, `grpc` gRPC); HTTP for a port that names none
   * @see https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/
   */
  readonly protocol?: 'HTTP' | 'HTTPS' | 'GRPC' | 'TCP' | 'TLS' | 'UDP';
  /**
   * The server name a TLS client sends (SNI), which TLS routes match.
   * @default - the host
   */
  readonly sni?: string;
  /**
   * The container port of a `target` the request reaches, when it differs from `port` (a
   * Service port 80 in front of a container's 8080): NetworkPolicies see the container port.
   * @default - `port`
   */
  readonly targetPort?: number;
  /** @default 'GET' */
  readonly method?: HttpMethod;
  /** @default '/' */
  readonly path?: string;
  /** Request headers, lower-case names. @default {} */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * The JWT's `iss/sub`, when the request carries a valid token. Each proxy on the way with a
   * RequestAuthentication validates it: one that names no rule of its issuer refuses it (401),
   * one that validates it sets the principal its AuthorizationPolicies read, and removes it
   * unless a rule keeps it (`forwardOriginalToken`). @default - no token
   */
  readonly requestPrincipal?: string;
  /** The JWT's claims, for `when` conditions on `request.auth.claims[...]`. @default {} */
  readonly claims?: Readonly<Record<string, string | readonly string[]>>;
  /**
   * The address of a client outside the cluster (an `external` source), as the ingress gateway's AuthorizationPolicies read it
   * (`ipBlocks`, `remoteIpBlocks`, `source.ip`, `remote.ip`): a gateway that sees the client's address (its Service's
   * `externalTrafficPolicy: Local`, https://kubernetes.io/docs/tutorials/services/source-ip/) sees this one. Policies
   * behind the gateway see the gateway's pod.
   * @default - unknown: a rule that admits addresses admits no such client, a rule that excludes them does not exclude it
   */
  readonly clientAddress?: string;
}

/** The layer whose resource decides a flow. */
export type FlowLayer =
  | 'NetworkPolicy egress'
  | 'NetworkPolicy ingress'
  | 'Sidecar egress'
  | 'routing'
  | 'mTLS'
  | 'RequestAuthentication'
  | 'AuthorizationPolicy'
  | 'no endpoint'
  | 'init container';

/** The resource that decided a verdict. */
export interface FlowDecider {
  readonly layer: FlowLayer;
  /** `AuthorizationPolicy`, `NetworkPolicy`, ... */
  readonly kind: string;
  /**
   * The resource's namespace.
   * @default - none, for a cluster-scoped or missing resource
   */
  readonly namespace?: string;
  /** The resource's name; `(none)` or `(default)` when no resource exists (no Gateway for a host, a mesh default). */
  readonly name: string;
}

/** What happens to a flow. */
export interface FlowVerdict {
  /** Whether the request reaches the destination's application. */
  readonly allowed: boolean;
  /**
   * The resource that refused it (or, for an allowed flow, the last resource that admitted it).
   * @default - none, for an allowed flow no resource restricts
   */
  readonly decidedBy?: FlowDecider;
  /** One sentence: why. */
  readonly reason: string;
  /** The hops the request took (gateway, then the destination), for messages and pictures. */
  readonly hops: readonly string[];
  /**
   * The workloads whose pods the request reaches, each endpoint the route may pick (an allowed flow's).
   * @default - none: it reaches no pod of the manifests (a platform component, an external host), or it is refused
   */
  readonly reached?: readonly FlowWorkloadRef[];
  /**
   * Set when a gateway's VirtualService answers the request itself (a rule's `redirect` or `directResponse`): the status the
   * client gets. Such a flow is not allowed (it reaches no application) and is what an `answer` flow expects.
   * @default - not answered by a route
   */
  readonly answered?: FlowAnswer;
}

/** How a gateway answers a request itself: a redirect's code (Location given by `redirect`) or a direct response's status. */
export interface FlowAnswer {
  /** The HTTP status the client gets (301, 503...). */
  readonly status: number;
  /** Whether a `redirect` (else a `directResponse`) answered. */
  readonly redirect: boolean;
}

/** A workload by namespace and name. */
export interface FlowWorkloadRef {
  /** The namespace. */
  readonly namespace: string;
  /** The workload's name (its Deployment's, StatefulSet's...). */
  readonly workload: string;
}

/**
 * A flow the constructs mean to work (or to be refused), with the construct that
 * stated the intent. Synth fails, naming `constructPath`, when the verdict differs.
 */
export interface IntendedFlow extends Flow {
  /**
   * `allow` for a declared call, a gateway route, a scrape...; `deny` for a flow that must be refused; `answer` for a request
   * a gateway answers itself, with a redirect or a direct response of status `answerStatus` (`EdgeGateway.redirect`, `respond`).
   */
  readonly expect: 'allow' | 'deny' | 'answer';
  /**
   * For an `answer` flow, the status the gateway answers with.
   * @default - any redirect or direct response
   */
  readonly answerStatus?: number;
  /** The construct that stated the intent: `production/order-service`. */
  readonly constructPath: string;
  /** What the flow is, for messages: `order-service calls payment-service POST /api/payments/*`. */
  readonly description: string;
  /**
   * The Service the request must reach, for an allowed flow: each pod it reaches is one that Service selects (a declared
   * call's callee, a gateway route's service; where Flagger releases it, its primary's and canary's pods too). Allowed to
   * another service's pods, the flow fails (MESH607): a VirtualService for the host routed it there.
   * @default - any destination
   */
  readonly reaches?: { readonly namespace: string; readonly service: string };
  /**
   * Other Services whose pods the request may reach besides `reaches`' (a gateway route that shifts a share of its requests
   * to another service: `GatewayRouteOptions.shift`).
   * @default - none
   */
  readonly alsoReaches?: readonly { readonly namespace: string; readonly service: string }[];
}
