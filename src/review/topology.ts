import type { IConstruct } from 'constructs';
import { FlowEvaluator } from '../validate/flow';
import type { HttpMethod } from '../core/http';
import type { Flow, FlowVerdict } from '../validate/flow/flow';
import { MeshChart } from '../graph/mesh-chart';
import { MeshBatchWorkload } from '../graph/mesh-batch-job';
import { hasIntendedFlows, httpPort, scrapedServices, tracedServices } from '../graph/intended-flows';
import { chartsByCalls } from '../validate/flow-check';
import { CLUSTER_FOLDER } from '../graph/mesh-cluster';
import { MeshPlatform } from '../platform/platform';
import { platformFlowOptions } from '../validate/flow/platform-flows';
import { flowMode, servicePortProtocol } from '../validate/flow/protocol';
import { readCallRecords } from '../validate/flow/records';
import { at } from '../private/flatten';
import type { ClusterModel } from '../validate/model/cluster-model';
import { serviceHost } from '../validate/model/hosts';
import { ConnectivityProbe, environmentNamespace, probeFlows, samplePath } from './connectivity';
import { egressProbes } from './vm-job-probes';
import { edgeOf, PartsContext, podsMode, pushTo, recordedCallEdges, vmParts } from './topology-parts';
import { selectorOf } from './describe-security';
import { compare, TOPOLOGY_FILE } from './manifest-tree';
import { byMethod, count, operation, ruleOperations, shorten } from './topology-labels';
import { renderMermaid, TopologyEdge, TopologyEdgeKind, TopologyModel, TopologyNode } from './topology-mermaid';

export { renderMermaid } from './topology-mermaid';
export type { TopologyEdge, TopologyEdgeKind, TopologyModel, TopologyNode, TopologyNodeKind } from './topology-mermaid';

/** A call between two services, as the topology draws it. */
export interface TopologyCall {
  /** The calling service's name. */
  readonly source: string;
  /** The called service's name. */
  readonly target: string;
  /**
   * True for an asynchronous, event-driven edge, drawn dotted.
   * @default false
   */
  readonly asynchronous?: boolean;
  /**
   * The methods used.
   * @default - every method
   */
  readonly methods?: readonly string[];
  /**
   * The paths used.
   * @default - every path
   */
  readonly paths?: readonly string[];
  /**
   * The callee's Service port called.
   * @default - the Service's first port
   */
  readonly port?: number;
}

/** Options for {@link renderTopology}. */
export interface TopologyOptions {
  /**
   * The heading of the picture.
   * @default 'Topology'
   */
  readonly title?: string;
  /**
   * Calls declared in code (the manifests reveal only authorized callers, not asynchronous edges).
   * @default - only the callers AuthorizationPolicies name
   */
  readonly calls?: readonly TopologyCall[];
  /**
   * The platform the manifests run on: the ingress gateway, Prometheus, the tracing
   * collector and the rate-limit service drawn beside the services.
   * @default MeshPlatform.default()
   */
  readonly platform?: MeshPlatform;
  /**
   * A namespace with more services than this is drawn as one subgraph per tier
   * (`mesh.cdk8s.io/tier`), so a picture of 50 services stays readable.
   * @default 12
   */
  readonly groupByTierAbove?: number;
  /**
   * The environment's namespace, whose services are drawn by their bare names (the
   * manifests may hold other namespaces' services that the environment calls).
   * @default - the manifests' Namespace, else their most common namespace
   */
  readonly namespace?: string;
}

const TIER_LABEL = 'mesh.cdk8s.io/tier';
const CLIENT = 'client';
const EXTERNAL_GROUP = 'external services';

type Manifest = Record<string, any>;
type Workload = FlowEvaluator['cluster']['pods'][number];

/** What the parts of one environment's topology share: its manifests by kind, the flow evaluator and the service boxes. */
interface TopologyContext extends PartsContext {
  readonly platform: MeshPlatform;
  /** The pods of the environment's workloads (no platform pods, no jobs). */
  readonly workloads: readonly Workload[];
  /** The platform's workloads, by display name. */
  readonly platformNames: ReadonlySet<string>;
  /** The ingress gateway's display name. */
  readonly gatewayName: string;
  /** What synth's flow check proved (nothing outside synth). */
  readonly proof: TopologyProof;
}

/** What synth's flow check proved of an environment: found allowed over the whole cluster's manifests. */
interface TopologyProof {
  /** The declared calls whose every intended flow (each port, method and path: MeshChart.intendedFlows) is allowed. */
  readonly calls: ReadonlySet<TopologyCall>;
  /** The workloads, by their names in the environment's namespace, whose every pod Prometheus may scrape on 15090 and 15020. */
  readonly scraped: ReadonlySet<string>;
  /** The Prometheus that scrapes them: the chart's platform's. */
  readonly prometheus?: { readonly name: string; readonly namespace: string };
  /** The workloads, by their names in the environment's namespace, whose every pod may send spans to `spans`. */
  readonly traced?: ReadonlySet<string>;
  /** Where the chart's tracing sends spans: its provider's host, port and span path. */
  readonly spans?: { readonly host: string; readonly port: number; readonly path: string };
}

