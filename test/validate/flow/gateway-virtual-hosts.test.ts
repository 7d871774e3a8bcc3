// The plain-HTTP servers of one port on one gateway workload share one route configuration: istiod builds a virtual
// host per hostname of (server hosts ∩ bound VirtualService hosts), redirecting (RequireTls ALL) when a server that
// gives it has httpsRedirect, and one per host of a redirecting server (pilot/pkg/networking/core/gateway.go,
// buildGatewayHTTPRouteConfig). Envoy takes the virtual host whose domain equals the Host, else the longest wildcard
// that covers it (envoy/config/route/v3/route_components.proto, VirtualHost.domains).
import { EdgeGateway, IngressGateway, MeshService } from '../../../src';
import { evaluateFlow } from '../../../src/validate';
import { app, gateway, INGRESS, virtualService } from './fixtures';
import { meshChart, synth } from '../../util';

const http80 = { number: 80, name: 'http', protocol: 'HTTP' as const };
const external = (host: string) => ({ source: { external: true as const }, host, port: 80, method: 'GET' as const, path: '/' });
const opts = { platform: [INGRESS] };

describe('which virtual host a plain-HTTP request meets on a shared gateway port', () => {
  // GIVEN two Gateways on the same gateway pods: a wildcard that redirects port 80 to HTTPS, and one exact host served on 80
  const objs = [
    ...app('web', 'shop'),
    gateway('public', 'shop', { selector: { istio: 'ingressgateway' }, servers: [{ port: http80, hosts: ['*.example.com'], tls: { httpsRedirect: true } }] }),
    gateway('plain', 'shop', { selector: { istio: 'ingressgateway' }, servers: [{ port: http80, hosts: ['a.example.com'] }] }),
    virtualService('web', 'shop', { hosts: ['a.example.com'], gateways: ['plain'], http: [{ route: [{ destination: { host: 'web' } }] }] }),
  ];

  test("the exact host's virtual host wins over the redirecting wildcard, in either order of the Gateways", () => {
    for (const manifests of [objs, [...objs].reverse()]) {
      const v = evaluateFlow(manifests, external('a.example.com'), opts);
      expect(v.allowed).toBe(true);
      expect(v.hops.join(' ')).toContain('shop/web:8080');
    }
  });

  test('a host only the wildcard covers is redirected (301)', () => {
    expect(evaluateFlow(objs, external('b.example.com'), opts)).toMatchObject({
      allowed: false, decidedBy: { layer: 'routing', kind: 'Gateway', name: 'public' },
      reason: expect.stringMatching(/redirects b\.example\.com:80 to HTTPS \(301\)/),
    });
  });

  test('a redirecting server that gives the same hostname redirects it, whichever Gateway routes it', () => {
    const redirectingToo = gateway('public', 'shop', { selector: { istio: 'ingressgateway' }, servers: [
      { port: http80, hosts: ['a.example.com'], tls: { httpsRedirect: true } },
    ] });
    const manifests = [...objs.filter((m) => !(m.kind === 'Gateway' && m.metadata.name === 'public')), redirectingToo];
    expect(evaluateFlow(manifests, external('a.example.com'), opts).reason).toMatch(/to HTTPS \(301\)/);
  });

  test('of two wildcards the longer wins: *.shop.example.com routes, *.example.com redirects', () => {
    const manifests = [
      ...app('web', 'shop'),
      gateway('public', 'shop', { selector: { istio: 'ingressgateway' }, servers: [{ port: http80, hosts: ['*.example.com'], tls: { httpsRedirect: true } }] }),
      gateway('plain', 'shop', { selector: { istio: 'ingressgateway' }, servers: [{ port: http80, hosts: ['*.shop.example.com'] }] }),
      virtualService('web', 'shop', { hosts: ['*.shop.example.com'], gateways: ['plain'], http: [{ route: [{ destination: { host: 'web' } }] }] }),
    ];
    expect(evaluateFlow(manifests, external('eu.shop.example.com'), opts).allowed).toBe(true);
    expect(evaluateFlow(manifests, external('eu.example.com'), opts).reason).toMatch(/to HTTPS \(301\)/);
  });
});

describe('which TLS server a request meets on a shared gateway port', () => {
  // Each TLS server is a filter chain of its own, matched by SNI: the exact name first, then the longest wildcard
  // (envoy/config/listener/v3/listener_components.proto, FilterChainMatch.server_names); its routes are its Gateway's.
  const https = (name: string, host: string) => gateway(name, 'shop', { selector: { istio: 'ingressgateway' }, servers: [
    { port: { number: 443, name: `https-${name}`, protocol: 'HTTPS' }, hosts: [host], tls: { mode: 'SIMPLE', credentialName: `${name}-tls` } },
  ] });
  const route = (name: string, gw: string, host: string, prefix: string, to: string) => virtualService(name, 'shop', {
    hosts: [host], gateways: [gw], http: [{ match: [{ uri: { prefix } }], route: [{ destination: { host: to } }] }],
  });
  const objs = [
    ...app('web', 'shop'), ...app('api', 'shop'),
    https('public', '*.example.com'), route('public', 'public', '*.example.com', '/', 'web'),
    https('partner', 'api.example.com'), route('partner', 'partner', 'api.example.com', '/v2/', 'api'),
  ];
  const tls = (host: string, path: string) => ({ source: { external: true as const }, host, port: 443, method: 'GET' as const, path });

  test("the exact name's server takes its requests, in either order of the Gateways; the wildcard's takes the others", () => {
    for (const manifests of [objs, [...objs].reverse()]) {
      const v = evaluateFlow(manifests, tls('api.example.com', '/v2/x'), opts);
      expect(v.allowed).toBe(true);
      expect(v.hops.join(' ')).toContain('shop/api:8080');
      expect(evaluateFlow(manifests, tls('www.example.com', '/x'), opts).hops.join(' ')).toContain('shop/web:8080');
    }
  });
});

