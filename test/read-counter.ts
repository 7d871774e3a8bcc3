/**
 * Counting the property reads a function makes of its input: a measure of work that does not depend on the machine, for
 * tests that a check stays linear in the size of the mesh (twice the input, about twice the reads; a scan of every object
 * per object reads about four times as much). Timing is the benchmark's job (`npm run bench`), never a test's.
 */

/** `value` behind Proxies that count every property read into `counter`, nested objects and arrays included. */
export function counted<T>(value: T, counter: { reads: number }): T {
  const proxies = new WeakMap<object, object>();
  const wrap = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    let p = proxies.get(v);
    if (!p) {
      p = new Proxy(v, { get: (target, key, receiver) => { counter.reads++; return wrap(Reflect.get(target, key, receiver)); } });
      proxies.set(v, p);
    }
    return p;
  };
  return wrap(value) as T;
}
