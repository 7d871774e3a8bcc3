import { Construct, IConstruct } from 'constructs';
import { hasBrand, setBrand } from '../../core/brand';
import { Codes } from '../../core/codes';
import { formatProblem } from '../../core/errors';
import { Labels, MANAGED_BY } from '../../core/labels';
import { dns1123LabelProblem, isGatewayHost } from '../../core/names';
import { TCP_PROTOCOLS, type PortProtocol } from '../../core/ports';
import type { IntendedFlow } from '../../core/flow';
import { MeshChart } from '../../graph/mesh-chart';
import { MeshService } from '../../graph/mesh-service';
import { platformGatewayPortName } from '../../platform/platform';
import { integerProblems } from '../../private/checks';
import type { IRoutedService, ITieredService } from '../../graph/mesh-service-props';
import { Principal } from '../../core/principal';
import type { HttpMethod } from '../../core/http';
import { ServiceSecurity } from '../../graph/security/service-security';
import { credentialSecretProblems } from '../../private/gateway-secrets';
import { addGateway } from './edge-gateway.render';
import { externalClient, GatewayTls } from './gateway-tls';
import { addProblems, setPrimaryObject } from '../../private/construct-problems';
import type { Problem } from '../../core/problem';
import { concreteHost, gatewayMirrorFlow, GatewayRoute, GatewayRouteOptions, gatewayRouteFlow, hostCovers, withSourceRanges } from './gateway-route';
import { addGatewayTcpVirtualService, addGatewayTlsVirtualService, addGatewayVirtualService } from './gateway-route.render';
import { otherVirtualServicesNamed } from './virtual-service-names';
import { AnsweringServer, GatewayAnswer, GatewayAnswerMatchOptions, GatewayRedirectOptions, GatewayRespondOptions } from './gateway-answer';
import type { NetworkPeer } from '../../workload/workload';

/** The port a gateway server listens on. */
export interface GatewayPort {
  /** The port number. */
  readonly number: number;
  /** The port's name, unique in the gateway (`https`). Istio requires one. */
  readonly name: string;
  /** The protocol exposed. */
  readonly protocol: PortProtocol;
}

/**
 * One server of a gateway: a port, the hosts it serves and its TLS.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/#Server
 */
export interface GatewayServer {
  /** The port. */
  readonly port: GatewayPort;
  /** The hosts served (`shop.example.com`, `*.production.svc.cluster.local`). */
  readonly hosts: string[];
  /**
   * TLS settings; required for HTTPS and TLS servers.
   * @default - none
   */
  readonly tls?: GatewayTls;
}

/** Where a Gateway lives and which gateway pods serve it; common to every gateway construct. */
export interface GatewayPlacement {
  /**
   * The Gateway's name.
   * @default - the construct's id
   */
  readonly name?: string;
  /**
   * The Gateway's namespace.
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /**
   * Labels of the gateway pods (Envoy deployments) that serve it; they run in the
   * platform's ingress gateway namespace, as that gateway's ServiceAccount.
   * @default - the platform's gateway selector (`MeshChart.platform.ingressGateway.selector`)
   */
  readonly selector?: Record<string, string>;
}

/** The pods of a gateway, which the services it routes to admit. */
export interface GatewayWorkload {
  /**
   * The pods' namespace.
   * @default - the platform's ingress gateway namespace (`MeshPlatform.ingressGateway.namespace`)
   */
  readonly namespace?: string;
  /**
   * Labels that select the pods, which NetworkPolicy peers name.
   * @default - the gateway's `selector`; for the platform's gateway pods, its Service's selector
   * (`MeshPlatform.ingressGateway.serviceSelector`)
   */
  readonly labels?: Record<string, string>;
  /**
   * The pods' ServiceAccount: the services admit its principal.
   * @default - the platform's ingress gateway's (`istio-ingressgateway-service-account`)
   */
  readonly serviceAccount?: string;
}

/** Props for {@link EdgeGateway}. */
export interface EdgeGatewayProps extends GatewayPlacement {
  /** The servers. */
  readonly servers: GatewayServer[];
  /**
   * The gateway pods, where they are not the platform's ingress gateway: the services it routes to
   * admit their namespace and labels (NetworkPolicy) and their ServiceAccount's principal
   * (AuthorizationPolicy), never every identity of their namespace.
   * @default - the platform's ingress gateway pods (`MeshChart.platform.ingressGateway`)
   */
  readonly workload?: GatewayWorkload;
}

/**
 * Options of {@link EdgeGateway.routeTls}: which connections a PASSTHROUGH server forwards to a
 * service that terminates their TLS itself (an MQTT broker verifying its devices' certificates).
 */
export interface GatewayTlsRouteOptions {
  /**
   * The port of the gateway's server the connections arrive on: a `TLS` server in PASSTHROUGH mode
   * (`GatewayTls.passthrough()`).
   * @default - the port of the gateway's first PASSTHROUGH server
   */
  readonly gatewayPort?: number;
  /**
   * The server names (SNI) routed, each among that server's hosts.
   * @default - that server's hosts
   */
  readonly hosts?: string[];
  /**
   * The service port the connections go to: a `tls` or `https` port, the service terminating the client's TLS.
   * @default - the service's first `tls` or `https` port
   */
  readonly port?: number;
}

