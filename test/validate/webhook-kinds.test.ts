/**
 * istiod's webhook per kind, one table per ported Validate<Kind> function of istio/istio
 * pkg/config/validation/validation.go (and envoyfilter/envoyfilter.go), at the release each case
 * names: the rules the issue measured as missed or wrongly refused, and the 1.24/1.30 differences.
 */
import { checkWebhook } from '../../src/validate/webhook';
import { authorizationPolicy, M, peerAuthentication, sidecar, virtualService } from './fixtures';

const object = (apiVersion: string, kind: string, spec: M, metadata: M = {}): M =>
  ({ apiVersion, kind, metadata: { name: 'x', namespace: 'shop', ...metadata }, spec });

/** `<code> <field>` (and ` warning`) of every webhook finding, sorted. */
function webhook(m: M, version: '1.24' | '1.30' = '1.24'): string[] {
  return checkWebhook(m, version).map((f) => `${f.code} ${f.field}${f.severity === 'warning' ? ' warning' : ''}`).sort();
}
const route = { route: [{ destination: { host: 'orders' } }] };

describe('ValidateVirtualService', () => {
  const vs = (spec: M) => webhook({ ...virtualService('orders', [route]), spec: { hosts: ['orders'], http: [route], ...spec } });
  test.each([
    [{ hosts: [''] }, ['MESH179 spec.hosts[0]']],
    [{ hosts: ['*.*'] }, ['MESH179 spec.hosts[0]']],
    [{ hosts: ['a*b.example.com'] }, ['MESH179 spec.hosts[0]']],
    [{ hosts: ['-bad.example.com'] }, ['MESH179 spec.hosts[0]']],
    [{ hosts: ['has space.example.com'] }, ['MESH179 spec.hosts[0]']],
    // `*` is refused for the mesh, accepted on a gateway; an IP host is accepted
    [{ hosts: ['*'] }, ['MESH179 spec.hosts[0]']],
    [{ hosts: ['*'], gateways: ['shop/gw'] }, []],
    [{ hosts: ['*'], gateways: ['shop/gw', 'mesh'] }, ['MESH179 spec.hosts[0]']],
    [{ hosts: ['10.0.0.1'] }, []],
    // duplicates, literal or by a wildcard
    [{ hosts: ['orders', 'orders'] }, ['MESH179 spec.hosts[1]']],
    [{ hosts: ['*.foo.com', '*.com'] }, ['MESH179 spec.hosts[1]']],
    [{ hosts: ['a.foo.com', 'b.foo.com'] }, []],
    // a delegate takes no gateways, TLS or TCP routes
    [{ hosts: [], gateways: ['shop/gw'], tcp: [{ route: [{ destination: { host: 'orders' } }] }] }, ['MESH160 spec.gateways', 'MESH160 spec.tcp']],
    [{ http: [] }, ['MESH160 spec']],
    [{ exportTo: ['.', '*'] }, ['MESH184 spec.exportTo']],
  ])('%j: %j', (spec, found) => expect(vs(spec)).toEqual(found));

  test.each([
    // validateHTTPRouteDestinations and validateDestination: weights, hosts, subsets, ports
    [{ route: [{ destination: { host: 'a' }, weight: 0 }, { destination: { host: 'b' }, weight: 0 }] }, ['MESH187 spec.http[0].route']],
    [{ route: [{ destination: { host: 'a' }, weight: 0 }] }, []],
    [{ route: [{ destination: { host: 'a' }, weight: -1 }, { destination: { host: 'b' }, weight: 101 }] }, ['MESH187 spec.http[0].route[0].weight']],
    [{ route: [{ destination: { host: '*' } }] }, ['MESH179 spec.http[0].route[0].destination.host']],
    [{ route: [{ destination: { host: 'a', subset: 'V_1' } }] }, ['MESH183 spec.http[0].route[0].destination.subset']],
    [{ route: [{ destination: { host: 'a', port: { number: 70000 } } }] }, ['MESH180 spec.http[0].route[0].destination.port.number']],
    [{ route: [{ weight: 100 }] }, ['MESH160 spec.http[0].route[0].destination']],
    // match port, sourceLabels, gateways, sourceNamespace
    [{ ...route, match: [{ port: 70000, sourceLabels: { 'a b': 'c' }, gateways: ['bad_ns/x'], sourceNamespace: 'Bad_NS' }] },
      ['MESH180 spec.http[0].match[0].port', 'MESH183 spec.http[0].match[0].gateways[0]', 'MESH183 spec.http[0].match[0].sourceNamespace',
        'MESH186 spec.http[0].match[0].sourceLabels']],
    // mirrors, direct responses, rewrites
    [{ ...route, mirrors: [{ destination: { host: 'm' }, percentage: { value: 101 } }, {}] }, ['MESH160 spec.http[0].mirrors[0].percentage.value',
      'MESH160 spec.http[0].mirrors[1].destination']],
    [{ ...route, mirrorPercent: 50 }, ['MESH115 spec.http[0].mirrorPercent warning']],
    [{ directResponse: { status: 199 } }, ['MESH160 spec.http[0].directResponse.status']],
    // istiod admits 600 (validateHTTPStatus), Envoy refuses it (DirectResponseAction.status, route_components.proto).
    [{ directResponse: { status: 600 } }, ['MESH190 spec.http[0].directResponse.status']],
    [{ directResponse: { status: 601 } }, ['MESH160 spec.http[0].directResponse.status']],
    [{ directResponse: { status: 599, body: { string: 'x'.repeat(1024 * 1024) } } }, ['MESH177 spec.http[0].directResponse.body warning']],
    [{ directResponse: { status: 200, body: { string: 'x'.repeat(200 * 1024) } } }, ['MESH177 spec.http[0].directResponse.body warning']],
    [{ directResponse: { status: 200, body: { string: 'x'.repeat(1024 * 1024 + 1) } } }, ['MESH160 spec.http[0].directResponse.body']],
    [{ ...route, rewrite: {} }, ['MESH160 spec.http[0].rewrite']],
    [{ ...route, rewrite: { uri: '/a', uriRegexRewrite: { match: 'a', rewrite: 'b' } } }, ['MESH160 spec.http[0].rewrite']],
    [{ ...route, rewrite: { uriRegexRewrite: { match: '\\e', rewrite: '/' } } }, ['MESH176 spec.http[0].rewrite.uriRegexRewrite.match']],
    [{ ...route, fault: { abort: { percentage: { value: 10 } } } }, ['MESH177 spec.http[0].fault.abort warning']],
  ])('HTTP route %j: %j', (r, found) => expect(vs({ http: [r] })).toEqual(found));

  test('1.30: retries.backoff is a duration; 1.24 does not know it (its CRD refuses it)', () => {
    const retried = { ...virtualService('orders', [{ ...route, retries: { attempts: 2, backoff: '1.5005s' } }]) };
    expect(webhook(retried, '1.30')).toEqual(['MESH173 spec.http[0].retries.backoff']);
    expect(webhook(retried, '1.24')).toEqual([]);
  });

  test('validateTLSRoute and validateTCPRoute: SNI hosts the VirtualService covers, subnets, ports, routes', () => {
    const tls = (r: M, hosts = ['*.example.com']) => webhook(virtualService('x', [], { hosts, http: undefined, tls: [r], gateways: ['shop/gw'] }));
    const dest = { route: [{ destination: { host: 'a.example.com' } }] };
    expect(tls({ match: [{ sniHosts: ['a.example.com'] }], ...dest })).toEqual([]);
    expect(tls({ match: [{ sniHosts: ['a.other.com'] }], ...dest })).toEqual(['MESH179 spec.tls[0].match[0].sniHosts[0]']);
    expect(tls({ match: [{ sniHosts: ['10.0.0.1'] }], ...dest })).toEqual(['MESH177 spec.tls[0].match[0].sniHosts[0] warning']);
    expect(tls({ match: [{}], ...dest })).toEqual(['MESH160 spec.tls[0].match[0].sniHosts']);
    expect(tls({ match: [{ sniHosts: ['a.example.com'], destinationSubnets: ['10.0.0.0/33'], port: 0 }] })).toEqual(['MESH160 spec.tls[0].route',
      'MESH181 spec.tls[0].match[0].destinationSubnets[0]']);
    const tcp = (r: M) => webhook(virtualService('orders', [], { http: undefined, tcp: [r] }));
    expect(tcp({ match: [{ port: 70000 }], route: [{ destination: { host: 'orders' } }] })).toEqual(['MESH180 spec.tcp[0].match[0].port']);
    expect(tcp({})).toEqual(['MESH160 spec.tcp[0].route']);
  });
});

