// Sidecar: https://istio.io/latest/docs/reference/config/networking/sidecar/
// PeerAuthentication: https://istio.io/latest/docs/reference/config/security/peer_authentication/
// VirtualService: https://istio.io/latest/docs/reference/config/networking/virtual-service/
// Ports used by Istio: https://istio.io/latest/docs/ops/deployment/application-requirements/#ports-used-by-istio
import { evaluateFlow } from '../../../src/validate';
import { egressHostCovers } from '../../../src/validate/flow/sidecar';
import {
  app,
  authorizationPolicy,
  call,
  deployment,
  destinationRule,
  gateway,
  INGRESS,
  networkPolicy,
  peerAuthentication,
  PROMETHEUS,
  service,
  sidecar,
  virtualService,
} from './fixtures';

const base = [...app('a', 'shop'), ...app('b', 'shop'), ...app('c', 'other')];

describe('Sidecar egress hosts', () => {
  test.each([
    ['./b.shop.svc.cluster.local', 'shop', 'b.shop.svc.cluster.local', 'shop', true],
    ['./b.shop.svc.cluster.local', 'other', 'b.shop.svc.cluster.local', 'shop', false],
    ['shop/*', 'other', 'b.shop.svc.cluster.local', 'shop', true],
    ['*/b.shop.svc.cluster.local', 'other', 'b.shop.svc.cluster.local', 'shop', true],
    ['~/*', 'shop', 'b.shop.svc.cluster.local', 'shop', false],
    ['*/*.svc.cluster.local', 'x', 'b.shop.svc.cluster.local', 'shop', true],
    ['istio-system/*', 'shop', 'b.shop.svc.cluster.local', 'shop', false],
  ])('%s in a Sidecar of %s covers %s (%s): %s', (entry, sidecarNs, host, hostNs, expected) => {
    expect(egressHostCovers(entry, sidecarNs, host, hostNs)).toBe(expected);
  });

  const only = (hosts: string[], mode = 'REGISTRY_ONLY') =>
    sidecar('a', 'shop', { workloadSelector: { labels: { app: 'a' } }, egress: [{ hosts }], outboundTrafficPolicy: { mode } });

  test('REGISTRY_ONLY: a host the Sidecar does not list is dropped (502 BlackHoleCluster)', () => {
    const v = evaluateFlow([...base, only(['./c.other.svc.cluster.local'])], call('a', 'shop', 'b'));
    expect(v).toMatchObject({ allowed: false, decidedBy: { layer: 'Sidecar egress', kind: 'Sidecar', name: 'a' } });
    expect(evaluateFlow([...base, only(['./b.shop.svc.cluster.local'])], call('a', 'shop', 'b')).allowed).toBe(true);
  });

  test('ALLOW_ANY: an unlisted host is passed through as plain TCP, which a STRICT destination refuses', () => {
    const strict = peerAuthentication('default', 'shop', { mtls: { mode: 'STRICT' } });
    expect(evaluateFlow([...base, only(['~/*'], 'ALLOW_ANY')], call('a', 'shop', 'b')).allowed).toBe(true);
    expect(evaluateFlow([...base, strict, only(['~/*'], 'ALLOW_ANY')], call('a', 'shop', 'b'))).toMatchObject({
      allowed: false,
      decidedBy: { layer: 'mTLS', kind: 'PeerAuthentication' },
    });
  });

  test('a workload\'s own Sidecar wins over the namespace\'s, which wins over the root namespace\'s', () => {
    const root = sidecar('default', 'istio-system', { egress: [{ hosts: ['~/*'] }], outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } });
    const ns = sidecar('default', 'shop', { egress: [{ hosts: ['./*'] }], outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } });
    expect(evaluateFlow([...base, root], call('a', 'shop', 'b')).decidedBy).toMatchObject({ namespace: 'istio-system', name: 'default' });
    expect(evaluateFlow([...base, root, ns], call('a', 'shop', 'b')).allowed).toBe(true);
    expect(evaluateFlow([...base, root, ns, only(['other/*'])], call('a', 'shop', 'b')).decidedBy).toMatchObject({ namespace: 'shop', name: 'a' });
  });

  test('a listener bound to a port takes that port\'s traffic', () => {
    const sc = sidecar('a', 'shop', {
      egress: [{ port: { number: 80, protocol: 'HTTP', name: 'http' }, hosts: ['other/*'] }, { hosts: ['./*'] }],
      outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
    });
    expect(evaluateFlow([...base, sc], call('a', 'shop', 'b')).allowed).toBe(false);
    expect(evaluateFlow([...base, sc], call('a', 'shop', 'c.other')).allowed).toBe(true);
  });
});