/**
 * Options of {@link EdgeGateway.routeTcp}: which connections a server that terminates TLS (a `TLS` server in SIMPLE, MUTUAL or
 * ISTIO_MUTUAL mode: MQTT over TLS from devices, decrypted at the gateway) or a plain `TCP` server forwards to a TCP port of a service.
 * The route takes every connection of the server, whatever its hosts: istiod gives such a server one filter chain, which forwards to
 * the first `tcp` route of the VirtualServices bound to the gateway for the server's hosts.
 */
export interface GatewayTcpRouteOptions {
  /**
   * The port of the gateway's server the connections arrive on: a `TCP` server, or a `TLS` server whose TLS the gateway
   * terminates (`GatewayTls.simple(...)`, `mutual(...)`, `istioMutual()`).
   * @default - the port of the gateway's first such server
   */
  readonly gatewayPort?: number;
  /**
   * The service port the connections go to: a TCP port (`tcp`, `mongo`, `mysql`, `redis`), which receives the bytes the client
   * sent inside its TLS.
   * @default - the service's first TCP port
   */
  readonly port?: number;
}

/** Options for {@link EdgeGateway.fromPlatform}. */
export interface PlatformGatewayOptions {
  /**
   * The Gateway's namespace, where the platform has Gateways of one name in several.
   * @default - the platform's Gateway of that name
   */
  readonly namespace?: string;
}

/** What a platform-owned EdgeGateway is made with: the platform's Gateway, or the names the platform knows. @internal */
const PLATFORM_OWNED = Symbol.for('cdk8s-mesh.EdgeGateway.platformOwned');
type PlatformOwned = { readonly known: readonly string[]; readonly found: boolean };

/**
 * An Istio Gateway. Requests reach services through it by {@link EdgeGateway.route}: a
 * VirtualService bound to the gateway only (never `mesh`), for hosts that are not services of the
 * mesh (`*`, `shop.example.com`; a `*` host is invalid on the `mesh` gateway), one HTTP route per
 * call; each service admits the gateway's pods on the routed paths.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/
 */
/** The brand of an EdgeGateway, and so of an IngressGateway and a MeshGateway, which extend it. */
const EDGE_GATEWAY_BRAND = Symbol.for('cdk8s-mesh.EdgeGateway');

export class EdgeGateway extends Construct {
  /**
   * Whether `x` is an EdgeGateway (an IngressGateway and a MeshGateway are): a brand check, true across two copies of the
   * library too, where `instanceof` is not.
   */
  public static isEdgeGateway(x: unknown): x is EdgeGateway {
    return hasBrand(x, EDGE_GATEWAY_BRAND);
  }

  /**
   * A Gateway the platform team applies (`MeshPlatformProps.gateways`, `name` among them), to which this chart's routes
   * bind: the library writes no Gateway, only the routes' VirtualServices, in the chart's namespace, each naming the
   * Gateway as `<namespace>/<name>`; the routed services admit the ingress gateway's pods, as for any gateway. Give a
   * route the `hosts` it serves among the Gateway's (by default all of them): one environment's name under a shared
   * wildcard. A name the platform does not describe fails synth (MESH085).
   */
  public static fromPlatform(scope: Construct, id: string, name: string, options: PlatformGatewayOptions = {}): EdgeGateway {
    const platform = MeshChart.of(scope).platform;
    const gw = platform.gateways.find((g) => g.name === name && (options.namespace === undefined || g.namespace === options.namespace));
    const servers: GatewayServer[] = (gw?.servers ?? []).map((s) => ({
      port: { number: s.port, name: platformGatewayPortName(s), protocol: s.protocol },
      hosts: [...s.hosts],
      tls: s.protocol === 'HTTPS' ? GatewayTls.simple(s.credentialName!) : s.httpsRedirect ? GatewayTls.httpsRedirect() : undefined,
    }));
    const owned: PlatformOwned = { known: platform.gateways.map((g) => `${g.namespace}/${g.name}`), found: gw !== undefined };
    const props = { name, namespace: gw?.namespace ?? options.namespace ?? platform.ingressGateway.namespace, selector: gw?.selector, servers };
    return new EdgeGateway(scope, id, Object.assign(props, { [PLATFORM_OWNED]: owned }));
  }

  /** The Gateway's name. */
  public readonly name: string;
  /** The Gateway's namespace. */
  public readonly namespace: string;
  /** The servers. */
  public readonly servers: readonly GatewayServer[];

  /** Labels of the gateway pods that serve it. */
  public readonly selector: Readonly<Record<string, string>>;
  private readonly workload?: GatewayWorkload;
  /** Set for a Gateway the platform applies: then its routes' VirtualServices live in the chart's namespace. */
  private readonly platformOwned?: PlatformOwned;
  private readonly virtualServices = new Map<string, VirtualServiceEntry>();
  private readonly tlsRoutes: { service: ITieredService; hosts: readonly string[]; gatewayPort: number; port: number; scope: Construct }[] = [];
  private readonly tcpRoutes: { service: ITieredService; server: GatewayServer; port: number; scope: Construct }[] = [];
  /** Every HTTP route of this gateway, as `_addRoute` made it. */
  private readonly httpRoutes: GatewayRoute[] = [];