describe('ValidateGateway', () => {
  const server = (s: M) => ({ hosts: ['shop/*.example.com'], port: { number: 80, name: 'http', protocol: 'HTTP' }, ...s });
  const gw = (servers: M[], name = 'gw', version: '1.24' | '1.30' = '1.24') => webhook(object('networking.istio.io/v1', 'Gateway',
    { selector: { istio: 'ingressgateway' }, servers }, { name }), version);
  test.each([
    [server({}), []],
    [server({ port: { number: 0, name: 'http', protocol: 'HTTP' } }), ['MESH180 spec.servers[0].port.number']],
    [server({ port: { number: 70000, name: 'http', protocol: 'HTTP' } }), ['MESH180 spec.servers[0].port.number']],
    // a targetPort is an error, not a warning
    [server({ port: { number: 80, name: 'http', protocol: 'HTTP', targetPort: 8080 } }), ['MESH504 spec.servers[0].port.targetPort']],
    [server({ port: { number: 80, name: 'x', protocol: 'FOO' } }), ['MESH185 spec.servers[0].port.protocol']],
    [server({ hosts: ['*.*'] }), ['MESH179 spec.servers[0].hosts[0]']],
    [server({ hosts: ['shop/a*b.example.com'] }), ['MESH179 spec.servers[0].hosts[0]', 'MESH179 spec.servers[0].hosts[0]']],
    [server({ hosts: ['example'] }), ['MESH179 spec.servers[0].hosts[0]']],
    [server({ bind: '10.0.0.300' }), ['MESH181 spec.servers[0].bind']],
    [server({ bind: 'unix:///var/run/gw.sock', port: { number: 0, name: 'uds', protocol: 'HTTP' } }), []],
    [server({ port: { number: 443, name: 'https', protocol: 'HTTPS' } }), ['MESH505 spec.servers[0].tls']],
    [server({ port: { number: 443, name: 'https', protocol: 'HTTPS' }, tls: { mode: 'SIMPLE' } }), ['MESH505 spec.servers[0].tls.privateKey',
      'MESH505 spec.servers[0].tls.serverCertificate']],
    [server({ port: { number: 443, name: 'https', protocol: 'HTTPS' }, tls: { mode: 'SIMPLE', credentialName: 'cert' } }), []],
    [server({ port: { number: 443, name: 'https', protocol: 'HTTPS' }, tls: { mode: 'MUTUAL', credentialName: 'cert', cipherSuites: ['NOPE'] } }),
      ['MESH177 spec.servers[0].tls.cipherSuites warning']],
    [server({ port: { number: 443, name: 'https', protocol: 'HTTPS' }, tls: { mode: 'ISTIO_MUTUAL', credentialName: 'cert' } }),
      ['MESH505 spec.servers[0].tls.credentialName']],
    [server({ tls: { httpsRedirect: true } }), []],
    [server({ tls: { mode: 'SIMPLE', credentialName: 'c' } }), ['MESH505 spec.servers[0].tls']],
    [server({ port: { number: 3306, name: 'tcp', protocol: 'TCP' }, tls: { httpsRedirect: true } }),
      ['MESH177 spec.servers[0].tls.httpsRedirect warning', 'MESH505 spec.servers[0].tls']],
  ])('server %j: %j', (s, found) => expect(gw([s])).toEqual(found));

  test('a Gateway name is a DNS-1123 label; servers exist, with unique port names', () => {
    expect(gw([server({})], 'gw.v1')).toEqual(['MESH183 metadata.name']);
    expect(gw([])).toEqual(['MESH507 spec.servers']);
    expect(gw([server({}), server({ port: { number: 8080, name: 'http', protocol: 'HTTP' } })])).toEqual(['MESH504 spec.servers[1].port.name']);
  });

  test('1.30: one certificate source, up to two tlsCertificates', () => {
    const tls = { mode: 'SIMPLE', credentialName: 'a', serverCertificate: '/c', privateKey: '/k' };
    const https = server({ port: { number: 443, name: 'https', protocol: 'HTTPS' }, tls });
    expect(gw([https], 'gw', '1.30')).toEqual(['MESH505 spec.servers[0].tls']);
    expect(gw([https], 'gw', '1.24')).toEqual([]);
  });
});

