import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Codes, diffMain, MeshError, validateCli } from '../../src';
import { platformFromData } from '../../src/platform/platform-file';

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
    [{ apiServer: { endpoints: ['0.0.0.0/0'] } }, Codes.JOB_API_SERVER_EGRESS, "platform.yaml: apiServer.endpoints: '0.0.0.0/0' matches every address"],
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
    for (const f of fs.readdirSync(path.join(DIST, 'bookinfo')).filter((x) => x.endsWith('.yaml') && x !== 'namespace.bookinfo.yaml')) {
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
