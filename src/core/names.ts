/**
 * Kubernetes and Istio naming rules, written once: the constructs and the
 * manifest checks (validate/core.ts) both use them.
 *
 * @see https://github.com/kubernetes/apimachinery/blob/master/pkg/util/validation/validation.go
 *   (dns1123LabelFmt, dns1123SubdomainFmt, labelValueFmt, qualifiedNameFmt)
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** The name part of a qualified name (a label key without its prefix). */
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/**
 * Why `name` is not a DNS-1123 label (as Service, Namespace and ServiceAccount names must be), or undefined.
 * @internal
 */
export function dns1123LabelProblem(name: string): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name.length > 63) return `'${name}' is longer than 63 characters`;
  if (!DNS1123_LABEL.test(name)) {
    return `'${name}' is not a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit)`;
  }
  return undefined;
}

/**
 * True if `name` is a DNS-1123 label.
 * @internal
 */
export function isDns1123Label(name: string): boolean {
  return dns1123LabelProblem(name) === undefined;
}

const GATEWAY_HOST = /^(\*|(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$/;

/**
 * True if `host` is a host a Gateway server may serve: `*`, a DNS name, or one with a leading `*.`;
 * the optional `<namespace>/` in front of it is not part of the host.
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/#Server (hosts)
 * @internal
 */
export function isGatewayHost(host: string): boolean {
  return GATEWAY_HOST.test(host.includes('/') ? host.slice(host.indexOf('/') + 1) : host);
}

/**
 * True if `name` is a DNS-1123 subdomain (at most 253 characters), as most object names must be.
 * @internal
 */
export function isDns1123Subdomain(name: string): boolean {
  return name.length > 0 && name.length <= 253 && DNS1123_SUBDOMAIN.test(name);
}

/**
 * True if `key` is a valid label key: an optional DNS-1123 subdomain prefix and '/', then a name of at most 63 characters.
 * @internal
 */
export function isLabelKey(key: string): boolean {
  const [prefix, name] = key.includes('/') ? key.split('/', 2) : [undefined, key];
  return QUALIFIED_NAME.test(name) && name.length <= 63 && (prefix === undefined || DNS1123_SUBDOMAIN.test(prefix));
}

/**
 * True if `value` is a valid Kubernetes label value (empty, or at most 63 characters of the allowed set).
 * @internal
 */
export function isLabelValue(value: string): boolean {
  return labelValueProblem(value) === undefined;
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * Why `value` is not a valid Kubernetes label value, or undefined.
 * @internal
 */
export function labelValueProblem(value: string): string | undefined {
  if (value.length > 63) return `'${value}' is longer than 63 characters`;
  if (!LABEL_VALUE.test(value)) return `'${value}' is not a valid label value`;
  return undefined;
}

/**
 * An IANA service name, as Kubernetes validates a port name given as a string (a container port's `name`, a Service's
 * `targetPort`): 1 to 15 lowercase letters, digits and '-', at least one letter, no '-' at either end nor two in a row
 * (apimachinery validation.go `IsValidPortName`).
 */
export function isIanaServiceName(name: string): boolean {
  return name.length >= 1 && name.length <= 15 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) && !name.includes('--') && /[a-z]/.test(name);
}
