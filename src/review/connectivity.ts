/**
 * What a change does to traffic: the flows one environment's manifests allow or refuse,
 * before and after, as the flow evaluator (src/validate/flow/) answers them. The diff reads two
 * trees of manifests and nothing else, so the flows to compare are derived from the
 * manifests themselves (see {@link probeFlows}), from both sides, and each is evaluated
 * on both sides.
 */
import { describeDecider, FlowEvaluator, FlowVerdict, PairVerdict, SIDECAR_OWN_PORTS } from '../validate/flow';
import { FlowCluster, FlowPod, nsOf } from '../validate/flow/cluster';
import { labelSelectorMatches } from '../validate/model/selectors';
import { servedNames } from '../validate/model/gateway-hosts';
import type { HttpMethod } from '../core/http';
import type { Flow } from '../validate/flow/flow';
import { PairAnalysis } from '../validate/flow/pairs';
import { MeshPlatform } from '../platform/platform';
import { platformFlowOptions } from '../validate/flow/platform-flows';
import { namespaceGroups } from './namespace-groups';
import { headerText, sampleHeaders, sampleOf, samplePath, sampleRequestPrincipal } from '../validate/flow/samples';
import { mergeRecordedChanges, operationsOf, recordedCallProbes, RemoteCallers, remoteCallerProbes } from './remote-probes';
import { egressProbes, vmName, vmsOf, vmVerdict, withoutRepeatedEndpoints } from './vm-job-probes';

export { sampleOf, samplePath } from '../validate/flow/samples';
import type { Manifest } from '../validate/finding';
import { compare } from './manifest-tree';

/** Where a compared flow comes from. */
export type ProbeKind =
  /** A caller an ALLOW AuthorizationPolicy rule names by its principal. */
  | 'call'
  /** An external request through an ingress Gateway server and the VirtualService route bound to it. */
  | 'route'
  /** Prometheus scraping a meshed pod's proxy (15090, 15020) while a PodMonitor or ServiceMonitor exists. */
  | 'scrape'
  /** A meshed pod sending spans to the tracing collector while a Telemetry resource enables tracing. */
  | 'tracing'
  /** The ingress gateway asking the global rate-limit service, when its Service is in the manifests. */
  | 'ratelimit'
  /** Any request on any port from one workload to another (the pair analysis). */
  | 'pair'
  /**
   * A caller's request (a `call` or `route` probe's) as it reaches one VM of the destination: a WorkloadEntry its Service
   * selects, named `<name> (VM)`.
   */
  | 'endpoint'
  /** A workload's or batch job's connection to a host outside the mesh (a ServiceEntry's) that its Sidecar imports. */
  | 'egress';

/** One flow the connectivity diff compares. */
export interface ConnectivityProbe {
  readonly kind: ProbeKind;
  /** The sender: a workload's name (`<namespace>/<name>` outside the environment's namespace), a platform component, or `external`. */
  readonly source: string;
  /** The receiver, named the same way. */
  readonly destination: string;
  /** The port the sender addresses. */
  readonly port: number;
  /** The request's method; `any` for a workload pair. */
  readonly method: string;
  /** The path pattern the request stands for (`/api/payments/*`); `any` for a workload pair. */
  readonly pathClass: string;
  /** The flow given to the evaluator; none for a workload pair. */
  readonly flow?: Flow;
}

/** A verdict, short. */
export interface ConnectivityVerdict {
  readonly allowed: boolean;
  /** `AuthorizationPolicy production/payment-service-policy`: the refusing resource, or the last that admitted. */
  readonly decidedBy?: string;
  /** The layer of `decidedBy`. */
  readonly layer?: string;
  readonly reason: string;
}

/** One flow whose verdict differs between the two trees. */
export interface ConnectivityChange extends ConnectivityProbe {
  readonly environment: string;
  /** `opened`: refused before, allowed after; `closed`: allowed before, refused after. */
  readonly change: 'opened' | 'closed';
  /** The after tree declares the flow (an AuthorizationPolicy rule, a gateway route, a monitor, tracing). */
  readonly intended: boolean;
  /** The destination is a SecureService: its own STRICT PeerAuthentication selects it. */
  readonly secureDestination: boolean;
  /** The sender is outside the mesh (an external client through the ingress gateway). */
  readonly fromOutside: boolean;
  readonly before: ConnectivityVerdict;
  readonly after: ConnectivityVerdict;
}

