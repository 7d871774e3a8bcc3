/**
 * The flow evaluator: follows one request through the rendered manifests of a
 * cluster, layer by layer, as Envoy and the CNI would, and names the resource that
 * decides. Client side first (Sidecar egress, routing, DestinationRule TLS), then the
 * connection (NetworkPolicy egress and ingress), then the server's proxy
 * (PeerAuthentication, AuthorizationPolicy).
 */
import { Codes } from '../../core/codes';
import { MeshError } from '../../core/errors';
import { Manifest } from '../finding';
import { clientCertificateRefused } from './client-certificate';
import { initContainerRefusal } from './init-containers';
import { authorizationDecision, requestAuthority } from './authorization';
import { ClusterModel } from '../model/cluster-model';
import { dialedHost } from '../model/hosts';
import { labelsSubsetOf } from '../model/selectors';
import { FlowCluster, FlowOptions, FlowPod, nsOf } from './cluster';
import { Flow, FlowDecider, FlowLayer, FlowVerdict, FlowWorkloadRef } from './flow';
import { mtlsMode, plaintextReason, serverFirstRefusal } from './mtls';
import { Connections, networkPolicyDecision } from './network-policy';
import { flowMode, modeName, serviceEntryPortProtocol, servicePortProtocol } from './protocol';
import { NotReady, SidecarReadiness } from './readiness';
import {
  delegationHops,
  destinationRuleFor,
  gatewayEntry,
  gatewayVirtualServices,
  RouteDestination,
  RouteRequest,
  routeThrough,
  routeThroughVirtualHost,
  rewritten,
  serverAdmitsNamespace,
  subsetLabels,
  tlsModeOf,
  virtualServiceFor,
} from './routing';
import { entryHosts, entryPort, externalPod, externalTargetPort, serviceEntryFor } from './service-entry';
import { sidecarDecision, unexportedAsUnlisted } from './sidecar';
import { outsideCluster, unregisteredHost } from './unregistered';
import { endpointAt, remoteRefusal, workloadEntryPort } from './vm-endpoints';
import { isUdpFlow, missingPort, onlyPort, portOf, targetPort } from './service-ports';
import { udpFromOutside, UdpEvaluation, udpToDescribedPod, udpToPods } from './udp';
import { decider, refused } from './verdicts';
import { authorizationRequest, tokenDecision } from './request-authentication';
import { flowProblem } from './flow-problem';
import { DnsReachability } from './dns-reachability';
import { viaEgressGateway } from './egress-gateway';

export { flowProblem };

/**
 * The proxy's own ports: Envoy's Prometheus endpoint (15090), the merged metrics and
 * health agent (15020) and the readiness probe (15021). Inbound traffic to them is not
 * redirected to Envoy's inbound listener, so neither PeerAuthentication nor
 * AuthorizationPolicy applies. https://istio.io/latest/docs/ops/deployment/application-requirements/#ports-used-by-istio
 */
export const SIDECAR_OWN_PORTS: ReadonlySet<number> = new Set([15090, 15020, 15021]);

interface Context {
  readonly flow: Flow;
  readonly hops: string[];
  /** The Host header (the external host at a gateway). */
  readonly authority: string;
  /**
   * True when the proxies see opaque bytes: a TCP flow, or TLS or HTTPS that the client itself
   * encrypts inside the mesh (a gateway terminates an external client's HTTPS).
   */
  readonly tcp: boolean;
  /** True for TLS routed by its SNI (a TLS or HTTPS port, or a gateway's PASSTHROUGH server). */
  readonly tls: boolean;
  /** The pods the request reaches so far (each endpoint the route may pick). */
  readonly reached: FlowPod[];
  /** The server name of the client's TLS to the next proxy (a DestinationRule's `sni`), which policies read as `connection.sni`. */
  readonly sni?: string;
}

/** Evaluates flows over one set of manifests; build it once for many flows. */
export class FlowEvaluator {
  /**
   * The manifests indexed for the layers' lookups.
   * @internal
   */
  public readonly cluster: FlowCluster;
  private readonly readiness: SidecarReadiness;
  /** What refuses each source pod's DNS lookups, worked out once per pod. */
  private readonly dns: DnsReachability;
  /** NetworkPolicy's decisions on each connection the server side opens, kept for the flows that share it. */
  private readonly connections: Connections;

  /**
   * The evaluator over the model of the cluster built once for every check of a run.
   * @internal
   */
  public static over(model: ClusterModel, options: FlowOptions = {}): FlowEvaluator {
    return new FlowEvaluator(model as unknown as readonly Manifest[], options);
  }

