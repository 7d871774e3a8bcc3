/**
 * The synth-time flow checks: every intended flow gets the verdict it expects, and
 * every pair of workloads without a declared flow is refused by at least one layer.
 */
import { Codes } from '../../core/codes';
import { Finding, Manifest, podTemplateField, ResourceRef } from '../finding';
import { isCertainlyMeshed } from '../model/workload';
import { FlowCluster, FlowOptions, FlowPod, FlowService } from './cluster';
import { FlowEvaluator, flowProblem } from './evaluate';
import { FLAGGER_ROUTED_TO } from '../model/flagger';
import { FlowDecider, FlowVerdict, FlowWorkload, IntendedFlow } from './flow';
import { PairAnalysis, PairVerdict } from './pairs';
import { virtualServiceFor } from './routing';

/** A finding about a flow, with the construct that stated the intent (synth prefixes `[constructPath]`). */
export interface FlowFinding extends Finding {
  /**
   * The construct that stated the intent, when one did.
   * @default - none (an undeclared open pair has no construct)
   */
  readonly constructPath?: string;
  /**
   * The verdict behind the finding.
   * @default - none (malformed flows and pair findings)
   */
  readonly verdict?: FlowVerdict;
}

/** One ordered pair of workloads and whether the manifests let the first reach the second. */
export interface WorkloadPair {
  /** `<namespace>/<name>` of the source. */
  readonly source: string;
  /** `<namespace>/<name>` of the destination. */
  readonly destination: string;
  /** True if a flow between them is intended (`allow`). */
  readonly declared: boolean;
  readonly verdict: PairVerdict;
}

/**
 * A finding per intended flow whose verdict differs from its `expect`: MESH600 for a
 * refused flow meant to work, MESH601 for an allowed flow meant to be refused, MESH607 for one
 * allowed to pods the Service it must reach (`reaches`) does not select. The finding names the
 * deciding resource; `constructPath` is the intent's.
 */
export function checkIntendedFlows(
  manifests: readonly Manifest[] | FlowEvaluator,
  intended: readonly IntendedFlow[],
  options: FlowOptions = {},
): FlowFinding[] {
  const evaluator = Array.isArray(manifests) ? new FlowEvaluator(manifests, options) : (manifests as FlowEvaluator);
  const out: FlowFinding[] = [];
  for (const flow of intended) {
    const problem = flowProblem(flow);
    if (problem) {
      out.push({
        code: Codes.INVALID_FLOW,
        resource: { apiVersion: '', kind: 'Flow', name: flow.description },
        field: problem.field,
        message: `${flow.description}: ${problem.field} ${problem.message}`,
        constructPath: flow.constructPath,
      });
      continue;
    }
    const verdict = evaluator.evaluate(flow);
    if (verdict.allowed && flow.expect === 'allow' && flow.reaches) {
      const stray = strayPods(evaluator.cluster, verdict, [flow.reaches, ...(flow.alsoReaches ?? [])]);
      if (stray.length > 0) {
        const route = meshRoute(evaluator.cluster, flow);
        const why = route ? `VirtualService ${route.metadata?.namespace}/${route.metadata?.name} routes ${flow.host} there`
          : 'a rule of another VirtualService for the host takes the request';
        out.push({
          code: Codes.INTENDED_FLOW_MISROUTED,
          resource: route ? refOf(route) : refOfDecider(evaluator.cluster, verdict.decidedBy),
          field: route ? 'spec.http' : '',
          message: `${flow.description}: reaches ${stray.join(', ')}, which Service ${flow.reaches.namespace}/${flow.reaches.service} does not `
            + `select (${verdict.hops.join(' | ')}): ${why}`,
          constructPath: flow.constructPath,
          verdict,
        });
      }
      continue;
    }
    if (flow.expect === 'answer') {
      const answered = verdict.answered !== undefined && (flow.answerStatus === undefined || verdict.answered.status === flow.answerStatus);
      if (answered) continue;
      const by = verdict.decidedBy ? ` by ${describeDecider(verdict.decidedBy)}` : '';
      const meant = `must be answered at the gateway${flow.answerStatus === undefined ? '' : ` (${flow.answerStatus})`}`;
      out.push({
        // Reaching an application is an allowed flow meant otherwise; anything else is an intended flow that does not happen.
        code: verdict.allowed ? Codes.UNINTENDED_FLOW_ALLOWED : Codes.INTENDED_FLOW_REFUSED,
        resource: refOfDecider(evaluator.cluster, verdict.decidedBy),
        field: '',
        message: `${flow.description}: ${meant}, but ${verdict.allowed ? 'is allowed' : verdict.answered ? 'is answered' : 'is refused'}${by}: `
          + verdict.reason,
        constructPath: flow.constructPath,
        verdict,
      });
      continue;
    }
    if (verdict.allowed === (flow.expect === 'allow')) continue;
    const by = verdict.decidedBy ? ` by ${describeDecider(verdict.decidedBy)}` : '';
    out.push({
      code: flow.expect === 'allow' ? Codes.INTENDED_FLOW_REFUSED : Codes.UNINTENDED_FLOW_ALLOWED,
      resource: refOfDecider(evaluator.cluster, verdict.decidedBy),
      field: '',
      message:
        flow.expect === 'allow'
          ? `${flow.description}: refused${by}: ${verdict.reason}`
          : `${flow.description}: must be refused but is allowed (last admitted${by}): ${verdict.reason}`,
      constructPath: flow.constructPath,
      verdict,
    });
  }
  return out;
}

