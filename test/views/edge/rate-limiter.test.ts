import { ApiObject, JsonPatch, Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { checkIntendedFlows, FlowEvaluator, validateManifests } from '../../../src/validate';
import { GlobalRateLimit, IngressGateway, MeshApp, MeshChart, MeshService, RateLimiter, RateLimitUser, ServiceSecurity, Warnings } from '../../../src';
import { find, synth, synthError } from '../../util';

/** Seed 000's users: signed in by the environment's identity provider, keyed by `sub`. */
const signedIn = (env: string) => RateLimitUser.jwtClaim({
  issuer: `https://auth.${env}.example.com`, jwksUri: `https://auth.${env}.example.com/.well-known/jwks.json`, audiences: [`ec-site-${env}`],
});

/**
 * The EC site's layout: one rate-limit service for the cluster's one gateway, in a namespace of
 * its own, and each environment's per-user limit asking it.
 */
function cluster(envs: string[] = ['production'], user = signedIn) {
  const app = new MeshApp({ outdir: Testing.app().outdir });
  const shared = new MeshChart(app, 'ratelimit', { namespace: 'ratelimit' });
  const limiter = new RateLimiter(shared, 'ratelimit');
  const limits = envs.map((env) => {
    const chart = new MeshChart(app, env, { namespace: env });
    // An environment runs workloads (its allow-nothing policy selects them; MESH691 otherwise), routed from its public host.
    const web = new MeshService(chart, 'web', { image: 'registry.example.com/web:1.0.0' });
    new IngressGateway(chart, 'shop', { hosts: [`${env}.shop.example.com`], credentialName: 'shop-tls' }).route(web);
    return new GlobalRateLimit(chart, 'ec-site', { service: limiter, user: user(env) });
  });
  return { app, shared, limiter, limits };
}

/** The flows the rate-limit chart intends, over its manifests and the cluster's. */
function flows(app: MeshApp, chart: MeshChart, manifests = synth(app)) {
  const evaluator = new FlowEvaluator(manifests, {
    platform: chart.platform.workloads(chart.namespace), dns: chart.platform.dnsWorkload(), trustDomain: chart.platform.trustDomain,
  });
  return { evaluator, intended: chart.intendedFlows(), findings: checkIntendedFlows(evaluator, chart.intendedFlows()) };
}

describe('RateLimiter: envoyproxy/ratelimit and Redis, deployed and hardened like every pod', () => {
  const { app } = cluster();
  const m = synth(app);
  const container = (name: string) => find(m, 'Deployment', name).spec.template.spec.containers.find((c: any) => c.name === 'app');

  test('ratelimit: gRPC 8081 only, its configuration from the ConfigMap reloaded in place, Redis over TCP, no statsd', () => {
    const c = container('ratelimit');
    expect(c.image).toBe('docker.io/envoyproxy/ratelimit:f2fb1577');
    expect(c.ports).toEqual([{ containerPort: 8081, name: 'grpc' }]);
    expect(Object.fromEntries(c.env.map((e: any) => [e.name, e.value]))).toEqual({
      RUNTIME_ROOT: '/data', RUNTIME_SUBDIRECTORY: 'ratelimit', RUNTIME_APPDIRECTORY: 'config', RUNTIME_WATCH_ROOT: 'false',
      RUNTIME_IGNOREDOTFILES: 'true',
      HEALTHY_WITH_AT_LEAST_ONE_CONFIG_LOADED: 'true', REDIS_SOCKET_TYPE: 'tcp', USE_STATSD: 'false', LOG_FORMAT: 'json',
      REDIS_URL: 'ratelimit-redis.ratelimit.svc.cluster.local:6379',
    });
    expect(c.volumeMounts).toContainEqual(expect.objectContaining({ mountPath: '/data/ratelimit/config', readOnly: true }));
    // Ready when Redis answers and a domain is loaded (the `ratelimit` health service); alive while gRPC serves.
    expect(c.readinessProbe.grpc).toEqual({ port: 8081, service: 'ratelimit' });
    expect(c.livenessProbe.grpc).toEqual({ port: 8081 });
    expect(c.securityContext).toMatchObject({
      runAsUser: 10001, runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] },
    });
  });

  test('Redis: counters only (no snapshot, no AOF, LRU under the memory limit), /data an emptyDir, run as the library user', () => {
    const c = container('ratelimit-redis');
    expect(c.image).toBe('docker.io/library/redis:7.2.5-alpine3.20');
    // First arg starts with '-': docker-entrypoint.sh prepends redis-server, and as a non-root user it skips gosu.
    expect(c.args).toEqual(['--save', '', '--appendonly', 'no', '--maxmemory', '384mb', '--maxmemory-policy', 'allkeys-lru']);
    expect(c.ports).toEqual([{ containerPort: 6379, name: 'tcp-redis' }]);
    expect(c.volumeMounts).toContainEqual(expect.objectContaining({ mountPath: '/data' }));
    expect(c.readinessProbe.tcpSocket).toEqual({ port: 6379 });
    expect(c.securityContext).toMatchObject({ runAsUser: 10001, readOnlyRootFilesystem: true });
    expect(find(m, 'Deployment', 'ratelimit-redis').spec.replicas).toBe(1);
  });

  test("seed 000's limits as the domain's file: 30 req/s per signed-in user, 10 req/s per client address", () => {
    const cm = find(m, 'ConfigMap', 'ratelimit-config');
    expect(Object.keys(cm.data)).toEqual(['ec-site.yaml']);
    expect(YAML.parse(cm.data['ec-site.yaml'])).toEqual({
      domain: 'ec-site',
      descriptors: [{ key: 'environment', value: 'production', descriptors: [
        { key: 'auth', value: 'authenticated', descriptors: [{ key: 'user_id', rate_limit: { unit: 'second', requests_per_unit: 30 } }] },
        { key: 'user', value: 'anonymous', descriptors: [{ key: 'remote_address', rate_limit: { unit: 'second', requests_per_unit: 10 } }] },
      ] }],
    });
    // No ConfigMap of the GlobalRateLimit's own: the deployed service reads its file.
    expect(m.filter((x) => x.kind === 'ConfigMap' && x.metadata.name === 'ec-site-ratelimit-config')).toEqual([]);
  });

  test("the gateway's filter asks the deployed service, and the user is a claim of the token the gateway validates", () => {
    const filter = find(m, 'EnvoyFilter', 'ec-site-ratelimit');
    expect(filter.spec.configPatches[0].patch.value.typed_config.rate_limit_service.grpc_service.envoy_grpc.cluster_name)
      .toBe('outbound|8081||ratelimit.ratelimit.svc.cluster.local');
    const payload = { key: 'envoy.filters.http.jwt_authn', path: [{ key: 'payload' }, { key: 'sub' }] };
    const environment = { generic_key: { descriptor_key: 'environment', descriptor_value: 'production' } };
    expect(find(m, 'EnvoyFilter', 'ec-site-ratelimit-production').spec.configPatches[0].patch.value.route.rate_limits).toEqual([
      { actions: [
        environment,
        { generic_key: { descriptor_key: 'auth', descriptor_value: 'authenticated' } },
        { metadata: { descriptor_key: 'user_id', metadata_key: payload, source: 'DYNAMIC' } },
      ] },
      { actions: [
        environment,
        { metadata: { descriptor_key: 'user', metadata_key: payload, source: 'DYNAMIC', default_value: 'anonymous' } }, { remote_address: {} },
      ] },
    ]);
    // The gateway validates the environment's tokens and keeps them for the services behind it.
    expect(find(m, 'RequestAuthentication', 'ec-site-ratelimit-production')).toMatchObject({
      metadata: { namespace: 'istio-system' },
      spec: {
        selector: { matchLabels: { istio: 'ingressgateway' } },
        // The generated types write the field as the CRD's `jwks_uri`, as EdgeAuthentication's.
        jwtRules: [{
          issuer: 'https://auth.production.example.com', jwks_uri: 'https://auth.production.example.com/.well-known/jwks.json',
          audiences: ['ec-site-production'], forwardOriginalToken: true,
        }],
      },
    });
  });

  test('the gateway is admitted to ShouldRateLimit on 8081 (its principal, its pods); ratelimit to Redis on 6379', () => {
    expect(find(m, 'AuthorizationPolicy', 'ratelimit-policy').spec.rules).toContainEqual({
      from: [{ source: { principals: ['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'] } }],
      to: [{ operation: { methods: ['POST'], paths: ['/envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit'] } }],
    });
    expect(find(m, 'NetworkPolicy', 'ratelimit').spec.ingress).toContainEqual({
      from: [{
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } },
        podSelector: { matchLabels: { app: 'istio-ingressgateway', istio: 'ingressgateway' } },
      }],
      ports: [{ port: 8081, protocol: 'TCP' }],
    });
    expect(find(m, 'AuthorizationPolicy', 'ratelimit-redis-policy').spec.rules)
      .toContainEqual({ from: [{ source: { principals: ['cluster.local/ns/ratelimit/sa/ratelimit'] } }] });
  });
});