  public constructor(scope: Construct, id: string, props: EdgeGatewayProps) {
    super(scope, id);
    setBrand(this, EDGE_GATEWAY_BRAND);
    this.name = props.name ?? id;
    this.namespace = props.namespace ?? MeshChart.of(this).namespace;
    this.servers = Object.freeze([...props.servers]);
    this.selector = Object.freeze({ ...(props.selector ?? MeshChart.of(this).platform.ingressGateway.selector) });
    this.workload = props.workload && Object.freeze({ ...props.workload });
    this.platformOwned = (props as { [PLATFORM_OWNED]?: PlatformOwned })[PLATFORM_OWNED];
    if (!this.platformOwned) {
      addGateway(this, 'Resource', { name: this.name, namespace: this.namespace, labels: { [Labels.MANAGED_BY]: MANAGED_BY } }, this);
    }
    addProblems(this, () => (this.platformOwned ? this.platformProblems(this.platformOwned) : this.problems()));
    MeshChart.of(this).addIntendedFlows(() => this.routeFlows());
  }

  /**
   * The flows this gateway's own routes mean (`route()` on an `EdgeGateway`), where its pods are
   * the platform's, which synth knows: a client outside reaches each route's service.
   */
  private routeFlows(): IntendedFlow[] {
    if (this.workload) return [];
    // The platform's gateway pods this gateway selects, as `admit` names them.
    const pods = MeshChart.of(this).platform.ingressGatewayWorkload();
    const gateway = { ...pods, labels: { ...pods.labels, ...this.selector } };
    return [
      ...[...this.virtualServices.values()].flatMap((vs) => vs.answers.flatMap((a) => {
        const host = concreteHost(a.hosts[0]);
        return a._flow(host === undefined ? undefined : answeringServer(this.servers, host), host, this.name);
      })),
      ...[...this.virtualServices.values()].flatMap((vs) => vs.routes.flatMap((r) => [
        ...withSourceRanges(r, gatewayRouteFlow(r, this.servers, this.name)), ...gatewayMirrorFlow(r, gateway),
      ])),
      ...this.tlsRoutes.flatMap((r): IntendedFlow[] => {
        const host = concreteHost(r.hosts[0]);
        return host === undefined ? [] : [{
          source: { external: true }, host, port: r.gatewayPort, protocol: 'TLS', sni: host, expect: 'allow', constructPath: r.scope.node.path,
          reaches: { namespace: r.service.namespace, service: r.service.name },
          description: `a client reaches ${r.service.name} through ${this.name}: TLS to ${host}:${r.gatewayPort}, `
            + `passed through to its port ${r.port}`,
        }];
      }),
      ...this.tcpRoutes.flatMap((r): IntendedFlow[] => {
        const host = concreteHost(r.server.hosts[0].slice(r.server.hosts[0].indexOf('/') + 1));
        const tls = r.server.port.protocol === 'TLS';
        return host === undefined ? [] : [{
          source: externalClient(r.server.tls), host, port: r.server.port.number, protocol: tls ? 'TLS' : 'TCP', ...(tls ? { sni: host } : {}),
          expect: 'allow', constructPath: r.scope.node.path, reaches: { namespace: r.service.namespace, service: r.service.name },
          description: `a client reaches ${r.service.name} through ${this.name}: ${tls ? 'TLS' : 'TCP'} to ${host}:${r.server.port.number}`
            + `${tls ? ', terminated at the gateway,' : ''} forwarded to its port ${r.port}`,
        }];
      }),
    ];
  }

  /** `namespace/name`, as VirtualServices name the gateway. */
  public get ref(): string {
    return `${this.namespace}/${this.name}`;
  }

  /**
   * Routes requests for the hosts to `service`: a route in a VirtualService bound to this gateway
   * only (`virtualServiceName`, default the gateway's name, in the gateway's namespace; routes that
   * name one VirtualService share it and must route the same hosts), tried in the order added. The
   * service admits the gateway's pods on the routed paths. A `virtualServiceName` another VirtualService of the
   * namespace has (a service's own, another gateway's) fails synth (MESH273).
   *
   * @see https://istio.io/latest/docs/tasks/traffic-management/ingress/ingress-control/
   */
  public route(service: ITieredService, options: GatewayRouteOptions = {}): GatewayRoute {
    const hosts = this.hostsOf(options.hosts);
    const virtualServiceName = options.virtualServiceName ?? this.name;
    const route = this._addRoute(service, options, { hosts, virtualServiceName, unsupported: {} });
    const entry = this.virtualServiceFor(route, route.hosts, virtualServiceName, options.virtualServiceName !== undefined);
    entry.routes.push(route);
    // A route's problems are about the VirtualService its rules are in, which the first rule of that name holds.
    setPrimaryObject(route, entry.virtualService);
    if (route.hosts.length === 0) addProblems(route, () => [formatProblem(Codes.GATEWAY_HOSTS, 'hosts: a route needs at least one host')]);
    this.admit(service, route.paths, route.methods);
    // The gateway sends the copies itself: the mirrored service admits it on the same paths.
    if (options.mirror) this.admit(options.mirror.service, route.paths, route.methods);
    // The shifted share goes from the gateway to the other service: it admits the gateway on the same paths.
    if (options.shift) this.admit(options.shift.service, route.paths, route.methods);
    return route;
  }

