/**
 * The command-line side of flow verification: parsing `--flow` specs, the verdict
 * report, and the `--flows` listing. src/validate/cli.ts only dispatches here.
 */
import { Codes } from '../../core/codes';
import { MeshError } from '../../core/errors';
import { MeshPlatform } from '../../platform/platform';
import { platformOfFiles, PlatformFileText, readPlatformFile } from '../../platform/platform-file';
import type { PlatformNeeds } from '../../platform/platform-needs';
import { YamlReadError } from '../../private/yaml-reader';
import { Manifest, refOf } from '../finding';
import { describeDecider, FlowFinding, unreadySidecars, workloadPairs } from './check';
import { FlowOptions } from './cluster';
import { FlowEvaluator } from './evaluate';
import { ClusterModel } from '../model/cluster-model';
import { HTTP_METHODS, type HttpMethod } from '../../core/http';
import { Flow, FlowSource, FlowVerdict, FlowWorkload } from './flow';
import { platformClusterOptions, PlatformDestination, platformDestination, platformSource } from './platform-flows';
import { isCallRecord, readCallRecords, RecordedCall, recordedCallFindings, remoteFlow } from './records';
import { gatewayServersFor } from './routing';
import { servedNames } from '../model/gateway-hosts';
import { publicProbe } from './public-probes';

/**
 * The platform pods a command-line flow assumes unless `--platform` names others: a stock
 * install's (MeshPlatform.default()), the same defaults synth uses. Components that
 * depend on the app's namespace (the rate-limit service) are left out.
 */
export function stockPlatform(): FlowWorkload[] {
  return platformPods(MeshPlatform.default());
}

/**
 * The pods of `platform` a command-line flow may name: the rate-limit service only where
 * the platform gives it a namespace of its own (otherwise it lives in each app's namespace).
 */
function platformPods(p: MeshPlatform): FlowWorkload[] {
  const namespaced = p.rateLimit.namespace ? [p.rateLimitWorkload(p.rateLimit.namespace)] : [];
  return [p.ingressGatewayWorkload(), p.prometheusWorkload(), p.tracingWorkload(), ...namespaced, p.istiodWorkload(), p.flaggerWorkload(),
    p.edgeProxyWorkload('apiGateway'), p.edgeProxyWorkload('ingressController')];
}

/** What a command-line flow may name besides the manifests' workloads: the platform's components. */
export interface FlowPlatform {
  /** The platform, when one is described (or the stock one). */
  readonly platform?: MeshPlatform;
  /** Its pods, or those of a platform file's list. */
  readonly workloads: readonly FlowWorkload[];
}

const PROTOCOLS: Readonly<Record<string, NonNullable<Flow['protocol']>>> = {
  tcp: 'TCP', tls: 'TLS', grpc: 'GRPC', http: 'HTTP', https: 'HTTPS', udp: 'UDP',
};

/**
 * Parses `<source> -> <destination> [tcp|tls|grpc|http|https|udp] [METHOD] [path] [name=value...]`.
 * The source is `external`, `<namespace>/<workload>`, a workload name found in one namespace
 * of the manifests, a platform workload's name, or `platform:<component>`; the destination
 * `<host>:<port>` or `platform:<component>[:<port>]` (see {@link PLATFORM_COMPONENTS}), whose
 * default request is its clients' (spans, a rate-limit check). The protocol says what the
 * client sends (by default the port's protocol decides): `tcp`, `tls` and `udp` carry no method or path,
 * `grpc` is `POST /<package.Service>/<Method>`. `sni=<name>` sets a TLS client's SNI,
 * `principal=<iss>/<sub>` the JWT's request principal, `client=<address>` an external client's address (which the ingress
 * gateway's policies read), `cert=<subjectAltName>` the client certificate an external client presents
 * (`cert=` alone: one without a SAN; a MUTUAL gateway server refuses a client without one), `init=<container>` the init
 * container of the source's pods that sends it (`Flow.initContainer`),
 * any other `name=value` a request header.
 * Throws MESH603 on anything else.
 */
