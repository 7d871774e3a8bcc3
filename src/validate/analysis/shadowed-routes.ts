/**
 * MESH031: an HTTP rule of a VirtualService that can never match because an earlier rule matches
 * every request it would. Envoy tries the routes in order and the first match wins
 * (https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute), so the
 * later rule is dead: a route someone added that no request will take. Istio's own check
 * (MESH104/MESH132, istio/istio pkg/config/validation/validation.go analyzeUnreachableHTTPRules)
 * finds duplicated matches, rules after a match-less one and prefixes that cover prefixes; this one
 * finds what a match implies besides (an exact URI under an earlier prefix, a method, header or
 * port an earlier match does not ask for), and is not reported for a rule MESH104 or MESH132 reports.
 * Written over the manifests, once: for a mesh host's routes, a gateway's, and a hand-written
 * VirtualService alike.
 */
import { Codes } from '../../core/codes';
import { Finding, finding, Manifest } from '../finding';
import { dict, list } from '../values';

/** A StringMatch as the YAML has it (`exact`, `prefix` or `regex`). */
type StringMatchJson = { readonly exact?: unknown; readonly prefix?: unknown; readonly regex?: unknown } | undefined;

/** True if every value `b` matches, `a` matches too. */
function stringImplies(a: StringMatchJson, b: StringMatchJson): boolean {
  if (!a || Object.keys(a).length === 0) return true;
  if (!b) return false;
  if (typeof a.exact === 'string') return b.exact === a.exact;
  if (typeof a.prefix === 'string') {
    const v = typeof b.exact === 'string' ? b.exact : b.prefix;
    return typeof v === 'string' && v.startsWith(a.prefix);
  }
  if (typeof a.regex === 'string') return b.regex === a.regex;
  return false;
}

function mapImplies(a: unknown, b: unknown): boolean {
  const bm = dict(b);
  return Object.entries(dict(a)).every(([k, v]) => stringImplies(v as StringMatchJson, bm[k] as StringMatchJson));
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The match fields this check reads; an earlier match with any other field is taken to match less (never reported). */
const KNOWN = new Set(['name', 'uri', 'method', 'authority', 'scheme', 'headers', 'queryParams', 'withoutHeaders', 'sourceLabels',
  'sourceNamespace', 'port', 'gateways', 'ignoreUriCase']);

/** True if every request that satisfies the match `b` also satisfies the match `a`. */
export function matchImplies(a: Record<string, any>, b: Record<string, any>): boolean {
  if (Object.keys(a).some((k) => !KNOWN.has(k))) return false;
  if (b.ignoreUriCase && !a.ignoreUriCase) return false;
  const gateways = a.gateways === undefined || (b.gateways !== undefined && list(b.gateways).every((g) => list(a.gateways).includes(g)));
  return stringImplies(a.uri, b.uri) && stringImplies(a.method, b.method) && stringImplies(a.authority, b.authority)
    && stringImplies(a.scheme, b.scheme) && mapImplies(a.headers, b.headers) && mapImplies(a.queryParams, b.queryParams)
    && Object.entries(dict(a.withoutHeaders)).every(([k, v]) => same(v, dict(b.withoutHeaders)[k]))
    && Object.entries(dict(a.sourceLabels)).every(([k, v]) => dict(b.sourceLabels)[k] === v)
    && (a.sourceNamespace === undefined || a.sourceNamespace === b.sourceNamespace)
    && (a.port === undefined || a.port === b.port) && gateways;
}

function ruleName(rule: any, i: number): string {
  return rule?.name ? `"${rule.name}"` : `#${i}`;
}

/** The HTTP rules of `vs` an earlier rule shadows, but those in `skip`: each with the first rule that takes its requests. */
export function shadowedRules(vs: Manifest, skip: ReadonlySet<number>): Finding[] {
  const rules: any[] = list(vs.spec?.http);
  const out: Finding[] = [];
  rules.forEach((later, j) => {
    const matches: any[] = list(later?.match).map(dict);
    if (matches.length === 0 || skip.has(j)) return;
    for (let i = 0; i < j; i++) {
      const earlier: any[] = list(rules[i]?.match).map(dict);
      if (earlier.length === 0) continue;
      if (matches.every((b) => earlier.some((a) => matchImplies(a, b)))) {
        out.push(finding(Codes.UNREACHABLE_ROUTE, vs, `spec.http[${j}]`,
          `rule ${ruleName(later, j)} can never match: rule ${ruleName(rules[i], i)} comes first and takes every request it would`));
        return;
      }
    }
  });
  return out;
}
