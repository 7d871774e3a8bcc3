import { Duration, Testing } from 'cdk8s';
import { FlaggerCanary, MeshApp, MeshChart, MeshService, Retries } from '../../src';

/**
 * Retry chains across the namespaces of one app (MESH660-662): a call from one chart's
 * service to another chart's crosses two dist/ folders, and the chain is analysed over both,
 * once; a chain within one folder is found by that folder's analysis alone.
 */
function chain(options: { sameChart?: boolean; flagger?: boolean } = {}) {
  const app = new MeshApp({ outdir: Testing.app().outdir, schemaValidation: false });
  const front = new MeshChart(app, 'front', { namespace: 'front' });
  const back = options.sameChart ? front : new MeshChart(app, 'back', { namespace: 'back' });
  // the caller's route gives up after 2s tries and retries 5xx; the callee may take 15s
  const web = new MeshService(front, 'web', {
    image: 'web:1',
    timeout: Duration.seconds(5),
    retries: Retries.of({ attempts: 3, perTryTimeout: Duration.seconds(2), retryOn: ['5xx', 'connect-failure'] }),
  });
  const api = new MeshService(back, 'api', { image: 'api:1', timeout: Duration.seconds(15) });
  const edge = new MeshService(front, 'edge', { image: 'edge:1' });
  edge.calls(web, { methods: ['POST'], paths: ['/orders'] });
  web.calls(api, { methods: ['POST'], paths: ['/api/orders'] });
  if (options.flagger) new FlaggerCanary(front, 'web-release', { service: web, stepWeight: 10 });
  app.manifests();
  return app.warnings.filter((w) => /\[MESH66[0-2]\]/.test(w));
}

describe('retry chains across namespaces', () => {
  test("a host Flagger releases keeps its route in the analysis: the Canary's service settings, which Flagger writes into its VirtualService", () => {
    const warnings = chain({ flagger: true });
    expect(warnings).toContainEqual(expect.stringMatching(
      /^\[front\/web-release\/Resource\] front\/Canary\/web: spec\.service\.retries\.perTryTimeout: .*gives up after 2000ms .* may take 15000ms/));
    expect(warnings.filter((w) => /Canary\/web.*\[MESH660\]/.test(w)).every((w) => w.endsWith('(with [back/api/VirtualService])'))).toBe(true);
    expect(warnings)
      .toContainEqual(expect.stringMatching(
        /^\[front\/web-release\/Resource\] front\/Canary\/web: spec\.service\.retries: POST from web to api: .*MESH661/));
  });

  test("a route in one namespace that gives up before the callee's in another is reported, naming both routes", () => {
    const warnings = chain();
    expect(warnings).toContainEqual(expect.stringMatching(
      /^\[front\/web\/VirtualService\] front\/VirtualService\/web: spec\.http\[0\]\.retries\.perTryTimeout: .*gives up after 2000ms .* may take 15000ms.*\[MESH660\] \(with \[back\/api\/VirtualService\]\)$/));
    expect(warnings).toContainEqual(expect.stringMatching(/POST from web to api: .*\[MESH661\] \(with \[back\/api\/VirtualService\]\)$/));
  });

  test('the same chain within one namespace gives the same findings, each once', () => {
    const across = chain().map((w) => w.replace(/back\//g, '').replace(/front\//g, '').replace(/\.back\b|\.front\b/g, ''));
    const within = chain({ sameChart: true }).map((w) => w.replace(/front\//g, '').replace(/\.front\b/g, ''));
    expect(new Set(within).size).toBe(within.length);
    expect(new Set(across).size).toBe(across.length);
    expect(across.sort()).toEqual(within.sort());
  });
});