describe('ValidateServiceEntry', () => {
  const se = (spec: M, version: '1.24' | '1.30' = '1.24') => webhook(object('networking.istio.io/v1', 'ServiceEntry', {
    hosts: ['api.example.com'], ports: [{ number: 443, name: 'https', protocol: 'HTTPS' }], resolution: 'DNS', ...spec,
  }), version);
  test.each([
    [{}, []],
    [{ ports: [{ number: 443, name: 'x', protocol: 'FOO' }] }, ['MESH185 spec.ports[0].protocol']],
    // `*` is refused outright, and as a DNS host without endpoints it is no FQDN either
    [{ hosts: ['*'] }, ['MESH179 spec.hosts[0]', 'MESH179 spec.hosts[0]']],
    [{ hosts: ['a*b.example.com'], resolution: 'NONE' }, ['MESH177 spec.hosts[0] warning', 'MESH179 spec.hosts[0]']],
    [{ hosts: ['*.example.com'], resolution: 'DNS' }, ['MESH179 spec.hosts[0]']],
    [{ hosts: [] }, ['MESH163 spec.hosts']],
    [{ addresses: ['001:db8::', '10.0.0.1'], resolution: 'STATIC' }, []],
    [{ addresses: ['10.0.0.0/33'], resolution: 'STATIC' }, ['MESH181 spec.addresses[0]']],
    [{ addresses: ['10.0.0.0/8'] }, ['MESH163 spec.addresses']],
    [{ ports: [{ number: 443, name: 'https', protocol: 'HTTPS', targetPort: 70000 }] }, ['MESH180 spec.ports[0].targetPort']],
    [{ ports: [{ number: 443, name: 'https', protocol: 'HTTPS', targetPort: 8443 }], resolution: 'NONE' },
      ['MESH177 spec.ports[0].targetPort warning']],
    [{ resolution: 'STATIC', endpoints: [{ address: 'api.internal' }] }, ['MESH181 spec.endpoints[0].address']],
    [{ resolution: 'STATIC', endpoints: [{ address: '10.0.0.1', ports: { grpc: 9090 } }] }, ['MESH167 spec.endpoints[0].ports.grpc']],
    [{ resolution: 'DNS', endpoints: [{ address: 'bad host' }] }, ['MESH181 spec.endpoints[0].address']],
    [{ resolution: 'NONE', endpoints: [{ address: '10.0.0.1' }] }, ['MESH163 spec.endpoints']],
    [{ hosts: ['a.example.com', 'b.example.com'], ports: [{ number: 5432, name: 'tcp', protocol: 'TCP' }] }, ['MESH163 spec.hosts']],
    [{ exportTo: ['~'] }, []],
  ])('%j: %j', (spec, found) => expect(se(spec)).toEqual(found));

  test('1.30: DYNAMIC_DNS needs wildcard hosts and HTTP, TLS, GRPC or HTTP2 ports; 1.24 has no DYNAMIC_DNS', () => {
    const tls = [{ number: 443, name: 'tls', protocol: 'TLS' }];
    expect(se({ hosts: ['*.example.com'], resolution: 'DYNAMIC_DNS', ports: tls }, '1.30')).toEqual([]);
    // HTTPS is not among them (validation.go at 1.30.3: HTTP, TLS, GRPC, HTTP2)
    expect(se({ hosts: ['*.example.com'], resolution: 'DYNAMIC_DNS' }, '1.30')).toEqual(['MESH163 spec.ports[0].protocol']);
    expect(se({ hosts: ['api.example.com'], resolution: 'DYNAMIC_DNS', ports: [{ number: 5432, name: 'tcp', protocol: 'TCP' }] }, '1.30'))
      .toEqual(['MESH163 spec.hosts[0]', 'MESH163 spec.ports[0].protocol']);
    expect(se({ hosts: ['*.example.com'], resolution: 'DYNAMIC_DNS' }, '1.24')).toEqual(['MESH163 spec.resolution']);
  });
});

