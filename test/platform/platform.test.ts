import { Testing } from 'cdk8s';
import { MeshApp, MeshChart, MeshPlatform, MeshWideMtls } from '../../src';

describe('MeshPlatform', () => {
  test('the defaults are a stock install as the seeds describe it (DESIGN.md, "The platform")', () => {
    const p = MeshPlatform.default();
    expect(p.istio).toEqual({ release: '1.24.6', rootNamespace: 'istio-system', controlPlaneNamespace: 'istio-system', revision: undefined, istiodLabels: { app: 'istiod' }, xdsPort: 15012, webhookPort: 15017 });
    expect(p.ingressGateway).toEqual({
      name: 'istio-ingressgateway', namespace: 'istio-system', podLabels: { istio: 'ingressgateway', app: 'istio-ingressgateway' },
      selector: { istio: 'ingressgateway' }, serviceAccount: 'istio-ingressgateway-service-account', httpPort: 8080, httpsPort: 8443, httpServicePort: 80, httpsServicePort: 443,
    });
    expect(p.prometheus).toMatchObject({ namespace: 'observability', podLabels: { 'app.kubernetes.io/name': 'prometheus' }, selectorLabels: { release: 'kube-prometheus-stack' } });
    expect(p.prometheus.address).toBe('http://prometheus-operated.observability.svc.cluster.local:9090');
    expect(p.tracing).toMatchObject({ providerName: 'jaeger', protocol: 'zipkin', port: 9411, host: 'jaeger-collector.observability.svc.cluster.local' });
    expect(p.rateLimit).toMatchObject({ name: 'ratelimit', grpcPort: 8081 });
    expect(p.rateLimitHost('staging')).toBe('ratelimit.staging.svc.cluster.local');
    expect(p.flagger).toEqual({ namespace: 'istio-system', prometheusAddress: p.prometheus.address });
    expect(p.ingressGatewayPrincipal.toString()).toBe('cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account');
  });

  test('overrides flow into derived values: addresses, hosts, principals, OTLP port', () => {
    const p = MeshPlatform.of({
      trustDomain: 'example.org',
      prometheus: { namespace: 'monitoring' },
      tracing: { protocol: 'opentelemetry', serviceName: 'otel-collector' },
      rateLimit: { namespace: 'shared' },
      ingressGateway: { namespace: 'ingress' },
    });
    expect(p.flagger.prometheusAddress).toBe('http://prometheus-operated.monitoring.svc.cluster.local:9090');
    expect(p.tracing).toMatchObject({ port: 4317, host: 'otel-collector.observability.svc.cluster.local' });
    expect(p.rateLimitHost('staging')).toBe('ratelimit.shared.svc.cluster.local');
    expect(p.ingressGatewayPrincipal.toString()).toBe('example.org/ns/ingress/sa/istio-ingressgateway-service-account');
  });

  test('every component yields a flow workload with its namespace, labels and identity', () => {
    const p = MeshPlatform.default();
    const byName = Object.fromEntries(p.workloads('production').map((w) => [w.name, w]));
    expect(Object.keys(byName).sort()).toEqual(['flagger', 'istio-ingressgateway', 'istiod', 'jaeger-collector', 'prometheus', 'ratelimit']);
    expect(byName['istio-ingressgateway']).toMatchObject({ namespace: 'istio-system', serviceAccount: 'istio-ingressgateway-service-account', meshed: true });
    expect(byName.prometheus).toMatchObject({ namespace: 'observability', labels: { 'app.kubernetes.io/name': 'prometheus' }, meshed: false });
    expect(byName.ratelimit).toMatchObject({ namespace: 'production', ports: { grpc: 8081 } });
  });

  test.each([0, 65536, 1.5])('port %p is refused with the field and MESH004', (port) => {
    expect(() => MeshPlatform.of({ tracing: { port } })).toThrow(/platform tracing.port .*\[MESH004\]/);
  });

  test('a bad name is refused with the field and MESH001', () => {
    expect(() => MeshPlatform.of({ prometheus: { namespace: 'Observability' } })).toThrow(/platform prometheus.namespace: .*\[MESH001\]/);
  });

  test('charts share the app\'s platform unless they name their own', () => {
    const platform = MeshPlatform.of({ prometheus: { namespace: 'monitoring' } });
    const app = new MeshApp({ platform });
    const a = new MeshChart(app, 'a', { namespace: 'a' });
    const own = MeshPlatform.default();
    const b = new MeshChart(app, 'b', { namespace: 'b', platform: own });
    expect(a.platform).toBe(platform);
    expect(b.platform).toBe(own);
    expect(a.production).toBe(false);
  });
});

describe('cluster-wide objects (review item 9)', () => {
  test('no chart writes a mesh-wide object unless it opts in; the namespaces are STRICT on their own', () => {
    const app = new MeshApp({ outdir: Testing.app().outdir });
    for (const env of ['dev', 'staging', 'production']) new MeshChart(app, env, { namespace: env });
    const files = app.manifests().map((f) => f.path);
    expect(files.filter((f) => f.includes('peerauthentication'))).toEqual([
      'dev/peerauthentication.default.yaml', 'production/peerauthentication.default.yaml', 'staging/peerauthentication.default.yaml',
    ]);
  });

  test('an opted-in mesh-wide policy is written once, to the cluster folder', () => {
    const app = new MeshApp({ outdir: Testing.app().outdir });
    for (const env of ['dev', 'staging', 'production']) new MeshChart(app, env, { namespace: env, security: { meshMtls: MeshWideMtls.permissive() } });
    const files = app.manifests();
    expect(files.filter((f) => f.path.startsWith('cluster/')).map((f) => `${f.path} ${f.manifest.spec.mtls.mode}`))
      .toEqual(['cluster/peerauthentication.istio-system.default.yaml PERMISSIVE']);
  });

  test('environments that disagree on the mesh-wide mode fail synth naming both charts (MESH631)', () => {
    const app = new MeshApp({ outdir: Testing.app().outdir });
    new MeshChart(app, 'dev', { namespace: 'dev', security: { meshMtls: MeshWideMtls.permissive() } });
    new MeshChart(app, 'production', { namespace: 'production', security: { meshMtls: MeshWideMtls.strict({ plaintextClientsChecked: 'none for 14 days' }) } });
    expect(() => app.manifests()).toThrow(/\[cluster\] PeerAuthentication istio-system\/default is cluster-wide, but the environments disagree on it: dev\/Security wants \{"mode":"PERMISSIVE"\}; production\/Security wants \{"mode":"STRICT"\} \[MESH631\]/);
  });

  test('outside a MeshApp each chart still writes its own', () => {
    const app = Testing.app();
    const chart = new MeshChart(app, 'solo', { namespace: 'solo', security: { meshMtls: MeshWideMtls.permissive() } });
    expect(Testing.synth(chart).filter((m) => m.kind === 'PeerAuthentication').map((m) => `${m.metadata.namespace}/${m.metadata.name}`).sort())
      .toEqual(['istio-system/default', 'solo/default']);
  });
});