  public constructor(manifests: readonly Manifest[], options: FlowOptions = {}) {
    // A model handed over by FlowEvaluator.over is taken as it is; manifests are indexed here.
    const given = manifests as unknown;
    this.cluster = new FlowCluster(given instanceof ClusterModel ? given : ClusterModel.of(manifests), options);
    this.readiness = new SidecarReadiness(this.cluster);
    this.connections = new Connections(this.cluster);
    this.dns = new DnsReachability(this.cluster);
  }

  /** What a UDP flow needs of the evaluator. */
  private get udpEvaluation(): UdpEvaluation {
    return { cluster: this.cluster, connections: this.connections, notReady: (p, h) => this.notReady(p, h), each: (c) => this.each(c) };
  }

  /** The verdict for `flow`; a malformed flow throws a MeshError (MESH603) naming the field. */
  public evaluate(flow: Flow): FlowVerdict {
    const problem = flowProblem(flow);
    if (problem) throw new MeshError(Codes.INVALID_FLOW, `flow to ${flow.host}:${flow.port}: ${problem.field}: ${problem.message}`);
    const hops: string[] = [];
    if ('external' in flow.source) return this.external(flow, hops);
    let source: FlowPod | undefined;
    if ('platform' in flow.source) {
      const w = flow.source.platform;
      source = this.cluster.platformPodFor(w);
    } else {
      source = this.cluster.podsNamed(flow.source.workload, flow.source.namespace)[0];
      if (!source) {
        return refused(
          { layer: 'no endpoint', kind: 'Deployment', namespace: flow.source.namespace, name: flow.source.workload },
          `no workload ${flow.source.namespace}/${flow.source.workload} in the manifests`,
          hops,
        );
      }
    }
    const owner = source.manifest?.metadata?.name;
    hops.push(`${source.namespace}/${source.name}${owner && owner !== source.name ? ` (${source.kind} ${owner})` : ''}`);
    const notReady = this.notReady(source, hops);
    if (notReady) return notReady;
    if (flow.initContainer !== undefined) {
      const before = initContainerRefusal(source, flow.initContainer, this.cluster.nativeSidecars, hops);
      if (before) return before;
    }
    const mode = flowMode(flow, undefined);
    return this.fromPod(source, { flow, hops, authority: requestAuthority(flow), tcp: mode !== 'http', tls: false, reached: [] }, 'mesh');
  }

  /**
   * Why `pod`'s sidecar never becomes ready (it cannot reach istiod), or undefined when it can or readiness is not judged.
   * @internal
   */
  public sidecarNotReady(pod: FlowPod): NotReady | undefined {
    return this.readiness.notReady(pod);
  }

  /** A refusal when `pod`'s sidecar never becomes ready (it cannot reach istiod), decided by the NetworkPolicy that blocks it. */
  private notReady(pod: FlowPod, hops: readonly string[]): FlowVerdict | undefined {
    const n = this.readiness.notReady(pod);
    return n ? refused(decider(n.direction === 'Egress' ? 'NetworkPolicy egress' : 'NetworkPolicy ingress', n.policy), n.reason, hops) : undefined;
  }

  /** The request as routing sees it. */
  private routeRequest(ctx: Context, source: FlowPod, gateway: string): RouteRequest {
    const f = ctx.flow;
    return {
      host: f.host,
      authority: ctx.authority,
      port: f.port,
      method: f.method ?? 'GET',
      path: f.path ?? '/',
      headers: f.headers ?? {},
      source,
      tcp: ctx.tcp,
      tls: ctx.tls,
      sni: f.sni,
      gateway,
    };
  }