/** What {@link topologyModel} takes, and what synth adds. */
interface ModelOptions extends Pick<TopologyOptions, 'platform' | 'groupByTierAbove' | 'namespace'> {
  /**
   * What synth's flow check found allowed over the whole cluster's manifests: those edges are marked
   * from that proof instead of being evaluated again.
   * @default - nothing: every edge is evaluated
   */
  readonly proof?: TopologyProof;
}

/** The verdict of a flow the flow check proved allowed. */
const PROVED: FlowVerdict = { allowed: true, reason: 'allowed over the whole cluster, as synth\'s flow check proved', hops: [] };

/** Builds the graph of one environment from its manifests and the calls declared in code. */
export function topologyModel(
  manifests: readonly Record<string, any>[],
  calls: readonly TopologyCall[] = [],
  options: Pick<TopologyOptions, 'platform' | 'groupByTierAbove' | 'namespace'> = {},
): TopologyModel {
  return modelOf(manifests, calls, options);
}

/** {@link topologyModel}, with the calls synth's flow check proved. */
function modelOf(manifests: readonly Manifest[], calls: readonly TopologyCall[], options: ModelOptions): TopologyModel {
  const ctx = topologyContext(manifests, calls, options);
  // A declared call is drawn from its own flows: its pair's call probes would go unused.
  const declared = new Set(calls.map((c) => `${c.source}\u0000${c.target}`));
  const probes = [...probeFlows(ctx.evaluator, ctx.platform, ctx.namespace, (s, d) => declared.has(`${s}\u0000${d}`)).values()];
  const byPair = (kind: ConnectivityProbe['kind']) => {
    const m = new Map<string, ConnectivityProbe[]>();
    for (const p of probes.filter((x) => x.kind === kind)) pushTo(m, `${p.source}\u0000${p.destination}`, p);
    return m;
  };
  const routes = byPair('route');
  const routed = new Set([...routes.values()].map((l) => l[0].destination));
  const edges = declaredCallEdges(ctx, manifests, calls);
  edges.push(...recordedCallEdges(ctx, manifests, new Set(edges.map((e) => `${e.source}\u0000${e.target}`))));
  edges.push(...probedCallEdges(ctx, byPair('call'), new Set(edges.map((e) => `${e.source}\u0000${e.target}`)), routed));
  edges.push(...policyCallerEdges(ctx, edges, routed));
  edges.push(...ingressEdges(ctx, routes));
  edges.push(...platformEdges(ctx, probes));
  const egress = egressEdges(ctx);
  edges.push(...egress.edges);
  jobsCalling(ctx, edges);
  const vms = vmParts(ctx, probes.filter((p) => p.kind === 'endpoint'));
  edges.push(...vms.edges);
  const rank: Record<TopologyEdgeKind, number> = { ingress: 0, route: 1, call: 2, endpoint: 3, ratelimit: 4, scrape: 5, tracing: 6, egress: 7 };
  return {
    nodes: [...topologyNodes(ctx, edges, egress.hosts), ...vms.nodes],
    edges: edges.sort((x, y) => rank[x.kind] - rank[y.kind] || compare(x.source, y.source) || compare(x.target, y.target)),
  };
}

