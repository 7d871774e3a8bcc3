// A request above its limit: the API server rejects the pod ("must be less than or equal to cpu limit
// of 50m", ValidateContainerResourceRequirements in k8s.io/kubernetes pkg/apis/core/validation/validation.go).
// The rule is written once over the manifests (src/validate/core.ts), defaults never exceed a given limit,
// and a request given above its limit fails at the construct.
import { Size } from 'cdk8s';
import { checkCoreObject, requestAboveLimitProblems } from '../../src/validate/core';
import { compareQuantities, parseQuantity } from '../../src/private/quantity';
import { Cpu, HardeningException, MeshService, VolumeClaim } from '../../src';
import { deployment } from '../validate/flow/fixtures';
import { find, meshChart, synth, synthError } from '../util';

const resources = (m: Record<string, any>, container = 0) => m.spec.template.spec.containers[container].resources;

describe('Kubernetes quantities', () => {
  test.each([
    ['100m', '0.1', 0], ['1', '1000m', 0], ['128Mi', '134217728', 0], ['1Gi', '1024Mi', 0], ['1.5', '1500m', 0],
    ['2e3', '2k', 0], ['1E-3', '1m', 0], ['64Mi', '128Mi', -1], ['129M', '123Mi', 1], ['500u', '1m', -1], [1, '999m', 1],
  ] as const)('%s against %s', (a, b, expected) => {
    expect(compareQuantities(parseQuantity(a)!, parseQuantity(b)!)).toBe(expected);
  });

  test.each(['', 'm', '1x', '1.2.3', 'Mi', '--1', null, {}])('%p is no quantity', (v) => {
    expect(parseQuantity(v)).toBeUndefined();
  });
});

describe('the manifest rule (MESH212)', () => {
  test('every container of a pod template, init containers included, is compared resource by resource', () => {
    const d = deployment('a', 'shop');
    d.spec.template.spec.containers[0].resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '50m', memory: '64Mi' } };
    d.spec.template.spec.initContainers = [{ name: 'init', image: 'x', resources: { requests: { cpu: '1' }, limits: { cpu: '1000m', memory: '1Gi' } } },
      { name: 'migrate', image: 'x', resources: { requests: { memory: '2Gi' }, limits: { memory: '1Gi' } } }];
    expect(checkCoreObject(d, [])!.map((f) => [f.code, f.field])).toEqual([
      ['MESH212', 'spec.template.spec.initContainers[1].resources.requests.memory'],
      ['MESH212', 'spec.template.spec.containers[0].resources.requests.cpu'],
      ['MESH212', 'spec.template.spec.containers[0].resources.requests.memory'],
    ]);
    expect(requestAboveLimitProblems(d)[1].message).toBe("container 'app': the request 100m must be less than or equal to the cpu limit of 50m");
  });

  test('a CronJob\'s and a Pod\'s containers too; a request without a limit is no problem', () => {
    const c = { name: 'c', image: 'x', resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } };
    const cron = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'j', namespace: 'n' },
      spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [c] } } } } } };
    expect(requestAboveLimitProblems(cron).map((f) => f.field)).toEqual(['spec.jobTemplate.spec.template.spec.containers[0].resources.requests.cpu']);
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [c, { name: 'd', image: 'x', resources: { requests: { cpu: '9' } } }] } };
    expect(requestAboveLimitProblems(pod).map((f) => f.field)).toEqual(['spec.containers[0].resources.requests.cpu']);
  });
});

