import { Duration } from 'cdk8s';
import { Autoscaling, HighAvailability, LocalRateLimit, LocalRateLimitProps, MeshService, Percentage } from '../../../src';
import { limitOf } from '../../../src/views/edge/capacity';
import { find, meshChart, synth, synthError } from '../../util';

/** One pod of search-service (its bucket is then the whole limit; the per-pod split is tested below). */
function build(props: Omit<LocalRateLimitProps, 'service'>) {
  const { app, chart } = meshChart();
  const service = new MeshService(chart, 'search-service', { image: 'search:1', replicas: 1 });
  new LocalRateLimit(chart, 'search-limit', { service, ...props });
  return app;
}

const filterOf = (app: any) => find(synth(app), 'EnvoyFilter', 'search-service-local-ratelimit');
const configOf = (app: any) => filterOf(app).spec.configPatches[0].patch.value.typed_config;

describe('LocalRateLimit', () => {
  test('default output from seed 000 capacity (snapshot)', () => {
    expect(filterOf(build({ capacity: { peakRequestsPerSecond: 1000 } }))).toMatchSnapshot();
  });

  test('seed 000: search peaks at 1,000 RPS and is limited at 1,200 (20% headroom)', () => {
    expect(limitOf({ peakRequestsPerSecond: 1000 })).toBe(1200);
    const cfg = configOf(build({ capacity: { peakRequestsPerSecond: 1000 } }));
    // Two fills' worth in the bucket: a steady 1,200 a second is uneven second by second (the review: no burst headroom).
    expect(cfg.token_bucket).toEqual({ max_tokens: 2400, tokens_per_fill: 1200, fill_interval: '1s' });
  });

  test("seed 001's filter shape: HTTP_FILTER, SIDECAR_INBOUND, INSERT_BEFORE the connection manager", () => {
    const f = filterOf(build({ requestsPerSecond: 100 }));
    expect(f.apiVersion).toBe('networking.istio.io/v1alpha3');
    expect(f.metadata.namespace).toBe('production');
    expect(f.spec.workloadSelector).toEqual({ labels: { app: 'search-service' } });
    expect(f.spec.configPatches).toHaveLength(1);
    expect(f.spec.configPatches[0]).toMatchObject({
      applyTo: 'HTTP_FILTER',
      match: { context: 'SIDECAR_INBOUND', listener: { filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager' } } } },
      patch: { operation: 'INSERT_BEFORE', value: { name: 'envoy.filters.http.local_ratelimit' } },
    });
    const cfg = configOf(build({ requestsPerSecond: 100 }));
    expect(cfg['@type']).toBe('type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit');
    expect(cfg.stat_prefix).toBe('http_local_rate_limiter');
    expect(cfg.filter_enabled.default_value).toEqual({ numerator: 100, denominator: 'HUNDRED' });
    expect(cfg.filter_enforced.default_value).toEqual({ numerator: 100, denominator: 'HUNDRED' });
  });

  test("seed 001's 60s fill interval: a minute's tokens per fill; its max_tokens equal to the fill only when burst says so", () => {
    expect(configOf(build({ requestsPerSecond: 100, fillInterval: Duration.seconds(60) })).token_bucket)
      .toEqual({ max_tokens: 12000, tokens_per_fill: 6000, fill_interval: '60s' });
    expect(configOf(build({ requestsPerSecond: 100, fillInterval: Duration.seconds(60), burst: 6000 })).token_bucket)
      .toEqual({ max_tokens: 6000, tokens_per_fill: 6000, fill_interval: '60s' });
  });

  test('burst above the fill lets a burst through; headroom and fill interval scale the bucket', () => {
    const cfg = configOf(
      build({ capacity: { peakRequestsPerSecond: 500, headroom: Percentage.of(10) }, burst: 1000, fillInterval: Duration.millis(500) }),
    );
    expect(cfg.token_bucket).toEqual({ max_tokens: 1000, tokens_per_fill: 275, fill_interval: '0.5s' });
  });

  test('per-route limits become descriptors chosen by rate_limits actions on the path', () => {
    const f = filterOf(
      build({ requestsPerSecond: 1200, routes: [{ name: 'suggest', pathPrefix: '/api/search/suggest', requestsPerSecond: 200, burst: 400 }] }),
    );
    expect(f.spec.configPatches[0].patch.value.typed_config.descriptors).toEqual([
      { entries: [{ key: 'route', value: 'suggest' }], token_bucket: { max_tokens: 400, tokens_per_fill: 200, fill_interval: '1s' } },
    ]);
    expect(f.spec.configPatches[1]).toEqual({
      applyTo: 'HTTP_ROUTE',
      match: { context: 'SIDECAR_INBOUND', routeConfiguration: { vhost: { route: { action: 'ANY' } } } },
      patch: { operation: 'MERGE', value: { route: { rate_limits: [{ actions: [{ header_value_match: {
        descriptor_key: 'route', descriptor_value: 'suggest', headers: [{ name: ':path', string_match: { prefix: '/api/search/suggest' } }],
      } }] }] } } },
    });
  });

  test('boundaries: 1 request per second and a 50ms fill interval are accepted', () => {
    expect(configOf(build({ requestsPerSecond: 1 })).token_bucket.tokens_per_fill).toBe(1);
    expect(configOf(build({ requestsPerSecond: 20, fillInterval: Duration.millis(50) })).token_bucket).toEqual({
      max_tokens: 2,
      tokens_per_fill: 1,
      fill_interval: '0.05s',
    });
  });

  test.each([
    [{ requestsPerSecond: 0 }, /requestsPerSecond must be a positive whole number, got 0 \[MESH500\]/],
    [{ requestsPerSecond: -5 }, /requestsPerSecond must be a positive whole number, got -5 \[MESH500\]/],
    [{ capacity: { peakRequestsPerSecond: 0 } }, /capacity.peakRequestsPerSecond must be positive, got 0 \[MESH500\]/],
    [{}, /requestsPerSecond or capacity must be given \[MESH500\]/],
    [{ requestsPerSecond: 10, burst: 9 }, /burst \(9\) is below the tokens added per fill \(10\).*\[MESH510\]/],
    [{ requestsPerSecond: 10, fillInterval: Duration.millis(49) }, /fillInterval must be .* at least 50ms, got 49ms \[MESH510\]/],
    [{ requestsPerSecond: 3, fillInterval: Duration.millis(500) }, /1.5 tokens per fill, not a whole number \[MESH510\]/],
    [
      { requestsPerSecond: 10, routes: [{ name: 'a', pathPrefix: '/a', requestsPerSecond: -1 }] },
      /routes\[0\]\.requestsPerSecond must be a positive whole number, got -1 \[MESH500\]/,
    ],
    [
      { requestsPerSecond: 10, routes: [{ name: 'a', pathPrefix: 'a', requestsPerSecond: 1 }] },
      /routes\[0\]\.pathPrefix must start with '\/'.*\[MESH510\]/,
    ],
  ] as [Omit<LocalRateLimitProps, 'service'>, RegExp][])('bad input fails synth with path and field: %j', (props, message) => {
    const err = synthError(build(props));
    expect(err).toMatch(/\[test\/search-limit\]/);
    expect(err).toMatch(message);
  });

  describe('the limit is the service\'s as a whole; each sidecar holds its share (Envoy local rate limits are per instance)', () => {
    /** GIVEN search-service at `replicas` pods, autoscaled up to `max` when given, limited from seed 000's capacity. */
    function search(replicas: number, max?: number) {
      const { app, chart } = meshChart();
      const service = new MeshService(chart, 'search-service', { image: 'search:1', replicas });
      const limit = new LocalRateLimit(chart, 'search-limit', { service, capacity: { peakRequestsPerSecond: 1000 } });
      if (max !== undefined) new Autoscaling(chart, 'search-hpa', { service, minReplicas: replicas, maxReplicas: max });
      return { app, limit };
    }

    test('seed 000 arithmetic with one pod down: 1,200 rps over 6 pods is 200 a pod; 5 pods admit 1,000, the peak; 6 admit 1,200', () => {
      // GIVEN 6 pods: a rollout takes floor(25% × 6) = 1 down at once, as a drain does under HighAvailability's budget
      const { app, limit } = search(6);
      expect(limit.requestsPerSecond).toBe(1200);
      expect(limit.replicas).toEqual({ min: 6, max: 6 });
      expect(limit.unavailable).toBe(1);
      expect(configOf(app).token_bucket).toEqual({ max_tokens: 400, tokens_per_fill: 200, fill_interval: '1s' });
      expect((6 - 1) * limit.perPod()).toBe(1000);
      expect(6 * limit.perPod()).toBe(1200);
      expect(LocalRateLimit.maxReplicasFor({ peakRequestsPerSecond: 1000 }, 6)).toBe(6);
      expect(LocalRateLimit.maxReplicasFor({ peakRequestsPerSecond: 1000 }, 6, 0)).toBe(7);
    });

    test("MESH664: the review's 6-7 pods with one down in a rollout admit 5 × 171 = 855 rps, below the 1,000 peak", () => {
      expect(synthError(search(6, 7).app)).toMatch(
        /\[test\/search-limit\] capacity: each sidecar admits 1200 \/ 7 pods = 171 rps .* the fewest 6 pods, 1 of them down in a rollout or drain, admit 5 × 171 = 855 rps, below the peak of 1000; keep 6 pods, without autoscaling above them.*\[MESH664\]/,
      );
      expect(synthError(search(6, 50).app)).toMatch(/admit 5 × 24 = 120 rps, below the peak of 1000.*\[MESH664\]/);
      // With 50% headroom (1,500), 6 pods with one down may scale to 7 (5 × 214 = 1,070): the widest range passes, one past it fails.
      const wide = (max: number) => {
        const { app, chart } = meshChart();
        const service = new MeshService(chart, 'search-service', { image: 'search:1', replicas: 6 });
        new LocalRateLimit(chart, 'search-limit', { service, capacity: { peakRequestsPerSecond: 1000, headroom: Percentage.of(50) } });
        new Autoscaling(chart, 'search-hpa', { service, minReplicas: 6, maxReplicas: max });
        return app;
      };
      expect(LocalRateLimit.maxReplicasFor({ peakRequestsPerSecond: 1000, headroom: Percentage.of(50) }, 6)).toBe(7);
      expect(() => synth(wide(7))).not.toThrow();
      expect(synthError(wide(8))).toMatch(/admit 5 × 187 = 935 rps, below the peak of 1000; scale between 6 and 7 pods.*\[MESH664\]/);
    });

    test("a PodDisruptionBudget's allowance counts when it takes more down than the rollout", () => {
      const { app, chart } = meshChart();
      const service = new MeshService(chart, 'search-service', { image: 'search:1', replicas: 3 });
      const limit = new LocalRateLimit(chart, 'search-limit', { service, capacity: { peakRequestsPerSecond: 100 } });
      expect(limit.unavailable).toBe(0); // floor(25% × 3) = 0, and no budget: a rollout keeps every pod
      new HighAvailability(chart, 'ha', { service, maxUnavailable: 2 });
      expect(limit.unavailable).toBe(2);
      expect(synthError(app)).toMatch(
        /the fewest 3 pods, 2 of them down in a rollout or drain, admit 1 × 40 = 40 rps, below the peak of 100; run more pods.*\[MESH664\]/,
      );
    });

    test('MESH664: a limit under 1 rps a pod', () => {
      const { app, chart } = meshChart();
      const service = new MeshService(chart, 'search-service', { image: 'search:1', replicas: 3 });
      new LocalRateLimit(chart, 'search-limit', { service, requestsPerSecond: 2 });
      expect(synthError(app)).toMatch(/requestsPerSecond: 2 rps over up to 3 pods leaves less than 1 rps a pod \[MESH664\]/);
    });
  });
});
