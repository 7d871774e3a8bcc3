/**
 * Checks across two hops of a call: the route to the caller (outer) and the route the
 * caller's request takes to the callee (inner). The calls are read from the ALLOW
 * AuthorizationPolicies: a rule admitting the principal of workload A with methods M on
 * workload B is a call A → B with M. Every lookup is by host, principal or selector.
 */
import { Codes } from '../../core/codes';
import { ASYNCHRONOUS_CALLERS_ANNOTATION } from '../../core/labels';
import { HTTP_PROTOCOLS, protocolOfPortName } from '../../core/ports';
import { RETRY_CONDITIONS_RESENDING } from '../../core/retries';
import { Finding, finding, Manifest, refOf } from '../finding';
import { AnalysisCheck } from './check';
import { durationMillis } from './http-rules';
import { AnalysisView, namespaceOf, push, Workload } from './view';
import { analyzerFqdn } from '../model/hosts';
import { dict, list } from '../values';
import { methodsReachingRules, operationMethods, reaching, RuleMethods } from './rule-methods';
import { admitsSidecarClients, gatewayIdentities } from './rule-sources';
import { egressRefusing, workloadsByIdentity } from './unreachable-callers';
import { fqdn, loadTesterWebhooks } from './load-tester';

/** Methods a retry may apply twice: RFC 9110 §9.2.2 makes GET, HEAD, PUT, DELETE, OPTIONS and TRACE idempotent. */
const NON_IDEMPOTENT = new Set(['POST', 'PATCH', '*']);

/**
 * Istio's retry policy for a route without `retries`: 2 attempts on
 * `connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes` (503).
 * @see https://github.com/istio/istio/blob/1.24.6/pilot/pkg/networking/core/route/retry/retry.go (defaultPolicy)
 */
const ISTIO_DEFAULT_RETRIES = { attempts: 2, retryOn: ['connect-failure', 'refused-stream', 'unavailable', 'cancelled', 'retriable-status-codes'] };

/**
 * Conditions under which Envoy retries a try that hit its per-try timeout: the timeout
 * ends the try with a 504, which `5xx` and `gateway-error` retry.
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-upstream-rq-per-try-timeout-ms
 */
const RETRIES_ON_TIMEOUT = ['5xx', 'gateway-error'];

/** One HTTP rule of a VirtualService, as a hop. */
interface Hop {
  readonly vs: Manifest;
  readonly index: number;
  /** For a delegate's rule merged into the rule `index` that delegates: its index in the delegate. */
  readonly delegated?: number;
  readonly host: string;
  /**
   * The route's timeout in ms; undefined: none, the route waits as long as the response lasts (Istio writes Envoy's
   * route timeout 0, disabled, for a route without `timeout`: pilot/pkg/networking/core/route/route.go setTimeout).
   */
  readonly timeout?: number;
  /** Retries after the first try (Istio's default policy when `retries` is absent). */
  readonly attempts: number;
  readonly retryOn: string[];
  /** The per-try timeout in ms, when retries are on and it is set. */
  readonly perTryTimeout?: number;
  /** The methods that reach the rule (earlier rules on the method alone take theirs). */
  readonly reach: RuleMethods;
}

/** A call: the caller's workload, the callee's workload, the methods allowed. */
interface Call {
  readonly caller: Workload;
  readonly callee: Workload;
  readonly methods: Set<string>;
}

/**
 * The hops of a VirtualService by destination host, its rules as istiod gives them to the proxies (a delegate's rules
 * merged into the rule that delegates, taking its timeout and retries where they set none: model/delegates.ts);
 * `mesh`: the sidecars use it (no `gateways`, or `mesh` among them); `meshOnly`: only the sidecars do (it names no gateway).
 */