/** The manifests by kind, the evaluator, and the box of every service: Services, workloads and the ends of declared calls. */
function topologyContext(
  manifests: readonly Manifest[],
  calls: readonly TopologyCall[],
  options: ModelOptions,
): TopologyContext {
  const platform = options.platform ?? MeshPlatform.default();
  const namespace = options.namespace ?? environmentNamespace(manifests) ?? 'default';
  const evaluator = new FlowEvaluator(manifests, platformFlowOptions(platform, namespace));
  // The objects as written (the flows read the cluster after Flagger): the model's.
  const of = (kind: string) => evaluator.cluster.files.ofKind(kind);
  const display = (p: { name: string; namespace: string }) => (p.namespace === namespace ? p.name : `${p.namespace}/${p.name}`);
  const workloads = evaluator.cluster.pods.filter((p) => p.kind !== 'Platform' && !isBatch(p));
  const jobs = new Map<string, Workload[]>();
  for (const p of evaluator.cluster.pods.filter(isBatch)) pushTo(jobs, display(p), p);
  const tierOf = new Map<string, string>();
  const groupOfService = new Map<string, string>();
  for (const p of workloads) {
    tierOf.set(display(p), p.labels[TIER_LABEL] ?? '');
    groupOfService.set(display(p), p.namespace);
  }
  // A StatefulSet's headless governing Service beside its client Service (a stateful MeshService's `<name>-headless`) names its
  // pods in DNS: it is drawn as the StatefulSet's node, not as one of its own.
  const governing = new Set(of('StatefulSet').filter((ss) => ss.spec?.serviceName && ss.spec.serviceName !== ss.metadata?.name)
    .map((ss) => `${ss.metadata?.namespace ?? namespace}/${ss.spec.serviceName}`));
  for (const s of of('Service').filter((m) => m.apiVersion === 'v1')) {
    if (s.spec?.clusterIP === 'None' && governing.has(`${s.metadata?.namespace ?? namespace}/${s.metadata?.name}`)) continue;
    const name = display({ name: String(s.metadata?.name), namespace: String(s.metadata?.namespace ?? namespace) });
    if (!groupOfService.has(name)) groupOfService.set(name, String(s.metadata?.namespace ?? namespace));
  }
  // A batch job that calls (an end of an edge: see jobsCalling) is drawn in its namespace's box, unless a service has its name.
  for (const [name, pods] of jobs) {
    if (groupOfService.has(name)) jobs.delete(name);
    else tierOf.set(name, pods[0].labels[TIER_LABEL] ?? '');
  }
  // A callee of another namespace (`<namespace>/<name>`) is drawn in its namespace's box.
  for (const c of calls) {
    for (const n of [c.source, c.target]) if (!groupOfService.has(n)) groupOfService.set(n, n.includes('/') ? n.split('/')[0] : namespace);
  }
  const platformNames = new Set(platform.workloads(namespace).map((w) => display(w)));
  for (const n of platformNames) groupOfService.delete(n);
  const groupSize = new Map<string, number>();
  for (const g of groupOfService.values()) groupSize.set(g, (groupSize.get(g) ?? 0) + 1);
  const limit = options.groupByTierAbove ?? 12;
  const groupOf = (name: string) => {
    const g = groupOfService.get(name)!;
    const tier = tierOf.get(name);
    return (groupSize.get(g) ?? 0) > limit ? `${g} · ${tier || 'no tier'}` : g;
  };
  const gatewayName = display({ name: platform.ingressGateway.name, namespace: platform.ingressGateway.namespace });
  const verdicts = (flows: readonly Flow[]) => flows.map((f) => evaluator.evaluate(f));
  const proof = options.proof ?? { calls: new Set(), scraped: new Set() };
  return { platform, namespace, evaluator, workloads, jobs, groupOfService, platformNames, gatewayName, of, display, groupOf, verdicts, proof };
}

/** The calls declared in code, one edge per pair, with their flows' verdicts (a remote callee's from its record). */
function declaredCallEdges(ctx: TopologyContext, manifests: readonly Manifest[], calls: readonly TopologyCall[]): TopologyEdge[] {
  const { namespace } = ctx;
  const cluster = ctx.evaluator.cluster;
  // Calls to other teams' services, as their records state them: with the callee's manifests absent, the caller's side.
  const recorded = new Map<string, Flow[]>();
  for (const { entry, flow } of readCallRecords(manifests).calls) {
    pushTo(recorded, `${entry.source.workload}\u0000${entry.callee.namespace}/${entry.callee.service}`, flow);
  }
  const merged = new Map<string, TopologyCall[]>();
  for (const c of calls) pushTo(merged, `${c.source}\u0000${c.target}`, c);
  return [...merged].map(([key, list]) => {
    const [source, target] = key.split('\u0000');
    // A callee of another namespace is drawn `<namespace>/<name>`.
    const [targetNs, targetName] = target.includes('/') ? target.split('/') : [namespace, target];
    const service = cluster.service(targetName, targetNs);
    const port = list.find((c) => c.port !== undefined)?.port ?? Number(service?.manifest.spec?.ports?.[0]?.port ?? 80);
    const host = `${targetName}.${targetNs}`;
    // A TCP or TLS port carries one connection: no method or path to draw or to evaluate.
    const l4 = l4Protocol(cluster, host, namespace, port);
    const from = { workload: source, namespace };
    const flows: Flow[] = l4 ? [{ source: from, host, port }] : list.flatMap((c) => callFlows(c, from, host, port));
    const ops = l4 ? [`${l4} :${port}`] : list.map((c) => operation(c.methods, c.paths));
    const remote = service ? undefined : recorded.get(`${source}\u0000${targetNs}/${targetName}`);
    const label = remote?.[0].protocol ? `${remote[0].protocol} :${remote[0].port}` : shorten(ops);
    const extra = { declared: true, asynchronous: list.every((c) => c.asynchronous === true), ...(remote ? { remote: true } : {}) };
    const proved = !remote && list.every((c) => ctx.proof.calls.has(c));
    return edgeOf(source, target, 'call', proved ? [PROVED] : ctx.verdicts(remote ?? flows), label, extra);
  });
}

