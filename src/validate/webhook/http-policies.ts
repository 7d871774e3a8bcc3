/**
 * istiod's webhook checks of a VirtualService HTTP route's CORS policy and redirect: ports of
 * istio/istio pkg/config/validation/validation.go (validateCORSPolicy, validateAllowOrigins,
 * validateHTTPMethod (1.24) / validateCORSHTTPMethod (1.30), ValidateCORSHTTPHeaderName,
 * validateHTTPRedirect) and agent/validation.go (ValidateDuration, ValidatePort).
 */
import { Codes } from '../../core/codes';
import { IstioVersion } from '../../core/istio-version';
import { portProblem } from './net';
import type { Report } from './report';
import { regex, TOKEN } from './strings';
import { durationNanos, duration } from './traffic-policy';
import { isSet, list, num, obj, str } from '../values';

/** The methods Go's net/http names (validation.go, supportedMethods; case-sensitive); 1.30 adds `*` (supportedCORSMethods). */
const CORS_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE']);

/**
 * validateCORSPolicy: origins are non-empty string matches (a regex as istiod and Envoy read it,
 * MESH176/MESH178), methods are the ones Go's net/http names (`*` too from Istio 1.26,
 * istio/istio#55313), allowed and exposed headers are `*` or tokens (MESH175), and maxAge is a
 * duration of whole seconds (MESH173). The deprecated `allowOrigin` is not checked by istiod, nor here.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#CorsPolicy
 */
export function corsPolicy(value: unknown, at: string, report: Report, version: IstioVersion): void {
  const c = obj(value);
  if (!c) return;
  list(c.allowOrigins).forEach((raw, i) => {
    const field = `${at}.allowOrigins[${i}]`;
    const o = obj(raw) ?? {};
    const kind = ['exact', 'prefix', 'regex'].find((k) => typeof o[k] === 'string');
    // validateAllowOrigins: an origin without a match, or with an empty one, is refused.
    if (kind === undefined || o[kind] === '') {
      report(Codes.STRING_MATCH_REJECTED, kind ? `${field}.${kind}` : field, "'' is not a valid match type for CORS allow origins");
      return;
    }
    if (kind === 'regex') regex(o.regex, `${field}.regex`, report);
  });
  list(c.allowMethods).forEach((raw, i) => {
    const m = str(raw);
    if (CORS_METHODS.has(m) || (m === '*' && version !== '1.24')) return;
    const hint = m === '*' ? " ('*' is accepted from Istio 1.26: list the methods for 1.24)" : '';
    report(Codes.VIRTUAL_SERVICE_REJECTED, `${at}.allowMethods[${i}]`, `${JSON.stringify(m)} is not a supported HTTP method${hint}`);
  });
  for (const key of ['allowHeaders', 'exposeHeaders']) {
    list(c[key]).forEach((raw, i) => {
      const name = str(raw);
      const problem = name === '' ? 'header name cannot be empty'
        : name !== '*' && !TOKEN.test(name) ? `header name ${name} is not a valid header name` : undefined;
      if (problem) report(Codes.HEADER_REJECTED, `${at}.${key}[${i}]`, problem);
    });
  }
  // maxAge: ValidateDuration, and no nanoseconds part (Envoy's max_age header is in seconds,
  // https://fetch.spec.whatwg.org/#http-access-control-max-age).
  duration(c.maxAge, `${at}.maxAge`, report);
  const ns = durationNanos(c.maxAge);
  if (ns !== undefined && ns > 0 && Math.round(ns) % 1e9 !== 0) {
    report(Codes.WEBHOOK_DURATION_REJECTED, `${at}.maxAge`, 'max_age duration is accurate only to seconds precision');
  }
}

/**
 * validateHTTPRedirect, which stops at the first problem: a redirect changes the uri, authority,
 * scheme or port; its code is 3xx; the scheme is http or https; a port is in 1-65535.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRedirect
 */
export function redirect(value: unknown, at: string, report: Report): void {
  const r = obj(value);
  if (!r) return;
  const fail = (field: string, message: string) => report(Codes.VIRTUAL_SERVICE_REJECTED, field, message);
  // port and derivePort are one oneof (redirectPort): set, whatever the value, when present.
  if (str(r.uri) === '' && str(r.authority) === '' && !isSet(r.port) && !isSet(r.derivePort) && str(r.scheme) === '') {
    fail(at, 'redirect must specify URI, authority, scheme, or port');
    return;
  }
  const code = num(r.redirectCode);
  if (code !== 0 && (code < 300 || code > 399)) { fail(`${at}.redirectCode`, `${code} is not a valid redirect code, must be 3xx`); return; }
  const scheme = str(r.scheme);
  if (scheme !== '' && scheme !== 'http' && scheme !== 'https') {
    fail(`${at}.scheme`,
      'invalid redirect scheme, must be "http" or "https"'); return;
  }
  if (num(r.port) > 0) {
    const p = portProblem(num(r.port));
    if (p) report(Codes.INVALID_PORT, `${at}.port`, p);
  }
}
