import { IngressGatewayInstall, MeshPlatform, PrometheusInstall, TracingCollectorInstall } from '../../src';

/**
 * Each preset's values, as its install writes them (the sources are cited on each factory
 * and in test/fixtures/platform/, whose snapshots read back to these: snapshot.test.ts).
 */
describe('IngressGatewayInstall', () => {
  test("istioctl(): istio-ingress's gateway: labels app/istio, <name>-service-account, 80/443 to the pods' 8080/8443", () => {
    expect({ ...IngressGatewayInstall.istioctl() }).toMatchObject({
      name: 'istio-ingressgateway', namespace: 'istio-system', serviceSelector: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
      selector: { istio: 'ingressgateway' }, serviceAccount: 'istio-ingressgateway-service-account',
      httpPort: 8080, httpsPort: 8443, httpServicePort: 80, httpsServicePort: 443,
    });
    expect(IngressGatewayInstall.istioctl({ name: 'istio-internal', namespace: 'gateways', labels: { app: 'internal', istio: 'internal' } })).toMatchObject({
      name: 'istio-internal', namespace: 'gateways', serviceAccount: 'istio-internal-service-account', serviceSelector: { app: 'internal', istio: 'internal' },
      selector: { istio: 'internal' }, podLabels: { 'service.istio.io/canonical-name': 'istio-internal', 'sidecar.istio.io/inject': 'false' },
    });
  });

  test.each([
    ['istio-ingress', 'ingress'],
    ['istio-ingressgateway', 'ingressgateway'],
    ['gateway', 'gateway'],
    ['public-gw', 'public-gw'],
  ])('helmChart({ release: %s }): the release as name and ServiceAccount, istio label %s (trimPrefix "istio-"), 80/443 on the pods', (release, istio) => {
    const gw = IngressGatewayInstall.helmChart({ release, namespace: 'istio-ingress' });
    expect({ ...gw }).toMatchObject({
      name: release, namespace: 'istio-ingress', serviceAccount: release, serviceSelector: { app: release, istio }, selector: { istio },
      podLabels: { 'app': release, istio, 'sidecar.istio.io/inject': 'true', 'app.kubernetes.io/instance': release },
      httpPort: 80, httpsPort: 443, httpServicePort: 80, httpsServicePort: 443,
    });
    expect(MeshPlatform.of({ ingressGateway: gw }).ingressGatewayPrincipal.toString()).toBe(`cluster.local/ns/istio-ingress/sa/${release}`);
  });

  test('a release or namespace that is not a DNS-1123 label is refused at once (MESH001)', () => {
    expect(() => IngressGatewayInstall.helmChart({ release: 'Istio_Ingress', namespace: 'istio-ingress' })).toThrow(/IngressGatewayInstall.helmChart: release: .*\[MESH001\]/);
    expect(() => IngressGatewayInstall.istioctl({ namespace: '' })).toThrow(/IngressGatewayInstall.istioctl: namespace: .*\[MESH001\]/);
  });

  test('a preset is the props: spread and one field overridden', () => {
    const p = MeshPlatform.of({ ingressGateway: { ...IngressGatewayInstall.istioctl(), serviceAccount: 'edge' } });
    expect(p.ingressGateway).toMatchObject({ serviceAccount: 'edge', httpPort: 8080 });
  });
});

