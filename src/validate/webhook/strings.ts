/** Header-name and regex rules istiod's webhook shares between its checks (pkg/config/validation/validation.go). */
import { re2Problem } from '../../core/re2';

/** RFC 7230 token characters (https://www.rfc-editor.org/rfc/rfc7230#section-3.2.6; validation.go, validHeaderNameRegex). */
export const TOKEN = /^[!#$%&'*+\-.^_`|~A-Za-z0-9]+$/;

/**
 * Why istiod refuses a regex string match: empty, over 1024 characters (Envoy's
 * re2.max_program_size, approximated by the length) or not RE2 (validation.go,
 * validateStringMatchRegexp and validateStringRegexp).
 */
export function regexProblem(re: string): string | undefined {
  if (re === '') return 'a regex match may not be empty';
  if (re.length > 1024) return `a regex of ${re.length} characters is over 1024`;
  return re2Problem(re);
}
