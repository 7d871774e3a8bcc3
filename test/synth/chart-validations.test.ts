import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiObject, Chart, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { MeshApp, MeshChart } from '../../src';
import { synthError } from '../util';

/*
 * MeshApp validates the constructs chart by chart as it renders the charts (synth/mesh-app.ts ConstructValidations),
 * so that a large app's worker checks the first chart's objects while the next chart is validated; what a synth
 * reports and writes is what validating everything first gives.
 */

/** A construct whose validation reports `message` (none: no problem) and runs `seen` when it runs. */
function validated(scope: Construct, id: string, message?: string, seen?: () => void): Construct {
  const c = new Construct(scope, id);
  c.node.addValidation({ validate: () => (seen?.(), message ? [`${message} [MESH001]`] : []) });
  return c;
}

/** A ConfigMap whose data is produced as it renders, running `rendered` then. */
function rendering(scope: Construct, id: string, rendered: () => void): ApiObject {
  return new ApiObject(scope, id, {
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: id }, data: { at: Lazy.any({ produce: () => (rendered(), 'rendered') }) },
  });
}

describe('the constructs are validated chart by chart as the charts render', () => {
  test('a chart renders before the next chart is validated', () => {
    // GIVEN two environments; the first's ConfigMap and the second's construct say when they render and validate
    const app = new MeshApp({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'chart-validations-')) });
    const events: string[] = [];
    rendering(new MeshChart(app, 'staging', { namespace: 'staging' }), 'config', () => events.push('staging rendered'));
    validated(new MeshChart(app, 'production', { namespace: 'production' }), 'check', undefined, () => events.push('production validated'));
    // WHEN the app is synthesized
    app.manifests();
    // THEN the first environment was rendered before the second was validated
    expect(events).toEqual(['staging rendered', 'production validated']);
  });

  test('an error of a later chart fails the synth with every construct error, in the tree\'s order, and nothing is rendered after it', () => {
    // GIVEN errors in the second environment and in the third, and a ConfigMap in each environment
    const app = new MeshApp({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'chart-validations-')) });
    const rendered: string[] = [];
    for (const env of ['staging', 'production', 'canary']) {
      const chart = new MeshChart(app, env, { namespace: env });
      rendering(chart, 'config', () => rendered.push(env));
      if (env !== 'staging') validated(chart, 'check', `${env} is wrong`);
    }
    // WHEN the app is synthesized
    const message = synthError(app);
    // THEN synth fails with both errors, in the tree's order
    const lines = message.split('\n').slice(1).map((l) => l.trim());
    expect(lines).toEqual(['[production/check] production is wrong [MESH001]', '[canary/check] canary is wrong [MESH001]']);
    // AND only the chart before the first error rendered
    expect(rendered).toEqual(['staging']);
  });

  test('an error thrown while rendering a valid chart gives way to a later chart\'s construct error, and is thrown where there is none', () => {
    // GIVEN a first chart whose object cannot render, and a second chart with a construct error
    const build = (withError: boolean) => {
      const app = new MeshApp({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'chart-validations-')) });
      rendering(new MeshChart(app, 'staging', { namespace: 'staging' }), 'config', () => {
        throw new Error('the producer failed');
      });
      validated(new MeshChart(app, 'production', { namespace: 'production' }), 'check', withError ? 'production is wrong' : undefined);
      return app;
    };
    // THEN the construct error is reported
    expect(synthError(build(true))).toContain('[production/check] production is wrong [MESH001]');
    // AND without it, the rendering error is thrown, as cdk8s gives it
    expect(() => build(false).manifests()).toThrow(/Failed serializing construct at path 'staging\/config'.*the producer failed/);
  });

  test('a construct under no chart is validated before the first chart renders, and listed in the tree\'s order', () => {
    // GIVEN an error in a plain chart and one under the app itself, added after it
    const app = new MeshApp({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'chart-validations-')) });
    const rendered: string[] = [];
    const plain = new Chart(app, 'plain');
    rendering(plain, 'config', () => rendered.push('plain'));
    validated(plain, 'check', 'the plain chart is wrong');
    validated(app, 'root-check', 'the app is wrong');
    // THEN synth and validateAll list both, in the tree's order, and nothing rendered
    const expected = /\[plain\/check\] the plain chart is wrong \[MESH001\]\n\s+\[root-check\] the app is wrong \[MESH001\]/;
    expect(synthError(app)).toMatch(expected);
    expect(() => app.validateAll()).toThrow(expected);
    expect(rendered).toEqual([]);
  });
});
