import { BlueGreenRelease, BlueGreenReleaseProps, MeshService } from '../../../src';
import { find, meshChart, synth, synthError } from '../../util';

function setup(props: Partial<BlueGreenReleaseProps> = {}) {
  const { app, chart } = meshChart();
  const service = new MeshService(chart, 'order-service', { image: 'order:1' });
  new BlueGreenRelease(chart, 'order-bg', { service, image: 'order:2', active: 'green', ...props });
  return { app, service };
}

describe('BlueGreenRelease', () => {
  test('default output', () => {
    const m = synth(setup().app);
    expect([find(m, 'VirtualService', 'order-service'), find(m, 'DestinationRule', 'order-service')]).toMatchSnapshot();
  });

  test('seed 001: blue and green subsets by the deployment label, 100% to green', () => {
    const m = synth(setup().app);
    const subsets = find(m, 'DestinationRule', 'order-service').spec.subsets;
    expect(subsets).toEqual(expect.arrayContaining([
      { name: 'blue', labels: { deployment: 'blue' } },
      { name: 'green', labels: { deployment: 'green' } },
    ]));
    expect(find(m, 'VirtualService', 'order-service').spec.http.map((h: any) => h.route)).toEqual([
      [{ destination: { host: 'order-service', subset: 'green' }, weight: 100 }],
    ]);
  });

  test('each Deployment carries its color on its pods, not in its selector', () => {
    const m = synth(setup().app);
    const blue = find(m, 'Deployment', 'order-service');
    const green = find(m, 'Deployment', 'order-service-v2');
    expect(blue.spec.template.metadata.labels).toMatchObject({ deployment: 'blue', version: 'v1' });
    expect(green.spec.template.metadata.labels).toMatchObject({ deployment: 'green', version: 'v2' });
    expect(blue.metadata.labels.deployment).toBe('blue');
    expect(green.spec.selector.matchLabels).toEqual({ app: 'order-service', version: 'v2' });
    expect(green.spec.template.spec.containers[0].image).toBe('order:2');
  });

  test('switching back is one prop; the label key is a prop', () => {
    const m = synth(setup({ active: 'blue', label: 'slot', version: 'v7', replicas: 4 }).app);
    expect(find(m, 'VirtualService', 'order-service').spec.http[0].route).toEqual([{ destination: { host: 'order-service', subset: 'blue' }, weight: 100 }]);
    expect(find(m, 'DestinationRule', 'order-service').spec.subsets).toEqual(expect.arrayContaining([{ name: 'blue', labels: { slot: 'blue' } }]));
    expect(find(m, 'Deployment', 'order-service-v7').spec.replicas).toBe(4);
  });

  test('validation: green of blue\'s own version, a bad label key', () => {
    expect(synthError(setup({ version: 'v1' }).app)).toMatch(/\[test\/order-bg\] version: green's version 'v1' is blue's own version \[MESH303\]/);
    expect(synthError(setup({ label: 'bad key' }).app)).toMatch(/\[test\/order-bg\] label: 'bad key' is not a Kubernetes label key \[MESH001\]/);
  });
});
