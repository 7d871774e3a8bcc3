/**
 * Gateways colliding on shared gateway pods (IST0145 ConflictingGateways, IST0138
 * DuplicateCertificate), as istio/istio pkg/config/analysis/analyzers/gateway/
 * conflictinggateway.go and certificate.go decide them, each collision reported once per
 * pair of Gateways with the other as the related resource.
 */
import { analyze } from '../../src/validate/analysis';
import { Finding } from '../../src/validate';

type Server = { port: number; hosts: string[]; bind?: string; credentialName?: string };

function gateway(namespace: string, name: string, servers: Server[], selector: Record<string, string> = { istio: 'ingressgateway' }) {
  return {
    apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name, namespace },
    spec: {
      selector,
      servers: servers.map((s) => ({
        port: { number: s.port, name: `p-${s.port}`, protocol: s.credentialName ? 'HTTPS' : 'HTTP' },
        hosts: s.hosts,
        ...(s.bind ? { bind: s.bind } : {}),
        ...(s.credentialName ? { tls: { mode: 'SIMPLE', credentialName: s.credentialName } } : {}),
      })),
    },
  };
}

function pod(labels: Record<string, string>) {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: `gw-${Object.values(labels).join('-')}`, namespace: 'istio-system', labels }, spec: { containers: [{ name: 'istio-proxy' }] } };
}

const of = (code: string, manifests: any[]) => analyze(manifests).filter((f) => f.code === code);
const line = (f: Finding) => `${f.resource.namespace}/${f.resource.name} ${f.field} (with ${f.related?.namespace}/${f.related?.name})`;

describe('MESH120: two Gateways claiming one host and port on the same pods (IST0145)', () => {
  test('one finding per pair, on the Gateway whose name sorts last, naming the other; an error', () => {
    const found = of('MESH120', [
      gateway('bookinfo-staging', 'bookinfo-gateway', [{ port: 8080, hosts: ['*'] }]),
      gateway('bookinfo-dev', 'bookinfo-gateway', [{ port: 8080, hosts: ['*'] }]),
    ]);
    expect(found.map(line)).toEqual(['bookinfo-staging/bookinfo-gateway spec.servers[0].hosts (with bookinfo-dev/bookinfo-gateway)']);
    expect(found[0].severity ?? 'error').toBe('error');
    expect(found[0].message).toMatch(/conflicts with Gateway bookinfo-dev\/bookinfo-gateway \(workload selector istio=ingressgateway, port 8080, hosts \*\)/);
  });

  test('three environments on one host: each pair once', () => {
    const found = of('MESH120', ['bookinfo', 'bookinfo-dev', 'bookinfo-staging'].map((ns) => gateway(ns, 'bookinfo-gateway', [{ port: 8080, hosts: ['*'] }])));
    // (`bookinfo/…` sorts after `bookinfo-…/…`: '/' comes after '-')
    expect(found.map(line).sort()).toEqual([
      'bookinfo-staging/bookinfo-gateway spec.servers[0].hosts (with bookinfo-dev/bookinfo-gateway)',
      'bookinfo/bookinfo-gateway spec.servers[0].hosts (with bookinfo-dev/bookinfo-gateway)',
      'bookinfo/bookinfo-gateway spec.servers[0].hosts (with bookinfo-staging/bookinfo-gateway)',
    ]);
  });

  test('no conflict: another port (Istio 1.25+), other hosts, a wildcard beside a name, other namespaces\' hosts, another bind', () => {
    const a = (servers: Server[]) => gateway('dev', 'a', servers);
    const b = (servers: Server[]) => gateway('staging', 'b', servers);
    expect(of('MESH120', [a([{ port: 8080, hosts: ['*'] }]), b([{ port: 8443, hosts: ['*'] }])])).toEqual([]);
    expect(of('MESH120', [a([{ port: 8080, hosts: ['dev.shop.example.com'] }]), b([{ port: 8080, hosts: ['staging.shop.example.com'] }])])).toEqual([]);
    // Hosts are compared as written (model.CheckDuplicates), not matched as wildcards.
    expect(of('MESH120', [a([{ port: 8080, hosts: ['*'] }]), b([{ port: 8080, hosts: ['shop.example.com'] }])])).toEqual([]);
    expect(of('MESH120', [a([{ port: 8080, hosts: ['dev/*'] }]), b([{ port: 8080, hosts: ['staging/*'] }])])).toEqual([]);
    expect(of('MESH120', [a([{ port: 8080, hosts: ['*'], bind: '10.0.0.1' }]), b([{ port: 8080, hosts: ['*'], bind: '10.0.0.2' }])])).toEqual([]);
  });

  test('a sub-selector conflicts only when some pod carries both selectors', () => {
    const wide = gateway('dev', 'wide', [{ port: 80, hosts: ['foo.bar'] }], { istio: 'ingressgateway' });
    const narrow = gateway('staging', 'narrow', [{ port: 80, hosts: ['foo.bar'] }], { istio: 'ingressgateway', zone: 'a' });
    expect(of('MESH120', [wide, narrow, pod({ istio: 'ingressgateway', zone: 'a' })]).map(line)).toEqual(['staging/narrow spec.servers[0].hosts (with dev/wide)']);
    expect(of('MESH120', [wide, narrow, pod({ istio: 'ingressgateway', zone: 'b' })])).toEqual([]);
  });

  test("a Gateway's last server on a port stands for it there, so the conflict is found from one side only", () => {
    // GIVEN a with two servers on 8080 (a.com, then b.com) and b serving a.com on 8080
    const a = gateway('x', 'a', [{ port: 8080, hosts: ['a.com'] }, { port: 8080, hosts: ['b.com'] }]);
    const b = gateway('y', 'b', [{ port: 8080, hosts: ['a.com'] }]);
    // THEN a's first server collides with b, but b's a.com does not meet a's last server: reported on a
    expect(of('MESH120', [a, b]).map(line)).toEqual(['x/a spec.servers[0].hosts (with y/b)']);
  });
});