function hopsOf(index: AnalysisView, vs: Manifest): { host: string; hop: Hop; mesh: boolean; meshOnly: boolean }[] {
  const ns = namespaceOf(vs);
  const gateways: string[] = list(vs.spec?.gateways);
  const mesh = gateways.length === 0 || gateways.includes('mesh');
  const meshOnly = gateways.every((g) => g === 'mesh');
  const out: { host: string; hop: Hop; mesh: boolean; meshOnly: boolean }[] = [];
  const merged = index.model.hosts.httpRules(vs);
  const reach = methodsReachingRules(merged.map((r) => r.rule));
  merged.forEach(({ rule, index: i, delegate }, k) => {
    const retries = rule?.retries;
    // `retries: null` decodes as no retries field: Istio's default policy applies.
    const attempts =
      retries === undefined || retries === null ? ISTIO_DEFAULT_RETRIES.attempts : Number(retries.attempts ?? ISTIO_DEFAULT_RETRIES.attempts);
    const retryOn = retries?.retryOn !== undefined
      ? String(retries.retryOn).split(',').map((s: string) => s.trim()).filter(Boolean)
      : ISTIO_DEFAULT_RETRIES.retryOn;
    const hop: Hop = {
      vs, index: i, delegated: delegate?.index, host: '', timeout: durationMillis(rule?.timeout), attempts, retryOn,
      perTryTimeout: attempts > 0 ? durationMillis(retries?.perTryTimeout) : undefined, reach: reach[k],
    };
    const hosts = new Set<string>(list(rule?.route).map((r: any) => analyzerFqdn(String(r?.destination?.host ?? ''), ns)));
    for (const host of hosts) out.push({ host, hop: { ...hop, host }, mesh, meshOnly });
  });
  return out;
}

/**
 * The route Flagger writes for each Canary (flagger.app) it owns the VirtualService of: the
 * Canary's service `timeout` and `retries` on the host `<service name>`, bound to its gateways
 * (the mesh by default), as a hop whose resource is the Canary that says so.
 * https://github.com/fluxcd/flagger/blob/main/pkg/router/istio.go (reconcileVirtualService: the Canary's service retries, timeout, gateways)
 */
function flaggerRoutes(index: AnalysisView): Manifest[] {
  return index.ofKind('Canary').filter((c) => String(c.apiVersion ?? '').startsWith('flagger.app/')).map((c) => {
    const svc = dict(c.spec?.service);
    const name = String(svc.name ?? c.spec?.targetRef?.name ?? '');
    return {
      apiVersion: c.apiVersion, kind: c.kind, metadata: c.metadata,
      spec: {
        gateways: svc.gateways,
        http: [{
          ...(svc.retries ? { retries: svc.retries } : {}), ...(svc.timeout ? { timeout: svc.timeout } : {}),
          route: [{ destination: { host: name } }],
        }],
      },
    };
  });
}

/**
 * The methods granted on a workload: `any` on every host that selects it, `byHost` on one host alone (the grants to a
 * platform caller that dials only that host: {@link dialledHosts}).
 */
interface Granted {
  readonly any: Set<string>;
  readonly byHost: Map<string, Set<string>>;
}

/** The methods of `g` that a request through `host` may carry. */
function grantedOn(g: Granted, host: string): Set<string> {
  const only = g.byHost.get(host);
  return only ? new Set([...g.any, ...only]) : g.any;
}

/** What the ALLOW policies grant (rule-sources.ts says which grants a mesh route serves). */
interface Grants {
  readonly calls: Call[];
  /** The methods granted on each workload from any source (none for a workload that ALLOW policies select but no rule grants). */
  readonly granted: Map<Manifest, Granted>;
  /** The same, from the rules that may admit a sidecar client: the methods the workload's mesh routes serve. */
  readonly meshGranted: Map<Manifest, Granted>;
}

/**
 * The hosts a platform caller dials, by identity (`<namespace>/<service account>`), where every request of it is known: Flagger's
 * load tester runs only the commands of the Canaries' webhooks to it, and a `hey` or `ghz` command dials the host it names
 * (load-tester.ts), Flagger's `<service>-canary` for a load test. That host is not the apex `<service>` whose VirtualService
 * Flagger writes: its `hosts` are the Canary's `service.hosts` and the apex name alone (fluxcd/flagger pkg/router/istio.go
 * `reconcileVirtualService`), so the load test takes no route of it. An identity a workload of the manifests also holds, or a
 * load tester one of whose commands is not read whole (a `curl`), dials hosts unknown here and is left out.
 */
