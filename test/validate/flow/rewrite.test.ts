// A VirtualService rule's rewrite changes the path the destination's AuthorizationPolicy reads: istiod writes `rewrite.uri`
// as Envoy's prefix_rewrite ("the matched prefix (or path) should be swapped with this value") and `uriRegexRewrite` as
// regex_rewrite (https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRewrite).
import { evaluateFlow } from '../../../src/validate';
import { rewrittenPath } from '../../../src/validate/flow/routing';
import { app, authorizationPolicy, call, virtualService } from './fixtures';

const A = 'cluster.local/ns/shop/sa/a';
const allowA = (paths: string[]) => authorizationPolicy('b-policy', 'shop', {
  selector: { matchLabels: { app: 'b' } }, rules: [{ from: [{ source: { principals: [A] } }], to: [{ operation: { paths } }] }],
});
const rewriting = virtualService('b', 'shop', {
  hosts: ['b'], http: [{ match: [{ uri: { prefix: '/reports/' } }], rewrite: { uri: '/v2/reports/' }, route: [{ destination: { host: 'b' } }] },
    { route: [{ destination: { host: 'b' } }] }],
});
const base = [...app('a', 'shop'), ...app('b', 'shop'), rewriting];

describe('a rewrite in the route', () => {
  test.each([
    [{ uri: '/v2/' }, { prefix: '/api/' }, '/api/orders/1', '/v2/orders/1'],
    [{ uri: '/' }, { prefix: '/api/cart/' }, '/api/cart/items', '/items'],
    [{ uri: '/new' }, { exact: '/old' }, '/old', '/new'],
    [{ uri: '/app/' }, undefined, '/x', '/app/x'],
    [{ uri: '/x' }, { regex: '/a.*' }, '/abc', '/abc'],
    [{ uriRegexRewrite: { match: '^/service/([^/]+)(/.*)$', rewrite: '\\2/instance/\\1' } }, { prefix: '/service/' }, '/service/foo/v1/api', '/v1/api/instance/foo'],
  ])('%j after %j: %s becomes %s', (rewrite, uri, path, expected) => {
    expect(rewrittenPath(rewrite, uri, path)).toBe(expected);
  });

  test("the destination's AuthorizationPolicy reads the rewritten path: a rule on the path the client sent no longer admits it", () => {
    const sent = call('a', 'shop', 'b', 80, 'GET', '/reports/daily');
    const toNew = evaluateFlow([...base, allowA(['/v2/reports/*'])], sent);
    expect(toNew.allowed).toBe(true);
    expect(toNew.hops).toContain('path rewritten: /reports/daily → /v2/reports/daily');
    const toOld = evaluateFlow([...base, allowA(['/reports/*'])], sent);
    expect(toOld.allowed).toBe(false);
    expect(toOld.decidedBy?.kind).toBe('AuthorizationPolicy');
    // a request no rewriting rule takes keeps its path
    expect(evaluateFlow([...base, allowA(['/other'])], call('a', 'shop', 'b', 80, 'GET', '/other')).allowed).toBe(true);
  });
});
