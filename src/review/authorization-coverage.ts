/**
 * Whether what an AuthorizationPolicy rule grants after a change lies within what it granted before:
 * a rule set the removed rules cover is a narrowing, not a widening, however its words differ
 * (`any request` → `any method /api/*`). Judged on the operation's fields with Istio's matching,
 * never on the strings that describe them.
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Operation
 */
import { pathsOverlap } from '../core/authorization';
import { pathMatches, stringMatches } from '../validate/flow/authorization';

/** One method and one path of a rule's operation, with the fields that further restrict it. */
export interface GrantedOperation {
  /** How the review states it: `any request`, `GET /api/*`, `any method any path port 8080 when ...`. */
  readonly label: string;
  /** The method pattern; undefined for any method. */
  readonly method?: string;
  /** The path pattern; undefined for any path. */
  readonly path?: string;
  readonly notMethods: readonly string[];
  readonly notPaths: readonly string[];
  readonly ports: readonly string[];
  readonly notPorts: readonly string[];
  readonly hosts: readonly string[];
  readonly notHosts: readonly string[];
  /** The rule's `when` conditions, each as one canonical string (they all must hold). */
  readonly when: readonly string[];
  /** False for a rule without `to`: it also matches TCP connections, which HTTP fields never do in ALLOW. */
  readonly httpOnly: boolean;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

/** The canonical string of a `when` condition: key, sorted values and sorted notValues. */
export function conditionKey(w: Record<string, any>): string {
  return JSON.stringify([String(w.key), strings(w.values).sort(), strings(w.notValues).sort()]);
}

/** The operations of one rule, one per method and path (a rule without `to` grants any request). */
export function operationsOfRule(rule: Record<string, any>): GrantedOperation[] {
  const conditions: Record<string, any>[] = rule.when ?? [];
  const when = conditions.map(conditionKey).sort();
  const httpWhen = conditions.some((w) => String(w.key).startsWith('request.'));
  const whenLabel = conditions.map((w) => ` when ${w.key} in [${strings(w.values).join(', ')}]`).join('');
  const tos: any[] = rule.to ?? [];
  const none = { notMethods: [], notPaths: [], ports: [], notPorts: [], hosts: [], notHosts: [] };
  if (tos.length === 0) return [{ label: `any request${whenLabel}`, ...none, when, httpOnly: httpWhen }];
  const out: GrantedOperation[] = [];
  for (const to of tos) {
    const op = to.operation ?? {};
    const fields = {
      notMethods: strings(op.notMethods), notPaths: strings(op.notPaths), ports: strings(op.ports), notPorts: strings(op.notPorts),
      hosts: strings(op.hosts).map((h) => h.toLowerCase()), notHosts: strings(op.notHosts).map((h) => h.toLowerCase()),
    };
    const http = httpWhen || ['methods', 'notMethods', 'paths', 'notPaths', 'hosts', 'notHosts'].some((k) => strings(op[k]).length > 0);
    const extra = [
      ...fields.ports.map((p) => `port ${p}`), ...strings(op.hosts).map((h) => `host ${h}`),
      ...fields.notMethods.map((m) => `not ${m}`), ...fields.notPaths.map((p) => `not ${p}`),
    ];
    const methods: (string | undefined)[] = strings(op.methods).length > 0 ? strings(op.methods) : [undefined];
    const paths: (string | undefined)[] = strings(op.paths).length > 0 ? strings(op.paths) : [undefined];
    for (const method of methods) {
      for (const path of paths) {
        const words = [method ?? 'any method', path ?? (method ? '' : 'any path'), ...extra].filter((w) => w).join(' ');
        out.push({ label: `${words}${whenLabel}`, method, path, ...fields, when, httpOnly: http });
      }
    }
  }
  return out;
}

/**
 * True if every value `inner` matches, `outer` matches too, for Istio's string match (exact,
 * `prefix*`, `*suffix`, `*`: validate/flow/authorization `stringMatches`, after
 * https://github.com/istio/istio/blob/1.24.6/pilot/pkg/security/authz/matcher/string.go `StringMatcher`).
 */
export function stringPatternCovers(outer: string, inner: string): boolean {
  if (outer === inner || outer === '*') return true;
  const wild = (p: string) => p.startsWith('*') || p.endsWith('*');
  if (!wild(inner)) return stringMatches(outer, inner);
  if (inner === '*') return false;
  if (outer.endsWith('*') && inner.endsWith('*')) return inner.startsWith(outer.slice(0, -1));
  if (outer.startsWith('*') && inner.startsWith('*')) return inner.endsWith(outer.slice(1));
  return false;
}

const isTemplate = (p: string) => p.includes('{*}') || p.includes('{**}');

/**
 * True if every request path `inner` matches, `outer` matches too, for Istio's path match (exact,
 * prefix, suffix, `*`, and the `{*}`/`{**}` templates: validate/flow/authorization `pathMatches`, after
 * https://github.com/istio/istio/blob/1.24.6/pilot/pkg/security/authz/matcher/string.go `StringMatcherWithPrefix` and
 * matcher/template.go `PathTemplateMatcher`, Envoy's uri_template). A template is
 * only known to be covered by itself or by a pattern that covers its literal head.
 */
export function pathPatternCovers(outer: string, inner: string): boolean {
  if (outer === inner || outer === '*') return true;
  if (isTemplate(inner)) {
    const head = inner.slice(0, inner.indexOf('{'));
    return outer.endsWith('*') && !outer.startsWith('*') && !isTemplate(outer) && head.startsWith(outer.slice(0, -1));
  }
  const wild = inner.startsWith('*') || inner.endsWith('*');
  if (!wild) return pathMatches(outer, inner);
  return !isTemplate(outer) && stringPatternCovers(outer, inner);
}

/** Every value of `inner` lies within `outer`; an empty list is any value. */
function listCovers(outer: readonly string[], inner: readonly string[], covers: (o: string, i: string) => boolean): boolean {
  if (outer.length === 0) return true;
  return inner.length > 0 && inner.every((i) => outer.some((o) => covers(o, i)));
}

/** Every exclusion of `outer` also excludes what `inner` admits: `inner` states it, or admits nothing it could hit. */
function exclusionsHeld(
  outerNot: readonly string[], innerNot: readonly string[], innerValue: string | undefined, overlaps: (a: string, b: string) => boolean,
): boolean {
  return outerNot.every((n) => innerNot.includes(n) || (innerValue !== undefined && !overlaps(n, innerValue)));
}

const methodOverlaps = (a: string, b: string) => stringMatches(a, b) || stringMatches(b, a) || (a.includes('*') && b.includes('*'));
const pathOverlaps = (a: string, b: string) => isTemplate(a) || isTemplate(b) || pathsOverlap(a, b);

/** True if every request `inner` matches, `outer` matches too. */
export function operationCovers(outer: GrantedOperation, inner: GrantedOperation): boolean {
  if (outer.httpOnly && !inner.httpOnly) return false;
  if (outer.method !== undefined && (inner.method === undefined || !stringPatternCovers(outer.method, inner.method))) return false;
  if (outer.path !== undefined && (inner.path === undefined || !pathPatternCovers(outer.path, inner.path))) return false;
  if (!exclusionsHeld(outer.notMethods, inner.notMethods, inner.method, methodOverlaps)) return false;
  if (!exclusionsHeld(outer.notPaths, inner.notPaths, inner.path, pathOverlaps)) return false;
  if (!listCovers(outer.ports, inner.ports, (o, i) => o === i)) return false;
  if (!outer.notPorts.every((n) => inner.notPorts.includes(n) || (inner.ports.length > 0 && !inner.ports.includes(n)))) return false;
  if (!listCovers(outer.hosts, inner.hosts, stringPatternCovers)) return false;
  if (!outer.notHosts.every((n) => inner.notHosts.includes(n))) return false;
  return outer.when.every((w) => inner.when.includes(w));
}

/** True if some operation of `outer` covers `inner`. */
export function coveredBy(inner: GrantedOperation, outer: Iterable<GrantedOperation>): boolean {
  for (const o of outer) if (operationCovers(o, inner)) return true;
  return false;
}