/**
 * The VirtualService that routes a pod's request for `flow`'s host (the one its sidecar applies:
 * src/validate/flow/routing.ts, virtualServiceFor), or undefined for a gateway's request, whose
 * host's VirtualServices the gateway merges.
 */
function meshRoute(cluster: FlowCluster, flow: IntendedFlow): Manifest | undefined {
  if (!('workload' in flow.source)) return undefined;
  const service = cluster.service(flow.host, flow.source.namespace);
  return service && virtualServiceFor(cluster, service.fqdn, service.namespace, flow.source.namespace, 'mesh');
}

/** The workloads `verdict` reached whose pods none of the Services `targets` selects (as the cluster runs, after Flagger). */
function strayPods(cluster: FlowCluster, verdict: FlowVerdict, targets: readonly NonNullable<IntendedFlow['reaches']>[]): string[] {
  const selected = targets.flatMap((target) => {
    const service = cluster.service(`${target.service}.${target.namespace}.svc.cluster.local`, target.namespace);
    return service ? podsOfHost(cluster, service) : [];
  });
  // Checked for every declared call: a few pods each side, compared without building sets.
  const stray = (verdict.reached ?? []).filter((r) => !selected.some((p) => p.namespace === r.namespace && p.name === r.workload));
  return [...new Set(stray.map((r) => `${r.namespace}/${r.workload}`))];
}

/**
 * Every ordered pair of workloads (the pod templates of Deployments, StatefulSets,
 * DaemonSets, Jobs and the other kinds the model reads, grouped by their `app` label)
 * with no intended `allow` flow between them that no layer refuses, as MESH602 findings
 * on the destination. Candidates come from indexes, so a deny-by-default
 * mesh costs time linear in its services and declared calls.
 */
export function undeclaredOpenPairs(
  manifests: readonly Manifest[] | FlowEvaluator,
  intended: readonly IntendedFlow[],
  options: FlowOptions = {},
): FlowFinding[] {
  const evaluator = Array.isArray(manifests) ? new FlowEvaluator(manifests, options) : (manifests as FlowEvaluator);
  return workloadPairs(evaluator, intended, { openOnly: true, undeclaredOnly: true })
    .filter((p) => p.verdict.open)
    .map((p) => {
      const [ns, name] = p.destination.split('/');
      const dest = evaluator.cluster.podsNamed(name, ns).find(isWorkload);
      return {
        code: Codes.UNDECLARED_PAIR_OPEN,
        resource: dest?.manifest ? refOf(dest.manifest) : { apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name },
        field: '',
        message: `${p.source} can reach ${p.destination} on port ${p.verdict.port} although no flow between them is declared; no layer refuses it `
          + `(${p.verdict.reason})`,
      };
    });
}

