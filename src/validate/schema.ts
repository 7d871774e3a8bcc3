/**
 * Checks an object against its CRD the way kube-apiserver does on apply: the
 * openAPIV3Schema (with ajv, Kubernetes' extensions translated) and then the
 * x-kubernetes-validations CEL rules. Each schema is compiled once per process.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import standaloneCode from 'ajv/dist/standalone';
import { Codes } from '../core/codes';
import { evaluateRule } from './cel';
import { CrdBundle, CrdVersionSchema, gvkKey, packageRoot } from './crd-schemas';
import { goRegExp } from './go-regexp';
import { ListProblem, listTypeProblems, schemaHas } from './list-types';
import { refusedPointers } from './refused';
import { Finding, finding, fieldOfPointer, Manifest } from './finding';

// Standalone code of a cached validator requires the engine by this module's path.
const regExp = Object.assign((p: string, f: string) => goRegExp(p, f), {
  code: `require(${JSON.stringify(require.resolve('./go-regexp'))}).goRegExp`,
});
const ajv = new Ajv({ allErrors: true, strict: false, logger: false, validateFormats: true, code: { source: true, regExp: regExp as any } });
addFormats(ajv, ['date-time', 'byte']);
// Kubernetes checks only a few formats; the others (int32, double, string, url...) are annotations.
for (const f of ['int32', 'int64', 'float', 'double', 'string', 'binary', 'url', 'uri', 'password', 'int-or-string']) ajv.addFormat(f, true);

/**
 * Translates a structural schema into plain JSON Schema as kube-apiserver interprets it.
 * @param inJunctor whether `s` lies under an allOf, anyOf, oneOf or not: there its properties are value validations,
 * and unknown fields are the structural schema's to judge (pruning and strict field validation follow the structural
 * part alone, which must name every property a junctor names: "Structural schema", Kubernetes' CRD docs,
 * https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#specifying-a-structural-schema),
 * so a branch that names some properties refuses none of the others.
 */
export function toJsonSchema(s: any, inJunctor = false): any {
  if (!s || typeof s !== 'object') return s;
  const out: any = {};
  for (const k of ['enum', 'pattern', 'minimum', 'maximum', 'minLength', 'maxLength', 'minItems', 'maxItems',
    'uniqueItems', 'minProperties', 'maxProperties', 'multipleOf', 'required']) {
    if (s[k] !== undefined) out[k] = s[k];
  }
  // OpenAPI v3.0 exclusive bounds are booleans on minimum/maximum.
  if (s.exclusiveMinimum === true && s.minimum !== undefined) { delete out.minimum; out.exclusiveMinimum = s.minimum; }
  if (s.exclusiveMaximum === true && s.maximum !== undefined) { delete out.maximum; out.exclusiveMaximum = s.maximum; }
  if (s.format && s.format !== 'int-or-string') out.format = s.format;
  let type: string | string[] | undefined = s.type;
  if (s['x-kubernetes-int-or-string']) type = ['integer', 'string'];
  if (type !== undefined) out.type = s.nullable && !Array.isArray(type) ? [type, 'null'] : type;
  if (s.properties) {
    out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, toJsonSchema(v, inJunctor)]));
  }
  if (s.items) out.items = toJsonSchema(s.items, inJunctor);
  if (s.additionalProperties !== undefined) {
    out.additionalProperties = typeof s.additionalProperties === 'object' ? toJsonSchema(s.additionalProperties, inJunctor) : s.additionalProperties;
  } else if (s.properties && !s['x-kubernetes-preserve-unknown-fields'] && !inJunctor) {
    // Strict field validation (kubectl's default): unknown fields are errors.
    out.additionalProperties = false;
  }
  for (const k of ['oneOf', 'anyOf', 'allOf']) if (s[k]) out[k] = s[k].map((b: any) => toJsonSchema(b, true));
  if (s.not) out.not = toJsonSchema(s.not, true);
  return out;
}

