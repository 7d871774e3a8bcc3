/**
 * What the API server's schema refuses in an object, as JSON pointers, and the object without
 * it: the analysis judges the rest of a refused object (its name, hosts and subsets still count
 * for the objects that refer to it) and never sees a value of the wrong type.
 */
import { Manifest } from './finding';

/**
 * The JSON pointers of the values one schema error refuses (ajv's and kubernetes-models' errors
 * alike): the value itself, or for an unknown field that field; none for a missing one.
 */
export function refusedPointers(e: { readonly keyword: string; readonly instancePath: string; readonly params?: any }): string[] {
  if (e.keyword === 'required') return [];
  if (e.keyword === 'additionalProperties') {
    return [`${e.instancePath}/${String(e.params?.additionalProperty).replace(/~/g, '~0').replace(/\//g, '~1')}`];
  }
  return [e.instancePath];
}

/**
 * A copy of `m` without the values at `pointers`: a refused field is left out, a refused list item
 * becomes null (so the other items keep their positions, and their findings their field paths);
 * undefined if the object itself is refused.
 */
export function withoutRefused(m: Manifest, pointers: readonly string[]): Manifest | undefined {
  if (pointers.length === 0) return m;
  if (pointers.includes('')) return undefined;
  const copy = structuredClone(m);
  for (const pointer of pointers) {
    const parts = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    let parent: any = copy;
    for (const p of parts.slice(0, -1)) parent = parent?.[p];
    const last = parts[parts.length - 1];
    if (Array.isArray(parent)) parent[Number(last)] = null;
    else if (parent && typeof parent === 'object') delete parent[last];
  }
  return copy;
}