export function parseFlowSpec(spec: string, evaluator: FlowEvaluator, platform: FlowPlatform = { workloads: [] }): Flow {
  const m = /^\s*(\S+)\s*->\s*(\S+)(?:\s+(.*))?$/.exec(spec);
  const bad = (what: string) => new MeshError(Codes.INVALID_FLOW, `flow '${spec}': ${what}`);
  if (!m) throw new MeshError(Codes.INVALID_FLOW, `flow '${spec}' is not '<source> -> <host>:<port> [protocol] [METHOD] [path]'`);
  const [, sourceText, destination, rest] = m;
  const to = parseDestination(destination, platform, bad);
  let method: HttpMethod | undefined;
  let path: string | undefined;
  let protocol: Flow['protocol'];
  let requestPrincipal: string | undefined;
  let sni: string | undefined;
  let clientAddress: string | undefined;
  let initContainer: string | undefined;
  let clientCertificate: { subjectAltName?: string } | undefined;
  const headers: Record<string, string> = {};
  for (const token of (rest ?? '').split(/\s+/).filter(Boolean)) {
    if (HTTP_METHODS.includes(token as HttpMethod) && method === undefined && path === undefined) method = token as HttpMethod;
    else if (token.startsWith('/') && path === undefined) path = token;
    else if (PROTOCOLS[token.toLowerCase()] && protocol === undefined && method === undefined && path === undefined) {
      protocol = PROTOCOLS[token.toLowerCase()];
    } else if (/^[A-Za-z0-9-]+=/.test(token)) {
      const [k, ...v] = token.split('=');
      if (k === 'principal') requestPrincipal = v.join('=');
      else if (k === 'sni') sni = v.join('=');
      else if (k === 'client') clientAddress = v.join('=');
      else if (k === 'cert') clientCertificate = v.join('=') === '' ? {} : { subjectAltName: v.join('=') };
      else if (k === 'init') initContainer = v.join('=');
      else headers[k.toLowerCase()] = v.join('=');
    } else throw bad(`'${token}' is not a protocol (${Object.keys(PROTOCOLS).join(', ')}), a method, a path or name=value`);
  }
  const l4 = protocol === 'TCP' || protocol === 'TLS' || protocol === 'UDP';
  if (l4 && (method !== undefined || path !== undefined)) throw bad(`a ${protocol} connection has no method or path`);
  const grpc = protocol === 'GRPC';
  if (grpc && (path === undefined || method !== undefined && method !== 'POST')) {
    throw bad('a gRPC call is POST /<package.Service>/<Method>: give its path');
  }
  if (sni !== undefined && protocol !== 'TLS' && protocol !== 'HTTPS') throw bad('sni= is for a tls or https flow');
  const request = protocol || method || path ? {} : to.request ?? {};
  const source = resolveSource(sourceText, evaluator, spec, platform);
  if (clientCertificate && !('external' in source)) throw bad('cert= is for an external source');
  return {
    source: clientCertificate && 'external' in source ? { ...source, clientCertificate } : source,
    ...(initContainer !== undefined ? { initContainer } : {}),
    host: to.host,
    port: to.port,
    ...request,
    ...(to.target ? { target: to.target } : {}),
    ...(to.targetPort !== undefined ? { targetPort: to.targetPort } : {}),
    ...(protocol ? { protocol } : {}),
    ...(method ?? (protocol === 'GRPC' ? 'POST' : undefined) ? { method: method ?? 'POST' } : {}),
    ...(path ? { path } : {}),
    ...(sni ? { sni } : {}),
    ...(requestPrincipal ? { requestPrincipal } : {}),
    ...(clientAddress !== undefined ? { clientAddress } : {}),
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
  };
}