describe('MESH134: two Gateways on the same pods serving one certificate (IST0138)', () => {
  test('the same credential on the same pods: one warning per pair, naming the other', () => {
    const found = of('MESH134', ['dev', 'staging', 'production'].map((env) => gateway(env, 'shop-gateway', [{ port: 443, hosts: [`${env}.shop.example.com`], credentialName: 'shop-tls' }])));
    expect(found.map(line).sort()).toEqual([
      'production/shop-gateway spec.servers[0].tls (with dev/shop-gateway)',
      'staging/shop-gateway spec.servers[0].tls (with dev/shop-gateway)',
      'staging/shop-gateway spec.servers[0].tls (with production/shop-gateway)',
    ]);
    expect(found.every((f) => f.severity === 'warning')).toBe(true);
  });

  test('each environment its own credential: nothing', () => {
    expect(of('MESH134', ['dev', 'staging'].map((env) => gateway(env, 'shop-gateway', [{ port: 443, hosts: [`${env}.shop.example.com`], credentialName: `shop-${env}-tls` }])))).toEqual([]);
  });

  test("reported on the Gateway whose selector is included in the other's, as certificate.go checks it", () => {
    const wide = gateway('a', 'wide', [{ port: 443, hosts: ['a.com'], credentialName: 'c' }], { istio: 'ingressgateway' });
    const narrow = gateway('b', 'narrow', [{ port: 443, hosts: ['b.com'], credentialName: 'c' }], { istio: 'ingressgateway', type: 'internal' });
    expect(of('MESH134', [wide, narrow]).map(line)).toEqual(['a/wide spec.servers[0].tls (with b/narrow)']);
    const other = gateway('b', 'other', [{ port: 443, hosts: ['b.com'], credentialName: 'c' }], { istio: 'eastwest' });
    expect(of('MESH134', [wide, other])).toEqual([]);
  });
});