function dialledHosts(index: AnalysisView, byIdentity: ReadonlyMap<string, readonly Workload[]>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const unknown = new Set<string>();
  for (const w of loadTesterWebhooks(index).webhooks) {
    const id = `${w.tester.namespace}/${w.tester.serviceAccount}`;
    if (!w.complete || byIdentity.has(id)) unknown.add(id);
    const hosts = out.get(id) ?? new Set<string>();
    for (const r of w.requests) hosts.add(fqdn(r.host, namespaceOf(w.canary)));
    out.set(id, hosts);
  }
  for (const id of unknown) out.delete(id);
  return out;
}

/**
 * The hosts through which a rule's grants may be used: those its principals dial when every source of it names principals whose
 * hosts are all known; undefined (every host of the callee) otherwise.
 */
function ruleHosts(rule: any, dialled: ReadonlyMap<string, ReadonlySet<string>>): Set<string> | undefined {
  const froms = list(rule?.from);
  if (dialled.size === 0 || froms.length === 0) return undefined;
  const hosts = new Set<string>();
  for (const from of froms) {
    const principals = list(from?.source?.principals);
    if (principals.length === 0) return undefined;
    for (const p of principals) {
      const m = /\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(String(p));
      const known = m ? dialled.get(`${m[1]}/${m[2]}`) : undefined;
      if (!known) return undefined;
      known.forEach((h) => hosts.add(h));
    }
  }
  return hosts;
}

/** Adds `methods` to `g`, on `hosts` alone when given. */
function grant(g: Granted, methods: Iterable<string>, hosts: ReadonlySet<string> | undefined): void {
  if (!hosts) {
    for (const m of methods) g.any.add(m);
    return;
  }
  for (const h of hosts) {
    const set = g.byHost.get(h) ?? new Set<string>();
    for (const m of methods) set.add(m);
    g.byHost.set(h, set);
  }
}

/**
 * The calls the ALLOW policies grant, principal by principal, and the methods granted on each workload
 * (no entry, any method, for a workload no ALLOW policy selects).
 */
function callsOf(index: AnalysisView): Grants {
  const granted = new Map<Manifest, Granted>();
  const meshGranted = new Map<Manifest, Granted>();
  const gateways = gatewayIdentities(index);
  const byIdentity = workloadsByIdentity(index);
  const dialled = dialledHosts(index, byIdentity);
  const calls: Call[] = [];
  for (const ap of index.ofKind('AuthorizationPolicy')) {
    if ((ap.spec?.action ?? 'ALLOW') !== 'ALLOW') continue;
    const callees = index.workloadsMatching(namespaceOf(ap), dict(ap.spec?.selector?.matchLabels));
    if (callees.length === 0) continue;
    // Once an ALLOW policy selects a workload, only what some ALLOW rule grants reaches it: a
    // policy without rules (allow-nothing) grants nothing.
    for (const callee of callees) {
      if (!granted.has(callee.manifest)) granted.set(callee.manifest, { any: new Set<string>(), byHost: new Map() });
      if (!meshGranted.has(callee.manifest)) meshGranted.set(callee.manifest, { any: new Set<string>(), byHost: new Map() });
    }
    // Callers whose calls here are fire-and-forget hold no response of theirs on them: no hop (core/labels.ts).
    const asynchronous = new Set(String(ap.metadata?.annotations?.[ASYNCHRONOUS_CALLERS_ANNOTATION] ?? '').split(',').map((p) => p.trim()));
    for (const rule of list(ap.spec?.rules)) {
      const methods = new Set<string>(operationMethods(rule));
      const ops = list(rule?.to).map((t: any) => t?.operation).filter(Boolean);
      // A rule whose every operation names only ports that are not HTTP on the callee admits
      // TCP connections: no HTTP route, so no HTTP retry, is involved.
      const httpCallees = callees.filter((callee) => !tcpOnly(ops, httpTargetPorts(index, callee)));
      const fromSidecars = admitsSidecarClients(rule, gateways);
      // A platform caller's grants count on the hosts it dials alone (a load tester's on `<service>-canary`).
      const hosts = ruleHosts(rule, dialled);
      for (const callee of httpCallees) {
        grant(granted.get(callee.manifest)!, methods, hosts);
        if (fromSidecars) grant(meshGranted.get(callee.manifest)!, methods, hosts);
      }
      for (const from of list(rule?.from)) {
        for (const p of list(from?.source?.principals)) {
          if (asynchronous.has(String(p))) continue;
          // cluster.local/ns/<namespace>/sa/<service account>
          const m = /\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(String(p));
          if (!m) continue;
          for (const caller of byIdentity.get(`${m[1]}/${m[2]}`) ?? []) {
            // A caller whose own egress never reaches the callee makes no call (unreachable-callers.ts, MESH218).
            for (const callee of httpCallees) if (!egressRefusing(index, caller, callee)) calls.push({ caller, callee, methods });
          }
        }
      }
    }
  }
  return { calls, granted, meshGranted };
}

