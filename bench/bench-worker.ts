/**
 * One measurement, in its own process: `bench-worker <mode> <services> <dir> [<input>]`.
 *   mesh     build the synthetic mesh and synthesize it (what `cdk8s synth` does: validate, render, check, write)
 *   plain    the same manifests as plain cdk8s ApiObjects in plain Charts, rendered to YAML by cdk8s and written
 *   yaml     the floor: the finished manifests serialized to YAML (as mesh does) and written
 *   prepare  writes the finished manifests to <input>, for plain and yaml
 * plain and yaml read their manifests from <input> before the clock starts, made by `prepare` in a
 * process of its own: built in theirs, the mesh would leave its compiled code and its heap behind, and
 * plain cdk8s would not start as a plain cdk8s app does (it measured 0.3-0.9 s slower at 1,000 x 3).
 * Each reports the time until the files are on disk (`ms`) and its CPU time (`cpuMs`, all of the
 * process's threads), the peak RSS and the number of resources.
 * Prints one JSON line: { mode, services, ms, cpuMs, rssMiB, objects }.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiObject, App, Chart, Yaml } from 'cdk8s';
import { MeshApp } from '../src';
import { fileName, toYaml, writeTree } from '../src/synth/output';
import { buildSyntheticMesh } from './synthetic-mesh';

const [mode, servicesArg, dir, input] = process.argv.slice(2);
const services = Number(servicesArg);

/** Times `synth`, then asks `count` how many resources it wrote (outside the time: counting is not synthesizing). */
function measure(synth: () => void, count: () => number): void {
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  synth();
  const done = process.hrtime.bigint();
  // CPU time of the same span: on a machine shared with other work, wall time is noisy and this is not.
  const cpuUsed = process.cpuUsage(cpu);
  const rssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
  const objects = count();
  console.log(JSON.stringify({
    mode, services, ms: Math.round(Number(done - start) / 1e6), cpuMs: Math.round((cpuUsed.user + cpuUsed.system) / 1000), rssMiB, objects,
  }));
}

/** The synthetic mesh's manifests, each with its file's path in the tree. */
function finished(): { path: string; manifest: any }[] {
  const app = new MeshApp({ outdir: path.join(dir, 'unused'), schemaValidation: false, parallelChecks: false });
  buildSyntheticMesh(app, services);
  return app.manifests();
}

/** The file of the finished manifests, which plain, yaml and prepare need. */
function inputFile(): string {
  if (!input) throw new Error(`bench-worker ${mode}: no <input> (write one with \`bench-worker prepare <services> <dir> <input>\`)`);
  return input;
}

/** The manifests `prepare` wrote to <input>, read before the clock starts. */
function prepared(): { path: string; manifest: any }[] {
  return JSON.parse(fs.readFileSync(inputFile(), 'utf8'));
}

/** The YAML files under `root`. */
function countYaml(root: string): number {
  return fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.yaml')).length;
}

if (mode === 'mesh') {
  const outdir = path.join(dir, 'mesh');
  measure(() => {
    const app = new MeshApp({ outdir });
    buildSyntheticMesh(app, services);
    app.synth();
  }, () => countYaml(outdir));
} else if (mode === 'plain') {
  const manifests = prepared();
  let written = 0;
  measure(() => {
    const app = new App();
    const charts = new Map<string, Chart>();
    manifests.forEach((f, i) => {
      const env = f.path.split('/')[0];
      if (!charts.has(env)) charts.set(env, new Chart(app, env));
      new ApiObject(charts.get(env)!, `o${i}`, f.manifest);
    });
    // What App.synth does for a folder per chart and a file per resource.
    const files = [...charts.values()].flatMap((chart) => chart.toJson().map((m: any) => ({
      path: `${chart.node.id}/${fileName(m, undefined)}`, content: Yaml.stringify(m),
    })));
    writeTree(path.join(dir, 'plain'), files);
    written = files.length;
  }, () => written);
} else if (mode === 'yaml') {
  const manifests = prepared();
  let written = 0;
  measure(() => {
    const files = manifests.map((f) => ({ path: f.path, content: toYaml(f.manifest) }));
    writeTree(path.join(dir, 'yaml'), files);
    written = files.length;
  }, () => written);
} else if (mode === 'prepare') {
  fs.writeFileSync(inputFile(), JSON.stringify(finished()));
} else {
  throw new Error(`unknown mode ${mode}`);
}