  /**
   * Redirects requests for the hosts at the gateway, without a service (a strangler fig's retired URL: `/old-cart` to 301
   * `/cart/`): Istio's HTTPRedirect, a rule of the gateway's VirtualService (`virtualServiceName`, as for `route()`) that comes
   * before its routes, so a broader route (`/`) does not take the requests first. The client's request for the first host at a
   * path the rule takes is an intended flow, answered at the gateway with the status, proved at synth. A mesh route's
   * `redirect` (`addRoute`) is not applied at the gateway (MESH686): this is the gateway's own.
   *
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRedirect
   */
  public redirect(options: GatewayRedirectOptions): GatewayAnswer {
    return this.addAnswer('redirect', options, { redirect: options });
  }

  /**
   * Answers requests for the hosts at the gateway with a status and body, without a service (a 503 maintenance page,
   * `/robots.txt`): Istio's HTTPDirectResponse, a rule of the gateway's VirtualService that comes before its routes, as a
   * `redirect()`'s. The client's request is an intended flow answered at the gateway with the status, proved at synth.
   *
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPDirectResponse
   */
  public respond(options: GatewayRespondOptions): GatewayAnswer {
    return this.addAnswer('respond', options, { respond: options });
  }

  private addAnswer(
    kind: string, options: GatewayAnswerMatchOptions, action: { redirect?: GatewayRedirectOptions; respond?: GatewayRespondOptions },
  ): GatewayAnswer {
    let id = kind;
    for (let n = 2; this.node.tryFindChild(id); n++) id = `${kind}-${n}`;
    const hosts = this.hostsOf(options.hosts);
    const virtualServiceName = options.virtualServiceName ?? this.name;
    const answer = new GatewayAnswer(this, id, { hosts, virtualServiceName, ...action });
    const refused = this._answersRefused();
    if (refused) addProblems(answer, () => [formatProblem(Codes.GATEWAY_ANSWER_INVALID, refused)]);
    const entry = this.virtualServiceFor(answer, answer.hosts, virtualServiceName, options.virtualServiceName !== undefined);
    entry.answers.push(answer);
    setPrimaryObject(answer, entry.virtualService);
    return answer;
  }

  /**
   * @internal Why this gateway writes no rule of its own that answers requests (`redirect()`, `respond()`); undefined for an
   * `EdgeGateway`, whose VirtualServices hold them.
   */
  protected _answersRefused(): string | undefined {
    return undefined;
  }

  /** The hosts a rule serves: those given, else every host of the servers (a server's `ns/host` names the host alone). */
  private hostsOf(given: readonly string[] | undefined): string[] {
    // A server's host may name the namespaces it takes routes from (`ns/host`); a VirtualService names the host alone.
    // https://istio.io/latest/docs/reference/config/networking/gateway/#Server (hosts)
    return [...(given ?? new Set(this.servers.flatMap((s) => s.hosts.map((h) => h.slice(h.indexOf('/') + 1)))))];
  }

  /**
   * The VirtualService `name` a rule goes in: opened under `rule` when it is the first (which holds it), else the one opened,
   * whose hosts the rule must share.
   */
  private virtualServiceFor(rule: Construct, hosts: readonly string[], name: string, named: boolean): VirtualServiceEntry {
    const vs = this.virtualServices.get(name);
    if (vs) {
      if (vs.hosts.join(',') !== hosts.join(',')) {
        addProblems(rule, () => [formatProblem(Codes.GATEWAY_HOSTS, `hosts: [${hosts.join(', ')}] are not the hosts of VirtualService `
          + `'${name}' ([${vs.hosts.join(', ')}], opened by ${vs.opener.node.path}); give the route a virtualServiceName of its own`)]);
      }
      return vs;
    }
    const chart = MeshChart.of(this);
    // A platform Gateway's routes are the chart's: in its namespace, naming the Gateway in the platform's.
    const namespace = this.platformOwned ? chart.namespace : this.namespace;
    const own = addGatewayVirtualService(rule, 'Resource',
      { name, namespace, labels: { [Labels.MANAGED_BY]: MANAGED_BY, ...chart.commonLabels() } },
      () => ({
        namespace, gateway: { name: this.name, namespace: this.namespace }, hosts: entry.hosts, routes: entry.routes, answers: entry.answers,
      }));
    const entry: VirtualServiceEntry = { hosts, opener: rule, virtualService: own, answers: [], routes: [] };
    this.virtualServices.set(name, entry);
    addProblems(rule, () => {
      if (named && dns1123LabelProblem(name)) return [formatProblem(Codes.INVALID_NAME, `virtualServiceName: ${dns1123LabelProblem(name)}`)];
      return otherVirtualServicesNamed(own, namespace, name).map((other) => formatProblem(Codes.GATEWAY_VIRTUAL_SERVICE_NAME_TAKEN,
        `virtualServiceName: '${name}'${named ? '' : " (the gateway's name, the default)"} is the name of ${other.node.scope!.node.path}'s `
        + `VirtualService in namespace ${namespace}: the cluster holds one VirtualService of a name, so one would replace the other on `
        + "apply and its rules would be lost; give this gateway's a virtualServiceName of its own"));
    });
    return entry;
  }

