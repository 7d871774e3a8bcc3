import { IConstruct } from 'constructs';
import { Codes } from '../../core/codes';
import type { Retries } from '../../core/retries';
import { formatProblem } from '../../core/errors';
import { HTTP_PROTOCOLS } from '../../core/ports';
import { labelValueProblem } from '../../core/names';
import { weightSplitProblem } from '../../core/weight-split';
import { LoadBalancer } from '../../core/load-balancer';
import { LocalityLbSetting } from '../../core/locality-lb';
import { ConnectionPool, OutlierDetection } from '../../core/traffic-policy';
import {
  FaultInjection, HttpRouteOptions, MirrorOptions, MirrorService, Owned, RouteDestinationOptions, TcpRouteOptions, TlsRouteOptions,
} from './http-route';
import { faultProblems, httpRouteProblems } from './route-checks';

/** A subset of a host's endpoints, selected by pod labels. */
export interface SubsetOptions {
  /** The subset's name, used by routes (`stable`, `canary`). */
  readonly name: string;
  /** Pod labels that select the subset's endpoints (`version: v2`). */
  readonly labels: Record<string, string>;
  /**
   * Connection-pool limits for this subset only, over the host's.
   * @default - the host's
   */
  readonly connectionPool?: ConnectionPool;
  /**
   * Load balancer for this subset only, over the host's.
   * @default - the host's
   */
  readonly loadBalancer?: LoadBalancer;
  /**
   * Outlier detection for this subset only, over the host's.
   * @default - the host's
   */
  readonly outlierDetection?: OutlierDetection;
}

export { IstioLocalityLbSetting, LocalityFailoverPair, LocalityLbSetting, LocalityShares } from '../../core/locality-lb';

export {
  AbortFault, CorsPolicyOptions, DelayFault, DirectResponseOptions, FaultInjection, HeaderOperationsOptions, HeadersOptions,
  HttpMatchOptions, HttpRouteOptions, MirrorOptions, MirrorService, RedirectOptions, RewriteOptions, RouteDestinationOptions, TcpRouteOptions,
  TlsRouteOptions,
} from './http-route';

/** A host's service ports by how Istio routes them. */
export interface HostPorts {
  /** Ports whose protocol is HTTP, HTTP/2, gRPC or gRPC-Web. */
  readonly http: readonly number[];
  /** Opaque TCP ports (tcp, mongo, mysql, redis). */
  readonly tcp: readonly number[];
  /** TLS ports the mesh does not terminate (tls, https). */
  readonly tls: readonly number[];
}

/** A delegate VirtualService (one without hosts), by name and namespace: what a root route's `delegate` names. */
export interface VirtualServiceDelegate {
  /** The delegate VirtualService's name. */
  readonly name: string;
  /** Its namespace. */
  readonly namespace: string;
}

/**
 * Everything that shapes one host's VirtualService and DestinationRule: its subsets,
 * matched routes, default split, mirror, faults and gateways. Constructs contribute
 * to it in any order; it is rendered once, at synth, into exactly one VirtualService
 * and one DestinationRule.
 *
 * A field that only one contributor may set (the default split, the mirror, the
 * faults) reports both contributors' paths when a second one sets it.
 */
export class HostTraffic {
  private readonly _subsets = new Map<string, Owned<SubsetOptions>>();
  private readonly _routes: Owned<HttpRouteOptions>[] = [];
  private readonly _tcpRoutes: Owned<TcpRouteOptions>[] = [];
  private readonly _tlsRoutes: Owned<TlsRouteOptions>[] = [];
  private readonly _gateways = new Map<string, IConstruct>();
  private readonly _hosts = new Map<string, IConstruct>();
  private _split?: Owned<RouteDestinationOptions[]>;
  private _mirror?: Owned<MirrorOptions>;
  private _fault?: Owned<FaultInjection>;
  private _handedOver?: Owned<string>;
  private _delegate?: VirtualServiceDelegate;
  private _locality?: Owned<LocalityLbSetting>;
  private _writeRetries?: Owned<Retries>;
  private readonly conflicts: string[] = [];

