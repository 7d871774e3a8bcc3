import { Cpu, MeshPlatform, MeshService, Percentage, Retries, StringMatch, Tier, Weight } from '../../src';
import { Duration } from 'cdk8s';
import { find, meshChart, synth, synthError } from '../util';

describe('MeshService defaults', () => {
  test('snapshot: ServiceAccount, Service, Deployment, DestinationRule, VirtualService', () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'order-service', { image: 'registry.example.com/order-service:1.0.0' });
    expect(synth(app)).toMatchSnapshot();
  });

  test('resources are named after the service, never hashed, with app and version labels', () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'order-service', { image: 'img' });
    const out = synth(app);
    const own = out.filter((m) => m.metadata.labels?.['app.kubernetes.io/name'] === 'order-service' || m.metadata.name === 'order-service');
    expect(own.map((m) => `${m.kind}/${m.metadata.name}`).sort()).toEqual([
      'AuthorizationPolicy/order-service-policy', 'Deployment/order-service', 'DestinationRule/order-service',
      'NetworkPolicy/order-service', 'Service/order-service', 'ServiceAccount/order-service',
      'Sidecar/order-service', 'VirtualService/order-service',
    ]);
    const deployment = find(out, 'Deployment', 'order-service');
    expect(deployment.metadata.namespace).toBe('production');
    expect(deployment.spec.selector.matchLabels).toEqual({ app: 'order-service', version: 'v1' });
    expect(deployment.spec.template.metadata.labels).toMatchObject({
      'app': 'order-service',
      'version': 'v1',
      'app.kubernetes.io/name': 'order-service',
    });
    expect(deployment.spec.template.spec.serviceAccountName).toBe('order-service');
    expect(find(out, 'Service', 'order-service').spec.selector).toEqual({ app: 'order-service' });
    expect(find(out, 'Service', 'order-service').spec.ports).toEqual([{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }]);
    expect(find(out, 'Namespace', 'production').metadata).toEqual({
      name: 'production',
      labels: { 'istio-injection': 'enabled', 'app.kubernetes.io/managed-by': 'cdk8s-mesh' },
      // The platform the chart's output assumes, for the command-line tools (platform-record.ts)
      annotations: { 'mesh.cdk8s.io/platform': expect.stringContaining('"trustDomain": "cluster.local"') },
    });
  });

  test('the principal derives from the ServiceAccount and the chart trust domain', () => {
    const { chart } = meshChart({ platform: MeshPlatform.of({ trustDomain: 'example.org' }) });
    const svc = new MeshService(chart, 'payment-service', { image: 'img' });
    expect(svc.principal.toString()).toBe('example.org/ns/production/sa/payment-service');
  });

  test('the default route sends everything to the stable subset; TLS is ISTIO_MUTUAL', () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'svc', { image: 'img', version: 'v7' });
    const out = synth(app);
    expect(find(out, 'DestinationRule', 'svc').spec.subsets).toEqual([{ name: 'stable', labels: { version: 'v7' } }]);
    expect(find(out, 'VirtualService', 'svc').spec).toMatchObject({
      hosts: ['svc'],
      http: [{ route: [{ destination: { host: 'svc', subset: 'stable' }, weight: 100 }] }],
    });
  });

  test('pods are hardened and have requests and limits', () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'svc', { image: 'img', resources: { cpuLimit: Cpu.millis(1000) } });
    const pod = find(synth(app), 'Deployment', 'svc').spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
    expect(pod.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, privileged: false,
      readOnlyRootFilesystem: true, runAsGroup: 10001, runAsNonRoot: true, runAsUser: 10001,
    });
    expect(pod.containers[0].resources).toEqual({ limits: { cpu: '1000m', memory: '512Mi' }, requests: { cpu: '100m', memory: '128Mi' } });
    // PSS "restricted" asks for a seccomp profile: the runtime's default, pod-wide.
    // https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
    expect(pod.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
  });

  test('defaults that cannot break an arbitrary image: a TCP probe on the serving port, and no imagePullPolicy', () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'svc', { image: 'registry.example.com/svc:1.0.0' });
    new MeshService(chart, 'pinned', { image: 'registry.example.com/pinned:1.0.0', imagePullPolicy: 'IfNotPresent' });
    const out = synth(app);
    const c = find(out, 'Deployment', 'svc').spec.template.spec.containers[0];
    // Most images answer 404 to a guessed /health/ready: without a health path, a connection to the serving port.
    expect([c.readinessProbe, c.livenessProbe]).toEqual([
      { failureThreshold: 3, tcpSocket: { port: 8080 } },
      { failureThreshold: 3, tcpSocket: { port: 8080 } },
    ]);
    // Left out, so Kubernetes' default applies: IfNotPresent for a tagged image, Always for :latest or no tag.
    // https://kubernetes.io/docs/concepts/containers/images/#imagepullpolicy-defaulting
    expect(c).not.toHaveProperty('imagePullPolicy');
    expect(find(out, 'Deployment', 'pinned').spec.template.spec.containers[0].imagePullPolicy).toBe('IfNotPresent');
    expect(find(out, 'AuthorizationPolicy', 'svc-policy').spec.rules).toEqual([]);
  });
});

