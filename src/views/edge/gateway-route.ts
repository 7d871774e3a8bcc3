/**
 * One route of a gateway to a service, the one way every gateway construct routes
 * ({@link EdgeGateway.route}, {@link IngressGateway.route}, {@link MeshGateway.route}), and the
 * one place that lists a service's gateway routes and the paths they admit ({@link gatewayRoutesOf}).
 */
import { Duration } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { Codes } from '../../core/codes';
import { formatProblem } from '../../core/errors';
import { HTTP_PROTOCOLS } from '../../core/ports';
import { streamingContradiction } from '../../core/tier';
import { describeDuration } from '../../core/duration';
import type { Percentage, Weight } from '../../core/weight';
import type { Problem } from '../../core/problem';
import type { HttpMethod } from '../../core/http';
import type { FlowWorkload, IntendedFlow } from '../../core/flow';
import type { ITieredService } from '../../graph/mesh-service-props';
import { ServiceSecurity } from '../../graph/security/service-security';
import type { HeadersOptions, HttpMatchOptions, RewriteOptions } from '../../graph/traffic/http-route';
import { httpRouteProblems } from '../../graph/traffic/route-checks';
import { addProblems } from '../../private/construct-problems';
import { isPathPrefix, pathPrefixPaths, pathPrefixSample } from './path-prefix';
import type { Cidr } from '../../core/cidr';
import { inCidr } from '../../core/cidr';
import { Labels, MANAGED_BY } from '../../core/labels';
import { externalClient, ServerTlsSettings } from './gateway-tls';
import { MeshChart } from '../../graph/mesh-chart';
import { addSourceRangesPolicy, shiftedWeights } from './gateway-route.render';

/**
 * Options of a gateway's route to a service, the same for every gateway; a gateway that cannot
 * honour one fails synth naming it (MESH630).
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute
 */