  public constructor(
    /** The host's short name, the Service's name. */
    public readonly host: string,
    private readonly onHandOver: () => void,
    /** The default route's destinations while no contributor sets a split (the current version's subset, all of it). */
    private readonly fallbackSplit: RouteDestinationOptions[] = [],
  ) {}

  /** Adds a subset; a second subset of the same name is an error at synth. */
  public addSubset(owner: IConstruct, subset: SubsetOptions): void {
    const existing = this._subsets.get(subset.name);
    if (existing) {
      this.conflicts.push(formatProblem(Codes.DUPLICATE_ENTRY,
        `subset '${subset.name}' of host ${this.host} is defined by both ${existing.owner.node.path} and ${owner.node.path}`));
      return;
    }
    this._subsets.set(subset.name, { owner, value: subset });
  }

  /**
   * Removes a subset whose pods are gone (the old version after a completed canary);
   * a route that still names it fails synth (MESH013).
   */
  public removeSubset(name: string): void {
    this._subsets.delete(name);
  }

  /** Adds a matched route; routes are tried in the order added, before the default route. */
  public addRoute(owner: IConstruct, route: HttpRouteOptions): void {
    this._routes.push({ owner, value: route });
  }

  /** Adds a TCP route; tried in the order added, before the default TCP route. */
  public addTcpRoute(owner: IConstruct, route: TcpRouteOptions): void {
    this._tcpRoutes.push({ owner, value: route });
  }

  /** Adds a TLS route (by SNI); tried in the order added, before the default TLS routes. */
  public addTlsRoute(owner: IConstruct, route: TlsRouteOptions): void {
    this._tlsRoutes.push({ owner, value: route });
  }

  /** Sets the default route's destinations (the weighted split). One contributor only. */
  public setSplit(owner: IConstruct, destinations: RouteDestinationOptions[]): void {
    this._split = this.claim('default route split', this._split, owner, destinations);
  }

  /**
   * Retries of the default route's POST and PATCH requests, over the host's field by field. Istio
   * sets retries per route, not per method, so the default route is then preceded by a route of
   * its own for those methods (`writes`: the same destinations, mirror and faults), and a retry
   * on 5xx or reset for reads no longer resends a write. One contributor only.
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRetry
   */
  public setWriteRetries(owner: IConstruct, retries: Retries): void {
    this._writeRetries = this.claim('write retries', this._writeRetries, owner, retries);
  }

  /** Mirrors a share of the default route's requests to a subset. One contributor only. */
  public setMirror(owner: IConstruct, mirror: MirrorOptions): void {
    this._mirror = this.claim('mirror', this._mirror, owner, mirror);
  }

  /** Injects faults into every route of the host. One contributor only. */
  public setFault(owner: IConstruct, fault: FaultInjection): void {
    this._fault = this.claim('fault injection', this._fault, owner, fault);
  }

  /** Sets the host's locality-aware load balancing. One contributor only. */
  public setLocality(owner: IConstruct, locality: LocalityLbSetting): void {
    this._locality = this.claim('locality load balancing', this._locality, owner, locality);
  }

  /**
   * Binds the VirtualService to a gateway (`namespace/name`) as well as to the mesh,
   * serving `hosts` through it as well as the host itself.
   */
  public bindGateway(owner: IConstruct, gateway: string, hosts: string[] = []): void {
    if (!this._gateways.has(gateway)) this._gateways.set(gateway, owner);
    for (const h of hosts) if (!this._hosts.has(h)) this._hosts.set(h, owner);
  }

  /**
   * Hands the host's VirtualService to a controller that writes its own (Flagger):
   * the library then emits none for this host. One contributor only. With `delegate`, the
   * controller's VirtualService is a delegate (no hosts, no gateways: Istio's `Delegate`), and a
   * gateway's route to the host delegates to it instead of routing to the host's Service.
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#Delegate
   */
  public handOverVirtualService(owner: IConstruct, controller: string, delegate?: VirtualServiceDelegate): void {
    const before = this._handedOver;
    this._handedOver = this.claim('VirtualService hand-over', before, owner, controller);
    if (delegate) this._delegate = { name: delegate.name, namespace: delegate.namespace };
    if (!before) this.onHandOver();
  }

  /** The subsets, in the order added. */
  public get subsets(): SubsetOptions[] {
    return [...this._subsets.values()].map((s) => s.value);
  }

