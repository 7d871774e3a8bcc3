import { Duration } from 'cdk8s';
import { ExportTo, MeshService, Percentage, Retries, StringMatch, Tier, Weight } from '../../../src';
import { re2Problem } from '../../../src/core/re2';
import { evaluateFlow } from '../../../src/validate';
import { find, meshChart, synth, synthError } from '../../util';

function api() {
  const { app, chart } = meshChart();
  const svc = new MeshService(chart, 'api', { image: 'img', tier: Tier.BUSINESS });
  svc.addVersion({ name: 'v2' });
  return { app, chart, svc };
}

const vs = (app: any, name = 'api') => find(synth(app), 'VirtualService', name).spec;

describe('HTTP routes', () => {
  test('every match attribute is rendered as Istio names it', () => {
    const { app, svc } = api();
    svc.addRoute({
      name: 'beta',
      match: [{
        uri: StringMatch.regex('^/v[0-9]+/items$'),
        method: 'GET',
        headers: { 'x-beta': StringMatch.exact('1') },
        queryParams: { debug: StringMatch.exact('true') },
        withoutHeaders: { 'x-legacy': StringMatch.prefix('y') },
        sourceLabels: { app: 'web' },
        sourceNamespace: 'frontend',
        port: 80,
        gateways: ['mesh'],
      }],
      destinations: [{ subset: 'v2' }],
    });
    expect(vs(app).http[0].match).toEqual([{
      uri: { regex: '^/v[0-9]+/items$' },
      method: { exact: 'GET' },
      headers: { 'x-beta': { exact: '1' } },
      queryParams: { debug: { exact: 'true' } },
      withoutHeaders: { 'x-legacy': { prefix: 'y' } },
      sourceLabels: { app: 'web' },
      sourceNamespace: 'frontend',
      port: 80,
      gateways: ['mesh'],
    }]);
  });

  test("each route has its own timeout, retries, fault and mirror; others keep the service's and tier's", () => {
    const { app, svc } = api();
    svc.addRoute({
      name: 'slow',
      match: [{ uri: StringMatch.prefix('/reports') }],
      destinations: [{ subset: 'stable' }],
      timeout: Duration.seconds(30),
      retries: Retries.of({ attempts: 1 }),
      fault: { delay: { fixedDelay: Duration.seconds(7), percentage: Percentage.of(100) } },
      mirror: { subset: 'v2', percentage: Percentage.of(10) },
    });
    svc.addRoute({ name: 'plain', match: [{ uri: StringMatch.prefix('/items') }], destinations: [{ subset: 'v2' }] });
    const http = vs(app).http;
    expect(http[0]).toEqual({
      name: 'slow',
      match: [{ uri: { prefix: '/reports' } }],
      route: [{ destination: { host: 'api', subset: 'stable' } }],
      timeout: '30s',
      // attempts from the route; perTryTimeout and retryOn stay the business tier's.
      retries: { attempts: 1, perTryTimeout: '3s', retryOn: '5xx,reset,connect-failure' },
      fault: { delay: { fixedDelay: '7s', percentage: { value: 100 } } },
      mirror: { host: 'api', subset: 'v2' },
      mirrorPercentage: { value: 10 },
    });
    expect(http[1]).toMatchObject({ name: 'plain', timeout: '10s', retries: { attempts: 3, perTryTimeout: '3s' } });
    expect(http[1].fault).toBeUndefined();
    expect(http[2]).toMatchObject({ route: [{ destination: { host: 'api', subset: 'stable' }, weight: 100 }], timeout: '10s' });
  });

  test('rewrite, redirect, directResponse, CORS and header operations', () => {
    const { app, svc } = api();
    svc.addRoute({ name: 'rewrite', match: [{ uri: StringMatch.prefix('/old') }], destinations: [{ subset: 'stable' }], rewrite: { uri: '/new', authority: 'api.internal' } });
    svc.addRoute({ name: 'regex-rewrite', match: [{ uri: StringMatch.prefix('/v1') }], destinations: [{ subset: 'stable' }], rewrite: { uriRegexRewrite: { match: '^/v1/(.*)$', rewrite: '/\\1' } } });
    svc.addRoute({ name: 'moved', match: [{ uri: StringMatch.exact('/legacy') }], redirect: { uri: '/items', redirectCode: 308 } });
    svc.addRoute({ name: 'gone', match: [{ uri: StringMatch.exact('/gone') }], directResponse: { status: 410, body: 'gone' } });
    svc.addRoute({
      name: 'browser',
      match: [{ uri: StringMatch.prefix('/public') }],
      destinations: [{ subset: 'stable' }],
      corsPolicy: { allowOrigins: [StringMatch.exact('https://shop.example.com')], allowMethods: ['GET', 'POST'], allowHeaders: ['content-type'], maxAge: Duration.hours(1), allowCredentials: true },
      headers: { request: { set: { 'x-from': 'mesh' }, remove: ['x-debug'] }, response: { add: { 'cache-control': 'no-store' } } },
    });
    const http = vs(app).http;
    expect(http[0].rewrite).toEqual({ uri: '/new', authority: 'api.internal' });
    expect(http[1].rewrite).toEqual({ uriRegexRewrite: { match: '^/v1/(.*)$', rewrite: '/\\1' } });
    // A route that answers itself has no destination, timeout or retries.
    expect(http[2]).toEqual({ name: 'moved', match: [{ uri: { exact: '/legacy' } }], redirect: { uri: '/items', redirectCode: 308 } });
    expect(http[3]).toEqual({ name: 'gone', match: [{ uri: { exact: '/gone' } }], directResponse: { status: 410, body: { string: 'gone' } } });
    expect(http[4].corsPolicy).toEqual({ allowOrigins: [{ exact: 'https://shop.example.com' }], allowMethods: ['GET', 'POST'], allowHeaders: ['content-type'], maxAge: '3600s', allowCredentials: true });
    expect(http[4].headers).toEqual({ request: { set: { 'x-from': 'mesh' }, remove: ['x-debug'] }, response: { add: { 'cache-control': 'no-store' } } });
  });
});

