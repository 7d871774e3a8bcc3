import { buildBookinfo } from './app/bookinfo/bookinfo';
import { BOOKINFO_ENVIRONMENTS } from './app/bookinfo/environments';
import { buildEcEnvironment } from './app/ec-environment';
import { ENVIRONMENTS } from './app/environments';
import { MeshApp } from './mesh/mesh-app';

/**
 * Synthesizes the EC site of seed 000 once per environment into dist/<environment>/,
 * and Istio's Bookinfo once per Bookinfo environment (dist/bookinfo, dist/bookinfo-dev, ...).
 */
export function buildApp(outdir?: string): MeshApp {
  const app = new MeshApp({ outdir });
  for (const env of ENVIRONMENTS) buildEcEnvironment(app, env);
  for (const env of BOOKINFO_ENVIRONMENTS) buildBookinfo(app, env);
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