/** The flows of one declared call: each method (GET by default) on each path (`/` by default), with a sample of a path's pattern. */
function callFlows(c: TopologyCall, source: { workload: string; namespace: string }, host: string, port: number): Flow[] {
  return (c.methods?.length ? c.methods : ['GET']).flatMap((method) =>
    (c.paths?.length ? c.paths : ['/']).map((path) => ({ source, host, port, method: method as HttpMethod, path: samplePath(path) })),
  );
}

/** The callers the AuthorizationPolicies admit, not declared in code: drawn from the probes, except the gateway's routed callees. */
function probedCallEdges(
  ctx: TopologyContext,
  callProbes: ReadonlyMap<string, ConnectivityProbe[]>,
  drawn: ReadonlySet<string>,
  routed: ReadonlySet<string>,
): TopologyEdge[] {
  const edges: TopologyEdge[] = [];
  for (const [key, list] of callProbes) {
    if (drawn.has(key)) continue;
    const [source, target] = key.split('\u0000');
    // The gateway's authorization is drawn with its routes; without a route it shows as a call.
    if (source === ctx.gatewayName && routed.has(target)) continue;
    const l4 = l4Protocol(ctx.evaluator.cluster, list[0].flow!.host, ctx.namespace, list[0].port);
    const flows = l4 ? [list[0].flow!] : list.map((p) => p.flow!);
    edges.push(edgeOf(source, target, 'call', ctx.verdicts(flows), l4 ? `${l4} :${list[0].port}` : shorten(byMethod(list))));
  }
  return edges;
}

/**
 * Callers an AuthorizationPolicy names whose ends have no pods here (hand-written or partial
 * manifests): drawn unmarked, since no flow can be evaluated without a workload.
 */
function policyCallerEdges(ctx: TopologyContext, drawnEdges: readonly TopologyEdge[], routed: ReadonlySet<string>): TopologyEdge[] {
  const { namespace, display } = ctx;
  const accountOwner = new Map<string, string>();
  for (const p of ctx.workloads) accountOwner.set(`${p.namespace}/${p.serviceAccount}`, display(p));
  for (const [name, pods] of ctx.jobs) for (const p of pods) accountOwner.set(`${p.namespace}/${p.serviceAccount}`, name);
  for (const w of ctx.platform.workloads(namespace)) accountOwner.set(`${w.namespace}/${w.serviceAccount}`, display(w));
  const pairsDrawn = new Set(drawnEdges.map((e) => `${e.source}\u0000${e.target}`));
  const unevaluated = new Map<string, Set<string>>();
  for (const p of ctx.of('AuthorizationPolicy').filter((m) => String(m.spec?.action ?? 'ALLOW') === 'ALLOW')) {
    const app = appOf(p);
    if (!app) continue;
    // A policy of another namespace's service (a callee of the environment) is drawn `<namespace>/<name>`.
    const target = display({ name: app, namespace: String(p.metadata?.namespace ?? namespace) });
    for (const rule of p.spec?.rules ?? []) {
      for (const principal of (rule?.from ?? []).flatMap((f: any) => f.source?.principals ?? [])) {
        const m = /^(?:[^/]+\/)?ns\/([^/]+)\/sa\/([^/]+)$/.exec(String(principal));
        if (!m) continue;
        const caller = accountOwner.get(`${m[1]}/${m[2]}`) ?? (m[1] === namespace ? m[2] : `${m[1]}/${m[2]}`);
        const key = `${caller}\u0000${target}`;
        if (pairsDrawn.has(key) || (caller === ctx.gatewayName && routed.has(target))) continue;
        const set = unevaluated.get(key) ?? new Set<string>();
        for (const [method, path] of ruleOperations(rule)) set.add(`${method} ${path}`.trim() || 'any request');
        unevaluated.set(key, set);
      }
    }
  }
  return [...unevaluated].map(([key, ops]) => {
    const [source, target] = key.split('\u0000');
    // An end of another namespace (a RemoteCaller, `<namespace>/<name>`) is drawn in its namespace's box.
    for (const n of [source, target]) {
      if (!ctx.groupOfService.has(n) && !ctx.platformNames.has(n)) ctx.groupOfService.set(n, n.includes('/') ? n.split('/')[0] : namespace);
    }
    return { source, target, kind: 'call' as const, declared: false, asynchronous: false, operations: `policy: ${shorten([...ops])}` };
  });
}

/** The pods a PeerAuthentication or AuthorizationPolicy selects, by their `app` (else `app.kubernetes.io/name`) label. */
function appOf(m: Manifest): string | undefined {
  const labels = at(m, 'spec.selector.matchLabels');
  return labels?.app ?? labels?.['app.kubernetes.io/name'];
}

