/**
 * What a proxy's JWT filter does with the token a request carries: the RequestAuthentications
 * that apply to the proxy's workload, as istiod turns them into Envoy's jwt_authn filter.
 */
import { Manifest } from '../finding';
import { labelsSubsetOf } from '../model/selectors';
import { AuthzRequest } from './authorization';
import { ClusterMemo, FlowCluster, FlowPod, nsOf } from './cluster';
import { Flow } from './flow';

/** What the proxy's jwt_authn filter does with a request's token. */
export interface TokenDecision {
  /** Set when the filter answers 401: the policy that decides and why. */
  readonly refused?: { readonly policy: Manifest; readonly reason: string };
  /** True when the proxy validated the token: its request principal is set for its authorization. */
  readonly validated: boolean;
  /** True when the token goes on to the next hop (no filter, or a rule for its issuer keeps it). */
  readonly forwarded: boolean;
}

/** A jwtRule that reads the token where a client sends it, `Authorization: Bearer`. */
interface Rule {
  readonly policy: Manifest;
  readonly issuer: string;
  readonly forward: boolean;
}

const rulesMemo = new ClusterMemo(() => new Map<FlowPod, readonly Rule[] | null>());

/**
 * The rules of the RequestAuthentications applying to `pod` (those of its namespace and of the
 * root namespace whose selector its labels satisfy, a selector-less one applying to every pod;
 * istio/istio pilot/pkg/model/authentication.go, GetJwtPoliciesForWorkload) that read the
 * `Authorization` header: no `fromHeaders`, `fromParams` or `fromCookies` (Envoy's default
 * location: "Authorization: Bearer <token>"), or a `fromHeaders` entry naming it. Policies
 * with `targetRef(s)` attach to Gateway API gateways and waypoints, not to sidecars, and are left out.
 * Undefined when no RequestAuthentication applies at all: the proxy has no jwt_authn filter.
 */
function rulesOf(cluster: FlowCluster, pod: FlowPod): readonly Rule[] | undefined {
  const memo = rulesMemo.of(cluster);
  let rules = memo.get(pod);
  if (rules === undefined) {
    const namespaces = cluster.rootNamespace === pod.namespace ? [pod.namespace] : [pod.namespace, cluster.rootNamespace];
    const policies = namespaces.flatMap((ns) => cluster.ofKind('RequestAuthentication', ns))
      .filter((ra) => ra.spec?.targetRef === undefined && ra.spec?.targetRefs === undefined
        && labelsSubsetOf(ra.spec?.selector?.matchLabels ?? {}, pod.labels));
    rules = policies.length === 0 ? null : policies.flatMap((policy) => (Array.isArray(policy.spec?.jwtRules) ? policy.spec.jwtRules : [])
      .filter((r: Manifest) => readsAuthorizationHeader(r) && typeof r?.issuer === 'string')
      .map((r: Manifest) => ({ policy, issuer: r.issuer, forward: r.forwardOriginalToken === true })));
    memo.set(pod, rules);
  }
  return rules ?? undefined;
}

/** True if a jwtRule extracts the token from `Authorization: Bearer` (istio JWTRule fromHeaders, fromParams, fromCookies). */
function readsAuthorizationHeader(rule: Manifest): boolean {
  const headers = Array.isArray(rule?.fromHeaders) ? rule.fromHeaders : [];
  const others = (Array.isArray(rule?.fromParams) && rule.fromParams.length > 0) || (Array.isArray(rule?.fromCookies) && rule.fromCookies.length > 0);
  if (headers.length === 0) return !others;
  return headers.some((h: Manifest) => String(h?.name ?? '').toLowerCase() === 'authorization');
}

/** The issuer of a request principal `<iss>/<sub>` (Istio's `request.auth.principal`). */
function issuerOf(requestPrincipal: string): string {
  const cut = requestPrincipal.lastIndexOf('/');
  return cut < 0 ? requestPrincipal : requestPrincipal.slice(0, cut);
}

