import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';
import { Sidecar, SidecarSpec, SidecarSpecOutboundTrafficPolicyMode } from '../../../imports/networking.istio.io';
import { ENVOY_PROMETHEUS_PORT, MERGED_METRICS_PORT } from '../../platform/platform';
import type { NetworkPeer, NetworkPolicySpec, NetworkPort, NetworkRule } from '../../workload/workload';
import type { IMeshService, IMeshServiceNode, ServiceCall } from '../interfaces';
import { podDnsHostOf, restrictedTargetPorts } from '../service-call';
import { lazyWithoutUnset } from '../../private/defined';
import { vmEgressRules, vmIngressRules } from '../vm-endpoints';

/**
 * A service's NetworkPolicy rules and Sidecar, from its declared calls and the platform's pods: the one place a
 * NetworkPolicy's rules are assembled (the namespace's deny-all too); src/workload/workload.ts turns them into the object.
 */

/** A workload as the NetworkPolicy and Sidecar of a service see it (a MeshService is one). */
export interface SecurityWorkload {
  /** The service's name. */
  readonly name: string;
  /** Its namespace. */
  readonly namespace: string;
  /** The labels that select its pods. */
  readonly selectorLabels: Readonly<Record<string, string>>;
  /** Its ports: the container port each reaches and the protocol. */
  readonly ports: readonly { readonly targetPort: number; readonly protocol: string }[];
  /** A StatefulSet's pods' own names, under its headless governing Service. */
  readonly podHostnames?: readonly string[];
}

/** An external service called, as the NetworkPolicy and Sidecar see it. */
export interface SecurityExternalCall {
  /** The external service. */
  readonly target: {
    readonly namespace: string;
    readonly hosts: readonly string[];
    readonly addresses: readonly { readonly value: string }[];
    port(number: number): { readonly targetPort: number } | undefined;
    /** @internal The egress gateway the calls leave through, if they do (`egress: EgressRoute.viaGateway()`). */
    readonly _egressGateway?: {
      readonly namespace: string;
      readonly host: string;
      readonly serviceSelector: Readonly<Record<string, string>>;
      readonly httpPort: number;
      readonly httpsPort: number;
    };
    /** @internal How the egress gateway carries each port. */
    readonly _egressPorts?: readonly { readonly port: { readonly number: number }; readonly kind: 'http' | 'tls' }[];
  };
  /** The port called. */
  readonly port: number;
}

/** Where a service's sidecar sends spans: the tracing collector's pods, port and host. */
export interface CollectorPeer {
  /** The collector's pods. */
  readonly peer: NetworkPeer;
  /** Its port. */
  readonly port: number;
  /** Its host as a Sidecar egress entry, `<namespace>/<host>`. */
  readonly sidecarHost: string;
}

/** The peers a service's NetworkPolicy and Sidecar name, worked out from its `ServiceSecurity` by {@link servicePeers}. */
export interface ServicePeers {
  /** The service. */
  readonly service: SecurityWorkload;
  /** The callers of its declared calls, in call order (repeats allowed). */
  readonly callers: readonly SecurityWorkload[];
  /** The targets of its declared calls, in call order (repeats allowed). */
  readonly targets: readonly SecurityWorkload[];
  /**
   * The container ports a caller may reach, by `<namespace>/<name>`, when its calls name
   * ports of several (`calls(x, { port })`).
   * @default - every container port of the service
   */
  readonly callerPorts?: ReadonlyMap<string, readonly NetworkPort[]>;
  /**
   * The container ports of a target the service may reach, by `<namespace>/<name>`, when its calls name ports.
   * @default - every container port of the target
   */
  readonly targetPorts?: ReadonlyMap<string, readonly NetworkPort[]>;
  /** Its calls to external services. */
  readonly externalCalls: readonly SecurityExternalCall[];
  /** Other pods let in, in the order they were added (repeats allowed). */
  readonly extraIngress: readonly { readonly peer: NetworkPeer; readonly ports?: NetworkPort[] }[];
  /** Prometheus's pods and the sidecar ports they scrape, when they may scrape. */
  readonly prometheus?: { readonly peer: NetworkPeer; readonly ports: readonly number[] };
  /** The egress rules that let the pods resolve names (the platform's DNS). */
  readonly dns: readonly NetworkRule[];
  /** The tracing collector, when spans are sent. */
  readonly collector?: CollectorPeer;
  /** istiod's pods and xDS port. */
  readonly istiod: { readonly peer: NetworkPeer; readonly port: number };
  /**
   * Egress to the VMs of the services called, by their addresses (vm-endpoints.ts).
   * @default []
   */
  readonly vmEgress?: readonly NetworkRule[];
  /**
   * Ingress from the VMs of the services that call, by their addresses (vm-endpoints.ts).
   * @default []
   */
  readonly vmIngress?: readonly NetworkRule[];
}