export interface GatewayRouteOptions {
  /**
   * The requests routed, by path: `/`, every path; a path ending in `/` (`/api/`), the paths under it; or a path without
   * one (`/graphql`), that path and the paths under it (`/graphql`, `/graphql/...`, never `/graphqlx`: Gateway API's
   * PathPrefix, written as an `exact` and a `prefix` match since Istio's prefix is a string prefix). Not with `match`.
   * @default '/' - every request (on an `IngressGateway`, every request no longer prefix takes)
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPMatchRequest
   * @see https://gateway-api.sigs.k8s.io/reference/spec/#pathmatchtype
   */
  readonly pathPrefix?: string;
  /**
   * The requests routed, as full HTTP matches (uri, method, headers, ...), any of which matches;
   * not with `pathPrefix`. An `EdgeGateway`'s routes only: an `IngressGateway` routes by path
   * prefix, longest first, and a `MeshGateway` by the service's own routes.
   * @default - the path prefix
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPMatchRequest
   */
  readonly match?: HttpMatchOptions[];
  /**
   * The service port requests go to. Not on a `MeshGateway`, where the service's own routes apply.
   * @default - the service's first HTTP port
   */
  readonly port?: number;
  /**
   * The subset of the service requests go to, all of them. A gateway-only VirtualService is not the
   * service's: Istio applies at the gateway only the VirtualServices bound to it, so the service's own
   * routes do not apply there. Without a subset the route writes the service's default route itself:
   * its weighted subsets (`setSplit`, a `CanaryRelease`'s phase, a `BlueGreenRelease`'s active side,
   * else the current version's subset) and, ahead of them, its routes by request header alone (a canary
   * phase's `headers`), under this route's match; a route to a host Flagger releases names the host
   * alone (Flagger's own VirtualService splits it: MESH312). Not on a `MeshGateway`.
   * @default - the service's default route: its weighted subsets and header routes
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#VirtualService-gateways
   */
  readonly subset?: string;
  /**
   * How long the gateway waits for the service. Not on a `MeshGateway`, where the service's own
   * route timeout applies.
   * @default - the service's own route timeout (its tier's or its own; none for a `streaming` service)
   */
  readonly timeout?: Duration;
  /**
   * The route's calls are long-lived streams (gRPC streaming, WebSockets, server-sent events): the
   * gateway's route has no timeout. A route to a `streaming` service has none already. Not with
   * `timeout` (MESH054), nor on a `MeshGateway`, where the service's own routes apply.
   * @default - as the service (its `streaming`)
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute
   */
  readonly streaming?: boolean;
  /**
   * The hosts routed, where the gateway serves several. On an `EdgeGateway`, the hosts of its
   * route's VirtualService (`*` allowed); on a `MeshGateway`, hosts the service's own VirtualService
   * answers for as well as its own. Not on an `IngressGateway`, whose one VirtualService serves
   * every public host.
   * @default - an `EdgeGateway`'s: every host of its servers; a `MeshGateway`'s: the service's own host
   */
  readonly hosts?: string[];
  /**
   * The VirtualService the route goes in, on an `EdgeGateway`: routes naming one VirtualService
   * share it and its hosts, in the order they were added. A name another VirtualService of the namespace has (a service's
   * own, another gateway's) fails synth (MESH273).
   * @default - the gateway's name
   */
  readonly virtualServiceName?: string;
  /**
   * A copy of the route's requests for a service of its own (a shadow deployment of the next version, with its own name),
   * sent by the gateway, whose answers it discards (Istio's `mirror` and `mirrorPercentage`): the service admits the
   * gateway as for a route. An `EdgeGateway`'s routes only. The way to shadow the public traffic of a service whose own
   * VirtualService Flagger writes, where a mirror on the service's host would be dropped (MESH306). The copy acts as the
   * request does: a mirror of a route that serves a method that is not safe (POST, PUT, PATCH, DELETE) is a *warning* (MESH669).
   * @default - no mirror
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute (mirror, mirrorPercentage)
   */
  readonly mirror?: GatewayMirror;
  /**
   * Header changes on the route's requests and responses (Istio's `headers`), applied by the gateway: `request.remove`
   * drops a header that only a component the mesh trusts may set before the request enters the mesh, such as a header a
   * service's routes match on (`x-tenant`, which sends a tenant to its own subset: any client could send it otherwise).
   * Headers set from a validated token (`EdgeAuthentication`'s `outputClaimToHeaders`) are removed as well. Not on a
   * `MeshGateway`, where the service's own routes apply (give them `headers` there).
   * @default - no change but the removal of the headers set from a token
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#Headers
   */
  readonly headers?: HeadersOptions;
  /**
   * Only clients from these address ranges reach the route (a payment processor's published callback ranges): an
   * AuthorizationPolicy `<namespace>-<gateway>-<service>-sources` on the gateway's pods, in their namespace, that DENIES the
   * route's hosts and paths to every other client address (`notRemoteIpBlocks`), as Istio's ingress allow list does
   * (https://istio.io/latest/docs/tasks/security/authorization/authz-ingress/). It is enforced at the gateway, the proxy
   * that sees the client: the service behind it sees the gateway's pod, and its ALLOW rule for the gateway admits every
   * client the gateway forwards, so a rule of the service's own narrowed by address (`ServiceSecurity.allow` with
   * `remoteIpBlocks` beside the route's rule) restricts nothing. The gateway must see the client's address: its Service's
   * `externalTrafficPolicy: Local` behind a network load balancer (https://kubernetes.io/docs/tutorials/services/source-ip/),
   * or `numTrustedProxies` behind a proxy that sets X-Forwarded-For; otherwise every request is refused. Synth proves a
   * client of the first range reaches the service and one outside them is refused (MESH600, MESH601). Not on a
   * `MeshGateway`, whose clients are workloads of the mesh, admitted by identity, nor on an `EdgeGateway` on pods of your own
   * (`workload`), whose listeners' ports behind its servers' are not described (MESH630).
   * @default - every client address
   * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source (notRemoteIpBlocks)
   */
  readonly sourceRanges?: Cidr[];
  /**
   * A share of the route's requests sent to another service instead (a strangler fig's new service taking a path over from
   * the monolith, step by step: 10%, then 50%, then a route of its own): the route's destinations and the other service's
   * (each its default route's weighted subsets, as a route without `subset` writes them) weighed in one rule, Istio's
   * weighted `route` across hosts. The other service admits the gateway as for a route, and the route's flow must hold on
   * both services' pods. A whole-number share from 1 to 99 (all of it is a route to that service); the shares of each
   * side's subsets must stay whole numbers (MESH630). An `EdgeGateway`'s routes only; not with `subset` of the other service.
   * @default - every request to the route's service
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRouteDestination (weight)
   */
  readonly shift?: GatewayShift;
  /**
   * The path (or authority) the service receives: `uri` replaces the prefix the route matched (`/api/cart/` to `/`), or the exact
   * path (Istio's `rewrite`, Envoy's `prefix_rewrite`), for every destination of the route (a `shift`'s and a `mirror`'s too).
   * The services admit the gateway on the rewritten paths, which their sidecars read. An `EdgeGateway`'s routes only; `uri`
   * and `authority`, not `uriRegexRewrite` (MESH630), and not with a match on a regex or without a uri.
   * @default - the path as the client sent it
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRewrite
   */
  readonly rewrite?: RewriteOptions;
}

