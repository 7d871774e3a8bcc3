import { ApiObject, JsonPatch, Testing } from 'cdk8s';
import { EdgeProxyRoute, GlobalRateLimit, GlobalRateLimitProps, IngressGateway, MeshApp, MeshChart, MeshService, RateLimitUser } from '../../../src';
import * as YAML from 'yaml';
import { find, meshChart, synth, synthError } from '../../util';

/** Users by the header a proxy in front of the gateway sets (the header form; the JWT form is in rate-limiter.test.ts). */
const BY_HEADER = RateLimitUser.header('x-user-id');

/** A global limit whose rate-limit service runs (envoyproxy/ratelimit and Redis, deployed with the platform). */
function build(props: Partial<GlobalRateLimitProps> = {}) {
  const { app, chart } = meshChart();
  new GlobalRateLimit(chart, 'ec-site', { serviceDeployed: true, user: BY_HEADER, ...props });
  return app;
}

describe('GlobalRateLimit', () => {
  test('MESH668: no filter that asks a rate-limit service nobody deployed (it would limit nothing)', () => {
    expect(synthError(build({ serviceDeployed: false }))).toMatch(
      /\[test\/ec-site\] serviceDeployed: the gateway would ask ratelimit\.production\.svc\.cluster\.local for every request, but nothing here deploys it.*\[MESH668\]/);
    const { app, chart } = meshChart();
    new GlobalRateLimit(chart, 'ec-site', { user: BY_HEADER });
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
        { key: 'user', value: 'anonymous', descriptors: [{ key: 'remote_address', rate_limit: { unit: 'second', requests_per_unit: 10 } }] },
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
    const f = find(synth(build({ user: RateLimitUser.header('x-jwt-sub') })), 'EnvoyFilter', 'ec-site-ratelimit');
    const [auth, anon] = f.spec.configPatches[1].patch.value.route.rate_limits;
    expect(auth.actions).toEqual([
      { header_value_match: { descriptor_key: 'auth', descriptor_value: 'authenticated', headers: [{ name: 'x-jwt-sub', present_match: true }] } },
      { request_headers: { header_name: 'x-jwt-sub', descriptor_key: 'user_id' } },
    ]);
    expect(anon.actions).toEqual([
      { header_value_match: {
        descriptor_key: 'user', descriptor_value: 'anonymous', headers: [{ name: 'x-jwt-sub', present_match: true, invert_match: true }],
      } },
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
    [{ rateLimitService: { host: 'x', port: 65536 } }, /rateLimitService.port must be a whole number from 1 to 65535, got 65536 \[MESH004\]/],
  ] as [Partial<GlobalRateLimitProps>, RegExp][])('bad input fails synth: %j', (props, message) => {
    const err = synthError(build(props));
    expect(err).toMatch(/\[test\/ec-site\]/);
    expect(err).toMatch(message);
  });
});

describe('pathPrefixes: a limit on some paths only (a session start), the gateway\'s other requests uncounted', () => {
  const PATHS_ACTION = (match: Record<string, unknown>) => ({
    header_value_match: { descriptor_key: 'paths', descriptor_value: 'limited', headers: [{ name: ':path', string_match: match }] },
  });

  test("each rate limit starts with a match of the paths, and the service's descriptors nest under it", () => {
    // GIVEN a per-user limit on one path prefix
    const out = synth(build({ pathPrefixes: ['/api/playback/start'] }));
    // THEN both rate limits start with the :path match: a request on another path appends no entry, so no descriptor
    const limits = find(out, 'EnvoyFilter', 'ec-site-ratelimit').spec.configPatches[1].patch.value.route.rate_limits;
    expect(limits.map((l: any) => l.actions[0])).toEqual([PATHS_ACTION({ prefix: '/api/playback/start' }), PATHS_ACTION({ prefix: '/api/playback/start' })]);
    // AND the user's and the client's actions follow as without it
    expect(limits.map((l: any) => l.actions.slice(1).map((a: any) => Object.keys(a)[0]))).toEqual([
      ['header_value_match', 'request_headers'], ['header_value_match', 'remote_address'],
    ]);
    // AND the limits of the service's config sit under (paths, limited), as the descriptors are composed
    expect(YAML.parse(find(out, 'ConfigMap', 'ec-site-ratelimit-config').data['config.yaml'])).toEqual({
      domain: 'ec-site',
      descriptors: [{
        key: 'paths', value: 'limited',
        descriptors: [
          { key: 'auth', value: 'authenticated', descriptors: [{ key: 'user_id', rate_limit: { unit: 'second', requests_per_unit: 30 } }] },
          { key: 'user', value: 'anonymous', descriptors: [{ key: 'remote_address', rate_limit: { unit: 'second', requests_per_unit: 10 } }] },
        ],
      }],
    });
  });

  test('several prefixes are one alternation (one counter), escaped, matching the whole path as Envoy matches it', () => {
    const out = synth(build({ pathPrefixes: ['/vod.playback.v1.Playback/Start', '/api/(v1)/start+'] }));
    const [first] = find(out, 'EnvoyFilter', 'ec-site-ratelimit').spec.configPatches[1].patch.value.route.rate_limits;
    const regex: string = first.actions[0].header_value_match.headers[0].string_match.safe_regex.regex;
    expect(regex).toBe('(?:/vod\\.playback\\.v1\\.Playback/Start|/api/\\(v1\\)/start\\+).*');
    // Envoy's safe_regex matches the whole value: anchored here as it is there.
    const whole = new RegExp(`^${regex}$`);
    expect(['/vod.playback.v1.Playback/Start', '/vod.playback.v1.Playback/StartFast', '/api/(v1)/start+?x=1'].every((p) => whole.test(p))).toBe(true);
    expect(['/vodXplayback.v1.Playback/Start', '/api/v1/start', '/media/seg-1.ts', '/x/vod.playback.v1.Playback/Start'].some((p) => whole.test(p)))
      .toBe(false);
  });

  test.each([
    [['api/start'], "pathPrefixes[0]: must start with '/' and hold no whitespace, got 'api/start' [MESH510]"],
    [['/api/ start'], "pathPrefixes[0]: must start with '/' and hold no whitespace, got '/api/ start' [MESH510]"],
    [['/a', '/b', '/a'], "pathPrefixes[2]: '/a' is given twice [MESH510]"],
    [[], 'pathPrefixes: is empty, so the limit would count no request; leave it out to count all [MESH510]'],
  ])('pathPrefixes %j fail synth', (pathPrefixes, message) => {
    expect(synthError(build({ pathPrefixes }))).toContain(`[test/ec-site] ${message}`);
  });
});

describe('the rate-limit path: the gateway reaches the rate-limit service (issue 12)', () => {
  function deployed(props: Partial<GlobalRateLimitProps> = {}) {
    const { app, chart } = meshChart();
    const limit = new GlobalRateLimit(chart, 'ec-site', { serviceDeployed: true, user: BY_HEADER, ...props });
    return { app, chart, limit };
  }

  test("a NetworkPolicy and an AuthorizationPolicy admit the gateway's pods and principal to gRPC 8081 of the rate-limit pods, and only them", () => {
    const out = synth(deployed().app);
    const np = find(out, 'NetworkPolicy', 'ec-site-ratelimit');
    expect(np.metadata.namespace).toBe('production');
    expect(np.spec).toMatchSnapshot();
    expect(np.spec.podSelector).toEqual({ matchLabels: { app: 'ratelimit' } });
    // Ingress only: the rate-limit pods' own egress (Redis) is left to their deployment.
    expect(np.spec.policyTypes).toEqual(['Ingress']);
    expect(np.spec.ingress).toEqual([{
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } }, podSelector: { matchLabels: { app: 'istio-ingressgateway', istio: 'ingressgateway' } } }],
      ports: [{ port: 8081, protocol: 'TCP' }],
    }]);
    const ap = find(out, 'AuthorizationPolicy', 'ec-site-ratelimit');
    expect(ap.spec).toEqual({
      selector: { matchLabels: { app: 'ratelimit' } },
      action: 'ALLOW',
      rules: [{ from: [{ source: { principals: ['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'] } }], to: [{ operation: { ports: ['8081'] } }] }],
    });
  });

  test('the path is an intended flow, stated by the GlobalRateLimit, and synth proves it', () => {
    const { app, chart } = deployed();
    const flows = chart.intendedFlows().filter((f) => f.target?.name === 'ratelimit');
    expect(flows.map((f) => `${'platform' in f.source ? f.source.platform.name : '?'} -> ${f.host}:${f.port} ${f.protocol} ${f.method} ${f.path} ${f.constructPath}`)).toEqual([
      'istio-ingressgateway -> ratelimit.production.svc.cluster.local:8081 GRPC POST /envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit test/ec-site',
    ]);
    expect(() => synth(app)).not.toThrow();
  });

  test.each([
    ['NetworkPolicy', '/spec/ingress', [], /refused by NetworkPolicy production\/ec-site-ratelimit \(NetworkPolicy ingress\)/],
    ['AuthorizationPolicy', '/spec/rules/0/from/0/source/principals', ['cluster.local/ns/production/sa/someone-else'], /refused by AuthorizationPolicy production\/(allow-nothing|ec-site-ratelimit)/],
  ])('a %s that no longer admits the gateway fails synth naming the GlobalRateLimit (MESH600)', (id, path, value, refusal) => {
    const { app, limit } = deployed();
    ApiObject.of(limit.node.findChild(id)).addJsonPatch(JsonPatch.replace(path, value));
    const err = synthError(app);
    expect(err).toMatch(/\[test\/ec-site\] .*the ingress gateway asks the rate-limit service ratelimit\.production\.svc\.cluster\.local:8081: refused/);
    expect(err).toMatch(refusal);
    expect(err).toMatch(/\[MESH600\]/);
  });

  test('a rate-limit service elsewhere gets its policies in its own namespace, for its own pods and port', () => {
    const out = synth(deployed({ rateLimitService: { host: 'rl.infra.svc.cluster.local', port: 9000 }, gatewayNamespace: 'edge', gatewaySelector: { istio: 'edge' } }).app);
    const np = find(out, 'NetworkPolicy', 'ec-site-ratelimit');
    expect(np.metadata.namespace).toBe('infra');
    expect(np.spec.ingress[0]).toEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'edge' } }, podSelector: { matchLabels: { istio: 'edge' } } }],
      ports: [{ port: 9000, protocol: 'TCP' }],
    });
    expect(find(out, 'AuthorizationPolicy', 'ec-site-ratelimit').spec.rules[0].from[0].source.principals).toEqual(['cluster.local/ns/edge/sa/istio-ingressgateway-service-account']);
  });

  test('without serviceDeployed nothing admits the gateway (and synth fails, MESH668)', () => {
    const { app, chart } = meshChart();
    const limit = new GlobalRateLimit(chart, 'ec-site', { user: BY_HEADER });
    expect(chart.intendedFlows().some((f) => f.target?.name === 'ratelimit')).toBe(false);
    expect([limit.node.tryFindChild('NetworkPolicy'), limit.node.tryFindChild('AuthorizationPolicy')]).toEqual([undefined, undefined]);
    expect(synthError(app)).toMatch(/\[MESH668\]/);
  });
});

