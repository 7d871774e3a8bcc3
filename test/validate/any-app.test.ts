import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiObject, App, JsonPatch, YamlOutputType } from 'cdk8s';
import { Codes, MeshApp, MeshChart, MeshService, Retries, WarningCode, Warnings } from '../../src';

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-any-app-'));
}

function files(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name).sort();
}

/** A chart whose only problem shows in the rendered manifests: a subset whose labels match no pod (MESH110). */
function subsetWithoutPods(app: App, id = 'dev'): MeshChart {
  const chart = new MeshChart(app, id, { namespace: 'dev' });
  const search = new MeshService(chart, 'search-service', { image: 'registry.example.com/search:3.0.0' });
  search.traffic.addSubset(search, { name: 'experimental', labels: { version: 'v3' } });
  return chart;
}

/** The writes to stderr of the last {@link stderrOf}. */
let writes = 0;

/** Runs `fn` with stderr captured, until the synth's queued output is written. */
async function stderrOf(fn: () => void): Promise<string> {
  let err = '';
  writes = 0;
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((t: any) => { err += String(t); writes++; return true; });
  try {
    fn();
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    spy.mockRestore();
  }
  return err;
}

describe('the rendered-manifest checks run under any App', () => {
  test.each([
    ['a plain App (one file per chart)', {}],
    ['a plain App writing one file per resource', { yamlOutputType: YamlOutputType.FILE_PER_RESOURCE }],
  ])('%s: a subset with no pods fails synth with the construct path and writes nothing', (_name, props) => {
    // GIVEN a plain cdk8s App, as the README's first examples use
    const outdir = tmp();
    const app = new App({ outdir, ...props });
    subsetWithoutPods(app);
    // THEN synth fails on the DestinationRule's construct, with field and code, before any file is written
    expect(() => app.synth()).toThrow(
      /\[dev\/search-service\/DestinationRule\] dev\/DestinationRule\/search-service: spec\.subsets\[\d\]\.labels: .*\[MESH110\]/);
    expect(files(outdir)).toEqual([]);
  });

  test('a plain App with a valid chart synthesizes, and its warnings are printed once, counted', async () => {
    // GIVEN a POST route retried on 5xx (MESH111, a warning)
    const outdir = tmp();
    const app = new App({ outdir, yamlOutputType: YamlOutputType.FILE_PER_RESOURCE });
    const chart = new MeshChart(app, 'dev', { namespace: 'dev' });
    // order-service retries on 5xx although api-gateway POSTs to it (MESH111); api-gateway
    // itself does not retry, so no retry chain is reported (MESH660, MESH661).
    const order = new MeshService(chart, 'order-service', { image: 'o:1', retries: Retries.of({ retryOn: ['5xx', 'connect-failure'] }) });
    const gateway = new MeshService(chart, 'api-gateway', { image: 'g:1', retries: Retries.none() });
    gateway.calls(order, { methods: ['POST'], paths: ['/api/orders/*'] });
    // WHEN it is synthesized
    const err = await stderrOf(() => app.synth());
    // THEN the files are written and the warning shows once, with its construct path and a count
    expect(files(outdir)).toContain('VirtualService.order-service.k8s.yaml');
    expect(err.match(/\[MESH111\]/g)).toHaveLength(1);
    expect(err).toMatch(/^warning: \[dev\/order-service\/VirtualService\] dev\/VirtualService\/order-service: spec\.http\[0\]\.retries\.retryOn: .*\[MESH111\] \(hint: .*acknowledge/m);
    expect(err).toMatch(/^cdk8s-mesh: 1 warning$/m);
    // The lines in one write, as a MeshApp's: thousands of warnings are one system call.
    expect(writes).toBe(1);
    const meshApp = new MeshApp({ outdir: tmp() });
    const meshChart = new MeshChart(meshApp, 'dev', { namespace: 'dev' });
    const meshOrder = new MeshService(meshChart, 'order-service', { image: 'o:1', retries: Retries.of({ retryOn: ['5xx', 'connect-failure'] }) });
    new MeshService(meshChart, 'api-gateway', { image: 'g:1', retries: Retries.none() }).calls(meshOrder, { methods: ['POST'], paths: ['/api/orders/*'] });
    expect(await stderrOf(() => meshApp.synth())).toMatch(/\[MESH111\][^]*\ncdk8s-mesh: 1 warning\n$/);
    expect(writes).toBe(1);
  });

  test("a team's chart with its own ApiObjects: their problems name their constructs too", () => {
    // GIVEN a MeshChart holding a MeshService and two objects the team writes itself
    const app = new App({ outdir: tmp() });
    const chart = new MeshChart(app, 'catalog', { namespace: 'catalog' });
    new MeshService(chart, 'catalog-api', { image: 'c:1' });
    new ApiObject(chart, 'team-config', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Team_Config' } });
    new ApiObject(chart, 'team-route', {
      apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'legacy' },
      spec: { hosts: ['legacy'], http: [{ route: [{ destination: { host: 'legacy-backend' } }] }] },
    });
    // THEN synth fails on each, with its path: an invalid name (MESH154), a route to a host with no Service (MESH100)
    let message = '';
    try {
      app.synth();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/\[catalog\/team-config\] catalog\/ConfigMap\/Team_Config: metadata\.name: .*\[MESH154\]/);
    expect(message).toMatch(/\[catalog\/team-route\] catalog\/VirtualService\/legacy: spec\.http\[0\]\.route\[0\]\.destination\.host: .*\[MESH100\]/);
  });

  test('the same checks, codes and paths under MeshApp, which renders each chart once', () => {
    const app = new MeshApp({ outdir: tmp() });
    subsetWithoutPods(app);
    expect(() => app.manifests()).toThrow(
      /\[dev\/search-service\/DestinationRule\] dev\/DestinationRule\/search-service: spec\.subsets\[\d\]\.labels: .*\[MESH110\]/);
    // A problem a construct reports is listed once, and the rendered manifests are not checked then.
    const app2 = new MeshApp({ outdir: tmp() });
    const chart = new MeshChart(app2, 'dev', { namespace: 'Not_A_Namespace' });
    new MeshService(chart, 'order-service', { image: 'o:1' });
    expect(() => app2.manifests()).toThrow(/^Validation failed with the following errors \(1; nothing was written\):\n {2}\[dev\] namespace: .*\[MESH001\]$/);
  });

  test('an error is one line with path, field, message, code and hint, and carries no stack trace', () => {
    const app = new MeshApp({ outdir: tmp() });
    const chart = new MeshChart(app, 'dev', { namespace: 'dev' });
    const svc = new MeshService(chart, 'payment-service', { image: 'p:1' });
    ApiObject.of(svc.node.findChild('VirtualService')).addJsonPatch(JsonPatch.add('/spec/http/0/timeout', '500us'));
    let error: Error | undefined;
    try {
      app.synth();
    } catch (e) {
      error = e as Error;
    }
    expect(error?.name).toBe('MeshSynthError');
    expect(error?.stack).toBe(error?.message);
    const lines = error!.message.split('\n');
    expect(lines[0]).toBe('Manifest validation failed with the following errors (2; nothing was written):');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^ {2}\[dev\/payment-service\/VirtualService\] dev\/VirtualService\/payment-service: spec\.http\[0\]\.retries\.perTryTimeout: .*500us \[MESH011\]$/);
    // one finding per problem, naming the CRDs of the release the platform runs, and a hint
    expect(lines[2]).toMatch(/^ {2}\[dev\/payment-service\/VirtualService\] dev\/VirtualService\/payment-service: spec\.http\[0\]\.timeout: .*\(istio-1\.24\.6\) \[MESH151\] \(hint: .+\)$/);
  });
});