describe('health checks', () => {
  test('one path drives the probes, and no rule opens it to other workloads; non-HTTP services get TCP probes', () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'web', { image: 'img', healthCheckPath: '/status' });
    new MeshService(chart, 'db', { image: 'img', ports: [{ port: 5432, protocol: 'tcp' }] });
    const out = synth(app);
    const web = find(out, 'Deployment', 'web').spec.template.spec.containers[0];
    expect([web.readinessProbe.httpGet.path, web.livenessProbe.httpGet.path]).toEqual(['/status/ready', '/status/live']);
    expect(JSON.stringify(find(out, 'AuthorizationPolicy', 'web-policy').spec.rules)).not.toContain('/status');
    const db = find(out, 'Deployment', 'db').spec.template.spec.containers[0];
    expect([db.readinessProbe.tcpSocket, db.livenessProbe.tcpSocket]).toEqual([{ port: 5432 }, { port: 5432 }]);
    expect([db.readinessProbe.httpGet, db.livenessProbe.httpGet]).toEqual([undefined, undefined]);
    expect(JSON.stringify(find(out, 'AuthorizationPolicy', 'db-policy').spec.rules ?? [])).not.toContain('/health');
  });

  test('MESH024: a healthCheckPath on a service whose first port is TCP or gRPC would be probed nowhere, and fails synth', () => {
    // NATS: the client port first, the monitoring endpoint (/healthz) on 8222: the default probes went to 4222 as TCP, silently.
    const { app, chart } = meshChart();
    new MeshService(chart, 'nats', {
      image: 'nats:2', healthCheckPath: '/healthz',
      ports: [{ port: 4222, protocol: 'tcp', name: 'tcp-client' }, { port: 8222, protocol: 'http', name: 'http-monitor' }],
    });
    new MeshService(chart, 'prices', { image: 'img', healthCheckPath: '/health', ports: [{ port: 9090, protocol: 'grpc' }] });
    new MeshService(chart, 'worker', { image: 'img', healthCheckPath: '/health', ports: [] });
    const error = synthError(app);
    expect(error).toMatch(/\[test\/worker\] healthCheckPath: the service has no port to probe it on.*\[MESH024\]/);
    expect(error).toMatch(/\[test\/nats\] healthCheckPath: the first port, 4222 \(tcp\), does not speak HTTP, .*\(a TCP connection\).*\[MESH024\]/);
    expect(error).toMatch(/\[test\/prices\] healthCheckPath: the first port, 9090 \(grpc\), .*\(gRPC's health protocol\).*\[MESH024\]/);
    // The HTTP port first: the path is probed there
    const { app: ok, chart: c2 } = meshChart();
    new MeshService(c2, 'nats', {
      image: 'nats:2', healthCheckPath: '/healthz',
      ports: [{ port: 8222, protocol: 'http', name: 'http-monitor' }, { port: 4222, protocol: 'tcp', name: 'tcp-client' }],
    });
    expect(find(synth(ok), 'Deployment', 'nats').spec.template.spec.containers[0].readinessProbe.httpGet).toMatchObject({ path: '/healthz/ready', port: 8222 });
  });
});

