/**
 * A gateway route's `pathPrefix` as the gateway matches it. Istio's `prefix` is Envoy's, a string prefix: `/graphql` would take
 * `/graphqlx` as well. So a prefix ending in `/` (`/api/`) is written as it is, the paths under it, and one that does not
 * (`/graphql`) as Gateway API's PathPrefix reads a path, element by element: the path itself (an `exact` match) and every path
 * below it (the `prefix` `/graphql/`), never `/graphqlx`. A GraphQL endpoint is `/graphql` itself, which `/graphql/` misses.
 * @see https://gateway-api.sigs.k8s.io/reference/spec/#pathmatchtype (PathPrefix: "/abc" matches "/abc" and "/abc/def", not "/abcd")
 * @see https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/route/v3/route_components.proto (RouteMatch.prefix)
 */

const SEGMENT = "[A-Za-z0-9._~!$&'()*+,;=:@%-]+";

/** `/`, a path ending in `/` (`/api/`), or a path of segments without one (`/graphql`). */
const PATH_PREFIX = new RegExp(`^/((${SEGMENT}/)*|(${SEGMENT}/)*${SEGMENT})$`);

/** True if `prefix` is a path prefix a gateway route takes. */
export function isPathPrefix(prefix: string): boolean {
  return PATH_PREFIX.test(prefix);
}

/** The VirtualService uri matches of `prefix`, any of which matches; undefined for `/`, every request. */
export function pathPrefixMatches(prefix: string): { uri: { prefix: string } | { exact: string } }[] | undefined {
  if (prefix === '/') return undefined;
  return prefix.endsWith('/') ? [{ uri: { prefix } }] : [{ uri: { exact: prefix } }, { uri: { prefix: `${prefix}/` } }];
}

/** The AuthorizationPolicy paths of `prefix` (a trailing `*` is a prefix there); undefined for `/`, every path. */
export function pathPrefixPaths(prefix: string): string[] | undefined {
  if (prefix === '/') return undefined;
  return prefix.endsWith('/') ? [`${prefix}*`] : [prefix, `${prefix}/*`];
}

/** A path `prefix` takes, for the route's flows: `/` for `/`, `/api/x` for `/api/`, `/graphql` for `/graphql`. */
export function pathPrefixSample(prefix: string): string {
  return prefix === '/' || !prefix.endsWith('/') ? prefix : `${prefix}x`;
}