describe('TCP and TLS services', () => {
  test('a service whose ports are all TCP gets TCP routes and no HTTP route settings', () => {
    const { app, chart } = meshChart();
    const db = new MeshService(chart, 'db', { image: 'img', ports: [{ port: 5432, protocol: 'tcp' }] });
    db.addVersion({ name: 'v2' });
    db.addTcpRoute({ sourceLabels: { app: 'migrator' }, destinations: [{ subset: 'v2' }] });
    expect(vs(app, 'db')).toEqual({
      hosts: ['db'],
      tcp: [
        { match: [{ sourceLabels: { app: 'migrator' } }], route: [{ destination: { host: 'db', subset: 'v2' } }] },
        { route: [{ destination: { host: 'db', subset: 'stable' }, weight: 100 }] },
      ],
    });
  });

  test('mixed ports: HTTP routes name the HTTP port, one TCP route per TCP port, TLS routes by SNI', () => {
    const { app, chart } = meshChart();
    const cache = new MeshService(chart, 'cache', {
      image: 'img',
      ports: [{ port: 6379, protocol: 'redis' }, { port: 8080, protocol: 'http' }, { port: 8443, protocol: 'tls' }],
    });
    cache.addTlsRoute({ port: 8443, sniHosts: ['cache'], destinations: [{ subset: 'stable' }] });
    const spec = vs(app, 'cache');
    expect(spec.http).toEqual([expect.objectContaining({ route: [{ destination: { host: 'cache', subset: 'stable', port: { number: 8080 } }, weight: 100 }] })]);
    expect(spec.tcp).toEqual([{ match: [{ port: 6379 }], route: [{ destination: { host: 'cache', subset: 'stable', port: { number: 6379 } }, weight: 100 }] }]);
    expect(spec.tls).toEqual([{
      match: [{ port: 8443, sniHosts: ['cache'] }],
      route: [{ destination: { host: 'cache', subset: 'stable', port: { number: 8443 } } }],
    }]);
  });

  test('several HTTP ports: a route to a version is one rule per port, each sending to its own port (a gRPC call stays on gRPC)', () => {
    const { app, chart } = meshChart();
    // tensorflow/serving's two ports: REST on 8501, gRPC on 8500 (tensorflow_serving/tools/docker/Dockerfile).
    const model = new MeshService(chart, 'model', {
      image: 'img', ports: [{ port: 8501, protocol: 'http', name: 'http-rest' }, { port: 8500, protocol: 'grpc' }],
    });
    model.addVersion({ name: 'v2' });
    model.addVersion({ name: 'shadow' });
    model.addRoute({ name: 'canary', match: [{ headers: { 'x-canary': StringMatch.exact('true') } }], destinations: [{ subset: 'v2' }] });
    new MeshService(chart, 'client', { image: 'img' }).calls(model, { port: 8500 });
    model.addRoute({ name: 'rest-only', match: [{ uri: StringMatch.prefix('/v1/'), port: 8501 }], destinations: [{ subset: 'v2' }],
      mirror: { subset: 'shadow' } });
    const out = synth(app);
    const http = find(out, 'VirtualService', 'model').spec.http;
    const dest = (port: number) => [{ destination: { host: 'model', subset: 'v2', port: { number: port } } }];
    expect(http.slice(0, 3).map((r: any) => ({ name: r.name, match: r.match, route: r.route, mirror: r.mirror }))).toEqual([
      { name: 'canary-8501', match: [{ headers: { 'x-canary': { exact: 'true' } }, port: 8501 }], route: dest(8501), mirror: undefined },
      { name: 'canary-8500', match: [{ headers: { 'x-canary': { exact: 'true' } }, port: 8500 }], route: dest(8500), mirror: undefined },
      // A route whose matches ask one port stays one rule, under its name.
      { name: 'rest-only', match: [{ uri: { prefix: '/v1/' }, port: 8501 }], route: dest(8501),
        mirror: { host: 'model', subset: 'shadow', port: { number: 8501 } } },
    ]);
    // What the caller's sidecar does with it: the gRPC call with the header reaches v2 on 8500, not the REST port.
    const grpc = evaluateFlow(out, {
      source: { workload: 'client', namespace: 'production' }, host: 'model', port: 8500, protocol: 'GRPC', method: 'POST',
      path: '/tensorflow.serving.PredictionService/Predict', headers: { 'x-canary': 'true' },
    });
    expect(grpc.allowed).toBe(true);
    expect(grpc.hops.join(' ')).toMatch(/model\.production:8500 subset v2/);
    expect(grpc.hops.join(' ')).not.toMatch(/:8501/);
  });

  test('a TLS port without a TLS route gets none; SNI hosts outside the VirtualService hosts are refused', () => {
    const { app, chart } = meshChart();
    const mq = new MeshService(chart, 'mq', { image: 'img', ports: [{ port: 5671, protocol: 'tls' }] });
    const plain = meshChart();
    new MeshService(plain.chart, 'mq', { image: 'img', ports: [{ port: 5671, protocol: 'tls' }] });
    // A VirtualService without routes is invalid, and Istio routes the port to the whole service without one.
    expect(synth(plain.app).filter((m) => m.kind === 'VirtualService')).toEqual([]);
    mq.addTlsRoute({ sniHosts: ['mq.production.svc.cluster.local'], destinations: [{ subset: 'stable' }] });
    // istiod's validateSniHost, over the VirtualService: the hosts as written (a short name covers no FQDN).
    expect(synthError(app)).toMatch(/\[test\/mq\/VirtualService\] test\/VirtualService\/mq: spec\.tls\[0\]\.match\[0\]\.sniHosts\[0\]: SNI host "mq\.production\.svc\.cluster\.local" is not a compatible subset of any of the virtual service hosts: \[mq\] \[MESH179\]/);
  });

  test('a TCP route on an HTTP port, an HTTP route or fault on a TCP-only service', () => {
    const { app, chart } = meshChart();
    const web = new MeshService(chart, 'web', { image: 'img' });
    web.addTcpRoute({ port: 80, destinations: [{ subset: 'stable' }] });
    const db = new MeshService(chart, 'db', { image: 'img', ports: [{ port: 5432, protocol: 'tcp' }] });
    db.addRoute({ match: [{ uri: StringMatch.prefix('/') }], destinations: [{ subset: 'stable' }] });
    const err = synthError(app);
    expect(err).toMatch(/\[test\/web\] TCP route 0 \(from test\/web\): port 80 is not a TCP port of web \(it speaks HTTP\) \[MESH030\]/);
    expect(err).toMatch(/\[test\/db\] route 0 \(from test\/db\): db has no HTTP port, so Istio would never apply an HTTP route \[MESH030\]/);
  });
});