/**
 * The ordered pairs of workloads with their pair-level verdicts. With `openOnly`, only
 * candidate pairs (those the indexed layers do not refuse) are evaluated and listed; with
 * `undeclaredOnly`, only the pairs no intended `allow` flow declares (a declared pair's
 * verdict is not worked out: in a mesh that declares its calls, most candidates are declared).
 */
export function workloadPairs(
  evaluator: FlowEvaluator,
  intended: readonly IntendedFlow[],
  options: { openOnly?: boolean; undeclaredOnly?: boolean } = {},
): WorkloadPair[] {
  const cluster = evaluator.cluster;
  const declared = declaredPairs(cluster, intended);
  const analysis = new PairAnalysis(cluster, isWorkload);
  const key = (p: FlowPod) => `${p.namespace}/${p.name}`;
  const best = new Map<string, WorkloadPair>();
  const sources = cluster.pods.filter(isWorkload);
  for (const a of sources) {
    const destinations = options.openOnly ? analysis.candidates(a) : sources.filter((b) => b !== a);
    // The replicas of one StatefulSet talk to each other (a quorum, a replica set): its pods are a pair of their own.
    for (const b of replicatedStatefulSet(a) ? [a, ...destinations] : destinations) {
      if (b !== a && key(a) === key(b)) continue;
      const pairKey = `${key(a)}\u0000${key(b)}`;
      if (options.undeclaredOnly && declared.has(pairKey)) continue;
      const seen = best.get(pairKey);
      if (seen?.verdict.open) continue;
      const verdict = analysis.verdict(a, b);
      if (!seen || verdict.open) best.set(pairKey, { source: key(a), destination: key(b), declared: declared.has(pairKey), verdict });
    }
  }
  return [...best.values()].sort((x, y) => (x.source + x.destination < y.source + y.destination ? -1 : 1));
}

/**
 * `<source>\0<destination>` of every intended allow flow between workloads of the manifests. A source described by data
 * (`{ platform }`: a RemoteCaller's pods, a platform component) declares the pairs of the manifests' workloads it describes.
 */
function declaredPairs(cluster: FlowCluster, intended: readonly IntendedFlow[]): Set<string> {
  const out = new Set<string>();
  for (const f of intended) {
    if (f.expect !== 'allow' || 'external' in f.source) continue;
    const ns = 'workload' in f.source ? f.source.namespace : f.source.platform.namespace;
    const service = cluster.service(f.host, ns);
    if (!service) continue;
    const pods = 'workload' in f.source ? cluster.podsNamed(f.source.workload, ns) : describedWorkloads(cluster, f.source.platform);
    const sources = new Set(pods.map((a) => `${a.namespace}/${a.name}`));
    for (const a of sources) for (const b of podsOfHost(cluster, service)) out.add(`${a}\u0000${b.namespace}/${b.name}`);
  }
  return out;
}

/**
 * The manifests' workloads a described source stands for: those of its namespace whose pods carry its labels (a non-empty set) and run
 * as its ServiceAccount, the identity its requests carry (`source.principal`, https://istio.io/latest/docs/reference/config/security/
 * authorization-policy/#Source) and the pod labels its NetworkPolicy peers select (https://kubernetes.io/docs/concepts/services-networking/
 * network-policies/#behavior-of-to-and-from-selectors). A hand-written CronJob of the app that a service `admits` is such a workload.
 */
