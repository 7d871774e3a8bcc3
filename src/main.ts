import { buildEcEnvironment } from './app/ec-environment';
import { ENVIRONMENTS } from './app/environments';
import { MeshApp } from './mesh/mesh-app';

/** Synthesizes the EC site of seed 000 once per environment into dist/<environment>/. */
export function buildApp(outdir?: string): MeshApp {
  const app = new MeshApp({ outdir });
  for (const env of ENVIRONMENTS) buildEcEnvironment(app, env);
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