  /** An external client: the ingress Gateway's server, its VirtualService, then the gateway pod as the source. */
  private external(flow: Flow, hops: string[]): FlowVerdict {
    if (flow.protocol === 'UDP') return udpFromOutside(flow, hops);
    const entry = gatewayEntry(this.cluster, flow.host, flow.port);
    if (!entry) {
      return refused({ layer: 'routing', kind: 'Gateway', name: '(none)' }, `no Gateway server listens for ${flow.host} on port ${flow.port}`, hops);
    }
    const { gateway, server, gw } = entry;
    const gwRef = `${nsOf(gateway)}/${gateway.metadata?.name}`;
    if (!gw) {
      return refused(decider('no endpoint', gateway), `Gateway ${gwRef}'s selector matches no gateway pod (describe it in options.platform)`, hops);
    }
    hops.push(`external → ${gw.namespace}/${gw.name} (Gateway ${gwRef})`);
    // A server that verifies clients' certificates refuses the handshake of a client without an admitted one.
    const stopped = this.notReady(gw, hops) ?? clientCertificateRefused(flow, server, gateway, gwRef, hops);
    if (stopped) return stopped;
    // A PASSTHROUGH server routes the client's TLS by SNI; HTTPS is terminated at the gateway.
    // https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings-TLSmode
    const passthroughTls = ['PASSTHROUGH', 'AUTO_PASSTHROUGH'].includes(String(server.tls?.mode ?? ''));
    // A TLS server that terminates the client's TLS (SIMPLE, MUTUAL, ISTIO_MUTUAL) forwards the bytes inside as TCP, by its `tcp`
    // routes: the gateway's TLS context is its filter chain's, and its TCP proxy reads no SNI of its own
    // (istio/istio pilot/pkg/networking/core/gateway.go, createGatewayTCPFilterChainOpts).
    const terminatedTls = String(server.port?.protocol ?? '').toUpperCase() === 'TLS' && !passthroughTls && server.tls !== undefined;
    const tls = passthroughTls || (flow.protocol === 'TLS' && !terminatedTls);
    let ctx: Context = { flow, hops, authority: requestAuthority(flow), tcp: tls || terminatedTls || flow.protocol === 'TCP', tls, reached: [] };
    // An HTTP server with httpsRedirect answers 301 to every request of its virtual hosts.
    // https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings
    if (entry.redirect) {
      return refused(decider('routing', gateway), `Gateway ${gwRef} redirects ${flow.host}:${flow.port} to HTTPS (301)`, hops);
    }
    // The gateway's proxy reads a server's credentialName from the gateway workload's own
    // namespace (https://istio.io/latest/docs/tasks/traffic-management/ingress/secure-ingress/):
    // a Secret of that name only elsewhere leaves the server without a certificate, and every
    // TLS handshake fails. A Secret the manifests do not hold is the platform's, assumed present.
    const credential = server.tls?.credentialName;
    if (typeof credential === 'string' && credential !== '') {
      const secrets = this.cluster.ofKind('Secret').filter((m) => m.apiVersion === 'v1' && m.metadata?.name === credential);
      if (secrets.length > 0 && !secrets.some((m) => nsOf(m) === gw.namespace)) {
        return refused(
          decider('routing', gateway),
          `Gateway ${gwRef}'s credentialName ${credential} is read in ${gw.namespace}, the gateway pods' namespace, but Secret ${credential} is in `
            + `${[...new Set(secrets.map(nsOf))].sort().join(', ')}: no certificate, the TLS handshake fails`,
          hops,
        );
      }
    }
    const tcp = ctx.tcp;
    // The gateway's JWT filter runs before its authorization (Istio's HTTP filter chain: jwt_authn, then RBAC).
    const token = tokenDecision(this.cluster, gw, tcp ? undefined : flow.requestPrincipal);
    if (token.refused) return refused(decider('RequestAuthentication', token.refused.policy), token.refused.reason, hops);
    // Policies on the gateway pod see the external client: no mTLS identity, on the pod's port behind the server's.
    const podPort = gw.targetPorts?.[flow.port] ?? flow.port;
    // The client's TLS, terminated or passed through here, carries its server name (the flow's, else the host): what a
    // `connection.sni` condition reads. A plaintext server's connection has none.
    const sni = server.tls !== undefined && String(server.port?.protocol ?? '').toUpperCase() !== 'HTTP' ? flow.sni ?? flow.host : undefined;
    const gwRequest = authorizationRequest(this.cluster, flow, { port: podPort, host: ctx.authority, tcp, sni }, token);
    const gwAuthz = authorizationDecision(this.cluster, gw, gwRequest);
    if (!gwAuthz.allowed) return refused(decider('AuthorizationPolicy', gwAuthz.policy), gwAuthz.reason, hops);
    // A token the gateway validated and does not keep goes no further.
    if (!token.forwarded) {
      hops.push('token removed at the gateway (no rule of its issuer keeps it: forwardOriginalToken)');
      ctx = { ...ctx, flow: { ...flow, requestPrincipal: undefined, claims: undefined } };
    }
    const admits = (ns: string) => serverAdmitsNamespace(server, nsOf(gateway), flow.host, ns);
    const virtualServices = gatewayVirtualServices(this.cluster, flow.host, server, gateway, admits, gw.namespace);
    // An HTTP server without a virtual host answers 404; a TCP or TLS server without a route gets no filter chain, and istiod's
    // listener closes the connection (pilot/pkg/networking/core/gateway.go: "listener missed network filter").
    const none = `no VirtualService for ${flow.host} is bound to Gateway ${gwRef} (${ctx.tcp ? 'no filter chain: the connection is closed' : '404'})`;
    if (virtualServices.length === 0) return refused(decider('routing', gateway), none, hops);
    const route = routeThroughVirtualHost(this.cluster, virtualServices, this.routeRequest(ctx, gw, gwRef));
    const vs = route.virtualService ?? virtualServices[0];
    if (route.kind !== 'route') {
      const verdict = refused(decider('routing', vs), route.reason, hops);
      // A redirect or direct response: the gateway answers the client itself.
      return route.kind === 'refused' && route.answered ? { ...verdict, answered: { ...route.answered } } : verdict;
    }
    hops.push(...delegationHops(route));
    if (route.destinations.length === 0)
      return refused(decider('routing', vs), `VirtualService ${nsOf(vs)}/${vs.metadata?.name} has no route for ${flow.host}`, hops);
    return this.toDestinations(gw, rewritten(ctx, route.path, hops), route.destinations, vs, false, false);
  }

