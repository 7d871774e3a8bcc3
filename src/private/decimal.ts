import { Codes } from '../core/codes';
import { MeshError } from '../core/errors';

/**
 * Numbers as exact decimals for generated text: `14.4 * 0.001` prints `0.0144`,
 * not `0.014400000000000001`. Twelve significant digits are far more than any
 * threshold needs and far fewer than the binary noise of a float.
 */
export function exactDecimal(n: number): string {
  if (!Number.isFinite(n)) throw new MeshError(Codes.OUT_OF_RANGE, `not a finite number: ${n}`);
  const rounded = Number(n.toPrecision(12));
  if (Object.is(rounded, -0)) return '0';
  // Number#toString switches to exponent form under 1e-6; PromQL and YAML take plain decimals.
  const text = String(rounded);
  if (!/e/i.test(text)) return text;
  return rounded.toFixed(20).replace(/0+$/, '').replace(/\.$/, '');
}

/** `percent` percent as a ratio, exactly: 0.1 → 0.001. */
export function percentToRatio(percent: number): number {
  return Number((percent / 100).toPrecision(12));
}
