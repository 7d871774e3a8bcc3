/**
 * The checks only a MeshService can make (what its props say, before anything is
 * rendered), each naming its field and a stable code; the rules the rendered manifests show
 * run over them, at synth and in the CLI.
 */
import { Codes } from '../core/codes';
import { formatProblem } from '../core/errors';
import { HTTP_PROTOCOLS, matchesGrpcPath } from '../core/ports';
import { calledPorts, callsGrpcOnly } from './service-call';
import { dns1123LabelProblem, labelValueProblem } from '../core/names';
import { integerProblems } from '../private/checks';
import { ContainerResources, StatefulOptions, volumeClaimProblems } from '../workload/container-options';
import { podOptionProblems } from '../workload/pod-checks';
import { PodOptions } from '../workload/pod-props';
import { ServiceSlo, sloProblems } from '../core/slo';
import { Problem, problem } from '../core/problem';
import type { HostPorts, HostTraffic } from './traffic/host-traffic';
import type { IMeshService, ServiceCall } from './interfaces';
import type { Tier } from '../core/tier';
import type { TierDefaults } from './tier-defaults';
import { serviceExposureProblems, ServiceOptions, ServiceType } from './service-exposure';
import { ContainerPortPlan, ResolvedServicePort, servicePortProblems } from './service-port';

/** What {@link workloadProblems} reads of a service. */
export interface WorkloadProblemInput {
  readonly name: string;
  readonly version: string;
  readonly replicas: number;
  readonly ports: readonly ResolvedServicePort[];
  readonly pod: Readonly<PodOptions>;
  /** The application container's resources, defaults applied. */
  readonly resources: Required<ContainerResources>;
  readonly plan: ContainerPortPlan;
  readonly addressEnv: readonly string[];
  readonly stateful?: StatefulOptions;
  readonly service: ServiceOptions;
  readonly serviceType: ServiceType;
  /** False for a team's workload meshed as it is: its pods are its own. */
  readonly built: boolean;
}

/**
 * A `healthCheckPath` given for a service whose first port does not speak HTTP: the default probes go to the first port, as a TCP
 * connection or gRPC's health protocol, so the path is probed nowhere (MESH024), where a user reads it as the probes' path.
 */
export function healthCheckPathProblems(ports: readonly ResolvedServicePort[]): string[] {
  const first = ports[0];
  if (!first) return [formatProblem(Codes.INVALID_PROBE, 'healthCheckPath: the service has no port to probe it on; leave healthCheckPath out')];
  const probe = first.protocol === 'grpc' ? "gRPC's health protocol" : 'a TCP connection';
  return [formatProblem(Codes.INVALID_PROBE,
    `healthCheckPath: the first port, ${first.port} (${first.protocol}), does not speak HTTP, and the default probes go to it (${probe}), `
      + 'so the path would be probed nowhere; put the HTTP port first, or probe it with `probes` (`HealthProbe.http(path, { port })`) '
      + 'and leave healthCheckPath out')];
}

/** Problems with a service's name, version, replicas, ports, Service, pod options and StatefulSet. */
export function workloadProblems(s: WorkloadProblemInput): string[] {
  const out: string[] = [];
  const nameProblem = dns1123LabelProblem(s.name);
  if (nameProblem) out.push(formatProblem(Codes.INVALID_NAME, `name: ${nameProblem}`));
  const versionProblem = labelValueProblem(s.version);
  if (versionProblem || s.version === '') out.push(formatProblem(Codes.INVALID_NAME, `version: ${versionProblem ?? 'must not be empty'}`));
  out.push(...integerProblems({ replicas: s.replicas }, 0));
  out.push(...servicePortProblems(s.ports));
  out.push(...serviceExposureProblems(s.service, s.serviceType, s.ports));
  if (!s.built) return out;
  out.push(...s.plan.problems);
  const claims = (s.stateful?.volumeClaims ?? []).map((c) => c.name);
  out.push(...podOptionProblems(s.pod, s.plan.app.map((p) => p.number), s.addressEnv, claims));
  if (s.stateful) {
    const others = [...(s.pod.containers ?? []), ...(s.pod.sidecarContainers ?? []), ...(s.pod.initContainers ?? [])];
    const mounted = new Set([...(s.pod.mounts ?? []), ...others.flatMap((c) => c.mounts ?? [])].map((m) => m.volume));
    const taken = new Set(['tmp', ...(s.pod.volumes ?? []).map((v) => v.name)]);
    out.push(...volumeClaimProblems(s.stateful.volumeClaims ?? [], mounted, taken));
    if (s.ports.length === 0) {
      out.push(formatProblem(Codes.INVALID_SERVICE_EXPOSURE, 'ports: a stateful service needs a port for its governing headless Service'));
    }
    if (s.stateful.replication !== undefined && s.stateful.replication.trim() === '') {
      out.push(formatProblem(Codes.INVALID_POD_SETTING, 'stateful.replication: say how the image replicates, or leave it out'));
    }
    out.push(...peerPortProblems(s.stateful, s.replicas));
  }
  return out;
}

