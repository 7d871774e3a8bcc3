/**
 * What a change does to traffic: the flows one environment's manifests allow or refuse,
 * before and after, as the flow evaluator (src/validate/flow/) answers them. The diff reads two
 * trees of manifests and nothing else, so the flows to compare are derived from the
 * manifests themselves (see {@link probeFlows}), from both sides, and each is evaluated
 * on both sides.
 */
import { describeDecider, FlowEvaluator, FlowVerdict, FlowWorkload, PairVerdict, SIDECAR_OWN_PORTS } from '../validate/flow';
import { FlowCluster, FlowPod, mapSelects, nsOf, selects } from '../validate/flow/cluster';
import type { Flow, FlowMethod } from '../validate/flow/flow';
import { PairAnalysis } from '../validate/flow/pairs';
import { MeshPlatform } from '../platform/platform';
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
  | 'pair';

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
  const namespaceOf = new Map(envs.map((env) => [env, environmentNamespace(after.get(env) ?? []) ?? environmentNamespace(before.get(env) ?? []) ?? env]));
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
  changes.sort((x, y) => callout(x) - callout(y) || compare(x.environment, y.environment) || compare(x.change, y.change)
    || compare(x.source, y.source) || compare(x.destination, y.destination) || x.port - y.port || compare(x.method, y.method) || compare(x.pathClass, y.pathClass));
  return {
    changes,
    undeclaredOpened: changes.filter((c) => c.change === 'opened' && !c.intended).length,
    intendedBroken: changes.filter((c) => c.change === 'closed' && c.intended).length,
    compared: comparedFlows,
  };
}

/**
 * The environments whose objects name one another's namespaces, each with its group (itself
 * first): an AuthorizationPolicy principal `.../ns/<namespace>/...`, a NetworkPolicy peer's
 * `kubernetes.io/metadata.name: <namespace>`, a Sidecar egress host `<namespace>/...`, a
 * route or DestinationRule host `*.<namespace>.svc.cluster.local`. Environments with the same
 * namespace are separate clusters and never grouped.
 */
function namespaceGroups(envs: readonly string[], namespaceOf: ReadonlyMap<string, string>, ...sides: ReadonlyMap<string, readonly Manifest[]>[]): Map<string, string[]> {
  const envOfNamespace = new Map<string, string[]>();
  for (const env of envs) envOfNamespace.set(namespaceOf.get(env)!, [...(envOfNamespace.get(namespaceOf.get(env)!) ?? []), env]);
  const parent = new Map(envs.map((e) => [e, e]));
  const find = (e: string): string => (parent.get(e) === e ? e : find(parent.get(e)!));
  for (const env of envs) {
    const own = namespaceOf.get(env)!;
    const referenced = new Set<string>();
    for (const side of sides) for (const m of side.get(env) ?? []) namespacesReferenced(m, referenced);
    for (const ns of referenced) {
      const targets = ns === own ? [] : envOfNamespace.get(ns) ?? [];
      // a namespace two environments share is not one cluster's: no join
      if (targets.length === 1) parent.set(find(targets[0]), find(env));
    }
  }
  const members = new Map<string, string[]>();
  for (const env of envs) members.set(find(env), [...(members.get(find(env)) ?? []), env]);
  return new Map(envs.map((env) => {
    const group = members.get(find(env))!;
    return [env, [env, ...group.filter((e) => e !== env)]];
  }));
}

/** The other namespaces a manifest's cross-namespace references name, added to `out`. */
function namespacesReferenced(m: Manifest, out: Set<string>): void {
  const host = (h: unknown) => {
    const x = /^[^.]+\.([^.]+)\.svc\.cluster\.local$/.exec(String(h).split('/').pop() ?? '');
    if (x) out.add(x[1]);
  };
  switch (m.kind) {
    case 'AuthorizationPolicy':
      for (const r of m.spec?.rules ?? []) for (const f of r?.from ?? []) for (const p of f?.source?.principals ?? []) {
        const x = /\/ns\/([^/]+)\//.exec(String(p));
        if (x) out.add(x[1]);
      }
      break;
    case 'NetworkPolicy':
      for (const rule of [...(m.spec?.ingress ?? []), ...(m.spec?.egress ?? [])]) {
        for (const peer of [...(rule?.from ?? []), ...(rule?.to ?? [])]) {
          const name = peer?.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'];
          if (typeof name === 'string') out.add(name);
        }
      }
      break;
    case 'Sidecar':
      for (const e of m.spec?.egress ?? []) for (const h of e?.hosts ?? []) {
        const ns = String(h).split('/')[0];
        if (ns !== '.' && ns !== '*' && ns !== '~') out.add(ns);
        host(h);
      }
      break;
    case 'VirtualService':
      for (const r of m.spec?.http ?? []) for (const d of r?.route ?? []) host(d?.destination?.host);
      break;
    case 'DestinationRule':
      host(m.spec?.host);
      break;
  }
}