/** The edge: the client to the gateway's servers, and each route bound to them. */
function ingressEdges(ctx: TopologyContext, routes: ReadonlyMap<string, ConnectivityProbe[]>): TopologyEdge[] {
  const edges: TopologyEdge[] = [];
  if (routes.size > 0) {
    const hosts = new Set<string>();
    for (const l of routes.values()) for (const p of l) hosts.add(`${p.flow!.host}:${p.port}`);
    const operations = shorten([...hosts].sort(compare));
    edges.push({ source: CLIENT, target: ctx.gatewayName, kind: 'ingress', declared: false, asynchronous: false, operations });
  }
  for (const list of routes.values()) {
    const vs = ctx.verdicts(list.map((p) => p.flow!));
    edges.push(edgeOf(ctx.gatewayName, list[0].destination, 'route', vs, shorten(list.map((p) => p.pathClass))));
  }
  return edges;
}

/** Scrapes and spans, one edge per group when every member agrees, and the calls to the rate-limit service. */
function platformEdges(ctx: TopologyContext, probes: readonly ConnectivityProbe[]): TopologyEdge[] {
  const edges: TopologyEdge[] = [];
  const perGroup = (kind: 'scrape' | 'tracing') => {
    const m = new Map<string, ConnectivityProbe[]>();
    for (const p of probes.filter((x) => x.kind === kind)) {
      const member = kind === 'scrape' ? p.destination : p.source;
      if (ctx.groupOfService.has(member)) pushTo(m, ctx.groupOf(member), p);
    }
    return m;
  };
  // A scrape of a workload whose every pod the flow check found Prometheus may scrape is marked from that proof.
  const { scraped, prometheus } = ctx.proof;
  const proved = (p: ConnectivityProbe) => {
    const source = p.flow!.source;
    return scraped.has(p.destination) && 'platform' in source && source.platform.name === prometheus?.name
      && source.platform.namespace === prometheus.namespace;
  };
  for (const [group, list] of perGroup('scrape')) {
    const vs = list.map((p) => (proved(p) ? PROVED : ctx.evaluator.evaluate(p.flow!)));
    const refused = list.filter((_, i) => !vs[i].allowed).map((p) => p.destination);
    const ports = [...new Set(list.map((p) => `:${p.port}`))].join(' ');
    edges.push(edgeOf(list[0].source, group, 'scrape', vs, refused.length > 0 ? `${ports} ${count(refused)} refused` : ports));
  }
  // A span of a workload whose spans to the same endpoint are intended flows the flow check found allowed is marked from that proof.
  const { traced, spans } = ctx.proof;
  const sent = (p: ConnectivityProbe) => {
    const f = p.flow!;
    return traced?.has(p.source) === true && spans !== undefined && f.host === spans.host && f.port === spans.port && f.path === spans.path;
  };
  for (const [group, list] of perGroup('tracing')) {
    const vs = list.map((p) => (sent(p) ? PROVED : ctx.evaluator.evaluate(p.flow!)));
    const refused = list.filter((_, i) => !vs[i].allowed).map((p) => p.source);
    const label = `spans :${list[0].port}${refused.length > 0 ? ` ${count(refused)} refused` : ''}`;
    edges.push(edgeOf(group, list[0].destination, 'tracing', vs, label));
  }
  for (const p of probes.filter((x) => x.kind === 'ratelimit')) {
    edges.push(edgeOf(p.source, p.destination, 'ratelimit', ctx.verdicts([p.flow!]), `rate limit :${p.port}`));
  }
  return edges;
}

/**
 * ServiceEntries: the hosts outside the mesh each service may reach, one edge per group when all its members may.
 * @see https://istio.io/latest/docs/reference/config/networking/service-entry/
 */
