/** Header-name and regex rules istiod's webhook shares between its checks (pkg/config/validation/validation.go). */
import { Codes } from '../../core/codes';
import { envoyRegexProblem, goRegexpProblem } from '../../core/re2';
import { byteLength } from './hosts';
import type { Report } from './report';

/** RFC 7230 token characters (https://www.rfc-editor.org/rfc/rfc7230#section-3.2.6; validation.go, validHeaderNameRegex). */
export const TOKEN = /^[!#$%&'*+\-.^_`|~A-Za-z0-9]+$/;

/**
 * Why istiod refuses a regex (validation.go, validateStringRegexp): over 1024 bytes (Envoy's
 * program size, approximated by the length), or Go's regexp.Compile refuses it.
 */
export function regexProblem(re: string): string | undefined {
  if (byteLength(re) > 1024) return 'regex is too large, max length allowed is 1024';
  const problem = goRegexpProblem(re);
  return problem ? `${problem}; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)` : undefined;
}

/**
 * A regex istiod sends to Envoy: istiod's own check (an empty one, validateStringMatchRegexp; then
 * validateStringRegexp) as MESH176, and, for one istiod accepts, Envoy's RE2 program size in an
 * Istio proxy (src/core/re2.ts) as MESH178.
 */
export function regex(re: string, field: string, report: Report): void {
  if (re === '') { report(Codes.STRING_MATCH_REJECTED, field, 'regex string match should not be empty'); return; }
  const problem = regexProblem(re);
  if (problem) { report(Codes.STRING_MATCH_REJECTED, field, problem); return; }
  const envoy = envoyRegexProblem(re);
  if (envoy) report(Codes.REGEX_PROGRAM_TOO_LARGE, field, `istiod accepts this regex, but Envoy refuses the route configuration: ${envoy}`);
}