/** `<host>:<port>`, or `platform:<component>[:<port>]`. */
function parseDestination(
  text: string, platform: FlowPlatform, bad: (what: string) => MeshError,
): Partial<PlatformDestination> & { host: string; port: number } {
  const component = /^platform:([^:]+)(?::(\d+))?$/.exec(text);
  const plain = /^([^\s:]+):(\d+)$/.exec(text);
  const portText = component ? component[2] : plain?.[2];
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && (port < 1 || port > 65535)) throw bad(`port ${port} is out of range`);
  if (component) return platformDestination(component[1], platform.platform, platform.workloads, port);
  if (!plain) throw bad(`'${text}' is not <host>:<port> or platform:<component>[:<port>]`);
  return { host: plain[1], port: port! };
}

function resolveSource(text: string, evaluator: FlowEvaluator, spec: string, platform: FlowPlatform): FlowSource {
  if (text === 'external') return { external: true };
  if (text.startsWith('platform:')) return { platform: platformSource(text.slice('platform:'.length), platform.platform, platform.workloads) };
  const cluster = evaluator.cluster;
  const [ns, name] = text.includes('/') ? text.split('/', 2) : [undefined, text];
  const pods = cluster.podsNamed(name, ns);
  const found = pods.find((p) => p.kind === 'Platform');
  if (found) {
    const { name: n, namespace, labels, serviceAccount, meshed, namedPorts: ports, addresses } = found;
    return { platform: { name: n, namespace, labels, serviceAccount, meshed, ports, addresses } };
  }
  const namespaces = [...new Set(pods.map((p) => p.namespace))];
  if (namespaces.length === 0) {
    // Another team's caller that a service admits (RemoteCaller) runs outside these files: a --platform file describes its pods.
    throw new MeshError(Codes.INVALID_FLOW, `flow '${spec}': no workload ${text} in the manifests; describe a workload these files do not `
      + 'hold (another team\'s caller that a service admits) in a --platform file, a list of { name, namespace, labels, serviceAccount, '
      + 'meshed }');
  }
  if (namespaces.length > 1)
    throw new MeshError(Codes.INVALID_FLOW, `flow '${spec}': ${name} is in several namespaces (${namespaces.join(', ')}); write <namespace>/${name}`);
  return { workload: name, namespace: namespaces[0] };
}

/**
 * What the `--platform` files describe: a platform (a snapshot of the cluster, a map of
 * {@link MeshPlatformProps} with presets, or both: src/platform/platform-file.ts), whose
 * components become the flows' platform pods and whose trust domain, root namespace and
 * ingress gateway the checks use; or, for pods no MeshPlatform describes, one file holding a
 * list of FlowWorkload objects (name, namespace, labels, serviceAccount, meshed; optional
 * namespaceLabels, ports, addresses).
 */
export interface PlatformFile {
  /** The platform pods flows may come from or go to. */
  readonly workloads: FlowWorkload[];
  /** The platform, when the files describe one rather than a list of pods. */
  readonly platform?: MeshPlatform;
  /** Whether the files describe a field of the platform (a snapshot's component, a field of the map), when they describe one. */
  readonly describes?: (key: string, field?: string) => boolean;
}

/**
 * Reads the `--platform` files (YAML or JSON, see {@link PlatformFile}). Throws MESH603 (or
 * the platform's own code: MESH080-MESH084, a bad name or port) naming the file and field.
 */
export function readPlatform(files: readonly PlatformFileText[], needs?: PlatformNeeds): PlatformFile {
  const contents = files.map((f) => {
    try {
      // The package's one reader, with its limits (an alias bomb in a platform file is refused too).
      return readPlatformFile(f);
    } catch (e) {
      if (e instanceof YamlReadError) throw new MeshError(Codes.INVALID_FLOW, `${f.file}: ${e.message.split('\n')[0]}`);
      throw e;
    }
  });
  const list = contents.find((c): c is Extract<typeof c, { kind: 'other' }> => c.kind === 'other' && Array.isArray(c.data));
  if (!list) {
    const { platform, describes } = platformOfFiles(contents, needs);
    return { workloads: platformPods(platform), platform, describes };
  }
  if (contents.length > 1) throw new MeshError(Codes.INVALID_FLOW, `${list.file}: a list of platform workloads is the only --platform file`);
  const file = list.file;
  const workloads = (list.data as unknown[]).map((w: any, i) => {
    const bad = (field: string, what: string) => new MeshError(Codes.INVALID_FLOW, `${file}: [${i}].${field}: ${what}`);
    if (!w || typeof w !== 'object') throw bad('', 'not an object');
    for (const field of ['name', 'namespace', 'serviceAccount'])
      if (typeof w[field] !== 'string' || w[field] === '') throw bad(field, 'must be a non-empty string');
    if (typeof w.meshed !== 'boolean') throw bad('meshed', 'must be true or false');
    for (const field of ['labels', 'namespaceLabels', 'ports']) {
      if (w[field] !== undefined && (typeof w[field] !== 'object' || Array.isArray(w[field]))) throw bad(field, 'must be a map');
    }
    if (w.labels === undefined) throw bad('labels', 'is required');
    if (w.addresses !== undefined && !(Array.isArray(w.addresses) && w.addresses.every((a: unknown) => typeof a === 'string')))
      throw bad('addresses', 'must be a list of IP addresses');
    return w as FlowWorkload;
  });
  return { workloads };
}

