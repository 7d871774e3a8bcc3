import { buildEcSite } from '../../src/app/ec-site';
import { environment, ENVIRONMENTS } from '../../src/app/environments';
import { MeshApp } from '../../src';
import { find } from '../util';

function production() {
  const app = new MeshApp({ outdir: '/nonexistent' });
  const site = buildEcSite(app, environment('production'));
  return { site, out: app.manifests().map((f) => f.manifest) };
}

describe('the EC site of seed 000, production', () => {
  const { site, out } = production();
  const dr = (name: string) => find(out, 'DestinationRule', name);
  const vs = (name: string) => find(out, 'VirtualService', name);

  test('eight services named as the seed names them, in namespace production', () => {
    expect(site.chart.services.map((s) => s.name)).toEqual([
      'api-gateway', 'web-frontend', 'order-service', 'payment-service', 'search-service',
      'user-service', 'inventory-service', 'notification-service',
    ]);
    // Everything is in production: the site writes no mesh-wide object (it does not opt in) and the scrape needs none.
    const elsewhere = out.filter((m) => m.kind !== 'Namespace' && m.metadata.namespace !== 'production');
    expect(elsewhere.map((m) => `${m.kind} ${m.metadata.namespace}/${m.metadata.name}`)).toEqual([]);
  });

  test('payment-service reaches its provider under REGISTRY_ONLY: ServiceEntry, TLS origination to 443, Sidecar host and egress', () => {
    expect(find(out, 'ServiceEntry', 'payment-provider').spec).toMatchObject({ hosts: ['api.payment-provider.example'], location: 'MESH_EXTERNAL', resolution: 'DNS' });
    expect(dr('payment-provider').spec.trafficPolicy.portLevelSettings[0].tls).toMatchObject({ mode: 'SIMPLE', sni: 'api.payment-provider.example' });
    const sidecar = find(out, 'Sidecar', 'payment-service').spec;
    expect(sidecar.outboundTrafficPolicy.mode).toBe('REGISTRY_ONLY');
    expect(sidecar.egress[0].hosts).toContain('./api.payment-provider.example');
    expect(find(out, 'NetworkPolicy', 'payment-service').spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 443, protocol: 'TCP' }] });
    // Only payment-service may leave the cluster.
    const open = out.filter((m) => m.kind === 'NetworkPolicy' && JSON.stringify(m.spec.egress ?? []).includes('0.0.0.0/0')).map((m) => m.metadata.name);
    expect(open).toEqual(['payment-service']);
  });

  test('order-service DestinationRule (Mission 1)', () => {
    expect(dr('order-service').spec).toMatchObject({
      host: 'order-service',
      trafficPolicy: {
        loadBalancer: { simple: 'ROUND_ROBIN' },
        connectionPool: { tcp: { maxConnections: 200 }, http: { http1MaxPendingRequests: 100, http2MaxRequests: 500 } },
        outlierDetection: { consecutive5xxErrors: 5, interval: '30s', baseEjectionTime: '30s', maxEjectionPercent: 30 },
      },
      subsets: [{ name: 'stable', labels: { version: 'v1' } }],
    });
  });

  test('payment-service DestinationRule: the strict circuit breaker (Mission 1)', () => {
    expect(dr('payment-service').spec).toMatchObject({
      host: 'payment-service',
      trafficPolicy: {
        loadBalancer: { simple: 'LEAST_REQUEST' },
        connectionPool: { tcp: { maxConnections: 50 }, http: { http1MaxPendingRequests: 50, http2MaxRequests: 100, maxRetries: 2 } },
        outlierDetection: { consecutive5xxErrors: 3, interval: '10s', baseEjectionTime: '60s', maxEjectionPercent: 50 },
      },
      subsets: [{ name: 'stable', labels: { version: 'v1' } }],
    });
  });

  test('search-service DestinationRule: high traffic (Mission 1)', () => {
    expect(dr('search-service').spec).toMatchObject({
      host: 'search-service',
      trafficPolicy: {
        loadBalancer: { simple: 'ROUND_ROBIN' },
        connectionPool: { tcp: { maxConnections: 500 }, http: { http1MaxPendingRequests: 200, http2MaxRequests: 2000 } },
        outlierDetection: { consecutive5xxErrors: 5, interval: '15s', baseEjectionTime: '15s', maxEjectionPercent: 20 },
      },
      subsets: [{ name: 'stable', labels: { version: 'v1' } }],
    });
  });

  test('user-service DestinationRule: the business tier', () => {
    expect(dr('user-service').spec.trafficPolicy).toEqual({
      connectionPool: { tcp: { maxConnections: 100 }, http: { http1MaxPendingRequests: 100, http2MaxRequests: 1000, maxRequestsPerConnection: 10 } },
      outlierDetection: { consecutive5xxErrors: 5, interval: '30s', baseEjectionTime: '30s', maxEjectionPercent: 50 },
      tls: { mode: 'ISTIO_MUTUAL' },
    });
  });

  test.each([
    // service, timeout, attempts, perTryTimeout, retryOn  (Mission 2)
    ['order-service', '15s', 3, '5s', '5xx,reset,connect-failure,retriable-4xx'],
    ['payment-service', '30s', 1, '25s', 'reset,connect-failure'],
    ['search-service', '3s', 2, '1s', '5xx,reset,connect-failure'],
    ['user-service', '10s', 3, '3s', '5xx,reset,connect-failure'],
  ])('%s VirtualService: timeout %s, %i retries of %s on %s (Mission 2)', (name, timeout, attempts, perTryTimeout, retryOn) => {
    const route = [{ destination: { host: name, subset: 'stable' }, weight: 100 }];
    const http = vs(name).spec.http;
    // The seed's retries on the default route; order's and user's writes (POST, PATCH) on a route of their own, never resent.
    expect(http[http.length - 1]).toEqual({ route, timeout, retries: { attempts, perTryTimeout, retryOn } });
    if (['order-service', 'user-service'].includes(name)) {
      expect(http[0]).toEqual({
        name: 'writes', match: [{ method: { exact: 'POST' } }, { method: { exact: 'PATCH' } }], route, timeout,
        retries: { attempts, perTryTimeout: timeout, retryOn: 'reset-before-request,connect-failure' },
      });
    } else {
      expect(http).toHaveLength(1);
    }
  });

  test('payment never retries on a 5xx (no double charge)', () => {
    expect(vs('payment-service').spec.http[0].retries.retryOn).not.toMatch(/5xx|gateway-error|retriable/);
  });

  test('the call graph of the diagram; order → notification is asynchronous', () => {
    expect(site.chart.calls.map((c) => `${c.source.name} -> ${c.target.name}${c.asynchronous ? ' (async)' : ''}`)).toEqual([
      'api-gateway -> order-service',
      'api-gateway -> user-service',
      'api-gateway -> search-service',
      'order-service -> payment-service',
      'order-service -> inventory-service',
      'order-service -> notification-service (async)',
      'search-service -> inventory-service',
    ]);
  });

  test('every service has exactly one VirtualService and one DestinationRule', () => {
    for (const s of site.chart.services) {
      expect(out.filter((m) => m.kind === 'VirtualService' && m.spec.hosts.includes(s.name))).toHaveLength(1);
      expect(out.filter((m) => m.kind === 'DestinationRule' && m.spec.host === s.name)).toHaveLength(1);
    }
  });
});

describe('environments', () => {
  test('namespace and replicas per environment', () => {
    const app = new MeshApp({ outdir: '/nonexistent' });
    for (const env of ENVIRONMENTS) buildEcSite(app, env);
    const files = app.manifests();
    const replicas = (env: string, name: string) =>
      files.find((f) => f.path === `${env}/deployment.${name}.yaml`)!.manifest.spec.replicas;
    expect(ENVIRONMENTS.map((e) => [e.name, e.namespace])).toEqual([['dev', 'dev'], ['staging', 'staging'], ['production', 'production']]);
    expect([replicas('dev', 'order-service'), replicas('staging', 'order-service'), replicas('production', 'order-service')]).toEqual([1, 2, 3]);
    expect(replicas('production', 'search-service')).toBe(6);
    expect(files.find((f) => f.path === 'staging/deployment.order-service.yaml')!.manifest.metadata.namespace).toBe('staging');
  });
});
