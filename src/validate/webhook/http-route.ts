/**
 * istiod's webhook checks of a VirtualService HTTP route's headers, matches and durations.
 * Ports of istio/istio pkg/config/validation/virtualservice.go (validateHTTPRoute,
 * validateHTTPRouteMatchRequest, validateAuthorityRewrite), validation.go
 * (ValidateHTTPHeaderNameOrJwtClaimRoute, ValidateHTTPHeaderWithAuthorityOperationName,
 * ValidateHTTPHeaderOperationName, ValidateHTTPHeaderValue (header-value.ts),
 * validateHTTPRouteDestinations' header operations, validateStringMatch,
 * validateStringMatchRegexp, validateHTTPFaultInjectionDelay) and agent/validation.go
 * (ValidateHTTPRetry's perTryTimeout); the CORS policy and redirect are in http-policies.ts.
 */
import { Codes } from '../../core/codes';
import { corsPolicy, redirect } from './http-policies';
import { headerValueProblem } from './header-value';
import type { Report } from './report';
import { regexProblem, TOKEN } from './strings';
import { duration } from './traffic-policy';

/** HTTP/2 pseudo-headers a match may name (https://httpwg.org/specs/rfc7540.html#PseudoHeaderFields). */
const PSEUDO = new Set([':method', ':scheme', ':authority', ':path', ':status']);

/** `@request.auth.claims.<a>` or `@request.auth.claims[<a>]` (pkg/jwt/routing.go, ToRoutingClaim). */
function isJwtClaim(name: string): boolean {
  const prefix = '@request.auth.claims';
  if (!name.toLowerCase().startsWith(prefix)) return false;
  const rest = name.slice(prefix.length);
  return (rest.startsWith('.') && rest.length > 1) || (rest.startsWith('[') && rest.endsWith(']') && rest.length > 2);
}

/** A header a route may match on: a token, a pseudo-header or a JWT claim (ValidateHTTPHeaderNameOrJwtClaimRoute). */
function matchHeaderName(name: string, field: string, report: Report): void {
  if (name === '') report(Codes.HEADER_REJECTED, field, 'a header name may not be empty');
  else if (!isJwtClaim(name) && !PSEUDO.has(name) && !TOKEN.test(name)) report(Codes.HEADER_REJECTED, field, `'${name}' is not a valid header name`);
}

const isInternal = (name: string) => name.startsWith(':') || name.toLowerCase() === 'host';
const isAuthority = (name: string) => name.toLowerCase() === ':authority' || name.toLowerCase() === 'host';

/** validation.go, ValidateHTTPStringMatch / validateStringMatchRegexp: no empty prefix (except uri), RE2 regexes of at most 1024 characters. */
function stringMatch(sm: any, field: string, allowEmptyPrefix: boolean, report: Report): void {
  if (!sm || typeof sm !== 'object') return;
  if (!allowEmptyPrefix && sm.prefix === '') report(Codes.STRING_MATCH_REJECTED, `${field}.prefix`, 'a prefix match may not be empty');
  if (typeof sm.regex !== 'string') return;
  const problem = regexProblem(sm.regex);
  if (problem) report(Codes.STRING_MATCH_REJECTED, `${field}.regex`, problem);
}

/** The matches of one HTTP route (validateHTTPRouteMatchRequest). */
function matches(r: any, at: string, report: Report): void {
  (Array.isArray(r?.match) ? r.match : []).forEach((m: any, i: number) => {
    if (!m || typeof m !== 'object') return;
    const mat = `${at}.match[${i}]`;
    for (const [name, h] of Object.entries<any>(m.headers ?? {})) {
      matchHeaderName(name, `${mat}.headers.${name}`, report);
      stringMatch(h, `${mat}.headers.${name}`, false, report);
    }
    for (const [name, h] of Object.entries<any>(m.withoutHeaders ?? {})) {
      matchHeaderName(name, `${mat}.withoutHeaders.${name}`, report);
      // `*` is a presence match, not a regex (validateHTTPRouteMatchRequest).
      if (h?.regex !== '*') stringMatch(h, `${mat}.withoutHeaders.${name}`, false, report);
    }
    // uri may be an empty prefix (Envoy route_components.proto); scheme, method and authority may not.
    stringMatch(m.uri, `${mat}.uri`, true, report);
    for (const k of ['scheme', 'method', 'authority']) stringMatch(m[k], `${mat}.${k}`, false, report);
    for (const [name, q] of Object.entries<any>(m.queryParams ?? {})) stringMatch(q, `${mat}.queryParams.${name}`, false, report);
  });
}