describe('the library\'s defaults and the construct check', () => {
  test('a limit under the default request gets a request of the limit, the other resource its defaults', () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'api', { image: 'x/api:1', resources: { cpuLimit: Cpu.millis(50), memoryLimit: Size.mebibytes(64) } });
    new MeshService(chart, 'web', { image: 'x/web:1', resources: { cpuLimit: Cpu.millis(50) },
      containers: [{ name: 'exporter', image: 'x/exp:1', resources: { memoryLimit: Size.mebibytes(32) } }] });
    const out = synth(app);
    expect(resources(find(out, 'Deployment', 'api'))).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '50m', memory: '64Mi' } });
    expect(resources(find(out, 'Deployment', 'web'))).toEqual({ requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '50m', memory: '512Mi' } });
    expect(resources(find(out, 'Deployment', 'web'), 1)).toEqual({ requests: { cpu: '100m', memory: '32Mi' }, limits: { cpu: '500m', memory: '32Mi' } });
  });

  test('a version with a lower limit than the service\'s request gets its request clamped', () => {
    const { app, chart } = meshChart();
    const s = new MeshService(chart, 'api', { image: 'x/api:1', resources: { cpuRequest: Cpu.millis(300) } });
    s.addVersion({ name: 'v2', image: 'x/api:2', resources: { cpuLimit: Cpu.millis(200) } });
    expect(resources(find(synth(app), 'Deployment', 'api-v2')).requests.cpu).toBe('200m');
  });

  test.each([
    ['the service', { resources: { cpuRequest: Cpu.millis(600) } }, /\[test\/api\] resources\.cpuRequest \(600m\) is above resources\.cpuLimit \(500m\).*\[MESH212\]/],
    ['the service, memory', { resources: { memoryRequest: Size.mebibytes(256), memoryLimit: Size.mebibytes(128) } }, /resources\.memoryRequest \(256Mi\) is above resources\.memoryLimit \(128Mi\).*\[MESH212\]/],
    ['an extra container', { containers: [{ name: 'exp', image: 'x', resources: { cpuRequest: Cpu.millis(90), cpuLimit: Cpu.millis(10) } }] },
      /containers\[0\]\.resources\.cpuRequest \(90m\) is above containers\[0\]\.resources\.cpuLimit \(10m\).*\[MESH212\]/],
    ['an init container', { initContainers: [{ name: 'init', image: 'x', resources: { memoryRequest: Size.mebibytes(900) } }] },
      /initContainers\[0\]\.resources\.memoryRequest \(900Mi\) is above initContainers\[0\]\.resources\.memoryLimit \(512Mi\).*\[MESH212\]/],
  ])('a request given above its limit fails at the construct: %s', (_n, props, expected) => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'api', { image: 'x/api:1', ...props });
    expect(synthError(app)).toMatch(expected);
  });

  test('a request with no limit rendered (noCpuLimit) has no bound', () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'api', { image: 'x/api:1', resources: { cpuRequest: Cpu.millis(2000) },
      security: { exceptions: [HardeningException.noCpuLimit('a JVM sized by its request')] } });
    expect(resources(find(synth(app), 'Deployment', 'api'))).toEqual({ requests: { cpu: '2000m', memory: '128Mi' }, limits: { memory: '512Mi' } });
  });

  test('a version\'s request above its own limit fails at the construct', () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'api', { image: 'x/api:1' }).addVersion({ name: 'v2', image: 'x/api:2', resources: { cpuRequest: Cpu.millis(300), cpuLimit: Cpu.millis(200) } });
    expect(synthError(app)).toMatch(/addVersion\(v2\)\.resources\.cpuRequest \(300m\) is above addVersion\(v2\)\.resources\.cpuLimit \(200m\).*\[MESH212\]/);
  });

  test('a StatefulSet with a memory limit only under the default request renders a request the API server admits', () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'db', { image: 'redis:7.4', ports: [{ port: 6379, protocol: 'redis' }], resources: { memoryLimit: Size.mebibytes(100) },
      stateful: { volumeClaims: [VolumeClaim.of('data', { size: Size.gibibytes(1) })] }, mounts: [{ volume: 'data', path: '/data' }] });
    expect(resources(find(synth(app), 'StatefulSet', 'db')).requests.memory).toBe('100Mi');
  });
});