function egressEdges(ctx: TopologyContext): { edges: TopologyEdge[]; hosts: string[] } {
  const edges: TopologyEdge[] = [];
  const hosts: string[] = [];
  const egress = (source: string, host: string, port: number): TopologyEdge => (
    { source, target: host, kind: 'egress', declared: false, asynchronous: false, allowed: true, operations: `:${port}` }
  );
  for (const se of ctx.of('ServiceEntry')) {
    const host = String(se.spec?.hosts?.[0] ?? '');
    if (!host || host.includes('*')) continue;
    const port = Number(se.spec?.ports?.[0]?.number ?? 443);
    hosts.push(host);
    const senders = ctx.workloads.filter((p) => p.meshed && p.namespace === ctx.namespace);
    // A connection as the port's protocol carries it: TLS by its SNI on an HTTPS or TLS port, a request on an HTTP one, else TCP (a
    // route through an egress gateway matches TLS by SNI and HTTP by port, not a bare TCP stream).
    const protocol = String(se.spec?.ports?.[0]?.protocol ?? '').toUpperCase();
    const as = ['HTTPS', 'TLS'].includes(protocol) ? { protocol: 'TLS' as const, sni: host }
      : ['HTTP', 'HTTP2', 'GRPC'].includes(protocol) ? {} : { protocol: 'TCP' as const };
    const vs = senders.map((p) => ctx.evaluator.evaluate({ source: { workload: p.name, namespace: p.namespace }, host, port, ...as }));
    // Several workloads drawn as one service (a shadow Deployment of the same app) are one sender: it may reach the host if one may.
    const allowed = new Set(senders.filter((_, i) => vs[i].allowed).map((p) => ctx.display(p)));
    const groups = new Map<string, string[]>();
    for (const s of new Set(senders.map((p) => ctx.display(p)))) pushTo(groups, ctx.groupOf(s), s);
    for (const [group, members] of groups) {
      if (members.every((m) => allowed.has(m))) edges.push(egress(group, host, port));
      else for (const m of members.filter((x) => allowed.has(x))) edges.push(egress(m, host, port));
    }
  }
  // A batch job's connections to the hosts its Sidecar imports (its ExternalService calls), each with its verdict.
  const jobs: ConnectivityProbe[] = [];
  egressProbes(ctx.evaluator.cluster, ctx.namespace, (p) => jobs.push(p));
  const byJob = new Map<string, ConnectivityProbe[]>();
  for (const p of jobs.filter((x) => ctx.jobs.has(x.source))) pushTo(byJob, `${p.source}\u0000${p.destination}`, p);
  for (const list of byJob.values()) {
    if (!hosts.includes(list[0].destination)) hosts.push(list[0].destination);
    const ports = [...new Set(list.map((p) => `:${p.port}`))].join(' ');
    edges.push(edgeOf(list[0].source, list[0].destination, 'egress', ctx.verdicts(list.map((p) => p.flow!)), ports));
  }
  return { edges, hosts };
}

/** The batch jobs at an end of an edge, in their namespaces' boxes: a job that calls nothing is not drawn, as an unused platform pod is not. */
function jobsCalling(ctx: TopologyContext, edges: readonly TopologyEdge[]): void {
  for (const e of edges) {
    for (const name of [e.source, e.target]) {
      const pods = ctx.jobs.get(name);
      if (pods && !ctx.groupOfService.has(name)) ctx.groupOfService.set(name, pods[0].namespace);
    }
  }
}

/** The nodes: every service with its mTLS mode, split and progressive release; the platform pods, client and hosts the edges use. */
function topologyNodes(ctx: TopologyContext, edges: readonly TopologyEdge[], externalHosts: readonly string[]): TopologyNode[] {
  const decorate = serviceDecorations(ctx);
  const nodes: TopologyNode[] = [...ctx.groupOfService.keys()].sort(compare).map((name) => {
    const job = ctx.jobs.get(name);
    if (job) {
      const batch = [...new Set(job.map((p) => p.kind))].sort(compare).join(' / ');
      return { name, kind: 'job' as const, group: ctx.groupOf(name), mtls: podsMode(ctx.evaluator.cluster, job), batch };
    }
    return { name, kind: 'service' as const, group: ctx.groupOf(name), ...decorate(name) };
  });
  const used = new Set(edges.flatMap((e) => [e.source, e.target]));
  for (const w of ctx.platform.workloads(ctx.namespace)) {
    const name = ctx.display(w);
    if (used.has(name)) nodes.push({ name, kind: 'platform', group: w.namespace });
  }
  if (used.has(CLIENT)) nodes.push({ name: CLIENT, kind: 'client' });
  for (const h of [...new Set(externalHosts)].sort(compare)) nodes.push({ name: h, kind: 'external', group: EXTERNAL_GROUP });
  return nodes;
}

/**
 * What a service node shows, read from the model of the manifests as written: the mTLS mode of
 * the PeerAuthentication selecting its pods, else its namespace's (a namespace whose manifests
 * are not here, another team's, shows UNSET, or NONE, no sidecar, where the record of remote
 * calls says it runs none); the weights of the first split route of the
 * mesh VirtualService of its host; its Flagger Canary. A node is `<name>` in the environment's
 * namespace, `<namespace>/<name>` elsewhere.
 */
