import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import * as api from '../../src';

import { ROOT, tsFilesUnder as tsFiles } from './source';

const INDEX = path.join(ROOT, 'src', 'index.ts');

/** The import declarations of a file, with the file each one resolves to (relative ones only). */
function relativeImports(file: string): { target: string; names: string[]; line: number }[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  return source.statements.filter(ts.isImportDeclaration).flatMap((d) => {
    const spec = (d.moduleSpecifier as ts.StringLiteral).text;
    if (!spec.startsWith('.')) return [];
    const bindings = d.importClause?.namedBindings;
    const names = bindings && ts.isNamedImports(bindings) ? bindings.elements.map((e) => (e.propertyName ?? e.name).text) : ['*'];
    const target = path.relative(ROOT, path.resolve(path.dirname(file), spec)).split(path.sep).join('/');
    return [{ target, names, line: source.getLineAndCharacterOfPosition(d.getStart()).line + 1 }];
  });
}

/** The names src/index.ts exports, values and types, as it lists them. */
function indexExports(): { values: string[]; types: string[] } {
  const source = ts.createSourceFile(INDEX, fs.readFileSync(INDEX, 'utf8'), ts.ScriptTarget.Latest, true);
  const values: string[] = [];
  const types: string[] = [];
  for (const d of source.statements.filter(ts.isExportDeclaration)) {
    if (!d.exportClause || !ts.isNamedExports(d.exportClause)) continue;
    for (const e of d.exportClause.elements) (d.isTypeOnly || e.isTypeOnly ? types : values).push(e.name.text);
  }
  return { values, types };
}

describe('the public API (src/index.ts)', () => {
  test('names every export: no `export *`, so a new module adds nothing to the surface by accident', () => {
    const source = ts.createSourceFile(INDEX, fs.readFileSync(INDEX, 'utf8'), ts.ScriptTarget.Latest, true);
    const star = source.statements.filter((d) => ts.isExportDeclaration(d) && !d.exportClause).map((d) => d.getText());
    expect(star).toEqual([]);
    expect(indexExports().values.length).toBeGreaterThan(50);
  });

  test('every value it lists exists at runtime (a type listed as a value would be undefined)', () => {
    const { values } = indexExports();
    expect(values.filter((n) => (api as Record<string, unknown>)[n] === undefined)).toEqual([]);
    // and nothing reaches the entry point that the list does not name
    expect(Object.keys(api).filter((n) => !values.includes(n))).toEqual([]);
  });

  test('the helpers the constructs and checks share are not part of it', () => {
    const exported = new Set([...indexExports().values, ...indexExports().types, ...Object.keys(api)]);
    const helpers = [
      'compare', 'titleCase', 'millisText', 'policyProblems', 'renderRule', 'WEEKLY_MONDAY_10_JST', 'toIstioDuration', 'formatProblem',
      'finding', 'analyze', 'checkWebhook', 'AnalysisView', 'ClusterModel', 'MeshSynthCheck', 'FlowCluster', 'promqlProblem', 'podHardeningProblems',
      'writeTree', 'toYaml', 'resourcesOf', 'describe', 'ISTIO_PARITY', 'CLUSTER_FOLDER', 'YamlReadError',
    ];
    expect(helpers.filter((n) => exported.has(n))).toEqual([]);
  });

  test('the example app (src/app, src/main.ts) uses the package entry only, as another team would', () => {
    const app = [...tsFiles(path.join(ROOT, 'src', 'app')), path.join(ROOT, 'src', 'main.ts')];
    const deep = app.flatMap((file) => relativeImports(file)
      .filter((i) => i.target !== 'src/index' && !i.target.startsWith('src/app/'))
      .map((i) => `${path.relative(ROOT, file)}:${i.line} imports ${i.target}`));
    expect(deep).toEqual([]);
  });

  test('tests and the benchmark import public names from the package entry; a deep import names something internal', () => {
    const { values, types } = indexExports();
    const exported = new Set([...values, ...types]);
    const files = [...tsFiles(path.join(ROOT, 'test')), ...tsFiles(path.join(ROOT, 'bench'))];
    const needless = files.flatMap((file) => relativeImports(file)
      .filter((i) => i.target.startsWith('src/') && i.target !== 'src/index' && !i.target.startsWith('src/app/') && i.target !== 'src/main')
      .filter((i) => i.names.every((n) => exported.has(n)))
      .map((i) => `${path.relative(ROOT, file)}:${i.line} imports only public names (${i.names.join(', ')}) from ${i.target}`));
    expect(needless).toEqual([]);
  });
});