describe('ValidateSidecar', () => {
  const sc = (spec: M) => webhook(sidecar('orders', spec));
  test.each([
    [{ egress: [{ hosts: ['./*', 'istio-system/*'] }] }, []],
    // a repeated host is admitted with a warning, and so is */* beside others
    [{ egress: [{ hosts: ['./*', './*'] }] }, ['MESH177 spec.egress[0].hosts[1] warning']],
    [{ egress: [{ hosts: ['*/*', 'ns/a.com'] }] }, ['MESH177 spec.egress[0].hosts warning']],
    [{ egress: [{ hosts: ['a.com'] }] }, ['MESH179 spec.egress[0].hosts[0]']],
    [{ egress: [{ hosts: ['ns/-bad.com'] }] }, ['MESH179 spec.egress[0].hosts[0]']],
    [{ egress: [{ port: { number: 70000, protocol: 'HTTP', name: 'http' }, hosts: ['./*'] }] }, ['MESH180 spec.egress[0].port.number']],
    [{ egress: [{ port: { number: 0, protocol: 'HTTP', name: 'http' }, hosts: ['./*'] }] }, ['MESH164 spec.egress[0].bind']],
    [{ egress: [{ port: { number: 0, protocol: 'HTTP', name: 'uds' }, bind: 'unix:///var/run/a.sock', hosts: ['./*'] }] }, []],
    [{ egress: [{ port: { number: 80, protocol: 'FOO', name: 'h' }, bind: '10.0.0.1', hosts: ['./*'] }] }, ['MESH185 spec.egress[0].port.protocol']],
    // the first port-less listener is not last; the second is the catch-all istiod keeps
    [{ egress: [{ hosts: ['./*'] }, { hosts: ['./*'] }] }, ['MESH164 spec.egress[0]']],
    [{}, ['MESH164 spec']],
    [{ workloadSelector: { labels: {} }, egress: [{ hosts: ['./*'] }] }, ['MESH177 spec.workloadSelector warning']],
    [{ workloadSelector: { labels: { app: '*' } }, egress: [{ hosts: ['x'] }] }, ['MESH186 spec.workloadSelector']],
    [{ outboundTrafficPolicy: { mode: 'REGISTRY_ONLY', egressProxy: { host: 'proxy.example.com', port: { number: 3128 } } } },
      ['MESH164 spec.outboundTrafficPolicy.egressProxy']],
    [{ ingress: [{ port: { number: 9080, protocol: 'TCP', name: 'tcp' }, connectionPool: { http: { maxRetries: 1 } } }] },
      ['MESH177 spec.ingress[0].connectionPool.http warning']],
  ])('%j: %j', (spec, found) => expect(sc(spec)).toEqual(found));
});

