import { ApiObject, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  Cidr, Cpu, HardeningException, HealthProbe, HighAvailability, MeshService, MtlsMode, SeccompProfile, ServiceSecurity, ServiceType, Toleration,
} from '../../src';
import { find, meshChart, synth, synthError } from '../util';

const spec = (out: Record<string, any>[], name: string) => find(out, 'Deployment', name).spec.template.spec;

describe('the whole pod', () => {
  test('native sidecar containers: init containers with restartPolicy Always, first, with their own probes and security', () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'svc', {
      image: 'img',
      initContainers: [{ name: 'migrate', image: 'migrate:1', command: ['migrate', 'up'] }],
      sidecarContainers: [{
        name: 'log-shipper', image: 'fluent-bit:3.0', ports: [{ number: 2020, name: 'http-monitor' }],
        probes: { readiness: HealthProbe.http('/api/v1/health'), startup: HealthProbe.tcp({ failureThreshold: 10 }) },
        security: { runAsUser: 2000 }, resources: { cpuLimit: Cpu.millis(200) },
      }],
    });
    const pod = spec(synth(app), 'svc');
    // https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/: regular init containers start once the sidecars have.
    expect(pod.initContainers.map((c: any) => [c.name, c.restartPolicy])).toEqual([['log-shipper', 'Always'], ['migrate', undefined]]);
    expect(pod.initContainers[0]).toMatchObject({
      readinessProbe: { failureThreshold: 3, httpGet: { path: '/api/v1/health', port: 2020, scheme: 'HTTP' } },
      startupProbe: { failureThreshold: 10, tcpSocket: { port: 2020 } },
      securityContext: { runAsUser: 2000, runAsNonRoot: true, readOnlyRootFilesystem: true },
      resources: { limits: { cpu: '200m', memory: '512Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
      ports: [{ containerPort: 2020, name: 'http-monitor' }],
    });
    expect(pod.initContainers[1]).not.toHaveProperty('readinessProbe');
  });

  test('scheduling: nodeSelector, tolerations, node and pod (anti-)affinity, topology spread, priority class', () => {
    const { app, chart } = meshChart();
    const svc = new MeshService(chart, 'svc', {
      image: 'img',
      nodeSelector: { 'kubernetes.io/arch': 'arm64' },
      tolerations: [Toleration.equal('dedicated', 'payments', { effect: 'NoSchedule' }), Toleration.exists('node.kubernetes.io/unreachable', { effect: 'NoExecute', tolerationSeconds: Duration.seconds(30) })],
      affinity: {
        requiredNodeTerms: [[{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['eu-west-1a', 'eu-west-1b'] }]],
        preferredNodeTerms: [{ weight: 50, requirements: [{ key: 'node.example.com/ssd', operator: 'Exists' }] }],
        podAntiAffinity: [{ topologyKey: 'kubernetes.io/hostname' }, { topologyKey: 'topology.kubernetes.io/zone', weight: 10 }],
      },
      topologySpread: [{ topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule' }],
      priorityClassName: 'business-critical',
    });
    // HighAvailability spreads over zones too: the service's own spread of that key wins.
    new HighAvailability(chart, 'ha', { service: svc, minAvailable: 1 });
    const pod = spec(synth(app), 'svc');
    expect(pod.nodeSelector).toEqual({ 'kubernetes.io/arch': 'arm64' });
    expect(pod.tolerations).toEqual([
      { key: 'dedicated', operator: 'Equal', value: 'payments', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 },
    ]);
    expect(pod.affinity).toEqual({
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['eu-west-1a', 'eu-west-1b'] }] }] },
        preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, preference: { matchExpressions: [{ key: 'node.example.com/ssd', operator: 'Exists' }] } }],
      },
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'svc', version: 'v1' } } }],
        preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: { topologyKey: 'topology.kubernetes.io/zone', labelSelector: { matchLabels: { app: 'svc', version: 'v1' } } } }],
      },
    });
    expect(pod.topologySpreadConstraints).toEqual([
      { topologyKey: 'topology.kubernetes.io/zone', maxSkew: 1, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'svc', version: 'v1' } } },
    ]);
    expect(pod.priorityClassName).toBe('business-critical');
  });

  test('the pod-wide user, group, fsGroup and seccomp profile; a container over them', () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'svc', {
      image: 'img',
      podSecurity: { runAsUser: 1001, runAsGroup: 0, fsGroup: 0, seccompProfile: SeccompProfile.localhost('profiles/svc.json') },
      security: { runAsUser: 1002 },
    });
    const pod = spec(synth(app), 'svc');
    expect(pod.securityContext).toMatchObject({ runAsUser: 1001, runAsGroup: 0, fsGroup: 0, seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/svc.json' } });
    expect(pod.containers[0].securityContext).toMatchObject({ runAsUser: 1002, runAsGroup: 0 });
  });

  test('root for an entrypoint that chowns then steps down: root and each capability an exception of the app container alone', () => {
    // The Sock Shop's rabbitmq (microservices-demo deploy/kubernetes/manifests/19-rabbitmq-dep.yaml) keeps the image's root
    // entrypoint, which chowns /var/lib/rabbitmq and `exec gosu rabbitmq` (docker-library/rabbitmq docker-entrypoint.sh): it adds
    // CHOWN, SETGID, SETUID and DAC_OVERRIDE to a dropped set.
    const { app, chart } = meshChart();
    new MeshService(chart, 'rabbitmq', {
      image: 'rabbitmq:3.6.8-management',
      ports: [{ port: 5672, protocol: 'tcp', name: 'tcp-amqp' }],
      security: {
        exceptions: [
          HardeningException.runAsRoot('the entrypoint chowns /var/lib/rabbitmq as root, then gosu steps down to rabbitmq'),
          HardeningException.addCapabilities(['CHOWN', 'DAC_OVERRIDE', 'SETGID', 'SETUID'], 'chown of the data directory and gosu\'s setuid/setgid to rabbitmq'),
        ],
      },
    });
    const d = find(synth(app), 'Deployment', 'rabbitmq');
    const pod = d.spec.template.spec;
    expect(pod.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false, capabilities: { add: ['CHOWN', 'DAC_OVERRIDE', 'SETGID', 'SETUID'], drop: ['ALL'] }, privileged: false,
      readOnlyRootFilesystem: true, runAsGroup: 0, runAsNonRoot: false, runAsUser: 0,
    });
    // The pod stays non-root for every other container. Istio's injected containers carry their own securityContext, which
    // wins over the pod's: istio-proxy runs as 1337 with ALL dropped and a read-only root, istio-init as root with NET_ADMIN and
    // NET_RAW (istio/istio 1.24.6 manifests/charts/istio-control/istio-discovery/files/injection-template.yaml), so the
    // injector neither needs nor gets anything of the app container's exceptions, and a root app still gets its sidecar.
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
    expect(Object.keys(d.spec.template.metadata.annotations).sort()).toEqual([
      'mesh.cdk8s.io/hardening.app.capabilities.CHOWN', 'mesh.cdk8s.io/hardening.app.capabilities.DAC_OVERRIDE',
      'mesh.cdk8s.io/hardening.app.capabilities.SETGID', 'mesh.cdk8s.io/hardening.app.capabilities.SETUID', 'mesh.cdk8s.io/hardening.app.runAsNonRoot',
    ]);
    expect(d.spec.template.metadata.labels).not.toHaveProperty('sidecar.istio.io/inject');
  });

  test('each exception loosens its field only, with its annotation; the rendered pod passes the check', () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'svc', {
      image: 'img',
      security: {
        exceptions: [
          HardeningException.writableRootFilesystem('the vendor image writes its state under /var/lib/vendor'),
          HardeningException.unconfinedSeccomp('uses io_uring, which RuntimeDefault blocks'),
          HardeningException.noMemoryLimit('sizes its page cache from the node'),
        ],
      },
      containers: [{ name: 'helper', image: 'helper:1', security: { seccompProfile: SeccompProfile.localhost('profiles/helper.json') } }],
    });
    const d = find(synth(app), 'Deployment', 'svc');
    const [main, helper] = d.spec.template.spec.containers;
    expect(main.securityContext).toMatchObject({ readOnlyRootFilesystem: false, seccompProfile: { type: 'Unconfined' }, allowPrivilegeEscalation: false, runAsNonRoot: true });
    expect(main.resources).toEqual({ limits: { cpu: '500m' }, requests: { cpu: '100m', memory: '128Mi' } });
    expect(helper.securityContext).toMatchObject({ readOnlyRootFilesystem: true, seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/helper.json' } });
    expect(d.spec.template.metadata.annotations).toEqual({
      'mesh.cdk8s.io/hardening.app.readOnlyRootFilesystem': 'the vendor image writes its state under /var/lib/vendor',
      'mesh.cdk8s.io/hardening.app.seccompProfile': 'uses io_uring, which RuntimeDefault blocks',
      'mesh.cdk8s.io/hardening.app.resources.limits.memory': 'sizes its page cache from the node',
    });
  });

  test('service.workload is the cdk8s-plus workload, for the rare escape hatch, still checked by MESH208', () => {
    const { app, chart } = meshChart();
    const svc = new MeshService(chart, 'svc', { image: 'img' });
    expect(svc.workload).toBeInstanceOf(kplus.Deployment);
    svc.workload.podMetadata.addAnnotation('example.com/owner', 'team-a');
    expect(find(synth(app), 'Deployment', 'svc').spec.template.metadata.annotations).toEqual({ 'example.com/owner': 'team-a' });
    ApiObject.of(svc.workload).addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/securityContext/capabilities/add', ['NET_ADMIN']));
    expect(synthError(app)).toMatch(/\[test\/svc\/Deployment\] containers\[app\]\.securityContext\.capabilities\.add: NET_ADMIN must not be added.*\[MESH208\]/);
  });

  test.each([
    ['a toleration delay without NoExecute', { tolerations: [Toleration.exists('k', { tolerationSeconds: Duration.seconds(5) })] }, /tolerations\[0\]\.tolerationSeconds: applies only to the NoExecute effect \[MESH048\]/],
    ['In without values', { affinity: { requiredNodeTerms: [[{ key: 'zone', operator: 'In' as const }]] } }, /affinity\.requiredNodeTerms\[0\]\[0\]\.values: In needs at least one value \[MESH048\]/],
    ['a weight over 100', { affinity: { podAntiAffinity: [{ topologyKey: 'kubernetes.io/hostname', weight: 101 }] } }, /affinity\.podAntiAffinity\[0\]\.weight: must be a whole number from 1 to 100, got 101 \[MESH048\]/],
    ['a priority class that is no name', { priorityClassName: 'High Priority' }, /priorityClassName: 'High Priority' is not a DNS-1123 subdomain \[MESH048\]/],
    ['a container named app', { containers: [{ name: 'app', image: 'x' }] }, /containers\[0\]\.name: 'app' is taken \[MESH033\]/],
    ['a container name too long for its exceptions', {
      containers: [{ name: 'a-very-long-container-name-for-a-sidecar', image: 'x', security: { exceptions: [] } }],
      sidecarContainers: [{ name: 'another-rather-long-sidecar-container', image: 'x', security: { exceptions: [HardeningException.addCapabilities(['NET_BIND_SERVICE'], 'binds 80')] } }],
    }, /sidecarContainers\[0\]\.security\.exceptions: the annotation 'hardening\.another-rather-long-sidecar-container\.capabilities\.NET_BIND_SERVICE' is over 63 characters.*\[MESH040\]/],
  ])('%s', (_name, props, expected) => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'svc', { image: 'img', ...(props as object) });
    expect(synthError(app)).toMatch(expected);
  });
});

