/**
 * istiod's webhook checks of a VirtualService HTTP route's CORS policy and redirect: ports of
 * istio/istio pkg/config/validation/validation.go (validateCORSPolicy, validateAllowOrigins,
 * validateHTTPMethod, ValidateCORSHTTPHeaderName, validateHTTPRedirect) and
 * agent/validation.go (ValidateDuration, ValidatePort).
 */
import { Codes } from '../../core/codes';
import { isHttpMethod } from '../../core/http';
import type { Report } from './report';
import { regexProblem, TOKEN } from './strings';
import { durationNanos } from './traffic-policy';

/**
 * validateCORSPolicy: origins are non-empty string matches (a regex is RE2, MESH176), methods
 * are the ones Go's net/http names (validation.go in 1.24, supportedMethods: GET, HEAD, POST,
 * PUT, PATCH, DELETE, CONNECT, OPTIONS, TRACE; case-sensitive), allowed and exposed headers are
 * `*` or tokens (MESH175), and maxAge is whole seconds (MESH173). The deprecated
 * `allowOrigin` is not checked by istiod, nor here.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#CorsPolicy
 */
export function corsPolicy(c: any, at: string, report: Report): void {
  if (!c || typeof c !== 'object') return;
  (Array.isArray(c.allowOrigins) ? c.allowOrigins : []).forEach((o: any, i: number) => {
    const field = `${at}.allowOrigins[${i}]`;
    if (!o || typeof o !== 'object') return;
    const kind = ['exact', 'prefix', 'regex'].find((k) => typeof o[k] === 'string');
    // validateAllowOrigins: an origin without a match, or with an empty one, matches nothing useful.
    if (kind === undefined || o[kind] === '') {
      report(Codes.STRING_MATCH_REJECTED, kind ? `${field}.${kind}` : field, 'an allowed origin needs a non-empty exact, prefix or regex');
      return;
    }
    const problem = kind === 'regex' ? regexProblem(o.regex) : undefined;
    if (problem) report(Codes.STRING_MATCH_REJECTED, `${field}.regex`, problem);
  });
  (Array.isArray(c.allowMethods) ? c.allowMethods : []).forEach((m: unknown, i: number) => {
    // `*` is accepted from Istio 1.26 (validation.go at master, supportedCORSMethods; istio/istio#55313)
    // but refused by 1.24's webhook, and an object must pass both.
    const problem = m === '*' ? "'*' is accepted from Istio 1.26 only; list the methods for 1.24"
      : !isHttpMethod(String(m)) ? `'${m}' is not a supported HTTP method (upper case: GET, POST, ...)` : undefined;
    if (problem) report(Codes.VIRTUAL_SERVICE_REJECTED, `${at}.allowMethods[${i}]`, problem);
  });
  for (const list of ['allowHeaders', 'exposeHeaders']) {
    (Array.isArray(c[list]) ? c[list] : []).forEach((name: unknown, i: number) => {
      const text = String(name ?? '');
      const problem = text === '' ? 'a header name may not be empty' : text !== '*' && !TOKEN.test(text) ? `'${text}' is not a valid header name` : undefined;
      if (problem) report(Codes.HEADER_REJECTED, `${at}.${list}[${i}]`, problem);
    });
  }
  // maxAge: ValidateDuration (at least 1ms: the CRD's CEL rule, MESH151) and no nanoseconds part,
  // so whole seconds only; Envoy's max_age header is in seconds (https://fetch.spec.whatwg.org/#http-access-control-max-age).
  const ns = durationNanos(c.maxAge);
  if (ns !== undefined && ns >= 1e6 && Math.round(ns) % 1e9 !== 0) {
    report(Codes.WEBHOOK_DURATION_REJECTED, `${at}.maxAge`, `maxAge '${c.maxAge}' is not a whole number of seconds`);
  }
}

/**
 * validateHTTPRedirect, which stops at the first problem: a redirect changes the uri, authority,
 * scheme or port; its code is 3xx; the scheme is http or https; a port is in 1-65535
 * (agent/validation.go, ValidatePort). Setting both port and derivePort is the CRD schema's
 * (oneOf, MESH150).
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRedirect
 */
export function redirect(r: any, at: string, report: Report): void {
  if (!r || typeof r !== 'object') return;
  const set = (k: string) => typeof r[k] === 'string' && r[k] !== '';
  const portSet = (r.port !== undefined && r.port !== null) || (r.derivePort !== undefined && r.derivePort !== null);
  if (!set('uri') && !set('authority') && !set('scheme') && !portSet) {
    report(Codes.VIRTUAL_SERVICE_REJECTED, at, 'a redirect must set uri, authority, scheme or port');
    return;
  }
  const code = Number(r.redirectCode ?? 0);
  if (code !== 0 && (code < 300 || code > 399)) {
    report(Codes.VIRTUAL_SERVICE_REJECTED, `${at}.redirectCode`, `${code} is not a redirect code (3xx)`);
    return;
  }
  if (set('scheme') && r.scheme !== 'http' && r.scheme !== 'https') {
    report(Codes.VIRTUAL_SERVICE_REJECTED, `${at}.scheme`, `redirect scheme '${r.scheme}' is not "http" or "https"`);
    return;
  }
  const port = Number(r.port ?? 0);
  if (port > 65535) report(Codes.VIRTUAL_SERVICE_REJECTED, `${at}.port`, `port ${port} is not in 1-65535`);
}