/** The connectivity changes of two trees. */
export interface ConnectivityDiff {
  /** Every change; those into a SecureService or from outside the mesh first. */
  readonly changes: readonly ConnectivityChange[];
  /** Opened flows that the after tree does not declare. */
  readonly undeclaredOpened: number;
  /** Closed flows that the after tree still declares. */
  readonly intendedBroken: number;
  /** How many flows were compared (every probe of either side, and every workload pair). */
  readonly compared: number;
}

/** Options for {@link connectivityDiff}. */
export interface ConnectivityOptions {
  /**
   * The platform the manifests run on: its ingress gateway, Prometheus, collector and
   * rate-limit service are the pods the manifests do not contain.
   * @default MeshPlatform.default()
   */
  readonly platform?: MeshPlatform;
  /**
   * The environments whose flows to compare (those a change touches); the others only lend
   * their objects to calls across namespaces, and an environment whose objects reference a
   * compared one's namespace is compared too, since a call between them may change.
   * @default - every environment of either side
   */
  readonly environments?: readonly string[];
}

/** One side of an environment: its evaluator and the probes its manifests declare. */
interface Side {
  readonly evaluator: FlowEvaluator;
  readonly probes: Map<string, ConnectivityProbe>;
  readonly secure: Set<string>;
  /** The callers from other repositories the side admits (probes from them are among `probes`). */
  readonly remote: RemoteCallers;
  /** The keys of the probes of calls a remote-calls record declares. */
  readonly recorded: Set<string>;
}

/**
 * The flows whose verdict differs between `before` and `after`, the manifests of one
 * environment on each side (by environment name). Environments only on one side are
 * compared with an empty one.
 */
export function connectivityDiff(
  before: ReadonlyMap<string, readonly Manifest[]>, after: ReadonlyMap<string, readonly Manifest[]>, options: ConnectivityOptions = {},
): ConnectivityDiff {
  const platform = options.platform ?? MeshPlatform.default();
  const changes: ConnectivityChange[] = [];
  let comparedFlows = 0;
  const envs = [...new Set([...before.keys(), ...after.keys()])].sort(compare);
  const namespaceOf = new Map(
    envs.map((env) => [env, environmentNamespace(after.get(env) ?? []) ?? environmentNamespace(before.get(env) ?? []) ?? env]),
  );
  const groups = namespaceGroups(envs, namespaceOf, before, after);
  const compared = options.environments === undefined ? envs : [...new Set(options.environments.flatMap((e) => groups.get(e) ?? [e]))].sort(compare);
  for (const env of compared) {
    const group = groups.get(env) ?? [env];
    // One environment alone, or with the environments (namespaces) its objects reference: a call
    // across namespaces meets the callee's policies in the callee's folder.
    const union = (side: ReadonlyMap<string, readonly Manifest[]>) => [...new Set(group.flatMap((e) => side.get(e) ?? []))];
    const namespace = namespaceOf.get(env)!;
    const others = new Set(group.filter((e) => e !== env).map((e) => namespaceOf.get(e)!));
    // Each flow is reported once, by the destination's environment (or the source's, when the
    // destination is outside the group: the platform, another app).
    const owned = others.size === 0 ? undefined : (source: string, destination: string) =>
      !destination.includes('/') || (!source.includes('/') && !others.has(destination.split('/')[0]));
    const e = environmentChanges(env, namespace, union(before), union(after), platform, owned);
    changes.push(...e.changes);
    comparedFlows += e.compared;
  }
  const callout = (c: ConnectivityChange) => (c.change === 'opened' && (c.secureDestination || c.fromOutside) ? 0 : 1);
  changes.sort(
    (x, y) =>
      callout(x) - callout(y) ||
      compare(x.environment, y.environment) ||
      compare(x.change, y.change) ||
      compare(x.source, y.source) ||
      compare(x.destination, y.destination) ||
      x.port - y.port ||
      compare(x.method, y.method) ||
      compare(x.pathClass, y.pathClass),
  );
  return {
    changes,
    undeclaredOpened: changes.filter((c) => c.change === 'opened' && !c.intended).length,
    intendedBroken: changes.filter((c) => c.change === 'closed' && c.intended).length,
    compared: comparedFlows,
  };
}

