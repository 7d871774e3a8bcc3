import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Codes, IngressGatewayInstall, LoadTesterInstall, MeshError, MeshPlatform, TracingCollectorInstall } from '../../src';
import { diffMain } from '../../src/review';
import { validateCli } from '../../src/validate';
import { platformFromData, platformFromFiles, readPlatformFile } from '../../src/platform/platform-file';

const DIST = path.join(__dirname, '..', '..', 'dist');

/** Runs one of the two command-line tools from dist/, collecting what it prints. */
function run(cli: typeof validateCli, ...args: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = cli(args, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, cwd: DIST });
  return { code, out, err };
}

/** A platform file in a fresh folder. */
function platformFile(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'platform-file-'));
  const file = path.join(dir, 'platform.yaml');
  fs.writeFileSync(file, text);
  return file;
}

const error = (fn: () => unknown): MeshError => {
  try {
    fn();
  } catch (e) {
    return e as MeshError;
  }
  throw new Error('expected an error');
};

describe('a platform described in a file (--platform of both command-line tools)', () => {
  test('every component is read into MeshPlatform.of, CIDRs included', () => {
    const p = platformFromData({
      trustDomain: 'corp.example',
      istio: { rootNamespace: 'service-mesh', xdsPort: 15012 },
      ingressGateway: { namespace: 'gateways', podLabels: { istio: 'edge' }, selector: { istio: 'edge' }, httpPort: 9080, httpServicePort: 8000 },
      prometheus: { namespace: 'monitoring', selectorLabels: { release: 'prom' } },
      tracing: { protocol: 'opentelemetry', port: 4317, serviceName: 'otel-collector' },
      rateLimit: { namespace: 'ratelimit', grpcPort: 8081 },
      flagger: { namespace: 'flagger-system' },
      apiServer: { endpoints: ['10.0.0.1/32'], ports: [443] },
    }, 'platform.yaml');
    expect(p.trustDomain).toBe('corp.example');
    expect(p.istio.rootNamespace).toBe('service-mesh');
    expect(p.ingressGateway).toMatchObject({ namespace: 'gateways', podLabels: { istio: 'edge' }, httpPort: 9080, httpServicePort: 8000, httpsServicePort: 443 });
    expect(p.prometheus).toMatchObject({ namespace: 'monitoring', selectorLabels: { release: 'prom' } });
    expect(p.tracing).toMatchObject({ protocol: 'opentelemetry', port: 4317, serviceName: 'otel-collector' });
    expect(p.rateLimit.namespace).toBe('ratelimit');
    expect(p.flagger.namespace).toBe('flagger-system');
    expect(p.apiServer.endpoints.map(String)).toEqual(['10.0.0.1/32']);
  });

  test.each([
    [{ ingressGateway: { httpport: 8080 } }, Codes.INVALID_FLOW, 'platform.yaml: ingressGateway.httpport: unknown field'],
    [{ prometheus: 'observability' }, Codes.INVALID_FLOW, 'platform.yaml: prometheus: must be a map'],
    [{ gateway: {} }, Codes.INVALID_FLOW, 'platform.yaml: gateway: unknown field'],
    [{ ingressGateway: { httpPort: '8080' } }, Codes.INVALID_FLOW, 'platform.yaml: ingressGateway.httpPort: must be a port number'],
    [{ tracing: { protocol: 'jaeger' } }, Codes.INVALID_FLOW, "platform.yaml: tracing.protocol: must be 'zipkin' or 'opentelemetry'"],
    [{ istio: { istiodLabels: { app: 1 } } }, Codes.INVALID_FLOW, 'platform.yaml: istio.istiodLabels: must be a map of label names to string values'],
    [['not', 'a', 'map'], Codes.INVALID_FLOW, 'platform.yaml: (top): not a map'],
    // the platform's own checks keep their codes, with the file named
    [{ apiServer: { endpoints: ['0.0.0.0/0'] } }, Codes.INVALID_CIDR, "platform.yaml: apiServer.endpoints: '0.0.0.0/0' matches every address"],
    [{ ingressGateway: { httpPort: 70000 } }, Codes.OUT_OF_RANGE, 'platform.yaml: platform ingressGateway.httpPort must be a whole number from 1 to 65535'],
    [{ prometheus: { namespace: 'Observability' } }, Codes.INVALID_NAME, 'platform.yaml: platform prometheus.namespace'],
  ])('%j is refused: %s', (data, code, message) => {
    const e = error(() => platformFromData(data, 'platform.yaml'));
    expect(e).toBeInstanceOf(MeshError);
    expect(e.code).toBe(code);
    expect(e.message).toContain(message);
  });

  test("cdk8s-mesh-validate: the analysis assumes the file's ingress gateway instead of istioctl's default", () => {
    // Bookinfo's Gateway listens on the pods' 8080: istioctl's default gateway Service has no
    // such port (MESH117); a stock platform's maps 80 to it; one whose pods listen on 9080 does not.
    const warned = (r: { out: string }) => r.out.includes('[MESH117]');
    // Without its Namespace (and the platform it records), the folder gets istioctl's default gateway
    const bare = fs.mkdtempSync(path.join(os.tmpdir(), 'bookinfo-'));
    for (const f of fs.readdirSync(path.join(DIST, 'bookinfo')).filter((x) => x.endsWith('.yaml') && x !== '00-namespace.bookinfo.yaml')) {
      fs.copyFileSync(path.join(DIST, 'bookinfo', f), path.join(bare, f));
    }
    expect(warned(run(validateCli, bare))).toBe(true);
    expect(warned(run(validateCli, '--platform', platformFile('{}\n'), bare))).toBe(false);
    // The file overrides what the Namespace records (the stock platform, which maps 80 to 8080)
    expect(warned(run(validateCli, 'bookinfo'))).toBe(false);
    expect(warned(run(validateCli, '--platform', platformFile('ingressGateway: { httpPort: 9080 }\n'), 'bookinfo'))).toBe(true);
  });

  test("cdk8s-mesh-validate --flow: the file's platform pods are the flows' sources", () => {
    // Prometheus scrapes the sidecars' 15090; the output's NetworkPolicies admit the platform's
    // Prometheus (namespace observability), so one running elsewhere is refused.
    const scrape = 'prometheus -> order-service.production:15090 GET /stats/prometheus';
    const stock = run(validateCli, '--platform', platformFile('{}\n'), '--flow', scrape, 'production');
    const elsewhere = run(validateCli, '--platform', platformFile('prometheus: { namespace: monitoring }\n'), '--flow', scrape, 'production');
    expect(stock).toMatchObject({ code: 0, out: expect.stringMatching(/^ALLOWED .* by NetworkPolicy production\/order-service .*\n {2}via observability\/prometheus/) });
    expect(elsewhere).toMatchObject({ code: 1, out: expect.stringMatching(/^REFUSED .* by NetworkPolicy production\/order-service .*\n {2}via monitoring\/prometheus/) });
  });

  test('cdk8s-mesh-diff --platform: a malformed file is an error (exit 2) naming the field; a good one is used', () => {
    const bad = run(diffMain, '--platform', platformFile('ingressGateway: { podlabels: {} }\n'), 'production', 'production');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('ingressGateway.podlabels: unknown field');
    const good = run(diffMain, '--platform', platformFile('prometheus: { namespace: monitoring }\n'), 'production', 'production');
    expect(good).toMatchObject({ code: 0, err: '' });
  });
});