describe('the Service as users need it', () => {
  test('types, annotations and extra labels', () => {
    const { app, chart } = meshChart();
    const web = new MeshService(chart, 'web', {
      image: 'img',
      service: {
        type: ServiceType.loadBalancer([Cidr.of('203.0.113.0/24')]),
        annotations: { 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' },
        labels: { team: 'storefront', app: 'overridden' },
      },
    });
    // Clients outside the mesh send plaintext: the port must accept it.
    ServiceSecurity.of(web).setMtls(MtlsMode.strict(), { portLevelMtls: { 8080: MtlsMode.permissive() } });
    const admin = new MeshService(chart, 'admin', { image: 'img', service: { type: ServiceType.nodePort({ 80: 30080 }) } });
    ServiceSecurity.of(admin).setMtls(MtlsMode.permissive());
    const out = synth(app);
    expect(find(out, 'Service', 'web')).toMatchObject({
      metadata: { annotations: { 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' }, labels: { team: 'storefront', app: 'web' } },
      spec: { type: 'LoadBalancer', loadBalancerSourceRanges: ['203.0.113.0/24'] },
    });
    expect(find(out, 'Service', 'admin').spec).toMatchObject({ type: 'NodePort', ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }] });
  });

  test('an external Service in front of STRICT mTLS, a node port out of range, the exportTo annotation by hand', () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'web', { image: 'img', service: { type: ServiceType.nodePort({ 80: 8080 }), annotations: { 'networking.istio.io/exportTo': '.' } } });
    const err = synthError(app);
    expect(err).toContain('[test/web] service.annotations.networking.istio.io/exportTo: set it with the exportTo prop [MESH046]');
    expect(err).toContain('[test/web] service.type.nodePorts.80: 8080 is outside the node port range 30000-32767 [MESH046]');
    expect(err).toMatch(/\[test\/web\] service\.type: a NodePort Service lets clients outside the mesh reach port 80, and their plaintext is refused by STRICT mTLS on container port 8080.*\[MESH046\]/);
  });
});
