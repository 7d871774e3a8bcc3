// `--flow` per protocol and for the platform's components. What the proxies do with each protocol:
// test/validate/flow/protocols.test.ts (istio ConvertProtocol, tls.go, authz builder).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MeshApp, MeshChart, MeshService, WorkloadVolume } from '../../../src';
import { main } from '../../../src/validate/cli';

const DIST = path.join(__dirname, '..', '..', '..', 'dist');

function run(cwd: string, ...args: string[]) {
  let out = '';
  let err = '';
  const code = main(args, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, cwd });
  return { code, out, err };
}

describe('--flow judges TCP, TLS and gRPC as the proxies do', () => {
  // GIVEN an app whose services speak AMQP (TCP), TLS and gRPC, synthesized to a folder
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'flow-protocols-'));
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));
  const app = new MeshApp({ outdir });
  const chart = new MeshChart(app, 'shop', { namespace: 'shop' });
  const rabbitmq = new MeshService(chart, 'rabbitmq', {
    image: 'rabbitmq:3.13', ports: [{ port: 5672, protocol: 'tcp', name: 'tcp-amqp' }],
    // RabbitMQ writes its data directory and Erlang cookie at start: not on the read-only root filesystem (MESH052).
    volumes: [WorkloadVolume.emptyDir('data')], mounts: [{ volume: 'data', path: '/var/lib/rabbitmq' }],
  });
  const ledger = new MeshService(chart, 'ledger', { image: 'ledger:1', ports: [{ port: 7443, protocol: 'tls' }] });
  const pricing = new MeshService(chart, 'pricing', { image: 'pricing:1', ports: [{ port: 9090, protocol: 'grpc' }] });
  const shipping = new MeshService(chart, 'shipping', { image: 'shipping:1' });
  shipping.calls(rabbitmq);
  shipping.calls(ledger);
  shipping.calls(pricing, { methods: ['POST'], paths: ['/pricing.v1.Pricing/*'] });
  app.synth();
  const flow = (...specs: string[]) => run(outdir, ...specs.flatMap((s) => ['--flow', s]), 'shop');

  test('a TCP port: no HTTP route, no 404 NR, authorized on the connection', () => {
    const r = flow('shipping -> rabbitmq:5672');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ALLOWED shipping -> rabbitmq:5672 by AuthorizationPolicy shop\/rabbitmq-policy/);
    expect(flow('shipping -> rabbitmq:5672 tcp').code).toBe(0);
    // A workload that declares no call to it does not even import its host.
    expect(flow('pricing -> rabbitmq:5672')).toMatchObject({ code: 1, out: expect.stringMatching(/^REFUSED .* by Sidecar shop\/pricing/) });
  });

  test('TLS by SNI, gRPC by its method path', () => {
    expect(flow('shipping -> ledger.shop.svc.cluster.local:7443 tls sni=ledger.shop.svc.cluster.local')).toMatchObject({ code: 0 });
    expect(flow('shipping -> pricing:9090 grpc /pricing.v1.Pricing/Quote')).toMatchObject({ code: 0, out: expect.stringContaining('ALLOWED') });
    expect(flow('shipping -> pricing:9090 grpc /pricing.v1.Admin/Reset')).toMatchObject({ code: 1, out: expect.stringContaining('by AuthorizationPolicy shop/pricing-policy') });
  });

  test('--format json shows the protocol as parsed', () => {
    const r = run(outdir, '--format', 'json', '--flow', 'shipping -> pricing:9090 grpc /pricing.v1.Pricing/Quote', 'shop');
    expect(JSON.parse(r.out).flows[0].flow).toEqual({
      source: { workload: 'shipping', namespace: 'shop' }, host: 'pricing', port: 9090, protocol: 'GRPC', method: 'POST', path: '/pricing.v1.Pricing/Quote',
    });
  });

  test.each([
    ['shipping -> rabbitmq:5672 tcp GET /', 'a TCP connection has no method or path'],
    ['shipping -> ledger:7443 tls /x', 'a TLS connection has no method or path'],
    ['shipping -> pricing:9090 grpc', 'a gRPC call is POST /<package.Service>/<Method>'],
    ['shipping -> pricing:9090 grpc GET /pricing.v1.Pricing/Quote', 'a gRPC call is POST'],
    ['shipping -> rabbitmq:5672 sni=x', 'sni= is for a tls or https flow'],
    ['shipping -> rabbitmq', "'rabbitmq' is not <host>:<port> or platform:<component>[:<port>]"],
    ['shipping -> rabbitmq:5672 quic', "'quic' is not a protocol"],
  ])('%s is a usage error (MESH603): %s', (spec, message) => {
    const r = flow(spec);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(r.err).toContain('[MESH603]');
  });
});