const compiled = new WeakMap<object, ValidateFunction>();

/**
 * Compiled validators are also kept on disk as ajv standalone code (under
 * node_modules/.cache/cdk8s-mesh, keyed by the schema's hash), so that a new process
 * loads in milliseconds what takes ajv about a second to compile for an environment.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- ajv's package.json, read as data when the module loads
const CACHE_VERSION = `3-${require('ajv/package.json').version}`;

function cacheDir(): string {
  return path.join(packageRoot(), 'node_modules', '.cache', 'cdk8s-mesh', 'ajv');
}

function validatorOf(v: CrdVersionSchema): ValidateFunction {
  let fn = compiled.get(v.schema);
  if (!fn) {
    const root = toJsonSchema(v.schema);
    // The API server validates metadata itself; the CRD schema says only `type: object`.
    // apiVersion, kind and metadata are always allowed at the root.
    if (root.properties)
      root.properties = { ...root.properties, apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' } };
    fn = cachedValidator(root);
    compiled.set(v.schema, fn);
  }
  return fn;
}

/** A validator of `schema`: from the disk cache when there, else compiled and cached. */
export function cachedValidator(schema: object): ValidateFunction {
  const key = createHash('sha256').update(CACHE_VERSION).update(JSON.stringify(schema)).digest('hex').slice(0, 32);
  const file = path.join(cacheDir(), `${key}.js`);
  if (fs.existsSync(file)) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require(file) as ValidateFunction;
    } catch {
      // an unreadable cache entry is compiled again below
    }
  }
  const fn = ajv.compile(schema);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, standaloneCode(ajv, fn));
    fs.renameSync(tmp, file);
  } catch {
    // a read-only install still validates, only without the cache
  }
  return fn;
}

/** Converts `value` to CEL input following `schema`: integers become bigint, as in Kubernetes. */
function celValue(value: any, schema: any): any {
  if (value === null || value === undefined || !schema) return value;
  if (typeof value === 'number') {
    const integral = schema.type === 'integer' || schema['x-kubernetes-int-or-string'];
    return integral && Number.isInteger(value) ? BigInt(value) : value;
  }
  if (Array.isArray(value)) return value.map((v) => celValue(v, schema.items));
  if (typeof value === 'object') {
    const out: Record<string, any> = {};
    for (const [k, v] of Object.entries(value)) {
      const sub = schema.properties?.[k] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      out[k] = sub ? celValue(v, sub) : plainCel(v);
    }
    return out;
  }
  return value;
}

/** Without a schema (preserve-unknown-fields): whole numbers stay doubles, as JSON's do. */
function plainCel(v: any): any {
  return v;
}

/** Every CEL rule of `schema` and its descendants that fails for `value`. */
export function celProblems(value: any, schema: any, field: string, out: { field: string; message: string }[]): void {
  if (value === undefined || value === null || !schema || !schemaHas(schema, 'cel')) return;
  // The value as CEL sees it, converted once for all the rules of this node.
  let self: unknown;
  for (const rule of schema['x-kubernetes-validations'] ?? []) {
    if (typeof rule.rule !== 'string' || /\boldSelf\b/.test(rule.rule)) continue; // transition rules need the old object
    self ??= celValue(value, schema);
    const result = evaluateRule(rule.rule, self);
    if (!result.ok) {
      const msg = rule.message ?? `failed rule: ${rule.rule.replace(/\s+/g, ' ')}`;
      out.push({ field, message: result.error ? `${msg} (evaluation error: ${result.error})` : msg });
    }
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => celProblems(v, schema.items, `${field}[${i}]`, out));
  } else if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const sub = schema.properties?.[k] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      if (sub) celProblems(v, sub, field ? `${field}.${k}` : k, out);
    }
  }
}

/**
 * Problems of `m` against one CRD version: schema first, then the list types and CEL rules
 * (only on schema-valid objects, as the API server does); `structural` stops after the schema.
 */
