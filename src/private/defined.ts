import { Lazy } from 'cdk8s';

/**
 * What a renderer hands cdk8s, without the fields it leaves unset. cdk8s's `ApiObject.toJson()`
 * resolves every value of the props (`resolve` in cdk8s lib/resolve.ts: for each key, however
 * empty, `App.of(apiObject)` walks up the tree and every resolver is asked) and then drops the
 * `undefined` and `null` ones (`sanitizeValue` in cdk8s lib/_util.ts), so leaving them out first
 * writes the same manifest for less work.
 */

/**
 * `value` with every `undefined` or `null` property of its plain objects left out, at any depth
 * of plain objects and arrays. Array elements are kept as they are (cdk8s keeps them too), and
 * anything that is not a plain object or an array (a `Lazy`, an `IntOrString`, a `Quantity`, a
 * `Duration`) is returned untouched, for cdk8s to resolve.
 */
export function withoutUnset<T>(value: T): T {
  return strip(value) as T;
}

function strip(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(strip);
  // What cdk8s walks into as a dictionary (lib/resolve.ts: `value.constructor == Object`), less
  // an object it resolves itself (one with a `resolve()`, lib/resolve.ts ImplicitTokenResolver).
  if ((v as object).constructor !== Object) return v;
  const o = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) {
    const x = o[k];
    if (x === undefined || x === null) continue;
    if (k === 'resolve' && typeof x === 'function') return v;
    out[k] = strip(x);
  }
  return out;
}

/**
 * A value cdk8s produces at synth (`Lazy.any`), without its unset fields: an object's content
 * worked out when the tree is complete, as every renderer writes it.
 */
export function lazyWithoutUnset(produce: () => unknown): any {
  return Lazy.any({ produce: () => withoutUnset(produce()) });
}