describe('TracingCollectorInstall', () => {
  const operatorLabels = (name: string) => ({
    'app': 'jaeger', 'app.kubernetes.io/name': `${name}-collector`, 'app.kubernetes.io/instance': name, 'app.kubernetes.io/component': 'collector',
    'app.kubernetes.io/part-of': 'jaeger', 'app.kubernetes.io/managed-by': 'jaeger-operator',
  });

  test("jaegerOperator(): seed 004's Jaeger: Service <name>-collector selecting the operator's six labels, ServiceAccount <name>, Zipkin 9411", () => {
    expect({ ...TracingCollectorInstall.jaegerOperator() }).toEqual({
      installedBy: 'the Jaeger operator, Jaeger jaeger', providerName: 'jaeger', serviceName: 'jaeger-collector', namespace: 'observability',
      protocol: 'zipkin', port: 9411, targetPort: 9411, podLabels: operatorLabels('jaeger'), serviceSelector: operatorLabels('jaeger'), serviceAccount: 'jaeger',
    });
    expect(TracingCollectorInstall.jaegerOperator({ name: 'traces', namespace: 'tracing', protocol: 'opentelemetry' })).toMatchObject({
      serviceName: 'traces-collector', namespace: 'tracing', serviceAccount: 'traces', protocol: 'opentelemetry', port: 4317, serviceSelector: operatorLabels('traces'),
    });
  });

  test("jaegerOperator({ strategy }): allInOne's <name>-collector Service selects the all-in-one pod, named <name>; streaming's the collector", () => {
    // pkg/deployment/all_in_one.go labels: util.Labels(<name>, "all-in-one"); AllInOne.Services: the collector Services with those labels.
    const allInOne = {
      ...operatorLabels('traces'), 'app.kubernetes.io/name': 'traces', 'app.kubernetes.io/component': 'all-in-one',
    };
    expect(TracingCollectorInstall.jaegerOperator({ name: 'traces', strategy: 'allInOne' })).toMatchObject({
      serviceName: 'traces-collector', serviceAccount: 'traces', port: 9411, podLabels: allInOne, serviceSelector: allInOne,
    });
    expect(TracingCollectorInstall.jaegerOperator({ strategy: 'streaming' }).serviceSelector).toEqual(operatorLabels('jaeger'));
    expect(TracingCollectorInstall.jaegerOperator({ strategy: 'production' }).serviceSelector).toEqual(operatorLabels('jaeger'));
  });

  test('jaegerHelmChart: Service and ServiceAccount <release> (or <release>-jaeger), component all-in-one', () => {
    const selector = (release: string) => ({ 'app.kubernetes.io/name': 'jaeger', 'app.kubernetes.io/instance': release, 'app.kubernetes.io/component': 'all-in-one' });
    expect(TracingCollectorInstall.jaegerHelmChart({ release: 'jaeger', namespace: 'observability' })).toMatchObject({
      serviceName: 'jaeger', serviceAccount: 'jaeger', serviceSelector: selector('jaeger'), port: 9411, protocol: 'zipkin',
    });
    expect(TracingCollectorInstall.jaegerHelmChart({ release: 'tracing', namespace: 'tracing' })).toMatchObject({
      serviceName: 'tracing-jaeger', serviceAccount: 'tracing-jaeger', serviceSelector: selector('tracing'),
    });
  });

  test('istioJaegerAddon(): app: jaeger in istio-system, the default ServiceAccount; Zipkin on Service zipkin, OTLP on jaeger-collector', () => {
    expect(TracingCollectorInstall.istioJaegerAddon()).toMatchObject({
      serviceName: 'zipkin', namespace: 'istio-system', port: 9411, serviceSelector: { app: 'jaeger' }, serviceAccount: 'default',
    });
    expect(TracingCollectorInstall.istioJaegerAddon({ protocol: 'opentelemetry' })).toMatchObject({ serviceName: 'jaeger-collector', port: 4317 });
  });

  test('openTelemetryCollector: <release>-opentelemetry-collector (or the release), standalone-collector, OTLP/gRPC 4317', () => {
    const selector = (release: string) => ({ 'app.kubernetes.io/name': 'opentelemetry-collector', 'app.kubernetes.io/instance': release, 'component': 'standalone-collector' });
    expect(TracingCollectorInstall.openTelemetryCollector({ release: 'otel', namespace: 'observability' })).toMatchObject({
      serviceName: 'otel-opentelemetry-collector', serviceAccount: 'otel-opentelemetry-collector', serviceSelector: selector('otel'),
      protocol: 'opentelemetry', port: 4317, providerName: 'otel-tracing',
    });
    expect(TracingCollectorInstall.openTelemetryCollector({ release: 'my-opentelemetry-collector', namespace: 'o', protocol: 'zipkin', providerName: 'zipkin' })).toMatchObject({
      serviceName: 'my-opentelemetry-collector', protocol: 'zipkin', port: 9411, providerName: 'zipkin',
    });
  });

  test('a name that makes an invalid Service name is refused (MESH001)', () => {
    expect(() => TracingCollectorInstall.jaegerOperator({ name: 'x'.repeat(60) })).toThrow(/jaegerOperator: name: .*\[MESH001\]/);
  });
});

describe('PrometheusInstall', () => {
  test('kubePrometheusStack(): <fullname>-prometheus as Prometheus, Service and ServiceAccount, monitors selected by release', () => {
    expect(PrometheusInstall.kubePrometheusStack()).toMatchObject({
      namespace: 'observability', serviceName: 'kube-prometheus-stack-prometheus', serviceAccount: 'kube-prometheus-stack-prometheus',
      serviceSelector: { 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': 'kube-prometheus-stack-prometheus' },
      podLabels: { 'prometheus': 'kube-prometheus-stack-prometheus', 'operator.prometheus.io/shard': '0' },
      selectorLabels: { release: 'kube-prometheus-stack' },
    });
    // `<release>-kube-prometheus-stack` cut to 26 characters (_helpers.tpl, kube-prometheus-stack.fullname).
    expect(PrometheusInstall.kubePrometheusStack({ release: 'prom', namespace: 'monitoring' }).serviceName).toBe('prom-kube-prometheus-stack-prometheus');
    expect(PrometheusInstall.kubePrometheusStack({ release: 'monitoring', namespace: 'monitoring' })).toMatchObject({
      serviceName: 'monitoring-kube-prometheus-prometheus', selectorLabels: { release: 'monitoring' }, address: 'http://prometheus-operated.monitoring.svc.cluster.local:9090',
    });
    // ... without the `-` the cut leaves at its end.
    expect(PrometheusInstall.kubePrometheusStack({ release: 'platform-monitoring1' }).serviceName).toBe('platform-monitoring1-kube-prometheus');
  });
});
