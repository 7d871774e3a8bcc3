/**
 * A rule of an `EdgeGateway` that answers the client itself, without a service: a redirect of a retired URL
 * ({@link EdgeGateway.redirect}) or a direct response, a maintenance page or `/robots.txt` ({@link EdgeGateway.respond}).
 * Istio's HTTPRedirect and HTTPDirectResponse, written in the gateway's VirtualService ahead of its routes.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRedirect
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPDirectResponse
 */
import { Construct } from 'constructs';
import { Codes } from '../../core/codes';
import { formatProblem } from '../../core/errors';
import type { IntendedFlow } from '../../core/flow';
import type { HttpMatchOptions } from '../../graph/traffic/http-route';
import { httpRouteProblems } from '../../graph/traffic/route-checks';
import { addProblems } from '../../private/construct-problems';
import { isPathPrefix, pathPrefixSample } from './path-prefix';
import type { Problem } from '../../core/problem';

/** The requests a gateway answers itself, and where its rule goes. */
export interface GatewayAnswerMatchOptions {
  /**
   * The hosts answered, among the gateway's (`*` allowed).
   * @default - every host of the gateway's servers
   */
  readonly hosts?: string[];
  /**
   * The requests answered, by path, as a route's `pathPrefix`: `/` every path, `/old-cart/` the paths under it, `/robots.txt`
   * that path and the paths under it. Not with `match`.
   * @default '/' - every request of the hosts
   */
  readonly pathPrefix?: string;
  /**
   * The requests answered, as full HTTP matches (uri, method, headers, ...), any of which matches; not with `pathPrefix`.
   * @default - the path prefix
   */
  readonly match?: HttpMatchOptions[];
  /**
   * The VirtualService the rule goes in, as a route's: rules naming one VirtualService share it and its hosts. The gateway's
   * answers come first in it, in the order they were added, then its routes: a route of `/` would otherwise take every
   * request first (Istio tries the rules in order, the first match wins).
   * @default - the gateway's name
   */
  readonly virtualServiceName?: string;
}

/** Where a redirect sends the client: each field given replaces the request's own. */
export interface GatewayRedirectTarget {
  /**
   * The path of the new location: the whole path, whatever prefix matched (`/cart/`).
   * @default - the request's
   */
  readonly uri?: string;
  /**
   * The authority (host) of the new location.
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
}

/** The redirect codes a gateway answers with. */
export type GatewayRedirectStatus = 301 | 302 | 303 | 307 | 308;

/** Options of {@link EdgeGateway.redirect}. */
export interface GatewayRedirectOptions extends GatewayAnswerMatchOptions {
  /** The new location; at least one field. */
  readonly to: GatewayRedirectTarget;
  /**
   * The status: 301 or 308 for a URL retired for good (308 keeps the method and body), 302, 303 or 307 for a while.
   * @default 301
   */
  readonly status?: GatewayRedirectStatus;
}

/** Options of {@link EdgeGateway.respond}. */
export interface GatewayRespondOptions extends GatewayAnswerMatchOptions {
  /** The status, 200 to 599 (a maintenance page's 503, `/robots.txt`'s 200). */
  readonly status: number;
  /**
   * The body, at most 1 MiB (istiod refuses more and warns over 100 KiB: a large body weighs on the configuration of every
   * gateway pod).
   * @default - none
   */
  readonly body?: string;
}

/** What a {@link GatewayAnswer} is created with, worked out by its gateway. @internal */
export interface GatewayAnswerProps {
  readonly hosts: readonly string[];
  readonly virtualServiceName: string;
  readonly redirect?: GatewayRedirectOptions;
  readonly respond?: GatewayRespondOptions;
}

const REDIRECT_CODES: readonly number[] = [301, 302, 303, 307, 308];

/**
 * A gateway's redirect or direct response, as `EdgeGateway.redirect()` and `respond()` return it: the construct
 * warnings about it are acknowledged on. An answer that opens a VirtualService holds it (`node.defaultChild`).
 */
export class GatewayAnswer extends Construct {
  /** The hosts answered. */
  public readonly hosts: readonly string[];
  /** The VirtualService the rule is in. */
  public readonly virtualServiceName: string;
  /** The path prefix; undefined when the rule has full matches. */
  public readonly pathPrefix?: string;
  /** The full matches, when given. */
  public readonly match?: readonly HttpMatchOptions[];
  /** The redirect's new location, for a redirect. */
  public readonly redirectTo?: GatewayRedirectTarget;
  /** The status answered: the redirect's code or the response's status. */
  public readonly status: number;
  /** The direct response's body, when given. */
  public readonly body?: string;

