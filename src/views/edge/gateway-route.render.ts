/**
 * The VirtualService of an `EdgeGateway`'s routes: bound to the gateway only, the HTTP routes of each
 * `route()` call, in order, each to one service (and port): to its subset where the route names one, else
 * as the service's own default route sends requests (its header routes, then its weighted subsets).
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#VirtualService
 */
import { ApiObject, ApiObjectMetadata, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import {
  VirtualService, VirtualServiceSpec, VirtualServiceSpecHttp, VirtualServiceSpecHttpMatch, VirtualServiceSpecHttpRoute,
} from '../../../imports/networking.istio.io';
import { AuthorizationPolicy, AuthorizationPolicySpec, AuthorizationPolicySpecAction } from '../../../imports/security.istio.io';
import { HTTP_PROTOCOLS } from '../../core/ports';
import { toIstioDuration } from '../../core/duration';
import type { IRoutedService, ITieredService } from '../../graph/mesh-service-props';
import type { HeadersOptions, HttpMatchOptions } from '../../graph/traffic/http-route';
import { portOf, renderHeaders, renderMatch } from '../../graph/traffic/http-route.render';
import { renderGatewayHostRoutes } from '../../graph/traffic/host-traffic.render';
import { lazyWithoutUnset } from '../../private/defined';
import { httpRuleOwner, setFieldOwner } from '../../private/field-owners';
import { ServiceSecurity } from '../../graph/security/service-security';
import { INGRESS_ROUTE_RETRIES } from './ingress-gateway.render';
import { pathPrefixMatches } from './path-prefix';

/** One route, as the VirtualService reads it (a `GatewayRoute` is one). */
export interface GatewayRouteSource {
  /** The service requests go to. */
  readonly service: ITieredService;
  /** The path prefix, when the route has no full matches. */
  readonly pathPrefix?: string;
  /** The full matches. */
  readonly match?: readonly HttpMatchOptions[];
  /** The port. */
  readonly port?: number;
  /** The subset. */
  readonly subset?: string;
  /** The timeout, when given. */
  readonly timeout?: Duration;
  /** Whether the route's calls are streams, which no timeout bounds. */
  readonly streaming?: boolean;
  /** The service the route copies its requests to. */
  readonly mirror?: { readonly service: IRoutedService; readonly percentage?: { readonly value: number }; readonly port?: number };
  /** The header changes. */
  readonly headers?: HeadersOptions;
  /** The rewrite of the path or authority. */
  readonly rewrite?: { readonly uri?: string; readonly authority?: string };
  /** The service that takes a share of the route's requests instead. */
  readonly shift?: { readonly service: IRoutedService; readonly weight: { readonly value: number }; readonly port?: number };
}

/**
 * An `EdgeGateway`'s VirtualService as it reads it: the gateway passes what it keeps (this module
 * does not import it, so that no import goes in a circle).
 */
export interface GatewayVirtualServiceSource {
  /** The VirtualService's namespace. */
  readonly namespace: string;
  /** The gateway the routes are bound to. */
  readonly gateway: { readonly name: string; readonly namespace: string };
  /** The hosts served. */
  readonly hosts: readonly string[];
  /** The routes, tried in order. */
  readonly routes: readonly GatewayRouteSource[];
  /** The rules that answer the client themselves (redirects, direct responses), tried before the routes. */
  readonly answers?: readonly GatewayAnswerSource[];
}

/** A rule that answers the client itself, as the VirtualService reads it (a `GatewayAnswer` is one). */
export interface GatewayAnswerSource {
  /** The path prefix, when the rule has no full matches. */
  readonly pathPrefix?: string;
  /** The full matches. */
  readonly match?: readonly HttpMatchOptions[];
  /** The redirect's new location; undefined for a direct response. */
  readonly redirectTo?: { readonly uri?: string; readonly authority?: string; readonly scheme?: string; readonly port?: number };
  /** The redirect's code or the response's status. */
  readonly status: number;
  /** The response's body. */
  readonly body?: string;
}

/**
 * Adds the VirtualService under `scope` with id `id`, its spec rendered at synth from `source()`
 * (the routes added after it count). The generated type writes Istio's field names and order.
 */
export function addGatewayVirtualService(
  scope: Construct, id: string, metadata: ApiObjectMetadata, source: () => GatewayVirtualServiceSource,
): ApiObject {
  const vs = new VirtualService(scope, id, { metadata, spec: lazyWithoutUnset(() => renderGatewayVirtualServiceSpec(source())) });
  // A finding about `spec.http[i]` is the route's that wrote rule i (a route may write several: its header routes).
  setFieldOwner(vs, httpRuleOwner(() => {
    const s = source();
    return [...(s.answers ?? []).map((a) => [a, 1] as const), ...s.routes.map((r) => [r, renderGatewayRoute(s.namespace, r).length] as const)];
  }));
  return vs;
}

/** The VirtualService spec of an `EdgeGateway`'s routes. */
export function renderGatewayVirtualServiceSpec(s: GatewayVirtualServiceSource): VirtualServiceSpec {
  const g = s.gateway;
  return {
    hosts: [...s.hosts],
    // A gateway in the VirtualService's namespace is named alone, as Istio's samples do.
    gateways: [gatewayFrom(s.namespace, g)],
    // The answers first: a route written before them would take their requests (the first matching rule wins).
    http: [...(s.answers ?? []).map(renderGatewayAnswer), ...s.routes.flatMap((r) => renderGatewayRoute(s.namespace, r))],
  };
}

/**
 * The HTTP rule of a gateway's redirect or direct response: its match, and Istio's `redirect` (the code written where it is not
 * Istio's default, 301) or `directResponse` (the body as a string).
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRedirect
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPDirectResponse
 */
function renderGatewayAnswer(a: GatewayAnswerSource): VirtualServiceSpecHttp {
  const match = a.match ? a.match.map(renderMatch) : a.pathPrefix ? pathPrefixMatches(a.pathPrefix) : undefined;
  const to = a.redirectTo;
  if (to) {
    return {
      match,
      redirect: { uri: to.uri, authority: to.authority, scheme: to.scheme, port: to.port, redirectCode: a.status === 301 ? undefined : a.status },
    };
  }
  return { match, directResponse: { status: a.status, body: a.body !== undefined ? { string: a.body } : undefined } };
}

/** How a VirtualService in `namespace` names a service's host: its name in its own namespace, else its FQDN. */
function hostFrom(namespace: string, service: { readonly name: string; readonly namespace: string }): string {
  return service.namespace === namespace ? service.name : `${service.name}.${service.namespace}.svc.cluster.local`;
}

/** How a VirtualService in `namespace` names a Gateway: by name in its own namespace, else `<namespace>/<name>`. */
function gatewayFrom(namespace: string, gateway: { readonly name: string; readonly namespace: string }): string {
  return gateway.namespace === namespace ? gateway.name : `${gateway.namespace}/${gateway.name}`;
}

/**
 * How long a gateway's route waits for its service, on every kind of gateway: the route's own timeout, else the service's
 * route timeout (its own, else its tier's), none for a stream (the route's `streaming`, else the service's, whose resolved
 * policy then has no timeout). A route bound to a gateway applies there alone, and Istio's default is none: without the
 * service's, the gateway would wait on a hung service without end.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute (timeout)
 */
export function gatewayRouteTimeout(r: Pick<GatewayRouteSource, 'service' | 'timeout' | 'streaming'>): Duration | undefined {
  return r.streaming ? undefined : r.timeout ?? r.service.policy.timeout;
}

/**
 * The HTTP routes of one gateway route: to one service (and port), to its subset where the route names one, else as the
 * service's own default route (renderGatewayHostRoutes), each with the route's timeout (else the service's) and the gateway's retries.
 */
function renderGatewayRoute(namespace: string, r: GatewayRouteSource): VirtualServiceSpecHttp[] {
  const target = r.service;
  const port = r.port ?? target.ports.find((p) => HTTP_PROTOCOLS.includes(p.protocol))?.port;
  const host = hostFrom(namespace, target);
  const prefixed: VirtualServiceSpecHttpMatch[] | undefined = r.pathPrefix ? pathPrefixMatches(r.pathPrefix) : undefined;
  const match = r.match ? r.match.map(renderMatch) : prefixed;
  // Headers the service's sidecar sets from a validated token (EdgeAuthentication's outputClaimToHeaders) are removed from what the
  // client sent, as an IngressGateway's routes do (ServiceSecurity.setsHeadersFromClaims says why).
  const removed = ServiceSecurity.of(target).headersSetFromClaims;
  const routes = (r.subset === undefined ? renderGatewayHostRoutes(target.traffic, host, port, match) : undefined)
    ?? [{ match, route: [{ destination: { host, subset: r.subset, port: portOf(port) } }] }];
  if (r.shift) {
    // The default route (the last: header routes pick a version of the route's service first) weighs both services.
    const last = routes[routes.length - 1];
    // A delegated route has none (refused by the route's problems, MESH630).
    const route = [...scaled(last.route ?? [], 100 - r.shift.weight.value), ...shiftDestinations(namespace, r.shift, match)];
    routes[routes.length - 1] = { match: last.match, route };
  }
  const mirror = r.mirror && renderMirror(namespace, r.mirror);
  const timeout = gatewayRouteTimeout(r);
  return routes.map((x) => ({
    match: x.match,
    rewrite: r.rewrite ? { uri: r.rewrite.uri, authority: r.rewrite.authority } : undefined,
    route: x.route,
    delegate: x.delegate && { name: x.delegate.name, namespace: x.delegate.namespace },
    ...mirror,
    timeout: timeout && toIstioDuration(timeout),
    // As an IngressGateway's routes: without `retries` Istio's default policy retries 2x on 503 too, which may apply a write twice.
    retries: { ...INGRESS_ROUTE_RETRIES },
    headers: renderHeaders(r.headers, removed),
  }));
}

/**
 * Weights scaled to `share` percent of the route, whole numbers as Istio's are; undefined where one would not be whole.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRouteDestination (weight)
 */
export function shiftedWeights(weights: readonly number[], share: number): number[] | undefined {
  const out = weights.map((w) => (w * share) / 100);
  return out.every((w) => Number.isInteger(w)) ? out : undefined;
}

function scaled(route: readonly VirtualServiceSpecHttpRoute[], share: number): VirtualServiceSpecHttpRoute[] {
  // The route's problems (shift.weight, MESH630) refuse a share that leaves a weight not whole; rounded here so rendering never throws.
  const weights = route.map((d) => d.weight ?? 100);
  const out = shiftedWeights(weights, share) ?? weights.map((w) => Math.round((w * share) / 100));
  return route.map((d, i) => ({ ...d, weight: out[i] }));
}

/** The shifted service's destinations: its default route's weighted subsets (its host alone where a controller routes it), at its share. */
function shiftDestinations(
  namespace: string, shift: NonNullable<GatewayRouteSource['shift']>, match: VirtualServiceSpecHttpMatch[] | undefined,
): VirtualServiceSpecHttpRoute[] {
  const t = shift.service;
  const host = hostFrom(namespace, t);
  const port = shift.port ?? t.ports.find((p) => HTTP_PROTOCOLS.includes(p.protocol))?.port;
  const own = renderGatewayHostRoutes(t.traffic, host, port, match);
  // A service whose gateway routes delegate to Flagger's VirtualService is weighed as its host: the apex Service.
  return scaled(own?.[own.length - 1].route ?? [{ destination: { host, port: portOf(port) } }], shift.weight.value);
}

/**
 * A route's mirror: the copy's host (as the route names its service) and port (given, else the service's first HTTP one), and
 * its share where it is not all: Istio mirrors every request when `mirrorPercentage` is absent.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute (mirror, mirrorPercentage)
 */
function renderMirror(namespace: string, m: NonNullable<GatewayRouteSource['mirror']>): Pick<VirtualServiceSpecHttp, 'mirror' | 'mirrorPercentage'> {
  const t = m.service;
  const host = hostFrom(namespace, t);
  const port = m.port ?? t.ports.find((p) => HTTP_PROTOCOLS.includes(p.protocol))?.port;
  return {
    mirror: { host, port: portOf(port) },
    ...(m.percentage && m.percentage.value < 100 ? { mirrorPercentage: { value: m.percentage.value } } : {}),
  };
}

/** One `EdgeGateway.routeTls` route, as its VirtualService reads it. */
export interface GatewayTlsRouteSource {
  /** The service the connections go to. */
  readonly service: IRoutedService;
  /** The server names (SNI) routed. */
  readonly hosts: readonly string[];
  /** The gateway server's port the connections arrive on. */
  readonly gatewayPort: number;
  /** The service port they go to. */
  readonly port: number;
}

/**
 * Adds the VirtualService of an `EdgeGateway`'s TLS routes under `scope` (id `id`), its spec rendered at synth from
 * `source()`: bound to the gateway only, for the routes' server names, one `tls` route per `routeTls()` call matching the
 * gateway port and the names (SNI), to the service's port. A PASSTHROUGH server forwards the client's TLS unread, so it
 * is routed by `tls` routes alone, which must match `sniHosts` among the VirtualService's hosts.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#TLSRoute
 * @see https://istio.io/latest/docs/tasks/traffic-management/ingress/ingress-sni-passthrough/
 */
export function addGatewayTlsVirtualService(
  scope: Construct, id: string, metadata: ApiObjectMetadata,
  source: () => { namespace: string; gateway: { name: string; namespace: string }; routes: readonly GatewayTlsRouteSource[] },
): ApiObject {
  return new VirtualService(scope, id, {
    metadata,
    spec: lazyWithoutUnset((): VirtualServiceSpec => {
      const s = source();
      const g = s.gateway;
      return {
        hosts: [...new Set(s.routes.flatMap((r) => r.hosts))],
        gateways: [gatewayFrom(s.namespace, g)],
        tls: s.routes.map((r) => ({
          match: [{ port: r.gatewayPort, sniHosts: [...r.hosts] }],
          route: [{
            destination: {
              host: hostFrom(s.namespace, r.service),
              port: { number: r.port },
            },
          }],
        })),
      };
    }),
  });
}

/**
 * Adds the VirtualService of one `EdgeGateway.routeTcp` route under `scope` (id `id`), its spec rendered at synth from `source()`:
 * bound to the gateway only, for the server's hosts, one `tcp` route matching the server's port to the service's port. A TCP server
 * and a TLS server that terminates TLS forward the connection's bytes with Envoy's TCP proxy, which istiod builds from the `tcp`
 * routes of the VirtualServices bound to the gateway for the server's hosts (pilot/pkg/networking/core/gateway.go,
 * `buildGatewayNetworkFiltersFromTCPRoutes`); `http` and `tls` routes do not apply there.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#TCPRoute
 */
export function addGatewayTcpVirtualService(
  scope: Construct, id: string, metadata: ApiObjectMetadata,
  source: () => {
    namespace: string; gateway: { name: string; namespace: string }; service: IRoutedService;
    server: { readonly port: { readonly number: number }; readonly hosts: readonly string[] }; port: number;
  },
): ApiObject {
  return new VirtualService(scope, id, {
    metadata,
    spec: lazyWithoutUnset((): VirtualServiceSpec => {
      const s = source();
      const g = s.gateway;
      const host = hostFrom(s.namespace, s.service);
      return {
        // A server's host may name the namespaces whose VirtualServices it takes (`ns/host`): the VirtualService names the host alone.
        hosts: [...new Set(s.server.hosts.map((h) => h.slice(h.indexOf('/') + 1)))],
        gateways: [gatewayFrom(s.namespace, g)],
        tcp: [{ match: [{ port: s.server.port.number }], route: [{ destination: { host, port: { number: s.port } } }] }],
      };
    }),
  });
}

/** What a route's `sourceRanges` policy reads: the gateway's pods, the route's hosts and paths, the client ranges. */
export interface SourceRangesSource {
  /** The gateway pods' labels. */
  readonly selector: Readonly<Record<string, string>>;
  /** The route's hosts (`*` for every one). */
  readonly hosts: readonly string[];
  /** The route's paths in AuthorizationPolicy form; undefined for every path. */
  readonly paths?: readonly string[];
  /** The client address ranges admitted. */
  readonly sourceRanges: readonly { toString(): string }[];
  /**
   * The gateway pods' ports of its HTTP and HTTPS servers (the listeners the route's requests arrive on), each with the server
   * names (SNI) by which a client's TLS reaches the route's hosts there: undefined for a plaintext listener, or where a server of
   * the route's hosts takes every name (`*`).
   */
  readonly listeners: readonly { readonly port: number; readonly serverNames?: readonly string[] }[];
}

/**
 * The spec of a route's `sourceRanges` policy: DENY, on the gateway's pods, the route's hosts and paths to a client of no
 * given range. `remoteIpBlocks` is the client's address as the gateway's connection manager sees it: the connection's peer,
 * or the X-Forwarded-For entry its `numTrustedProxies` trusts. Each host is listed bare and with any port (`host:*`), since
 * Istio matches `hosts` to the whole `:authority`, case-insensitively (istio/istio pilot/pkg/security/authz/matcher/header.go,
 * `HostMatcher`), which a client may send with its port; a `*` host leaves `hosts` out. The rule names the pods' ports of
 * the gateway's HTTP and HTTPS servers (Operation.ports is the port the connection reaches the pod on, the listener istiod
 * opens on the Service port's target: istio/istio pilot/pkg/model/gateway.go, `resolvePorts`). On a TCP or passed-through TLS
 * listener of the same pods a DENY rule's HTTP fields (`hosts`, `paths`) are ignored, and the rule would refuse every client
 * outside the ranges there: so the rule of an HTTPS listener also asks the connection's server name (`connection.sni`, a
 * connection attribute Envoy's network RBAC filter reads too: `requested_server_name`), the names of the servers that serve the
 * route's hosts, which a passed-through server on the same port never has (istiod gives each server its own filter chain,
 * matched by those names: pilot/pkg/networking/core/gateway.go). A plaintext listener has no server name, and keeps the rule
 * without it.
 * @see https://istio.io/latest/docs/tasks/security/authorization/authz-ingress/
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source
 * @see https://istio.io/latest/docs/reference/config/security/conditions/
 */
export function renderSourceRangesSpec(s: SourceRangesSource): AuthorizationPolicySpec {
  const hosts = s.hosts.includes('*') ? undefined : s.hosts.flatMap((h) => [h, `${h}:*`]);
  const from = [{ source: { notRemoteIpBlocks: s.sourceRanges.map(String) } }];
  const operation = (ports: readonly number[]) => ({ hosts, paths: s.paths ? [...s.paths] : undefined, ports: ports.map(String) });
  // One rule for the listeners read without a server name, one per set of server names, in the listeners' port order.
  const groups = new Map<string, { ports: number[]; serverNames?: readonly string[] }>();
  for (const l of s.listeners) {
    const key = l.serverNames ? JSON.stringify([...l.serverNames].sort()) : '';
    const group = groups.get(key) ?? { ports: [], serverNames: l.serverNames && [...l.serverNames].sort() };
    if (!group.ports.includes(l.port)) group.ports.push(l.port);
    groups.set(key, group);
  }
  return {
    selector: { matchLabels: { ...s.selector } },
    action: AuthorizationPolicySpecAction.DENY,
    rules: [...groups.values()].map((g) => ({
      from,
      to: [{ operation: operation(g.ports) }],
      when: g.serverNames ? [{ key: 'connection.sni', values: [...g.serverNames] }] : undefined,
    })),
  };
}

/** A route's `sourceRanges` AuthorizationPolicy (security.istio.io/v1) under `scope`, its spec read at synth. */
export function addSourceRangesPolicy(scope: Construct, id: string, metadata: ApiObjectMetadata, source: () => SourceRangesSource): ApiObject {
  return new AuthorizationPolicy(scope, id, { metadata, spec: lazyWithoutUnset(() => renderSourceRangesSpec(source())) });
}
