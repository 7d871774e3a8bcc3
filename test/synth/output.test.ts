import { ApiObject } from 'cdk8s';
import * as yaml from 'yaml';
import { MeshSynthError } from '../../src';
import { toYaml } from '../../src/synth/output';
import { meshChart } from '../util';

describe('toYaml', () => {
  test("quotes a lone `.` (Istio's exportTo of the own namespace) as a key's value and as an item, which YAML 1.1 reads as a number", () => {
    const text = toYaml({ spec: { exportTo: ['.'], host: '.', note: 'a . b', path: '/a/.', dots: '..' } });
    expect(text).toBe('spec:\n  exportTo:\n    - "."\n  host: "."\n  note: a . b\n  path: /a/.\n  dots: ..\n');
    // the `yaml` package's YAML 1.1 schema, as kubectl's reader: every value reads back as the string written
    expect(yaml.parse(text, { version: '1.1' })).toEqual({ spec: { exportTo: ['.'], host: '.', note: 'a . b', path: '/a/.', dots: '..' } });
  });

  test('leaves a text without a lone `.` as js-yaml writes it', () => {
    expect(toYaml({ metadata: { name: 'a', labels: { 'app.kubernetes.io/name': 'a.b' } } })).toBe(
      'metadata:\n  name: a\n  labels:\n    app.kubernetes.io/name: a.b\n',
    );
  });
});

describe('two objects of one folder whose file names are one', () => {
  test('MESH018 as a synth error naming both constructs: a name with a dot equals the file name of an object of another namespace', () => {
    const { app, chart } = meshChart();
    new ApiObject(chart, 'dotted', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'prod.cfg', namespace: 'production' } });
    new ApiObject(chart, 'other-namespace', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'prod' } });
    let err: unknown;
    try { app.manifests(); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(MeshSynthError);
    expect((err as MeshSynthError).problems).toEqual([
      '[test/other-namespace] ConfigMap prod/cfg: metadata.name: written to test/configmap.prod.cfg.yaml, as ConfigMap production/prod.cfg '
      + 'is (test/dotted): a name with a dot may equal the file name of an object of another namespace (<kind>.<namespace>.<name>.yaml); '
      + 'rename one [MESH018]',
    ]);
  });
});
