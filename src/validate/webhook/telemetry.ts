/**
 * istiod's validating webhook for telemetry.istio.io and extensions.istio.io kinds: ports of
 * istio/istio pkg/config/validation/validation.go (ValidateTelemetry, validateTelemetryMetrics,
 * validateTelemetryTracing, validateTelemetryAccessLogging, validateTelemetryProviders,
 * ValidateWasmPlugin, validateWasmPluginURL, strictParseURL, validateWasmPluginSHA,
 * validateWasmPluginImagePullSecret, validateWasmPluginName, validateWasmPluginVMConfig,
 * validateWasmPluginMatch) and validation_istiod.go (validateTelemetryFilter: a CEL expression
 * that parses), the same in Istio 1.24 and 1.30.
 */
import { parse } from '@bufbuild/cel';
import { Codes } from '../../core/codes';
import { Manifest } from '../finding';
import { policySelection } from './names';
import type { Report, WebhookScope } from './report';
import { entries, isSet, list, num, obj, str, wrapped } from '../values';

/** validateTelemetryProviders: the first null or nameless provider. */
function providers(value: unknown, at: string, report: Report): void {
  const i = list(value).findIndex((p) => str(obj(p)?.name) === '');
  if (i >= 0) report(Codes.TELEMETRY_REJECTED, `${at}.providers[${i}]`, 'providers.name may not be empty');
}

/** One tracing entry (validateTelemetryTracing): one provider, a sampling percentage in 0-100, custom tags named and valued. */
function tracingEntry(entry: Record<string, any>, at: string, report: Report): void {
  if (list(entry.providers).length > 1) report(Codes.TELEMETRY_UNSUPPORTED, `${at}.providers`, 'multiple providers is not currently supported',
    'warning');
  providers(entry.providers, at, report);
  const pct = wrapped(entry.randomSamplingPercentage);
  if (pct < 0 || pct > 100) report(Codes.TELEMETRY_REJECTED, `${at}.randomSamplingPercentage`,
    'randomSamplingPercentage must be in range [0.0, 100.0]');
  for (const [name, raw] of entries(entry.customTags)) {
    const tat = `${at}.customTags.${name}`;
    if (name === '') report(Codes.TELEMETRY_REJECTED, tat, 'tag name may not be empty');
    const tag = obj(raw);
    if (!tag) { report(Codes.TELEMETRY_REJECTED, tat, `tag '${name}' may not have a nil value`); continue; }
    if (isSet(tag.literal) && str(obj(tag.literal)?.value) === '') report(Codes.TELEMETRY_REJECTED, `${tat}.literal.value`,
      'literal tag value may not be empty');
    else if (isSet(tag.header) && str(obj(tag.header)?.name) === '') report(Codes.TELEMETRY_REJECTED, `${tat}.header.name`,
      'header tag name may not be empty');
    else if (isSet(tag.environment) && str(obj(tag.environment)?.name) === '') report(Codes.TELEMETRY_REJECTED, `${tat}.environment.name`,
      'environment tag name may not be empty');
  }
}

/** One metrics override (validateTelemetryMetrics): UPSERT needs a value, REMOVE takes none; a named custom metric. */
function metricsOverride(raw: unknown, at: string, report: Report): void {
  const o = obj(raw);
  if (!o) { report(Codes.TELEMETRY_REJECTED, at, 'tagOverrides may not be null'); return; }
  for (const [name, rawTo] of entries(o.tagOverrides)) {
    const tat = `${at}.tagOverrides.${name}`;
    if (name === '') report(Codes.TELEMETRY_UNSUPPORTED, tat, 'tagOverrides.name may not be empty', 'warning');
    const to = obj(rawTo);
    if (!to) { report(Codes.TELEMETRY_REJECTED, tat, 'tagOverrides may not be null'); continue; }
    // The operation defaults to UPSERT (telemetry.proto, MetricsOverrides.TagOverride.Operation).
    const op = str(to.operation) === '' ? 'UPSERT' : str(to.operation);
    if (op === 'UPSERT' && str(to.value) === '') report(Codes.TELEMETRY_REJECTED, `${tat}.value`,
      'tagOverrides.value must be set when operation is UPSERT');
    if (op === 'REMOVE' && str(to.value) !== '') report(Codes.TELEMETRY_REJECTED, `${tat}.value`,
      'tagOverrides.value may only be set when operation is UPSERT');
  }
  const match = obj(o.match);
  if (match && typeof match.customMetric === 'string' && match.customMetric === '') report(Codes.TELEMETRY_REJECTED, `${at}.match.customMetric`,
    'customMetric may not be empty');
}