function environmentChanges(
  env: string, namespace: string, beforeManifests: readonly Manifest[], afterManifests: readonly Manifest[], platform: MeshPlatform,
  owned?: (source: string, destination: string) => boolean,
): { changes: ConnectivityChange[]; compared: number } {
  const a = side(beforeManifests, platform, namespace, owned);
  const b = side(afterManifests, platform, namespace, owned);
  const out: ConnectivityChange[] = [];
  const changedPairs = new Set<string>();
  const keys = [...new Set([...a.probes.keys(), ...b.probes.keys()])].sort(compare);
  const recorded = new Set<ConnectivityChange>();
  for (const key of keys) {
    const probe = (b.probes.get(key) ?? a.probes.get(key))!;
    const x = verdictOf(a.evaluator, probe, namespace);
    const y = verdictOf(b.evaluator, probe, namespace);
    if (x.allowed === y.allowed) continue;
    const change = y.allowed ? 'opened' : 'closed';
    changedPairs.add(`${probe.source}\u0000${probe.destination}\u0000${change}`);
    const c = changeOf(env, probe, change, b.probes.has(key) || servedByGateway(probe, b, platform) || stillAdmitted(key, probe, a, b), b, x, y);
    if (a.recorded.has(key) || b.recorded.has(key)) recorded.add(c);
    out.push(c);
  }
  // Workload pairs: any port, any request. Only pairs open on one side can change.
  const declaredAfter = new Set([...b.probes.values()].map((p) => `${p.source}\u0000${p.destination}`));
  const pairs = pairChanges(a.evaluator, b.evaluator, namespace);
  for (const [source, destination, x, y] of pairs.changes) {
    if (owned && !owned(source, destination)) continue;
    const change = y.allowed ? 'opened' : 'closed';
    if (changedPairs.has(`${source}\u0000${destination}\u0000${change}`)) continue;
    const probe: ConnectivityProbe = { kind: 'pair', source, destination, port: y.port ?? x.port ?? 0, method: 'any', pathClass: 'any' };
    out.push(changeOf(env, probe, change, declaredAfter.has(`${source}\u0000${destination}`), b, x, y));
  }
  return { changes: withoutRepeatedEndpoints(mergeRecordedChanges(out, (c) => recorded.has(c))), compared: keys.length + pairs.count };
}

/**
 * A flow from a caller of another repository is intended while the after tree still admits that caller (its workload:
 * namespace and name) into the destination: the callee cannot know which of the requests it admitted the caller still
 * sends, so one it refuses after the change breaks the other team's calls.
 */
function stillAdmitted(key: string, probe: ConnectivityProbe, a: Side, b: Side): boolean {
  const caller = a.remote.callerOf.get(key) ?? b.remote.callerOf.get(key);
  return caller !== undefined && b.remote.admitted.has(`${caller}\u0000${probe.destination}`);
}

/**
 * A route whose VirtualService rule is gone is still intended while the destination's
 * AuthorizationPolicy admits the ingress gateway for that request (its method and path, judged
 * by the after tree's policies): the service is still meant to be served there. A route the
 * after tree narrows (it still routes other requests of the gateway to the destination) or a
 * request the gateway is no longer admitted for is no longer declared: the flow only closes.
 */
function servedByGateway(probe: ConnectivityProbe, after: Side, platform: MeshPlatform): boolean {
  if (probe.kind !== 'route' || !probe.flow) return false;
  const gateway = `${platform.ingressGateway.namespace}/${platform.ingressGateway.name}`;
  const probes = [...after.probes.values()];
  if (probes.some((p) => p.kind === 'route' && p.destination === probe.destination)) return false;
  const { method, path } = probe.flow;
  return probes.some((p) => p.kind === 'call' && p.destination === probe.destination && !!p.flow
    && (p.source === gateway || p.source === platform.ingressGateway.name)
    && after.evaluator.evaluate({ ...p.flow, method, path }).allowed);
}

function changeOf(
  env: string,
  probe: ConnectivityProbe,
  change: 'opened' | 'closed',
  intended: boolean,
  after: Side,
  x: ConnectivityVerdict,
  y: ConnectivityVerdict,
): ConnectivityChange {
  const { flow: _flow, ...rest } = probe;
  return {
    environment: env,
    ...rest,
    change,
    intended,
    secureDestination: after.secure.has(probe.destination),
    fromOutside: probe.source === EXTERNAL,
    before: x,
    after: y,
  };
}

