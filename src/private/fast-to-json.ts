/*
 * cdk8s's rendering of an ApiObject, in one pass. `ApiObject.toJson` (cdk8s lib/api-object.ts) resolves the
 * object's props (lib/resolve.ts `resolve`: for every value, `App.of` the object, a resolution context, each of the
 * app's resolvers in turn, a copy of the key path, `Object.entries`), copies the result again with sorted keys and
 * without null values (lib/_util.ts `sanitizeValue`), applies its JSON patches and puts apiVersion, kind and metadata
 * first. At 25,000 objects that is half of everything a synth allocates, and a fifth of its own thread's time.
 *
 * {@link renderingInOnePass} gives the same result for an app whose resolvers are cdk8s's own (no `resolvers` in its
 * props): each value is resolved as those three resolvers resolve it (a `Lazy` is produced, a value with a
 * `resolve()` is resolved, a number-or-string union object becomes `{ value }`), in the same order (a producer with
 * side effects sees the same sequence), and copied once, keys sorted unless `CDK8S_DISABLE_SORT` is set. An app with
 * resolvers of its own, an object of another app, or an ApiObject without the fields cdk8s's `toJson` reads is
 * rendered by cdk8s's own code. test/private/fast-to-json.test.ts compares both over generated values.
 */
import { ApiObject, App, ImplicitTokenResolver, JsonPatch, Lazy, LazyResolver, NumberStringUnionResolver } from 'cdk8s';

/** What an ApiObject keeps that its `toJson` reads (private in cdk8s's types). */
interface ApiObjectFields {
  readonly props?: unknown;
  readonly patches?: unknown;
}

/** The app whose objects render in one pass right now. */
let rendering: App | undefined;

/**
 * Runs `f` with every ApiObject of `app` rendered in one pass (see the file's comment), and cdk8s's
 * `ApiObject.prototype.toJson` restored after; `f` alone where `app` has resolvers of its own.
 */
export function renderingInOnePass<T>(app: App, f: () => T): T {
  if (rendering !== undefined || !hasOnlyDefaultResolvers(app)) return f();
  const proto = ApiObject.prototype as { toJson(): any };
  const cdk8sToJson = proto.toJson;
  rendering = app;
  proto.toJson = function toJson(this: ApiObject) {
    return rendering !== undefined && App.of(this) === rendering ? onePass(this) ?? cdk8sToJson.call(this) : cdk8sToJson.call(this);
  };
  try {
    return f();
  } finally {
    proto.toJson = cdk8sToJson;
    rendering = undefined;
  }
}

/**
 * Whether ApiObjects render in one pass right now ({@link renderingInOnePass}): a value whose unset fields cdk8s's
 * resolve would walk need not be stripped of them first (defined.ts), since one pass drops them as it copies.
 */
export function inOnePass(): boolean {
  return rendering !== undefined;
}

/** Whether `app`'s resolvers are cdk8s's own three (lib/app.ts: the app's `resolvers` prop comes first). */
function hasOnlyDefaultResolvers(app: App): boolean {
  const r = app.resolvers;
  return r.length === 3 && r[0] instanceof LazyResolver && r[1] instanceof ImplicitTokenResolver && r[2] instanceof NumberStringUnionResolver;
}

/** `o.toJson()` as cdk8s renders it; undefined where `o` lacks the fields its `toJson` reads. */
function onePass(o: ApiObject): any {
  const { props, patches } = o as unknown as ApiObjectFields;
  if (typeof props !== 'object' || props === null || !Array.isArray(patches)) return undefined;
  try {
    const data = { ...props, metadata: o.metadata.toJson() };
    const json = resolved(data, !process.env.CDK8S_DISABLE_SORT);
    if (json instanceof Refused) throw json.error;
    const patched = JsonPatch.apply(json, ...patches);
    const result: Record<string, unknown> = {};
    for (const k of ['apiVersion', 'kind', 'metadata', ...Object.keys(patched)]) {
      if (k in patched) result[k] = patched[k];
    }
    return result;
  } catch (e) {
    throw new Error(`Failed serializing construct at path '${o.node.path}' with name '${o.name}': ${e}`);
  }
}

/**
 * A value sanitizeValue refuses, met while resolving. cdk8s resolves the whole object before sanitizeValue refuses
 * the first such value in its own order (keys sorted): the pass goes on resolving (every producer is called as
 * cdk8s calls it), and a container holds the first refusal in sanitizeValue's order, thrown at the end.
 */