describe('--platform: a snapshot of the cluster, a map of presets, or both (several files are one platform)', () => {
  const FIXTURES = path.join(__dirname, '..', 'fixtures', 'platform');
  const seeds = ['istiod', 'gateway-istioctl', 'kube-prometheus-stack', 'jaeger-operator', 'flagger'].map((f) => path.join(FIXTURES, `${f}.yaml`));
  const flags = (files: string[]) => files.flatMap((f) => ['--platform', f]);
  const scrape = 'prometheus -> order-service.production:15090 GET /stats/prometheus';

  test('a map may name presets with their options', () => {
    const p = platformFromFiles([readPlatformFile({
      file: 'presets.yaml',
      text: 'ingressGateway: { preset: helmChart, release: istio-ingress, namespace: istio-ingress }\n'
        + 'tracing: { preset: openTelemetryCollector, release: otel, namespace: observability }\n'
        + 'prometheus: { preset: kubePrometheusStack, release: prom, namespace: monitoring }\n',
    })]);
    expect(p.ingressGateway).toEqual(MeshPlatform.of({ ingressGateway: IngressGatewayInstall.helmChart({ release: 'istio-ingress', namespace: 'istio-ingress' }) }).ingressGateway);
    expect(p.tracing).toEqual(MeshPlatform.of({ tracing: TracingCollectorInstall.openTelemetryCollector({ release: 'otel', namespace: 'observability' }) }).tracing);
    expect(p.prometheus.serviceName).toBe('prom-kube-prometheus-stack-prometheus');
    // An edge proxy's Host header annotation, or none for one that sends the service's name itself.
    const kong = platformFromFiles([readPlatformFile({ file: 'presets.yaml', text: 'apiGateway: { hostHeaderAnnotation: "" }\n' })]);
    expect(kong.apiGateway.hostHeaderAnnotation).toBe('');
    expect(MeshPlatform.of({}).apiGateway.hostHeaderAnnotation).toBe('konghq.com/host-header');
    // Flagger's load tester: its chart's preset (a release named otherwise gets `<release>-loadtester`), or its props.
    const tester = platformFromFiles([readPlatformFile({
      file: 'presets.yaml', text: 'loadTester: { preset: helmChart, release: lt, namespace: perf, meshed: false, serviceAccount: lt }\n',
    })]);
    expect(tester.loadTester).toEqual({
      installedBy: 'the flagger/loadtester Helm chart, release lt', namespace: 'perf', serviceName: 'lt-loadtester',
      podLabels: { 'app': 'loadtester', 'app.kubernetes.io/name': 'loadtester' }, serviceSelector: { app: 'loadtester' }, serviceAccount: 'lt',
      port: 80, targetPort: 8080, meshed: false,
    });
    expect(tester.loadTester).toEqual(MeshPlatform.of({
      loadTester: LoadTesterInstall.helmChart({ release: 'lt', namespace: 'perf', meshed: false, serviceAccount: 'lt' }),
    }).loadTester);
    expect(tester.loadTesterUrl()).toBe('http://lt-loadtester.perf/');
    expect(MeshPlatform.default().loadTesterUrl()).toBe('http://flagger-loadtester.test/');
    expect(platformFromFiles([readPlatformFile({ file: 'p.yaml', text: 'loadTester: { namespace: flagger, port: 9000 }\n' })]).loadTesterUrl())
      .toBe('http://flagger-loadtester.flagger:9000/');
    const allInOne = platformFromFiles([readPlatformFile({ file: 'presets.yaml', text: 'tracing: { preset: jaegerOperator, strategy: allInOne }\n' })]);
    expect(allInOne.tracing).toEqual(MeshPlatform.of({ tracing: TracingCollectorInstall.jaegerOperator({ strategy: 'allInOne' }) }).tracing);
  });

  test.each([
    ['tracing: { preset: jaeger }\n', 'presets.yaml: tracing.preset: must be one of jaegerOperator, jaegerHelmChart, istioJaegerAddon, openTelemetryCollector [MESH603]'],
    ['ingressGateway: { preset: helmChart, namespace: x }\n', 'presets.yaml: ingressGateway.release: the helmChart preset needs it [MESH603]'],
    ['ingressGateway: { preset: istioctl, release: x }\n', 'presets.yaml: ingressGateway.release: unknown field (known: namespace, name, labels) [MESH603]'],
    ['tracing: { preset: jaegerOperator, strategy: all-in-one }\n', "presets.yaml: tracing.strategy: must be 'production', 'streaming' or 'allInOne' [MESH603]"],
    ['flagger: { preset: helm }\n', 'presets.yaml: flagger.preset: this component has no presets; give its props [MESH603]'],
    // Whether the load tester has a sidecar decides how the services admit it: never guessed.
    ['loadTester: { preset: helmChart, release: lt, namespace: perf }\n', 'presets.yaml: loadTester.meshed: the helmChart preset needs it [MESH603]'],
    ['loadTester: { serviceSelector: { app: other } }\n', 'loadTester.serviceSelector'],
    ['apiGateway: { hostHeaderAnnotation: "Host Header" }\n', 'presets.yaml: apiGateway.hostHeaderAnnotation: must be an annotation name, or "" for none [MESH603]'],
    ['ingressGateway: { preset: helmChart, release: Bad_Name, namespace: x }\n', 'presets.yaml: IngressGatewayInstall.helmChart: release:'],
    ['- 1\n- 2\n', 'presets.yaml: neither a snapshot of the cluster (Kubernetes objects) nor a map of platform components [MESH080]'],
    ['a\n---\nb\n', 'presets.yaml: neither a snapshot of the cluster (Kubernetes objects) nor one map of platform components [MESH080]'],
  ])('a bad map: %s', (text, message) => {
    expect(() => platformFromFiles([readPlatformFile({ file: 'presets.yaml', text })])).toThrow(message);
  });

  test('two maps are refused; a snapshot split into files is one snapshot', () => {
    const map = readPlatformFile({ file: 'a.yaml', text: '{}' });
    expect(() => platformFromFiles([map, { ...map, file: 'b.yaml' }])).toThrow('b.yaml: a second map of platform components (after a.yaml); give one [MESH080]');
    const split = platformFromFiles(seeds.map((f) => readPlatformFile({ file: path.basename(f), text: fs.readFileSync(f, 'utf8') })));
    expect(split.tracing.serviceSelector).toEqual(MeshPlatform.default().tracing.serviceSelector);
  });

  test("cdk8s-mesh-validate --flow: the snapshot's Prometheus is the scrapes' source; another release's is refused by the output's NetworkPolicy", () => {
    expect(run(validateCli, ...flags(seeds), '--flow', scrape, 'production')).toMatchObject({ code: 0, out: expect.stringMatching(/^ALLOWED /) });
    // GIVEN the cluster's Prometheus is kube-prometheus-stack's release `prom` (its pods and Service named after it)
    const promText = fs.readFileSync(seeds[2], 'utf8').replaceAll('kube-prometheus-stack-prometheus', 'prom-kube-prometheus-stack-prometheus')
      .replaceAll('release: kube-prometheus-stack\n', 'release: prom\n');
    const prom = platformFile(promText);
    const presets = platformFile('prometheus: { preset: kubePrometheusStack, release: prom }\n');
    const others = seeds.filter((f) => !f.endsWith('kube-prometheus-stack.yaml'));
    // THEN the output (written for release kube-prometheus-stack) refuses its scrapes: exit 1, the NetworkPolicy named
    const r = run(validateCli, ...flags([...others, prom, presets]), '--flow', scrape, 'production');
    expect(r).toMatchObject({ code: 1, err: '', out: expect.stringMatching(/^REFUSED .* by NetworkPolicy production\/order-service/) });
  });

  test('cdk8s-mesh-validate and cdk8s-mesh-diff: a snapshot lacking a component, or contradicting the presets, is a usage error naming the file', () => {
    // The snapshot must hold what the manifests need: the gateway their VirtualServices are bound to, not Flagger, which production does not use.
    const noGateway = seeds.filter((f) => !f.endsWith('gateway-istioctl.yaml'));
    const r = run(validateCli, ...flags(noGateway), 'production');
    expect(r.code).toBe(2);
    expect(r.err).toContain('the snapshot lacks the ingress gateway: no Service istio-system/istio-ingressgateway');
    expect(r.err).toMatch(/; (Gateway|VirtualService) production\/[a-z-]+ needs it .*\[MESH081\]/);
    expect(r.err).toContain(noGateway[0]);
    expect(run(diffMain, ...flags(noGateway), 'production', 'production')).toMatchObject({ code: 2, err: expect.stringContaining('[MESH081]') });
    const noFlagger = seeds.filter((f) => !f.endsWith('flagger.yaml'));
    expect(run(validateCli, ...flags(noFlagger), 'production')).toMatchObject({ err: '' });
    expect(run(diffMain, ...flags(noFlagger), 'production', 'production')).toMatchObject({ code: 0, err: '' });
    const contradicted = run(diffMain, ...flags([...seeds, platformFile('tracing: { preset: jaegerOperator, name: traces }\n')]), 'production', 'production');
    expect(contradicted.code).toBe(2);
    expect(contradicted.err).toContain('no Service observability/traces-collector');
    expect(run(diffMain, ...flags(seeds), 'production', 'production')).toMatchObject({ code: 0, err: '' });
  });
});