  /**
   * Routes TLS connections that a PASSTHROUGH server of this gateway takes to `service`, which terminates their TLS
   * itself (the gateway reads only the server name, SNI): a `tls` route per call, matching the server's port and the
   * names, in a VirtualService `<gateway>-tls` bound to this gateway only. The service admits the gateway's pods
   * on the port's container port (NetworkPolicy) and their principal (AuthorizationPolicy, the connection reaching the
   * service's sidecar over Istio mTLS); a client outside connecting to the first name is an intended flow. `route()`
   * routes the HTTP requests of the servers that terminate TLS (or speak plain HTTP).
   *
   * A gateway sends to a headless Service's endpoints (istio/istio pilot/pkg/networking/core/cluster_builder.go,
   * convertResolution: "Gateways cannot use passthrough clusters. So fallback to EDS"), so a stateful service is routed so too.
   *
   * @see https://istio.io/latest/docs/tasks/traffic-management/ingress/ingress-sni-passthrough/
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#TLSRoute
   */
  public routeTls(service: ITieredService, options: GatewayTlsRouteOptions = {}): void {
    let id = `tls-route-${service.name}`;
    for (let n = 2; this.node.tryFindChild(id); n++) id = `tls-route-${service.name}-${n}`;
    const scope = new Construct(this, id);
    const passthrough = this.servers.filter((s) => s.port.protocol === 'TLS' && isPassthrough(s.tls));
    const server = options.gatewayPort === undefined ? passthrough[0] : passthrough.find((s) => s.port.number === options.gatewayPort);
    const serverHosts = (server?.hosts ?? []).map((h) => h.slice(h.indexOf('/') + 1));
    const hosts = Object.freeze([...(options.hosts ?? serverHosts)]);
    const tlsPorts = service.ports.filter((p) => p.protocol === 'tls' || p.protocol === 'https');
    const target = options.port === undefined ? tlsPorts[0] : tlsPorts.find((p) => p.port === options.port);
    addProblems(scope, () => {
      const out: (string | Problem)[] = [];
      const capped = connectionsCapped(service, this.name);
      if (capped) out.push(capped);
      if (!server) {
        out.push(formatProblem(Codes.GATEWAY_TLS, `gatewayPort: ${this.node.path} has no TLS server in PASSTHROUGH mode`
          + `${options.gatewayPort === undefined ? '' : ` on port ${options.gatewayPort}`} (GatewayTls.passthrough()): a server that `
          + 'terminates TLS is routed by routeTcp() (a TLS server: the connections inside, to a TCP port) or route() (an HTTPS server)'));
      }
      if (hosts.length === 0) out.push(formatProblem(Codes.GATEWAY_HOSTS, 'hosts: a TLS route needs at least one server name'));
      for (const h of server ? hosts : []) {
        if (!serverHosts.some((sh) => hostCovers(sh, h))) {
          out.push(formatProblem(Codes.GATEWAY_HOSTS, `hosts: '${h}' is not a host of the server on port ${server!.port.number} `
            + `([${serverHosts.join(', ')}])`));
        }
      }
      if (!target) {
        const port = options.port === undefined ? `${service.node.path} has no tls or https port`
          : `${options.port} is not a tls or https port of ${service.node.path}`;
        out.push(formatProblem(Codes.ROUTE_PROTOCOL_MISMATCH, `port: ${port}: the gateway passes the `
          + "client's TLS through unread, so the service must terminate it (routeTcp() terminates it at the gateway, to a TCP port)"));
      }
      return out;
    });
    if (!server || !target) return;
    // The gateway is admitted once per service and port, however many of its servers and names pass through to it.
    const admitted = this.tlsRoutes.some((r) => r.service === service && r.port === target.port);
    this.tlsRoutes.push({ service, hosts, gatewayPort: server.port.number, port: target.port, scope });
    if (this.tlsRoutes.length === 1) {
      const chart = MeshChart.of(this);
      const namespace = this.platformOwned ? chart.namespace : this.namespace;
      addGatewayTlsVirtualService(this, 'TlsVirtualService',
        { name: `${this.name}-tls`, namespace, labels: { [Labels.MANAGED_BY]: MANAGED_BY, ...chart.commonLabels() } },
        () => ({ namespace, gateway: { name: this.name, namespace: this.namespace }, routes: this.tlsRoutes }));
    }
    // The gateway's own connection, on the port the pods receive it on (Operation.ports, "as specified in the connection"):
    // not a gateway admission of HTTP routes, whose methods and paths the end-user rules and the retry analysis read.
    if (!admitted) this.admitConnections(service, target.targetPort);
  }