describe('GlobalRateLimit across environments (review item 9)', () => {
  function twoEnvironments(sharedService: boolean) {
    const app = new MeshApp({ outdir: Testing.app().outdir });
    for (const env of ['staging', 'production']) {
      const chart = new MeshChart(app, env, { namespace: env });
      new GlobalRateLimit(chart, 'ec-site', {
        serviceDeployed: true, user: BY_HEADER,
        rateLimitService: sharedService ? { host: 'ratelimit.ratelimit.svc.cluster.local' } : undefined,
      });
    }
    return app;
  }

  test('the gateway EnvoyFilter is written once, to the cluster folder, when the environments agree', () => {
    const files = twoEnvironments(true).manifests().filter((f) => f.manifest.kind === 'EnvoyFilter').map((f) => f.path);
    expect(files).toEqual(['cluster/envoyfilter.istio-system.ec-site-ratelimit.yaml']);
    // The shared rate-limit service's policies too: one NetworkPolicy and one AuthorizationPolicy in its namespace.
    const policies = twoEnvironments(true).manifests().filter((f) => f.manifest.metadata.name === 'ec-site-ratelimit' && f.manifest.kind !== 'EnvoyFilter').map((f) => f.path);
    expect(policies.sort()).toEqual(['cluster/authorizationpolicy.ratelimit.ec-site-ratelimit.yaml', 'cluster/networkpolicy.ratelimit.ec-site-ratelimit.yaml']);
  });

  test('environments that want different filters on the one gateway fail synth (MESH631)', () => {
    expect(() => twoEnvironments(false).manifests()).toThrow(
      /\[cluster\] EnvoyFilter istio-system\/ec-site-ratelimit is cluster-wide, but the environments disagree on it: staging\/ec-site wants .*ratelimit\.staging.*production\/ec-site wants .*ratelimit\.production.*\[MESH631\]/);
  });
});

