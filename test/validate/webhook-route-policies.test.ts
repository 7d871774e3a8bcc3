/**
 * istiod's webhook checks of a VirtualService route's header values (Envoy's `%` operators),
 * CORS policy, redirect and fault delay (pkg/config/validation validation.go,
 * header_value_validator.go): one fixture per rule, with the nearest accepted case beside it.
 */
import * as fc from 'fast-check';
import { validateManifests } from '../../src/validate';
import { checkWebhook } from '../../src/validate/webhook';
import { headerValueProblem } from '../../src/validate/webhook/header-value';
import { M, virtualService } from './fixtures';

/** `<code> <field>` of the webhook findings of a one-route VirtualService whose route adds `more`. */
function route(more: M): string[] {
  const vs = virtualService('orders', [{ route: [{ destination: { host: 'orders' } }], ...more }]);
  return checkWebhook(vs).map((f) => `${f.code} ${f.field}`).sort();
}
const h = 'spec.http[0]';

describe("istiod's webhook: header values as Envoy parses them (ValidateHTTPHeaderValue)", () => {
  test.each([
    ['a literal', 'shop'],
    ['an escaped %', '100%%'],
    ['an operator', '%HOSTNAME%'],
    ['an operator in text', 'prefix %HOSTNAME% suffix'],
    ['an operator with a bare argument', '%REQ(x-user)%'],
    ['an operator with JSON arguments', '%PER_REQUEST_STATE(["a", "b\\"c"])%'],
    ['spaces where Envoy allows them', '%UPSTREAM_METADATA( ["envoy.lb", "version"] ) %'],
    ['an empty value', ''],
  ])('accepted: %s (%j)', (_what, value) => {
    expect(headerValueProblem(value)).toBeUndefined();
  });

  test.each([
    ['a lone % in text', 'abc%123'],
    ['a % at the end', '50%'],
    ['an operator followed by a lone %', '%START_TIME%%'],
    ['JSON arguments without quotes', '%PER_REQUEST_STATE([a])%'],
    ['a missing comma between arguments', '%PER_REQUEST_STATE(["a" "b"])%'],
    ['text between ] and )', '%PER_REQUEST_STATE(["a"]x)%'],
    ['text between ) and %', '%REQ(x)y%'],
    ['a trailing backslash in an argument', '%REQ(x\\'],
    ['a control character', 'a\u0001b'],
  ])('refused: %s (%j)', (_what, value) => {
    expect(headerValueProblem(value)).toEqual(expect.any(String));
  });

  test('MESH175 on the route\'s and on each destination\'s header operations, once per value', () => {
    expect(route({ headers: { request: { set: { 'x-a': 'abc%123' } } } })).toEqual([`MESH175 ${h}.headers.request.set.x-a`]);
    expect(route({ headers: { response: { add: { 'x-b': '%START_TIME%%' } } } })).toEqual([`MESH175 ${h}.headers.response.add.x-b`]);
    // A value with a control character and a lone % is one problem for istiod (the control check returns first).
    expect(route({ headers: { request: { add: { 'x-a': 'a\n%' } } } })).toEqual([`MESH175 ${h}.headers.request.add.x-a`]);
    expect(route({ headers: { request: { set: { 'x-a': '100%%', 'x-host': '%HOSTNAME%' } } } })).toEqual([]);
    const dest = (headers: M) => route({ route: [{ destination: { host: 'orders' }, headers }] });
    expect(dest({ response: { set: { 'x-c': '5%' } } })).toEqual([`MESH175 ${h}.route[0].headers.response.set.x-c`]);
    expect(dest({ request: { remove: [':path'] } })).toEqual([`MESH175 ${h}.route[0].headers.request.remove[0]`]);
    expect(dest({ request: { set: { 'x-c': '5%%' } }, response: { remove: ['server'] } })).toEqual([]);
  });
});