  /**
   * Routes the connections of a server that terminates TLS (a `TLS` server in SIMPLE, MUTUAL or ISTIO_MUTUAL mode) or of a plain
   * `TCP` server to a TCP port of `service` (MQTT devices over TLS to a broker's 1883): a `tcp` route matching the server's
   * port, in a VirtualService `<gateway>-<service>-tcp` bound to this gateway only, for the server's hosts. The route takes every
   * connection of the server: istiod gives such a server one filter chain (for TLS, matching its hosts as server names and
   * holding its certificate), whose TCP proxy forwards to the first `tcp` route matching the server's port among the VirtualServices
   * bound to the gateway for its hosts (istio/istio pilot/pkg/networking/core/gateway.go, `createGatewayTCPFilterChainOpts`,
   * `buildGatewayNetworkFiltersFromTCPRoutes`), so a second `routeTcp` for one server fails synth (MESH517). `route()` writes
   * `http` routes, which such a server never takes; `routeTls()` routes a PASSTHROUGH server. The service admits the gateway's
   * pods on the port's container port (NetworkPolicy) and their principal on that port (AuthorizationPolicy), and a client
   * outside connecting to the server's first host is an intended flow.
   *
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#TCPRoute
   * @see https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings-TLSmode
   */
  public routeTcp(service: ITieredService, options: GatewayTcpRouteOptions = {}): void {
    let id = `tcp-route-${service.name}`;
    for (let n = 2; this.node.tryFindChild(id); n++) id = `tcp-route-${service.name}-${n}`;
    const scope = new Construct(this, id);
    const forwarding = this.servers.filter((s) => s.port.protocol === 'TCP' || (s.port.protocol === 'TLS' && s.tls && !isPassthrough(s.tls)));
    const server = options.gatewayPort === undefined ? forwarding[0] : forwarding.find((s) => s.port.number === options.gatewayPort);
    const tcpPorts = service.ports.filter((p) => TCP_PROTOCOLS.includes(p.protocol));
    const target = options.port === undefined ? tcpPorts[0] : tcpPorts.find((p) => p.port === options.port);
    const earlier = this.tcpRoutes.find((r) => r.server === server);
    addProblems(scope, () => {
      const out: (string | Problem)[] = [];
      const capped = connectionsCapped(service, this.name);
      if (capped) out.push(capped);
      if (!server) {
        out.push(formatProblem(Codes.GATEWAY_TLS, `gatewayPort: ${this.node.path} has no TCP server, nor a TLS server that terminates TLS`
          + `${options.gatewayPort === undefined ? '' : `, on port ${options.gatewayPort}`} (a TLS server with GatewayTls.simple(), mutual() `
          + 'or istioMutual()): routeTcp() forwards the connections of such a server; routeTls() routes a PASSTHROUGH server, route() HTTP'));
      }
      if (earlier) {
        out.push(formatProblem(Codes.GATEWAY_TCP_SERVER_ROUTED_TWICE, `gatewayPort: the server on port ${server!.port.number} `
          + `([${server!.hosts.join(', ')}]) is routed to ${earlier.service.node.path} already (${earlier.scope.node.path}): istiod forwards `
          + "all of a TCP or terminated TLS server's connections to one destination, the first tcp route of the VirtualServices bound to it; "
          + 'give each service a server of its own (another port, or other hosts on a TLS server)'));
      }
      if (!target) {
        const port = options.port === undefined ? `${service.node.path} has no TCP port`
          : `${options.port} is not a TCP port of ${service.node.path}`;
        out.push(formatProblem(Codes.ROUTE_PROTOCOL_MISMATCH, `port: ${port} (tcp, mongo, mysql, redis): the `
          + 'gateway forwards the bytes inside the TLS unread, which only a TCP port receives; route() routes HTTP requests'));
      }
      return out;
    });
    if (!server || !target || earlier) return;
    const admitted = this.tcpRoutes.some((r) => r.service === service && r.port === target.port);
    this.tcpRoutes.push({ service, server, port: target.port, scope });
    const chart = MeshChart.of(this);
    const namespace = this.platformOwned ? chart.namespace : this.namespace;
    const others = this.tcpRoutes.filter((r) => r.service === service).length;
    const name = `${this.name}-${service.name}-tcp${others > 1 ? `-${others}` : ''}`;
    addGatewayTcpVirtualService(scope, 'VirtualService',
      { name, namespace, labels: { [Labels.MANAGED_BY]: MANAGED_BY, ...chart.commonLabels() } },
      () => ({ namespace, gateway: { name: this.name, namespace: this.namespace }, service, server, port: target.port }));
    if (!admitted) this.admitConnections(service, target.targetPort);
  }

  /**
   * The gateway's own connections to `service` on its container port `targetPort`, as Operation.ports reads it ("as specified in
   * the connection"): not a gateway admission of HTTP routes, whose methods and paths the end-user rules and the retry analysis read.
   */
  private admitConnections(service: ITieredService, targetPort: number): void {
    const { peer, principal } = this.admission();
    const security = ServiceSecurity.of(service);
    security.allowIngressFrom(peer, [{ port: targetPort, protocol: 'TCP' }]);
    security.allow({ from: [{ principals: [principal] }], to: [{ ports: [targetPort] }] });
  }

