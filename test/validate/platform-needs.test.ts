/**
 * A snapshot given with `--platform` must hold the components the manifests need, and only those
 * (src/platform/platform-needs.ts): a cluster without Flagger checks an app without a Canary; an
 * app with a Canary on that cluster is MESH081 naming the Canary. A platform file's `components`
 * lists the components the cluster runs instead.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Duration } from 'cdk8s';
import { FlaggerCanary, MeshApp, MeshChart, MeshService, ObservabilityStack } from '../../src';
import { platformComponentsNeeded } from '../../src/platform/platform-needs';
import { validateCli } from '../../src/validate';

beforeAll(() => { jest.spyOn(process.stderr, 'write').mockImplementation(() => true); });
afterAll(() => { jest.restoreAllMocks(); });

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'platform');
/** The seeds' platform without Flagger. */
const WITHOUT_FLAGGER = ['istiod', 'gateway-istioctl', 'kube-prometheus-stack', 'jaeger-operator'].map((f) => path.join(FIXTURES, `${f}.yaml`));
const flags = (files: readonly string[]) => files.flatMap((f) => ['--platform', f]);

function run(args: string[], cwd: string): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = validateCli(args, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, cwd });
  return { code, out, err };
}

/** One environment (a service with tracing; with a Flagger Canary when `canary`) synthesized into a fresh folder's dist/. */
function synthesized(canary: boolean): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-needs-'));
  const app = new MeshApp({ outdir: path.join(d, 'dist') });
  const chart = new MeshChart(app, 'dev', { namespace: 'shop' });
  const web = new MeshService(chart, 'web', { image: 'web:1' });
  new ObservabilityStack(chart, 'observability', { name: 'shop', runbookBaseUrl: 'https://wiki.example.com/runbooks' });
  if (canary) new FlaggerCanary(chart, 'web-canary', { service: web, stepWeights: [10, 50], interval: Duration.minutes(1) });
  app.synth();
  return d;
}

describe('the components a snapshot must hold are those the manifests need', () => {
  test('an app without a Canary is checked against a cluster without Flagger', () => {
    const r = run([...flags(WITHOUT_FLAGGER), 'dist'], synthesized(false));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  });

  test('an app with a Canary on that cluster: MESH081 naming the Canary that needs Flagger', () => {
    const r = run([...flags(WITHOUT_FLAGGER), 'dist'], synthesized(true));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/the snapshot lacks Flagger: no Deployment istio-system\/flagger .*; Canary shop\/web needs it \(a platform file's `components` lists the components the cluster runs\) \[MESH081\]/);
  });

  test('what each kind of object needs', () => {
    const m = (apiVersion: string, kind: string, spec: object = {}) => ({ apiVersion, kind, metadata: { name: 'x', namespace: 'n' }, spec });
    const needs = (...ms: object[]) => Object.fromEntries(platformComponentsNeeded(ms));
    expect(needs()).toEqual({ istiod: 'the mesh (every sidecar)' });
    expect(needs(m('networking.istio.io/v1', 'VirtualService', { gateways: ['mesh'] }))).not.toHaveProperty('ingressGateway');
    expect(needs(m('networking.istio.io/v1', 'VirtualService', { gateways: ['ingress/wildcard'] }))).toHaveProperty('ingressGateway', 'VirtualService n/x');
    expect(needs(m('networking.istio.io/v1beta1', 'Gateway'))).toHaveProperty('ingressGateway', 'Gateway n/x');
    expect(needs(m('monitoring.coreos.com/v1', 'PodMonitor'))).toHaveProperty('prometheus', 'PodMonitor n/x');
    expect(needs(m('telemetry.istio.io/v1', 'Telemetry', { metrics: [{}] }))).not.toHaveProperty('tracing');
    expect(needs(m('telemetry.istio.io/v1', 'Telemetry', { tracing: [{ randomSamplingPercentage: 1 }] }))).toHaveProperty('tracing', 'Telemetry n/x');
    expect(needs(m('flagger.app/v1beta1', 'Canary'))).toMatchObject({ flagger: 'Canary n/x', prometheus: 'Canary n/x' });
  });
});

describe("a platform file's `components`: the components the cluster runs", () => {
  function withPresets(text: string): { dir: string; args: string[] } {
    const dir = synthesized(true);
    fs.writeFileSync(path.join(dir, 'presets.yaml'), text);
    return { dir, args: ['--platform', 'presets.yaml', ...flags(WITHOUT_FLAGGER), 'dist'] };
  }

  test('without flagger listed, the Canary is checked on the presets\' Flagger; listed, the snapshot must hold it', () => {
    const without = withPresets('components: [istiod, ingressGateway, prometheus, tracing]\n');
    expect(run(without.args, without.dir)).toMatchObject({ code: 0, err: '' });
    const listed = withPresets('components: [istiod, flagger]\n');
    expect(run(listed.args, listed.dir)).toMatchObject({ code: 2, err: expect.stringMatching(/the snapshot lacks Flagger: no Deployment istio-system\/flagger .*\[MESH081\]\n$/) });
  });

  test.each([
    ['components: [istiod, jaeger]\n', "presets.yaml: components: unknown component 'jaeger' (known: istiod, ingressGateway, prometheus, tracing, flagger,"],
    ['components: istiod\n', 'presets.yaml: components: must be a list of platform components'],
  ])('a bad list is MESH603 naming it: %s', (text, message) => {
    const { dir, args } = withPresets(text);
    const r = run(args, dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
  });

  test('without a snapshot it is refused: it names what is read from one', () => {
    const { dir } = withPresets('components: [istiod]\n');
    const r = run(['--platform', 'presets.yaml', 'dist'], dir);
    expect(r).toMatchObject({ code: 2, err: expect.stringContaining('presets.yaml: components: names the components read from a snapshot of the cluster') });
  });
});