/**
 * Problems with a service's calls to others' ports (MESH042): a port the callee's Service
 * does not have (a container port no Service port reaches is named as such), and HTTP
 * methods or paths on a call that reaches no HTTP port (they are HTTP-only: Istio ignores an
 * ALLOW rule with HTTP fields for TCP traffic).
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Operation
 */
export function callPortProblems(calls: readonly Pick<ServiceCall, 'target' | 'port' | 'methods' | 'paths'>[],
  containerOnly: (target: IMeshService) => ReadonlyMap<number, string> | undefined): string[] {
  const out: string[] = [];
  calls.forEach((c, i) => {
    const field = `calls[${i}]`;
    const target = c.target;
    if (target.ports.length === 0) return; // a call to a workload with no Service is MESH032
    const http = target.ports.filter((p) => HTTP_PROTOCOLS.includes(p.protocol));
    if (c.port !== undefined) {
      const port = target.ports.find((p) => p.port === c.port);
      const own = containerOnly(target)?.get(c.port);
      if (!port) {
        out.push(formatProblem(Codes.INVALID_CALL_PORT, own
          ? `${field}.port: ${c.port} is a container port of ${target.name} (${own}) that no Service port exposes; `
            + `add it to ${target.name}'s ports to call it`
          : `${field}.port: ${c.port} is not a port of ${target.name} (${target.ports.map((p) => p.port).join(', ')})`));
      } else if (!HTTP_PROTOCOLS.includes(port.protocol) && (c.methods || c.paths)) {
        out.push(formatProblem(Codes.INVALID_CALL_PORT,
          `${field}: port ${c.port} of ${target.name} is ${port.protocol}, which has no HTTP methods or paths`));
      }
    } else if ((c.methods || c.paths) && http.length === 0) {
      const all = target.ports.map((p) => `${p.port}/${p.protocol}`).join(', ');
      out.push(formatProblem(Codes.INVALID_CALL_PORT, `${field}: ${target.name} has no HTTP port (${all}); methods and paths are HTTP-only`));
    }
    out.push(...grpcCallProblems(field, c));
  });
  return out;
}

/**
 * A call whose every port speaks gRPC, with methods other than POST or paths that are not `/<package.Service>/<Method>`:
 * the callee's ALLOW rule would admit them and no gRPC request (core/ports.ts, GRPC_PROTOCOLS), so the calls the team
 * makes are refused while the flows seem to prove them.
 */
function grpcCallProblems(field: string, c: Pick<ServiceCall, 'target' | 'port' | 'methods' | 'paths'>): string[] {
  if (!callsGrpcOnly(c)) return [];
  const ports = calledPorts(c);
  const on = `${c.target.name}'s port${ports.length > 1 ? 's' : ''} ${ports.map((p) => p.port).join(', ')} speak${ports.length > 1 ? '' : 's'} gRPC`;
  const out: string[] = [];
  const methods = (c.methods ?? []).filter((m) => m !== 'POST');
  if (methods.length > 0) {
    out.push(formatProblem(Codes.INVALID_CALL_PORT,
      `${field}.methods: ${on}, whose every call is POST /<package.Service>/<Method>: ${methods.join(', ')} never matches one; `
      + 'give POST or no methods'));
  }
  const paths = (c.paths ?? []).filter((p) => !matchesGrpcPath(p));
  if (paths.length > 0) {
    out.push(formatProblem(Codes.INVALID_CALL_PORT,
      `${field}.paths: ${on}, whose every path is /<package.Service>/<Method>: ${paths.map((p) => `'${p}'`).join(', ')} never matches one `
      + "(write '/shop.v1.Orders/*' or '/shop.v1.Orders/Get')"));
  }
  return out;
}

/**
 * MESH211: a headless Service's pods without a sidecar, which services of the mesh call.
 * Istio sends Istio mTLS to a headless Service's pods whatever they run: their cluster is
 * ORIGINAL_DST, which gets no auto-mTLS fallback to plaintext (istio/istio
 * pilot/pkg/networking/core/cluster_tls.go, applyUpstreamTLSSettings: "Apply auto mtls to
 * clusters excluding these kind of headless services"), so a pod without a sidecar cannot
 * answer them.
 */