describe('the rate-limit path, proved at synth: gateway → ratelimit:8081 and ratelimit → Redis:6379', () => {
  test('both are intended flows of the rate-limit chart, and hold', () => {
    const { app, shared } = cluster();
    const { intended, findings } = flows(app, shared);
    expect(intended.filter((f) => f.port === 8081 || f.port === 6379).map((f) => `${f.description} [${f.constructPath}]`)).toEqual([
      'ratelimit calls ratelimit-redis on 6379/TCP [ratelimit/ratelimit/ratelimit]',
      'the ingress gateway asks the rate-limit service ratelimit.ratelimit.svc.cluster.local:8081 [production/ec-site]',
    ]);
    expect(findings).toEqual([]);
  });

  test.each([
    ['ratelimit-redis', 'AuthorizationPolicy', '/spec/rules/0/from/0/source/principals', ['cluster.local/ns/ratelimit/sa/ratelimit-redis'],
      /ratelimit calls ratelimit-redis on 6379\/TCP.*refused by AuthorizationPolicy/],
    ['ratelimit', 'NetworkPolicy', '/spec/ingress', [],
      /the ingress gateway asks the rate-limit service .*: refused by NetworkPolicy ratelimit\/ratelimit/],
  ])("%s's %s closed: synth fails naming the construct that intended the flow (MESH600)", (service, kind, path, value, message) => {
    const { app, limiter } = cluster();
    const target = service === 'ratelimit' ? limiter.service : limiter.redis;
    const security = ServiceSecurity.of(target);
    ApiObject.of(kind === 'NetworkPolicy' ? security.networkPolicy : security.authorizationPolicy).addJsonPatch(JsonPatch.replace(path, value));
    const err = synthError(app);
    expect(err).toMatch(message);
    expect(err).toMatch(/\[MESH600\]/);
  });
});

