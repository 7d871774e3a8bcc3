/**
 * A FlaggerCanary's load test: the `rollout` webhook to the platform's load tester with its `hey` command, the
 * service admitting the load tester's pods on the tested port, method and path, and the flow synth proves from them
 * to the canary's Service `<service>-canary` (which Flagger writes: src/validate/model/flagger.ts models it).
 * @see https://docs.flagger.app/usage/webhooks#load-testing
 */
import { Codes } from '../../core/codes';
import { describeDuration } from '../../core/duration';
import { formatProblem } from '../../core/errors';
import type { IntendedFlow } from '../../core/flow';
import type { ICanaryTarget } from '../../graph/mesh-service-props';
import { ServiceSecurity } from '../../graph/security/service-security';
import type { ResolvedServicePort } from '../../graph/service-port';
import { toGoDuration } from '../../private/go-duration';
import type { FlaggerLoadTest, FlaggerWebhook } from './flagger-hooks';

/** The protocols `hey` speaks: HTTP/1.1, or HTTP/2 (`-h2`, over TLS); a gRPC method it cannot call. */
const HEY_PROTOCOLS: readonly string[] = ['http', 'http2'];

/** A path `hey` requests as it is, inside the command's single quotes: RFC 3986 path characters without `'`, `*`, `?` or `#`. */
const CONCRETE_PATH = /^\/[A-Za-z0-9\-._~!$&()+,;=:@%/]*$/;

/** The load test with its defaults. */
interface ResolvedLoadTest extends Required<Omit<FlaggerLoadTest, 'timeout'>> {
  readonly timeout?: FlaggerLoadTest['timeout'];
}

function resolved(t: FlaggerLoadTest): ResolvedLoadTest {
  return { ...t, concurrency: t.concurrency ?? 2, method: t.method ?? 'GET', path: t.path ?? '/', name: t.name ?? 'load-test' };
}

/** The port the canary's Service has: the service's first (the Canary's `service.port`, renderCanarySpec). */
function testedPort(service: ICanaryTarget): ResolvedServicePort | undefined {
  return service.ports[0];
}

/** `hey`'s per-worker rate (`-q`, a float64 flag) for `rate` over `concurrency` workers, to a thousandth. */
function perWorker(rate: number, concurrency: number): string {
  return String(Number((rate / concurrency).toFixed(3)));
}

/**
 * The load-test webhook: `rollout` (called each interval of the analysis), `type: cmd` (the load tester runs the command
 * under `sh -c`, in the background, unless the same command still runs: fluxcd/flagger pkg/loadtester/server.go and
 * runner.go), `hey -z <duration> -q <rate per worker> -c <workers> [-m <method>] '<canary URL>'`.
 */
export function loadTestWebhook(service: ICanaryTarget, test: FlaggerLoadTest): FlaggerWebhook {
  const t = resolved(test);
  const port = testedPort(service);
  const url = `http://${service.name}-canary.${service.namespace}:${port?.port ?? 80}${t.path}`;
  const method = t.method === 'GET' ? '' : ` -m ${t.method}`;
  const cmd = `hey -z ${toGoDuration(t.duration) ?? '1m'} -q ${perWorker(t.rate, t.concurrency)} -c ${t.concurrency}${method} '${url}'`;
  return { name: t.name, type: 'rollout', url: service.chart.platform.loadTesterUrl(), timeout: t.timeout, metadata: { type: 'cmd', cmd } };
}

/**
 * Admits the load tester's pods to the service on the tested port's container port: NetworkPolicy ingress from its
 * namespace AND its Service's selector; meshed, an ALLOW rule for its principal on the method and path (as a RemoteCaller's
 * admission, src/graph/security/remote-admission.ts); without a sidecar, a plaintext admission of its pods on that port.
 */