export function headlessSidecarProblems(headless: boolean, inject: boolean | undefined, inbound: readonly ServiceCall[]): string[] {
  if (!headless || inject !== false || inbound.length === 0) return [];
  const callers = [...new Set(inbound.map((c) => c.source.name))].sort().join(', ');
  return [formatProblem(Codes.HEADLESS_WITHOUT_SIDECAR,
    `sidecar.inject: false on the pods of a headless Service that ${callers} call: `
    + "their sidecars send Istio mTLS to a headless Service's pods, which only a sidecar can answer")];
}

/**
 * MESH046: a NodePort or LoadBalancer Service in front of ports whose mTLS is STRICT. Such a
 * Service lets clients outside the mesh in, who send plaintext, which the sidecar refuses
 * under STRICT mTLS; the port needs PERMISSIVE mTLS (and the NetworkPolicy must admit the
 * clients' addresses, `ServiceSecurity.allowIngressFrom`).
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/#PeerAuthentication-MutualTLS-Mode
 */
export function externalServiceProblems(type: ServiceType, ports: readonly ResolvedServicePort[], modeOn: (port: number) => string): string[] {
  if (!type.external) return [];
  return ports.filter((p) => modeOn(p.targetPort) === 'STRICT').map((p) => formatProblem(Codes.INVALID_SERVICE_EXPOSURE,
    `service.type: a ${type.type} Service lets clients outside the mesh reach port ${p.port}, `
    + `and their plaintext is refused by STRICT mTLS on container port ${p.targetPort}; `
    + 'set it PERMISSIVE (ServiceSecurity.of(service).setMtls(mode, { portLevelMtls })) or expose the service through an IngressGateway'));
}

/**
 * Problems with a service's tier and SLO: a tier no TierDefaults defines (MESH016), the SLO's
 * own values, and an SLO on a service with no HTTP or gRPC port, for which Istio records no
 * request metrics (https://istio.io/latest/docs/reference/config/metrics/: istio_requests_total
 * and istio_request_duration_milliseconds are HTTP, HTTP/2 and gRPC only; TCP has byte and
 * connection counts) (MESH034).
 */
export function settingsProblems(s: {
  readonly name: string; readonly tier: Tier; readonly defaults: TierDefaults; readonly slo?: ServiceSlo;
  readonly hasService: boolean; readonly hostPorts: HostPorts;
}): string[] {
  const out: string[] = [];
  if (!s.defaults.settingsFor(s.tier)) {
    const known = Object.keys(s.defaults.tiers).join(', ');
    out.push(formatProblem(Codes.UNKNOWN_TIER, `tier '${s.tier.name}' is not defined by TierDefaults (known: ${known})`));
  }
  if (s.slo) out.push(...sloProblems(s.slo), ...sloMetricsProblems(s.name, s.hasService, s.hostPorts.http.length));
  return out;
}

/**
 * MESH034: an SLO (the `slo` prop or `ObservabilityStack.addSlo`) on a service that has a Service but no HTTP or gRPC port
 * (`httpPorts`), for which Istio records no request metrics (above, {@link settingsProblems}).
 */
export function sloMetricsProblems(name: string, hasService: boolean, httpPorts: number): string[] {
  return hasService && httpPorts === 0 ? [formatProblem(Codes.SLO_WITHOUT_REQUEST_METRICS,
    `slo: ${name} has no HTTP or gRPC port, so Istio records no requests, errors or latencies to measure it by`)] : [];
}

/**
 * MESH410 (warning): a latency objective or check (`what`, at `field`) on the service `name`, whose calls are streams
 * (`streaming`, its own or its tier's). Istio's sidecar records istio_request_duration_milliseconds when a stream ends,
 * from its start to its completion (istio/proxy source/extensions/filters/http/istio_stats/istio_stats.cc, `log`:
 * `info.requestComplete()`; Envoy's StreamInfo `requestComplete`, "the duration from request start to when the entire
 * stream was completed"), so for a long-lived stream (a gRPC bidirectional or server stream, a WebSocket, server-sent events)
 * the latency measured is how long the stream stayed open, not how fast the service answered: such an objective is missed,
 * or such a check failed, whenever streams last longer than it.
 */
