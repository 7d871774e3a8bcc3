import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Extractor, ExtractorConfig, ExtractorLogLevel } from '@microsoft/api-extractor';
import { ApiObject, App, JsonPatch } from 'cdk8s';
import { MeshChart, MeshService } from '../../src';

const ROOT = path.join(__dirname, '..', '..');
/** Each entry point of package.json `exports`: its API Extractor config, the declarations it reads and the report it writes. */
const API_REPORTS = [
  { entry: '.', config: 'api-extractor.json', declarations: ['lib', 'src', 'index.d.ts'], report: 'cdk8s-mesh.api.md' },
  { entry: './validate', config: 'api-extractor.validate.json', declarations: ['lib', 'src', 'validate', 'index.d.ts'], report: 'cdk8s-mesh-validate.api.md' },
  { entry: './review', config: 'api-extractor.review.json', declarations: ['lib', 'src', 'review', 'index.d.ts'], report: 'cdk8s-mesh-review.api.md' },
];
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const TS_NODE = path.join(ROOT, 'node_modules', 'ts-node', 'dist', 'bin.js');

/** The environment with no CRD option: the packaged schemas are all there is. */
function withoutCrdOption(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, npm_config_update_notifier: 'false' };
  delete env.CDK8S_MESH_CRDS;
  return env;
}

/** A team's chart under a plain App with two problems only the rendered manifests show. */
const BAD_CHART = `
import { ApiObject, App, JsonPatch } from 'cdk8s';
import { MeshChart } from '../../src/graph/mesh-chart';
import { MeshService } from '../../src/graph/mesh-service';

const app = new App({ outdir: 'plain-out' });
const chart = new MeshChart(app, 'catalog', { namespace: 'catalog' });
const search = new MeshService(chart, 'catalog-search', { image: 'registry.example.com/catalog-search:1.0.0' });
search.traffic.addSubset(search, { name: 'experimental', labels: { version: 'v3' } });
ApiObject.of(search.node.findChild('VirtualService')).addJsonPatch(JsonPatch.add('/spec/http/0/timeout', '999us'));
try {
  app.synth();
} catch (e) {
  process.stderr.write(String((e as Error).message) + '\\n');
  process.exitCode = 1;
}
`;

/** The problems of BAD_CHART as this repository's sources judge it, one line each. */
function problemsHere(): string[] {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-mesh-here-')) });
  const chart = new MeshChart(app, 'catalog', { namespace: 'catalog' });
  const search = new MeshService(chart, 'catalog-search', { image: 'registry.example.com/catalog-search:1.0.0' });
  search.traffic.addSubset(search, { name: 'experimental', labels: { version: 'v3' } });
  ApiObject.of(search.node.findChild('VirtualService')).addJsonPatch(JsonPatch.add('/spec/http/0/timeout', '999us'));
  try {
    app.synth();
  } catch (e) {
    return (e as Error).message.split('\n').slice(1).map((l) => l.trim()).filter((l) => /\[MESH\d+\]/.test(l));
  }
  throw new Error('expected the chart to fail');
}

/**
 * The package as another team gets it: compiled with the package's tsconfig, packed
 * with `npm pack`, unpacked into a fresh project whose own chart uses the constructs,
 * type-checked against the packed .d.ts through the exports map, and synthesized with node.
 *
 * The fresh project's dependencies (cdk8s, constructs, ...) are symlinks to this
 * repository's node_modules rather than an `npm install`: the test must run offline and
 * fast, and what it checks is the tarball's own content, which is unpacked as npm would.
 */