const EXTERNAL = 'external';

/** One side's evaluator, on the platform's pods for an environment in `namespace`, and the probes its manifests declare. */
function side(
  manifests: readonly Manifest[],
  platform: MeshPlatform,
  namespace: string,
  owned?: (source: string, destination: string) => boolean,
): Side {
  const evaluator = new FlowEvaluator(manifests, platformFlowOptions(platform, namespace));
  let probes = probeFlows(evaluator, platform, namespace);
  const add = (p: ConnectivityProbe, identity?: string) => {
    const key = [p.kind, p.source, p.destination, p.port, p.method, p.pathClass, ...(identity ? [identity] : [])].join('\u0000');
    probes.set(key, p);
    return key;
  };
  const remote = remoteCallerProbes(evaluator.cluster, namespace, (pod) => servicesOf(evaluator.cluster, pod)[0], add);
  const recorded = recordedCallProbes(evaluator.cluster, namespace, add);
  egressProbes(evaluator.cluster, namespace, add);
  if (owned) probes = new Map([...probes].filter(([, p]) => owned(p.source, p.destination)));
  return { evaluator, probes, secure: secureWorkloads(evaluator.cluster, namespace), remote, recorded };
}

/** The namespace most resources of an environment live in. */
export function environmentNamespace(manifests: readonly Manifest[]): string | undefined {
  const ns = manifests.find((m) => m.kind === 'Namespace')?.metadata?.name;
  if (ns) return String(ns);
  const count = new Map<string, number>();
  for (const m of manifests) if (m.metadata?.namespace) count.set(m.metadata.namespace, (count.get(m.metadata.namespace) ?? 0) + 1);
  return [...count].sort((x, y) => y[1] - x[1])[0]?.[0];
}

/** A pod's name for people: its name in the environment's namespace, else `<namespace>/<name>`. */
function display(p: Pick<FlowPod, 'name' | 'namespace'>, namespace: string): string {
  return p.namespace === namespace ? p.name : `${p.namespace}/${p.name}`;
}

function isWorkload(p: FlowPod): boolean {
  return p.kind !== 'Platform' && p.kind !== 'Job' && p.kind !== 'CronJob' && p.kind !== 'Pod';
}

/** A pod of a batch job: it calls services but serves nothing, so it is a caller only. */
function isBatchJob(p: FlowPod): boolean {
  return p.kind === 'Job' || p.kind === 'CronJob';
}

function sourceOf(p: FlowPod): Flow['source'] {
  if (p.kind !== 'Platform') return { workload: p.name, namespace: p.namespace };
  return {
    platform: {
      name: p.name,
      namespace: p.namespace,
      labels: p.labels,
      serviceAccount: p.serviceAccount,
      meshed: p.meshed,
      ports: p.namedPorts,
      addresses: p.addresses,
    },
  };
}

