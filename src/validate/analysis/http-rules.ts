/**
 * Checks within one VirtualService's HTTP rules: order, weights, retries and timeouts.
 */
import { Codes } from '../../core/codes';
import { Finding, finding, Manifest } from '../finding';
import { AnalysisCheck } from './check';
import { MeshIndex, namespaceOf, resolveHost } from './mesh-index';

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

/** True if an HTTP rule matches every request (no match, or a match with no condition). */
function matchesEverything(rule: any): boolean {
  const match = rule?.match;
  if (!Array.isArray(match) || match.length === 0) return true;
  return match.some((m: any) => !m || Object.keys(m).filter((k) => k !== 'name').length === 0);
}

/** MESH104: an HTTP rule after a rule that matches everything can never be reached. */
export const unreachableRule: AnalysisCheck = {
  code: Codes.UNREACHABLE_RULE,
  title: 'a rule after a match-less rule (unreachable)',
  istio: ['IST0130'],
  run(index) {
    const out: Finding[] = [];
    for (const vs of index.ofKind('VirtualService')) {
      const rules = httpRules(vs);
      const first = rules.findIndex(matchesEverything);
      for (let i = first + 1; first >= 0 && i < rules.length; i++) {
        out.push(finding(Codes.UNREACHABLE_RULE, vs, `spec.http[${i}]`,
          `rule ${rules[i]?.name ?? i} can never match: rule ${rules[first]?.name ?? first} before it matches every request`));
      }
    }
    return out;
  },
};

/** MESH112: weighted destinations whose weights do not sum to 100. */
export const routeWeights: AnalysisCheck = {
  code: Codes.WEIGHTS_NOT_100,
  title: 'route weights that do not sum to 100',
  run(index) {
    const out: Finding[] = [];
    for (const vs of index.ofKind('VirtualService')) {
      for (const section of ['http', 'tcp', 'tls']) {
        (vs.spec?.[section] ?? []).forEach((rule: any, i: number) => {
          const route: any[] = rule?.route ?? [];
          if (route.length < 2 && !route.some((r) => r?.weight !== undefined && r.weight !== 100)) return;
          const sum = route.reduce((acc, r) => acc + Number(r?.weight ?? 0), 0);
          if (sum !== 100) {
            const parts = route.map((r) => `${r?.destination?.subset ?? r?.destination?.host} ${r?.weight ?? 0}`).join(', ');
            out.push(finding(Codes.WEIGHTS_NOT_100, vs, `spec.${section}[${i}].route`, `weights sum to ${sum}, expected 100 (${parts})`));
          }
        });
      }
    }
    return out;
  },
};

/** MESH114: a perTryTimeout longer than the route's timeout (the retries can never happen). */
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

const NON_IDEMPOTENT = ['POST', 'PATCH'];
const SERVER_ERROR_RETRIES = ['5xx', 'gateway-error'];

/** Methods ALLOW AuthorizationPolicies grant on each workload: one pass over the policies. */
function allowedMethodsByWorkload(index: MeshIndex): Map<Manifest, Set<string>> {
  const out = new Map<Manifest, Set<string>>();
  for (const ap of index.ofKind('AuthorizationPolicy')) {
    if ((ap.spec?.action ?? 'ALLOW') !== 'ALLOW') continue;
    const methods: string[] = [];
    for (const r of ap.spec?.rules ?? []) for (const t of r?.to ?? []) for (const m of t?.operation?.methods ?? []) methods.push(String(m).toUpperCase());
    if (methods.length === 0) continue;
    for (const w of index.workloadsMatching(namespaceOf(ap), ap.spec?.selector?.matchLabels ?? {})) {
      const set = out.get(w.manifest) ?? new Set<string>();
      methods.forEach((m) => set.add(m));
      out.set(w.manifest, set);
    }
  }
  return out;
}

/**
 * MESH111 (warning): retries on 5xx for a route that serves POST or PATCH: a request
 * the server already acted on may be applied twice (a double charge).
 */
export const retryNonIdempotent: AnalysisCheck = {
  code: Codes.RETRY_NON_IDEMPOTENT,
  title: 'retries on 5xx for a route that serves non-idempotent methods',
  run(index) {
    const out: Finding[] = [];
    let granted: Map<Manifest, Set<string>> | undefined;
    const allowedOn = (fqdn: string): string[] => {
      const svc = index.services.get(fqdn);
      if (!svc) return [];
      granted ??= allowedMethodsByWorkload(index);
      return index.workloadsOfService(svc).flatMap((w) => [...(granted!.get(w.manifest) ?? [])]);
    };
    for (const vs of index.ofKind('VirtualService')) {
      httpRules(vs).forEach((rule, i) => {
        const on = String(rule?.retries?.retryOn ?? '').split(',').map((s) => s.trim());
        if ((rule?.retries?.attempts ?? 0) === 0 || !on.some((c) => SERVER_ERROR_RETRIES.includes(c))) return;
        const matched: string[] = (rule?.match ?? []).map((m: any) => m?.method?.exact).filter(Boolean);
        let served: string[];
        if (matched.length > 0 && matched.length === (rule.match ?? []).length) {
          served = matched.map((m) => m.toUpperCase());
        } else {
          const hosts: string[] = (rule?.route ?? []).map((r: any) => resolveHost(String(r?.destination?.host ?? ''), namespaceOf(vs)));
          served = hosts.flatMap(allowedOn);
        }
        const risky = [...new Set(served.filter((m) => NON_IDEMPOTENT.includes(m) || m === '*'))].sort();
        if (risky.length > 0) {
          out.push(finding(Codes.RETRY_NON_IDEMPOTENT, vs, `spec.http[${i}].retries.retryOn`,
            `retries on ${on.filter((c) => SERVER_ERROR_RETRIES.includes(c)).join(',')} for a route serving ${risky.join(', ')}: a request the server acted on may be applied twice`, 'warning'));
        }
      });
    }
    return out;
  },
};

/** The HTTP rule checks. */
export const HTTP_RULE_CHECKS: readonly AnalysisCheck[] = [unreachableRule, routeWeights, perTryTimeout, retryNonIdempotent];