function serviceDecorations(ctx: TopologyContext): (svc: string) => { mtls: string; split?: string; progressive?: string } {
  const files: ClusterModel = ctx.evaluator.cluster.files;
  const nodeOf = (svc: string) => (svc.includes('/') ? { ns: svc.split('/')[0], name: svc.split('/')[1] } : { ns: ctx.namespace, name: svc });
  const nsModes = new Map<string, string>();
  for (const p of files.ofKind('PeerAuthentication')) {
    const ns = String(p.metadata?.namespace ?? ctx.namespace);
    if (selectorOf(p) === 'namespace-wide' && !nsModes.has(ns)) nsModes.set(ns, p.spec?.mtls?.mode);
  }
  // As the flows read a PeerAuthentication's selector (src/validate/flow/mtls.ts).
  const peerSelector = (p: Manifest) => (p.spec?.selector ? { matchLabels: p.spec.selector.matchLabels ?? {} } : undefined);
  const podsOf = new Map<string, Workload[]>();
  for (const p of ctx.workloads) pushTo(podsOf, ctx.display(p), p);
  // Other teams' services whose record says they run no sidecar (`callee.sidecar: false`): plaintext only, as pods without one.
  const withoutSidecar = new Set(readCallRecords(ctx.of('ConfigMap')).calls.filter(({ entry }) => entry.callee.sidecar === false)
    .map(({ entry }) => ctx.display({ name: entry.callee.service, namespace: entry.callee.namespace })));
  const modeOf = (svc: string): string => {
    const pods = podsOf.get(svc) ?? [];
    if (pods.length > 0) return podsMode(ctx.evaluator.cluster, pods);
    if (withoutSidecar.has(svc)) return 'NONE';
    const { ns, name } = nodeOf(svc);
    const pod = files.workloadsNamed(name, ns)[0];
    const own = pod ? files.selecting('PeerAuthentication', ns, pod.labels, peerSelector).find((p) => p.spec?.selector) : undefined;
    return own?.spec?.mtls?.mode ?? nsModes.get(ns) ?? 'UNSET';
  };
  const splitOf = (svc: string): string | undefined => {
    const { ns, name } = nodeOf(svc);
    const vs = files.hosts.virtualServicesFor(serviceHost(name, ns)).find((v) => !(v.spec?.gateways?.length > 0));
    for (const route of vs?.spec?.http ?? []) {
      const dests: any[] = route.route ?? [];
      if (dests.length > 1) return dests.map((d) => `${d.destination?.subset ?? d.destination?.host} ${d.weight ?? 0}%`).join(' / ');
    }
    return undefined;
  };
  const progressiveOf = (svc: string): string | undefined => {
    const c = files.ofKind('Canary').find((m) => String(m.apiVersion).startsWith('flagger.app/') && at(m, 'spec.targetRef.name') === svc);
    if (!c) return undefined;
    const a = c.spec?.analysis ?? {};
    return `Flagger canary${a.stepWeight ? ` +${a.stepWeight}%` : ''}${a.maxWeight ? ` to ${a.maxWeight}%` : ''}`;
  };
  return (svc) => ({ mtls: modeOf(svc), split: splitOf(svc), progressive: progressiveOf(svc) });
}

/**
 * `TCP` or `TLS` when the Service port a client in `namespace` addresses at `host`:`port` carries
 * opaque connections (its protocol, as the evaluator reads it), else undefined (HTTP, gRPC).
 */
function l4Protocol(cluster: FlowEvaluator['cluster'], host: string, namespace: string, port: number): string | undefined {
  const service = cluster.service(host, namespace);
  const p = (service?.manifest.spec?.ports ?? []).find((x: Record<string, any>) => Number(x.port) === port);
  const mode = p ? flowMode({}, servicePortProtocol(p)) : 'http';
  return mode === 'http' ? undefined : mode.toUpperCase();
}

/** A pod of a batch job: a CronJob's or a Job's. */
function isBatch(p: Workload): boolean {
  return p.kind === 'CronJob' || p.kind === 'Job';
}

/** The legend of a picture with a call to another team's service. */
const REMOTE_LEGEND = 'A call to another team\'s service (its namespace drawn without its own workloads) is evaluated on the caller\'s side, '
  + 'from the environment\'s record of remote calls; the flow check over both teams\' folders proves the callee\'s.';

/** The legend of a picture with a batch job. */
const JOB_LEGEND = 'Parallelograms are batch jobs (CronJob, Job) with their mTLS mode: their calls are drawn and marked as a service\'s.';

/** The legend of a picture with a VM. */
const VM_LEGEND = 'Hexagons are VMs (WorkloadEntries) a service\'s Service selects, with their address and mTLS mode: the `endpoint` edge '
  + 'is marked by the service\'s callers\' and routes\' requests as they reach the VM.';

/** The picture as Markdown: a heading, the Mermaid block and its legend. */
export function renderTopology(manifests: readonly Record<string, any>[], options: TopologyOptions = {}): string {
  return markdownOf(topologyModel(manifests, options.calls, options), options.title);
}

