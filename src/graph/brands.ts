/**
 * The brands the mesh's classes carry: registered symbols (`Symbol.for`), so a check
 * holds across two copies of the library, as cdk8s's `Chart.isChart` does. In a module
 * of their own so that code which only needs to recognize a MeshChart does not import it.
 */

/** The brand of a MeshChart. */
export const MESH_CHART_BRAND = Symbol.for('cdk8s-mesh.MeshChart');

/** The brand of a MeshService. */
export const MESH_SERVICE_BRAND = Symbol.for('cdk8s-mesh.MeshService');

/** Whether `x` carries `brand`. */
export function hasBrand(x: unknown, brand: symbol): boolean {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[brand] === true;
}
