import { Codes } from '../../core/codes';
import type { ResolvedRule } from './authorization-rule.render';
import { formatProblem } from '../../core/errors';
import { isHttpMethod } from '../../core/http';
import { Principal } from '../../core/principal';
import type { Cidr } from '../../core/cidr';
import type { IMeshService } from '../interfaces';
import { isRemoteService } from '../brands';
import type { AuthorizationCondition, AuthorizationOperation } from '../../core/authorization';

export type { AuthorizationCondition, AuthorizationOperation } from '../../core/authorization';

/**
 * Where a request comes from. Fields are Istio's; all set fields must match.
 *
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source
 */
export interface AuthorizationSource {
  /**
   * Peer identities (mTLS only): the ServiceAccounts of calling workloads.
   * @default - any peer identity
   */
  readonly principals?: readonly Principal[];
  /**
   * Calling services; shorthand for their principals (mTLS only).
   * @default - none
   */
  readonly services?: readonly IMeshService[];
  /**
   * Namespaces of calling workloads (mTLS only).
   * @default - any namespace
   */
  readonly namespaces?: readonly string[];
  /**
   * End-user identities from a validated JWT, `<issuer>/<subject>`; `*` wildcards allowed at either end.
   * @default - any or no end user
   */
  readonly requestPrincipals?: readonly string[];
  /**
   * Peer identities that must not match: `['*']` matches only requests that carry no mTLS
   * identity (plaintext from a caller without a sidecar), since a missing value matches no pattern.
   * @default - none
   */
  readonly notPrincipals?: readonly string[];
  /**
   * Namespaces of calling workloads that must not match: a DENY rule with `notNamespaces: [<own>, <gateway's>]` refuses every
   * caller from elsewhere, and every plaintext request too, which carries no namespace (Istio's "DENY with negative match";
   * istiod writes it as a negated `authenticated` matcher, pilot/pkg/security/authz/model/generator.go srcNamespaceGenerator).
   * In an ALLOW rule with no identity besides, it admits every plaintext caller on workloads that accept plaintext (MESH206).
   * @default - none
   * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source
   * @see https://istio.io/latest/docs/ops/best-practices/security/#use-allow-with-positive-matching-and-deny-with-negative-match-patterns
   */
  readonly notNamespaces?: readonly string[];
  /**
   * Addresses of the connection's source, as the workload's proxy sees it: a client without a sidecar
   * that reaches the pod through a NodePort or LoadBalancer Service keeps its own with
   * `externalTrafficPolicy: Local` (the default of `ServiceType.loadBalancer`); a meshed caller's is its
   * pod's. An office network admitted by address in the AuthorizationPolicy, as its NetworkPolicy does.
   * @default - any address
   * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source
   */
  readonly ipBlocks?: readonly Cidr[];
  /**
   * Addresses of the original client, as the proxy reads them from `X-Forwarded-For` (or the PROXY
   * protocol): meaningful behind a gateway configured to trust that header (`numTrustedProxies`).
   * @default - any address
   * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source
   */
  readonly remoteIpBlocks?: readonly Cidr[];
}

/**
 * One rule of an AuthorizationPolicy: it matches a request that matches any of
 * `from`, any of `to` and all of `when`.
 *
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Rule
 */
export interface AuthorizationRule {
  /**
   * Sources; a request matches if it comes from any one of them.
   * @default - any source
   */
  readonly from?: readonly AuthorizationSource[];
  /**
   * Operations; a request matches if it does any one of them.
   * @default - any operation
   */
  readonly to?: readonly AuthorizationOperation[];
  /**
   * Extra conditions, all of which must hold.
   * @default - none
   */
  readonly when?: readonly AuthorizationCondition[];
}

/** The principals a source names, its services' included, as strings. */
export function sourcePrincipals(s: AuthorizationSource): string[] {
  return [...(s.principals ?? []).map(String), ...(s.services ?? []).map((x) => x.principal.toString())];
}

