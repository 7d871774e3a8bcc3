/**
 * The validation's share of a synth, phase by phase, on the synthetic mesh: the charts are built
 * and rendered once, then the checks synth runs over every manifest are repeated (`--repeat`,
 * default 3), each phase timed by the main thread's CPU time, which other work on the machine does
 * not inflate as it does wall time. A profiling aid (Linux): `npm run bench` measures the whole synth.
 *
 *   npx ts-node --swc bench/check-bench.ts 1000 [--repeat 3]     # prints one JSON line per run
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Chart } from 'cdk8s';
import { MeshApp, MeshChart } from '../src';
import { CLUSTER_FOLDER } from '../src/graph/mesh-cluster';
import { clusterFlowFindings } from '../src/validate/flow-check';
import { renderChart } from '../src/validate/synth-check';
import { checkManifests } from '../src/validate/validate';
import { buildSyntheticMesh } from './synthetic-mesh';

const services = Number(process.argv[2] ?? 100);
const repeatArg = process.argv.indexOf('--repeat');
const repeat = repeatArg >= 0 ? Number(process.argv[repeatArg + 1]) : 3;

/**
 * The CPU milliseconds the main thread has used (Linux: /proc/self/task/<pid>/stat, in clock
 * ticks of 10 ms), without the threads of the garbage collector and the compiler, which
 * process.cpuUsage counts and whose share varies from run to run.
 */
function mainThreadMs(): number {
  const fields = fs.readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** `fn`'s result and the CPU milliseconds the main thread took for it. */
function cpu<T>(fn: () => T): [T, number] {
  const start = mainThreadMs();
  const out = fn();
  return [out, mainThreadMs() - start];
}

const app = new MeshApp({ outdir: path.join(__dirname, '..', '.bench', 'unused') });
buildSyntheticMesh(app, services);
app.validateAll();
const charts = app.node.findAll().filter((c): c is Chart => Chart.isChart(c));
const meshCharts = charts.filter((c): c is MeshChart => MeshChart.isMeshChart(c) && c.environment !== CLUSTER_FOLDER);
const platform = meshCharts[0].platform;
for (let run = 0; run < repeat; run++) {
  const [manifests, renderMs] = cpu(() => charts.flatMap((c) => renderChart(c)));
  const [checked, checksMs] = cpu(() => checkManifests(manifests, { istioVersion: platform.istio.version }));
  const [flows, flowsMs] = cpu(() => clusterFlowFindings(meshCharts, checked.model!));
  console.log(JSON.stringify({
    services, objects: manifests.length, run, renderMs, checksMs, flowsMs, findings: checked.findings.length + flows.length,
  }));
}
