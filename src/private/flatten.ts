/**
 * Leaf-by-leaf comparison of plain objects, for describing what changed in a manifest.
 * Arrays of objects that carry a `name` are keyed by it (`containers[name=app].image`),
 * so a reordering is not a change; other arrays are keyed by index.
 */

/** One leaf that differs; `undefined` on a side where the leaf is absent. */
export interface LeafChange {
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
}

/** Every leaf of `value` by its path. An empty object or array is a leaf of its own. */
export function flatten(value: unknown, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const walk = (v: unknown, p: string): void => {
    if (Array.isArray(v)) {
      if (v.length === 0) { out.set(p, []); return; }
      const named = v.every((e) => e && typeof e === 'object' && typeof (e as any).name === 'string')
        && new Set(v.map((e) => (e as any).name)).size === v.length;
      v.forEach((e, i) => walk(e, `${p}[${named ? `name=${(e as any).name}` : i}]`));
    } else if (v && typeof v === 'object') {
      const keys = Object.keys(v as object);
      if (keys.length === 0) { out.set(p, {}); return; }
      for (const k of keys) walk((v as any)[k], p ? `${p}.${k}` : k);
    } else {
      out.set(p, v);
    }
  };
  walk(value, prefix);
  return out;
}

/** The leaves that differ between `before` and `after`, sorted by path. */
export function leafChanges(before: unknown, after: unknown, prefix = ''): LeafChange[] {
  const a = flatten(before, prefix);
  const b = flatten(after, prefix);
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  const out: LeafChange[] = [];
  for (const p of paths) {
    const x = a.get(p);
    const y = b.get(p);
    if (JSON.stringify(x) !== JSON.stringify(y)) out.push({ path: p, before: x, after: y });
  }
  return out;
}

/** A value as a reviewer reads it: strings bare, absent as `(none)`, objects as compact JSON. */
export function show(v: unknown): string {
  if (v === undefined || v === null) return '(none)';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** The value at a dotted path (`spec.mtls.mode`), or undefined. */
export function at(obj: unknown, dotted: string): any {
  let cur: any = obj;
  for (const k of dotted.split('.')) {
    if (cur === undefined || cur === null) return undefined;
    cur = cur[k];
  }
  return cur;
}