  /** A request from a pod: its Sidecar, then its route. */
  private fromPod(source: FlowPod, given: Context, gateway: string): FlowVerdict {
    const { flow, hops } = given;
    if (flow.pods) {
      const pods = this.cluster.podsNamed(flow.pods.workload, flow.pods.namespace);
      if (pods.length === 0) {
        return refused(
          { layer: 'no endpoint', kind: 'Deployment', namespace: flow.pods.namespace, name: flow.pods.workload },
          `no workload ${flow.pods.namespace}/${flow.pods.workload} in the manifests`,
          hops,
        );
      }
      return this.each(pods.map((pod) => () => this.serverSide(source, pod, flow.port, given, { passthrough: true })));
    }
    const service = this.cluster.service(flow.host, source.namespace);
    if (!service) {
      if (flow.target) return this.toPlatformTarget(source, given, flow.target);
      const entry = serviceEntryFor(this.cluster, flow.host, source.namespace);
      if (entry) return this.toServiceEntry(source, given, entry);
      const publicName = gateway === 'mesh' && !source.gateway && outsideCluster(flow.host, this.cluster.namespaces());
      if (publicName) return unregisteredHost(this.cluster, source, flow, hops);
      return refused(
        { layer: 'routing', kind: 'Service', namespace: source.namespace, name: flow.host },
        `no Service or ServiceEntry for ${flow.host} (503 NR)`,
        hops,
      );
    }
    // A UDP flow goes to the Service's UDP port of that number, any other to its TCP one (a Service may have both).
    const udp = gateway === 'mesh' && isUdpFlow(service, flow);
    const servicePort = portOf(service, flow.port, gateway === 'mesh' ? (udp ? 'UDP' : 'TCP') : undefined);
    // Scrapes and probes address the pods' own proxy ports directly, not the Service.
    if (!servicePort && SIDECAR_OWN_PORTS.has(flow.port)) {
      const pods = this.cluster.podsOfService(service);
      if (pods.length === 0)
        return refused(decider('no endpoint', service.manifest), `Service ${service.namespace}/${service.name} selects no pod`, hops);
      return this.each(pods.map((pod) => () => this.serverSide(source, pod, flow.port, given, { passthrough: true })));
    }
    // What the proxies do with the connection: the port's protocol, unless the flow says what the
    // client sends (https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/).
    let ctx = gateway === 'mesh' ? this.withMode(given, flowMode(flow, servicePortProtocol(servicePort))) : given;
    // The application resolves the Service's name first: an egress-isolated pod needs
    // 53/UDP to the cluster DNS. https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/
    if (gateway === 'mesh' && source.kind !== 'Platform' && !source.gateway) {
      const d = this.dns.refusal(source);
      if (d) {
        const layer = `NetworkPolicy ${d.direction.toLowerCase()}` as FlowLayer;
        return refused(decider(layer, d.policy), `${source.name} cannot resolve ${flow.host}: ${d.reason}`, hops);
      }
    }
    if (udp) return udpToPods(this.udpEvaluation, source, service, servicePort, flow, hops, ctx.reached);
    let passthrough = false;
    const found = gateway === 'mesh' ? sidecarDecision(this.cluster, source, service.fqdn, service.namespace, flow.port) : undefined;
    const sc = found && unexportedAsUnlisted(service, source, found);
    if (sc && !sc.listed) {
      if (sc.outboundMode === 'REGISTRY_ONLY') return refused(decider('Sidecar egress', sc.sidecar), sc.reason, hops);
      passthrough = true;
      hops.push(`passthrough (${sc.reason})`);
    }
    if (!servicePort) return refused(decider('routing', service.manifest), missingPort(service, flow.port, gateway === 'mesh'), hops);
    let destinations: RouteDestination[] = [{ fqdn: service.fqdn, port: flow.port, weight: 100 }];
    let vs: Manifest | undefined;
    if (!passthrough) {
      vs = virtualServiceFor(this.cluster, service.fqdn, service.namespace, source.namespace, 'mesh');
      const route = vs ? routeThrough(this.cluster, vs, this.routeRequest(ctx, source, 'mesh')) : undefined;
      if (route?.kind === 'refused') return refused(decider('routing', route.virtualService), route.reason, hops);
      if (route?.kind === 'fallthrough') {
        // No filter chain for the SNI: the listener's default chain (BlackHoleCluster or PassthroughCluster).
        if (sc?.outboundMode !== 'ALLOW_ANY') {
          return refused(decider('routing', vs), `${route.reason}; under REGISTRY_ONLY it goes to BlackHoleCluster and is closed`, hops);
        }
        passthrough = true;
        hops.push(`passthrough (${route.reason}; ALLOW_ANY: passed through as plain TCP)`);
        vs = undefined;
      } else if (route && route.destinations.length > 0) {
        [destinations, vs] = [[...route.destinations], route.virtualService ?? vs];
        hops.push(...delegationHops(route));
        ctx = rewritten(ctx, route.path, hops);
      } else vs = undefined;
    }
    return this.toDestinations(source, ctx, destinations, vs, passthrough, gateway === 'mesh');
  }

