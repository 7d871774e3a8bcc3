import { analyze } from '../../src/validate/analysis';

/** Where the filter runs and at which stage. */
interface FilterOptions { stage?: number; selector?: Record<string, string> | null; context?: string; namespace?: string }

/** An EnvoyFilter inserting Envoy's ratelimit filter for `domain` (context GATEWAY unless given), and its route rate limits. */
function rateLimitFilter(name: string, domain: string, opts: FilterOptions = {}) {
  const typedConfig: Record<string, unknown> = {
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimit', 'domain': domain,
    'rate_limit_service': { grpc_service: { envoy_grpc: { cluster_name: 'outbound|8081||ratelimit.ratelimit.svc.cluster.local' } }, transport_api_version: 'V3' },
  };
  if (opts.stage !== undefined) typedConfig.stage = opts.stage;
  const context = opts.context ?? 'GATEWAY';
  return {
    apiVersion: 'networking.istio.io/v1alpha3', kind: 'EnvoyFilter', metadata: { name, namespace: opts.namespace ?? 'istio-system' },
    spec: {
      ...(opts.selector === null ? {} : { workloadSelector: { labels: opts.selector ?? { istio: 'ingressgateway' } } }),
      priority: 10,
      configPatches: [
        {
          applyTo: 'HTTP_FILTER',
          match: { context, listener: { filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager', subFilter: { name: 'envoy.filters.http.router' } } } } },
          patch: { operation: 'INSERT_BEFORE', value: { name: 'envoy.filters.http.ratelimit', typed_config: typedConfig } },
        },
        {
          applyTo: 'HTTP_ROUTE', match: { context, routeConfiguration: { vhost: { route: { action: 'ANY' } } } },
          patch: { operation: 'MERGE', value: { route: { rate_limits: [{ ...(opts.stage ? { stage: opts.stage } : {}), actions: [{ remote_address: {} }] }] } } },
        },
      ],
    },
  };
}

const codes = (manifests: Record<string, any>[]) =>
  analyze(manifests).filter((f) => f.code === 'MESH157').map((f) => `${f.resource.name} ${f.field}`);

describe('MESH157: two ratelimit filters at one stage on the same proxies', () => {
  test('two domains at the default stage on the same gateway pods: each sends the other\'s descriptors to its own domain', () => {
    expect(codes([rateLimitFilter('per-user', 'saas-user'), rateLimitFilter('per-tenant', 'saas-tenant')]))
      .toEqual(['per-tenant spec.configPatches[0].patch.value.typed_config.stage']);
    const [f] = analyze([rateLimitFilter('per-user', 'saas-user'), rateLimitFilter('per-tenant', 'saas-tenant')]).filter((x) => x.code === 'MESH157');
    expect(f.message).toMatch(/domain saas-tenant runs at stage 0 on the pods where EnvoyFilter istio-system\/per-user .* for domain saas-user/);
    expect(f.severity ?? 'error').toBe('error');
  });

  test('one domain twice counts each request twice', () => {
    const [f] = analyze([rateLimitFilter('a', 'shop'), rateLimitFilter('b', 'shop', { selector: { istio: 'ingressgateway', app: 'gw' } })])
      .filter((x) => x.code === 'MESH157');
    expect(f.message).toMatch(/the same domain shop, so each request is counted twice/);
  });

  test('a selector-less EnvoyFilter covers every pod of its namespace; an explicit stage 0 is the default', () => {
    expect(codes([rateLimitFilter('a', 'x', { selector: null }), rateLimitFilter('b', 'y', { stage: 0 })])).toEqual(['b spec.configPatches[0].patch.value.typed_config.stage']);
  });

  test('stages of their own, other pods, another namespace or another context: no finding', () => {
    expect(codes([rateLimitFilter('a', 'x'), rateLimitFilter('b', 'y', { stage: 1 })])).toEqual([]);
    expect(codes([rateLimitFilter('a', 'x'), rateLimitFilter('b', 'y', { selector: { istio: 'internal-gateway' } })])).toEqual([]);
    expect(codes([rateLimitFilter('a', 'x'), rateLimitFilter('b', 'y', { namespace: 'istio-ingress' })])).toEqual([]);
    expect(codes([rateLimitFilter('a', 'x'), rateLimitFilter('b', 'y', { context: 'SIDECAR_INBOUND' })])).toEqual([]);
    // ANY overlaps every context.
    expect(codes([rateLimitFilter('a', 'x'), rateLimitFilter('b', 'y', { context: 'ANY' })])).toEqual(['b spec.configPatches[0].patch.value.typed_config.stage']);
  });
});
