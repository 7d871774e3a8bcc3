/**
 * The checks of a route's props that the YAML cannot show, each with the construct path of the
 * route's contributor. A route an earlier one shadows is a rule over the rendered VirtualService
 * (MESH031, src/validate/analysis/shadowed-routes.ts), as are the combinations of actions istiod refuses (MESH160).
 */
import { Codes } from '../../core/codes';
import { formatProblem } from '../../core/errors';
import { isHeaderName, StringMatch } from '../../core/http';
import { dns1123LabelProblem, labelValueProblem } from '../../core/names';
import { re2Problem } from '../../core/re2';
import { describeDuration } from '../../core/duration';
import { durationProblems } from '../../private/checks';
import type { FaultInjection, HttpRouteOptions } from './http-route';

/** Problems with a fault, each naming its field. */
export function faultProblems(field: string, fault: FaultInjection): string[] {
  const out: string[] = [];
  if (!fault.delay && !fault.abort) out.push(formatProblem(Codes.OUT_OF_RANGE, `${field} needs a delay or an abort`));
  if (fault.delay) out.push(...durationProblems({ [`${field}.delay.fixedDelay`]: fault.delay.fixedDelay }));
  if (fault.abort && (!Number.isInteger(fault.abort.httpStatus) || fault.abort.httpStatus < 200 || fault.abort.httpStatus > 599)) {
    out.push(formatProblem(Codes.OUT_OF_RANGE, `${field}.abort.httpStatus must be from 200 to 599, got ${fault.abort.httpStatus}`));
  }
  return out;
}

function regexProblems(where: string, s: StringMatch | undefined): string[] {
  if (!s || s.kind !== 'regex') return [];
  const p = re2Problem(s.value);
  return p ? [formatProblem(Codes.INVALID_REGEX, `${where}: regex '${s.value}': ${p}`)] : [];
}

/**
 * Problems with one HTTP route's own fields, as istiod's webhook checks them
 * (pkg/config/validation/virtualservice.go validateHTTPRouteConflict and validation.go
 * validateHTTPRewrite, validateHTTPRedirect, validateHTTPDirectResponse in istio/istio).
 */
export function httpRouteProblems(where: string, r: HttpRouteOptions): string[] {
  const out: string[] = [];
  if (r.match.length === 0) out.push(formatProblem(Codes.INVALID_MATCH, `${where} has no match; only the default route may match everything`));
  r.match.forEach((m, i) => out.push(...matchProblems(`${where} match[${i}]`, m)));
  out.push(...actionProblems(where, r));
  if (r.fault) out.push(...faultProblems(`${where}: fault`, r.fault));
  out.push(
    ...durationProblems({
      [`${where}: timeout`]: r.timeout,
      [`${where}: retries.perTryTimeout`]: r.retries?.perTryTimeout,
      [`${where}: corsPolicy.maxAge`]: r.corsPolicy?.maxAge,
    }),
  );
  const perTry = r.retries?.disabled ? undefined : r.retries?.perTryTimeout;
  if (r.timeout && perTry && perTry.toMilliseconds({ integral: false }) > r.timeout.toMilliseconds({ integral: false })) {
    out.push(formatProblem(Codes.PER_TRY_TIMEOUT_EXCEEDS_TIMEOUT,
      `${where}: retries.perTryTimeout (${describeDuration(perTry)}) is longer than the route's timeout (${describeDuration(r.timeout)})`));
  }
  if (r.corsPolicy && r.corsPolicy.allowOrigins.length === 0)
    out.push(formatProblem(Codes.INVALID_MATCH, `${where}: corsPolicy.allowOrigins needs at least one origin`));
  for (const o of r.corsPolicy?.allowOrigins ?? []) out.push(...regexProblems(`${where}: corsPolicy.allowOrigins`, o));
  for (const dir of ['request', 'response'] as const) {
    const ops = r.headers?.[dir];
    for (const h of [...Object.keys(ops?.set ?? {}), ...Object.keys(ops?.add ?? {}), ...(ops?.remove ?? [])]) {
      // Envoy cannot modify pseudo-headers or Host (isInternalHeader in istio/istio's validation).
      if (h.startsWith(':') || h.toLowerCase() === 'host') {
        out.push(formatProblem(Codes.INVALID_MATCH, `${where}: headers.${dir}: '${h}' cannot be modified`));
      }
    }
  }
  return out;
}