  /**
   * @internal A route of this gateway to `service`, as a child named after the service, listed with
   * the service's gateway routes; what each gateway's `route()` starts from.
   */
  protected _addRoute(
    service: ITieredService, options: GatewayRouteOptions,
    worked: { hosts: readonly string[]; virtualServiceName: string; unsupported: Partial<Record<keyof GatewayRouteOptions, string>> },
  ): GatewayRoute {
    let id = `route-${service.name}`;
    for (let n = 2; this.node.tryFindChild(id); n++) id = `route-${service.name}-${n}`;
    // The listeners of its HTTP and HTTPS servers on the platform's pods: the pods' port behind the Service port a server names.
    // On pods of the user's own that mapping is not described, and a policy on the wrong port would restrict nothing.
    const moved = MeshChart.of(this).platform.ingressGatewayTargetPorts();
    const http = this.servers.filter((s) => ['HTTP', 'HTTPS', 'HTTP2'].includes(s.port.protocol) && !isPassthrough(s.tls));
    const listeners = http.map((s) => ({ port: moved[s.port.number] ?? s.port.number, tls: s.port.protocol === 'HTTPS', hosts: [...s.hosts] }));
    const namespace = this.admission().peer.namespace ?? this.namespace;
    const gatewayPods = this.workload ? undefined : { namespace, labels: { ...this.selector }, listeners };
    const unsupported = this.workload && !worked.unsupported.sourceRanges
      ? { ...worked.unsupported, sourceRanges: "the ports its pods listen on behind the servers' are not described for a gateway on pods of "
        + "your own, and a policy on another port restricts nothing; allow the client ranges in the gateway's own configuration" }
      : worked.unsupported;
    const route = new GatewayRoute(this, id, { gatewayRef: this.ref, service, options, gatewayPods, ...worked, unsupported });
    this.httpRoutes.push(route);
    return route;
  }

  /**
   * @internal The virtual hosts istiod builds on the gateway's pods for this gateway's HTTP routes, by the name an EnvoyFilter's
   * `routeConfiguration.vhost.name` matches, and the namespace of those pods. istiod names a gateway's virtual host
   * `<host>:<port>` (`util.DomainName(hostname, port)`, net.JoinHostPort), the host lowercased and being the more specific of
   * the route's and the server's where one is a wildcard (`serverHosts.Intersection(virtualServiceHosts)`), the port the
   * server's own number (`port := int(server.Port.Number)`): istio/istio 1.24 pilot/pkg/networking/core/gateway.go,
   * buildGatewayHTTPRouteConfig. Servers that only redirect to HTTPS are left out: their virtual host requires TLS
   * (`RequireTls: ALL`), so Envoy answers a plain request with a redirect and no route action applies. Passthrough and TCP
   * servers carry no HTTP route.
   */
  public _routedVirtualHosts(): { readonly podsNamespace: string; readonly names: readonly string[] } {
    const podsNamespace = this.admission().peer.namespace ?? this.namespace;
    const http = this.servers.filter((s) => ['HTTP', 'HTTPS', 'HTTP2', 'GRPC'].includes(s.port.protocol) && !isPassthrough(s.tls)
      && !(s.tls && !s.tls.forTlsPort));
    const names = new Set<string>();
    for (const route of this.httpRoutes) {
      for (const server of http) {
        for (const serverHost of server.hosts.map((h) => h.slice(h.indexOf('/') + 1))) {
          for (const host of route.hosts) {
            const vhost = hostCovers(serverHost, host) ? host : hostCovers(host, serverHost) ? serverHost : undefined;
            if (vhost !== undefined) names.add(`${vhost.toLowerCase()}:${server.port.number}`);
          }
        }
      }
    }
    return { podsNamespace, names: [...names].sort() };
  }

  /**
   * Lets the gateway pods reach `service`: NetworkPolicy ingress from the pods (their namespace
   * AND labels: the `workload`'s, else the platform's gateway namespace and, for the platform's
   * gateway, its Service's selector, else this gateway's selector) and an ALLOW rule for their
   * principal on `paths` with `methods` (all when undefined).
   */
  protected admit(service: IRoutedService, paths: readonly string[] | undefined, methods?: readonly HttpMethod[]): void {
    ServiceSecurity.of(service).admitGateway({ ...this.admission(), paths: paths && [...paths], methods: methods && [...methods] });
  }

  /** The gateway pods as the services it routes to admit them: their namespace AND labels, and their principal. */
  private admission(): { peer: NetworkPeer; principal: Principal } {
    const platform = MeshChart.of(this).platform;
    const w = this.workload;
    const namespace = w?.namespace ?? platform.ingressGateway.namespace;
    const principal = Principal.serviceAccount(namespace, w?.serviceAccount ?? platform.ingressGateway.serviceAccount, platform.trustDomain);
    return { peer: { namespace, podLabels: { ...(w?.labels ?? platform.ingressGatewayPeerLabels(this.selector)) } }, principal };
  }

  private platformProblems(owned: PlatformOwned): string[] {
    if (owned.found) return [];
    const known = owned.known.length === 0 ? 'the platform describes none (MeshPlatformProps.gateways)' : `the platform's: ${owned.known.join(', ')}`;
    return [formatProblem(Codes.PLATFORM_GATEWAY_UNKNOWN, `name: '${this.ref}' is not a Gateway of the platform (${known})`)];
  }

