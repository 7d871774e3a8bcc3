// Which environments of a tree the connectivity diff evaluates together: those whose objects
// name one another's namespaces, a host read as the model of the cluster reads it.
import { namespaceGroups } from '../../src/review/namespace-groups';

const vs = (ns: string, host: string) => ({
  apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'r', namespace: ns },
  spec: { hosts: ['x'], http: [{ route: [{ destination: { host } }] }] },
});

describe('namespace groups', () => {
  const namespaces = new Map([['a', 'a'], ['b', 'b'], ['c', 'c']]);

  test('a route to a Service of another environment\'s namespace joins the two', () => {
    const side = new Map([['a', [vs('a', 'api.b.svc.cluster.local')]], ['b', []], ['c', []]]);
    expect(namespaceGroups(['a', 'b', 'c'], namespaces, side).get('a')).toEqual(['a', 'b']);
  });

  test('a route to a StatefulSet pod\'s own name joins its namespace too (util.GetFullNameFromFQDN)', () => {
    const side = new Map([['a', [vs('a', 'web-0.web.c.svc.cluster.local')]], ['b', []], ['c', []]]);
    expect(namespaceGroups(['a', 'b', 'c'], namespaces, side).get('a')).toEqual(['a', 'c']);
    expect(namespaceGroups(['a', 'b', 'c'], namespaces, side).get('b')).toEqual(['b']);
  });
});