/**
 * The jwt_authn filter of `pod`'s proxy on a request carrying a token of `requestPrincipal`'s
 * issuer (none: nothing to decide). istiod makes one provider a jwtRule and requires, for each,
 * that provider OR `allow_missing` (pilot/pkg/security/authn/policy_applier.go,
 * convertToEnvoyJwtConfig); Envoy's extractor takes the token from the locations of the providers
 * whose issuer it names and answers JwtUnknownIssuer for any other, which `allow_missing` does not
 * admit ("Prefer JwtUnknownIssuer between JwtMissed and JwtUnknownIssuer": envoy
 * source/extensions/filters/http/jwt_authn/verifier.cc, AnyVerifierImpl): a token no rule of the
 * proxy names is refused with 401 "Jwt issuer is not configured", though another proxy further
 * on would accept it (istio/istio#40718). A proxy with no RequestAuthentication has no filter:
 * the token passes, unvalidated. A validated token is removed unless a rule for its issuer
 * keeps it (`forwardOriginalToken`, Envoy's `forward`: "If false, the JWT is removed in the
 * request after a success verification").
 * @see https://istio.io/latest/docs/reference/config/security/request_authentication/
 */
export function tokenDecision(cluster: FlowCluster, pod: FlowPod, requestPrincipal: string | undefined): TokenDecision {
  if (requestPrincipal === undefined) return { validated: false, forwarded: true };
  const rules = rulesOf(cluster, pod);
  if (rules === undefined || rules.length === 0) return { validated: false, forwarded: true };
  const issuer = issuerOf(requestPrincipal);
  const own = rules.filter((r) => r.issuer === issuer);
  if (own.length === 0) {
    const names = [...new Set(rules.map((r) => `${nsOf(r.policy)}/${r.policy.metadata?.name}`))].sort();
    const issuers = [...new Set(rules.map((r) => r.issuer))].sort();
    return {
      refused: {
        policy: rules[0].policy,
        reason: `${pod.name}'s proxy validates tokens of ${issuers.join(', ')} (RequestAuthentication ${names.join(', ')}): a token of `
          + `${issuer} is refused with 401 "Jwt issuer is not configured"`,
      },
      validated: false,
      forwarded: false,
    };
  }
  return { validated: true, forwarded: own.some((r) => r.forward) };
}

/**
 * The request as a proxy's AuthorizationPolicies read it: the peer's mTLS identity (`at.peer`,
 * none for plaintext), and the request principal and claims of a token the proxy's own JWT
 * filter validated (`token`); a proxy without a RequestAuthentication sets none ("A request that
 * does not contain any authentication credentials will be accepted but will not have any
 * authenticated identity"). Over manifests with no RequestAuthentication at all, the flow's
 * principal is taken as given.
 */
export function authorizationRequest(
  cluster: FlowCluster, flow: Flow, at: { peer?: FlowPod; port: number; host: string; tcp: boolean; source?: FlowPod; sni?: string },
  token: TokenDecision,
): AuthzRequest {
  const withToken = token.validated || cluster.ofKind('RequestAuthentication').length === 0;
  return {
    principal: at.peer ? cluster.principalOf(at.peer) : undefined,
    namespace: at.peer?.namespace,
    requestPrincipal: withToken ? flow.requestPrincipal : undefined,
    claims: withToken ? flow.claims ?? {} : {},
    method: flow.method ?? 'GET',
    path: flow.path ?? '/',
    host: at.host,
    port: at.port,
    headers: flow.headers ?? {},
    tcp: at.tcp,
    sni: at.sni,
    // At the gateway (no source pod) the connection's source is the external client: the address it is described with.
    sourceAddresses: at.source?.addresses ?? ('external' in flow.source && flow.clientAddress !== undefined ? [flow.clientAddress] : []),
    ...(at.sni !== undefined ? { sni: at.sni } : {}),
  };
}
