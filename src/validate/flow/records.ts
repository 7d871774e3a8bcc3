/**
 * Calls to services other charts or repositories synthesize, as their callers' synth recorded
 * them (format `remote-calls/v2`, and `remote-calls/v1`: src/core/remote-calls.ts), and the check that each holds over
 * the manifests at hand: with the callee's namespace among them, through the callee's own
 * NetworkPolicy, PeerAuthentication and AuthorizationPolicy (does it admit the caller?); without
 * it, through the caller's side alone (its Sidecar and NetworkPolicy egress to the callee's pods).
 */
import { Codes } from '../../core/codes';
import {
  REMOTE_CALLS_FORMAT_ANNOTATION, REMOTE_CALLS_FORMATS_READ, REMOTE_CALLS_KEY, REMOTE_CALLS_LABEL, REMOTE_CALLS_RECORD,
  RemoteCallEntry,
} from '../../core/remote-calls';
import { withCollectionPaths } from '../../core/authorization';
import { pathMatches } from './authorization';
import { calleeDifferences } from './record-drift';
import { isDns1123Label } from '../../core/names';
import { parseYamlDocuments } from '../../private/yaml-reader';
import { finding, Manifest, refOf } from '../finding';
import { describeDecider, FlowFinding } from './check';
import { FlowEvaluator, flowProblem } from './evaluate';
import type { HttpMethod } from '../../core/http';
import { Flow, IntendedFlow } from './flow';

/**
 * One request of a recorded call, with the record it came from: an entry of `remote-calls/v2`
 * gives one per concrete path that proves its declared path (`request.paths`).
 */
export interface RecordedCall {
  /** The request as a flow the caller means to work. */
  readonly flow: IntendedFlow;
  /** The entry as recorded. */
  readonly entry: RemoteCallEntry;
  /** The record (ConfigMap) it is in. */
  readonly record: Manifest;
  /** Its field in the record: `data.calls.yaml[2]`. */
  readonly field: string;
}

/** Whether `m` is a remote-calls record. */
export function isCallRecord(m: Manifest): boolean {
  return m?.kind === 'ConfigMap' && m.apiVersion === 'v1' && m.metadata?.labels?.[REMOTE_CALLS_LABEL] === REMOTE_CALLS_RECORD;
}

/**
 * The calls the records among `manifests` hold (one per request that proves an entry), and a
 * MESH606 finding for each record of a format or version this library does not read and each
 * malformed entry (naming the record and the entry's field).
 */
export function readCallRecords(manifests: readonly Manifest[]): { calls: RecordedCall[]; findings: FlowFinding[] } {
  const calls: RecordedCall[] = [];
  const findings: FlowFinding[] = [];
  for (const record of manifests.filter(isCallRecord)) {
    const bad = (field: string, message: string) => findings.push(finding(Codes.INVALID_CALL_RECORD, record, field, message));
    const format = record.metadata?.annotations?.[REMOTE_CALLS_FORMAT_ANNOTATION];
    if (!REMOTE_CALLS_FORMATS_READ.includes(format ?? '')) {
      bad(`metadata.annotations.${REMOTE_CALLS_FORMAT_ANNOTATION}`,
        `'${format ?? ''}' is not ${REMOTE_CALLS_FORMATS_READ.join(' or ')}, the formats this version reads: re-synthesize the caller's chart`);
      continue;
    }
    const text = record.data?.[REMOTE_CALLS_KEY];
    let entries: unknown;
    try {
      const where = `${refOf(record).namespace}/${record.metadata?.name}`;
      entries = typeof text === 'string' ? parseYamlDocuments(text, where)[0]?.value ?? [] : undefined;
    } catch (e) {
      bad(`data.${REMOTE_CALLS_KEY}`, `not YAML: ${(e as Error).message.split('\n')[0]}`);
      continue;
    }
    if (!Array.isArray(entries)) {
      bad(`data.${REMOTE_CALLS_KEY}`, 'is not a list of calls');
      continue;
    }
    entries.forEach((e, i) => {
      const field = `data.${REMOTE_CALLS_KEY}[${i}]`;
      const problem = entryProblem(e, format !== 'remote-calls/v1');
      if (problem) bad(`${field}.${problem.field}`, problem.message);
      else for (const path of requestPaths(e)) calls.push({ flow: flowOf(e, path), entry: e, record, field });
    });
  }
  return { calls, findings };
}

