/**
 * Kubernetes quantities (`100m`, `128Mi`, `1.5`, `2e3`) as exact values, to compare a
 * request with its limit as the API server does (`resource.Quantity.Cmp`).
 * @see https://github.com/kubernetes/apimachinery/blob/master/pkg/api/resource/quantity.go (ParseQuantity, the suffixes)
 */

/** A quantity as the exact fraction numerator / denominator. */
export interface ExactQuantity {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

/** quantity.go's suffixes: binary SI (powers of 2), decimal SI (powers of 10). */
const BINARY: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/** quantity.go's grammar: `<signedNumber><suffix>`, the suffix binary SI, decimal SI or a decimal exponent (`e3`, `E-2`). */
const QUANTITY = /^([+-]?)(\d*)(?:\.(\d*))?(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

/** `value` (a string, or a number as YAML reads `cpu: 1`) as an exact fraction; undefined if it is no quantity. */
export function parseQuantity(value: unknown): ExactQuantity | undefined {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof text !== 'string') return undefined;
  const m = QUANTITY.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const [, sign, whole, fraction = '', suffix = ''] = m;
  let numerator = BigInt(`${whole}${fraction}` || '0') * (sign === '-' ? -1n : 1n);
  let ten = -fraction.length;
  if (suffix in BINARY) numerator *= 2n ** BigInt(BINARY[suffix]);
  else if (suffix in DECIMAL) ten += DECIMAL[suffix];
  else ten += Number(suffix.slice(1));
  let denominator = 1n;
  if (ten >= 0) numerator *= 10n ** BigInt(ten);
  else denominator = 10n ** BigInt(-ten);
  return { numerator, denominator };
}

/** -1, 0 or 1 as `a` is below, equal to or above `b`. */
export function compareQuantities(a: ExactQuantity, b: ExactQuantity): number {
  const l = a.numerator * b.denominator;
  const r = b.numerator * a.denominator;
  return l < r ? -1 : l > r ? 1 : 0;
}
