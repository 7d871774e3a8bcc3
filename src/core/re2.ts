/**
 * Regular expressions as the two engines behind an Istio route read them, from a real RE2
 * implementation rather than an emulation: re2js (https://github.com/le0pard/re2js), the
 * JavaScript port of RE2/J, itself a port of Go's `regexp` package.
 *
 * - istiod's webhook compiles a regex with Go's `regexp.Compile` (istio/istio
 *   pkg/config/validation/validation.go, validateStringRegexp), after refusing one longer than
 *   1024 bytes; the API server compiles a CRD's `pattern` with Go's `regexp` too.
 * - Envoy matches with C++ RE2 and refuses (NACKs) a regex whose compiled program is larger than
 *   the runtime's `re2.max_program_size.error_level`, which Istio's bootstrap sets to 32768
 *   (istio/istio pkg/bootstrap/config.go; https://www.envoyproxy.io/docs/envoy/latest/api-v3/type/matcher/v3/regex.proto).
 *
 * @see https://github.com/google/re2/wiki/Syntax
 * @see https://pkg.go.dev/regexp/syntax
 */
import { RE2JS } from 're2js';
import { Codes } from './codes';
import { MeshError } from './errors';

/** The program size over which Envoy refuses a regex in an Istio proxy (pkg/bootstrap/config.go, re2.max_program_size.error_level). */
export const ENVOY_RE2_MAX_PROGRAM_SIZE = 32768;

/** What a compiled pattern offers: a search anywhere in the input, as Go's `MatchString`. */
export interface GoRegexp {
  /** True if the pattern matches somewhere in `input`. */
  test(input: string): boolean;
  /** `/<pattern>/`: a key that tells patterns apart (ajv caches compiled patterns by it). */
  toString(): string;
}

type Compiled = { readonly re?: RE2JS; readonly error?: string };
const cache = new Map<string, Compiled>();
const CACHE_LIMIT = 10_000;

function compile(pattern: string): Compiled {
  let c = cache.get(pattern);
  if (!c) {
    try {
      c = { re: RE2JS.compile(pattern) };
    } catch (e) {
      c = { error: (e as Error).message };
    }
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(pattern, c);
  }
  return c;
}

/**
 * RE2 refuses what needs backtracking; Go's messages name the construct, these say why.
 * Each entry: a test on the quoted part of Go's message, and the explanation appended.
 */
const HINTS: readonly [RegExp, string][] = [
  [/^\(\?<?[=!]/, 'RE2 has no lookaround'],
  [/^\(\?>/, 'RE2 has no atomic groups'],
  [/^\(\?\(/, 'RE2 has no conditionals'],
  [/^\\[1-9]/, 'RE2 has no backreferences'],
  [/^\\k/, 'RE2 has no named backreferences'],
  [/^.\+$/, 'RE2 has no possessive quantifiers'],
];

/** `error parsing regexp: invalid escape sequence: \`\e\`` → the message with a hint where one applies. */
function explain(message: string): string {
  const text = message.replace(/^error parsing regexp: /, '');
  const quoted = /`([^`]*)`/.exec(text)?.[1] ?? '';
  const hint = HINTS.find(([re]) => re.test(quoted))?.[1];
  return hint ? `${text} (${hint})` : text;
}

/**
 * Why Go's `regexp.Compile` refuses `pattern` (its message, with a hint where RE2's design is
 * the reason), or undefined if it compiles. Go's syntax: `(?i)` anywhere, `(?U)`, `(?s:.)`,
 * `\p{Greek}` and `(?P<name>...)` compile; `\u0041`, `\cA`, `\e`, lookaround, backreferences
 * and repeat counts over 1000 do not.
 */
export function goRegexpProblem(pattern: string): string | undefined {
  const { error } = compile(pattern);
  return error === undefined ? undefined : explain(error);
}

/**
 * Why Envoy refuses `pattern` in an Istio proxy: a compiled program larger than
 * {@link ENVOY_RE2_MAX_PROGRAM_SIZE}. The size is re2js's count of Go's program instructions,
 * which C++ RE2's byte-level program reaches or exceeds (a character class outside ASCII
 * compiles to several byte ranges there), so a pattern reported here is refused by Envoy.
 * Undefined if the pattern is within the limit or does not compile (see {@link goRegexpProblem}).
 */
export function envoyRegexProblem(pattern: string): string | undefined {
  const { re } = compile(pattern);
  if (!re) return undefined;
  const size = re.programSize();
  return size > ENVOY_RE2_MAX_PROGRAM_SIZE
    ? `its RE2 program has ${size} instructions, over the ${ENVOY_RE2_MAX_PROGRAM_SIZE} Envoy accepts in an Istio proxy `
      + '(re2.max_program_size.error_level)'
    : undefined;
}

/**
 * Why an Istio route cannot use `pattern` as a regex: Go's `regexp` does not compile it
 * (istiod refuses it), or Envoy's RE2 would refuse its program size; undefined if both accept it.
 * @internal
 */
export function re2Problem(pattern: string): string | undefined {
  return goRegexpProblem(pattern) ?? envoyRegexProblem(pattern);
}

/** `pattern` compiled with Go's syntax and semantics; throws a MeshError [MESH027] with Go's message if it does not compile. */
export function goRegexp(pattern: string): GoRegexp {
  const { re, error } = compile(pattern);
  if (!re) throw new MeshError(Codes.INVALID_REGEX, `regex '${pattern}': ${explain(error ?? '')}`);
  return { test: (input: string) => re.test(input), toString: () => `/${pattern}/` };
}