describe('one rate-limit service for the one gateway of every environment', () => {
  test("the environments' ratelimit filter is one, in the cluster folder, their route limits each environment's; each environment's issuer is validated by its own RequestAuthentication", () => {
    const { app, limiter } = cluster(['dev', 'staging', 'production']);
    const files = app.manifests().map((f) => f.path);
    expect(files.filter((f) => f.includes('envoyfilter')).sort()).toEqual([
      'cluster/envoyfilter.istio-system.ec-site-ratelimit.yaml',
      'dev/envoyfilter.istio-system.ec-site-ratelimit-dev.yaml',
      'production/envoyfilter.istio-system.ec-site-ratelimit-production.yaml',
      'staging/envoyfilter.istio-system.ec-site-ratelimit-staging.yaml',
    ]);
    expect(files.filter((f) => f.includes('requestauthentication')).sort()).toEqual([
      'dev/requestauthentication.istio-system.ec-site-ratelimit-dev.yaml',
      'production/requestauthentication.istio-system.ec-site-ratelimit-production.yaml',
      'staging/requestauthentication.istio-system.ec-site-ratelimit-staging.yaml',
    ]);
    expect(limiter.domainNames).toEqual(['ec-site']);
  });

  test('two environments give one domain their own limits (was MESH651): the file nests each under its environment', () => {
    // GIVEN staging at 100 req/s per user and production at seed 000's 30, on the one RateLimiter
    const app = new MeshApp({ outdir: Testing.app().outdir });
    const limiter = new RateLimiter(new MeshChart(app, 'ratelimit', { namespace: 'ratelimit' }), 'ratelimit');
    for (const [env, perUser] of [['staging', 100], ['production', 30]] as const) {
      const chart = new MeshChart(app, env, { namespace: env });
      const web = new MeshService(chart, 'web', { image: 'registry.example.com/web:1.0.0' });
      new IngressGateway(chart, 'shop', { hosts: [`${env}.shop.example.com`], credentialName: 'shop-tls' }).route(web);
      new GlobalRateLimit(chart, 'ec-site', { service: limiter, user: signedIn(env), authenticatedRequestsPerSecond: perUser });
    }
    // THEN synth passes, and the domain's one file gives each environment its own limit under its own entry
    const file = YAML.parse(find(synth(app), 'ConfigMap', 'ratelimit-config').data['ec-site.yaml']);
    expect(file.descriptors.map((d: any) => `${d.key}=${d.value} ${d.descriptors[0].descriptors[0].rate_limit.requests_per_unit}`))
      .toEqual(['environment=production 30', 'environment=staging 100']);
  });

  test('MESH651: one environment of a domain given two different limits', () => {
    const { app, limiter, limits } = cluster(['production']);
    limiter.addDomain(limits[0], 'ec-site', { domain: 'ec-site', descriptors: [{ key: 'environment', value: 'production', descriptors: [] }] });
    expect(synthError(app)).toMatch(
      /\[ratelimit\/ratelimit\] domain ec-site: production\/ec-site and production\/ec-site give its descriptor environment=production different limits.*\[MESH651\]/);
  });

  test('MESH653: a service no limit uses never turns ready; a limit given both a deployed service and an address is ambiguous', () => {
    const unused = new MeshApp({ outdir: Testing.app().outdir });
    new RateLimiter(new MeshChart(unused, 'ratelimit', { namespace: 'ratelimit' }), 'ratelimit');
    expect(synthError(unused))
      .toMatch(/\[ratelimit\/ratelimit\] no GlobalRateLimit uses ratelimit: it would load no domain and never turn ready.*\[MESH653\]/);
    const both = cluster();
    new GlobalRateLimit(new MeshChart(both.app, 'staging', { namespace: 'staging' }), 'ec-site', {
      service: both.limiter, user: signedIn('staging'), serviceDeployed: true,
    });
    expect(synthError(both.app))
      .toMatch(/\[staging\/ec-site\] service: the library deploys ratelimit\.ratelimit\.svc\.cluster\.local, so rateLimitService and/);
    expect(synthError(both.app)).toMatch(/for a service you run\) must be left out \[MESH653\]/);
  });
});

