/**
 * VirtualService delegation: the HTTP rules of a root VirtualService as istiod merges them with its delegates', the
 * rules the proxies are given. A port of istio/istio 1.24.6 pilot/pkg/model/virtualservice.go
 * (`mergeVirtualServicesIfNeeded`, `mergeHTTPRoutes`, `mergeHTTPRoute`, `mergeHTTPMatchRequests`,
 * `mergeHTTPMatchRequest`, `hasConflict`, `stringMatchConflict`), which push_context.go `initVirtualServices` runs after
 * resolving every VirtualService's short names in its own namespace (`resolveVirtualServiceShortnames`).
 * https://istio.io/latest/docs/reference/config/networking/virtual-service/#Delegate
 */
import { Manifest } from '../finding';
import { dict, list, num, obj, str } from '../values';
import { gatewayReference } from './gateway-hosts';
import { resolveShortname } from './hosts';
import { exportToList, visibleTo } from './visibility';
import { namespaceOf } from './workload';

/** One HTTP rule a proxy is given for a VirtualService: one of its own, or a delegate's merged into the rule that delegates. */
export interface HttpRule {
  /** The rule, its destinations' hosts and its matches' gateways resolved in the namespace of the VirtualService that wrote them. */
  readonly rule: Manifest;
  /** The index of the rule in the VirtualService's own `spec.http` (of the delegating rule, for a delegate's). */
  readonly index: number;
  /** The delegate whose rule this is, and its index in the delegate's `spec.http`. */
  readonly delegate?: { readonly virtualService: Manifest; readonly index: number };
}

/** The VirtualServices a delegate can be: those without hosts, by `<namespace>/<name>`. */
export type Delegates = ReadonlyMap<string, Manifest>;

/** The delegates of `virtualServices` (the last of a name wins, as istiod's map assignment does). */
export function delegatesOf(virtualServices: readonly Manifest[]): Map<string, Manifest> {
  const out = new Map<string, Manifest>();
  for (const vs of virtualServices) if (list(vs.spec?.hosts).length === 0) out.set(`${namespaceOf(vs)}/${vs.metadata?.name}`, vs);
  return out;
}

/**
 * The HTTP rules of `vs` as istiod gives them to the proxies. A rule with `delegate` is replaced by the delegate's rules
 * merged with it: the delegate is the VirtualService of that name in `delegate.namespace` (the root's when unset) without
 * hosts, exported to the root's namespace (an unset exportTo is the mesh default `*`); a delegate missing or not exported
 * drops the rule alone. Each delegate rule whose matches conflict with the root rule's is dropped ({@link mergeHttpRule});
 * a request no merged rule matches goes on to the root's next rule. A delegate's own rules with `delegate` are not merged
 * again (the webhook refuses nested delegation).
 */
export function httpRulesOf(vs: Manifest, delegates: Delegates): HttpRule[] {
  const vsNs = namespaceOf(vs);
  const out: HttpRule[] = [];
  list(vs.spec?.http).forEach((rule: Manifest, index: number) => {
    const ref = obj(rule?.delegate);
    const root = resolved(rule ?? {}, vsNs);
    if (!ref) {
      out.push({ rule: root, index });
      return;
    }
    const delegate = delegates.get(`${str(ref.namespace) || vsNs}/${str(ref.name)}`);
    if (!delegate) return;
    if (!visibleTo(exportToList(delegate.spec?.exportTo), namespaceOf(delegate), vsNs)) return;
    list(delegate.spec?.http).forEach((sub: Manifest, i: number) => {
      const merged = mergeHttpRule(root, resolved(sub ?? {}, namespaceOf(delegate)));
      if (merged) out.push({ rule: merged, index, delegate: { virtualService: delegate, index: i } });
    });
  });
  return out;
}

/** The rule with its destinations' hosts and its matches' gateways resolved in `ns` (`resolveVirtualServiceShortnames`). */
function resolved(rule: Manifest, ns: string): Manifest {
  const destination = (d: Manifest | undefined) => (obj(d) ? { ...d, host: resolveShortname(str(d!.host), ns) } : d);
  const gateways = (m: Manifest) => (Array.isArray(m?.gateways)
    ? { ...m, gateways: m.gateways.map((g: unknown) => gatewayReference(String(g), ns)) } : m);
  return {
    ...rule,
    match: rule.match === undefined ? undefined : list(rule.match).map(gateways),
    route: rule.route === undefined ? undefined : list(rule.route).map((w: Manifest) => ({ ...w, destination: destination(w?.destination) })),
    mirror: destination(rule.mirror),
    mirrors: rule.mirrors === undefined ? undefined : list(rule.mirrors).map((w: Manifest) => ({ ...w, destination: destination(w?.destination) })),
  };
}

/** Fields a delegate rule takes from the root rule when it leaves them unset (`mergeHTTPRoute`). */
const INHERITED = ['rewrite', 'directResponse', 'timeout', 'retries', 'fault', 'mirror', 'mirrorPercent', 'mirrorPercentage', 'corsPolicy',
  'mirrors', 'headers'] as const;

/**
 * A delegate's rule merged with the root rule that delegates to it (`mergeHTTPRoute`), or undefined when their matches
 * conflict: the matches merged ({@link mergeMatches}), the name `<root>-<delegate>`, and each of {@link INHERITED} the
 * delegate leaves unset taken from the root. The delegate's own settings win; `redirect` and `route` are the delegate's.
 */