describe('mTLS: PeerAuthentication and DestinationRule TLS', () => {
  const strictNs = peerAuthentication('default', 'shop', { mtls: { mode: 'STRICT' } });

  test('STRICT refuses a source without a sidecar; PERMISSIVE (the default) admits it', () => {
    const objs = [...base, ...app('legacy', 'shop', { inject: false })];
    expect(evaluateFlow(objs, call('legacy', 'shop', 'b')).allowed).toBe(true);
    expect(evaluateFlow([...objs, strictNs], call('legacy', 'shop', 'b'))).toMatchObject({
      allowed: false,
      decidedBy: { layer: 'mTLS', name: 'default' },
    });
  });

  test('the root namespace\'s mode applies when the namespace says nothing; the workload\'s and its port-level mode win', () => {
    const objs = [...base, ...app('legacy', 'shop', { inject: false })];
    const root = peerAuthentication('default', 'istio-system', { mtls: { mode: 'STRICT' } });
    expect(evaluateFlow([...objs, root], call('legacy', 'shop', 'b')).decidedBy).toMatchObject({ namespace: 'istio-system' });
    const wl = peerAuthentication('b', 'shop', { selector: { matchLabels: { app: 'b' } }, mtls: { mode: 'PERMISSIVE' } });
    expect(evaluateFlow([...objs, root, wl], call('legacy', 'shop', 'b')).allowed).toBe(true);
    const port = peerAuthentication('b', 'shop', {
      selector: { matchLabels: { app: 'b' } },
      mtls: { mode: 'PERMISSIVE' },
      portLevelMtls: { 8080: { mode: 'STRICT' } },
    });
    expect(evaluateFlow([...objs, port], call('legacy', 'shop', 'b')).decidedBy).toMatchObject({ layer: 'mTLS', name: 'b' });
    const unset = peerAuthentication('b', 'shop', { selector: { matchLabels: { app: 'b' } }, mtls: { mode: 'UNSET' } });
    expect(evaluateFlow([...objs, strictNs, unset], call('legacy', 'shop', 'b')).decidedBy).toMatchObject({ layer: 'mTLS', name: 'default' });
  });

  test('a DestinationRule with tls DISABLE to a STRICT workload breaks, and the DestinationRule is named', () => {
    const dr = destinationRule('b', 'shop', { host: 'b', trafficPolicy: { tls: { mode: 'DISABLE' } } });
    expect(evaluateFlow([...base, strictNs, dr], call('a', 'shop', 'b'))).toMatchObject({
      allowed: false,
      decidedBy: { layer: 'mTLS', kind: 'DestinationRule', name: 'b' },
    });
    const istio = destinationRule('b', 'shop', { host: 'b', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } });
    expect(evaluateFlow([...base, strictNs, istio], call('a', 'shop', 'b')).allowed).toBe(true);
  });

  test('plaintext carries no principal: a principal rule cannot match it', () => {
    const objs = [
      ...base,
      ...app('legacy', 'shop', { inject: false }),
      authorizationPolicy('b', 'shop', { selector: { matchLabels: { app: 'b' } }, rules: [{ from: [{ source: { principals: ['*'] } }] }] }),
    ];
    expect(evaluateFlow(objs, call('legacy', 'shop', 'b')).decidedBy?.layer).toBe('AuthorizationPolicy');
    expect(evaluateFlow(objs, call('a', 'shop', 'b')).allowed).toBe(true);
  });

  test('the proxy\'s own ports (15090, 15020, 15021) skip mTLS and AuthorizationPolicy', () => {
    const objs = [...base, strictNs, authorizationPolicy('allow-nothing', 'shop', {})];
    const scrape = (port: number) => evaluateFlow(objs, { source: { platform: PROMETHEUS }, host: 'b.shop', port }, { platform: [PROMETHEUS] });
    for (const port of [15090, 15020, 15021]) expect(scrape(port).allowed).toBe(true);
    expect(scrape(80).allowed).toBe(false);
  });
});