  /** `ctx` with the proxies' handling of the connection set. */
  private withMode(ctx: Context, mode: ReturnType<typeof flowMode>): Context {
    return { ...ctx, tcp: mode !== 'http', tls: mode === 'tls' };
  }

  /**
   * A host outside the mesh's workloads: the source's Sidecar must import one of the
   * ServiceEntry's hosts (REGISTRY_ONLY), and its NetworkPolicy let the connection out to the
   * endpoint (an `ipBlock` of the entry's addresses when the entry has them).
   */
  private toServiceEntry(source: FlowPod, ctx: Context, entry: Manifest): FlowVerdict {
    const { flow, hops } = ctx;
    const hosts = entryHosts(entry);
    const decisions = hosts.map((h) => sidecarDecision(this.cluster, source, h, nsOf(entry), flow.port));
    const sc = decisions.find((d) => d.listed) ?? decisions[0];
    if (sc && !sc.listed && sc.outboundMode === 'REGISTRY_ONLY') return refused(decider('Sidecar egress', sc.sidecar), sc.reason, hops);
    const inside = this.cluster.serviceEntryPods(entry);
    if (inside) return this.toEntryWorkloads(source, ctx, entry, inside);
    const steps = { withMode: this.withMode.bind(this), routeRequest: this.routeRequest.bind(this), serverSide: this.serverSide.bind(this) };
    const viaGateway = viaEgressGateway(this.cluster, source, ctx, entry, steps);
    if (viaGateway) return viaGateway;
    const endpoint = externalPod(entry, flow.host);
    const target = externalTargetPort(entry, flow.port);
    hops.push(`ServiceEntry ${nsOf(entry)}/${entry.metadata?.name} → ${endpoint.addresses[0]}:${target}`);
    if (!source.gateway && source.kind !== 'Platform') {
      const np = networkPolicyDecision(this.cluster, 'Egress', source, endpoint, target);
      if (!np.allowed) return refused(decider('NetworkPolicy egress', np.policy), np.reason, hops);
    }
    const mode = modeName(flowMode(flow, serviceEntryPortProtocol(entryPort(entry, flow.port))), flow);
    const reason = `${flow.host} is a ServiceEntry host outside the mesh's workloads (${mode} on ${flow.port})`;
    return { allowed: true, decidedBy: decider('routing', entry), reason, hops };
  }

