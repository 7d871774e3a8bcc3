// External authorizers of CUSTOM AuthorizationPolicies in the istiod values the app writes, and MESH232. istiod knows a
// provider only from meshConfig.extensionProviders, and for a CUSTOM policy of a provider it does not know it denies every
// request the policy matches (istio/istio pilot/pkg/security/authz/builder/builder.go, "will generate deny configs"); the app's
// istiod.values replaces the install's list on helm upgrade (Helm replaces lists).
import { Duration } from 'cdk8s';
import * as jsyaml from 'js-yaml';
import { AuthorizationAction, ExtAuthzProvider, MeshAuthorizationPolicy, MeshChart, MeshService, ObservabilityStack } from '../../../src';
import { meshChart } from '../../util';

const opa = (ns: string, port = 9191) => ExtAuthzProvider.grpc({ name: `opa-${ns}`, service: `opa.${ns}.svc.cluster.local`, port, timeout: Duration.millis(500) });

function dashboard(chart: MeshChart, provider: string | ExtAuthzProvider, id = 'ext-authz') {
  const web = new MeshService(chart, 'dashboard', { image: 'registry.example.com/dashboard:1.0.0' });
  new MeshAuthorizationPolicy(chart, id, { action: AuthorizationAction.custom(provider), service: web, rules: [{ to: [{ paths: ['/*'] }] }] });
  return web;
}
const istiodValues = (app: { synth(): void; outdir: string }) => {
  app.synth();
  const text = require('node:fs').readFileSync(require('node:path').join(app.outdir, 'cluster', 'istiod.values'), 'utf8') as string;
  return jsyaml.load(text) as Record<string, any>;
};

