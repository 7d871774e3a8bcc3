/**
 * istiod's validating webhook for security.istio.io, telemetry.istio.io and
 * extensions.istio.io kinds: ports of istio/istio pkg/config/validation/validation.go
 * (ValidateAuthorizationPolicy, ValidatePeerAuthentication, ValidateRequestAuthentication,
 * ValidateTelemetry, ValidateWasmPlugin) and pkg/config/security/security.go.
 */
import { Codes } from '../../core/codes';
import { isHttpMethod } from '../../core/http';
import { Manifest } from '../finding';
import type { Report } from './report';
import { duration } from './traffic-policy';

const SOURCE_FIELDS = ['principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals', 'namespaces', 'notNamespaces',
  'ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks', 'serviceAccounts', 'notServiceAccounts'];
const OPERATION_FIELDS = ['ports', 'notPorts', 'methods', 'notMethods', 'paths', 'notPaths', 'hosts', 'notHosts'];
const CUSTOM_UNSUPPORTED = ['namespaces', 'notNamespaces', 'serviceAccounts', 'notServiceAccounts', 'principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals'];

/**
 * A path Istio rejects: `{*}` and `{**}` are the only templates, `{**}` only last, and a
 * template path has no other `*` (security.go, CheckValidPathTemplate;
 * https://istio.io/latest/docs/reference/config/security/authorization-policy/#Operation).
 */
function pathProblem(path: string): string | undefined {
  if (!path.includes('{')) return undefined;
  const segments = path.split('/');
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    if (s.includes('{') || s.includes('}')) {
      if (s !== '{*}' && s !== '{**}') return `'${path}': only {*} and {**} are path templates, each a whole segment`;
      if (s === '{**}' && i !== segments.length - 1) return `'${path}': {**} must be the last segment`;
    } else if (s.includes('*')) {
      return `'${path}': a template path cannot also use '*'`;
    }
  }
  return undefined;
}

/** AuthorizationPolicy (validation.go, ValidateAuthorizationPolicy). */
export function authorizationPolicy(ap: Manifest, report: Report): void {
  const spec = ap.spec ?? {};
  const action = spec.action ?? 'ALLOW';
  const rules = spec.rules;
  if (action === 'CUSTOM') {
    if (rules === undefined || rules === null) report(Codes.POLICY_WITHOUT_RULES, 'spec.rules', 'a CUSTOM policy without rules never triggers; add an empty rule {} to match every request');
    else if (!spec.provider?.name) report(Codes.POLICY_WITHOUT_RULES, 'spec.provider.name', 'a CUSTOM policy needs provider.name');
  } else if (spec.provider) {
    report(Codes.POLICY_WITHOUT_RULES, 'spec.provider', `only a CUSTOM policy takes a provider (action is ${action})`);
  }
  if (action === 'DENY' && (rules === undefined || rules === null)) {
    report(Codes.POLICY_WITHOUT_RULES, 'spec.rules', 'a DENY policy without rules never triggers; add an empty rule {} to deny every request');
  }
  (Array.isArray(rules) ? rules : []).forEach((rule: any, i: number) => {
    const at = `spec.rules[${i}]`;
    if (rule === null) { report(Codes.AUTHORIZATION_POLICY_REJECTED, at, 'a rule must not be null'); return; }
    if (Array.isArray(rule.from) && rule.from.length === 0) report(Codes.AUTHORIZATION_POLICY_REJECTED, `${at}.from`, '`from` must not be empty');
    (rule.from ?? []).forEach((from: any, j: number) => {
      const src = from?.source;
      if (!src) { report(Codes.AUTHORIZATION_POLICY_REJECTED, `${at}.from[${j}].source`, '`from.source` must be set'); return; }
      if (!SOURCE_FIELDS.concat(['trustDomains', 'notTrustDomains']).some((k) => (src[k] ?? []).length > 0)) {
        report(Codes.AUTHORIZATION_POLICY_REJECTED, `${at}.from[${j}].source`, '`from.source` must not be empty');
      }
      // serviceAccounts with namespaces or principals is the CRD's: an unknown field in 1.24 (MESH150),
      // a CEL rule in 1.30 (MESH151); not repeated here.
      for (const k of SOURCE_FIELDS) {
        (src[k] ?? []).forEach((v: unknown, n: number) => {
          if (String(v ?? '') === '') report(Codes.AUTHORIZATION_POLICY_REJECTED, `${at}.from[${j}].source.${k}[${n}]`, `empty value in ${k}`);
        });
      }
      if (action === 'CUSTOM') {
        for (const k of CUSTOM_UNSUPPORTED) if ((src[k] ?? []).length > 0) report(Codes.AUTHORIZATION_POLICY_REJECTED, `${at}.from[${j}].source.${k}`, `${k} is not supported with CUSTOM action`);
      }
    });
    if (Array.isArray(rule.to) && rule.to.length === 0) report(Codes.AUTHORIZATION_POLICY_REJECTED, `${at}.to`, '`to` must not be empty');
    (rule.to ?? []).forEach((to: any, j: number) => {
      const op = to?.operation;
      if (!op) { report(Codes.AUTHORIZATION_POLICY_REJECTED, `${at}.to[${j}].operation`, '`to.operation` must be set'); return; }
      if (!OPERATION_FIELDS.some((k) => (op[k] ?? []).length > 0)) report(Codes.AUTHORIZATION_POLICY_REJECTED, `${at}.to[${j}].operation`, '`to.operation` must not be empty');
      for (const k of OPERATION_FIELDS) {
        (op[k] ?? []).forEach((v: unknown, n: number) => {
          const field = `${at}.to[${j}].operation.${k}[${n}]`;
          const text = String(v ?? '');
          if (text === '') { report(Codes.AUTHORIZATION_POLICY_REJECTED, field, `empty value in ${k}`); return; }
          if ((k === 'ports' || k === 'notPorts') && !(/^\d+$/.test(text) && Number(text) >= 1 && Number(text) <= 65535)) {
            report(Codes.AUTHORIZATION_POLICY_REJECTED, field, `port '${text}' is not a number in 1-65535`);
          }
          // The constructs' rule: a method outside RFC 9110's list never matches the :method header.
          if ((k === 'methods' || k === 'notMethods') && !isHttpMethod(text)) report(Codes.INVALID_HTTP_METHOD, field, `'${text}' is not an HTTP method`);
          if (k === 'paths' || k === 'notPaths') {
            const problem = pathProblem(text);
            if (problem) report(Codes.INVALID_AUTHZ_PATH, field, problem);
          }
        });
      }
    });
    (rule.when ?? []).forEach((w: any, j: number) => {
      const at2 = `${at}.when[${j}]`;
      if (!w?.key) { report(Codes.AUTHORIZATION_POLICY_REJECTED, `${at2}.key`, '`key` must not be empty'); return; }
      if ((w.values ?? []).length === 0 && (w.notValues ?? []).length === 0) report(Codes.AUTHORIZATION_POLICY_REJECTED, at2, `at least one of values or notValues must be set for key ${w.key}`);
    });
  });
}

