/**
 * istiod's webhook checks of locality load balancing and cookie attributes (DestinationRule),
 * Sidecar ingress listeners and connection pools, the RequestAuthentication JWKS timeout, and the
 * checks left to the CRD schema (one finding per problem): pkg/config/validation validation.go
 * and agent/validation.go.
 * One fixture per rule, with the nearest accepted case beside it.
 */
import { validateManifests } from '../../src/validate';
import { checkWebhook } from '../../src/validate/webhook';
import { destinationRule, M, sidecar } from './fixtures';

/** `<code> <field>` (and ` warning`) of every webhook finding of `m`. */
const webhook = (m: M) => checkWebhook(m).map((f) => `${f.code} ${f.field}${f.severity === 'warning' ? ' warning' : ''}`).sort();
/** The findings of a DestinationRule whose top-level policy has this locality setting (and outlier detection). */
const locality = (setting: M) => webhook(destinationRule('orders', [], {
  trafficPolicy: { loadBalancer: { localityLbSetting: setting }, outlierDetection: { consecutive5xxErrors: 5 } },
}));
const at = 'spec.trafficPolicy.loadBalancer.localityLbSetting';

describe("istiod's webhook: locality load balancing (ValidateLocalityLbSetting)", () => {
  test('MESH506: distribute and failover exclude each other; failover excludes topology labels in failoverPriority', () => {
    expect(locality({ distribute: [{ from: 'us-east/*', to: { 'us-east/*': 100 } }], failover: [{ from: 'us-east', to: 'us-west' }] }))
      .toEqual([`MESH506 ${at}.failover`]);
    expect(locality({ failover: [{ from: 'us-east', to: 'us-west' }], failoverPriority: ['env', 'topology.kubernetes.io/zone'] }))
      .toEqual([`MESH506 ${at}.failoverPriority[1]`]);
    expect(locality({ failover: [{ from: 'us-east', to: 'us-west' }], failoverPriority: ['env'] })).toEqual([]);
    expect(locality({ failoverPriority: ['topology.kubernetes.io/region', 'topology.kubernetes.io/zone'] })).toEqual([]);
  });

  test('MESH506: distribute weights are 1-100 and sum to 100', () => {
    expect(locality({ distribute: [{ from: 'us-east/*', to: { 'us-east/*': 80, 'us-west/*': 0 } }] })).toEqual([`MESH506 ${at}.distribute[0].to.us-west/*`]);
    expect(locality({ distribute: [{ from: 'us-east/*', to: { 'us-east/*': 80, 'us-west/*': 15 } }] })).toEqual([`MESH506 ${at}.distribute[0].to`]);
    expect(locality({ distribute: [{ from: 'us-east/*', to: { 'us-east/*': 80, 'us-west/*': 20 } }] })).toEqual([]);
  });

  test('MESH506: localities have no empty part, one trailing *, and do not overlap', () => {
    const to = (t: M) => locality({ distribute: [{ from: 'us-east', to: t }] });
    expect(to({ 'us-east//a': 100 })).toEqual([`MESH506 ${at}.distribute[0].to`]);
    expect(to({ 'us-*/a': 100 })).toEqual([`MESH506 ${at}.distribute[0].to`]);
    expect(to({ 'us-east': 50, 'us-east/zone1': 50 })).toEqual([`MESH506 ${at}.distribute[0].to`]);
    expect(to({ 'us-east/*': 50, 'us-east/zone1/a': 50 })).toEqual([`MESH506 ${at}.distribute[0].to`]);
    expect(to({ 'us-east/zone1': 50, 'us-east/zone2/a': 50 })).toEqual([]);
    expect(to({ 'us-east/zone1/a': 50, 'us-east/zone1/b': 50 })).toEqual([]);
    const from = (froms: string[]) => locality({ distribute: froms.map((f) => ({ from: f, to: { 'us-east': 100 } })) });
    expect(from(['*', 'us-east'])).toEqual([`MESH506 ${at}.distribute`]);
    expect(from(['us-east/zone1', 'us-east/zone1'])).toEqual([`MESH506 ${at}.distribute`]);
    expect(from(['us-east/zone1', 'us-west'])).toEqual([]);
  });

  test('MESH506: a failover goes between two regions, without zones or wildcards', () => {
    expect(locality({ failover: [{ from: 'us-east', to: 'us-east' }] })).toEqual([`MESH502 ${at}.failover[0]`]);
    expect(locality({ failover: [{ from: 'us-east/zone1', to: 'us-west' }] })).toEqual([`MESH506 ${at}.failover[0]`]);
    expect(locality({ failover: [{ from: 'us-east', to: 'us-*' }] })).toEqual([`MESH506 ${at}.failover[0]`]);
    expect(locality({ failover: [{ from: 'us-east', to: 'us-west' }, { from: 'us-west', to: 'us-east' }] })).toEqual([]);
  });
});