/**
 * Every recorded call among the evaluator's manifests that does not hold, as one MESH604 finding
 * per entry on its record naming both sides (the caller's workload and construct, the callee and
 * the resource that refuses) and each request of the entry refused; malformed records as MESH606.
 * A callee whose namespace is among the manifests must have its Service there (its folder was
 * given, and a call to a Service it no longer has fails), and must still be as the record
 * describes it: each difference (Service port, container port, protocol, pod labels,
 * ServiceAccount) is one MESH608 finding per record and callee port, and the calls to that port
 * are not evaluated, since the caller's side written from the record explains what they meet. A callee
 * whose namespace no folder holds is another team's folder not given, unless a Service of its name in
 * another namespace of the folders admits the caller's namespace: the callee moved (MESH608 on
 * `callee.namespace`).
 */
export function recordedCallFindings(evaluator: FlowEvaluator): FlowFinding[] {
  const cluster = evaluator.cluster;
  const { calls, findings } = readCallRecords(cluster.manifests);
  const out: FlowFinding[] = [...findings];
  // The requests of each entry, and the entries of each record and callee port, in record order.
  const byEntry = new Map<string, RecordedCall[]>();
  const byCallee = new Map<string, RecordedCall[]>();
  const push = <K>(m: Map<K, RecordedCall[]>, k: K, c: RecordedCall) => (m.get(k) ?? m.set(k, []).get(k)!).push(c);
  for (const c of calls) {
    const r = refOf(c.record);
    push(byEntry, `${r.namespace}/${r.name}|${c.field}`, c);
    const { callee } = c.entry;
    push(byCallee, `${r.namespace}/${r.name}|${callee.namespace}/${callee.service}:${callee.port.port}`, c);
  }
  const skipped = new Set<RecordedCall>();
  for (const group of byCallee.values()) {
    const problems = calleeProblems(group, cluster);
    out.push(...problems);
    if (problems.length > 0) for (const c of group) skipped.add(c);
  }
  for (const group of byEntry.values()) {
    const [first] = group;
    if (skipped.has(first)) continue;
    const { callee, source } = first.entry;
    const sides = `caller ${source.namespace}/${source.workload}, construct ${first.entry.caller}; `
      + `callee Service ${callee.namespace}/${callee.service}:${callee.port.port}`;
    const problem = flowProblem(first.flow);
    if (problem) {
      const f = finding(Codes.INVALID_CALL_RECORD, first.record, `${first.field}.request`, `${problem.field}: ${problem.message}`);
      out.push({ ...f, constructPath: first.entry.caller });
      continue;
    }
    const refused = group.map((c) => ({ c, verdict: evaluator.evaluate(c.flow) })).filter((r) => !r.verdict.allowed);
    if (refused.length === 0) continue;
    const by = (v: FlowFinding['verdict']) => (v?.decidedBy ? ` by ${describeDecider(v.decidedBy)}` : '');
    // Every request refused alike (a NetworkPolicy, which sees no path): said once.
    const alike = refused.length === group.length
      && refused.every((r) => by(r.verdict) === by(refused[0].verdict) && r.verdict.reason === refused[0].verdict.reason);
    const why = group.length === 1 || alike
      ? `refused${by(refused[0].verdict)}: ${refused[0].verdict.reason}`
      : `${refused.length} of the ${group.length} requests that prove it are refused: `
        + refused.map(({ c, verdict }) => `${requestOf(c.flow)} refused${by(verdict)}: ${verdict.reason}`).join('; ');
    out.push({
      ...finding(Codes.REMOTE_CALL_REFUSED, first.record, first.field, `${first.entry.description} [${sides}]: ${why}`),
      constructPath: first.entry.caller,
      verdict: refused[0].verdict,
    });
  }
  return out;
}

/** `GET /api/stock`, or the connection's protocol. */
const requestOf = (f: Flow) => (f.method ? `${f.method} ${f.path ?? '/'}` : f.protocol ?? 'the connection');

/**
 * What the callee's folder, when given, says of the calls one record makes to one callee port:
 * MESH604 when the namespace is there without the Service, MESH608 for each difference between
 * the record's description of the callee and its manifests; one finding each, on the first entry.
 */
