/**
 * A call to a host outside the mesh that leaves through the platform's egress gateway: the caller's route to the gateway's
 * Service, the caller's side of that hop (Sidecar, DestinationRule subset, NetworkPolicy, the gateway's mTLS and
 * AuthorizationPolicy), then the gateway's side (its Gateway server, the VirtualService bound to it, the ServiceEntry it sees,
 * its own NetworkPolicy egress).
 * @see https://istio.io/latest/docs/tasks/traffic-management/egress/egress-gateway/
 */
import { Manifest } from '../finding';
import { appliedTrafficPolicy } from '../model/traffic-policy';
import { FlowCluster, FlowPod, nsOf } from './cluster';
import { Flow, FlowVerdict } from './flow';
import { networkPolicyDecision } from './network-policy';
import { flowMode, serviceEntryPortProtocol } from './protocol';
import {
  destinationRuleFor, gatewayPods, gatewayServersFor, gatewayVirtualServices, RouteRequest, routeThrough, routeThroughVirtualHost,
  serverAdmitsNamespace, subsetLabels, tlsModeOf, virtualServiceFor,
} from './routing';
import { entryPort, externalPod, externalTargetPort, serviceEntryFor } from './service-entry';
import { sidecarDecision } from './sidecar';
import { endpointAt } from './vm-endpoints';
import { decider, refused } from './verdicts';

/** What the evaluator's context of a request holds that the egress hop reads and sets. */
export interface EgressContext {
  readonly flow: Flow;
  readonly hops: string[];
  readonly tcp: boolean;
  readonly tls: boolean;
  readonly sni?: string;
}

/** The evaluator's steps the egress hop takes: the proxies' mode for a port, the request as routing sees it, a pod's server side. */
export interface EgressEvaluator<C extends EgressContext> {
  withMode(ctx: C, mode: ReturnType<typeof flowMode>): C;
  routeRequest(ctx: C, source: FlowPod, gateway: string): RouteRequest;
  serverSide(source: FlowPod, pod: FlowPod, port: number, ctx: C, opts: { passthrough: boolean; tls?: string; dr?: Manifest }): FlowVerdict;
}

/**
 * A ServiceEntry host the caller's VirtualService sends to the platform's egress gateway, or undefined when it does not (the
 * sidecar then connects to the host itself). The caller's side: its Sidecar imports the gateway's Service, the subset's
 * DestinationRule, its NetworkPolicy egress and the gateway pod's ingress, the gateway's mTLS and AuthorizationPolicy (which read
 * the caller's principal and the SNI of its mTLS, `connection.sni`). The gateway's side: a Gateway server on its pods for the
 * host on the Service's port, a VirtualService bound to it that routes to the host, the ServiceEntry visible from the gateway's
 * namespace, and the gateway pod's NetworkPolicy egress to the host's addresses.
 * @see https://istio.io/latest/docs/tasks/traffic-management/egress/egress-gateway/
 */