describe("istiod's webhook: consistent-hash cookie attributes (Istio 1.28 and later: validation.go at 1.30.3, validateLoadBalancer)", () => {
  const cookie = (attributes: M[], version: '1.24' | '1.30' = '1.30') => checkWebhook(destinationRule('orders', [], {
    trafficPolicy: { loadBalancer: { consistentHash: { httpCookie: { name: 'session', ttl: '0s', attributes } } } },
  }), version).map((f) => `${f.code} ${f.field}`);
  const a = 'spec.trafficPolicy.loadBalancer.consistentHash.httpCookie.attributes';

  test('MESH172: each attribute is named, no name twice', () => {
    expect(cookie([{ name: 'SameSite', value: 'Strict' }, { name: 'SameSite', value: 'Lax' }])).toEqual([`MESH172 ${a}[1].name`]);
    expect(cookie([{ name: '' }])).toEqual([`MESH172 ${a}[0].name`]);
    expect(cookie([{ name: 'SameSite', value: 'Strict' }, { name: 'Secure' }, { name: 'HttpOnly' }])).toEqual([]);
    // 1.24's istiod does not know the field (its CRD refuses it, MESH150).
    expect(cookie([{ name: 'SameSite' }, { name: 'SameSite' }], '1.24')).toEqual([]);
  });
});

describe("istiod's webhook: Sidecar connection pools (ValidateSidecar, validateConnectionPool)", () => {
  const sc = (spec: M) => webhook(sidecar('orders', spec));
  const port = { number: 8080, protocol: 'HTTP', name: 'http' };

  test('MESH172 and MESH173 on each ingress listener\'s pool and on inboundConnectionPool', () => {
    expect(sc({ ingress: [{ port, connectionPool: {} }] })).toEqual(['MESH172 spec.ingress[0].connectionPool']);
    expect(sc({ ingress: [{ port, connectionPool: { tcp: { connectTimeout: '1.0005s' } } }] })).toEqual(['MESH173 spec.ingress[0].connectionPool.tcp.connectTimeout']);
    expect(sc({ inboundConnectionPool: { http: { http1MaxPendingRequests: -1, idleTimeout: '2500us' } } }))
      .toEqual(['MESH172 spec.inboundConnectionPool.http.http1MaxPendingRequests', 'MESH173 spec.inboundConnectionPool.http.idleTimeout']);
    expect(sc({ inboundConnectionPool: { tcp: { idleTimeout: '-1s' } } })).toEqual(['MESH173 spec.inboundConnectionPool.tcp.idleTimeout']);
    expect(sc({
      ingress: [{ port, connectionPool: { tcp: { connectTimeout: '2s', idleTimeout: '0s' } } }],
      inboundConnectionPool: { http: { http1MaxPendingRequests: 100, idleTimeout: '1h' } },
    })).toEqual([]);
  });

  test('one finding per problem: a pool timeout under 1ms is the CEL rule\'s MESH151 alone', () => {
    const findings = validateManifests([sidecar('orders', { inboundConnectionPool: { tcp: { connectTimeout: '0.5ms' } } })], { schemaOnly: true });
    expect(findings.map((f) => `${f.code} ${f.field}`)).toEqual(['MESH151 spec.inboundConnectionPool.tcp.connectTimeout']);
  });
});

