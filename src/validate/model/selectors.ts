/**
 * Label selectors, written once: Istio's plain label maps (a Service's `spec.selector`, a
 * WorkloadSelector's `matchLabels`, a DestinationRule subset's `labels`) and Kubernetes'
 * LabelSelector (a NetworkPolicy's `podSelector` and `namespaceSelector`).
 */

/** A plain label map. */
export type Labels = Readonly<Record<string, string>>;

/**
 * `labels.Instance.SubsetOf` (istio/istio pkg/config/labels/instance.go): every label of
 * `selector` is on `labels` with the same value; an empty (or missing) selector selects every
 * set of labels. How a WorkloadSelector and a subset's labels pick pods.
 */
export function labelsSubsetOf(selector: Labels | undefined, labels: Labels): boolean {
  for (const k in selector ?? {}) if (labels[k] !== selector![k]) return false;
  return true;
}

/**
 * `labels.Instance.Match` (pkg/config/labels/instance.go): as {@link labelsSubsetOf}, but an
 * empty selector selects nothing. How a Service picks its workloads ("mainly used for
 * service -> workload"; Kubernetes: a Service without a selector has no managed endpoints).
 */
export function selectorMatches(selector: Labels | undefined, labels: Labels): boolean {
  return hasLabels(selector) && labelsSubsetOf(selector, labels);
}

/** True if `selector` is a label map with at least one label. */
export function hasLabels(selector: unknown): selector is Labels {
  if (!selector || typeof selector !== 'object') return false;
  for (const _ in selector) return true;
  return false;
}

/** A Kubernetes LabelSelector (`matchLabels` and `matchExpressions`). */
export interface LabelSelector {
  readonly matchLabels?: Labels;
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: string; readonly values?: readonly unknown[] }[];
}

/**
 * True if `labels` satisfy a Kubernetes LabelSelector: every `matchLabels` entry AND every
 * `matchExpressions` requirement (`In`, `NotIn` (a missing label satisfies it), `Exists`,
 * `DoesNotExist`; any other operator fails, as the API server would refuse it). An empty selector
 * selects everything; a missing one (`undefined`) is taken as empty by the callers that pass it.
 * https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#resources-that-support-set-based-requirements
 */
export function labelSelectorMatches(selector: LabelSelector | undefined, labels: Labels): boolean {
  if (!selector) return true;
  if (!labelsSubsetOf(selector.matchLabels, labels)) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values = (e.values ?? []).map(String);
    switch (e.operator) {
      case 'In': if (!has || !values.includes(labels[e.key])) return false; break;
      case 'NotIn': if (has && values.includes(labels[e.key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

/** The first `matchLabels` entry of a selector in key order, by which an index files it; undefined when it has none. */
export function firstLabel(matchLabels: Labels | undefined): [string, string] | undefined {
  let best: string | undefined;
  for (const k in matchLabels ?? {}) if (best === undefined || k < best) best = k;
  return best === undefined ? undefined : [best, matchLabels![best]];
}