describe('bad routes', () => {
  const cases: [string, Record<string, any>, RegExp][] = [
    // The renderer drops the destinations and fault of a redirect or direct response: only the construct can say so.
    ['redirect with a destination', { destinations: [{ subset: 'stable' }], redirect: { uri: '/a' } }, /a redirect cannot also have destinations \[MESH028\]/],
    ['directResponse with a destination', { destinations: [{ subset: 'stable' }], directResponse: { status: 200 } }, /a directResponse cannot also have destinations \[MESH028\]/],
    ['redirect with a fault', { redirect: { uri: '/a' }, fault: { abort: { httpStatus: 503, percentage: Percentage.of(1) } } },
      /a redirect cannot also inject faults \[MESH028\]/],
    ['no action', {}, /has no destination, redirect or directResponse: give it destinations \[MESH214\]/],
    ['port not HTTP', { destinations: [{ subset: 'stable' }], match: [{ port: 9999 }] }, /port 9999 is not an HTTP port of api \(80\) \[MESH030\]/],
  ];
  test.each(cases)('%s', (_name, route, expected) => {
    const { app, svc } = api();
    svc.addRoute({ name: 'r', match: [{ uri: StringMatch.prefix('/x') }], ...route });
    const err = synthError(app);
    expect(err).toContain('[test/api] route r (from test/api)');
    expect(err).toMatch(expected);
  });

  // Which actions a route may combine is istiod's rule (virtualservice.go validateHTTPRouteConflict, validation.go
  // validateHTTPRewrite), written once over the manifests: one finding, on the construct that rendered the VirtualService.
  const conflicts: [string, Record<string, any>, string, RegExp][] = [
    ['rewrite with uri and uriRegexRewrite', { destinations: [{ subset: 'stable' }], rewrite: { uri: '/a', uriRegexRewrite: { match: '^/b', rewrite: '/c' } } },
      'spec.http[0].rewrite', /rewrite may only contain one of URI or UriRegexRewrite \[MESH160\]/],
    ['redirect with a directResponse', { redirect: { uri: '/a' }, directResponse: { status: 200 } }, 'spec.http[0].directResponse',
      /HTTP route rule cannot contain both direct_response and redirect \[MESH160\]/],
    ['redirect with a rewrite', { redirect: { uri: '/a' }, rewrite: { uri: '/b' } }, 'spec.http[0].rewrite',
      /HTTP route rule cannot contain both rewrite and redirect \[MESH160\]/],
    ['directResponse with a rewrite', { directResponse: { status: 200 }, rewrite: { uri: '/b' } }, 'spec.http[0].rewrite',
      /HTTP route rule cannot contain both rewrite and direct_response \[MESH160\]/],
    // The statuses, the body's size and the regexes are istiod's rules too (validation.go validateHTTPDirectResponse,
    // validateHTTPStatus, validateHTTPRedirect, validateHTTPFaultInjection, validateStringRegexp), and 600 Envoy's.
    ['directResponse status 199', { directResponse: { status: 199 } }, 'spec.http[0].directResponse.status',
      /HTTP status 199 is not in range 200-599 \[MESH160\]/],
    ['directResponse status 600, which istiod admits and Envoy refuses', { directResponse: { status: 600 } }, 'spec.http[0].directResponse.status',
      /istiod accepts HTTP status 600, but Envoy refuses the route configuration.*\[MESH190\]/],
    ['directResponse body over 1 MiB', { directResponse: { status: 200, body: 'x'.repeat(2 ** 20 + 1) } }, 'spec.http[0].directResponse.body',
      /must be less than 1MB \[MESH160\]/],
    ['redirect code 200', { redirect: { uri: '/a', redirectCode: 200 } }, 'spec.http[0].redirect.redirectCode',
      /200 is not a valid redirect code, must be 3xx \[MESH160\]/],
    ['an abort status of 600', { destinations: [{ subset: 'stable' }], fault: { abort: { httpStatus: 600, percentage: Percentage.of(1) } } },
      'spec.http[0].fault.abort.httpStatus', /Envoy refuses the route configuration.*\[MESH190\]/],
    ['a fault with neither delay nor abort', { destinations: [{ subset: 'stable' }], fault: {} }, 'spec.http[0].fault',
      /HTTP fault injection must have an abort and\/or a delay \[MESH307\]/],
    ['regex rewrite RE2 rejects', { destinations: [{ subset: 'stable' }], rewrite: { uriRegexRewrite: { match: '^/(?=a)', rewrite: '/' } } },
      'spec.http[0].rewrite.uriRegexRewrite.match', /RE2 has no lookaround.*\[MESH176\]/],
    ['a header match name that is not an HTTP token', { destinations: [{ subset: 'stable' }], match: [{ headers: { 'x canary': StringMatch.exact('1') } }] },
      'spec.http[0].match[0].headers.x canary', /header name x canary is not a valid header name \[MESH175\]/],
    ['a source namespace that is not a label', { destinations: [{ subset: 'stable' }], match: [{ sourceNamespace: 'Bad_NS' }] },
      'spec.http[0].match[0].sourceNamespace', /sourceNamespace match Bad_NS is invalid \[MESH183\]/],
    ['removing a pseudo-header', { destinations: [{ subset: 'stable' }], headers: { request: { remove: [':path'] } } },
      'spec.http[0].headers.request.remove[0]', /header cannot have ":" prefix \[MESH175\]/],
  ];
  test.each(conflicts)('%s: one finding, from the manifest rule, with the construct path', (_name, route, field, expected) => {
    const { app, svc } = api();
    svc.addRoute({ name: 'r', match: [{ uri: StringMatch.prefix('/x') }], ...route });
    const lines = synthError(app).split('\n').filter((l) => /\[MESH\d+\]/.test(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('[test/api/VirtualService] test/VirtualService/api: ');
    expect(lines[0]).toContain(`${field}: `);
    expect(lines[0]).toMatch(expected);
  });

  test('what istiod admits is accepted: a body of 1 MiB, a Host or :authority set on the request, upper-case and pseudo-header matches', () => {
    const { app, svc } = api();
    const body = 'x'.repeat(2 ** 20);
    svc.addRoute({ match: [{ uri: StringMatch.exact('/big') }], directResponse: { status: 200, body } });
    // ValidateHTTPHeaderWithAuthorityOperationName: a request may add or set the authority (as Host or :authority).
    svc.addRoute({ match: [{ uri: StringMatch.exact('/h') }], destinations: [{ subset: 'stable' }], headers: { request: { set: { host: 'a.example.com' } } } });
    // ValidateHTTPHeaderNameOrJwtClaimRoute: a token or a pseudo-header; Envoy compares header names in lowercase
    // (HeaderUtility::HeaderData keeps the name as a LowerCaseString).
    svc.addRoute({ match: [{ headers: { 'X-Canary': StringMatch.exact('1'), ':authority': StringMatch.exact('api') } }], destinations: [{ subset: 'v2' }] });
    const http = vs(app).http;
    expect(http[0].directResponse.body.string).toHaveLength(2 ** 20);
    expect(http[1].headers.request.set).toEqual({ host: 'a.example.com' });
    expect(http[2].match[0].headers).toEqual({ 'X-Canary': { exact: '1' }, ':authority': { exact: 'api' } });
  });

  test('directResponse at the bounds 200 and 599 is accepted', () => {
    const { app, svc } = api();
    svc.addRoute({ match: [{ uri: StringMatch.exact('/a') }], directResponse: { status: 200 } });
    svc.addRoute({ match: [{ uri: StringMatch.exact('/b') }], directResponse: { status: 599 } });
    expect(vs(app).http.slice(0, 2).map((r: any) => r.directResponse.status)).toEqual([200, 599]);
  });

  test('a route that can never match is one finding over the VirtualService, naming both rules, on the construct that rendered it', () => {
    const { app, chart, svc } = api();
    svc.addRoute({ name: 'all-api', match: [{ uri: StringMatch.prefix('/api') }], destinations: [{ subset: 'stable' }] });
    svc.traffic.addRoute(chart, { name: 'items', match: [{ uri: StringMatch.exact('/api/items'), method: 'GET' }], destinations: [{ subset: 'v2' }] });
    svc.addRoute({ name: 'other', match: [{ uri: StringMatch.prefix('/apx') }], destinations: [{ subset: 'v2' }] });
    const lines = synthError(app).split('\n').filter((l) => /\[MESH\d+\]/.test(l));
    expect(lines).toEqual([
      '  [test/api/VirtualService] test/VirtualService/api: spec.http[1]: rule "items" can never match: rule "all-api" comes first and takes '
        + 'every request it would [MESH031]',
    ]);
  });

  test("a rule Istio's own check reports (MESH104, a duplicated match) is not reported again as MESH031", () => {
    const { app, svc } = api();
    svc.addRoute({ name: 'first', match: [{ uri: StringMatch.exact('/api/items') }], destinations: [{ subset: 'stable' }] });
    svc.addRoute({ name: 'again', match: [{ uri: StringMatch.exact('/api/items') }], destinations: [{ subset: 'v2' }] });
    synth(app);
    expect(app.warnings.filter((w) => /MESH104|MESH031/.test(w))).toEqual([
      expect.stringMatching(/spec\.http\[1\]: rule "again" can never match: all its matches are used by earlier rules \[MESH104\]/),
    ]);
  });

  test('RE2 rejects what JavaScript accepts: lookaround, backreferences, possessive quantifiers', () => {
    expect(re2Problem('^/(?!admin)')).toMatch(/lookaround/);
    expect(re2Problem('(a)\\1')).toMatch(/backreferences/);
    expect(re2Problem('a*+')).toMatch(/possessive/);
    expect(re2Problem('[(?=]')).toBeUndefined();
    expect(re2Problem('\\(?=')).toBeUndefined();
    expect(re2Problem('(?P<id>[0-9]+)')).toBeUndefined();
    expect(() => StringMatch.regex('^/(?<=x)')).toThrow(/\[MESH027\]/);
  });

  test('weights over any subsets must sum to 100', () => {
    const { app, svc } = api();
    svc.addRoute({ match: [{ uri: StringMatch.prefix('/a') }], destinations: [{ subset: 'stable', weight: Weight.percent(60) }, { subset: 'v2', weight: Weight.percent(30) }] });
    expect(synthError(app)).toMatch(/weights sum to 90, expected 100 \(stable 60, v2 30\) \[MESH012\]/);
  });
});

describe('exportTo', () => {
  test('restricts the Service, VirtualService and DestinationRule to the given namespaces', () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'ledger', { image: 'img', exportTo: ExportTo.namespaces(['payments', 'audit', 'production']) });
    new MeshService(chart, 'private', { image: 'img', exportTo: ExportTo.sameNamespace() });
    const out = synth(app);
    // The own namespace is '.', listed once (istiod rejects '.' with its own name).
    expect(find(out, 'VirtualService', 'ledger').spec.exportTo).toEqual(['.', 'audit', 'payments']);
    expect(find(out, 'DestinationRule', 'ledger').spec.exportTo).toEqual(['.', 'audit', 'payments']);
    expect(find(out, 'Service', 'ledger').metadata.annotations).toEqual({ 'networking.istio.io/exportTo': '.,audit,payments' });
    expect(find(out, 'VirtualService', 'private').spec.exportTo).toEqual(['.']);
  });

  test('the factories refuse what istiod would', () => {
    expect(ExportTo.all().toList('ns')).toEqual(['*']);
    expect(() => ExportTo.namespaces(['Payments'])).toThrow(/\[MESH001\]/);
    expect(() => ExportTo.namespaces(['a', 'a'])).toThrow(/listed twice \[MESH020\]/);
  });
});