/**
 * A `ServiceSecurity` as its NetworkPolicy and Sidecar read it: the construct passes itself (this
 * module does not import it, so that no import goes in a circle).
 */
export interface ServiceSecuritySource {
  /** The service secured: its pods, ports, calls out, chart and platform. */
  readonly service: IMeshServiceNode;
  /** The declared calls to the service, from any chart of the app. */
  readonly inboundCalls: readonly ServiceCall[];
  /** @internal Other pods let in, in the order they were added (repeats allowed). */
  readonly _extraIngress: readonly { readonly peer: NetworkPeer; readonly ports?: NetworkPort[] }[];
  /** @internal The namespace's security: whether Prometheus may scrape, and the DNS egress rules. */
  readonly _mesh: NamespaceSecurity;
}

/** The namespace's security a workload's NetworkPolicy reads: whether Prometheus may scrape, and the DNS egress rules. */
export interface NamespaceSecurity {
  /** Whether Prometheus may scrape the workloads' sidecars. */
  readonly allowMetricsScraping: boolean;
  /** The egress rules that reach the cluster's DNS. */
  readonly dnsEgress: readonly NetworkRule[];
}

/** The peers of a service's NetworkPolicy and Sidecar, worked out at synth from its calls, the pods let in and the platform. */
export function servicePeers(s: ServiceSecuritySource): ServicePeers {
  const chart = s.service.chart;
  const prom = chart.platform.prometheus;
  const istio = chart.platform.istio;
  return {
    service: s.service,
    callers: s.inboundCalls.map((c) => c.source),
    targets: s.service.outboundCalls.map((c) => c.target),
    callerPorts: portsByPeer(s.inboundCalls, (c) => c.source),
    targetPorts: portsByPeer(s.service.outboundCalls, (c) => c.target),
    externalCalls: s.service.externalCalls,
    extraIngress: s._extraIngress,
    // Prometheus's pods (namespace AND labels) scrape Envoy on 15090 (the PodMonitor's
    // http-envoy-prom) and the merged endpoint on 15020.
    // https://istio.io/latest/docs/ops/deployment/application-requirements/#ports-used-by-istio
    // Platform pods are selected as their Services select them (serviceSelector), so that other labels on them cannot break a peer.
    // A pod without a sidecar serves neither: nothing to open.
    prometheus: s._mesh.allowMetricsScraping && s.service.meshed
      ? { peer: { namespace: prom.namespace, podLabels: { ...prom.serviceSelector } }, ports: [ENVOY_PROMETHEUS_PORT, MERGED_METRICS_PORT] }
      : undefined,
    dns: s._mesh.dnsEgress,
    collector: collectorOf(s.service),
    istiod: { peer: { namespace: istio.controlPlaneNamespace, podLabels: { ...istio.serviceSelector } }, port: istio.xdsPort },
    vmEgress: vmEgressRules(s.service.outboundCalls),
    vmIngress: vmIngressRules(s.inboundCalls, containerPortsOf(s.service)),
  };
}

/**
 * The tracing collector, when the chart's Telemetry sends spans: the sidecar needs its
 * host among its egress hosts (else Envoy rejects the listener update, "unknown
 * cluster", istio/istio#43043) and the NetworkPolicy must let the spans out.
 * @see https://istio.io/latest/docs/reference/config/networking/sidecar/#IstioEgressListener
 */
function collectorOf(service: Pick<IMeshServiceNode, 'chart' | 'namespace'>): CollectorPeer | undefined {
  const provider = service.chart.tracing;
  if (!provider) return undefined;
  const platform = service.chart.platform.tracing;
  const parts = provider.service.split('.');
  const namespace = provider.service === platform.host ? platform.namespace : parts.length >= 2 ? parts[1] : service.namespace;
  const isPlatform = provider.service === platform.host;
  const peer: NetworkPeer = isPlatform ? { namespace, podLabels: { ...platform.serviceSelector } } : { namespace };
  // The NetworkPolicy sees the pod's port, after the Service's DNAT.
  const port = isPlatform && provider.port === platform.port ? platform.targetPort : provider.port;
  return { peer, port, sidecarHost: `${namespace}/${provider.service}` };
}

