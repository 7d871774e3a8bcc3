import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';
import {
  EnvoyFilter,
  EnvoyFilterSpec,
  EnvoyFilterSpecConfigPatchesApplyTo as ApplyTo,
  EnvoyFilterSpecConfigPatchesMatchContext as Context,
  EnvoyFilterSpecConfigPatchesMatchRouteConfigurationVhostRouteAction as RouteAction,
  EnvoyFilterSpecConfigPatchesPatchOperation as Operation,
} from '../../../imports/networking.istio.io';
import { allRequests, envoySeconds, HCM, LOCAL_RATELIMIT, RATE_LIMIT_FILTER_PRIORITY } from './envoy-filter.render';
import { lazyWithoutUnset } from '../../private/defined';

/**
 * The EnvoyFilter of a `LocalRateLimit`: Envoy's local token bucket on a service's inbound requests, built at synth.
 */

/**
 * A token bucket, in Envoy's field names.
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/type/v3/token_bucket.proto
 */
export interface TokenBucket {
  /** The bucket's size: the most requests that pass at once. */
  readonly max_tokens: number;
  /** The tokens added at each fill. */
  readonly tokens_per_fill: number;
  /** How often the bucket is filled, as Envoy's Duration text. */
  readonly fill_interval: string;
}

/**
 * The bucket of a sidecar admitting `perPodRequestsPerSecond`, refilled every
 * `fillIntervalMs`: the tokens of one interval per fill, and `burst` (else two fills) at most.
 */
export function tokenBucket(perPodRequestsPerSecond: number, fillIntervalMs: number, burst: number | undefined): TokenBucket {
  const perFill = Math.round((perPodRequestsPerSecond * fillIntervalMs) / 1000);
  // Without a burst, one fill interval's unused tokens carry over (two fills' worth in the bucket).
  return { max_tokens: burst ?? 2 * perFill, tokens_per_fill: perFill, fill_interval: envoySeconds(fillIntervalMs) };
}

/**
 * A `LocalRateLimit` as its EnvoyFilter reads it: the construct passes itself (this module does
 * not import it, so that no import goes in a circle).
 */
export interface LocalRateLimitSource {
  /** The service whose pods enforce the limit. */
  readonly service: { readonly selectorLabels: Readonly<Record<string, string>> };
  /** Paths with limits of their own: the descriptor value (the route's name) and the path prefix. */
  readonly routes: readonly { readonly name: string; readonly pathPrefix: string }[];
  /** @internal The bucket of the service's own limit, or of route `route` (an index of `routes`), for the pods it runs. */
  _bucket(route?: number): TokenBucket;
}

/** An EnvoyFilter under `scope`, its spec rendered at synth by `spec()`. */
export function addEnvoyFilter(scope: Construct, id: string, metadata: ApiObjectMetadata, spec: () => EnvoyFilterSpec): ApiObject {
  return new EnvoyFilter(scope, id, { metadata, spec: lazyWithoutUnset(spec) });
}

/**
 * The spec of a service's local rate-limit EnvoyFilter: Envoy's local_ratelimit filter
 * before the inbound HTTP connection manager's others, and the routes' `rate_limits`
 * actions choosing their descriptors.
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto
 * @see https://istio.io/latest/docs/tasks/policy-enforcement/rate-limit/#local-rate-limit
 */
export function renderLocalRateLimitSpec(limit: LocalRateLimitSource): EnvoyFilterSpec {
  const routes = limit.routes;
  const config: Record<string, unknown> = {
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
    'stat_prefix': 'http_local_rate_limiter',
    'token_bucket': limit._bucket(),
    // Without these two the filter counts but never refuses (Envoy's default is 0%).
    'filter_enabled': allRequests('local_rate_limit_enabled'),
    'filter_enforced': allRequests('local_rate_limit_enforced'),
    'response_headers_to_add': [{ append_action: 'OVERWRITE_IF_EXISTS_OR_ADD', header: { key: 'x-local-rate-limit', value: 'true' } }],
    'descriptors': routes.length > 0
      ? routes.map((r, i) => ({ entries: [{ key: 'route', value: r.name }], token_bucket: limit._bucket(i) }))
      : undefined,
  };
  const patches: NonNullable<EnvoyFilterSpec['configPatches']> = [{
    applyTo: ApplyTo.HTTP_UNDERSCORE_FILTER,
    match: { context: Context.SIDECAR_UNDERSCORE_INBOUND, listener: { filterChain: { filter: { name: HCM } } } },
    patch: { operation: Operation.INSERT_UNDERSCORE_BEFORE, value: { name: LOCAL_RATELIMIT, typed_config: config } },
  }];
  if (routes.length > 0) {
    patches.push({
      applyTo: ApplyTo.HTTP_UNDERSCORE_ROUTE,
      match: { context: Context.SIDECAR_UNDERSCORE_INBOUND, routeConfiguration: { vhost: { route: { action: RouteAction.ANY } } } },
      patch: {
        operation: Operation.MERGE,
        value: {
          route: {
            rate_limits: routes.map((r) => ({
              actions: [{
                header_value_match: {
                  descriptor_key: 'route',
                  descriptor_value: r.name,
                  headers: [{ name: ':path', string_match: { prefix: r.pathPrefix } }],
                },
              }],
            })),
          },
        },
      },
    });
  }
  return { workloadSelector: { labels: { ...limit.service.selectorLabels } }, priority: RATE_LIMIT_FILTER_PRIORITY, configPatches: patches };
}