describe('ValidateAuthorizationPolicy', () => {
  const ap = (spec: M, version: '1.24' | '1.30' = '1.24') => webhook(authorizationPolicy('p', spec), version);
  test.each([
    // `from: []` and `to: []` decode as absent: a rule that matches every request
    [{ rules: [{ from: [], to: [] }] }, []],
    [{ action: 'DENY', rules: [] }, ['MESH203 spec.rules']],
    [{ rules: [{ to: [{ operation: { ports: ['0', '8080'] } }] }] }, []],
    [{ rules: [{ to: [{ operation: { ports: ['70000', 'http'] } }] }] }, ['MESH180 spec.rules[0].to[0].operation.ports[0]',
      'MESH180 spec.rules[0].to[0].operation.ports[1]']],
    [{ rules: [{ when: [{ key: 'destination.port', values: ['http'] }] }] }, ['MESH182 spec.rules[0].when[0].values']],
    [{ rules: [{ when: [{ key: 'destination.port', values: ['443'], notValues: ['x'] }] }] }, ['MESH182 spec.rules[0].when[0].notValues']],
    // istiod checks the key with the values and again with the (absent) notValues: two errors
    [{ rules: [{ when: [{ key: 'source.user', values: ['a'] }] }] }, ['MESH182 spec.rules[0].when[0].notValues',
      'MESH182 spec.rules[0].when[0].values']],
    [{ rules: [{ when: [{ key: 'source.ip', values: ['10.0.0.256'] }] }] }, ['MESH182 spec.rules[0].when[0].values']],
    [{ rules: [{ when: [{ key: 'request.headers[x-user]', values: ['a'] }] }] }, []],
    [{ rules: [{ from: [{ source: { ipBlocks: ['10.0.0.0/33'], remoteIpBlocks: ['1.2.3'] } }] }] },
      ['MESH181 spec.rules[0].from[0].source.ipBlocks[0]', 'MESH181 spec.rules[0].from[0].source.remoteIpBlocks[0]']],
    [{ rules: [{ from: [{ source: {} }] }] }, ['MESH165 spec.rules[0].from[0].source']],
    [{ rules: [{ to: [{ operation: { paths: ['/{**}/a', '/x/{y}'] } }] }] }, ['MESH202 spec.rules[0].to[0].operation.paths[1]']],
    [{ action: 'DENY', rules: [{ to: [{ operation: { methods: ['POST'] } }] }] }, ['MESH177 spec.rules[0] warning']],
    [{ action: 'DENY', rules: [{ to: [{ operation: { methods: ['POST'], ports: ['8080'] } }] }] }, []],
    [{ action: 'CUSTOM', provider: { name: 'ext' }, rules: [{ from: [{ source: { principals: ['a'] } }], when: [{ key: 'request.auth.claims[x]',
      values: ['y'] }] }] },
    ['MESH165 spec.rules[0].from[0].source.principals', 'MESH165 spec.rules[0].when[0].key']],
    [{ rules: [{ to: [{ operation: { methods: ['*', 'GE*', '*ST', 'get'] } }] }] }, ['MESH162 spec.rules[0].to[0].operation.methods[3] warning']],
    [{ selector: { matchLabels: {} }, targetRefs: [{ kind: 'Service', name: 'a' }] }, ['MESH177 spec.selector warning', 'MESH186 spec']],
    [{ targetRef: { kind: 'Deployment', name: 'a', namespace: 'b' } }, ['MESH186 spec.targetRef', 'MESH186 spec.targetRef.namespace']],
  ])('%j: %j', (spec, found) => expect(ap(spec)).toEqual(found));

  test('1.30: service accounts and trust domains are checked, with CUSTOM too; a GatewayClass target', () => {
    const sa = { rules: [{ from: [{ source: { serviceAccounts: ['ns/*'], namespaces: ['ns'] } }] }] };
    expect(ap(sa, '1.30')).toEqual(['MESH165 spec.rules[0].from[0].source', 'MESH165 spec.rules[0].from[0].source.serviceAccounts']);
    expect(ap({ rules: [{ when: [{ key: 'source.serviceAccount', values: ['ns/sa'] }] }] }, '1.30')).toEqual([]);
    expect(ap({ rules: [{ when: [{ key: 'source.serviceAccount', values: ['ns/sa'] }] }] }, '1.24'))
      .toEqual(['MESH182 spec.rules[0].when[0].notValues', 'MESH182 spec.rules[0].when[0].values']);
    const gc = { targetRef: { group: 'gateway.networking.k8s.io', kind: 'GatewayClass', name: 'istio' } };
    expect([ap(gc, '1.30'), ap(gc, '1.24')]).toEqual([[], ['MESH186 spec.targetRef']]);
  });

  test('the dry-run annotation: ALLOW or DENY with a Go bool only; the always-reject annotation', () => {
    const annotated = (annotations: M, spec: M = {}) => webhook({ ...authorizationPolicy('p', spec), metadata: { name: 'p', namespace: 'shop',
      annotations } });
    expect(annotated({ 'istio.io/dry-run': 'true' })).toEqual([]);
    expect(annotated({ 'istio.io/dry-run': 'yes' })).toEqual(['MESH188 metadata.annotations.istio.io/dry-run']);
    expect(annotated({ 'istio.io/dry-run': 'true' }, { action: 'CUSTOM', provider: { name: 'x' },
      rules: [{}] })).toEqual(['MESH188 metadata.annotations.istio.io/dry-run']);
    expect(annotated({ 'internal.istio.io/webhook-always-reject': '' }))
      .toEqual(['MESH188 metadata.annotations.internal.istio.io/webhook-always-reject']);
    expect(webhook({ ...sidecar('s', { egress: [{ hosts: ['./*'] }] }), metadata: { name: 's', namespace: 'shop',
      annotations: { 'istio.io/dry-run': 'true' } } }))
      .toEqual(['MESH188 metadata.annotations.istio.io/dry-run']);
  });
});