/**
 * PeerAuthentication (validation.go, ValidatePeerAuthentication and validateWorkloadSelector):
 * every error it reports, the CRDs of Istio 1.24 and 1.30 already report, before the webhook,
 * so this reports nothing (one finding per problem): port-level mTLS without a selector
 * (`portLevelMtls requires selector`, a CEL rule: MESH151), an empty portLevelMtls
 * (minProperties 1: MESH150), a port outside 1-65535 (a CEL rule over the keys: MESH151), and
 * an empty or wildcard selector key or value (CEL rules: MESH151). Kept so that the kind is
 * known to the webhook and a later istiod rule has its place.
 */
export function peerAuthentication(_pa: Manifest, _report: Report): void {
  // Nothing the 1.24 and 1.30 CRDs do not already refuse.
}

/** RequestAuthentication (validation.go, validateJwtRule). */
export function requestAuthentication(ra: Manifest, report: Report): void {
  (Array.isArray(ra.spec?.jwtRules) ? ra.spec.jwtRules : []).forEach((rule: any, i: number) => {
    const at = `spec.jwtRules[${i}]`;
    if (!rule) return;
    // What the CRD schema already refuses is not repeated (one finding per problem): a missing issuer
    // (required in 1.24) or an empty one (minLength 1), empty audiences and fromHeaders names
    // (minLength 1), outputClaimToHeaders without claim or header (required, minLength 1: all
    // MESH150), and a jwksUri that is not an http(s) URL (CEL `url(self).getScheme()`: MESH151).
    if (rule.jwks) {
      try { JSON.parse(String(rule.jwks)); } catch { report(Codes.INVALID_JWT_RULE, `${at}.jwks`, 'jwks is not a JSON Web Key Set'); }
    }
    // validateJwtRule: the JWKS fetch timeout is a duration in whole milliseconds (ValidateDuration; under 1ms is the CEL rule's MESH151).
    duration(rule.timeout, `${at}.timeout`, report);
  });
}

/**
 * Telemetry (validation.go, ValidateTelemetry: validateTelemetryProviders,
 * validateTelemetryTracing, validateTelemetryMetrics, validateTelemetryAccessLogging).
 */
