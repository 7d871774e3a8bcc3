/**
 * One model of the cluster per run: synth (checkApp) and `cdk8s-mesh-validate` index the
 * manifests once, and the analysis and the flow checks read that index.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Testing } from 'cdk8s';
import { MeshApp, MeshChart, MeshService } from '../../src';
import { validateCli } from '../../src/validate';
import { ClusterModel } from '../../src/validate/model/cluster-model';

/** Calls of ClusterModel.of over more than the few objects the analysis assumes (the platform's gateway Pod and Service). */
function modelsOfManifests(spy: jest.SpyInstance): number {
  return spy.mock.calls.filter(([manifests]) => manifests.some((m: any) => m?.kind === 'Deployment' && m.metadata?.name !== undefined)).length;
}

describe('the manifests are indexed once per run', () => {
  afterEach(() => jest.restoreAllMocks());

  test('synth: the analysis and the flows of two environments read one model', () => {
    // GIVEN an app of two environments, one calling the other
    const app = new MeshApp({ outdir: Testing.app().outdir });
    const shop = new MeshChart(app, 'shop', { namespace: 'shop' });
    const web = new MeshChart(app, 'web', { namespace: 'web' });
    const api = new MeshService(shop, 'api', { image: 'api:1' });
    new MeshService(web, 'front', { image: 'front:1' }).calls(api, { methods: ['GET'], paths: ['/items'] });
    const spy = jest.spyOn(ClusterModel, 'of');
    // WHEN it synthesizes, with every check on
    const files = app.manifests();
    // THEN one model of the manifests was built, and the flows ran (a Deployment of each environment)
    expect(files.some((f) => f.path === 'web/deployment.front.yaml')).toBe(true);
    expect(modelsOfManifests(spy)).toBe(1);
  });

  test('cdk8s-mesh-validate: the checks and the recorded calls read one model', () => {
    const dist = path.join(__dirname, '..', '..', 'dist');
    const spy = jest.spyOn(ClusterModel, 'of');
    const out: string[] = [];
    // GIVEN two teams' folders, one recording calls to the other's services (checked as flows)
    const code = validateCli(['checkout', 'catalog'], { stdout: (t) => out.push(t), stderr: (t) => out.push(t), cwd: dist });
    expect(code).toBe(0);
    expect(fs.readdirSync(path.join(dist, 'checkout')).some((f) => f.startsWith('configmap.'))).toBe(true);
    expect(modelsOfManifests(spy)).toBe(1);
  });
});