/** The service a gateway route sends a share of its requests to instead of its own. */
export interface GatewayShift {
  /** The service that takes the share: another service than the route's. */
  readonly service: ITieredService;
  /** Its share of the route's requests, a whole percentage from 1 to 99. */
  readonly weight: Weight;
  /**
   * The service port the share goes to.
   * @default - the service's first HTTP port
   */
  readonly port?: number;
}

/** The service a gateway route copies its requests to. */
export interface GatewayMirror {
  /** The service that gets the copies: another service than the route's. */
  readonly service: ITieredService;
  /**
   * The share of the route's requests copied.
   * @default Percentage.of(100)
   */
  readonly percentage?: Percentage;
  /**
   * The service port the copies go to.
   * @default - the service's first HTTP port
   */
  readonly port?: number;
}

/** What a {@link GatewayRoute} is created with, worked out by its gateway. @internal */
export interface GatewayRouteProps {
  /** The gateway, `namespace/name`. */
  readonly gatewayRef: string;
  /** The service requests go to. */
  readonly service: ITieredService;
  /** The options as given. */
  readonly options: GatewayRouteOptions;
  /** The hosts routed, the gateway's defaults worked out. */
  readonly hosts: readonly string[];
  /** The VirtualService the route is in. */
  readonly virtualServiceName: string;
  /** The options this gateway cannot honour, each with why (MESH630 when given). */
  readonly unsupported: Partial<Record<keyof GatewayRouteOptions, string>>;
  /** The gateway's pods, their namespace and labels, where a `sourceRanges` policy selects them. */
  readonly gatewayPods?: {
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
    /**
     * The gateway's HTTP and HTTPS servers as its pods listen for them: the pods' port behind each server's, whether the server
     * terminates TLS there (HTTPS), and its hosts.
     */
    readonly listeners: readonly { readonly port: number; readonly tls: boolean; readonly hosts: readonly string[] }[];
  };
}

const registry = new WeakMap<IConstruct, GatewayRoute[]>();

/**
 * The gateway routes to `service`, in the order they were added, whatever the gateway: the one
 * place that lists them, with the paths each admits (`GatewayRoute.paths`).
 * @internal
 */
export function gatewayRoutesOf(service: IConstruct): readonly GatewayRoute[] {
  return [...(registry.get(service) ?? [])];
}

/**
 * A route of a gateway to a service, as a gateway's `route()` returns it: the construct under the
 * gateway that warnings about it are acknowledged on (`Warnings.of(route)`). On an `EdgeGateway`
 * the route that opens a VirtualService holds it (`node.defaultChild`).
 */
export class GatewayRoute extends Construct {
  /** The gateway, `namespace/name`. */
  public readonly gatewayRef: string;
  /** The service requests go to. */
  public readonly service: ITieredService;
  /** The path prefix; undefined when the route has full matches. */
  public readonly pathPrefix?: string;
  /** The full matches, when given. */
  public readonly match?: readonly HttpMatchOptions[];
  /** The service port, when given. */
  public readonly port?: number;
  /** The subset, when given. */
  public readonly subset?: string;
  /** The timeout, when given. */
  public readonly timeout?: Duration;
  /** Whether the route's calls are streams, when given. */
  public readonly streaming?: boolean;
  /** The hosts routed. */
  public readonly hosts: readonly string[];
  /** The VirtualService the route is in. */
  public readonly virtualServiceName: string;
  /** The service the route copies its requests to, when given. */
  public readonly mirror?: GatewayMirror;
  /** The header changes, when given. */
  public readonly headers?: HeadersOptions;
  /** The service that takes a share of the route's requests instead, when given. */
  public readonly shift?: GatewayShift;
  /** The rewrite of the path or authority, when given. */
  public readonly rewrite?: RewriteOptions;
  /**
   * The paths the service admits the gateway on for this route, as AuthorizationPolicy paths:
   * exact paths as they are, prefixes with a trailing `*`; undefined for every path (the `/`
   * prefix, a regex or a match without a uri).
   */
  public readonly paths?: readonly string[];
  /**
   * The methods the service admits the gateway with for this route: those of its matches, where every match names one (the
   * gateway's VirtualService forwards no other method on the route); undefined for every method.
   */
  public readonly methods?: readonly HttpMethod[];
  /** The client address ranges the gateway lets reach the route, when given. */
  public readonly sourceRanges?: readonly Cidr[];