class Refused {
  public constructor(public readonly error: unknown) {}
}

/** `sanitizeValue(resolve([], v, o), { sortKeys })` for an object `o` of an app with cdk8s's own resolvers, or its refusal. */
function resolved(v: any, sortKeys: boolean): any {
  if (v === null || v === undefined) return undefined;
  // The resolvers in cdk8s's order: LazyResolver, ImplicitTokenResolver, NumberStringUnionResolver.
  if (v instanceof Lazy) return resolved(v.produce(), sortKeys);
  if (typeof v.resolve === 'function') return resolved(v.resolve(), sortKeys);
  if (v.constructor !== Object && (typeof v.value === 'number' || typeof v.value === 'string')) return resolved({ value: v.value }, sortKeys);
  if (typeof v !== 'object') return v;
  if (Array.isArray(v)) return firstRefused(v.map((x) => resolved(x, sortKeys)));
  if (v.constructor === Object) {
    // Resolved in the object's own order (resolve's), then copied in sanitizeValue's.
    const inOrder: Record<string, unknown> = {};
    // An own `__proto__` key: cdk8s's assignment makes its resolved value the prototype of the resolved object, which
    // sanitizeValue then judges by its constructor and copies without that key; so here.
    for (const k of Object.keys(v)) inOrder[k] = k === '__proto__' ? resolvedOnly(v[k]) : resolved(v[k], sortKeys);
    return copied(inOrder, sortKeys, (x) => x);
  }
  // resolve leaves any other object as it is, and sanitizeValue refuses it unless its constructor is called Object.
  return sanitized(v, sortKeys);
}

/** cdk8s's `resolve([], v, o)` alone, with cdk8s's own resolvers. */
function resolvedOnly(v: any): any {
  if (v === null || v === undefined) return v;
  if (v instanceof Lazy) return resolvedOnly(v.produce());
  if (typeof v.resolve === 'function') return resolvedOnly(v.resolve());
  if (v.constructor !== Object && (typeof v.value === 'number' || typeof v.value === 'string')) return resolvedOnly({ value: v.value });
  if (Array.isArray(v)) return v.map(resolvedOnly);
  if (typeof v !== 'object' || v.constructor !== Object) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) out[k] = resolvedOnly(v[k]);
  return out;
}

/** cdk8s's `sanitizeValue(v, { sortKeys })`, or its refusal. */
function sanitized(v: any, sortKeys: boolean): any {
  if (v === null || v === undefined) return undefined;
  if (typeof v !== 'object') return v;
  if (Array.isArray(v)) return firstRefused(v.map((x) => sanitized(x, sortKeys)));
  return copied(v, sortKeys, (x) => sanitized(x, sortKeys));
}

/** `values`, or the first refusal among them. */
function firstRefused(values: unknown[]): unknown {
  for (let i = 0; i < values.length; i++) if (values[i] instanceof Refused) return values[i];
  return values;
}

/** sanitizeValue's copy of an object: keys sorted unless told otherwise, values given by `value`, null values left out; or its refusal. */
function copied(v: any, sortKeys: boolean, value: (x: unknown) => unknown): Record<string, unknown> | Refused {
  let type: string;
  try {
    type = v.constructor.name;
  } catch (e) {
    // An object without a prototype: sanitizeValue fails reading its constructor's name.
    return new Refused(e);
  }
  if (type !== 'Object') return new Refused(new Error(`can't render non-simple object of type '${type}'`));
  const out: Record<string, unknown> = {};
  const keys = Object.keys(v);
  if (sortKeys) sortStrings(keys);
  for (const k of keys) {
    const x = value(v[k]);
    if (x instanceof Refused) return x;
    if (x !== null && x !== undefined) out[k] = x;
  }
  return out;
}

/**
 * Sorts `keys` in place as `Array.prototype.sort` with no comparator does (by UTF-16 code units): a few keys by
 * insertion, which allocates nothing (V8's sort copies every array it sorts into a work array of its own).
 */
function sortStrings(keys: string[]): void {
  if (keys.length > 24) {
    keys.sort();
    return;
  }
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i];
    let j = i - 1;
    for (; j >= 0 && keys[j] > k; j--) keys[j + 1] = keys[j];
    keys[j + 1] = k;
  }
}
