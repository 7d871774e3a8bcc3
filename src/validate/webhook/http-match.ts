/**
 * istiod's webhook checks of a VirtualService HTTP route's matches and header operations: ports
 * of istio/istio pkg/config/validation/virtualservice.go (validateHTTPRouteMatchRequest,
 * validateAuthorityRewrite, the header loops of validateHTTPRoute) and validation.go
 * (ValidateHTTPHeaderNameOrJwtClaimRoute, ValidateHTTPHeaderWithAuthorityOperationName,
 * ValidateHTTPHeaderOperationName, ValidateHTTPHeaderValue, validateStringMatch,
 * validateStringMatchRegexp, validateHTTPRouteDestinations' header loops), the same in Istio 1.24
 * and 1.30.
 */
import { Codes } from '../../core/codes';
import { headerValueProblem } from './header-value';
import { isDns1123Label } from './hosts';
import { gatewayNames, labels } from './names';
import { portProblem } from './net';
import type { Report } from './report';
import { regex, TOKEN } from './strings';
import { entries, list, num, obj, str } from '../values';

/** HTTP/2 pseudo-headers a match may name (https://httpwg.org/specs/rfc7540.html#PseudoHeaderFields). */
const PSEUDO = new Set([':method', ':scheme', ':authority', ':path', ':status']);

/** `@request.auth.claims.<a>` or `@request.auth.claims[<a>]` (pkg/jwt/routing.go, ToRoutingClaim). */
export function isJwtClaim(name: string): boolean {
  const prefix = '@request.auth.claims';
  if (!name.toLowerCase().startsWith(prefix)) return false;
  const rest = name.slice(prefix.length);
  return (rest.startsWith('.') && rest.length > 1) || (rest.startsWith('[') && rest.endsWith(']') && rest.length > 2);
}

/** A header a route may match on: a token, a pseudo-header or a JWT claim (ValidateHTTPHeaderNameOrJwtClaimRoute). */
function matchHeaderName(name: string, field: string, report: Report): void {
  if (name === '') report(Codes.HEADER_REJECTED, field, 'header name cannot be empty');
  else if (!isJwtClaim(name) && !PSEUDO.has(name) && !TOKEN.test(name)) report(Codes.HEADER_REJECTED, field,
    `header name ${name} is not a valid header name`);
}

const isInternal = (name: string) => name.startsWith(':') || name.toLowerCase() === 'host';
const isAuthority = (name: string) => name.toLowerCase() === ':authority' || name.toLowerCase() === 'host';

/** validateStringMatch (`allowEmptyPrefix`: validateStringMatchRegexp, for the uri): no empty prefix; regexes as istiod and Envoy read them. */
export function stringMatch(sm: unknown, field: string, allowEmptyPrefix: boolean, report: Report): void {
  const m = obj(sm);
  if (!m) return;
  if (typeof m.prefix === 'string') {
    if (!allowEmptyPrefix && m.prefix === '') report(Codes.STRING_MATCH_REJECTED, `${field}.prefix`, 'prefix string match should not be empty');
  } else if (typeof m.regex === 'string') {
    regex(m.regex, `${field}.regex`, report);
  }
}

