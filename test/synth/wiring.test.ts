import { App, Testing } from 'cdk8s';
import { Codes, MeshApp, MeshChart, MeshError, MeshService, MeshSynthError } from '../../src';
import { freshCopy } from '../setup/compiled';

describe('the synth layer wires the checks into every MeshChart', () => {
  test('a MeshChart under a plain App registers the synth check on the app (the package entry loads the wiring)', () => {
    // GIVEN a plain cdk8s App with a MeshChart, and a service whose subset no version carries
    const app = new App({ outdir: Testing.app().outdir });
    const chart = new MeshChart(app, 'dev', { namespace: 'dev' });
    const svc = new MeshService(chart, 'web', { image: 'registry.example.com/web:1.0.0' });
    svc.traffic.addSubset(svc, { name: 'experimental', labels: { version: 'v9' } });
    // THEN the app's own validations include the check over the rendered manifests
    const problems = app.node.findAll().flatMap((c) => c.node.validate());
    expect(problems.join('\n')).toMatch(/\[MESH\d+\]/);
  });

  test('a MeshChart made from the graph module alone, with no synth check registered, fails loudly (MESH690)', () => {
    // GIVEN the graph's MeshChart loaded without the package entry (so nothing registered the check)
    const [{ MeshChart: Bare }, { MeshError: BareError }] = freshCopy('src/graph/mesh-chart', 'src/core/errors') as [
      typeof import('../../src/graph/mesh-chart'), typeof import('../../src/core/errors'),
    ];
    let error: unknown;
    try {
      new Bare(new App(), 'dev', { namespace: 'dev' });
    } catch (e) {
      error = e;
    }
    // THEN it throws instead of creating a chart whose manifests nothing checks
    expect(error).toBeInstanceOf(BareError);
    expect((error as MeshError).code).toBe(Codes.SYNTH_FAILED);
    expect((error as MeshError).message).toMatch(/^dev: no synth check is registered for MeshCharts/);
  });

  test('MeshSynthError is a MeshError with code MESH690; its message is the heading and one line per problem', () => {
    // GIVEN an app with two services of one name in one chart
    const app = new MeshApp({ outdir: Testing.app().outdir });
    const chart = new MeshChart(app, 'dev', { namespace: 'dev' });
    new MeshService(chart, 'web', { image: 'registry.example.com/web:1.0.0' });
    new MeshService(chart, 'web2', { image: 'registry.example.com/web:1.0.0', name: 'web' });
    let error: unknown;
    try {
      app.manifests();
    } catch (e) {
      error = e;
    }
    // THEN synth fails with a coded error whose lines keep their own codes
    expect(error).toBeInstanceOf(MeshSynthError);
    expect(error).toBeInstanceOf(MeshError);
    expect((error as MeshSynthError).code).toBe(Codes.SYNTH_FAILED);
    const lines = (error as MeshSynthError).message.split('\n');
    expect(lines[0]).toMatch(/^Validation failed with the following errors \(\d+; nothing was written\):$/);
    expect((error as MeshSynthError).problems.length).toBe(lines.length - 1);
    expect(lines.slice(1).every((l) => /\[MESH\d+\]/.test(l))).toBe(true);
    // and Node's report of the uncaught error (util.inspect: the stack, then the own enumerable properties) lists each problem once
    const printed = require('node:util').inspect(error);
    expect(lines.slice(1).every((l) => printed.split(l.trim()).length === 2)).toBe(true);
    // with no stack trace and no dump of its properties after the lines (the code is still read from the error)
    expect(printed).not.toMatch(/\n\s+at |code:|detail:/);
    expect(printed).toMatch(/^\[?Validation failed/);
  });
});
