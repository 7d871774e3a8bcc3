import { Duration } from 'cdk8s';
import { Codes } from '../core/codes';
import { istioDurationProblem } from '../core/duration';
import { formatProblem } from '../core/errors';

/** Problems with each named duration that is set. */
export function durationProblems(fields: Record<string, Duration | undefined>): string[] {
  const out: string[] = [];
  for (const [field, d] of Object.entries(fields)) {
    if (!d) continue;
    const p = istioDurationProblem(d);
    if (p) out.push(formatProblem(Codes.INVALID_DURATION, `${field}: ${p}`));
  }
  return out;
}

/** Problems with each named number that is set and is not a whole number in [min, max]. */
export function integerProblems(fields: Record<string, number | undefined>, min: number, max = Number.MAX_SAFE_INTEGER): string[] {
  const out: string[] = [];
  for (const [field, n] of Object.entries(fields)) {
    if (n === undefined) continue;
    if (!Number.isInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
      out.push(formatProblem(Codes.OUT_OF_RANGE, `${field} must be a whole number ${range}, got ${n}`));
    }
  }
  return out;
}
