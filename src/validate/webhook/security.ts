/**
 * istiod's validating webhook for security.istio.io kinds: ports of istio/istio
 * pkg/config/validation/validation.go (ValidateAuthorizationPolicy, ValidatePeerAuthentication,
 * ValidateRequestAuthentication, validateJwtRule, ValidateStrictHTTPHeaderName) and
 * pkg/config/security/security.go (ValidateAttribute, ValidateIPs, ValidatePorts,
 * CheckEmptyValues, CheckValidPathTemplate, ParseJwksURI; from 1.30 CheckServiceAccount,
 * CheckTrustDomainValues, CheckWildcardValues). `from: []` and `to: []` decode as absent, as
 * protobuf reads an empty list; a port "0" is a port to istiod.
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 */
import { Codes } from '../../core/codes';
import { HTTP_METHODS } from '../../core/http';
import { Manifest } from '../finding';
import { attributeProblem, pathTemplateProblem, serviceAccountProblem, trustDomainProblem } from './attributes';
import { jwtRule } from './jwt';
import { policySelection, workloadSelector } from './names';
import { ipsProblem, securityPortProblem } from './net';
import type { Report, WebhookScope } from './report';
import { entries, isSet, list, obj, str } from '../values';

const IP_FIELDS = ['ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks'];
const EMPTY_CHECKED = ['principals', 'requestPrincipals', 'namespaces', 'ipBlocks', 'remoteIpBlocks', 'notPrincipals', 'notRequestPrincipals',
  'notNamespaces', 'notIpBlocks', 'notRemoteIpBlocks'];
const OPERATION_FIELDS = ['ports', 'methods', 'paths', 'hosts', 'notPorts', 'notMethods', 'notPaths', 'notHosts'];
/** Source fields that make a rule apply to TCP too (the HTTP-only DENY warning). */
const TCP_SOURCE_FIELDS = ['principals', 'notPrincipals', 'ipBlocks', 'notIpBlocks', 'namespaces', 'notNamespaces', 'remoteIpBlocks',
  'notRemoteIpBlocks'];

/** A `from` entry's source: not empty, valid IPs and CIDRs, no empty values (1.30: service accounts and trust domains). */
function source(src: Record<string, any>, at: string, report: Report, v130: boolean): void {
  const fail = (field: string, message: string) => report(Codes.AUTHORIZATION_POLICY_REJECTED, field, message);
  const has = (k: string) => list(src[k]).length > 0;
  if (v130 && ['principals', 'notPrincipals', 'namespaces', 'notNamespaces'].some(has) && ['serviceAccounts', 'notServiceAccounts'].some(has)) {
    fail(at, 'cannot set serviceAccounts with namespaces or principals');
  }
  const fields = [...EMPTY_CHECKED, ...(v130 ? ['serviceAccounts', 'notServiceAccounts', 'trustDomains', 'notTrustDomains'] : [])];
  if (!fields.some(has)) fail(at, '`from.source` must not be empty');
  for (const k of IP_FIELDS) {
    list(src[k]).forEach((v, i) => {
      const p = ipsProblem(str(v));
      if (p) report(Codes.INVALID_ADDRESS, `${at}.${k}[${i}]`, p);
    });
  }
  for (const k of EMPTY_CHECKED) {
    const i = list(src[k]).findIndex((v) => str(v) === '');
    if (i >= 0) fail(`${at}.${k}[${i}]`, `empty value not allowed, found in ${k}`);
  }
  if (!v130) return;
  for (const k of ['serviceAccounts', 'notServiceAccounts']) {
    const p = serviceAccountProblem(k, list(src[k]).map(str));
    if (p) fail(`${at}.${k}`, p);
  }
  for (const k of ['trustDomains', 'notTrustDomains']) {
    const p = trustDomainProblem(k, list(src[k]).map(str));
    if (p) fail(`${at}.${k}`, p);
  }
}

/**
 * True if an AuthorizationPolicy method value matches some HTTP method: exactly, or as a prefix
 * (`GE*`), suffix (`*ST`) or presence (`*`) match, as Istio matches string values
 * (https://istio.io/latest/docs/reference/config/security/authorization-policy/#Operation).
 */
function matchesSomeMethod(value: string): boolean {
  if (value === '*') return true;
  if (value.endsWith('*')) return HTTP_METHODS.some((m) => m.startsWith(value.slice(0, -1)));
  if (value.startsWith('*')) return HTTP_METHODS.some((m) => m.endsWith(value.slice(1)));
  return (HTTP_METHODS as readonly string[]).includes(value);
}

