/**
 * The parts of an Istio AuthorizationPolicy rule that are plain values (what a request does,
 * a condition on one of its attributes), shared by the security view that states rules and the
 * renderer that writes them.
 */
import type { HttpMethod } from './http';

/**
 * What a request does. Fields are Istio's; HTTP fields only apply to HTTP ports.
 *
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Operation
 */
export interface AuthorizationOperation {
  /**
   * HTTP methods.
   * @default - any method
   */
  readonly methods?: readonly HttpMethod[];
  /**
   * Paths: exact, prefix (`/api/*`), suffix (`*.js`), or templates with `{*}` and `{**}`.
   * @default - any path
   */
  readonly paths?: readonly string[];
  /**
   * Paths excluded.
   * @default - none excluded
   */
  readonly notPaths?: readonly string[];
  /**
   * Destination ports (container ports).
   * @default - any port
   */
  readonly ports?: readonly number[];
}

/** A condition on a request attribute (`request.auth.claims[groups]`). */
export interface AuthorizationCondition {
  /** The attribute. */
  readonly key: string;
  /**
   * Values it may have.
   * @default - any
   */
  readonly values?: readonly string[];
  /**
   * Values it may not have.
   * @default - none
   */
  readonly notValues?: readonly string[];
}

/**
 * A call's paths as an authorization rule admits them: each path ending in `/*` with its
 * collection path too (`/api/orders/*` and `/api/orders`). Istio turns a trailing `*` into a
 * prefix match of what precedes it, so `/api/orders/*` needs the slash and refuses
 * `POST /api/orders`, the request that creates an order.
 * @see https://github.com/istio/istio/blob/1.24.6/pilot/pkg/security/authz/matcher/string.go (StringMatcherWithPrefix)
 */
export function withCollectionPaths(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    const collection = p.endsWith('/*') && p.length > 2 ? p.slice(0, -2) : undefined;
    if (collection && !collection.includes('*') && !paths.includes(collection) && !out.includes(collection)) out.push(collection);
    if (!out.includes(p)) out.push(p);
  }
  return out;
}

/** A path that an AuthorizationPolicy path (`/api/orders/*`, `/x/{*}/y`, `/a/{**}`) matches. */
export function concretePath(pattern: string): string {
  if (pattern === '*') return '/';
  return pattern.replace(/\{\*\*\}/g, 'x').replace(/\{\*\}/g, 'x').replace(/^\*/, '/x').replace(/\*$/, 'x');
}

/**
 * The requests that prove what a declared path admits, for a call recorded for another team
 * (whose admission is written apart from the call): over HTTP, the collection path of a path
 * ending in `/*` (which the library's admissions add, {@link withCollectionPaths}), the path made
 * concrete, and, for a pattern that admits any depth, a path one segment deeper. Istio turns a
 * trailing `*` into a prefix match, which admits `/api/stock/x/x`, while `{*}` matches one
 * segment and refuses it (pilot/pkg/security/authz/matcher: string.go `StringMatcherWithPrefix` for
 * `*`; path_template.go `PathTemplateMatcher`, Envoy's `uri_template`, for `{*}` and `{**}`); so `/api/stock/*` gives
 * `/api/stock`, `/api/stock/x` and `/api/stock/x/x`. Over gRPC, whose every request is
 * `POST /<package.Service>/<Method>`, the path made concrete alone.
 * @see https://github.com/istio/istio/blob/1.24.6/pilot/pkg/security/authz/matcher/string.go
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Operation
 */
export function pathSamples(pattern: string, http: boolean): string[] {
  const concrete = concretePath(pattern);
  if (!http) return [concrete];
  const anyDepth = pattern !== '*' && (pattern.endsWith('*') && !pattern.endsWith('{*}') || pattern.endsWith('{**}'));
  const out = withCollectionPaths([pattern]).map(concretePath);
  if (anyDepth) out.push(`${concrete}/x`);
  return [...new Set(out)];
}

/**
 * Whether two ALLOW-rule path patterns can match one request path. Istio's path match is exact,
 * a prefix `p*`, a suffix `*s` or presence `*` (security/authorization `StringMatch`,
 * pilot/pkg/security/authz/matcher `StringMatcherWithPrefix`); a suffix is taken to overlap any
 * prefix, which can only make a guard count where it might not.
 */
export function pathsOverlap(a: string, b: string): boolean {
  if (a === '*' || b === '*' || a === b) return true;
  const kind = (p: string) => (p.endsWith('*') ? 'prefix' : p.startsWith('*') ? 'suffix' : 'exact');
  const [ka, kb] = [kind(a), kind(b)];
  if (ka === 'suffix' || kb === 'suffix') {
    if (ka === 'exact') return a.endsWith(b.slice(1));
    if (kb === 'exact') return b.endsWith(a.slice(1));
    return ka !== kb || a.endsWith(b.slice(1)) || b.endsWith(a.slice(1));
  }
  if (ka === 'prefix' && kb === 'prefix') return a.startsWith(b.slice(0, -1)) || b.startsWith(a.slice(0, -1));
  if (ka === 'prefix') return b.startsWith(a.slice(0, -1));
  return a.startsWith(b.slice(0, -1));
}
