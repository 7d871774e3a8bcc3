import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The layers of DESIGN.md, read from the source: only the renderers (*.render.ts) build
 * objects from the generated types of imports/, and only src/workload/ uses cdk8s-plus-27,
 * so that a new Istio or cdk8s-plus version is a change in one place.
 */
import { SRC, tsFilesUnder as sourceFiles } from './source';

/** The files of src/ (relative, `/`-separated) whose imports match `pattern`. */
function importing(pattern: RegExp): string[] {
  return sourceFiles(SRC)
    .filter((f) => fs.readFileSync(f, 'utf8').split('\n').some((l) => /^\s*(import|export)\b.*\bfrom\s+'/.test(l) && pattern.test(l)))
    .map((f) => path.relative(SRC, f).split(path.sep).join('/'))
    .sort();
}

describe('layers', () => {
  test('only the renderers (*.render.ts, beside their constructs) import the generated types of imports/', () => {
    const files = importing(/from\s+'(\.\.\/)+imports\//);
    expect(files.length).toBeGreaterThan(5);
    expect(files.filter((f) => !f.endsWith('.render.ts'))).toEqual([]);
  });

  test('only src/workload/ imports cdk8s-plus-27', () => {
    const files = importing(/from\s+'cdk8s-plus-27'/);
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((f) => !f.startsWith('workload/'))).toEqual([]);
  });

  test('the vocabulary (src/core/) imports no construct, view, renderer or check', () => {
    const files = sourceFiles(path.join(SRC, 'core')).filter((f) => /from\s+'\.\.\/(graph|views|workload|validate|review|synth|app|platform)\//.test(fs.readFileSync(f, 'utf8')));
    expect(files).toEqual([]);
  });
});