  /** @internal Created by a gateway's `route()`, which lists it with the gateway's routes. */
  public constructor(scope: Construct, id: string, props: GatewayRouteProps) {
    super(scope, id);
    const o = props.options;
    this.gatewayRef = props.gatewayRef;
    this.service = props.service;
    this.match = o.match ? Object.freeze([...o.match]) : undefined;
    this.pathPrefix = o.match ? o.pathPrefix : o.pathPrefix ?? '/';
    this.port = o.port;
    this.subset = o.subset;
    this.timeout = o.timeout;
    this.streaming = o.streaming;
    this.hosts = Object.freeze([...props.hosts]);
    this.virtualServiceName = props.virtualServiceName;
    this.mirror = o.mirror && { ...o.mirror };
    this.headers = o.headers && { request: o.headers.request && { ...o.headers.request }, response: o.headers.response && { ...o.headers.response } };
    this.shift = o.shift && { ...o.shift };
    this.rewrite = o.rewrite && { ...o.rewrite };
    this.paths = admittedPaths(this.pathPrefix, this.match, this.rewrite?.uri);
    const methods = this.match && this.match.length > 0 && this.match.every((m) => m.method !== undefined)
      ? [...new Set(this.match.map((m) => m.method!))] : undefined;
    this.methods = methods && Object.freeze(methods);
    this.sourceRanges = o.sourceRanges && Object.freeze([...o.sourceRanges]);
    if (this.sourceRanges && this.sourceRanges.length > 0 && props.gatewayPods && !props.unsupported.sourceRanges) {
      const pods = props.gatewayPods;
      const chart = MeshChart.of(this);
      const name = `${chart.namespace}-${props.gatewayRef.split('/')[1]}-${id.replace(/^route-/, '')}-sources`;
      addSourceRangesPolicy(this, 'SourceRanges', { name, namespace: pods.namespace, labels: { [Labels.MANAGED_BY]: MANAGED_BY } },
        () => ({
          selector: pods.labels, hosts: this.hosts, paths: this.paths, sourceRanges: this.sourceRanges ?? [],
          listeners: sourceRangesListeners(pods.listeners, this.hosts),
        }));
    }
    const listed = registry.get(props.service);
    if (listed) listed.push(this);
    else registry.set(props.service, [this]);
    const given = { ...o };
    addProblems(this, () => this.problems(given, props.unsupported));
  }

