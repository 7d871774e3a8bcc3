/**
 * The routes of a host: HTTP routes with their matches and actions, TCP and TLS
 * routes, and the checks istiod's webhook makes on them, with the construct path of
 * each route's contributor.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/
 */
import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { Codes } from '../core/codes';
import { formatProblem } from '../core/errors';
import { HttpMethod, isHeaderName, StringMatch } from '../core/http';
import { dns1123LabelProblem, labelValueProblem } from '../core/names';
import { re2Problem } from '../core/re2';
import { Retries } from '../core/retries';
import { Percentage, Weight } from '../core/weight';
import { durationProblems } from '../private/checks';

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
   * Header matches, keyed by lowercase header name.
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
  /** The status, 200 to 599. */
  readonly status: number;
  /**
   * The body, under 1 MB.
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

/** Requests mirrored (shadowed) to a subset; responses are discarded. */
export interface MirrorOptions {
  /** The subset that receives the copies. */
  readonly subset: string;
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

/** Problems with a fault, each naming its field. */
export function faultProblems(field: string, fault: FaultInjection): string[] {
  const out: string[] = [];
  if (!fault.delay && !fault.abort) out.push(formatProblem(Codes.OUT_OF_RANGE, `${field} needs a delay or an abort`));
  if (fault.delay) out.push(...durationProblems({ [`${field}.delay.fixedDelay`]: fault.delay.fixedDelay }));
  if (fault.abort && (!Number.isInteger(fault.abort.httpStatus) || fault.abort.httpStatus < 200 || fault.abort.httpStatus > 599)) {
    out.push(formatProblem(Codes.OUT_OF_RANGE, `${field}.abort.httpStatus must be from 200 to 599, got ${fault.abort.httpStatus}`));
  }
  return out;
}

function regexProblems(where: string, s: StringMatch | undefined): string[] {
  if (!s || s.kind !== 'regex') return [];
  const p = re2Problem(s.value);
  return p ? [formatProblem(Codes.INVALID_REGEX, `${where}: regex '${s.value}': ${p}`)] : [];
}

/**
 * Problems with one HTTP route's own fields, as istiod's webhook checks them
 * (pkg/config/validation/virtualservice.go validateHTTPRouteConflict and validation.go
 * validateHTTPRewrite, validateHTTPRedirect, validateHTTPDirectResponse in istio/istio).
 */
export function httpRouteProblems(where: string, r: HttpRouteOptions): string[] {
  const out: string[] = [];
  if (r.match.length === 0) out.push(formatProblem(Codes.INVALID_MATCH, `${where} has no match; only the default route may match everything`));
  r.match.forEach((m, i) => {
    const at = `${where} match[${i}]`;
    for (const [kind, map] of [['header', m.headers], ['withoutHeaders header', m.withoutHeaders]] as const) {
      for (const [h, v] of Object.entries(map ?? {})) {
        if (!isHeaderName(h)) out.push(formatProblem(Codes.INVALID_MATCH, `${at}: ${kind} '${h}' must be a lowercase HTTP token`));
        out.push(...regexProblems(`${at}.${kind === 'header' ? 'headers' : 'withoutHeaders'}.${h}`, v));
      }
    }
    for (const [q, v] of Object.entries(m.queryParams ?? {})) {
      if (v.kind === 'prefix') out.push(formatProblem(Codes.INVALID_MATCH, `${at}.queryParams.${q}: Istio matches query parameters exactly or by regex only`));
      out.push(...regexProblems(`${at}.queryParams.${q}`, v));
    }
    out.push(...regexProblems(`${at}.uri`, m.uri));
    for (const [k, v] of Object.entries(m.sourceLabels ?? {})) {
      const p = labelValueProblem(v);
      if (p) out.push(formatProblem(Codes.INVALID_MATCH, `${at}.sourceLabels.${k}: ${p}`));
    }
    if (m.sourceNamespace !== undefined && dns1123LabelProblem(m.sourceNamespace)) {
      out.push(formatProblem(Codes.INVALID_MATCH, `${at}.sourceNamespace: '${m.sourceNamespace}' is not a namespace name`));
    }
    if (m.port !== undefined && !(Number.isInteger(m.port) && m.port >= 1 && m.port <= 65535)) {
      out.push(formatProblem(Codes.OUT_OF_RANGE, `${at}.port must be a whole number from 1 to 65535, got ${m.port}`));
    }
  });
  const forwards = (r.destinations?.length ?? 0) > 0;
  if (r.redirect) {
    if (forwards) out.push(formatProblem(Codes.CONFLICTING_ROUTE_ACTION, `${where}: a redirect cannot also have destinations`));
    if (r.directResponse) out.push(formatProblem(Codes.CONFLICTING_ROUTE_ACTION, `${where}: a redirect cannot also have a directResponse`));
    if (r.rewrite) out.push(formatProblem(Codes.CONFLICTING_ROUTE_ACTION, `${where}: a redirect cannot also rewrite`));
    if (r.fault) out.push(formatProblem(Codes.CONFLICTING_ROUTE_ACTION, `${where}: a redirect cannot also inject faults`));
    const x = r.redirect;
    if (x.uri === undefined && x.authority === undefined && x.scheme === undefined && x.port === undefined) {
      out.push(formatProblem(Codes.CONFLICTING_ROUTE_ACTION, `${where}: a redirect must set uri, authority, scheme or port`));
    }
    if (x.redirectCode !== undefined && !(Number.isInteger(x.redirectCode) && x.redirectCode >= 300 && x.redirectCode <= 399)) {
      out.push(formatProblem(Codes.INVALID_RESPONSE_STATUS, `${where}: redirect.redirectCode ${x.redirectCode} is not a 3xx code`));
    }
  } else if (r.directResponse) {
    if (forwards) out.push(formatProblem(Codes.CONFLICTING_ROUTE_ACTION, `${where}: a directResponse cannot also have destinations`));
    if (r.rewrite) out.push(formatProblem(Codes.CONFLICTING_ROUTE_ACTION, `${where}: a directResponse cannot also rewrite`));
    if (r.fault) out.push(formatProblem(Codes.CONFLICTING_ROUTE_ACTION, `${where}: a directResponse cannot also inject faults`));
  } else if (!forwards) {
    out.push(formatProblem(Codes.UNKNOWN_SUBSET, `${where} has no destination, redirect or directResponse`));
  }
  if (r.directResponse) {
    const s = r.directResponse.status;
    if (!(Number.isInteger(s) && s >= 200 && s <= 599)) {
      out.push(formatProblem(Codes.INVALID_RESPONSE_STATUS, `${where}: directResponse.status must be from 200 to 599, got ${s}`));
    }
    if (r.directResponse.body !== undefined && Buffer.byteLength(r.directResponse.body) >= 1024 * 1024) {
      out.push(formatProblem(Codes.OUT_OF_RANGE, `${where}: directResponse.body must be under 1 MB`));
    }
  }
  if (r.rewrite) {
    const w = r.rewrite;
    if (w.uri !== undefined && w.uriRegexRewrite) out.push(formatProblem(Codes.CONFLICTING_ROUTE_ACTION, `${where}: rewrite may set uri or uriRegexRewrite, not both`));
    if (w.uri === undefined && !w.uriRegexRewrite && w.authority === undefined) {
      out.push(formatProblem(Codes.CONFLICTING_ROUTE_ACTION, `${where}: rewrite must set uri, uriRegexRewrite or authority`));
    }
    if (w.uriRegexRewrite) {
      const p = re2Problem(w.uriRegexRewrite.match);
      if (p) out.push(formatProblem(Codes.INVALID_REGEX, `${where}: rewrite.uriRegexRewrite.match '${w.uriRegexRewrite.match}': ${p}`));
    }
  }
  if (r.fault) out.push(...faultProblems(`${where}: fault`, r.fault));
  out.push(...durationProblems({ [`${where}: timeout`]: r.timeout, [`${where}: retries.perTryTimeout`]: r.retries?.perTryTimeout, [`${where}: corsPolicy.maxAge`]: r.corsPolicy?.maxAge }));
  if (r.corsPolicy && r.corsPolicy.allowOrigins.length === 0) out.push(formatProblem(Codes.INVALID_MATCH, `${where}: corsPolicy.allowOrigins needs at least one origin`));
  for (const o of r.corsPolicy?.allowOrigins ?? []) out.push(...regexProblems(`${where}: corsPolicy.allowOrigins`, o));
  for (const dir of ['request', 'response'] as const) {
    const ops = r.headers?.[dir];
    for (const h of [...Object.keys(ops?.set ?? {}), ...Object.keys(ops?.add ?? {}), ...(ops?.remove ?? [])]) {
      // Envoy cannot modify pseudo-headers or Host (isInternalHeader in istio/istio's validation).
      if (h.startsWith(':') || h.toLowerCase() === 'host') {
        out.push(formatProblem(Codes.INVALID_MATCH, `${where}: headers.${dir}: '${h}' cannot be modified`));
      }
    }
  }
  return out;
}

/** True if every request `b` matches, `a` matches too. */
function stringImplies(a: StringMatch | undefined, b: StringMatch | undefined): boolean {
  if (!a) return true;
  if (!b) return false;
  if (a.kind === 'exact') return b.kind === 'exact' && b.value === a.value;
  if (a.kind === 'prefix') return (b.kind === 'exact' || b.kind === 'prefix') && b.value.startsWith(a.value);
  return b.kind === 'regex' && b.value === a.value;
}

function mapImplies(a: Record<string, StringMatch> | undefined, b: Record<string, StringMatch> | undefined): boolean {
  return Object.entries(a ?? {}).every(([k, v]) => stringImplies(v, b?.[k]));
}

/** True if every request that satisfies `b` also satisfies `a`. */
export function matchImplies(a: HttpMatchOptions, b: HttpMatchOptions): boolean {
  const same = <T>(x: T | undefined, y: T | undefined) => x === undefined || x === y;
  return stringImplies(a.uri, b.uri)
    && same(a.method, b.method)
    && mapImplies(a.headers, b.headers)
    && mapImplies(a.queryParams, b.queryParams)
    && Object.entries(a.withoutHeaders ?? {}).every(([k, v]) => b.withoutHeaders?.[k]?.kind === v.kind && b.withoutHeaders?.[k]?.value === v.value)
    && Object.entries(a.sourceLabels ?? {}).every(([k, v]) => b.sourceLabels?.[k] === v)
    && same(a.sourceNamespace, b.sourceNamespace)
    && same(a.port, b.port)
    && (a.gateways === undefined || (b.gateways !== undefined && b.gateways.every((g) => a.gateways!.includes(g))));
}

/**
 * Routes that can never match, because an earlier route takes every request they
 * would (Envoy tries routes in order and takes the first match), with both routes'
 * contributors.
 */
export function unreachableRouteProblems(routes: readonly Owned<HttpRouteOptions>[]): string[] {
  const out: string[] = [];
  const label = (r: Owned<HttpRouteOptions>, i: number) => `route ${r.value.name ?? i} (from ${r.owner.node.path})`;
  routes.forEach((later, j) => {
    if (later.value.match.length === 0) return;
    for (let i = 0; i < j; i++) {
      const earlier = routes[i];
      if (earlier.value.match.length === 0) continue;
      if (later.value.match.every((b) => earlier.value.match.some((a) => matchImplies(a, b)))) {
        out.push(formatProblem(Codes.UNREACHABLE_ROUTE,
          `${label(later, j)} can never match: ${label(earlier, i)} comes first and takes every request it would`));
        return;
      }
    }
  });
  return out;
}
