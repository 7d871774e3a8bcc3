/**
 * `npm run bench`: synth time, peak memory and objects emitted for synthetic meshes,
 * against (a) plain cdk8s ApiObjects holding the same manifests and (b) the floor of
 * serializing the finished manifests to YAML. Times are until the files are on disk, as
 * `cdk8s synth` gives them (a large app's synth writes on a worker thread while it checks).
 * Each measurement runs in its own process so that peak RSS is its own.
 * The library runs as a user's app loads it, compiled to JavaScript (tsconfig.bench.json,
 * into .bench/build): under ts-node, compiling the library's sources in memory adds about
 * 190 MiB to every process (the compiler and the compiled code), which a user's app, loading
 * the package's JavaScript, never pays.
 *
 *   npm run bench                   # 100, 500, 1000, 2000 services x 3 environments
 *   npm run bench -- --sizes 50     # a quick run (CI runs this)
 *   npm run bench -- --json out.json
 *   npm run bench -- --repeat 5      # best of 5 runs per measurement (default 3)
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const BENCH_DIR = path.join(ROOT, '.bench');
/**
 * Where the runs write their files: a memory-backed folder where there is one (Linux's /dev/shm), so
 * that every mode's time is the software's, not this machine's disk, whose speed varies tenfold from
 * run to run (25,000 files took 1 s to 10 s). Its pages are not the process's RSS.
 */
const OUT_DIR = fs.existsSync('/dev/shm') ? path.join('/dev/shm', 'cdk8s-mesh-bench') : path.join(BENCH_DIR, 'out');
/** The compiled worker (tsconfig.bench.json's outDir). */
const WORKER = path.join(BENCH_DIR, 'build', 'bench', 'bench-worker.js');

/** Compiles the library and the benchmark to JavaScript (incremental: a second run only checks). */
function compile(): void {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.bench.json')], { stdio: 'inherit' });
}

interface Measurement {
  readonly mode: string;
  readonly services: number;
  readonly ms: number;
  /** The CPU time of `ms` (all of the process's threads), which other work on the machine inflates less than wall time. */
  readonly cpuMs: number;
  readonly rssMiB: number;
  readonly objects: number;
}

/** The fastest of `runs` (this machine's speed varies from run to run), with the highest peak RSS. */
function best(runs: readonly Measurement[]): Measurement {
  const fastest = runs.reduce((a, b) => (b.ms < a.ms ? b : a));
  return { ...fastest, rssMiB: Math.max(...runs.map((r) => r.rssMiB)) };
}

/**
 * `repeat` rounds of one run of each mode, in turn: the machine's speed drifts over minutes, so
 * modes measured one block after the other would meet different machines; taken in turn, each mode
 * meets the same drift. The best of each mode's runs.
 */
function bestOfRounds(modes: readonly string[], services: number, dir: string, repeat: number): Measurement[] {
  // The baselines' manifests, made once in a process of their own (bench-worker.ts, `prepare`).
  const input = path.join(dir, 'input.json');
  worker('prepare', services, path.join(dir, 'prepare'), input);
  const runs: Measurement[][] = modes.map(() => []);
  for (let r = 0; r < repeat; r++) modes.forEach((mode, m) => runs[m].push(run(mode, services, path.join(dir, `${mode}-${r}`), input)));
  return runs.map(best);
}

function run(mode: string, services: number, dir: string, input: string): Measurement {
  const out = worker(mode, services, dir, input);
  return JSON.parse(out.trim().split('\n').pop()!) as Measurement;
}

/** Runs bench-worker in its own process, in `dir` (removed after); its standard output. */
function worker(mode: string, services: number, dir: string, input: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const out = execFileSync(
    process.execPath,
    [WORKER, mode, String(services), dir, input],
    {
      encoding: 'utf8',
      env: { ...process.env },
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}

function main(argv: string[]): void {
  const sizesArg = argv.indexOf('--sizes');
  const sizes = sizesArg >= 0 ? argv[sizesArg + 1].split(',').map(Number) : [100, 500, 1000, 2000];
  const jsonArg = argv.indexOf('--json');
  const repeatArg = argv.indexOf('--repeat');
  const repeat = repeatArg >= 0 ? Number(argv[repeatArg + 1]) : 3;
  const rows: Record<string, unknown>[] = [];
  compile();
  for (const n of sizes) {
    fs.mkdirSync(OUT_DIR, { recursive: true });
    const dir = fs.mkdtempSync(path.join(OUT_DIR, 'run-'));
    // The machine may be shared: the 1-minute load average before and after the row says how much.
    const loadBefore = os.loadavg()[0];
    try {
      const [mesh, plain, floor] = bestOfRounds(['mesh', 'plain', 'yaml'], n, dir, repeat);
      rows.push({
        services: n,
        environments: 3,
        objects: mesh.objects,
        meshMs: mesh.ms,
        plainCdk8sMs: plain.ms,
        yamlFloorMs: floor.ms,
        vsPlain: round(mesh.ms / plain.ms),
        vsFloor: round(mesh.ms / floor.ms),
        meshCpuMs: mesh.cpuMs,
        plainCpuMs: plain.cpuMs,
        vsPlainCpu: round(mesh.cpuMs / plain.cpuMs),
        peakRssMiB: mesh.rssMiB,
        load: `${loadBefore.toFixed(2)}-${os.loadavg()[0].toFixed(2)}`,
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const byN = new Map(rows.map((r) => [r.services as number, r]));
  const both = byN.has(1000) && byN.has(2000);
  const scaling = both ? round((byN.get(2000)!.meshMs as number) / (byN.get(1000)!.meshMs as number)) : undefined;
  const cpuScaling = both ? round((byN.get(2000)!.meshCpuMs as number) / (byN.get(1000)!.meshCpuMs as number)) : undefined;
  const machine = `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`;
  console.log(`machine: ${machine}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.table(rows);
  if (scaling !== undefined) console.log(`scaling 2000/1000 services: ${scaling} (CPU time: ${cpuScaling})`);
  if (jsonArg >= 0) {
    const date = new Date().toISOString().slice(0, 10);
    fs.writeFileSync(argv[jsonArg + 1], `${JSON.stringify({ machine, date, repeat, rows, scaling, cpuScaling }, null, 2)}\n`);
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

main(process.argv.slice(2));
