import { onMeshChart } from '../graph/chart-hooks';
import { MeshSynthCheck } from '../validate/synth-check';

/*
 * Every MeshChart registers the checks over the rendered manifests (schema, CEL, istiod's
 * webhook, the analysis and the flows, over every chart of the app as one cluster) on its app,
 * so that they run under a plain cdk8s App too; MeshApp runs them once itself. Loaded by the
 * package entry and by MeshApp's module.
 */
onMeshChart((chart) => {
  MeshSynthCheck.of(chart);
});
