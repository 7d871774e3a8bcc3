// Label selectors: Istio's label maps (pkg/config/labels/instance.go Instance.SubsetOf and Match)
// and Kubernetes LabelSelector (matchLabels AND matchExpressions).
// https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#resources-that-support-set-based-requirements
import * as fc from 'fast-check';
import { firstLabel, labelSelectorMatches, labelsSubsetOf, selectorMatches } from '../../../src/validate/model/selectors';

const labels = fc.dictionary(fc.constantFrom('app', 'tier', 'version'), fc.constantFrom('a', 'b'), { maxKeys: 3 });
const requirement = fc.record({
  key: fc.constantFrom('app', 'tier', 'version'),
  operator: fc.constantFrom('In', 'NotIn', 'Exists', 'DoesNotExist'),
  values: fc.array(fc.constantFrom('a', 'b'), { maxLength: 2 }),
});

describe('label selectors', () => {
  test('SubsetOf: every label of the selector is on the pod; Match: the same, but an empty selector selects nothing', () => {
    fc.assert(fc.property(labels, labels, (sel, pod) => {
      const subset = Object.entries(sel).every(([k, v]) => pod[k] === v);
      return labelsSubsetOf(sel, pod) === subset && selectorMatches(sel, pod) === (subset && Object.keys(sel).length > 0);
    }));
    expect(labelsSubsetOf({}, {})).toBe(true);
    expect(selectorMatches({}, { app: 'a' })).toBe(false);
  });

  test('a LabelSelector is its matchLabels and each requirement, NotIn satisfied by a missing label', () => {
    fc.assert(fc.property(labels, fc.array(requirement, { maxLength: 3 }), labels, (matchLabels, exprs, pod) => {
      const req = (e: typeof exprs[number]) => {
        const has = e.key in pod;
        return e.operator === 'In' ? has && e.values.includes(pod[e.key]) : e.operator === 'NotIn' ? !has || !e.values.includes(pod[e.key])
          : e.operator === 'Exists' ? has : !has;
      };
      const expected = labelsSubsetOf(matchLabels, pod) && exprs.every(req);
      return labelSelectorMatches({ matchLabels, matchExpressions: exprs }, pod) === expected;
    }));
    expect(labelSelectorMatches({}, { app: 'a' })).toBe(true);
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'app', operator: 'Bogus' }] }, { app: 'a' })).toBe(false);
  });

  test('an index files a selector by its first label in key order', () => {
    expect(firstLabel({ version: 'v1', app: 'a' })).toEqual(['app', 'a']);
    expect(firstLabel({})).toBeUndefined();
  });
});