/**
 * The rule as rendering reads it: each source's services resolved to their principals
 * (the rule's other fields as they are).
 * @internal
 */
export function resolveRule(r: AuthorizationRule): ResolvedRule {
  return {
    from: r.from?.map((s) => ({
      principals: sourcePrincipals(s), namespaces: s.namespaces, requestPrincipals: s.requestPrincipals, notPrincipals: s.notPrincipals,
      notNamespaces: s.notNamespaces, ipBlocks: s.ipBlocks?.map(String), remoteIpBlocks: s.remoteIpBlocks?.map(String),
    })),
    to: r.to,
    when: r.when,
  };
}

/** Why `path` is not a path an AuthorizationPolicy accepts, or undefined. */
export function authorizationPathProblem(path: string): string | undefined {
  if (path === '*') return undefined;
  if (path.includes('{') || path.includes('}')) {
    if (!path.startsWith('/')) return `path template '${path}' must start with '/'`;
    const segments = path.split('/');
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i];
      if (!seg.includes('{') && !seg.includes('}')) {
        if (seg.includes('*')) return `path template '${path}' mixes '*' with templates; use {*} or {**}`;
        continue;
      }
      if (seg !== '{*}' && seg !== '{**}') {
        return `path '${path}' has template '${seg}'; only whole segments {*} and {**} are supported`;
      }
      if (seg === '{**}' && i !== segments.length - 1) return `path '${path}': {**} must be the last segment`;
    }
    return undefined;
  }
  const stars = path.split('*').length - 1;
  if (stars > 1 || (stars === 1 && !path.startsWith('*') && !path.endsWith('*'))) {
    return `path '${path}' has '*' in the middle; use a prefix ('/api/*'), a suffix ('*.js') or a {*} template`;
  }
  if (!path.startsWith('/') && !path.startsWith('*')) return `path '${path}' must start with '/' or '*'`;
  return undefined;
}

/** What the checks of a rule need to know about its context. */
export interface RuleCheckContext {
  /** Every principal of a ServiceAccount of a service in the app. */
  readonly knownPrincipals: ReadonlySet<string>;
  /** The mTLS mode the selected workloads accept, for principal and namespace rules. */
  readonly mtls: string;
  /** What the rules are for, for messages (`workload payment-service`). */
  readonly target: string;
  /**
   * The action of the policy the rules belong to.
   * @default 'ALLOW'
   */
  readonly action?: string;
}

/**
 * Why source `s` of a rule of a policy with `action`, on workloads that accept plaintext (not
 * STRICT), lets plaintext requests past what it means; undefined when it does not.
 * A peer identity comes only from the mTLS handshake: Istio writes `principals` and `namespaces`
 * as Envoy RBAC `authenticated` matchers (istio/istio pilot/pkg/security/authz/model/generator.go,
 * srcPrincipalGenerator and srcNamespaceGenerator; model.go wraps `notPrincipals` in a `not_id`),
 * and Envoy's AuthenticatedMatcher::matches returns false on a connection without TLS
 * (envoyproxy/envoy source/extensions/filters/common/rbac/matchers.cc). So a plaintext request
 * never matches a positive identity: an ALLOW rule naming principals or namespaces refuses it,
 * which is safe (Istio's "use ALLOW-with-positive-matching",
 * https://istio.io/latest/docs/ops/best-practices/security/#use-allow-with-positive-matching-and-deny-with-negative-match-patterns),
 * but it escapes a DENY, AUDIT or CUSTOM rule that names them, and it matches every `notPrincipals`
 * of an ALLOW rule whose source names no identity besides (`['*']`, no identity at all, is the
 * deliberate plaintext admission and stays allowed).
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source
 */
