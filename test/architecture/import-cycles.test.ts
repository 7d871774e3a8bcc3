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
/** madge's graph of src/ (file -> the files it imports, relative to src/), read once for both tests. */
let result: Awaited<ReturnType<Madge>>;
beforeAll(async () => {
  // the configuration `npm run cycles` reads too: .ts files, type-only imports counted
  const config = JSON.parse(fs.readFileSync(path.join(ROOT, '.madgerc'), 'utf8'));
  expect(config.detectiveOptions.ts.skipTypeImports).toBe(false);
  result = await madge(path.join(ROOT, 'src'), config);
}, 60_000);

test('src/ has no import cycle, type-only imports included', () => {
  const graph = result.obj();
  expect(Object.keys(graph).length).toBeGreaterThan(50);
  // the type-only edges are seen: the interfaces module is reached by `import type` alone
  expect(graph['graph/security/authorization-rule.ts']).toContain('graph/interfaces.ts');
  expect(result.circular().map((c) => c.join(' > '))).toEqual([]);
});

test('src/graph/interfaces.ts reaches no construct of src/, through any import', () => {
  // GIVEN every module interfaces.ts imports, directly or not (a walk of madge's graph from that file)
  const graph = result.obj();
  const reached = new Set<string>(['graph/interfaces.ts']);
  for (const queue = ['graph/interfaces.ts']; queue.length > 0;) {
    for (const next of graph[queue.pop()!] ?? []) if (!reached.has(next)) { reached.add(next); queue.push(next); }
  }
  const files = [...reached].map((f) => path.join(ROOT, 'src', f));
  expect(files.length).toBeGreaterThan(3);
  // THEN none of them declares a construct (a class extending Construct, Chart, App or an ApiObject)
  const constructs = files.filter((f) => /class \w+ extends (Construct|Chart|App|ApiObject)\b/.test(fs.readFileSync(f, 'utf8')));
  expect(constructs.map((f) => path.relative(ROOT, f))).toEqual([]);
  // AND the check would see one: mesh-chart.ts is such a module
  expect(fs.readFileSync(path.join(ROOT, 'src', 'graph', 'mesh-chart.ts'), 'utf8')).toMatch(/class \w+ extends (Construct|Chart|App|ApiObject)\b/);
});
