/*
 * cdk8s's rendering of an ApiObject, in one pass. `ApiObject.toJson` (cdk8s lib/api-object.ts) resolves the
 * object's props (lib/resolve.ts `resolve`: for every value, `App.of` the object, a resolution context, each of the
 * app's resolvers in turn, a copy of the key path, `Object.entries`), copies the result again with sorted keys and
 * without null values (lib/_util.ts `sanitizeValue`), applies its JSON patches and puts apiVersion, kind and metadata
 * first; its metadata is resolved and copied likewise (lib/metadata.ts, without empty arrays and objects). At 25,000
 * objects that is half of everything a synth allocates, and a fifth of its own thread's time.
 *
 * {@link renderingInOnePass} gives the same result for an app whose resolvers are cdk8s's own (no `resolvers` in its
 * props): each value is resolved as those three resolvers resolve it (a `Lazy` is produced, a value with a
 * `resolve()` is resolved, a number-or-string union object becomes `{ value }`), in the same order (a producer with
 * side effects sees the same sequence), and copied once, keys sorted unless `CDK8S_DISABLE_SORT` is set; the metadata
 * too. An app with
 * resolvers of its own, an object of another app, or an ApiObject without the fields cdk8s's `toJson` reads is
 * rendered by cdk8s's own code. test/private/fast-to-json.test.ts compares both over generated values.
 */
import { ApiObject, ApiObjectMetadataDefinition, App, ImplicitTokenResolver, JsonPatch, Lazy, LazyResolver, NumberStringUnionResolver } from 'cdk8s';

/** sanitizeValue's options (cdk8s lib/_util.ts), as ApiObject's and its metadata's `toJson` pass them. */
interface Sanitize {
  readonly sortKeys: boolean;
  readonly filterEmptyArrays?: boolean;
  readonly filterEmptyObjects?: boolean;
}

/** What an ApiObject's metadata keeps that its `toJson` reads (cdk8s lib/metadata.ts; private in its types). */
interface MetadataFields {
  readonly _additionalAttributes?: unknown;
  readonly name?: unknown;
  readonly namespace?: unknown;
  readonly annotations?: unknown;
  readonly finalizers?: unknown;
  readonly ownerReferences?: unknown;
  readonly labels?: unknown;
  readonly apiObject?: unknown;
}

/** The fields of metadata `toJson` reads, which a metadata object must have for the one pass to render it. */
const METADATA_FIELDS = ['_additionalAttributes', 'annotations', 'finalizers', 'ownerReferences', 'labels', 'apiObject'] as const;

/** What an ApiObject keeps that its `toJson` reads (private in cdk8s's types). */
interface ApiObjectFields {
  readonly props?: unknown;
  readonly patches?: unknown;
}

/** The keys an ApiObject's `toJson` puts first (lib/api-object.ts). */
const FIRST_KEYS = ['apiVersion', 'kind', 'metadata'] as const;

/** The app whose objects render in one pass right now. */
let rendering: App | undefined;

/**
 * Whether the primitives' prototypes have neither a `resolve` nor a `value` (set when a one-pass render starts): then
 * cdk8s's resolvers, which read them through the prototype (`typeof value.resolve`, `typeof value.value`), leave
 * every string, number, boolean, bigint and symbol as it is.
 */
let plainPrimitives = false;

/** Whether no primitive's prototype (nor Object.prototype) has a `resolve` or a `value` that cdk8s's resolvers would read. */
function primitivesArePlain(): boolean {
  const prototypes = [String.prototype, Number.prototype, Boolean.prototype, BigInt.prototype, Symbol.prototype];
  return prototypes.every((p) => !('resolve' in p) && !('value' in p));
}

/**
 * Runs `f` with every ApiObject of `app` and its metadata rendered in one pass (see the file's comment), and cdk8s's
 * `ApiObject.prototype.toJson` and `ApiObjectMetadataDefinition.prototype.toJson` restored after, also when `f`
 * throws; `f` alone where `app` has resolvers of its own.
 */