  /** @internal Created by `EdgeGateway.redirect()` or `respond()`. */
  public constructor(scope: Construct, id: string, props: GatewayAnswerProps) {
    super(scope, id);
    const o: GatewayAnswerMatchOptions = props.redirect ?? props.respond ?? {};
    this.hosts = Object.freeze([...props.hosts]);
    this.virtualServiceName = props.virtualServiceName;
    this.match = o.match ? Object.freeze([...o.match]) : undefined;
    this.pathPrefix = o.match ? o.pathPrefix : o.pathPrefix ?? '/';
    this.redirectTo = props.redirect && { ...props.redirect.to };
    this.status = props.redirect ? props.redirect.status ?? 301 : props.respond!.status;
    this.body = props.respond?.body;
    addProblems(this, () => this.problems());
  }

  /** Whether the rule redirects (else it answers directly). */
  public get isRedirect(): boolean {
    return this.redirectTo !== undefined;
  }

  private problems(): (string | Problem)[] {
    const out: (string | Problem)[] = [];
    const bad = (message: string) => out.push(formatProblem(Codes.GATEWAY_ANSWER_INVALID, message));
    if (this.match && this.pathPrefix !== undefined) bad('pathPrefix: give a path prefix or full matches, not both');
    if (this.pathPrefix !== undefined && !isPathPrefix(this.pathPrefix)) {
      bad(`pathPrefix: '${this.pathPrefix}' must be '/', a path ending in '/' or a path of segments; match other requests with \`match\``);
    }
    if (this.match?.length === 0) bad('match: give at least one match, or a pathPrefix');
    else if (this.match) out.push(...httpRouteProblems('match', { match: [...this.match], directResponse: { status: 200 } }));
    const to = this.redirectTo;
    if (to) {
      // istiod's validateHTTPRedirect: a redirect changes the uri, authority, scheme or port; its code is 3xx; the scheme http or https.
      if (to.uri === undefined && to.authority === undefined && to.scheme === undefined && to.port === undefined) {
        bad('to: a redirect must change the uri, authority, scheme or port');
      }
      if (to.uri !== undefined && !to.uri.startsWith('/')) bad(`to.uri: '${to.uri}' is a path, which starts with '/'`);
      if (to.scheme !== undefined && to.scheme !== 'http' && to.scheme !== 'https') bad(`to.scheme: '${to.scheme}' is not http or https`);
      if (to.port !== undefined && !(Number.isInteger(to.port) && to.port >= 1 && to.port <= 65535)) {
        bad(`to.port: ${to.port} is not a port (1-65535)`);
      }
      if (!REDIRECT_CODES.includes(this.status)) bad(`status: ${this.status} is not a redirect code (${REDIRECT_CODES.join(', ')})`);
      const dropped = droppedPathWarning(this.pathPrefix, this.match, to.uri);
      if (dropped) out.push(dropped);
    } else {
      // istiod's validateHTTPDirectResponse admits 200-600; Envoy refuses 600 (DirectResponseAction.status < 600).
      if (!(Number.isInteger(this.status) && this.status >= 200 && this.status <= 599)) {
        bad(`status: ${this.status} is not an HTTP status from 200 to 599`);
      }
      if (this.body !== undefined && Buffer.byteLength(this.body, 'utf8') > 1024 * 1024) {
        bad('body: a direct response\'s body is at most 1 MiB (istiod refuses more)');
      }
    }
    if (this.hosts.length === 0) out.push(formatProblem(Codes.GATEWAY_HOSTS, 'hosts: a rule needs at least one host'));
    return out;
  }