  private problems(given: GatewayRouteOptions, unsupported: GatewayRouteProps['unsupported']): (string | Problem)[] {
    const out: (string | Problem)[] = [];
    for (const [field, why] of Object.entries(unsupported)) {
      const value = given[field as keyof GatewayRouteOptions];
      // '/' is every path, which a gateway that takes no prefix routes anyway.
      if (why && value !== undefined && !(field === 'pathPrefix' && value === '/')) {
        out.push(formatProblem(Codes.INGRESS_ROUTE_INVALID, `${field}: ${why}`));
      }
    }
    const contradiction = streamingContradiction(this);
    if (contradiction) out.push(formatProblem(Codes.STREAMING_WITH_TIMEOUT, contradiction));
    else if (this.timeout !== undefined && !unsupported.timeout && this.service.policy.streaming) {
      // Envoy's route timeout runs until the response is complete (route_components.proto RouteAction.timeout): it ends the stream.
      out.push({
        code: Codes.GATEWAY_TIMEOUT_CUTS_STREAMS, field: 'timeout', severity: 'warning',
        message: `${this.service.name}'s calls are streams (streaming), yet this gateway route ends each after ${describeDuration(this.timeout)}; `
          + 'leave the timeout out (or give streaming: true), or acknowledge a bound kept on purpose',
      });
    }
    if (this.match && this.pathPrefix !== undefined) {
      out.push(formatProblem(Codes.INGRESS_ROUTE_INVALID, 'pathPrefix: give a path prefix or full matches, not both'));
    }
    if (this.pathPrefix !== undefined && !isPathPrefix(this.pathPrefix)) {
      out.push(formatProblem(Codes.INGRESS_ROUTE_INVALID,
        `pathPrefix: '${this.pathPrefix}' must be '/', a path ending in '/' ('/api/', the paths under it) or a path of segments ('/graphql', `
          + `it and the paths under it) (${this.service.name}); match other requests with \`match\``));
    }
    if (this.match?.length === 0) out.push(formatProblem(Codes.INVALID_MATCH, 'match: give at least one match, or a pathPrefix'));
    else if (this.match) out.push(...httpRouteProblems('route', { match: [...this.match], destinations: [{ subset: this.subset ?? '' }] }));
    const ports = this.service.ports;
    if (!ports.some((p) => HTTP_PROTOCOLS.includes(p.protocol))) {
      const code = ports.length === 0 ? Codes.NO_SERVICE : Codes.ROUTE_PROTOCOL_MISMATCH;
      out.push(formatProblem(code, `service: ${this.service.node.path} has no HTTP port`));
    }
    if (this.port !== undefined && !ports.some((p) => p.port === this.port)) {
      out.push(formatProblem(Codes.ROUTE_PROTOCOL_MISMATCH, `port: ${this.port} is not a port of ${this.service.node.path}`));
    }
    if (this.mirror && !unsupported.mirror) out.push(...mirrorProblems(this.service, this.mirror));
    if (this.sourceRanges?.length === 0 && !unsupported.sourceRanges) {
      out.push(formatProblem(Codes.INGRESS_ROUTE_INVALID, 'sourceRanges: give at least one range, or leave sourceRanges out for every client'));
    }
    // The policy matches its hosts to the request's whole :authority, which a client may send with a port that the gateway's routing
    // ignores (istiod sets ignore_port_in_host_matching: pilot/pkg/networking/core/gateway.go); istiod's host matcher has one leading
    // or one trailing '*' (pilot/pkg/security/authz/matcher/header.go, HostMatcher), so `*.example.com` misses `a.example.com:443` and
    // `*.example.com:*` matches nothing (MESH695): a client outside the ranges would pass by naming the port.
    const wildcard = this.hosts.find((h) => h.startsWith('*') && h !== '*');
    if (this.sourceRanges && this.sourceRanges.length > 0 && !unsupported.sourceRanges && wildcard) {
      out.push(formatProblem(Codes.INGRESS_ROUTE_INVALID,
        `sourceRanges: the route's host '${wildcard}' is a wildcard, which an AuthorizationPolicy cannot match with the port a client may `
          + `add to the Host header ('a${wildcard.slice(1)}:443' under '${wildcard}' escapes it), so a client outside the ranges would pass; `
          + 'give the route the concrete hosts it limits (`hosts`)'));
    }
    if (this.shift && !unsupported.shift) out.push(...shiftProblems(this, this.shift));
    if (this.rewrite && !unsupported.rewrite) out.push(...rewriteProblems(this.rewrite, this.match, this.pathPrefix));
    return out;
  }
}

/**
 * A gateway route's shift: to another service (a share to the route's own service changes nothing), on one of its HTTP ports,
 * with a share from 1 to 99 (none or all of it is a route to one service), that leaves each side's subsets whole weights
 * (Istio's weights are whole numbers summing to 100) (MESH630).
 */
function shiftProblems(route: GatewayRoute, shift: GatewayShift): string[] {
  const out: string[] = [];
  const { service } = route;
  const target = shift.service;
  const bad = (field: string, what: string) => out.push(formatProblem(Codes.INGRESS_ROUTE_INVALID, `shift.${field}: ${what}`));
  if (target === service || (target.name === service.name && target.namespace === service.namespace)) {
    bad('service', `${service.name} is the route's own service; shift a share to another service, or weigh its subsets (setSplit)`);
  }
  const http = target.ports.filter((p) => HTTP_PROTOCOLS.includes(p.protocol));
  if (http.length === 0) bad('service', `${target.node.path} has no HTTP port`);
  else if (shift.port !== undefined && !http.some((p) => p.port === shift.port)) {
    bad('port', `${shift.port} is not an HTTP port of ${target.node.path}`);
  }
  // A route to a service Flagger releases with delegation is a `delegate` rule, which has no destinations to weigh (istio/istio
  // pkg/config/validation/virtualservice.go: a root rule with `delegate` has no `route`).
  if (route.subset === undefined && service.traffic.virtualServiceDelegate) {
    bad('service', `${service.name}'s gateway routes delegate to Flagger's VirtualService (delegation), whose rules cannot be weighed `
      + 'against another service; shift by the release instead, or route a path of its own');
  }
  const w = shift.weight.value;
  if (w < 1 || w > 99) {
    const instead = w === 0 ? `route to ${service.name} alone` : `route to ${target.name} itself (a route of its own)`;
    bad('weight', `${w}% must be from 1 to 99: ${instead}`);
    return out;
  }
  const sides: [ITieredService, number, string | undefined][] = [[service, 100 - w, route.subset], [target, w, undefined]];
  for (const [s, share, subset] of sides) {
    const weights = subset !== undefined || s.traffic.virtualServiceOwner ? [100] : s.traffic.defaultDestinations.map((d) => d.weight?.value ?? 100);
    if (shiftedWeights(weights, share) === undefined) {
      bad('weight', `${share}% of ${s.name}'s split (${weights.join('/')}) is not whole weights; choose a share that is`);
    }
  }
  return out;
}

