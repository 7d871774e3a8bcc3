import { Codes } from '../core/codes';
import { describeDuration } from '../core/duration';
import { formatProblem } from '../core/errors';
import { durationProblems, integerProblems } from '../private/checks';
import { streamingContradiction, TierSettings } from '../core/tier';

/**
 * Problems with resolved traffic settings `p`, each naming its field, and with the settings
 * `own` as the service gave them (a stream with a timeout).
 * @internal
 */
export function policyProblems(p: TierSettings, own: TierSettings = {}): string[] {
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
    'connectionPool.http.maxRetries': p.connectionPool?.http?.maxRetries,
  }, 1, 2 ** 31 - 1));
  // 0 means something to istiod here: no limit of requests per connection, an ejection turned off (applyOutlierDetection).
  out.push(...integerProblems({
    'connectionPool.http.maxRequestsPerConnection': p.connectionPool?.http?.maxRequestsPerConnection,
    'outlierDetection.consecutive5xxErrors': p.outlierDetection?.consecutive5xxErrors,
    'outlierDetection.consecutiveGatewayErrors': p.outlierDetection?.consecutiveGatewayErrors,
  }, 0, 2 ** 31 - 1));
  out.push(...integerProblems({
    'outlierDetection.maxEjectionPercent': p.outlierDetection?.maxEjectionPercent,
    'outlierDetection.minHealthPercent': p.outlierDetection?.minHealthPercent,
  }, 0, 100));
  const contradiction = streamingContradiction(own);
  if (contradiction) out.push(formatProblem(Codes.STREAMING_WITH_TIMEOUT, contradiction));
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
