/**
 * istiod's webhook checks of a VirtualService HTTP route's headers, string matches and
 * durations (pkg/config/validation virtualservice.go and validation.go): one fixture per
 * rule, with the accepted case beside it.
 */
import { checkWebhook } from '../../src/validate/webhook';
import { M, virtualService } from './fixtures';

/** `<code> <field>` of the webhook findings of a one-route VirtualService whose route adds `more`. */
function route(more: M): string[] {
  const vs = virtualService('orders', [{ route: [{ destination: { host: 'orders' } }], ...more }]);
  return checkWebhook(vs).map((f) => `${f.code} ${f.field}`).sort();
}
const h = 'spec.http[0]';

describe("istiod's webhook: VirtualService headers, matches and durations", () => {
  test('MESH175: match header names are tokens, pseudo-headers or JWT claims', () => {
    expect(route({ match: [{ headers: { 'x user': { exact: 'a' } } }] })).toEqual([`MESH175 ${h}.match[0].headers.x user`]);
    expect(route({ match: [{ withoutHeaders: { 'x(y)': { exact: 'a' } } }] })).toEqual([`MESH175 ${h}.match[0].withoutHeaders.x(y)`]);
    expect(route({ match: [{ headers: { '@request.auth.claims': { exact: 'a' } } }] })).toEqual([`MESH175 ${h}.match[0].headers.@request.auth.claims`]);
    expect(route({ match: [{ headers: { 'x-user': { exact: 'a' }, ':authority': { exact: 'shop' } } }] })).toEqual([]);
    // JWT claims route only on a gateway (ValidateVirtualService): a mesh VirtualService refuses them.
    const claims = { match: [{ headers: { '@request.auth.claims.group': { exact: 'admin' }, '@request.auth.claims[sub]': { prefix: 'u' } } }] };
    expect(route(claims)).toEqual([`MESH160 ${h}.match[0].headers.@request.auth.claims.group`, `MESH160 ${h}.match[0].headers.@request.auth.claims[sub]`]);
    const onGateway = virtualService('orders', [{ route: [{ destination: { host: 'orders' } }], ...claims }], { gateways: ['shop/gateway'] });
    expect(checkWebhook(onGateway)).toEqual([]);
  });

  test('MESH175: Host and pseudo-headers cannot be operated on; a request may set the authority', () => {
    expect(route({ headers: { request: { set: { ':path': '/x' } } } })).toEqual([`MESH175 ${h}.headers.request.set.:path`]);
    expect(route({ headers: { request: { remove: ['Host'] } } })).toEqual([`MESH175 ${h}.headers.request.remove[0]`]);
    expect(route({ headers: { response: { add: { host: 'a' } } } })).toEqual([`MESH175 ${h}.headers.response.add.host`]);
    expect(route({ headers: { request: { set: { ':authority': 'shop.internal' } }, response: { remove: ['server'] } } })).toEqual([]);
  });

  test('MESH175: header values without control characters; the authority rewritten once', () => {
    expect(route({ headers: { request: { set: { 'x-a': 'a\nb' } } } })).toEqual([`MESH175 ${h}.headers.request.set.x-a`]);
    expect(route({ headers: { request: { set: { 'x-a': 'a\tb' } } } })).toEqual([]);
    expect(route({ rewrite: { authority: 'a' }, headers: { request: { set: { host: 'b' } } } })).toEqual([`MESH175 ${h}.headers.request.set.host`]);
    expect(route({ rewrite: { authority: 'a', uri: '/' } })).toEqual([]);
  });

  test('MESH176: empty prefixes (but uri), empty, long or non-RE2 regexes', () => {
    expect(route({ match: [{ method: { prefix: '' } }] })).toEqual([`MESH176 ${h}.match[0].method.prefix`]);
    expect(route({ match: [{ uri: { prefix: '' } }] })).toEqual([]);
    expect(route({ match: [{ uri: { regex: '' } }] })).toEqual([`MESH176 ${h}.match[0].uri.regex`]);
    expect(route({ match: [{ uri: { regex: `/${'a'.repeat(1024)}` } }] })).toEqual([`MESH176 ${h}.match[0].uri.regex`]);
    expect(route({ match: [{ headers: { 'x-id': { regex: '(?=a)b' } } }] })).toEqual([`MESH176 ${h}.match[0].headers.x-id.regex`]);
    expect(route({ match: [{ queryParams: { v: { regex: '(a)\\1' } } }] })).toEqual([`MESH176 ${h}.match[0].queryParams.v.regex`]);
    expect(route({ match: [{ withoutHeaders: { 'x-debug': { regex: '*' } } }] })).toEqual([]);
    expect(route({ match: [{ uri: { regex: '/api/v[0-9]+/.*' } }] })).toEqual([]);
  });

  test('MESH173: timeout and perTryTimeout at least 1ms, in whole milliseconds (agent/validation.go, ValidateDuration)', () => {
    expect(route({ timeout: '1.0001s' })).toEqual([`MESH173 ${h}.timeout`]);
    expect(route({ retries: { attempts: 2, perTryTimeout: '2500us' } })).toEqual([`MESH173 ${h}.retries.perTryTimeout`]);
    // Under 1ms is ValidateDuration's too; the CRD's CEL rule refuses it first, so validateManifests reports MESH151 alone.
    expect(route({ timeout: '0.5ms' })).toEqual([`MESH173 ${h}.timeout`]);
    expect(route({ timeout: '1.5s', retries: { attempts: 2, perTryTimeout: '500ms' } })).toEqual([]);
  });
});
