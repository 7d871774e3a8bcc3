/**
 * Small builders for the PromQL of release rules: label selectors over Istio's
 * standard metrics, exact decimals, and the traffic guard.
 */
import { Codes } from '../core/codes';
import { MeshError } from '../core/errors';

/** A PromQL label selector, labels in the order given: `{a="x",b=~"y"}`. */
export function selector(labels: ReadonlyArray<readonly [string, string, ('=' | '=~')?]>): string {
  return `{${labels.map(([k, v, op]) => `${k}${op ?? '='}${JSON.stringify(v)}`).join(',')}}`;
}

/**
 * A number as an exact decimal, free of binary floating-point noise:
 * `decimal(0.07 / 100)` is `0.0007`, not `0.0007000000000000001`.
 */
export function decimal(n: number): string {
  if (!Number.isFinite(n)) throw new MeshError(Codes.OUT_OF_RANGE, `not a finite number: ${n}`);
  return String(Number(n.toPrecision(12)));
}

/** A percentage (5) as a ratio (0.05), exactly. */
export function ratioOf(percent: number): string {
  return decimal(percent / 100);
}
