import type { Chart } from 'cdk8s';
import { Codes } from '../core/codes';
import { MeshError } from '../core/errors';

/**
 * What every MeshChart does on creation that a layer above the graph provides. The synth layer
 * registers the synth check here (src/synth/synth-check-wiring.ts, loaded by the package entry),
 * so that a MeshChart under any App, a plain cdk8s App included, runs every check over the
 * rendered manifests, without the graph importing the validator.
 */
export type MeshChartHook = (chart: Chart) => void;

const HOOKS: MeshChartHook[] = [];

/** Registers `hook` for every MeshChart created from now on (once, however often it is registered). */
export function onMeshChart(hook: MeshChartHook): void {
  if (!HOOKS.includes(hook)) HOOKS.push(hook);
}

/**
 * Runs the registered hooks on `chart`. With none registered the checks would silently not run,
 * so that fails: the package entry (src/index.ts) registers them.
 */
export function runMeshChartHooks(chart: Chart): void {
  if (HOOKS.length === 0) {
    throw new MeshError(Codes.SYNTH_FAILED,
      `${chart.node.path}: no synth check is registered for MeshCharts; import the constructs from the package entry (cdk8s-mesh)`);
  }
  for (const hook of HOOKS) hook(chart);
}