  /**
   * A ServiceEntry inside the mesh (MESH_INTERNAL, with a workloadSelector or labelled endpoints): each Pod or
   * WorkloadEntry it sends to, at the port istiod gives the endpoint (conversion.go, convertEndpoint: the
   * WorkloadEntry's port named as the entry's port, else the port's targetPort, else its number), and each one's
   * server side: its sidecar's PeerAuthentication and AuthorizationPolicies, NetworkPolicy only for a pod.
   */
  private toEntryWorkloads(source: FlowPod, given: Context, entry: Manifest, pods: readonly FlowPod[]): FlowVerdict {
    const { flow, hops } = given;
    const where = `ServiceEntry ${nsOf(entry)}/${entry.metadata?.name}`;
    if (pods.length === 0) return refused(decider('no endpoint', entry), `${where} selects no Pod or WorkloadEntry: 503 no healthy upstream`, hops);
    const port = entryPort(entry, flow.port);
    if (!port) return refused(decider('routing', entry), `${where} has no port ${flow.port}`, hops);
    const ctx = this.withMode(given, flowMode(flow, serviceEntryPortProtocol(port)));
    const host = entryHosts(entry).find((h) => h === flow.host) ?? entryHosts(entry)[0] ?? flow.host;
    const dr = destinationRuleFor(this.cluster, host, nsOf(entry), source.namespace);
    const tls = tlsModeOf(dr, undefined, flow.port);
    return this.each(pods.map((pod) => () => {
      const named = typeof port.name === 'string' ? pod.namedPorts[port.name] : undefined;
      const target = named ?? externalTargetPort(entry, flow.port);
      hops.push(`${where} → ${endpointAt(pod, target)}`);
      const crossNetwork = remoteRefusal(pod, tls, tls !== undefined ? dr : entry, hops);
      if (crossNetwork) return crossNetwork;
      return this.serverSide(source, pod, target, ctx, { passthrough: false, tls, dr });
    }));
  }

  /**
   * Every weighted destination of the route must work: the first that does not decides, and the
   * share of requests it states is that of every destination refused (none when all are: the
   * verdict holds for every request).
   */
  private toDestinations(
    source: FlowPod,
    ctx: Context,
    destinations: readonly RouteDestination[],
    vs: Manifest | undefined,
    passthrough: boolean,
    sidecarApplies: boolean,
  ): FlowVerdict {
    const each = destinations.map((d) => ({ weight: d.weight, verdict: this.toDestination(source, ctx, d, vs, passthrough, sidecarApplies) }));
    const refusedOnes = each.filter((e) => !e.verdict.allowed);
    if (refusedOnes.length === 0) return each[each.length - 1].verdict;
    const first = refusedOnes[0].verdict;
    const share = refusedOnes.reduce((n, e) => n + e.weight, 0);
    const total = each.reduce((n, e) => n + e.weight, 0);
    return destinations.length > 1 && share < total ? { ...first, reason: `${first.reason} (${share}% of requests)` } : first;
  }

  /** One destination of a route: its Service, the Sidecar's import of it, its port, subset and pods, each pod's server side. */
  private toDestination(
    source: FlowPod,
    ctx: Context,
    d: RouteDestination,
    vs: Manifest | undefined,
    passthrough: boolean,
    sidecarApplies: boolean,
  ): FlowVerdict {
    const { flow, hops } = ctx;
    const checks: Array<() => FlowVerdict> = [];
    const service = this.cluster.services.get(d.fqdn);
    if (!service) return refused(decider('routing', vs), `route destination ${d.fqdn} has no Service (503)`, hops);
    // The proxy has clusters only for the hosts its Sidecar imports: a route to another host
    // points at a cluster it lacks (503 NR). https://istio.io/latest/docs/reference/config/networking/sidecar/
    if (sidecarApplies && !passthrough && vs) {
      const sc = sidecarDecision(this.cluster, source, service.fqdn, service.namespace, flow.port);
      if (!sc.listed)
        return refused(
          decider('Sidecar egress', sc.sidecar),
          `VirtualService ${nsOf(vs)}/${vs.metadata?.name} routes to ${service.fqdn}, which Sidecar `
            + `${nsOf(sc.sidecar!)}/${sc.sidecar!.metadata?.name} does not import (503 NR)`,
          hops,
        );
    }
    const port = d.port !== undefined ? portOf(service, d.port) : (portOf(service, flow.port) ?? onlyPort(service));
    if (!port)
      return refused(
        decider('routing', vs ?? service.manifest),
        `Service ${service.namespace}/${service.name} has no port ${d.port ?? flow.port}`,
        hops,
      );
    let pods = this.cluster.podsOfService(service);
    const dr = destinationRuleFor(this.cluster, service.fqdn, service.namespace, source.namespace);
    if (d.subset !== undefined) {
      const labels = subsetLabels(dr, d.subset);
      if (!labels)
        return refused(decider('routing', vs ?? dr), `subset ${d.subset} of ${d.fqdn} is defined by no DestinationRule (503 NR)`, hops);
      pods = pods.filter((p) => labelsSubsetOf(labels, p.labels));
    }
    const where = `${service.name}.${service.namespace}:${port.port}${d.subset ? ` subset ${d.subset}` : ''}`;
    if (pods.length === 0) {
      return refused(
        decider('no endpoint', d.subset !== undefined ? dr : service.manifest),
        `${where} has no pods: 503 no healthy upstream`,
        hops,
      );
    }
    const tls = passthrough ? undefined : tlsModeOf(dr, d.subset, Number(port.port));
    for (const pod of pods) {
      // A WorkloadEntry the Service selects: at the port istiod gives it, or no endpoint of this port at all.
      const target = pod.outsideCluster ? workloadEntryPort(port, pod) : targetPort(port, pod);
      if (pod.outsideCluster && target === undefined) continue;
      checks.push(() => {
        if (target === undefined)
          return refused(decider('no endpoint', service.manifest), `pod ${pod.name} has no container port named ${port.targetPort}`, hops);
        hops.push(`${where} → ${endpointAt(pod, target)}`);
        const crossNetwork = remoteRefusal(pod, tls, tls !== undefined ? dr : service.manifest, hops);
        return crossNetwork ?? this.serverSide(source, pod, target, ctx, { passthrough, tls, dr });
      });
    }
    if (checks.length === 0) {
      const why = `${where} has no endpoint: no WorkloadEntry it selects names port ${port.targetPort}`;
      return refused(decider('no endpoint', service.manifest), why, hops);
    }
    return this.each(checks);
  }