export function telemetry(t: Manifest, report: Report): void {
  // validateTelemetryProviders: a null provider or one without a name is the CRD schema's
  // (an object, name required with minLength 1: MESH150), so it is not repeated here.
  const tracing = Array.isArray(t.spec?.tracing) ? t.spec.tracing : [];
  if (tracing.length > 1) report(Codes.TELEMETRY_UNSUPPORTED, 'spec.tracing', 'more than one tracing entry is not supported', 'warning');
  tracing.forEach((entry: any, i: number) => tracingEntry(entry, `spec.tracing[${i}]`, report));
  (Array.isArray(t.spec?.metrics) ? t.spec.metrics : []).forEach((entry: any, i: number) => {
    (Array.isArray(entry?.overrides) ? entry.overrides : []).forEach((o: any, j: number) => metricsOverride(o, `spec.metrics[${i}].overrides[${j}]`, report));
  });
}

/** One tracing entry (validateTelemetryTracing): one provider, custom tags named and not null. */
function tracingEntry(entry: any, at: string, report: Report): void {
  if (!entry || typeof entry !== 'object') return;
  if (Array.isArray(entry.providers) && entry.providers.length > 1) {
    report(Codes.TELEMETRY_UNSUPPORTED, `${at}.providers`, 'more than one tracing provider is not supported', 'warning');
  }
  // randomSamplingPercentage outside 0-100 is the CRD schema's (minimum 0, maximum 100: MESH150), before the webhook.
  const tags = entry.customTags && typeof entry.customTags === 'object' ? entry.customTags : {};
  for (const [name, tag] of Object.entries<any>(tags)) {
    const tat = `${at}.customTags.${name}`;
    if (name === '') report(Codes.TELEMETRY_REJECTED, tat, 'a custom tag name may not be empty');
    if (tag === null || typeof tag !== 'object') { report(Codes.TELEMETRY_REJECTED, tat, `tag '${name}' has no value`); continue; }
    // An empty literal value, header or environment name is the CRD schema's (minLength 1, MESH150).
  }
}

/** One metrics override (validateTelemetryMetrics): UPSERT needs a value, REMOVE takes none. */
function metricsOverride(o: any, at: string, report: Report): void {
  if (o === null || typeof o !== 'object') { report(Codes.TELEMETRY_REJECTED, at, 'an override may not be null'); return; }
  const tags = o.tagOverrides && typeof o.tagOverrides === 'object' ? o.tagOverrides : {};
  for (const [name, to] of Object.entries<any>(tags)) {
    const tat = `${at}.tagOverrides.${name}`;
    if (name === '') report(Codes.TELEMETRY_UNSUPPORTED, tat, 'a tag override name should not be empty', 'warning');
    if (to === null || typeof to !== 'object') { report(Codes.TELEMETRY_REJECTED, tat, 'a tag override may not be null'); continue; }
    // The operation defaults to UPSERT (telemetry.proto, MetricsOverrides.TagOverride.Operation).
    const op = to.operation ?? 'UPSERT';
    const value = typeof to.value === 'string' ? to.value : '';
    if (op === 'UPSERT' && value === '') report(Codes.TELEMETRY_REJECTED, `${tat}.value`, 'UPSERT needs a value');
    if (op === 'REMOVE' && value !== '') report(Codes.TELEMETRY_REJECTED, `${tat}.value`, 'only UPSERT takes a value');
  }
  // An empty customMetric is the CRD schema's (minLength 1, MESH150).
}

/** WasmPlugin (validation.go, ValidateWasmPlugin: validateWasmPluginURL, validateWasmPluginVMConfig). */
export function wasmPlugin(w: Manifest, report: Report): void {
  const spec = w.spec ?? {};
  const url = String(spec.url ?? '');
  // An empty or missing url is the CRD schema's (required, minLength 1: MESH150).
  if (url !== '') {
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
    if (scheme !== undefined && !['oci', 'file', 'http', 'https'].includes(scheme)) report(Codes.WASM_PLUGIN_REJECTED, 'spec.url', `url scheme '${scheme}' is not oci, file, http or https`);
  }
  // sha256's pattern, imagePullSecret's, pluginName's and env names' lengths and match ports' range are the
  // CRD schema's (MESH150): validateWasmPluginSHA, ...ImagePullSecret, ...Name, ...Match add nothing to it.
  const env = Array.isArray(spec.vmConfig?.env) ? spec.vmConfig.env : [];
  // validateWasmPluginVMConfig stops at the first bad entry; so does this. A repeated name is
  // the API server's MESH171 (env is an x-kubernetes-list-type map), refused before the webhook.
  for (let i = 0; i < env.length; i++) {
    const e = env[i];
    if (e === null || typeof e !== 'object') continue;
    const at = `spec.vmConfig.env[${i}]`;
    const name = typeof e.name === 'string' ? e.name : '';
    if (name === '') break; // the webhook stops at a nameless entry (its name is the schema's, MESH150)
    if ((e.valueFrom ?? 'INLINE') !== 'INLINE' && typeof e.value === 'string' && e.value !== '') {
      report(Codes.WASM_PLUGIN_REJECTED, `${at}.value`, 'value is only for valueFrom INLINE');
      break;
    }
  }
}
