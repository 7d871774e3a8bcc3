/**
 * The checks of a route's props that the YAML cannot show, each with the construct path of the
 * route's contributor. What the rendered VirtualService shows is checked once, over it: a route an
 * earlier one shadows (MESH031, src/validate/analysis/shadowed-routes.ts); istiod's webhook rules
 * (src/validate/webhook/http-route.ts, http-match.ts, http-policies.ts): the combinations of actions
 * (MESH160), header names and operations (MESH175), regexes (MESH176, MESH178), the statuses of a
 * redirect, a direct response and an abort and the body's size (MESH160, MESH307, MESH190), a fault
 * with neither delay nor abort (MESH307), match ports, source labels and namespaces (MESH180,
 * MESH186, MESH183). Each is reported on the construct that rendered the VirtualService, with the field.
 */
import { Codes } from '../../core/codes';
import { formatProblem } from '../../core/errors';
import { describeDuration } from '../../core/duration';
import { durationProblems } from '../../private/checks';
import { streamingContradiction } from '../../core/tier';
import type { FaultInjection, HttpRouteOptions } from './http-route';

/** Problems with a fault's delay, each naming its field (what it may hold is istiod's rule, over the VirtualService). */
export function faultProblems(field: string, fault: FaultInjection): string[] {
  return fault.delay ? durationProblems({ [`${field}.delay.fixedDelay`]: fault.delay.fixedDelay }) : [];
}

/** Problems with one HTTP route's own props that its VirtualService cannot show (see the module's comment for those it can). */
export function httpRouteProblems(where: string, r: HttpRouteOptions): string[] {
  const out: string[] = [];
  if (r.match.length === 0) out.push(formatProblem(Codes.INVALID_MATCH, `${where} has no match; only the default route may match everything`));
  out.push(...actionProblems(where, r));
  if (r.fault) out.push(...faultProblems(`${where}: fault`, r.fault));
  out.push(
    ...durationProblems({
      [`${where}: timeout`]: r.timeout,
      [`${where}: retries.perTryTimeout`]: r.retries?.perTryTimeout,
      [`${where}: corsPolicy.maxAge`]: r.corsPolicy?.maxAge,
    }),
  );
  const contradiction = streamingContradiction(r);
  if (contradiction) out.push(formatProblem(Codes.STREAMING_WITH_TIMEOUT, `${where}: ${contradiction}`));
  const perTry = r.retries?.disabled ? undefined : r.retries?.perTryTimeout;
  if (r.timeout && perTry && perTry.toMilliseconds({ integral: false }) > r.timeout.toMilliseconds({ integral: false })) {
    out.push(formatProblem(Codes.PER_TRY_TIMEOUT_EXCEEDS_TIMEOUT,
      `${where}: retries.perTryTimeout (${describeDuration(perTry)}) is longer than the route's timeout (${describeDuration(r.timeout)})`));
  }
  if (r.corsPolicy && r.corsPolicy.allowOrigins.length === 0)
    out.push(formatProblem(Codes.INVALID_MATCH, `${where}: corsPolicy.allowOrigins needs at least one origin`));
  return out;
}

/**
 * What a route does besides matching, where the YAML cannot show it: destinations or a fault
 * beside a redirect or a direct response (the renderer drops them, so no VirtualService would say
 * so), and a route with no destination, redirect or direct response.
 */
function actionProblems(where: string, r: HttpRouteOptions): string[] {
  const out: string[] = [];
  const forwards = (r.destinations?.length ?? 0) > 0;
  if (r.redirect) {
    if (forwards) out.push(formatProblem(Codes.CONFLICTING_ROUTE_ACTION, `${where}: a redirect cannot also have destinations`));
    if (r.fault) out.push(formatProblem(Codes.CONFLICTING_ROUTE_ACTION, `${where}: a redirect cannot also inject faults`));
  } else if (r.directResponse) {
    if (forwards) out.push(formatProblem(Codes.CONFLICTING_ROUTE_ACTION, `${where}: a directResponse cannot also have destinations`));
    if (r.fault) out.push(formatProblem(Codes.CONFLICTING_ROUTE_ACTION, `${where}: a directResponse cannot also inject faults`));
  } else if (!forwards) {
    out.push(formatProblem(Codes.ROUTE_WITHOUT_DESTINATION, `${where} has no destination, redirect or directResponse: give it destinations`));
  }
  return out;
}