describe('VirtualService routing', () => {
  const withVersions = [
    deployment('b', 'shop', { labels: { version: 'v1' } }),
    deployment('b-v2', 'shop', { labels: { app: 'b', version: 'v2' } }),
    service('b', 'shop'),
    ...app('a', 'shop', { labels: { team: 'qa' } }),
    destinationRule('b', 'shop', {
      host: 'b',
      subsets: [
        { name: 'stable', labels: { version: 'v1' } },
        { name: 'canary', labels: { version: 'v2' } },
        { name: 'v3', labels: { version: 'v3' } },
      ],
    }),
  ];

  test('the first matching rule wins; uri, method and headers must all match', () => {
    const vs = virtualService('b', 'shop', { hosts: ['b'], http: [
      { match: [{ uri: { prefix: '/admin' }, method: { exact: 'POST' } }], route: [{ destination: { host: 'b', subset: 'v3' } }] },
      { match: [{ headers: { 'x-canary': { exact: 'true' } } }], route: [{ destination: { host: 'b', subset: 'canary' } }] },
      { route: [{ destination: { host: 'b', subset: 'stable' } }] },
    ] });
    const objs = [...withVersions, vs];
    expect(evaluateFlow(objs, { ...call('a', 'shop', 'b'), headers: { 'x-canary': 'true' } }).hops.join()).toContain('subset canary');
    expect(evaluateFlow(objs, call('a', 'shop', 'b', 80, 'GET', '/admin')).hops.join()).toContain('subset stable');
    // the subset exists but no pod has version v3: 503
    expect(evaluateFlow(objs, call('a', 'shop', 'b', 80, 'POST', '/admin/x'))).toMatchObject({
      allowed: false,
      decidedBy: { layer: 'no endpoint', kind: 'DestinationRule' },
    });
  });

  test('an authority match reads the whole :authority, the port a client of a non-default port sends included', () => {
    // route.go translateRouteMatch: a header matcher on :authority; a client of b on port 9000 sends `b:9000` (RFC 9110 7.2).
    const on9000 = withVersions.map((o) => (o.kind === 'Service' ? service('b', 'shop', 9000, 8080) : o));
    const vs = (authority: object) => virtualService('b', 'shop', { hosts: ['b'], http: [
      { match: [{ authority }], route: [{ destination: { host: 'b', subset: 'canary' } }] },
      { route: [{ destination: { host: 'b', subset: 'stable' } }] },
    ] });
    expect(evaluateFlow([...on9000, vs({ exact: 'b' })], call('a', 'shop', 'b', 9000)).hops.join()).toContain('subset stable');
    expect(evaluateFlow([...on9000, vs({ prefix: 'b:' })], call('a', 'shop', 'b', 9000)).hops.join()).toContain('subset canary');
    expect(evaluateFlow([...withVersions, vs({ exact: 'b' })], call('a', 'shop', 'b')).hops.join()).toContain('subset canary');
  });

  test('no rule matches: 404 NR, decided by the VirtualService', () => {
    const vs = virtualService('b', 'shop', {
      hosts: ['b'],
      http: [{ match: [{ uri: { exact: '/only' } }], route: [{ destination: { host: 'b' } }] }],
    });
    expect(evaluateFlow([...withVersions, vs], call('a', 'shop', 'b'))).toMatchObject({
      allowed: false,
      decidedBy: { layer: 'routing', kind: 'VirtualService' },
    });
  });

  test('sourceLabels, port and regex matches', () => {
    const vs = virtualService('b', 'shop', {
      hosts: ['b'],
      http: [
        {
          match: [{ sourceLabels: { team: 'qa' }, port: 80, uri: { regex: '/api/[0-9]+' } }],
          route: [{ destination: { host: 'b', subset: 'canary' } }],
        },
        { route: [{ destination: { host: 'b', subset: 'stable' } }] },
      ],
    });
    expect(evaluateFlow([...withVersions, vs], call('a', 'shop', 'b', 80, 'GET', '/api/42')).hops.join()).toContain('subset canary');
    expect(evaluateFlow([...withVersions, vs], call('a', 'shop', 'b', 80, 'GET', '/api/x')).hops.join()).toContain('subset stable');
  });

  test('every weighted destination must work: a subset the DestinationRule lacks fails the flow (503 NR)', () => {
    const vs = virtualService('b', 'shop', {
      hosts: ['b'],
      http: [
        {
          route: [
            { destination: { host: 'b', subset: 'stable' }, weight: 95 },
            { destination: { host: 'b', subset: 'missing' }, weight: 5 },
          ],
        },
      ],
    });
    const v = evaluateFlow([...withVersions, vs], call('a', 'shop', 'b'));
    expect(v).toMatchObject({ allowed: false, decidedBy: { layer: 'routing', kind: 'VirtualService' } });
    expect(v.reason).toContain('5% of requests');
  });

  test('the share a refusal states is that of every destination refused: none when the whole split is refused', () => {
    const split = virtualService('b', 'shop', {
      hosts: ['b'],
      http: [{ route: [{ destination: { host: 'b', subset: 'stable' }, weight: 90 }, { destination: { host: 'b', subset: 'canary' }, weight: 10 }] }],
    });
    // An ALLOW policy on the versions it names: those it does not select admit anyone, those it selects only b's own namespace's c.
    const allowOnly = (versions: string[]) => authorizationPolicy('b-policy', 'shop', {
      selector: { matchLabels: { app: 'b', ...(versions.length === 1 ? { version: versions[0] } : {}) } },
      action: 'ALLOW', rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/c'] } }] }],
    });
    const refusedOn = (versions: string[]) => evaluateFlow([...withVersions, split, allowOnly(versions)], call('a', 'shop', 'b'));
    const both = refusedOn(['v1', 'v2']);
    expect(both.allowed).toBe(false);
    expect(both.reason).not.toMatch(/% of requests/);
    expect(refusedOn(['v2'])).toMatchObject({ allowed: false, reason: expect.stringMatching(/\(10% of requests\)$/) });
    expect(refusedOn(['v1'])).toMatchObject({ allowed: false, reason: expect.stringMatching(/\(90% of requests\)$/) });
  });

  test('a route to a host the source\'s Sidecar does not import fails: the proxy has no such cluster (503 NR)', () => {
    const vs = virtualService('b', 'shop', { hosts: ['b'], http: [{ route: [{ destination: { host: 'c.other.svc.cluster.local' } }] }] });
    const sc = (hosts: string[]) => sidecar('a', 'shop', { workloadSelector: { labels: { app: 'a' } }, egress: [{ hosts }] });
    const objs = [...withVersions, ...app('c', 'other'), vs];
    expect(evaluateFlow([...objs, sc(['./*'])], call('a', 'shop', 'b'))).toMatchObject({
      allowed: false,
      decidedBy: { layer: 'Sidecar egress', name: 'a' },
    });
    const v = evaluateFlow([...objs, sc(['./*', 'other/*'])], call('a', 'shop', 'b'));
    expect(v.allowed).toBe(true);
    expect(v.hops.join()).toContain('other/c:8080');
  });

  test('hosts in Istio resources: a short name is the resource\'s namespace\'s, a dotted name is taken as written', () => {
    const dotted = virtualService('b', 'shop', {
      hosts: ['b.shop'],
      http: [{ match: [{ uri: { exact: '/only' } }], route: [{ destination: { host: 'b' } }] }],
    });
    expect(evaluateFlow([...withVersions, dotted], call('a', 'shop', 'b')).allowed).toBe(true);
    const full = virtualService('b', 'shop', {
      hosts: ['b.shop.svc.cluster.local'],
      http: [{ match: [{ uri: { exact: '/only' } }], route: [{ destination: { host: 'b' } }] }],
    });
    expect(evaluateFlow([...withVersions, full], call('a', 'shop', 'b')).allowed).toBe(false);
  });

  test('an abort fault for every request, a redirect and a direct response never reach the destination', () => {
    const rule = (extra: object) =>
      virtualService('b', 'shop', { hosts: ['b'], http: [{ route: [{ destination: { host: 'b', subset: 'stable' } }], ...extra }] });
    expect(
      evaluateFlow([...withVersions, rule({ fault: { abort: { httpStatus: 503, percentage: { value: 100 } } } })], call('a', 'shop', 'b')).decidedBy
        ?.kind,
    ).toBe('VirtualService');
    expect(
      evaluateFlow([...withVersions, rule({ fault: { abort: { httpStatus: 503, percentage: { value: 10 } } } })], call('a', 'shop', 'b')).allowed,
    ).toBe(true);
    expect(
      evaluateFlow([...withVersions, virtualService('b', 'shop', { hosts: ['b'], http: [{ redirect: { uri: '/x' } }] })], call('a', 'shop', 'b'))
        .allowed,
    ).toBe(false);
    expect(
      evaluateFlow(
        [...withVersions, virtualService('b', 'shop', { hosts: ['b'], http: [{ directResponse: { status: 200 } }] })],
        call('a', 'shop', 'b'),
      ).allowed,
    ).toBe(false);
  });

  test('TCP and in-mesh HTTPS flows take tcp routes and skip HTTP matches', () => {
    const vs = virtualService('b', 'shop', {
      hosts: ['b'],
      http: [{ match: [{ uri: { exact: '/only' } }], route: [{ destination: { host: 'b' } }] }],
      tcp: [{ match: [{ port: 80 }], route: [{ destination: { host: 'b', subset: 'canary' } }] }],
    });
    for (const protocol of ['TCP', 'HTTPS'] as const) {
      const v = evaluateFlow([...withVersions, vs], { ...call('a', 'shop', 'b'), protocol });
      expect(v.allowed).toBe(true);
      expect(v.hops.join()).toContain('subset canary');
    }
    expect(evaluateFlow([...withVersions, vs], call('a', 'shop', 'b')).allowed).toBe(false);
  });

  test('a VirtualService bound only to a gateway does not route mesh traffic', () => {
    const vs = virtualService('b', 'shop', {
      hosts: ['b'],
      gateways: ['shop-gw'],
      http: [{ match: [{ uri: { exact: '/x' } }], route: [{ destination: { host: 'b' } }] }],
    });
    expect(evaluateFlow([...withVersions, vs], call('a', 'shop', 'b')).allowed).toBe(true);
  });
});