function environmentChanges(
  env: string, namespace: string, beforeManifests: readonly Manifest[], afterManifests: readonly Manifest[], platform: MeshPlatform,
  owned?: (source: string, destination: string) => boolean,
): { changes: ConnectivityChange[]; compared: number } {
  const workloads = platformWorkloads(platform, namespace);
  const a = side(beforeManifests, workloads, platform, namespace, owned);
  const b = side(afterManifests, workloads, platform, namespace, owned);
  const out: ConnectivityChange[] = [];
  const changedPairs = new Set<string>();
  const keys = [...new Set([...a.probes.keys(), ...b.probes.keys()])].sort(compare);
  for (const key of keys) {
    const probe = (b.probes.get(key) ?? a.probes.get(key))!;
    const x = verdictOf(a.evaluator, probe);
    const y = verdictOf(b.evaluator, probe);
    if (x.allowed === y.allowed) continue;
    const change = y.allowed ? 'opened' : 'closed';
    changedPairs.add(`${probe.source}\u0000${probe.destination}\u0000${change}`);
    out.push(changeOf(env, probe, change, b.probes.has(key) || servedByGateway(probe, b, platform), b, x, y));
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
  return { changes: out, compared: keys.length + pairs.count };
}

/**
 * A route whose VirtualService rule is gone is still intended while the destination's
 * AuthorizationPolicy admits the ingress gateway: the service is still meant to be served.
 */
function servedByGateway(probe: ConnectivityProbe, after: Side, platform: MeshPlatform): boolean {
  if (probe.kind !== 'route') return false;
  const gateway = `${platform.ingressGateway.namespace}/${platform.ingressGateway.name}`;
  return [...after.probes.values()].some((p) => p.kind === 'call' && p.destination === probe.destination && (p.source === gateway || p.source === platform.ingressGateway.name));
}

function changeOf(env: string, probe: ConnectivityProbe, change: 'opened' | 'closed', intended: boolean, after: Side, x: ConnectivityVerdict, y: ConnectivityVerdict): ConnectivityChange {
  const { flow: _flow, ...rest } = probe;
  return {
    environment: env, ...rest, change, intended,
    secureDestination: after.secure.has(probe.destination),
    fromOutside: probe.source === EXTERNAL,
    before: x, after: y,
  };
}

const EXTERNAL = 'external';

/** The platform pods of a stock install for an environment in `namespace`. */
function platformWorkloads(platform: MeshPlatform, namespace: string): FlowWorkload[] {
  return platform.workloads(namespace);
}

function side(manifests: readonly Manifest[], workloads: readonly FlowWorkload[], platform: MeshPlatform, namespace: string, owned?: (source: string, destination: string) => boolean): Side {
  const evaluator = new FlowEvaluator(manifests, { platform: workloads, trustDomain: platform.trustDomain, rootNamespace: platform.istio.rootNamespace });
  let probes = probeFlows(evaluator, platform, namespace);
  if (owned) probes = new Map([...probes].filter(([, p]) => owned(p.source, p.destination)));
  return { evaluator, probes, secure: secureWorkloads(evaluator.cluster, namespace) };
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

function sourceOf(p: FlowPod): Flow['source'] {
  if (p.kind !== 'Platform') return { workload: p.name, namespace: p.namespace };
  return { platform: { name: p.name, namespace: p.namespace, labels: p.labels, serviceAccount: p.serviceAccount, meshed: p.meshed, ports: p.namedPorts, addresses: p.addresses } };
}

/** The Services that select `pod`. */
function servicesOf(cluster: FlowCluster, pod: FlowPod): Manifest[] {
  return cluster.ofKind('Service', pod.namespace).filter((s) => s.apiVersion === 'v1' && s.spec?.selector && Object.keys(s.spec.selector).length > 0 && mapSelects(s.spec.selector, pod.labels));
}

/**
 * A concrete path for an Istio path pattern: `*` (prefix or suffix match) and the
 * `{*}`/`{**}` templates filled with one segment.
 * https://istio.io/latest/docs/reference/config/security/authorization-policy/#Operation
 */
export function samplePath(pattern: string): string {
  return pattern.replace(/\{\*\*\}/g, 'x/y').replace(/\{\*\}/g, 'x').replace(/\*/g, 'x') || '/';
}

/** A request principal for a `requestPrincipals` pattern: `iss/sub`, wildcards filled. */
function sampleRequestPrincipal(patterns: readonly string[] | undefined): string | undefined {
  const p = (patterns ?? []).find((x) => x !== '*') ?? patterns?.[0];
  return p === undefined ? undefined : p === '*' ? 'https://issuer.example/x' : p.replace(/\*/g, 'x');
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE']);

/**
 * A string the RE2 pattern `regex` matches in full (Envoy's safe_regex matches the whole
 * value: https://www.envoyproxy.io/docs/envoy/latest/api-v3/type/matcher/v3/regex.proto),
 * or undefined when no simple filling of its wildcards gives one. The candidate is checked
 * against the pattern itself, so a sample is never wrong, only sometimes missing.
 */
export function sampleOf(regex: string): string | undefined {
  let i = 0;
  // One alternative of a sequence, up to `)` or the end: each atom once, or its minimum count.
  const sequence = (): string | undefined => {
    let out = '';
    while (i < regex.length && regex[i] !== ')') {
      if (regex[i] === '|') {
        // Only the first alternative is sampled; skip the others at this depth.
        let depth = 0;
        while (i < regex.length && !(depth === 0 && regex[i] === ')')) {
          if (regex[i] === '\\') i++;
          else if (regex[i] === '(') depth++;
          else if (regex[i] === ')') depth--;
          i++;
        }
        break;
      }
      let atom: string;
      const c = regex[i++];
      if (c === '^' || c === '$') continue;
      if (c === '\\') {
        const e = regex[i++] ?? '';
        atom = e === 'd' ? '1' : e === 'w' ? 'x' : e === 's' ? ' ' : e;
      } else if (c === '[') {
        const close = regex.indexOf(']', i + 1);
        if (close < 0) return out;
        const body = regex.slice(i, close);
        i = close + 1;
        atom = body.startsWith('^') ? (body.includes('x') ? 'y' : 'x') : body[0] === '\\' ? (body[1] === 'd' ? '1' : body[1]) : body[0];
      } else if (c === '(') {
        if (regex[i] === '?') {
          // (?:...) and named groups (?P<name>...), (?<name>...); flags and lookaround are not sampled
          const named = /^\?P?<[A-Za-z_][A-Za-z0-9_]*>/.exec(regex.slice(i));
          if (regex[i + 1] === ':') i += 2;
          else if (named) i += named[0].length;
          else return undefined;
        }
        const inner = sequence();
        if (inner === undefined) return undefined;
        atom = inner;
        i++; // ')'
      } else if (c === '.') {
        atom = 'x';
      } else {
        atom = c;
      }
      const q = /^(\*|\+|\?|\{(\d+)(,\d*)?\})\??/.exec(regex.slice(i));
      if (q) {
        i += q[0].length;
        atom = q[1] === '?' || q[1] === '*' ? '' : q[2] !== undefined ? atom.repeat(Number(q[2])) : atom;
      }
      out += atom;
    }
    return out;
  };
  const candidate = sequence();
  if (candidate === undefined) return undefined;
  let full: RegExp;
  try {
    full = new RegExp(`^(?:${regex.replace(/\(\?P</g, '(?<')})$`);
  } catch {
    return undefined;
  }
  return full.test(candidate) ? candidate : undefined;
}

/** A value `m` (an Istio StringMatch) matches, or undefined when none is known. */
function sampleMatch(m: Record<string, any> | undefined): string | undefined {
  if (!m) return undefined;
  if (m.exact !== undefined) return String(m.exact);
  if (m.prefix !== undefined) return `${m.prefix}x`;
  if (m.regex !== undefined) return sampleOf(String(m.regex));
  return undefined;
}

/**
 * Request headers that meet a route match's `headers` (lower-case names), or undefined when
 * one cannot be sampled. https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPMatchRequest
 */
function sampleHeaders(headers: Record<string, any> | undefined): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [name, m] of Object.entries(headers ?? {})) {
    const value = sampleMatch(m);
    if (value === undefined) return undefined;
    out[name.toLowerCase()] = value;
  }
  return out;
}

/** A header match for people: `=jason`, `^prefix`, `~regex`. */
function headerText(m: Record<string, any> | undefined): string {
  if (m?.exact !== undefined) return `=${m.exact}`;
  if (m?.prefix !== undefined) return `^${m.prefix}`;
  if (m?.regex !== undefined) return `~${m.regex}`;
  return '*';
}

/**
 * The flows one side's manifests declare, by a key that is the same on both sides:
 * - each principal an ALLOW AuthorizationPolicy rule names, to the selected workload's
 *   Service, once per method and path of the rule (a rule with no `to` is any request: `GET /`);
 * - each external request a Gateway server (not an HTTPS redirect) sends through a
 *   VirtualService route bound to it, one per route match;
 * - Prometheus to 15090 and 15020 of every meshed workload, when a PodMonitor or ServiceMonitor exists;
 * - every meshed workload to the tracing collector, when a Telemetry resource enables tracing;
 * - the ingress gateway to the rate-limit service, when its Service is in the manifests.
 */
export function probeFlows(evaluator: FlowEvaluator, platform: MeshPlatform, namespace: string): Map<string, ConnectivityProbe> {
  const cluster = evaluator.cluster;
  const out = new Map<string, ConnectivityProbe>();
  const add = (p: ConnectivityProbe) => out.set([p.kind, p.source, p.destination, p.port, p.method, p.pathClass].join('\u0000'), p);
  const workloads = cluster.pods.filter(isWorkload);
  const byPrincipal = new Map<string, FlowPod>();
  for (const p of cluster.pods) if (isWorkload(p) || p.kind === 'Platform') byPrincipal.set(cluster.principalOf(p), p);
  const gateway = cluster.pods.find((p) => p.kind === 'Platform' && p.name === platform.ingressGateway.name && p.namespace === platform.ingressGateway.namespace);
  // The first Service of each pod, from the label index: linear in Services and pods.
  const serviceOfPod = new Map<FlowPod, Manifest>();
  for (const svc of cluster.services.values()) {
    if (svc.manifest.apiVersion !== 'v1') continue;
    for (const p of cluster.podsOfService(svc)) if (!serviceOfPod.has(p)) serviceOfPod.set(p, svc.manifest);
  }

  // Declared callers: https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source (principals)
  for (const policy of cluster.ofKind('AuthorizationPolicy')) {
    if (String(policy.spec?.action ?? 'ALLOW') !== 'ALLOW' || !policy.spec?.selector) continue;
    const targets = cluster.podsMatching(nsOf(policy), policy.spec.selector.matchLabels ?? {}).filter((p) => isWorkload(p) && selects(policy.spec.selector, p.labels));
    for (const target of targets) {
      const service = serviceOfPod.get(target);
      if (!service) continue;
      const port = Number(service.spec?.ports?.[0]?.port);
      for (const rule of policy.spec?.rules ?? []) {
        for (const from of rule?.from ?? []) {
          for (const principal of from.source?.principals ?? []) {
            const caller = byPrincipal.get(String(principal));
            if (!caller || caller === target) continue;
            const requestPrincipal = sampleRequestPrincipal(from.source?.requestPrincipals);
            for (const [method, pathClass] of operationsOf(rule)) {
              add({
                kind: 'call', source: display(caller, namespace), destination: display(target, namespace), port, method, pathClass,
                flow: {
                  source: sourceOf(caller), host: `${service.metadata?.name}.${nsOf(service)}`, port, method: method as FlowMethod,
                  path: samplePath(pathClass), ...(requestPrincipal ? { requestPrincipal } : {}),
                },
              });
            }
          }
        }
      }
    }
  }

  // External requests: https://istio.io/latest/docs/reference/config/networking/gateway/#Server and
  // the VirtualService routes bound to the Gateway (first match wins).
  for (const gw of cluster.ofKind('Gateway')) {
    for (const server of gw.spec?.servers ?? []) {
      if (server.tls?.httpsRedirect === true) continue;
      const port = Number(server.port?.number);
      const protocol = String(server.port?.protocol ?? 'HTTP').toUpperCase();
      for (const h of server.hosts ?? []) {
        const host = String(h).split('/').pop()!;
        if (host.includes('*')) continue;
        for (const vs of cluster.ofKind('VirtualService')) {
          const bound = (vs.spec?.gateways ?? []).some((g: string) => g === `${nsOf(gw)}/${gw.metadata?.name}` || (g === gw.metadata?.name && nsOf(vs) === nsOf(gw)));
          if (!bound || !(vs.spec?.hosts ?? []).some((x: string) => x === host || x === '*')) continue;
          for (const route of vs.spec?.http ?? []) {
            const dest = String(route.route?.[0]?.destination?.host ?? '');
            const svc = cluster.service(dest, nsOf(vs));
            const targetPod = svc ? cluster.podsOfService(svc).find(isWorkload) : undefined;
            if (!targetPod) continue;
            const requestPrincipal = gatewayRequestPrincipal(cluster, targetPod, gateway);
            for (const match of route.match?.length ? route.match : [{}]) {
              const uri = match.uri ?? {};
              const path = uri.exact ?? (uri.prefix !== undefined ? `${String(uri.prefix).replace(/\/?$/, '/')}x` : uri.regex !== undefined ? sampleOf(uri.regex) : '/');
              const headers = sampleHeaders(match.headers);
              // A match no sample request is known to meet (a regex the sampler cannot fill) is not probed.
              if (path === undefined || headers === undefined) continue;
              const uriClass = uri.exact ?? (uri.prefix !== undefined ? `${uri.prefix}*` : uri.regex !== undefined ? `~${uri.regex}` : '/*');
              const headerClass = Object.keys(match.headers ?? {}).sort().map((h) => ` ${h}:${headerText(match.headers[h])}`).join('');
              const pathClass = `${uriClass}${headerClass}`;
              const method = METHODS.has(String(match.method?.exact)) ? String(match.method.exact) : 'GET';
              add({
                kind: 'route', source: EXTERNAL, destination: display(targetPod, namespace), port, method, pathClass,
                flow: {
                  source: { external: true }, host, port, method: method as FlowMethod, path,
                  protocol: protocol === 'HTTPS' ? 'HTTPS' : 'HTTP', ...(requestPrincipal ? { requestPrincipal } : {}),
                  ...(Object.keys(headers).length > 0 ? { headers } : {}),
                },
              });
            }
          }
        }
      }
    }
  }

  const meshed = workloads.filter((p) => p.meshed && p.namespace === namespace);
  // Scrapes: https://istio.io/latest/docs/ops/integrations/prometheus/#option-2-customized-scraping-configurations
  if (cluster.ofKind('PodMonitor').length + cluster.ofKind('ServiceMonitor').length > 0) {
    const prometheus = cluster.pods.find((p) => p.kind === 'Platform' && p.name === 'prometheus');
    for (const pod of prometheus ? meshed : []) {
      const service = serviceOfPod.get(pod);
      if (!service) continue;
      for (const port of [15090, 15020]) {
        add({
          kind: 'scrape', source: display(prometheus!, namespace), destination: display(pod, namespace), port, method: 'GET', pathClass: '/stats/prometheus',
          flow: { source: sourceOf(prometheus!), host: `${service.metadata?.name}.${nsOf(service)}`, port, method: 'GET', path: '/stats/prometheus' },
        });
      }
    }
  }
  // Spans: https://istio.io/latest/docs/reference/config/telemetry/#Tracing
  if (cluster.ofKind('Telemetry').some((t) => (t.spec?.tracing ?? []).length > 0)) {
    const collector = platform.tracingWorkload();
    const t = platform.tracing;
    const path = t.protocol === 'zipkin' ? '/api/v2/spans' : '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
    for (const pod of meshed) {
      add({
        kind: 'tracing', source: display(pod, namespace), destination: `${collector.namespace}/${collector.name}`, port: t.port, method: 'POST', pathClass: path,
        flow: { source: sourceOf(pod), host: t.host, port: t.port, method: 'POST', path, target: collector, protocol: t.protocol === 'zipkin' ? 'HTTP' : 'GRPC' },
      });
    }
  }
  // The global rate limit: https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/rate_limit_filter
  const rl = platform.rateLimitWorkload(namespace);
  const rlService = cluster.service(`${rl.name}.${rl.namespace}`, namespace);
  const rlHost = `${rl.name}.${rl.namespace}.svc.cluster.local`;
  // The gateway's rate-limit filter names its cluster `outbound|<port>||<host>`: a filter that does is a flow that must work.
  const filtered = cluster.ofKind('EnvoyFilter').some((f) => JSON.stringify(f.spec ?? {}).includes(`||${rlHost}`));
  if (gateway && (rlService || filtered)) {
    const port = platform.rateLimit.grpcPort;
    const target = rlService ? cluster.podsOfService(rlService)[0] : undefined;
    add({
      kind: 'ratelimit', source: display(gateway, namespace), destination: display(target ?? { name: rl.name, namespace: rl.namespace } , namespace), port,
      method: 'POST', pathClass: '/envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit',
      flow: { source: sourceOf(gateway), host: `${rl.name}.${rl.namespace}`, port, method: 'POST', path: '/envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit', protocol: 'GRPC' },
    });
  }
  return out;
}

/** `[method, path]` of each operation of a rule: every method times every path; none is `GET /*`. */
function operationsOf(rule: Manifest): [string, string][] {
  const tos: Manifest[] = rule?.to?.length ? rule.to : [{}];
  const out: [string, string][] = [];
  for (const to of tos) {
    const op = to.operation ?? {};
    const methods: string[] = (op.methods ?? []).map(String).filter((m: string) => METHODS.has(m));
    const paths: string[] = (op.paths ?? []).map(String);
    for (const m of methods.length ? methods : ['GET']) for (const p of paths.length ? paths : ['/*']) out.push([m, p]);
  }
  return out;
}

/** The token a routed request must carry: the request principal the destination admits the gateway with, if any. */
function gatewayRequestPrincipal(cluster: FlowCluster, target: FlowPod, gateway: FlowPod | undefined): string | undefined {
  if (!gateway) return undefined;
  const principal = cluster.principalOf(gateway);
  for (const policy of cluster.ofKind('AuthorizationPolicy', target.namespace)) {
    if (String(policy.spec?.action ?? 'ALLOW') !== 'ALLOW' || !selects(policy.spec?.selector, target.labels)) continue;
    for (const rule of policy.spec?.rules ?? []) {
      for (const from of rule?.from ?? []) {
        if ((from.source?.principals ?? []).includes(principal) && from.source?.requestPrincipals?.length) return sampleRequestPrincipal(from.source.requestPrincipals);
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
    for (const p of cluster.pods.filter(isWorkload)) if (p.namespace === nsOf(pa) && selects(pa.spec.selector, p.labels)) out.add(display(p, namespace));
  }
  return out;
}

/** The verdict of a probe, with the check that a routed request reached the destination it stands for. */
function verdictOf(evaluator: FlowEvaluator, probe: ConnectivityProbe): ConnectivityVerdict {
  if (!probe.flow) return { allowed: false, reason: 'not evaluated' };
  const v: FlowVerdict = evaluator.evaluate(probe.flow);
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
function pairChanges(a: FlowEvaluator, b: FlowEvaluator, namespace: string): { count: number; changes: [string, string, ConnectivityVerdict & { port?: number }, ConnectivityVerdict & { port?: number }][] } {
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
      const tcp = service ? e.evaluate({ source: sourceOf(x), host: `${service.metadata?.name}.${nsOf(service)}`, port, protocol: 'TCP' }) : undefined;
      return { allowed: false, port: y.portNumbers[0] ?? port, decidedBy: tcp?.decidedBy ? short(tcp.decidedBy) : undefined, layer: tcp?.decidedBy?.layer, reason: tcp?.reason ?? `only the proxy's own port ${v.port} of ${d} answers` };
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