function calleeProblems(group: readonly RecordedCall[], cluster: FlowEvaluator['cluster']): FlowFinding[] {
  const [first] = group;
  const { callee } = first.entry;
  const callers = [...new Set(group.map((c) => `${c.entry.source.namespace}/${c.entry.source.workload}`))].join(', ');
  const entries = new Set(group.map((c) => c.field)).size;
  const head = `the calls of ${callers} to ${callee.namespace}/${callee.service}:${callee.port.port}`
    + ` (${entries === 1 ? first.entry.description : `${entries} entries`})`;
  const at = { constructPath: first.entry.caller };
  if (!cluster.holdsNamespace(callee.namespace)) {
    // No folder holds the callee's namespace: another team's folder not given, unless a Service of the callee's name
    // in another namespace of the folders admits this caller, which is the callee moved and the record left behind.
    const moved = movedCallee(first.entry, cluster);
    if (!moved) return [];
    return [{
      ...finding(Codes.CALL_RECORD_STALE, first.record, `${first.field}.callee.namespace`,
        `${head}: no folder given holds namespace ${callee.namespace}, while Service ${moved.service} admits ${first.entry.source.namespace}'s `
        + `calls (${moved.policy}): the callee moved, and the caller's Sidecar and NetworkPolicy egress, written from the record, `
        + `still point at ${callee.namespace}: declare its RemoteService with namespace ${moved.namespace} and synthesize the caller again`),
      ...at,
    }];
  }
  const service = cluster.service(callee.service, callee.namespace);
  if (!service) {
    const message = `${head}: the manifests of namespace ${callee.namespace} are given but hold no Service ${callee.service}`;
    return [{ ...finding(Codes.REMOTE_CALL_REFUSED, first.record, first.field, message), ...at }];
  }
  return calleeDifferences(first.entry, service, cluster).map((d) => ({
    ...finding(Codes.CALL_RECORD_STALE, first.record, `${first.field}.${d.field}`,
      `${head}: ${d.message}; the caller's side (its Sidecar and NetworkPolicy egress) is written from the record: `
      + 'synthesize the caller again from the callee\'s current description (its RemoteService)'),
    ...at,
  }));
}

/**
 * A Service of the callee's name in another namespace of the manifests whose ALLOW AuthorizationPolicy names a principal of
 * the caller's namespace (`<trust domain>/ns/<namespace>/sa/<account>`: the identity Istio's mTLS gives its pods,
 * https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source): where the callee now runs.
 */
function movedCallee(entry: RemoteCallEntry, cluster: FlowEvaluator['cluster']): { service: string; namespace: string; policy: string } | undefined {
  const caller = `/ns/${entry.source.namespace}/sa/`;
  const names = (rule: Manifest): string[] => (Array.isArray(rule?.from) ? rule.from : []).flatMap((f: Manifest) => f?.source?.principals ?? []);
  for (const svc of [...cluster.services.values()].sort((a, b) => a.namespace.localeCompare(b.namespace))) {
    if (svc.name !== entry.callee.service || svc.namespace === entry.callee.namespace) continue;
    for (const pod of cluster.podsOfService(svc)) {
      const policy = cluster.selecting('AuthorizationPolicy', svc.namespace, pod.labels, (m) => m.spec?.selector)
        .find((m) => (m.spec?.action ?? 'ALLOW') === 'ALLOW'
          && (Array.isArray(m.spec?.rules) ? m.spec.rules : []).some((r: Manifest) => names(r).some((p) => String(p).includes(caller))));
      if (!policy) continue;
      const name = `${svc.namespace}/${svc.name}`;
      return { service: name, namespace: svc.namespace, policy: `AuthorizationPolicy ${svc.namespace}/${policy.metadata?.name}` };
    }
  }
  return undefined;
}

/** The concrete paths that prove an entry: `request.paths` (v2), else its one path (v1), else none (a TCP or TLS connection). */
function requestPaths(e: RemoteCallEntry): (string | undefined)[] {
  if (e.request.paths) return [...e.request.paths];
  return [e.request.path];
}

/** The flow a recorded request stands for: to the callee's Service by its FQDN, or to its pods as described when its manifests are not at hand. */
function flowOf(e: RemoteCallEntry, path: string | undefined): IntendedFlow {
  const c = e.callee;
  return {
    source: { workload: e.source.workload, namespace: e.source.namespace },
    host: `${c.service}.${c.namespace}.svc.cluster.local`,
    port: c.port.port,
    ...(c.port.targetPort !== c.port.port ? { targetPort: c.port.targetPort } : {}),
    target: {
      name: c.service, namespace: c.namespace, labels: { ...c.podLabels }, serviceAccount: c.serviceAccount, meshed: c.sidecar !== false,
      ports: { [c.port.name]: c.port.targetPort },
    },
    ...(e.request.protocol ? { protocol: e.request.protocol } : {}),
    ...(e.request.method ? { method: e.request.method as HttpMethod } : {}),
    ...(path ? { path } : {}),
    expect: 'allow',
    constructPath: e.caller,
    description: path && path !== e.request.path ? `${e.description} (as ${e.request.method} ${path})` : e.description,
  };
}

