import { Testing } from 'cdk8s';
import { IngressGatewayInstall, MeshApp, MeshChart, MeshPlatform, MeshWideMtls, PrometheusInstall, TracingCollectorInstall } from '../../src';

describe('MeshPlatform', () => {
  test("the defaults are the seeds' platform (DESIGN.md, \"The platform\"): istioctl's gateway, the Jaeger operator's collector, kube-prometheus-stack", () => {
    const p = MeshPlatform.default();
    expect(p.istio).toMatchObject({
      version: '1.24', release: '1.24.6', rootNamespace: 'istio-system', controlPlaneNamespace: 'istio-system', revision: undefined, serviceName: 'istiod', serviceAccount: 'istiod',
      serviceSelector: { app: 'istiod', istio: 'pilot' }, xdsPort: 15012, webhookPort: 15017,
    });
    expect(p.istio.istiodLabels).toMatchObject({ app: 'istiod', istio: 'pilot' });
    expect(p.ingressGateway).toEqual({ ...IngressGatewayInstall.istioctl() });
    expect(p.ingressGateway).toMatchObject({
      name: 'istio-ingressgateway', namespace: 'istio-system', podLabels: { istio: 'ingressgateway', app: 'istio-ingressgateway' },
      serviceSelector: { istio: 'ingressgateway', app: 'istio-ingressgateway' }, selector: { istio: 'ingressgateway' },
      serviceAccount: 'istio-ingressgateway-service-account', httpPort: 8080, httpsPort: 8443, httpServicePort: 80, httpsServicePort: 443,
    });
    expect(p.prometheus).toEqual({ ...PrometheusInstall.kubePrometheusStack() });
    expect(p.prometheus).toMatchObject({
      namespace: 'observability', serviceName: 'kube-prometheus-stack-prometheus', serviceAccount: 'kube-prometheus-stack-prometheus',
      podLabels: { 'app.kubernetes.io/name': 'prometheus' }, selectorLabels: { release: 'kube-prometheus-stack' },
      address: 'http://prometheus-operated.observability.svc.cluster.local:9090',
    });
    // Seed 004's Jaeger (kind: Jaeger, name jaeger, observability): the operator's collector and its labels.
    const { host, ...tracing } = p.tracing;
    expect(tracing).toEqual({ ...TracingCollectorInstall.jaegerOperator() });
    expect(p.tracing).toMatchObject({
      providerName: 'jaeger', protocol: 'zipkin', port: 9411, targetPort: 9411, serviceAccount: 'jaeger', host: 'jaeger-collector.observability.svc.cluster.local',
      podLabels: {
        'app': 'jaeger', 'app.kubernetes.io/name': 'jaeger-collector', 'app.kubernetes.io/instance': 'jaeger', 'app.kubernetes.io/component': 'collector',
        'app.kubernetes.io/part-of': 'jaeger', 'app.kubernetes.io/managed-by': 'jaeger-operator',
      },
    });
    expect(host).toBe('jaeger-collector.observability.svc.cluster.local');
    expect(p.rateLimit).toMatchObject({ name: 'ratelimit', grpcPort: 8081 });
    expect(p.rateLimitHost('staging')).toBe('ratelimit.staging.svc.cluster.local');
    expect(p.flagger).toEqual({
      namespace: 'istio-system', deploymentName: 'flagger', podLabels: { 'app.kubernetes.io/name': 'flagger', 'app.kubernetes.io/instance': 'flagger' },
      serviceAccount: 'flagger', prometheusAddress: p.prometheus.address,
    });
    expect(p.ingressGatewayPrincipal.toString()).toBe('cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account');
  });

  test('a revision names its istiod Service, ServiceAccount and selector (istio-discovery templates/service.yaml)', () => {
    expect(MeshPlatform.of({ istio: { revision: '1-24' } }).istio).toMatchObject({
      serviceName: 'istiod-1-24', serviceAccount: 'istiod-1-24', serviceSelector: { 'app': 'istiod', 'istio.io/rev': '1-24' },
      istiodLabels: { 'app': 'istiod', 'istio': 'istiod', 'istio.io/rev': '1-24' },
    });
  });

  test('a release given alone is of its own minor: its CRDs and webhook rules are the ones checked; a minor the validation does not know is MESH640', () => {
    expect(MeshPlatform.of({ istio: { release: '1.30.3' } }).istio).toMatchObject({ version: '1.30', release: '1.30.3' });
    expect(MeshPlatform.of({ istio: { release: '1.24.2' } }).istio).toMatchObject({ version: '1.24', release: '1.24.2' });
    expect(MeshPlatform.of({ istio: { release: '1.30.1-distroless' } }).istio.version).toBe('1.30');
    // A version given is kept, and the release must be one of it.
    expect(() => MeshPlatform.of({ istio: { version: '1.24', release: '1.30.3' } }))
      .toThrow(/istio.release must be a full release of Istio 1.24 such as 1.24.6.*'1.30.3' \[MESH640\]$/);
    expect(() => MeshPlatform.of({ istio: { release: '1.26.2' } }))
      .toThrow(/^platform istio.release must be a release of an Istio the validation knows \(1.24, 1.30\), got '1.26.2' \(Istio 1.26\) \[MESH640\]$/);
    // A release that is not a full x.y.z is refused as before, against the default version.
    expect(() => MeshPlatform.of({ istio: { release: '1.30' } })).toThrow(/full release of Istio 1.24 such as 1.24.6.*\[MESH640\]/);
    // The synth checks the chart's objects with the release's rules: the app's Namespace records 1.30.
    const app = new MeshApp({ outdir: Testing.app().outdir, platform: MeshPlatform.of({ istio: { release: '1.30.3' } }) });
    new MeshChart(app, 'production', { namespace: 'production' });
    const ns = app.manifests().map((f) => f.manifest).find((m) => m.kind === 'Namespace')!;
    expect(JSON.parse(ns.metadata.annotations['mesh.cdk8s.io/platform']).istio).toMatchObject({ version: '1.30', release: '1.30.3' });
  });

  test("the ingress gateway's other Service ports: none in the presets, given ones kept, each a port (MESH004)", () => {
    expect(IngressGatewayInstall.istioctl().otherPorts).toEqual([]);
    expect(IngressGatewayInstall.helmChart({ release: 'istio-ingress', namespace: 'istio-ingress' }).otherPorts).toEqual([]);
    expect(MeshPlatform.of({ ingressGateway: { otherPorts: [8883] } }).ingressGateway).toMatchObject({ otherPorts: [8883], httpServicePort: 80 });
    expect(() => MeshPlatform.of({ ingressGateway: { otherPorts: [8883, 70000] } }))
      .toThrow(/platform ingressGateway\.otherPorts\[1\] must be a whole number from 1 to 65535, got 70000 \[MESH004\]/);
  });

  test('pods described by their labels alone are selected by them; the Gateway by their istio label', () => {
    const p = MeshPlatform.of({ ingressGateway: { podLabels: { istio: 'edge', app: 'edge' } }, tracing: { podLabels: { app: 'otel' } } });
    expect(p.ingressGateway).toMatchObject({ serviceSelector: { istio: 'edge', app: 'edge' }, selector: { istio: 'edge' } });
    expect(p.tracing.serviceSelector).toEqual({ app: 'otel' });
  });

  test.each([
    ["a preset's pod labels overridden", { tracing: { ...TracingCollectorInstall.jaegerOperator(), podLabels: { app: 'jaeger' } } }, 'platform tracing.serviceSelector'],
    ['a Gateway selector', { ingressGateway: { selector: { istio: 'gateway' } } }, 'platform ingressGateway.selector: {"istio":"gateway"} does not select the pods'],
    ['an empty selector', { prometheus: { serviceSelector: {} } }, 'platform prometheus.serviceSelector: {} does not select the pods (prometheus.podLabels'],
  ])('a selector that does not select its own pods is refused (MESH084): %s', (_name, props, message) => {
    expect(() => MeshPlatform.of(props)).toThrow(message);
    expect(() => MeshPlatform.of(props)).toThrow(/\[MESH084\]$/);
  });

  test('NetworkPolicy peers select the gateway pods by its Service selector; another gateway by its own selector', () => {
    const p = MeshPlatform.of({ ingressGateway: IngressGatewayInstall.helmChart({ release: 'istio-ingress', namespace: 'istio-ingress' }) });
    expect(p.ingressGatewayPeerLabels()).toEqual({ app: 'istio-ingress', istio: 'ingress' });
    expect(p.ingressGatewayPeerLabels({ istio: 'ingress' })).toEqual({ app: 'istio-ingress', istio: 'ingress' });
    expect(p.ingressGatewayPeerLabels({ istio: 'internal-gateway' })).toEqual({ istio: 'internal-gateway' });
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
    expect(Object.keys(byName).sort()).toEqual([
      'flagger', 'flagger-loadtester', 'ingress-nginx-controller', 'istio-ingressgateway', 'istiod', 'jaeger-collector', 'kong-kong', 'prometheus',
      'ratelimit',
    ]);
    // Flagger's load tester as its docs install it (charts/loadtester): `test`, the chart's pod labels, the namespace's default account.
    expect(byName['flagger-loadtester']).toEqual({
      name: 'flagger-loadtester', namespace: 'test', labels: { 'app': 'loadtester', 'app.kubernetes.io/name': 'loadtester' },
      serviceAccount: 'default', meshed: true, ports: { http: 8080 },
      // its Service's 80 reaches the pods' 8080, where their policies read a connection's port
      targetPorts: { 80: 8080 },
    });
    expect(byName['jaeger-collector']).toMatchObject({ namespace: 'observability', serviceAccount: 'jaeger', ports: { zipkin: 9411 }, meshed: false });
    expect(byName['jaeger-collector'].targetPorts).toBeUndefined();
    expect(byName['istio-ingressgateway']).toMatchObject({ namespace: 'istio-system', serviceAccount: 'istio-ingressgateway-service-account', meshed: true });
    // istioctl's gateway Service: 80 and 443 reach the pods' 8080 and 8443, the listeners istiod opens
    expect(byName['istio-ingressgateway'].targetPorts).toEqual({ 80: 8080, 443: 8443 });
    expect(byName.prometheus).toMatchObject({ namespace: 'observability', labels: { 'app.kubernetes.io/name': 'prometheus' }, meshed: false });
    expect(byName.ratelimit).toMatchObject({ namespace: 'production', ports: { grpc: 8081 } });
    // Seed 003's entry path: Kong with a sidecar, ingress-nginx without.
    expect(byName['kong-kong'])
      .toMatchObject({ namespace: 'kong', serviceAccount: 'kong-kong', meshed: true, labels: { 'app.kubernetes.io/instance': 'kong' } });
    expect(byName['ingress-nginx-controller']).toMatchObject({ namespace: 'ingress-nginx', serviceAccount: 'ingress-nginx', meshed: false });
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
