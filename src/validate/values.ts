/**
 * A manifest's values as istiod sees them once it has decoded the object into Istio's protobuf
 * messages (protojson): an empty list is the same as none (a nil slice, so `from: []` is absent),
 * `null` is absent, a missing scalar is its zero value. The webhook runs only on objects the
 * schema admitted, and these readers never throw on one it did not.
 */

/** A repeated field: its items, or none (absent, null, empty or not a list). */
export const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);

/** A message field: the object, or undefined when absent or null (an empty object is present). */
export const obj = (v: unknown): Record<string, any> | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Record<string,
  any> : undefined);

/** True if a message, oneof or wrapper field is set (present and not null). */
export const isSet = (v: unknown): boolean => v !== undefined && v !== null;

/** A string field: its value, or '' (proto3's zero value). */
export const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** A number field (int64 fields may be strings in JSON): its value, or 0. */
export const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' && /^-?[0-9]+(\.[0-9]+)?$/.test(v) ? Number(v) : 0);

/** A wrapper field (google.protobuf.UInt32Value and the like): its value, or 0; `{ value }` is read too. */
export const wrapped = (v: unknown): number => (obj(v) ? num(obj(v)!.value) : num(v));

/** A boolean field (or BoolValue wrapper): true only when true. */
export const bool = (v: unknown): boolean => v === true || obj(v)?.value === true;

/** A map field's entries (none when absent or not a map). */
export const entries = (v: unknown): [string, any][] => (obj(v) ? Object.entries(v as Record<string, any>) : []);

/** A map field (labels, selectors, headers): the object, or an empty one when absent or not a map. */
export const dict = (v: unknown): Record<string, any> => obj(v) ?? {};
