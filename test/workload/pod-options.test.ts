import { ApiObject, Duration, JsonPatch, Size } from 'cdk8s';
import { KubeDeployment, Quantity } from 'cdk8s-plus-27/lib/imports/k8s';
import { Cpu, EnvVarValue, HardeningException, HealthProbe, MeshPlatform, MeshService, Percentage, Rps, WorkloadVolume } from '../../src';
import { evaluateFlow } from '../../src/validate';
import { find, meshChart, synth, synthError } from '../util';

const pod = (out: Record<string, any>[], name: string) => find(out, 'Deployment', name).spec.template.spec;
const app = (out: Record<string, any>[], name: string) => pod(out, name).containers.find((c: any) => c.name === 'app');

describe('pod options', () => {
  test('a variable that refers to another ($(NAME)) is written after it, else by name: the kubelet expands only earlier ones', () => {
    const { app: a, chart } = meshChart();
    new MeshService(chart, 'broker', {
      image: 'img',
      env: {
        ADVERTISED: EnvVarValue.of('$(NODE).$(ZONE).example.com:$(PORT)'),
        NODE: EnvVarValue.of('broker-$(ZONE)'),
        ZONE: EnvVarValue.of('eu'),
        ESCAPED: EnvVarValue.of('$$(ZONE) stays literal'),
        PORT: EnvVarValue.fromConfigMap('broker', 'port'),
        AUTO: EnvVarValue.of('$(AUTO) refers to itself'),
      },
    });
    // By name, each after what it refers to: ZONE before NODE before ADVERTISED, PORT (a ConfigMap's) before ADVERTISED; AUTO
    // (itself) and ESCAPED ($$ is a literal $) refer to nothing to put first.
    expect(app(synth(a), 'broker').env.map((e: any) => e.name)).toEqual(['ZONE', 'NODE', 'PORT', 'ADVERTISED', 'AUTO', 'ESCAPED']);
  });

  test('fields of the pod through the downward API: its name, a label (a StatefulSet pod\'s ordinal), an annotation, its address', () => {
    const { app: a, chart } = meshChart();
    new MeshService(chart, 'broker', {
      image: 'img',
      env: {
        POD_NAME: EnvVarValue.fromPodField('metadata.name'),
        NODE_NAME: EnvVarValue.of('emqx@$(POD_NAME).broker.production.svc.cluster.local'),
        NODE_ID: EnvVarValue.fromPodLabel('apps.kubernetes.io/pod-index'),
        REVISION: EnvVarValue.fromPodAnnotation('mesh.example.com/revision'),
        POD_IP: EnvVarValue.fromPodField('status.podIP'),
      },
    });
    expect(app(synth(a), 'broker').env).toEqual([
      { name: 'NODE_ID', valueFrom: { fieldRef: { fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']" } } },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'NODE_NAME', value: 'emqx@$(POD_NAME).broker.production.svc.cluster.local' },
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'REVISION', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['mesh.example.com/revision']" } } },
    ]);
  });

  test('a label key that is not a qualified name, or a field the API server does not give, fails synth (MESH021)', () => {
    const { app: a, chart } = meshChart();
    new MeshService(chart, 'broker', {
      image: 'img',
      env: {
        BAD_LABEL: EnvVarValue.fromPodLabel('not a key'),
        // From JavaScript, or a cast: a field the downward API does not give an environment variable.
        BAD_FIELD: EnvVarValue.fromPodField('spec.containers' as never),
      },
    });
    const err = synthError(a);
    expect(err).toMatch(/\[test\/broker\] env\.BAD_LABEL: label key 'not a key' is not a qualified name \(\[prefix\/\]name\) \[MESH021\]/);
    expect(err).toMatch(/env\.BAD_FIELD: 'spec\.containers' is not a pod field an environment variable can read \(metadata\.name, .*\) \[MESH021\]/);
  });

  test("a variable that refers to a call's addressEnv, written after the pod's own, fails synth (MESH021); args may refer to it", () => {
    const { app: a, chart } = meshChart();
    const ratings = new MeshService(chart, 'ratings', { image: 'img', ports: [{ port: 9090, protocol: 'grpc' }] });
    const reviews = new MeshService(chart, 'reviews', { image: 'img', env: { RATINGS_TARGET: EnvVarValue.of('dns:///$(RATINGS_ADDR)') } });
    reviews.calls(ratings, { addressEnv: { name: 'RATINGS_ADDR', form: 'host-port' } });
    expect(synthError(a)).toMatch(/\[test\/reviews\] env\.RATINGS_TARGET: refers to \$\(RATINGS_ADDR\), a call's addressEnv, which is written after the pod's own variables.*\[MESH021\]/);
    const { app: b, chart: c2 } = meshChart();
    const r2 = new MeshService(c2, 'ratings', { image: 'img', ports: [{ port: 9090, protocol: 'grpc' }] });
    const v2 = new MeshService(c2, 'reviews', { image: 'img', args: ['--ratings=dns:///$(RATINGS_ADDR)'] });
    v2.calls(r2, { addressEnv: { name: 'RATINGS_ADDR', form: 'host-port' } });
    expect(app(synth(b), 'reviews').env).toEqual([{ name: 'RATINGS_ADDR', value: 'ratings.production.svc.cluster.local:9090' }]);
  });

  test('variables that refer to each other in a cycle fail synth: no order expands both (MESH021)', () => {
    const { app: a, chart } = meshChart();
    new MeshService(chart, 'broker', { image: 'img', env: { A: EnvVarValue.of('$(B)-a'), B: EnvVarValue.of('$(A)-b'), C: EnvVarValue.of('c') } });
    expect(synthError(a)).toMatch(/\[test\/broker\] env\.B: refers to \$\(A\), which refers back to B: the kubelet expands a reference only to a variable defined before it.*\[MESH021\]/);
  });

  test('env from values, ConfigMaps and Secrets, and the address of a called service', () => {
    const { app: a, chart } = meshChart();
    const details = new MeshService(chart, 'details', { image: 'img', ports: [{ port: 9080 }] });
    const ratings = new MeshService(chart, 'ratings', { image: 'img', ports: [{ port: 9090, protocol: 'grpc' }] });
    const page = new MeshService(chart, 'productpage', {
      image: 'img',
      env: {
        LOG_LEVEL: EnvVarValue.of('debug'),
        DB_HOST: EnvVarValue.fromConfigMap('db', 'host'),
        DB_PASSWORD: EnvVarValue.fromSecret('db', 'password', true),
      },
    });
    page.calls(details, { addressEnv: { name: 'DETAILS_URL' } });
    page.calls(ratings, { addressEnv: { name: 'RATINGS_ADDR' } });
    page.calls(details, { addressEnv: { name: 'DETAILS_HOSTNAME', form: 'host' } });
    const env = app(synth(a), 'productpage').env;
    expect(env).toEqual(expect.arrayContaining([
      { name: 'LOG_LEVEL', value: 'debug' },
      { name: 'DB_HOST', valueFrom: { configMapKeyRef: { name: 'db', key: 'host', optional: false } } },
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password', optional: true } } },
      { name: 'DETAILS_URL', value: 'http://details.production.svc.cluster.local:9080' },
      { name: 'RATINGS_ADDR', value: 'ratings.production.svc.cluster.local:9090' },
      { name: 'DETAILS_HOSTNAME', value: 'details.production.svc.cluster.local' },
    ]));
    expect(env).toHaveLength(6);
  });

  test('command, args, init containers, pull policy and secrets, preStop and grace period, annotations and labels', () => {
    const { app: a, chart } = meshChart();
    new MeshService(chart, 'svc', {
      image: 'img',
      command: ['/bin/server'],
      args: ['--port', '8080'],
      initContainers: [{ name: 'migrate', image: 'migrate:1', command: ['migrate', 'up'] }],
      imagePullPolicy: 'Always',
      imagePullSecrets: ['registry-a', 'registry-b'],
      preStopCommand: ['sleep', '5'],
      terminationGracePeriod: Duration.seconds(45),
      podAnnotations: { 'example.com/owner': 'team-a' },
      podLabels: { team: 'a', app: 'ignored' },
      serviceAccountAnnotations: { 'iam.gke.io/gcp-service-account': 'svc@p.iam.gserviceaccount.com' },
    });
    const out = synth(a);
    const p = pod(out, 'svc');
    const c = app(out, 'svc');
    expect([c.command, c.args, c.imagePullPolicy]).toEqual([['/bin/server'], ['--port', '8080'], 'Always']);
    expect(c.lifecycle.preStop).toEqual({ exec: { command: ['sleep', '5'] } });
    expect(p.terminationGracePeriodSeconds).toBe(45);
    expect(p.imagePullSecrets).toEqual([{ name: 'registry-a' }, { name: 'registry-b' }]);
    // The init container is hardened like the application and gets /tmp too.
    expect(p.initContainers[0]).toMatchObject({
      name: 'migrate', image: 'migrate:1', command: ['migrate', 'up'],
      securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true },
      volumeMounts: [{ mountPath: '/tmp', name: 'tmp' }],
    });
    const meta = find(out, 'Deployment', 'svc').spec.template.metadata;
    expect(meta.annotations).toEqual({ 'example.com/owner': 'team-a' });
    expect(meta.labels).toMatchObject({ team: 'a', app: 'svc' });
    expect(find(out, 'ServiceAccount', 'svc').metadata.annotations).toEqual({ 'iam.gke.io/gcp-service-account': 'svc@p.iam.gserviceaccount.com' });
  });

  test('volumes of every kind and their mounts; /tmp is a writable emptyDir unless turned off', () => {
    const { app: a, chart } = meshChart();
    new MeshService(chart, 'svc', {
      image: 'img',
      volumes: [
        WorkloadVolume.emptyDir('cache', { memory: true, sizeLimit: Size.mebibytes(64) }),
        WorkloadVolume.configMap('config', 'svc-config', { items: [{ key: 'app.yaml', path: 'app.yaml' }] }),
        WorkloadVolume.secret('certs', 'svc-tls'),
        WorkloadVolume.projected('token', [{ kind: 'serviceAccountToken', path: 'token', audience: 'vault', expiration: Duration.hours(1) }]),
      ],
      mounts: [
        { volume: 'cache', path: '/var/cache/app' },
        { volume: 'config', path: '/etc/app' },
        { volume: 'certs', path: '/etc/certs' },
        { volume: 'token', path: '/var/run/secrets/vault' },
      ],
    });
    new MeshService(chart, 'no-tmp', { image: 'img', writableTmp: false });
    const out = synth(a);
    const p = pod(out, 'svc');
    expect(p.volumes).toEqual(expect.arrayContaining([
      { name: 'tmp', emptyDir: {} },
      { name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
      { name: 'config', configMap: { name: 'svc-config', optional: false, items: [{ key: 'app.yaml', path: 'app.yaml' }] } },
      { name: 'certs', secret: { secretName: 'svc-tls', optional: false } },
      { name: 'token', projected: { sources: [{ serviceAccountToken: { path: 'token', audience: 'vault', expirationSeconds: 3600 } }] } },
    ]));
    expect(p.volumes).toHaveLength(5);
    expect(app(out, 'svc').volumeMounts).toEqual([
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'cache', mountPath: '/var/cache/app', readOnly: false },
      { name: 'config', mountPath: '/etc/app', readOnly: true },
      { name: 'certs', mountPath: '/etc/certs', readOnly: true },
      { name: 'token', mountPath: '/var/run/secrets/vault', readOnly: true },
    ]);
    expect(pod(out, 'no-tmp').volumes).toBeUndefined();
  });

  test('probes: exact HTTP path with headers, gRPC, TCP, exec, none, thresholds; defaults by protocol', () => {
    const { app: a, chart } = meshChart();
    new MeshService(chart, 'http', {
      image: 'img',
      probes: {
        readiness: HealthProbe.http('/health', { headers: { 'X-Probe': 'k8s' }, period: Duration.seconds(5), failureThreshold: 2 }),
        liveness: HealthProbe.exec(['cat', '/tmp/alive'], { initialDelay: Duration.seconds(10) }),
        startup: HealthProbe.tcp({ failureThreshold: 30 }),
      },
    });
    new MeshService(chart, 'grpc', { image: 'img', ports: [{ port: 9090, protocol: 'grpc' }] });
    new MeshService(chart, 'quiet', { image: 'img', probes: { readiness: HealthProbe.none(), liveness: HealthProbe.none() } });
    new MeshService(chart, 'plain', { image: 'img', probes: { liveness: HealthProbe.http('/healthz') } });
    new MeshService(chart, 'pathed', { image: 'img', healthCheckPath: '/health', probes: { liveness: HealthProbe.http('/healthz') } });
    const out = synth(a);
    const h = app(out, 'http');
    expect(h.readinessProbe).toEqual({
      failureThreshold: 2, periodSeconds: 5,
      httpGet: { path: '/health', port: 8080, scheme: 'HTTP', httpHeaders: [{ name: 'X-Probe', value: 'k8s' }] },
    });
    expect(h.livenessProbe).toEqual({ failureThreshold: 3, initialDelaySeconds: 10, exec: { command: ['cat', '/tmp/alive'] } });
    expect(h.startupProbe).toEqual({ failureThreshold: 30, tcpSocket: { port: 8080 } });
    const g = app(out, 'grpc');
    expect([g.readinessProbe.grpc, g.livenessProbe.grpc, g.readinessProbe.httpGet]).toEqual([{ port: 9090 }, { port: 9090 }, undefined]);
    const q = app(out, 'quiet');
    expect([q.readinessProbe, q.livenessProbe]).toEqual([undefined, undefined]);
    // A probe the user leaves out keeps its default: a TCP connection, or the health path when given.
    const p = app(out, 'plain');
    expect([p.readinessProbe.tcpSocket, p.livenessProbe.httpGet.path]).toEqual([{ port: 8080 }, '/healthz']);
    const pathed = app(out, 'pathed');
    expect([pathed.readinessProbe.httpGet.path, pathed.livenessProbe.httpGet.path]).toEqual(['/health/ready', '/healthz']);
  });

  test('sidecar settings become Istio annotations and the injection label', () => {
    const { app: a, chart } = meshChart();
    new MeshService(chart, 'svc', {
      image: 'img',
      sidecar: {
        holdApplicationUntilProxyStarts: true,
        cpuRequest: Cpu.millis(50),
        cpuLimit: Cpu.millis(200),
        memoryRequest: Size.mebibytes(64),
        memoryLimit: Size.mebibytes(256),
      },
    });
    new MeshService(chart, 'loadgen', { image: 'img', ports: [], sidecar: { inject: false } });
    const out = synth(a);
    expect(find(out, 'Deployment', 'svc').spec.template.metadata.annotations).toEqual({
      'proxy.istio.io/config': '{"holdApplicationUntilProxyStarts":true}',
      'sidecar.istio.io/proxyCPU': '50m',
      'sidecar.istio.io/proxyCPULimit': '200m',
      'sidecar.istio.io/proxyMemory': '64Mi',
      'sidecar.istio.io/proxyMemoryLimit': '256Mi',
    });
    expect(find(out, 'Deployment', 'loadgen').spec.template.metadata.labels['sidecar.istio.io/inject']).toBe('false');
  });

  test("a model server whose requests outlast Istio's 5s drain: MESH280 until its sidecar drains as long, within its grace period", () => {
    // GIVEN a service whose SLO lets 1% of its requests run 20s, with Istio's drain (5s) on shutdown
    const slo = {
      latency: { p50: Duration.seconds(1), p95: Duration.seconds(5), p99: Duration.seconds(20) }, errorRate: Percentage.of(1),
      trafficCapacity: Rps.of(10), saturation: { cpu: Percentage.of(80), memory: Percentage.of(80) },
    };
    const warned = (sidecar?: Record<string, unknown>, terminationGracePeriod?: Duration) => {
      const { app: a, chart } = meshChart();
      new MeshService(chart, 'ranker', { image: 'img', slo, ...(sidecar ? { sidecar } : {}), ...(terminationGracePeriod ? { terminationGracePeriod } : {}) });
      const out = synth(a);
      return { out, warnings: a.warnings.filter((w) => w.includes('[MESH280]')) };
    };
    // THEN synth warns on the SLO, naming both times
    expect(warned().warnings).toEqual([expect.stringMatching(
      /^\[test\/ranker\] .*slo\.latency\.p99: ranker's requests run up to 20s \(its SLO's p99\), longer than its sidecar serves them once the pod stops \(terminationDrainDuration, 5s, Istio's default\).*\[MESH280\]$/)]);
    // WHEN the sidecar drains 25s within a 40s grace period, the pod says so to pilot-agent and the warning is gone
    const drained = warned({ terminationDrainDuration: Duration.seconds(25) }, Duration.seconds(40));
    expect(drained.warnings).toEqual([]);
    expect(find(drained.out, 'Deployment', 'ranker').spec.template.metadata.annotations['proxy.istio.io/config']).toBe('{"terminationDrainDuration":"25s"}');
    // A drain the kubelet would cut short (not under the grace period, 30s by default) or not in whole seconds fails synth
    const failing = (sidecar: Record<string, unknown>) => {
      const { app: a, chart } = meshChart();
      new MeshService(chart, 'ranker', { image: 'img', sidecar });
      return synthError(a);
    };
    expect(failing({ terminationDrainDuration: Duration.seconds(30) }))
      .toMatch(/sidecar\.terminationDrainDuration: 30s is not shorter than the pod's terminationGracePeriod \(30s\).*\[MESH281\]/);
    expect(failing({ terminationDrainDuration: Duration.millis(1500) })).toMatch(/must be a whole number of seconds, at least 1, got 1\.5s \[MESH281\]/);
  });

  test('a worker with no ports has identity, policies and hardening but no Service, routes or probes', () => {
    const { app: a, chart } = meshChart();
    const worker = new MeshService(chart, 'worker', { image: 'img', ports: [] });
    const api = new MeshService(chart, 'api', { image: 'img' });
    worker.calls(api);
    const out = synth(a);
    const kinds = out.filter((m) => m.metadata.name === 'worker' || m.metadata.name === 'worker-policy').map((m) => m.kind).sort();
    expect(kinds).toEqual(['AuthorizationPolicy', 'Deployment', 'NetworkPolicy', 'ServiceAccount', 'Sidecar']);
    const c = app(out, 'worker');
    expect([c.readinessProbe, c.livenessProbe, c.ports]).toEqual([undefined, undefined, undefined]);
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(find(out, 'NetworkPolicy', 'worker').spec.egress[0].to[0].podSelector.matchLabels).toEqual({ app: 'api' });
    // Prometheus scrapes the worker's pods directly (a PodMonitor needs no Service): the flow holds.
    const prometheus = MeshPlatform.default().prometheusWorkload();
    const scrape = (manifests: typeof out) => evaluateFlow(manifests, {
      source: { platform: prometheus }, host: 'worker', pods: { workload: 'worker', namespace: 'production' }, port: 15090, path: '/stats/prometheus',
    }, { platform: [prometheus] });
    expect(scrape(out).allowed).toBe(true);
    // ... and is refused by the worker's NetworkPolicy once it no longer admits Prometheus.
    const closed = out.map((m) => (m.kind === 'NetworkPolicy' && m.metadata.name === 'worker' ? { ...m, spec: { ...m.spec, ingress: [] } } : m));
    expect(scrape(closed)).toMatchObject({ allowed: false, decidedBy: { layer: 'NetworkPolicy ingress', name: 'worker' } });
  });
});

describe('hardening of every pod in a chart', () => {
  test('a hand-added Deployment that is not hardened fails synth with its path; the named exemption lets it through', () => {
    const { app: a, chart } = meshChart();
    const podSpec = { containers: [{ name: 'c', image: 'img' }] };
    new KubeDeployment(chart, 'legacy', {
      metadata: { name: 'legacy' },
      spec: { selector: { matchLabels: { app: 'legacy' } }, template: { metadata: { labels: { app: 'legacy' } }, spec: podSpec } },
    });
    const err = synthError(a);
    expect(err).toContain('test/legacy (Deployment/legacy): containers[c].securityContext.readOnlyRootFilesystem: must be true, or excused by '
      + 'mesh.cdk8s.io/hardening.c.readOnlyRootFilesystem [MESH208]');
    expect(err).toContain('automountServiceAccountToken: must be false');

    // The whole-pod exemption stays for objects written by hand (without a sidecar here: a meshed pod the namespace's
    // deny-all keeps from istiod never becomes ready, MESH609, which test/validate/flow/readiness.test.ts states).
    const { app: b, chart: chart2 } = meshChart();
    const unmeshed = { app: 'legacy', 'sidecar.istio.io/inject': 'false' };
    new KubeDeployment(chart2, 'legacy', {
      metadata: { name: 'legacy', annotations: { 'mesh.cdk8s.io/hardening-exemption': 'vendor image writes to /' } },
      spec: { selector: { matchLabels: { app: 'legacy' } }, template: { metadata: { labels: unmeshed }, spec: podSpec } },
    });
    expect(find(synth(b), 'Deployment', 'legacy').metadata.annotations).toEqual({ 'mesh.cdk8s.io/hardening-exemption': 'vendor image writes to /' });
  });

  test('a hand-written object excuses each field with its own annotation on the pod template', () => {
    const { app: a, chart } = meshChart();
    const container = {
      name: 'c',
      image: 'img',
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 999,
        readOnlyRootFilesystem: false,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      },
      resources: {
        requests: { cpu: Quantity.fromString('100m'), memory: Quantity.fromString('64Mi') },
        limits: { cpu: Quantity.fromString('1'), memory: Quantity.fromString('256Mi') },
      },
    };
    const annotations = { 'mesh.cdk8s.io/hardening.c.readOnlyRootFilesystem': 'the vendor image writes its state under /var/lib/vendor' };
    new KubeDeployment(chart, 'vendor', {
      metadata: { name: 'vendor' },
      spec: {
        selector: { matchLabels: { app: 'vendor' } },
        // Without a sidecar: a meshed pod the namespace's deny-all keeps from istiod never becomes ready (MESH609).
        template: {
          metadata: { labels: { 'app': 'vendor', 'sidecar.istio.io/inject': 'false' }, annotations },
          spec: { automountServiceAccountToken: false, containers: [container] },
        },
      },
    });
    expect(find(synth(a), 'Deployment', 'vendor').spec.template.metadata.annotations).toEqual(annotations);
  });

  test('a JSON patch that un-hardens a service pod fails; the typed exception is the way to loosen a field', () => {
    const patch = (svc: MeshService) => ApiObject.of(svc.node.findChild('Deployment'))
      .addJsonPatch(JsonPatch.replace('/spec/template/spec/containers/0/securityContext/readOnlyRootFilesystem', false));
    const { app: a, chart } = meshChart();
    patch(new MeshService(chart, 'svc', { image: 'img' }));
    expect(synthError(a)).toMatch(
      /test\/svc\/Deployment.*readOnlyRootFilesystem: must be true, or excused by mesh\.cdk8s\.io\/hardening\.app\.readOnlyRootFilesystem \[MESH208\]/s,
    );
    const { app: b, chart: chart2 } = meshChart();
    new MeshService(chart2, 'svc', {
      image: 'img',
      security: { exceptions: [HardeningException.writableRootFilesystem('legacy image writes its cache to /var')] },
    });
    const d = find(synth(b), 'Deployment', 'svc');
    expect(d.spec.template.metadata.annotations).toEqual({
      'mesh.cdk8s.io/hardening.app.readOnlyRootFilesystem': 'legacy image writes its cache to /var',
    });
    expect(d.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem).toBe(false);
    // The whole-pod exemption is gone from MeshService; a JavaScript caller that still passes it is told so.
    const { app: c, chart: chart3 } = meshChart();
    new MeshService(chart3, 'svc', { image: 'img', ...({ hardeningExemption: 'legacy' } as object) });
    expect(synthError(c)).toMatch(/\[test\/svc\] hardeningExemption: removed; loosen field by field with security\.exceptions.*\[MESH040\]/);
  });
});

test("a dotted environment variable name, which the API server accepts and OpenSearch's entrypoint reads as a setting, synthesizes", () => {
  const { app, chart } = meshChart();
  new MeshService(chart, 'search', { image: 'opensearchproject/opensearch:2', env: { 'cluster.name': EnvVarValue.of('recipes'), 'discovery.type': EnvVarValue.of('single-node') } });
  const env = find(synth(app), 'Deployment', 'search').spec.template.spec.containers[0].env;
  expect(env).toEqual(expect.arrayContaining([{ name: 'cluster.name', value: 'recipes' }, { name: 'discovery.type', value: 'single-node' }]));
});

describe('bad pod options', () => {
  const cases: [string, Record<string, any>, RegExp][] = [
    [
      "env name the API server refuses (IsEnvVarName: no digit first, no '=' or space)",
      { env: { '1st var': EnvVarValue.of('x') } },
      /env\.1st var: an environment variable name must match \[-\._a-zA-Z\]\[-\._a-zA-Z0-9\]\* \(the API server's rule\).*\[MESH021\]/,
    ],
    [
      'mount of an undeclared volume',
      { mounts: [{ volume: 'data', path: '/data' }] },
      /mounts\[0\]\.volume: 'data' is not a volume of the workload.*\[MESH023\]/,
    ],
    [
      'mount over /tmp',
      { volumes: [WorkloadVolume.emptyDir('scratch')], mounts: [{ volume: 'scratch', path: '/tmp/' }] },
      /mounts\[0\]\.path: \/tmp is the writable emptyDir.*\[MESH023\]/,
    ],
    [
      'mount over /',
      { volumes: [WorkloadVolume.emptyDir('scratch')], mounts: [{ volume: 'scratch', path: '/' }] },
      /mounts\[0\]\.path: a volume over \/ would hide the image \[MESH023\]/,
    ],
    [
      'relative mount path',
      { volumes: [WorkloadVolume.emptyDir('scratch')], mounts: [{ volume: 'scratch', path: 'data' }] },
      /mounts\[0\]\.path: 'data' must be absolute \[MESH023\]/,
    ],
    [
      'duplicate volume',
      { volumes: [WorkloadVolume.emptyDir('a'), WorkloadVolume.emptyDir('a')] },
      /volumes\[1\]\.name: 'a' is declared twice \[MESH022\]/,
    ],
    [
      'a volume named tmp',
      { volumes: [WorkloadVolume.emptyDir('tmp')] },
      /volumes\[0\]\.name: 'tmp' is declared twice \(tmp is the writable \/tmp\) \[MESH022\]/,
    ],
    [
      'probe port not exposed',
      { probes: { readiness: HealthProbe.tcp({ port: 9999 }) } },
      /probes\.readiness\.port: 9999 is not a port of the container \(8080\) \[MESH024\]/,
    ],
    [
      'liveness successThreshold',
      { probes: { liveness: HealthProbe.http('/l', { successThreshold: 2 }) } },
      /probes\.liveness\.successThreshold: must be 1.*\[MESH024\]/,
    ],
    [
      'probe period under a second',
      { probes: { readiness: HealthProbe.http('/r', { period: Duration.millis(500) }) } },
      /probes\.readiness\.period: must be a whole number of seconds, at least 1 \[MESH024\]/,
    ],
    [
      'Istio annotation by hand',
      { podAnnotations: { 'sidecar.istio.io/inject': 'false' } },
      /podAnnotations\.sidecar\.istio\.io\/inject: set it through the typed sidecar option \[MESH033\]/,
    ],
    ['init container named app', { initContainers: [{ name: 'app', image: 'x' }] }, /initContainers\[0\]\.name: 'app' is taken \[MESH033\]/],
    ['sidecar CPU finer than 1m', { sidecar: { cpuRequest: Cpu.units(0.0005) } }, /sidecar\.cpuRequest: must be a whole number of millicores above 0 .*got 0\.0005 \[MESH033\]/],
    ['sidecar memory of a fraction of a MiB', { sidecar: { memoryLimit: Size.kibibytes(100) } }, /sidecar\.memoryLimit: must be a whole number of mebibytes above 0, got 0\.09765625Mi \[MESH033\]/],
    ['an extra container\'s memory request above its limit', {
      containers: [{ name: 'exporter', image: 'x', resources: { memoryRequest: Size.gibibytes(1), memoryLimit: Size.mebibytes(512) } }],
    }, /containers\[0\]\.resources\.memoryRequest \(1024Mi\) is above containers\[0\]\.resources\.memoryLimit \(512Mi\); the API server rejects a request above its limit \[MESH212\]/],
    [
      'sidecar request above limit',
      { sidecar: { cpuRequest: Cpu.millis(500), cpuLimit: Cpu.millis(100) } },
      /sidecar\.cpuRequest \(500m\) is above sidecar\.cpuLimit \(100m\); the API server rejects a request above its limit \[MESH212\]/,
    ],
  ];
  test.each(cases)('%s', (_name, props, expected) => {
    const { app: a, chart } = meshChart();
    new MeshService(chart, 'svc', { image: 'img', ...props });
    const err = synthError(a);
    expect(err).toContain('[test/svc]');
    expect(err).toMatch(expected);
  });

  test('an env name set by the pod and by a call, and a call to a worker', () => {
    const { app: a, chart } = meshChart();
    const worker = new MeshService(chart, 'worker', { image: 'img', ports: [] });
    const api = new MeshService(chart, 'api', { image: 'img', env: { PEER: EnvVarValue.of('x') } });
    const other = new MeshService(chart, 'other', { image: 'img' });
    api.calls(other, { addressEnv: { name: 'PEER' } });
    api.calls(worker);
    const err = synthError(a);
    expect(err).toMatch(/\[test\/api\] env\.PEER: set twice.*\[MESH021\]/);
    expect(err).toMatch(/\[test\/api\] calls test\/worker, a workload with no ports and no Service \[MESH032\]/);
  });

  test('value factories reject what they can at once', () => {
    expect(() => HealthProbe.http('health')).toThrow(/\[MESH024\]/);
    expect(() => HealthProbe.exec([])).toThrow(/\[MESH024\]/);
    expect(() => WorkloadVolume.projected('p', [])).toThrow(/\[MESH022\]/);
  });
});

describe('bad references and labels', () => {
  test.each([
    [
      'a ConfigMap name that is not a DNS subdomain',
      { env: { A: EnvVarValue.fromConfigMap('My_Config', 'k') } },
      /env\.A: configMap name 'My_Config' is not a DNS-1123 subdomain \[MESH021\]/,
    ],
    ['a Secret key with a slash', { env: { A: EnvVarValue.fromSecret('db', 'a/b') } }, /env\.A: key 'a\/b' is not a valid secret key \[MESH021\]/],
    ['a pull secret name', { imagePullSecrets: ['Registry'] }, /imagePullSecrets\[0\]: 'Registry' is not a DNS-1123 subdomain \[MESH033\]/],
    ['an empty preStop command', { preStopCommand: [] }, /preStopCommand: needs a command \[MESH033\]/],
    ['a pod label value', { podLabels: { team: 'a b' } }, /podLabels\.team: .*\[MESH033\]/],
    ['an annotation key', { podAnnotations: { 'bad key': 'x' } }, /podAnnotations: 'bad key' is not a qualified name \[MESH033\]/],
  ])('%s', (_name, props, expected) => {
    const { app: a, chart } = meshChart();
    new MeshService(chart, 'svc', { image: 'img', ...(props as any) });
    expect(synthError(a)).toMatch(expected);
  });
});

test('a scratch volume of a fraction of a MiB fails at once, with its code (the limit is written in Mi)', () => {
  expect(() => WorkloadVolume.emptyDir('cache', { sizeLimit: Size.kibibytes(1) })).toThrow(
    /emptyDir cache: sizeLimit must be a whole number of mebibytes above 0, got 0\.0009765625Mi/,
  );
  expect(() => WorkloadVolume.emptyDir('cache', { sizeLimit: Size.kibibytes(1) })).toThrow(expect.objectContaining({ code: 'MESH022' }));
  expect(WorkloadVolume.emptyDir('cache', { sizeLimit: Size.gibibytes(1) }).source).toEqual({ kind: 'emptyDir', medium: undefined, sizeLimit: Size.gibibytes(1) });
});