export function renderingInOnePass<T>(app: App, f: () => T): T {
  if (rendering !== undefined || !hasOnlyDefaultResolvers(app)) return f();
  const proto = ApiObject.prototype as { toJson(): any };
  const metadataProto = ApiObjectMetadataDefinition.prototype as { toJson(): any };
  const cdk8sToJson = proto.toJson;
  const cdk8sMetadataToJson = metadataProto.toJson;
  rendering = app;
  plainPrimitives = primitivesArePlain();
  proto.toJson = function toJson(this: ApiObject) {
    return rendering !== undefined && App.of(this) === rendering ? onePass(this) ?? cdk8sToJson.call(this) : cdk8sToJson.call(this);
  };
  metadataProto.toJson = function toJson(this: ApiObjectMetadataDefinition) {
    return metadataInOnePass(this) ?? cdk8sMetadataToJson.call(this);
  };
  try {
    return f();
  } finally {
    proto.toJson = cdk8sToJson;
    metadataProto.toJson = cdk8sMetadataToJson;
    rendering = undefined;
    plainPrimitives = false;
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
    const json = resolved(data, { sortKeys: !process.env.CDK8S_DISABLE_SORT });
    if (json instanceof Refused) throw json.error;
    // fast-json-patch's applyPatch hands the document back as it is when there is no operation (cdk8s lib/json-patch.ts).
    const patched = patches.length === 0 ? json : JsonPatch.apply(json, ...patches);
    const result: Record<string, unknown> = {};
    // cdk8s's order: apiVersion, kind and metadata first, then the rest (an own key is always `in` the object).
    for (const k of FIRST_KEYS) if (k in patched) result[k] = patched[k];
    for (const k of Object.keys(patched)) result[k] = patched[k];
    return result;
  } catch (e) {
    throw new Error(`Failed serializing construct at path '${o.node.path}' with name '${o.name}': ${e}`);
  }
}

/**
 * `m.toJson()` as cdk8s renders an ApiObject's metadata (lib/metadata.ts: resolve, then sanitizeValue without empty
 * arrays and objects); undefined where `m` is not of an object of the app rendering, or lacks the fields it reads.
 */
function metadataInOnePass(m: ApiObjectMetadataDefinition): any {
  const fields = m as unknown as MetadataFields;
  const owner = fields.apiObject;
  if (!METADATA_FIELDS.every((k) => k in fields) || !ApiObject.isApiObject(owner) || App.of(owner) !== rendering) return undefined;
  const out = resolved({
    ...(fields._additionalAttributes as object), name: fields.name, namespace: fields.namespace, annotations: fields.annotations,
    finalizers: fields.finalizers, ownerReferences: fields.ownerReferences, labels: fields.labels,
  }, { sortKeys: true, filterEmptyArrays: true, filterEmptyObjects: true });
  if (out instanceof Refused) throw out.error;
  return out;
}

/**
 * A value sanitizeValue refuses, met while resolving. cdk8s resolves the whole object before sanitizeValue refuses
 * the first such value in its own order (keys sorted): the pass goes on resolving (every producer is called as
 * cdk8s calls it), and a container holds the first refusal in sanitizeValue's order, thrown at the end.
 */
class Refused {
  public constructor(public readonly error: unknown) {}
}

/** What {@link replacement} gives for a value no resolver replaces. */
const NOT_REPLACED = Symbol('not replaced');

/**
 * What cdk8s's own resolvers replace `v` (not null) with, each asked in cdk8s's order (lib/resolve.ts: LazyResolver, a
 * `Lazy`'s product; ImplicitTokenResolver, what a `resolve()` returns; NumberStringUnionResolver, `{ value }` of a
 * number-or-string union object), or NOT_REPLACED.
 */
function replacement(v: any): unknown {
  if (v instanceof Lazy) return v.produce();
  if (typeof v.resolve === 'function') return v.resolve();
  if (v.constructor !== Object && (typeof v.value === 'number' || typeof v.value === 'string')) return { value: v.value };
  return NOT_REPLACED;
}

