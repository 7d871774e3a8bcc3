/**
 * Istio routing: which Gateway server and VirtualService route a request takes, the
 * DestinationRule subset and TLS settings of its destination.
 * https://istio.io/latest/docs/reference/config/networking/virtual-service/
 * https://istio.io/latest/docs/reference/config/networking/gateway/
 * https://istio.io/latest/docs/reference/config/networking/destination-rule/
 */
import { Manifest } from '../finding';
import { hostSubsetOf, resolveShortname, routeHost } from '../model/hosts';
import { domainFor, gatewayReference, serverHostsFor, virtualHostName } from '../model/gateway-hosts';
import { exportToList, visibleTo } from '../model/visibility';
import { labelsSubsetOf } from '../model/selectors';
import { HttpRule } from '../model/delegates';
import { appliedTrafficPolicy } from '../model/traffic-policy';
import { FlowCluster, FlowPod, nsOf } from './cluster';
import { goRegexp } from '../../core/re2';
import { isTlsServer } from '../webhook/names';
import { list } from '../values';

/** A request as routing sees it. */
export interface RouteRequest {
  readonly host: string;
  /**
   * The `:authority` the client sent, its port included where it is not the scheme's default (`requestAuthority` in authorization.ts),
   * which an `authority` match reads whole (pilot/pkg/networking/core/route/route.go, `translateRouteMatch`: a header
   * matcher on `:authority`).
   * @default - the host
   */
  readonly authority?: string;
  /** The port the client addressed. */
  readonly port: number;
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly source: FlowPod;
  /** True when the proxies see opaque bytes (TCP, or TLS): no HTTP rule applies. */
  readonly tcp: boolean;
  /**
   * True for a TLS connection on a TLS or HTTPS port: routed by its SNI (`tls` rules).
   * @default false
   */
  readonly tls?: boolean;
  /**
   * The SNI of a TLS connection.
   * @default - the host
   */
  readonly sni?: string;
  /** `mesh`, or `<namespace>/<gateway>` for a request entering through a Gateway. */
  readonly gateway: string;
}

/** One destination of the route taken. */
export interface RouteDestination {
  /** The destination host as written, resolved against the VirtualService's namespace (`ResolveShortnameToFQDN`, case kept). */
  readonly fqdn: string;
  readonly subset?: string;
  readonly port?: number;
  /** The route weight, 100 when there is one destination. */
  readonly weight: number;
}

/**
 * The route a request takes. `fallthrough`: TLS rules apply to the client but none matches its
 * SNI, so the sidecar's listener has no filter chain for it and the connection takes the
 * listener's default chain: BlackHoleCluster under REGISTRY_ONLY, PassthroughCluster (plain TCP)
 * under ALLOW_ANY (istio/istio pilot/pkg/networking/core/listener.go, the `PassthroughFilterChain`
 * default; listener_builder.go `buildOutboundCatchAllNetworkFiltersOnly`).
 */
export type RouteResult =
  | {
    readonly kind: 'route';
    /** The VirtualService whose rule names the destinations: a delegate's rule's is the delegate. */
    readonly virtualService?: Manifest;
    /** The index of the rule in that VirtualService's rules. */
    readonly index?: number;
    /** For a delegate's rule, the root VirtualService and its rule that delegate to it. */
    readonly delegatedBy?: { readonly virtualService: Manifest; readonly index: number };
    readonly destinations: readonly RouteDestination[];
    /** The path the destination receives where the rule rewrites it ({@link rewrittenPath}). */
    readonly path?: string;
  }
  | {
    readonly kind: 'refused'; readonly virtualService: Manifest; readonly reason: string;
    /** True when no rule matched (404 NR): at a gateway, the routes of the next VirtualService of the host are tried. */
    readonly unmatched?: boolean;
    /** Set when the rule answers the request itself: a redirect (its code, 301 unless given) or a direct response (its status). */
    readonly answered?: { readonly status: number; readonly redirect: boolean };
  }
  | { readonly kind: 'fallthrough'; readonly virtualService: Manifest; readonly reason: string };

/** True if the VirtualService applies to `gateway` (`mesh` when it names none). */
export function boundTo(vs: Manifest, gateway: string): boolean {
  const gateways: string[] = (vs.spec?.gateways ?? ['mesh']).map(String);
  return gateways.some((g) => gatewayReference(g, nsOf(vs)) === gateway);
}