  /** A platform pod that serves the host (the collector, the API server): no routing. */
  private toPlatformTarget(source: FlowPod, given: Context, target: NonNullable<Flow['target']>): FlowVerdict {
    const { flow, hops } = given;
    const pod = this.cluster.platformPodFor(target);
    const host = dialedHost(flow.host, source.namespace);
    const port = flow.targetPort ?? target.targetPorts?.[flow.port] ?? flow.port;
    const named = Object.entries(target.ports ?? {}).find(([, n]) => n === port)?.[0];
    const ctx = this.withMode(given, flowMode(flow, named === undefined ? undefined : servicePortProtocol({ name: named, port })));
    if (flow.protocol === 'UDP') return udpToDescribedPod(this.udpEvaluation, source, pod, `${host}:${flow.port}`, port, hops, ctx.reached);
    // The proxy's own connection to istiod is not captured by its sidecar: only NetworkPolicy decides it.
    const cp = this.cluster.controlPlane;
    if (cp && pod === cp.pod && port === cp.port) {
      hops.push(`${source.name}'s proxy → ${pod.namespace}/${pod.name}:${port} (not captured)`);
      return this.serverSide(source, pod, port, ctx, { passthrough: true });
    }
    const sc = sidecarDecision(this.cluster, source, host, target.namespace, flow.port);
    let passthrough = false;
    if (!sc.listed) {
      if (sc.outboundMode === 'REGISTRY_ONLY') return refused(decider('Sidecar egress', sc.sidecar), sc.reason, hops);
      passthrough = true;
    }
    hops.push(`${host}:${flow.port} → ${pod.namespace}/${pod.name}${port !== flow.port ? `:${port}` : ''}`);
    return this.serverSide(source, pod, port, ctx, { passthrough });
  }