/**
 * The recorded calls to other teams' services among `manifests` that do not hold (MESH604), malformed records (MESH606), and
 * meshed workloads whose sidecars never become ready (MESH609), on the described platform (else the stock one): the check a plain
 * `cdk8s-mesh-validate <callerFolder> <calleeFolder>` runs besides the schema and analysis.
 */
export function recordFindings(manifests: readonly Manifest[], file?: PlatformFile, model?: ClusterModel): FlowFinding[] {
  const p = file ? file.platform : MeshPlatform.default();
  const options = { ...(p ? platformClusterOptions(p) : {}), platform: file?.workloads ?? stockPlatform() };
  // The model the validation built over the same files, when there is one: indexed once per run.
  const evaluator = model ? FlowEvaluator.over(model, options) : new FlowEvaluator(manifests, options);
  // Pods whose sidecars never become ready (MESH609), whatever flows are asked.
  return [...(manifests.some(isCallRecord) ? recordedCallFindings(evaluator) : []), ...unreadySidecars(evaluator)];
}

/**
 * One line for a verdict: `ALLOWED|REFUSED <flow> — <decider>: <reason>`, `ANSWERED <status>` where a gateway's redirect or direct
 * response answers the client (it reaches no application: refused as far as the exit code goes).
 */
export function formatVerdict(spec: string, v: FlowVerdict): string {
  const by = v.decidedBy ? ` by ${describeDecider(v.decidedBy)}` : '';
  const outcome = v.allowed ? 'ALLOWED' : v.answered ? `ANSWERED ${v.answered.status}` : 'REFUSED';
  return `${outcome} ${spec}${by}: ${v.reason}${v.hops.length > 0 ? `\n  via ${v.hops.join(' | ')}` : ''}`;
}

/**
 * The verdict of one `--flow`; a flow to another team's service whose folder is not given is
 * evaluated against the caller's record of the call, with a note saying so (records.ts remoteFlow).
 */
function evaluateFlow(evaluator: FlowEvaluator, flow: Flow): { verdict: FlowVerdict; note?: string } {
  const remote = remoteFlow(flow, evaluator);
  if (!remote) return { verdict: evaluator.evaluate(flow) };
  if (remote.kind === 'recorded') {
    const evaluated = evaluator.evaluate(remote.flow);
    // The callee's pods are described by the record, with none of its policies: what its side decides is unknown here.
    const verdict = evaluated.allowed && remote.flow.target
      ? {
          ...evaluated,
          reason: evaluated.reason.replace(`no ALLOW policy applies to ${remote.flow.target.name}`, remote.unknownSide)
            .replace(`${remote.flow.target.name} has no sidecar`, remote.unknownSide),
        }
      : evaluated;
    // The caller's own side refusing is the answer; past it, a request the record does not declare is refused by the record's word.
    if (!verdict.allowed || !remote.undeclared) return { verdict, note: remote.note };
    const r = refOf(remote.record);
    return {
      verdict: {
        allowed: false, reason: remote.undeclared, hops: verdict.hops,
        decidedBy: { layer: 'AuthorizationPolicy', kind: r.kind, namespace: r.namespace, name: r.name },
      },
      note: remote.note,
    };
  }
  const source = flow.source as { workload: string; namespace: string };
  return {
    verdict: {
      allowed: false, reason: remote.reason, hops: [],
      decidedBy: { layer: 'routing', kind: 'Service', namespace: source.namespace, name: flow.host },
    },
  };
}

