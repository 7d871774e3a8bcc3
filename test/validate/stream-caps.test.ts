// MESH676 over manifests: a route without timeout (a stream's) to a host whose DestinationRule connection pool caps each
// proxy's concurrent streams. Envoy's cluster circuit breakers, which istiod writes from the pool
// (https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/circuit_breaking): max_connections
// (tcp.maxConnections; an HTTP/1.1 stream, a WebSocket, holds its connection), max_pending_requests
// (http.http1MaxPendingRequests; 503 UO past it), max_requests (http.http2MaxRequests, "applicable to both HTTP/1.1 and
// HTTP2": istio/api networking/v1alpha3/destination_rule.proto ConnectionPoolSettings.HTTPSettings).
import { IngressGateway, MeshService, Warnings } from '../../src';
import { analyze } from '../../src/validate/analysis';
import { meshChart, synth } from '../util';

const service = (portName: string) => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name: 'events', namespace: 'shop' },
  spec: { selector: { app: 'events' }, ports: [{ name: portName, port: 8080, targetPort: 8080 }] },
});
const dr = (trafficPolicy: Record<string, any>, subsets?: any[]) => ({
  apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'events', namespace: 'shop' },
  spec: { host: 'events.shop.svc.cluster.local', trafficPolicy, ...(subsets ? { subsets } : {}) },
});
const vs = (rule: Record<string, any>, gateways?: string[]) => ({
  apiVersion: 'networking.istio.io/v1', kind: 'VirtualService',
  metadata: { name: gateways ? 'public' : 'events', namespace: 'shop', labels: { 'app.kubernetes.io/managed-by': 'cdk8s-mesh' } },
  spec: { hosts: gateways ? ['events.example.com'] : ['events'], ...(gateways ? { gateways } : {}),
    http: [{ route: [{ destination: { host: 'events', port: { number: 8080 } } }], ...rule }] },
});
const pool = (tcp: Record<string, any>, http: Record<string, any> = {}) => ({ connectionPool: { tcp, http } });
const findings = (manifests: Record<string, any>[]) => analyze(manifests).filter((f) => f.code === 'MESH676');
const found = (manifests: Record<string, any>[]) => findings(manifests).map((f) => `${f.resource.name} ${f.field} ${f.severity ?? 'error'}`);

