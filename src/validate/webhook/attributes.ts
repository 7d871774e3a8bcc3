/**
 * The values of an AuthorizationPolicy as istiod reads them: ports of istio/istio
 * pkg/config/security/security.go (ValidateAttribute, validateMapKey, CheckValidPathTemplate,
 * IsValidLiteral; from Istio 1.30 CheckWildcardValues, CheckTrustDomainValues, CheckServiceAccount).
 */
import { ipsProblem, securityPortProblem } from './net';

/** The first empty value's problem, as security.CheckEmptyValues words it. */
function emptyProblem(key: string, values: readonly string[]): string | undefined {
  return values.some((v) => v === '') ? `empty value not allowed, found in ${key}` : undefined;
}

/** validateMapKey: `a[b]`, something between the brackets. */
function mapKeyProblem(key: string): string | undefined {
  const open = key.indexOf('[');
  return key.endsWith(']') && open > 0 && open < key.length - 2 ? undefined : `bad key (${key}): should have format a[b]`;
}

/** CheckWildcardValues (1.30): at most one `*`, at the start or the end, or alone. */
function wildcardProblem(key: string, values: readonly string[]): string | undefined {
  const empty = emptyProblem(key, values);
  if (empty) return empty;
  for (const v of values) {
    const count = v.split('*').length - 1;
    if (count > 1) return `at most one wildcard is allowed, found in ${key}: ${JSON.stringify(v)}`;
    if (count === 1 && v !== '*' && !v.startsWith('*') && !v.endsWith('*')) {
      return `wildcard is only allowed at the start or end, found in ${key}: ${JSON.stringify(v)}`;
    }
  }
  return undefined;
}

/** CheckTrustDomainValues (1.30): wildcard values without a `/`. */
export function trustDomainProblem(key: string, values: readonly string[]): string | undefined {
  const w = wildcardProblem(key, values);
  if (w) return w;
  const slash = values.find((v) => v.includes('/'));
  return slash === undefined ? undefined : `trust domain must not contain '/', found in ${key}: ${JSON.stringify(slash)}`;
}

/** CheckServiceAccount (1.30): at most 16 values, each `serviceAccount` or `namespace/serviceAccount`, no wildcard, at most 320 characters. */
export function serviceAccountProblem(key: string, values: readonly string[]): string | undefined {
  if (values.length > 16) return 'may not have more than 16 values';
  const format = "expected format 'serviceAccount' or 'namespace/serviceAccount'";
  for (const v of values) {
    if (v === '') return `empty value not allowed, found in ${key}`;
    if (v.includes('*')) return `wildcard not allowed, found in ${key}`;
    const slashes = v.split('/').length - 1;
    if (slashes > 1) return `${format}, found ${JSON.stringify(v)} in ${key}`;
    if (Buffer.byteLength(v, 'utf8') > 320) return `value cannot exceed 320 characters, found ${JSON.stringify(v)} in ${key}`;
    if (slashes === 1) {
      const [ns, sa] = v.split('/');
      if (ns === '') return `${format}, found empty namespace ${JSON.stringify(v)} in ${key}`;
      if (sa === '') return `${format}, found empty serviceAccount ${JSON.stringify(v)} in ${key}`;
    }
  }
  return undefined;
}

/**
 * security.ValidateAttribute: the keys Istio knows, and for some their values: IPs and CIDRs for
 * `source.ip`, `remote.ip` and `destination.ip`, ports (0-65535) for `destination.port`, `a[b]` keys
 * for headers, claims and experimental filters; 1.30 adds `source.serviceAccount` and
 * `source.trustDomain`. Replaced and v1alpha1 attributes are refused with why.
 */
export function attributeProblem(key: string, values: readonly string[], v130: boolean): string | undefined {
  const empty = emptyProblem(key, values);
  if (empty) return empty;
  if (['request.headers', 'request.auth.claims', 'experimental.envoy.filters.'].some((p) => key.startsWith(p))) return mapKeyProblem(key);
  if (key === 'source.ip' || key === 'remote.ip' || key === 'destination.ip') {
    const bad = values.map(ipsProblem).filter((p) => p !== undefined);
    return bad.length > 0 ? bad.join('; ') : undefined;
  }
  if (key === 'destination.port') {
    const bad = values.map(securityPortProblem).filter((p) => p !== undefined);
    return bad.length > 0 ? bad.join('; ') : undefined;
  }
  if (v130 && key === 'source.serviceAccount') return serviceAccountProblem(key, values);
  if (v130 && key === 'source.trustDomain') return wildcardProblem(key, values);
  if (['source.namespace', 'source.principal', 'request.auth.principal', 'request.auth.audiences', 'request.auth.presenter',
    'connection.sni'].includes(key)) return undefined;
  if (key === 'destination.namespace') return `attribute ${key} is replaced by the metadata.namespace`;
  if (key.startsWith('destination.labels')) return `attribute ${key} is replaced by the workload selector`;
  if (key === 'destination.name' || key === 'destination.user') return `deprecated attribute ${key}: only supported in v1alpha1`;
  return `unknown attribute: ${key}`;
}

/** A pchar of RFC 3986 (https://datatracker.ietf.org/doc/html/rfc3986#appendix-A; security.go, validLiteral). */
const LITERAL = /^[a-zA-Z0-9\-._~%!$&'()+,;:@=]+$/;

/**
 * CheckValidPathTemplate for one path: `{*}` and `{**}` are the only templates, nothing template-like
 * after a `{**}`, no other `{` or `}`, and in a templated path every other segment a literal (no `*`).
 */
export function pathTemplateProblem(key: string, path: string): string | undefined {
  const templated = path.includes('{*}') || path.includes('{**}');
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  let anyFound = false;
  for (const glob of trimmed.split('/')) {
    if (glob === '{*}' && !anyFound) continue;
    if (glob === '{**}' && !anyFound) { anyFound = true; continue; }
    const invalid = `invalid or unsupported path ${trimmed}, found in ${key}.`;
    if ((glob === '{**}' || glob === '{*}') && anyFound) return `${invalid} {**} is not the last operator`;
    if (/[{}]/.test(glob)) return `${invalid} Contains '{' or '}' beyond a supported path template`;
    if (templated && !LITERAL.test(glob)) return `${invalid} Contains segment ${glob} with invalid string literal`;
  }
  return undefined;
}
