import { Duration } from 'cdk8s';

/**
 * A duration as Go's time.ParseDuration reads it (Flagger's fields): the largest
 * whole unit among h, m, s and ms (`5m`, `90s`, `500ms`). Days are not a Go unit.
 * Undefined when the duration is not a whole number of milliseconds of at least 1ms.
 */
export function toGoDuration(d: Duration): string | undefined {
  const ms = d.toMilliseconds({ integral: false });
  if (!(ms >= 1) || !Number.isInteger(ms)) return undefined;
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