/** Where the command writes. */
export interface FlowIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/**
 * What `--flows` lists: `all` (`--flows`), every ordered pair of workloads, every public host and every recorded call;
 * `declared` (`--flows=declared`), the recorded calls alone: the calls the callers' synth declared to other teams'
 * services (their remote-calls records), which the pairs no flow declares would bury over several teams' folders.
 */
export type FlowListing = 'all' | 'declared';

/** The values `--flows=<listing>` takes. */
export const FLOW_LISTINGS: readonly FlowListing[] = ['all', 'declared'];

/**
 * `--flow <spec>` (one or more) and `--flows`: prints verdicts; returns 0 when every
 * `--flow` is allowed (and for `--flows`), 1 when one is refused, 2 on a bad spec.
 * `list` is what `--flows` lists (`true` for `all`, `false` for nothing).
 * `described` is the platform a `--platform` file describes, whose components `platform:<name>`
 * names; without `options.platform` the stock install is assumed.
 */
export function runFlowCommand(
  manifests: readonly Manifest[], flows: readonly string[], list: boolean | FlowListing, io: FlowIo, options: FlowOptions = {},
  format: 'text' | 'json' = 'text', described?: MeshPlatform,
): number {
  const listing: FlowListing | undefined = list === true ? 'all' : list === false ? undefined : list;
  const meshPlatform = described ?? (options.platform ? undefined : MeshPlatform.default());
  const workloads = options.platform ?? stockPlatform();
  const evaluator = new FlowEvaluator(manifests, {
    ...options,
    platform: workloads,
    // The platform's istiod, which every sidecar must reach.
    controlPlane: options.controlPlane ?? (meshPlatform ? { workload: meshPlatform.istiodWorkload(), port: meshPlatform.istio.xdsPort } : undefined),
  });
  // Every spec parses before any verdict is printed: a bad one is a usage error (exit 2).
  let parsed: { spec: string; flow: Flow }[];
  try {
    parsed = flows.map((spec) => ({ spec, flow: parseFlowSpec(spec, evaluator, { platform: meshPlatform, workloads }) }));
  } catch (e) {
    io.stderr(`${(e as Error).message}\n`);
    return 2;
  }
  if (format === 'json') {
    const report: { flows: unknown[]; pairs?: unknown[]; recorded?: unknown[] } = { flows: [] };
    let refusedAny = false;
    for (const { spec, flow } of parsed) {
      const { verdict, note } = evaluateFlow(evaluator, flow);
      refusedAny ||= !verdict.allowed;
      report.flows.push({ spec, flow, verdict, ...(note ? { note } : {}) });
    }
    if (listing === 'all') report.pairs = workloadPairs(evaluator, []);
    if (listing === 'declared') {
      report.recorded = readCallRecords(evaluator.cluster.manifests).calls.map((c) => ({
        spec: recordedSpec(c), flow: c.flow, verdict: evaluator.evaluate(c.flow),
      }));
    }
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
    return refusedAny ? 1 : 0;
  }
  let code = 0;
  for (const { spec, flow } of parsed) {
    const { verdict: v, note } = evaluateFlow(evaluator, flow);
    io.stdout(`${formatVerdict(spec, v)}${note ? `\n  ${note}` : ''}\n`);
    if (!v.allowed) code = 1;
  }
  if (listing === 'declared') {
    if (printRecordedCalls(evaluator, io) === 0) {
      io.stdout('no recorded calls: no remote-calls record among the folders given (a chart\'s synth records its calls to other teams\' services)\n');
    }
    return code;
  }
  if (listing === 'all') {
    for (const p of workloadPairs(evaluator, [])) {
      const by = p.verdict.decidedBy ? ` by ${describeDecider(p.verdict.decidedBy)}` : '';
      io.stdout(
        `${p.verdict.open ? 'OPEN   ' : 'REFUSED'} ${p.source} -> ${p.destination}${p.verdict.port ? `:${p.verdict.port}` : ''}${by}: `
          + `${p.verdict.reason}\n`,
      );
    }
    printPublicHosts(evaluator, io);
    printRecordedCalls(evaluator, io);
  }
  return code;
}