/**
 * The container ports each peer's calls reach, by `<namespace>/<name>`, for the peers
 * whose every call names fewer than all ports; the others reach every port.
 */
function portsByPeer(calls: readonly ServiceCall[], peer: (c: ServiceCall) => IMeshService): Map<string, NetworkPort[]> {
  const all = new Set<string>();
  const byPeer = new Map<string, Map<string, NetworkPort>>();
  for (const c of calls) {
    const key = `${peer(c).namespace}/${peer(c).name}`;
    const ports = restrictedTargetPorts(c);
    if (!ports) { all.add(key); continue; }
    const set = byPeer.get(key) ?? new Map<string, NetworkPort>();
    for (const p of ports) set.set(`${p.port}/${p.protocol}`, p);
    byPeer.set(key, set);
  }
  const out = new Map<string, NetworkPort[]>();
  for (const [key, set] of byPeer) if (!all.has(key)) out.set(key, [...set.values()].sort((a, b) => a.port - b.port));
  return out;
}

/** The container ports of a workload, unique, with their protocol. */
export function containerPortsOf(s: SecurityWorkload): NetworkPort[] {
  const seen = new Set<string>();
  const out: NetworkPort[] = [];
  for (const p of s.ports) {
    const protocol = p.protocol === 'udp' ? 'UDP' : 'TCP';
    const key = `${p.targetPort}/${protocol}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ port: p.targetPort, protocol });
  }
  return out;
}

/**
 * The rules of a service's deny-by-default NetworkPolicy: exactly its declared calls in
 * and out, the pods let in, Prometheus's scrapes, DNS, the tracing collector and istiod.
 */
export function renderServiceNetworkPolicy(s: ServicePeers): NetworkPolicySpec {
  // A peer in another namespace is namespaceSelector AND podSelector, in one peer.
  // https://kubernetes.io/docs/concepts/services-networking/network-policies/#behavior-of-to-and-from-selectors
  const own = s.service.namespace;
  const peerOf = (w: SecurityWorkload): NetworkPeer => ({
    podLabels: { ...w.selectorLabels },
    namespace: w.namespace !== own ? w.namespace : undefined,
  });
  const key = (w: SecurityWorkload) => `${w.namespace}/${w.name}`;
  const ingress: NetworkRule[] = uniqueByName(s.callers)
    .map((w) => ({ peers: [peerOf(w)], ports: [...(s.callerPorts?.get(key(w)) ?? containerPortsOf(s.service))] }));
  const seenPeers = new Set<string>();
  for (const e of s.extraIngress) {
    const key = JSON.stringify([e.peer.namespace, e.peer.podLabels, e.peer.cidr, e.ports]);
    if (seenPeers.has(key)) continue;
    seenPeers.add(key);
    ingress.push({ peers: [e.peer], ports: e.ports ?? containerPortsOf(s.service) });
  }
  for (const r of s.vmIngress ?? []) ingress.push({ peers: [...r.peers], ports: [...r.ports] });
  if (s.prometheus) {
    // Prometheus's pods (namespace AND labels) scrape Envoy on 15090 (the PodMonitor's
    // http-envoy-prom) and the merged endpoint on 15020.
    // https://istio.io/latest/docs/ops/deployment/application-requirements/#ports-used-by-istio
    ingress.push({ peers: [s.prometheus.peer], ports: s.prometheus.ports.map((port) => ({ port, protocol: 'TCP' as const })) });
  }
  const egress: NetworkRule[] = uniqueByName(s.targets)
    .map((t) => ({ peers: [peerOf(t)], ports: [...(s.targetPorts?.get(key(t)) ?? containerPortsOf(t))] }));
  for (const r of s.vmEgress ?? []) egress.push({ peers: [...r.peers], ports: [...r.ports] });
  egress.push(...externalEgress(s.externalCalls));
  egress.push(...s.dns.map((r) => ({ peers: [...r.peers], ports: [...r.ports] })));
  if (s.collector) egress.push({ peers: [s.collector.peer], ports: [{ port: s.collector.port, protocol: 'TCP' }] });
  egress.push({ peers: [s.istiod.peer], ports: [{ port: s.istiod.port, protocol: 'TCP' }] });
  return { podLabels: { ...s.service.selectorLabels }, ingress, egress };
}

/** The namespace's deny-all NetworkPolicy: every pod, nothing in, nothing out. */
export function renderDefaultDenyNetworkPolicy(): NetworkPolicySpec {
  return { podLabels: {}, ingress: [], egress: [] };
}

/**
 * NetworkPolicy egress to the external services called, on the port the sidecar connects
 * to (the ServiceEntry port's targetPort): to their addresses when known (`ipBlock`), else
 * to any address, since a NetworkPolicy cannot name a DNS host ("targeting of services by
 * name" is among what NetworkPolicies cannot do).
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/#what-you-can-t-do-with-network-policies-at-least-not-yet
 */
function externalEgress(calls: readonly SecurityExternalCall[]): NetworkRule[] {
  const byPeers = new Map<string, { peers: NetworkPeer[]; ports: Map<number, NetworkPort> }>();
  for (const c of calls) {
    const port = c.target.port(c.port);
    if (!port) continue; // reported under the call (MESH037)
    const gw = c.target._egressGateway;
    if (gw) {
      // Through the egress gateway: to its pods (namespace AND labels), on the pods' port behind the gateway's port of the kind.
      const kind = c.target._egressPorts?.find((p) => p.port.number === c.port)?.kind;
      if (!kind) continue; // reported on the ExternalService (MESH234)
      const peers: NetworkPeer[] = [{ namespace: gw.namespace, podLabels: { ...gw.serviceSelector } }];
      const key = JSON.stringify(peers);
      const entry = byPeers.get(key) ?? { peers, ports: new Map() };
      const podPort = kind === 'http' ? gw.httpPort : gw.httpsPort;
      entry.ports.set(podPort, { port: podPort, protocol: 'TCP' });
      byPeers.set(key, entry);
      continue;
    }
    const peers: NetworkPeer[] = c.target.addresses.length > 0 ? c.target.addresses.map((a) => ({ cidr: a.value })) : [{ cidr: '0.0.0.0/0' }];
    const key = JSON.stringify(peers);
    const entry = byPeers.get(key) ?? { peers, ports: new Map() };
    entry.ports.set(port.targetPort, { port: port.targetPort, protocol: 'TCP' });
    byPeers.set(key, entry);
  }
  return [...byPeers].sort(([a], [b]) => compare(a, b))
    .map(([, e]) => ({ peers: e.peers, ports: [...e.ports.values()].sort((a, b) => a.port - b.port) }));
}

/**
 * The spec of a service's Sidecar: egress only to the hosts it calls (and the tracing
 * collector), and only to hosts in the registry.
 * @see https://istio.io/latest/docs/reference/config/networking/sidecar/
 */
export function renderSidecarSpec(s: ServicePeers): SidecarSpec {
  // Flagger's VirtualService for a host it releases routes to `<name>-primary` and `<name>-canary`: the app's own
  // service a FlaggerCanary releases, or another team's RemoteService that says so.
  const released = (t: object) => (t as { traffic?: { virtualServiceOwner?: string } }).traffic?.virtualServiceOwner === 'flagger'
    || (t as { releasedByFlagger?: boolean }).releasedByFlagger === true;
  const hosts = uniqueByName(s.targets)
    // `./` for the service's own namespace, `<namespace>/` for a service of another.
    // https://istio.io/latest/docs/reference/config/networking/sidecar/#IstioEgressListener
    .flatMap((t) => (released(t) ? ['', '-primary', '-canary'] : ['']).map((suffix) =>
      `${t.namespace === s.service.namespace ? '.' : t.namespace}/${t.name}${suffix}.${t.namespace}.svc.cluster.local`));
  // A stateful service's pods by their own names sit under its headless governing Service's host, which a caller's
  // sidecar imports beside the client Service's: Istio routes `<pod>.<host>` as that host (see callFlows).
  for (const t of uniqueByName(s.targets)) {
    const podHost = podDnsHostOf(t);
    if (podHost) hosts.push(`${t.namespace === s.service.namespace ? '.' : t.namespace}/${podHost}`);
  }
  hosts.sort();
  // A ServiceEntry's hosts, imported from its namespace (`./` for the service's own).
  // https://istio.io/latest/docs/reference/config/networking/sidecar/#IstioEgressListener
  for (const c of s.externalCalls) {
    const ns = c.target.namespace === s.service.namespace ? '.' : c.target.namespace;
    for (const h of c.target.hosts) if (!hosts.includes(`${ns}/${h}`)) hosts.push(`${ns}/${h}`);
    // Through the egress gateway, the sidecar's route goes to the gateway's Service: its cluster must be imported too.
    const gw = c.target._egressGateway;
    if (gw && !hosts.includes(`${gw.namespace}/${gw.host}`)) hosts.push(`${gw.namespace}/${gw.host}`);
  }
  hosts.sort();
  if (s.collector) hosts.push(s.collector.sidecarHost);
  return {
    workloadSelector: { labels: { ...s.service.selectorLabels } },
    // `~/*` imports no host at all: a service that calls nothing reaches nothing.
    egress: [{ hosts: hosts.length > 0 ? hosts : ['~/*'] }],
    outboundTrafficPolicy: { mode: SidecarSpecOutboundTrafficPolicyMode.REGISTRY_UNDERSCORE_ONLY },
  };
}

/** A workload that calls services of the app and serves nothing (a MeshCronJob), as its NetworkPolicy and Sidecar see it. */
export interface CallingWorkload extends SecurityWorkload {
  /** Its chart: the platform's istiod, DNS and tracing collector. */
  readonly chart: IMeshServiceNode['chart'];
  /** Its calls: each service, and the Service port called (every port of the service when undefined). */
  readonly calls: readonly { readonly target: IMeshService; readonly port?: number }[];
  /** Its calls to external services. */
  readonly externalCalls: readonly SecurityExternalCall[];
}

/**
 * The peers of a workload that only calls (a batch job): egress to each callee's container ports (those of the called
 * port alone when it names one), to its external services' ports as a service's ({@link externalEgress}), DNS, the
 * tracing collector and istiod; no ingress but Prometheus's scrapes of its sidecar, when it may scrape, as for a service
 * (else the PodMonitor's targets stay down while the job runs).
 */
export function callingWorkloadPeers(w: CallingWorkload, mesh: NamespaceSecurity): ServicePeers {
  const istio = w.chart.platform.istio;
  const prom = w.chart.platform.prometheus;
  const targetPorts = new Map<string, NetworkPort[]>();
  const all = new Set<string>();
  for (const c of w.calls) {
    const key = `${c.target.namespace}/${c.target.name}`;
    const port = c.port === undefined ? undefined : c.target.ports.find((p) => p.port === c.port);
    if (!port) { all.add(key); continue; }
    const list = targetPorts.get(key) ?? [];
    if (!list.some((p) => p.port === port.targetPort)) list.push({ port: port.targetPort, protocol: port.protocol === 'udp' ? 'UDP' : 'TCP' });
    targetPorts.set(key, list.sort((a, b) => a.port - b.port));
  }
  for (const key of all) targetPorts.delete(key);
  return {
    service: w,
    callers: [],
    targets: w.calls.map((c) => c.target),
    targetPorts,
    externalCalls: w.externalCalls,
    extraIngress: [],
    prometheus: mesh.allowMetricsScraping
      ? { peer: { namespace: prom.namespace, podLabels: { ...prom.serviceSelector } }, ports: [ENVOY_PROMETHEUS_PORT, MERGED_METRICS_PORT] }
      : undefined,
    dns: mesh.dnsEgress,
    collector: collectorOf(w),
    istiod: { peer: { namespace: istio.controlPlaneNamespace, podLabels: { ...istio.serviceSelector } }, port: istio.xdsPort },
    vmEgress: vmEgressRules(w.calls),
  };
}

/** A Sidecar (networking.istio.io/v1) under `scope` from the peers `peers` produces at synth. */
export function addPeersSidecar(scope: Construct, id: string, metadata: ApiObjectMetadata, peers: () => ServicePeers): ApiObject {
  return new Sidecar(scope, id, { metadata, spec: lazyWithoutUnset(() => renderSidecarSpec(peers())) });
}

/** The Sidecar (networking.istio.io/v1) of `security`'s service, under `scope`, its spec read at synth. */
export function addSidecar(scope: Construct, id: string, metadata: ApiObjectMetadata, security: ServiceSecuritySource): ApiObject {
  return new Sidecar(scope, id, { metadata, spec: lazyWithoutUnset(() => renderSidecarSpec(servicePeers(security))) });
}

/** The workloads, each once by namespace and name, sorted by name (then namespace: the own namespace's come first as before). */
function uniqueByName<T extends SecurityWorkload>(list: readonly T[]): T[] {
  const seen = new Map<string, T>();
  for (const s of list) if (!seen.has(`${s.namespace}/${s.name}`)) seen.set(`${s.namespace}/${s.name}`, s);
  return [...seen.values()].sort((a, b) => compare(a.name, b.name) || compare(a.namespace, b.namespace));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