/**
 * The VirtualService for `host` on `gateway`: of those bound to it whose hosts overlap the host
 * (ClusterModel's `virtualServicesFor`) and that istiod shows a proxy of `viewer` (exportTo:
 * push_context.go `VirtualServicesForGateway`, the sidecar's egress listener's VirtualServices), the
 * first, preferring the source's namespace, then the host's own namespace (VirtualServices for one
 * host are not merged across namespaces).
 * https://istio.io/latest/docs/ops/best-practices/traffic-management/#split-virtual-services
 */
export function virtualServiceFor(
  cluster: FlowCluster,
  host: string,
  hostNs: string,
  sourceNs: string,
  gateway: string,
  namespaceAllowed: (ns: string) => boolean = () => true,
  viewer = sourceNs,
): Manifest | undefined {
  const candidates = cluster.model.hosts
    .virtualServicesFor(host)
    .filter((vs) => boundTo(vs, gateway) && namespaceAllowed(nsOf(vs)) && visibleTo(exportToList(vs.spec?.exportTo), nsOf(vs), viewer));
  const rank = (vs: Manifest) => (nsOf(vs) === sourceNs ? 0 : nsOf(vs) === hostNs ? 1 : 2);
  return candidates.sort((a, b) => rank(a) - rank(b))[0];
}

/**
 * The VirtualServices whose routes make up the virtual host a request for `host` meets on a gateway's `server`, in the
 * order their routes are tried. istiod names a virtual host by what a server host and a VirtualService host have in common
 * ({@link virtualHostName}), and appends the routes of every further VirtualService with that name to it
 * (pilot/pkg/networking/core/gateway.go, buildGatewayRoutes: `vHost.Routes = append(vHost.Routes, routes...)`); Envoy picks the
 * virtual host of the exact domain, else of the longest wildcard ({@link domainFor}). The VirtualServices of one name come in
 * the order istiod lists them, which nothing in the files fixes; by name, then namespace here, istiod's order for objects
 * created in the same second (sortConfigByCreationTime). Where their rules overlap the analysis reports it (MESH144).
 */
export function gatewayVirtualServices(
  cluster: FlowCluster,
  host: string,
  server: Manifest,
  gateway: Manifest,
  namespaceAllowed: (ns: string) => boolean,
  viewer: string,
): Manifest[] {
  const gatewayRef = `${nsOf(gateway)}/${gateway.metadata?.name}`;
  const keyed = cluster.model.hosts.virtualServicesFor(host.toLowerCase())
    .filter((vs) => boundTo(vs, gatewayRef) && namespaceAllowed(nsOf(vs)) && visibleTo(exportToList(vs.spec?.exportTo), nsOf(vs), viewer))
    .map((vs) => {
      const serverHosts = serverHostsFor(server, nsOf(gateway), nsOf(vs));
      const names = (vs.spec?.hosts ?? []).flatMap((h: unknown) =>
        serverHosts.flatMap((sh) => virtualHostName(routeHost(String(h), nsOf(vs)), sh) ?? []));
      return { vs, key: domainFor(names, host) };
    })
    .filter((k): k is { vs: Manifest; key: string } => k.key !== undefined);
  const best = domainFor(keyed.map((k) => k.key), host);
  const sortKey = (vs: Manifest) => `${vs.metadata?.name}\u0000${nsOf(vs)}`;
  return keyed.filter((k) => k.key === best).map((k) => k.vs).sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
}

/**
 * The route `r` takes through a gateway's virtual host ({@link gatewayVirtualServices}): each VirtualService's HTTP rules
 * in turn, the first that matches taking the request; none matching, 404 NR.
 */
export function routeThroughVirtualHost(cluster: FlowCluster, virtualServices: readonly Manifest[], r: RouteRequest): RouteResult {
  let route = routeThrough(cluster, virtualServices[0], r);
  for (const next of virtualServices.slice(1)) {
    if (route.kind !== 'refused' || !route.unmatched) break;
    route = routeThrough(cluster, next, r);
  }
  if (route.kind === 'refused' && route.unmatched && virtualServices.length > 1) {
    const names = virtualServices.map((v) => `${nsOf(v)}/${v.metadata?.name}`).join(', ');
    if (r.tcp || r.tls) {
      const what = r.tls ? `SNI ${(r.sni ?? r.host).toLowerCase()}` : `port ${r.port}`;
      return { ...route, reason: `no ${r.tls ? 'tls' : 'tcp'} rule of VirtualServices ${names} matches ${what} on the gateway` };
    }
    return { ...route, reason: `no http rule of VirtualServices ${names} matches ${r.method} ${r.path} (404 NR)` };
  }
  return route;
}