/**
 * Prints the public hosts: a request to every name a Gateway server (the manifests' or the platform's) serves, with a gateway pod
 * (publicProbe: GET /, else one its routes serve); a connection to the name where its server is a TLS or TCP one, which
 * reads no HTTP request.
 */
function printPublicHosts(evaluator: FlowEvaluator, io: FlowIo): void {
  const seen = new Set<string>();
  const cluster = evaluator.cluster;
  for (const { host, port, virtualService } of servedNames(cluster.ofKind('Gateway'), cluster.ofKind('VirtualService'))) {
    const key = `${host}:${port}`;
    const servers = gatewayServersFor(cluster, host, port);
    if (seen.has(key) || servers.length === 0) continue;
    seen.add(key);
    const protocol = String(servers[0].server.port?.protocol ?? '').toUpperCase();
    const l4 = protocol === 'TLS' || protocol === 'TCP' ? protocol : undefined;
    const source = probeSource(servers[0].server);
    const flow: Flow = { source, host, port, ...(l4 ? { protocol: l4, ...(l4 === 'TLS' ? { sni: host } : {}) } : {}) };
    const cert = source.clientCertificate ? ` cert=${source.clientCertificate.subjectAltName ?? ''}` : '';
    if (l4) {
      io.stdout(`${formatVerdict(`external -> ${key} ${l4.toLowerCase()}${cert}`, evaluator.evaluate(flow))}\n`);
      continue;
    }
    // A request the name's routes and their destinations' policies serve: GET / where they do (a POST-only host's refusal of it
    // is what it is meant to do).
    const probe = publicProbe(evaluator, flow, virtualService, servers[0].server.tls?.httpsRedirect === true);
    if ('noProbe' in probe) io.stdout(`NO PROBE external -> ${key}: ${probe.noProbe}\n`);
    else io.stdout(`${formatVerdict(`external -> ${key} ${probe.request}${cert}`, probe.verdict)}${probe.note ? `\n  ${probe.note}` : ''}\n`);
  }
}

/**
 * The client a public-host probe stands for: where the server requires a certificate (MUTUAL), a partner presenting one,
 * with the first of the server's `subjectAltNames`; elsewhere a client without one.
 */
function probeSource(server: Manifest): { readonly external: true; readonly clientCertificate?: { readonly subjectAltName?: string } } {
  if (server.tls?.mode !== 'MUTUAL') return { external: true };
  const sans: unknown[] = Array.isArray(server.tls?.subjectAltNames) ? server.tls.subjectAltNames : [];
  return { external: true, clientCertificate: typeof sans[0] === 'string' ? { subjectAltName: sans[0] } : {} };
}

/** `recorded <namespace>/<workload> -> <host>:<port> <METHOD> <path>` (or the protocol of a TCP call): a recorded call's spec. */
function recordedSpec(c: RecordedCall): string {
  const f = c.flow;
  const what = f.method ? ` ${f.method} ${f.path ?? '/'}` : ` ${f.protocol ?? ''}`.trimEnd();
  return `recorded ${c.entry.source.namespace}/${c.entry.source.workload} -> ${f.host}:${f.port}${what}`;
}

/** Prints the calls recorded for other teams' services, over the folders given, each with its verdict; returns how many. */
function printRecordedCalls(evaluator: FlowEvaluator, io: FlowIo): number {
  const calls = readCallRecords(evaluator.cluster.manifests).calls;
  for (const c of calls) io.stdout(`${formatVerdict(recordedSpec(c), evaluator.evaluate(c.flow))}\n`);
  return calls.length;
}
