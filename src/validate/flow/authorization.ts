/**
 * Istio AuthorizationPolicy at a destination workload.
 * https://istio.io/latest/docs/reference/config/security/authorization-policy/
 * https://istio.io/latest/docs/concepts/security/#authorization-policies
 */
import { Manifest } from '../finding';
import { inCidr } from '../../core/cidr';
import { ClusterMemo, FlowCluster, FlowPod, nsOf } from './cluster';
import { list } from '../values';

/** The attributes of a request as the destination's proxy sees them. */
export interface AuthzRequest {
  /** The peer's mTLS identity; undefined for a plaintext connection. */
  readonly principal?: string;
  /** The peer's namespace (from its principal); undefined for a plaintext connection. */
  readonly namespace?: string;
  readonly requestPrincipal?: string;
  readonly claims?: Readonly<Record<string, string | readonly string[]>>;
  readonly method: string;
  readonly path: string;
  /** The `:authority` (Host header) as the client sent it, its port included ({@link requestAuthority}). */
  readonly host: string;
  /** The destination (container) port. */
  readonly port: number;
  readonly headers: Readonly<Record<string, string>>;
  /** True for a TCP connection: HTTP-only fields cannot be checked. */
  readonly tcp: boolean;
  readonly sourceAddresses: readonly string[];
  /**
   * The server name of the connection's TLS, `connection.sni`: the client's TLS the proxy terminates or passes through,
   * or the mTLS of a sidecar that names it (a call through the egress gateway); undefined for plaintext.
   */
  readonly sni?: string;
}

/** What the policies decide. */
export interface AuthzDecision {
  readonly allowed: boolean;
  readonly policy?: Manifest;
  readonly reason: string;
}

/**
 * The policies that apply to `pod`: its namespace's policies whose selector matches it
 * or that have none, and the root namespace's (mesh-wide when selector-less; "a policy
 * in the root namespace with a selector applies to matching workloads in all
 * namespaces"). Policies with targetRef(s) attach to gateways and waypoints, not sidecars.
 */
export function policiesFor(cluster: FlowCluster, pod: FlowPod): readonly Manifest[] {
  return byAction(cluster, pod).all;
}

/** The policies that apply to each pod, and those of each action, worked out once per run. */
const applying = new ClusterMemo(() => new Map<FlowPod, PodPolicies>());

interface PodPolicies {
  /** Every policy that applies, the root namespace's first. */
  readonly all: readonly Manifest[];
  readonly CUSTOM: readonly Manifest[];
  readonly DENY: readonly Manifest[];
  readonly ALLOW: readonly Manifest[];
}

const applies = (p: Manifest) => !p.spec?.targetRef && !(p.spec?.targetRefs?.length > 0);
const selectorOf = (p: Manifest) => (p.spec?.selector ? { matchLabels: p.spec.selector.matchLabels ?? {} } : undefined);

function byAction(cluster: FlowCluster, pod: FlowPod): PodPolicies {
  const memo = applying.of(cluster);
  let out = memo.get(pod);
  if (!out) {
    const own = cluster.selecting('AuthorizationPolicy', pod.namespace, pod.labels, selectorOf).filter(applies);
    const root =
      pod.namespace === cluster.rootNamespace
        ? []
        : cluster.selecting('AuthorizationPolicy', cluster.rootNamespace, pod.labels, selectorOf).filter(applies);
    const all = [...root, ...own];
    const of = (action: string) => all.filter((p) => String(p.spec?.action ?? 'ALLOW') === action);
    out = { all, CUSTOM: of('CUSTOM'), DENY: of('DENY'), ALLOW: of('ALLOW') };
    memo.set(pod, out);
  }
  return out;
}

/**
 * Istio's string match for principals, namespaces, hosts, methods and `when` values:
 * exact, `prefix*`, `*suffix`, and `*` for any non-empty value.
 */
export function stringMatches(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (pattern === '*') return value !== '';
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  return pattern === value;
}

/**
 * Istio's path match: exact, `prefix*`, `*suffix`, `*`, and templates where `{*}`
 * matches one path segment and `{**}` (last) matches the rest of the path.
 * The query string is not part of the path.
 */