export function checkAgainst(m: Manifest, v: CrdVersionSchema, bundle: string, structural = false, refused?: string[]): Finding[] {
  const validate = validatorOf(v);
  const tag = bundle ? ` (${bundle})` : '';
  if (!validate(m)) {
    const seen = new Set<string>();
    const out: Finding[] = [];
    for (const e of validate.errors ?? []) {
      refused?.push(...refusedPointers(e));
      const field = fieldOfPointer(e.instancePath);
      const extra = e.keyword === 'additionalProperties' ? ` '${(e.params as any).additionalProperty}'`
        : e.keyword === 'enum' ? ` (${(e.params as any).allowedValues.join(', ')})` : '';
      const message = `${e.message}${extra}${tag}`;
      const key = `${field}\u0000${message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(finding(Codes.SCHEMA_VIOLATION, m, field, message));
    }
    return out;
  }
  if (structural) return [];
  const lists: ListProblem[] = [];
  listTypeProblems(m, v.schema, '', lists);
  const problems: { field: string; message: string }[] = [];
  celProblems(m, v.schema, '', problems);
  return [
    ...lists.map((p) => finding(Codes.LIST_KEY_NOT_UNIQUE, m, p.field, `${p.message}${tag}`)),
    ...problems.map((p) => finding(Codes.CEL_RULE_VIOLATION, m, p.field, `${p.message}${tag}`)),
  ];
}

/**
 * Problems of a custom resource against every bundle of `bundles` that defines its kind (the
 * caller picks the bundles of the Istio release it targets, {@link bundlesForRelease}), each
 * problem once, naming every bundle that rejects it; undefined if no bundle defines the group
 * (not a custom resource these CRDs know). `structural`: the openAPIV3Schema only, no list
 * types or CEL rules.
 */
export function checkCustomResource(m: Manifest, bundles: readonly CrdBundle[], structural = false, refused?: string[]): Finding[] | undefined {
  const [group, version] = String(m.apiVersion ?? '').includes('/') ? String(m.apiVersion).split('/', 2) : ['', String(m.apiVersion ?? '')];
  if (!bundles.some((b) => b.groups.has(group))) return undefined;
  // Every bundle that defines the kind must serve the version.
  const owners = bundles.filter((b) => b.kinds.has(`${group}/${m.kind}`));
  if (owners.length === 0) {
    return [finding(Codes.UNKNOWN_KIND, m, 'kind', `no CRD defines kind ${m.kind} in group ${group}`)];
  }
  const perBundle: { bundle: string; findings: Finding[] }[] = [];
  for (const b of owners) {
    const v = b.schemas.get(gvkKey(group, version, String(m.kind)));
    perBundle.push({
      bundle: b.name,
      findings: !v || !v.served
        ? [finding(Codes.UNKNOWN_KIND, m, 'apiVersion', `${m.apiVersion} ${m.kind} is not served by the CRDs of`)]
        : checkAgainst(m, v, '', structural, refused),
    });
  }
  return mergeByBundle(perBundle);
}

/** One finding per code, field and message, its message naming every bundle that reported it: `... (flagger-1.44.0, my-flagger)`. */
export function mergeByBundle(perBundle: readonly { bundle: string; findings: readonly Finding[] }[]): Finding[] {
  const merged = new Map<string, { f: Finding; bundles: string[] }>();
  for (const { bundle, findings } of perBundle) {
    for (const f of findings) {
      const key = `${f.code}\u0000${f.field}\u0000${f.message}`;
      const entry = merged.get(key);
      if (entry) entry.bundles.push(bundle);
      else merged.set(key, { f, bundles: [bundle] });
    }
  }
  return [...merged.values()].map(({ f, bundles }) => ({
    ...f,
    message: f.message.endsWith(' of') ? `${f.message} ${bundles.join(', ')}` : `${f.message} (${bundles.join(', ')})`,
  }));
}
