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
