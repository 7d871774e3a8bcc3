import * as path from 'node:path';
import { buildBookinfo } from './app/bookinfo/bookinfo';
import { BOOKINFO_ENVIRONMENTS } from './app/bookinfo/environments';
import { buildEcEnvironment } from './app/ec-environment';
import { ENVIRONMENTS } from './app/environments';
import { buildCatalogTeam } from './app/teams/catalog';
import { buildCheckoutTeam } from './app/teams/checkout';
import { buildTiers } from './app/tiers/tiers';
import { MeshApp, MeshAppProps, MeshPlatform, MeshSynthError } from './index';

/** The committed output: dist/ at the project's root, whatever the working directory. */
export const DIST = path.resolve(__dirname, '..', 'dist');

/**
 * Synthesizes the EC site of seed 000 once per environment into dist/<environment>/, and
 * Istio's Bookinfo once per Bookinfo environment (dist/bookinfo, dist/bookinfo-dev, ...), and
 * seed 003's three tier namespaces (dist/k1s0-system, dist/k1s0-business, dist/k1s0-service), and
 * two teams whose charts another team's repository would build (dist/checkout calls the services
 * of dist/catalog as RemoteServices; the flow check over both folders proves them).
 * `platform` is the one the apps run on (default: the seeds', `MeshPlatform.default()`); `props` the app's other props.
 * Not into $CDK8S_OUTDIR: `cdk8s synth` empties that folder before the app runs
 * (cdk8s-cli src/cli/cmds/synth.ts: `fs.rmSync(outdir, { recursive: true, force: true })`),
 * so cdk8s.yaml's `output:` is a scratch folder and dist/ is replaced only by a complete synth.
 */
export function buildApp(outdir: string = DIST, platform?: MeshPlatform, props: Omit<MeshAppProps, 'outdir' | 'platform'> = {}): MeshApp {
  const app = new MeshApp({ ...props, outdir, platform });
  for (const env of ENVIRONMENTS) buildEcEnvironment(app, env);
  for (const env of BOOKINFO_ENVIRONMENTS) buildBookinfo(app, env);
  buildTiers(app);
  buildCatalogTeam(app);
  buildCheckoutTeam(app);
  return app;
}

/** Runs the synth for a pipeline: problems one line each on stderr and exit code 1, no stack trace. */
export function runSynth(app: MeshApp): number {
  try {
    app.synth();
    return 0;
  } catch (e) {
    if (!(e instanceof MeshSynthError)) throw e;
    process.stderr.write(`${e.message}\n`);
    return 1;
  }
}

if (require.main === module) {
  process.exitCode = runSynth(buildApp());
}
