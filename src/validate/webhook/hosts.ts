/**
 * Host names as istiod's webhook checks them: ports of istio/istio
 * pkg/config/validation/agent/validation.go (CheckDNS1123Preconditions, ValidateDNS1123Labels,
 * ValidateFQDN, ValidateWildcardDomain, ValidateWildcardDomainForVirtualServiceBoundToGateway,
 * ValidatePartialWildCard, validateSidecarOrGatewayHostnamePart,
 * ValidateNamespaceSlashWildcardHostname), pkg/config/labels/instance.go (IsDNS1123Label,
 * IsWildcardDNS1123Label) and pkg/config/host/name.go (Matches, SubsetOf), the same in Istio 1.24
 * and 1.30. Lengths are Go's: bytes of UTF-8.
 */
import { isValidIPAddress } from './net';

const DNS1123_LABEL = /^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
/** A wildcard prefix: `*`, or a DNS-1123 label led by `*` or `*-` (labels/instance.go, wildcardPrefix). */
const WILDCARD_LABEL = /^(?:\*|(?:\*|\*-)?[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)$/;

/** Go's len(): the UTF-8 byte length. */
export const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');

/** labels.IsDNS1123Label: at most 63 bytes, letters, digits and inner dashes (upper case allowed). */
export function isDns1123Label(value: string): boolean {
  return byteLength(value) <= 63 && DNS1123_LABEL.test(value);
}

/** labels.IsWildcardDNS1123Label. */
export function isWildcardDns1123Label(value: string): boolean {
  return byteLength(value) <= 63 && WILDCARD_LABEL.test(value);
}

/** CheckDNS1123Preconditions: 1-255 bytes. */
function preconditionsProblem(name: string): string | undefined {
  if (byteLength(name) > 255) return `domain name ${JSON.stringify(name)} too long (max 255)`;
  if (name === '') return 'empty domain name not allowed';
  return undefined;
}

/** strconv.Atoi succeeds: a sign, decimal digits, within int64. */
function isGoInt(s: string): boolean {
  if (!/^[+-]?[0-9]+$/.test(s)) return false;
  const n = BigInt(s);
  return n >= -(2n ** 63n) && n < 2n ** 63n;
}

/** ValidateDNS1123Labels: a top-level domain that is not all digits, each label DNS-1123, a trailing dot allowed. */
function labelsProblem(domain: string): string | undefined {
  const parts = domain.split('.');
  const tld = parts[parts.length - 1];
  if (isGoInt(tld)) return `domain name ${JSON.stringify(domain)} invalid (top level domain ${JSON.stringify(tld)} cannot be all-numeric)`;
  for (let i = 0; i < parts.length; i++) {
    if (i === parts.length - 1 && parts[i] === '') return undefined;
    if (!isDns1123Label(parts[i])) return `domain name ${JSON.stringify(domain)} invalid (label ${JSON.stringify(parts[i])} invalid)`;
  }
  return undefined;
}

/** agent.ValidateFQDN. */
export function fqdnProblem(fqdn: string): string | undefined {
  return preconditionsProblem(fqdn) ?? labelsProblem(fqdn);
}

/** agent.ValidateWildcardDomain: a FQDN whose first label may be a wildcard (`*`, `*.example.com`, `*-x.example.com`). */
export function wildcardDomainProblem(domain: string): string | undefined {
  const pre = preconditionsProblem(domain);
  if (pre) return pre;
  const dot = domain.indexOf('.');
  const first = dot < 0 ? domain : domain.slice(0, dot);
  if (!isWildcardDns1123Label(first)) return `domain name ${JSON.stringify(domain)} invalid (label ${JSON.stringify(first)} invalid)`;
  return dot < 0 ? undefined : labelsProblem(domain.slice(dot + 1));
}

/**
 * agent.ValidateWildcardDomainForVirtualServiceBoundToGateway: with SNI hosts, Istio's own
 * `outbound_.<port>_._.<host>` cluster names pass; anything else is a wildcard domain.
 */
export function gatewayBoundDomainProblem(sni: boolean, domain: string): string | undefined {
  const pre = preconditionsProblem(domain);
  if (pre) return pre;
  if (sni && domain.startsWith('outbound_')) {
    const parts = domain.split('_');
    const format = 'outbound_.<PORT>_._.<HOSTNAME>';
    if (parts.length < 4) return `domain name ${domain} invalid, should follow '${format}' format`;
    const trim = (s: string) => s.replace(/^\.+|\.+$/g, '');
    if (parts[0] !== 'outbound') return `domain name ${JSON.stringify(domain)} invalid (label ${JSON.stringify(parts[0])} invalid)`;
    const invalid = (label: string) =>
      `domain name ${JSON.stringify(domain)} invalid (label ${JSON.stringify(label)} invalid). should follow ${format} format`;
    if (!/[0-9]/.test(trim(parts[1]))) return invalid(trim(parts[1]));
    if (!/[a-zA-Z]/.test(trim(parts[3]))) return invalid(trim(parts[3]));
    return undefined;
  }
  return wildcardDomainProblem(domain);
}

/** agent.ValidatePartialWildCard: a `*` only alone or as a leading `*.` label. */
export function partialWildcardProblem(host: string): string | undefined {
  return host.includes('*') && host.length !== 1 && !host.startsWith('*.') ? `partial wildcard ${JSON.stringify(host)} not allowed` : undefined;
}

/** validateSidecarOrGatewayHostnamePart: a FQDN (or `*`), a wildcard domain (a Gateway may also name an IP), no partial wildcard. */
function hostnamePartProblems(hostname: string, isGateway: boolean): string[] {
  const out: string[] = [];
  if (hostname !== '*' && !hostname.includes('.')) out.push('short names (non FQDN) are not allowed');
  const problem = wildcardDomainProblem(hostname);
  if (problem) {
    if (!isGateway) out.push(problem);
    if (!isValidIPAddress(hostname)) out.push(problem);
  }
  const partial = partialWildcardProblem(hostname);
  if (partial) out.push(partial);
  return out;
}

/**
 * agent.ValidateNamespaceSlashWildcardHostname: `namespace/dnsName` (a Gateway may also give
 * the name alone), the namespace `*`, `.`, a DNS-1123 label, or for a Sidecar `~` too. Every
 * problem Istio appends (a Sidecar's non-FQDN IP is reported twice there, once here).
 */
export function namespaceSlashHostProblems(hostname: string, isGateway: boolean, gatewaySemantics = false): string[] {
  const slash = hostname.indexOf('/');
  if (slash < 0) return isGateway ? [...new Set(hostnamePartProblems(hostname, true))] : ['host must be of form namespace/dnsName'];
  const [ns, name] = [hostname.slice(0, slash), hostname.slice(slash + 1)];
  const out: string[] = [];
  if (ns === '' || name === '') out.push('config namespace and dnsName in host entry cannot be empty');
  const special = ns === '*' || ns === '.' || (ns === '~' && (!isGateway || gatewaySemantics));
  if (!special && !isDns1123Label(ns)) out.push(`invalid namespace value ${JSON.stringify(ns)} in ${isGateway ? 'gateway' : 'sidecar'}`);
  out.push(...hostnamePartProblems(name, isGateway));
  return [...new Set(out)];
}

// host.Name.IsWildCarded, Matches and SubsetOf: written once, in the model of the cluster.
export { hostsMatch, hostSubsetOf, isWildcarded } from '../model/hosts';
