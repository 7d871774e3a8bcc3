import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { MeshService } from '../../src';
import { find, meshChart, synth } from '../util';

describe('a synth renders each workload once', () => {
  // The spy on the shared prototype must not outlive the suite: workers of the shared project run other suites after it.
  afterEach(() => jest.restoreAllMocks());

  afterEach(() => jest.restoreAllMocks());

  test('the hardening check and the synth check read one rendering of the Deployment', () => {
    // GIVEN a chart with one service
    const { app, chart } = meshChart();
    new MeshService(chart, 'web', { image: 'registry.example.com/web:1.0.0' });
    const toKube = jest.spyOn(kplus.Deployment.prototype, '_toKube');
    // WHEN the app is synthesized
    const manifests = synth(app);
    // THEN the Deployment was serialized once, and written as rendered
    expect(toKube).toHaveBeenCalledTimes(1);
    expect(find(manifests, 'Deployment', 'web').spec.template.spec.containers[0].image).toBe('registry.example.com/web:1.0.0');
  });

  test('a change made between two synths shows in the second: nothing is kept past a synth', () => {
    // GIVEN an app synthesized once
    const { app, chart } = meshChart();
    const web = new MeshService(chart, 'web', { image: 'registry.example.com/web:1.0.0' });
    synth(app);
    // WHEN the Deployment is patched afterwards
    const deployment = web.node.findAll().find((c) => ApiObject.isApiObject(c) && (c as ApiObject).kind === 'Deployment') as ApiObject;
    deployment.addJsonPatch(JsonPatch.add('/metadata/annotations', { 'example.com/patched': 'yes' }));
    // THEN the next synth renders it afresh
    expect(find(synth(app), 'Deployment', 'web').metadata.annotations).toEqual({ 'example.com/patched': 'yes' });
    expect(deployment.toJson().metadata.annotations).toEqual({ 'example.com/patched': 'yes' });
  });
});