/** True if every operation names ports, none of them an HTTP port of the callee. */
function tcpOnly(ops: any[], http: ReadonlySet<number>): boolean {
  return ops.length > 0 && ops.every((o) => Array.isArray(o.ports) && o.ports.length > 0 && o.ports.every((p: unknown) => !http.has(Number(p))));
}

/**
 * The container ports of a workload that its Services name as HTTP, HTTP/2 or gRPC
 * (https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/):
 * the ports an AuthorizationPolicy operation names are container ports.
 */
function httpTargetPorts(index: AnalysisView, w: Workload): Set<number> {
  const out = new Set<number>();
  for (const svc of index.servicesSelecting(w)) {
    for (const p of list(svc.spec?.ports)) {
      const protocol = typeof p?.appProtocol === 'string' ? protocolOfPortName(p.appProtocol) : protocolOfPortName(String(p?.name ?? ''));
      if (protocol && HTTP_PROTOCOLS.includes(protocol)) out.add(Number(typeof p.targetPort === 'number' ? p.targetPort : p.port));
    }
  }
  return out;
}

/** The hosts (Services) whose selector picks each workload. */
function hostsByWorkload(index: AnalysisView): Map<Manifest, string[]> {
  const out = new Map<Manifest, string[]>();
  for (const [host, svc] of index.services()) for (const w of index.workloadsOfService(svc)) push(out, w.manifest, host);
  return out;
}

const resending = (h: Hop) => h.attempts > 0 ? h.retryOn.filter((c) => (RETRY_CONDITIONS_RESENDING as readonly string[]).includes(c)) : [];
const nameOf = (h: Hop) => String(h.vs.metadata?.name);
/** Where a hop's settings are written: the VirtualService's rule, or a Flagger Canary's service. */
const fieldOf = (h: Hop) => (h.vs.kind === 'Canary' ? 'spec.service' : `spec.http[${h.index}]`);
const describeRetries = (h: Hop) => `${h.attempts}× on ${h.retryOn.join(',')}`;

/**
 * Each outer hop, inner hop and the methods of the calls between them that reach the inner hop;
 * `outerWrites`: whether the outer hop carries a POST or PATCH to the caller (by HTTP's semantics
 * only a non-idempotent request makes the caller send one on).
 */
interface HopPair {
  readonly outer: Hop;
  readonly inner: Hop;
  readonly methods: Set<string>;
  outerWrites: boolean;
  readonly caller: string;
  readonly callee: string;
}