describe('external clients through the ingress Gateway', () => {
  const gw = gateway('shop-gw', 'shop', { selector: { istio: 'ingressgateway' }, servers: [
    { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['shop.example.com'], tls: { mode: 'SIMPLE', credentialName: 'shop-tls' } },
    { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['shop.example.com'], tls: { httpsRedirect: true } },
  ] });
  const vs = virtualService('web', 'shop', { hosts: ['shop.example.com'], gateways: ['shop-gw'], http: [
    { match: [{ uri: { prefix: '/api/' } }], route: [{ destination: { host: 'a', port: { number: 80 } } }] },
    { route: [{ destination: { host: 'b' } }] },
  ] });
  const objs = [...base, gw, vs];
  const external = (path: string, port = 443) => ({ source: { external: true as const }, host: 'shop.example.com', port, path });
  const opts = { platform: [INGRESS] };

  test('the route bound to the Gateway takes the request, then the gateway pod is the source', () => {
    expect(evaluateFlow(objs, external('/api/orders'), opts).hops.join()).toContain('shop/a:8080');
    expect(evaluateFlow(objs, external('/'), opts).hops.join()).toContain('shop/b:8080');
    const only = networkPolicy('b', 'shop', {
      podSelector: { matchLabels: { app: 'b' } },
      ingress: [{ from: [{ podSelector: { matchLabels: { app: 'a' } } }] }],
    });
    expect(evaluateFlow([...objs, only], external('/'), opts)).toMatchObject({
      allowed: false,
      decidedBy: { layer: 'NetworkPolicy ingress', name: 'b' },
    });
    const admitGw = networkPolicy('b', 'shop', {
      podSelector: { matchLabels: { app: 'b' } },
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } },
              podSelector: { matchLabels: { istio: 'ingressgateway' } },
            },
          ],
        },
      ],
    });
    expect(evaluateFlow([...objs, admitGw], external('/'), opts).allowed).toBe(true);
  });

  test('the gateway\'s principal is what the destination\'s AuthorizationPolicy sees', () => {
    const p = authorizationPolicy('b', 'shop', {
      selector: { matchLabels: { app: 'b' } },
      rules: [{ from: [{ source: { principals: ['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'] } }] }],
    });
    expect(evaluateFlow([...objs, p], external('/'), opts).allowed).toBe(true);
    expect(evaluateFlow([...objs, p], call('a', 'shop', 'b'), opts).allowed).toBe(false);
  });

  test('a server host `ns/host` binds only VirtualServices of that namespace (`.` the Gateway\'s own)', () => {
    const only = (hosts: string[]) =>
      gateway('shop-gw', 'shop', {
        selector: { istio: 'ingressgateway' },
        servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts, tls: { mode: 'SIMPLE', credentialName: 'c' } }],
      });
    expect(evaluateFlow([...base, vs, only(['./shop.example.com'])], external('/'), opts).allowed).toBe(true);
    expect(evaluateFlow([...base, vs, only(['other/shop.example.com'])], external('/'), opts).reason).toContain('no VirtualService');
    expect(evaluateFlow([...base, vs, only(['*/*.example.com'])], external('/'), opts).allowed).toBe(true);
  });

  test('no gateway pod, no server for the host or port, httpsRedirect, no bound VirtualService', () => {
    expect(evaluateFlow(objs, external('/')).decidedBy).toMatchObject({ layer: 'no endpoint', kind: 'Gateway' });
    expect(evaluateFlow(objs, { ...external('/'), host: 'other.example.com' }, opts).decidedBy).toMatchObject({ layer: 'routing', kind: 'Gateway' });
    expect(evaluateFlow(objs, external('/', 80), opts)).toMatchObject({ allowed: false, decidedBy: { layer: 'routing', name: 'shop-gw' } });
    expect(evaluateFlow([...base, gw], external('/'), opts).reason).toContain('no VirtualService');
  });
});