/** The matches of one HTTP route (validateHTTPRouteMatchRequest). */
export function matches(r: Record<string, any>, at: string, report: Report): void {
  list(r.match).forEach((raw, i) => {
    const m = obj(raw);
    if (!m) return;
    const mat = `${at}.match[${i}]`;
    for (const [name, h] of entries(m.headers)) {
      if (h === null) report(Codes.HEADER_REJECTED, `${mat}.headers.${name}`, `header match ${name} cannot be null`);
      matchHeaderName(name, `${mat}.headers.${name}`, report);
      stringMatch(h, `${mat}.headers.${name}`, false, report);
    }
    for (const [name, h] of entries(m.withoutHeaders)) {
      matchHeaderName(name, `${mat}.withoutHeaders.${name}`, report);
      // `*` is a presence match, not a regex.
      if (obj(h)?.regex !== '*') stringMatch(h, `${mat}.withoutHeaders.${name}`, false, report);
    }
    // uri may be an empty prefix (Envoy route_components.proto); scheme, method and authority may not.
    stringMatch(m.uri, `${mat}.uri`, true, report);
    for (const k of ['scheme', 'method', 'authority']) stringMatch(m[k], `${mat}.${k}`, false, report);
    for (const [name, q] of entries(m.queryParams)) stringMatch(q, `${mat}.queryParams.${name}`, false, report);
    if (num(m.port) !== 0) {
      const p = portProblem(num(m.port));
      if (p) report(Codes.INVALID_PORT, `${mat}.port`, p);
    }
    labels(m.sourceLabels, `${mat}.sourceLabels`, report);
    gatewayNames(m.gateways, `${mat}.gateways`, report);
    const ns = str(m.sourceNamespace);
    if (ns !== '' && !isDns1123Label(ns)) report(Codes.INVALID_REFERENCE_NAME, `${mat}.sourceNamespace`, `sourceNamespace match ${ns} is invalid`);
  });
}

/**
 * Header operations of a route or of one of its destinations: a request may add or set the
 * authority but no other `:` header or Host (ValidateHTTPHeaderWithAuthorityOperationName); a
 * request's removals and a response's operations touch neither (ValidateHTTPHeaderOperationName);
 * values pass ValidateHTTPHeaderValue.
 */
export function headerOps(headers: unknown, base: string, report: Report): void {
  for (const side of ['request', 'response'] as const) {
    const ops = obj(obj(headers)?.[side]);
    if (!ops) continue;
    for (const op of ['add', 'set'] as const) {
      for (const [name, v] of entries(ops[op])) {
        const field = `${base}.${side}.${op}.${name}`;
        if (name === '') report(Codes.HEADER_REJECTED, field, 'header name cannot be empty');
        else if (side === 'response' && name.toLowerCase() === 'host') report(Codes.HEADER_REJECTED, field,
          `invalid header "${name}": cannot set Host header`);
        else if (side === 'request' ? isInternal(name) && !isAuthority(name) : isInternal(name)) {
          report(Codes.HEADER_REJECTED, field, `invalid header "${name}": header cannot have ":" prefix`);
        }
        const problem = headerValueProblem(str(v));
        if (problem) report(Codes.HEADER_REJECTED, field, problem);
      }
    }
    list(ops.remove).forEach((raw, i) => {
      const name = str(raw);
      const field = `${base}.${side}.remove[${i}]`;
      if (name === '') report(Codes.HEADER_REJECTED, field, 'header name cannot be empty');
      else if (name.toLowerCase() === 'host') report(Codes.HEADER_REJECTED, field, `invalid header "${name}": cannot set Host header`);
      else if (isInternal(name)) report(Codes.HEADER_REJECTED, field, `invalid header "${name}": header cannot have ":" prefix`);
    });
  }
}

/** Header operations of one HTTP route and of its destinations, and the authority rewritten at most once (validateAuthorityRewrite). */
export function headerOperations(r: Record<string, any>, at: string, report: Report): void {
  headerOps(r.headers, `${at}.headers`, report);
  list(r.route).forEach((d, i) => headerOps(obj(d)?.headers, `${at}.route[${i}].headers`, report));
  // validateAuthorityRewrite: rewrite.authority, then the request's set, then its add; the first second one is refused.
  let current = str(obj(r.rewrite)?.authority);
  const request = obj(obj(r.headers)?.request);
  for (const op of ['set', 'add']) {
    for (const [name, v] of entries(request?.[op])) {
      if (!isAuthority(name)) continue;
      if (current !== '') {
        report(Codes.HEADER_REJECTED, `${at}.headers.request.${op}.${name}`,
          `authority header cannot be set multiple times: have ${JSON.stringify(current)}, attempting to set ${JSON.stringify(str(v))}`);
        return;
      }
      current = str(v);
    }
  }
}