/** The Services that select `pod`, in input order. */
function servicesOf(cluster: FlowCluster, pod: FlowPod): Manifest[] {
  return cluster.servicesOf(pod).map((s) => s.manifest);
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE']);

/**
 * The flows one side's manifests declare, by a key that is the same on both sides:
 * - each principal an ALLOW AuthorizationPolicy rule names, to the selected workload's
 *   Service, once per method and path of the rule (a rule with no `to` is any request: `GET /`);
 * - each external request a Gateway server (not an HTTPS redirect) sends through a
 *   VirtualService route bound to it, one per route match;
 * - Prometheus to 15090 and 15020 of every meshed workload, when a PodMonitor or ServiceMonitor exists;
 * - every meshed workload to the tracing collector, when a Telemetry resource enables tracing;
 * - the ingress gateway to the rate-limit service, when its Service is in the manifests.
 * `drawn`: the pairs (`source`, `destination`, as the probes name them) whose call probes the caller
 * has no use for (the topology's declared calls), left out.
 */
export function probeFlows(
  evaluator: FlowEvaluator, platform: MeshPlatform, namespace: string, drawn?: (source: string, destination: string) => boolean,
): Map<string, ConnectivityProbe> {
  const cluster = evaluator.cluster;
  const out = new Map<string, ConnectivityProbe>();
  const add = (p: ConnectivityProbe) => out.set([p.kind, p.source, p.destination, p.port, p.method, p.pathClass].join('\u0000'), p);
  // The pod's first Service, from the model's label index.
  const serviceOf = (pod: FlowPod): Manifest | undefined => servicesOf(cluster, pod)[0];
  const gateway = cluster.pods.find(
    (p) => p.kind === 'Platform' && p.name === platform.ingressGateway.name && p.namespace === platform.ingressGateway.namespace,
  );
  const probe: ProbeContext = { cluster, namespace, serviceOf, add, drawn };
  callerProbes(probe);
  routeProbes(probe, gateway);
  const meshed = cluster.pods.filter(isWorkload).filter((p) => p.meshed && p.namespace === namespace);
  scrapeProbes(probe, meshed);
  tracingProbes(probe, platform, meshed);
  if (gateway) rateLimitProbe(probe, platform, gateway);
  return out;
}

/** What the probes of one environment share: the cluster, its namespace, each pod's first Service, and where probes go. */
interface ProbeContext {
  readonly cluster: FlowEvaluator['cluster'];
  readonly namespace: string;
  readonly serviceOf: (pod: FlowPod) => Manifest | undefined;
  add(p: ConnectivityProbe): void;
  /** The pairs whose call probes are left out. */
  readonly drawn?: (source: string, destination: string) => boolean;
}

/**
 * Declared callers: every workload of a principal an ALLOW policy names calls each operation of its rule
 * (a Flagger release runs its primary and its canary under one ServiceAccount); a batch job (CronJob, Job)
 * named so calls as a service does.
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source
 */
function callerProbes({ cluster, namespace, serviceOf, add, drawn }: ProbeContext): void {
  const byPrincipal = new Map<string, FlowPod[]>();
  for (const p of cluster.pods) {
    if (!isWorkload(p) && !isBatchJob(p) && p.kind !== 'Platform') continue;
    byPrincipal.set(cluster.principalOf(p), [...(byPrincipal.get(cluster.principalOf(p)) ?? []), p]);
  }
  for (const policy of cluster.ofKind('AuthorizationPolicy')) {
    if (String(policy.spec?.action ?? 'ALLOW') !== 'ALLOW' || !policy.spec?.selector) continue;
    const targets = cluster
      .podsMatching(nsOf(policy), policy.spec.selector.matchLabels ?? {})
      .filter((p) => isWorkload(p) && labelSelectorMatches(policy.spec.selector, p.labels));
    for (const target of targets) {
      const service = serviceOf(target);
      if (!service) continue;
      const port = Number(service.spec?.ports?.[0]?.port);
      for (const rule of policy.spec?.rules ?? []) {
        for (const from of rule?.from ?? []) {
          const requestPrincipal = sampleRequestPrincipal(from.source?.requestPrincipals);
          const callers = (from.source?.principals ?? []).flatMap((principal: unknown) => byPrincipal.get(String(principal)) ?? []);
          for (const caller of callers.filter((c: FlowPod) => c !== target)) {
            // A pair the caller draws itself still has its VMs' probes.
            const skip = drawn?.(display(caller, namespace), display(target, namespace)) === true;
            for (const [method, pathClass] of operationsOf(rule)) {
              const call: ConnectivityProbe = {
                kind: 'call', source: display(caller, namespace), destination: display(target, namespace), port, method, pathClass,
                flow: {
                  source: sourceOf(caller), host: `${service.metadata?.name}.${nsOf(service)}`, port, method: method as HttpMethod,
                  path: samplePath(pathClass), ...(requestPrincipal ? { requestPrincipal } : {}),
                },
              };
              if (!skip) add(call);
              for (const vm of vmsOf(cluster, cluster.service(`${service.metadata?.name}.${nsOf(service)}`, nsOf(service)))) {
                add({ ...call, kind: 'endpoint', destination: vmName(vm, namespace) });
              }
            }
          }
        }
      }
    }
  }
}

/**
 * External requests: each name a client addresses on each Gateway server (the manifests' and the platform's), through the
 * VirtualService routes bound to the Gateway that serve it (first match wins), as validate/model `servedNames` lists them.
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/#Server
 */
function routeProbes(probe: ProbeContext, gateway: FlowPod | undefined): void {
  const { cluster } = probe;
  for (const { server, port, host, virtualService } of servedNames(cluster.ofKind('Gateway'), cluster.ofKind('VirtualService'))) {
    if (!virtualService || server.tls?.httpsRedirect === true) continue;
    const protocol = String(server.port?.protocol ?? 'HTTP').toUpperCase() === 'HTTPS' ? 'HTTPS' : 'HTTP';
    for (const route of virtualService.spec?.http ?? []) routeMatchProbes(probe, gateway, virtualService, route, { host, port, protocol });
  }
}

/** The probes of one route of a VirtualService bound to a gateway: one sample request per match (every request without one). */
function routeMatchProbes(
  { cluster, namespace, add }: ProbeContext,
  gateway: FlowPod | undefined,
  vs: Manifest,
  route: any,
  server: { readonly host: string; readonly port: number; readonly protocol: 'HTTP' | 'HTTPS' },
): void {
  const dest = String(route.route?.[0]?.destination?.host ?? '');
  const svc = cluster.service(dest, nsOf(vs));
  const targetPod = svc ? cluster.podsOfService(svc).find(isWorkload) : undefined;
  if (!targetPod) return;
  const requestPrincipal = gatewayRequestPrincipal(cluster, targetPod, gateway);
  const { host, port, protocol } = server;
  for (const match of route.match?.length ? route.match : [{}]) {
    const uri = match.uri ?? {};
    const path =
      uri.exact ??
      (uri.prefix !== undefined ? `${String(uri.prefix).replace(/\/?$/, '/')}x` : uri.regex !== undefined ? sampleOf(uri.regex) : '/');
    const headers = sampleHeaders(match.headers);
    // A match no sample request is known to meet (a regex the sampler cannot fill) is not probed.
    if (path === undefined || headers === undefined) continue;
    const uriClass = uri.exact ?? (uri.prefix !== undefined ? `${uri.prefix}*` : uri.regex !== undefined ? `~${uri.regex}` : '/*');
    const headerClass = Object.keys(match.headers ?? {}).sort().map((h) => ` ${h}:${headerText(match.headers[h])}`).join('');
    const pathClass = `${uriClass}${headerClass}`;
    const method = METHODS.has(String(match.method?.exact)) ? String(match.method.exact) : 'GET';
    const routed: ConnectivityProbe = {
      kind: 'route', source: EXTERNAL, destination: display(targetPod, namespace), port, method, pathClass,
      flow: {
        source: { external: true }, host, port, method: method as HttpMethod, path,
        protocol, ...(requestPrincipal ? { requestPrincipal } : {}),
        ...(Object.keys(headers).length > 0 ? { headers } : {}),
      },
    };
    add(routed);
    for (const vm of vmsOf(cluster, svc)) add({ ...routed, kind: 'endpoint', destination: vmName(vm, namespace) });
  }
}

/**
 * Scrapes, when a PodMonitor or ServiceMonitor asks for them: Prometheus to each meshed pod's Envoy (15090) and merged (15020) ports.
 * @see https://istio.io/latest/docs/ops/integrations/prometheus/#option-2-customized-scraping-configurations
 */
function scrapeProbes({ cluster, namespace, serviceOf, add }: ProbeContext, meshed: readonly FlowPod[]): void {
  if (cluster.ofKind('PodMonitor').length + cluster.ofKind('ServiceMonitor').length === 0) return;
  const prometheus = cluster.pods.find((p) => p.kind === 'Platform' && p.name === 'prometheus');
  for (const pod of prometheus ? meshed : []) {
    const service = serviceOf(pod);
    if (!service) continue;
    for (const port of [15090, 15020]) {
      add({
        kind: 'scrape',
        source: display(prometheus!, namespace),
        destination: display(pod, namespace),
        port,
        method: 'GET',
        pathClass: '/stats/prometheus',
        flow: { source: sourceOf(prometheus!), host: `${service.metadata?.name}.${nsOf(service)}`, port, method: 'GET', path: '/stats/prometheus' },
      });
    }
  }
}

/**
 * Spans, when a Telemetry traces: each meshed pod to the platform's collector.
 * @see https://istio.io/latest/docs/reference/config/telemetry/#Tracing
 */
function tracingProbes({ cluster, namespace, add }: ProbeContext, platform: MeshPlatform, meshed: readonly FlowPod[]): void {
  if (!cluster.ofKind('Telemetry').some((t) => (t.spec?.tracing ?? []).length > 0)) return;
  const collector = platform.tracingWorkload();
  const t = platform.tracing;
  const path = t.protocol === 'zipkin' ? '/api/v2/spans' : '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
  for (const pod of meshed) {
    add({
      kind: 'tracing',
      source: display(pod, namespace),
      destination: `${collector.namespace}/${collector.name}`,
      port: t.port,
      method: 'POST',
      pathClass: path,
      flow: {
        source: sourceOf(pod),
        host: t.host,
        port: t.port,
        method: 'POST',
        path,
        target: collector,
        protocol: t.protocol === 'zipkin' ? 'HTTP' : 'GRPC',
      },
    });
  }
}

/**
 * The global rate limit: the gateway to the rate-limit service, when its Service is there or a gateway filter names it
 * (the filter names its cluster `outbound|<port>||<host>`: a filter that does is a flow that must work).
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/rate_limit_filter
 */
function rateLimitProbe({ cluster, namespace, add }: ProbeContext, platform: MeshPlatform, gateway: FlowPod): void {
  const rl = platform.rateLimitWorkload(namespace);
  const rlService = cluster.service(`${rl.name}.${rl.namespace}`, namespace);
  const rlHost = `${rl.name}.${rl.namespace}.svc.cluster.local`;
  const filtered = cluster.ofKind('EnvoyFilter').some((f) => JSON.stringify(f.spec ?? {}).includes(`||${rlHost}`));
  if (!rlService && !filtered) return;
  const port = platform.rateLimit.grpcPort;
  const target = rlService ? cluster.podsOfService(rlService)[0] : undefined;
  const path = '/envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit';
  add({
    kind: 'ratelimit',
    source: display(gateway, namespace),
    destination: display(target ?? { name: rl.name, namespace: rl.namespace }, namespace),
    port,
    method: 'POST',
    pathClass: path,
    flow: { source: sourceOf(gateway), host: `${rl.name}.${rl.namespace}`, port, method: 'POST', path, protocol: 'GRPC' },
  });
}

/** The token a routed request must carry: the request principal the destination admits the gateway with, if any. */
function gatewayRequestPrincipal(cluster: FlowCluster, target: FlowPod, gateway: FlowPod | undefined): string | undefined {
  if (!gateway) return undefined;
  const principal = cluster.principalOf(gateway);
  for (const policy of cluster.ofKind('AuthorizationPolicy', target.namespace)) {
    if (String(policy.spec?.action ?? 'ALLOW') !== 'ALLOW' || !labelSelectorMatches(policy.spec?.selector, target.labels)) continue;
    for (const rule of policy.spec?.rules ?? []) {
      for (const from of rule?.from ?? []) {
        if ((from.source?.principals ?? []).includes(principal) && from.source?.requestPrincipals?.length)
          return sampleRequestPrincipal(from.source.requestPrincipals);
      }
    }
  }
  return undefined;
}

/**
 * SecureServices of the namespace: workloads that their own PeerAuthentication (one with
 * a selector) puts in STRICT mode, as SecureService writes it.
 * https://istio.io/latest/docs/reference/config/security/peer_authentication/ (workload-specific policy)
 */
export function secureWorkloads(cluster: FlowCluster, namespace: string): Set<string> {
  const out = new Set<string>();
  for (const pa of cluster.ofKind('PeerAuthentication')) {
    if (!pa.spec?.selector || pa.spec?.mtls?.mode !== 'STRICT') continue;
    for (const p of cluster.podsMatching(nsOf(pa), pa.spec.selector.matchLabels ?? {})) {
      if (isWorkload(p) && labelSelectorMatches(pa.spec.selector, p.labels)) out.add(display(p, namespace));
    }
  }
  return out;
}

/** The verdict of a probe, with the check that a routed request reached the destination it stands for (a VM: that it reached it). */
function verdictOf(evaluator: FlowEvaluator, probe: ConnectivityProbe, namespace: string): ConnectivityVerdict {
  if (!probe.flow) return { allowed: false, reason: 'not evaluated' };
  let v: FlowVerdict = evaluator.evaluate(probe.flow);
  if (probe.kind === 'endpoint') v = vmVerdict(v, probe.destination, namespace);
  if (v.allowed && probe.kind === 'route') {
    const name = probe.destination.includes('/') ? probe.destination : undefined;
    const reached = v.hops.some((h) => (name ? h.includes(`→ ${name}:`) : new RegExp(`→ [^/ ]+/${escape(probe.destination)}:`).test(h)));
    if (!reached) {
      const last = v.hops[v.hops.length - 1] ?? '';
      return { allowed: false, decidedBy: v.decidedBy ? short(v.decidedBy) : undefined, layer: 'routing', reason: `routed elsewhere (${last})` };
    }
  }
  return { allowed: v.allowed, decidedBy: v.decidedBy ? short(v.decidedBy) : undefined, layer: v.decidedBy?.layer, reason: v.reason };
}

function short(d: NonNullable<FlowVerdict['decidedBy']>): string {
  return describeDecider({ ...d, layer: d.kind as never });
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A pair is open for the diff when an application port admits some request: the proxy's
 * own ports (15090, 15020, 15021) answer every peer the network lets through and say
 * nothing about the service. https://istio.io/latest/docs/ops/deployment/application-requirements/#ports-used-by-istio
 */
function applicationOpen(v: PairVerdict): boolean {
  return v.open && !(v.port !== undefined && SIDECAR_OWN_PORTS.has(v.port));
}

/** Workload pairs open on one side only: `[source, destination, before, after]`. */
function pairChanges(
  a: FlowEvaluator,
  b: FlowEvaluator,
  namespace: string,
): { count: number; changes: [string, string, ConnectivityVerdict & { port?: number }, ConnectivityVerdict & { port?: number }][] } {
  const open = (e: FlowEvaluator) => {
    const analysis = new PairAnalysis(e.cluster, isWorkload);
    const m = new Map<string, { a: FlowPod; b: FlowPod }>();
    for (const x of e.cluster.pods.filter(isWorkload)) {
      for (const y of analysis.candidates(x)) {
        if (y.name === x.name && y.namespace === x.namespace) continue;
        const key = `${display(x, namespace)}\u0000${display(y, namespace)}`;
        if (!m.has(key) && applicationOpen(analysis.verdict(x, y))) m.set(key, { a: x, b: y });
      }
    }
    return { analysis, m };
  };
  const before = open(a);
  const after = open(b);
  const pairVerdict = (e: FlowEvaluator, analysis: PairAnalysis, key: string) => {
    const [s, d] = key.split('\u0000');
    const find = (n: string) => e.cluster.pods.filter(isWorkload).find((p) => display(p, namespace) === n);
    const x = find(s);
    const y = find(d);
    if (!x || !y) return { allowed: false, reason: `${!x ? s : d} is not in the manifests`, layer: 'no endpoint' };
    const v = analysis.verdict(x, y);
    if (v.open && !applicationOpen(v)) {
      // Only the proxy's own ports answer: say what refuses the application's port, as a TCP connection would meet it.
      const service = servicesOf(e.cluster, y)[0];
      const port = Number(service?.spec?.ports?.[0]?.port);
      const tcp = service
        ? e.evaluate({ source: sourceOf(x), host: `${service.metadata?.name}.${nsOf(service)}`, port, protocol: 'TCP' })
        : undefined;
      return {
        allowed: false,
        port: y.portNumbers[0] ?? port,
        decidedBy: tcp?.decidedBy ? short(tcp.decidedBy) : undefined,
        layer: tcp?.decidedBy?.layer,
        reason: tcp?.reason ?? `only the proxy's own port ${v.port} of ${d} answers`,
      };
    }
    return { allowed: v.open, port: v.port, decidedBy: v.decidedBy ? short(v.decidedBy) : undefined, layer: v.decidedBy?.layer, reason: v.reason };
  };
  const out: [string, string, ConnectivityVerdict & { port?: number }, ConnectivityVerdict & { port?: number }][] = [];
  for (const key of [...new Set([...before.m.keys(), ...after.m.keys()])].sort(compare)) {
    if (before.m.has(key) === after.m.has(key)) continue;
    const [s, d] = key.split('\u0000');
    out.push([s, d, pairVerdict(a, before.analysis, key), pairVerdict(b, after.analysis, key)]);
  }
  const names = new Set([...a.cluster.pods, ...b.cluster.pods].filter(isWorkload).map((p) => display(p, namespace)));
  return { count: names.size * Math.max(0, names.size - 1), changes: out };
}
