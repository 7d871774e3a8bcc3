// VirtualService delegation (https://istio.io/latest/docs/reference/config/networking/virtual-service/#Delegate): istiod
// replaces a root rule with `delegate` by the delegate's rules merged with it, istio/istio 1.24.6
// pilot/pkg/model/virtualservice.go (mergeVirtualServicesIfNeeded, mergeHTTPRoute, mergeHTTPMatchRequests, hasConflict,
// stringMatchConflict); the cases of the merge functions below are those of virtualservice_test.go (TestMergeHTTPMatchRequests,
// TestHasConflict).
import { Codes } from '../../../src';
import { checkIntendedFlows, evaluateFlow, Manifest } from '../../../src/validate';
import { matchesConflict, mergeHttpRule, mergeMatches, stringMatchConflict } from '../../../src/validate/model/delegates';
import { app, call, gateway, INGRESS, virtualService } from './fixtures';

const opts = { platform: [INGRESS] };
const http8080 = { number: 8080, name: 'http', protocol: 'HTTP' };
const external = (path: string) => ({ source: { external: true as const }, host: 'shop.example.com', port: 8080, method: 'GET' as const, path });
const reached = (v: { reached?: readonly { namespace: string; workload: string }[] }) => (v.reached ?? []).map((r) => `${r.namespace}/${r.workload}`);

/** The probe's gateway-bound root: /billing delegated to billing/ledger-routes, everything else to web. */
function gatewayRoot(delegate: Manifest = { http: [{ match: [{ uri: { prefix: '/billing/v1' } }], route: [{ destination: { host: 'ledger' } }] }] }) {
  return [
    ...app('web', 'shop'), ...app('ledger', 'billing'),
    gateway('public', 'shop', { selector: { istio: 'ingressgateway' }, servers: [{ port: http8080, hosts: ['shop.example.com'] }] }),
    virtualService('root', 'shop', {
      hosts: ['shop.example.com'], gateways: ['shop/public'],
      http: [
        { match: [{ uri: { prefix: '/billing' } }], delegate: { name: 'ledger-routes', namespace: 'billing' } },
        { route: [{ destination: { host: 'web.shop.svc.cluster.local', port: { number: 80 } } }] },
      ],
    }),
    virtualService('ledger-routes', 'billing', delegate),
  ];
}

describe('a gateway-bound root VirtualService delegating a prefix', () => {
  test("a request a delegate rule matches takes the delegate's destination, its short name resolved in the delegate's namespace", () => {
    // Before: REFUSED "VirtualService shop/root has no route" (the delegating rule was read as a rule without a route).
    const v = evaluateFlow(gatewayRoot(), external('/billing/v1/x'), opts);
    expect(v.allowed).toBe(true);
    expect(reached(v)).toEqual(['billing/ledger']);
    expect(v.hops).toContain('VirtualService shop/root http[0] delegates to billing/ledger-routes http[0]');
    expect(v.hops.join(' | ')).toContain('ledger.billing:80 → billing/ledger:8080');
  });

  test("a request under the root's prefix that no delegate rule matches goes on to the root's next rule", () => {
    const v = evaluateFlow(gatewayRoot(), external('/billing/v2/x'), opts);
    expect(v.allowed).toBe(true);
    expect(reached(v)).toEqual(['shop/web']);
  });

  test('with no rule after the delegating one, such a request is answered 404', () => {
    const objs = gatewayRoot().map((m) => (m.metadata.name === 'root' ? { ...m, spec: { ...m.spec, http: [m.spec.http[0]] } } : m));
    expect(evaluateFlow(objs, external('/billing/v2/x'), opts)).toMatchObject({
      allowed: false, decidedBy: { layer: 'routing', kind: 'VirtualService', namespace: 'shop', name: 'root' },
      reason: expect.stringMatching(/no http rule of VirtualService shop\/root matches GET \/billing\/v2\/x \(404 NR\)/),
    });
  });

  test("a delegate rule whose match the root's excludes is dropped: the delegate's /other never routes, even under /billing", () => {
    const objs = gatewayRoot({ http: [{ match: [{ uri: { prefix: '/other' } }], route: [{ destination: { host: 'ledger' } }] }] });
    expect(reached(evaluateFlow(objs, external('/other/x'), opts))).toEqual(['shop/web']);
    expect(reached(evaluateFlow(objs, external('/billing/x'), opts))).toEqual(['shop/web']);
  });

  test("a delegate rule without a match takes the root rule's", () => {
    const objs = gatewayRoot({ http: [{ route: [{ destination: { host: 'ledger' } }] }] });
    expect(reached(evaluateFlow(objs, external('/billing/anything'), opts))).toEqual(['billing/ledger']);
    expect(reached(evaluateFlow(objs, external('/shop'), opts))).toEqual(['shop/web']);
  });

  test("a delegate not exported to the root's namespace, or with hosts, is no delegate: its rule is dropped", () => {
    const rule = { match: [{ uri: { prefix: '/billing/v1' } }], route: [{ destination: { host: 'ledger' } }] };
    for (const spec of [{ exportTo: ['.'], http: [rule] }, { exportTo: ['billing'], http: [rule] }, { hosts: ['ledger'], http: [rule] }]) {
      expect(reached(evaluateFlow(gatewayRoot(spec), external('/billing/v1/x'), opts))).toEqual(['shop/web']);
    }
    for (const spec of [{ exportTo: ['shop'], http: [rule] }, { exportTo: ['*'], http: [rule] }]) {
      expect(reached(evaluateFlow(gatewayRoot(spec), external('/billing/v1/x'), opts))).toEqual(['billing/ledger']);
    }
  });

  test("the root rule's settings fill those the delegate rule leaves unset: an abort fault on the root refuses the delegate's route", () => {
    const objs = gatewayRoot().map((m) => (m.metadata.name === 'root'
      ? { ...m, spec: { ...m.spec, http: [{ ...m.spec.http[0], fault: { abort: { httpStatus: 503 } } }, m.spec.http[1]] } } : m));
    expect(evaluateFlow(objs, external('/billing/v1/x'), opts)).toMatchObject({
      allowed: false, decidedBy: { layer: 'routing', kind: 'VirtualService', namespace: 'billing', name: 'ledger-routes' },
      reason: 'VirtualService billing/ledger-routes http[0] (delegated by VirtualService shop/root http[0]) aborts every request (fault 503)',
    });
  });
});

