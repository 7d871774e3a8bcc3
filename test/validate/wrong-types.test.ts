/**
 * Crash-free by construction (issue 26): wrong-typed variants of every field of every kind dist/
 * holds, and of Istio's analyzer fixtures, get findings and never an exception. A field the schema
 * types is a schema finding at that field (or above it); istiod's webhook runs only on what the
 * schema admitted, and the analysis judges an object without the values its schema refused; both
 * also read raw objects (analysisOnly, hand-made sets) without throwing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as fc from 'fast-check';
import { analyze } from '../../src/validate/analysis';
import { loadCrdBundles, packagedSchemaDirectory, gvkKey } from '../../src/validate/crd-schemas';
import { isError } from '../../src/validate/finding';
import { checkWebhook } from '../../src/validate/webhook';
import { parseManifests, validateManifests } from '../../src/validate';
import { withSharedData } from '../util';

type M = Record<string, any>;
type Path = (string | number)[];

const DIST = path.join(__dirname, '..', '..', 'dist');
const ANALYZERS = path.join(__dirname, '..', '..', '..', 'shared', 'istio-analyzers');

/** Every environment of dist/: its folder and objects. */
const environments: { folder: string; manifests: M[] }[] = fs.readdirSync(DIST, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => ({
  folder: d.name,
  manifests: fs.readdirSync(path.join(DIST, d.name)).filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => parseManifests(fs.readFileSync(path.join(DIST, d.name, f), 'utf8'))),
}));

/** Every field of `v` below the root, as paths. */
function fieldsOf(v: unknown, at: Path = [], out: Path[] = []): Path[] {
  if (at.length > 0) out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => fieldsOf(x, [...at, i], out));
  else if (v && typeof v === 'object') for (const k of Object.keys(v)) fieldsOf((v as M)[k], [...at, k], out);
  return out;
}

const jsonType = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array'
  : typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v);

/** Values of another JSON type than `original`'s. */
function wrongValues(original: unknown): unknown[] {
  const all: unknown[] = [null, 'x', 7, 1.5, true, [], ['x'], [7], {}, { unexpected: 1 }];
  return all.filter((w) => jsonType(w) !== jsonType(original) && !(jsonType(original) === 'number' && jsonType(w) === 'integer'));
}

/** `m` with the value at `at` replaced by `value`. */
function withValue(m: M, at: Path, value: unknown): M {
  const copy = structuredClone(m);
  let t: any = copy;
  for (const k of at.slice(0, -1)) t = t[k];
  t[at[at.length - 1]] = structuredClone(value);
  return copy;
}

const bundles = loadCrdBundles(packagedSchemaDirectory()).filter((b) => b.name !== 'istio-1.30.3');

/**
 * The JSON types the CRD schema allows at `at` in `m`: 'any' where it allows anything (no schema
 * below, preserve-unknown-fields), undefined for metadata and kinds no CRD describes.
 */
function allowedTypes(m: M, at: Path): string[] | 'any' | undefined {
  const [group, version] = String(m.apiVersion).includes('/') ? String(m.apiVersion).split('/') : ['', m.apiVersion];
  let s: any = bundles.map((b) => b.schemas.get(gvkKey(group, version, m.kind))).find(Boolean)?.schema;
  if (!s || at[0] === 'metadata') return undefined;
  for (const k of at) {
    if (s['x-kubernetes-preserve-unknown-fields'] && !s.properties && !s.items) return 'any';
    s = typeof k === 'number' ? s.items : (s.properties?.[k] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined));
    if (!s) return 'any';
  }
  if (s['x-kubernetes-int-or-string']) return ['integer', 'string'];
  if (!s.type) return 'any';
  const types = s.type === 'number' ? ['number', 'integer'] : [s.type];
  return s.nullable ? [...types, 'null'] : types;
}

/** True if a finding names the field `at` or a field above it. */
const namesField = (field: string, at: Path) => {
  const wanted = at.reduce<string>((acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc === '' ? k : `${acc}.${k}`), '');
  return wanted === field || wanted.startsWith(`${field}.`) || wanted.startsWith(`${field}[`) || field === '';
};

/** Every (object, field) of dist/ and the wrong values for it. */
const variants = environments.flatMap(({ folder, manifests }) => manifests.flatMap((m, i) => fieldsOf(m)
  .filter((at) => at[0] !== 'apiVersion' && at[0] !== 'kind')
  .map((at) => ({ folder, index: i, at }))));

