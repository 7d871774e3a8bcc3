import * as fs from 'node:fs';
import * as path from 'node:path';
import * as fc from 'fast-check';
import * as ts from 'typescript';

const ROOT = path.join(__dirname, '..', '..');

const rewrite = require('../../scripts/imports-rewrite') as {
  rewriteImport(source: string): string;
  QUADRATIC_FILTER: RegExp;
  HELPER: string;
};

/** The undefined-filter as `cdk8s import` writes it, over `expression`, keeping `kept` of each value `i[1]`. */
const filter = (expression: string, kept = 'i[1]') =>
  `Object.entries(${expression}).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: ${kept} }), {})`;

/** A module in the shape `cdk8s import` generates, with each form of its filter (json2jsii's `toJson_*` emitters). */
const GENERATED = `
export function toJson_Inner(obj: any): Record<string, any> | undefined {
  if (obj === undefined) { return undefined; }
  const result = {
    'name': obj.name,
    'labels': ((obj.labels) === undefined) ? undefined : (${filter('obj.labels')}),
  };
  return ${filter('result')};
}
export function toJson_Outer(obj: any): Record<string, any> | undefined {
  if (obj === undefined) { return undefined; }
  const result = {
    'inner': toJson_Inner(obj.inner),
    'plain': ((obj.plain) === undefined) ? undefined : (${filter('obj.plain')}),
    'lists': ((obj.lists) === undefined) ? undefined : (${filter('obj.lists', 'i[1]?.map(y => y)')}),
    'innerLists': ((obj.innerLists) === undefined) ? undefined : (${filter('obj.innerLists', 'i[1]?.map(y => toJson_Inner(y))')}),
    'inners': ((obj.inners) === undefined) ? undefined : (${filter('obj.inners', 'toJson_Inner(i[1])')}),
    'count': obj.count,
  };
  return ${filter('result')};
}
`;

/** The module's `toJson_Outer`, compiled and loaded. */
function load(source: string): (obj: unknown) => unknown {
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
  const exports: Record<string, any> = {};
  new Function('exports', js)(exports);
  return exports.toJson_Outer;
}

/** `value` with every object's own properties listed in order and its prototype, so that two results compare key order too. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape);
  if (value === null || typeof value !== 'object') return value;
  return {
    prototype: Object.getPrototypeOf(value) === Object.prototype ? 'Object' : 'other',
    entries: Object.getOwnPropertyNames(value).map((k) => [k, shape((value as any)[k])]),
  };
}

// Keys where an object's order and own properties are easy to get wrong: integer-like, `__proto__`, `constructor`.
const key = fc.constantFrom('b', 'a', '10', '2', '02', '__proto__', 'constructor', 'x-y');
const dictOf = <T>(value: fc.Arbitrary<T>) => fc.dictionary(key, fc.option(value, { nil: undefined }), { maxKeys: 6 });
const inner = fc.record({ name: fc.option(fc.string(), { nil: undefined }), labels: fc.option(dictOf(fc.string()), { nil: undefined }) });
const outer = fc.record({
  inner: fc.option(inner, { nil: undefined }),
  plain: fc.option(dictOf(fc.string()), { nil: undefined }),
  lists: fc.option(dictOf(fc.array(fc.string(), { maxLength: 3 })), { nil: undefined }),
  innerLists: fc.option(dictOf(fc.array(inner, { maxLength: 2 })), { nil: undefined }),
  inners: fc.option(dictOf(inner), { nil: undefined }),
  count: fc.option(fc.integer(), { nil: undefined }),
}, { requiredKeys: [] });

describe('imports/: cdk8s import with its undefined-filter made linear (scripts/imports-rewrite.js)', () => {
  test('every form of the filter becomes one call of the helper, added once; a module without one is left as it is', () => {
    const out = rewrite.rewriteImport(GENERATED);
    expect(out).not.toMatch(/\.reduce\(\(r, i\)[^\n]*\{\}\)\)?;?$/m);
    expect(out).toContain('return definedValues(result);');
    expect(out).toContain('(definedValues(obj.labels))');
    expect(out).toContain('(definedValues(obj.lists, (v) => v?.map(y => y)))');
    expect(out).toContain('(definedValues(obj.innerLists, (v) => v?.map(y => toJson_Inner(y))))');
    expect(out).toContain('(definedValues(obj.inners, (v) => toJson_Inner(v)))');
    expect(out.match(/function definedValues</g)).toHaveLength(1);
    expect(rewrite.rewriteImport('export const x = 1;\n')).toBe('export const x = 1;\n');
  });

  test('a filter in a form the rewrite does not know fails the import rather than staying quadratic', () => {
    const unknown = `export const f = (o: any) => ${filter('o', 'String(i[1])')};\n`;
    expect(() => rewrite.rewriteImport(unknown)).toThrow(/unknown form/);
  });

  test('the rewritten conversion gives what the generated one gives: the same properties, in the same order, at every depth', () => {
    const generated = load(GENERATED);
    const rewritten = load(rewrite.rewriteImport(GENERATED));
    fc.assert(fc.property(outer, (obj) => {
      expect(shape(rewritten(obj))).toEqual(shape(generated(obj)));
    }), { numRuns: 300 });
    // An own `__proto__` key stays an own property, as the literal's computed key makes it, and sets no prototype.
    const out = rewritten({ plain: { ['__proto__']: 'x', b: 'y' } as any }) as any;
    expect(Object.getOwnPropertyNames(out.plain)).toEqual(['__proto__', 'b']);
    expect(Object.getPrototypeOf(out.plain)).toBe(Object.prototype);
  });

  test('the committed imports/ are rewritten: no quadratic filter is left, and each module ends with the helper the tests run', () => {
    const dir = path.join(ROOT, 'imports');
    const modules = fs.readdirSync(dir).filter((f) => f.endsWith('.ts'));
    expect(modules.length).toBeGreaterThan(0);
    const helper = rewrite.rewriteImport(`const r = ${filter('o')};\n`).slice('const r = definedValues(o);\n'.length);
    for (const file of modules) {
      const text = fs.readFileSync(path.join(dir, file), 'utf8');
      expect(text.match(rewrite.QUADRATIC_FILTER)).toBeNull();
      expect(text.endsWith(helper)).toBe(true);
      expect(text.match(/function definedValues</g)).toHaveLength(1);
    }
  });
});