function hopPairs(index: AnalysisView): { pairs: HopPair[]; served: Map<Hop, Set<string>> } {
  const outerByHost = new Map<string, Hop[]>();
  const innerByHost = new Map<string, Hop[]>();
  const meshOnlyHops = new Set<Hop>();
  // A VirtualService without hosts is a delegate: its rules count where a root's rule delegates to them, as istiod merges them.
  const roots = index.ofKind('VirtualService').filter((vs) => list(vs.spec?.hosts).length > 0);
  for (const vs of [...roots, ...flaggerRoutes(index)]) {
    for (const { host, hop, mesh, meshOnly } of hopsOf(index, vs)) {
      push(outerByHost, host, hop);
      if (mesh) push(innerByHost, host, hop);
      if (meshOnly) meshOnlyHops.add(hop);
    }
  }
  const hostsOf = hostsByWorkload(index);
  const pairs = new Map<string, HopPair>();
  const served = new Map<Hop, Set<string>>();
  const { calls, granted, meshGranted } = callsOf(index);
  // A hop's part of a pair's key, written once per hop rather than once per call through it.
  const ids = new Map<Hop, string>();
  const idOf = (h: Hop) => {
    let id = ids.get(h);
    if (id === undefined) ids.set(h, id = `${namespaceOf(h.vs)}/${nameOf(h)}/${h.index}/${h.delegated ?? ''}/${h.host}`);
    return id;
  };
  // A mesh route serves the methods granted to sidecar clients; the gateways send through their own routes.
  for (const [workload, g] of meshGranted) {
    for (const i of (hostsOf.get(workload) ?? []).flatMap((h) => innerByHost.get(h) ?? [])) {
      const set = served.get(i) ?? new Set<string>();
      reaching(grantedOn(g, i.host), i.reach).forEach((m) => set.add(m));
      served.set(i, set);
    }
  }
  for (const call of calls) {
    const inner = (hostsOf.get(call.callee.manifest) ?? []).flatMap((h) => innerByHost.get(h) ?? []);
    const outer = (hostsOf.get(call.caller.manifest) ?? []).flatMap((h) => outerByHost.get(h) ?? []);
    for (const o of outer) {
      const g = (meshOnlyHops.has(o) ? meshGranted : granted).get(call.caller.manifest);
      const callerMethods = g ? grantedOn(g, o.host) : new Set(['*']);
      const carried = reaching(callerMethods, o.reach);
      // No request reaches the caller through this route (a mesh route of a service only the gateway calls).
      if (carried.length === 0) continue;
      const outerWrites = carried.some((m) => NON_IDEMPOTENT.has(m));
      for (const i of inner) {
        if (o.host === i.host) continue; // a service calling itself is one hop
        const methods = reaching(call.methods, i.reach);
        const key = `${idOf(o)}\u0000${idOf(i)}`;
        const pair = pairs.get(key);
        if (pair) {
          methods.forEach((m) => pair.methods.add(m));
          pair.outerWrites ||= outerWrites;
        } else {
          pairs.set(key, { outer: o, inner: i, methods: new Set(methods), outerWrites, caller: o.host.split('.')[0], callee: i.host.split('.')[0] });
        }
      }
    }
  }
  return { pairs: [...pairs.values()], served };
}

const memo = new WeakMap<AnalysisView, ReturnType<typeof hopPairs>>();
function pairsOf(index: AnalysisView): ReturnType<typeof hopPairs> {
  let result = memo.get(index);
  if (!result) memo.set(index, result = hopPairs(index));
  return result;
}

/**
 * MESH660 (warning): the route to a caller gives up before the route the caller's request
 * takes may answer: its timeout, or its per-try timeout when it retries, is shorter than the
 * inner route's timeout. The client sees a 504 (and a retry on 5xx resends the request)
 * while the inner service is still working on the first one.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute (timeout)
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRetry (perTryTimeout)
 */
export const outerGivesUpFirst: AnalysisCheck = {
  code: Codes.RETRY_OUTER_GIVES_UP_FIRST,
  title: 'an outer route gives up before the inner route it calls may answer',
  run(index) {
    const out: Finding[] = [];
    for (const { outer, inner, methods, outerWrites, caller, callee } of pairsOf(index).pairs) {
      if (inner.timeout === undefined) continue;
      // Only reads reach the outer route and the call is all writes: no request of that route makes this call.
      if (!outerWrites && methods.size > 0 && [...methods].every((m) => NON_IDEMPOTENT.has(m))) continue;
      const limits: [string, number][] = [];
      if (outer.timeout !== undefined) limits.push(['timeout', outer.timeout]);
      if (outer.perTryTimeout !== undefined) limits.push(['retries.perTryTimeout', outer.perTryTimeout]);
      const shortest = limits.sort((a, b) => a[1] - b[1])[0];
      if (!shortest || shortest[1] >= inner.timeout) continue;
      const retried = shortest[0] !== 'timeout' && outer.retryOn.some((c) => RETRIES_ON_TIMEOUT.includes(c));
      out.push({
        ...finding(
          Codes.RETRY_OUTER_GIVES_UP_FIRST,
          outer.vs,
          `${fieldOf(outer)}.${shortest[0]}`,
          `${caller}'s route gives up after ${shortest[1]}ms (${shortest[0]}) while ${callee}'s route (VirtualService ${nameOf(inner)}) may take `
            + `${inner.timeout}ms: ` +
            `the client sees a timeout while ${callee} still works on the `
              + `request${retried ? `, and ${outer.retryOn.filter((c) => RETRIES_ON_TIMEOUT.includes(c)).join(',')} retries it` : ''}`,
          'warning',
        ),
        related: refOf(inner.vs),
      });
    }
    return out;
  },
};

