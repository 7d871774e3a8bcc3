/**
 * istiod's webhook check of one VirtualService HTTP route: a port of istio/istio
 * pkg/config/validation/virtualservice.go (validateHTTPRoute, validateHTTPRouteConflict) and
 * validation.go (validateHTTPFaultInjection, validateHTTPMirrors, validateHTTPDirectResponse,
 * validateHTTPRetry, validateHTTPRewrite, validateURIRegexRewrite) and agent/validation.go
 * (ValidateDuration). Matches and headers are in http-match.ts, CORS and redirect in
 * http-policies.ts, destinations in destination.ts. Istio 1.30 adds `retries.backoff`.
 */
import { Codes } from '../../core/codes';
import { IstioVersion } from '../../core/istio-version';
import { destination, routeDestinations } from './destination';
import { headerOperations, matches } from './http-match';
import { corsPolicy, redirect } from './http-policies';
import type { Report } from './report';
import { regex } from './strings';
import { duration } from './traffic-policy';
import { isSet, list, num, obj, str, wrapped } from '../values';

/** Retry conditions Envoy and Istio know (validation.go, supportedRetryOnPolicies), besides HTTP status codes. */
const RETRY_ON = new Set([
  '5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'envoy-ratelimited', 'retriable-4xx',
  'refused-stream', 'retriable-status-codes', 'retriable-headers', 'http3-post-connect-failure',
  'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
]);

/** gRPC status names (pkg/util/grpc/codes.go, SupportedGRPCStatus; https://github.com/grpc/grpc/blob/master/doc/statuscodes.md). */
const GRPC_STATUS = new Set([
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE',
  'DATA_LOSS', 'UNAUTHENTICATED',
]);

/** Status codes Go's net/http names (http.StatusText is not empty), which retryOn accepts (strconv.Atoi of the policy). */
function isKnownHttpStatus(text: string): boolean {
  if (!/^[+-]?[0-9]+$/.test(text)) return false;
  const n = Number(text);
  return (n >= 100 && n <= 103) || (n >= 200 && n <= 208) || n === 226 || (n >= 300 && n <= 308 && n !== 306)
    || (n >= 400 && n <= 418) || (n >= 421 && n <= 426) || n === 428 || n === 429 || n === 431 || n === 451
    || (n >= 500 && n <= 508) || n === 510 || n === 511;
}

/** validatePercentage: 0, or between 0.0001 and 100. */
function percentageProblem(p: unknown): string | undefined {
  const o = obj(p);
  if (!o) return undefined;
  const v = num(o.value);
  return v < 0 || v > 100 || (v > 0 && v < 0.0001) ? `percentage ${v} is neither 0.0, nor in range [0.0001, 100.0]` : undefined;
}

/** validateHTTPRouteConflict: what a root route (with delegate), a delegate's route and any route may combine. */
function conflicts(r: Record<string, any>, at: string, delegate: boolean, report: Report): void {
  const fail = (field: string, message: string) => report(Codes.VIRTUAL_SERVICE_REJECTED, field, message);
  const has = (k: string) => isSet(r[k]);
  const routes = list(r.route);
  if (!delegate && has('delegate')) {
    if (has('redirect')) fail(`${at}.redirect`, `root HTTP route ${str(r.name)} must not specify redirect`);
    if (routes.length > 0) fail(`${at}.route`, `root HTTP route ${str(r.name)} must not specify route`);
    return;
  }
  if (delegate && has('delegate')) fail(`${at}.delegate`, 'delegate HTTP route cannot contain delegate');
  if (has('redirect')) {
    if (routes.length > 0) fail(`${at}.route`, 'HTTP route cannot contain both route and redirect');
    if (has('fault')) fail(`${at}.fault`, 'HTTP route cannot contain both fault and redirect');
    if (has('rewrite')) fail(`${at}.rewrite`, 'HTTP route rule cannot contain both rewrite and redirect');
    if (has('directResponse')) fail(`${at}.directResponse`, 'HTTP route rule cannot contain both direct_response and redirect');
  } else if (has('directResponse')) {
    if (routes.length > 0) fail(`${at}.route`, 'HTTP route cannot contain both route and direct_response');
    if (has('fault')) fail(`${at}.fault`, 'HTTP route cannot contain both fault and direct_response');
    if (has('rewrite')) fail(`${at}.rewrite`, 'HTTP route rule cannot contain both rewrite and direct_response');
  } else if (routes.length === 0) {
    fail(at, 'HTTP route, redirect or direct_response is required');
  }
  if (has('mirror') && list(r.mirrors).length > 0) fail(`${at}.mirrors`, 'HTTP route cannot contain both mirror and mirrors');
}