/** One match of a route: header and query names and values, the URI's regex, source labels and namespace, the port. */
function matchProblems(at: string, m: HttpRouteOptions['match'][number]): string[] {
  const out: string[] = [];
  for (const [kind, map] of [['header', m.headers], ['withoutHeaders header', m.withoutHeaders]] as const) {
    for (const [h, v] of Object.entries(map ?? {})) {
      if (!isHeaderName(h)) out.push(formatProblem(Codes.INVALID_MATCH, `${at}: ${kind} '${h}' must be a lowercase HTTP token`));
      out.push(...regexProblems(`${at}.${kind === 'header' ? 'headers' : 'withoutHeaders'}.${h}`, v));
    }
  }
  for (const [q, v] of Object.entries(m.queryParams ?? {})) {
    if (v.kind === 'prefix')
      out.push(formatProblem(Codes.INVALID_MATCH, `${at}.queryParams.${q}: Istio matches query parameters exactly or by regex only`));
    out.push(...regexProblems(`${at}.queryParams.${q}`, v));
  }
  out.push(...regexProblems(`${at}.uri`, m.uri));
  for (const [k, v] of Object.entries(m.sourceLabels ?? {})) {
    const p = labelValueProblem(v);
    if (p) out.push(formatProblem(Codes.INVALID_MATCH, `${at}.sourceLabels.${k}: ${p}`));
  }
  if (m.sourceNamespace !== undefined && dns1123LabelProblem(m.sourceNamespace)) {
    out.push(formatProblem(Codes.INVALID_MATCH, `${at}.sourceNamespace: '${m.sourceNamespace}' is not a namespace name`));
  }
  if (m.port !== undefined && !(Number.isInteger(m.port) && m.port >= 1 && m.port <= 65535)) {
    out.push(formatProblem(Codes.OUT_OF_RANGE, `${at}.port must be a whole number from 1 to 65535, got ${m.port}`));
  }
  return out;
}

/**
 * What a route does besides matching, where the YAML cannot show it: destinations or a fault
 * beside a redirect or a direct response (the renderer drops them, so no VirtualService would say so),
 * a route with no destination, redirect or direct response, the statuses, the body's size and
 * a rewrite's regex. Which actions a rendered route may combine (a redirect beside a rewrite
 * or a direct response, a direct response beside a rewrite; a rewrite of the URI both ways or of nothing) is istiod's rule
 * (virtualservice.go validateHTTPRouteConflict, validation.go validateHTTPRewrite and
 * validateHTTPRedirect), checked once over the VirtualService (src/validate/webhook/http-route.ts,
 * MESH160) and reported on the construct that rendered it.
 */
function actionProblems(where: string, r: HttpRouteOptions): string[] {
  const out: string[] = [];
  const forwards = (r.destinations?.length ?? 0) > 0;
  if (r.redirect) {
    if (forwards) out.push(formatProblem(Codes.CONFLICTING_ROUTE_ACTION, `${where}: a redirect cannot also have destinations`));
    if (r.fault) out.push(formatProblem(Codes.CONFLICTING_ROUTE_ACTION, `${where}: a redirect cannot also inject faults`));
    const x = r.redirect;
    if (x.redirectCode !== undefined && !(Number.isInteger(x.redirectCode) && x.redirectCode >= 300 && x.redirectCode <= 399)) {
      out.push(formatProblem(Codes.INVALID_RESPONSE_STATUS, `${where}: redirect.redirectCode ${x.redirectCode} is not a 3xx code`));
    }
  } else if (r.directResponse) {
    if (forwards) out.push(formatProblem(Codes.CONFLICTING_ROUTE_ACTION, `${where}: a directResponse cannot also have destinations`));
    if (r.fault) out.push(formatProblem(Codes.CONFLICTING_ROUTE_ACTION, `${where}: a directResponse cannot also inject faults`));
  } else if (!forwards) {
    out.push(formatProblem(Codes.ROUTE_WITHOUT_DESTINATION, `${where} has no destination, redirect or directResponse: give it destinations`));
  }
  if (r.directResponse) {
    const s = r.directResponse.status;
    if (!(Number.isInteger(s) && s >= 200 && s <= 599)) {
      out.push(formatProblem(Codes.INVALID_RESPONSE_STATUS, `${where}: directResponse.status must be from 200 to 599, got ${s}`));
    }
    if (r.directResponse.body !== undefined && Buffer.byteLength(r.directResponse.body) >= 1024 * 1024) {
      out.push(formatProblem(Codes.OUT_OF_RANGE, `${where}: directResponse.body must be under 1 MB`));
    }
  }
  const regexRewrite = r.rewrite?.uriRegexRewrite;
  if (regexRewrite) {
    const p = re2Problem(regexRewrite.match);
    if (p) out.push(formatProblem(Codes.INVALID_REGEX, `${where}: rewrite.uriRegexRewrite.match '${regexRewrite.match}': ${p}`));
  }
  return out;
}
