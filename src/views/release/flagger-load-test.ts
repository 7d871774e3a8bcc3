/**
 * A FlaggerCanary's load test: the `rollout` webhook to the platform's load tester with its `hey` (HTTP) or `ghz` (gRPC) command, the
 * service admitting the load tester's pods on the tested port, method and path, and the flow synth proves from them
 * to the canary's Service `<service>-canary` (which Flagger writes: src/validate/model/flagger.ts models it).
 * @see https://docs.flagger.app/usage/webhooks#load-testing
 */
import { Codes } from '../../core/codes';
import { describeDuration } from '../../core/duration';
import { formatProblem } from '../../core/errors';
import type { Problem } from '../../core/problem';
import type { IntendedFlow } from '../../core/flow';
import type { HttpMethod } from '../../core/http';
import type { ICanaryTarget } from '../../graph/mesh-service-props';
import { MeshService } from '../../graph/mesh-service';
import { ServiceSecurity } from '../../graph/security/service-security';
import { MeshSecurity } from '../../graph/security/mesh-security';
import { MtlsMode } from '../../graph/security/mtls-mode';
import { MtlsPolicy } from '../../graph/security/mtls-policy';
import { MeshCluster } from '../../graph/mesh-cluster';
import type { Construct, IConstruct } from 'constructs';
import type { ResolvedServicePort } from '../../graph/service-port';
import { toGoDuration } from '../../private/go-duration';
import type { FlaggerLoadTest, FlaggerWebhook } from './flagger-hooks';

/** The protocols `hey` speaks: HTTP/1.1, or HTTP/2 (`-h2`, over TLS); a gRPC method it cannot call. */
const HEY_PROTOCOLS: readonly string[] = ['http', 'http2'];

/**
 * The protocol `ghz` speaks: gRPC, here in cleartext (`--insecure`), which the load tester's sidecar sends over Istio mTLS.
 * @see https://ghz.sh/docs/options
 */
const GHZ_PROTOCOLS: readonly string[] = ['grpc'];

/**
 * The default gRPC load: the health service's Check, described by the health.proto that Flagger's load tester image
 * carries (Dockerfile.loadtester: `ADD .../grpc/health/v1/health.proto /tmp/ghz/health.proto`), so that ghz needs no
 * server reflection (docs.flagger.app, "Load Testing": `ghz --insecure --proto=/tmp/ghz/health.proto
 * --call=grpc.health.v1.Health/Check podinfo.test:9898`).
 */
const HEALTH_CHECK = 'grpc.health.v1.Health/Check';
const HEALTH_PROTO = '/tmp/ghz/health.proto';

/**
 * The server reflection ghz asks a method's description of when it has no proto file: both versions of the service, since
 * its client asks v1 and falls back to v1alpha where a server serves only that one (bojand/ghz runner/requester.go,
 * `grpcreflect.NewClientAuto`; grpc/grpc-proto grpc/reflection/v1 and v1alpha). Its `-r` and `-c` are whole numbers
 * (cmd/ghz/main.go: `Uint()` flags) and `-z` ends the run, `-n` then ignored.
 */
const REFLECTION_PATHS: readonly string[] = [
  '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo', '/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo',
];

/** A gRPC method as ghz's `--call` takes it and as its HTTP/2 path names it: `package.Service/Method`. */
const GRPC_METHOD = /^([A-Za-z_][A-Za-z0-9_]*\.)*[A-Za-z_][A-Za-z0-9_]*\/[A-Za-z_][A-Za-z0-9_]*$/;

const isGrpcPort = (port: ResolvedServicePort | undefined): boolean => !!port && GHZ_PROTOCOLS.includes(port.protocol);

/** A path `hey` requests as it is, inside the command's single quotes: RFC 3986 path characters without `'`, `*`, `?` or `#`. */
const CONCRETE_PATH = /^\/[A-Za-z0-9\-._~!$&()+,;=:@%/]*$/;