/**
 * A gateway route's mirror: to another service (a copy to the route's own service would apply each request twice there, MESH304
 * as a mirror to the subset that serves), on one of its HTTP ports (Istio mirrors HTTP requests), with a share above 0 (MESH630).
 */
function mirrorProblems(service: ITieredService, mirror: GatewayMirror): string[] {
  const out: string[] = [];
  const target = mirror.service;
  const bad = (field: string, what: string) => out.push(formatProblem(Codes.INGRESS_ROUTE_INVALID, `mirror.${field}: ${what}`));
  if (target === service || (target.name === service.name && target.namespace === service.namespace)) {
    out.push(formatProblem(Codes.MIRROR_TO_SERVING_SUBSET,
      `mirror.service: ${service.name} is the route's own service, which would act on each request twice; mirror to a service of its own`));
  }
  const http = target.ports.filter((p) => HTTP_PROTOCOLS.includes(p.protocol));
  if (http.length === 0) bad('service', `${target.node.path} has no HTTP port: Istio mirrors HTTP requests`);
  else if (mirror.port !== undefined && !http.some((p) => p.port === mirror.port)) {
    bad('port', `${mirror.port} is not an HTTP port of ${target.node.path}`);
  }
  if (mirror.percentage !== undefined && !(mirror.percentage.value > 0)) bad('percentage', 'must be above 0%: 0% mirrors nothing');
  return out;
}

/**
 * A gateway route's rewrite: a `uri` or an `authority`, not a regex (whose paths the admission cannot state), over matches on an
 * exact path or a prefix, which `uri` replaces (a match on a regex or without a uri would have the whole path replaced) (MESH630).
 */
function rewriteProblems(rewrite: RewriteOptions, match: readonly HttpMatchOptions[] | undefined, pathPrefix?: string): string[] {
  const bad = (field: string, what: string) => formatProblem(Codes.INGRESS_ROUTE_INVALID, `rewrite.${field}: ${what}`);
  const out: string[] = [];
  if (rewrite.uriRegexRewrite) out.push(bad('uriRegexRewrite', "a gateway route rewrites by `uri`, whose paths the service's admission states"));
  if (rewrite.uri !== undefined && !rewrite.uri.startsWith('/')) out.push(bad('uri', `'${rewrite.uri}' must start with '/'`));
  if (rewrite.uri !== undefined && match?.some((m) => m.uri?.kind !== 'exact' && m.uri?.kind !== 'prefix')) {
    out.push(bad('uri', 'replaces the prefix or exact path a match names: give every match a uri prefix or exact path'));
  }
  if (rewrite.uri === undefined && rewrite.authority === undefined && !rewrite.uriRegexRewrite) out.push(bad('uri', 'give a uri or an authority'));
  // A prefix without a trailing slash is two matches (path-prefix.ts), `/graphql` and `/graphql/`, and Istio applies a rule's one
  // rewrite to both: Envoy's prefix_rewrite would make `/graphql/x` of `/gqlx` under `uri: '/gql'`.
  if (rewrite.uri !== undefined && pathPrefix !== undefined && pathPrefix !== '/' && !pathPrefix.endsWith('/')) {
    out.push(bad('uri', `rewrites both matches of pathPrefix '${pathPrefix}' (the path itself and the paths under it) alike: give the `
      + `pathPrefix a trailing slash ('${pathPrefix}/') to rewrite the paths under it`));
  }
  return out;
}

