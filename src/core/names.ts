/** Kubernetes and Istio naming rules. */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Why `name` is not a DNS-1123 label (as Service, Namespace and ServiceAccount names must be), or undefined. */
export function dns1123LabelProblem(name: string): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name.length > 63) return `'${name}' is longer than 63 characters`;
  if (!DNS1123_LABEL.test(name)) {
    return `'${name}' is not a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit)`;
  }
  return undefined;
}

/** True if `name` is a DNS-1123 label. */
export function isDns1123Label(name: string): boolean {
  return dns1123LabelProblem(name) === undefined;
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Why `value` is not a valid Kubernetes label value, or undefined. */
export function labelValueProblem(value: string): string | undefined {
  if (value.length > 63) return `'${value}' is longer than 63 characters`;
  if (!LABEL_VALUE.test(value)) return `'${value}' is not a valid label value`;
  return undefined;
}