function describedWorkloads(cluster: FlowCluster, w: FlowWorkload): readonly { namespace: string; name: string }[] {
  if (Object.keys(w.labels).length === 0) return [];
  return cluster.model.workloadsMatching(w.namespace, w.labels).filter((x) => x.serviceAccount === w.serviceAccount);
}

/**
 * The pods a request for `service`'s host may reach: those it selects, and where Flagger releases it, its primary's
 * and its canary's (the host's routes go to `<name>-primary` and `<name>-canary`: src/validate/model/flagger.ts).
 */
function podsOfHost(cluster: FlowCluster, service: FlowService): FlowPod[] {
  const routed = (FLAGGER_ROUTED_TO.get(service.manifest) ?? []).map((n) => cluster.service(n, service.namespace)).filter((x) => x !== undefined);
  return routed.length === 0 ? cluster.podsOfService(service) : [service, ...routed].flatMap((s) => cluster.podsOfService(s));
}

/** Whether `p` is a StatefulSet of more than one replica, whose pods reach each other by name (`<pod>.<service>`). */
function replicatedStatefulSet(p: FlowPod): boolean {
  return p.kind === 'StatefulSet' && Number(p.manifest?.spec?.replicas ?? 1) > 1;
}

/**
 * A workload of the manifests, of any kind the model reads a pod template from (Deployment,
 * StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod: validate/finding.ts podTemplate);
 * not a platform component, whose pods are the platform's own.
 */
function isWorkload(p: FlowPod): boolean {
  return p.kind !== 'Platform';
}

/** `AuthorizationPolicy production/order-service-policy` */
export function describeDecider(d: FlowDecider): string {
  return `${d.kind} ${d.namespace ? `${d.namespace}/` : ''}${d.name}${d.layer === d.kind ? '' : ` (${d.layer})`}`;
}

function refOf(m: Manifest): ResourceRef {
  return {
    apiVersion: String(m.apiVersion ?? ''),
    kind: String(m.kind ?? ''),
    name: String(m.metadata?.name ?? ''),
    namespace: m.metadata?.namespace === undefined ? undefined : String(m.metadata.namespace),
  };
}

function refOfDecider(cluster: FlowCluster, d: FlowDecider | undefined): ResourceRef {
  if (!d) return { apiVersion: '', kind: 'Flow', name: '(none)' };
  const m = cluster.ofKind(d.kind, d.namespace ?? 'default').find((x) => x.metadata?.name === d.name);
  return m ? refOf(m) : { apiVersion: '', kind: d.kind, name: d.name, namespace: d.namespace };
}

/**
 * MESH609: every meshed workload of the manifests whose sidecar never becomes ready (./readiness.ts: its NetworkPolicies keep it
 * from istiod's xDS port), reported on the workload whether or not a flow names it: no flow from or to it holds, and a pod no flow
 * is declared for (a hand-written CronJob) would otherwise fail only in the cluster.
 */
export function unreadySidecars(evaluator: FlowEvaluator): FlowFinding[] {
  const out: FlowFinding[] = [];
  const seen = new Set<Manifest>();
  const cluster = evaluator.cluster;
  const workloads = cluster.model.workloads;
  cluster.workloadPods().forEach((pod, i) => {
    // Only where injection is certain (the flows assume every pod meshed unless it opts out): over a folder whose
    // Namespace is not given, a pod may well run no sidecar, and then nothing waits for istiod.
    if (!pod.meshed || !isCertainlyMeshed(workloads[i], cluster.namespaceLabels(pod.namespace))) return;
    const n = pod.manifest && !seen.has(pod.manifest) ? evaluator.sidecarNotReady(pod) : undefined;
    if (!n || !pod.manifest) return;
    seen.add(pod.manifest);
    out.push({ code: Codes.SIDECAR_NEVER_READY, resource: refOf(pod.manifest), field: podTemplateField(pod.manifest) ?? 'spec', message: n.reason });
  });
  return out;
}