describe('ports', () => {
  test('are named by protocol; destinations name a port when there are several', () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'svc', {
      image: 'img',
      ports: [{ port: 8080, protocol: 'http' }, { port: 9090, protocol: 'grpc' }, { port: 9091, protocol: 'grpc', name: 'grpc-admin' }],
    });
    const out = synth(app);
    expect(find(out, 'Service', 'svc').spec.ports.map((p: any) => p.name)).toEqual(['http', 'grpc-9090', 'grpc-admin']);
    expect(find(out, 'VirtualService', 'svc').spec.http[0].route[0].destination).toEqual({ host: 'svc', subset: 'stable', port: { number: 8080 } });
  });

  test.each([
    ['web', /ports\[0\]\.name: port name 'web' does not start with a protocol.*\[MESH003\]/],
    ['HTTP', /ports\[0\]\.name: port name 'HTTP' is not an IANA service name.*\[MESH003\]/],
  ])('a port named %s fails synth', (name, error) => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'svc', { image: 'img', ports: [{ port: 80, name }] });
    expect(synthError(app)).toMatch(new RegExp(`\\[test/svc\\] ${error.source}`));
  });

  test.each([[0, true], [1, false], [65535, false], [65536, true]])('port %i: error %s', (port, fails) => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'svc', { image: 'img', ports: [{ port }] });
    if (fails) expect(synthError(app)).toMatch(/ports\[0\]\.port must be a whole number from 1 to 65535.*\[MESH004\]/);
    else expect(() => synth(app)).not.toThrow();
  });
});

describe('routes and contributions', () => {
  function canaryLike(order: 'before' | 'after') {
    const { app, chart } = meshChart();
    const svc = new MeshService(chart, 'order-service', { image: 'img' });
    const contribute = () => {
      svc._addVersion(chart, 'order-v2', { version: 'v2', image: 'img:2', replicas: 1 });
      svc.traffic.addSubset(chart, { name: 'canary', labels: { version: 'v2' } });
      svc.traffic.setSplit(chart, [{ subset: 'stable', weight: Weight.percent(95) }, { subset: 'canary', weight: Weight.percent(5) }]);
      svc.addRoute({ match: [{ headers: { 'x-canary': StringMatch.exact('true') } }], destinations: [{ subset: 'canary' }] });
    };
    if (order === 'before') contribute();
    new MeshService(chart, 'other', { image: 'img' });
    if (order === 'after') contribute();
    return synth(app);
  }

  test('header route ahead of the weighted split, in one VirtualService whatever the order', () => {
    const before = canaryLike('before');
    const after = canaryLike('after');
    expect(after).toEqual(before);
    expect(after.filter((m) => m.kind === 'VirtualService' && m.spec.hosts.includes('order-service'))).toHaveLength(1);
    const http = find(after, 'VirtualService', 'order-service').spec.http;
    expect(http[0].match).toEqual([{ headers: { 'x-canary': { exact: 'true' } } }]);
    expect(http[0].route).toEqual([{ destination: { host: 'order-service', subset: 'canary' } }]);
    expect(http[1].route).toEqual([
      { destination: { host: 'order-service', subset: 'stable' }, weight: 95 },
      { destination: { host: 'order-service', subset: 'canary' }, weight: 5 },
    ]);
    expect(find(after, 'DestinationRule', 'order-service').spec.subsets.map((s: any) => s.name)).toEqual(['stable', 'canary']);
  });

  test('mirror and faults land in the host VirtualService', () => {
    const { app, chart } = meshChart();
    const svc = new MeshService(chart, 'svc', { image: 'img' });
    svc._addVersion(chart, 'svc-v2', { version: 'v2', image: 'img:2', replicas: 1 });
    svc.traffic.addSubset(chart, { name: 'canary', labels: { version: 'v2' } });
    svc.traffic.setMirror(chart, { subset: 'canary', percentage: Percentage.of(10) });
    svc.traffic.setFault(chart, {
      delay: { fixedDelay: Duration.millis(500), percentage: Percentage.of(10) },
      abort: { httpStatus: 503, percentage: Percentage.of(5) },
    });
    const http = find(synth(app), 'VirtualService', 'svc').spec.http[0];
    expect(http.mirror).toEqual({ host: 'svc', subset: 'canary' });
    expect(http.mirrorPercentage).toEqual({ value: 10 });
    expect(http.fault).toEqual({ delay: { fixedDelay: '500ms', percentage: { value: 10 } }, abort: { httpStatus: 503, percentage: { value: 5 } } });
  });

  test('handing the VirtualService over removes it', () => {
    const { app, chart } = meshChart();
    const svc = new MeshService(chart, 'svc', { image: 'img' });
    svc.traffic.handOverVirtualService(chart, 'flagger');
    const out = synth(app);
    expect(out.filter((m) => m.kind === 'VirtualService')).toEqual([]);
    expect(find(out, 'DestinationRule', 'svc')).toBeDefined();
    expect(svc.traffic.virtualServiceOwner).toBe('flagger');
  });
});

