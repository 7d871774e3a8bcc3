/**
 * Calls to services other charts or repositories synthesize, as their callers' synth recorded
 * them (format `remote-calls/v1`, src/core/remote-calls.ts), and the check that each holds over
 * the manifests at hand: with the callee's namespace among them, through the callee's own
 * NetworkPolicy, PeerAuthentication and AuthorizationPolicy (does it admit the caller?); without
 * it, through the caller's side alone (its Sidecar and NetworkPolicy egress to the callee's pods).
 */
import { Codes } from '../../core/codes';
import {
  REMOTE_CALLS_FORMAT, REMOTE_CALLS_FORMAT_ANNOTATION, REMOTE_CALLS_KEY, REMOTE_CALLS_LABEL, REMOTE_CALLS_RECORD, RemoteCallEntry,
} from '../../core/remote-calls';
import { isDns1123Label } from '../../core/names';
import { parseYamlDocuments } from '../../private/yaml-reader';
import { finding, Manifest, refOf } from '../finding';
import { describeDecider, FlowFinding } from './check';
import { FlowEvaluator, flowProblem } from './evaluate';
import type { HttpMethod } from '../../core/http';
import { Flow, IntendedFlow } from './flow';

/** One recorded call, with the record it came from. */
export interface RecordedCall {
  /** The call as a flow the caller means to work. */
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
 * The calls the records among `manifests` hold, and a MESH606 finding for each record of
 * another format or version and each malformed entry (naming the record and the entry's field).
 */
export function readCallRecords(manifests: readonly Manifest[]): { calls: RecordedCall[]; findings: FlowFinding[] } {
  const calls: RecordedCall[] = [];
  const findings: FlowFinding[] = [];
  for (const record of manifests.filter(isCallRecord)) {
    const bad = (field: string, message: string) => findings.push(finding(Codes.INVALID_CALL_RECORD, record, field, message));
    const format = record.metadata?.annotations?.[REMOTE_CALLS_FORMAT_ANNOTATION];
    if (format !== REMOTE_CALLS_FORMAT) {
      bad(`metadata.annotations.${REMOTE_CALLS_FORMAT_ANNOTATION}`,
        `'${format ?? ''}' is not ${REMOTE_CALLS_FORMAT}, the format this version reads: re-synthesize the caller's chart`);
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
      const problem = entryProblem(e);
      if (problem) bad(`${field}.${problem.field}`, problem.message);
      else calls.push({ flow: flowOf(e as RemoteCallEntry), entry: e as RemoteCallEntry, record, field });
    });
  }
  return { calls, findings };
}

/**
 * Every recorded call among the evaluator's manifests that does not hold, as a MESH604 finding
 * on its record naming both sides (the caller's workload and construct, the callee and the
 * resource that refuses); malformed records as MESH606. A callee whose namespace is among the
 * manifests must have its Service there: its folder was given, and a call to a Service it no
 * longer has fails.
 */
export function recordedCallFindings(evaluator: FlowEvaluator): FlowFinding[] {
  const cluster = evaluator.cluster;
  const { calls, findings } = readCallRecords(cluster.manifests);
  const out: FlowFinding[] = [...findings];
  for (const c of calls) {
    const { callee, source } = c.entry;
    const sides = `caller ${source.namespace}/${source.workload}, construct ${c.entry.caller}; `
      + `callee Service ${callee.namespace}/${callee.service}:${callee.port.port}`;
    const refuse = (why: string, verdict?: FlowFinding['verdict']) => out.push({
      ...finding(Codes.REMOTE_CALL_REFUSED, c.record, c.field, `${c.flow.description} [${sides}]: ${why}`),
      constructPath: c.entry.caller,
      ...(verdict ? { verdict } : {}),
    });
    const problem = flowProblem(c.flow);
    if (problem) {
      const f = finding(Codes.INVALID_CALL_RECORD, c.record, `${c.field}.request`, `${problem.field}: ${problem.message}`);
      out.push({ ...f, constructPath: c.entry.caller });
      continue;
    }
    if (cluster.holdsNamespace(callee.namespace) && !cluster.service(callee.service, callee.namespace)) {
      refuse(`the manifests of namespace ${callee.namespace} are given but hold no Service ${callee.service}`);
      continue;
    }
    const verdict = evaluator.evaluate(c.flow);
    if (!verdict.allowed) refuse(`refused${verdict.decidedBy ? ` by ${describeDecider(verdict.decidedBy)}` : ''}: ${verdict.reason}`, verdict);
  }
  return out;
}

/** The flow a recorded call stands for: to the callee's Service by its FQDN, or to its pods as described when its manifests are not at hand. */
function flowOf(e: RemoteCallEntry): IntendedFlow {
  const c = e.callee;
  return {
    source: { workload: e.source.workload, namespace: e.source.namespace },
    host: `${c.service}.${c.namespace}.svc.cluster.local`,
    port: c.port.port,
    ...(c.port.targetPort !== c.port.port ? { targetPort: c.port.targetPort } : {}),
    target: {
      name: c.service, namespace: c.namespace, labels: { ...c.podLabels }, serviceAccount: c.serviceAccount, meshed: true,
      ports: { [c.port.name]: c.port.targetPort },
    },
    ...(e.request.protocol ? { protocol: e.request.protocol } : {}),
    ...(e.request.method ? { method: e.request.method as HttpMethod } : {}),
    ...(e.request.path ? { path: e.request.path } : {}),
    expect: 'allow',
    constructPath: e.caller,
    description: e.description,
  };
}

const isMap = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPort = (v: unknown) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535;

/** The first malformed field of an entry, if any. */
function entryProblem(e: unknown): { field: string; message: string } | undefined {
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
  if (!isMap(c.port) || typeof c.port.name !== 'string' || !isPort(c.port.port) || !isPort(c.port.targetPort)) {
    return { field: 'callee.port', message: 'must be { name, port, targetPort } with ports 1-65535' };
  }
  if (!isMap(e.request)) return { field: 'request', message: 'is not a map' };
  if (e.request.protocol !== undefined && !['TCP', 'TLS'].includes(e.request.protocol)) {
    return { field: 'request.protocol', message: `'${e.request.protocol}' is not TCP or TLS` };
  }
  return undefined;
}

/** How a flow to another team's service is evaluated when its namespace is not among the manifests. */
export type RemoteFlow =
  /** Against the callee as the caller's record describes it, up to the caller's egress. */
  | {
    readonly kind: 'recorded'; readonly flow: Flow; readonly note: string;
    /** The record this flow was evaluated against, and, when the record does not declare the flow's method and path, why it is refused. */
    readonly record: Manifest; readonly undeclared?: string;
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
  const r = onPort[0];
  const same = (c: RecordedCall) => c.flow.method === flow.method && c.flow.path === flow.path;
  const declared = onPort.some(same);
  const recorded = onPort.map((c) => (c.flow.protocol && !c.flow.method ? c.flow.protocol : `${c.flow.method} ${c.flow.path}`));
  const { host, target, targetPort } = r.flow;
  const note = `evaluated up to ${source.namespace}/${source.workload}'s egress, against the call its record declares `
    + `(ConfigMap ${refOf(r.record).namespace}/${r.record.metadata?.name} ${r.field}); whether ${service} admits it needs the folder of `
    + `namespace ${namespace}`
    + (declared ? '' : `; the record declares ${recorded.join(', ')} to ${where}, not this request, so its team was never told of it`);
  const asked = flow.method || flow.path ? `${flow.method ?? 'GET'} ${flow.path ?? '/'}` : flow.protocol ?? 'this request';
  // The callee admits what its team was told of: the record's calls (a RemoteCaller admission made from it).
  const undeclared = declared ? undefined
    : `${source.namespace}/${source.workload}'s record declares ${recorded.join(', ')} to ${where}, not ${asked}: `
      + 'the callee\'s admission, made from the record, has no rule for it; declare it (the call to the RemoteService) and synthesize again, '
      + `or give the folder of namespace ${namespace}`;
  const evaluated = { ...flow, host, target, ...(targetPort !== undefined ? { targetPort } : {}) };
  return { kind: 'recorded', flow: evaluated, note, record: r.record, undeclared };
}
