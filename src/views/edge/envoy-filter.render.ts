/** Envoy names and fragments shared by the rate-limit EnvoyFilters. */

export const HCM = 'envoy.filters.network.http_connection_manager';
export const ROUTER = 'envoy.filters.http.router';
export const LOCAL_RATELIMIT = 'envoy.filters.http.local_ratelimit';
export const RATELIMIT = 'envoy.filters.http.ratelimit';
/**
 * The EnvoyFilter priority of the rate-limit filters: an INSERT_BEFORE is relative to what
 * other EnvoyFilters insert, so the order is stated rather than left to creation time
 * (EnvoyFilter.priority: lower applies first, default 0; istioctl analyze IST0151).
 */
export const RATE_LIMIT_FILTER_PRIORITY = 10;

/** A runtime fraction of 100%: Envoy's local rate limit is off (0%) unless told otherwise. */
export function allRequests(runtimeKey: string): Record<string, unknown> {
  return { runtime_key: runtimeKey, default_value: { numerator: 100, denominator: 'HUNDRED' } };
}

/** Seconds as Envoy's proto Duration text (`1s`, `0.5s`). */
export function envoySeconds(ms: number): string {
  return `${ms / 1000}s`;
}