  /** The matched routes, in the order added. */
  public get routes(): HttpRouteOptions[] {
    return this._routes.map((r) => r.value);
  }

  /** The TCP routes, in the order added. */
  public get tcpRoutes(): TcpRouteOptions[] {
    return this._tcpRoutes.map((r) => r.value);
  }

  /** The TLS routes, in the order added. */
  public get tlsRoutes(): TlsRouteOptions[] {
    return this._tlsRoutes.map((r) => r.value);
  }

  /** The default route's destinations, if a contributor set them. */
  public get split(): RouteDestinationOptions[] | undefined {
    return this._split?.value;
  }

  /**
   * The default route's destinations: the split a contributor set, else the fallback the host was made with. The one place
   * they are worked out: the host's VirtualService writes them, and so do the gateways' routes to the host without a subset.
   */
  public get defaultDestinations(): RouteDestinationOptions[] {
    return this._split?.value ?? this.fallbackSplit;
  }

  /**
   * The matched routes that send requests to a version by request header alone (a canary phase's `headers`): each match
   * names only `headers` and `withoutHeaders`, and the route forwards to its destinations without changing the request
   * (no rewrite, redirect, direct response, CORS policy, header change, mirror or fault). A gateway's route to the host
   * without a subset carries them ahead of the default destinations, so that the gateway's requests reach the versions as
   * the mesh's do; the host's other routes select by what the gateway's own match already decides (path, method, port,
   * source) and are not carried.
   */
  public get headerRoutes(): HttpRouteOptions[] {
    const headerOnly = (m: HttpRouteOptions['match'][number]) =>
      Object.entries(m).every(([k, v]) => v === undefined || k === 'headers' || k === 'withoutHeaders') && !!(m.headers || m.withoutHeaders);
    return this.routes.filter((r) => r.match.length > 0 && r.match.every(headerOnly) && (r.destinations?.length ?? 0) > 0
      && !r.rewrite && !r.redirect && !r.directResponse && !r.corsPolicy && !r.headers && !r.mirror && !r.fault);
  }

  /** The retries of the default route's POST and PATCH requests, if a contributor set them. */
  public get writeRetries(): Retries | undefined {
    return this._writeRetries?.value;
  }

  /** The mirror, if any. */
  public get mirror(): MirrorOptions | undefined {
    return this._mirror?.value;
  }

  /** The faults, if any. */
  public get fault(): FaultInjection | undefined {
    return this._fault?.value;
  }

  /** The locality-aware load balancing, if a contributor set it. */
  public get locality(): LocalityLbSetting | undefined {
    return this._locality?.value;
  }

  /** Gateways the VirtualService is bound to, sorted, besides the mesh. */
  public get gateways(): string[] {
    return [...this._gateways.keys()].sort();
  }

  /** Every host of the VirtualService as written: the short host, then those served through gateways. */
  public get hosts(): string[] {
    return [this.host, ...this.extraHosts];
  }

  /** Extra hosts served through gateways, sorted. */
  public get extraHosts(): string[] {
    return [...this._hosts.keys()].sort();
  }

  /** The controller that owns the VirtualService instead of the library, if any. */
  public get virtualServiceOwner(): string | undefined {
    return this._handedOver?.value;
  }

  /**
   * The delegate VirtualService the controller writes for the host, which a gateway's route to the host delegates to;
   * undefined when the controller's VirtualService routes the host itself (or the library writes it).
   */
  public get virtualServiceDelegate(): VirtualServiceDelegate | undefined {
    return this._delegate && { ...this._delegate };
  }

  /**
   * Everything wrong with the contributions, as validation messages. `ports` are the
   * service's port numbers by kind (HTTP, TCP, TLS), so routes of the wrong protocol are found.
   */
  public problems(ports: HostPorts = { http: [0], tcp: [], tls: [] }): string[] {
    const problems = [...this.conflicts];
    const known = new Set(this._subsets.keys());
    for (const { value: s } of this._subsets.values()) {
      for (const [k, v] of Object.entries(s.labels)) {
        const p = labelValueProblem(v);
        if (p) problems.push(formatProblem(Codes.INVALID_NAME, `subset '${s.name}' label ${k}: ${p}`));
      }
    }
    problems.push(...this.httpRouteProblems(known, ports));
    problems.push(...this.l4RouteProblems(known, ports));
    problems.push(...this.hostProblems());
    const split = this.defaultDestinations;
    problems.push(...this.destinationProblems('default route', split, known));
    problems.push(...this.mirrorAndFaultProblems(split, known, ports.http.length > 0));
    return problems;
  }