/** `sanitizeValue(resolve([], v, o), options)` for an object `o` of an app with cdk8s's own resolvers, or its refusal. */
function resolved(v: any, options: Sanitize): any {
  if (v === null || v === undefined) return undefined;
  // A string, number or boolean: no resolver changes it, unless its prototype has a `resolve` or a `value`.
  const type = typeof v;
  if (type !== 'object' && type !== 'function' && plainPrimitives) return v;
  const r = replacement(v);
  if (r !== NOT_REPLACED) return resolved(r, options);
  if (type !== 'object') return v;
  if (Array.isArray(v)) return arrayOf(v.map((x) => resolved(x, options)), options);
  if (v.constructor === Object) {
    const keys = Object.keys(v);
    // An own `__proto__` or `constructor` key: sanitizeValue judges the resolved object by its constructor, which that
    // key's resolved value then is or replaces; so the object is resolved whole first, as cdk8s does, then copied.
    if (keys.includes('__proto__') || keys.includes('constructor')) return sanitized(resolvedOnly(v), options);
    // Resolved in the object's own order (resolve's), then copied in sanitizeValue's: the object cdk8s resolves into
    // is a plain one, which sanitizeValue accepts, so its values are copied straight from their resolved list.
    const values: unknown[] = new Array(keys.length);
    for (let i = 0; i < keys.length; i++) values[i] = resolved(v[keys[i]], options);
    if (options.sortKeys) sortStrings(keys, values);
    const out: Record<string, unknown> = {};
    let kept = 0;
    for (let i = 0; i < keys.length; i++) {
      const x = values[i];
      if (x instanceof Refused) return x;
      if (x !== null && x !== undefined) {
        out[keys[i]] = x;
        kept++;
      }
    }
    return options.filterEmptyObjects && kept === 0 ? undefined : out;
  }
  // resolve leaves any other object as it is, and sanitizeValue refuses it unless its constructor is called Object.
  return sanitized(v, options);
}

/** cdk8s's `resolve([], v, o)` alone, with cdk8s's own resolvers. */
function resolvedOnly(v: any): any {
  if (v === null || v === undefined) return v;
  const r = replacement(v);
  if (r !== NOT_REPLACED) return resolvedOnly(r);
  if (Array.isArray(v)) return v.map(resolvedOnly);
  if (typeof v !== 'object' || v.constructor !== Object) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) out[k] = resolvedOnly(v[k]);
  return out;
}

/** cdk8s's `sanitizeValue(v, options)`, or its refusal. */
function sanitized(v: any, options: Sanitize): any {
  if (v === null || v === undefined) return undefined;
  if (typeof v !== 'object') return v;
  if (Array.isArray(v)) return arrayOf(v.map((x) => sanitized(x, options)), options);
  return copied(v, options);
}

/** sanitizeValue's array of `values` (each sanitized already): none where empty and empty arrays are left out, or the first refusal among them. */
function arrayOf(values: unknown[], options: Sanitize): unknown {
  if (options.filterEmptyArrays && values.length === 0) return undefined;
  for (let i = 0; i < values.length; i++) if (values[i] instanceof Refused) return values[i];
  return values;
}

/** sanitizeValue's copy of an object: keys sorted unless told otherwise, each value sanitized, null values left out; or its refusal. */
function copied(v: any, options: Sanitize): Record<string, unknown> | Refused | undefined {
  let refusal: Error | undefined;
  try {
    // sanitizeValue's own expressions, so that they fail as they fail there: an object without a prototype has no
    // constructor to read a name of, and a `constructor` key's value may have a name no string can be made of.
    if (v.constructor.name !== 'Object') refusal = new Error(`can't render non-simple object of type '${v.constructor.name}'`);
  } catch (e) {
    return new Refused(e);
  }
  if (refusal) return new Refused(refusal);
  const out: Record<string, unknown> = {};
  const keys = Object.keys(v);
  if (options.sortKeys) sortStrings(keys);
  for (const k of keys) {
    const x = sanitized(v[k], options);
    if (x instanceof Refused) return x;
    if (x !== null && x !== undefined) out[k] = x;
  }
  return options.filterEmptyObjects && Object.keys(out).length === 0 ? undefined : out;
}

/**
 * Sorts `keys` in place as `Array.prototype.sort` with no comparator does (by UTF-16 code units), and `values` (if
 * given) alongside: a few keys by insertion, which allocates nothing (V8's sort copies every array it sorts into a work
 * array of its own).
 */
function sortStrings(keys: string[], values?: unknown[]): void {
  if (keys.length > 24) {
    if (!values) {
      keys.sort();
      return;
    }
    const order = keys.map((_, i) => i).sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : 0));
    const k = order.map((i) => keys[i]);
    const x = order.map((i) => values[i]);
    for (let i = 0; i < keys.length; i++) {
      keys[i] = k[i];
      values[i] = x[i];
    }
    return;
  }
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i];
    const x = values?.[i];
    let j = i - 1;
    for (; j >= 0 && keys[j] > k; j--) {
      keys[j + 1] = keys[j];
      if (values) values[j + 1] = values[j];
    }
    keys[j + 1] = k;
    if (values) values[j + 1] = x;
  }
}
