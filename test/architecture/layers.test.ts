import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { ROOT } from './source';

/**
 * The layers of docs/ARCHITECTURE.md, enforced by dependency-cruiser (.dependency-cruiser.js) over
 * every import of src/, type-only imports included: no import runs up a layer, no cycle, only the
 * renderers (*.render.ts) import the generated types of imports/, only src/workload/ imports
 * cdk8s-plus-27, src/core/ imports no construct. `npm run layers` prints the same report.
 */

const CONFIG = path.join(ROOT, '.dependency-cruiser.js');

interface Violation { readonly rule: { readonly name: string }; readonly from: string; readonly to: string; readonly cycle?: unknown[] }
interface Cruise {
  readonly modules: { readonly source: string; readonly dependencies: { readonly resolved: string; readonly dependencyTypes: string[] }[] }[];
  readonly summary: { readonly violations: Violation[]; readonly totalCruised: number };
}

/**
 * Where the cruise of src/ keeps dependency-cruiser's cache: it is served only while every file's
 * content, the options and the rules file are as they were (dependency-cruiser src/cache/cache.mjs,
 * canServeFromCache; the `content` strategy checksums the files), so an edit of src/ or of the
 * rules is cruised afresh. The fixture tree below is cruised without it.
 */
const CACHE = { cache: path.join(ROOT, 'node_modules', '.cache', 'dependency-cruiser'), cacheStrategy: 'content' };

/** A cruise: `dir` (relative to `cwd`) under the project's rules, with the command's `options` beside those (`--cache`). */
interface CruiseJob { readonly cwd: string; readonly dir: string; readonly options?: Record<string, string> }

/**
 * dependency-cruiser's JSON reports of `jobs`, as `depcruise <dir> --config <rules> --output-type json` gives them:
 * its command, run in one child Node.js for all of them (depcruise.mjs: it loads in a second, and cruises src/ from
 * its cache in a fraction of that). Each job's errors, if any, fail the caller.
 */