/** A `to` entry's operation: not empty, ports istiod can read, no empty values, path templates Envoy accepts. */
function operation(op: Record<string, any>, at: string, report: Report): void {
  const fail = (field: string, message: string) => report(Codes.AUTHORIZATION_POLICY_REJECTED, field, message);
  if (!OPERATION_FIELDS.some((k) => list(op[k]).length > 0)) fail(at, '`to.operation` must not be empty');
  for (const k of ['ports', 'notPorts']) {
    list(op[k]).forEach((v, i) => {
      const p = str(v) === '' ? undefined : securityPortProblem(str(v));
      if (p) report(Codes.INVALID_PORT, `${at}.${k}[${i}]`, p);
    });
  }
  for (const k of OPERATION_FIELDS) {
    const i = list(op[k]).findIndex((v) => str(v) === '');
    if (i >= 0) fail(`${at}.${k}[${i}]`, `empty value not allowed, found in ${k}`);
  }
  for (const k of ['methods', 'notMethods']) {
    list(op[k]).forEach((v, i) => {
      // Not istiod's rule (it takes any string): a method no request carries never matches, so an
      // ALLOW rule with it admits nothing and a DENY rule refuses nothing.
      if (str(v) !== '' && !matchesSomeMethod(str(v))) {
        report(Codes.METHOD_NEVER_MATCHES, `${at}.${k}[${i}]`,
          `'${str(v)}' matches no HTTP method (methods are upper case: GET, POST, ...): istiod accepts it, and it never matches`, 'warning');
      }
    });
  }
  for (const k of ['paths', 'notPaths']) {
    for (const [i, p] of list(op[k]).entries()) {
      const problem = pathTemplateProblem(k, str(p));
      if (problem) { report(Codes.INVALID_AUTHZ_PATH, `${at}.${k}[${i}]`, problem); break; }
    }
  }
}

/** The CUSTOM action's limits: no identities, no identity conditions (validation.go, check). */
function customLimits(rule: Record<string, any>, at: string, report: Report, v130: boolean): void {
  const fail = (field: string, name: string) => report(Codes.AUTHORIZATION_POLICY_REJECTED, field,
    `${name} is currently not supported with CUSTOM action`);
  const fields = ['namespaces', 'notNamespaces', ...(v130 ? ['serviceAccounts', 'notServiceAccounts', 'trustDomains', 'notTrustDomains'] : []),
    'principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals'];
  list(rule.from).forEach((f, j) => {
    const src = obj(obj(f)?.source);
    if (!src) return;
    for (const k of fields) if (list(src[k]).length > 0) fail(`${at}.from[${j}].source.${k}`, `From.${k[0].toUpperCase()}${k.slice(1)}`);
  });
  list(rule.when).forEach((w, j) => {
    const c = obj(w);
    if (!c) { report(Codes.AUTHORIZATION_POLICY_REJECTED, `${at}.when[${j}]`, 'when field cannot be nil'); return; }
    const key = str(c.key);
    const keys = ['source.namespace', 'source.principal', ...(v130 ? ['source.serviceAccount', 'source.trustDomain'] : [])];
    if (keys.includes(key) || key.startsWith('request.auth.')) fail(`${at}.when[${j}].key`, key);
  });
}

/** One rule: its sources, operations and conditions; the HTTP-only DENY warning. */
function rule(raw: unknown, i: number, action: string, report: Report, v130: boolean): void {
  const at = `spec.rules[${i}]`;
  const fail = (field: string, message: string) => report(Codes.AUTHORIZATION_POLICY_REJECTED, field, message);
  const r = obj(raw);
  if (!r) { fail(at, `\`rule\` must not be nil, found at rule ${i}`); return; }
  let [fromRule, toRule, tcpFrom, tcpTo] = [false, false, false, false];
  list(r.from).forEach((f, j) => {
    const from = obj(f);
    if (!from) { fail(`${at}.from[${j}]`, `\`from\` must not be nil, found at rule ${i}`); return; }
    const src = obj(from.source);
    if (!src) { fail(`${at}.from[${j}].source`, `\`from.source\` must not be nil, found at rule ${i}`); return; }
    fromRule = true;
    source(src, `${at}.from[${j}].source`, report, v130);
    if ([...TCP_SOURCE_FIELDS, ...(v130 ? ['serviceAccounts', 'notServiceAccounts'] : [])].some((k) => list(src[k]).length > 0)) tcpFrom = true;
  });
  list(r.to).forEach((t, j) => {
    const to = obj(t);
    if (!to) { fail(`${at}.to[${j}]`, `\`to\` must not be nil, found at rule ${i}`); return; }
    const op = obj(to.operation);
    if (!op) { fail(`${at}.to[${j}].operation`, `\`to.operation\` must not be nil, found at rule ${i}`); return; }
    toRule = true;
    operation(op, `${at}.to[${j}].operation`, report);
    if (list(op.ports).length > 0 || list(op.notPorts).length > 0) tcpTo = true;
  });
  list(r.when).forEach((w, j) => {
    const c = obj(w) ?? {};
    const key = str(c.key);
    const field = `${at}.when[${j}]`;
    if (key === '') { fail(`${field}.key`, '`key` must not be empty'); return; }
    const [values, notValues] = [list(c.values).map(str), list(c.notValues).map(str)];
    if (values.length === 0 && notValues.length === 0) {
      fail(field,
      `at least one of \`values\` or \`notValues\` must be set for key ${key}`); return;
    }
    const vp = attributeProblem(key, values, v130);
    if (vp) report(Codes.INVALID_CONDITION, `${field}.values`, `invalid \`value\` for \`key\` ${key}: ${vp}`);
    const np = attributeProblem(key, notValues, v130);
    if (np) report(Codes.INVALID_CONDITION, `${field}.notValues`, `invalid \`notValue\` for \`key\` ${key}: ${np}`);
  });
  if (((fromRule && !toRule && !tcpFrom) || (toRule && !tcpTo)) && action === 'DENY') {
    report(Codes.WEBHOOK_WARNING, at,
      'configured AuthorizationPolicy will deny all traffic to TCP ports under its scope due to the use of only HTTP attributes '
      + 'in a DENY rule; it is recommended to explicitly specify the port', 'warning');
  }
}

