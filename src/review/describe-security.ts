import { at, LeafChange, show } from '../private/flatten';
import { coveredBy, GrantedOperation, operationsOfRule } from './authorization-coverage';
import { DescribeContext, ChangeNote } from './change-note';

/** mTLS modes from weakest to strongest; UNSET inherits, which may be PERMISSIVE. */
const MTLS_RANK: Record<string, number> = { DISABLE: 0, UNSET: 1, PERMISSIVE: 2, STRICT: 3 };

function mtlsDowngrade(before: string, after: string): boolean {
  return (MTLS_RANK[after] ?? 1) < (MTLS_RANK[before] ?? 1);
}

/**
 * PeerAuthentication: the workload's or namespace's mTLS mode and each port's,
 * `PeerAuthentication default: STRICT → PERMISSIVE`, weaker modes flagged.
 * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
 */
export function describePeerAuthentication(before: Record<string, any> | undefined, after: Record<string, any> | undefined): ChangeNote[] {
  const name = (after ?? before)!.metadata?.name;
  const mode = (m: Record<string, any> | undefined): string => (m ? at(m, 'spec.mtls.mode') ?? 'UNSET' : 'UNSET');
  const out: ChangeNote[] = [];
  const a = mode(before);
  const b = mode(after);
  if (!before) {
    out.push({ message: `PeerAuthentication ${name}: new, mTLS ${b}`, downgrade: b === 'PERMISSIVE' || b === 'DISABLE' });
  } else if (!after) {
    out.push({ message: `PeerAuthentication ${name}: removed (was mTLS ${a}), the mesh-wide mode applies`, downgrade: a === 'STRICT' });
  } else if (a !== b) {
    const down = mtlsDowngrade(a, b);
    out.push({ message: `PeerAuthentication ${name}: ${a} → ${b}`, downgrade: down });
  }
  const ports = (m: Record<string, any> | undefined): Record<string, string> =>
    Object.fromEntries(Object.entries(at(m, 'spec.portLevelMtls') ?? {}).map(([p, v]) => [p, (v as any)?.mode ?? 'UNSET']));
  const pa = ports(before);
  const pb = ports(after);
  for (const port of [...new Set([...Object.keys(pa), ...Object.keys(pb)])].sort((x, y) => Number(x) - Number(y))) {
    const x = pa[port] ?? `${a} (inherited)`;
    const y = pb[port] ?? `${b} (inherited)`;
    if (pa[port] === pb[port]) continue;
    const down = mtlsDowngrade(pa[port] ?? a, pb[port] ?? b);
    out.push({ message: `PeerAuthentication ${name}: port ${port} ${x} → ${y}`, downgrade: down });
  }
  return out;
}

/** Who may call, as `caller → operation label → operation`, per action. */
type Grants = Map<string, Map<string, Map<string, GrantedOperation>>>;

/** The short name of a principal: the ServiceAccount when it is in `namespace`, else `ns/sa`. */
export function callerName(principal: string, namespace: string | undefined): string {
  const m = /^(?:[^/]+\/)?ns\/([^/]+)\/sa\/([^/]+)$/.exec(principal);
  if (!m) return principal;
  return m[1] === namespace ? m[2] : `${m[1]}/${m[2]}`;
}

function callersOf(rule: Record<string, any>, namespace: string | undefined): string[] {
  const froms: any[] = rule.from ?? [];
  if (froms.length === 0) return ['any caller'];
  const out: string[] = [];
  for (const f of froms) {
    const s = f.source ?? {};
    for (const p of s.principals ?? []) out.push(callerName(p, namespace));
    for (const n of s.namespaces ?? []) out.push(`namespace ${n}`);
    for (const r of s.requestPrincipals ?? []) out.push(`request principal ${r}`);
    for (const b of s.ipBlocks ?? []) out.push(`ip ${b}`);
    for (const p of s.notPrincipals ?? []) out.push(`any caller but ${callerName(p, namespace)}`);
    for (const n of s.notNamespaces ?? []) out.push(`any caller outside namespace ${n}`);
    if (Object.keys(s).length === 0) out.push('any caller');
  }
  return out;
}