describe('wrong-typed variants of every field of every kind of dist/', () => {
  test('the corpus covers every kind dist/ holds', () => {
    const kinds = new Set(environments.flatMap((e) => e.manifests.map((m) => m.kind)));
    expect(kinds.size).toBeGreaterThan(20);
    expect(new Set(variants.map((v) => environments.find((e) => e.folder === v.folder)!.manifests[v.index].kind))).toEqual(kinds);
  });

  test('each variant alone: a finding at the field where the schema types it, and never an exception', () => {
    fc.assert(fc.property(fc.constantFrom(...variants), fc.nat(), ({ folder, index, at }, pick) => {
      const m = environments.find((e) => e.folder === folder)!.manifests[index];
      let original: any = m;
      for (const k of at) original = original[k];
      const wrong = wrongValues(original);
      const value = wrong[pick % wrong.length];
      const variant = withValue(m, at, value);
      const findings = validateManifests([variant], { schemaOnly: true });
      const allowed = allowedTypes(m, at);
      if (Array.isArray(allowed) && !allowed.includes(jsonType(value))) {
        expect(findings.filter((f) => isError(f) && namesField(f.field, at)).length).toBeGreaterThan(0);
      }
      // Core objects (kubernetes-models) and metadata: an object or list where a scalar was, or the reverse, is refused
      // (null is absent to Go's decoding of a core object).
      if (allowed === undefined && value !== null && original !== null && (typeof original === 'object') !== (typeof value === 'object')) {
        expect(findings.filter(isError).length).toBeGreaterThan(0);
      }
      // istiod's webhook on the raw object (as analysisOnly or a hand-made set may give it) does not throw either.
      expect(() => checkWebhook(variant)).not.toThrow();
    }), { numRuns: 1500, seed: 26 });
  });

  test('each variant in its environment: the whole check (schema, webhook, analysis) gives findings, never an exception', () => {
    fc.assert(fc.property(fc.constantFrom(...variants), fc.nat(), ({ folder, index, at }, pick) => {
      const env = environments.find((e) => e.folder === folder)!;
      let original: any = env.manifests[index];
      for (const k of at) original = original[k];
      const wrong = wrongValues(original);
      const set = [...env.manifests];
      set[index] = withValue(env.manifests[index], at, wrong[pick % wrong.length]);
      expect(() => validateManifests(set)).not.toThrow();
      // the analysis alone, on raw objects no schema has seen
      expect(() => analyze(set)).not.toThrow();
    }), { numRuns: 60, seed: 26 });
  });

  test('`methods: "x"`: "must be array", not a TypeError, with and without schema-only', () => {
    const ap = environments.find((e) => e.folder === 'production')!.manifests.find((m) => m.kind === 'AuthorizationPolicy' && m.spec?.rules)!;
    const variant = withValue(ap, ['spec', 'rules', 0, 'to'], [{ operation: { methods: 'x' } }]);
    for (const schemaOnly of [true, false]) {
      const found = validateManifests([variant], { schemaOnly }).filter(isError);
      expect(found.map((f) => `${f.code} ${f.field} ${f.message}`))
        .toEqual(['MESH150 spec.rules[0].to[0].operation.methods must be array (istio-1.24.6)']);
    }
  });
});

describe("wrong-typed variants of Istio's analyzer fixtures", () => {
  const withCases = withSharedData(ANALYZERS);
  withCases('every case, each field given a wrong type: findings, never an exception', () => {
    const cases = fs.readdirSync(ANALYZERS).sort().filter((d) => fs.existsSync(path.join(ANALYZERS, d, 'expected.json')))
      .map((d) => ({ d, inputs: JSON.parse(fs.readFileSync(path.join(ANALYZERS, d, 'expected.json'), 'utf8')).inputs as string[] }))
      .map(({ d, inputs }) => inputs.flatMap((f) => parseManifests(fs.readFileSync(path.join(ANALYZERS, d, f),
        'utf8'))).filter((m) => m && typeof m === 'object'));
    const fixtureVariants = cases.flatMap((set, c) => set.flatMap((m,
      i) => fieldsOf(m).filter((at) => at[0] !== 'apiVersion' && at[0] !== 'kind').map((at) => ({ c, i, at }))));
    expect(fixtureVariants.length).toBeGreaterThan(1000);
    fc.assert(fc.property(fc.constantFrom(...fixtureVariants), fc.nat(), ({ c, i, at }, pick) => {
      let original: any = cases[c][i];
      for (const k of at) original = original[k];
      const wrong = wrongValues(original);
      const set = [...cases[c]];
      set[i] = withValue(cases[c][i], at, wrong[pick % wrong.length]);
      expect(() => validateManifests(set)).not.toThrow();
      expect(() => analyze(set)).not.toThrow();
      expect(() => checkWebhook(set[i])).not.toThrow();
    }), { numRuns: 400, seed: 26 });
  });
});
