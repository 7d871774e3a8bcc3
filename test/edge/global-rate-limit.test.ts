import * as YAML from 'yaml';
import { GlobalRateLimit, GlobalRateLimitProps } from '../../src/edge/global-rate-limit';
import { find, meshChart, synth, synthError } from '../util';

/** A global limit whose rate-limit service runs (envoyproxy/ratelimit and Redis, deployed with the platform). */
function build(props: GlobalRateLimitProps = {}) {
  const { app, chart } = meshChart();
  new GlobalRateLimit(chart, 'ec-site', { serviceDeployed: true, ...props });
  return app;
}

describe('GlobalRateLimit', () => {
  test('MESH668: no filter that asks a rate-limit service nobody deployed (it would limit nothing)', () => {
    expect(synthError(build({ serviceDeployed: false }))).toMatch(
      /\[test\/ec-site\] serviceDeployed: the gateway would ask ratelimit\.production\.svc\.cluster\.local for every request, but nothing here deploys it.*\[MESH668\]/);
    const { app, chart } = meshChart();
    new GlobalRateLimit(chart, 'ec-site');
    expect(synthError(app)).toMatch(/\[MESH668\]/);
  });

  test("the filter asks the platform's rate-limit service, and fails open by default", () => {
    const f = find(synth(build()), 'EnvoyFilter', 'ec-site-ratelimit');
    const cfg = f.spec.configPatches[0].patch.value.typed_config;
    expect(cfg.rate_limit_service.grpc_service.envoy_grpc.cluster_name).toBe('outbound|8081||ratelimit.production.svc.cluster.local');
    expect(cfg.failure_mode_deny).toBe(false);
  });

  test('default output (snapshot)', () => {
    const out = synth(build());
    expect([find(out, 'ConfigMap', 'ec-site-ratelimit-config'), find(out, 'EnvoyFilter', 'ec-site-ratelimit')]).toMatchSnapshot();
  });

  test('seed 000 tiers: authenticated 30 req/s per user, unauthenticated 10 req/s per client', () => {
    const cm = find(synth(build()), 'ConfigMap', 'ec-site-ratelimit-config');
    expect(YAML.parse(cm.data['config.yaml'])).toEqual({
      domain: 'ec-site',
      descriptors: [
        { key: 'auth', value: 'authenticated', descriptors: [{ key: 'user_id', rate_limit: { unit: 'second', requests_per_unit: 30 } }] },
        { key: 'auth', value: 'unauthenticated', descriptors: [{ key: 'remote_address', rate_limit: { unit: 'second', requests_per_unit: 10 } }] },
      ],
    });
  });

  test('enforced only at the edge gateway, so internal mesh callers are exempt', () => {
    const f = find(synth(build()), 'EnvoyFilter', 'ec-site-ratelimit');
    expect(f.metadata.namespace).toBe('istio-system');
    expect(f.spec.workloadSelector).toEqual({ labels: { istio: 'ingressgateway' } });
    expect(f.spec.configPatches.map((p: any) => p.match.context)).toEqual(['GATEWAY', 'GATEWAY']);
  });

  test('actions produce the descriptors of the config: user id when present, client address otherwise', () => {
    const f = find(synth(build({ userHeader: 'x-jwt-sub' })), 'EnvoyFilter', 'ec-site-ratelimit');
    const [auth, anon] = f.spec.configPatches[1].patch.value.route.rate_limits;
    expect(auth.actions).toEqual([
      { header_value_match: { descriptor_key: 'auth', descriptor_value: 'authenticated', headers: [{ name: 'x-jwt-sub', present_match: true }] } },
      { request_headers: { header_name: 'x-jwt-sub', descriptor_key: 'user_id' } },
    ]);
    expect(anon.actions).toEqual([
      { header_value_match: { descriptor_key: 'auth', descriptor_value: 'unauthenticated', headers: [{ name: 'x-jwt-sub', present_match: true, invert_match: true }] } },
      { remote_address: {} },
    ]);
  });

  test('props: tiers, service address, fail mode', () => {
    const out = synth(build({ authenticatedRequestsPerSecond: 1, unauthenticatedRequestsPerSecond: 2, rateLimitService: { host: 'rl.infra.svc.cluster.local', port: 9000 }, failureModeDeny: true }));
    const cfg = YAML.parse(find(out, 'ConfigMap', 'ec-site-ratelimit-config').data['config.yaml']);
    expect(cfg.descriptors.map((d: any) => d.descriptors[0].rate_limit.requests_per_unit)).toEqual([1, 2]);
    const tc = find(out, 'EnvoyFilter', 'ec-site-ratelimit').spec.configPatches[0].patch.value.typed_config;
    expect(tc.rate_limit_service.grpc_service.envoy_grpc.cluster_name).toBe('outbound|9000||rl.infra.svc.cluster.local');
    expect(tc.failure_mode_deny).toBe(true);
  });

  test.each([
    [{ authenticatedRequestsPerSecond: 0 }, /authenticatedRequestsPerSecond must be a positive whole number, got 0 \[MESH500\]/],
    [{ unauthenticatedRequestsPerSecond: -10 }, /unauthenticatedRequestsPerSecond must be a positive whole number, got -10 \[MESH500\]/],
    [{ userHeader: 'X-User' }, /userHeader: 'X-User'.*\[MESH510\]/],
    [{ rateLimitService: { host: 'x', port: 65536 } }, /rateLimitService.port must be a whole number from 1 to 65535, got 65536 \[MESH004\]/],
  ] as [GlobalRateLimitProps, RegExp][])('bad input fails synth: %j', (props, message) => {
    const err = synthError(build(props));
    expect(err).toMatch(/\[test\/ec-site\]/);
    expect(err).toMatch(message);
  });
});
