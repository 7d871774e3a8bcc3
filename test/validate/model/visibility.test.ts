// exportTo as istiod reads it (pilot/pkg/model/push_context.go IsServiceVisible with
// virtualservice_controller.go convertExportToSet, setDestinationRules, getExportedDestinationRuleFromNamespace)
// and as istioctl analyze keys its hosts (pkg/config/analysis/analyzers/util/service_lookup.go).
import * as fc from 'fast-check';
import {
  destinationRuleExportedTo, destinationRuleIsExported, destinationRuleIsLocal, exportToScopes, serviceExportTo, visibleTo,
} from '../../../src/validate/model/visibility';

const ns = fc.constantFrom('a', 'b', 'c');
const entry = fc.constantFrom('a', 'b', 'c', '.', '*', '~');
const exportTo = fc.array(entry, { maxLength: 3 });

describe('exportTo visibility', () => {
  // convertExportToSet maps `.` to the own namespace; IsServiceVisible: Public, or Private in the
  // own namespace, or the viewer named. An empty list is the mesh default, `*` on a stock install.
  const naive = (list: readonly string[], own: string, viewer: string) => {
    if (list.length === 0) return true;
    const set = new Set(list.map((e) => (e === '.' ? own : e)));
    return set.has('*') || set.has(viewer);
  };

  test('visibleTo is IsServiceVisible over convertExportToSet', () => {
    fc.assert(fc.property(exportTo, ns, ns, (list, own, viewer) => visibleTo(list, own, viewer) === naive(list, own, viewer)));
  });

  test('an object is visible in its own namespace unless exported only elsewhere or to none', () => {
    expect(visibleTo(['.'], 'a', 'a')).toBe(true);
    expect(visibleTo(['.'], 'a', 'b')).toBe(false);
    expect(visibleTo(['b'], 'a', 'a')).toBe(false);
    expect(visibleTo(['~'], 'a', 'a')).toBe(false);
    expect(visibleTo([], 'a', 'b')).toBe(true);
  });

  test('istioctl analyze\'s scopes: `*` for an empty list or one holding `*`, else each entry with `.` as the own namespace', () => {
    fc.assert(fc.property(exportTo, ns, (list, own) => {
      const scopes = exportToScopes(list, own);
      // the analyzer's scoped lookup agrees with istiod's visibility for every namespace but `~`
      return ['a', 'b', 'c'].every((viewer) => (scopes.includes('*') || scopes.includes(viewer)) === naive(list, own, viewer));
    }));
  });

  test('a Service\'s exportTo annotation: comma-separated, `.` is its own namespace, unset is every namespace', () => {
    expect(serviceExportTo(undefined, 'a')).toEqual(['*']);
    expect(serviceExportTo('., b ,c', 'a')).toEqual(['a', 'b', 'c']);
  });

  test('DestinationRules: local to their namespace unless exported only elsewhere; exported unless private-only', () => {
    // setDestinationRules: namespaceLocal when empty, *, . or the own namespace is in the set;
    // exported unless the set is exactly {.} or {own namespace}.
    fc.assert(fc.property(exportTo, ns, (list, own) => {
      const local = list.length === 0 || list.some((e) => e === '*' || e === '.' || e === own);
      const set = new Set(list);
      const exported = !(set.size === 1 && (set.has('.') || set.has(own)));
      return destinationRuleIsLocal(list, own) === local && destinationRuleIsExported(list, own) === exported;
    }));
    // getExportedDestinationRuleFromNamespace: `.` does not reach a client of another namespace.
    expect(destinationRuleExportedTo(['.', 'b'], 'b')).toBe(true);
    expect(destinationRuleExportedTo(['.', 'b'], 'c')).toBe(false);
  });
});
