/**
 * `cdk8s-mesh-validate --platform` checks the manifests against the platform the cluster runs;
 * the manifests were written for the platform their Namespaces record (what synth assumed). Where
 * the two disagree (the ingress gateway's namespace, say: every NetworkPolicy peer and principal
 * names the other one), the checks assuming the platform given cannot see it, so each field the
 * platform given contradicts is an error on the Namespace, naming both values (MESH086).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  IngressGatewayInstall, MeshApp, MeshChart, MeshPlatform, MeshPlatformProps, MeshService, ObservabilityStack,
  TracingCollectorInstall,
} from '../../src';
import { platformContradictions } from '../../src/platform/platform-compare';
import { validateCli } from '../../src/validate';

beforeAll(() => { jest.spyOn(process.stderr, 'write').mockImplementation(() => true); });
afterAll(() => { jest.restoreAllMocks(); });

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'platform');
/** The snapshot of a cluster whose gateway is `helm install istio-ingress istio/gateway -n istio-ingress`. */
const SNAPSHOT = ['istiod', 'gateway-helm', 'kube-prometheus-stack', 'jaeger-operator', 'flagger'].map((f) => path.join(FIXTURES, `${f}.yaml`));

function run(args: string[], cwd: string): { code: number; out: string } {
  let out = '';
  const code = validateCli(args, { stdout: (t) => { out += t; }, stderr: (t) => { out += t; }, cwd });
  return { code, out };
}

/** One environment synthesized for `platform` into a fresh folder, with the presets file the cluster is read with. */
function synthesized(props: MeshPlatformProps, presets = 'ingressGateway: { preset: helmChart, release: istio-ingress, namespace: istio-ingress }\n'): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-contradicted-'));
  const app = new MeshApp({ outdir: path.join(outdir, 'dist'), platform: MeshPlatform.of(props) });
  const chart = new MeshChart(app, 'dev', { namespace: 'shop' });
  new MeshService(chart, 'web', { image: 'web:1' });
  // Its Telemetry sends spans to the collector: the sidecar lists it and the NetworkPolicy lets them out to its pods.
  new ObservabilityStack(chart, 'observability', { name: 'shop', runbookBaseUrl: 'https://wiki.example.com/runbooks' });
  app.synth();
  fs.writeFileSync(path.join(outdir, 'presets.yaml'), presets);
  return outdir;
}

const platformArgs = ['--platform', 'presets.yaml', ...SNAPSHOT.flatMap((f) => ['--platform', f])];

