/**
 * One measurement, in its own process: `bench-worker <mode> <services> <dir>`.
 *   mesh   build the synthetic mesh, validate, render to YAML (what `cdk8s synth` does), then write it
 *   plain  the same manifests as plain cdk8s ApiObjects in plain Charts, rendered to YAML by cdk8s, then written
 *   yaml   the floor: the finished manifests serialized to YAML (as mesh does), then written
 * Each reports the time to YAML in memory (`ms`) and the time to write the files (`writeMs`)
 * apart: this machine's disk is erratic, and the library's cost is the first.
 * A fourth argument `no-write` skips the writing (for repeated runs).
 * Prints one JSON line: { mode, services, ms, cpuMs, writeMs, rssMiB, objects } (`cpuMs`: the CPU time of `ms`).
 */
import * as path from 'node:path';
import { ApiObject, App, Chart, Yaml } from 'cdk8s';
import { MeshApp } from '../src';
import { fileName, toYaml, writeTree } from '../src/synth/output';
import { buildSyntheticMesh } from './synthetic-mesh';

const [mode, servicesArg, dir, writeArg] = process.argv.slice(2);
const write = writeArg !== 'no-write';
const services = Number(servicesArg);

type Files = { path: string; content: string | Uint8Array }[];

function measure(render: () => Files, outdir: string): void {
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const files = render();
  const rendered = process.hrtime.bigint();
  // CPU time of the same span: on a machine shared with other work, wall time is noisy and this is not.
  const cpuUsed = process.cpuUsage(cpu);
  if (write) writeTree(outdir, files);
  const written = process.hrtime.bigint();
  const rssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
  console.log(JSON.stringify({
    mode, services, ms: Math.round(Number(rendered - start) / 1e6), cpuMs: Math.round((cpuUsed.user + cpuUsed.system) / 1000),
    writeMs: Math.round(Number(written - rendered) / 1e6), rssMiB, objects: files.length,
  }));
}

/** The synthetic mesh's manifests, made before the clock starts (for the baselines). */
function finished(): { path: string; manifest: any }[] {
  const app = new MeshApp({ outdir: path.join(dir, 'unused'), schemaValidation: false });
  buildSyntheticMesh(app, services);
  return app.manifests();
}

if (mode === 'mesh') {
  measure(() => {
    const app = new MeshApp({ outdir: path.join(dir, 'mesh') });
    buildSyntheticMesh(app, services);
    return app._yaml(app.manifests());
  }, path.join(dir, 'mesh'));
} else if (mode === 'plain') {
  const input = finished();
  measure(() => {
    const app = new App();
    const charts = new Map<string, Chart>();
    input.forEach((f, i) => {
      const env = f.path.split('/')[0];
      if (!charts.has(env)) charts.set(env, new Chart(app, env));
      new ApiObject(charts.get(env)!, `o${i}`, f.manifest);
    });
    // What App.synth does for a folder per chart and a file per resource, kept in memory.
    return [...charts.values()].flatMap((chart) => chart.toJson().map((m: any) => ({
      path: `${chart.node.id}/${fileName(m, undefined)}`, content: Yaml.stringify(m),
    })));
  }, path.join(dir, 'plain'));
} else if (mode === 'yaml') {
  const input = finished();
  measure(() => input.map((f) => ({ path: f.path, content: toYaml(f.manifest) })), path.join(dir, 'yaml'));
} else {
  throw new Error(`unknown mode ${mode}`);
}
