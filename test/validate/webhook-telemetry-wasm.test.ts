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
  test('tracing sampling outside 0-100 is left to the CRD schema (MESH150; webhook-locality-durations.test.ts)', () => {
    expect(telemetry({ tracing: [{ randomSamplingPercentage: 100.1 }] })).toEqual([]);
    expect(telemetry({ tracing: [{ randomSamplingPercentage: 0 }] })).toEqual([]);
  });

  test('MESH174: several tracing entries or providers are warnings', () => {
    expect(telemetry({ tracing: [{ providers: [{ name: 'a' }] }, { providers: [{ name: 'b' }] }] })).toEqual(['MESH174 spec.tracing warning']);
    expect(telemetry({ tracing: [{ providers: [{ name: 'a' }, { name: 'b' }] }] })).toEqual(['MESH174 spec.tracing[0].providers warning']);
    expect(telemetry({ tracing: [{ providers: [{ name: 'zipkin' }] }] })).toEqual([]);
  });

  test('MESH168: custom tags are not null; empty values and names are the schema\'s', () => {
    const tags = (customTags: M) => telemetry({ tracing: [{ customTags }] });
    expect(tags({ none: null })).toEqual(['MESH168 spec.tracing[0].customTags.none']);
    expect(tags({ env: { literal: { value: '' } } })).toEqual([]);
    expect(tags({ env: { literal: { value: 'prod' } }, req: { header: { name: 'x-request-id' } } })).toEqual([]);
  });

  test('MESH168: tag overrides: UPSERT (the default) needs a value, REMOVE takes none', () => {
    const ov = (o: M) => telemetry({ metrics: [{ overrides: [o] }] });
    expect(ov({ tagOverrides: { request_host: {} } })).toEqual(['MESH168 spec.metrics[0].overrides[0].tagOverrides.request_host.value']);
    expect(ov({ tagOverrides: { request_host: { operation: 'REMOVE', value: 'x' } } })).toEqual(['MESH168 spec.metrics[0].overrides[0].tagOverrides.request_host.value']);
    expect(ov({ tagOverrides: { request_host: { operation: 'REMOVE' }, app: { value: 'node.metadata.app' } } })).toEqual([]);
    expect(ov({ tagOverrides: { '': { operation: 'REMOVE' } } })).toEqual(['MESH174 spec.metrics[0].overrides[0].tagOverrides. warning']);
  });
});

describe("istiod's webhook: WasmPlugin", () => {
  test('MESH170: an env value only with valueFrom INLINE; the first bad entry only', () => {
    const env = (e: M[]) => wasm({ vmConfig: { env: e } });
    expect(env([{ name: 'X', valueFrom: 'HOST', value: 'v' }, { name: 'Y', valueFrom: 'HOST', value: 'w' }])).toEqual(['MESH170 spec.vmConfig.env[0].value']);
    expect(env([{ name: 'X', value: 'v' }, { name: 'POD_NAME', valueFrom: 'HOST' }])).toEqual([]);
  });

  test('MESH170: url scheme; what the schema checks (url, sha256, lengths, ports) is not repeated', () => {
    expect(wasm({ url: 'ftp://example.com/f.wasm' })).toEqual(['MESH170 spec.url']);
    // An empty url is the schema's (minLength 1, MESH150; webhook-locality-durations.test.ts).
    expect(wasm({ url: '' })).toEqual([]);
    expect(wasm({ sha256: 'A'.repeat(64), pluginName: 'p'.repeat(257), match: [{ ports: [{ number: 0 }] }] })).toEqual([]);
  });
});