/** ValidateAuthorizationPolicy. */
export function authorizationPolicy(ap: Manifest, report: Report, scope: WebhookScope): void {
  const spec = obj(ap.spec) ?? {};
  const action = str(spec.action) === '' ? 'ALLOW' : str(spec.action);
  const v130 = scope.version !== '1.24';
  policySelection(spec, report, scope.version);
  // `rules: []` decodes as no rules.
  const rules = list(spec.rules);
  if (action === 'CUSTOM') {
    if (rules.length === 0) {
      report(Codes.POLICY_WITHOUT_RULES, 'spec.rules',
        'CUSTOM action without `rules` is meaningless as it will never be triggered, '
        + 'add an empty rule `{}` if you want it be triggered for every request');
    } else if (str(obj(spec.provider)?.name) === '') {
      report(Codes.POLICY_WITHOUT_RULES, 'spec.provider.name', '`provider.name` must not be empty');
    }
    rules.forEach((r, i) => { if (obj(r)) customLimits(obj(r)!, `spec.rules[${i}]`, report, v130); });
  }
  if (isSet(spec.provider) && action !== 'CUSTOM') report(Codes.POLICY_WITHOUT_RULES, 'spec.provider',
    `\`provider\` must not be with non CUSTOM action, found ${action}`);
  if (action === 'DENY' && rules.length === 0) {
    report(Codes.POLICY_WITHOUT_RULES, 'spec.rules',
      'DENY action without `rules` is meaningless as it will never be triggered, '
      + 'add an empty rule `{}` if you want it be triggered for every request');
  }
  rules.forEach((r, i) => rule(r, i, action, report, v130));
}

/** ValidatePeerAuthentication: port-level mTLS needs a selector and ports in 1-65535; the selector. */
export function peerAuthentication(pa: Manifest, report: Report): void {
  const spec = obj(pa.spec) ?? {};
  const fail = (field: string, message: string) => report(Codes.PEER_AUTHENTICATION_REJECTED, field, message);
  const selector = obj(spec.selector);
  const ports = entries(spec.portLevelMtls);
  if ((!selector || entries(selector.matchLabels).length === 0) && ports.length > 0) fail('spec.portLevelMtls',
    'mesh/namespace peer authentication cannot have port level mTLS');
  // A map: `{}` decodes as an empty, present map.
  if (obj(spec.portLevelMtls) && ports.length === 0) fail('spec.portLevelMtls', 'port level mTLS, if defined, must have at least one element');
  for (const [port] of ports) {
    const n = Number(port);
    if (!(n > 0 && n <= 65535)) report(Codes.INVALID_PORT, `spec.portLevelMtls.${port}`, 'port must be in range 1..65535');
  }
  workloadSelector(spec.selector, 'spec.selector', report);
}

/** ValidateRequestAuthentication: the selection, then each JWT rule (jwt.ts). */
export function requestAuthentication(ra: Manifest, report: Report, scope: WebhookScope): void {
  const spec = obj(ra.spec) ?? {};
  policySelection(spec, report, scope.version);
  list(spec.jwtRules).forEach((r, i) => jwtRule(r, `spec.jwtRules[${i}]`, report, scope.version));
}