describe('a public host no Service or ServiceEntry names', () => {
  // https://istio.io/latest/docs/tasks/traffic-management/egress/egress-control/: ALLOW_ANY (the mesh default) passes
  // an unknown destination through (PassthroughCluster), REGISTRY_ONLY sends it to BlackHoleCluster (502).
  const flow = { source: { workload: 'a', namespace: 'shop' }, host: 'api.example.com', port: 443, protocol: 'TLS' as const };

  test('under ALLOW_ANY it leaves the pod, for its NetworkPolicy egress to judge', () => {
    const open = evaluateFlow(base, flow);
    expect(open).toMatchObject({ allowed: true });
    expect(open.reason).toMatch(/api\.example\.com is in no Service or ServiceEntry: a's sidecar passes it through \(ALLOW_ANY\)/);
    const closed = evaluateFlow([...base, networkPolicy('a-egress', 'shop', { podSelector: { matchLabels: { app: 'a' } }, policyTypes: ['Egress'] })], flow);
    expect(closed).toMatchObject({ allowed: false, decidedBy: { layer: 'NetworkPolicy egress', name: 'a-egress' } });
  });

  test('under a REGISTRY_ONLY Sidecar the Sidecar refuses it, not a Service that does not exist', () => {
    const v = evaluateFlow([...base, sidecar('a', 'shop', {
      workloadSelector: { labels: { app: 'a' } }, egress: [{ hosts: ['./*'] }], outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
    })], flow);
    expect(v).toMatchObject({ allowed: false, decidedBy: { layer: 'Sidecar egress', kind: 'Sidecar', name: 'a' } });
    expect(v.reason).toMatch(/REGISTRY_ONLY sends it to BlackHoleCluster \(502\)/);
  });

  test('a name of one or two labels, or a cluster name, is still the cluster\'s: no Service is a 503', () => {
    for (const host of ['nowhere', 'nowhere.shop', 'nowhere.shop.svc.cluster.local']) {
      expect(evaluateFlow(base, { ...flow, host })).toMatchObject({ allowed: false, decidedBy: { layer: 'routing', kind: 'Service' } });
    }
  });
});

describe("a Service not exported to the caller's namespace (networking.istio.io/exportTo)", () => {
  // istiod gives a proxy no cluster for a Service not exported to its namespace (push_context.go IsServiceVisible).
  const hidden = [...base.filter((m) => !(m.kind === 'Service' && m.metadata.name === 'c')),
    { ...service('c', 'other'), metadata: { name: 'c', namespace: 'other', annotations: { 'networking.istio.io/exportTo': '.' } } }];
  const flow = call('a', 'shop', 'c.other.svc.cluster.local');

  test('under a REGISTRY_ONLY Sidecar it is dropped, as an unlisted host', () => {
    const v = evaluateFlow([...hidden, sidecar('a', 'shop', {
      workloadSelector: { labels: { app: 'a' } }, egress: [{ hosts: ['*/*'] }], outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
    })], flow);
    expect(v).toMatchObject({ allowed: false, decidedBy: { layer: 'Sidecar egress' } });
    expect(v.reason).toMatch(/Service other\/c is not exported to shop \(networking\.istio\.io\/exportTo: other\) \(REGISTRY_ONLY: 502 BlackHoleCluster\)/);
  });

  test('under ALLOW_ANY it leaves as plain TCP, which STRICT mTLS at the callee refuses; exported, it is mTLS and allowed', () => {
    const strict = peerAuthentication('default', 'other', { mtls: { mode: 'STRICT' } });
    expect(evaluateFlow([...hidden, strict], flow)).toMatchObject({ allowed: false, decidedBy: { layer: 'mTLS' } });
    expect(evaluateFlow([...base, strict], flow)).toMatchObject({ allowed: true });
  });
});

test('a field of the wrong type (a Sidecar egress `hosts` string, which the schema check reports: MESH150) gives a verdict, never a crash', () => {
  const bad = sidecar('a', 'shop', { workloadSelector: { labels: { app: 'a' } }, egress: [{ hosts: './*' }], outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } });
  expect(() => evaluateFlow([...base, bad], call('a', 'shop', 'b'))).not.toThrow();
  expect(evaluateFlow([...base, bad], call('a', 'shop', 'b'))).toMatchObject({ allowed: false, decidedBy: { layer: 'Sidecar egress' } });
});
