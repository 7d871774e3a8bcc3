/**
 * ALLOW rules narrowed by the client's address that another ALLOW rule makes void. Istio admits a request that any ALLOW
 * rule of the workload's policies matches ("If any of the ALLOW policies match the request, allow the request"), so a rule
 * that admits a principal from some addresses only (`ipBlocks`, `remoteIpBlocks`, a `when` on `source.ip` or `remote.ip`)
 * restricts nothing while another rule admits the same requests from any address: a webhook receiver's allow list beside the
 * rule of the gateway's route admits every client the gateway forwards.
 * @see https://istio.io/latest/docs/concepts/security/#allow-deny-and-custom-action (the order of evaluation)
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source
 */
import { Codes } from '../../core/codes';
import { Finding, finding, Manifest } from '../finding';
import { AnalysisCheck } from './check';
import { AnalysisView, namespaceOf, push } from './view';
import { dict, list } from '../values';

const ADDRESS_FIELDS = ['ipBlocks', 'remoteIpBlocks'];
const ADDRESS_KEYS = ['source.ip', 'remote.ip'];
/** The source fields a broader rule may have: each a superset of the narrower rule's. */
const POSITIVE_SOURCE_FIELDS = ['principals', 'namespaces', 'requestPrincipals'];

const strings = (v: unknown): string[] => list(v).map(String);

/** True if `pattern` (an AuthorizationPolicy value: exact, `*`, `prefix*` or `*suffix`) matches every value `value` matches. */
function covers(pattern: string, value: string): boolean {
  if (pattern === '*' || pattern === value) return true;
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith('*')) return !value.startsWith('*') && !value.endsWith('*') && value.endsWith(pattern.slice(1));
  return false;
}

/** A field of the broader side is absent, or each of the narrower side's values is covered by one of its values. */
function fieldCovers(broad: unknown, narrow: unknown): boolean {
  const b = strings(broad);
  if (b.length === 0) return true;
  const n = strings(narrow);
  return n.length > 0 && n.every((v) => b.some((p) => covers(p, v)));
}

const NOT_FIELDS = /^not[A-Z]/;

/** True if every request `narrow` (a source) admits, `broad` admits too: it has only positive identity fields, each covering. */
function sourceCovers(broad: Manifest, narrow: Manifest): boolean {
  if (Object.keys(broad).some((k) => !POSITIVE_SOURCE_FIELDS.includes(k) && list(broad[k]).length > 0)) return false;
  return POSITIVE_SOURCE_FIELDS.every((k) => fieldCovers(broad[k], narrow[k]));
}

/** The same for an operation: hosts, methods, paths and ports, no `not` fields on the broader side. */
function operationCovers(broad: Manifest, narrow: Manifest): boolean {
  if (Object.keys(broad).some((k) => NOT_FIELDS.test(k) && list(broad[k]).length > 0)) return false;
  return ['hosts', 'methods', 'paths', 'ports'].every((k) => fieldCovers(broad[k], narrow[k]));
}

const sources = (rule: Manifest): Manifest[] => list(rule.from).map((f: Manifest) => dict(f?.source));
const operations = (rule: Manifest): Manifest[] => list(rule.to).map((t: Manifest) => dict(t?.operation));

/** True if every request `narrow` matches, `broad` matches too (conservatively: a rule with conditions covers nothing). */
function ruleCovers(broad: Manifest, narrow: Manifest): boolean {
  if (list(broad.when).length > 0) return false;
  const bs = sources(broad);
  const bo = operations(broad);
  const ns = sources(narrow);
  const no = operations(narrow);
  const fromOk = bs.length === 0 || (ns.length > 0 && ns.every((n) => bs.some((b) => sourceCovers(b, n))));
  const toOk = bo.length === 0 || (no.length > 0 && no.every((n) => bo.some((b) => operationCovers(b, n))));
  return fromOk && toOk;
}

/** Where `rule` narrows by address: the field of its first address restriction, if any. */
function addressField(rule: Manifest, i: number): string | undefined {
  for (const [j, s] of sources(rule).entries()) {
    const k = ADDRESS_FIELDS.find((f) => list(s[f]).length > 0);
    if (k) return `spec.rules[${i}].from[${j}].source.${k}`;
  }
  const w = list(rule.when).findIndex((c: Manifest) => ADDRESS_KEYS.includes(String(c?.key)) && list(c?.values).length > 0);
  return w >= 0 ? `spec.rules[${i}].when[${w}]` : undefined;
}

/**
 * MESH240 (warning): an ALLOW rule narrowed by the client's address whose requests another ALLOW rule of a policy on the same
 * workloads (its own, or one of its namespace that selects all of them) admits from any address.
 */
export const narrowedRuleVoid: AnalysisCheck = {
  code: Codes.ADDRESS_NARROWING_VOID,
  title: 'an ALLOW rule narrowed by address that a broader ALLOW rule makes void',
  run(index: AnalysisView) {
    const out: Finding[] = [];
    const allow = index.ofKind('AuthorizationPolicy').filter((p) => (p.spec?.action ?? 'ALLOW') === 'ALLOW');
    const byNamespace = new Map<string, Manifest[]>();
    for (const p of allow) push(byNamespace, namespaceOf(p), p);
    for (const ap of allow) {
      // Only a policy with a rule narrowed by address is compared with the others (rare): no pass over every pair of policies.
      const narrowed = list(ap.spec?.rules).map((r: Manifest, i: number) => (r ? addressField(r, i) : undefined));
      if (narrowed.every((f) => f === undefined)) continue;
      const ns = namespaceOf(ap);
      const workloads = index.workloadsMatching(ns, dict(ap.spec?.selector?.matchLabels));
      if (workloads.length === 0) continue;
      // The policies that apply to every workload this one selects: those of the namespace whose selector takes them all.
      const selects = (p: Manifest, labels: Readonly<Record<string, string>>) =>
        Object.entries(dict(p.spec?.selector?.matchLabels)).every(([k, v]) => labels[k] === v);
      const peers = (byNamespace.get(ns) ?? []).filter((p) => p === ap || workloads.every((w) => selects(p, w.labels)));
      list(ap.spec?.rules).forEach((rule: Manifest, i: number) => {
        const field = narrowed[i];
        if (!field) return;
        for (const p of peers) {
          const j = list(p.spec?.rules).findIndex((r: Manifest, k: number) => !(p === ap && k === i) && r && !addressField(r, k)
            && ruleCovers(r, rule));
          if (j < 0) continue;
          out.push(finding(Codes.ADDRESS_NARROWING_VOID, ap, field,
            `admits its requests from some addresses only, but spec.rules[${j}] of AuthorizationPolicy ${ns}/${p.metadata?.name} admits `
            + 'the same requests from any address, and Istio allows a request any ALLOW rule matches: the narrowing restricts nothing; '
            + 'narrow the broader rule, or, behind a gateway, give its route sourceRanges (a DENY at the gateway, which sees the client)',
            'warning'));
          return;
        }
      });
    }
    return out;
  },
};