describe('bad input fails synth with the construct path, the field and a code', () => {
  function expectError(build: (chart: ReturnType<typeof meshChart>['chart']) => void, pattern: RegExp) {
    const { app, chart } = meshChart();
    build(chart);
    expect(synthError(app)).toMatch(pattern);
  }

  test('a route to an unknown subset', () => expectError((chart) => {
    const svc = new MeshService(chart, 'svc', { image: 'img' });
    svc.traffic.setSplit(chart, [{ subset: 'canary' }]);
  }, /\[test\/svc\] default route routes to subset 'canary', which the DestinationRule of svc does not define \(defined: stable\) \[MESH013\]/));

  test.each([[94, 5, true], [95, 5, false], [96, 5, true]])('weights %i + %i (error: %s)', (a, b, fails) => {
    const { app, chart } = meshChart();
    const svc = new MeshService(chart, 'svc', { image: 'img' });
    svc._addVersion(chart, 'svc-v2', { version: 'v2', image: 'img:2', replicas: 1 });
    svc.traffic.addSubset(chart, { name: 'canary', labels: { version: 'v2' } });
    svc.traffic.setSplit(chart, [{ subset: 'stable', weight: Weight.percent(a) }, { subset: 'canary', weight: Weight.percent(b) }]);
    if (fails)
      expect(synthError(app)).toMatch(
        new RegExp(`\\[test/svc\\] default route: weights sum to ${a + b}, expected 100 \\(stable ${a}, canary ${b}\\) \\[MESH012\\]`),
      );
    else expect(() => synth(app)).not.toThrow();
  });

  test.each([
    [Duration.millis(0.5), /timeout: 0.5ms is under 1ms \[MESH010\]/],
    [Duration.millis(1500.5), /timeout: 1500.5ms is not a whole number of milliseconds \[MESH010\]/],
  ])('timeout %s', (timeout, pattern) => expectError((chart) => {
    new MeshService(chart, 'svc', { image: 'img', timeout, retries: Retries.none() });
  }, new RegExp(`\\[test/svc\\] ${pattern.source}`)));

  test('a timeout of exactly 1ms is accepted', () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'svc', { image: 'img', timeout: Duration.millis(1), retries: Retries.none() });
    expect(find(synth(app), 'VirtualService', 'svc').spec.http[0].timeout).toBe('1ms');
  });

  test('perTryTimeout longer than timeout, also when one comes from the tier', () => {
    expectError((chart) => {
      new MeshService(chart, 'svc', { image: 'img', tier: Tier.SERVICE, retries: Retries.of({ perTryTimeout: Duration.seconds(20) }) });
    }, /\[test\/svc\] retries.perTryTimeout \(20s\) is longer than timeout \(15s\) \[MESH011\]/);
    const { app, chart } = meshChart();
    new MeshService(chart, 'svc', { image: 'img', timeout: Duration.seconds(5), retries: Retries.of({ perTryTimeout: Duration.seconds(5) }) });
    expect(() => synth(app)).not.toThrow();
  });

  test('retries with zero attempts and retryOn set', () => expectError((chart) => {
    new MeshService(chart, 'svc', { image: 'img', retries: Retries.of({ attempts: 0, retryOn: ['5xx'] }) });
  }, /\[test\/svc\] retries.attempts is 0 but retryOn is set; use Retries.none\(\) to turn retries off \[MESH014\]/));

  test('zero attempts alone do not inherit the tier conditions', () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'svc', { image: 'img', retries: Retries.of({ attempts: 0 }) });
    expect(find(synth(app), 'VirtualService', 'svc').spec.http[0].retries).toEqual({ attempts: 0 });
  });

  test('duplicate service names', () => expectError((chart) => {
    new MeshService(chart, 'a', { image: 'img', name: 'order-service' });
    new MeshService(chart, 'b', { image: 'img', name: 'order-service' });
  }, /\[test\] service name 'order-service' is used by 2 services: test\/a, test\/b \[MESH002\]/));

  test.each(['Order', 'order_service', 'a'.repeat(64)])('name %s is not a DNS-1123 label', (name) => expectError((chart) => {
    new MeshService(chart, 'svc', { image: 'img', name });
  }, /\[test\/svc\] name: .*\[MESH001\]/));

  test('connection pool and ejection bounds', () =>
    expectError((chart) => {
      new MeshService(chart, 'svc', { image: 'img', connectionPool: { tcp: { maxConnections: 0 } }, outlierDetection: { maxEjectionPercent: 101 } });
    }, /connectionPool.tcp.maxConnections must be a whole number from 1 to 2147483647, got 0 \[MESH004\][\s\S]*outlierDetection.maxEjectionPercent must be a whole number from 0 to 100, got 101 \[MESH004\]/));

  test("0 where istiod reads it: no limit of requests per connection, a 5xx ejection turned off (a model server's 500s are bad input)", () => {
    // GIVEN a model server that ejects on gateway errors only and keeps its connections, over the tier's 5 and 10
    const { app, chart } = meshChart();
    new MeshService(chart, 'ranker', {
      image: 'img',
      connectionPool: { http: { maxRequestsPerConnection: 0 } },
      outlierDetection: { consecutive5xxErrors: 0, consecutiveGatewayErrors: 3 },
    });
    // THEN the DestinationRule says 0, which istiod renders as no limit and no 5xx ejection (applyOutlierDetection)
    const policy = find(synth(app), 'DestinationRule', 'ranker').spec.trafficPolicy;
    expect(policy.connectionPool.http.maxRequestsPerConnection).toBe(0);
    expect(policy.outlierDetection).toMatchObject({ consecutive5xxErrors: 0, consecutiveGatewayErrors: 3 });
    // and a negative count still fails, naming the field
    expectError((c) => {
      new MeshService(c, 'svc', { image: 'img', outlierDetection: { consecutive5xxErrors: -1 } });
    }, /outlierDetection.consecutive5xxErrors must be a whole number from 0 to 2147483647, got -1 \[MESH004\]/);
  });

  test('two contributors setting the split name both paths', () => expectError((chart) => {
    const svc = new MeshService(chart, 'svc', { image: 'img' });
    svc.traffic.setSplit(svc, [{ subset: 'stable' }]);
    svc.traffic.setSplit(chart, [{ subset: 'stable' }]);
  }, /default route split of host svc is set by both test\/svc and test \[MESH015\]/));

  test('a mirror to the subset already serving the traffic', () => expectError((chart) => {
    const svc = new MeshService(chart, 'svc', { image: 'img' });
    svc.traffic.setMirror(chart, { subset: 'stable' });
  }, /mirror targets subset 'stable', which already serves the default route's traffic: .*reach it twice.*addVersion\(\{ name, image, subset \}\).*\[MESH015\]/));

  test("a new version's weighted share and a shadow of every request: the shadow is a version of its own, and passes", () => {
    // GIVEN v2 at 10% by weight, and a copy of it (same image) that every request is mirrored to
    const { app, chart } = meshChart();
    const svc = new MeshService(chart, 'ranker', { image: 'ranker:1', version: 'v1', subset: 'v1' });
    svc.addVersion({ name: 'v2', image: 'ranker:2', subset: 'v2' });
    svc.addVersion({ name: 'v2-shadow', image: 'ranker:2', subset: 'v2-shadow', replicas: 1 });
    svc.setSplit([{ subset: 'v1', weight: Weight.percent(90) }, { subset: 'v2', weight: Weight.percent(10) }]);
    svc.traffic.setMirror(svc, { subset: 'v2-shadow', percentage: Percentage.of(100) });
    // THEN the route weighs v1 and v2 and mirrors to the shadow
    const route = find(synth(app), 'VirtualService', 'ranker').spec.http[0];
    expect(route.route.map((d: any) => [d.destination.subset, d.weight])).toEqual([['v1', 90], ['v2', 10]]);
    expect(route.mirror).toMatchObject({ subset: 'v2-shadow' });
  });

  test('a match-less route', () => expectError((chart) => {
    const svc = new MeshService(chart, 'svc', { image: 'img' });
    svc.addRoute({ name: 'all', match: [], destinations: [{ subset: 'stable' }] });
  }, /route all \(from test\/svc\) has no match; only the default route may match everything \[MESH017\]/));

  test('an abort status of 600, which istiod admits and Envoy refuses: one finding, over the VirtualService', () => expectError((chart) => {
    const svc = new MeshService(chart, 'svc', { image: 'img' });
    svc.traffic.setFault(chart, { abort: { httpStatus: 600, percentage: Percentage.of(5) } });
  }, /\[test\/svc\/VirtualService\] test\/VirtualService\/svc: spec\.http\[0\]\.fault\.abort\.httpStatus: istiod accepts HTTP status 600, but Envoy refuses the route configuration: give a status from 200 to 599 \[MESH190\]/));

  test('a call to a service of another App (a service of another chart of the same app is fine: see test/mesh/namespaces.test.ts)', () => {
    const { app, chart } = meshChart();
    const other = meshChart({ namespace: 'other' }, 'other').chart;
    const a = new MeshService(chart, 'a', { image: 'img' });
    const b = new MeshService(other, 'b', { image: 'img' });
    a.calls(b);
    expect(synthError(app)).toMatch(/\[test\/a\] calls other\/b, which is not a service of this app \[MESH019\]/);
  });

  test('nothing is written when synth fails', () => {
    const fs = require('node:fs');
    const { app, chart } = meshChart();
    new MeshService(chart, 'svc', { image: 'img', name: 'Bad' });
    expect(() => app.synth()).toThrow(/MESH001/);
    expect(fs.existsSync(app.outdir) && fs.readdirSync(app.outdir).length).toBeFalsy();
  });
});

describe('calls', () => {
  test('record the edges of the graph, asynchronous ones marked', () => {
    const { chart } = meshChart();
    const order = new MeshService(chart, 'order-service', { image: 'img' });
    const payment = new MeshService(chart, 'payment-service', { image: 'img' });
    const notification = new MeshService(chart, 'notification-service', { image: 'img' });
    order.calls(payment, { methods: ['POST'], paths: ['/api/payments/*'] });
    order.calls(notification, { asynchronous: true });
    expect(chart.calls.map((c) => [c.source.name, c.target.name, c.methods, c.paths, c.asynchronous])).toEqual([
      ['order-service', 'payment-service', ['POST'], ['/api/payments/*'], false],
      ['order-service', 'notification-service', undefined, undefined, true],
    ]);
  });
});