describe('MESH143: plaintext and TLS servers on one port of the same gateway pods', () => {
  // istiod builds one listener per port: it merges the servers of the kind it meets first and rejects the others
  // (pilot/pkg/model/gateway.go MergeGateways, "conflict with existing server" and "TLS server without TLS options").
  test('an HTTP server and an HTTPS server on 443, in two Gateways or in one: once per pair, on the TLS side, an error', () => {
    const tls = gateway('shop', 'public', [{ port: 443, hosts: ['*.example.com'], credentialName: 'public-tls' }]);
    const plain = gateway('shop', 'status', [{ port: 443, hosts: ['status.example.com'] }]);
    const found = of('MESH143', [tls, plain]);
    expect(found.map(line)).toEqual(['shop/public spec.servers[0].port (with shop/status)']);
    expect(found[0].severity ?? 'error').toBe('error');
    expect(found[0].message).toMatch(/\(port 443: HTTP on Gateway shop\/status, HTTPS on Gateway shop\/public\): istiod keeps the servers of the kind/);
    const both = gateway('shop', 'both', [{ port: 443, hosts: ['a.example.com'], credentialName: 'a-tls' }, { port: 443, hosts: ['b.example.com'] }]);
    expect(of('MESH143', [both]).map(line)).toEqual(['shop/both spec.servers[0].port (with shop/both)']);
  });

  test('no finding: TLS servers together (told apart by SNI), plaintext ones together, other ports, other binds, other pods', () => {
    const https = (name: string, host: string) => gateway('shop', name, [{ port: 443, hosts: [host], credentialName: `${name}-tls` }]);
    expect(of('MESH143', [https('a', 'a.example.com'), https('b', 'b.example.com')])).toEqual([]);
    expect(of('MESH143', [gateway('shop', 'a', [{ port: 80, hosts: ['a.example.com'] }]), gateway('shop', 'b', [{ port: 80, hosts: ['b.example.com'] }])])).toEqual([]);
    expect(of('MESH143', [https('a', 'a.example.com'), gateway('shop', 'b', [{ port: 80, hosts: ['b.example.com'] }])])).toEqual([]);
    expect(of('MESH143', [gateway('shop', 'a', [{ port: 443, hosts: ['a.example.com'], credentialName: 'a-tls', bind: '10.0.0.1' }]),
      gateway('shop', 'b', [{ port: 443, hosts: ['b.example.com'], bind: '10.0.0.2' }])])).toEqual([]);
    expect(of('MESH143', [https('a', 'a.example.com'), gateway('shop', 'b', [{ port: 443, hosts: ['b.example.com'] }], { istio: 'other-gateway' })])).toEqual([]);
  });
});

/**
 * MESH541: istiod merges the plaintext servers of a port only when both are HTTP (pilot/pkg/model/gateway.go, canMergeProtocols:
 * "(current.IsHTTP() || current == p) && p.IsHTTP()"), and skips every later one ("conflict with existing server"); a plain TCP
 * connection carries no host, so two environments' TCP servers on one port of the shared gateway lose one of them.
 */
describe('MESH541: plaintext servers on one port of the same gateway pods that istiod cannot merge', () => {
  const server = (protocol: string, hosts: string[], port = 7777) => ({ port: { number: port, name: `${protocol.toLowerCase()}-${port}`, protocol }, hosts });
  const gw = (namespace: string, servers: any[], selector = { istio: 'ingressgateway' }) => ({
    apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'game-tcp', namespace }, spec: { selector, servers },
  });

  test("two environments' TCP servers on 7777 for hosts of their own: an error once per pair, whatever the hosts", () => {
    const found = of('MESH541', [gw('game', [server('TCP', ['play.example.com'])]), gw('game-dev', [server('TCP', ['dev.play.example.com'])])]);
    expect(found.map(line)).toEqual(['game/game-tcp spec.servers[0].port (with game-dev/game-tcp)']);
    expect(found[0].severity ?? 'error').toBe('error');
    expect(found[0].message).toMatch(/\(port 7777: TCP for play\.example\.com on Gateway game\/game-tcp, TCP for dev\.play\.example\.com on Gateway game-dev\/game-tcp\): it merges only HTTP ones/);
    // in one Gateway too, and an HTTP server beside a TCP one
    expect(of('MESH541', [gw('game', [server('TCP', ['a.example.com']), server('MONGO', ['b.example.com'])])]).map(line))
      .toEqual(['game/game-tcp spec.servers[0].port (with game/game-tcp)']);
    expect(of('MESH541', [gw('game', [server('HTTP', ['a.example.com'], 80)]), gw('game-dev', [server('TCP', ['b.example.com'], 80)])])).toHaveLength(1);
  });

  test('no finding: HTTP servers together, other ports, other pods, TLS servers (MESH143), one host (MESH120)', () => {
    expect(of('MESH541', [gw('game', [server('HTTP', ['a.example.com'], 80)]), gw('game-dev', [server('HTTP2', ['b.example.com'], 80)])])).toEqual([]);
    expect(of('MESH541', [gw('game', [server('TCP', ['a.example.com'])]), gw('game-dev', [server('TCP', ['b.example.com'], 7787)])])).toEqual([]);
    expect(of('MESH541', [gw('game', [server('TCP', ['a.example.com'])]), gw('game-dev', [server('TCP', ['b.example.com'])], { istio: 'other' })])).toEqual([]);
    const tls = { ...server('TLS', ['b.example.com']), tls: { mode: 'SIMPLE', credentialName: 'b-tls' } };
    expect(of('MESH541', [gw('game', [server('TCP', ['a.example.com'])]), gw('game-dev', [tls])])).toEqual([]);
    expect(of('MESH541', [gw('game', [server('TCP', ['*'])]), gw('game-dev', [server('TCP', ['*'])])])).toEqual([]);
    expect(of('MESH120', [gw('game', [server('TCP', ['*'])]), gw('game-dev', [server('TCP', ['*'])])])).toHaveLength(1);
  });
});

