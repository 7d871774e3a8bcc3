import { Duration } from 'cdk8s';
import { analyze } from '../../src/validate/analysis';
import { FlaggerCanary, FlaggerMetric, IngressGateway, MeshChart, MeshService, Retries } from '../../src';
import { find, meshChart, synth } from '../util';
import { app, authorizationPolicy, M } from './fixtures';

/** `api` calls `orders` with `methods`; each route's timeout and retries as given. */
function chain(outer: M, inner: M, methods: string[] = ['POST']): M[] {
  const [, , , , apiVs] = app('api');
  const [, , , , ordersVs] = app('orders');
  const withRule = (vs: M, extra: M) => ({ ...vs, spec: { ...vs.spec, http: [{ ...vs.spec.http[0], ...extra }] } });
  const allow = authorizationPolicy('orders', {
    selector: { matchLabels: { app: 'orders' } },
    rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/api'] } }], to: [{ operation: { methods } }] }],
  });
  return [...app('api').slice(0, 4), withRule(apiVs, outer), ...app('orders').slice(0, 4), withRule(ordersVs, inner), allow];
}

const found = (manifests: M[]) => analyze(manifests)
  .filter((f) => ['MESH660', 'MESH661', 'MESH662'].includes(f.code))
  .map((f) => `${f.code} ${f.resource.name} ${f.field} -> ${f.related?.name ?? ''}`);

describe('retry chains across two hops', () => {
  // seed 000 before the fix: the edge retried 3 × 2s on 5xx in front of order's 15s.
  const edge = { timeout: '5s', retries: { attempts: 3, perTryTimeout: '2s', retryOn: '5xx,reset,connect-failure' } };
  const order = { timeout: '15s', retries: { attempts: 3, perTryTimeout: '5s', retryOn: 'reset-before-request,connect-failure' } };

  test('MESH660 and MESH661 (warnings): an edge that gives up and retries a POST before order answers, naming both routes', () => {
    const findings = analyze(chain(edge, order)).filter((f) => f.code === 'MESH660' || f.code === 'MESH661');
    expect(findings.map((f) => [f.code, f.resource.name, f.field, f.related?.name, f.severity])).toEqual([
      ['MESH660', 'api', 'spec.http[0].retries.perTryTimeout', 'orders', 'warning'],
      ['MESH661', 'api', 'spec.http[0].retries', 'orders', 'warning'],
    ]);
    expect(findings[0].message).toMatch(/gives up after 2000ms .* may take 15000ms.*5xx retries it/);
    expect(findings[1].message).toMatch(/POST from api to orders: .* up to 16 times/);
  });

  test('MESH660: the shortest of timeout and per-try timeout decides; equal is fine (boundary)', () => {
    const noRetry = (timeout: string) => ({ timeout, retries: { attempts: 0 } });
    expect(found(chain(noRetry('14999ms'), order))).toEqual(['MESH660 api spec.http[0].timeout -> orders']);
    expect(found(chain(noRetry('15s'), order))).toEqual([]);
    expect(found(chain({ timeout: '20s', retries: { attempts: 1, perTryTimeout: '15s', retryOn: 'connect-failure' } }, order))).toEqual([]);
    expect(found(chain({ timeout: '20s', retries: { attempts: 1, perTryTimeout: '10s', retryOn: 'connect-failure' } }, order)))
      .toEqual(['MESH660 api spec.http[0].retries.perTryTimeout -> orders']);
    // An inner route without a timeout waits as long as it takes: nothing to compare.
    expect(found(chain(noRetry('1s'), { retries: { attempts: 0 } }))).toEqual([]);
  });

  test('MESH661: only when the call is non-idempotent and the outer hop may resend', () => {
    const outer = { timeout: '30s', retries: { attempts: 2, perTryTimeout: '30s', retryOn: '5xx' } };
    const inner = { timeout: '15s', retries: { attempts: 1, perTryTimeout: '15s', retryOn: 'connect-failure' } };
    expect(found(chain(outer, inner))).toEqual(['MESH661 api spec.http[0].retries -> orders']);
    expect(found(chain(outer, inner, ['PATCH']))).toEqual(['MESH661 api spec.http[0].retries -> orders']);
    expect(found(chain(outer, inner, ['GET', 'PUT']))).toEqual([]);
    // An outer retry only when nothing reached the caller cannot call orders twice.
    expect(found(chain({ ...outer, retries: { ...outer.retries, retryOn: 'reset-before-request,connect-failure' } }, inner))).toEqual([]);
    // A single hop of retries is not stacked.
    expect(found(chain(outer, { timeout: '15s', retries: { attempts: 0 } }))).toEqual([]);
  });

  test("MESH661 counts Istio's default retries (2 attempts) for a route without `retries`", () => {
    const outer = { timeout: '30s', retries: { attempts: 1, perTryTimeout: '30s', retryOn: 'gateway-error' } };
    expect(found(chain(outer, { timeout: '15s' }))).toEqual(['MESH661 api spec.http[0].retries -> orders']);
  });

  test('MESH662 (warning): `reset` on a route serving POST; reset-before-request is the safe form', () => {
    const inner = (retryOn: string) => ({ timeout: '15s', retries: { attempts: 1, perTryTimeout: '15s', retryOn } });
    const outer = { timeout: '15s', retries: { attempts: 0 } };
    expect(found(chain(outer, inner('reset,connect-failure')))).toEqual(['MESH662 orders spec.http[0].retries.retryOn -> ']);
    expect(found(chain(outer, inner('reset-before-request,connect-failure')))).toEqual([]);
    expect(found(chain(outer, inner('reset,connect-failure'), ['GET']))).toEqual([]);
  });
});

