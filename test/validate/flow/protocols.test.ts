// What Envoy does with each protocol, as istiod configures it:
// - the port's protocol: istio/istio pkg/config/kube/conversion.go ConvertProtocol (appProtocol, then the
//   name's prefix; well-known ports 25, 53, 3306, 27017 are TCP) and
//   https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/;
// - TCP routes: pilot/pkg/networking/core/tls.go buildSidecarOutboundTCPFilterChainOpts (first matching
//   rule, else the default route to the service: never a 404);
// - TLS routes: buildSidecarOutboundTLSFilterChainOpts (sniHosts; no rule for the client: default route;
//   rules but none for the SNI: the listener's default chain, listener.go PassthroughFilterChain);
// - authorization on TCP: pilot/pkg/security/authz/builder/builder.go Builder.build skips a rule with
//   HTTP-only fields on the TCP filter chain ("If the rule contains HTTP-only fields for TCP traffic, the
//   ALLOW rule is ignored": https://istio.io/latest/docs/reference/config/security/authorization-policy/#Operation);
// - gRPC: HTTP/2 POST /<package.Service>/<Method> (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md).
import { evaluateFlow, FlowEvaluator, Manifest } from '../../../src/validate';
import { flowMode, servicePortProtocol } from '../../../src/validate/flow/protocol';
import { app, authorizationPolicy, deployment, destinationRule, sidecar, virtualService } from './fixtures';

/** A Service `name` in `shop` with one port. */
function svc(name: string, port: Manifest): Manifest {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'shop' }, spec: { selector: { app: name }, ports: [port] } };
}

const broker = [
  deployment('rabbitmq', 'shop', { labels: { version: 'v1' }, ports: { 'tcp-amqp': 5672 } }),
  deployment('rabbitmq-v2', 'shop', { labels: { app: 'rabbitmq', version: 'v2' }, ports: { 'tcp-amqp': 5672 } }),
  svc('rabbitmq', { name: 'tcp-amqp', port: 5672, targetPort: 5672 }),
  destinationRule('rabbitmq', 'shop', { host: 'rabbitmq', subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] }),
];
const base = [...app('shipping', 'shop'), ...broker];
const toBroker = { source: { workload: 'shipping', namespace: 'shop' }, host: 'rabbitmq', port: 5672 };
const onBroker = (rules: Manifest[]) => authorizationPolicy('rabbitmq', 'shop', { selector: { matchLabels: { app: 'rabbitmq' } }, rules });
const SHIPPING = 'cluster.local/ns/shop/sa/shipping';

describe('the protocol of a port, as istiod reads it', () => {
  test.each([
    [{ name: 'tcp-amqp', port: 5672 }, 'TCP'],
    [{ name: 'http', port: 80 }, 'HTTP'],
    [{ name: 'HTTP2-api', port: 80 }, 'HTTP2'],
    [{ name: 'grpc-web-ui', port: 80 }, 'GRPC-Web'],
    [{ name: 'grpc', port: 9090 }, 'GRPC'],
    [{ name: 'tls-db', port: 5433 }, 'TLS'],
    [{ name: 'https', port: 443 }, 'HTTPS'],
    [{ name: 'mongo', port: 27017 }, 'Mongo'],
    [{ name: 'web', port: 80, appProtocol: 'tcp' }, 'TCP'],
    [{ name: 'tcp', port: 80, appProtocol: 'kubernetes.io/h2c' }, 'HTTP2'],
    [{ name: 'web', port: 3306 }, 'TCP'],
    [{ port: 27017 }, 'TCP'],
    [{ name: 'web', port: 8080 }, undefined],
    [{ name: 'dns', port: 53, protocol: 'UDP' }, 'UDP'],
  ])('%j is %s', (port, expected) => {
    expect(servicePortProtocol(port)).toBe(expected);
  });

  test('the flow\'s own protocol says what the client sends; else the port decides', () => {
    expect(flowMode({}, 'TCP')).toBe('tcp');
    expect(flowMode({}, 'Redis')).toBe('tcp');
    expect(flowMode({}, 'TLS')).toBe('tls');
    expect(flowMode({}, 'GRPC')).toBe('http');
    expect(flowMode({}, undefined)).toBe('http');
    expect(flowMode({ protocol: 'TCP' }, 'HTTP')).toBe('tcp');
    expect(flowMode({ protocol: 'TLS' }, 'TCP')).toBe('tcp');
    expect(flowMode({ protocol: 'HTTPS' }, 'HTTPS')).toBe('tls');
  });
});