  private problems(): string[] {
    const out: string[] = [];
    const nameProblem = dns1123LabelProblem(this.name);
    if (nameProblem) out.push(formatProblem(Codes.INVALID_NAME, `name: ${nameProblem}`));
    if (this.servers.length === 0) out.push(formatProblem(Codes.GATEWAY_HOSTS, 'servers: a gateway needs at least one server'));
    // The platform's gateway pods read the TLS Secrets in their own namespace (MESH665).
    const platformGateway = MeshChart.of(this).platform.ingressGateway;
    if (Object.entries(this.selector).every(([k, v]) => platformGateway.podLabels[k] === v)) {
      out.push(...credentialSecretProblems(this, this.servers.flatMap((s) => s.tls?.credentialName ?? []), platformGateway.namespace));
    }
    const names = new Set<string>();
    this.servers.forEach((s, i) => {
      const field = `servers[${i}]`;
      if (!s.port.name) {
        out.push(formatProblem(Codes.GATEWAY_PORT_NAME, `${field}.port.name: a gateway server's port needs a name (port ${s.port.number})`));
      } else if (names.has(s.port.name)) {
        out.push(formatProblem(Codes.DUPLICATE_ENTRY, `${field}.port.name: '${s.port.name}' is used twice`));
      }
      names.add(s.port.name);
      out.push(...integerProblems({ [`${field}.port.number`]: s.port.number }, 1, 65535));
      if (s.hosts.length === 0) out.push(formatProblem(Codes.GATEWAY_HOSTS, `${field}.hosts: a server needs at least one host`));
      for (const h of s.hosts) {
        if (!isGatewayHost(h)) out.push(formatProblem(Codes.GATEWAY_HOSTS, `${field}.hosts: '${h}' is not a host name Istio accepts`));
      }
      const secure = s.port.protocol === 'HTTPS' || s.port.protocol === 'TLS';
      // Istio's Gateway reference: tls is required for HTTPS and TLS servers; httpsRedirect is an HTTP server's.
      // https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings
      if (secure && !s.tls?.forTlsPort) {
        out.push(
          formatProblem(
            Codes.GATEWAY_TLS,
            `${field}.tls: a ${s.port.protocol} server needs tls settings (a mode and, except for ISTIO_MUTUAL and PASSTHROUGH, a credentialName)`,
          ),
        );
      }
      if (!secure && s.tls?.forTlsPort) {
        out.push(
          formatProblem(
            Codes.GATEWAY_TLS,
            `${field}.tls: a ${s.port.protocol} server does not terminate TLS; use an HTTPS or TLS port, or GatewayTls.httpsRedirect()`,
          ),
        );
      }
    });
    return out;
  }
}

/** One VirtualService of an `EdgeGateway`'s HTTP rules: its hosts, the rule that opened it, its answers and its routes. */
interface VirtualServiceEntry {
  readonly hosts: readonly string[];
  readonly opener: Construct;
  /** The VirtualService (under its opener). */
  readonly virtualService: IConstruct;
  readonly answers: GatewayAnswer[];
  readonly routes: GatewayRoute[];
}

/**
 * The server a client's request for `host` arrives on, as a route's flow picks it: an HTTP or HTTPS server that serves the host,
 * one that does not only redirect to HTTPS first.
 */
function answeringServer(servers: readonly GatewayServer[], host: string): AnsweringServer | undefined {
  const serving = servers.filter((s) => (s.port.protocol === 'HTTP' || s.port.protocol === 'HTTPS')
    && s.hosts.some((h) => hostCovers(h.slice(h.indexOf('/') + 1), host)));
  const server = serving.find((s) => !(s.tls && !s.tls.forTlsPort)) ?? serving[0];
  // A client of a MUTUAL server presents its certificate, or the handshake fails before any answer.
  return server && { number: server.port.number, protocol: server.port.protocol as 'HTTP' | 'HTTPS', client: externalClient(server.tls) };
}

/** Whether a server's TLS passes the client's TLS through (PASSTHROUGH), which only `tls` routes route. */
function isPassthrough(tls: GatewayTls | undefined): boolean {
  const settings = tls?.render();
  return settings !== undefined && 'mode' in settings && settings.mode === 'PASSTHROUGH';
}

/**
 * MESH675 (warning), where the cap is the tier's (a service that sets its own sized it): each connection a PASSTHROUGH
 * server forwards holds one upstream connection of the gateway pod for as long as its client stays (an MQTT device, for
 * hours), and the service's DestinationRule, which the gateway applies too, caps a proxy's connections to it at
 * `connectionPool.tcp.maxConnections` (every tier sets it: 100 for `service`); past it Envoy's circuit breaker refuses the
 * connection ("the maximum number of connections that Envoy will establish to all hosts in an upstream cluster",
 * upstream_cx_overflow: https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/circuit_breaking).
 */
function connectionsCapped(service: ITieredService, gateway: string): Problem | undefined {
  const max = service.policy.connectionPool?.tcp?.maxConnections;
  // A cap the service sets itself is sized for its clients; the tier's is a default for request traffic.
  const own = MeshService.isMeshService(service) && service.overrides.connectionPool?.tcp?.maxConnections !== undefined;
  if (max === undefined || own) return undefined;
  return {
    code: Codes.GATEWAY_CONNECTIONS_CAPPED, field: 'service', severity: 'warning',
    message: `each pod of ${gateway} holds at most ${max} connections to ${service.name} (its tier's connectionPool.tcp.maxConnections, `
      + "in its DestinationRule), and a connection the gateway forwards lasts as long as its client's session: Envoy's circuit breaker "
      + `refuses the clients past it (upstream_cx_overflow); give ${service.name} a connectionPool sized for its clients per gateway pod, `
      + 'or acknowledge the cap',
  };
}