describe('ValidatePeerAuthentication and ValidateRequestAuthentication', () => {
  test('PeerAuthentication: port-level mTLS needs a selector, ports in 1-65535', () => {
    expect(webhook(peerAuthentication('p', { portLevelMtls: { 8080: { mode: 'DISABLE' } } }))).toEqual(['MESH166 spec.portLevelMtls']);
    expect(webhook(peerAuthentication('p', { selector: { matchLabels: { app: 'a' } },
      portLevelMtls: { 0: { mode: 'DISABLE' } } }))).toEqual(['MESH180 spec.portLevelMtls.0']);
    expect(webhook(peerAuthentication('p', { selector: { matchLabels: { app: 'a' } }, portLevelMtls: {} }))).toEqual(['MESH166 spec.portLevelMtls']);
  });

  const ra = (rule: M, version: '1.24' | '1.30' = '1.24') => webhook(object('security.istio.io/v1', 'RequestAuthentication', { jwtRules: [rule] }),
    version);
  test.each([
    [{ issuer: 'a', jwksUri: 'https://a.example.com/jwks' }, '1.24', []],
    [{ jwksUri: 'https://a.example.com/jwks' }, '1.24', ['MESH210 spec.jwtRules[0].issuer']],
    [{ jwksUri: 'https://a.example.com/jwks' }, '1.30', []],
    [{}, '1.30', ['MESH210 spec.jwtRules[0]']],
    [{ issuer: 'a', jwksUri: 'ftp://a.example.com/jwks' }, '1.24', ['MESH210 spec.jwtRules[0].jwksUri']],
    [{ issuer: 'a', jwksUri: 'https://a.example.com:port/jwks' }, '1.24', ['MESH210 spec.jwtRules[0].jwksUri']],
    [{ issuer: 'a', jwks: '{"keys":[{"kty":"RSA","n":"x","e":"AQAB"}]}' }, '1.24', []],
    [{ issuer: 'a', jwks: '{"keys":[{"kty":"XYZ"}]}' }, '1.24', ['MESH210 spec.jwtRules[0].jwks']],
    [{ issuer: 'a', jwks: 'not json' }, '1.24', ['MESH210 spec.jwtRules[0].jwks']],
    [{ issuer: 'a', jwks: '{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}' }, '1.30', ['MESH177 spec.jwtRules[0].jwks warning']],
    [{ issuer: 'a', outputClaimToHeaders: [{ claim: 'sub', header: 'x_user' }] }, '1.24',
      ['MESH175 spec.jwtRules[0].outputClaimToHeaders[0].header']],
    [{ issuer: 'a', outputClaimToHeaders: [{ claim: 'sub', header: 'x_user' }] }, '1.30', []],
    [{ issuer: 'a', fromHeaders: [{ name: '' }], fromParams: [''], fromCookies: [''], audiences: [''] }, '1.24',
      ['MESH210 spec.jwtRules[0].audiences[0]', 'MESH210 spec.jwtRules[0].fromCookies[0]', 'MESH210 spec.jwtRules[0].fromHeaders[0].name',
        'MESH210 spec.jwtRules[0].fromParams[0]']],
  ] as const)('%j at %s: %j', (rule, version, found) => expect(ra(rule, version)).toEqual(found));
});

