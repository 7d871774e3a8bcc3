import { Codes } from './codes';
import { MeshError } from './errors';
import { re2Problem } from './re2';

/** An HTTP request method. */
export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'CONNECT' | 'OPTIONS' | 'TRACE' | 'PATCH';

/**
 * Every HTTP method, in RFC 9110 order, then PATCH.
 * @internal
 */
export const HTTP_METHODS: readonly HttpMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'];

/**
 * Methods that RFC 9110 defines as idempotent: safe to send twice.
 * @internal
 */
export const IDEMPOTENT_METHODS: readonly HttpMethod[] = ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE'];

/**
 * True if `m` is an HTTP method.
 * @internal
 */
export function isHttpMethod(m: string): m is HttpMethod {
  return (HTTP_METHODS as readonly string[]).includes(m);
}

/** How a header or URI is matched. */
export type StringMatchKind = 'exact' | 'prefix' | 'regex';

/**
 * A string match for a header or URI in a route.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#StringMatch
 */
export class StringMatch {
  /** Equal to `value`. */
  public static exact(value: string): StringMatch {
    return new StringMatch('exact', value);
  }

  /** Starting with `value`, which must not be empty. */
  public static prefix(value: string): StringMatch {
    if (value === '') throw new MeshError(Codes.INVALID_MATCH, 'a prefix match needs a non-empty prefix');
    return new StringMatch('prefix', value);
  }

  /**
   * Matching the RE2 expression `value` (Envoy's engine, Go's syntax), which must compile
   * with Go's regexp (istiod's check: no lookaround, backreferences or `\e`) and stay within
   * the RE2 program size Envoy accepts in an Istio proxy (MESH027).
   * @see https://github.com/google/re2/wiki/Syntax
   */
  public static regex(value: string): StringMatch {
    const problem = re2Problem(value);
    if (problem) throw new MeshError(Codes.INVALID_REGEX, `regex '${value}': ${problem}`);
    return new StringMatch('regex', value);
  }

  private constructor(
    /** exact, prefix or regex. */
    public readonly kind: StringMatchKind,
    /** What is matched. */
    public readonly value: string,
  ) {}

  /** `exact "true"` */
  public toString(): string {
    return `${this.kind} ${JSON.stringify(this.value)}`;
  }
}

/**
 * True if `name` is a header name Istio accepts in a match: lowercase HTTP token characters.
 * @internal
 */
export function isHeaderName(name: string): boolean {
  return /^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(name);
}