/** A model's picture as Markdown. */
function markdownOf(model: TopologyModel, title = 'Topology'): string {
  return [
    `# ${title}`,
    '',
    '```mermaid',
    renderMermaid(model).trimEnd(),
    '```',
    '',
    'Boxes are namespaces (per tier in a large namespace). Services show their mTLS mode (green STRICT, amber PERMISSIVE, '
      + 'red DISABLE or no sidecar, grey unset; the weakest colours a service whose ports differ) and canary split; '
      + 'blue: the platform and external hosts.',
    ...(model.nodes.some((n) => n.kind === 'job') ? [JOB_LEGEND] : []),
    ...(model.nodes.some((n) => n.kind === 'vm') ? [VM_LEGEND] : []),
    ...(model.edges.some((e) => e.remote) ? [REMOTE_LEGEND] : []),
    'Each edge is marked by the flow verdict of the rendered manifests: `==>` ✔ allowed; red dashed `-->` ✖ refused, with the refusing layer; '
      + '`-.->` asynchronous; `policy:` an AuthorizationPolicy admits the caller but the manifests hold no workload to evaluate. `+N`: N more '
        + 'paths or hosts.',
    '',
  ].join('\n');
}

/** The picture of a MeshChart's environment: its manifests plus the calls declared in code, on the chart's platform. */
export function renderChartTopology(chart: MeshChart, manifests: readonly Record<string, any>[]): string {
  return chartPicture(chart, manifests, false);
}

/**
 * The picture of a chart's environment; `proved`: synth's flow check found every intended flow of
 * the chart allowed, so a declared call that has intended flows (a call to a service of the
 * manifests on at least one port), Prometheus's scrapes of the services' pods and their spans to
 * the tracing collector are marked from that proof.
 */
function chartPicture(chart: MeshChart, manifests: readonly Manifest[], proved: boolean): string {
  const calls = new Set<TopologyCall>();
  const drawn = chart.calls.map((c) => {
    const call: TopologyCall = {
      source: c.source.name, target: c.target.namespace === chart.namespace ? c.target.name : `${c.target.namespace}/${c.target.name}`,
      asynchronous: c.asynchronous, methods: c.methods, paths: c.paths, port: c.port ?? httpPort(c.target),
    };
    if (proved && hasIntendedFlows(c)) calls.add(call);
    return call;
  });
  // The calls of the chart's batch jobs: intended flows of the chart when the callee has the port called (MESH605 otherwise).
  for (const job of chart.node.findAll().filter((c): c is MeshBatchWorkload => MeshBatchWorkload.isMeshBatchWorkload(c) && c.chart === chart)) {
    for (const { target, options } of job.jobCalls) {
      const port = options.port ?? httpPort(target);
      const call: TopologyCall = {
        source: job.name, target: target.namespace === chart.namespace ? target.name : `${target.namespace}/${target.name}`,
        methods: options.methods, paths: options.paths, port,
      };
      if (proved && target.ports.some((p) => p.port === port)) calls.add(call);
      drawn.push(call);
    }
  }
  // The scrapes of each service's pods that are intended flows, by the services' names in the environment's namespace.
  const scraped = new Set<string>();
  if (proved) for (const s of scrapedServices(chart)) if (s.namespace === chart.namespace) scraped.add(s.name);
  // The spans of each service that are intended flows, likewise.
  const traced = new Set<string>();
  if (proved) for (const s of tracedServices(chart)) if (s.namespace === chart.namespace) traced.add(s.name);
  const t = chart.tracing;
  const spans = t && { host: t.service, port: t.port, path: t.spanPath };
  const proof: TopologyProof = { calls, scraped, prometheus: chart.platform.prometheusWorkload(), traced, spans };
  return markdownOf(modelOf(manifests, drawn, { platform: chart.platform, namespace: chart.namespace, proof }), `Topology: ${chart.environment}`);
}

/**
 * `<environment>/topology.md` for each MeshChart of an app, from the files it writes
 * for the environment and the cluster-wide ones (`cluster/`), which apply to it too.
 * MeshApp.synth writes these beside the manifests. `flowsProved`: synth's flow check ran over these
 * files (every MeshChart but the cluster's) and found every intended flow as expected, so the
 * declared calls' edges, Prometheus's scrapes and the services' spans are marked from it rather than evaluated once more
 * per environment.
 * @internal
 */
export function topologyFiles(
  charts: readonly IConstruct[], files: readonly { path: string; manifest: Record<string, any> }[], flowsProved = false,
): { path: string; content: string }[] {
  const meshCharts = charts.filter((c): c is MeshChart => MeshChart.isMeshChart(c));
  // Charts that call one another (namespaces of one app) are drawn with each other's manifests.
  const folders = new Map<MeshChart, string[]>();
  for (const group of chartsByCalls(meshCharts)) for (const c of group) folders.set(c, group.map((g) => g.environment));
  return meshCharts.map((chart) => {
    const prefixes = [...folders.get(chart)!, CLUSTER_FOLDER].map((d) => `${d}/`);
    return {
      path: `${chart.environment}/${TOPOLOGY_FILE}`,
      content: chartPicture(
        chart,
        files.filter((f) => prefixes.some((p) => f.path.startsWith(p))).map((f) => f.manifest),
        flowsProved && chart.environment !== CLUSTER_FOLDER,
      ),
    };
  });
}