describe('where the limit lands', () => {
  const kong = { 'app.kubernetes.io/name': 'kong', 'app.kubernetes.io/component': 'app', 'app.kubernetes.io/instance': 'kong' };

  test("MESH514: on a meshed edge proxy's pods, whose Envoy is a sidecar, an EnvoyFilter of context GATEWAY never applies", () => {
    expect(synthError(build({ gatewaySelector: kong, gatewayNamespace: 'kong' }))).toMatch(
      /\[test\/ec-site\] gatewaySelector: selects the pods of the platform's apiGateway \(kong\/kong-kong\), whose Envoy is an Istio sidecar.*\[MESH514\]/);
  });

  test('MESH515 (warning): on the ingress gateway while the services are reached only through an edge proxy; none with an ingress route', () => {
    const withRoutes = (ingress: boolean) => {
      const { app, chart } = meshChart();
      const web = new MeshService(chart, 'web', { image: 'registry.example.com/web:1' });
      new EdgeProxyRoute(chart, 'web-via-kong', { service: web, methods: ['GET'], paths: ['/*'] });
      if (ingress) new IngressGateway(chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls' }).route(web);
      new GlobalRateLimit(chart, 'ec-site', { serviceDeployed: true, user: BY_HEADER });
      app.manifests();
      return app.warnings.filter((w) => w.includes('MESH515'));
    };
    expect(withRoutes(false)).toEqual([expect.stringMatching(/gatewaySelector: limits requests at the ingress gateway, but no service of production is routed from it.*\[MESH515\]/)]);
    expect(withRoutes(true)).toEqual([]);
  });
});

describe('several domains on one gateway (a per-user and a per-tenant limit)', () => {
  const claim = (c?: string) => RateLimitUser.jwtClaim({ issuer: 'https://login.example.com', jwksUri: 'https://login.example.com/keys', claim: c });

  function perUserAndTenant(order: ('user' | 'tenant')[] = ['user', 'tenant']) {
    const { app, chart } = meshChart();
    for (const which of order) {
      if (which === 'user') new GlobalRateLimit(chart, 'per-user', { serviceDeployed: true, domain: 'saas-user', user: claim(), authenticatedRequestsPerSecond: 20 });
      else new GlobalRateLimit(chart, 'per-tenant', { serviceDeployed: true, domain: 'saas-tenant', user: claim('tenant'), authenticatedRequestsPerSecond: 200 });
    }
    return app;
  }
  const stages = (f: Record<string, any>) => ({
    filter: f.spec.configPatches[0].patch.value.typed_config.stage,
    routes: f.spec.configPatches[1].patch.value.route.rate_limits.map((l: any) => l.stage),
  });

  test("each domain's filter and its route rate_limits run at a stage of their own, whatever the order (Envoy: a filter applies its stage's rate limits)", () => {
    for (const order of [['user', 'tenant'], ['tenant', 'user']] as const) {
      const out = synth(perUserAndTenant([...order]));
      // Sorted by domain: saas-tenant 0 (Envoy's default, left out), saas-user 1.
      expect(stages(find(out, 'EnvoyFilter', 'saas-tenant-ratelimit'))).toEqual({ filter: undefined, routes: [undefined, undefined] });
      expect(stages(find(out, 'EnvoyFilter', 'saas-user-ratelimit'))).toEqual({ filter: 1, routes: [1, 1] });
    }
  });

  test('one domain on a gateway keeps the default stage (no stage written)', () => {
    const f = find(synth(build()), 'EnvoyFilter', 'ec-site-ratelimit');
    expect(stages(f)).toEqual({ filter: undefined, routes: [undefined, undefined] });
  });

  test('MESH157: the same two filters at one stage fail synth, naming both (the check over the manifests)', () => {
    const app = perUserAndTenant();
    const user = app.node.findAll().find((c) => ApiObject.isApiObject(c) && c.kind === 'EnvoyFilter' && c.name === 'saas-user-ratelimit');
    // Patched back to stage 0, as the filters were written before each domain had its own stage.
    (user as ApiObject).addJsonPatch(JsonPatch.remove('/spec/configPatches/0/patch/value/typed_config/stage'));
    expect(synthError(app)).toMatch(new RegExp("spec\\.configPatches\\[0\\]\\.patch\\.value\\.typed_config\\.stage: Envoy's ratelimit filter for domain "
      + 'saas-(user|tenant) runs at stage 0 on the pods where EnvoyFilter istio-system/saas-(tenant|user)-ratelimit .* for domain saas-(tenant|user), '
      + "so each filter sends the other's descriptors to its own domain.*\\[MESH157\\]"));
  });

  test('MESH057: at most eleven domains a gateway (stages 0 to 10)', () => {
    const { app, chart } = meshChart();
    for (let i = 0; i < 12; i++) new GlobalRateLimit(chart, `limit-${String(i).padStart(2, '0')}`, { serviceDeployed: true, user: claim() });
    expect(synthError(app)).toMatch(/\[test\/limit-11\] domain: 'limit-11' would be the 12th rate-limit domain on the gateway istio-system\/.*stages 0 to 10 only.*\[MESH057\]/);
    expect(synthError(app)).not.toMatch(/limit-10\].*MESH057/);
  });
});