export function mergeHttpRule(root: Manifest, delegate: Manifest): Manifest | undefined {
  const match = mergeMatches(list(root.match), list(delegate.match));
  if (match === undefined) return undefined;
  const out: Manifest = { ...delegate, match: match.length > 0 ? match : undefined, delegate: undefined };
  const rootName = str(root.name);
  out.name = str(delegate.name) === '' ? root.name : rootName !== '' ? `${rootName}-${delegate.name}` : delegate.name;
  for (const field of INHERITED) if (out[field] === undefined || out[field] === null) out[field] = root[field];
  return out;
}

/**
 * The matches of a delegate rule merged with the root rule's (`mergeHTTPMatchRequests`), or undefined on a conflict: with
 * none on one side, the other's; else each delegate match merged with every root match it does not conflict with
 * ({@link matchesConflict}), a delegate match that conflicts with all of them dropping the whole rule.
 */
export function mergeMatches(root: readonly Manifest[], delegate: readonly Manifest[]): Manifest[] | undefined {
  if (root.length === 0) return [...delegate];
  if (delegate.length === 0) return [...root];
  const out: Manifest[] = [];
  for (const sub of delegate) {
    const compatible = root.filter((r) => !matchesConflict(r ?? {}, sub ?? {}));
    if (compatible.length === 0) return undefined;
    for (const r of compatible) out.push(mergeMatch(r ?? {}, sub ?? {}));
  }
  return out.length > 0 ? out : undefined;
}

/** A delegate match completed by a root match (`mergeHTTPMatchRequest`): the delegate's conditions, the root's where it sets none. */
function mergeMatch(root: Manifest, delegate: Manifest): Manifest {
  const out: Manifest = { ...delegate };
  const rootName = str(root.name);
  out.name = str(delegate.name) === '' ? root.name : rootName !== '' ? `${rootName}-${delegate.name}` : delegate.name;
  for (const field of ['uri', 'scheme', 'method', 'authority'] as const) if (!obj(out[field])) out[field] = root[field];
  for (const field of ['headers', 'withoutHeaders', 'queryParams', 'sourceLabels'] as const) {
    const merged = { ...dict(root[field]), ...dict(delegate[field]) };
    out[field] = Object.keys(merged).length > 0 ? merged : undefined;
  }
  if (num(out.port) === 0) out.port = root.port;
  if (str(out.sourceNamespace) === '') out.sourceNamespace = root.sourceNamespace;
  if (list(out.gateways).length === 0) out.gateways = root.gateways;
  if (str(out.statPrefix) === '') out.statPrefix = root.statPrefix;
  return out;
}

/**
 * Whether a delegate match asks for what the root match excludes (`hasConflict`): a string condition the root's does not
 * cover ({@link stringMatchConflict}) on uri, scheme, method, authority or a header, withoutHeader or query parameter the
 * delegate names; a different ignoreUriCase; two different ports; a sourceNamespace other than the root's; a source
 * label of another value; gateways the root's do not include.
 */
export function matchesConflict(root: Manifest, leaf: Manifest): boolean {
  for (const field of ['uri', 'scheme', 'method', 'authority'] as const) if (stringMatchConflict(obj(root[field]), obj(leaf[field]))) return true;
  for (const field of ['headers', 'withoutHeaders', 'queryParams'] as const) {
    for (const [key, value] of Object.entries(dict(leaf[field]))) if (stringMatchConflict(obj(dict(root[field])[key]), obj(value))) return true;
  }
  if ((root.ignoreUriCase === true) !== (leaf.ignoreUriCase === true)) return true;
  if (num(root.port) > 0 && num(leaf.port) > 0 && num(root.port) !== num(leaf.port)) return true;
  if (str(root.sourceNamespace) !== '' && str(leaf.sourceNamespace) !== str(root.sourceNamespace)) return true;
  const rootLabels = dict(root.sourceLabels);
  for (const [key, value] of Object.entries(dict(leaf.sourceLabels))) if (key in rootLabels && rootLabels[key] !== value) return true;
  const rootGateways = list(root.gateways).map(String);
  const leafGateways = list(leaf.gateways).map(String);
  if (rootGateways.length > 0 && leafGateways.length > 0) {
    if (rootGateways.length < leafGateways.length || leafGateways.some((g) => !rootGateways.includes(g))) return true;
  }
  return false;
}

/**
 * Whether a delegate's StringMatch asks for what the root's excludes (`stringMatchConflict`): none when either is unset; a
 * regex on either side against anything set on the other; under a root exact, anything but the same exact; under a
 * root prefix, a prefix or exact not starting with it; anything else (a root regex against a regex, an empty match) conflicts.
 */
export function stringMatchConflict(root: Manifest | undefined, leaf: Manifest | undefined): boolean {
  if (!root || !leaf) return false;
  const [rootExact, rootPrefix, rootRegex] = [str(root.exact), str(root.prefix), str(root.regex)];
  const [leafExact, leafPrefix, leafRegex] = [str(leaf.exact), str(leaf.prefix), str(leaf.regex)];
  if (rootRegex !== '' && (leafRegex !== '' || leafPrefix !== '' || leafExact !== '')) return true;
  if (leafRegex !== '' && (rootRegex !== '' || rootPrefix !== '' || rootExact !== '')) return true;
  if (rootExact !== '') return leafPrefix !== '' || leafExact !== rootExact;
  if (rootPrefix !== '') {
    if (leafPrefix !== '') return !leafPrefix.startsWith(rootPrefix);
    if (leafExact !== '') return !leafExact.startsWith(rootPrefix);
  }
  return true;
}
