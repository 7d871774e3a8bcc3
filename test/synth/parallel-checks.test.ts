/**
 * A parallel synth (MeshAppProps.parallelChecks: the per-object checks and the YAML on a worker
 * thread, src/synth/parallel-checks.ts) gives what the synth in one thread gives: the same files,
 * byte for byte, the same warnings and acknowledgements, and the same errors.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import { COMPILED } from '../setup/compiled';

// The library compiled (test/setup/compiled.js), as a user's app loads the package: the worker thread
// then loads the compiled check-worker.js and its heap bound, not ts-node and the TypeScript sources.
const { MeshApp, MeshChart, MeshService, MeshSynthError } = require(path.join(COMPILED, 'src')) as typeof import('../../src');
const { buildApp } = require(path.join(COMPILED, 'src', 'main')) as typeof import('../../src/main');
type MeshApp = InstanceType<typeof MeshApp>;
const DIST = path.join(__dirname, '..', '..', 'dist');

/**
 * An empty output folder, alone in a folder of its own: what a synth leaves beside its output is read from that folder,
 * not from the system's temporary one, which can hold hundreds of thousands of entries (reading it took a second).
 */
const outdir = () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-parallel-')), 'dist');
  fs.mkdirSync(dir);
  return dir;
};

/** What rendering `app` gives: its files' paths and warning lines, or its error's message. */
function outcome(app: MeshApp): { files?: string[]; warnings?: readonly string[]; error?: string } {
  try {
    const files = app.manifests().map((f) => f.path);
    return { files, warnings: [...app.warnings, ...app.acknowledgedWarnings, ...app.warningSummary()] };
  } catch (e) {
    return { error: `${(e as Error).name}: ${(e as Error).message}` };
  }
}

/** Every file under `root`, by its relative path. */
function tree(root: string): Map<string, string> {
  const files = fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => fs.statSync(path.join(root, f)).isFile());
  return new Map(files.sort().map((f) => [f, fs.readFileSync(path.join(root, f), 'utf8')]));
}

/** How many objects the worker thread checked in the last synth of `app`. */
function checkedByWorker(app: MeshApp): number {
  return (app as unknown as { _pool?: { checkedByWorker: number } })._pool?.checkedByWorker ?? 0;
}

test('the example app: synth writes dist/, byte for byte, the worker writing the manifests', () => {
  const dir = outdir();
  const app = buildApp(dir, undefined, { parallelChecks: true });
  app.synth();
  expect(checkedByWorker(app)).toBeGreaterThan(500);
  expect((app as unknown as { _pool: { written: Set<unknown> } })._pool.written.size).toBe(checkedByWorker(app));
  // That the synth in one thread writes dist/: test/review/determinism.test.ts.
  const written = tree(dir);
  const committed = tree(DIST);
  expect([...written.keys()]).toEqual([...committed.keys()]);
  expect([...written].filter(([f, content]) => committed.get(f) !== content).map(([f]) => f)).toEqual([]);
  // The app acknowledges warnings: their annotations, recorded after the worker wrote the files, are in the files above.
  expect(app.acknowledgedWarnings.length).toBeGreaterThan(0);
  expect(app.warnings).toEqual([]);
});

/** An app whose VirtualService a JSON patch breaks (a number where the CRD wants a subset's name, which the analysis would otherwise look up). */
function broken(parallelChecks: boolean): MeshApp {
  const app = new MeshApp({ outdir: outdir(), parallelChecks });
  const chart = new MeshChart(app, 'dev', { namespace: 'shop' });
  const api = new MeshService(chart, 'api', { image: 'registry.example.com/api:1.0.0' });
  const web = new MeshService(chart, 'web', { image: 'registry.example.com/web:1.0.0' });
  web.calls(api);
  const vs = chart.node.findAll().find((c) => (c as any).kind === 'VirtualService') as any;
  vs.addJsonPatch(JsonPatch.add('/spec/http/0/route/0/destination/subset', 7));
  return app;
}

test('a schema error: the same MeshSynthError, with the analysis run without the refused value', () => {
  const inThread = outcome(broken(false));
  expect(inThread.error).toMatch(/^MeshSynthError: .*MESH1/s);
  const app = broken(true);
  expect(outcome(app)).toEqual(inThread);
  expect(checkedByWorker(app)).toBeGreaterThan(0);
  // A failed synth keeps the previous output, and leaves no half-written tree beside it.
  fs.writeFileSync(path.join(app.outdir, 'previous.yaml'), 'kind: Previous\n');
  expect(() => app.synth()).toThrow(MeshSynthError);
  expect(fs.readdirSync(app.outdir)).toEqual(['previous.yaml']);
  expect(fs.readdirSync(path.dirname(app.outdir)).filter((f) => f.startsWith(`${path.basename(app.outdir)}.`))).toEqual([]);
});

test('a CRD directory that cannot be read fails as in one thread', () => {
  const make = (parallelChecks: boolean) => {
    const app = new MeshApp({ outdir: outdir(), parallelChecks, crdDirectory: path.join(os.tmpdir(), 'no-such-crds') });
    new MeshService(new MeshChart(app, 'dev', { namespace: 'shop' }), 'api', { image: 'registry.example.com/api:1.0.0' });
    return app;
  };
  const inThread = outcome(make(false));
  expect(inThread.error).toMatch(/MESH155/);
  expect(outcome(make(true))).toEqual(inThread);
});

test('without parallelChecks, a small app is checked in the thread', () => {
  const app = new MeshApp({ outdir: outdir() });
  new MeshService(new MeshChart(app, 'dev', { namespace: 'shop' }), 'api', { image: 'registry.example.com/api:1.0.0' });
  app.manifests();
  expect(checkedByWorker(app)).toBe(0);
  expect((app as unknown as { _pool?: unknown })._pool).toBeUndefined();
});

test('large ConfigMaps go to the worker in batches its bounded heap holds: it checks and writes every one', () => {
  // GIVEN 40 ConfigMaps of 1 MiB each (dashboards, say), and one small CRD bundle (the worker's heap bound is then 65 MiB)
  const crds = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-crds-'));
  const bundle = 'prometheus-operator-0.93.0-prometheusrules.json';
  fs.copyFileSync(path.join(__dirname, '..', '..', 'schemas', bundle), path.join(crds, bundle));
  // (40 MiB of files: on a memory-backed folder where there is one)
  const memory = fs.existsSync('/dev/shm') ? fs.mkdtempSync(path.join('/dev/shm', 'mesh-parallel-')) : outdir();
  const app = new MeshApp({ outdir: path.join(memory, 'dist'), parallelChecks: true, crdDirectory: crds });
  const chart = new Chart(app, 'dashboards', { namespace: 'monitoring' });
  const text = 'x'.repeat(2 ** 20);
  for (let i = 0; i < 40; i++) {
    new ApiObject(chart, `d${i}`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `d${i}` }, data: { 'dashboard.json': text } });
  }
  // WHEN synthesized
  app.synth();
  // THEN the worker checked and wrote each (in one batch of 40 MiB, held as objects and as YAML, it ran out of memory)
  expect(checkedByWorker(app)).toBe(40);
  const files = fs.readdirSync(path.join(app.outdir, 'dashboards'));
  expect(files).toHaveLength(40);
  expect(fs.statSync(path.join(app.outdir, 'dashboards', files[0])).size).toBeGreaterThan(2 ** 20);
  fs.rmSync(memory, { recursive: true, force: true });
}, 60_000);