describe('--flow to and from the platform: platform:<component>', () => {
  const flow = (spec: string) => run(DIST, '--flow', spec, 'production', 'cluster');

  test('spans to the collector: its host, port and Zipkin request by default', () => {
    const r = run(DIST, '--format', 'json', '--flow', 'order-service -> platform:tracing', 'production', 'cluster');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).flows[0].flow).toMatchObject({
      host: 'jaeger-collector.observability.svc.cluster.local', port: 9411, method: 'POST', path: '/api/v2/spans', protocol: 'HTTP',
      target: { name: 'jaeger-collector', namespace: 'observability' },
    });
  });

  test('scrapes, the proxy\'s own connection to istiod, Flagger\'s queries', () => {
    // A short host is the source's namespace's, as cluster DNS completes it: Prometheus names the namespace.
    expect(flow('platform:prometheus -> order-service.production:15090 GET /stats/prometheus')).toMatchObject({ code: 0 });
    const xds = flow('order-service -> platform:istiod');
    expect(xds).toMatchObject({ code: 0, out: expect.stringContaining("order-service's proxy → istio-system/istiod:15012 (not captured)") });
    expect(flow('platform:flagger -> platform:prometheus')).toMatchObject({ code: 0, out: expect.stringContaining('prometheus-operated.observability.svc.cluster.local:9090') });
  });

  test('Prometheus on an application port is refused; a component the platform lacks, or that serves nothing, is a usage error', () => {
    // payment-service admits Prometheus on the proxy's ports only, not on its application port
    expect(flow('platform:prometheus -> payment-service.production:80 GET /')).toMatchObject({ code: 1, out: expect.stringContaining('by NetworkPolicy production/payment-service') });
    expect(flow('platform:nope -> order-service:80')).toMatchObject({ code: 2, err: expect.stringMatching(/platform:nope is no component of the platform \(ingress-gateway, prometheus, tracing, istiod, rate-limit, flagger, api-server.*\[MESH603\]/) });
    expect(flow('order-service -> platform:rate-limit')).toMatchObject({ code: 2, err: expect.stringContaining("runs the rate-limit service in each app's namespace") });
    expect(flow('order-service -> platform:flagger')).toMatchObject({ code: 2, err: expect.stringContaining('it is a source') });
  });

  test('a described platform\'s components: its collector, and an address that is no URL', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flow-platform-'));
    const file = path.join(dir, 'platform.yaml');
    fs.writeFileSync(file, 'tracing: { protocol: opentelemetry, serviceName: otel-collector, namespace: tracing }\nprometheus: { address: not-a-url }\n');
    const spans = run(DIST, '--format', 'json', '--platform', file, '--flow', 'order-service -> platform:tracing', 'production');
    expect(JSON.parse(spans.out).flows[0].flow).toMatchObject({
      host: 'otel-collector.tracing.svc.cluster.local', port: 4317, protocol: 'GRPC', method: 'POST', path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
    });
    expect(run(DIST, '--platform', file, '--flow', 'platform:flagger -> platform:prometheus', 'production'))
      .toMatchObject({ code: 2, err: expect.stringContaining("platform:prometheus: its address 'not-a-url' is not a URL [MESH603]") });
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
