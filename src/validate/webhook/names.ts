/**
 * Names, labels, selectors, exportTo and protocols as istiod's webhook checks them: ports of
 * istio/istio pkg/config/validation/validation.go (validateSubsetName, ValidatePortName,
 * ValidateProtocol, validateGatewayNames, validateExportTo, validateWorkloadSelector,
 * ValidateAlphaWorkloadSelector, validatePolicyTargetReference, validateOneOfSelectorType),
 * pkg/config/labels/instance.go (Instance.Validate), pkg/config/visibility/visibility.go and
 * pkg/config/protocol/instance.go (Parse).
 */
import { Codes } from '../../core/codes';
import { IstioVersion } from '../../core/istio-version';
import { fqdnProblem, isDns1123Label } from './hosts';
import type { Report } from './report';
import { entries, list, obj, str } from '../values';

const DNS1123_LABEL = '[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?';
const QUALIFIED_NAME = '(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
/** labels/instance.go, tagRegexp: an optional DNS prefix and `/`, then a qualified name. */
const TAG_KEY = new RegExp(`^(${DNS1123_LABEL}(?:\\.${DNS1123_LABEL})*/)?(${QUALIFIED_NAME})$`);
const LABEL_VALUE = new RegExp(`^(?:${QUALIFIED_NAME})?$`);

/** labels.Instance.Validate: each key a qualified name with an optional DNS prefix, each value a label value. */
export function labelProblems(labels: unknown): string[] {
  const out: string[] = [];
  for (const [k, v] of entries(labels)) {
    const m = TAG_KEY.exec(k);
    if (!m) out.push(`invalid tag key: ${JSON.stringify(k)}`);
    else if (m[1] && m[1].length - 1 > 253) out.push(`invalid tag key: ${JSON.stringify(k)} (DNS prefix is too long)`);
    else if (m[2].length > 63) out.push(`invalid tag key: ${JSON.stringify(k)} (name is too long)`);
    if (!LABEL_VALUE.test(str(v))) out.push(`invalid tag value: ${JSON.stringify(str(v))}`);
  }
  return out;
}

/** Reports each problem of a label set (sourceLabels, subset and endpoint labels) under MESH186. */
export function labels(value: unknown, field: string, report: Report): void {
  for (const p of labelProblems(value)) report(Codes.INVALID_SELECTOR, field, p);
}

/** validateSubsetName. */
export function subsetNameProblem(name: string): string | undefined {
  if (name === '') return 'subset name cannot be empty';
  return isDns1123Label(name) ? undefined : `subset name is invalid: ${name}`;
}

/** ValidatePortName: a DNS-1123 label. */
export function portNameProblem(name: string): string | undefined {
  return isDns1123Label(name) ? undefined : `invalid port name: ${name}`;
}

/** The protocol names istiod knows (protocol.Parse, case-insensitive); anything else is Unsupported. */
const PROTOCOLS = new Set(['tcp', 'udp', 'grpc', 'grpc-web', 'http', 'http_proxy', 'http2', 'https', 'tls', 'mongo', 'redis', 'mysql']);

/** protocol.Parse, lower-cased; undefined for UnsupportedProtocol. */
export function parseProtocol(protocol: string): string | undefined {
  const p = protocol.toLowerCase();
  return PROTOCOLS.has(p) ? p : undefined;
}

/** protocol.Instance.IsHTTP. */
export const isHttpProtocol = (p: string | undefined) => p !== undefined && ['http', 'http2', 'http_proxy', 'grpc', 'grpc-web'].includes(p);
/** protocol.Instance.IsTLS. */
export const isTlsProtocol = (p: string | undefined) => p === 'https' || p === 'tls';
/**
 * istiod's `IsTLSServer` (pkg/config/gateway/gateway.go): a Gateway server with TLS settings on a port that is not
 * HTTP-family (an HTTP server's `httpsRedirect` makes no TLS server).
 */