describe('who a user is: a claim of a validated token, or a header a client can send (MESH652)', () => {
  test('keyed by a header at the gateway: a warning over the manifests, which a team acknowledges with its reason', () => {
    const { app, limits } = cluster(['production'], () => RateLimitUser.header('x-user-id'));
    const findings = validateManifests(synth(app)).filter((f) => f.code === 'MESH652');
    expect(findings).toEqual([expect.objectContaining({
      severity: 'warning', resource: expect.objectContaining({ kind: 'EnvoyFilter', name: 'ec-site-ratelimit-production' }),
      field: 'spec.configPatches[0].patch.value.route.rate_limits[0].actions[2].request_headers',
    })]);
    expect(findings[0].message).toMatch(/takes the rate-limit key user_id from the request header x-user-id, which a client can send itself/);
    // No RequestAuthentication: the gateway validates nothing for it.
    expect(synth(app).filter((x) => x.kind === 'RequestAuthentication')).toEqual([]);
    // The route limits are the environment's object (dist/production/), so the acknowledgement is its chart's.
    expect(limits[0].node.path).toBe('production/ec-site');
    Warnings.of(MeshChart.of(limits[0])).acknowledge('MESH652', 'the CDN in front of the gateway overwrites x-user-id');
    synth(app);
    expect(app.acknowledgedWarnings.join('\n')).toMatch(/MESH652.*the CDN in front of the gateway overwrites x-user-id/);
  });

  test('keyed by a header a RequestAuthentication copies from a claim behind the gateway: the message names the claim to key by', () => {
    const { app } = cluster(['production'], () => RateLimitUser.header('x-user-id'));
    // An EdgeAuthentication's RequestAuthentication copies the token's sub to x-user-id at the service's sidecar, after the gateway
    const copied = {
      apiVersion: 'security.istio.io/v1', kind: 'RequestAuthentication', metadata: { name: 'web-jwt', namespace: 'production' },
      spec: { selector: { matchLabels: { app: 'web' } }, jwtRules: [{
        issuer: 'https://auth.example.com', jwksUri: 'https://auth.example.com/jwks.json', outputClaimToHeaders: [{ claim: 'sub', header: 'x-user-id' }],
      }] },
    };
    const findings = validateManifests([...synth(app), copied]).filter((f) => f.code === 'MESH652');
    expect(findings.map((f) => f.message)).toEqual([expect.stringMatching(
      /from the request header x-user-id, which a client can send itself; x-user-id is the claim sub that RequestAuthentication production\/web-jwt copies at the proxies it selects, behind the gateway and after its limit.*RateLimitUser\.jwtClaim\(\{ claim: 'sub'/)]);
  });

  test('keyed by X-Forwarded-Client-Cert, which the gateway sets from the client certificate it verified: nothing to warn about', () => {
    // istiod's gateways SANITIZE_SET the header (istio/istio pilot/pkg/networking/core/gateway.go) before any HTTP filter runs:
    // a partner's requests count under its certificate, and one without a certificate is anonymous
    const { app } = cluster(['production'], () => RateLimitUser.header('x-forwarded-client-cert'));
    const m = synth(app);
    expect(JSON.stringify(m.filter((x) => x.kind === 'EnvoyFilter'))).toContain('"header_name":"x-forwarded-client-cert"');
    expect(validateManifests(m).filter((f) => f.code === 'MESH652')).toEqual([]);
  });

  test('keyed by a token claim: nothing to warn about', () => {
    expect(validateManifests(synth(cluster().app)).filter((f) => f.code === 'MESH652')).toEqual([]);
  });

  test('the factories check their input at once', () => {
    expect(() => RateLimitUser.header('X-User')).toThrow(/'X-User' must be a lowercase HTTP header name \[MESH510\]/);
    expect(() => RateLimitUser.jwtClaim({ issuer: 'https://a', jwksUri: 'http://a/jwks' })).toThrow(/jwksUri must be an https URL.*\[MESH210\]/);
    expect(() => RateLimitUser.jwtClaim({ issuer: 'https://a', jwksUri: 'https://a/jwks', claim: 'user id' }))
      .toThrow(/claim 'user id' is not a claim name \[MESH510\]/);
  });
});