  /** A route's destinations: at least one, each a subset the DestinationRule defines, their weights summing to 100. */
  private destinationProblems(where: string, dests: readonly RouteDestinationOptions[], known: ReadonlySet<string>): string[] {
    const problems: string[] = [];
    if (dests.length === 0) problems.push(formatProblem(Codes.ROUTE_WITHOUT_DESTINATION, `${where} has no destination`));
    for (const d of dests) {
      if (!known.has(d.subset)) {
        problems.push(
          formatProblem(
            Codes.UNKNOWN_SUBSET,
            `${where} routes to subset '${d.subset}', which the DestinationRule of ${this.host} does not define (defined: `
              + `${[...known].join(', ') || 'none'})`,
          ),
        );
      }
    }
    const split = weightSplitProblem(dests.map((d) => ({ name: d.subset, weight: d.weight?.value })));
    if (split) problems.push(formatProblem(Codes.WEIGHTS_NOT_100, `${where}: ${split}`));
    return problems;
  }

  /**
   * The HTTP routes: each route's own rules, destinations and mirror, and its ports, which must be HTTP ports.
   * @see https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/
   */
  private httpRouteProblems(known: ReadonlySet<string>, ports: HostPorts): string[] {
    const problems: string[] = [];
    const hasHttp = ports.http.length > 0;
    this._routes.forEach(({ value: r, owner }, i) => {
      const where = `route ${r.name ?? i} (from ${owner.node.path})`;
      problems.push(...httpRouteProblems(where, r));
      if (r.destinations && r.destinations.length > 0) problems.push(...this.destinationProblems(where, r.destinations, known));
      if (r.mirror) problems.push(...mirrorTargetProblems(`${where}: mirror`, r.mirror, known));
      // HTTP routes apply to HTTP ports only.
      if (!hasHttp) {
        problems.push(
          formatProblem(Codes.ROUTE_PROTOCOL_MISMATCH, `${where}: ${this.host} has no HTTP port, so Istio would never apply an HTTP route`),
        );
      }
      for (const m of r.match) {
        if (m.port !== undefined && hasHttp && !ports.http.includes(m.port)) {
          problems.push(
            formatProblem(Codes.ROUTE_PROTOCOL_MISMATCH, `${where}: port ${m.port} is not an HTTP port of ${this.host} (${ports.http.join(', ')})`),
          );
        }
      }
    });
    return problems;
  }

  /**
   * The TCP and TLS routes: their destinations and ports (a TCP route is "applied to any port that is not a HTTP or TLS port").
   * A TLS route's SNI hosts, which istiod accepts only within the VirtualService's hosts as written, are istiod's rule over the
   * VirtualService (validateTLSMatch, validateSniHost: src/validate/webhook/virtual-service.ts, MESH160 and MESH179).
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#TCPRoute
   */
  private l4RouteProblems(known: ReadonlySet<string>, ports: HostPorts): string[] {
    const problems: string[] = [];
    for (const [kind, list, allowed] of [['TCP', this._tcpRoutes, ports.tcp], ['TLS', this._tlsRoutes, ports.tls]] as const) {
      list.forEach(({ value: r, owner }, i) => {
        const where = `${kind} route ${i} (from ${owner.node.path})`;
        problems.push(...this.destinationProblems(where, r.destinations, known));
        if (r.port !== undefined && !allowed.includes(r.port)) {
          problems.push(formatProblem(Codes.ROUTE_PROTOCOL_MISMATCH,
            `${where}: port ${r.port} is not a ${kind} port of ${this.host}${ports.http.includes(r.port) ? ' (it speaks HTTP)' : ''}`));
        } else if (r.port === undefined && allowed.length === 0) {
          problems.push(formatProblem(Codes.ROUTE_PROTOCOL_MISMATCH, `${where}: ${this.host} has no ${kind} port`));
        }
      });
    }
    return problems;
  }