/**
 * Whether an entry declares `method path`: its method, and a path its declared path admits
 * (Istio's path match, authorization.ts pathMatches) or one of the requests that prove it (the
 * collection path of `/api/stock/*` over HTTP); in `remote-calls/v1`, its one concrete path.
 */
function declares(e: RemoteCallEntry, method: string, path: string): boolean {
  if (e.request.protocol || e.request.method !== method) return false;
  const declared = e.request.path ?? '/';
  return pathMatches(declared, path) || (e.request.paths ?? []).includes(path);
}

const isMap = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPort = (v: unknown) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535;

/** The first malformed field of an entry (of `remote-calls/v2` when `v2`), if any. */
function entryProblem(e: unknown, v2: boolean): { field: string; message: string } | undefined {
  if (!isMap(e)) return { field: '', message: 'is not a map' };
  for (const f of ['caller', 'description'] as const) {
    if (typeof e[f] !== 'string' || e[f] === '') return { field: f, message: 'must be a non-empty string' };
  }
  if (!isMap(e.source) || !isDns1123Label(String(e.source.workload ?? '')) || !isDns1123Label(String(e.source.namespace ?? ''))) {
    return { field: 'source', message: 'must be { workload, namespace }, both DNS-1123 labels' };
  }
  const c = e.callee;
  if (!isMap(c)) return { field: 'callee', message: 'is not a map' };
  for (const f of ['service', 'namespace', 'serviceAccount'] as const) {
    if (!isDns1123Label(String(c[f] ?? ''))) return { field: `callee.${f}`, message: 'must be a DNS-1123 label' };
  }
  if (!isMap(c.podLabels) || Object.keys(c.podLabels).length === 0 || !Object.values(c.podLabels).every((v) => typeof v === 'string')) {
    return { field: 'callee.podLabels', message: 'must be a non-empty map of labels' };
  }
  if (c.sidecar !== undefined && typeof c.sidecar !== 'boolean') return { field: 'callee.sidecar', message: 'must be true or false' };
  if (!isMap(c.port) || typeof c.port.name !== 'string' || !isPort(c.port.port) || !isPort(c.port.targetPort)) {
    return { field: 'callee.port', message: 'must be { name, port, targetPort } with ports 1-65535' };
  }
  if (!isMap(e.request)) return { field: 'request', message: 'is not a map' };
  if (e.request.protocol !== undefined && !['TCP', 'TLS', 'UDP'].includes(e.request.protocol)) {
    return { field: 'request.protocol', message: `'${e.request.protocol}' is not TCP, TLS or UDP` };
  }
  return v2 && e.request.method !== undefined ? pathsProblem(e.request) : undefined;
}

/**
 * In `remote-calls/v2`, a request's declared path and the concrete paths that prove it: each one
 * the declared path admits (Istio's match, or the collection path the library's admissions add).
 */
function pathsProblem(request: Record<string, any>): { field: string; message: string } | undefined {
  const { path, paths } = request;
  if (typeof path !== 'string' || path === '') return { field: 'request.path', message: 'must be the path declared (`*` for any)' };
  if (!Array.isArray(paths) || paths.length === 0) return { field: 'request.paths', message: 'must list the concrete paths that prove request.path' };
  const admitted = withCollectionPaths([path]);
  const i = paths.findIndex((p) => typeof p !== 'string' || !p.startsWith('/') || !admitted.some((a) => pathMatches(a, p)));
  if (i >= 0) return { field: `request.paths[${i}]`, message: `'${String(paths[i])}' is not a request path ${path} admits` };
  return undefined;
}

/** How a flow to another team's service is evaluated when its namespace is not among the manifests. */
export type RemoteFlow =
  /** Against the callee as the caller's record describes it, up to the caller's egress. */
  | {
    readonly kind: 'recorded'; readonly flow: Flow; readonly note: string;
    /** The record this flow was evaluated against, and, when the record does not declare the flow's method and path, why it is refused. */
    readonly record: Manifest; readonly undeclared?: string;
    /** What an allowed verdict says of the callee's side, whose policies the manifests do not hold. */
    readonly unknownSide: string;
  }
  /** Neither the callee's manifests nor a record of the call: nothing to evaluate it against. */
  | { readonly kind: 'unknown'; readonly reason: string };