/**
 * MESH144: istiod appends the routes of every VirtualService bound to one Gateway for one host to one virtual host, in the order
 * the gateway sees them (pilot/pkg/networking/core/gateway.go, buildGatewayRoutes); Envoy takes the first route that matches.
 */
describe('MESH144: VirtualServices of one Gateway for one host, one routing every request', () => {
  const vs = (namespace: string, hosts: string[], http: any[], gateways = ['istio-system/public']) => ({
    apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'routes', namespace },
    spec: { hosts, gateways, http },
  });
  const to = (ns: string) => ({ route: [{ destination: { host: `web.${ns}.svc.cluster.local` } }] });
  const shared = gateway('istio-system', 'public', [{ port: 443, hosts: ['*.example.com'], credentialName: 'wildcard' }]);
  const merged = (...vss: any[]) => of('MESH144', [shared, pod({ istio: 'ingressgateway' }), ...vss]).map(line);

  test('a catch-all in either: one finding, on the VirtualService whose name sorts last, naming the first', () => {
    expect(merged(vs('staging', ['shop.example.com'], [to('staging')]), vs('prod', ['shop.example.com'], [{ match: [{ uri: { prefix: '/api/' } }], ...to('prod') }])))
      .toEqual(['staging/routes spec.hosts (with prod/routes)']);
    expect(merged(vs('a', ['shop.example.com'], [{ match: [{ uri: { prefix: '/' } }], ...to('a') }]), vs('b', ['shop.example.com'], [to('b')])))
      .toEqual(['b/routes spec.hosts (with a/routes)']);
  });

  test('the host the server and the VirtualService have in common is the one merged: the wildcard itself in both, or one name under it', () => {
    expect(merged(vs('a', ['*.example.com'], [to('a')]), vs('b', ['*.example.com'], [to('b')]))).toEqual(['b/routes spec.hosts (with a/routes)']);
    expect(merged(vs('a', ['*.example.com'], [to('a')]), vs('b', ['shop.example.com'], [to('b')]))).toEqual([]);
    expect(merged(vs('a', ['SHOP.example.com'], [to('a')]), vs('b', ['shop.example.com'], [to('b')]))).toEqual(['b/routes spec.hosts (with a/routes)']);
  });

  test("a rule whose matches imply another's takes its requests in one of the orders, either way round; the message names both rules", () => {
    const path = (match: any, ns: string) => ({ match: [match], ...to(ns) });
    const found = of('MESH144', [shared, pod({ istio: 'ingressgateway' }),
      vs('a', ['shop.example.com'], [path({ uri: { exact: '/api/orders' } }, 'a')]),
      vs('b', ['shop.example.com'], [path({ uri: { prefix: '/web/' } }, 'b'), path({ uri: { prefix: '/api/' } }, 'b')])]);
    expect(found.map(line)).toEqual(['b/routes spec.hosts (with a/routes)']);
    expect(found[0].message).toMatch(/this one's spec\.http\[1\] takes every request a\/routes's spec\.http\[0\] would/);
    expect(found[0].severity).toBeUndefined();
  });

  test('routes split by path with no catch-all, other Gateways, and the mesh: nothing', () => {
    const path = (p: string, ns: string) => ({ match: [{ uri: { prefix: p } }], ...to(ns) });
    expect(merged(vs('a', ['shop.example.com'], [path('/api/', 'a')]), vs('b', ['shop.example.com'], [path('/web/', 'b')]))).toEqual([]);
    expect(merged(vs('a', ['shop.example.com'], [to('a')]), vs('b', ['shop.example.com'], [to('b')], ['istio-system/other']))).toEqual([]);
    expect(merged(vs('a', ['shop.example.com'], [to('a')], ['mesh']), vs('b', ['shop.example.com'], [to('b')], ['mesh']))).toEqual([]);
  });
});
