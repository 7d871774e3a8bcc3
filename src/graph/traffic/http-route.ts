/**
 * The routes of a host: HTTP routes with their matches and actions, TCP and TLS
 * routes. Their checks are in route-checks.ts.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/
 */
import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { HttpMethod, StringMatch } from '../../core/http';
import type { Protocol } from '../../core/ports';
import { Retries } from '../../core/retries';
import { Percentage, Weight } from '../../core/weight';

/** One destination of a route. */
export interface RouteDestinationOptions {
  /** The subset to send to. */
  readonly subset: string;
  /**
   * The share of the route's traffic; needed when a route has several destinations.
   * @default - all of it
   */
  readonly weight?: Weight;
}

/**
 * Conditions on a request, all of which must hold.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPMatchRequest
 */
export interface HttpMatchOptions {
  /**
   * Header matches, keyed by header name: an RFC 7230 token (Envoy compares names in lowercase), a
   * pseudo-header such as `:authority`, or, on a gateway's route, a JWT claim (`@request.auth.claims.<name>`).
   * @default - any headers
   */
  readonly headers?: Record<string, StringMatch>;
  /**
   * URI match.
   * @default - any URI
   */
  readonly uri?: StringMatch;
  /**
   * Request method.
   * @default - any method
   */
  readonly method?: HttpMethod;
  /**
   * Query parameter matches, keyed by parameter name.
   * @default - any query
   */
  readonly queryParams?: Record<string, StringMatch>;
  /**
   * Headers that must not match (a request without the header, or with another value).
   * @default - none
   */
  readonly withoutHeaders?: Record<string, StringMatch>;
  /**
   * Labels of the calling workload (sidecar callers only).
   * @default - any caller
   */
  readonly sourceLabels?: Record<string, string>;
  /**
   * The calling workload's namespace (sidecar callers only).
   * @default - any namespace
   */
  readonly sourceNamespace?: string;
  /**
   * The service port the request was sent to.
   * @default - any port
   */
  readonly port?: number;
  /**
   * Gateways (`namespace/name`, or `mesh`) the match applies to; a route for requests
   * through an ingress gateway only.
   * @default - every gateway the VirtualService is bound to
   */
  readonly gateways?: string[];
}

/**
 * Rewrites the request before forwarding: the path (exactly, or by an RE2 regex) and the authority.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRewrite
 */
export interface RewriteOptions {
  /**
   * Replaces the matched URI (its matched prefix, for a prefix match).
   * @default - unchanged
   */
  readonly uri?: string;
  /**
   * Rewrites the path by an RE2 regex; not together with `uri`.
   * @default - unchanged
   */
  readonly uriRegexRewrite?: { readonly match: string; readonly rewrite: string };
  /**
   * Replaces the Host/Authority header.
   * @default - unchanged
   */
  readonly authority?: string;
}

/**
 * Answers with a redirect instead of forwarding.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRedirect
 */
export interface RedirectOptions {
  /**
   * The path of the new location.
   * @default - the request's
   */
  readonly uri?: string;
  /**
   * The authority of the new location.
   * @default - the request's
   */
  readonly authority?: string;
  /**
   * The scheme of the new location.
   * @default - the request's
   */
  readonly scheme?: 'http' | 'https';
  /**
   * The port of the new location.
   * @default - the request's
   */
  readonly port?: number;
  /**
   * The status, a 3xx code.
   * @default 301
   */
  readonly redirectCode?: number;
}

/**
 * Answers with a fixed response instead of forwarding.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPDirectResponse
 */
export interface DirectResponseOptions {
  /** The status, 200 to 599 (istiod admits 600, which Envoy refuses: MESH190). */
  readonly status: number;
  /**
   * The body, at most 1 MiB (istiod's limit; it warns over 100 KiB).
   * @default - none
   */
  readonly body?: string;
}

/**
 * Cross-origin resource sharing for the route's responses.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#CorsPolicy
 */
export interface CorsPolicyOptions {
  /** Origins allowed. */
  readonly allowOrigins: StringMatch[];
  /**
   * Methods allowed.
   * @default - none listed
   */
  readonly allowMethods?: HttpMethod[];
  /**
   * Request headers allowed.
   * @default - none listed
   */
  readonly allowHeaders?: string[];
  /**
   * Response headers browsers may read.
   * @default - none listed
   */
  readonly exposeHeaders?: string[];
  /**
   * How long a preflight answer may be cached.
   * @default - not cached by instruction
   */
  readonly maxAge?: Duration;
  /**
   * Whether credentials are allowed.
   * @default - not stated
   */
  readonly allowCredentials?: boolean;
}

/** Header changes in one direction. */
export interface HeaderOperationsOptions {
  /**
   * Headers replaced (or added).
   * @default - none
   */
  readonly set?: Record<string, string>;
  /**
   * Headers appended.
   * @default - none
   */
  readonly add?: Record<string, string>;
  /**
   * Headers removed.
   * @default - none
   */
  readonly remove?: string[];
}

/**
 * Header changes on the request sent upstream and on the response sent back.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#Headers
 */
export interface HeadersOptions {
  /**
   * Changes to the request.
   * @default - none
   */
  readonly request?: HeaderOperationsOptions;
  /**
   * Changes to the response.
   * @default - none
   */
  readonly response?: HeaderOperationsOptions;
}

/**
 * A service of the app that receives a host's mirrored requests (a `MeshService`): a new version that runs as a service of its
 * own, a stateful service's next cluster with its own pods and claims.
 */