describe('npm package', () => {
  jest.setTimeout(60_000);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-mesh-package-'));
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
  const run = (cmd: string, args: string[], cwd: string) =>
    execFileSync(cmd, args, { cwd, stdio: 'pipe', env: { ...process.env, npm_config_update_notifier: 'false' } }).toString();

  let packed: string[] = [];
  let tarball = '';

  beforeAll(() => {
    // GIVEN the package compiled into a staging folder (the worktree's lib/ is left alone)
    const staging = path.join(work, 'staging');
    fs.mkdirSync(staging);
    for (const f of ['package.json', 'README.md', 'LICENSE']) fs.copyFileSync(path.join(ROOT, f), path.join(staging, f));
    // Types were checked by `npm test`'s type-check; here only the emitted JS and .d.ts matter.
    run(process.execPath, [TSC, '-p', path.join(ROOT, 'tsconfig.package.json'), '--outDir', path.join(staging, 'lib'), '--noCheck'], ROOT);
    // Leftovers of a full build must not reach the package either.
    fs.cpSync(path.join(ROOT, 'schemas'), path.join(staging, 'schemas'), { recursive: true });
    fs.mkdirSync(path.join(staging, 'lib', 'src', 'app'), { recursive: true });
    fs.writeFileSync(path.join(staging, 'lib', 'src', 'app', 'ec-site.js'), '');
    fs.writeFileSync(path.join(staging, 'lib', 'src', 'main.js'), '');
    // WHEN it is packed
    const out = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], staging));
    packed = out[0].files.map((f: { path: string }) => f.path).sort();
    tarball = path.join(work, out[0].filename);
  });

  test('holds compiled JS and .d.ts of the constructs and the CRD types, and the diff command', () => {
    for (const f of ['lib/src/index.js', 'lib/src/index.d.ts', 'lib/src/graph/mesh-service.d.ts', 'lib/src/review/cli.js',
      'lib/imports/networking.istio.io.js', 'lib/imports/security.istio.io.d.ts', 'package.json', 'README.md', 'LICENSE',
      ...fs.readdirSync(path.join(ROOT, 'schemas')).map((f) => `schemas/${f}`)]) {
      expect(packed).toContain(f);
    }
    expect(fs.readFileSync(path.join(work, 'staging', 'lib', 'src', 'review', 'cli.js'), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
  });

  test('holds no tests, sources, example charts or dist/', () => {
    expect(packed.filter((f) => /^(test|src|dist|imports)\/|\/app\/|\/main\.|\.test\.|\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
  });

  test('cdk8s and constructs are peer dependencies (one copy in the consumer\'s app), and dev dependencies here', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    for (const dep of ['cdk8s', 'constructs']) {
      expect(pkg.peerDependencies[dep]).toMatch(/^\^\d+\.\d+\.\d+$/);
      expect(pkg.devDependencies[dep]).toBeDefined();
      expect(pkg.dependencies[dep]).toBeUndefined();
    }
    // cdk8s-plus-27 asks for the same range
    const plus = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', 'cdk8s-plus-27', 'package.json'), 'utf8'));
    expect(pkg.peerDependencies).toEqual(plus.peerDependencies);
    expect(pkg.license).toBe('Apache-2.0');
    expect(fs.readFileSync(path.join(ROOT, 'LICENSE'), 'utf8')).toMatch(/Apache License\s+Version 2\.0, January 2004/);
  });

  test('has an exports map with three entry points (each with its types) and a bin entry', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.exports['.']).toEqual({ types: './lib/src/index.d.ts', require: './lib/src/index.js', default: './lib/src/index.js' });
    for (const sub of ['validate', 'review']) {
      expect(pkg.exports[`./${sub}`]).toEqual({
        types: `./lib/src/${sub}/index.d.ts`, require: `./lib/src/${sub}/index.js`, default: `./lib/src/${sub}/index.js`,
      });
      expect(packed).toEqual(expect.arrayContaining([`lib/src/${sub}/index.js`, `lib/src/${sub}/index.d.ts`]));
    }
    expect(Object.keys(pkg.exports).filter((k) => !k.startsWith('./imports') && k !== './package.json').sort()).toEqual(
      API_REPORTS.map((r) => r.entry).sort(),
    );
    expect(pkg.bin).toEqual({ 'cdk8s-mesh-diff': 'lib/src/review/cli.js', 'cdk8s-mesh-validate': 'lib/src/validate/cli.js' });
    expect(packed).toContain(pkg.bin['cdk8s-mesh-diff']);
  });

  test.each(API_REPORTS)('the public API of $entry is the one api/$report records (run `npm run api` after changing it)',
    ({ config: configFile, declarations, report }) => {
      // GIVEN the entry's API Extractor config, read from the packed declarations instead of lib/
      const configPath = path.join(ROOT, configFile);
      const configObject = ExtractorConfig.loadFile(configPath);
      const tempFolder = path.join(work, 'api', report);
      const config = ExtractorConfig.prepare({
        configObject: {
          ...configObject,
          mainEntryPointFilePath: path.join(work, 'staging', ...declarations),
          apiReport: { ...configObject.apiReport, enabled: true, reportTempFolder: tempFolder },
        },
        configObjectFullPath: configPath,
        packageJsonFullPath: path.join(ROOT, 'package.json'),
      });
      expect(config.reportFilePath).toBe(path.join(ROOT, 'api', report));
      // WHEN API Extractor compares the surface with the committed report, as CI does (not local: the report is not rewritten)
      const problems: string[] = [];
      const result = Extractor.invoke(config, {
        localBuild: false,
        messageCallback: (m) => {
          // the compiler's and API Extractor's own findings (ae-forgotten-export is an error); not the console's notes
          const serious = m.logLevel === ExtractorLogLevel.Error || m.logLevel === ExtractorLogLevel.Warning;
          if (serious && (m.category === 'Compiler' || m.category === 'Extractor')) problems.push(m.formatMessageWithLocation(work));
          m.handled = true;
        },
      });
      // THEN the report is current
      if (result.apiReportChanged) {
        const committed = fs.readFileSync(path.join(ROOT, 'api', report), 'utf8').split('\n');
        const now = fs.readFileSync(path.join(tempFolder, report), 'utf8').split('\n');
        const gone = committed.filter((l) => !now.includes(l)).map((l) => `- ${l}`);
        const added = now.filter((l) => !committed.includes(l)).map((l) => `+ ${l}`);
        throw new Error(`The public API changed: run \`npm run api\` and commit api/${report}.\n${[...gone, ...added].slice(0, 40).join('\n')}`);
      }
      // AND no public signature names a type the entry point does not export
      expect(problems).toEqual([]);
      expect(result.succeeded).toBe(true);
    });

  test('`npm pack` builds lib/ afresh (prepack): a stale or leftover file of lib/ never reaches the tarball', () => {
    // GIVEN a copy of the sources with a lib/ from an older build: a module since removed, an index that is not today's
    const copy = path.join(work, 'clean');
    fs.mkdirSync(copy);
    for (const f of ['package.json', 'README.md', 'LICENSE', 'tsconfig.json', 'tsconfig.package.json']) fs.copyFileSync(path.join(ROOT, f), path.join(copy, f));
    for (const d of ['src', 'imports', 'schemas', 'scripts']) fs.cpSync(path.join(ROOT, d), path.join(copy, d), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
    fs.mkdirSync(path.join(copy, 'lib', 'src'), { recursive: true });
    fs.writeFileSync(path.join(copy, 'lib', 'src', 'removed-module.js'), 'stale');
    fs.writeFileSync(path.join(copy, 'lib', 'src', 'index.js'), 'stale');
    // WHEN it is packed with its scripts
    const pack = spawnSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: copy, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
    expect(`${pack.status}\n${pack.status === 0 ? '' : pack.stdout + pack.stderr}`).toBe('0\n');
    const out = JSON.parse(pack.stdout.replace(/^[^[]*/, ''));
    const files: string[] = out[0].files.map((f: { path: string }) => f.path);
    // THEN the tarball holds today's build and nothing of the old one
    expect(files).toContain('lib/src/index.js');
    expect(files).toContain('lib/src/graph/mesh-service.d.ts');
    expect(files).not.toContain('lib/src/removed-module.js');
    expect(fs.readFileSync(path.join(copy, 'lib', 'src', 'index.js'), 'utf8')).not.toBe('stale');
  }, 240_000);

  /** A fresh project `name` with the tarball unpacked into node_modules/cdk8s-mesh and the peer dependencies beside it. */
  function consumerProject(name: string): string {
    const project = path.join(work, name);
    const modules = path.join(project, 'node_modules');
    fs.mkdirSync(path.join(modules, 'cdk8s-mesh'), { recursive: true });
    run('tar', ['xzf', tarball, '-C', path.join(modules, 'cdk8s-mesh'), '--strip-components=1'], project);
    // The team installs the peer dependencies itself; typescript for ts-node (see the README's note on versions).
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    for (const dep of [...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies), 'typescript']) {
      fs.mkdirSync(path.dirname(path.join(modules, dep)), { recursive: true });
      fs.symlinkSync(fs.realpathSync(path.join(ROOT, 'node_modules', dep)), path.join(modules, dep), 'dir');
    }
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: `team-${name}`, private: true, dependencies: { 'cdk8s-mesh': 'file:cdk8s-mesh.tgz' } }));
    return project;
  }

  test('another team installs it, writes its own chart and synthesizes it', () => {
    // GIVEN a fresh project with the tarball unpacked into node_modules/cdk8s-mesh
    const project = consumerProject('consumer');
    const modules = path.join(project, 'node_modules');
    fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({
      // skipLibCheck false: the package's .d.ts (and the dependencies' they name) are checked as a consumer's compiler reads them.
      compilerOptions: { target: 'ES2022', module: 'node16', moduleResolution: 'node16', strict: true, skipLibCheck: false, types: [], outDir: 'out' },
      include: ['main.ts'],
    }));
    fs.writeFileSync(path.join(project, 'main.ts'), `
import { Duration } from 'cdk8s';
import { CanaryPlan, CanaryRelease, MeshApp, MeshChart, MeshPlatform, MeshService, Retries, SecureService, Tier } from 'cdk8s-mesh';
import { VirtualService } from 'cdk8s-mesh/imports/networking.istio.io';
import { readTreeFromDir, renderTopology, semanticDiff, type SemanticDiff } from 'cdk8s-mesh/review';
import { checkIntendedFlows, type Finding, formatFinding, parseManifests, platformFlowOptions, validateManifests } from 'cdk8s-mesh/validate';

// Checked and written on a worker thread, from the package's compiled worker module, as a large app is.
const app = new MeshApp({ outdir: 'dist', parallelChecks: true });
const chart = new MeshChart(app, 'catalog', { namespace: 'catalog', partOf: 'catalog' });
const api = new MeshService(chart, 'catalog-api', {
  image: 'registry.example.com/catalog-api:2.0.0', tier: Tier.BUSINESS, replicas: 2,
  timeout: Duration.seconds(4), retries: Retries.of({ attempts: 2, perTryTimeout: Duration.seconds(1), retryOn: ['5xx'] }),
});
const store = new MeshService(chart, 'catalog-store', { image: 'registry.example.com/catalog-store:1.0.0' });
const billing = new SecureService(chart, 'catalog-billing', { image: 'registry.example.com/catalog-billing:1.0.0' });
api.calls(store, { methods: ['GET'], paths: ['/items/*'] });
api.calls(billing, { methods: ['POST'], paths: ['/charges/*'] });
new CanaryRelease(chart, 'store-v2', {
  service: store, image: 'registry.example.com/catalog-store:2.0.0',
  plan: CanaryPlan.steps([10, 50, 100]), phase: 'canary-10',
});
app.synth();
console.log('worker checked ' + ((app as any)._pool?.checkedByWorker ?? 0));
if (typeof VirtualService !== 'function') throw new Error('exports missing');

// The validator's entry: the written files read back (with the review tools' reader) and checked as a pipeline would,
// with the chart's intended flows; the review tools' entry: the tree diffed against itself, and the environment's picture
const tree = readTreeFromDir('dist');
const written = [...tree].filter(([f]) => f.startsWith('catalog/') && f.endsWith('.yaml')).flatMap(([, text]) => parseManifests(text));
const findings: Finding[] = validateManifests(written);
const flows = checkIntendedFlows(written, chart.intendedFlows(), platformFlowOptions(MeshPlatform.default(), 'catalog'));
const errors = [...findings, ...flows].filter((f) => f.severity !== 'warning');
const diff: SemanticDiff = semanticDiff(tree, tree);
console.log(written.length + ' manifests, ' + flows.length + ' flow findings, ' + errors.length + ' errors');
for (const e of errors) console.log(formatFinding(e));
console.log(diff.files.length + ' changed files');
console.log(renderTopology(written, { namespace: 'catalog' }));
`);
    // WHEN it is type-checked against the packed .d.ts and run with node: no CRD option, no ../shared beside it
    run(process.execPath, [TSC, '-p', 'tsconfig.json'], project);
    // AND every .d.ts the package ships compiles without skipLibCheck, under node16 and bundler resolution alike: no
    // declaration names what stripInternal removed (TS2305, TS2304), none imports a path the dependencies' exports hide (TS2307)
    for (const [module, moduleResolution] of [['node16', 'node16'], ['preserve', 'bundler']]) {
      fs.writeFileSync(path.join(project, 'tsconfig.lib.json'), JSON.stringify({
        compilerOptions: { target: 'ES2022', module, moduleResolution, strict: true, skipLibCheck: false, types: [], noEmit: true },
        include: ['node_modules/cdk8s-mesh/lib/**/*.d.ts'],
      }));
      const lib = spawnSync(process.execPath, [TSC, '-p', 'tsconfig.lib.json'], { cwd: project, encoding: 'utf8' });
      expect(`${moduleResolution}: ${lib.stdout}${lib.stderr}`).toBe(`${moduleResolution}: `);
    }
    expect(fs.existsSync(path.join(modules, 'shared'))).toBe(false);
    const out = execFileSync(process.execPath, [path.join('out', 'main.js')], { cwd: project, stdio: 'pipe', env: withoutCrdOption() }).toString();
    // THEN its manifests and topology are written as for the EC site
    const dist = path.join(project, 'dist', 'catalog');
    expect(fs.readdirSync(dist).sort()).toEqual(expect.arrayContaining([
      'deployment.catalog-api.yaml', 'service.catalog-store.yaml', 'virtualservice.catalog-api.yaml', 'topology.md',
    ]));
    expect(fs.readFileSync(path.join(dist, 'virtualservice.catalog-api.yaml'), 'utf8')).toMatch(/timeout: 4s/);
    const topology = fs.readFileSync(path.join(dist, 'topology.md'), 'utf8');
    expect(topology).toContain('catalog_api ==>|"✔ GET /items/*"| catalog_store');
    expect(topology).toContain('stable 90% / canary 10%');
    expect(fs.readdirSync(dist)).toEqual(expect.arrayContaining([
      'peerauthentication.catalog-billing.yaml', 'authorizationpolicy.catalog-billing-policy.yaml', 'deployment.catalog-store-v2.yaml',
    ]));
    // AND the validator's entry finds no error in them, and the review tools' entry diffs and draws them
    expect(out).toMatch(/(^|\n)\d{2,} manifests, 0 flow findings, 0 errors\n0 changed files\n# Topology\n/);
    expect(out).toMatch(/^worker checked [1-9]\d*$/m);
    expect(out).toContain('catalog_store');
    // AND the diff command runs from the package
    const help = run(process.execPath, [path.join(modules, 'cdk8s-mesh', 'lib', 'src', 'review', 'cli.js'), '--help'], project);
    expect(help).toContain('Exit codes:');

    // AND a plain cdk8s App run with ts-node (TypeScript 5) gets the verdicts this repository gets, from the packaged schemas
    fs.writeFileSync(path.join(project, 'bad.ts'), BAD_CHART.replace(/'\.\.\/\.\.\/src\/[^']+'/g, "'cdk8s-mesh'"));
    const bad = spawnSync(process.execPath, [TS_NODE, '--transpile-only', 'bad.ts'], { cwd: project, encoding: 'utf8', env: withoutCrdOption() });
    expect(bad.status).toBe(1);
    const expected = problemsHere();
    expect(expected.length).toBeGreaterThanOrEqual(2);
    for (const line of expected) expect(bad.stderr).toContain(line);
    expect(fs.readdirSync(path.join(project, 'plain-out'))).toEqual([]);
  });
  /**
   * What a README example runs on its own needs: its reader's inputs (`declare const`), a git checkout, a CRD folder the
   * example names as an illustration. Those are compiled, not run.
   */
  const NOT_RUNNABLE: [RegExp, string][] = [[/^declare const /m, 'its inputs are the reader\'s'], [/readTreeFromGit\(/, 'it diffs a git checkout'],
    [/crdDirectory: '\/opt\/crds'/, 'it names a CRD folder of the reader\'s']];

  test('every README example compiles against the packed types, and each that builds an app synthesizes without an error', () => {
    // GIVEN the README's examples (test/readme/, generated from README.md) in a fresh project
    const project = consumerProject('readme');
    const examples = path.join(project, 'examples');
    fs.cpSync(path.join(ROOT, 'test', 'readme'), examples, { recursive: true });
    fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'node16', moduleResolution: 'node16', strict: true, skipLibCheck: true, types: ['node'], outDir: 'out' },
      include: ['examples/*.ts'],
    }));
    fs.symlinkSync(fs.realpathSync(path.join(ROOT, 'node_modules', '@types')), path.join(project, 'node_modules', '@types'), 'dir');
    // Each app an example builds, found as the root of its constructs (cdk8s keeps no list of Apps); a MeshApp the
    // example does not synthesize is rendered and checked (manifests()), a plain App synthesized in memory (synthYaml()).
    fs.writeFileSync(path.join(project, 'run-examples.js'), `
const path = require('node:path');
const { Node } = require('constructs');
const { App } = require('cdk8s');
const { MeshApp } = require('cdk8s-mesh');
let roots = [];
const addChild = Node.prototype.addChild;
Node.prototype.addChild = function (child, id) { if (!this.scope && !roots.includes(this.host)) roots.push(this.host); return addChild.call(this, child, id); };
const synthesized = new Set();
const synth = MeshApp.prototype.synth;
MeshApp.prototype.synth = function () { synthesized.add(this); return synth.call(this); };
for (const file of process.argv.slice(2)) {
  roots = [];
  try {
    require(path.resolve(file));
    for (const app of roots) {
      if (app instanceof MeshApp) { if (!synthesized.has(app)) app.manifests(); } else if (app instanceof App) app.synthYaml();
    }
    console.log(path.basename(file) + ': ' + roots.length + ' app(s)');
  } catch (e) {
    console.log(path.basename(file) + ': ' + String(e && e.message).split('\\n').slice(0, 6).join(' | '));
  }
}
`);
    // WHEN they are type-checked against the packed .d.ts and the runnable ones run, in a folder of their own
    run(process.execPath, [TSC, '-p', 'tsconfig.json'], project);
    const sources = fs.readdirSync(examples).filter((f) => f.endsWith('.ts')).sort();
    const runnable = sources.filter((f) => !NOT_RUNNABLE.some(([re]) => re.test(fs.readFileSync(path.join(examples, f), 'utf8'))));
    const cwd = path.join(project, 'run');
    fs.mkdirSync(cwd);
    const out = execFileSync(process.execPath, [path.join(project, 'run-examples.js'), ...runnable.map((f) => path.join(project, 'out', f.replace(/\.ts$/, '.js')))], {
      cwd, stdio: 'pipe', env: withoutCrdOption(), maxBuffer: 64 * 1024 * 1024,
    }).toString();
    // THEN each one that builds an app synthesizes it, and none fails
    const lines = out.split('\n').filter((l) => /^example-\d+\.js: /.test(l));
    expect(lines).toHaveLength(runnable.length);
    expect(lines.filter((l) => !/: \d+ app\(s\)$/.test(l))).toEqual([]);
    expect(lines.filter((l) => !/: 0 app\(s\)$/.test(l)).length).toBeGreaterThanOrEqual(30);
    expect(sources.length - runnable.length).toBeLessThanOrEqual(NOT_RUNNABLE.length);
  }, 120_000);
});