describe("istiod's webhook: CORS policy (validateCORSPolicy)", () => {
  const cors = (corsPolicy: M) => route({ corsPolicy });
  const c = `${h}.corsPolicy`;

  test('MESH176: allowed origins are non-empty string matches, regexes RE2', () => {
    expect(cors({ allowOrigins: [{ exact: '' }] })).toEqual([`MESH176 ${c}.allowOrigins[0].exact`]);
    expect(cors({ allowOrigins: [{}] })).toEqual([`MESH176 ${c}.allowOrigins[0]`]);
    expect(cors({ allowOrigins: [{ regex: '' }] })).toEqual([`MESH176 ${c}.allowOrigins[0].regex`]);
    expect(cors({ allowOrigins: [{ regex: '(?!evil).*' }] })).toEqual([`MESH176 ${c}.allowOrigins[0].regex`]);
    expect(cors({ allowOrigins: [{ exact: 'https://shop.example.com' }, { prefix: 'https://' }, { regex: 'https://.*\\.example\\.com' }] })).toEqual([]);
  });

  test('MESH160: allowed methods are upper-case HTTP methods', () => {
    expect(cors({ allowMethods: ['GET', 'get', 'PURGE'] })).toEqual([`MESH160 ${c}.allowMethods[1]`, `MESH160 ${c}.allowMethods[2]`]);
    // `*` is Istio 1.26's; 1.24's webhook refuses it.
    expect(cors({ allowMethods: ['*'] })).toEqual([`MESH160 ${c}.allowMethods[0]`]);
    expect(cors({ allowMethods: ['GET', 'POST', 'PATCH', 'OPTIONS'] })).toEqual([]);
  });

  test('MESH175: allowed and exposed headers are * or tokens', () => {
    expect(cors({ allowHeaders: ['x user'], exposeHeaders: [''] })).toEqual([`MESH175 ${c}.allowHeaders[0]`, `MESH175 ${c}.exposeHeaders[0]`]);
    expect(cors({ allowHeaders: ['*', 'Content-Type'], exposeHeaders: ['x-request-id'] })).toEqual([]);
  });

  test('MESH173: maxAge a duration (ValidateDuration) in whole seconds (Nanos > 0)', () => {
    expect(cors({ maxAge: '1500ms' })).toEqual([`MESH173 ${c}.maxAge`]);
    expect(cors({ maxAge: '500ms' })).toEqual([`MESH173 ${c}.maxAge`]);
    expect(cors({ maxAge: '24h' })).toEqual([]);
    expect(cors({ maxAge: '2s' })).toEqual([]);
    // under 1ms and not whole seconds: two errors, as istiod appends them
    expect(cors({ maxAge: '0.5ms' })).toEqual([`MESH173 ${c}.maxAge`, `MESH173 ${c}.maxAge`]);
  });
});

describe("istiod's webhook: redirects (validateHTTPRedirect)", () => {
  const redirect = (r: M) => checkWebhook(virtualService('orders', [{ redirect: r }])).map((f) => `${f.code} ${f.field}`).sort();
  const r = `${h}.redirect`;

  test('MESH160: a redirect changes something; a 3xx code; http or https; a port in 1-65535', () => {
    expect(redirect({ redirectCode: 301 })).toEqual([`MESH160 ${r}`]);
    expect(redirect({ uri: '/new', redirectCode: 200 })).toEqual([`MESH160 ${r}.redirectCode`]);
    expect(redirect({ scheme: 'ftp' })).toEqual([`MESH160 ${r}.scheme`]);
    expect(redirect({ port: 70000 })).toEqual([`MESH180 ${r}.port`]);
    // istiod stops at the first problem.
    expect(redirect({ scheme: 'ftp', redirectCode: 500 })).toEqual([`MESH160 ${r}.redirectCode`]);
    expect(redirect({ uri: '/new', redirectCode: 308 })).toEqual([]);
    expect(redirect({ scheme: 'https', port: 443 })).toEqual([]);
    expect(redirect({ derivePort: 'FROM_REQUEST_PORT' })).toEqual([]);
    expect(redirect({ authority: 'shop.example.com' })).toEqual([]);
  });
});

describe("istiod's webhook: fault delay (validateHTTPFaultInjectionDelay)", () => {
  test('MESH173: fixedDelay in whole milliseconds', () => {
    const delay = (fixedDelay: string) => route({ fault: { delay: { fixedDelay, percentage: { value: 10 } } } });
    expect(delay('1.0005s')).toEqual([`MESH173 ${h}.fault.delay.fixedDelay`]);
    expect(delay('1500ms')).toEqual([]);
  });

  test('one finding per problem: a delay under 1ms is the CEL rule\'s MESH151 alone', () => {
    const vs = virtualService('orders', [{ route: [{ destination: { host: 'orders' } }], fault: { delay: { fixedDelay: '0.5ms' } } }]);
    expect(validateManifests([vs], { schemaOnly: true }).map((f) => `${f.code} ${f.field}`)).toEqual([`MESH151 ${h}.fault.delay.fixedDelay`]);
  });
});

describe('header values: properties', () => {
  // eslint-disable-next-line no-control-regex
  const text = fc.string().filter((s) => !/[\u0000-\u0008\u000A-\u001F\u007F]/.test(s));

  test('any text with every % doubled is accepted, and so is an operator between such texts', () => {
    fc.assert(fc.property(text, text, fc.stringMatching(/^[A-Z_]+$/), (a, b, name) => {
      const esc = (s: string) => s.replace(/%/g, '%%');
      expect(headerValueProblem(esc(a))).toBeUndefined();
      expect(headerValueProblem(`${esc(a)}%${name}%${esc(b)}`)).toBeUndefined();
    }));
  });

  test('a single % added to escaped text is refused', () => {
    fc.assert(fc.property(text, (a) => {
      expect(headerValueProblem(`${a.replace(/%/g, '%%')}%`)).toEqual(expect.any(String));
    }));
  });
});