export function pathMatches(pattern: string, rawPath: string | undefined): boolean {
  if (rawPath === undefined) return false;
  const path = rawPath.split('?')[0];
  if (pattern.includes('{*}') || pattern.includes('{**}')) {
    const re = pattern
      .split('/')
      .map((seg) => (seg === '{*}' ? '[^/]+' : seg === '{**}' ? '.*' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/');
    return new RegExp(`^${re}$`).test(path);
  }
  return stringMatches(pattern, path);
}

function anyOf(patterns: unknown, value: string | undefined, match = stringMatches): boolean {
  return (patterns as string[]).some((p) => match(String(p), value));
}

/**
 * A field of a source or operation: absent, or one of its values matches, and none of
 * the `not` ones does (a missing value matches no pattern, so `notPrincipals: ["*"]`
 * matches a plaintext peer).
 */
function field(spec: Manifest, name: string, notName: string, value: string | undefined, match = stringMatches): boolean {
  const pos = spec[name];
  const neg = spec[notName];
  if (Array.isArray(pos) && pos.length > 0 && !anyOf(pos, value, match)) return false;
  if (Array.isArray(neg) && neg.length > 0 && value !== undefined && anyOf(neg, value, match)) return false;
  return true;
}

const HTTP_SOURCE_FIELDS = ['requestPrincipals', 'notRequestPrincipals'];
const HTTP_OPERATION_FIELDS = ['hosts', 'notHosts', 'methods', 'notMethods', 'paths', 'notPaths'];

/** True if a rule contains fields only an HTTP request has. */
function httpOnly(rule: Manifest): boolean {
  const from = list(rule.from).some((f: Manifest) => HTTP_SOURCE_FIELDS.some((k) => f.source?.[k]));
  const to = list(rule.to).some((t: Manifest) => HTTP_OPERATION_FIELDS.some((k) => t.operation?.[k]));
  const when = list(rule.when).some((w: Manifest) => String(w.key).startsWith('request.'));
  return from || to || when;
}

function sourceMatches(source: Manifest, r: AuthzRequest, ignoreHttp: boolean): boolean {
  if (!field(source, 'principals', 'notPrincipals', r.principal)) return false;
  if (!field(source, 'namespaces', 'notNamespaces', r.namespace)) return false;
  if (!ignoreHttp && !field(source, 'requestPrincipals', 'notRequestPrincipals', r.requestPrincipal)) return false;
  const ipMatch = (cidr: string, ip: string | undefined) =>
    ip !== undefined && inCidr(ip, cidr.includes('/') ? cidr : `${cidr}/${cidr.includes(':') ? 128 : 32}`);
  for (const [pos, neg] of [['ipBlocks', 'notIpBlocks'], ['remoteIpBlocks', 'notRemoteIpBlocks']]) {
    if (source[pos]?.length > 0 && !r.sourceAddresses.some((ip) => anyOf(source[pos], ip, ipMatch))) return false;
    if (source[neg]?.length > 0 && r.sourceAddresses.some((ip) => anyOf(source[neg], ip, ipMatch))) return false;
  }
  return true;
}

/**
 * Istio's match of an operation's `hosts`: the whole `:authority` the client sent, its port included, exact, `prefix*` or
 * `*suffix`, case-insensitive (pilot/pkg/security/authz/matcher/header.go `HostMatcher`, 1.24.6; no port is stripped, so
 * `hosts: [b]` does not match `b:8080`, which Istio's security best practices answer with `b:*`).
 */
function hostMatch(pattern: string, authority: string | undefined): boolean {
  return authority !== undefined && stringMatches(pattern.toLowerCase(), authority.toLowerCase());
}

/**
 * The `:authority` (Host header) a client sends for `flow`: the flow's own `host` header where it sets one, else its host,
 * with the port unless the port is its scheme's default (RFC 9110 §7.2: "the port subcomponent ... [is] omitted if the
 * port is the default for the target URI's scheme"): 443 for a request the client encrypts (HTTPS, which a gateway
 * terminates), 80 otherwise. gRPC clients send the dial target, `host:port`, the same.
 */
export function requestAuthority(flow: { readonly host: string; readonly port: number; readonly protocol?: string;
  readonly headers?: Readonly<Record<string, string>>; }): string {
  const given = flow.headers?.host ?? flow.headers?.[':authority'];
  if (given !== undefined) return given;
  const defaultPort = flow.protocol === 'HTTPS' || flow.protocol === 'TLS' ? 443 : 80;
  return flow.port === defaultPort ? flow.host : `${flow.host}:${flow.port}`;
}

function operationMatches(op: Manifest, r: AuthzRequest, ignoreHttp: boolean): boolean {
  if (!field(op, 'ports', 'notPorts', String(r.port))) return false;
  if (ignoreHttp) return true;
  return field(op, 'hosts', 'notHosts', r.host, hostMatch)
    && field(op, 'methods', 'notMethods', r.method)
    && field(op, 'paths', 'notPaths', r.path, pathMatches);
}

/** The value of a `when` key for `r`; undefined when the request has none. */
function conditionValues(key: string, r: AuthzRequest): string[] | undefined {
  const claim = /^request\.auth\.claims\[([^\]]+)\]$/.exec(key);
  if (claim) {
    const v = r.claims?.[claim[1]];
    return v === undefined ? undefined : (Array.isArray(v) ? v.map(String) : [String(v)]);
  }
  const header = /^request\.headers\[([^\]]+)\]$/.exec(key);
  if (header) {
    const v = r.headers[header[1].toLowerCase()];
    return v === undefined ? undefined : [v];
  }
  switch (key) {
    case 'source.namespace': return r.namespace === undefined ? undefined : [r.namespace];
    case 'source.principal': return r.principal === undefined ? undefined : [r.principal];
    case 'request.auth.principal': return r.requestPrincipal === undefined ? undefined : [r.requestPrincipal];
    case 'request.auth.audiences': return conditionValues('request.auth.claims[aud]', r);
    case 'request.auth.presenter': return conditionValues('request.auth.claims[azp]', r);
    case 'destination.port': return [String(r.port)];
    // The TLS server name, a connection attribute (Envoy's `requested_server_name`), read on TCP listeners too.
    case 'connection.sni': return r.sni === undefined || r.sni === '' ? undefined : [r.sni];
    case 'source.ip': case 'remote.ip': return r.sourceAddresses.length > 0 ? [...r.sourceAddresses] : undefined;
    default: return undefined;
  }
}