/** The load test with its defaults. */
interface ResolvedLoadTest extends Required<Omit<FlaggerLoadTest, 'timeout' | 'grpcMethod'>> {
  readonly timeout?: FlaggerLoadTest['timeout'];
  readonly grpcMethod?: string;
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

/** The requests the load test sends: over gRPC, POSTs of the method's path (and of the reflection ghz asks without a proto). */
function loadTestRequests(service: ICanaryTarget, test: FlaggerLoadTest): { method: HttpMethod; path: string }[] {
  const t = resolved(test);
  if (!isGrpcPort(testedPort(service))) return [{ method: t.method, path: t.path }];
  const paths = t.grpcMethod ? [`/${t.grpcMethod}`, ...REFLECTION_PATHS] : [`/${HEALTH_CHECK}`];
  return paths.map((path) => ({ method: 'POST' as const, path }));
}

/**
 * The load-test webhook: `rollout` (called each interval of the analysis), `type: cmd` (the load tester runs the command
 * under `sh -c`, in the background, unless the same command still runs: fluxcd/flagger pkg/loadtester/server.go and
 * runner.go), `hey -z <duration> -q <rate per worker> -c <workers> [-m <method>] '<canary URL>'` on an HTTP port, and on a
 * gRPC port `ghz --insecure -z <duration> -r <rate> -c <workers> [--proto=<health.proto>] --call=<method> <canary>:<port>`.
 */
export function loadTestWebhook(service: ICanaryTarget, test: FlaggerLoadTest): FlaggerWebhook {
  const t = resolved(test);
  const port = testedPort(service);
  const duration = toGoDuration(t.duration) ?? '1m';
  let cmd: string;
  if (isGrpcPort(port)) {
    const call = t.grpcMethod ? `--call=${t.grpcMethod}` : `--proto=${HEALTH_PROTO} --call=${HEALTH_CHECK}`;
    cmd = `ghz --insecure -z ${duration} -r ${t.rate} -c ${t.concurrency} ${call} ${service.name}-canary.${service.namespace}:${port!.port}`;
  } else {
    const url = `http://${service.name}-canary.${service.namespace}:${port?.port ?? 80}${t.path}`;
    const method = t.method === 'GET' ? '' : ` -m ${t.method}`;
    cmd = `hey -z ${duration} -q ${perWorker(t.rate, t.concurrency)} -c ${t.concurrency}${method} '${url}'`;
  }
  return { name: t.name, type: 'rollout', url: service.chart.platform.loadTesterUrl(), timeout: t.timeout, metadata: { type: 'cmd', cmd } };
}

/**
 * Admits the load tester's pods to the service on the tested port's container port: NetworkPolicy ingress from its
 * namespace AND its Service's selector; meshed, an ALLOW rule for its principal on the method and path (as a RemoteCaller's
 * admission, src/graph/security/remote-admission.ts); without a sidecar, a plaintext admission of its pods on that port.
 */
export function admitLoadTester(service: ICanaryTarget, test: FlaggerLoadTest): void {
  const port = testedPort(service);
  if (!port || !(HEY_PROTOCOLS.includes(port.protocol) || isGrpcPort(port)) || loadTestProblems(service, test).length > 0) return;
  const requests = loadTestRequests(service, test);
  const methods = [...new Set(requests.map((r) => r.method))];
  const paths = requests.map((r) => r.path);
  const platform = service.chart.platform;
  const l = platform.loadTester;
  const peer = { namespace: l.namespace, podLabels: { ...l.serviceSelector } };
  const ports = [{ port: port.targetPort, protocol: 'TCP' as const }];
  const security = ServiceSecurity.of(service);
  if (l.meshed) {
    const to = [{ methods, paths, ports: [port.targetPort] }];
    security.allow({ from: [{ principals: [platform.loadTesterPrincipal()] }], to });
    security.allowIngressFrom(peer, ports);
  } else {
    security.admitPlaintext({ peer, ports, methods, paths });
  }
}

/** The load test's requests, from the load tester's pods to the canary's Service, which must reach the canary's pods. */
export function loadTestFlows(service: ICanaryTarget, test: FlaggerLoadTest, constructPath: string): IntendedFlow[] {
  const port = testedPort(service);
  if (!port || !(HEY_PROTOCOLS.includes(port.protocol) || isGrpcPort(port))) return [];
  const canary = `${service.name}-canary`;
  return loadTestRequests(service, test).map((r) => ({
    source: { platform: service.chart.platform.loadTesterWorkload() }, host: `${canary}.${service.namespace}.svc.cluster.local`,
    port: port.port, method: r.method, path: r.path, expect: 'allow', constructPath,
    ...(isGrpcPort(port) ? { protocol: 'GRPC' as const } : {}),
    reaches: { namespace: service.namespace, service: canary },
    description: `the load tester (${service.chart.platform.loadTester.serviceName}) sends ${r.method} ${r.path} to ${canary}`,
  }));
}

/**
 * Flagger's own calls of the Canary's webhooks that the platform's load tester serves (a `loadTest`'s, a gate's such as
 * `confirm-rollout` to its `/gate/check`, a command of your own): Flagger POSTs each webhook's payload from its pod
 * (fluxcd/flagger pkg/controller/webhook.go, `callWebhook`: `retryablehttp.NewRequest("POST", ...)`), and its pod has no
 * sidecar (`MeshPlatform.flaggerWorkload`), so under STRICT mTLS on the load tester's port (a mesh-wide STRICT
 * PeerAuthentication) every call is refused: a gate never opens, a load test never runs and Flagger rolls back (fluxcd/flagger
 * docs/gitbook/faq.md, "If Flagger is outside of the mesh, how can it start the load test?", gives the load tester a
 * PeerAuthentication of its own). Each such webhook is an intended flow from Flagger's pods to the load tester's, which synth
 * proves (MESH600 on the Canary). A URL of another host, of another port than the load tester Service's, or over HTTPS is not read.
 */
export function webhookFlows(service: ICanaryTarget, webhooks: readonly FlaggerWebhook[], constructPath: string): IntendedFlow[] {
  const platform = service.chart.platform;
  const l = platform.loadTester;
  const names = loadTesterNames(service);
  const out: IntendedFlow[] = [];
  for (const hook of webhooks) {
    const url = URL.canParse(hook.url) ? new URL(hook.url) : undefined;
    if (!url || url.protocol !== 'http:') continue;
    const served = appServiceOf(service, url.hostname.toLowerCase());
    if (served && !names.includes(url.hostname.toLowerCase())) {
      out.push(appServiceWebhookFlow(service, hook, served, Number(url.port || 80), url.pathname, constructPath));
      continue;
    }
    if (!names.includes(url.hostname.toLowerCase()) || Number(url.port || 80) !== l.port) continue;
    out.push({
      source: { platform: platform.flaggerWorkload() }, host: `${l.serviceName}.${l.namespace}.svc.cluster.local`, port: l.port,
      target: platform.loadTesterWorkload(), targetPort: l.targetPort, protocol: 'HTTP', method: 'POST', path: url.pathname,
      expect: 'allow', constructPath,
      description: `Flagger calls the ${hook.type} webhook ${hook.name} of ${service.name}'s Canary (POST ${hook.url}) on the load tester`
        + ` (${l.serviceName}), from its pods without a sidecar`,
    });
  }
  return out;
}

/** Whether `hook` calls the platform's load tester Service over HTTP on its port (as {@link webhookFlows} reads a URL). */
function callsLoadTester(service: ICanaryTarget, hook: FlaggerWebhook): boolean {
  const url = URL.canParse(hook.url) ? new URL(hook.url) : undefined;
  return !!url && url.protocol === 'http:' && loadTesterNames(service).includes(url.hostname.toLowerCase())
    && Number(url.port || 80) === service.chart.platform.loadTester.port;
}

/** The id of the load tester's PeerAuthentication under a chart of a plain cdk8s App. */
const LOAD_TESTER_MTLS_ID = 'FlaggerLoadTesterMtls';

/**
 * Lets Flagger, which has no sidecar, call the platform's meshed load tester under STRICT mTLS: where a Canary's webhook
 * calls the load tester (its `loadTest`, a gate) and the chart's mesh-wide policy is STRICT, a PeerAuthentication
 * `<serviceName>` in the load tester's namespace selects its pods and accepts plaintext on their port alone (STRICT
 * elsewhere). This is Flagger's answer
 * (fluxcd/flagger docs/gitbook/faq.md, "If Flagger is outside of the mesh, how can it start the load test?", a
 * PeerAuthentication `flagger-loadtester` in `test` for the load tester's pods), narrowed to the webhook's port: a
 * workload's port-level mode overrides the namespace's and the mesh's (istio.io, PeerAuthentication: "port-level ...
 * workload-specific policy"), and it needs the selector. Its name is Flagger's, so a hand-written copy of the FAQ's collides
 * at synth (MESH018) rather than select the same pods twice, where Istio keeps the oldest. The load tester's own requests
 * to the canary are unchanged: its sidecar sends them over mTLS. Written once: in a MeshApp to the cluster's folder, since
 * the load tester is the platform's (environments that disagree on it fail with MESH631); under a plain App by the first
 * chart that needs it. Synth proves each webhook's call (MESH600).
 */
export function admitFlaggerOnLoadTester(canary: IConstruct, service: ICanaryTarget, webhooks: readonly FlaggerWebhook[]): void {
  const l = service.chart.platform.loadTester;
  if (!l.meshed || !webhooks.some((h) => callsLoadTester(service, h))) return;
  if (!MeshSecurity.of(service.chart).meshMtls.mode?.isStrict) return;
  const selector = { ...l.serviceSelector };
  const create = (scope: Construct, id: string) => new MtlsPolicy(scope, id, {
    name: l.serviceName, namespace: l.namespace, mode: MtlsMode.strict(), selector,
    portLevelMtls: { [l.targetPort]: MtlsMode.permissive() },
  });
  const cluster = MeshCluster.forApp(canary);
  if (cluster) {
    const key = `PeerAuthentication ${l.namespace}/${l.serviceName}`;
    cluster.addOnce(key, canary, { selector, plaintextPort: l.targetPort }, create);
    return;
  }
  const written = canary.node.root.node.children.some((c) => c.node.tryFindChild(LOAD_TESTER_MTLS_ID));
  if (!written) create(service.chart as unknown as Construct, LOAD_TESTER_MTLS_ID);
}

/** The host names of the platform's load tester a webhook URL may use (a bare name from the load tester's own namespace). */
function loadTesterNames(service: ICanaryTarget): string[] {
  const l = service.chart.platform.loadTester;
  return [`${l.serviceName}.${l.namespace}`, `${l.serviceName}.${l.namespace}.svc`, `${l.serviceName}.${l.namespace}.svc.cluster.local`,
    ...(service.namespace === l.namespace ? [l.serviceName] : [])];
}

/**
 * MESH683 (warning): a webhook to a Service of the cluster (a bare name, or a name under `.svc`) that is neither the
 * platform's load tester nor a service of the app. Flagger POSTs it from its pods, which have no sidecar (fluxcd/flagger
 * pkg/controller/webhook.go, `callWebhook`), so under STRICT mTLS, a NetworkPolicy or an ALLOW policy the target refuses it
 * unless it admits Flagger's pods in plaintext; the manifests do not hold that Service, so synth cannot prove the call, and a
 * gate that fails at every run rolls the canary back. A bare name is resolved in Flagger's own namespace.
 */
export function unverifiedWebhookProblems(service: ICanaryTarget, webhooks: readonly FlaggerWebhook[]): Problem[] {
  const names = loadTesterNames(service);
  const out: Problem[] = [];
  webhooks.forEach((hook, i) => {
    const host = URL.canParse(hook.url) ? new URL(hook.url).hostname.toLowerCase() : undefined;
    if (!host || names.includes(host) || appServiceOf(service, host)) return;
    const inCluster = !host.includes('.') ? "a Service of Flagger's own namespace"
      : /\.svc(\.cluster\.local)?$/.test(host) ? 'a Service of the cluster' : undefined;
    if (!inCluster) return;
    out.push({
      code: Codes.FLAGGER_WEBHOOK_UNVERIFIED, field: `webhooks[${i}].url`, severity: 'warning',
      message: `${hook.name} calls ${host}, ${inCluster} that is neither the load tester nor a service of this app: Flagger POSTs it `
        + 'from pods without a sidecar, in plaintext, which the target refuses under STRICT mTLS, a NetworkPolicy or an ALLOW policy '
        + "unless it admits Flagger's pods, and synth cannot prove it; admit Flagger there (its namespace's PeerAuthentication, "
        + 'NetworkPolicy and AuthorizationPolicy), then acknowledge this',
    });
  });
  return out;
}

/**
 * The MeshService of the canary's app that a webhook URL's host names (`<name>.<namespace>`, with `.svc` or
 * `.svc.cluster.local`): Flagger resolves the URL in its own namespace, so a bare name is not read.
 */
function appServiceOf(service: ICanaryTarget, hostname: string): MeshService | undefined {
  const [name, namespace, ...rest] = hostname.split('.');
  if (namespace === undefined || !['', 'svc', 'svc.cluster.local'].includes(rest.join('.'))) return undefined;
  return service.chart.node.root.node.findAll().find((c): c is MeshService =>
    MeshService.isMeshService(c) && c.name === name && c.namespace === namespace && c.hasService);
}

/**
 * Flagger's call of a webhook a service of the app serves (an offline evaluation, a gate of your own): a POST of the payload
 * from Flagger's pods, which have no sidecar (fluxcd/flagger pkg/controller/webhook.go, `callWebhook`), so it is plaintext
 * from outside the mesh, which the service's STRICT mTLS, its NetworkPolicy and its ALLOW policies refuse unless it admits
 * Flagger's pods (`ServiceSecurity.admitPlaintext`): an intended flow, proved at synth (MESH600 on the Canary).
 */
function appServiceWebhookFlow(
  service: ICanaryTarget, hook: FlaggerWebhook, served: MeshService, port: number, path: string, constructPath: string,
): IntendedFlow {
  const platform = service.chart.platform;
  return {
    source: { platform: platform.flaggerWorkload() }, host: `${served.name}.${served.namespace}.svc.cluster.local`, port,
    protocol: 'HTTP', method: 'POST', path, expect: 'allow', constructPath,
    reaches: { namespace: served.namespace, service: served.name },
    description: `Flagger calls the ${hook.type} webhook ${hook.name} of ${service.name}'s Canary (POST ${hook.url}) on ${served.name}`
      + ', from its pods without a sidecar',
  };
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
  const port = testedPort(service);
  if (isGrpcPort(port)) {
    grpcLoadTestProblems(test, port!, bad);
  } else {
    if (!CONCRETE_PATH.test(t.path)) bad('path', `must be a concrete path such as /api/products (no *, ?, # or quote), got '${t.path}'`);
    if (!['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'DELETE'].includes(t.method)) {
      bad('method', `hey sends GET, HEAD, OPTIONS, POST, PUT or DELETE, got '${t.method}'`);
    }
    if (test.grpcMethod !== undefined) bad('grpcMethod', `the canary's Service port ${port?.port} is ${port?.protocol}: give method and path`);
  }
  if (port && !HEY_PROTOCOLS.includes(port.protocol) && !isGrpcPort(port)) {
    bad('rate', `the canary's Service port ${port.port} is ${port.protocol}, which neither hey (HTTP) nor ghz (gRPC) can load; give a webhook `
      + 'of your own');
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

/**
 * A gRPC port's load test: ghz's `-r` is a whole number of requests per second (a `uint` flag), the method is
 * `package.Service/Method`, and the HTTP form's `method` and `path` do not apply (ghz POSTs the method's path).
 */
function grpcLoadTestProblems(test: FlaggerLoadTest, port: ResolvedServicePort, bad: (field: string, what: string) => void): void {
  if (Number.isFinite(test.rate) && !(Number.isInteger(test.rate) && test.rate >= 1)) {
    bad('rate', `ghz takes a whole number of requests per second (-r), at least 1, got ${test.rate}`);
  }
  if (test.grpcMethod !== undefined && !GRPC_METHOD.test(test.grpcMethod)) {
    bad('grpcMethod', `must be a gRPC method, package.Service/Method (vod.playback.v1.Playback/Start), got '${test.grpcMethod}'`);
  }
  for (const field of ['method', 'path'] as const) {
    if (test[field] !== undefined) {
      bad(field, `the canary's Service port ${port.port} is gRPC: ghz calls grpcMethod (default ${HEALTH_CHECK}); ${field} is an HTTP port's`);
    }
  }
}