  /**
   * The hosts bound: the VirtualService is bound to `mesh` too, where istiod rejects the wildcard host
   * ("wildcard host * is not allowed for virtual services bound to the mesh gateway", pkg/config/validation/validation.go in istio/istio).
   */
  private hostProblems(): string[] {
    return [...this._hosts].filter(([h]) => h === '*').map(([h, owner]) => formatProblem(Codes.GATEWAY_HOSTS,
      `host '${h}' (bound by ${owner.node.path}) is invalid on the mesh gateway; serve it with EdgeGateway.route, bound to the gateway only`));
  }

  /** The mirror (to a defined subset the default route does not already serve) and the fault, both on HTTP ports only. */
  private mirrorAndFaultProblems(split: readonly RouteDestinationOptions[], known: ReadonlySet<string>, hasHttp: boolean): string[] {
    const problems: string[] = [];
    if (this._mirror) {
      const m = this._mirror.value;
      problems.push(...mirrorTargetProblems('mirror', m, known));
      const serving = split.filter((d) => (d.weight?.value ?? 100) > 0).map((d) => d.subset);
      if (!m.service && serving.includes(m.subset)) {
        problems.push(formatProblem(Codes.CONFLICTING_CONTRIBUTION,
          `mirror targets subset '${m.subset}', which already serves the default route's traffic: the requests routed to it would `
          + 'reach it twice, once as a copy; shadow the version with one of its own beside it (addVersion({ name, image, subset }), '
          + 'the same image) and mirror to that subset'));
      }
      if (!hasHttp) {
        problems.push(
          formatProblem(Codes.ROUTE_PROTOCOL_MISMATCH, `mirror (from ${this._mirror.owner.node.path}): ${this.host} has no HTTP port to mirror`),
        );
      }
    }
    if (this._fault) {
      const { value: fault, owner } = this._fault;
      problems.push(...faultProblems('fault injection', fault).map((p) => p.replace('fault injection.', 'fault.')));
      if (!hasHttp) {
        problems.push(formatProblem(Codes.ROUTE_PROTOCOL_MISMATCH, `fault injection (from ${owner.node.path}): ${this.host} has no HTTP port`));
      }
    }
    return problems;
  }

  private claim<T>(what: string, current: Owned<T> | undefined, owner: IConstruct, value: T): Owned<T> {
    if (current && current.owner !== owner) {
      this.conflicts.push(formatProblem(Codes.CONFLICTING_CONTRIBUTION,
        `${what} of host ${this.host} is set by both ${current.owner.node.path} and ${owner.node.path}`));
      return current;
    }
    return { owner, value };
  }
}

/**
 * A mirror's target: a defined subset of the host (`known`), or of another service (`m.service`), on one of that service's HTTP
 * ports (Istio mirrors HTTP requests: https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute).
 */
function mirrorTargetProblems(where: string, m: MirrorOptions, known: ReadonlySet<string>): string[] {
  const out: string[] = [];
  const target: MirrorService | undefined = m.service;
  const subsets = target ? new Set(target.traffic.subsets.map((x) => x.name)) : known;
  if (!subsets.has(m.subset)) {
    const of = target ? ` of ${target.namespace}/${target.name}` : '';
    out.push(formatProblem(Codes.UNKNOWN_SUBSET, `${where} targets subset '${m.subset}'${of}, which is not defined`));
  }
  if (target && m.port !== undefined && !target.ports.some((p) => p.port === m.port && HTTP_PROTOCOLS.includes(p.protocol))) {
    out.push(formatProblem(Codes.ROUTE_PROTOCOL_MISMATCH, `${where}.port: ${m.port} is not an HTTP port of ${target.namespace}/${target.name}`));
  }
  if (target && !target.ports.some((p) => HTTP_PROTOCOLS.includes(p.protocol))) {
    const name = `${target.namespace}/${target.name}`;
    out.push(formatProblem(Codes.ROUTE_PROTOCOL_MISMATCH, `${where}.service: ${name} has no HTTP port: Istio mirrors HTTP requests`));
  }
  return out;
}
