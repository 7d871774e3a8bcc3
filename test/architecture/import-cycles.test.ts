import * as fs from 'node:fs';
import * as path from 'node:path';

/** The part of madge's API used here (the package ships no types). */
type Madge = (dir: string, config: object) => Promise<{ circular(): string[][]; obj(): Record<string, string[]> }>;
const madge: Madge = require('madge'); // eslint-disable-line @typescript-eslint/no-require-imports

const ROOT = path.join(__dirname, '..', '..');

/**
 * No import cycle in src/, type-only imports counted (a cycle closed by `import type`
 * still ties the files together). The graph's constructs create their views, so views
 * import the graph only through src/graph/interfaces.ts and src/graph/brands.ts.
 * Run `npm run cycles` to list any.
 */
test('src/ has no import cycle, type-only imports included', async () => {
  // the configuration `npm run cycles` reads too: .ts files, type-only imports counted
  const config = JSON.parse(fs.readFileSync(path.join(ROOT, '.madgerc'), 'utf8'));
  expect(config.detectiveOptions.ts.skipTypeImports).toBe(false);
  const result = await madge(path.join(ROOT, 'src'), config);
  const graph = result.obj();
  expect(Object.keys(graph).length).toBeGreaterThan(50);
  // the type-only edges are seen: the interfaces module is reached by `import type` alone
  expect(graph['views/security/authorization-rule.ts']).toContain('graph/interfaces.ts');
  expect(result.circular().map((c) => c.join(' > '))).toEqual([]);
}, 60_000);

test('src/graph/interfaces.ts reaches no construct of src/, through any import', async () => {
  // GIVEN every module interfaces.ts imports, directly or not (madge's tree from that file)
  const config = JSON.parse(fs.readFileSync(path.join(ROOT, '.madgerc'), 'utf8'));
  const dir = path.join(ROOT, 'src', 'graph');
  const reached = Object.keys((await madge(path.join(dir, 'interfaces.ts'), config)).obj())
    .map((f) => path.resolve(dir, f))
    .filter((f) => f.startsWith(path.join(ROOT, 'src')));
  expect(reached.length).toBeGreaterThan(3);
  // THEN none of them declares a construct (a class extending Construct, Chart, App or an ApiObject)
  const constructs = reached.filter((f) => /class \w+ extends (Construct|Chart|App|ApiObject)\b/.test(fs.readFileSync(f, 'utf8')));
  expect(constructs.map((f) => path.relative(ROOT, f))).toEqual([]);
  // AND the check would see one: mesh-chart.ts is such a module
  expect(fs.readFileSync(path.join(dir, 'mesh-chart.ts'), 'utf8')).toMatch(/class \w+ extends (Construct|Chart|App|ApiObject)\b/);
}, 60_000);