  /**
   * The answer's intended flow: a client outside requests the first host (a concrete name under a wildcard; none for `*`) on the
   * server that serves it, at a path the rule takes, and the gateway answers with the status.
   * @internal
   */
  public _flow(server: AnsweringServer | undefined, host: string | undefined, gatewayName: string): IntendedFlow[] {
    const m = this.match?.[0];
    if (!server || !host) return [];
    if (m && Object.entries(m).some(([k, v]) => v !== undefined && k !== 'uri' && k !== 'method')) return [];
    if (m?.uri?.kind === 'regex') return [];
    const path = m?.uri ? m.uri.value : pathPrefixSample(this.pathPrefix ?? '/');
    const method = m?.method ?? 'GET';
    const what = this.redirectTo
      ? `redirects it (${this.status}) to ${[this.redirectTo.scheme && `${this.redirectTo.scheme}://`, this.redirectTo.authority,
        this.redirectTo.port && `:${this.redirectTo.port}`, this.redirectTo.uri].filter(Boolean).join('')}`
      : `answers it (${this.status})`;
    return [{
      source: server.client ?? { external: true }, host, port: server.number, protocol: server.protocol, method, path,
      expect: 'answer', answerStatus: this.status, constructPath: this.node.path,
      description: `${gatewayName} ${what}: ${method} ${server.protocol.toLowerCase()}://${host}:${server.number}${path}`,
    }];
  }
}

/**
 * MESH272 (warning): a redirect to a `uri` of the paths under a directory prefix (`pathPrefix: '/fw/'`, or a match's uri prefix
 * ending in '/', other than `/` alone) sends each of them to that one path: Istio's HTTPRedirect.uri "overwrite[s] the Path portion
 * of the URL with this value. Note that the entire path will be replaced, irrespective of the request URI being matched as an exact
 * path or prefix" (https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRedirect; istiod writes it as
 * Envoy's `path_redirect`: istio/istio pilot/pkg/networking/core/route/route.go, ApplyRedirect). A prefix rewrite on a redirect
 * (Envoy's `prefix_rewrite`, HTTPRedirect.prefixRewrite) comes with Istio 1.31, after the releases the library targets. A path
 * prefix without a trailing slash (`/old-cart`) names one page, whose subpaths follow it, and `/` every request, as a page moved
 * whole: neither is reported.
 */
function droppedPathWarning(
  pathPrefix: string | undefined, match: readonly HttpMatchOptions[] | undefined, uri: string | undefined,
): Problem | undefined {
  if (uri === undefined) return undefined;
  const directory = (p: string | undefined) => p !== undefined && p !== '/' && p.endsWith('/');
  const prefix = directory(pathPrefix) ? pathPrefix
    : match?.map((m) => (m.uri?.kind === 'prefix' ? m.uri.value : undefined)).find(directory);
  if (prefix === undefined) return undefined;
  return {
    code: Codes.GATEWAY_REDIRECT_DROPS_PATH, field: 'to.uri', severity: 'warning',
    message: `every request under ${prefix} is redirected to ${uri} itself, the rest of its path dropped (${prefix}a/b.bin to ${uri}): `
      + "Istio's HTTPRedirect.uri replaces the entire path, whatever prefix matched, and Istio 1.24 and 1.30 have no prefix rewrite "
      + `for a redirect; serve the old paths with a route's rewrite (route(service, { pathPrefix: '${prefix}', rewrite: { uri: '${uri}' } })), `
      + 'redirect each old path by an exact match, or acknowledge this where one page is meant',
  };
}

/**
 * The gateway server that answers a host's requests, as an answer's intended flow needs it: its port, its protocol and the
 * client outside (one presenting a certificate where the server requires one).
 * @internal
 */
export interface AnsweringServer {
  readonly number: number;
  readonly protocol: 'HTTP' | 'HTTPS';
  readonly client?: { readonly external: true; readonly clientCertificate?: { readonly subjectAltName?: string } };
}