function plaintextBypass(s: AuthorizationSource, action: string): string | undefined {
  const positive = sourcePrincipals(s).length > 0 || (s.namespaces ?? []).length > 0;
  if (action !== 'ALLOW') {
    return positive
      ? `principals and namespaces match mTLS requests only, and a plaintext request carries no identity, so it escapes this ${action} rule`
      : undefined;
  }
  const excluded = s.notPrincipals ?? [];
  if (positive || excluded.includes('*')) return undefined;
  if (excluded.length > 0) {
    return 'notPrincipals: a plaintext request carries no identity, so it matches none of them and this ALLOW rule admits every plaintext caller';
  }
  if ((s.notNamespaces ?? []).length === 0) return undefined;
  return 'notNamespaces: a plaintext request carries no namespace, so it matches none of them and this ALLOW rule admits every plaintext caller';
}

/** Problems with rules, each naming its field (`rules[0].from[0].principals[1]`). */
export function ruleProblems(rules: readonly AuthorizationRule[], ctx: RuleCheckContext, field = 'rules'): string[] {
  const out: string[] = [];
  rules.forEach((r, i) => {
    const at = `${field}[${i}]`;
    (r.from ?? []).forEach((s, j) => {
      // Another team's service without a sidecar calls in plaintext: it has no identity for a rule to name.
      const plaintext = new Set<string>();
      (s.services ?? []).forEach((x, k) => {
        if (!isRemoteService(x) || x.sidecar !== false) return;
        plaintext.add(x.principal.toString());
        out.push(formatProblem(Codes.REMOTE_SERVICE_WITHOUT_IDENTITY,
          `${at}.from[${j}].services[${k}]: remote service ${x.namespace}/${x.name} runs no sidecar (sidecar: false), so its calls `
            + 'are plaintext and carry no mTLS identity: its principal matches none of them; run it with a sidecar, '
            + 'or admit it by what the NetworkPolicy sees (its namespace and pod labels)'));
      });
      const principals = sourcePrincipals(s);
      principals.forEach((p, k) => {
        if (!ctx.knownPrincipals.has(p) && !plaintext.has(p)) {
          // An ALLOW rule for a workload the app does not build as a service (another team's, or a CronJob written by hand) is that
          // service's admission of it, which also opens its NetworkPolicy and declares the flow (remote-admission.ts).
          const admit = (ctx.action ?? 'ALLOW') === 'ALLOW'
            ? '; admit a workload the app does not build as a service with service.admits(RemoteCaller.workload({ name, namespace, '
              + 'serviceAccount, podLabels }))'
            : '';
          out.push(formatProblem(Codes.UNKNOWN_PRINCIPAL,
            `${at}.from[${j}].principals[${k}]: '${p}' names no ServiceAccount of a service in the app${admit}`));
        }
      });
      const bypass = ctx.mtls === 'STRICT' ? undefined : plaintextBypass(s, ctx.action ?? 'ALLOW');
      if (bypass) out.push(formatProblem(Codes.IDENTITY_WITHOUT_STRICT_MTLS, `${at}.from[${j}]: ${ctx.target} accepts ${ctx.mtls}; ${bypass}`));
    });
    (r.to ?? []).forEach((o, j) => {
      out.push(...operationProblems(o, `${at}.to[${j}].operation`));
    });
  });
  return out;
}

/** Problems with the methods and paths of an operation or a call. */
export function operationProblems(
  o: { readonly methods?: readonly string[]; readonly paths?: readonly string[]; readonly notPaths?: readonly string[] },
  at: string,
): string[] {
  const out: string[] = [];
  (o.methods ?? []).forEach((m, k) => {
    if (!isHttpMethod(m)) out.push(formatProblem(Codes.INVALID_HTTP_METHOD, `${at}.methods[${k}]: '${m}' is not an HTTP method`));
  });
  for (const key of ['paths', 'notPaths'] as const) {
    (o[key] ?? []).forEach((p, k) => {
      const problem = authorizationPathProblem(p);
      if (problem) out.push(formatProblem(Codes.INVALID_AUTHZ_PATH, `${at}.${key}[${k}]: ${problem}`));
    });
  }
  return out;
}