/** validateHTTPFaultInjection: an abort and/or a delay, percentages, an HTTP status 200-600 or a gRPC status name. */
function fault(f: unknown, at: string, report: Report): void {
  const o = obj(f);
  if (!o) return;
  const fail = (field: string, message: string) => report(Codes.FAULT_OUT_OF_RANGE, field, message);
  if (!isSet(o.abort) && !isSet(o.delay)) fail(at, 'HTTP fault injection must have an abort and/or a delay');
  const abort = obj(o.abort);
  if (abort) {
    const p = percentageProblem(abort.percentage);
    if (p) fail(`${at}.abort.percentage.value`, p);
    if (isSet(abort.grpcStatus)) {
      if (!GRPC_STATUS.has(str(abort.grpcStatus))) fail(`${at}.abort.grpcStatus`,
        `gRPC status ${JSON.stringify(str(abort.grpcStatus))} is not supported (NOT_FOUND, UNAVAILABLE, ...)`);
    } else if (isSet(abort.http2Error)) {
      fail(`${at}.abort.http2Error`, 'HTTP/2 abort fault injection not supported yet');
    } else if (isSet(abort.httpStatus)) {
      const s = num(abort.httpStatus);
      if (s < 200 || s > 600) fail(`${at}.abort.httpStatus`, `HTTP status ${s} is not in range 200-599`);
      else envoyStatus(s, `${at}.abort.httpStatus`, report);
    } else {
      report(Codes.WEBHOOK_WARNING, `${at}.abort`, 'abort configured, but error type not set', 'warning');
    }
  }
  const delay = obj(o.delay);
  if (delay) {
    const p = percentageProblem(delay.percentage);
    if (p) fail(`${at}.delay.percentage.value`, p);
    duration(delay.fixedDelay, `${at}.delay.fixedDelay`, report);
    if (isSet(delay.exponentialDelay)) {
      duration(delay.exponentialDelay, `${at}.delay.exponentialDelay`, report);
      fail(`${at}.delay.exponentialDelay`, 'exponentialDelay not supported yet');
    }
  }
}

/** mirrorPercent (deprecated), mirrorPercentage, mirror and mirrors (validateHTTPMirrors). */
function mirrors(r: Record<string, any>, at: string, report: Report): void {
  const fail = (field: string, message: string) => report(Codes.VIRTUAL_SERVICE_REJECTED, field, message);
  if (isSet(r.mirrorPercent)) {
    const v = wrapped(r.mirrorPercent);
    if (v > 100) fail(`${at}.mirrorPercent`, `mirror_percent must have a max value of 100 (it has ${v})`);
    report(Codes.DEPRECATED_FIELD, `${at}.mirrorPercent`, 'using deprecated setting "mirrorPercent", use "mirrorPercentage" instead', 'warning');
  }
  const pct = obj(r.mirrorPercentage);
  if (pct) {
    const v = num(pct.value);
    if (v > 100) fail(`${at}.mirrorPercentage.value`, `mirror_percentage must have a max value of 100 (it has ${v})`);
    if (v < 0) fail(`${at}.mirrorPercentage.value`, `mirror_percentage must have a min value of 0 (it has ${v})`);
  }
  destination(r.mirror, `${at}.mirror`, report);
  list(r.mirrors).forEach((raw, i) => {
    const m = obj(raw);
    const mat = `${at}.mirrors[${i}]`;
    if (!m) { fail(mat, 'mirror cannot be null'); return; }
    if (!isSet(m.destination)) { fail(`${mat}.destination`, 'destination is required for mirrors'); return; }
    destination(m.destination, `${mat}.destination`, report);
    const p = obj(m.percentage);
    if (p && num(p.value) > 100) fail(`${mat}.percentage.value`, `mirror percentage must have a max value of 100 (it has ${num(p.value)})`);
    if (p && num(p.value) < 0) fail(`${mat}.percentage.value`, `mirror percentage must have a min value of 0 (it has ${num(p.value)})`);
  });
}

/** validateHTTPDirectResponse: a body under 1 MiB (a warning over 100 KiB), a status 200-600. */
function directResponse(d: unknown, at: string, report: Report): void {
  const o = obj(d);
  if (!o) return;
  const body = obj(o.body);
  if (body) {
    const size = typeof body.string === 'string' ? Buffer.byteLength(body.string, 'utf8')
      : typeof body.bytes === 'string' ? Buffer.from(body.bytes, 'base64').length : 0;
    if (size > 1024 * 1024) report(Codes.VIRTUAL_SERVICE_REJECTED, `${at}.body`,
      'large direct_responses may impact control plane performance, must be less than 1MB');
    else if (size > 100 * 1024) report(Codes.WEBHOOK_WARNING, `${at}.body`, 'large direct_responses may impact control plane performance', 'warning');
  }
  const status = num(o.status);
  if (status < 200 || status > 600) report(Codes.VIRTUAL_SERVICE_REJECTED, `${at}.status`, `HTTP status ${status} is not in range 200-599`);
  else envoyStatus(status, `${at}.status`, report);
}