/** ValidateTelemetry. */
export function telemetry(t: Manifest, report: Report, scope: WebhookScope): void {
  const spec = obj(t.spec) ?? {};
  policySelection(spec, report, scope.version);
  list(spec.metrics).forEach((raw, i) => {
    const m = obj(raw);
    if (!m) return;
    providers(m.providers, `spec.metrics[${i}]`, report);
    list(m.overrides).forEach((o, j) => metricsOverride(o, `spec.metrics[${i}].overrides[${j}]`, report));
  });
  const tracing = list(spec.tracing);
  if (tracing.length > 1) report(Codes.TELEMETRY_UNSUPPORTED, 'spec.tracing', 'multiple tracing is not currently supported', 'warning');
  tracing.forEach((raw, i) => { if (obj(raw)) tracingEntry(obj(raw)!, `spec.tracing[${i}]`, report); });
  list(spec.accessLogging).forEach((raw, i) => {
    const l = obj(raw);
    if (!l) return;
    const filter = obj(l.filter);
    if (filter) {
      try {
        parse(str(filter.expression));
      } catch (e) {
        report(Codes.TELEMETRY_REJECTED, `spec.accessLogging[${i}].filter.expression`,
          `must be a valid CEL expression, ${(e as Error).message.split('\n')[0]}`);
      }
    }
    providers(l.providers, `spec.accessLogging[${i}]`, report);
  });
}

/**
 * validateWasmPluginURL with strictParseURL: Go's url.ParseRequestURI, retried with `http://` in
 * front; a scheme it reads (letters first, then letters, digits, `+`, `-`, `.`, up to a `:`) must be
 * oci, file, http or https, so `localhost:5000/plugin` names the scheme `localhost`.
 */
function wasmUrlProblem(url: string): string | undefined {
  if (url === '') return 'url field needs to be set';
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(url)?.[1]?.toLowerCase();
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f ]/.test(url)) return `failed to parse url: parse ${JSON.stringify(url)}: invalid character in URL`;
  if (scheme !== undefined && !['file', 'http', 'https', 'oci'].includes(scheme)) return `url contains unsupported scheme: ${scheme}`;
  return undefined;
}

/** ValidateWasmPlugin. */
export function wasmPlugin(w: Manifest, report: Report, scope: WebhookScope): void {
  const spec = obj(w.spec) ?? {};
  const fail = (field: string, message: string) => report(Codes.WASM_PLUGIN_REJECTED, field, message);
  policySelection(spec, report, scope.version);
  const url = wasmUrlProblem(str(spec.url));
  if (url) fail('spec.url', url);
  const sha = str(spec.sha256);
  if (sha !== '' && sha.length !== 64) fail('spec.sha256', 'sha256 field must be 64 characters long');
  else if (sha !== '' && !/^[a-f0-9]{64}$/.test(sha)) fail('spec.sha256', 'sha256 field must match [a-f0-9]{64} pattern');
  if (Buffer.byteLength(str(spec.imagePullSecret)) > 253) fail('spec.imagePullSecret', 'imagePullSecret field must be less than 253 characters long');
  if (Buffer.byteLength(str(spec.pluginName)) > 256) fail('spec.pluginName', 'pluginName field must be less than 255 characters long');
  // validateWasmPluginVMConfig and validateWasmPluginMatch stop at the first problem.
  const names = new Set<string>();
  for (const [i, raw] of list(obj(spec.vmConfig)?.env).entries()) {
    const e = obj(raw);
    if (!e) continue;
    const [name, at] = [str(e.name), `spec.vmConfig.env[${i}]`];
    const problem = name === '' ? 'spec.vmConfig.env invalid' : Buffer.byteLength(name) > 256 ? 'env.name field must be less than 255 characters long'
      : names.has(name) ? 'duplicate env'
      : (str(e.valueFrom) || 'INLINE') !== 'INLINE' && str(e.value) !== '' ? 'value may only be set when valueFrom is INLINE' : undefined;
    names.add(name);
    if (problem) { fail(problem === 'value may only be set when valueFrom is INLINE' ? `${at}.value` : `${at}.name`, problem); break; }
  }
  matchSelectors(spec.match, report);
}

/** validateWasmPluginMatch: no null selector or port, ports in 1-65535; istiod stops at the first. */
function matchSelectors(value: unknown, report: Report): void {
  for (const [i, raw] of list(value).entries()) {
    const sel = obj(raw);
    if (!sel) { report(Codes.WASM_PLUGIN_REJECTED, `spec.match[${i}]`, `spec.Match[${i}] is nil`); return; }
    for (const [j, p] of list(sel.ports).entries()) {
      const port = obj(p);
      if (!port) { report(Codes.WASM_PLUGIN_REJECTED, `spec.match[${i}].ports[${j}]`, `spec.Match[${i}].Ports[${j}] is nil`); return; }
      if (num(port.number) <= 0 || num(port.number) > 65535) {
        report(Codes.INVALID_PORT, `spec.match[${i}].ports[${j}].number`, `spec.Match[${i}].Ports[${j}] is out of range: ${num(port.number)}`);
        return;
      }
    }
  }
}