describe('methods follow the routes in their first-match order (a writes route ahead of the default one)', () => {
  const WRITES = { name: 'writes', match: [{ method: { exact: 'POST' } }, { method: { exact: 'PATCH' } }] };
  /** `vs` with its first rule turned into `rules` (each over the first rule's route). */
  const withRules = (vs: M, rules: M[]): M => ({ ...vs, spec: { ...vs.spec, http: rules.map((r) => ({ ...vs.spec.http[0], ...r })) } });
  const inner = { timeout: '15s', retries: { attempts: 1, perTryTimeout: '15s', retryOn: 'connect-failure' } };

  test('MESH661: the outer writes route never resends, and the read route behind it carries no POST', () => {
    const manifests = chain({}, inner);
    const api = manifests.findIndex((m) => m.kind === 'VirtualService' && m.metadata.name === 'api');
    const reads = { timeout: '30s', retries: { attempts: 3, perTryTimeout: '10s', retryOn: '5xx,reset' } };
    const writes = { ...WRITES, timeout: '30s', retries: { attempts: 3, perTryTimeout: '30s', retryOn: 'reset-before-request,connect-failure' } };
    manifests[api] = withRules(manifests[api], [writes, reads]);
    expect(found(manifests)).toEqual([]);
    // Without the writes route, the read route's retries resend the POST (the review's 8 deliveries).
    manifests[api] = withRules(manifests[api], [reads]);
    expect(found(manifests)).toEqual(['MESH660 api spec.http[0].retries.perTryTimeout -> orders', 'MESH661 api spec.http[0].retries -> orders']);
  });

  test('MESH662 and MESH111: `reset` and 5xx on a route whose writes an earlier rule takes serve no POST', () => {
    const reads = { timeout: '15s', retries: { attempts: 2, perTryTimeout: '5s', retryOn: '5xx,reset' } };
    const writes = { ...WRITES, timeout: '15s', retries: { attempts: 2, perTryTimeout: '15s', retryOn: 'reset-before-request,connect-failure' } };
    const codes = (rules: M[]) => {
      const manifests = chain({ timeout: '15s', retries: { attempts: 0 } }, inner, ['GET', 'POST']);
      const orders = manifests.findIndex((m) => m.kind === 'VirtualService' && m.metadata.name === 'orders');
      manifests[orders] = withRules(manifests[orders], rules);
      return analyze(manifests).filter((f) => ['MESH111', 'MESH662'].includes(f.code)).map((f) => `${f.code} ${f.field}`);
    };
    expect(codes([reads])).toEqual(['MESH111 spec.http[0].retries.retryOn', 'MESH662 spec.http[0].retries.retryOn']);
    expect(codes([writes, reads])).toEqual([]);
    // A rule that also matches a path takes only some POSTs: the read route still serves the others.
    expect(codes([{ ...writes, match: [{ method: { exact: 'POST' }, uri: { prefix: '/a' } }] }, reads]))
      .toEqual(['MESH111 spec.http[1].retries.retryOn', 'MESH662 spec.http[1].retries.retryOn']);
  });

  test('MESH660: a route that carries only reads to the caller is not behind a call that is all writes', () => {
    // GIVEN api itself admits GET only: a GET, safe, makes no POST downstream
    const manifests = chain({ timeout: '1s', retries: { attempts: 0 } }, inner);
    const apiAllows = authorizationPolicy('api', {
      selector: { matchLabels: { app: 'api' } }, rules: [{ to: [{ operation: { methods: ['GET'] } }] }],
    });
    expect(found(manifests)).toEqual(['MESH660 api spec.http[0].timeout -> orders']);
    expect(found([...manifests, apiAllows])).toEqual([]);
  });

  test('MESH661: a caller its ALLOW policies admit nothing to (allow-nothing, or a policy without rules) gets no POST to resend', () => {
    const outer = { timeout: '30s', retries: { attempts: 2, perTryTimeout: '30s', retryOn: '5xx' } };
    const inner = { timeout: '15s', retries: { attempts: 1, perTryTimeout: '15s', retryOn: 'connect-failure' } };
    const manifests = chain(outer, inner);
    // No ALLOW policy selects api: any method may reach it.
    expect(found(manifests)).toEqual(['MESH661 api spec.http[0].retries -> orders']);
    // A policy that selects api and grants nothing: no request reaches api at all.
    expect(found([...manifests, authorizationPolicy('api', { selector: { matchLabels: { app: 'api' } }, rules: [] })])).toEqual([]);
    // The namespace's allow-nothing policy selects every workload of it: api, which no rule admits anything to, gets nothing.
    expect(found([...manifests, authorizationPolicy('allow-nothing', {})])).toEqual([]);
  });
});