export function viaEgressGateway<C extends EgressContext>(
  cluster: FlowCluster, source: FlowPod, given: C, entry: Manifest, ev: EgressEvaluator<C>,
): FlowVerdict | undefined {
  const { flow, hops } = given;
  const host = flow.host;
  const vs = virtualServiceFor(cluster, host, nsOf(entry), source.namespace, 'mesh');
  if (!vs) return undefined;
  const ctx = ev.withMode(given, flowMode(flow, serviceEntryPortProtocol(entryPort(entry, flow.port))));
  const route = routeThrough(cluster, vs, ev.routeRequest(ctx, source, 'mesh'));
  if (route.kind !== 'route') return undefined;
  const d = route.destinations.find((x) => cluster.platformGatewayAt(x.fqdn));
  if (!d) return undefined;
  const gw = cluster.platformGatewayAt(d.fqdn)!;
  const routedBy = route.virtualService ?? vs;
  const where = `VirtualService ${nsOf(routedBy)}/${routedBy.metadata?.name}`;
  const sc = sidecarDecision(cluster, source, d.fqdn, gw.namespace, flow.port);
  if (!sc.listed) {
    return refused(decider('Sidecar egress', sc.sidecar), `${where} routes ${host} to the egress gateway ${d.fqdn}, which `
      + `${sc.sidecar ? `Sidecar ${nsOf(sc.sidecar)}/${sc.sidecar.metadata?.name}` : 'the Sidecar'} does not import (503 NR)`, hops);
  }
  const servicePort = d.port ?? flow.port;
  const dr = destinationRuleFor(cluster, d.fqdn, gw.namespace, source.namespace);
  if (d.subset !== undefined && !subsetLabels(dr, d.subset)) {
    return refused(decider('routing', routedBy), `subset ${d.subset} of ${d.fqdn} is defined by no DestinationRule (503 NR)`, hops);
  }
  const tls = tlsModeOf(dr, d.subset, servicePort);
  const sni = appliedTrafficPolicy(dr, d.subset, servicePort).tls?.value?.sni;
  const podPort = gw.targetPorts?.[servicePort] ?? servicePort;
  hops.push(`${where} → ${gw.name}.${gw.namespace}:${servicePort}${d.subset ? ` subset ${d.subset}` : ''} → ${endpointAt(gw, podPort)}`);
  const toGateway = ev.serverSide(source, gw, podPort, { ...ctx, sni: typeof sni === 'string' ? sni : undefined }, { passthrough: false, tls, dr });
  if (!toGateway.allowed) return toGateway;
  // The gateway: its Gateway server for the host on the Service port (PILOT_SCOPE_GATEWAY_TO_NAMESPACE off: any namespace's
  // Gateway selects it by labels), which terminates the caller's mTLS; the VirtualService bound to it routes the host.
  const servers = gatewayServersFor(cluster, host, servicePort).filter(({ gateway }) => gatewayPods(cluster, gateway).includes(gw));
  if (servers.length === 0) {
    return refused(decider('routing', dr ?? routedBy), `no Gateway server on the egress gateway ${gw.namespace}/${gw.name} listens for `
      + `${host} on port ${servicePort}: the gateway has no filter chain for it and closes the connection`, hops);
  }
  const { gateway, server } = servers[0];
  const gwRef = `${nsOf(gateway)}/${gateway.metadata?.name}`;
  hops.push(`${gw.namespace}/${gw.name} (Gateway ${gwRef})`);
  const admits = (ns: string) => serverAdmitsNamespace(server, nsOf(gateway), host, ns);
  const bound = gatewayVirtualServices(cluster, host, server, gateway, admits, gw.namespace);
  if (bound.length === 0) {
    return refused(decider('routing', gateway), `no VirtualService for ${host} is bound to Gateway ${gwRef} and exported to `
      + `${gw.namespace}: the egress gateway has no route for it`, hops);
  }
  // Inside the terminated mTLS: HTTP on an HTTPS server, the application's own TLS (TCP routes) on a TLS server.
  const terminatedTls = String(server.port?.protocol ?? '').toUpperCase() === 'TLS';
  const atGateway: C = { ...ctx, tcp: terminatedTls || ctx.tcp, tls: false, sni: undefined };
  const gatewayRoute = routeThroughVirtualHost(cluster, bound, { ...ev.routeRequest(atGateway, gw, gwRef), port: servicePort });
  const by = gatewayRoute.virtualService ?? bound[0];
  if (gatewayRoute.kind !== 'route') return refused(decider('routing', by), gatewayRoute.reason, hops);
  if (gatewayRoute.destinations.length === 0) {
    return refused(decider('routing', by), `VirtualService ${nsOf(by)}/${by.metadata?.name} has no route for ${host} on the egress gateway`, hops);
  }
  const dest = gatewayRoute.destinations[0];
  const external = serviceEntryFor(cluster, dest.fqdn, gw.namespace);
  if (!external) {
    return refused(decider('routing', by), `the egress gateway routes to ${dest.fqdn}, but no ServiceEntry for it is exported to `
      + `${gw.namespace}, the gateway's namespace (503 NR)`, hops);
  }
  const destPort = dest.port ?? flow.port;
  const endpoint = externalPod(external, dest.fqdn);
  const target = externalTargetPort(external, destPort);
  hops.push(`ServiceEntry ${nsOf(external)}/${external.metadata?.name} → ${endpoint.addresses[0]}:${target}`);
  const np = networkPolicyDecision(cluster, 'Egress', gw, endpoint, target);
  if (!np.allowed) return refused(decider('NetworkPolicy egress', np.policy), np.reason, hops);
  return { ...toGateway, reason: `${host} leaves through the egress gateway ${gw.namespace}/${gw.name}: ${toGateway.reason}`, hops };
}