describe('MESH676: a stream route to a host whose connection pool caps the streams', () => {
  test('HTTP/1.1 through a gateway: maxConnections caps the WebSockets; the message gives the numbers, the queue, 503 UO and the prop', () => {
    const manifests = [service('http'), dr(pool({ maxConnections: 100 }, { http1MaxPendingRequests: 100, http2MaxRequests: 1000 })),
      vs({}, ['istio-system/shop-gateway']), vs({})];
    // the gateway's pods and the callers' sidecars each hold their own streams
    expect(found(manifests)).toEqual(['public spec.http[0].route[0] warning', 'events spec.http[0].route[0] warning']);
    const [f] = findings(manifests);
    expect(f.related).toEqual(expect.objectContaining({ kind: 'DestinationRule', name: 'events' }));
    expect(f.message).toMatch(/each pod of gateway istio-system\/shop-gateway hold at most 100 open streams .*connectionPool\.tcp\.maxConnections: 100/);
    expect(f.message).toMatch(/the next 100 wait \(http1MaxPendingRequests\) until a stream ends, and the rest fail with 503 UO/);
    expect(f.message).toMatch(/the service's connectionPool prop/);
  });

  test('a mesh route (no gateways) is the callers\' sidecars\'; http2MaxRequests caps HTTP/1.1 requests too', () => {
    const manifests = [service('http-web'), dr(pool({ maxConnections: 5000 }, { http2MaxRequests: 200 })), vs({})];
    expect(found(manifests)).toEqual(['events spec.http[0].route[0] warning']);
    expect(findings(manifests)[0].message).toMatch(/each calling pod's sidecar hold at most 200 open streams .*http2MaxRequests: 200/);
  });

  test('gRPC: http2MaxRequests caps the streams, and maxConnections only times maxRequestsPerConnection', () => {
    // 100 connections multiplex gRPC streams: not a cap of 100
    expect(found([service('grpc'), dr(pool({ maxConnections: 100 }, { http2MaxRequests: 1000 })), vs({}, ['shop-gateway']), vs({})])).toEqual([]);
    expect(found([service('grpc'), dr(pool({ maxConnections: 100 }, { http2MaxRequests: 500 })), vs({}, ['shop-gateway']), vs({})]))
      .toEqual(['public spec.http[0].route[0] warning', 'events spec.http[0].route[0] warning']);
    const manifests = [service('grpc'), dr(pool({ maxConnections: 50 }, { http2MaxRequests: 1000, maxRequestsPerConnection: 10 })), vs({})];
    expect(found(manifests)).toEqual(['events spec.http[0].route[0] warning']);
    expect(findings(manifests)[0].message).toMatch(/at most 500 open streams .*maxConnections: 50 connections of at most http\.maxRequestsPerConnection: 10/);
  });

  test('no warning on a hand-written VirtualService: without the library\'s label, no timeout is Istio\'s default, not a stream', () => {
    const handWritten = (m: Record<string, any>) => ({ ...m, metadata: { name: m.metadata.name, namespace: m.metadata.namespace } });
    expect(found([service('http'), dr(pool({ maxConnections: 100 })), handWritten(vs({}, ['shop-gateway'])), handWritten(vs({}))])).toEqual([]);
    // the same routes written by cdk8s-mesh warn
    expect(found([service('http'), dr(pool({ maxConnections: 100 })), vs({}, ['shop-gateway']), vs({})])).toHaveLength(2);
  });

  test('no warning: a route with a timeout, a pool left unset, or a cap at the threshold or above', () => {
    expect(found([service('http'), dr(pool({ maxConnections: 100 })), vs({ timeout: '15s' }, ['shop-gateway']), vs({ timeout: '15s' })])).toEqual([]);
    expect(found([service('http'), dr({ outlierDetection: { consecutive5xxErrors: 5 } }), vs({}, ['shop-gateway']), vs({})])).toEqual([]);
    expect(found([service('http'), vs({}, ['shop-gateway']), vs({})])).toEqual([]);
    expect(found([service('http'), dr(pool({ maxConnections: 1000 }, { http2MaxRequests: 4000 })), vs({}, ['shop-gateway']), vs({})])).toEqual([]);
  });

  test('a subset\'s or a port\'s own pool replaces the rule\'s', () => {
    const capped = pool({ maxConnections: 100 });
    const subsetVs = vs({ route: [{ destination: { host: 'events', subset: 'v2' } }] }, ['shop-gateway']);
    expect(found([service('http'), dr(capped, [{ name: 'v2', labels: { version: 'v2' }, trafficPolicy: pool({ maxConnections: 20000 }) }]), subsetVs,
      vs({ route: [{ destination: { host: 'events', subset: 'v2' } }] })]))
      .toEqual([]);
    expect(found([service('http'), dr({ portLevelSettings: [{ port: { number: 8080 }, ...pool({ maxConnections: 10 }) }] }), vs({}, ['shop-gateway']), vs({})]))
      .toEqual(['public spec.http[0].route[0] warning', 'events spec.http[0].route[0] warning']);
  });

  test("a gateway's route without timeout is a stream's only where the host's mesh routes have none either", () => {
    const capped = dr(pool({ maxConnections: 100 }));
    // an EdgeGateway route given no timeout has none, whatever its service serves: the service's own route has its timeout
    expect(found([service('http'), capped, vs({}, ['shop-gateway']), vs({ timeout: '15s' })])).toEqual([]);
    // no mesh route of the host says anything
    expect(found([service('http'), capped, vs({}, ['shop-gateway'])])).toEqual([]);
    // the host's mesh route is a stream's: the gateway's is too
    expect(found([service('http'), capped, vs({}, ['shop-gateway']), vs({ timeout: '15s' }), { ...vs({}), metadata: { ...vs({}).metadata, name: 'events-feed' } }]))
      .toEqual(['public spec.http[0].route[0] warning', 'events-feed spec.http[0].route[0] warning']);
  });
});

describe('MESH676 at synth', () => {
  test("a streaming service on an HTTP/1.1 port under the service tier's pool (100 connections) is warned of, through its gateway too", () => {
    const { app, chart } = meshChart();
    const events = new MeshService(chart, 'events', { image: 'events:1', ports: [{ port: 8080, protocol: 'http' }], streaming: true });
    new IngressGateway(chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls' }).route(events, { pathPrefix: '/events/' });
    synth(app);
    const warnings = app.warnings.filter((w) => w.includes('MESH676'));
    expect(warnings.length).toBeGreaterThanOrEqual(2);
    expect(warnings).toEqual(expect.arrayContaining([
      expect.stringMatching(/each calling pod's sidecar hold at most 100 open streams to it.*\[MESH676\]/),
      expect.stringMatching(/each pod of gateway production\/shop hold at most 100 open streams to it.*\[MESH676\]/),
    ]));
  });

  test('a streaming service with a connectionPool of its own sized for its streams, a gRPC one, or one that is not streaming: no warning', () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'events', { image: 'events:1', ports: [{ port: 8080, protocol: 'http' }], streaming: true,
      connectionPool: { tcp: { maxConnections: 5000 } } });
    new MeshService(chart, 'prices', { image: 'prices:1', ports: [{ port: 9090, protocol: 'grpc' }], streaming: true });
    new MeshService(chart, 'orders', { image: 'orders:1' });
    synth(app);
    expect(app.warnings.filter((w) => w.includes('MESH676'))).toEqual([]);
  });

  test('the warning is acknowledged on the service', () => {
    const { app, chart } = meshChart();
    const events = new MeshService(chart, 'events', { image: 'events:1', ports: [{ port: 8080, protocol: 'http' }], streaming: true });
    Warnings.of(events).acknowledge('MESH676', 'at most 50 dashboards stay connected');
    synth(app);
    expect(app.warnings.filter((w) => w.includes('MESH676') && !/acknowledged/i.test(w))).toEqual([]);
  });
});
