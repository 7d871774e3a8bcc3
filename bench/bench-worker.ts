/**
 * One measurement, in its own process: `bench-worker <mode> <services> <dir>`.
 *   mesh   build the synthetic mesh, validate, render and write dist (what `cdk8s synth` does)
 *   plain  the same manifests as plain cdk8s ApiObjects in plain Charts, synthesized by cdk8s
 *          with the same layout (a folder per chart, a file per resource)
 *   yaml   the floor: the finished manifests serialized to YAML, one file each
 * Prints one JSON line: { mode, services, ms, rssMiB, objects }.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiObject, App, Chart, Yaml, YamlOutputType } from 'cdk8s';
import { MeshApp, writeTree } from '../src/mesh/mesh-app';
import { buildSyntheticMesh } from './synthetic-mesh';

const [mode, servicesArg, dir] = process.argv.slice(2);
const services = Number(servicesArg);
const manifestsFile = path.join(dir, `manifests-${services}.json`);

function measure(fn: () => number): void {
  const start = process.hrtime.bigint();
  const objects = fn();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const rssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
  console.log(JSON.stringify({ mode, services, ms: Math.round(ms), rssMiB, objects }));
}

if (mode === 'mesh') {
  measure(() => {
    const app = new MeshApp({ outdir: path.join(dir, 'mesh') });
    buildSyntheticMesh(app, services);
    const files = app.manifests();
    writeTree(app.outdir, files.map((f) => ({ path: f.path, content: Yaml.stringify(f.manifest) })));
    fs.writeFileSync(manifestsFile, JSON.stringify(files));
    return files.length;
  });
} else if (mode === 'plain') {
  const files: { path: string; manifest: any }[] = JSON.parse(fs.readFileSync(manifestsFile, 'utf8'));
  measure(() => {
    const app = new App({ outdir: path.join(dir, 'plain'), yamlOutputType: YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE });
    const charts = new Map<string, Chart>();
    files.forEach((f, i) => {
      const env = f.path.split('/')[0];
      if (!charts.has(env)) charts.set(env, new Chart(app, env));
      new ApiObject(charts.get(env)!, `o${i}`, f.manifest);
    });
    app.synth();
    return files.length;
  });
} else if (mode === 'yaml') {
  const files: { path: string; manifest: any }[] = JSON.parse(fs.readFileSync(manifestsFile, 'utf8'));
  measure(() => {
    writeTree(path.join(dir, 'yaml'), files.map((f) => ({ path: f.path, content: Yaml.stringify(f.manifest) })));
    return files.length;
  });
} else {
  throw new Error(`unknown mode ${mode}`);
}