describe('Warnings', () => {
  function postRetried(app: App): { chart: MeshChart; order: MeshService } {
    const chart = new MeshChart(app, 'dev', { namespace: 'dev' });
    // order-service retries on 5xx although api-gateway POSTs to it (MESH111); api-gateway
    // itself does not retry, so no retry chain is reported (MESH660, MESH661).
    const order = new MeshService(chart, 'order-service', { image: 'o:1', retries: Retries.of({ retryOn: ['5xx', 'connect-failure'] }) });
    const gateway = new MeshService(chart, 'api-gateway', { image: 'g:1', retries: Retries.none() });
    gateway.calls(order, { methods: ['POST'], paths: ['/api/orders/*'] });
    return { chart, order };
  }

  test('a warning acknowledged on the construct causing it is listed in one line, not printed', () => {
    const app = new MeshApp({ outdir: tmp() });
    const { order } = postRetried(app);
    Warnings.of(order).acknowledge('MESH111', 'order creation carries an idempotency key');
    app.manifests();
    expect(app.warnings).toEqual([]);
    expect(app.acknowledgedWarnings).toEqual([expect.stringMatching(/^\[dev\/order-service\/VirtualService\] .*\[MESH111\].*\(acknowledged: order creation carries an idempotency key\)$/)]);
    expect(app.warningSummary()).toEqual(['cdk8s-mesh: 1 acknowledged warning: MESH111 ×1 (dev/order-service)']);
    expect(Warnings.of(order).acknowledgements).toEqual([{ code: 'MESH111', reason: 'order creation carries an idempotency key', path: 'dev/order-service' }]);
  });

  test('an acknowledgement on another construct covers nothing, and one that matches no warning is reported [MESH062]', () => {
    const app = new MeshApp({ outdir: tmp() });
    const { chart } = postRetried(app);
    const other = chart.node.findChild('api-gateway');
    Warnings.of(other).acknowledge('MESH111', 'not the route that retries');
    app.manifests();
    expect(app.warnings).toHaveLength(1);
    expect(app.warningSummary()).toEqual([
      expect.stringMatching(/^warning: \[dev\/order-service\/VirtualService\] .*\[MESH111\]/),
      'warning: [dev/api-gateway] acknowledges MESH111, which no longer occurs there: remove the acknowledgement [MESH062]',
      'cdk8s-mesh: 2 warnings',
    ]);
  });

  test('a chart-wide acknowledgement covers every construct below it', () => {
    const app = new MeshApp({ outdir: tmp() });
    const { chart } = postRetried(app);
    Warnings.of(chart).acknowledge(Codes.RETRY_NON_IDEMPOTENT, 'seed retries, reviewed');
    app.manifests();
    expect(app.warnings).toEqual([]);
    expect(app.acknowledgedWarnings).toHaveLength(1);
  });

  test('an acknowledgement needs a reason [MESH060] and a warning code [MESH061]', () => {
    const app = new MeshApp({ outdir: tmp() });
    const { order } = postRetried(app);
    expect(() => Warnings.of(order).acknowledge('MESH111', '  ')).toThrow(/dev\/order-service: acknowledging MESH111 needs a reason \[MESH060\]/);
    expect(() => Warnings.of(order).acknowledge('MESH013' as WarningCode, 'errors cannot be waved through'))
      .toThrow(/MESH013 is not a warning code .*\[MESH061\]/);
  });
});