describe('TCP: routed by port and subset, authorized on the connection only', () => {
  test('a flow to a TCP port is judged as TCP without saying so: no HTTP route, no 404 NR', () => {
    // GIVEN a VirtualService with TCP routes only (as MeshService writes one for a tcp- port)
    const vs = virtualService('rabbitmq', 'shop', { hosts: ['rabbitmq'], tcp: [{ route: [{ destination: { host: 'rabbitmq', subset: 'v1' } }] }] });
    // THEN the connection takes the TCP route to subset v1
    const v = evaluateFlow([...base, vs], toBroker);
    expect(v.allowed).toBe(true);
    expect(v.hops.join(' ')).toContain('subset v1');
  });

  test('the first TCP rule whose port matches wins; when none matches, the default route to the service (never a 404)', () => {
    const vs = virtualService('rabbitmq', 'shop', { hosts: ['rabbitmq'], tcp: [
      { match: [{ port: 9999 }], route: [{ destination: { host: 'rabbitmq', subset: 'v1' } }] },
      { match: [{ port: 5672, sourceLabels: { team: 'qa' } }], route: [{ destination: { host: 'rabbitmq', subset: 'v2' } }] },
    ] });
    const v = evaluateFlow([...base, vs], toBroker);
    expect(v.allowed).toBe(true);
    expect(v.hops.join(' ')).not.toContain('subset');
    const qa = evaluateFlow([...base.filter((m) => m.metadata.name !== 'shipping' || m.kind !== 'Deployment'), deployment('shipping', 'shop', { labels: { team: 'qa' } }), vs], toBroker);
    expect(qa.hops.join(' ')).toContain('subset v2');
  });

  test('an ALLOW rule with methods or paths never matches a TCP connection; one on the principal and port does', () => {
    const http = onBroker([{ from: [{ source: { principals: [SHIPPING] } }], to: [{ operation: { methods: ['GET'] } }] }]);
    const v = evaluateFlow([...base, http], toBroker);
    expect(v).toMatchObject({ allowed: false, decidedBy: { layer: 'AuthorizationPolicy', name: 'rabbitmq' } });
    expect(v.reason).toContain('the connection');
    const l4 = onBroker([{ from: [{ source: { principals: [SHIPPING] } }], to: [{ operation: { ports: ['5672'] } }] }]);
    expect(evaluateFlow([...base, l4], toBroker).allowed).toBe(true);
  });

  test('a port named by appProtocol, or a well-known port, is TCP too', () => {
    const byAppProtocol = [...app('shipping', 'shop'), deployment('db', 'shop', { ports: { web: 3306 } }), svc('db', { name: 'web', appProtocol: 'mysql', port: 3306 })];
    const httpOnly = virtualService('db', 'shop', { hosts: ['db'], http: [{ match: [{ uri: { exact: '/never' } }], route: [{ destination: { host: 'db' } }] }] });
    expect(evaluateFlow([...byAppProtocol, httpOnly], { ...toBroker, host: 'db', port: 3306 }).allowed).toBe(true);
    // The same port named as HTTP is judged as HTTP: the route's match decides (404 NR).
    const asHttp = [...app('shipping', 'shop'), deployment('db', 'shop', { ports: { http: 3306 } }), svc('db', { name: 'http', port: 3306 }), httpOnly];
    expect(evaluateFlow(asHttp, { ...toBroker, host: 'db', port: 3306 }).reason).toContain('404 NR');
  });
});

