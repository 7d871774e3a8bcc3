import { ApiObject, ApiObjectMetadata, ApiObjectMetadataDefinition, App, Chart, IResolver, JsonPatch, Lazy, ResolutionContext } from 'cdk8s';
import * as fc from 'fast-check';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MeshApp, MeshChart } from '../../src';
import { inOnePass, renderingInOnePass } from '../../src/private/fast-to-json';

/*
 * renderingInOnePass must render every ApiObject as cdk8s's ApiObject.toJson does (lib/api-object.ts: resolve, then
 * sanitizeValue, then the patches and the top-level order): the same values, the same key order, the same errors,
 * and the producers of Lazy values called in the same order.
 */

/** A value as `toJson` gives it, with every object's keys in order (JSON.stringify keeps insertion order). */
function shape(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'function' ? `fn:${x.name}` : x === undefined ? '<undefined>' : x));
}

/** cdk8s's rendering and the one-pass rendering of one object built twice by `build`, each in an app of its own. */
interface BothWays {
  readonly cdk8s: unknown;
  readonly onePass: unknown;
  readonly cdk8sCalls: string[];
  readonly onePassCalls: string[];
}

function bothWays(build: (chart: Chart, calls: string[]) => ApiObject): BothWays {
  const run = (fast: boolean) => {
    const app = new App();
    const calls: string[] = [];
    const o = build(new Chart(app, 'c'), calls);
    let out: unknown;
    try {
      out = fast ? renderingInOnePass(app, () => o.toJson()) : o.toJson();
    } catch (e) {
      out = `threw: ${(e as Error).message}`;
    }
    return { out, calls };
  };
  const a = run(false);
  const b = run(true);
  return { cdk8s: a.out, onePass: b.out, cdk8sCalls: a.calls, onePassCalls: b.calls };
}

/** A number-or-string union value as the generated imports write one (IntOrString, Quantity). */
class Union {
  public constructor(public readonly value: string | number) {}
}

/** A class without `value`: sanitizeValue refuses it. */
class Opaque {
  public readonly x = 1;
}

/** A recipe of a value, turned into a value (with fresh Lazy producers that log their calls) by `materialize`. */
type Recipe =
  | { k: 'prim'; v: string | number | boolean | null | undefined }
  | { k: 'empty'; array: boolean }
  | { k: 'arr'; items: Recipe[]; hole: boolean }
  | { k: 'obj'; entries: [string, Recipe][] }
  | { k: 'lazy'; of: Recipe; id: number }
  | { k: 'token'; of: Recipe }
  | { k: 'union'; v: string | number }
  | { k: 'opaque' }
  | { k: 'nullProto' }
  | { k: 'fn' };

const key = fc.oneof(fc.constantFrom('a', 'b', 'B', 'z', '_', '0', '10', '9', 'é', 'name', 'metadata', 'spec', '$ref', '__proto__', 'constructor', 'value', 'resolve'), fc.string({ maxLength: 4 }));
const recipe: fc.Arbitrary<Recipe> = fc.letrec<{ r: Recipe }>((tie) => ({
  r: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ k: fc.constant('prim' as const), v: fc.oneof(fc.string({ maxLength: 3 }), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined)) }),
    fc.record({ k: fc.constant('empty' as const), array: fc.boolean() }),
    fc.record({ k: fc.constant('arr' as const), items: fc.array(tie('r'), { maxLength: 4 }), hole: fc.boolean() }),
    fc.record({ k: fc.constant('obj' as const), entries: fc.array(fc.tuple(key, tie('r')), { maxLength: 6 }) }),
    fc.record({ k: fc.constant('lazy' as const), of: tie('r'), id: fc.nat(1000) }),
    fc.record({ k: fc.constant('token' as const), of: tie('r') }),
    fc.record({ k: fc.constant('union' as const), v: fc.oneof(fc.string({ maxLength: 3 }), fc.integer()) }),
    fc.constant({ k: 'opaque' as const }),
    fc.constant({ k: 'nullProto' as const }),
    fc.constant({ k: 'fn' as const }),
  ),
})).r;

