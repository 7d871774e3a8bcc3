/**
 * istiod's webhook checks of Telemetry and WasmPlugin (pkg/config/validation, ValidateTelemetry
 * and ValidateWasmPlugin): one fixture per rule, with the accepted case beside it.
 */
import { checkWebhook } from '../../src/validate/webhook';
import { M } from './fixtures';

const object = (apiVersion: string, kind: string, spec: M): M => ({ apiVersion, kind, metadata: { name: 'x', namespace: 'shop' }, spec });

/** `<code> <field>` (and `warning` for warnings) of every webhook finding. */
function webhook(m: M): string[] {
  return checkWebhook(m).map((f) => `${f.code} ${f.field}${f.severity === 'warning' ? ' warning' : ''}`).sort();
}
const telemetry = (spec: M) => webhook(object('telemetry.istio.io/v1', 'Telemetry', spec));
const wasm = (spec: M) => webhook(object('extensions.istio.io/v1alpha1', 'WasmPlugin', { url: 'oci://ghcr.io/acme/filter:1.0', ...spec }));

describe("istiod's webhook: Telemetry", () => {
  // Where the CRD has the same rule (sampling in 0-100, minLength 1), the API server refuses the
  // object first (MESH150), so validateManifests reports the schema's finding alone.
  test('MESH168: tracing sampling in 0-100 (validateTelemetryTracing)', () => {
    expect(telemetry({ tracing: [{ randomSamplingPercentage: 100.1 }] })).toEqual(['MESH168 spec.tracing[0].randomSamplingPercentage']);
    expect(telemetry({ tracing: [{ randomSamplingPercentage: 0 }] })).toEqual([]);
  });

  test('MESH174: several tracing entries or providers are warnings', () => {
    expect(telemetry({ tracing: [{ providers: [{ name: 'a' }] }, { providers: [{ name: 'b' }] }] })).toEqual(['MESH174 spec.tracing warning']);
    expect(telemetry({ tracing: [{ providers: [{ name: 'a' }, { name: 'b' }] }] })).toEqual(['MESH174 spec.tracing[0].providers warning']);
    expect(telemetry({ tracing: [{ providers: [{ name: 'zipkin' }] }] })).toEqual([]);
  });

  test('MESH168: custom tags are not null, literal values, header and environment names not empty', () => {
    const tags = (customTags: M) => telemetry({ tracing: [{ customTags }] });
    expect(tags({ none: null })).toEqual(['MESH168 spec.tracing[0].customTags.none']);
    expect(tags({ env: { literal: { value: '' } } })).toEqual(['MESH168 spec.tracing[0].customTags.env.literal.value']);
    expect(tags({ h: { header: { name: '' } }, e: { environment: { name: '' } } })).toEqual([
      'MESH168 spec.tracing[0].customTags.e.environment.name', 'MESH168 spec.tracing[0].customTags.h.header.name']);
    expect(tags({ env: { literal: { value: 'prod' } }, req: { header: { name: 'x-request-id' } } })).toEqual([]);
  });

  test('MESH168: tag overrides: UPSERT (the default) needs a value, REMOVE takes none', () => {
    const ov = (o: M) => telemetry({ metrics: [{ overrides: [o] }] });
    expect(ov({ tagOverrides: { request_host: {} } })).toEqual(['MESH168 spec.metrics[0].overrides[0].tagOverrides.request_host.value']);
    expect(ov({ tagOverrides: { request_host: { operation: 'REMOVE',
      value: 'x' } } })).toEqual(['MESH168 spec.metrics[0].overrides[0].tagOverrides.request_host.value']);
    expect(ov({ tagOverrides: { request_host: { operation: 'REMOVE' }, app: { value: 'node.metadata.app' } } })).toEqual([]);
    expect(ov({ tagOverrides: { '': { operation: 'REMOVE' } } })).toEqual(['MESH174 spec.metrics[0].overrides[0].tagOverrides. warning']);
  });
});

describe("istiod's webhook: Telemetry access logging and selection (validateTelemetryAccessLogging, validation_istiod.go validateTelemetryFilter)",
  () => {
    test('MESH168: a filter that is not a CEL expression, a provider without a name; MESH186: a selector with targetRefs', () => {
      const logging = (filter: M | undefined, providers: M[] = [{ name: 'envoy' }]) => telemetry({ accessLogging: [{ providers,
        ...(filter ? { filter } : {}) }] });
      expect(logging({ expression: 'response.code >= 400' })).toEqual([]);
      expect(logging({ expression: 'response.code >=' })).toEqual(['MESH168 spec.accessLogging[0].filter.expression']);
      expect(logging({ expression: '' })).toEqual(['MESH168 spec.accessLogging[0].filter.expression']);
      expect(logging(undefined, [{ name: '' }])).toEqual(['MESH168 spec.accessLogging[0].providers[0]']);
      expect(telemetry({ selector: { matchLabels: { app: 'a' } }, targetRefs: [{ kind: 'Service', name: 'a' }] })).toEqual(['MESH186 spec']);
    });
  });

describe("istiod's webhook: WasmPlugin", () => {
  test('MESH170: an env value only with valueFrom INLINE; the first bad entry only', () => {
    const env = (e: M[]) => wasm({ vmConfig: { env: e } });
    expect(env([{ name: 'X', valueFrom: 'HOST', value: 'v' }, { name: 'Y', valueFrom: 'HOST',
      value: 'w' }])).toEqual(['MESH170 spec.vmConfig.env[0].value']);
    expect(env([{ name: 'X', value: 'v' }, { name: 'POD_NAME', valueFrom: 'HOST' }])).toEqual([]);
  });

  test.each([
    // validateWasmPluginURL with strictParseURL: a scheme Go reads must be oci, file, http or https
    ['oci://ghcr.io/acme/filter:1.0', []], ['https://example.com/f.wasm', []], ['file:///opt/f.wasm', []], ['ghcr.io/acme/filter:1.0', []],
    ['ftp://example.com/f.wasm', ['MESH170 spec.url']], ['', ['MESH170 spec.url']],
    // url.ParseRequestURI reads `localhost:5000/...` as the scheme `localhost`
    ['localhost:5000/filter', ['MESH170 spec.url']],
  ])('MESH170: url %s', (url, found) => {
    expect(wasm({ url })).toEqual(found);
  });

  test('MESH170/MESH180: sha256, name lengths, match ports (validateWasmPluginSHA, ...Name, ...Match: the first bad one)', () => {
    expect(wasm({ sha256: 'a'.repeat(63) })).toEqual(['MESH170 spec.sha256']);
    expect(wasm({ sha256: 'A'.repeat(64) })).toEqual(['MESH170 spec.sha256']);
    expect(wasm({ sha256: 'a'.repeat(64) })).toEqual([]);
    expect(wasm({ pluginName: 'p'.repeat(257), imagePullSecret: 's'.repeat(254) })).toEqual(['MESH170 spec.imagePullSecret',
      'MESH170 spec.pluginName']);
    expect(wasm({ match: [{ ports: [{ number: 0 }, { number: 70000 }] }] })).toEqual(['MESH180 spec.match[0].ports[0].number']);
    expect(wasm({ match: [{ ports: [{ number: 8080 }] }] })).toEqual([]);
  });
});