/** Istio StringMatch: exact, prefix or (RE2, whole-string) regex. */
export function stringMatch(m: Manifest | undefined, value: string | undefined, ignoreCase = false): boolean {
  if (!m || Object.keys(m).length === 0) return value !== undefined;
  if (value === undefined) return false;
  const v = ignoreCase ? value.toLowerCase() : value;
  if (m.exact !== undefined) return v === (ignoreCase ? String(m.exact).toLowerCase() : String(m.exact));
  if (m.prefix !== undefined) return v.startsWith(ignoreCase ? String(m.prefix).toLowerCase() : String(m.prefix));
  if (m.regex !== undefined) {
    // Envoy matches the whole value with RE2, Go's syntax (src/core/re2.ts), not JavaScript's engine.
    try {
      return goRegexp(`^(?:${m.regex})$`).test(value);
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * True if an HTTPMatchRequest matches: every condition it sets (uri, method, headers,
 * withoutHeaders, authority, port, sourceLabels, sourceNamespace, gateways,
 * queryParams) holds.
 */
export function httpMatches(m: Manifest, r: RouteRequest, vsNs: string): boolean {
  const [path, query = ''] = r.path.split('?');
  if (m.uri && !stringMatch(m.uri, path, m.ignoreUriCase === true)) return false;
  if (m.method && !stringMatch(m.method, r.method)) return false;
  if (m.authority && !stringMatch(m.authority, r.authority ?? r.host)) return false;
  if (m.scheme && !stringMatch(m.scheme, 'http')) return false;
  for (const [k, v] of Object.entries(m.headers ?? {})) if (!stringMatch(v as Manifest, r.headers[k.toLowerCase()])) return false;
  for (const [k, v] of Object.entries(m.withoutHeaders ?? {})) if (stringMatch(v as Manifest, r.headers[k.toLowerCase()])) return false;
  const params = new URLSearchParams(query);
  for (const [k, v] of Object.entries(m.queryParams ?? {})) if (!stringMatch(v as Manifest, params.get(k) ?? undefined)) return false;
  return commonMatches(m, r, vsNs);
}

function commonMatches(m: Manifest, r: RouteRequest, vsNs: string): boolean {
  if (m.port !== undefined && Number(m.port) !== r.port) return false;
  if (m.sourceLabels && !labelsSubsetOf(m.sourceLabels, r.source.labels)) return false;
  if (m.sourceNamespace && m.sourceNamespace !== r.source.namespace) return false;
  const gateways: unknown[] = Array.isArray(m.gateways) ? m.gateways : [];
  if (gateways.length > 0 && !gateways.some((g) => gatewayReference(String(g), vsNs) === r.gateway)) return false;
  return true;
}

/**
 * The route `r` takes through `vs`: the first HTTP rule one of whose matches holds ("the
 * first rule matching an incoming request is used"), a rule without matches matching
 * everything; no rule matches: 404 NR. The rules are those istiod gives the proxies, a delegating
 * rule replaced by its delegate's rules merged with it (ClusterModel's `hosts.httpRules`,
 * src/validate/model/delegates.ts): a request none of them matches goes on to the root's next rule.
 * A redirect or direct response never reaches the destination. TCP and TLS take the L4 rules:
 * see {@link routeL4}.
 */
export function routeThrough(cluster: FlowCluster, vs: Manifest, r: RouteRequest): RouteResult {
  if (r.tcp) return routeL4(vs, r);
  const vsNs = nsOf(vs);
  for (const http of cluster.model.hosts.httpRules(vs)) {
    const rule = http.rule;
    const matches: Manifest[] = rule.match ?? [];
    // Match gateways are resolved in the namespace of the VirtualService that wrote them (delegates.ts).
    const matched = matches.find((m) => httpMatches(m, r, vsNs));
    if (matches.length > 0 && !matched) continue;
    const by = http.delegate?.virtualService ?? vs;
    const at = ruleName(vs, http);
    // Istio's HTTPRedirect answers 301 unless redirectCode says otherwise.
    if (rule.redirect) {
      const status = Number(rule.redirect.redirectCode ?? 301) || 301;
      return { kind: 'refused', virtualService: by, reason: `${at} redirects the request (${status})`, answered: { status, redirect: true } };
    }
    if (rule.directResponse) {
      const status = Number(rule.directResponse.status);
      return { kind: 'refused', virtualService: by, reason: `${at} answers directly (${status})`, answered: { status, redirect: false } };
    }
    // An abort fault for every request (percentage 100, or none given: "if not specified, all requests are aborted").
    const abort = rule.fault?.abort;
    if (abort && (abort.percentage === undefined || Number(abort.percentage?.value) >= 100)) {
      return { kind: 'refused', virtualService: by, reason: `${at} aborts every request (fault ${abort.httpStatus ?? abort.grpcStatus ?? ''})` };
    }
    const delegatedBy = http.delegate ? { virtualService: vs, index: http.index } : undefined;
    const index = http.delegate?.index ?? http.index;
    const path = rewrittenPath(rule.rewrite, matched?.uri, r.path);
    return { kind: 'route', virtualService: by, index, delegatedBy, destinations: destinationsOf(rule, vsNs), ...(path !== r.path ? { path } : {}) };
  }
  const reason = `no http rule of VirtualService ${vsNs}/${vs.metadata?.name} matches ${r.method} ${r.path} (404 NR)`;
  return { kind: 'refused', virtualService: vs, reason, unmatched: true };
}

/**
 * The path a rule's `rewrite` gives the request, which the destination's AuthorizationPolicy reads: `uri` replaces the prefix
 * the rule matched (a match on an exact path replaces the path, a rule or match without a uri the prefix `/`), as istiod writes
 * it to Envoy's `prefix_rewrite` ("the matched prefix (or path) should be swapped with this value"); `uriRegexRewrite`
 * replaces each match of its pattern (Envoy's `regex_rewrite`, RE2's GlobalReplace, `\1` a group). Unchanged for a uri matched
 * by a regex, whose rewrite istiod applies to the whole path Envoy matched, and for a pattern JavaScript cannot read.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRewrite
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-routeaction-prefix-rewrite
 */
export function rewrittenPath(rewrite: Manifest | undefined, uri: Manifest | undefined, path: string): string {
  if (typeof rewrite?.uri === 'string') {
    if (uri?.exact !== undefined) return rewrite.uri;
    if (uri?.regex !== undefined) return path;
    const prefix = typeof uri?.prefix === 'string' ? uri.prefix : '/';
    return path.startsWith(prefix) ? rewrite.uri + path.slice(prefix.length) : path;
  }
  const re = rewrite?.uriRegexRewrite;
  if (typeof re?.match === 'string' && typeof re?.rewrite === 'string') {
    try {
      return path.replace(new RegExp(re.match, 'g'), re.rewrite.replace(/\\(\d)/g, '$$$1'));
    } catch {
      return path;
    }
  }
  return path;
}

/** `ctx` with the path a route rewrote the request to, the rewrite a hop of its own; `ctx` itself without one. */
export function rewritten<C extends { readonly flow: { readonly path?: string } }>(ctx: C, path: string | undefined, hops: string[]): C {
  if (path === undefined) return ctx;
  hops.push(`path rewritten: ${ctx.flow.path ?? '/'} → ${path}`);
  return { ...ctx, flow: { ...ctx.flow, path } };
}

/** For a route a delegate's rule gives, the hop from the root's delegating rule to it; none otherwise. */
export function delegationHops(route: RouteResult): string[] {
  if (route.kind !== 'route' || !route.delegatedBy || !route.virtualService) return [];
  const root = route.delegatedBy.virtualService;
  return [`VirtualService ${nsOf(root)}/${root.metadata?.name} http[${route.delegatedBy.index}] delegates to `
    + `${nsOf(route.virtualService)}/${route.virtualService.metadata?.name} http[${route.index}]`];
}

/** `VirtualService <ns>/<name> http[i]`, for a delegate's rule `... http[j] (delegated by <root> http[i])`. */
function ruleName(vs: Manifest, http: HttpRule): string {
  const name = (m: Manifest) => `VirtualService ${nsOf(m)}/${m.metadata?.name}`;
  if (!http.delegate) return `${name(vs)} http[${http.index}]`;
  return `${name(http.delegate.virtualService)} http[${http.delegate.index}] (delegated by ${name(vs)} http[${http.index}])`;
}

/**
 * The route of a TCP connection (`tcp` rules) or a TLS one on a TLS or HTTPS port (`tls`
 * rules), as istiod builds a sidecar's outbound filter chains (istio/istio
 * pilot/pkg/networking/core/tls.go). TCP: the first rule without matches, or with a match
 * whose port, sourceLabels, sourceNamespace and gateways hold (`matchTCP`); when none does,
 * the default route to the host itself on the port (`buildSidecarOutboundTCPFilterChainOpts`,
 * `!defaultRouteAdded`), never a 404. TLS: a rule's matches hold on the same fields
 * (`matchTLS`) and on the connection's SNI (`sniHosts`, exact or `*.` wildcard); with no rule
 * applying to the client, the default route to the host (`!hasTLSMatch`); with rules
 * applying but none for the SNI, the connection falls through the listener (`fallthrough`).
 * A gateway has no default route to a host: there no rule matching is a refusal.
 */
export function routeL4(vs: Manifest, r: RouteRequest): RouteResult {
  const vsNs = nsOf(vs);
  const kind = r.tls ? 'tls' : 'tcp';
  const rules: Manifest[] = (r.tls ? vs.spec?.tls : vs.spec?.tcp) ?? [];
  const sni = (r.sni ?? r.host).toLowerCase();
  let applies = false;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i];
    if (!Array.isArray(rule.route) || rule.route.length === 0) continue;
    const matches: Manifest[] = rule.match ?? [];
    const statics = matches.filter((m) => commonMatches(m, r, vsNs));
    if (matches.length > 0 && statics.length === 0) continue;
    applies = true;
    // SNI names compare case-insensitively, as DNS names (RFC 6066, server_name).
    if (r.tls && !statics.some((m) => list(m.sniHosts).some((h: string) => hostSubsetOf(sni, String(h).toLowerCase())))) continue;
    return { kind: 'route', virtualService: vs, index: i, destinations: destinationsOf(rule, vsNs) };
  }
  const name = `VirtualService ${vsNs}/${vs.metadata?.name}`;
  if (r.gateway !== 'mesh') {
    // istiod builds a gateway server's filter chains from the tls (tcp) rules of every VirtualService bound to the gateway for
    // its hosts, one after another (istio/istio pilot/pkg/networking/core/gateway.go, buildGatewayNetworkFiltersFromTLSRoutes,
    // buildGatewayNetworkFiltersFromTCPRoutes): a VirtualService whose rules do not match (its http routes of the same host) leaves
    // the connection to the next one's.
    const what = r.tls ? `SNI ${sni}` : `port ${r.port}`;
    return { kind: 'refused', virtualService: vs, reason: `no ${kind} rule of ${name} matches ${what} on the gateway`, unmatched: true };
  }
  if (r.tls && applies) {
    const reason = `no tls rule of ${name} matches SNI ${sni} on port ${r.port}: the sidecar's listener has no filter chain for it`;
    return { kind: 'fallthrough', virtualService: vs, reason };
  }
  return { kind: 'route', destinations: [] };
}

/** The weighted destinations of an HTTP, TCP or TLS rule (a single one weighs 100). */
function destinationsOf(rule: Manifest, vsNs: string): RouteDestination[] {
  const routes: Manifest[] = rule.route ?? [];
  const single = routes.length === 1;
  return routes
    .map((d) => ({
      fqdn: resolveShortname(String(d.destination?.host ?? ''), vsNs),
      subset: d.destination?.subset === undefined ? undefined : String(d.destination.subset),
      port: d.destination?.port?.number === undefined ? undefined : Number(d.destination.port.number),
      weight: d.weight === undefined ? (single ? 100 : 0) : Number(d.weight),
    }))
    .filter((d) => d.weight > 0 || single);
}

/**
 * The DestinationRule for the service host `host` as a client in `sourceNs` gets it: the
 * client's namespace, then the host's, then the root namespace, the most specific host in each
 * (ClusterModel's `destinationRuleFor`).
 * https://istio.io/latest/docs/ops/best-practices/traffic-management/#cross-namespace-configuration
 */
export function destinationRuleFor(cluster: FlowCluster, host: string, hostNs: string, sourceNs: string): Manifest | undefined {
  return cluster.model.hosts.destinationRuleFor(host, hostNs, sourceNs, cluster.rootNamespace);
}

/**
 * The client-side TLS mode for `subset`:`port` of a DestinationRule, as istiod merges the rule's policy, its port-level
 * settings and the subset's (model/traffic-policy.ts). Undefined when no `tls` applies (auto mTLS decides); a `tls`
 * without a mode is DISABLE, the enum's zero value (istio/api networking/v1alpha3/destination_rule.proto,
 * ClientTLSSettings.TLSmode), which istiod applies as given (pilot/pkg/networking/core/cluster_tls.go,
 * buildUpstreamTLSSettings).
 */
export function tlsModeOf(dr: Manifest | undefined, subset: string | undefined, port: number): string | undefined {
  const tls = appliedTrafficPolicy(dr, subset, port).tls?.value;
  if (tls === undefined) return undefined;
  return typeof tls?.mode === 'string' ? tls.mode : 'DISABLE';
}

/** The labels of `subset` in `dr`; undefined if the DestinationRule does not define it. */
export function subsetLabels(dr: Manifest | undefined, subset: string): Readonly<Record<string, string>> | undefined {
  const s = (dr?.spec?.subsets ?? []).find((x: Manifest) => x.name === subset);
  return s ? { ...(s.labels ?? {}) } : undefined;
}

/** A Gateway server that takes a request for `host` on `port`. */
export interface GatewayServer {
  readonly gateway: Manifest;
  readonly server: Manifest;
}

/**
 * The Gateway servers that listen on `port` for `host` (server hosts `[ns/]host`, `*` and
 * `*.suffix` wildcards covering the host: `Name.SubsetOf`, lower-cased as istiod builds a
 * gateway's virtual hosts, pilot/pkg/networking/core/gateway.go, and as Envoy matches the Host header).
 */
export function gatewayServersFor(cluster: FlowCluster, host: string, port: number): GatewayServer[] {
  const out: GatewayServer[] = [];
  for (const gateway of cluster.ofKind('Gateway')) {
    for (const server of gateway.spec?.servers ?? []) {
      if (Number(server.port?.number) !== port) continue;
      if (list(server.hosts).some((h: string) => serverHostCovers(String(h).split('/').pop()!, host))) out.push({ gateway, server });
    }
  }
  return out;
}

/** The virtual host a plain-HTTP request for a host meets on a gateway's port. */
export interface GatewayVirtualHost {
  /** Its domain: the request's host, or the wildcard that covers it. */
  readonly domain: string;
  /** True when a server giving the domain has `tls.httpsRedirect`: Envoy answers 301 (RequireTls ALL). */
  readonly redirect: boolean;
  /** The first server whose bound VirtualServices give the domain its routes; none for a redirect-only host. */
  readonly routedBy?: GatewayServer;
}

/**
 * The virtual host Envoy picks for `host` among those istiod builds for the plain-HTTP servers of one
 * port of one gateway workload (pilot/pkg/networking/core/gateway.go, buildGatewayHTTPRouteConfig):
 * one per hostname both in a server's hosts and in the hosts of a VirtualService bound to its Gateway
 * (the more specific of the two, `host.Names.Intersection`), redirecting when a server that gives it
 * has `httpsRedirect`, and one per host of a redirecting server. Envoy takes the domain equal to the
 * host, else the longest wildcard that covers it (route_components.proto, VirtualHost.domains). So a
 * redirecting `*.example.com` server of one Gateway leaves `a.example.com`, which another Gateway's
 * server routes, unredirected.
 */
export function gatewayVirtualHost(cluster: FlowCluster, servers: readonly GatewayServer[], host: string): GatewayVirtualHost | undefined {
  const requested = host.toLowerCase();
  const domains = new Map<string, { redirect: boolean; routedBy?: GatewayServer }>();
  const add = (domain: string | undefined, redirect: boolean, routedBy?: GatewayServer) => {
    if (domain === undefined || !hostSubsetOf(requested, domain)) return;
    const known = domains.get(domain);
    domains.set(domain, { redirect: (known?.redirect ?? false) || redirect, routedBy: known?.routedBy ?? routedBy });
  };
  for (const s of servers) {
    const redirect = s.server.tls?.httpsRedirect === true;
    const gwRef = `${nsOf(s.gateway)}/${s.gateway.metadata?.name}`;
    for (const vs of cluster.ofKind('VirtualService')) {
      if (!boundTo(vs, gwRef)) continue;
      const vsNs = nsOf(vs);
      const serverHosts = serverHostsFor(s.server, nsOf(s.gateway), vsNs);
      for (const vh of (vs.spec?.hosts ?? []).map((h: unknown) => routeHost(String(h), vsNs))) {
        for (const sh of serverHosts) add(virtualHostName(vh, sh), redirect, s);
      }
    }
    // A redirecting server's hosts get a virtual host of their own (its entries as written).
    if (redirect) for (const h of list(s.server.hosts).map((x: unknown) => String(x).toLowerCase())) add(h, true);
  }
  const domain = domainFor(domains.keys(), requested);
  return domain === undefined ? undefined : { domain, ...domains.get(domain)! };
}

/** Where an external request for a host and port enters: the server, the gateway pod, and whether it is redirected to HTTPS. */
export interface GatewayEntry extends GatewayServer {
  /** The gateway pod that takes it; none when the Gateway's selector matches no pod. */
  readonly gw?: FlowPod;
  /** True when the gateway answers 301 to HTTPS instead of routing. */
  readonly redirect: boolean;
}

/**
 * The server an external request for `host` on `port` enters by, on the first gateway workload one
 * of the covering servers selects: for a plain-HTTP server, the one whose bound VirtualServices give
 * the virtual host Envoy picks among the servers of that port on that workload ({@link gatewayVirtualHost}),
 * redirected as that virtual host is; a TLS server (HTTPS, TLS) has its own filter chain and routes.
 */
export function gatewayEntry(cluster: FlowCluster, host: string, port: number): GatewayEntry | undefined {
  const servers = gatewayServersFor(cluster, host, port);
  if (servers.length === 0) return undefined;
  const first = servers.find((s) => gatewayPods(cluster, s.gateway).length > 0) ?? servers[0];
  const gw = gatewayPods(cluster, first.gateway)[0];
  if (!gw) return { ...first, gw, redirect: first.server.tls?.httpsRedirect === true };
  const plain = (x: GatewayServer) => !isTlsServer(x.server);
  const onWorkload = servers.filter((x) => plain(x) === plain(first) && gatewayPods(cluster, x.gateway).includes(gw));
  if (!plain(first)) {
    // Each TLS server is a filter chain of its own, matched by SNI: the exact name first, then the longest wildcard
    // (envoy/config/listener/v3/listener_components.proto, FilterChainMatch.server_names).
    const best = onWorkload.reduce((a, b) => (hostSpecificity(b.server, host) > hostSpecificity(a.server, host) ? b : a), first);
    return { ...best, gw, redirect: false };
  }
  const vhost = gatewayVirtualHost(cluster, onWorkload, host);
  return { ...(vhost?.routedBy ?? first), gw, redirect: vhost ? vhost.redirect : first.server.tls?.httpsRedirect === true };
}

/** How closely a server's hosts name `host`: an exact entry above any wildcard, a longer wildcard above a shorter one. */
function hostSpecificity(server: Manifest, host: string): number {
  const requested = host.toLowerCase();
  let best = -1;
  for (const entry of list(server.hosts).map((h: unknown) => String(h).split('/').pop()!.toLowerCase())) {
    if (!hostSubsetOf(requested, entry)) continue;
    best = Math.max(best, entry === requested ? Number.MAX_SAFE_INTEGER : entry.length);
  }
  return best;
}

/**
 * Whether a Gateway server lets a VirtualService of `vsNs` bind for `host`: its hosts
 * are `[namespace/]host`, the namespace `*` (or none) for any, `.` for the Gateway's own.
 * https://istio.io/latest/docs/reference/config/networking/gateway/#Server
 */
export function serverAdmitsNamespace(server: Manifest, gatewayNs: string, host: string, vsNs: string): boolean {
  return serverHostsFor(server, gatewayNs, vsNs).some((h) => serverHostCovers(h, host));
}

/** True if the Gateway server host `h` covers the requested `host`, case folded. */
function serverHostCovers(h: string, host: string): boolean {
  return hostSubsetOf(host.toLowerCase(), h.toLowerCase());
}

/** The gateway pods a Gateway's selector picks, in any namespace (PILOT_SCOPE_GATEWAY_TO_NAMESPACE off, the default). */
export function gatewayPods(cluster: FlowCluster, gateway: Manifest): FlowPod[] {
  const selector = gateway.spec?.selector ?? {};
  if (Object.keys(selector).length === 0) return [];
  return cluster.podsMatching(undefined, selector);
}
