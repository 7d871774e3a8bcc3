/**
 * The VirtualServices of an app by namespace and name, which an `EdgeGateway` reads to refuse a `virtualServiceName` another
 * construct's VirtualService has (MESH273): the cluster holds one object of a name, so one would replace the other on apply.
 */
import { ApiObject, Chart } from 'cdk8s';
import type { IConstruct } from 'constructs';
import { constructsUnder, onceDuringSynth } from '../../private/synth-memo';

/** Istio's VirtualService kind, of any version of its API group. */
function isVirtualService(c: IConstruct): c is ApiObject {
  return ApiObject.isApiObject(c) && c.kind === 'VirtualService' && c.apiVersion.startsWith('networking.istio.io/');
}

/** `namespace/name`: one object to the API server, whatever the version. */
function keyOf(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** The app's VirtualServices by `namespace/name`, walked once per synth (afresh outside it). */
function virtualServicesByName(root: IConstruct): ReadonlyMap<string, readonly ApiObject[]> {
  return onceDuringSynth(root, 'virtual-services-by-name', () => {
    const out = new Map<string, ApiObject[]>();
    for (const c of constructsUnder(root)) {
      if (!isVirtualService(c)) continue;
      // An object without a namespace of its own is written in its chart's.
      const key = keyOf(c.metadata.namespace ?? Chart.of(c).namespace ?? '', c.name);
      const list = out.get(key);
      if (list) list.push(c);
      else out.set(key, [c]);
    }
    return out;
  });
}

/** The app's VirtualServices named `name` in `namespace` other than `own`. */
export function otherVirtualServicesNamed(own: ApiObject, namespace: string, name: string): readonly ApiObject[] {
  return (virtualServicesByName(own.node.root).get(keyOf(namespace, name)) ?? []).filter((vs) => vs !== own);
}