  /** The connection and the destination's proxy. */
  private serverSide(
    source: FlowPod,
    pod: FlowPod,
    port: number,
    ctx: Context,
    opts: { passthrough: boolean; tls?: string; dr?: Manifest },
  ): FlowVerdict {
    const { flow, hops, tcp } = ctx;
    ctx.reached.push(pod);
    const notReady = this.notReady(pod, hops);
    if (notReady) return notReady;
    const { egress, ingress } = this.connections.of(source, pod, port);
    if (!ingress) return refused(decider('NetworkPolicy egress', egress.policy), egress.reason, hops);
    if (!ingress.allowed) return refused(decider('NetworkPolicy ingress', ingress.policy), ingress.reason, hops);
    let last: FlowDecider | undefined = ingress.policy
      ? decider('NetworkPolicy ingress', ingress.policy)
      : egress.policy
        ? decider('NetworkPolicy egress', egress.policy)
        : undefined;
    let lastReason = ingress.policy || pod.outsideCluster ? ingress.reason : egress.reason;
    if (!pod.meshed) {
      if (opts.tls === 'ISTIO_MUTUAL')
        return refused(
          decider('mTLS', opts.dr),
          `DestinationRule ${opts.dr ? nsOf(opts.dr) + '/' + opts.dr.metadata?.name : ''} sends Istio mTLS to ${pod.name}, `
            + 'which has no sidecar to terminate it',
          hops,
        );
      return { allowed: true, decidedBy: last, reason: `${pod.name} has no sidecar; ${lastReason}`, hops, reached: reachedOf(ctx) };
    }
    if (SIDECAR_OWN_PORTS.has(port)) {
      return {
        allowed: true,
        decidedBy: last,
        reason: `port ${port} is the proxy's own and is not intercepted: no mTLS or authorization applies; ${lastReason}`,
        hops,
        reached: reachedOf(ctx),
      };
    }
    const mode = mtlsMode(this.cluster, pod, port);
    // What the client sends: auto mTLS (no tls in the DestinationRule) sends Istio mTLS to a meshed pod unless its PeerAuthentication
    // disables it; DISABLE sends plaintext; SIMPLE and MUTUAL are TLS with other certificates. https://istio.io/latest/docs/tasks/security/authentication/authn-policy/#auto-mutual-tls
    const drName = opts.dr ? `DestinationRule ${nsOf(opts.dr)}/${opts.dr.metadata?.name}` : 'DestinationRule';
    let istioMtls: boolean;
    if (opts.passthrough || !source.meshed) istioMtls = false;
    else if (opts.tls === 'ISTIO_MUTUAL') {
      if (mode.mode === 'DISABLE')
        return refused(decider('mTLS', opts.dr), `${drName} sends Istio mTLS but ${pod.name}'s PeerAuthentication DISABLEs it`, hops);
      istioMtls = true;
    } else if (opts.tls === 'DISABLE' || opts.tls === 'SIMPLE' || opts.tls === 'MUTUAL') istioMtls = false;
    // Auto mTLS sends Istio mTLS only to an endpoint labelled `security.istio.io/tlsMode: istio` (the injector labels its
    // pods so; a WorkloadEntry is when it says so or names a ServiceAccount: conversion.go, getTLSModeFromWorkloadEntry).
    else istioMtls = mode.mode !== 'DISABLE' && (pod.tlsMode ?? 'istio') === 'istio';
    if (mode.mode === 'STRICT' && !istioMtls) {
      const why = plaintextReason(source, pod, opts, drName);
      const byDr = source.meshed && !opts.passthrough && opts.dr;
      return refused(
        decider('mTLS', byDr ? opts.dr : mode.policy),
        `${why}, but ${pod.name} requires STRICT mTLS on port ${port}`
          + (mode.policy ? ` (PeerAuthentication ${nsOf(mode.policy)}/${mode.policy.metadata?.name})` : ''),
        hops,
      );
    }
    const serverFirst = istioMtls ? undefined : serverFirstRefusal(pod, port, mode);
    if (serverFirst) return refused(decider('mTLS', mode.policy), `${plaintextReason(source, pod, opts, drName)} to ${serverFirst}`, hops);
    if (mode.policy && istioMtls) {
      last = decider('mTLS', mode.policy);
      lastReason = `mTLS ${mode.mode}`;
    }
    const token = tokenDecision(this.cluster, pod, tcp ? undefined : flow.requestPrincipal);
    if (token.refused) return refused(decider('RequestAuthentication', token.refused.policy), token.refused.reason, hops);
    const at = { peer: istioMtls ? source : undefined, port, host: ctx.authority, tcp, source, sni: istioMtls ? ctx.sni : undefined };
    const authz = authorizationDecision(this.cluster, pod, authorizationRequest(this.cluster, flow, at, token));
    if (!authz.allowed) return refused(decider('AuthorizationPolicy', authz.policy), authz.reason, hops);
    if (authz.policy) {
      last = decider('AuthorizationPolicy', authz.policy);
      lastReason = authz.reason;
    }
    return { allowed: true, decidedBy: last, reason: authz.policy ? authz.reason : `${authz.reason}; ${lastReason}`, hops, reached: reachedOf(ctx) };
  }

  /** Runs each check; the first refusal decides, else the last verdict. */
  private each(checks: Array<() => FlowVerdict>): FlowVerdict {
    let last: FlowVerdict | undefined;
    for (const c of checks) {
      last = c();
      if (!last.allowed) return last;
    }
    return last!;
  }
}

/** The workloads of the pods a request has reached so far. */
function reachedOf(ctx: Context): FlowWorkloadRef[] {
  return ctx.reached.map((p) => ({ namespace: p.namespace, workload: p.name }));
}

/**
 * Whether `flow` works over `manifests` (every namespace of one cluster), and which
 * resource decides. For many flows over the same manifests, build a {@link FlowEvaluator}.
 */
export function evaluateFlow(manifests: readonly Manifest[], flow: Flow, options: FlowOptions = {}): FlowVerdict {
  return new FlowEvaluator(manifests, options).evaluate(flow);
}