function cruise(...jobs: CruiseJob[]): Cruise[] {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-mesh-cruise-'));
  try {
    const input = jobs.map((j, i) => ({
      cwd: j.cwd, args: [j.dir],
      options: { config: CONFIG, outputType: 'json', outputTo: path.join(out, `${i}.json`), ...j.options },
    }));
    const run = spawnSync(process.execPath, [path.join(__dirname, 'depcruise.mjs')], { input: JSON.stringify(input), encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const results = JSON.parse(run.stdout) as { exitCode: number; stderr: string }[];
    expect(results.map((r) => r.stderr)).toEqual(jobs.map(() => ''));
    return jobs.map((_, i) => JSON.parse(fs.readFileSync(path.join(out, `${i}.json`), 'utf8')) as Cruise);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

const brief = (v: Violation) => `${v.rule.name}: ${v.from} -> ${v.to}`;

/** A folder holding the fixture tree below (its node_modules the project's). */
function fixtureTree(): string {
  // GIVEN a fixture tree with the project's layout: an upward import written over several
  // lines, a type-only one, a multi-line import of imports/ outside a renderer, a cycle
  // closed by `import type`, and cdk8s-plus-27 outside src/workload/
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-mesh-layers-'));
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  };
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  write('tsconfig.json', JSON.stringify({ compilerOptions: { module: 'commonjs', strict: true }, include: ['src/**/*.ts', 'imports/**/*.ts'] }));
  write('imports/networking.istio.io.ts', 'export const VirtualService = 1;\nexport const Gateway = 2;\n');
  write('src/review/topology.ts', 'export const a = 1;\nexport const b = 2;\nexport interface Picture { readonly x: number }\n');
  write('src/core/upward.ts', "import {\n  a,\n  b\n} from '../review/topology';\n\nexport const sum = a + b;\n");
  write('src/views/typed.ts', "import type {\n  Picture\n} from '../review/topology';\n\nexport const p: Picture | undefined = undefined;\n");
  write('src/review/uses-imports.ts', "import {\n  VirtualService,\n  Gateway\n} from '../../imports/networking.istio.io';\n\nexport const n = VirtualService + Gateway;\n");
  write('src/views/gateway.render.ts', "import {\n  Gateway\n} from '../../imports/networking.istio.io';\n\nexport const g = Gateway;\n");
  write('src/graph/one.ts', "import type { Two } from './two';\n\nexport interface One { readonly two?: Two }\n");
  write('src/graph/two.ts', "import type { One } from './one';\n\nexport interface Two { readonly one?: One }\n");
  write('src/graph/plus.ts', "import * as kplus from 'cdk8s-plus-27';\n\nexport const d = kplus.Deployment;\n");
  write('src/workload/plus.ts', "import * as kplus from 'cdk8s-plus-27';\n\nexport const d = kplus.Deployment;\n");
  return dir;
}

/** The two cruises, src/ (from the cache) and the fixture tree, in one run of the command, once for both describes. */
let cruised: { readonly project: Cruise; readonly fixture: Cruise } | undefined;
function cruises(): { readonly project: Cruise; readonly fixture: Cruise } {
  if (!cruised) {
    const dir = fixtureTree();
    try {
      const [project, fixture] = cruise({ cwd: ROOT, dir: 'src', options: CACHE }, { cwd: dir, dir: 'src' });
      cruised = { project, fixture };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return cruised;
}

describe('the layers hold (dependency-cruiser over src/)', () => {
  let report: Cruise;
  beforeAll(() => {
    report = cruises().project;
  }, 60_000);

  test('no violation of the documented rules', () => {
    expect(report.summary.totalCruised).toBeGreaterThan(250);
    expect(report.summary.violations.map(brief)).toEqual([]);
  });

  test('the cruise sees type-only imports, the generated types and cdk8s-plus-27', () => {
    const edges = report.modules.flatMap((m) => m.dependencies.map((d) => ({ from: m.source, to: d.resolved, types: d.dependencyTypes })));
    expect(edges.some((e) => e.types.includes('type-only') && e.to === 'src/graph/interfaces.ts')).toBe(true);
    expect(edges.filter((e) => e.to.startsWith('imports/')).every((e) => e.from.endsWith('.render.ts'))).toBe(true);
    expect(edges.filter((e) => e.to.startsWith('imports/')).length).toBeGreaterThan(10);
    expect(edges.filter((e) => /node_modules\/cdk8s-plus-27\//.test(e.to)).map((e) => e.from.split('/')[1])).toContain('workload');
  });
});

describe('the rule set catches what a line-by-line reading missed', () => {
  let violations: string[];
  beforeAll(() => {
    // GIVEN a fixture tree with the project's layout (fixtureTree)
    // WHEN the project's rules check it
    violations = cruises().fixture.summary.violations.map(brief).sort();
  }, 60_000);

  test('a multi-line upward import (core -> review) is a violation', () => {
    expect(violations).toContain('no-upward-from-core: src/core/upward.ts -> src/review/topology.ts');
  });

  test('a multi-line type-only upward import (views -> review) is a violation', () => {
    expect(violations).toContain('no-upward-from-views: src/views/typed.ts -> src/review/topology.ts');
  });

  test('a multi-line import of imports/ outside a renderer is a violation; a renderer may', () => {
    expect(violations).toContain('only-renderers-import-imports: src/review/uses-imports.ts -> imports/networking.istio.io.ts');
    expect(violations.filter((v) => v.includes('gateway.render.ts'))).toEqual([]);
  });

  test('a cycle closed by type-only imports is a violation', () => {
    expect(violations.filter((v) => v.startsWith('no-circular: src/graph/'))).toEqual(['no-circular: src/graph/one.ts -> src/graph/two.ts']);
  });

  test('cdk8s-plus-27 outside src/workload/ is a violation, inside it is not', () => {
    expect(violations.filter((v) => v.startsWith('only-workload-imports-cdk8s-plus: ')).map((v) => v.split(' -> ')[0]))
      .toEqual(['only-workload-imports-cdk8s-plus: src/graph/plus.ts']);
  });

  test('nothing else', () => {
    expect(violations).toHaveLength(5);
  });
});