/** The probe's mesh root for ledger.billing: /api delegated to billing/ledger-api (the root's namespace), which routes /api/v1 to `host`. */
function meshRoot(host: string) {
  return [
    ...app('client', 'shop'), ...app('web', 'shop'), ...app('ledger', 'billing'),
    virtualService('ledger-root', 'billing', { hosts: ['ledger.billing.svc.cluster.local'], http: [{ match: [{ uri: { prefix: '/api' } }], delegate: { name: 'ledger-api' } }] }),
    virtualService('ledger-api', 'billing', { http: [{ match: [{ uri: { prefix: '/api/v1' } }], route: [{ destination: { host, port: { number: 80 } } }] }] }),
  ];
}

describe('a mesh root VirtualService delegating to a VirtualService of its own namespace', () => {
  test("a pod's request reaches the delegate's destination, another Service's pods", () => {
    // Before: ALLOWED → billing/ledger (the delegating rule was read as no route, so the host itself).
    const v = evaluateFlow(meshRoot('web.shop.svc.cluster.local'), call('client', 'shop', 'ledger.billing', 80, 'GET', '/api/v1/x'));
    expect(v.allowed).toBe(true);
    expect(reached(v)).toEqual(['shop/web']);
    expect(v.hops).toContain('VirtualService billing/ledger-root http[0] delegates to billing/ledger-api http[0]');
  });

  test('a request no delegate rule matches is answered 404', () => {
    expect(evaluateFlow(meshRoot('ledger'), call('client', 'shop', 'ledger.billing', 80, 'GET', '/api/v2/x'))).toMatchObject({
      allowed: false, decidedBy: { layer: 'routing', kind: 'VirtualService', namespace: 'billing', name: 'ledger-root' },
      reason: expect.stringMatching(/\(404 NR\)$/),
    });
  });

  test('a declared call whose route the delegate sends to another Service fails as misrouted (MESH607)', () => {
    const flow = {
      ...call('client', 'shop', 'ledger.billing', 80, 'GET', '/api/v1/x'), expect: 'allow' as const, constructPath: 'shop/client',
      description: 'client calls ledger', reaches: { namespace: 'billing', service: 'ledger' },
    };
    expect(checkIntendedFlows(meshRoot('ledger'), [flow])).toEqual([]);
    const findings = checkIntendedFlows(meshRoot('web.shop.svc.cluster.local'), [flow]);
    expect(findings.map((f) => f.code)).toEqual([Codes.INTENDED_FLOW_MISROUTED]);
    expect(findings[0].message).toMatch(/reaches shop\/web, which Service billing\/ledger does not select .*delegates to billing\/ledger-api http\[0\]/);
  });

  test("a root match's conditions hold for the delegate's rules: a header the root requires", () => {
    const objs = meshRoot('web.shop.svc.cluster.local').map((m) => (m.metadata.name === 'ledger-root'
      ? { ...m, spec: { ...m.spec, http: [{ ...m.spec.http[0], match: [{ uri: { prefix: '/api' }, headers: { 'x-team': { exact: 'a' } } }] }] } } : m));
    const request = call('client', 'shop', 'ledger.billing', 80, 'GET', '/api/v1/x');
    expect(evaluateFlow(objs, request).allowed).toBe(false);
    expect(reached(evaluateFlow(objs, { ...request, headers: { 'x-team': 'a' } }))).toEqual(['shop/web']);
  });
});