/** Every (action, caller, operation) an AuthorizationPolicy grants. */
export function grantsOf(policy: Record<string, any> | undefined): Grants {
  const grants: Grants = new Map();
  if (!policy) return grants;
  const action = policy.spec?.action ?? 'ALLOW';
  const ns = policy.metadata?.namespace;
  for (const rule of policy.spec?.rules ?? []) {
    for (const caller of callersOf(rule ?? {}, ns)) {
      const byCaller = grants.get(action) ?? new Map<string, Map<string, GrantedOperation>>();
      grants.set(action, byCaller);
      const ops = byCaller.get(caller) ?? new Map<string, GrantedOperation>();
      byCaller.set(caller, ops);
      for (const op of operationsOfRule(rule ?? {})) if (!ops.has(op.label)) ops.set(op.label, op);
    }
  }
  return grants;
}

/** The workload an AuthorizationPolicy or PeerAuthentication selects, `app=payment-service`, or `namespace-wide`. */
export function selectorOf(m: Record<string, any> | undefined): string {
  const labels: Record<string, string> | undefined = at(m, 'spec.selector.matchLabels');
  if (!labels || Object.keys(labels).length === 0) return 'namespace-wide';
  return Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(',');
}

type CallerGrants = Map<string, Map<string, GrantedOperation>>;

/** What `caller` was granted in `grants`, with what any caller was. */
function grantedTo(grants: CallerGrants, caller: string): GrantedOperation[] {
  return [...(grants.get(caller)?.values() ?? []), ...(caller === 'any caller' ? [] : grants.get('any caller')?.values() ?? [])];
}

/**
 * One caller's change under one action. An ALLOW grant widens only where no grant before covers it
 * (the same caller's or any caller's, judged on the operations: `any request` covers `GET /api/*`);
 * a DENY (or other) rule weakens only where no rule after still covers what it matched.
 */
function describeCaller(head: string, action: string, caller: string, a: CallerGrants, b: CallerGrants): ChangeNote[] {
  const verb = action === 'ALLOW' ? 'caller' : `${action} for`;
  const x = a.get(caller) ?? new Map<string, GrantedOperation>();
  const y = b.get(caller) ?? new Map<string, GrantedOperation>();
  const added = [...y.keys()].filter((o) => !x.has(o)).sort();
  const removed = [...x.keys()].filter((o) => !y.has(o)).sort();
  const widened = action === 'ALLOW'
    ? added.filter((o) => !coveredBy(y.get(o)!, grantedTo(a, caller)))
    : removed.filter((o) => !coveredBy(x.get(o)!, grantedTo(b, caller)));
  const down = widened.length > 0 && (action !== 'ALLOW' || caller.startsWith('any caller') || widened.some((o) => o.startsWith('any')));
  if (x.size === 0) return [{ message: `${head}: new ${verb} ${caller} ${added.join(', ')}`, downgrade: down }];
  if (y.size === 0) return [{ message: `${head}: removed ${verb} ${caller} (was ${removed.join(', ')})`, downgrade: down }];
  if (added.length + removed.length === 0) return [];
  if (action === 'ALLOW' && added.length > 0 && removed.length > 0 && widened.length === 0) {
    return [{ message: `${head}: ${verb} ${caller} narrowed from ${removed.join(', ')} to ${added.join(', ')}`, downgrade: false }];
  }
  const parts = [added.length ? `now also ${added.join(', ')}` : '', removed.length ? `no longer ${removed.join(', ')}` : ''];
  return [{ message: `${head}: ${verb} ${caller} ${parts.filter((s) => s).join('; ')}`, downgrade: down }];
}

