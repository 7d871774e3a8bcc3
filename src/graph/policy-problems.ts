import { Codes } from '../core/codes';
import { describeDuration } from '../core/duration';
import { formatProblem } from '../core/errors';
import { durationProblems, integerProblems } from '../private/checks';
import { TierSettings } from '../core/tier';

/**
 * Problems with resolved traffic settings, each naming its field.
 * @internal
 */
export function policyProblems(p: TierSettings): string[] {
  const out = durationProblems({
    'timeout': p.timeout,
    'retries.perTryTimeout': p.retries?.perTryTimeout,
    'connectionPool.tcp.connectTimeout': p.connectionPool?.tcp?.connectTimeout,
    'connectionPool.http.idleTimeout': p.connectionPool?.http?.idleTimeout,
    'outlierDetection.interval': p.outlierDetection?.interval,
    'outlierDetection.baseEjectionTime': p.outlierDetection?.baseEjectionTime,
  });
  out.push(...integerProblems({
    'connectionPool.tcp.maxConnections': p.connectionPool?.tcp?.maxConnections,
    'connectionPool.http.http1MaxPendingRequests': p.connectionPool?.http?.http1MaxPendingRequests,
    'connectionPool.http.http2MaxRequests': p.connectionPool?.http?.http2MaxRequests,
    'connectionPool.http.maxRequestsPerConnection': p.connectionPool?.http?.maxRequestsPerConnection,
    'connectionPool.http.maxRetries': p.connectionPool?.http?.maxRetries,
    'outlierDetection.consecutive5xxErrors': p.outlierDetection?.consecutive5xxErrors,
    'outlierDetection.consecutiveGatewayErrors': p.outlierDetection?.consecutiveGatewayErrors,
  }, 1, 2 ** 31 - 1));
  out.push(...integerProblems({
    'outlierDetection.maxEjectionPercent': p.outlierDetection?.maxEjectionPercent,
    'outlierDetection.minHealthPercent': p.outlierDetection?.minHealthPercent,
  }, 0, 100));
  const retriesProblem = p.retries?.problem();
  if (retriesProblem) out.push(formatProblem(Codes.RETRY_ON_WITHOUT_ATTEMPTS, retriesProblem));
  const timeout = p.timeout;
  const perTry = p.retries?.disabled ? undefined : p.retries?.perTryTimeout;
  if (timeout !== undefined && perTry !== undefined && perTry.toMilliseconds({ integral: false }) > timeout.toMilliseconds({ integral: false })) {
    out.push(formatProblem(Codes.PER_TRY_TIMEOUT_EXCEEDS_TIMEOUT,
      `retries.perTryTimeout (${describeDuration(perTry)}) is longer than timeout (${describeDuration(timeout)})`));
  }
  return out;
}

/**
 * MESH058: a timeout given to a service of long-lived requests (`longLivedRequests`), whose routes carry
 * none: Envoy's route timeout, and a retry's per-try timeout, run from the end of the request until
 * the whole response is in, so either would end each stream at that mark.
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto#envoy-v3-api-field-config-route-v3-routeaction-timeout
 * @internal
 */
export function longLivedProblems(given: TierSettings): string[] {
  const out: string[] = [];
  for (const [field, d] of [['timeout', given.timeout], ['retries.perTryTimeout', given.retries?.perTryTimeout]] as const) {
    if (d === undefined) continue;
    out.push(formatProblem(Codes.LONG_LIVED_REQUESTS_TIMEOUT, `${field}: the service's requests are long-lived (longLivedRequests), `
      + `and Envoy would end each at ${describeDuration(d)} however busy it is; leave it out (a route of addRoute may set its own)`));
  }
  return out;
}
