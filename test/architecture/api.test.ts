import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import * as api from '../../src';
import * as review from '../../src/review';
import * as validate from '../../src/validate';

import { ROOT, tsFilesUnder as tsFiles } from './source';

/** The package's entry points (package.json `exports`): the module each is built from, and the module itself. */
const ENTRIES = [
  { name: 'cdk8s-mesh', index: 'src/index', module: api as Record<string, unknown> },
  { name: 'cdk8s-mesh/validate', index: 'src/validate/index', module: validate as Record<string, unknown> },
  { name: 'cdk8s-mesh/review', index: 'src/review/index', module: review as Record<string, unknown> },
];
/** The relative import targets that are an entry point (`../index`, `../../src`, `../src/validate`, ...). */
const ENTRY_TARGETS = new Set(ENTRIES.flatMap((e) => [e.index, e.index.replace(/\/index$/, '')]));

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

/** The names an entry point (`src/index`, say) exports, values and types, as it lists them. */
function indexExports(index: string): { values: string[]; types: string[] } {
  const file = path.join(ROOT, `${index}.ts`);
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const values: string[] = [];
  const types: string[] = [];
  for (const d of source.statements.filter(ts.isExportDeclaration)) {
    if (!d.exportClause || !ts.isNamedExports(d.exportClause)) continue;
    for (const e of d.exportClause.elements) (d.isTypeOnly || e.isTypeOnly ? types : values).push(e.name.text);
  }
  return { values, types };
}

describe.each(ENTRIES)('the entry point $name ($index.ts)', ({ index, module }) => {
  test('names every export: no `export *`, so a new module adds nothing to the surface by accident', () => {
    const file = path.join(ROOT, `${index}.ts`);
    const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const star = source.statements.filter((d) => ts.isExportDeclaration(d) && !d.exportClause).map((d) => d.getText());
    expect(star).toEqual([]);
    expect(indexExports(index).values.length).toBeGreaterThan(10);
  });

  test('every value it lists exists at runtime (a type listed as a value would be undefined)', () => {
    const { values } = indexExports(index);
    expect(values.filter((n) => module[n] === undefined)).toEqual([]);
    // and nothing reaches the entry point that the list does not name
    expect(Object.keys(module).filter((n) => !values.includes(n))).toEqual([]);
  });

  test('the helpers the constructs and checks share are not part of it', () => {
    const exported = new Set([...indexExports(index).values, ...indexExports(index).types, ...Object.keys(module)]);
    const helpers = [
      'compare', 'titleCase', 'millisText', 'policyProblems', 'renderRule', 'WEEKLY_MONDAY_10_JST', 'toIstioDuration', 'formatProblem',
      'finding', 'analyze', 'checkWebhook', 'AnalysisView', 'ClusterModel', 'MeshSynthCheck', 'FlowCluster', 'promqlProblem', 'podHardeningProblems',
      'writeTree', 'toYaml', 'resourcesOf', 'describe', 'ISTIO_PARITY', 'CLUSTER_FOLDER', 'YamlReadError', 'checkManifests',
    ];
    expect(helpers.filter((n) => exported.has(n))).toEqual([]);
  });
});

describe('the split of the public API between the entry points', () => {
  const names = (index: string) => new Set([...indexExports(index).values, ...indexExports(index).types]);

  test('the package entry holds the constructs and what a chart author needs, not the validator or the review tools', () => {
    const main = names('src/index');
    for (const n of ['MeshChart', 'MeshService', 'MeshApp', 'Warnings', 'WARNING_CODES', 'IntendedFlow', 'renderChartTopology']) expect(main).toContain(n);
    const moved = ['validateManifests', 'parseManifests', 'formatFinding', 'checkIntendedFlows', 'evaluateFlow', 'FlowEvaluator', 'platformFlowOptions',
      'validateCli', 'semanticDiff', 'connectivityDiff', 'renderTopology', 'readTreeFromDir', 'diffMain', 'Finding', 'Manifest'];
    expect(moved.filter((n) => main.has(n))).toEqual([]);
  });

  test('the validator and the review tools each have their entry, and a value of one module is the same object in every entry', () => {
    for (const n of ['validateManifests', 'checkIntendedFlows', 'evaluateFlow', 'FlowEvaluator', 'validateCli', 'Finding', 'FlowOptions']) {
      expect(names('src/validate/index')).toContain(n);
    }
    for (const n of ['semanticDiff', 'connectivityDiff', 'renderTopology', 'topologyModel', 'diffMain', 'ManifestTree']) expect(names('src/review/index')).toContain(n);
    expect((validate as Record<string, unknown>).Codes).toBe(api.Codes);
    expect((review as Record<string, unknown>).Codes).toBe(api.Codes);
  });
});

describe('who imports the entry points', () => {
  test('the example app (src/app, src/main.ts) uses the package entries only, as another team would', () => {
    const app = [...tsFiles(path.join(ROOT, 'src', 'app')), path.join(ROOT, 'src', 'main.ts')];
    const deep = app.flatMap((file) => relativeImports(file)
      .filter((i) => !ENTRY_TARGETS.has(i.target) && !i.target.startsWith('src/app/'))
      .map((i) => `${path.relative(ROOT, file)}:${i.line} imports ${i.target}`));
    expect(deep).toEqual([]);
  });

  test('tests and the benchmark import public names from an entry point; a deep import names something internal', () => {
    const exported = new Set(ENTRIES.flatMap((e) => [...indexExports(e.index).values, ...indexExports(e.index).types]));
    const files = [...tsFiles(path.join(ROOT, 'test')), ...tsFiles(path.join(ROOT, 'bench'))];
    const needless = files.flatMap((file) => relativeImports(file)
      .filter((i) => i.target.startsWith('src/') && !ENTRY_TARGETS.has(i.target) && !i.target.startsWith('src/app/') && i.target !== 'src/main')
      .filter((i) => i.names.every((n) => exported.has(n)))
      .map((i) => `${path.relative(ROOT, file)}:${i.line} imports only public names (${i.names.join(', ')}) from ${i.target}`));
    expect(needless).toEqual([]);
  });
});