describe("istiod's webhook: Sidecar ingress listeners (ValidateSidecar)", () => {
  const listener = (l: M) => webhook(sidecar('orders', { ingress: [{ port: { number: 8443, protocol: 'HTTPS', name: 'https' }, ...l }] }));
  const at = 'spec.ingress[0]';

  test('MESH164: no targetPort', () => {
    expect(webhook(sidecar('orders', { ingress: [{ port: { number: 80, protocol: 'HTTP', name: 'http', targetPort: 8080 } }] }))).toEqual([`MESH164 ${at}.port.targetPort`]);
    expect(webhook(sidecar('orders', { ingress: [{ port: { number: 80, protocol: 'HTTP', name: 'http' } }] }))).toEqual([]);
  });

  test.each([
    // a host other than the loopback or any address: ValidateSidecar's own error (MESH164)
    ['10.0.0.1:8080', ['MESH164']], ['localhost:8080', ['MESH164']],
    // net.SplitHostPort refuses it (MESH181), and the port it could not split is no number (MESH180)
    ['127.0.0.1', ['MESH180', 'MESH181']],
    // a port out of range or not a number (strconv.Atoi, ValidatePort)
    ['127.0.0.1:0', ['MESH180']], ['127.0.0.1:http', ['MESH180']],
    // ValidateUnixAddress
    ['unix://relative.sock', ['MESH181']], ['unix:///var/run/', ['MESH181']], ['unix://', ['MESH181']],
    ['127.0.0.1:8080', []], ['0.0.0.0:8080', []], ['[::1]:8080', []], ['[::]:8080', []], [':8080', []],
    ['unix:///var/run/app.sock', []], ['unix://@abstract', []],
  ])('defaultEndpoint %s: %s', (defaultEndpoint, codes) => {
    expect(listener({ port: { number: 8080, protocol: 'HTTP', name: 'http' }, defaultEndpoint })).toEqual(codes.map((c) => `${c} ${at}.defaultEndpoint`));
  });

  test('MESH164: TLS only on HTTPS/TLS ports, without SANs, httpsRedirect, credentialName or gateway-only modes', () => {
    const tls = { mode: 'SIMPLE', serverCertificate: '/etc/certs/cert.pem', privateKey: '/etc/certs/key.pem' };
    expect(listener({ tls: { ...tls, subjectAltNames: ['a'] } })).toEqual([`MESH164 ${at}.tls.subjectAltNames`]);
    expect(listener({ tls: { ...tls, httpsRedirect: true } })).toEqual([`MESH164 ${at}.tls.httpsRedirect`]);
    expect(listener({ tls: { mode: 'SIMPLE', credentialName: 'orders-cert' } })).toEqual([`MESH164 ${at}.tls.credentialName`]);
    expect(listener({ tls: { mode: 'ISTIO_MUTUAL' } })).toEqual([`MESH164 ${at}.tls.mode`]);
    expect(listener({ port: { number: 8080, protocol: 'HTTP', name: 'http' }, tls })).toEqual([`MESH164 ${at}.tls`]);
    expect(listener({ tls })).toEqual([]);
    expect(listener({ port: { number: 9443, protocol: 'tls', name: 'tls' }, tls })).toEqual([]);
  });
});

describe("istiod's webhook: RequestAuthentication JWKS timeout (validateJwtRule)", () => {
  const ra = (timeout: string) => webhook({
    apiVersion: 'security.istio.io/v1', kind: 'RequestAuthentication', metadata: { name: 'jwt', namespace: 'shop' },
    spec: { jwtRules: [{ issuer: 'https://issuer.example.com', timeout }] },
  });

  test('MESH173: timeout in whole milliseconds', () => {
    expect(ra('1.5005s')).toEqual(['MESH173 spec.jwtRules[0].timeout']);
    expect(ra('5s')).toEqual([]);
  });
});

