import { Lazy } from 'cdk8s';
import { inOnePass } from './fast-to-json';

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
 * `Duration`) is returned untouched, for cdk8s to resolve. An object or array with nothing to leave
 * out, at any depth, is returned itself rather than copied: cdk8s copies what it resolves and never
 * changes its input, and most of a renderer's output has no unset field.
 */
export function withoutUnset<T>(value: T): T {
  // Rendered in one pass (fast-to-json.ts), the unset fields cost nothing more: they are dropped as the value is copied.
  return inOnePass() ? value : (strip(value) as T);
}

function strip(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return stripArray(v);
  // What cdk8s walks into as a dictionary (lib/resolve.ts: `value.constructor == Object`), less
  // an object it resolves itself (one with a `resolve()`, lib/resolve.ts ImplicitTokenResolver).
  if ((v as object).constructor !== Object) return v;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  // The copy, made at the first key whose value is unset or changes; until then `o` itself serves.
  let out: Record<string, unknown> | undefined;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const x = o[k];
    if (k === 'resolve' && typeof x === 'function') return v;
    const unset = x === undefined || x === null;
    const y = unset ? x : strip(x);
    if (!out && (unset || y !== x)) {
      out = {};
      for (let j = 0; j < i; j++) out[keys[j]] = o[keys[j]];
    }
    if (out && !unset) out[k] = y;
  }
  return out ?? o;
}

function stripArray(a: readonly unknown[]): unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < a.length; i++) {
    const y = strip(a[i]);
    if (!out && y !== a[i]) out = a.slice(0, i);
    if (out) out.push(y);
  }
  return out ?? (a as unknown[]);
}

/**
 * A value cdk8s produces at synth (`Lazy.any`), without its unset fields: an object's content
 * worked out when the tree is complete, as every renderer writes it.
 */
export function lazyWithoutUnset(produce: () => unknown): any {
  return Lazy.any({ produce: () => withoutUnset(produce()) });
}
