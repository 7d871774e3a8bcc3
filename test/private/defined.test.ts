import { ApiObject, App, Chart, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import * as fc from 'fast-check';
import { lazyWithoutUnset, withoutUnset } from '../../src/private/defined';
import { renderingInOnePass } from '../../src/private/fast-to-json';

/** `spec` rendered by cdk8s as the spec of an ApiObject, as every renderer's object is. */
function rendered(spec: unknown): unknown {
  const chart = new Chart(new App(), 'c', { namespace: 'ns', labels: { a: 'b' } });
  return new ApiObject(chart, 'o', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'o' }, spec }).toJson();
}

describe('withoutUnset', () => {
  test('leaves out undefined and null properties at any depth, keeps array elements and values cdk8s resolves', () => {
    const port = k8s.IntOrString.fromNumber(8080);
    const lazy = Lazy.any({ produce: () => ({ x: 1 }) });
    const out = withoutUnset({ a: 1, b: undefined, c: null, d: { e: undefined, f: [1, undefined, { g: null, h: 'x' }] }, port, lazy, empty: {} });
    expect(out).toEqual({ a: 1, d: { f: [1, undefined, { h: 'x' }] }, port, lazy, empty: {} });
    expect(Object.keys(out)).toEqual(['a', 'd', 'port', 'lazy', 'empty']);
    expect(out.port).toBe(port);
    expect(out.lazy).toBe(lazy);
    // An object cdk8s resolves itself (ImplicitTokenResolver) is handed over whole.
    const token = { resolve: () => 'x', extra: undefined };
    expect(withoutUnset({ token }).token).toBe(token);
  });

  test('hands back an object or array with nothing unset as it is, and copies only what holds an unset field, leaving the input unchanged', () => {
    const full = { a: 1, b: { c: [1, { d: 'x' }] } };
    expect(withoutUnset(full)).toBe(full);
    const partly = { keep: { e: [1, 2] }, drop: { f: undefined, g: 1 }, list: [{ h: null }, { i: 2 }] };
    const out = withoutUnset(partly);
    expect(out).toEqual({ keep: { e: [1, 2] }, drop: { g: 1 }, list: [{}, { i: 2 }] });
    // what needed no change is shared; what did is a copy
    expect(out.keep).toBe(partly.keep);
    expect(out.list[1]).toBe(partly.list[1]);
    expect(out.drop).not.toBe(partly.drop);
    expect(partly).toEqual({ keep: { e: [1, 2] }, drop: { f: undefined, g: 1 }, list: [{ h: null }, { i: 2 }] });
  });

  test('cdk8s renders the same manifest with and without the unset fields', () => {
    const leaf = fc.oneof(fc.constant(undefined), fc.constant(null), fc.string({ maxLength: 3 }), fc.integer(), fc.boolean());
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('array'), tie('object')),
      array: fc.array(tie('tree'), { maxLength: 4 }),
      // Plain objects, as renderers write them, and null-prototype ones, which cdk8s refuses either way.
      object: fc.tuple(fc.dictionary(fc.constantFrom('a', 'b', 'c', 'value'), tie('tree'), { maxKeys: 5 }), fc.boolean())
        .map(([o, plain]) => (plain ? { ...o } : o)),
    }));
    const outcome = (spec: unknown): string => {
      try {
        return JSON.stringify(rendered(spec));
      } catch (e) {
        return `error: ${(e as Error).message}`;
      }
    };
    fc.assert(fc.property(tree, (spec) => outcome(withoutUnset(spec)) === outcome(spec)), { numRuns: 500 });
  });

  test('a lazy spec is produced without its unset fields, when cdk8s renders it', () => {
    let produced = 0;
    const spec = lazyWithoutUnset(() => {
      produced++;
      return { timeout: undefined, retries: { attempts: 2, perTryTimeout: undefined }, port: k8s.IntOrString.fromString('http') };
    });
    expect(produced).toBe(0);
    expect((rendered(spec) as any).spec).toEqual({ retries: { attempts: 2 }, port: { value: 'http' } });
    expect(produced).toBe(1);
  });
});

describe('within a one-pass render', () => {
  test('withoutUnset hands the value on as it is, and the rendered object is the one it renders stripped', () => {
    const app = new App();
    const props = { apiVersion: 'v1', kind: 'ConfigMap', data: { a: '1', b: undefined, c: null } };
    const lazy = new ApiObject(new Chart(app, 'c'), 'o', { ...props, data: lazyWithoutUnset(() => props.data) });
    const outside = lazy.toJson();
    const value = { a: 1, b: undefined };
    const inside = renderingInOnePass(app, () => ({ same: withoutUnset(value) === value, json: lazy.toJson() }));
    expect(inside.same).toBe(true);
    expect(withoutUnset(value)).toEqual({ a: 1 });
    expect(inside.json).toEqual(outside);
    expect(outside.data).toEqual({ a: '1' });
  });
});