/**
 * A `--flow` from a workload to `<service>.<namespace>[.svc[.<domain>]]` of a namespace the
 * manifests do not hold (another team's folder, not given), where no Service or ServiceEntry
 * answers for the host: evaluated against the caller's own record of the call (the remote-calls
 * ConfigMap, the declaration its RemoteService wrote) with the flow's method and path, so the
 * caller's side (its Sidecar and its NetworkPolicy egress to the callee's pods) is proven as
 * `recordedCallFindings` proves it; the callee's admission needs the callee's folder. Undefined
 * for a flow the manifests can decide themselves.
 */
export function remoteFlow(flow: Flow, evaluator: FlowEvaluator): RemoteFlow | undefined {
  const source = flow.source;
  if (!('workload' in source) || flow.target || flow.pods) return undefined;
  const cluster = evaluator.cluster;
  const [service, namespace = source.namespace, ...rest] = flow.host.toLowerCase().split('.');
  if (rest.length > 0 && rest[0] !== 'svc') return undefined; // an external name: the evaluator's ServiceEntries decide
  if (cluster.holdsNamespace(namespace) || cluster.service(flow.host, source.namespace)) return undefined;
  const records = readCallRecords(cluster.manifests).calls.filter((c) => c.entry.source.workload === source.workload
    && c.entry.source.namespace === source.namespace && c.entry.callee.service === service && c.entry.callee.namespace === namespace);
  const onPort = records.filter((c) => c.entry.callee.port.port === flow.port);
  const where = `${service}.${namespace}:${flow.port}`;
  if (onPort.length === 0) {
    const ports = [...new Set(records.map((c) => c.entry.callee.port.port))];
    return {
      kind: 'unknown',
      reason: `namespace ${namespace} is not among the manifests given, and ${source.namespace}/${source.workload} records no call to ${where}`
        + `${ports.length > 0 ? ` (it records calls to port ${ports.join(', ')})` : ''}: give the callee's folder too, or declare the call `
        + '(a RemoteService) and synthesize again',
    };
  }
  // The entry that declares the request (its method, and a path its declared path admits), else the first on the port.
  const connection = !flow.method && !flow.path && flow.protocol;
  const matching = onPort.find((c) =>
    (connection ? c.entry.request.protocol === flow.protocol : declares(c.entry, flow.method ?? 'GET', flow.path ?? '/')));
  const declared = matching !== undefined;
  const r = matching ?? onPort[0];
  const recorded = [...new Set(onPort.map((c) => (c.entry.request.protocol ?? `${c.entry.request.method} ${c.entry.request.path}`)))];
  const { host, target, targetPort } = r.flow;
  const entry = declared ? ` (${r.entry.description})` : '';
  const note = `evaluated up to ${source.namespace}/${source.workload}'s egress, against the call its record declares `
    + `(ConfigMap ${refOf(r.record).namespace}/${r.record.metadata?.name} ${r.field}${entry}); whether ${service} admits it needs the folder of `
    + `namespace ${namespace}`
    + (declared ? '' : `; the record declares ${recorded.join(', ')} to ${where}, not this request, so its team was never told of it`);
  const asked = flow.method || flow.path ? `${flow.method ?? 'GET'} ${flow.path ?? '/'}` : flow.protocol ?? 'this request';
  // The callee admits what its team was told of: the record's calls (a RemoteCaller admission made from it).
  const undeclared = declared ? undefined
    : `${source.namespace}/${source.workload}'s record declares ${recorded.join(', ')} to ${where}, not ${asked}: `
      + 'the callee\'s admission, made from the record, has no rule for it; declare it (the call to the RemoteService) and synthesize again, '
      + `or give the folder of namespace ${namespace}`;
  const evaluated = { ...flow, host, target, ...(targetPort !== undefined ? { targetPort } : {}) };
  // The callee's policies are not among the manifests: its side is unknown, not "no ALLOW policy applies".
  // A callee the record says runs no sidecar is called in plaintext: auto mTLS sends plaintext to an endpoint whose TLS mode is
  // not `istio`, and its side is its NetworkPolicy alone (istio/istio pilot/pkg/networking/core/cluster_builder.go, auto mTLS).
  const unknownSide = r.entry.callee.sidecar === false
    ? `${service} runs no sidecar (the record says so), so the call is plaintext, with no mTLS identity; its own side (its NetworkPolicy) `
      + 'is unknown in these files'
    : `${service}'s own side (its NetworkPolicy, PeerAuthentication, AuthorizationPolicy) is unknown in these files`;
  return { kind: 'recorded', flow: evaluated, note, record: r.record, undeclared, unknownSide };
}