/**
 * The paths a route admits the gateway on, as the service receives them (after a `rewrite.uri`, which replaces the matched
 * prefix or exact path): exact paths as they are, prefixes with a trailing `*`; undefined (every path) for the `/` prefix, a
 * regex or a match without a uri.
 */
function admittedPaths(
  pathPrefix: string | undefined, match: readonly HttpMatchOptions[] | undefined, rewriteUri?: string,
): string[] | undefined {
  const prefixed = (p: string) => (p === '/' ? undefined : `${p}*`);
  if (!match) {
    if (rewriteUri === undefined) return pathPrefix === undefined ? undefined : pathPrefixPaths(pathPrefix);
    const admitted = prefixed(rewriteUri);
    return admitted === undefined ? undefined : [admitted];
  }
  const paths = match.map((m) => (m.uri?.kind === 'exact' ? rewriteUri ?? m.uri.value
    : m.uri?.kind === 'prefix' ? `${rewriteUri ?? m.uri.value}*` : undefined));
  return paths.includes(undefined) || paths.length === 0 ? undefined : (paths as string[]);
}

/** The request a route's flows send: its first plain match's uri and method, none for a match on other fields or a regex. */
function routeRequest(route: GatewayRoute): { m?: HttpMatchOptions; path: string } | undefined {
  const m = route.match ? route.match[0] : undefined;
  if (m && Object.entries(m).some(([k, v]) => v !== undefined && k !== 'uri' && k !== 'method')) return undefined;
  const uri = m?.uri;
  if (uri?.kind === 'regex') return undefined;
  return { m, path: uri ? uri.value : pathPrefixSample(route.pathPrefix ?? '/') };
}

/**
 * The flow of a route's mirror, from the gateway's pods (the gateway's Envoy sends the copy itself): the route's request to the
 * mirrored service's host, which must admit it as the route's own service does.
 */
export function gatewayMirrorFlow(route: GatewayRoute, gateway: FlowWorkload): IntendedFlow[] {
  const mirror = route.mirror;
  const request = routeRequest(route);
  if (!mirror || !request) return [];
  const t = mirror.service;
  const port = mirror.port ?? t.ports.find((p) => HTTP_PROTOCOLS.includes(p.protocol))?.port;
  if (port === undefined) return [];
  const method = request.m?.method ?? 'GET';
  return [{
    source: { platform: gateway }, host: `${t.name}.${t.namespace}.svc.cluster.local`, port, method, path: request.path, expect: 'allow',
    constructPath: route.node.path, reaches: { namespace: t.namespace, service: t.name },
    description: `the gateway's copy of ${method} ${request.path} to ${route.service.name} reaches its mirror ${t.name}`,
  }];
}

/** A gateway's server as the flows of its routes read it. */
interface FlowServer {
  readonly port: { readonly number: number; readonly protocol: string };
  readonly hosts: readonly string[];
  readonly tls?: { readonly forTlsPort: boolean; render(): ServerTlsSettings };
}

/**
 * The flows a gateway route means, from outside the cluster: a client addresses a host the route
 * serves (a wildcard's first name under it), on the port of the server that serves it (as the flow
 * check matches a Gateway server: src/validate/flow/evaluate.ts, external), with the route's first plain match (its uri
 * and method; a match on headers or other fields is not stated), signed in where an end-user rule
 * guards the path, once with a token of each issuer that guards it. None where no server serves the host over HTTP or HTTPS.
 */
export function gatewayRouteFlow(
  route: GatewayRoute, servers: readonly FlowServer[], gatewayName: string,
): IntendedFlow[] {
  const host = concreteHost(route.hosts[0]);
  if (!host) return [];
  const serving = servers.filter((s) => (s.port.protocol === 'HTTP' || s.port.protocol === 'HTTPS')
    && s.hosts.some((h) => hostCovers(h.slice(h.indexOf('/') + 1), host)));
  // A server that answers with a redirect to HTTPS routes nothing (https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings):
  // another one that serves the host is the route's; a redirect alone is a route that cannot deliver, which the flow check refuses.
  const server = serving.find((s) => !(s.tls && !s.tls.forTlsPort)) ?? serving[0];
  const request = routeRequest(route);
  if (!server || !request) return [];
  const { m, path } = request;
  const protocol = server.port.protocol as 'HTTP' | 'HTTPS';
  const port = server.port.number;
  // Signed in with a token of each issuer that guards the path: the gateway's own JWT filter must accept each too.
  const principals = ServiceSecurity.of(route.service).endUserPrincipalsFor(path);
  return (principals.length > 0 ? principals : [undefined]).map((principal): IntendedFlow => ({
    source: externalClient(server.tls), host, port, protocol, method: m?.method ?? 'GET', path, requestPrincipal: principal,
    expect: 'allow', constructPath: route.node.path, reaches: { namespace: route.service.namespace, service: route.service.name },
    ...(route.shift ? { alsoReaches: [{ namespace: route.shift.service.namespace, service: route.shift.service.name }] } : {}),
    description: `a client reaches ${route.service.name}${route.shift ? ` and ${route.shift.service.name} (${route.shift.weight})` : ''} through ${gatewayName}: ${m?.method ?? 'GET'} ${protocol.toLowerCase()}://${host}:${port}${path}`
      + (principal === undefined ? '' : principals.length > 1 ? ` signed in (${principal})` : ' signed in'),
  }));
}

