import { MeshAuthorizationPolicy, MeshChart, MeshService, MtlsMode, Principal, ServiceSecurity } from '../../../src';
import { authorizationPathProblem } from '../../../src/graph/security/authorization-rule';
import { find, meshChart, synth, synthError } from '../../util';
import { AuthorizationAction } from '../../../src';

describe('MeshAuthorizationPolicy', () => {
  test('a DENY rule for one service (snapshot and fields)', () => {
    const { app, chart } = meshChart();
    const order = new MeshService(chart, 'order-service', { image: 'x' });
    new MeshAuthorizationPolicy(chart, 'deny-admin', {
      action: AuthorizationAction.deny(), service: order,
      rules: [{ from: [{ services: [order] }], to: [{ paths: ['/admin/{**}'], methods: ['DELETE'], ports: [8080] }] }],
    });
    const ap = find(synth(app), 'AuthorizationPolicy', 'deny-admin');
    expect(ap).toMatchSnapshot();
    expect(ap.spec).toEqual({
      selector: { matchLabels: { app: 'order-service' } },
      action: 'DENY',
      rules: [{ from: [{ source: { principals: ['cluster.local/ns/production/sa/order-service'] } }], to: [{ operation: { methods: ['DELETE'], paths: ['/admin/{**}'], ports: ['8080'] } }] }],
    });
  });

  test('a DENY rule for every namespace but the declared callers\' (notNamespaces): rendered, and a declared call from elsewhere is refused at synth', () => {
    // Istio's "DENY with negative match": a caller outside the listed namespaces, or without an identity at all, is denied
    // (https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source notNamespaces).
    const build = (allowed: string[]) => {
      const { app, chart } = meshChart();
      const order = new MeshService(chart, 'order-service', { image: 'registry.example.com/order:1.0.0' });
      const partner = new MeshChart(app, 'partner', { namespace: 'partner' });
      new MeshService(partner, 'partner-api', { image: 'registry.example.com/partner-api:1.0.0' }).calls(order, { methods: ['GET'] });
      new MeshAuthorizationPolicy(chart, 'deny-other-namespaces', {
        action: AuthorizationAction.deny(), service: order, rules: [{ from: [{ notNamespaces: allowed }] }],
      });
      return app;
    };
    expect(find(synth(build(['production', 'partner'])), 'AuthorizationPolicy', 'deny-other-namespaces').spec.rules)
      .toEqual([{ from: [{ source: { notNamespaces: ['production', 'partner'] } }] }]);
    expect(synthError(build(['production']))).toMatch(/partner-api.*order-service.*refused by AuthorizationPolicy production\/deny-other-namespaces.*\[MESH600\]/);
  });

  test('CUSTOM with a provider', () => {
    const { app, chart } = meshChart();
    const policy = new MeshAuthorizationPolicy(chart, 'ext-authz', { action: AuthorizationAction.custom('opa'), rules: [{ to: [{ paths: ['/api/*'] }] }] });
    expect(policy.action.name).toBe('CUSTOM');
    expect(find(synth(app), 'AuthorizationPolicy', 'ext-authz').spec).toEqual({ action: 'CUSTOM', provider: { name: 'opa' }, rules: [{ to: [{ operation: { paths: ['/api/*'] } }] }] });
  });

  test.each([['DENY', AuthorizationAction.deny()], ['CUSTOM', AuthorizationAction.custom('opa')]])('%s without rules fails synth', (action, value) => {
    const { app, chart } = meshChart();
    new MeshAuthorizationPolicy(chart, 'empty', { action: value });
    expect(synthError(app)).toMatch(new RegExp(`\\[test/empty\\] rules: a ${action} policy without rules.*\\[MESH203\\]`));
  });

  test('only CUSTOM carries a provider, and it must name one [MESH203]', () => {
    // The other actions take no provider: their factories have no parameter.
    expect([AuthorizationAction.allow(), AuthorizationAction.deny(), AuthorizationAction.audit(), AuthorizationAction.custom('opa')].map(String))
      .toEqual(['ALLOW', 'DENY', 'AUDIT', 'CUSTOM']);
    expect(() => AuthorizationAction.custom(' ')).toThrow('provider: a CUSTOM policy needs an extension provider [MESH203]');
  });

  test('an AUDIT policy and the default ALLOW one render their action and no provider', () => {
    const { app, chart } = meshChart();
    new MeshAuthorizationPolicy(chart, 'audit', { action: AuthorizationAction.audit(), rules: [{ to: [{ paths: ['/api/*'] }] }] });
    const allow = new MeshAuthorizationPolicy(chart, 'allow');
    const out = synth(app);
    expect(find(out, 'AuthorizationPolicy', 'audit').spec).toEqual({ action: 'AUDIT', rules: [{ to: [{ operation: { paths: ['/api/*'] } }] }] });
    expect(allow.action.name).toBe('ALLOW');
    expect(find(out, 'AuthorizationPolicy', 'allow').spec).toEqual({ action: 'ALLOW' });
  });

  test('unknown principals, bad methods and namespaces under PERMISSIVE fail with their fields', () => {
    const { app, chart } = meshChart({ security: { namespaceMtls: MtlsMode.permissive() } });
    new MeshAuthorizationPolicy(chart, 'p', {
      action: AuthorizationAction.deny(),
      rules: [{ from: [{ principals: [Principal.serviceAccount('staging', 'order-service')] }, { namespaces: ['dev'] }], to: [{ methods: ['GRAB' as any] }] }],
    });
    const err = synthError(app);
    expect(err).toMatch(/\[test\/p\] rules\[0\]\.from\[0\]\.principals\[0\]: 'cluster.local\/ns\/staging\/sa\/order-service' names no ServiceAccount.*\[MESH200\]/);
    expect(err).toMatch(/\[test\/p\] rules\[0\]\.from\[1\]: .*namespace production accepts PERMISSIVE.*\[MESH206\]/);
    expect(err).toMatch(/\[test\/p\] rules\[0\]\.to\[0\]\.operation\.methods\[0\]: 'GRAB' is not an HTTP method \[MESH201\]/);
  });

  test('under PERMISSIVE, principals in an ALLOW rule pass (plaintext never matches them); in CUSTOM and AUDIT rules they fail', () => {
    const { app, chart } = meshChart({ security: { namespaceMtls: MtlsMode.permissive() } });
    const order = new MeshService(chart, 'order-service', { image: 'x' });
    const rules = [{ from: [{ principals: [order.principal] }] }];
    new MeshAuthorizationPolicy(chart, 'allow', { rules });
    expect(() => synth(app)).not.toThrow();
    new MeshAuthorizationPolicy(chart, 'ext', { action: AuthorizationAction.custom('opa'), rules });
    new MeshAuthorizationPolicy(chart, 'audit', { action: AuthorizationAction.audit(), rules: [{ from: [{ notPrincipals: ['*'] }] }, ...rules] });
    const err = synthError(app);
    expect(err).toMatch(/\[test\/ext\] rules\[0\]\.from\[0\]: namespace production accepts PERMISSIVE; .*escapes this CUSTOM rule \[MESH206\]/);
    expect(err).toMatch(/\[test\/audit\] rules\[1\]\.from\[0\]: .*escapes this AUDIT rule \[MESH206\]/);
    expect(err).not.toMatch(/\[test\/audit\] rules\[0\]|\[test\/allow\]/);
  });

  test('a principal of a service in another chart of the app is known', () => {
    const { app, chart } = meshChart();
    const other = new MeshChart(app, 'other', { namespace: 'staging' });
    new MeshService(other, 'order-service', { image: 'x' });
    const pay = new MeshService(chart, 'payment-service', { image: 'x' });
    ServiceSecurity.of(pay).allow({ from: [{ principals: [Principal.serviceAccount('staging', 'order-service')] }] });
    expect(() => synth(app)).not.toThrow();
  });
});

describe('authorization paths', () => {
  test.each([
    ['/api/payments/*', undefined], ['*', undefined], ['*.css', undefined], ['/exact', undefined],
    ['/a/{*}/b/{**}', undefined], ['/a/{**}/b', /last segment/], ['/a/{id}', /only whole segments/], ['/a/x{*}', /only whole segments/],
    ['/a/*/b', /in the middle/], ['/a/{*}/*', /mixes/], ['relative', /must start/], ['**', /in the middle/],
  ])('%s', (path, problem) => {
    const p = authorizationPathProblem(path);
    if (problem) expect(p).toMatch(problem);
    else expect(p).toBeUndefined();
  });
});
