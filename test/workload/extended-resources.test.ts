// Extended resources (a device plugin's nvidia.com/gpu): whole numbers, written as the container's limits, which Kubernetes
// takes as its requests too (https://kubernetes.io/docs/tasks/manage-gpus/scheduling-gpus/;
// https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#extended-resources).
import { Size } from 'cdk8s';
import { Cpu, ExtendedResource, MeshError, MeshService, Toleration } from '../../src';
import { find, meshChart, synth, synthError } from '../util';

const GPU = ExtendedResource.of('nvidia.com/gpu', 1);

describe('extended resources', () => {
  test("a GPU worker's application container gets the device as its limit; its init containers do not, a version inherits it", () => {
    // GIVEN a queue worker on a tainted GPU pool asking for one GPU, with an init container and a second version
    const { app, chart } = meshChart();
    const worker = new MeshService(chart, 'transcoder', {
      image: 'registry.example.com/transcoder:1.0.0',
      ports: [],
      nodeSelector: { 'cloud.example.com/pool': 'gpu' },
      tolerations: [Toleration.exists('nvidia.com/gpu', { effect: 'NoSchedule' })],
      resources: { cpuRequest: Cpu.units(2), cpuLimit: Cpu.units(4), memoryLimit: Size.gibibytes(8), extended: [GPU] },
      initContainers: [{ name: 'fetch-models', image: 'registry.example.com/models:1' }],
      containers: [{ name: 'encoder', image: 'registry.example.com/encoder:1', resources: { extended: [ExtendedResource.of('amd.com/gpu', 2)] } }],
    });
    worker.addVersion({ name: 'v2', image: 'registry.example.com/transcoder:2.0.0' });
    // WHEN synthesized
    const m = synth(app);
    // THEN the application container's limits carry it beside CPU and memory (no request: Kubernetes takes the limit)
    const pod = find(m, 'Deployment', 'transcoder').spec.template.spec;
    expect(pod.containers[0].resources).toEqual({
      limits: { 'cpu': '4', 'memory': '8192Mi', 'nvidia.com/gpu': 1 },
      requests: { cpu: '2', memory: '128Mi' },
    });
    // AND a container beside it has its own, and the init container none
    expect(pod.containers[1].resources.limits).toMatchObject({ 'amd.com/gpu': 2 });
    expect(pod.containers[1].resources.limits['nvidia.com/gpu']).toBeUndefined();
    expect(pod.initContainers[0].resources.limits['nvidia.com/gpu']).toBeUndefined();
    // AND the version's Deployment has the service's
    expect(find(m, 'Deployment', 'transcoder-v2').spec.template.spec.containers[0].resources.limits['nvidia.com/gpu']).toBe(1);
  });

  test('a service without extended resources writes only CPU and memory', () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'web', { image: 'web:1' });
    expect(Object.keys(find(synth(app), 'Deployment', 'web').spec.template.spec.containers[0].resources.limits)).toEqual(['cpu', 'memory']);
  });

  test.each([
    ['gpu', 1, 'must be a fully qualified name'],
    ['kubernetes.io/gpu', 1, 'kubernetes.io domain'],
    ['example.kubernetes.io/gpu', 1, 'kubernetes.io domain'],
    ['requests.example.com/gpu', 1, 'the requests. prefix'],
    ['nvidia.com/gpu/x', 1, 'must be a fully qualified name'],
    ['nvidia.com/', 1, 'must be a fully qualified name'],
    ['nvidia.com/gpu', 0, 'a whole number above 0, got 0'],
    ['nvidia.com/gpu', 0.5, 'a whole number above 0, got 0.5'],
  ])('ExtendedResource.of(%p, %p) is refused (MESH220)', (name, count, message) => {
    let error: unknown;
    try { ExtendedResource.of(name, count); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(MeshError);
    expect((error as MeshError).code).toBe('MESH220');
    expect((error as Error).message).toContain(message);
  });

  test('a resource given twice to one container fails synth naming the field', () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'transcoder', { image: 'transcoder:1', ports: [], resources: { extended: [GPU, ExtendedResource.of('nvidia.com/gpu', 2)] } });
    expect(synthError(app)).toContain('resources.extended[1]: nvidia.com/gpu is given twice [MESH220]');
  });
});