/**
 * A route's external flows as its `sourceRanges` admit them: each from an address of the first range (the range's own
 * address), and the first of them once more from an address outside every range (a documentation address), which the
 * gateway must refuse (MESH601 otherwise: another policy or route lets such clients in). Unchanged without ranges.
 */
export function withSourceRanges(route: GatewayRoute, flows: IntendedFlow[]): IntendedFlow[] {
  const ranges = route.sourceRanges?.map(String) ?? [];
  if (ranges.length === 0 || flows.length === 0) return flows;
  const inside = ranges[0].split('/')[0];
  const outside = OUTSIDE_CANDIDATES.find((a) => !ranges.some((r) => inCidr(a, r)));
  const admitted = flows.map((f) => ({ ...f, clientAddress: inside, description: `${f.description} from ${inside}` }));
  if (outside === undefined) return admitted;
  const first = flows[0];
  const refused: IntendedFlow = {
    ...first, clientAddress: outside, expect: 'deny', reaches: undefined,
    description: `${first.description} from ${outside}, outside the route's sourceRanges (${ranges.join(', ')}), is refused`,
  };
  return [...admitted, refused];
}

/** Client addresses outside a route's ranges, for its refused flow: documentation addresses (RFC 5737, RFC 3849). */
const OUTSIDE_CANDIDATES: readonly string[] = ['192.0.2.1', '198.51.100.1', '203.0.113.1', '2001:db8::1'];

/** A name a client may address under `host`: itself, `www.<domain>` for `*.<domain>`, none for `*`. */
export function concreteHost(host: string | undefined): string | undefined {
  if (!host || host === '*') return undefined;
  return host.startsWith('*.') ? `www.${host.slice(2)}` : host;
}

/** Whether a Gateway server's host (`*`, `*.example.com`, `a.example.com`) takes `host`. */
/**
 * The listeners a route's `sourceRanges` policy names, each pod port once: a plaintext one bare, an HTTPS one with the names of
 * its servers that serve one of the route's hosts (a server's `ns/host` read as its host), the only server names by which a
 * client's TLS reaches the route's virtual hosts there, since istiod matches each HTTPS server's filter chain by its hosts and
 * gives it the virtual hosts of those hosts alone (istio/istio pilot/pkg/networking/core/gateway.go). A listener where a
 * server of the route's hosts takes every name (`*`), or a route of every host, is read without a server name.
 */
export function sourceRangesListeners(
  listeners: readonly { readonly port: number; readonly tls: boolean; readonly hosts: readonly string[] }[], routeHosts: readonly string[],
): { port: number; serverNames?: string[] }[] {
  const out = new Map<number, { port: number; serverNames?: string[] }>();
  for (const port of [...new Set(listeners.map((l) => l.port))].sort((a, b) => a - b)) {
    const here = listeners.filter((l) => l.port === port);
    const names = here.filter((l) => l.tls).flatMap((l) => l.hosts.map((h) => h.slice(h.indexOf('/') + 1)))
      .filter((h) => routeHosts.some((r) => hostCovers(h, r) || hostCovers(r, h)));
    const bare = here.some((l) => !l.tls) || routeHosts.includes('*') || names.length === 0 || names.includes('*');
    out.set(port, bare ? { port } : { port, serverNames: [...new Set(names)].sort() });
  }
  return [...out.values()];
}

export function hostCovers(serverHost: string, host: string): boolean {
  return serverHost === '*' || serverHost === host || (serverHost.startsWith('*.') && host.endsWith(serverHost.slice(1)));
}