export function admitLoadTester(service: ICanaryTarget, test: FlaggerLoadTest): void {
  const t = resolved(test);
  const port = testedPort(service);
  if (!port || !HEY_PROTOCOLS.includes(port.protocol) || loadTestProblems(service, test).length > 0) return;
  const platform = service.chart.platform;
  const l = platform.loadTester;
  const peer = { namespace: l.namespace, podLabels: { ...l.serviceSelector } };
  const ports = [{ port: port.targetPort, protocol: 'TCP' as const }];
  const security = ServiceSecurity.of(service);
  if (l.meshed) {
    const to = [{ methods: [t.method], paths: [t.path], ports: [port.targetPort] }];
    security.allow({ from: [{ principals: [platform.loadTesterPrincipal()] }], to });
    security.allowIngressFrom(peer, ports);
  } else {
    security.admitPlaintext({ peer, ports, methods: [t.method], paths: [t.path] });
  }
}

/** The load test's requests, from the load tester's pods to the canary's Service, which must reach the canary's pods. */
export function loadTestFlows(service: ICanaryTarget, test: FlaggerLoadTest, constructPath: string): IntendedFlow[] {
  const t = resolved(test);
  const port = testedPort(service);
  if (!port || !HEY_PROTOCOLS.includes(port.protocol)) return [];
  const canary = `${service.name}-canary`;
  return [{
    source: { platform: service.chart.platform.loadTesterWorkload() }, host: `${canary}.${service.namespace}.svc.cluster.local`,
    port: port.port, method: t.method, path: t.path, expect: 'allow', constructPath,
    reaches: { namespace: service.namespace, service: canary },
    description: `the load tester (${service.chart.platform.loadTester.serviceName}) sends ${t.method} ${t.path} to ${canary}`,
  }];
}

/** The load test's values: a positive rate, whole workers, a duration hey reads, a concrete path, a port hey can load. */
export function loadTestProblems(service: ICanaryTarget, test: FlaggerLoadTest): string[] {
  const out: string[] = [];
  const t = resolved(test);
  const bad = (field: string, what: string) => out.push(formatProblem(Codes.FLAGGER_INVALID_ANALYSIS, `loadTest.${field}: ${what}`));
  if (!Number.isInteger(t.concurrency) || t.concurrency < 1) bad('concurrency', `must be a whole number of at least 1, got ${t.concurrency}`);
  else if (!(Number.isFinite(t.rate) && t.rate / t.concurrency >= 0.001)) {
    bad('rate', `must be a number of requests per second of at least ${t.concurrency / 1000} (0.001 per worker), got ${t.rate}`);
  }
  if (!toGoDuration(t.duration)) bad('duration', `must be whole milliseconds, at least 1ms, got ${describeDuration(t.duration)}`);
  if (t.timeout && !toGoDuration(t.timeout)) bad('timeout', `must be whole milliseconds, at least 1ms, got ${describeDuration(t.timeout)}`);
  if (!CONCRETE_PATH.test(t.path)) bad('path', `must be a concrete path such as /api/products (no *, ?, # or quote), got '${t.path}'`);
  if (!['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'DELETE'].includes(t.method)) {
    bad('method', `hey sends GET, HEAD, OPTIONS, POST, PUT or DELETE, got '${t.method}'`);
  }
  const port = testedPort(service);
  if (port && !HEY_PROTOCOLS.includes(port.protocol)) {
    bad('rate', `the canary's Service port ${port.port} is ${port.protocol}, which hey cannot load (HTTP only); give a webhook of your own`);
  }
  // Flagger copies a restricted exportTo onto `-canary` (./flagger-apex.ts): a meshed load tester's sidecar must see that host.
  const l = service.chart.platform.loadTester;
  const visible = (service as { exportedTo?: (namespace: string) => boolean }).exportedTo?.(l.namespace) ?? true;
  if (l.meshed && !visible) {
    bad('rate', `${service.name}'s exportTo hides ${service.name}-canary from namespace ${l.namespace}, where the load tester runs: its `
      + "requests would leave its sidecar as plain TCP, past the canary's Service; export the service to that namespace");
  }
  return out;
}
