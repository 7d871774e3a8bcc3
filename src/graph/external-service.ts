import { Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { Cidr } from '../core/cidr';
import { Retries } from '../core/retries';
import { Codes } from '../core/codes';
import { EXTERNAL_ADDRESSES_ANNOTATION } from '../core/labels';
import { formatProblem } from '../core/errors';
import { ExportTo } from '../core/export-to';
import {
  addEgressGatewayObjects, addEgressGatewayRule, addEgressGatewayServer, addExternalRoute, addServiceEntry, addTlsOriginationRule,
  EgressPortKind, egressGatewayServerIds,
} from './external-service.render';
import { MeshCluster } from './mesh-cluster';
import { EXTERNAL_SERVICE_BRAND, hasBrand, isMeshChart, meshChartOf, setBrand } from './brands';
import type {
  ExternalCaller, ExternalPort, IExternalService, IMeshChart, MutualTlsOriginationOptions, SimpleTlsOriginationOptions,
} from './interfaces';
import { addProblems } from '../private/construct-problems';
import { Principal } from '../core/principal';
import type { PlatformEgressGateway } from '../platform/platform-props';

export type { ExternalCaller, ExternalPort, IExternalService, MutualTlsOriginationOptions, SimpleTlsOriginationOptions } from './interfaces';

/**
 * How the sidecar finds the endpoints of an external host.
 * `DNS`: the hosts are resolved asynchronously by Envoy (each must be a fully qualified
 * name, no wildcard); `STATIC`: the `addresses` are the endpoints; `NONE`: the
 * connection's original destination IP is used (wildcard hosts, passthrough).
 * @see https://istio.io/latest/docs/reference/config/networking/service-entry/#ServiceEntry-Resolution
 */
export type ExternalResolution = 'DNS' | 'STATIC' | 'NONE';

/**
 * TLS the sidecar originates towards an external service, in its DestinationRule.
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#ClientTLSSettings
 */
export class TlsOrigination {
  /** One-way TLS (`SIMPLE`): the sidecar verifies the provider and sends the SNI. */
  public static simple(options: SimpleTlsOriginationOptions): TlsOrigination {
    return new TlsOrigination(options);
  }

  /**
   * Mutual TLS (`MUTUAL`): the sidecar presents the client certificate of the Secret `credentialName`, verifies the provider
   * with its CA certificates and sends the SNI. istiod gives a sidecar a Secret's certificates only through a DestinationRule
   * that selects its pods (`workloadSelector`): for one without a selector it builds the cluster with no TLS at all
   * (istio/istio `pilot/pkg/networking/core/cluster_tls.go`, buildUpstreamClusterTLSContext), so each caller of the service
   * gets a DestinationRule `<service>-<caller>` selecting its pods, in their common namespace, where the Secret must be.
   */
  public static mutual(options: MutualTlsOriginationOptions): TlsOrigination {
    const { credentialName, ...rest } = options;
    return new TlsOrigination(rest, credentialName);
  }

  private constructor(
    /** The settings. */
    public readonly options: SimpleTlsOriginationOptions,
    /** The Secret of the client certificate, for mutual TLS; undefined for one-way TLS. */
    public readonly credentialName?: string,
  ) {}
}

/**
 * Where the calls to an external service leave the mesh: from each caller's sidecar (`direct()`, the default), or through
 * the platform's egress gateway (`viaGateway()`, `MeshPlatform.of({ egressGateway })`), the one place with fixed source
 * addresses and one policy point.
 * @see https://istio.io/latest/docs/tasks/traffic-management/egress/egress-gateway/
 */
export class EgressRoute {
  /** From the caller's sidecar, straight to the host. */
  public static direct(): EgressRoute {
    return new EgressRoute(false);
  }

  /**
   * Through the platform's egress gateway: the callers' sidecars send to the gateway's Service in Istio mTLS (SNI: the host),
   * and only the gateway connects to the host. The ExternalService writes a Gateway on the egress gateway's pods (an
   * ISTIO_MUTUAL server for the host on the gateway's HTTPS port for a TLS or HTTPS port, on its HTTP port for a plain HTTP one),
   * a DestinationRule for the gateway's Service (a subset whose connections carry ISTIO_MUTUAL with `sni` the host), a
   * VirtualService `<name>` routing the callers' sidecars (`mesh`) to the gateway and a VirtualService `<name>-egress` routing
   * the gateway to the host, and, in the gateway's namespace, an AuthorizationPolicy that admits the callers' principals alone
   * on that host (`connection.sni`). Each caller's Sidecar imports the gateway's Service, and its NetworkPolicy lets it out to
   * the gateway's pods only, not to the host's addresses.
   */
  public static viaGateway(): EgressRoute {
    return new EgressRoute(true);
  }

  private constructor(
    /** True when the calls leave through the platform's egress gateway. */
    public readonly throughGateway: boolean,
  ) {}
}

/** Props of {@link ExternalService}. */
export interface ExternalServiceProps {
  /** The hosts the application calls (`api.payment-provider.example`); wildcards (`*.example.com`) only with resolution NONE. */
  readonly hosts: string[];
  /** The ports, each with its protocol. */
  readonly ports: ExternalPort[];
  /**
   * How the endpoints are found.
   * @default 'DNS'
   */
  readonly resolution?: ExternalResolution;
  /**
   * The provider's addresses, when known: STATIC resolution's endpoints, NONE resolution's
   * ServiceEntry `addresses` (IPs or CIDR ranges the application connects to), and the
   * NetworkPolicy egress `ipBlock`s of its callers.
   * @default - unknown: callers' NetworkPolicy lets the port out to any address (MESH241 unless `anyAddress`)
   */
  readonly addresses?: Cidr[];
  /**
   * Lets each caller's NetworkPolicy open the ports to any address (0.0.0.0/0) on purpose, for a provider without fixed
   * addresses (an API behind a CDN, a SaaS whose ranges change): a NetworkPolicy cannot name a DNS host, and the
   * sidecar's `REGISTRY_ONLY` limits the hosts its listeners forward to, not the addresses the CNI lets the pod's
   * packets reach. Without it, a call to a service without `addresses` is a warning (MESH241) at the caller; with
   * `addresses` it is an error (MESH035): the callers' egress is then limited to them.
   * @default false
   * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/#what-you-can-t-do-with-network-policies-at-least-not-yet
   */
  readonly anyAddress?: boolean;
  /**
   * TLS the sidecar originates, in the ServiceEntry's DestinationRule.
   * @default - none: the application speaks the port's protocol itself
   */
  readonly tls?: TlsOrigination;
  /**
   * The namespaces that see the ServiceEntry and its DestinationRule.
   * @default - every namespace
   */
  readonly exportTo?: ExportTo;
  /**
   * How long a caller's sidecar waits for the host's answer: a VirtualService `<name>` for the
   * host, one route per HTTP port. Only where the sidecar reads HTTP: an HTTP, HTTP2 or GRPC port
   * (with `tls`, the sidecar originates TLS on it); an HTTPS or TLS port carries the application's
   * own TLS, which Envoy cannot read, so its timeouts are the application's. Needs one host,
   * without a wildcard (MESH219).
   * @default - none (Istio's default: no timeout)
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute
   */
  readonly timeout?: Duration;
  /**
   * How a caller's sidecar retries the host, on the same VirtualService as `timeout`. A provider
   * that charges or sends on a POST should not be retried on a condition that may resend it
   * (`Retries.of({ retryOn: ['reset-before-request', 'connect-failure'] })`).
   * @default - Istio's default policy (2 attempts on connect-failure, refused-stream, unavailable, cancelled, retriable-status-codes)
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRetry
   */
  readonly retries?: Retries;
  /**
   * Where the calls leave the mesh: from each caller's sidecar, or through the platform's egress gateway
   * (`EgressRoute.viaGateway()`, which needs `MeshPlatform.of({ egressGateway })`, MESH233; one host, no wildcard, at most
   * one plain HTTP port and one HTTPS or TLS port, callers in the service's namespace, MESH234). Several environments of the app may
   * route one host through it, one ExternalService each with the same ports, TLS origination, resolution and addresses (MESH235):
   * the host's Gateway and the gateway's route are then written once, in the gateway's namespace.
   * @default EgressRoute.direct()
   * @see https://istio.io/latest/docs/tasks/traffic-management/egress/egress-gateway/
   */
  readonly egress?: EgressRoute;
}

/**
 * A service outside the mesh: a ServiceEntry (location MESH_EXTERNAL) and, with TLS
 * origination, its DestinationRule, both named after the construct. Services call it with
 * `service.calls(external, { port })`, which adds it to the caller's Sidecar egress hosts,
 * NetworkPolicy egress and intended flows, so it is reachable under `REGISTRY_ONLY`.
 * @see https://istio.io/latest/docs/reference/config/networking/service-entry/
 */
export class ExternalService extends Construct implements IExternalService {
  /** Whether `x` is an ExternalService: a brand check, true across two copies of the library too. */
  public static isExternalService(x: unknown): x is ExternalService {
    return hasBrand(x, EXTERNAL_SERVICE_BRAND);
  }

  /** The ServiceEntry's name. */
  public readonly name: string;
  /** Its namespace. */
  public readonly namespace: string;
  /** The hosts. */
  public readonly hosts: readonly string[];
  /** The ports, names and target ports worked out. */
  public readonly ports: readonly Required<ExternalPort>[];
  /** The resolution. */
  public readonly resolution: ExternalResolution;
  /** The known addresses. */
  public readonly addresses: readonly Cidr[];
  /** True when its callers' NetworkPolicy lets its ports out to any address on purpose (`anyAddress`). */
  public readonly anyAddress: boolean;
  /** The TLS origination, if any. */
  public readonly tls?: TlsOrigination;
  /** The chart it belongs to. */
  public readonly chart: IMeshChart;
  /** How long a caller's sidecar waits for the host's answer, if set. */
  public readonly timeout?: Duration;
  /** How a caller's sidecar retries the host, if set. */
  public readonly retries?: Retries;
  /** True when the calls leave through the platform's egress gateway (`egress: EgressRoute.viaGateway()`). */
  public readonly throughEgressGateway: boolean;
  private readonly exportTo?: ExportTo;
  private readonly foreignCallers: string[] = [];
  private readonly callers = new Map<string, ExternalCaller>();
  /** The ExternalService of another environment whose settings the host's shared Gateway and gateway route are written from. */
  private egressSource?: ExternalService;

  public constructor(scope: Construct, id: string, props: ExternalServiceProps) {
    super(scope, id);
    setBrand(this, EXTERNAL_SERVICE_BRAND);
    this.chart = meshChartOf(this);
    this.name = id;
    this.namespace = this.chart.namespace;
    this.hosts = [...props.hosts];
    this.resolution = props.resolution ?? 'DNS';
    this.addresses = [...(props.addresses ?? [])];
    this.anyAddress = props.anyAddress ?? false;
    this.tls = props.tls;
    this.exportTo = props.exportTo;
    this.throughEgressGateway = props.egress?.throughGateway ?? false;
    this.ports = props.ports.map((p) => ({ ...p, name: p.name ?? `${p.protocol.toLowerCase()}-${p.number}`, targetPort: p.targetPort ?? p.number }));
    const metadata = { name: this.name, namespace: this.namespace, labels: this.chart.commonLabels() };
    // With DNS resolution the spec has no place for the provider's addresses: an annotation says where the host resolves, for the
    // flow check of its callers' NetworkPolicy (validate/flow/service-entry.ts, externalPod).
    const dnsAddresses = this.resolution === 'DNS' && this.addresses.length > 0
      ? { annotations: { [EXTERNAL_ADDRESSES_ANNOTATION]: this.addresses.map(String).join(',') } } : {};
    addServiceEntry(this, 'Resource', { ...metadata, ...dnsAddresses }, this);
    // Mutual TLS from a Secret: one rule per caller, selecting its pods (_originateFor).
    if (this.tls && this.tls.credentialName === undefined) addTlsOriginationRule(this, 'DestinationRule', metadata, this, this.tls.options);
    this.timeout = props.timeout;
    this.retries = props.retries;
    const gateway = this._egressGateway;
    if (gateway) {
      addEgressGatewayObjects(this, metadata, this, gateway);
      EgressGatewayRule.of(this.chart, gateway)._add(this);
      this.shareGatewayServer(gateway);
    } else if (this.timeout || this.retries) addExternalRoute(this, 'VirtualService', metadata, this);
    this.chart._registerExternal(this);
    addProblems(this, () => this.problems());
  }

  /**
   * @internal The namespaces that see the ServiceEntry (`exportTo`), if restricted; through the egress gateway, its namespace too,
   * whose proxy connects to the host (and originates TLS there).
   */
  public get _exportToList(): string[] | undefined {
    const list = this.exportTo?.toList(this.namespace);
    const gw = this._egressGateway;
    if (!list || !gw || list.includes('*') || list.includes(gw.namespace)) return list;
    return [...list, gw.namespace];
  }

  /** @internal The platform's egress gateway the calls leave through, when they do and the platform has one. */
  public get _egressGateway(): PlatformEgressGateway | undefined {
    return this.throughEgressGateway ? this.chart.platform.egressGateway : undefined;
  }

  /**
   * @internal How the egress gateway carries each port: `http` (plain HTTP, HTTP2, gRPC: an ISTIO_MUTUAL HTTPS server on the
   * gateway's HTTP port) or `tls` (HTTPS, TLS: an ISTIO_MUTUAL TLS server on its HTTPS port, the application's TLS inside).
   */
  public get _egressPorts(): { readonly port: Required<ExternalPort>; readonly kind: EgressPortKind }[] {
    return this.ports.flatMap((port) => {
      const kind = egressKindOf(port.protocol);
      return kind ? [{ port, kind }] : [];
    });
  }

  /** @internal The mTLS principals of the callers, sorted (the egress gateway's AuthorizationPolicy admits them). */
  public get _callerPrincipals(): string[] {
    const td = this.chart.platform.trustDomain;
    return [...new Set([...this.callers.values()].map((c) => Principal.serviceAccount(c.namespace, c.serviceAccount ?? c.name, td).toString()))]
      .sort();
  }

  /** True if a workload in `namespace` sees the ServiceEntry (its exportTo lists `*`, `namespace`, or `.` for its own). */
  public exportedTo(namespace: string): boolean {
    const list = this.exportTo?.toList(this.namespace);
    if (!list) return true;
    return list.includes('*') || list.includes(namespace) || (namespace === this.namespace && list.includes('.'));
  }

  /** @internal The ports the sidecar reads HTTP on (HTTP, HTTP2, GRPC), where a VirtualService's timeout and retries apply. */
  public get _httpPorts(): number[] {
    return this.ports.filter((p) => ['HTTP', 'HTTP2', 'GRPC'].includes(p.protocol)).map((p) => p.number);
  }

  /**
   * @internal Writes what `caller`'s sidecar needs to originate the service's mutual TLS: a DestinationRule selecting its
   * pods, in the service's namespace, once per caller (a caller of another namespace is a problem of the service's).
   */
  public _originateFor(caller: ExternalCaller): void {
    this.callers.set(`${caller.namespace}/${caller.name}`, caller);
    const credentialName = this.tls?.credentialName;
    if (credentialName === undefined) return;
    if (caller.namespace !== this.namespace) {
      this.foreignCallers.push(`${caller.namespace}/${caller.name}`);
      return;
    }
    const id = `DestinationRule-${caller.name}`;
    if (this.node.tryFindChild(id)) return;
    const metadata = { name: `${this.name}-${caller.name}`, namespace: this.namespace, labels: this.chart.commonLabels() };
    // The caller's labels are read at synth, where a later FlaggerCanary has set them (MeshService.selectorLabels).
    const podLabels = Lazy.any({ produce: () => ({ ...caller.podLabels }) }) as Record<string, string>;
    addTlsOriginationRule(this, id, metadata, this, this.tls!.options, { credentialName, podLabels });
  }

  /** The port named by its number, if the service has it. */
  public port(number: number): Required<ExternalPort> | undefined {
    return this.ports.find((p) => p.number === number);
  }

  /** What keeps the calls from leaving through the egress gateway (MESH233, MESH234). */
  private egressProblems(): string[] {
    const out: string[] = [];
    if (!this.chart.platform.egressGateway) {
      out.push(formatProblem(Codes.EGRESS_GATEWAY_UNDECLARED, 'egress: EgressRoute.viaGateway() needs the platform\'s egress gateway, and '
        + 'the platform declares none: give it as MeshPlatform.of({ egressGateway: EgressGatewayInstall.istioctl() }) (or helmChart(...)), '
        + 'or leave egress out to call the host from the callers\' sidecars'));
      return out;
    }
    const bad = (field: string, message: string) => out.push(formatProblem(Codes.EGRESS_GATEWAY_UNSUPPORTED, `${field}: ${message}`));
    if (this.hosts.length !== 1 || this.hosts[0].includes('*')) {
      bad('egress', 'the egress gateway serves one named host per ExternalService (its Gateway server and AuthorizationPolicy name it); '
        + `give one host without a wildcard (hosts: ${this.hosts.join(', ')})`);
    }
    if (this.resolution === 'NONE') bad('egress', "resolution 'NONE' keeps the caller's original destination, which the gateway does not have");
    this.ports.forEach((p, i) => {
      if (!egressKindOf(p.protocol)) {
        bad(`ports[${i}]`, `${p.protocol} ${p.number}: the egress gateway carries plain HTTP (HTTP, HTTP2, GRPC) and TLS (HTTPS, TLS) ports `
          + '(a TCP stream has no host to tell it apart)');
      }
    });
    for (const kind of ['http', 'tls'] as const) {
      const of = this._egressPorts.filter((p) => p.kind === kind);
      if (of.length > 1) {
        bad('ports', `${of.map((p) => `${p.port.protocol} ${p.port.number}`).join(', ')}: the egress gateway listens for the host on one `
          + `${kind === 'http' ? 'HTTP' : 'HTTPS'} port, so it takes one ${kind === 'http' ? 'plain HTTP' : 'HTTPS or TLS'} port per host`);
      }
    }
    if (this.tls?.credentialName !== undefined) {
      bad('tls', 'mutual TLS from a Secret is originated by a rule selecting the callers\' pods; through the egress gateway the gateway '
        + 'originates it, which reads no Secret of this namespace: use TlsOrigination.simple, or leave egress out');
    }
    const foreign = [...this.callers.values()].filter((c) => c.namespace !== this.namespace).map((c) => `${c.namespace}/${c.name}`);
    if (foreign.length > 0) {
      bad('egress', `${[...new Set(foreign)].sort().join(', ')} call${foreign.length === 1 ? 's' : ''} the service from another namespace: its `
        + 'sidecar finds the DestinationRule of the egress gateway\'s subset in its own namespace only; declare an ExternalService in the '
        + 'caller\'s own chart');
    }
    // Every chart of the app: the environments share the one egress gateway.
    const peers = this.egressPeers();
    const twice = peers.find((e) => e.namespace === this.namespace);
    if (twice) {
      out.push(formatProblem(Codes.EGRESS_GATEWAY_HOST_TWICE, `egress: ${twice.node.path} routes ${this.hosts.join(', ')} through the egress `
        + `gateway from namespace ${this.namespace} too: the namespace holds one callers' route and one gateway subset per host, and the `
        + 'gateway one server per host and port, so one of them would be lost; call one ExternalService from both'));
      return out;
    }
    // Other environments: the gateway's server and route for the host are written once, from the first of them, and the
    // gateway sees one ServiceEntry and one TLS origination for it: what they carry must agree.
    const first = this.egressSource;
    if (first) {
      for (const [field, mine, theirs] of egressSettingsDiffer(this, first)) {
        out.push(formatProblem(Codes.EGRESS_GATEWAY_HOST_TWICE, `${field}: ${mine} here, ${theirs} at ${first.node.path}: the app's environments `
          + `route ${this.hosts[0]} through one egress gateway, which holds one server, one route, one ServiceEntry and one TLS `
          + `origination for the host (written once, from ${first.node.path}); give every environment's ExternalService for it the same `
          + `${field}, or another host`));
      }
    }
    return out;
  }

  /** The other ExternalServices of the app that route a host of this one through the egress gateway, in the tree's order. */
  private egressPeers(): ExternalService[] {
    const charts = this.node.root.node.findAll().filter(isMeshChart);
    return charts.flatMap((c) => c.externalServices).filter((e): e is ExternalService => e !== this && ExternalService.isExternalService(e)
      && e.throughEgressGateway && e.hosts.some((h) => this.hosts.includes(h)));
  }

  /**
   * Several environments (namespaces) of the app route one host through the egress gateway: the gateway's pods keep one TLS server
   * per host and port (istiod skips a later Gateway's, "duplicate host names": pilot/pkg/model/gateway.go, MergeGateways) and take
   * the first VirtualService whose TCP route matches it (pilot/pkg/networking/core/gateway.go, buildGatewayNetworkFiltersFromTCPRoutes),
   * so one Gateway per environment would lose every environment's but one. The host's Gateway and the gateway's route are written
   * once for the app instead, in the gateway's namespace: in the cluster folder of a MeshApp, else beside the first ExternalService
   * of the host; each environment keeps its callers' route, its subset and its AuthorizationPolicy (the gateway's ALLOW policies
   * add up: a caller any of them names is let through).
   */
  private shareGatewayServer(gw: PlatformEgressGateway): void {
    if (this.hosts.length !== 1 || this.hosts[0].includes('*')) return; // MESH234
    const peers = this.egressPeers();
    if (peers.length === 0 || peers.some((e) => e.namespace === this.namespace)) return; // its own, or MESH235
    // The one the first shared server was written from, once there is one.
    const first = peers.find((e) => e.egressSource)?.egressSource ?? peers[0];
    const [gatewayId, routeId] = egressGatewayServerIds('');
    for (const e of [...peers, this]) {
      e.node.tryRemoveChild(gatewayId);
      e.node.tryRemoveChild(routeId);
      if (e !== first) e.egressSource ??= first;
    }
    const name = sharedEgressGatewayName(this.hosts[0]);
    const metadata = { name, namespace: gw.namespace, labels: first.chart.commonLabels() };
    const create = (scope: Construct) => addEgressGatewayServer(scope, `-${name}`, metadata, first, gw);
    const cluster = MeshCluster.forApp(this);
    if (cluster) cluster.addOnce(`Gateway ${gw.namespace}/${name}`, this, this.hosts[0], create);
    else if (!first.node.tryFindChild(egressGatewayServerIds(`-${name}`)[0])) create(first);
  }

  private problems(): string[] {
    const out: string[] = [];
    const bad = (field: string, message: string) => out.push(formatProblem(Codes.INVALID_EXTERNAL_SERVICE, `${field}: ${message}`));
    if (this.hosts.length === 0) bad('hosts', 'a ServiceEntry needs at least one host');
    // A host is a DNS name, optionally with a leading `*.` (istio/istio pkg/config/validation ValidateWildcardDomain; a partial
    // wildcard is "not allowed", though istiod only warns); `*` alone would capture every host. Checked here, at its source, as
    // well as over the manifests: a host goes into the ServiceEntry, the DestinationRule and every caller's Sidecar, which would
    // give one error per object for one mistyped prop.
    this.hosts.forEach((h, i) => {
      if (!/^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(h) || h.length > 253) {
        bad(`hosts[${i}]`, `'${h}' is not a DNS name (a leading '*.' is the only wildcard)`);
      }
    });
    // The ports' numbers and names (unique, in range) are the rules of the ServiceEntry's CRD and of istiod, over the
    // ServiceEntry (MESH151, MESH163, MESH180), reported on the construct that rendered it.
    // istio/istio pkg/config/validation/validation.go, ValidateServiceEntry: with DNS resolution
    // and no endpoints, every host must be a fully qualified name Envoy can resolve.
    if (this.resolution === 'DNS') {
      this.hosts.filter((h) => h.startsWith('*') || !h.includes('.')).forEach((h) => out.push(formatProblem(Codes.UNRESOLVABLE_EXTERNAL_HOST,
        `hosts: '${h}' cannot be resolved by DNS (a wildcard or a single label); use resolution 'NONE' or name the host`)));
    }
    // istiod admits STATIC resolution with no endpoints (ValidateServiceEntry), whose traffic then goes nowhere: ExternalService
    // writes no workloadSelector that could give it some.
    if (this.resolution === 'STATIC' && this.addresses.length === 0) bad('addresses', "resolution 'STATIC' needs the provider's addresses");
    if (this.anyAddress && this.addresses.length > 0) {
      bad('anyAddress', `the provider's addresses are given (${this.addresses.map(String).join(', ')}), to which its callers' egress is limited: `
        + 'leave anyAddress out, or the addresses');
    }
    if (this.ports.length === 0) bad('ports', 'a ServiceEntry needs at least one port');
    if (this.throughEgressGateway) out.push(...this.egressProblems());
    if (this.timeout || this.retries) {
      const route = (message: string) => out.push(formatProblem(Codes.INVALID_EXTERNAL_ROUTE, message));
      const what = this.timeout ? 'timeout' : 'retries';
      if (this.hosts.length !== 1 || this.hosts[0].includes('*')) {
        route(`${what}: a VirtualService routes to one named host; give one host without a wildcard (one ExternalService per host)`);
      }
      if (this._httpPorts.length === 0) {
        const ports = this.ports.map((p) => `${p.protocol} ${p.number}`).join(', ');
        route(`${what}: no HTTP, HTTP2 or GRPC port: the sidecar reads no request on ${ports}, `
          + 'so a route\'s timeout and retries never apply (the application\'s own TLS hides them; originate TLS with `tls` on an HTTP port)');
      }
    }
    if (this.tls) {
      const o = this.tls.options;
      const port = this.port(o.port);
      // TLS origination wraps plaintext the application sends: the port must be plain HTTP
      // or TCP (an HTTPS/TLS port already carries the application's TLS).
      if (!port) bad('tls.port', `${o.port} is not a port of the external service`);
      else if (!['HTTP', 'HTTP2', 'GRPC', 'TCP'].includes(port.protocol))
        bad('tls.port', `port ${o.port} is ${port.protocol}: the application already speaks TLS there`);
      if (o.sni !== undefined && !/^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(o.sni))
        bad('tls.sni', `'${o.sni}' is not a host name`);
      if (o.caCertificates !== undefined && !o.caCertificates.startsWith('/'))
        bad('tls.caCertificates', `'${o.caCertificates}' is not an absolute path in the sidecar`);
      const secret = this.tls.credentialName;
      // A Secret's name is a DNS subdomain (https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#dns-subdomain-names).
      if (secret !== undefined && (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(secret) || secret.length > 253))
        bad('tls.credentialName', `'${secret}' is not the name of a Secret`);
      // istiod serves a sidecar the certificates of a Secret of its own namespace only, and a DestinationRule's workloadSelector
      // selects the pods of the rule's namespace only (https://istio.io/latest/docs/reference/config/networking/destination-rule/#DestinationRule-workload_selector).
      [...new Set(this.foreignCallers)].forEach((c) => bad('tls.credentialName', `${c} calls the service from another namespace: its sidecar `
        + `can neither read the Secret ${secret} of namespace ${this.namespace} nor be selected by a DestinationRule there; `
        + 'declare an ExternalService with the Secret in the caller\'s own chart'));
    }
    return out;
  }
}

/**
 * The DestinationRule of the egress gateway's Service in a chart's namespace (named as the gateway's Service): one subset per
 * ExternalService of the chart called through the gateway. One rule per host and namespace, as istiod looks a sidecar's up.
 */
class EgressGatewayRule extends Construct {
  /** The chart's rule, made on first use. */
  public static of(chart: IMeshChart, gateway: PlatformEgressGateway): EgressGatewayRule {
    const scope = chart as unknown as Construct;
    // Found by its id, not its class: a second copy of the library finds this copy's rule and adds to it (the same `_add`).
    const found = scope.node.tryFindChild('EgressGatewayRule') as EgressGatewayRule | undefined;
    return found ?? new EgressGatewayRule(scope, chart, gateway);
  }

  private readonly externals: ExternalService[] = [];

  private constructor(scope: Construct, chart: IMeshChart, gateway: PlatformEgressGateway) {
    super(scope, 'EgressGatewayRule');
    const metadata = { name: gateway.name, namespace: chart.namespace, labels: chart.commonLabels() };
    addEgressGatewayRule(this, 'Resource', metadata, () => this.externals, gateway);
  }

  /** @internal */
  public _add(external: ExternalService): void {
    this.externals.push(external);
  }
}

/** The name of the Gateway (and of the gateway's VirtualService) the app writes once for a host several environments route. */
function sharedEgressGatewayName(host: string): string {
  return `${host.replace(/\./g, '-')}-egress`;
}

/** What the egress gateway holds once for a host that `a` and `b` differ on: the field, `a`'s and `b`'s. */
function egressSettingsDiffer(a: ExternalService, b: ExternalService): [string, string, string][] {
  const ports = (e: ExternalService) => e.ports.map((p) => `${p.protocol} ${p.number}${p.targetPort !== p.number ? ` -> ${p.targetPort}` : ''}`)
    .join(', ');
  const tls = (e: ExternalService) => (e.tls ? `TlsOrigination.simple(${JSON.stringify(e.tls.options)})` : 'no TLS origination');
  const addresses = (e: ExternalService) => (e.addresses.length > 0 ? e.addresses.map(String).join(', ') : 'no addresses');
  const fields: [string, (e: ExternalService) => string][] = [
    ['ports', ports], ['tls', tls], ['resolution', (e) => `resolution '${e.resolution}'`], ['addresses', addresses],
  ];
  return fields.filter(([, f]) => f(a) !== f(b)).map(([field, f]) => [field, f(a), f(b)]);
}

/** How the egress gateway carries a port of `protocol`, or undefined when it cannot. */
function egressKindOf(protocol: string): EgressPortKind | undefined {
  if (['HTTP', 'HTTP2', 'GRPC'].includes(protocol)) return 'http';
  if (['HTTPS', 'TLS'].includes(protocol)) return 'tls';
  return undefined;
}
