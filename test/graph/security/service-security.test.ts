import { Cidr, MeshService, MtlsMode, Principal, ServiceSecurity, ServiceType, TracingProvider } from '../../../src';
import { ApiObject, JsonPatch } from 'cdk8s';
import { DestinationRule, DestinationRuleSpecTrafficPolicyTlsMode as TlsMode } from '../../../imports/networking.istio.io';
import { evaluateFlow, platformFlowOptions } from '../../../src/validate';
import { find, meshChart, synth, synthError } from '../../util';

function graph() {
  const { app, chart } = meshChart();
  // Seed 001's services answer health checks under /health.
  const svc = (name: string) => new MeshService(chart, name, { image: `example/${name}:1`, healthCheckPath: '/health' });
  const gateway = svc('api-gateway');
  const order = svc('order-service');
  const inventory = svc('inventory-service');
  const payment = svc('payment-service');
  return { app, chart, gateway, order, inventory, payment };
}

describe('ServiceSecurity', () => {
  test('default output of one service (snapshot)', () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'payment-service', { image: 'example/payment:1', healthCheckPath: '/health' });
    expect(synth(app).filter((m) => ['AuthorizationPolicy', 'NetworkPolicy', 'Sidecar'].includes(m.kind) && m.metadata.labels?.['app.kubernetes.io/name'])).toMatchSnapshot();
  });

  test('seed 001: one rule per caller with its principal, methods and paths, and nothing else', () => {
    const { app, gateway, order, inventory } = graph();
    // GIVEN calls declared after every service exists, in unsorted order
    inventory.calls(order, { methods: ['POST'], paths: ['/internal/reserve'] });
    gateway.calls(order, { methods: ['GET', 'POST'], paths: ['/api/orders/*'] });
    // THEN
    expect(find(synth(app), 'AuthorizationPolicy', 'order-service-policy').spec).toEqual({
      selector: { matchLabels: { app: 'order-service' } },
      action: 'ALLOW',
      rules: [
        { from: [{ source: { principals: ['cluster.local/ns/production/sa/api-gateway'] } }], to: [{ operation: { methods: ['GET', 'POST'], paths: ['/api/orders', '/api/orders/*'] } }] },
        { from: [{ source: { principals: ['cluster.local/ns/production/sa/inventory-service'] } }], to: [{ operation: { methods: ['POST'], paths: ['/internal/reserve'] } }] },
      ],
    });
  });

  test('two calls from one caller give one rule with two operations; a call without methods or paths allows every operation', () => {
    const { app, gateway, order, inventory } = graph();
    gateway.calls(order, { methods: ['GET'], paths: ['/api/orders/*'] });
    gateway.calls(order, { methods: ['DELETE'], paths: ['/api/orders/cancel'] });
    inventory.calls(order);
    const rules = find(synth(app), 'AuthorizationPolicy', 'order-service-policy').spec.rules;
    expect(rules[0].to).toEqual([{ operation: { methods: ['GET'], paths: ['/api/orders', '/api/orders/*'] } }, { operation: { methods: ['DELETE'], paths: ['/api/orders/cancel'] } }]);
    expect(rules[1]).toEqual({ from: [{ source: { principals: ['cluster.local/ns/production/sa/inventory-service'] } }] });
  });

  test('no rule opens the health checks to every source: the injector sends the probes to the pilot-agent, which calls the app over localhost', () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'svc', { image: 'x', healthCheckPath: '/status' });
    new MeshService(chart, 'db', { image: 'x', ports: [{ port: 5432, protocol: 'tcp' }] });
    const out = synth(app);
    // The probes still point at the health path: the injector rewrites them to 15020 in the pod.
    expect(find(out, 'Deployment', 'svc').spec.template.spec.containers[0].readinessProbe.httpGet.path).toBe('/status/ready');
    expect(find(out, 'AuthorizationPolicy', 'svc-policy').spec.rules).toEqual([]);
    expect(find(out, 'AuthorizationPolicy', 'db-policy').spec.rules).toEqual([]);
  });

  test('a service that wants its health checks open says so with allow()', () => {
    const { app, chart } = meshChart();
    const svc = new MeshService(chart, 'svc', { image: 'x' });
    ServiceSecurity.of(svc).allow({ to: [{ methods: ['GET'], paths: ['/health/*'] }] });
    expect(find(synth(app), 'AuthorizationPolicy', 'svc-policy').spec.rules).toEqual([{ to: [{ operation: { methods: ['GET'], paths: ['/health/*'] } }] }]);
  });

  test('NetworkPolicy: callers in, callees out on their container ports, plus DNS, istiod and scraping', () => {
    const { app, gateway, order, payment } = graph();
    gateway.calls(order);
    order.calls(payment);
    const np = find(synth(app), 'NetworkPolicy', 'order-service').spec;
    expect(np.podSelector).toEqual({ matchLabels: { app: 'order-service' } });
    expect(np.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: { app: 'api-gateway' } } }], ports: [{ port: 8080, protocol: 'TCP' }] },
      // Review item 2: Prometheus's pods (namespace AND its Service's selector), on Envoy's 15090 and the merged 15020.
      {
        from: [{
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } },
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': 'kube-prometheus-stack-prometheus' } },
        }],
        ports: [{ port: 15090, protocol: 'TCP' }, { port: 15020, protocol: 'TCP' }],
      },
    ]);
    expect(np.egress).toEqual([
      { to: [{ podSelector: { matchLabels: { app: 'payment-service' } } }], ports: [{ port: 8080, protocol: 'TCP' }] },
      { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] },
      { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } }, podSelector: { matchLabels: { app: 'istiod', istio: 'pilot' } } }], ports: [{ port: 15012, protocol: 'TCP' }] },
    ]);
  });

  test('Sidecar: egress only to called hosts, sorted; nothing for a service that calls nothing', () => {
    const { app, order, payment, inventory } = graph();
    order.calls(payment);
    order.calls(inventory);
    order.calls(payment, { methods: ['GET'] });
    const ms = synth(app);
    expect(find(ms, 'Sidecar', 'order-service').spec.egress).toEqual([{ hosts: ['./inventory-service.production.svc.cluster.local', './payment-service.production.svc.cluster.local'] }]);
    expect(find(ms, 'Sidecar', 'payment-service').spec.egress).toEqual([{ hosts: ['~/*'] }]);
  });

  test('review item 3: with tracing on, every Sidecar imports the collector and every NetworkPolicy lets spans out to it', () => {
    const { app, chart, order, payment } = graph();
    order.calls(payment);
    chart.useTracing(TracingProvider.fromPlatform(chart.platform));
    const ms = synth(app);
    expect(find(ms, 'Sidecar', 'order-service').spec.egress).toEqual([{
      hosts: ['./payment-service.production.svc.cluster.local', 'observability/jaeger-collector.observability.svc.cluster.local'],
    }]);
    expect(find(ms, 'Sidecar', 'payment-service').spec.egress).toEqual([{ hosts: ['observability/jaeger-collector.observability.svc.cluster.local'] }]);
    // The collector's pods as its Service selects them: the Jaeger operator's six labels (seed 004).
    expect(find(ms, 'NetworkPolicy', 'payment-service').spec.egress).toContainEqual({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } }, podSelector: { matchLabels: chart.platform.tracing.serviceSelector } }],
      ports: [{ port: 9411, protocol: 'TCP' }],
    });
    expect(chart.platform.tracing.serviceSelector).toEqual({
      'app': 'jaeger', 'app.kubernetes.io/name': 'jaeger-collector', 'app.kubernetes.io/instance': 'jaeger', 'app.kubernetes.io/component': 'collector',
      'app.kubernetes.io/part-of': 'jaeger', 'app.kubernetes.io/managed-by': 'jaeger-operator',
    });
  });

  test('without tracing, no collector host and no egress to it', () => {
    const { app } = graph();
    const ms = synth(app);
    expect(JSON.stringify(ms.filter((m) => m.kind === 'Sidecar' || m.kind === 'NetworkPolicy'))).not.toContain('jaeger');
  });

  test('setMtls writes a workload PeerAuthentication with port-level modes', () => {
    const { app, payment } = graph();
    ServiceSecurity.of(payment).setMtls(MtlsMode.strict(), { portLevelMtls: { 9090: MtlsMode.permissive() } });
    expect(find(synth(app), 'PeerAuthentication', 'payment-service').spec).toEqual({
      selector: { matchLabels: { app: 'payment-service' } }, mtls: { mode: 'STRICT' }, portLevelMtls: { 9090: { mode: 'PERMISSIVE' } },
    });
  });

  describe('validation', () => {
    test('a principal that names no ServiceAccount in the app', () => {
      const { app, payment } = graph();
      ServiceSecurity.of(payment).allow({ from: [{ principals: [Principal.serviceAccount('production', 'ghost-service')] }] });
      expect(synthError(app)).toMatch(/\[test\/payment-service\/Security\] allow\[0\]\.from\[0\]\.principals\[0\]: 'cluster.local\/ns\/production\/sa\/ghost-service' names no ServiceAccount.*\[MESH200\]/);
      // What admits a workload the app writes by hand, or another team's: its admission, which opens the NetworkPolicy and declares the flow too.
      expect(synthError(app)).toContain('names no ServiceAccount of a service in the app; admit a workload the app does not build as a service with '
        + 'service.admits(RemoteCaller.workload({ name, namespace, serviceAccount, podLabels })) [MESH200]');
    });

    test('a call with a method that is not an HTTP method', () => {
      const { app, order, payment } = graph();
      order.calls(payment, { methods: ['FETCH' as any] });
      expect(synthError(app)).toMatch(/\[test\/payment-service\/Security\] calls from order-service\.methods\[0\]: 'FETCH' is not an HTTP method \[MESH201\]/);
    });

    test.each([
      ['/api/{id}/x', false], ['/api/{*}/x', true], ['/api/{**}', true], ['/api/{**}/x', false], ['/api/*/x', false], ['api', false], ['*.js', true], ['*', true],
    ])('path %s valid: %s', (path, ok) => {
      const { app, order, payment } = graph();
      order.calls(payment, { paths: [path] });
      if (ok) expect(() => synth(app)).not.toThrow();
      else expect(synthError(app)).toMatch(/calls from order-service\.paths\[0\]: .*\[MESH202\]/);
    });

    // A positive principal or namespace never matches plaintext (Envoy's AuthenticatedMatcher needs TLS:
    // envoyproxy/envoy source/extensions/filters/common/rbac/matchers.cc), so an ALLOW rule naming one refuses plaintext: safe.
    test('callers by principal where the workload is PERMISSIVE: allowed, as the ALLOW rule refuses plaintext', () => {
      const { app, chart, order, payment } = graph();
      order.calls(payment, { methods: ['POST'], paths: ['/api/payments/*'] });
      ServiceSecurity.of(payment).setMtls(MtlsMode.permissive());
      // A pod without a sidecar, let through the NetworkPolicy, sends plaintext: no identity, no rule admits it.
      ServiceSecurity.of(payment).allowIngressFrom({ namespace: 'legacy', podLabels: { app: 'legacy-client' } });
      const ms = synth(app);
      expect(find(ms, 'AuthorizationPolicy', 'payment-service-policy').spec.rules[0].from)
        .toEqual([{ source: { principals: ['cluster.local/ns/production/sa/order-service'] } }]);
      const options = platformFlowOptions(chart.platform, 'production');
      const to = { host: 'payment-service.production.svc.cluster.local', port: 80, method: 'POST' as const, path: '/api/payments/1' };
      expect(evaluateFlow(ms, { source: { workload: 'order-service', namespace: 'production' }, ...to }, options).allowed).toBe(true);
      const plain = { name: 'legacy-client', namespace: 'legacy', labels: { app: 'legacy-client' }, serviceAccount: 'legacy-client', meshed: false };
      const verdict = evaluateFlow(ms, { source: { platform: plain }, ...to }, options);
      expect(verdict.allowed).toBe(false);
      expect(verdict.decidedBy?.kind).toBe('AuthorizationPolicy');
    });

    test("the README's LoadBalancer recipe with a meshed caller: port-level PERMISSIVE, plaintext admitted, both flows hold", () => {
      const { app, chart } = meshChart({}, 'lb');
      const svc = new MeshService(chart, 'legacy-ingest', {
        image: 'registry.example.com/legacy-ingest:1.0.0', ports: [{ port: 8080, protocol: 'http' }],
        service: { type: ServiceType.loadBalancer([Cidr.of('10.20.0.0/16')]) },
      });
      const web = new MeshService(chart, 'web', { image: 'registry.example.com/web:1.0.0' });
      web.calls(svc, { methods: ['POST'], paths: ['/legacy/v1/metrics'] });
      const sec = ServiceSecurity.of(svc);
      sec.setMtls(MtlsMode.strict(), { portLevelMtls: { 8080: MtlsMode.permissive() } });
      sec.allowIngressFrom({ cidr: '10.20.0.0/16' }, [{ port: 8080, protocol: 'TCP' }]);
      sec.allow({ from: [{ notPrincipals: ['*'] }], to: [{ methods: ['POST'], paths: ['/legacy/v1/metrics'] }] });
      const ms = synth(app);
      // The meshed caller's intended flow is proved at synth; here both, by the same evaluator.
      expect(chart.intendedFlows().map((f) => f.description)).toContain('web calls legacy-ingest POST /legacy/v1/metrics');
      const options = platformFlowOptions(chart.platform, 'production');
      const to = { host: 'legacy-ingest.production.svc.cluster.local', port: 8080, method: 'POST' as const, path: '/legacy/v1/metrics' };
      expect(evaluateFlow(ms, { source: { workload: 'web', namespace: 'production' }, ...to }, options).allowed).toBe(true);
      const client = { name: 'lb-client', namespace: 'outside', labels: {}, serviceAccount: 'default', meshed: false, addresses: ['10.20.3.4'] };
      expect(evaluateFlow(ms, { source: { platform: client }, ...to }, options)).toMatchObject({ allowed: true });
      expect(evaluateFlow(ms, { source: { platform: client }, ...to, method: 'DELETE' }, options).decidedBy?.kind).toBe('AuthorizationPolicy');
    });

    test('the plaintext admission narrowed to the clients\' addresses (ipBlocks): a client of another range is refused', () => {
      const { app, chart } = meshChart({}, 'lb');
      const svc = new MeshService(chart, 'admin-ui', {
        image: 'registry.example.com/admin-ui:1.0.0', ports: [{ port: 8080, protocol: 'http' }],
        service: { type: ServiceType.loadBalancer([Cidr.of('10.20.0.0/16')]) },
      });
      const sec = ServiceSecurity.of(svc);
      sec.setMtls(MtlsMode.strict(), { portLevelMtls: { 8080: MtlsMode.permissive() } });
      // The NetworkPolicy admits the whole load balancer range; the sidecar, the office's /24 of it only.
      sec.allowIngressFrom({ cidr: '10.20.0.0/16' }, [{ port: 8080, protocol: 'TCP' }]);
      sec.allow({ from: [{ notPrincipals: ['*'], ipBlocks: [Cidr.of('10.20.7.0/24')] }], to: [{ ports: [8080] }] });
      sec.allow({ from: [{ notPrincipals: ['*'], remoteIpBlocks: [Cidr.of('192.168.0.0/16')] }], to: [{ ports: [8080] }] });
      const ms = synth(app);
      expect(find(ms, 'AuthorizationPolicy', 'admin-ui-policy').spec.rules).toEqual([
        { from: [{ source: { notPrincipals: ['*'], ipBlocks: ['10.20.7.0/24'] } }], to: [{ operation: { ports: ['8080'] } }] },
        { from: [{ source: { notPrincipals: ['*'], remoteIpBlocks: ['192.168.0.0/16'] } }], to: [{ operation: { ports: ['8080'] } }] },
      ]);
      const options = platformFlowOptions(chart.platform, 'production');
      const to = { host: 'admin-ui.production.svc.cluster.local', port: 8080, method: 'GET' as const, path: '/' };
      const client = (addresses: string[]) => ({ name: 'browser', namespace: 'outside', labels: {}, serviceAccount: 'default', meshed: false, addresses });
      expect(evaluateFlow(ms, { source: { platform: client(['10.20.7.9']) }, ...to }, options).allowed).toBe(true);
      expect(evaluateFlow(ms, { source: { platform: client(['10.20.3.4']) }, ...to }, options).decidedBy?.kind).toBe('AuthorizationPolicy');
    });

    // kube-proxy SNATs an outside client's connection to a pod on another node under externalTrafficPolicy Cluster (Kubernetes'
    // default): the ipBlock of the clients' range would see the node's address. https://kubernetes.io/docs/tutorials/services/source-ip/
    test("the recipe keeps the clients' addresses (externalTrafficPolicy Local); Cluster with clients admitted by address is MESH158", () => {
      const build = (externalTrafficPolicy?: 'Cluster') => {
        const { app, chart } = meshChart({}, 'lb');
        const svc = new MeshService(chart, 'legacy-ingest', {
          image: 'registry.example.com/legacy-ingest:1.0.0', ports: [{ port: 8080, protocol: 'http' }],
          service: { type: ServiceType.loadBalancer([Cidr.of('10.20.0.0/16')], { externalTrafficPolicy }) },
        });
        const sec = ServiceSecurity.of(svc);
        sec.setMtls(MtlsMode.strict(), { portLevelMtls: { 8080: MtlsMode.permissive() } });
        sec.allowIngressFrom({ cidr: '10.20.0.0/16' }, [{ port: 8080, protocol: 'TCP' }]);
        sec.allow({ from: [{ notPrincipals: ['*'] }] });
        return app;
      };
      const local = build();
      expect(find(synth(local), 'Service', 'legacy-ingest').spec.externalTrafficPolicy).toBe('Local');
      expect(local.warnings.filter((w) => w.includes('MESH158'))).toEqual([]);
      const cluster = build('Cluster');
      expect(find(synth(cluster), 'Service', 'legacy-ingest').spec.externalTrafficPolicy).toBe('Cluster');
      expect(cluster.warnings.filter((w) => w.includes('MESH158'))).toEqual([expect.stringMatching(
        /LoadBalancer Service port 8080 reaches legacy-ingest:8080, whose NetworkPolicies admit it from outside by address only \(10\.20\.0\.0\/16\), but externalTrafficPolicy is Cluster.*\[MESH158\]/)]);
    });

    test("a peer's address range the API server would refuse fails synth at the construct, naming the NetworkPolicy's field (MESH153)", () => {
      // kubernetes pkg/apis/networking/validation/validation.go, ValidateIPBlock: `cidr` must be a CIDR, a bare address is none.
      const { app, payment } = graph();
      ServiceSecurity.of(payment).allowIngressFrom({ cidr: '10.20.3.4' }, [{ port: 8080, protocol: 'TCP' }]);
      expect(synthError(app)).toMatch(
        /\[test\/payment-service\/Security\/NetworkPolicy\] test\/NetworkPolicy\/payment-service: spec\.ingress\[\d+\]\.from\[0\]\.ipBlock\.cidr: '10\.20\.3\.4' must be a valid CIDR value .*\[MESH153\]/,
      );
    });

    test('an ALLOW rule excluding principals without naming one, where the workload is PERMISSIVE: plaintext matches it (MESH206)', () => {
      const { app, payment } = graph();
      ServiceSecurity.of(payment).setMtls(MtlsMode.strict(), { portLevelMtls: { 8080: MtlsMode.permissive() } });
      ServiceSecurity.of(payment).allow({ from: [{ notPrincipals: [Principal.serviceAccount('production', 'order-service').toString()] }] });
      expect(synthError(app)).toMatch(
        /\[test\/payment-service\/Security\] allow\[0\]\.from\[0\]: workload payment-service accepts PERMISSIVE; notPrincipals: .*admits every plaintext caller \[MESH206\]/);
    });

    test('an ALLOW rule excluding namespaces without naming an identity, where the workload is PERMISSIVE: plaintext matches it (MESH206)', () => {
      const { app, payment } = graph();
      ServiceSecurity.of(payment).setMtls(MtlsMode.permissive());
      ServiceSecurity.of(payment).allow({ from: [{ notNamespaces: ['legacy'] }] });
      expect(synthError(app)).toMatch(
        /\[test\/payment-service\/Security\] allow\[0\]\.from\[0\]: workload payment-service accepts PERMISSIVE; notNamespaces: a plaintext request carries no namespace.*admits every plaintext caller \[MESH206\]/);
    });

    test('notPrincipals ["*"] (no identity: the deliberate plaintext admission) and a notPrincipals beside a principal pass', () => {
      const { app, order, payment } = graph();
      ServiceSecurity.of(payment).setMtls(MtlsMode.permissive());
      ServiceSecurity.of(payment).allow({ from: [{ notPrincipals: ['*'] }], to: [{ methods: ['GET'], paths: ['/status'] }] });
      ServiceSecurity.of(payment).allow({ from: [{ namespaces: ['production'], notPrincipals: [order.principal.toString()] }] });
      expect(() => synth(app)).not.toThrow();
    });

    test('a namespace that is PERMISSIVE admits rules with namespaces; a notPrincipals rule alone fails there, not under STRICT', () => {
      const permissive = meshChart({ security: { namespaceMtls: MtlsMode.permissive() } });
      const a = new MeshService(permissive.chart, 'a', { image: 'x' });
      ServiceSecurity.of(a).allow({ from: [{ namespaces: ['production'] }] });
      expect(() => synth(permissive.app)).not.toThrow();
      ServiceSecurity.of(a).allow({ from: [{ notPrincipals: ['cluster.local/ns/dev/sa/a'] }] });
      expect(synthError(permissive.app)).toMatch(/\[test\/a\/Security\] allow\[1\]\.from\[0\].*PERMISSIVE.*\[MESH206\]/);
      const strict = meshChart();
      const b = new MeshService(strict.chart, 'b', { image: 'x' });
      ServiceSecurity.of(b).allow({ from: [{ notPrincipals: ['cluster.local/ns/dev/sa/a'] }] });
      expect(() => synth(strict.app)).not.toThrow();
    });

    test('a DestinationRule that sends plaintext to a STRICT workload', () => {
      const { app, chart } = graph();
      new DestinationRule(chart, 'plain', { metadata: { name: 'payment-plain' }, spec: { host: 'payment-service.production.svc.cluster.local', trafficPolicy: { tls: { mode: TlsMode.DISABLE } } } });
      expect(synthError(app)).toMatch(/\[test\/plain\] test\/DestinationRule\/payment-plain: spec.trafficPolicy.tls.mode: tls mode DISABLE sends plaintext to Deployment\/payment-service, whose PeerAuthentication is STRICT.*\[MESH108\]/);
    });

    test('a JSON patch that turns off mTLS on the service\'s own DestinationRule is caught too', () => {
      const { app, payment } = graph();
      ApiObject.of(payment.node.findChild('DestinationRule')).addJsonPatch(JsonPatch.replace('/spec/trafficPolicy/tls/mode', 'DISABLE'));
      expect(synthError(app)).toMatch(/\[MESH108\]/);
    });

    test('plaintext to a PERMISSIVE workload is allowed (the opt-out is the PeerAuthentication)', () => {
      const { app, payment } = graph();
      ServiceSecurity.of(payment).setMtls(MtlsMode.permissive());
      ApiObject.of(payment.node.findChild('DestinationRule')).addJsonPatch(JsonPatch.replace('/spec/trafficPolicy/tls/mode', 'DISABLE'));
      expect(() => synth(app)).not.toThrow();
    });
  });
});