describe('ExtAuthzProvider', () => {
  test("each environment's authorizer is listed in the istiod values after the tracing provider, and the policy names it", () => {
    const { app, chart } = meshChart({ namespace: 'payments' });
    const staging = new MeshChart(app, 'staging', { namespace: 'payments-staging' });
    dashboard(chart, opa('payments'));
    dashboard(staging, opa('payments-staging'));
    new ObservabilityStack(chart, 'observability', { name: 'payments' });
    new ObservabilityStack(staging, 'observability', { name: 'payments-staging' });
    const policy = app.manifests().map((f) => f.manifest).find((m) => m.kind === 'AuthorizationPolicy' && m.metadata.name === 'ext-authz' && m.metadata.namespace === 'payments');
    expect(policy?.spec).toMatchObject({ action: 'CUSTOM', provider: { name: 'opa-payments' } });
    expect(istiodValues(app).meshConfig.extensionProviders).toEqual([
      { name: 'jaeger', zipkin: { service: 'jaeger-collector.observability.svc.cluster.local', port: 9411 } },
      { name: 'opa-payments', envoyExtAuthzGrpc: { service: 'opa.payments.svc.cluster.local', port: 9191, timeout: '500ms' } },
      { name: 'opa-payments-staging', envoyExtAuthzGrpc: { service: 'opa.payments-staging.svc.cluster.local', port: 9191, timeout: '500ms' } },
    ]);
  });

  test('a provider named by a string where the app writes istiod values fails synth naming the policy (MESH232); without the values it is the install\'s', () => {
    const withStack = meshChart({ namespace: 'payments' });
    dashboard(withStack.chart, 'opa-ext-authz');
    new ObservabilityStack(withStack.chart, 'observability', { name: 'payments' });
    expect(() => withStack.app.manifests()).toThrow(
      /\[test\/ext-authz\] action: provider 'opa-ext-authz' is named by a string, but the app writes istiod's values .*deny every request the policy matches.*\[MESH232\]/);
    const without = meshChart({ namespace: 'payments' });
    dashboard(without.chart, 'opa-ext-authz');
    expect(() => without.app.manifests()).not.toThrow();
  });

  test('one name with two settings, or a provider that is no host and port, fails synth', () => {
    const { app, chart } = meshChart({ namespace: 'payments' });
    const staging = new MeshChart(app, 'staging', { namespace: 'payments-staging' });
    dashboard(chart, opa('payments'));
    dashboard(staging, ExtAuthzProvider.grpc({ name: 'opa-payments', service: 'opa.payments.svc.cluster.local', port: 9192 }));
    expect(() => app.manifests()).toThrow(/action: another CUSTOM policy of the app gives provider 'opa-payments' other settings.*\[MESH232\]/);
    const bad = meshChart({ namespace: 'payments' });
    dashboard(bad.chart, ExtAuthzProvider.grpc({ name: 'opa', service: 'http://opa:9191', port: 0 }));
    expect(() => bad.app.manifests()).toThrow(/provider\.service: 'http:\/\/opa:9191' is not a host name \[MESH232\]/);
    expect(() => bad.app.manifests()).toThrow(/provider\.port: 0 is not a port \[MESH232\]/);
  });
});

// An HTTP authorizer (oauth2-proxy in front of a browser UI's OIDC login): istiod's envoyExtAuthzHttp. Envoy sends it the request's
// own method on pathPrefix + the request's path, so the workload the CUSTOM policy selects must call it with those.
describe('ExtAuthzProvider.http', () => {
  const oauth2 = (extra: Partial<Parameters<typeof ExtAuthzProvider.http>[0]> = {}) => ExtAuthzProvider.http({
    name: 'oauth2-proxy', service: 'oauth2-proxy.payments.svc.cluster.local', port: 4180, timeout: Duration.seconds(2),
    includeRequestHeadersInCheck: ['cookie', 'x-auth-*'],
    headersToUpstreamOnAllow: ['authorization', 'x-auth-request-user', 'x-auth-request-email'],
    headersToDownstreamOnDeny: ['content-type', 'set-cookie', 'location'],
    includeAdditionalHeadersInCheck: { 'x-forwarded-proto': 'https' },
    ...extra,
  });
  const ui = (provider: ExtAuthzProvider, call?: Parameters<MeshService['calls']>[1] | false, methods?: ('GET' | 'POST')[]) => {
    const { app, chart } = meshChart({ namespace: 'payments' });
    const proxy = new MeshService(chart, 'oauth2-proxy', { image: 'quay.io/oauth2-proxy/oauth2-proxy:v7.7.1', ports: [{ port: 4180, name: 'http' }] });
    const web = new MeshService(chart, 'dashboard', { image: 'registry.example.com/dashboard:1.0.0' });
    if (call !== false) web.calls(proxy, call ?? { port: 4180 });
    new MeshAuthorizationPolicy(chart, 'login', {
      action: AuthorizationAction.custom(provider), service: web, rules: [{ to: [{ paths: ['/ui/*'], ...(methods ? { methods } : {}) }] }],
    });
    new ObservabilityStack(chart, 'observability', { name: 'payments' });
    return { app, chart };
  };

  test('is written to the istiod values as envoyExtAuthzHttp, its header lists and timeout as istiod reads them', () => {
    const { app } = ui(oauth2({ pathPrefix: '/verify', failOpen: false }), { port: 4180, paths: ['/verify/ui/*'] });
    expect(istiodValues(app).meshConfig.extensionProviders[1]).toEqual({
      name: 'oauth2-proxy',
      envoyExtAuthzHttp: {
        service: 'oauth2-proxy.payments.svc.cluster.local', port: 4180, timeout: '2s', pathPrefix: '/verify', failOpen: false,
        includeRequestHeadersInCheck: ['cookie', 'x-auth-*'],
        headersToUpstreamOnAllow: ['authorization', 'x-auth-request-user', 'x-auth-request-email'],
        headersToDownstreamOnDeny: ['content-type', 'set-cookie', 'location'],
        includeAdditionalHeadersInCheck: { 'x-forwarded-proto': 'https' },
      },
    });
    expect(ExtAuthzProvider.http({ name: 'a', service: 'a.b.svc.cluster.local', port: 80 }).toMeshConfig())
      .toEqual({ name: 'a', envoyExtAuthzHttp: { service: 'a.b.svc.cluster.local', port: 80 } });
  });

  test("the selected workload's check requests are intended flows: proved at synth, refused without the call (MESH600)", () => {
    const declared = ui(oauth2(), { port: 4180 }, ['GET', 'POST']);
    const flows = declared.chart.intendedFlows().filter((f) => f.constructPath === 'test/login');
    expect(flows.map((f) => `${f.method} ${f.path} ${f.host}:${f.port}`).sort()).toEqual([
      'GET /ui/x oauth2-proxy.payments.svc.cluster.local:4180', 'POST /ui/x oauth2-proxy.payments.svc.cluster.local:4180',
    ]);
    expect(() => declared.app.manifests()).not.toThrow();
    expect(() => ui(oauth2(), false).app.manifests()).toThrow(/asks the external authorizer oauth2-proxy.*\[MESH600\]/s);
    // The check request keeps the request's method: a call of GET alone refuses the POSTs the policy sends it.
    expect(() => ui(oauth2(), { port: 4180, methods: ['GET'] }, ['GET', 'POST']).app.manifests()).toThrow(/POST \/ui\/x.*\[MESH600\]/s);
    // After the pathPrefix: a call of the request's own paths does not admit the check request.
    expect(() => ui(oauth2({ pathPrefix: '/verify' }), { port: 4180, paths: ['/ui/*'] }).app.manifests()).toThrow(/GET \/verify\/ui\/x.*\[MESH600\]/s);
  });

  test("a gRPC authorizer's Check call is proved the same way", () => {
    const { app, chart } = meshChart({ namespace: 'payments' });
    const opaService = new MeshService(chart, 'opa', { image: 'openpolicyagent/opa:1.0.0-envoy', ports: [{ port: 9191, name: 'grpc', protocol: 'grpc' }] });
    const web = dashboard(chart, opa('payments'));
    expect(chart.intendedFlows().filter((f) => f.constructPath === 'test/ext-authz').map((f) => `${f.method} ${f.path}`))
      .toEqual(['POST /envoy.service.auth.v3.Authorization/Check']);
    expect(() => app.manifests()).toThrow(/asks the external authorizer opa-payments.*\[MESH600\]/s);
    web.calls(opaService, { port: 9191 });
    expect(() => app.manifests()).not.toThrow();
  });

  test('bad settings, and one name given both a gRPC and an HTTP provider, fail synth (MESH232)', () => {
    const bad = ui(oauth2({
      service: 'http://oauth2-proxy', port: 70000, pathPrefix: 'verify',
      includeRequestHeadersInCheck: ['*'], headersToUpstreamOnAllow: ['x auth'], includeAdditionalHeadersInCheck: { 'x-a': 'b\nc' },
    }));
    const run = () => bad.app.manifests();
    expect(run).toThrow(/provider\.service: 'http:\/\/oauth2-proxy' is not a host name \[MESH232\]/);
    expect(run).toThrow(/provider\.port: 70000 is not a port \[MESH232\]/);
    expect(run).toThrow(/provider\.pathPrefix: 'verify' is not a path.*\[MESH232\]/);
    expect(run).toThrow(/provider\.includeRequestHeadersInCheck\[0\]: '\*' alone is refused by istiod.*\[MESH232\]/);
    expect(run).toThrow(/provider\.headersToUpstreamOnAllow\[0\]: 'x auth' is not a header name.*\[MESH232\]/);
    expect(run).toThrow(/provider\.includeAdditionalHeadersInCheck\.x-a: a header value holds no line break \[MESH232\]/);
    const twice = ui(oauth2());
    dashboard(new MeshChart(twice.app, 'staging', { namespace: 'payments-staging' }),
      ExtAuthzProvider.grpc({ name: 'oauth2-proxy', service: 'oauth2-proxy.payments.svc.cluster.local', port: 4180 }));
    expect(() => twice.app.manifests()).toThrow(/another CUSTOM policy of the app gives provider 'oauth2-proxy' other settings.*\[MESH232\]/);
  });
});