export function streamLatencyProblems(name: string, streaming: boolean | undefined, field: string, what: string): Problem[] {
  return streaming ? [problem(Codes.STREAM_LATENCY_MEASURED, field, `${what} measures ${name}'s requests by Istio's request duration, `
    + `which for a stream (${name} is streaming) is how long the stream stays open, recorded when it ends: it is missed whenever `
    + 'streams last longer; measure the latency the clients see with a metric of the application\'s own (the first message, a '
    + 'heartbeat\'s round trip; ObservabilityStack.addAppSlo makes an SLO of it), or acknowledge it where the streams are short', 'warning')] : [];
}

/** Istio's ProxyConfig `terminationDrainDuration` when a pod sets none. */
const ISTIO_DRAIN_MS = 5_000;

/**
 * MESH280 (warning): a meshed service whose SLO's p99 latency is longer than its sidecar's drain on shutdown. On SIGTERM
 * pilot-agent drains Envoy's listeners, waits `terminationDrainDuration` (5s unless the pod's `proxy.istio.io/config` says
 * otherwise) and ends Envoy (istio/istio pkg/envoy/agent.go, `terminate`), while the kubelet lets the application run to the
 * end of its grace period: a request still in flight then loses its proxy, and its caller gets a reset or a 503. The p99 says at
 * least one request in a hundred runs that long, so at every rollout and scale-in some are cut.
 * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#ProxyConfig
 */
export function drainProblems(name: string, slo: ServiceSlo | undefined, pod: PodOptions): Problem[] {
  if (!slo || pod.sidecar?.inject === false) return [];
  const drain = pod.sidecar?.terminationDrainDuration;
  const drainMs = drain?.toMilliseconds({ integral: false }) ?? ISTIO_DRAIN_MS;
  const p99 = slo.latency.p99.toMilliseconds({ integral: false });
  if (p99 <= drainMs) return [];
  const field = drain ? 'sidecar.terminationDrainDuration' : 'slo.latency.p99';
  return [problem(Codes.SIDECAR_DRAIN_SHORTER_THAN_REQUESTS, field, `${name}'s requests run up to ${p99 / 1000}s (its SLO's p99), longer `
    + `than its sidecar serves them once the pod stops (terminationDrainDuration, ${drainMs / 1000}s${drain ? '' : ", Istio's default"}): `
    + 'at each rollout or scale-in the proxy exits under the requests still in flight and their callers get resets; give '
    + "sidecar.terminationDrainDuration the longest request's time and terminationGracePeriod more than that", 'warning')];
}

/** Kubernetes' grace period when a pod sets none (PodSpec.terminationGracePeriodSeconds). */
const KUBERNETES_GRACE_MS = 30_000;

/**
 * MESH685 (warning): a streaming service (WebSockets, server-sent events, gRPC streams) whose pods are given time to close their
 * streams on shutdown, a `terminationGracePeriod` or a `preStopCommand`, while their sidecar keeps Istio's drain of 5s. On SIGTERM,
 * which the kubelet sends the proxy's container at once (the application's is sent it after its preStop), pilot-agent drains
 * Envoy's listeners, waits `terminationDrainDuration` and ends Envoy (istio/istio pkg/envoy/agent.go, `terminate`): every stream
 * still open then loses its proxy, so the application's own close (a WebSocket close frame, a reconnect hint) reaches no client.
 * A platform whose sidecars are Kubernetes native sidecars (`MeshPlatform.of({ istio: { nativeSidecars: true } })`) stops the
 * proxy after the application's containers have exited, and is not reported.
 * @see https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/#hook-handler-execution
 * @see https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/#sidecar-containers-and-pod-lifecycle
 */
export function streamDrainProblems(name: string, streaming: boolean | undefined, pod: PodOptions, nativeSidecars: boolean): Problem[] {
  if (!streaming || nativeSidecars || pod.sidecar?.inject === false || pod.sidecar?.terminationDrainDuration) return [];
  if (!pod.terminationGracePeriod && !pod.preStopCommand) return [];
  const graceMs = pod.terminationGracePeriod?.toMilliseconds({ integral: false }) ?? KUBERNETES_GRACE_MS;
  if (graceMs <= ISTIO_DRAIN_MS) return [];
  const given = pod.terminationGracePeriod ? 'terminationGracePeriod' : 'preStopCommand';
  return [problem(Codes.STREAM_DRAIN_DEFAULT, given, `${name} is streaming and gives its pods ${graceMs / 1000}s to close their streams `
    + `(${given}), but its sidecar keeps Istio's drain of ${ISTIO_DRAIN_MS / 1000}s: pilot-agent ends Envoy that long after SIGTERM, `
    + 'which the proxy gets at once, so every stream still open is cut and the application\'s own close reaches no client; give '
    + 'sidecar.terminationDrainDuration the time the application takes to close its streams (shorter than terminationGracePeriod), '
    + 'or acknowledge it', 'warning')];
}