describe("istiod's merge of matches (virtualservice_test.go)", () => {
  const uri = (k: 'exact' | 'prefix' | 'regex', v: string) => ({ uri: { [k]: v } });

  test('mergeMatches', () => {
    expect(mergeMatches([uri('prefix', '/productpage')], [uri('exact', '/productpage/v1')])).toEqual([uri('exact', '/productpage/v1')]);
    expect(mergeMatches([uri('regex', '^/productpage')], [{}])).toEqual([uri('regex', '^/productpage')]);
    expect(mergeMatches([uri('regex', '^/productpage')], [uri('prefix', '/productpage')])).toBeUndefined();
    expect(mergeMatches([uri('prefix', '/productpage'), uri('prefix', '/reviews')], [uri('exact', '/productpage/v1'), uri('exact', '/reviews/v1')]))
      .toEqual([uri('exact', '/productpage/v1'), uri('exact', '/reviews/v1')]);
    expect(mergeMatches([uri('prefix', '/productpage')], [uri('exact', '/reviews')])).toBeUndefined();
    expect(mergeMatches([], [uri('exact', '/a')])).toEqual([uri('exact', '/a')]);
    expect(mergeMatches([uri('exact', '/a')], [])).toEqual([uri('exact', '/a')]);
    // The root's conditions complete the delegate's; maps merge, the delegate's value winning.
    expect(mergeMatches([{ ...uri('prefix', '/a'), headers: { h: { exact: '1' } }, port: 80 }], [{ headers: { g: { exact: '2' } } }]))
      .toEqual([{ ...uri('prefix', '/a'), headers: { h: { exact: '1' }, g: { exact: '2' } }, port: 80 }]);
  });

  test('matchesConflict and stringMatchConflict', () => {
    expect(matchesConflict(uri('regex', '^/a'), uri('regex', '^/a'))).toBe(true);
    expect(matchesConflict(uri('regex', '^/a'), {})).toBe(false);
    expect(matchesConflict({}, uri('regex', '^/a'))).toBe(false);
    expect(matchesConflict(uri('exact', '/a'), uri('regex', '^/a'))).toBe(true);
    expect(matchesConflict(uri('prefix', '/a'), uri('prefix', '/a/b'))).toBe(false);
    expect(matchesConflict(uri('prefix', '/a/b'), uri('prefix', '/a'))).toBe(true);
    expect(matchesConflict(uri('exact', '/a'), uri('exact', '/a'))).toBe(false);
    expect(matchesConflict(uri('exact', '/a'), uri('prefix', '/a'))).toBe(true);
    expect(matchesConflict({ method: { exact: 'GET' } }, { method: { exact: 'POST' } })).toBe(true);
    expect(matchesConflict({ port: 80 }, { port: 81 })).toBe(true);
    expect(matchesConflict({ sourceNamespace: 'a' }, {})).toBe(true);
    expect(matchesConflict({ sourceLabels: { app: 'a' } }, { sourceLabels: { app: 'b' } })).toBe(true);
    expect(matchesConflict({ gateways: ['ns/a', 'ns/b'] }, { gateways: ['ns/a'] })).toBe(false);
    expect(matchesConflict({ gateways: ['ns/a'] }, { gateways: ['ns/b'] })).toBe(true);
    expect(matchesConflict({ ignoreUriCase: true }, {})).toBe(true);
    expect(stringMatchConflict(undefined, { exact: '/a' })).toBe(false);
    expect(stringMatchConflict({}, { exact: '/a' })).toBe(true);
  });

  test("mergeHttpRule: the delegate's settings win, the root's fill the rest, the names join", () => {
    const root = { name: 'r', match: [uri('prefix', '/a')], timeout: '5s', retries: { attempts: 1 }, delegate: { name: 'd' } };
    const merged = mergeHttpRule(root, { name: 'd', timeout: '1s', route: [{ destination: { host: 'x' } }] });
    expect(merged).toMatchObject({ name: 'r-d', match: [uri('prefix', '/a')], timeout: '1s', retries: { attempts: 1 }, route: [{ destination: { host: 'x' } }] });
    expect(merged?.delegate).toBeUndefined();
    expect(mergeHttpRule(root, { match: [uri('prefix', '/b')] })).toBeUndefined();
  });
});