describe('checks the CRD schema makes are not repeated by the webhook: one finding per problem', () => {
  const obj = (apiVersion: string, kind: string, spec: M): M => ({ apiVersion, kind, metadata: { name: 'x', namespace: 'shop' }, spec });
  const N = 'networking.istio.io/v1';
  const S = 'security.istio.io/v1';
  const port = (name: string, number: number) => ({ name, number, protocol: 'HTTP' });
  const telemetry = (randomSamplingPercentage: unknown) => obj('telemetry.istio.io/v1', 'Telemetry', { tracing: [{ providers: [{ name: 'zipkin' }], randomSamplingPercentage }] });

  test.each<[string, M, string]>([
    ['Telemetry sampling over 100', telemetry(100.1), 'MESH150 spec.tracing[0].randomSamplingPercentage'],
    ['Telemetry sampling under 0', telemetry(-1), 'MESH150 spec.tracing[0].randomSamplingPercentage'],
    ['Telemetry provider without a name', obj('telemetry.istio.io/v1', 'Telemetry', { metrics: [{ providers: [{ name: '' }] }] }), 'MESH150 spec.metrics[0].providers[0].name'],
    ['WasmPlugin with an empty url', obj('extensions.istio.io/v1alpha1', 'WasmPlugin', { url: '' }), 'MESH150 spec.url'],
    ['PeerAuthentication port outside 1-65535', obj(S, 'PeerAuthentication', { selector: { matchLabels: { app: 'a' } }, portLevelMtls: { 70000: { mode: 'STRICT' } } }), 'MESH151 spec.portLevelMtls'],
    ['PeerAuthentication empty portLevelMtls', obj(S, 'PeerAuthentication', { selector: { matchLabels: { app: 'a' } }, portLevelMtls: {} }), 'MESH150 spec.portLevelMtls'],
    ['PeerAuthentication port-level mTLS without selector', obj(S, 'PeerAuthentication', { portLevelMtls: { 8080: { mode: 'STRICT' } } }), 'MESH151 spec'],
    ['ServiceEntry repeated port name', obj(N, 'ServiceEntry', { hosts: ['a.example.com'], ports: [port('http', 80), port('http', 81)] }), 'MESH171 spec.ports[1]'],
    ['ServiceEntry repeated port number', obj(N, 'ServiceEntry', { hosts: ['a.example.com'], ports: [port('a', 80), port('b', 80)] }), 'MESH151 spec.ports'],
    ['ServiceEntry workloadSelector with endpoints', obj(N, 'ServiceEntry', { hosts: ['a.example.com'], resolution: 'STATIC', workloadSelector: { labels: { app: 'a' } }, endpoints: [{ address: '10.0.0.1' }] }), 'MESH151 spec'],
    ['ServiceEntry CIDR with DNS', obj(N, 'ServiceEntry', { hosts: ['a.example.com'], addresses: ['10.0.0.0/8'], resolution: 'DNS', ports: [port('http', 80)] }), 'MESH151 spec'],
    ['Gateway port without a name', obj(N, 'Gateway', { servers: [{ hosts: ['*'], port: { number: 80, protocol: 'HTTP' } }] }), 'MESH150 spec.servers[0].port'],
    ['two Gateway ports without a name', obj(N, 'Gateway', { servers: [80, 81].map((number) => ({ hosts: ['*'], port: { number, protocol: 'HTTP' } })) }), 'MESH150 spec.servers[0].port|MESH150 spec.servers[1].port'],
    ['Sidecar ingress without a port', obj(N, 'Sidecar', { ingress: [{ defaultEndpoint: '127.0.0.1:8080' }] }), 'MESH150 spec.ingress[0]'],
    ['VirtualService TLS route without match', obj(N, 'VirtualService', { hosts: ['a'], tls: [{ route: [{ destination: { host: 'a' } }] }] }), 'MESH150 spec.tls[0]'],
    ['DestinationRule warmup without duration', obj(N, 'DestinationRule', { host: 'a', trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN', warmup: { minimumPercent: 10 } } } }), 'MESH150 spec.trafficPolicy.loadBalancer.warmup'],
    ['RequestAuthentication jwksUri not http(s)', obj(S, 'RequestAuthentication', { jwtRules: [{ issuer: 'https://i', jwksUri: 'ftp://keys' }] }), 'MESH151 spec.jwtRules[0].jwksUri'],
    ['RequestAuthentication empty audience', obj(S, 'RequestAuthentication', { jwtRules: [{ issuer: 'https://i', audiences: [''] }] }), 'MESH150 spec.jwtRules[0].audiences[0]'],
    ['RequestAuthentication claim to header without claim', obj(S, 'RequestAuthentication', { jwtRules: [{ issuer: 'https://i', outputClaimToHeaders: [{ header: 'x-sub' }] }] }), 'MESH150 spec.jwtRules[0].outputClaimToHeaders[0]'],
  ])('%s', (_what, m, only) => {
    expect(validateManifests([m], { schemaOnly: true }).map((f) => `${f.code} ${f.field}`)).toEqual(only.split('|'));
  });

  test('the webhook still refuses what the schema accepts: an empty port name, an empty TLS match list, a sampling of 100 is fine', () => {
    const all = (m: M) => validateManifests([m], { schemaOnly: true }).map((f) => `${f.code} ${f.field}`);
    expect(all(obj(N, 'Gateway', { servers: [{ hosts: ['*'], port: { name: '', number: 80, protocol: 'HTTP' } }] }))).toEqual(['MESH504 spec.servers[0].port.name']);
    expect(all(obj(N, 'VirtualService', { hosts: ['a'], tls: [{ match: [], route: [{ destination: { host: 'a' } }] }] }))).toEqual(['MESH160 spec.tls[0].match']);
    expect(validateManifests([telemetry(100)], { schemaOnly: true })).toEqual([]);
  });
});
