// Rules from https://istio.io/latest/docs/reference/config/security/authorization-policy/
// and https://istio.io/latest/docs/concepts/security/#authorization-policies
import { evaluateFlow, FlowOptions } from '../../../src/validate';
import { pathMatches, requestAuthority, stringMatches } from '../../../src/validate/flow/authorization';
import { app, authorizationPolicy, call, deployment, service } from './fixtures';

const base = [...app('a', 'shop'), ...app('b', 'shop'), ...app('c', 'other')];
const onB = (spec: object, name = 'b-policy') => authorizationPolicy(name, 'shop', { selector: { matchLabels: { app: 'b' } }, ...spec });
const A = 'cluster.local/ns/shop/sa/a';

describe('AuthorizationPolicy matching (istio.io authorization-policy reference)', () => {
  test.each([
    ['/api/orders', '/api/orders', true],
    ['/api/orders', '/api/orders/1', false],
    ['/api/*', '/api/orders/1', true],
    ['*.html', '/index.html', true],
    ['*', '/anything', true],
    ['/api/{*}/status', '/api/42/status', true],
    ['/api/{*}/status', '/api/4/2/status', false],
    ['/api/{**}', '/api/a/b/c', true],
    ['/api/{*}', '/api/a?x=1', true],
    ['/admin/{**}', '/api/admin', false],
  ])('path %s against %s: %s', (pattern, path, expected) => {
    expect(pathMatches(pattern, path)).toBe(expected);
  });

  test.each([
    ['cluster.local/ns/shop/sa/a', A, true],
    ['cluster.local/ns/shop/*', A, true],
    ['*/sa/a', A, true],
    ['*', A, true],
    ['*', '', false],
    ['cluster.local/ns/other/*', A, false],
  ])('string %s against %s: %s (exact, prefix, suffix, presence)', (pattern, value, expected) => {
    expect(stringMatches(pattern, value)).toBe(expected);
  });
});

