import { Duration } from 'cdk8s';
import { Codes } from './codes';
import { MeshError } from './errors';

/**
 * Conversions of cdk8s `Duration` to the forms Istio and Prometheus accept.
 */

const MS_PER_S = 1000;

/**
 * Why a duration cannot be written as an Istio duration, or undefined when it can.
 * Istio durations are whole milliseconds and at least 1ms.
 * @internal
 */
export function istioDurationProblem(d: Duration): string | undefined {
  const ms = d.toMilliseconds({ integral: false });
  if (!Number.isFinite(ms)) return `${ms} is not a finite duration`;
  if (ms < 1) return `${describeMillis(ms)} is under 1ms`;
  if (!Number.isInteger(ms)) return `${describeMillis(ms)} is not a whole number of milliseconds`;
  return undefined;
}

/**
 * Renders a duration as Istio writes it: whole seconds as `15s`, anything else as `250ms`.
 * The one contract: it never throws. A duration Istio cannot take ({@link istioDurationProblem})
 * is written as it reads (`0.5ms`, `1.5ms`), and is reported with a code before anything is
 * written: by the construct or value class that takes it (MESH010), else over the manifests
 * (the CRD's CEL rule `duration(self) >= duration('1ms')`, istiod's ValidateDuration: MESH173).
 * Renderers run before every problem has been reported (the synth check renders to check JSON
 * patches), so rendering must not fail.
 * @internal
 */
export function toIstioDuration(d: Duration): string {
  if (istioDurationProblem(d)) return describeDuration(d);
  const ms = d.toMilliseconds({ integral: false });
  return ms % MS_PER_S === 0 ? `${ms / MS_PER_S}s` : `${ms}ms`;
}

/**
 * Parses an Istio duration string (`250ms`, `15s`, `1m`, `1h`, `1.5s`) to milliseconds; undefined if malformed.
 * @internal
 */
export function parseIstioDuration(text: string): number | undefined {
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!m) return undefined;
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * factor;
}

const PROM_UNITS: ReadonlyArray<readonly [string, number]> = [
  ['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1],
];

/**
 * Renders a duration as a Prometheus duration in its largest whole unit (`5m`, `1h`, `30d`).
 * Throws on a duration under 1ms or with a fraction of a millisecond.
 * @internal
 */
export function toPromDuration(d: Duration): string {
  const ms = d.toMilliseconds({ integral: false });
  if (!(ms >= 1) || !Number.isInteger(ms)) throw new MeshError(Codes.INVALID_DURATION, `invalid Prometheus duration: ${describeMillis(ms)}`);
  for (const [unit, size] of PROM_UNITS) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/**
 * Human form of a duration for messages: `250ms`, `15s`, `0.5ms`.
 * @internal
 */
export function describeDuration(d: Duration): string {
  return describeMillis(d.toMilliseconds({ integral: false }));
}

function describeMillis(ms: number): string {
  return ms >= MS_PER_S && ms % MS_PER_S === 0 ? `${ms / MS_PER_S}s` : `${ms}ms`;
}