export function isTlsServer(server: unknown): boolean {
  const s = obj(server);
  return obj(s?.tls) !== undefined && !isHttpProtocol(parseProtocol(str(obj(s?.port)?.protocol)));
}
/** protocol.Instance.IsTCP. */
export const isTcpProtocol = (p: string | undefined) => p !== undefined && ['tcp', 'https', 'tls', 'mongo', 'redis', 'mysql'].includes(p);

/** ValidateProtocol: empty (sniffed) or a protocol istiod knows. */
export function protocolProblem(protocol: string): string | undefined {
  return protocol !== '' && parseProtocol(protocol) === undefined ? `unsupported protocol: ${protocol}` : undefined;
}

/**
 * validateGatewayNames: `namespace/name` with DNS-1123 labels (the name need not be one under
 * Gateway API semantics), or a legacy `name` / `name.namespace` FQDN (warned). Istio stops at the
 * first legacy name.
 */
export function gatewayNames(names: unknown, field: string, report: Report, gatewaySemantics = false): void {
  const all = list(names);
  for (let i = 0; i < all.length; i++) {
    const name = str(all[i]);
    const at = `${field}[${i}]`;
    const slash = name.indexOf('/');
    if (slash < 0) {
      if (name.includes('.')) {
        const parts = name.split('.');
        report(Codes.WEBHOOK_WARNING, at,
          `using legacy gatewayName format ${JSON.stringify(name)}; prefer the <namespace>/<name> format: `
          + JSON.stringify(`${parts[1]}/${parts[0]}`), 'warning');
      }
      const p = fqdnProblem(name);
      if (p) report(Codes.INVALID_REFERENCE_NAME, at, p);
      return;
    }
    const [ns, gw] = [name.slice(0, slash), name.slice(slash + 1)];
    if (ns === '' || gw === '') report(Codes.INVALID_REFERENCE_NAME, at, 'config namespace and gateway name cannot be empty');
    if (!isDns1123Label(ns)) report(Codes.INVALID_REFERENCE_NAME, at, `invalid value for namespace: ${JSON.stringify(ns)}`);
    if (!isDns1123Label(gw) && !gatewaySemantics) report(Codes.INVALID_REFERENCE_NAME, at, `invalid value for gateway name: ${JSON.stringify(gw)}`);
  }
}

/**
 * validateExportTo: no entry twice (`.` and the own namespace count as one), each `.`, `*` or a
 * DNS-1123 label (a ServiceEntry may also say `~`), `*` alone, `~` alone; a DestinationRule
 * with a workload selector exports to its own namespace only.
 */
export function exportTo(values: unknown, namespace: string, field: string, report: Report, isServiceEntry: boolean, drWithSelector = false): void {
  const all = list(values).map(str);
  if (all.length === 0) return;
  const fail = (message: string) => report(Codes.INVALID_EXPORT_TO, field, message);
  const seen = new Set<string>();
  for (const e of all) {
    const key = e === '.' ? namespace : e;
    if (seen.has(key)) {
      fail(key !== e ? `duplicate entries in exportTo: . and current namespace ${namespace}` : `duplicate entries in exportTo for entry ${e}`);
    } else if (isServiceEntry && e === '~') {
      seen.add(key);
    } else if (key === '~') {
      fail('exportTo ~ (none) is not allowed for Istio configuration objects');
    } else if (key !== '.' && key !== '*' && !isDns1123Label(key)) {
      fail('only .,*, or a valid DNS 1123 label is allowed as exportTo entry');
    } else {
      seen.add(key);
    }
  }
  if (drWithSelector && seen.size > 0) {
    if (!seen.has(namespace)) fail('destination rule with workload selector cannot have exportTo beyond current namespace');
    else if (seen.size > 1) fail('destination rule with workload selector cannot have multiple entries in exportTo');
  }
  if (seen.has('*') && all.length > 1) fail('cannot have both public (*) and non-public exportTo values for a resource');
  if (seen.has('~') && all.length > 1) fail('cannot export service entry to no one (~) and someone');
}