describe('AuthorizationPolicy evaluation order: CUSTOM, DENY, ALLOW', () => {
  test('no policy at all: allowed', () => {
    expect(evaluateFlow(base, call('a', 'shop', 'b')).allowed).toBe(true);
  });

  test('an ALLOW policy whose rules do not match: denied, naming the policy', () => {
    const v = evaluateFlow([...base, onB({ rules: [{ from: [{ source: { principals: ['cluster.local/ns/other/sa/c'] } }] }] })], call('a', 'shop', 'b'));
    expect(v).toMatchObject({ allowed: false, decidedBy: { layer: 'AuthorizationPolicy', name: 'b-policy' } });
  });

  test('allow-nothing (spec: {}) denies everything in its namespace', () => {
    const v = evaluateFlow([...base, authorizationPolicy('allow-nothing', 'shop', {})], call('a', 'shop', 'b'));
    expect(v).toMatchObject({ allowed: false, decidedBy: { name: 'allow-nothing' } });
  });

  test('a rule that is empty ({}) matches every request', () => {
    expect(evaluateFlow([...base, onB({ rules: [{}] })], call('a', 'shop', 'b')).allowed).toBe(true);
  });

  test('DENY wins over a matching ALLOW; a DENY without rules matches nothing', () => {
    const allow = onB({ rules: [{}] }, 'allow-all');
    const deny = onB({ action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin/{**}'] } }] }] }, 'deny-admin');
    expect(evaluateFlow([...base, allow, deny], call('a', 'shop', 'b', 80, 'GET', '/admin/x/y'))).toMatchObject({ allowed: false, decidedBy: { name: 'deny-admin' } });
    expect(evaluateFlow([...base, allow, deny], call('a', 'shop', 'b', 80, 'GET', '/public')).allowed).toBe(true);
    expect(evaluateFlow([...base, onB({ action: 'DENY' }, 'empty-deny')], call('a', 'shop', 'b')).allowed).toBe(true);
  });

  test('CUSTOM asks the external authorizer first (its answer is an option)', () => {
    const custom = onB({ action: 'CUSTOM', provider: { name: 'ext' }, rules: [{ to: [{ operation: { paths: ['/secure/*'] } }] }] }, 'ext-authz');
    const flow = call('a', 'shop', 'b', 80, 'GET', '/secure/x');
    expect(evaluateFlow([...base, custom], flow).allowed).toBe(true);
    const opts: FlowOptions = { externalAuthorizer: 'deny' };
    expect(evaluateFlow([...base, custom], flow, opts)).toMatchObject({ allowed: false, decidedBy: { name: 'ext-authz' } });
    expect(evaluateFlow([...base, custom], call('a', 'shop', 'b', 80, 'GET', '/open'), opts).allowed).toBe(true);
  });

  test('root-namespace policies apply mesh-wide; with a selector, to matching pods of every namespace', () => {
    const rootDeny = authorizationPolicy('deny-c', 'istio-system', { action: 'DENY', rules: [{ from: [{ source: { namespaces: ['other'] } }] }] });
    expect(evaluateFlow([...base, rootDeny], call('c', 'other', 'b.shop'))).toMatchObject({ allowed: false, decidedBy: { namespace: 'istio-system', name: 'deny-c' } });
    const rootSel = authorizationPolicy('b-only', 'istio-system', { selector: { matchLabels: { app: 'b' } }, rules: [{ from: [{ source: { namespaces: ['nowhere'] } }] }] });
    expect(evaluateFlow([...base, rootSel], call('a', 'shop', 'b')).allowed).toBe(false);
    expect(evaluateFlow([...base, rootSel, ...app('d', 'shop')], call('a', 'shop', 'd')).allowed).toBe(true);
    const other = authorizationPolicy('deny-all', 'other', { action: 'DENY', rules: [{}] });
    expect(evaluateFlow([...base, other], call('a', 'shop', 'b')).allowed).toBe(true); // another namespace's policy does not apply
    expect(evaluateFlow([...base], call('a', 'shop', 'b'), { rootNamespace: 'mesh-root' }).allowed).toBe(true);
  });

  test('policies with targetRefs attach to gateways/waypoints, not to sidecars', () => {
    const p = authorizationPolicy('waypoint', 'shop', { targetRefs: [{ kind: 'Service', group: '', name: 'b' }], rules: [{ from: [{ source: { namespaces: ['nowhere'] } }] }] });
    expect(evaluateFlow([...base, p], call('a', 'shop', 'b')).allowed).toBe(true);
  });
});

describe('AuthorizationPolicy fields', () => {
  const allowOnly = (rule: object) => [...base, onB({ rules: [rule] })];

  test('principals and notPrincipals come from the mTLS identity (trust domain from the options)', () => {
    expect(evaluateFlow(allowOnly({ from: [{ source: { principals: [A] } }] }), call('a', 'shop', 'b')).allowed).toBe(true);
    expect(evaluateFlow(allowOnly({ from: [{ source: { principals: [A] } }] }), call('a', 'shop', 'b'), { trustDomain: 'corp.example' }).allowed).toBe(false);
    expect(evaluateFlow(allowOnly({ from: [{ source: { notPrincipals: [A] } }] }), call('a', 'shop', 'b')).allowed).toBe(false);
  });

  test('namespaces and notNamespaces', () => {
    expect(evaluateFlow(allowOnly({ from: [{ source: { namespaces: ['other'] } }] }), call('c', 'other', 'b.shop')).allowed).toBe(true);
    expect(evaluateFlow(allowOnly({ from: [{ source: { notNamespaces: ['other'] } }] }), call('c', 'other', 'b.shop')).allowed).toBe(false);
  });

  test('fields of one source are ANDed, sources of one rule ORed', () => {
    const and = { from: [{ source: { namespaces: ['shop'], principals: ['cluster.local/ns/shop/sa/zzz'] } }] };
    expect(evaluateFlow(allowOnly(and), call('a', 'shop', 'b')).allowed).toBe(false);
    const or = { from: [{ source: { namespaces: ['shop'] } }, { source: { principals: ['cluster.local/ns/shop/sa/zzz'] } }] };
    expect(evaluateFlow(allowOnly(or), call('a', 'shop', 'b')).allowed).toBe(true);
  });

  test('requestPrincipals need a token; `*` any token', () => {
    const rule = { from: [{ source: { requestPrincipals: ['https://auth.example.com/*'] } }] };
    expect(evaluateFlow(allowOnly(rule), call('a', 'shop', 'b')).allowed).toBe(false);
    expect(evaluateFlow(allowOnly(rule), { ...call('a', 'shop', 'b'), requestPrincipal: 'https://auth.example.com/u1' }).allowed).toBe(true);
    expect(evaluateFlow(allowOnly({ from: [{ source: { requestPrincipals: ['*'] } }] }), { ...call('a', 'shop', 'b'), requestPrincipal: 'x/y' }).allowed).toBe(true);
  });

  test('methods, paths, ports (the container port) and hosts (the Host header)', () => {
    expect(evaluateFlow(allowOnly({ to: [{ operation: { methods: ['POST'] } }] }), call('a', 'shop', 'b', 80, 'GET')).allowed).toBe(false);
    expect(evaluateFlow(allowOnly({ to: [{ operation: { methods: ['POST'], paths: ['/api/*'] } }] }), call('a', 'shop', 'b', 80, 'POST', '/api/x')).allowed).toBe(true);
    expect(evaluateFlow(allowOnly({ to: [{ operation: { ports: ['8080'] } }] }), call('a', 'shop', 'b')).allowed).toBe(true);
    expect(evaluateFlow(allowOnly({ to: [{ operation: { ports: ['80'] } }] }), call('a', 'shop', 'b')).allowed).toBe(false);
    expect(evaluateFlow(allowOnly({ to: [{ operation: { hosts: ['b'] } }] }), call('a', 'shop', 'b')).allowed).toBe(true);
    expect(evaluateFlow(allowOnly({ to: [{ operation: { hosts: ['*.example.com'] } }] }), call('a', 'shop', 'b')).allowed).toBe(false);
    expect(evaluateFlow(allowOnly({ to: [{ operation: { notPaths: ['/admin/*'] } }] }), call('a', 'shop', 'b', 80, 'GET', '/admin/x')).allowed).toBe(false);
  });

  test("hosts match the whole :authority, the port a client sends for a port other than its scheme's default included", () => {
    // pilot/pkg/security/authz/matcher/header.go HostMatcher: exact, prefix or suffix over :authority, case-insensitive, no
    // port stripped; a client of b on port 9000 sends `b:9000` (RFC 9110 7.2), which `hosts: [b]` does not match.
    const on9000 = [...app('a', 'shop'), deployment('b', 'shop'), service('b', 'shop', 9000, 8080)];
    const allow = (hosts: string[]) => [...on9000, onB({ rules: [{ to: [{ operation: { hosts } }] }] })];
    expect(evaluateFlow(allow(['b']), call('a', 'shop', 'b', 9000))).toMatchObject({ allowed: false, decidedBy: { name: 'b-policy' } });
    expect(evaluateFlow(allow(['b', 'b:*']), call('a', 'shop', 'b', 9000)).allowed).toBe(true);
    expect(evaluateFlow(allow(['B:9000']), call('a', 'shop', 'b', 9000)).allowed).toBe(true);
    // A DENY of `b` leaves `b:9000` alone, as Istio's security best practices warn.
    const deny = [...on9000, onB({ rules: [{}] }, 'allow-all'), onB({ action: 'DENY', rules: [{ to: [{ operation: { hosts: ['b'] } }] }] }, 'deny-b')];
    expect(evaluateFlow(deny, call('a', 'shop', 'b', 9000)).allowed).toBe(true);
    expect(evaluateFlow(deny, call('a', 'shop', 'b')).allowed).toBe(false);
    // A flow that sets its Host header is matched by it.
    expect(evaluateFlow(allow(['b']), { ...call('a', 'shop', 'b', 9000), headers: { host: 'b' } }).allowed).toBe(true);
    expect(requestAuthority({ host: 'shop.example.com', port: 443, protocol: 'HTTPS' })).toBe('shop.example.com');
    expect(requestAuthority({ host: 'b', port: 9090, protocol: 'GRPC' })).toBe('b:9090');
  });

  test('when: request.auth.claims, source.namespace, request.headers; values and notValues', () => {
    const claims = { when: [{ key: 'request.auth.claims[groups]', values: ['admin'] }] };
    expect(evaluateFlow(allowOnly(claims), { ...call('a', 'shop', 'b'), requestPrincipal: 'i/s', claims: { groups: ['dev', 'admin'] } }).allowed).toBe(true);
    expect(evaluateFlow(allowOnly(claims), { ...call('a', 'shop', 'b'), requestPrincipal: 'i/s', claims: { groups: 'dev' } }).allowed).toBe(false);
    expect(evaluateFlow(allowOnly(claims), call('a', 'shop', 'b')).allowed).toBe(false);
    expect(evaluateFlow(allowOnly({ when: [{ key: 'source.namespace', notValues: ['shop'] }] }), call('a', 'shop', 'b')).allowed).toBe(false);
    expect(evaluateFlow(allowOnly({ when: [{ key: 'request.headers[x-env]', values: ['prod*'] }] }), { ...call('a', 'shop', 'b'), headers: { 'x-env': 'production' } }).allowed).toBe(true);
  });

  test('TCP: an ALLOW rule with HTTP-only fields never matches; a DENY rule ignores them', () => {
    const tcp = { ...call('a', 'shop', 'b'), protocol: 'TCP' as const };
    expect(evaluateFlow(allowOnly({ to: [{ operation: { methods: ['GET'] } }] }), tcp).allowed).toBe(false);
    expect(evaluateFlow(allowOnly({ to: [{ operation: { ports: ['8080'] } }] }), tcp).allowed).toBe(true);
    const deny = onB({ action: 'DENY', rules: [{ from: [{ source: { namespaces: ['shop'] } }], to: [{ operation: { paths: ['/admin'] } }] }] });
    expect(evaluateFlow([...base, deny], tcp).allowed).toBe(false);
    expect(evaluateFlow([...base, deny], call('a', 'shop', 'b', 80, 'GET', '/public')).allowed).toBe(true);
  });
});

describe('when notValues on a key the request does not carry', () => {
  // istio/istio pilot/pkg/security/authz/model/model.go: notValues is principalNot(principalOr(matchers)); an absent claim or
  // header makes each matcher false, so the condition holds.
  test('a DENY on a missing claim or header applies: the request is refused', () => {
    const deny = (key: string) => onB({ action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin/*'] } }], when: [{ key, notValues: ['admins'] }] }] });
    for (const key of ['request.auth.claims[groups]', 'request.headers[x-tenant]']) {
      expect(evaluateFlow([...base, deny(key)], call('a', 'shop', 'b', 80, 'GET', '/admin/x')))
        .toMatchObject({ allowed: false, decidedBy: { layer: 'AuthorizationPolicy', name: 'b-policy' } });
    }
    // The header the DENY excepts lets the request through (the control).
    expect(evaluateFlow([...base, deny('request.headers[x-tenant]')], { ...call('a', 'shop', 'b', 80, 'GET', '/admin/x'), headers: { 'x-tenant': 'admins' } }))
      .toMatchObject({ allowed: true });
  });

  test('an ALLOW whose only condition is notValues on a missing header admits the request; values on it does not', () => {
    const allow = (cond: object) => onB({ rules: [{ when: [{ key: 'request.headers[x-tenant]', ...cond }] }] });
    expect(evaluateFlow([...base, allow({ notValues: ['blocked'] })], call('a', 'shop', 'b'))).toMatchObject({ allowed: true });
    expect(evaluateFlow([...base, allow({ values: ['acme'] })], call('a', 'shop', 'b'))).toMatchObject({ allowed: false });
  });
});