/** MESH049: `what` on the service `name`, a stateful service or (with `adoptedKind`) a team's workload meshed as it is, which have one version. */
export function singleVersionProblem(what: string, name: string, adoptedKind?: string): string {
  const kind = adoptedKind ? `a ${adoptedKind} meshed as it is` : 'a stateful service (its pods and their claims are its identity)';
  // A stateful service's next release runs as a service of its own, which the current one can mirror to (MirrorOptions.service).
  const next = adoptedKind ? '' : `; run the next release as a service of its own, which ${name} may mirror to (traffic.setMirror with service)`;
  return formatProblem(Codes.SINGLE_VERSION_WORKLOAD, `${what}: ${name} is ${kind}, which has one version${next}`);
}

/**
 * Problems with `stateful.peerPorts` (MESH033, MESH020): ports the replicas reach each other on mean nothing for pods that do not
 * replicate (no `replication`, or one replica), and an empty list or a port given twice is a slip. A port the service
 * lacks is the peer call's own MESH042 (callPortProblems).
 */
function peerPortProblems(stateful: StatefulOptions, replicas: number): string[] {
  const ports = stateful.peerPorts;
  if (ports === undefined) return [];
  const out: string[] = [];
  if (!stateful.replication?.trim() || replicas < 2) {
    out.push(formatProblem(Codes.INVALID_POD_SETTING, `stateful.peerPorts: only replicas that replicate reach each other (${replicas} `
      + `replica${replicas === 1 ? '' : 's'}${stateful.replication?.trim() ? '' : ', no replication'}): leave it out, or say how they replicate`));
  }
  if (ports.length === 0) out.push(formatProblem(Codes.INVALID_POD_SETTING, 'stateful.peerPorts: give at least one port, or leave it out'));
  const twice = ports.filter((p, i) => ports.indexOf(p) !== i);
  if (twice.length > 0) out.push(formatProblem(Codes.DUPLICATE_ENTRY, `stateful.peerPorts: ${[...new Set(twice)].join(', ')} given twice`));
  return out;
}

/**
 * MESH250: the host mirrors requests to another service (`MirrorOptions.service`, on its default route or a route of its own) that
 * a caller of the host does not call. Istio's mirror is applied by the proxy that routes the request, the caller's sidecar (the
 * host's VirtualService is bound to `mesh`), which sends the copy as the caller: its Sidecar must list the mirror's host, or Envoy
 * has no cluster for it and skips the copy, and the mirror's NetworkPolicy and ALLOW policy must admit the caller. The caller's
 * declared call to the mirror says all three.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute (mirror)
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto (RouteAction.RequestMirrorPolicy:
 *   "If the cluster does not exist, the requests will not be mirrored")
 */
export function mirrorCallerProblems(
  service: { readonly name: string; readonly namespace: string; readonly traffic: HostTraffic }, inbound: readonly ServiceCall[],
): string[] {
  const t = service.traffic;
  const mirrors = [t.mirror, ...t.routes.map((r) => r.mirror)].flatMap((m) => (m?.service ? [m.service] : []));
  const out: string[] = [];
  const seen = new Set<string>();
  for (const target of mirrors) {
    // Only requests an HTTP route takes are mirrored; the service's own peer traffic is no caller's.
    for (const call of inbound.filter((c) => calledPorts(c).some((p) => HTTP_PROTOCOLS.includes(p.protocol)))) {
      const caller = call.source;
      const key = `${caller.namespace}/${caller.name} ${target.namespace}/${target.name}`;
      const outbound = (caller as { readonly outboundCalls?: readonly ServiceCall[] }).outboundCalls;
      if (seen.has(key) || outbound === undefined || (caller.name === service.name && caller.namespace === service.namespace)) continue;
      seen.add(key);
      if (outbound.some((c) => c.target.name === target.name && c.target.namespace === target.namespace)) continue;
      out.push(formatProblem(Codes.MIRROR_CALLER_CANNOT_REACH,
        `mirror.service: ${caller.name} calls ${service.name}, whose requests are mirrored to ${target.name}, but does not call ${target.name}: `
          + `the copies leave from ${caller.name}'s sidecar, whose Sidecar lists no host of ${target.name} (Envoy skips a mirror to a cluster `
          + `it lacks) and which ${target.name}'s NetworkPolicy and ALLOW policy refuse; declare ${caller.name}.calls(${target.name}, ...) `
          + 'with the methods and paths it sends'));
    }
  }
  return out;
}
