import * as yaml from 'yaml';
import { toYaml } from '../../src/synth/output';

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