describe('write retries (HostTraffic.setWriteRetries)', () => {
  test('POST and PATCH take a route of their own ahead of the default one: the same split and timeout, their own retries', () => {
    // GIVEN a split between v1 and v2, a mirror and faults on the default route
    const { app, svc } = api();
    svc.setSplit([{ subset: 'stable', weight: Weight.percent(90) }, { subset: 'v2', weight: Weight.percent(10) }]);
    svc.traffic.setWriteRetries(svc, Retries.of({ attempts: 2, perTryTimeout: Duration.seconds(10), retryOn: ['reset-before-request', 'connect-failure'] }));
    const http = vs(app).http;
    expect(http).toHaveLength(2);
    expect(http[0]).toMatchObject({
      name: 'writes',
      match: [{ method: { exact: 'POST' } }, { method: { exact: 'PATCH' } }],
      route: http[1].route,
      timeout: http[1].timeout,
      retries: { attempts: 2, perTryTimeout: '10s', retryOn: 'reset-before-request,connect-failure' },
    });
    // The default route keeps the tier's retries.
    expect(http[1].retries.retryOn).not.toBe('reset-before-request,connect-failure');
    expect(http[1].match).toBeUndefined();
  });

  test('without it, one default route; a second contributor is a conflict (MESH015)', () => {
    const { app, chart, svc } = api();
    expect(vs(app).http).toHaveLength(1);
    svc.traffic.setWriteRetries(svc, Retries.none());
    svc.traffic.setWriteRetries(chart, Retries.none());
    expect(synthError(app)).toMatch(/write retries of host api is set by both test\/api and test \[MESH015\]/);
  });
});