/**
 * istiod's validateHTTPStatus admits 200-600 (it refuses `status > 600`), and translates the status as it is; Envoy
 * refuses 600 (envoy/config/route/v3/route_components.proto DirectResponseAction.status and
 * envoy/extensions/filters/http/fault/v3/fault.proto FaultAbort.http_status: `uint32 = {lt: 600 gte: 200}`), so the
 * proxies reject the route configuration.
 */
function envoyStatus(status: number, field: string, report: Report): void {
  if (status === 600) {
    const message = 'istiod accepts HTTP status 600, but Envoy refuses the route configuration: give a status from 200 to 599';
    report(Codes.STATUS_ENVOY_REFUSES, field, message);
  }
}

/** validateHTTPRetry: attempts not negative, no settings with attempts 0, retryOn policies Envoy knows, durations (backoff from 1.30). */
function retries(value: unknown, at: string, report: Report, version: IstioVersion): void {
  const o = obj(value);
  if (!o) return;
  const attempts = num(o.attempts);
  if (attempts < 0) report(Codes.VIRTUAL_SERVICE_REJECTED, `${at}.attempts`, 'attempts cannot be negative');
  if (attempts === 0 && (isSet(o.perTryTimeout) || str(o.retryOn) !== '' || isSet(o.retryRemoteLocalities))) {
    report(Codes.RETRY_ON_WITHOUT_ATTEMPTS, at, 'retryOn, perTryTimeout or retryRemoteLocalities with attempts 0, which disables retries');
  }
  duration(o.perTryTimeout, `${at}.perTryTimeout`, report);
  if (str(o.retryOn) !== '') {
    for (const policy of str(o.retryOn).split(',')) {
      if (!RETRY_ON.has(policy) && !isKnownHttpStatus(policy)) report(Codes.VIRTUAL_SERVICE_REJECTED, `${at}.retryOn`,
        `${JSON.stringify(policy)} is not a valid retryOn policy`);
    }
  }
  if (version !== '1.24') duration(o.backoff, `${at}.backoff`, report);
}

/** validateHTTPRewrite: uri or uriRegexRewrite, not both; something to rewrite; a regex rewrite with both fields and a regex istiod accepts. */
function rewrite(value: unknown, at: string, report: Report): void {
  const o = obj(value);
  if (!o) return;
  const fail = (message: string) => report(Codes.VIRTUAL_SERVICE_REJECTED, at, message);
  const regexRewrite = obj(o.uriRegexRewrite);
  if (str(o.uri) !== '' && regexRewrite) { fail('rewrite may only contain one of URI or UriRegexRewrite'); return; }
  if (str(o.uri) === '' && !regexRewrite && str(o.authority) === '') {
    fail('rewrite must specify at least one of URI, UriRegexRewrite, or authority. Only one of URI or UriRegexRewrite may be specified');
    return;
  }
  if (!regexRewrite) return;
  if (str(regexRewrite.match) === '' || str(regexRewrite.rewrite) === '') {
    fail('UriRegexRewrite has errors: UriRegexRewrite requires both Rewrite and Match fields to be specified');
    return;
  }
  regex(str(regexRewrite.match), `${at}.uriRegexRewrite.match`, report);
}

/** One HTTP route (validateHTTPRoute): every check istiod makes, in its order. */
export function httpRoute(raw: unknown, at: string, delegate: boolean, report: Report, version: IstioVersion, gatewaySemantics = false): void {
  const r = obj(raw);
  if (!r) { report(Codes.VIRTUAL_SERVICE_REJECTED, at, 'http route may not be null'); return; }
  conflicts(r, at, delegate, report);
  matches(r, at, report);
  headerOperations(r, at, report);
  corsPolicy(r.corsPolicy, `${at}.corsPolicy`, report, version);
  fault(r.fault, `${at}.fault`, report);
  mirrors(r, at, report);
  redirect(r.redirect, `${at}.redirect`, report);
  directResponse(r.directResponse, `${at}.directResponse`, report);
  retries(r.retries, `${at}.retries`, report, version);
  rewrite(r.rewrite, `${at}.rewrite`, report);
  routeDestinations(r.route, `${at}.route`, report, gatewaySemantics);
  duration(r.timeout, `${at}.timeout`, report);
}