/**
 * AuthorizationPolicy: callers and what they may do, per action:
 * `payment-service AuthorizationPolicy: new caller user-service POST /api/payments/*`.
 * Allowing any caller, dropping a DENY, and removing the last ALLOW policy of a workload
 * (which then accepts every caller) are flagged.
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 */
export function describeAuthorizationPolicy(
  before: Record<string, any> | undefined, after: Record<string, any> | undefined, context: DescribeContext,
): ChangeNote[] {
  const m = (after ?? before)!;
  const head = `${m.metadata?.name} AuthorizationPolicy`;
  const out: ChangeNote[] = [];
  const actionOf = (p: Record<string, any> | undefined) => p?.spec?.action ?? 'ALLOW';
  if (before && after && actionOf(before) !== actionOf(after)) {
    out.push({ message: `${head}: action ${actionOf(before)} → ${actionOf(after)}`, downgrade: actionOf(before) === 'DENY' });
  }
  if (before && after && selectorOf(before) !== selectorOf(after)) {
    out.push({ message: `${head}: selects ${selectorOf(before)} → ${selectorOf(after)}` });
  }
  const isAllowNothing = (p: Record<string, any> | undefined) => !!p && actionOf(p) === 'ALLOW' && (p.spec?.rules ?? []).length === 0;
  if (!before && isAllowNothing(after)) out.push({ message: `${head}: new, allows nothing (${selectorOf(after)})` });
  if (!after && isAllowNothing(before)) {
    out.push({ message: `${head}: removed the allow-nothing baseline (${selectorOf(before)})`, downgrade: true });
  }
  const ga = grantsOf(before);
  const gb = grantsOf(after);
  for (const action of [...new Set([...ga.keys(), ...gb.keys()])].sort()) {
    const a = ga.get(action) ?? new Map<string, Map<string, GrantedOperation>>();
    const b = gb.get(action) ?? new Map<string, Map<string, GrantedOperation>>();
    for (const caller of [...new Set([...a.keys(), ...b.keys()])].sort()) out.push(...describeCaller(head, action, caller, a, b));
  }
  if (!after && actionOf(before) === 'ALLOW' && !isAllowNothing(before)) {
    const selector = selectorOf(before);
    const stillAllowed = context.after.some((r) => r.kind === 'AuthorizationPolicy' && actionOf(r) === 'ALLOW'
      && (selectorOf(r) === selector || selectorOf(r) === 'namespace-wide'));
    if (!stillAllowed) {
      out.push({ message: `${head}: removed; no ALLOW policy selects ${selector} any more, so every caller is allowed`, downgrade: true });
    }
  }
  return out;
}

/**
 * Removing a NetworkPolicy, RequestAuthentication or Sidecar opens what it closed.
 */
export function describeRemovedGuard(before: Record<string, any> | undefined, after: Record<string, any> | undefined): ChangeNote[] {
  if (after || !before) return [];
  return [{ message: `${before.metadata?.name} ${before.kind}: removed, what it restricted is open`, downgrade: true }];
}

/** Leaf changes that weaken a workload or namespace, wherever they appear. */
export function isHardeningDowngrade(c: LeafChange): boolean {
  const leaf = c.path.split('.').pop() ?? '';
  switch (leaf) {
    case 'runAsNonRoot':
    case 'readOnlyRootFilesystem':
      return c.before === true && c.after !== true;
    case 'privileged':
    case 'allowPrivilegeEscalation':
    case 'hostNetwork':
    case 'hostPID':
      return c.before !== true && c.after === true;
    case 'istio-injection':
      return c.before === 'enabled' && c.after !== 'enabled';
    default:
      break;
  }
  if (c.path.endsWith('sidecar.istio.io/inject')) return String(c.after) === 'false' && String(c.before) !== 'false';
  if (c.path.endsWith('tls.mode')) return /MUTUAL/.test(show(c.before)) && !/MUTUAL/.test(show(c.after));
  return false;
}
