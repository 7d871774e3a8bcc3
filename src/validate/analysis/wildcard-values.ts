/**
 * MESH695: AuthorizationPolicy values whose `*` istiod reads as itself.
 *
 * istiod compiles a principal, a `when` value of a header, a claim, a principal or a server name with one string matcher: `*`
 * alone is any non-empty value, a leading `*` a suffix match, a trailing `*` a prefix match, and anything else an exact match
 * (istio/istio pilot/pkg/security/authz/matcher/string.go, `StringMatcherWithPrefix`; a header's and a host's alike,
 * matcher/header.go, `HeaderMatcher`, `HostMatcher`). So a `*` inside a value, or at both its ends (`*URI=spiffe://partners/acme*`
 * to find a partner in an X-Forwarded-Client-Cert header), is a literal `*` in a suffix, prefix or exact match: the value matches
 * next to nothing, an ALLOW rule admits none of what it names and a DENY rule refuses none of it (or, under `notValues`, all of
 * it). istiod's webhook accepts it (from 1.30 it refuses such a value only among trustDomains: pkg/config/security/security.go,
 * `CheckWildcardValues`), so it is reported here, a warning. Namespaces (a regex in which every `*` is `.*`), request principals
 * (matched as issuer and subject), IP ranges and ports are other matchers, and paths the construct checks (MESH202) and
 * istiod's path templates.
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Rule
 * @see https://istio.io/latest/docs/reference/config/security/conditions/
 */
import { Codes } from '../../core/codes';
import { Finding, finding, Manifest } from '../finding';
import { AnalysisCheck } from './check';
import { list } from '../values';

/** The `when` keys whose values istiod matches with the string matcher of a leading or trailing `*`. */
function stringMatchedKey(key: string): boolean {
  return /^request\.(headers|auth\.claims)\[.+\]$/.test(key)
    || ['source.principal', 'connection.sni', 'request.auth.audiences', 'request.auth.presenter'].includes(key);
}

/** True if `value` has a `*` istiod reads as itself: neither the whole value nor one leading or one trailing `*`. */
export function hasLiteralWildcard(value: string): boolean {
  if (value === '*') return false;
  const stars = value.split('*').length - 1;
  return stars > 1 || (stars === 1 && !value.startsWith('*') && !value.endsWith('*'));
}

/** MESH695, a warning: an AuthorizationPolicy value with a `*` inside it or at both ends. */
export const authorizationValueWildcardLiteral: AnalysisCheck = {
  code: Codes.AUTHORIZATION_VALUE_WILDCARD_LITERAL,
  title: "an AuthorizationPolicy value whose '*' istiod matches as itself",
  run(index) {
    const out: Finding[] = [];
    for (const policy of index.model.ofKind('AuthorizationPolicy')) {
      const action = String(policy.spec?.action ?? 'ALLOW');
      const check = (at: string, values: unknown, negated: boolean) => list(values).forEach((v, i) => {
        const value = String(v);
        if (!hasLiteralWildcard(value)) return;
        const effect = negated
          ? `the exception it makes matches next to nothing, so this ${action} rule applies to the requests it meant to leave out`
          : `it matches next to nothing, so this ${action} rule ${action === 'DENY' ? 'refuses' : 'applies to'} none of the requests it names`;
        out.push(finding(
          Codes.AUTHORIZATION_VALUE_WILDCARD_LITERAL, policy, `${at}[${i}]`,
          `'${value}' has more than one '*' or one inside it: istiod matches only '*' alone, a single leading '*' (a suffix) or a `
            + `single trailing '*' (a prefix), and reads any other '*' as the character itself: ${effect}; `
            + 'match a prefix or a suffix, list the exact values, or decide in the application',
          'warning',
        ));
      });
      list(policy.spec?.rules).forEach((rule: Manifest, r: number) => {
        const at = `spec.rules[${r}]`;
        list(rule?.from).forEach((f: Manifest, j: number) => {
          for (const k of ['principals', 'notPrincipals']) check(`${at}.from[${j}].source.${k}`, f?.source?.[k], k.startsWith('not'));
        });
        list(rule?.to).forEach((t: Manifest, j: number) => {
          for (const k of ['hosts', 'notHosts']) check(`${at}.to[${j}].operation.${k}`, t?.operation?.[k], k.startsWith('not'));
        });
        list(rule?.when).forEach((c: Manifest, j: number) => {
          if (!stringMatchedKey(String(c?.key ?? ''))) return;
          check(`${at}.when[${j}].values`, c?.values, false);
          check(`${at}.when[${j}].notValues`, c?.notValues, true);
        });
      });
    }
    return out;
  },
};
