/**
 * The API server's list semantics for custom resources: an array with
 * `x-kubernetes-list-type: map` holds at most one item per `x-kubernetes-list-map-keys`
 * tuple, and one with `x-kubernetes-list-type: set` no item twice
 * (https://kubernetes.io/docs/reference/using-api/server-side-apply/#merge-strategy;
 * k8s.io/apiextensions-apiserver pkg/apiserver/validation, validateListSetsAndMaps).
 * JSON Schema has no such rule, so ajv does not check it.
 */

/** One duplicate: the field of the repeated item and what repeats. */
export interface ListProblem {
  readonly field: string;
  readonly message: string;
}

/** Appends to `out` every duplicate in `value` (at `field`) under `schema`. */
export function listTypeProblems(value: any, schema: any, field: string, out: ListProblem[]): void {
  if (value === undefined || value === null || !schema || typeof schema !== 'object' || !schemaHas(schema, 'list')) return;
  if (Array.isArray(value)) {
    const type = schema['x-kubernetes-list-type'];
    if (type === 'map' || type === 'set') {
      const keys: string[] = type === 'map' ? (schema['x-kubernetes-list-map-keys'] ?? []) : [];
      const seen = new Map<string, number>();
      value.forEach((item, i) => {
        const key = type === 'map' ? JSON.stringify(keys.map((k) => item?.[k] ?? null)) : stableJson(item);
        const first = seen.get(key);
        if (first !== undefined) {
          const what = type === 'map' ? keys.map((k) => `${k}=${JSON.stringify(item?.[k])}`).join(', ') : JSON.stringify(item);
          out.push({
            field: `${field}[${i}]`,
            message: `duplicate ${type === 'map' ? 'entry' : 'value'} ${what} (first at ${field}[${first}]): the list is a ${type}`,
          });
        } else {
          seen.set(key, i);
        }
      });
    }
    value.forEach((item, i) => listTypeProblems(item, schema.items, `${field}[${i}]`, out));
    return;
  }
  if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const sub = schema.properties?.[k] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      listTypeProblems(v, sub, field ? `${field}.${k}` : k, out);
    }
  }
}

/** What a schema node may carry that the walks over objects look for. */
export type SchemaRule = 'list' | 'cel';

const carries: Record<SchemaRule, WeakMap<object, boolean>> = { list: new WeakMap(), cel: new WeakMap() };

/**
 * True if `schema` or a schema under it (properties, items, additionalProperties) carries a list
 * type (`map` or `set`) or CEL rules: a walk skips the values under a schema that carries none.
 * Worked out once per schema node.
 */
export function schemaHas(schema: any, rule: SchemaRule): boolean {
  if (!schema || typeof schema !== 'object') return false;
  const memo = carries[rule];
  let known = memo.get(schema);
  if (known === undefined) {
    memo.set(schema, false); // a schema that contains itself carries nothing more through itself
    const own = rule === 'list' ? ['map', 'set'].includes(schema['x-kubernetes-list-type'])
      : Array.isArray(schema['x-kubernetes-validations']) && schema['x-kubernetes-validations'].length > 0;
    const additional = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
    const subs = [...Object.values(schema.properties ?? {}), schema.items, additional];
    known = own || subs.some((s) => schemaHas(s, rule));
    memo.set(schema, known);
  }
  return known;
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableJson((v as any)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}