/** The problems of one selector's labels: empty keys and wildcards (validateWorkloadSelector, ValidateAlphaWorkloadSelector). */
function selectorLabelProblems(labelMap: unknown): string[] {
  const out: string[] = [];
  for (const [k, v] of entries(labelMap)) {
    if (k === '') out.push(`empty key is not supported in selector: ${JSON.stringify(`${k}=${str(v)}`)}`);
    if (k.includes('*') || str(v).includes('*')) out.push(`wildcard is not supported in selector: ${JSON.stringify(`${k}=${str(v)}`)}`);
  }
  return out;
}

/**
 * validateWorkloadSelector (security, telemetry and extension kinds: `selector.matchLabels`):
 * errors for empty keys and wildcards, a warning for a selector without labels.
 */
export function workloadSelector(selector: unknown, field: string, report: Report): void {
  const s = obj(selector);
  if (!s) return;
  for (const p of selectorLabelProblems(s.matchLabels)) report(Codes.INVALID_SELECTOR, `${field}.matchLabels`, p);
  if (entries(s.matchLabels).length === 0) report(Codes.WEBHOOK_WARNING, field, 'workload selector specified without labels', 'warning');
}

/**
 * ValidateAlphaWorkloadSelector (networking kinds: `workloadSelector.labels`): the selector's
 * errors, and whether it has no labels (the caller words the warning). Callers stop at an error.
 */
export function alphaWorkloadSelector(selector: unknown): { errors: string[]; noLabels: boolean } {
  const s = obj(selector);
  if (!s) return { errors: [], noLabels: false };
  return { errors: selectorLabelProblems(s.labels), noLabels: entries(s.labels).length === 0 };
}

/** The kinds a policy's targetRef may name, by group (validation.go, allowedTargetRefs; GatewayClass from 1.30). */
function allowedTargetRef(group: string, kind: string, version: IstioVersion): boolean {
  const g = group === '' ? 'core' : group;
  return (g === 'core' && kind === 'Service') || (g === 'networking.istio.io' && kind === 'ServiceEntry')
    || (g === 'gateway.networking.k8s.io' && (kind === 'Gateway' || (kind === 'GatewayClass' && version !== '1.24')));
}

/** validatePolicyTargetReference: a name, no namespace, a Service, ServiceEntry or Gateway (GatewayClass in 1.30). */
function targetRef(ref: unknown, field: string, report: Report, version: IstioVersion): void {
  const r = obj(ref);
  if (!r) return;
  if (str(r.name) === '') report(Codes.INVALID_SELECTOR, `${field}.name`, 'targetRef name must be set');
  if (str(r.namespace) !== '') report(Codes.INVALID_SELECTOR, `${field}.namespace`,
    'targetRef namespace must not be set; cross namespace referencing is not supported');
  if (!allowedTargetRef(str(r.group), str(r.kind), version)) {
    const allowed = version === '1.24' ? 'Service, ServiceEntry, Gateway' : 'Service, ServiceEntry, Gateway, GatewayClass';
    report(Codes.INVALID_SELECTOR, field, `targetRef must be to one of ${allowed} but was ${str(r.group)}/${str(r.kind)}`);
  }
}

/**
 * The selection of a policy (AuthorizationPolicy, RequestAuthentication, Telemetry, WasmPlugin):
 * at most one of selector, targetRef and targetRefs (validateOneOfSelectorType), then each.
 */
export function policySelection(spec: Record<string, any>, report: Report, version: IstioVersion): void {
  const set = [obj(spec.selector) !== undefined, obj(spec.targetRef) !== undefined, list(spec.targetRefs).length > 0].filter(Boolean).length;
  if (set > 1) report(Codes.INVALID_SELECTOR, 'spec', 'only one of targetRefs or workloadSelector can be set');
  workloadSelector(spec.selector, 'spec.selector', report);
  targetRef(spec.targetRef, 'spec.targetRef', report, version);
  list(spec.targetRefs).forEach((r, i) => targetRef(r, `spec.targetRefs[${i}]`, report, version));
}