describe('an IngressGateway on a wildcard and an EdgeGateway on one of its hosts, on the platform gateway pods', () => {
  test("synth proves the EdgeGateway's route on port 80 although the IngressGateway redirects its other hosts there", () => {
    // GIVEN the public wildcard (HTTPS, port 80 redirected) and a plain-HTTP host of its own for a status page
    const { app: meshApp, chart } = meshChart();
    const shop = new MeshService(chart, 'shop', { image: 'registry.example.com/shop:1.0.0' });
    const status = new MeshService(chart, 'status', { image: 'registry.example.com/status:1.0.0' });
    new IngressGateway(chart, 'public', { hosts: ['*.example.com'], credentialName: 'public-tls' }).route(shop);
    new EdgeGateway(chart, 'status-gateway', { servers: [{ port: http80, hosts: ['status.example.com'] }] }).route(status);
    // WHEN it is synthesized (each route's flow from outside is an intended flow, which synth checks)
    const manifests = synth(meshApp);
    // THEN the status host is served on 80, and another host of the wildcard is redirected
    expect(evaluateFlow(manifests, external('status.example.com'), { platform: chart.platform.workloads(chart.namespace) }).allowed).toBe(true);
    expect(evaluateFlow(manifests, external('www.example.com'), { platform: chart.platform.workloads(chart.namespace) }).reason)
      .toMatch(/to HTTPS \(301\)/);
  });
  test("two IngressGateways, a wildcard and one of its names: synth proves each one's routes through its own server", () => {
    const { app: meshApp, chart } = meshChart();
    const web = new MeshService(chart, 'web', { image: 'registry.example.com/web:1.0.0' });
    const api = new MeshService(chart, 'api', { image: 'registry.example.com/api:1.0.0' });
    // `all-hosts` comes first in the manifests: the server that covers the host first is not the one that takes it.
    new IngressGateway(chart, 'all-hosts', { hosts: ['*.example.com'], credentialName: 'public-tls' }).route(web);
    new IngressGateway(chart, 'partner', { hosts: ['api.example.com'], credentialName: 'partner-tls' }).route(api, { pathPrefix: '/v2/' });
    const manifests = synth(meshApp);
    const platform = { platform: chart.platform.workloads(chart.namespace) };
    const https = (host: string, path: string) => ({ source: { external: true as const }, host, port: 443, method: 'GET' as const, path });
    expect(evaluateFlow(manifests, https('api.example.com', '/v2/x'), platform).hops.join(' ')).toMatch(/production\/api:8080/);
    expect(evaluateFlow(manifests, https('www.example.com', '/x'), platform).hops.join(' ')).toMatch(/production\/web:8080/);
  });
});

// One Gateway server for `*.example.com` and VirtualServices bound to it: istiod names each virtual host by what the server
// and a VirtualService host have in common, and appends a further VirtualService's routes to a virtual host of the same
// name (pilot/pkg/networking/core/gateway.go, buildGatewayRoutes); Envoy takes the exact domain before the wildcard.
describe("which VirtualServices' routes a request meets at one Gateway server", () => {
  const to = (svc: string) => [{ route: [{ destination: { host: svc } }] }];
  const objs = [
    ...app('web', 'shop'), ...app('api', 'shop'), ...app('any', 'shop'),
    gateway('public', 'shop', { selector: { istio: 'ingressgateway' }, servers: [{ port: http80, hosts: ['*.example.com'] }] }),
    virtualService('any', 'shop', { hosts: ['*.example.com'], gateways: ['public'], http: to('any') }),
    virtualService('web', 'shop', { hosts: ['shop.example.com'], gateways: ['public'], http: [{ match: [{ uri: { prefix: '/web/' } }], route: to('web')[0].route }] }),
    virtualService('api', 'shop', { hosts: ['shop.example.com'], gateways: ['public'], http: [{ match: [{ uri: { prefix: '/api/' } }], route: to('api')[0].route }] }),
  ];
  const reached = (host: string, path: string) => evaluateFlow(objs, { ...external(host), path }, opts).reached?.map((r) => r.workload);

  test("the exact host's VirtualServices are one virtual host, each one's routes in turn; the wildcard's is another", () => {
    expect(reached('shop.example.com', '/web/x')).toEqual(['web']);
    expect(reached('shop.example.com', '/api/x')).toEqual(['api']);
    expect(reached('other.example.com', '/web/x')).toEqual(['any']);
    // The wildcard's catch-all is not the exact host's: a path neither of its VirtualServices routes is a 404 there.
    expect(evaluateFlow(objs, { ...external('shop.example.com'), path: '/other' }, opts).reason)
      .toMatch(/no http rule of VirtualServices shop\/api, shop\/web matches GET \/other \(404 NR\)/);
  });
});