describe('a mesh route carries the sidecars\' requests only; the gateway sends through its own route', () => {
  // https://istio.io/latest/docs/reference/config/networking/virtual-service/#VirtualService (gateways: `mesh` is the sidecars)
  const warnings = (build: (chart: MeshChart, web: MeshService, api: MeshService) => void) => {
    const { app, chart } = meshChart();
    const web = new MeshService(chart, 'web', { image: 'web:1' });
    const api = new MeshService(chart, 'api', { image: 'api:1' });
    web.calls(api, { methods: ['GET', 'POST'], paths: ['/api/*'] });
    build(chart, web, api);
    return analyze(synth(app))
      .filter((f) => ['MESH111', 'MESH660', 'MESH661', 'MESH662'].includes(f.code))
      .map((f) => `${f.code} ${f.resource.kind}/${f.resource.name}`);
  };

  test("a front end only the ingress gateway calls: its mesh route's default retries are behind no caller (no MESH660-662)", () => {
    // GIVEN web reached through IngressGateway.route alone, calling api with POST
    // THEN web's own VirtualService (bound to the mesh) is on no request's path, and the gateway's route never resends
    expect(warnings((chart, web) => new IngressGateway(chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls' }).route(web)))
      .toEqual([]);
  });

  test('the same front end called by a sidecar client too: its mesh route is on the path again (MESH660)', () => {
    // GIVEN a mesh client that POSTs to web as well
    const found = warnings((chart, web) => {
      new IngressGateway(chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls' }).route(web);
      new MeshService(chart, 'bff', { image: 'bff:1' }).calls(web, { methods: ['POST'] });
    });
    // THEN web's mesh route (its writes now retried only on what never reached it) gives up before api's route may answer
    expect(found).toEqual(['MESH660 VirtualService/web']);
  });
});

test('one finding per outer rule, inner route and message: an inner route of two rules with one timeout is reported once', () => {
  // GIVEN orders' route split into a header rule and a default rule, both 15s, behind api's 2s tries
  const manifests = chain({ timeout: '5s', retries: { attempts: 3, perTryTimeout: '2s', retryOn: 'connect-failure' } }, { timeout: '15s' }, ['GET']);
  const ordersVs = manifests.find((m) => m.kind === 'VirtualService' && m.metadata.name === 'orders')!;
  ordersVs.spec.http = [{ ...ordersVs.spec.http[0], match: [{ headers: { 'x-beta': { exact: '1' } } }] }, ordersVs.spec.http[0]];
  // THEN api's rule is reported once
  expect(found(manifests)).toEqual(['MESH660 api spec.http[0].retries.perTryTimeout -> orders']);
});

describe('a route without a timeout', () => {
  const noRetry = (timeout?: string) => ({ ...(timeout ? { timeout } : {}), retries: { attempts: 0 } });

  test('is unbounded at either hop: no limit outside, nothing to wait for inside (Istio writes Envoy\'s route timeout 0, disabled)', () => {
    // a stream's route (no timeout) called by a route of 1s, and calling one of 15s
    expect(found(chain(noRetry('1s'), noRetry()))).toEqual([]);
    expect(found(chain(noRetry(), noRetry('15s')))).toEqual([]);
    expect(found(chain({ timeout: null, retries: { attempts: 0 } }, { timeout: null }))).toEqual([]);
    // its per-try timeout still bounds the wait for the response headers (Envoy: the per-try timeout applies until the response starts)
    expect(found(chain({ retries: { attempts: 1, perTryTimeout: '2s', retryOn: 'connect-failure' } }, noRetry('15s'))))
      .toEqual(['MESH660 api spec.http[0].retries.perTryTimeout -> orders']);
  });

  test("a delegate's rule without a timeout takes its root rule's, as istiod merges them (mergeHTTPRoute): it is not unbounded", () => {
    // GIVEN orders' VirtualService delegates its rule, with a 15s timeout, to orders-routes, whose rule sets none
    const manifests = chain(noRetry('1s'), {}, ['GET']);
    const ordersVs = manifests.find((m) => m.kind === 'VirtualService' && m.metadata.name === 'orders')!;
    const { route } = ordersVs.spec.http[0];
    ordersVs.spec.http = [{ timeout: '15s', retries: { attempts: 0 }, delegate: { name: 'orders-routes' } }];
    const delegate = { ...ordersVs, metadata: { ...ordersVs.metadata, name: 'orders-routes' }, spec: { http: [{ route }] } };
    // THEN api's 1s gives up before the 15s orders' merged rule may take
    expect(found([...manifests, delegate])).toEqual(['MESH660 api spec.http[0].timeout -> orders']);
    // AND a root rule without a timeout leaves the merged rule unbounded
    ordersVs.spec.http = [{ retries: { attempts: 0 }, delegate: { name: 'orders-routes' } }];
    expect(found([...manifests, delegate])).toEqual([]);
  });
});

describe("a platform caller's calls count on the host it dials: Flagger's load tester on <service>-canary", () => {
  /**
   * transcode, a gRPC service Flagger releases with a load test, retrying on reset with tries of 5s, calls store (20s); `caller`:
   * api also POSTs to transcode through its route.
   */
  function media(caller: boolean) {
    const { app, chart } = meshChart({ namespace: 'media' });
    const transcode = new MeshService(chart, 'transcode', {
      image: 'transcode:1', ports: [{ port: 9090, protocol: 'grpc' }], timeout: Duration.seconds(10),
      retries: Retries.of({ attempts: 2, perTryTimeout: Duration.seconds(5), retryOn: ['reset', 'connect-failure'] }),
    });
    const store = new MeshService(chart, 'store', { image: 'store:1', ports: [{ port: 8080 }], timeout: Duration.seconds(20) });
    transcode.calls(store, { methods: ['GET'] });
    if (caller) {
      new MeshService(chart, 'api', { image: 'api:1', ports: [{ port: 8080 }], timeout: Duration.seconds(30) })
        .calls(transcode, { methods: ['POST'], paths: ['/media.v1.Transcode/Start'] });
    }
    new FlaggerCanary(chart, 'transcode-flagger', {
      service: transcode, interval: Duration.minutes(1), threshold: 5, stepWeight: 10,
      metrics: [FlaggerMetric.requestDuration(Duration.millis(500), Duration.minutes(1))],
      loadTest: { rate: 10, duration: Duration.minutes(1) },
    });
    return synth(app);
  }

  test("the load tester's POST to transcode-canary takes no route of Flagger's VirtualService (hosts: transcode): no MESH660 or MESH662", () => {
    const m = media(false);
    // GIVEN the load tester admitted to POST the health Check, dialling transcode-canary
    expect(find(m, 'Canary', 'transcode').spec.analysis.webhooks[0].metadata.cmd).toContain(' transcode-canary.media:9090');
    expect(find(m, 'AuthorizationPolicy', 'transcode-policy').spec.rules).toContainEqual({
      from: [{ source: { principals: ['cluster.local/ns/test/sa/default'] } }],
      to: [{ operation: { methods: ['POST'], paths: ['/grpc.health.v1.Health/Check'], ports: ['9090'] } }],
    });
    // THEN Flagger's route to transcode serves no POST (MESH662) and carries none to transcode's call to store (MESH660)
    expect(found(m)).toEqual([]);
  });

  test('a mesh caller POSTing through the route still makes both warnings', () => {
    expect(found(media(true))).toEqual([
      'MESH660 transcode spec.service.retries.perTryTimeout -> store', 'MESH662 transcode spec.service.retries.retryOn -> ',
    ]);
  });

  test("a load test dialling the apex host takes Flagger's route: its POST counts there; so does a command not read whole", () => {
    const m = media(false);
    const canary = find(m, 'Canary', 'transcode');
    const hook = canary.spec.analysis.webhooks[0];
    const withHooks = (...hooks: M[]) => m.map((x) => (x === canary
      ? { ...x, spec: { ...x.spec, analysis: { ...x.spec.analysis, webhooks: hooks } } } : x));
    const both = ['MESH660 transcode spec.service.retries.perTryTimeout -> store', 'MESH662 transcode spec.service.retries.retryOn -> '];
    // GIVEN the same ghz command against transcode, the host whose VirtualService Flagger writes: both warnings
    const apex = { ...hook, metadata: { type: 'cmd', cmd: hook.metadata.cmd.replace('transcode-canary.media:9090', 'transcode.media:9090') } };
    expect(found(withHooks(apex))).toEqual(both);
    // AND a load tester that also runs a command whose target is not read may call anything: its grants count on every host
    const curl = { ...hook, name: 'smoke', type: 'pre-rollout', metadata: { type: 'cmd', cmd: 'curl -sd {} http://transcode.media:9090/' } };
    expect(found(withHooks(hook, curl))).toEqual(both);
    // AND both to the canary host alone leave the route out again
    expect(found(withHooks(hook, { ...hook, name: 'second' }))).toEqual([]);
  });
});