describe('TLS: routed by SNI on a TLS or HTTPS port', () => {
  const tlsApp = [
    ...app('shipping', 'shop'),
    deployment('ledger', 'shop', { labels: { version: 'v1' }, ports: { 'tls-ledger': 7443 } }),
    deployment('ledger-v2', 'shop', { labels: { app: 'ledger', version: 'v2' }, ports: { 'tls-ledger': 7443 } }),
    svc('ledger', { name: 'tls-ledger', port: 7443 }),
    destinationRule('ledger', 'shop', { host: 'ledger', subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] }),
  ];
  const toLedger = { source: { workload: 'shipping', namespace: 'shop' }, host: 'ledger', port: 7443 };
  const bySni = virtualService('ledger', 'shop', { hosts: ['ledger'], tls: [
    { match: [{ port: 7443, sniHosts: ['v2.ledger.example'] }], route: [{ destination: { host: 'ledger', subset: 'v2' } }] },
    { match: [{ port: 7443, sniHosts: ['ledger.shop.svc.cluster.local'] }], route: [{ destination: { host: 'ledger', subset: 'v1' } }] },
  ] });
  const registryOnly = (mode: string) => sidecar('shipping', 'shop', { workloadSelector: { labels: { app: 'shipping' } }, egress: [{ hosts: ['./*'] }], outboundTrafficPolicy: { mode } });

  test('without a VirtualService, the default route to the service', () => {
    expect(evaluateFlow(tlsApp, toLedger).allowed).toBe(true);
  });

  test('the SNI picks the TLS route: the host as the client writes it by default, or the flow\'s sni', () => {
    // sniHosts are matched as written (Envoy's server_names): a client addressing `ledger` sends SNI `ledger`.
    expect(evaluateFlow([...tlsApp, bySni], { ...toLedger, host: 'ledger.shop.svc.cluster.local' }).hops.join(' ')).toContain('subset v1');
    expect(evaluateFlow([...tlsApp, bySni], toLedger).hops.join(' ')).toContain('passthrough');
    expect(evaluateFlow([...tlsApp, bySni], { ...toLedger, sni: 'v2.ledger.example' }).hops.join(' ')).toContain('subset v2');
  });

  test('TLS rules apply but none matches the SNI: REGISTRY_ONLY closes it, ALLOW_ANY passes it through as plain TCP', () => {
    const v = evaluateFlow([...tlsApp, bySni, registryOnly('REGISTRY_ONLY')], { ...toLedger, sni: 'other.example' });
    expect(v).toMatchObject({ allowed: false, decidedBy: { layer: 'routing', kind: 'VirtualService', name: 'ledger' } });
    expect(v.reason).toContain('BlackHoleCluster');
    expect(evaluateFlow([...tlsApp, bySni, registryOnly('ALLOW_ANY')], { ...toLedger, sni: 'other.example' }).hops.join(' ')).toContain('passthrough');
  });

  test('HTTP-only authorization fields never match the TLS connection', () => {
    const policy = authorizationPolicy('ledger', 'shop', { selector: { matchLabels: { app: 'ledger' } }, rules: [{ from: [{ source: { principals: [SHIPPING] } }], to: [{ operation: { paths: ['/*'] } }] }] });
    expect(evaluateFlow([...tlsApp, policy], toLedger).decidedBy?.layer).toBe('AuthorizationPolicy');
  });
});

describe('gRPC: HTTP/2 POST /<package.Service>/<Method>', () => {
  const grpcApp = [...app('checkout', 'shop'), deployment('pricing', 'shop', { ports: { grpc: 9090 } }), svc('pricing', { name: 'grpc', port: 9090 })];
  const quote = { source: { workload: 'checkout', namespace: 'shop' }, host: 'pricing', port: 9090, protocol: 'GRPC' as const, method: 'POST' as const, path: '/pricing.v1.Pricing/Quote' };
  const policy = authorizationPolicy('pricing', 'shop', { selector: { matchLabels: { app: 'pricing' } }, rules: [{ to: [{ operation: { methods: ['POST'], paths: ['/pricing.v1.Pricing/*'] } }] }] });

  test('authorized and routed on its method and path', () => {
    expect(evaluateFlow([...grpcApp, policy], quote).allowed).toBe(true);
    expect(evaluateFlow([...grpcApp, policy], { ...quote, path: '/pricing.v1.Admin/Reset' }).decidedBy?.layer).toBe('AuthorizationPolicy');
    const byMethod = virtualService('pricing', 'shop', { hosts: ['pricing'], http: [{ match: [{ uri: { prefix: '/pricing.v1.Pricing/' } }], route: [{ destination: { host: 'pricing' } }] }] });
    expect(evaluateFlow([...grpcApp, byMethod], { ...quote, path: '/pricing.v1.Admin/Reset' }).reason).toContain('404 NR');
  });

  test('a gRPC flow that is not a POST to /<service>/<method> is malformed (MESH603)', () => {
    const evaluator = new FlowEvaluator(grpcApp);
    expect(() => evaluator.evaluate({ ...quote, method: 'GET' })).toThrow(/a gRPC call is a POST, not GET \[MESH603\]/);
    expect(() => evaluator.evaluate({ ...quote, path: '/quote' })).toThrow(/is not \/<package.Service>\/<Method> \[MESH603\]/);
  });
});