/**
 * MESH661 (warning): both hops of a call that serves POST or PATCH retry, the outer one on a
 * condition that may resend a request the caller already received (and passed on): one
 * request can reach the callee (1 + outer attempts) × (1 + inner attempts) times. Only an outer
 * route that carries POST or PATCH to the caller counts: by HTTP's semantics a GET, safe, makes
 * no write downstream, so a route whose writes an earlier rule takes (the library's `writes`) is
 * left out; methods are followed through the routes' first-match order (rule-methods.ts).
 * @see https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/http/http_connection_management#retry-plugin-configuration
 * @see https://istio.io/latest/docs/concepts/traffic-management/#retries
 */
export const stackedRetries: AnalysisCheck = {
  code: Codes.RETRY_STACKED_NON_IDEMPOTENT,
  title: 'retries at two hops of a non-idempotent call',
  run(index) {
    const out: Finding[] = [];
    for (const { outer, inner, methods, outerWrites, caller, callee } of pairsOf(index).pairs) {
      const risky = [...methods].filter((m) => NON_IDEMPOTENT.has(m)).sort();
      // A read the outer hop resends makes no write downstream: only the routes that carry writes to the caller count.
      if (risky.length === 0 || !outerWrites || outer.attempts === 0 || inner.attempts === 0) continue;
      // An outer retry that never resends (reset-before-request, connect-failure) happens only
      // when the caller never got the request, so it never calls the inner hop twice.
      if (resending(outer).length === 0) continue;
      out.push({
        ...finding(
          Codes.RETRY_STACKED_NON_IDEMPOTENT,
          outer.vs,
          `${fieldOf(outer)}.retries`,
          `${risky.join(', ')} from ${caller} to ${callee}: ${caller}'s route retries ${describeRetries(outer)} and ${callee}'s (VirtualService `
            + `${nameOf(inner)}) ` +
            `${describeRetries(inner)}, so one request may reach ${callee} up to ${(1 + outer.attempts) * (1 + inner.attempts)} times; retry at `
              + 'one hop only, ' +
            'on reset-before-request,connect-failure',
          'warning',
        ),
        related: refOf(inner.vs),
      });
    }
    return out;
  },
};

/**
 * MESH662 (warning): `retryOn: reset` on a route that serves POST or PATCH. Envoy retries a
 * reset "if the upstream server does not respond at all (disconnect/reset/read timeout)",
 * also after the request reached it; `reset-before-request` retries only when nothing was sent.
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-retry-on
 */
export const resetOnNonIdempotent: AnalysisCheck = {
  code: Codes.RETRY_RESET_NON_IDEMPOTENT,
  title: 'retryOn reset on a route that serves POST or PATCH',
  run(index) {
    const out: Finding[] = [];
    for (const [hop, methods] of pairsOf(index).served) {
      const risky = [...methods].filter((m) => NON_IDEMPOTENT.has(m)).sort();
      if (risky.length === 0 || hop.attempts === 0 || !hop.retryOn.includes('reset')) continue;
      out.push(finding(Codes.RETRY_RESET_NON_IDEMPOTENT, hop.vs, `${fieldOf(hop)}.retries.retryOn`,
        `retries on reset for a route serving ${risky.join(', ')}: a request that reached ${hop.host.split('.')[0]} before the reset is sent again; `
        + 'use reset-before-request', 'warning'));
    }
    return out;
  },
};

/** The checks across two hops. */
export const RETRY_CHAIN_CHECKS: readonly AnalysisCheck[] = [outerGivesUpFirst, stackedRetries, resetOnNonIdempotent];