export interface MirrorService {
  /** Its name, the host of its Service. */
  readonly name: string;
  /** Its namespace. */
  readonly namespace: string;
  /** Its Service's ports. */
  readonly ports: readonly { readonly port: number; readonly protocol: Protocol }[];
  /** Its host's subsets. */
  readonly traffic: { readonly subsets: readonly { readonly name: string }[] };
}

/** Requests mirrored (shadowed) to a subset; responses are discarded. */
export interface MirrorOptions {
  /** The subset that receives the copies: of the host itself, or of `service` where it is given. */
  readonly subset: string;
  /**
   * Another service of the app that receives the copies, in its `subset`: Istio's mirror may name any host. The copies
   * leave from each caller's sidecar, as the caller (its identity, its Sidecar's hosts, its NetworkPolicy egress), so every
   * caller of the host must call this service too (`caller.calls(service, ...)`), which admits them there; a caller that
   * does not fails synth (MESH250).
   * @default - the host itself
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute (mirror: a Destination)
   */
  readonly service?: MirrorService;
  /**
   * The port of `service` that receives the copies, an HTTP one.
   * @default - the port the mirrored request was sent to, where it is an HTTP port of `service`; else its first HTTP port
   */
  readonly port?: number;
  /**
   * The share of requests copied.
   * @default Percentage.of(100)
   */
  readonly percentage?: Percentage;
}

/** A fixed delay injected into some requests. */
export interface DelayFault {
  /** The delay. */
  readonly fixedDelay: Duration;
  /** The share of requests delayed. */
  readonly percentage: Percentage;
}

/** An HTTP error returned instead of forwarding some requests. */
export interface AbortFault {
  /** The status returned, 200 to 599. */
  readonly httpStatus: number;
  /** The share of requests aborted. */
  readonly percentage: Percentage;
}

/**
 * Faults injected into a host's routes, for resilience tests.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPFaultInjection
 */
export interface FaultInjection {
  /**
   * Delay some requests.
   * @default - no delay
   */
  readonly delay?: DelayFault;
  /**
   * Abort some requests.
   * @default - no abort
   */
  readonly abort?: AbortFault;
}

/**
 * A route taken by requests that match it, ahead of the host's default route. It
 * forwards to `destinations`, or answers with a redirect or a direct response.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute
 */
export interface HttpRouteOptions {
  /**
   * The route's name, shown in Envoy's stats and access logs.
   * @default - none
   */
  readonly name?: string;
  /** Alternatives: a request that satisfies any one of them takes the route. */
  readonly match: HttpMatchOptions[];
  /**
   * Where matching requests go; not with a redirect or direct response.
   * @default - none: the route must redirect or answer directly
   */
  readonly destinations?: RouteDestinationOptions[];
  /**
   * The route's timeout.
   * @default - the service's, else its tier's
   */
  readonly timeout?: Duration;
  /**
   * The route's calls are long-lived streams (gRPC streaming, WebSockets, server-sent events):
   * no timeout, over its service's or tier's; its retries stay (Envoy applies them only before
   * the response starts). Not with `timeout` (MESH054).
   * @default - as its service: no timeout for a `streaming` service, else the timeout
   */
  readonly streaming?: boolean;
  /**
   * The route's retries, over the service's field by field.
   * @default - the service's, else its tier's
   */
  readonly retries?: Retries;
  /**
   * Faults injected into this route only.
   * @default - the host's, if any
   */
  readonly fault?: FaultInjection;
  /**
   * Requests of this route mirrored to a subset.
   * @default - none
   */
  readonly mirror?: MirrorOptions;
  /**
   * Rewrites before forwarding.
   * @default - none
   */
  readonly rewrite?: RewriteOptions;
  /**
   * Answer with a redirect instead of forwarding.
   * @default - forward
   */
  readonly redirect?: RedirectOptions;
  /**
   * Answer with a fixed response instead of forwarding.
   * @default - forward
   */
  readonly directResponse?: DirectResponseOptions;
  /**
   * CORS policy.
   * @default - none
   */
  readonly corsPolicy?: CorsPolicyOptions;
  /**
   * Header changes.
   * @default - none
   */
  readonly headers?: HeadersOptions;
}

/**
 * A route for opaque TCP traffic (a `tcp-`, `mongo-`, `mysql-` or `redis-` port).
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#TCPRoute
 */
export interface TcpRouteOptions {
  /**
   * The service port the connection was made to.
   * @default - every TCP port of the service
   */
  readonly port?: number;
  /**
   * Labels of the calling workload.
   * @default - any caller
   */
  readonly sourceLabels?: Record<string, string>;
  /** Where matching connections go. */
  readonly destinations: RouteDestinationOptions[];
}

/**
 * A route for TLS traffic the mesh does not terminate (a `tls-` or `https-` port), by SNI.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#TLSRoute
 */
export interface TlsRouteOptions {
  /**
   * The service port.
   * @default - every TLS port of the service
   */
  readonly port?: number;
  /** The server names (SNI) matched; each one of the VirtualService's hosts as written (the short service name, or a gateway host). */
  readonly sniHosts: string[];
  /** Where matching connections go. */
  readonly destinations: RouteDestinationOptions[];
}

/** A contribution and the construct that made it. */
export interface Owned<T> {
  readonly owner: IConstruct;
  readonly value: T;
}