describe('the platform given with --platform against the one the Namespaces record', () => {
  test('synthesized for the gateway in istio-system, checked against a cluster running it in istio-ingress: MESH086 naming both', () => {
    const d = synthesized({ ingressGateway: IngressGatewayInstall.helmChart({ release: 'istio-ingress', namespace: 'istio-system' }) });
    const r = run([...platformArgs, 'dist'], d);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(new RegExp('^ERROR dist/dev/00-namespace\\.shop\\.yaml: Namespace/shop: metadata\\.annotations\\.mesh\\.cdk8s\\.io/platform'
      + '\\.ingressGateway\\.namespace: synth assumed istio-system \\(Namespace shop\'s record\\), the platform given with --platform'
      + ' \\(presets\\.yaml, .*\\) has istio-ingress: .*\\[MESH086\\]$', 'm'));
  });

  test('synthesized for the platform the cluster runs: no MESH086, though the pods carry labels the preset does not list', () => {
    const d = synthesized({ ingressGateway: IngressGatewayInstall.helmChart({ release: 'istio-ingress', namespace: 'istio-ingress' }) });
    const r = run([...platformArgs, 'dist'], d);
    expect(r.out).not.toMatch(/MESH086/);
    expect(r.code).toBe(0);
  });

  test('only what the files describe is compared: not a component the snapshot lacks and the map omits, nor a trust domain the map omits', () => {
    const gateway = IngressGatewayInstall.helmChart({ release: 'istio-ingress', namespace: 'istio-ingress' });
    // Nor the Istio release, nor the protocol of a collector that takes both Zipkin and OTLP (the snapshot shows neither).
    const d = synthesized({
      ingressGateway: gateway, flagger: { namespace: 'flagger-system' }, trustDomain: 'corp.example', istio: { version: '1.30' },
      tracing: TracingCollectorInstall.jaegerOperator({ protocol: 'opentelemetry' }),
    });
    const withoutFlagger = SNAPSHOT.filter((f) => !f.endsWith('flagger.yaml')).flatMap((f) => ['--platform', f]);
    // Neither Flagger nor the trust domain is a fact of the cluster the files state: the default platform's are no contradiction.
    expect(run(['--platform', 'presets.yaml', ...withoutFlagger, 'dist'], d)).toMatchObject({ code: 0, out: expect.not.stringMatching(/MESH086/) });
    // Stated, they are compared.
    fs.writeFileSync(path.join(d, 'stated.yaml'), 'ingressGateway: { preset: helmChart, release: istio-ingress, namespace: istio-ingress }\n'
      + 'trustDomain: cluster.local\nflagger: { namespace: istio-system }\ntracing: { preset: jaegerOperator }\n');
    const stated = run(['--platform', 'stated.yaml', ...withoutFlagger, 'dist'], d);
    expect(stated.code).toBe(1);
    expect(stated.out).toMatch(/platform\.trustDomain: synth assumed corp\.example .* has cluster\.local: .*\[MESH086\]/);
    expect(stated.out).toMatch(/platform\.flagger\.namespace: synth assumed flagger-system .* has istio-system: .*\[MESH086\]/);
    expect(stated.out).toMatch(/platform\.tracing\.protocol: synth assumed opentelemetry .* has zipkin: .*\[MESH086\]/);
    expect(stated.out).not.toMatch(/platform\.istio\.version/);
  });

  test('field by field: labels the pods must carry, selector labels Prometheus requires, the trust domain, the Gateways', () => {
    const assumed = MeshPlatform.of({
      trustDomain: 'corp.example',
      prometheus: { selectorLabels: { release: 'kps' } },
      gateways: [{ name: 'wildcard', namespace: 'istio-system', servers: [{ port: 80, protocol: 'HTTP', hosts: ['*.example.com'] }] }],
    });
    const given = MeshPlatform.of({
      ingressGateway: { podLabels: { app: 'istio-ingressgateway', istio: 'public' }, selector: { istio: 'public' } },
      prometheus: { selectorLabels: { release: 'kps', team: 'platform' } },
    });
    const found = Object.fromEntries(platformContradictions(assumed, given).map((c) => [c.field, `${c.assumed} | ${c.given}`]));
    expect(found).toMatchObject({
      'trustDomain': 'corp.example | cluster.local',
      'ingressGateway.selector': 'istio=ingressgateway | pods labelled istio=public',
      'prometheus.selectorLabels': 'no team | a Prometheus selecting team=platform',
      'gateways[istio-system/wildcard]': expect.stringMatching(/ \| no such Gateway$/),
    });
    // More labels on the pods, or rules carrying more labels than Prometheus requires, are no contradiction.
    expect(platformContradictions(MeshPlatform.default(), MeshPlatform.of({
      ingressGateway: { podLabels: { ...MeshPlatform.default().ingressGateway.podLabels, 'helm.sh/chart': 'gateway-1.24.6' } },
    }))).toEqual([]);
    expect(platformContradictions(given, given)).toEqual([]);
  });

  test("the gateway Service's other ports synth assumed must be among the cluster's: more are no contradiction", () => {
    const assumed = MeshPlatform.of({ ingressGateway: { otherPorts: [8883] } });
    expect(platformContradictions(assumed, MeshPlatform.of({ ingressGateway: { otherPorts: [15021, 8883] } }))).toEqual([]);
    expect(platformContradictions(assumed, MeshPlatform.default())).toEqual([
      { field: 'ingressGateway.otherPorts', assumed: '8883', given: 'a Service of other ports []' },
    ]);
    expect(platformContradictions(MeshPlatform.default(), assumed)).toEqual([]);
  });
});

describe("the Jaeger operator's strategy decides which pods the collector Service selects", () => {
  // A cluster whose `Jaeger` runs all-in-one (no strategy, or memory storage: jaeger-operator pkg/strategy/controller.go normalize).
  const allInOne = ['istiod', 'gateway-istioctl', 'kube-prometheus-stack', 'jaeger-operator-allinone', 'flagger']
    .flatMap((f) => ['--platform', path.join(FIXTURES, `${f}.yaml`)]);

  test.each([
    ['production (the default)', 'REFUSED', true, TracingCollectorInstall.jaegerOperator()],
    ['allInOne', 'ALLOWED', false, TracingCollectorInstall.jaegerOperator({ strategy: 'allInOne' })],
  ] as const)('synthesized for %s, the spans of a service to the all-in-one pod: %s', (_name, verdict, contradicted, tracing) => {
    const d = synthesized({ tracing });
    // The flow over the cluster's pods: the egress synth wrote selects the strategy's labels.
    const flow = run(['--flow', 'shop/web -> platform:tracing', ...allInOne, 'dist'], d);
    expect(flow.out).toMatch(new RegExp(`^${verdict} `, 'm'));
    if (verdict === 'REFUSED') expect(flow.out).toMatch(/NetworkPolicy shop\/web/);
    // And the check of the whole folder names the selector synth assumed.
    const checked = run([...allInOne, 'dist'], d);
    expect(/tracing\.serviceSelector: synth assumed .*app\.kubernetes\.io\/component=collector.*\[MESH086\]/.test(checked.out)).toBe(contradicted);
  });
});
