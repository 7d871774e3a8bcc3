/**
 * Checks within one VirtualService's HTTP rules: order, weights, retries and timeouts.
 */
import { Codes } from '../../core/codes';
import { ANY_IDEMPOTENT, methodsReachingRules, operationMethods, pathsMayMeet, reaching } from './rule-methods';
import { weightSplitProblem } from '../../core/weight-split';
import { Finding, finding, Manifest } from '../finding';
import { AnalysisCheck } from './check';
import { AnalysisView, namespaceOf } from './view';
import { analyzerFqdn } from '../model/hosts';
import { admitsSidecarClients, gatewayIdentities } from './rule-sources';
import { dict, list, obj } from '../values';
import { delegatesOf, httpRulesOf } from '../model/delegates';
import { isIdempotentMethod, NON_IDEMPOTENT_METHODS, UNSAFE_METHODS } from '../../core/http';
import { RETRY_CONDITIONS_AFTER_RESPONSE } from '../../core/retries';
import { Protocol, protocolOfPortName } from '../../core/ports';
import { shadowedRules } from './shadowed-routes';

/** Milliseconds of a Go-style duration (`1h2m3.5s`, `250ms`), or undefined. */
export function durationMillis(text: unknown): number | undefined {
  if (typeof text !== 'string' || !/^(\d+(\.\d+)?(h|m|s|ms|us|µs|ns))+$/.test(text)) return undefined;
  const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, 'µs': 0.001, ns: 0.000001 };
  let total = 0;
  for (const [, n, , u] of text.matchAll(/(\d+(\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) total += Number(n) * unit[u];
  return total;
}

function httpRules(vs: Manifest): any[] {
  return Array.isArray(vs.spec?.http) ? vs.spec.http : [];
}

/** JSON with sorted keys, so that two equal matches compare equal whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as any)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** `exact:<v>` or `prefix:<v>` of a StringMatch, '' for neither (validation.go, assignExactOrPrefix). */
function exactOrPrefix(m: any): string {
  if (m?.exact) return `exact:${m.exact}`;
  if (m?.prefix) return `prefix:${m.prefix}`;
  return '';
}

/** A match with a URI prefix, in the form Istio compares for overlaps (validation.go, genMatchHTTPRoutes). */
interface PrefixMatch {
  readonly rule: number;
  readonly prefix: string;
  readonly port: unknown;
  readonly method: string;
  readonly authority: string;
  readonly headers: Record<string, string>;
  readonly queryParams: Record<string, string>;
  readonly withoutHeaders: Record<string, string>;
}

function prefixMatch(match: any, rule: number): PrefixMatch | undefined {
  const prefix = match?.uri?.prefix;
  if (typeof prefix !== 'string' || prefix === '') return undefined;
  const map = (o: any) => Object.fromEntries(Object.entries(dict(o)).map(([k, v]) => [k, exactOrPrefix(v)]));
  return {
    rule, prefix, port: match.port ?? 0,
    // Without a method, Istio's comparison takes GET.
    method: exactOrPrefix(match.method) || 'exact:GET',
    authority: exactOrPrefix(match.authority),
    headers: map(match.headers), queryParams: map(match.queryParams), withoutHeaders: map(match.withoutHeaders),
  };
}

/** True if `a`'s values cover `b`'s: same keys, each of `a`'s values equal to or a prefix-extension of `b`'s (coveredValidation). */
function mapCovers(a: Record<string, string>, b: Record<string, string>): boolean {
  if (Object.keys(a).length !== Object.keys(b).length) return false;
  return Object.entries(a).every(([k, v]) => k in b && (v === b[k] || v.startsWith(b[k])));
}

/** True if the earlier match `a` takes every request of the later `b` (validation.go, coveredValidation). */
function covers(a: PrefixMatch, b: PrefixMatch): boolean {
  if (!b.prefix.startsWith(a.prefix) || b.port !== a.port) return false;
  if (a.method !== b.method && !a.method.startsWith(b.method)) return false;
  if (a.authority !== b.authority && !a.authority.startsWith(b.authority)) return false;
  return mapCovers(a.headers, b.headers) && mapCovers(a.queryParams, b.queryParams) && mapCovers(a.withoutHeaders, b.withoutHeaders);
}

function ruleName(rule: any, i: number): string {
  return rule?.name ? `"${rule.name}"` : `#${i}`;
}

/**
 * Rules that can never match (MESH104) and matches an earlier rule always takes first
 * (MESH132), in one VirtualService section: a port of analyzeUnreachableHTTPRules (and the
 * TCP and TLS variants) in istio/istio pkg/config/validation/validation.go, which istiod's
 * webhook reports as warnings and istioctl analyze as IST0130 and IST0131.
 */
function unreachable(vs: Manifest, section: 'http' | 'tcp' | 'tls'): Finding[] {
  const out: Finding[] = [];
  const rules: any[] = Array.isArray(vs.spec?.[section]) ? vs.spec[section] : [];
  const seen = new Map<string, number>();
  let emptyAt = -1;
  const prefixes: PrefixMatch[] = [];
  const unreachableRule = (i: number, why: string) =>
    out.push(finding(Codes.UNREACHABLE_RULE, vs, `spec.${section}[${i}]`, `rule ${ruleName(rules[i], i)} can never match: ${why}`, 'warning'));
  rules.forEach((rule, i) => {
    if (!rule) return;
    const matches: any[] = Array.isArray(rule.match) ? rule.match : [];
    if (matches.length === 0) {
      if (emptyAt >= 0) unreachableRule(i, `only the last rule can have no matches (rule ${ruleName(rules[emptyAt], emptyAt)} has none)`);
      emptyAt = i;
      return;
    }
    let duplicates = 0;
    matches.forEach((m, j) => {
      if (emptyAt >= 0) { unreachableRule(i, `rule ${ruleName(rules[emptyAt], emptyAt)} before it has no matches`); return; }
      const { name: _name, ...rest } = dict(m);
      const key = canonical(section === 'http' ? rest : m);
      const first = seen.get(key);
      if (first !== undefined) {
        out.push(
          finding(
            Codes.INEFFECTIVE_MATCH,
            vs,
            `spec.${section}[${i}].match[${j}]`,
            `match ${m?.name ? `"${m.name}"` : `#${j}`} of rule ${ruleName(rule, i)} is the same as one of rule ${ruleName(rules[first], first)}, `
              + 'which takes its requests',
            'warning',
          ),
        );
        duplicates++;
        return;
      }
      seen.set(key, i);
      const p = section === 'http' ? prefixMatch(m, i) : undefined;
      if (p) prefixes.push(p);
    });
    if (duplicates === matches.length) unreachableRule(i, 'all its matches are used by earlier rules');
  });
  for (let a = 0; a < prefixes.length; a++) {
    for (let b = a + 1; b < prefixes.length; b++) {
      if (prefixes[a].prefix === prefixes[b].prefix || !covers(prefixes[a], prefixes[b])) continue;
      const r = prefixes[b].rule;
      out.push(
        finding(
          Codes.INEFFECTIVE_MATCH,
          vs,
          `spec.http[${r}].match`,
          `a match of rule ${ruleName(rules[r], r)} on prefix ${prefixes[b].prefix} is covered by prefix ${prefixes[a].prefix} of rule `
            + `${ruleName(rules[prefixes[a].rule], prefixes[a].rule)}`,
          'warning',
        ),
      );
    }
  }
  return out;
}

/** MESH104/MESH132: unreachable rules and ineffective matches (IST0130, IST0131). */
export const unreachableRule: AnalysisCheck = {
  code: Codes.UNREACHABLE_RULE,
  title: 'a rule that can never match, or a match an earlier rule takes',
  istio: ['IST0130', 'IST0131'],
  run(index) {
    return index.ofKind('VirtualService').flatMap((vs) => [...unreachable(vs, 'http'), ...unreachable(vs, 'tcp'), ...unreachable(vs, 'tls')]);
  },
};

/** MESH012: weighted destinations whose weights do not sum to 100 (the rule the constructs check at synth). */
export const routeWeights: AnalysisCheck = {
  code: Codes.WEIGHTS_NOT_100,
  title: 'route weights that do not sum to 100',
  run(index) {
    const out: Finding[] = [];
    for (const vs of index.ofKind('VirtualService')) {
      for (const section of ['http', 'tcp', 'tls']) {
        list(vs.spec?.[section]).forEach((rule: any, i: number) => {
          const route: any[] = list(rule?.route);
          // In a manifest an omitted weight is the proto3 default 0 beside other destinations
          // (https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRouteDestination, `weight`);
          // a lone destination without one takes all traffic.
          const split = weightSplitProblem(route.map((r) => ({
            name: `${r?.destination?.subset ?? r?.destination?.host}`,
            weight: r?.weight === undefined ? (route.length > 1 ? 0 : undefined) : Number(r.weight),
          })));
          if (split) out.push(finding(Codes.WEIGHTS_NOT_100, vs, `spec.${section}[${i}].route`, split));
        });
      }
    }
    return out;
  },
};

/** MESH011: a perTryTimeout longer than the route's timeout (the retries can never happen). */
export const perTryTimeout: AnalysisCheck = {
  code: Codes.PER_TRY_TIMEOUT_EXCEEDS_TIMEOUT,
  title: "a retry's perTryTimeout longer than the route's timeout",
  run(index) {
    const out: Finding[] = [];
    for (const vs of index.ofKind('VirtualService')) {
      httpRules(vs).forEach((rule, i) => {
        const timeout = durationMillis(rule?.timeout);
        const perTry = durationMillis(rule?.retries?.perTryTimeout);
        if (timeout !== undefined && perTry !== undefined && perTry > timeout) {
          out.push(finding(Codes.PER_TRY_TIMEOUT_EXCEEDS_TIMEOUT, vs, `spec.http[${i}].retries.perTryTimeout`,
            `${rule.retries.perTryTimeout} is longer than the route's timeout ${rule.timeout}`));
        }
      });
    }
    return out;
  },
};

/**
 * Envoy's gRPC retry conditions act on the grpc-status of a response ("if the gRPC status code in the
 * response headers is ..."), so the upstream had the request too; gRPC's status codes say of UNAVAILABLE
 * that "it is not always safe to retry non-idempotent operations", and of the rest no more.
 * @see https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-retry-grpc-on
 * @see https://grpc.github.io/grpc/core/md_doc_statuscodes.html
 */
const GRPC_STATUS_RETRIES = ['cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable'];
/**
 * Conditions on an HTTP response the upstream sent (a 5xx, a 502/503/504, a 409, a status or header the route names): it had
 * the request. The library's list (core/retries.ts) but the gRPC statuses, which count only where gRPC may flow (below). A bare
 * status in `retryOn` (`503`) is one Istio turns into `retriable-status-codes`
 * (istio/istio pilot/pkg/networking/core/route/retry/retry.go, parseRetryOn).
 */
const SERVER_ERROR_RETRIES: readonly string[] = RETRY_CONDITIONS_AFTER_RESPONSE.filter((c) => !GRPC_STATUS_RETRIES.includes(c));
/** Protocols of a Service port that may carry gRPC: its own, HTTP/2, and a port Istio sniffs (undefined). */
const GRPC_CAPABLE: readonly (Protocol | undefined)[] = ['grpc', 'grpc-web', 'http2', undefined];

/**
 * Whether a rule routing to `destinations` may carry gRPC, so that a grpc-status can trigger its retries:
 * a destination that is no Service of the manifests may; a Service may when the port the route names,
 * or else any of its ports, is a gRPC, HTTP/2 or unclassified one (Istio's port naming:
 * https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/).
 */
function mayCarryGrpc(index: AnalysisView, destinations: readonly RuleDestination[]): boolean {
  return destinations.some(({ host, port }) => {
    const svc = index.service(host);
    if (!svc) return true;
    return list(svc.spec?.ports).some((p: any) => (port === undefined || Number(p?.port) === port)
      && GRPC_CAPABLE.includes(protocolOfPortName(String(typeof p?.appProtocol === 'string' ? p.appProtocol : p?.name ?? ''))));
  });
}

/**
 * Methods ALLOW AuthorizationPolicies grant on each workload: one pass over the policies. A rule
 * whose operation names no methods (or that has no operation) grants every method, `*`, as Istio
 * reads it (core/http.ts, isEveryMethod), so a route to it may serve POST.
 */
function allowedRulesByWorkload(index: AnalysisView, sidecarsOnly: boolean): Map<Manifest, unknown[]> {
  const out = new Map<Manifest, unknown[]>();
  const gateways = gatewayIdentities(index);
  for (const ap of index.ofKind('AuthorizationPolicy')) {
    if ((ap.spec?.action ?? 'ALLOW') !== 'ALLOW') continue;
    // A mesh route serves only what the rules grant to sidecar clients (rule-sources.ts).
    const rules = list(ap.spec?.rules).filter((rule: any) => !sidecarsOnly || admitsSidecarClients(rule, gateways));
    if (rules.length === 0) continue;
    for (const w of index.workloadsMatching(namespaceOf(ap), dict(ap.spec?.selector?.matchLabels))) {
      out.set(w.manifest, [...(out.get(w.manifest) ?? []), ...rules]);
    }
  }
  return out;
}

/**
 * The port of `svc`'s pods a request to its Service port `port` arrives on (its numeric `targetPort`, else the port
 * itself), which AuthorizationPolicy `ports` match; undefined where it is not known (no port named and several ports,
 * a named targetPort): then every operation counts.
 */
function podPortOf(svc: Manifest, port: number | undefined): number | undefined {
  const ports = list(svc.spec?.ports);
  const p = port === undefined ? (ports.length === 1 ? ports[0] : undefined) : ports.find((x: any) => x?.port === port);
  if (!p) return undefined;
  const target = p.targetPort ?? p.port;
  return typeof target === 'number' ? target : undefined;
}

/** A destination of an HTTP rule: the Service's FQDN and the port it names, if any. */
export interface RuleDestination {
  readonly host: string;
  readonly port?: number;
}

/** The destinations of HTTP rule `rule` of `vs`, hosts as FQDNs. */
export function ruleDestinations(vs: Manifest, rule: any): RuleDestination[] {
  return list(rule?.route).map((x: any) => ({
    host: analyzerFqdn(String(x?.destination?.host ?? ''), namespaceOf(vs)),
    port: typeof x?.destination?.port?.number === 'number' ? x.destination.port.number : undefined,
  }));
}

/**
 * What a check counts as a write, by what it does with a request (core/http.ts, RFC 9110 §9.2): a retry sends the same request
 * again, which an idempotent method allows, so it counts the methods that are not idempotent (POST, PATCH); a mirror sends a copy
 * that another workload serves, whenever it arrives, so it counts every method that is not safe (POST, PUT, PATCH, DELETE).
 */
export type WriteSense = 'retried' | 'mirrored';

/** The methods of `served` (names, `*` for any, {@link ANY_IDEMPOTENT}) that are writes in `sense`, `*` kept for any. */
function writesIn(served: readonly string[], sense: WriteSense): string[] {
  const counted: readonly string[] = sense === 'retried' ? NON_IDEMPOTENT_METHODS : UNSAFE_METHODS;
  return served.flatMap((m) => {
    if (m === '*' || counted.includes(m)) return [m];
    // Any method but POST and PATCH: of those, PUT and DELETE are not safe.
    return m === ANY_IDEMPOTENT && sense === 'mirrored' ? UNSAFE_METHODS.filter(isIdempotentMethod) : [];
  });
}

/**
 * The methods that are writes in `sense` ({@link WriteSense}; `*` for any) each HTTP rule of a VirtualService serves,
 * sorted (of `rules`, the VirtualService's own unless given: its rules merged with its delegates'),
 * those its match names, else those the ALLOW AuthorizationPolicies of its destinations' workloads
 * grant (to sidecar clients only, on a route that names no gateway) less those an earlier rule on the
 * method alone takes (the library's `writes` route). The policies are read once per analysis, on first use. `onRulePaths`:
 * only the policies' operations whose paths the rule's matches may meet count (rule-methods `pathsMayMeet`).
 */
export function writesServedByRules(
  index: AnalysisView, sense: WriteSense, onRulePaths = false,
): (vs: Manifest, rules?: readonly any[]) => string[][] {
  const granted = new Map<boolean, Map<Manifest, unknown[]>>();
  const allowedOn = (d: RuleDestination, sidecarsOnly: boolean, rule: any): string[] => {
    const svc = index.service(d.host);
    if (!svc) return [];
    let byWorkload = granted.get(sidecarsOnly);
    if (!byWorkload) granted.set(sidecarsOnly, byWorkload = allowedRulesByWorkload(index, sidecarsOnly));
    // Only what the rules grant on the port the route sends to: a rule for another port (a TCP peer's) serves none of it.
    const port = podPortOf(svc, d.port);
    const admits = onRulePaths ? (op: unknown) => pathsMayMeet(rule?.match, op) : undefined;
    const rules = index.workloadsOfService(svc).flatMap((w) => byWorkload.get(w.manifest) ?? []);
    return [...new Set(rules.flatMap((r) => operationMethods(r, port, admits)))];
  };
  return (vs, rules = httpRules(vs)) => {
    // A route that names no gateway carries the sidecars' requests alone.
    const meshOnly = list(vs.spec?.gateways).every((g: unknown) => g === 'mesh');
    const reach = methodsReachingRules(rules);
    return rules.map((rule, i) => {
      const r = reach[i];
      const served = 'only' in r ? [...r.only] : reaching(ruleDestinations(vs, rule).flatMap((d) => allowedOn(d, meshOnly, rule)), r);
      return [...new Set(writesIn(served, sense))].sort();
    });
  };
}

/** The retry conditions of `rule` (of `vs`) that resend a request the server answered: none where it retries nothing. */
function resendingConditions(index: AnalysisView, vs: Manifest, rule: any): string[] {
  const on = String(rule?.retries?.retryOn ?? '').split(',').map((s) => s.trim());
  if ((rule?.retries?.attempts ?? 0) === 0) return [];
  const grpc = on.some((c) => GRPC_STATUS_RETRIES.includes(c)) && mayCarryGrpc(index, ruleDestinations(vs, rule));
  return on.filter((c) => SERVER_ERROR_RETRIES.includes(c) || /^\d{3}$/.test(c) || (grpc && GRPC_STATUS_RETRIES.includes(c)));
}

/**
 * MESH111 on the rules a root VirtualService delegates (`delegate`), merged with its delegates' as istiod gives them to the
 * proxies (model/delegates.ts `httpRulesOf`, istio/istio pilot/pkg/model/virtualservice.go `mergeHTTPRoute`: a delegate rule's
 * retries win, the root rule's where it sets none), in the cluster Flagger runs (its delegate VirtualService with
 * `service.delegation`): the methods are those the root's route serves (a gateway's callers through a gateway route), which the
 * delegate alone, a route of no gateway, does not show. Reported on the rule whose retries are merged: the delegate's (for
 * Flagger's, the Canary's `spec.service.retries`), else the root's.
 */
function delegatedRetryFindings(index: AnalysisView): Finding[] {
  const view = index.running();
  const virtualServices = view.ofKind('VirtualService');
  const delegates = delegatesOf(virtualServices);
  if (delegates.size === 0) return [];
  const writesOf = writesServedByRules(view, 'retried');
  const written = new Set(index.model.all);
  const out: Finding[] = [];
  for (const vs of virtualServices) {
    if (list(vs.spec?.hosts).length === 0) continue;
    const merged = httpRulesOf(vs, delegates);
    if (!merged.some((r) => r.delegate)) continue;
    let writes: string[][] | undefined;
    merged.forEach((m, j) => {
      if (!m.delegate) return;
      const resending = resendingConditions(view, vs, m.rule);
      if (resending.length === 0) return;
      const risky = (writes ??= writesOf(vs, merged.map((r) => r.rule)))[j];
      if (risky.length === 0) return;
      const delegate = m.delegate.virtualService;
      const own = obj(list(delegate.spec?.http)[m.delegate.index]?.retries) !== undefined;
      const canary = own && !written.has(delegate) ? canaryOf(index, delegate) : undefined;
      const [resource, field] = canary ? [canary, 'spec.service.retries.retryOn']
        : own ? [delegate, `spec.http[${m.delegate.index}].retries.retryOn`] : [vs, `spec.http[${m.index}].retries.retryOn`];
      out.push(finding(Codes.RETRY_NON_IDEMPOTENT, resource,
        field, `retries on ${resending.join(',')} for a route serving ${risky.join(', ')} (${namespaceOf(vs)}/${vs.metadata?.name}'s `
          + `spec.http[${m.index}] merged with its delegate ${namespaceOf(delegate)}/${delegate.metadata?.name}'s spec.http[${m.delegate.index}]): `
          + 'a request the server acted on may be applied twice',
        'warning'));
    });
  }
  return out;
}

/** The Flagger Canary that writes VirtualService `vs` (its `spec.service.name`, else its target's name, in its namespace). */
function canaryOf(index: AnalysisView, vs: Manifest): Manifest | undefined {
  return index.ofKind('Canary').find((c) => namespaceOf(c) === namespaceOf(vs)
    && String(c.spec?.service?.name ?? c.spec?.targetRef?.name ?? '') === vs.metadata?.name);
}

/**
 * MESH111 (warning): retries on 5xx, gateway-error or a gRPC status (unavailable, internal, ...) for a
 * route that serves POST or PATCH (every gRPC call is a POST): a request the server already acted on
 * may be applied twice (a double charge). A route that an earlier
 * rule on the method alone takes POST and PATCH from (the library's `writes` route) serves neither. A delegate's
 * rules are read merged into the root rule that delegates to them too ({@link delegatedRetryFindings}).
 */
export const retryNonIdempotent: AnalysisCheck = {
  code: Codes.RETRY_NON_IDEMPOTENT,
  title: 'retries on a server error or gRPC status for a route that serves non-idempotent methods',
  run(index) {
    const out: Finding[] = [];
    const writesOf = writesServedByRules(index, 'retried');
    for (const vs of index.ofKind('VirtualService')) {
      let writes: string[][] | undefined;
      httpRules(vs).forEach((rule, i) => {
        const resending = resendingConditions(index, vs, rule);
        if (resending.length === 0) return;
        const risky = (writes ??= writesOf(vs))[i];
        if (risky.length > 0) {
          out.push(
            finding(
              Codes.RETRY_NON_IDEMPOTENT,
              vs,
              `spec.http[${i}].retries.retryOn`,
              `retries on ${resending.join(',')} for a route serving ${risky.join(', ')}: a request the `
                + 'server acted on may be applied twice',
              'warning',
            ),
          );
        }
      });
    }
    // A rule reported as written is not reported again as merged.
    const key = (f: Finding) => `${f.resource.kind}/${f.resource.namespace}/${f.resource.name} ${f.field}`;
    const reported = new Set(out.map(key));
    return [...out, ...delegatedRetryFindings(index).filter((f) => !reported.has(key(f)))];
  },
};

/**
 * MESH031: HTTP rules an earlier rule shadows, beyond what Istio's check finds (shadowed-routes.ts);
 * a rule MESH104 or MESH132 reports is left to them, so no rule is reported twice.
 */
export const shadowedRoute: AnalysisCheck = {
  code: Codes.UNREACHABLE_ROUTE,
  title: 'an HTTP rule an earlier rule takes every request of',
  run(index) {
    return index.ofKind('VirtualService').flatMap((vs) => {
      const byIstio = new Set(unreachable(vs, 'http').map((f) => Number(/\d+/.exec(f.field)![0])));
      return shadowedRules(vs, byIstio);
    });
  },
};

/** The HTTP rule checks. */
export const HTTP_RULE_CHECKS: readonly AnalysisCheck[] = [unreachableRule, shadowedRoute, routeWeights, perTryTimeout, retryNonIdempotent];