/**
 * A `when` condition: one of `values` matches a value of the key, and no `notValues` does. A request without the key (no such
 * claim or header) matches no `values` and satisfies `notValues`: Istio compiles `notValues` to the negation of the values'
 * matchers (istio/istio pilot/pkg/security/authz/model/model.go, `principalNot(principalOr(...))`), and a matcher of an absent
 * claim or header is false.
 */
function conditionMatches(c: Manifest, r: AuthzRequest, ignoreHttp: boolean): boolean {
  if (ignoreHttp && String(c.key).startsWith('request.')) return true;
  const values = conditionValues(String(c.key), r);
  const ipKey = c.key === 'source.ip' || c.key === 'remote.ip';
  const m = (p: string, v: string) => ipKey ? inCidr(v, p.includes('/') ? p : `${p}/32`) : stringMatches(p, v);
  if (c.values?.length > 0 && !(values ?? []).some((v) => (c.values as string[]).some((p) => m(String(p), v)))) return false;
  if (c.notValues?.length > 0 && (values ?? []).some((v) => (c.notValues as string[]).some((p) => m(String(p), v)))) return false;
  return true;
}

/**
 * True if `rule` matches: every present part (from, to, when) matches; in `from` and
 * `to` one element suffices and the fields of an element must all match (AND). An empty
 * rule matches everything. On a TCP connection a rule with HTTP-only fields never
 * matches in an ALLOW policy, and those fields are ignored in a DENY policy (both make
 * the policy stricter). https://istio.io/latest/docs/ops/configuration/security/authz-tcp/
 */
export function ruleMatches(rule: Manifest, r: AuthzRequest, action: string): boolean {
  const http = httpOnly(rule);
  if (r.tcp && http && action !== 'DENY') return false;
  const ignoreHttp = r.tcp && action === 'DENY';
  if (Array.isArray(rule.from) && rule.from.length > 0 && !rule.from.some((f: Manifest) => sourceMatches(f.source ?? {}, r, ignoreHttp)))
    return false;
  if (Array.isArray(rule.to) && rule.to.length > 0 && !rule.to.some((t: Manifest) => operationMatches(t.operation ?? {}, r, ignoreHttp)))
    return false;
  return list(rule.when).every((c: Manifest) => conditionMatches(c, r, ignoreHttp));
}

/** True if some rule of `policy` matches (a policy without rules matches nothing). */
export function policyMatches(policy: Manifest, r: AuthzRequest): boolean {
  const action = String(policy.spec?.action ?? 'ALLOW');
  return (policy.spec?.rules ?? []).some((rule: Manifest) => ruleMatches(rule ?? {}, r, action));
}

const name = (p: Manifest) => `AuthorizationPolicy ${nsOf(p)}/${p.metadata?.name}`;

/**
 * The verdict of the policies on `pod` for `r`, in Istio's order: a matching CUSTOM
 * policy asks its external authorizer; then any matching DENY denies; with no ALLOW
 * policy the request is allowed; else it is allowed only if an ALLOW policy matches.
 * AUDIT policies do not decide. https://istio.io/latest/docs/concepts/security/#implicit-enablement
 */
export function authorizationDecision(cluster: FlowCluster, pod: FlowPod, r: AuthzRequest): AuthzDecision {
  const policies = byAction(cluster, pod);
  for (const p of policies.CUSTOM) {
    if (policyMatches(p, r) && cluster.externalAuthorizer === 'deny') {
      return { allowed: false, policy: p, reason: `${name(p)} (CUSTOM) sends the request to its external authorizer, which denies it` };
    }
  }
  for (const p of policies.DENY) {
    if (policyMatches(p, r)) return { allowed: false, policy: p, reason: `${name(p)} (DENY) matches the request` };
  }
  const allows = policies.ALLOW;
  if (allows.length === 0) return { allowed: true, reason: `no ALLOW policy applies to ${pod.name}` };
  const admitting = allows.find((p) => policyMatches(p, r));
  if (admitting) return { allowed: true, policy: admitting, reason: `${name(admitting)} allows the request` };
  const decider = allows.find((p) => p.spec?.selector) ?? allows[0];
  return {
    allowed: false,
    policy: decider,
    reason: `no ALLOW policy of ${pod.name} matches ${r.tcp ? 'the connection' : `${r.method} ${r.path}`} from `
      + `${r.principal ?? 'a plaintext peer'}${r.requestPrincipal ? ` with token ${r.requestPrincipal}` : ''} `
        + `(${allows.map((p) => `${nsOf(p)}/${p.metadata?.name}`).join(', ')})`,
  };
}