describe('validateEnvoyFilter, WorkloadEntry, WorkloadGroup and ProxyConfig', () => {
  const ef = (configPatches: M[], version: '1.24' | '1.30' = '1.24') => webhook(object('networking.istio.io/v1alpha3', 'EnvoyFilter',
    { configPatches }), version);
  const value = { name: 'x' };
  test.each([
    [[{ applyTo: 'HTTP_FILTER', patch: { operation: 'INSERT_BEFORE', value } }], []],
    [[{ applyTo: 'HTTP_FILTER', patch: { operation: 'INSERT_FIRST' } }], ['MESH169 spec.configPatches[0].patch.value']],
    [[{ applyTo: 'HTTP_FILTER', patch: { operation: 'REMOVE' } }], []],
    [[{ patch: { operation: 'ADD', value } }], ['MESH169 spec.configPatches[0].applyTo']],
    [[{ applyTo: 'CLUSTER', match: { proxy: { proxyVersion: '\\e' } }, patch: { operation: 'ADD', value } }],
      ['MESH169 spec.configPatches[0].match.proxy.proxyVersion']],
    [[{ applyTo: 'CLUSTER', match: { listener: {} }, patch: { operation: 'ADD', value } }], ['MESH169 spec.configPatches[0].match']],
    [[{ applyTo: 'HTTP_FILTER', match: { listener: { filterChain: { filter: { name: 'envoy.http_connection_manager',
      subFilter: { name: 'envoy.router' } } } } }, patch: { operation: 'INSERT_BEFORE', value } }],
    ['MESH177 spec.configPatches[0].match.listener.filterChain.filter.name warning',
      'MESH177 spec.configPatches[0].match.listener.filterChain.filter.subFilter.name warning']],
    [[{ applyTo: 'NETWORK_FILTER', match: { listener: { filterChain: { filter: { name: 'x', subFilter: { name: 'y' } } } } },
      patch: { operation: 'MERGE', value } }],
    ['MESH169 spec.configPatches[0].match.listener.filterChain.filter.subFilter']],
  ])('EnvoyFilter %j: %j', (patches, found) => expect(ef(patches)).toEqual(found));

  test('WorkloadEntry: an address, named ports, labels; WorkloadGroup: a template and a probe; ProxyConfig concurrency', () => {
    const we = (spec: M) => webhook(object('networking.istio.io/v1', 'WorkloadEntry', spec));
    expect(we({ address: '10.0.0.1', ports: { http: 8080 }, labels: { app: 'a' } })).toEqual([]);
    expect(we({ address: 'vm.example.com' })).toEqual([]);
    expect(we({})).toEqual(['MESH167 spec.address']);
    expect(we({ network: 'vm' })).toEqual(['MESH177 spec.address warning']);
    expect(we({ address: 'unix:///a.sock', ports: { http: 80 } })).toEqual(['MESH167 spec.ports']);
    expect(we({ address: 'bad host', ports: { Bad_Name: 0 } })).toEqual(['MESH180 spec.ports.Bad_Name', 'MESH181 spec.address',
      'MESH183 spec.ports.Bad_Name']);
    const wg = (spec: M) => webhook(object('networking.istio.io/v1', 'WorkloadGroup', spec));
    expect(wg({ template: {}, probe: { httpGet: { port: 8080,
      httpHeaders: [{ name: 'x_y' }] } } })).toEqual(['MESH175 spec.probe.httpGet.httpHeaders[0].name']);
    expect(wg({})).toEqual(['MESH167 spec.template']);
    expect(wg({ template: {}, probe: { periodSeconds: -1, exec: {} } })).toEqual(['MESH167 spec.probe.exec.command',
      'MESH167 spec.probe.periodSeconds']);
    expect(webhook(object('networking.istio.io/v1beta1', 'ProxyConfig', { concurrency: -1 }))).toEqual(['MESH167 spec.concurrency']);
  });
});