function materialize(r: Recipe, calls: string[]): unknown {
  switch (r.k) {
    case 'prim': return r.v;
    case 'empty': return r.array ? [] : {};
    case 'arr': {
      const items = r.items.map((x) => materialize(x, calls));
      if (r.hole && items.length > 1) delete items[1];
      return items;
    }
    case 'obj': return Object.fromEntries(r.entries.map(([k, v]) => [k, materialize(v, calls)]));
    case 'lazy': return Lazy.any({ produce: () => (calls.push(`lazy${r.id}`), materialize(r.of, calls)) });
    case 'token': return { resolve: () => (calls.push('token'), materialize(r.of, calls)) };
    case 'union': return new Union(r.v);
    case 'opaque': return new Opaque();
    case 'nullProto': return Object.assign(Object.create(null), { a: 1 });
    case 'fn': return function named() {};
  }
}

describe('renderingInOnePass', () => {
  test.each([false, true])('renders any props as cdk8s does, its errors and its producers\' order too (CDK8S_DISABLE_SORT %s)', (unsorted) => {
    const before = process.env.CDK8S_DISABLE_SORT;
    if (unsorted) process.env.CDK8S_DISABLE_SORT = '1';
    else delete process.env.CDK8S_DISABLE_SORT;
    try {
      const entries = fc.array(fc.tuple(key, recipe), { maxLength: 3 });
      fc.assert(fc.property(recipe, entries, entries, entries, (spec, extra, labels, meta) => {
        const r = bothWays((chart, calls) => new ApiObject(chart, 'o', {
          apiVersion: 'v1', kind: 'ConfigMap',
          // The metadata's own fields, and others it keeps as they are given (lib/metadata.ts _additionalAttributes).
          // Labels and annotations of any value: a label a Lazy produces, or one cdk8s cannot render.
          metadata: {
            name: 'x', labels: { b: '1', a: '2', ...Object.fromEntries(labels.map(([k, v]) => [k, materialize(v, calls)])) },
            annotations: Object.fromEntries(labels.map(([k, v]) => [`a${k}`, materialize(v, calls)])),
            ...Object.fromEntries(meta.map(([k, v]) => [`m${k}`, materialize(v, calls)])),
          } as ApiObjectMetadata,
          spec: materialize(spec, calls), ...Object.fromEntries(extra.map(([k, v]) => [`x${k}`, materialize(v, calls)])),
        }));
        expect(shape(r.onePass)).toBe(shape(r.cdk8s));
        expect(r.onePassCalls).toEqual(r.cdk8sCalls);
      }), { numRuns: 400 });
    } finally {
      if (before === undefined) delete process.env.CDK8S_DISABLE_SORT;
      else process.env.CDK8S_DISABLE_SORT = before;
    }
  });

  test('a wide object (more keys than the insertion sort takes) renders as cdk8s renders it', () => {
    const wide = fc.uniqueArray(fc.tuple(fc.string({ minLength: 1, maxLength: 5 }), recipe), { minLength: 25, maxLength: 60, selector: ([k]) => k });
    fc.assert(fc.property(wide, (entries) => {
      const r = bothWays((chart, calls) => new ApiObject(chart, 'o', {
        apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: Object.fromEntries(entries.map(([k, v]) => [k, materialize(v, calls)])),
      }));
      expect(shape(r.onePass)).toBe(shape(r.cdk8s));
      expect(r.onePassCalls).toEqual(r.cdk8sCalls);
    }), { numRuns: 100 });
  });

  test.each(['resolve', 'value'])('a primitive whose prototype has a %s renders as cdk8s renders it', (key) => {
    // cdk8s's resolvers read `resolve` and `value` through a string's or a number's prototype (lib/resolve.ts).
    const defined = key === 'resolve' ? function resolve(this: string) { return this.length; } : 7;
    Object.defineProperty(String.prototype, key, { value: defined, configurable: true, writable: true });
    try {
      const r = bothWays((chart) => new ApiObject(chart, 'o', { apiVersion: 'v1', kind: 'ConfigMap', data: { a: 'abc', n: 1 } }));
      expect(shape(r.onePass)).toBe(shape(r.cdk8s));
      expect((r.cdk8s as { data: unknown }).data).not.toEqual({ a: 'abc', n: 1 });
    } finally {
      delete (String.prototype as unknown as Record<string, unknown>)[key];
    }
  });

  test('an object that cannot be rendered fails with cdk8s\'s message, naming its construct', () => {
    const r = bothWays((chart) => new ApiObject(chart, 'o', { apiVersion: 'v1', kind: 'ConfigMap', data: { x: new Opaque() } }));
    expect(r.onePass).toMatch(/^threw: Failed serializing construct at path 'c\/o' with name '.*': Error: can't render non-simple object of type 'Opaque'$/);
    expect(r.onePass).toBe(r.cdk8s);
  });

  test('JSON patches and the top-level order are applied as cdk8s applies them', () => {
    const r = bothWays((chart) => {
      const o = new ApiObject(chart, 'o', { kind: 'ConfigMap', data: { b: '1', a: '2' }, apiVersion: 'v1' });
      o.addJsonPatch(JsonPatch.add('/data/c', '3'), JsonPatch.remove('/data/b'));
      return o;
    });
    expect(shape(r.onePass)).toBe(shape(r.cdk8s));
    expect(Object.keys(r.onePass as object)).toEqual(['apiVersion', 'kind', 'metadata', 'data']);
    expect((r.onePass as { data: object }).data).toEqual({ a: '2', c: '3' });
  });

  test("MeshApp's synth renders its objects in one pass, and one with resolvers of its own by cdk8s", () => {
    const during = (props: { resolvers?: IResolver[] }) => {
      const app = new MeshApp({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'one-pass-')), ...props });
      const seen: boolean[] = [];
      new ApiObject(new MeshChart(app, 'staging', { namespace: 'staging' }), 'probe', {
        apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'probe' }, data: { at: Lazy.any({ produce: () => (seen.push(inOnePass()), 'x') }) },
      });
      app.manifests();
      return seen;
    };
    expect(during({})).toEqual([true]);
    expect(during({ resolvers: [{ resolve: () => undefined }] })).toEqual([false]);
  });

  test('an app with resolvers of its own is rendered by cdk8s, its resolvers called', () => {
    const seen: string[] = [];
    const resolver: IResolver = { resolve: (c: ResolutionContext) => void seen.push(c.key.join('.')) };
    const app = new App({ resolvers: [resolver] });
    const o = new ApiObject(new Chart(app, 'c'), 'o', { apiVersion: 'v1', kind: 'ConfigMap', data: { a: '1' } });
    renderingInOnePass(app, () => o.toJson());
    expect(seen).toContain('data.a');
  });

  test('an object of another app is rendered by cdk8s, and cdk8s\'s toJson is restored after, also after an error', () => {
    const original = ApiObject.prototype.toJson;
    const originalMetadata = ApiObjectMetadataDefinition.prototype.toJson;
    const app = new App();
    const other = new App({ resolvers: [] });
    const seen: string[] = [];
    const otherObject = new ApiObject(new Chart(other, 'c'), 'o', {
      apiVersion: 'v1', kind: 'ConfigMap', data: { a: Lazy.any({ produce: () => (seen.push('produced'), '1') }) },
    });
    expect(renderingInOnePass(app, () => otherObject.toJson())).toEqual(otherObject.toJson());
    expect(() => renderingInOnePass(app, () => {
      expect(ApiObject.prototype.toJson).not.toBe(original);
      expect(ApiObjectMetadataDefinition.prototype.toJson).not.toBe(originalMetadata);
      throw new Error('boom');
    })).toThrow('boom');
    expect(ApiObject.prototype.toJson).toBe(original);
    expect(ApiObjectMetadataDefinition.prototype.toJson).toBe(originalMetadata);
  });
});
