/**
 * Brands: registered symbols (`Symbol.for`) that a class sets on its instances, so that a check
 * holds across two copies of the library, as cdk8s's `Chart.isChart` does. The symbols belong to
 * the layers whose classes carry them (src/graph/brands.ts, src/workload/mesh-pod.ts).
 */

/** Whether `x` carries `brand`. */
export function hasBrand(x: unknown, brand: symbol): boolean {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[brand] === true;
}

/** Marks `x` with `brand`: a non-enumerable property, so it never shows in output or JSON. */
export function setBrand(x: object, brand: symbol): void {
  Object.defineProperty(x, brand, { value: true });
}