/**
 * Header operations of a route or of one of its destinations (validateHTTPRoute and
 * validateHTTPRouteDestinations: ValidateHTTPHeaderWithAuthorityOperationName,
 * ValidateHTTPHeaderOperationName, ValidateHTTPHeaderValue).
 */
function headerOps(headers: any, base: string, report: Report): void {
  for (const side of ['request', 'response'] as const) {
    const ops = headers?.[side];
    if (!ops || typeof ops !== 'object') continue;
    for (const op of ['add', 'set'] as const) {
      for (const [name, v] of Object.entries<any>(ops[op] ?? {})) {
        const field = `${base}.${side}.${op}.${name}`;
        // A request may add or set the authority (ValidateHTTPHeaderWithAuthorityOperationName); nothing else internal.
        const internal = side === 'request' ? isInternal(name) && !isAuthority(name) : isInternal(name);
        if (name === '') report(Codes.HEADER_REJECTED, field, 'a header name may not be empty');
        else if (internal) report(Codes.HEADER_REJECTED, field, `'${name}' cannot be ${op === 'add' ? 'added' : 'set'}: Host and ':' headers are Envoy's`);
        const problem = typeof v === 'string' ? headerValueProblem(v) : undefined;
        if (problem) report(Codes.HEADER_REJECTED, field, problem);
      }
    }
    (Array.isArray(ops.remove) ? ops.remove : []).forEach((name: any, i: number) => {
      const field = `${base}.${side}.remove[${i}]`;
      if (name === '') report(Codes.HEADER_REJECTED, field, 'a header name may not be empty');
      else if (isInternal(String(name))) report(Codes.HEADER_REJECTED, field, `'${name}' cannot be removed: Host and ':' headers are Envoy's`);
    });
  }
}

/** Header operations of one HTTP route and of its destinations, and the authority rewritten once (validateAuthorityRewrite). */
function headerOperations(r: any, at: string, report: Report): void {
  headerOps(r?.headers, `${at}.headers`, report);
  (Array.isArray(r?.route) ? r.route : []).forEach((d: any, i: number) => headerOps(d?.headers, `${at}.route[${i}].headers`, report));
  // validateAuthorityRewrite: rewrite.authority and the request's authority/host set or add, at most one.
  const sources: string[] = [];
  if (typeof r?.rewrite?.authority === 'string' && r.rewrite.authority !== '') sources.push(`${at}.rewrite.authority`);
  for (const op of ['set', 'add']) {
    for (const name of Object.keys(r?.headers?.request?.[op] ?? {})) if (isAuthority(name)) sources.push(`${at}.headers.request.${op}.${name}`);
  }
  if (sources.length > 1) report(Codes.HEADER_REJECTED, sources[1], `the authority is rewritten more than once (${sources.join(', ')})`);
}

/** Headers, matches, CORS policy, redirect, timeout, perTryTimeout and fixed delay of one HTTP route. */
export function httpRouteDetails(r: any, at: string, report: Report): void {
  if (!r || typeof r !== 'object') return;
  matches(r, at, report);
  headerOperations(r, at, report);
  corsPolicy(r.corsPolicy, `${at}.corsPolicy`, report);
  redirect(r.redirect, `${at}.redirect`, report);
  duration(r.timeout, `${at}.timeout`, report);
  duration(r.retries?.perTryTimeout, `${at}.retries.perTryTimeout`, report);
  // validateHTTPFaultInjectionDelay: fixedDelay is a duration (exponentialDelay is refused outright in traffic.ts).
  duration(r.fault?.delay?.fixedDelay, `${at}.fault.delay.fixedDelay`, report);
}
