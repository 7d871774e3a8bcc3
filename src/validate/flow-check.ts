import { checkIntendedFlows, undeclaredOpenPairs, unreadySidecars } from './flow/check';
import { FlowEvaluator } from './flow/evaluate';
import { readCallRecords, recordedCallFindings } from './flow/records';
import type { FlowWorkload } from './flow/flow';
import { platformClusterOptions } from './flow/platform-flows';
import { Finding, Manifest } from './finding';
import { ClusterModel } from './model/cluster-model';
import { isMeshChart } from '../graph/brands';
import type { IMeshChart } from '../graph/interfaces';

/**
 * What the flow check reads of a chart (a MeshChart has it): its declared calls and its
 * services' calls to external services join charts into one cluster. The graph's
 * interface, so that the synth check, which the chart registers, does not import the chart back.
 */
export type FlowCheckedChart = Pick<IMeshChart, 'node' | 'namespace' | 'platform' | 'intendedFlows' | 'calls' | 'services'>;

/**
 * The flow verification of one environment at synth: every flow its constructs intend
 * (MeshChart.intendedFlows) gets the verdict it expects over the environment's rendered
 * manifests plus the cluster-wide ones (MESH600/MESH601), and no pair of its workloads
 * without a declared flow is open (MESH602). Each error names the construct that stated
 * the intent (the chart for an open pair) and the deciding resource. The platform's
 * components (gateway, Prometheus, collector...) are the evaluator's platform pods.
 */
export function chartFlowFindings(chart: FlowCheckedChart, manifests: readonly Manifest[]): { finding: Finding; path: string }[] {
  return clusterFlowFindings([chart], manifests);
}

/**
 * The flow verification of charts that call one another (several namespaces of one
 * app): one evaluator over all their manifests, so a call across namespaces meets the
 * callee's policies, and every chart's intended flows checked against it; the open
 * pairs are looked for once over the whole group. The platform is the first chart's,
 * with each chart's namespace-dependent components (the rate-limit service).
 */
export function clusterFlowFindings(
  charts: readonly FlowCheckedChart[],
  manifests: readonly Manifest[] | ClusterModel,
): { finding: Finding; path: string }[] {
  const platform = charts[0].platform;
  const workloads = new Map<string, FlowWorkload>();
  for (const c of charts)
    for (const w of c.platform.workloads(c.namespace)) workloads.set(`${w.namespace}/${w.name}`, workloads.get(`${w.namespace}/${w.name}`) ?? w);
  const evaluator = FlowEvaluator.over(manifests instanceof ClusterModel ? manifests : ClusterModel.of(manifests), {
    ...platformClusterOptions(platform),
    platform: [...workloads.values()],
    // Each environment's platform Gateways (one of a namespace and name counted once).
    gateways: [...new Map(charts.flatMap((c) => c.platform.gatewayManifests()).map((g) => [`${g.metadata.namespace}/${g.metadata.name}`, g]))
      .values()],
  });
  const intended = charts.flatMap((c) => c.intendedFlows());
  // Calls to other teams' services are checked from their records, as over any folders (src/validate/flow/records.ts),
  // and, being declared there, are no undeclared pair when both teams' charts are checked together.
  const recorded = readCallRecords(evaluator.cluster.manifests).calls.map((c) => c.flow);
  const findings = [
    ...checkIntendedFlows(evaluator, intended),
    ...recordedCallFindings(evaluator),
    ...undeclaredOpenPairs(evaluator, [...intended, ...recorded]),
    ...unreadySidecars(evaluator),
  ];
  return findings.map((f) => ({ finding: f, path: f.constructPath ?? charts[0].node.path }));
}

/**
 * The charts grouped by the calls between them, to services and to external services
 * (connected components), each group in
 * the given order: the charts whose flows must be evaluated together. Charts that
 * call no other chart stay alone, so each environment is still checked over its own
 * folder. Linear in charts and calls (union-find).
 */
export function chartsByCalls<C extends FlowCheckedChart>(charts: readonly C[]): C[][] {
  const parent = new Map<C, C>(charts.map((c) => [c, c]));
  const find = (c: C): C => {
    let r = c;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(c, r);
    return r;
  };
  const join = (c: C, other: unknown) => {
    // Only a chart of the given ones (a MeshChart by its brand) joins.
    const o = other as C;
    if (isMeshChart(other) && o !== c && parent.has(o)) parent.set(find(o), find(c));
  };
  for (const c of charts) {
    for (const call of c.calls) join(c, (call.target as { chart?: unknown }).chart);
    // A ServiceEntry of another chart is one its callers' flows must see too.
    for (const s of c.services) for (const call of s.externalCalls) join(c, call.target.chart);
  }
  const groups = new Map<C, C[]>();
  for (const c of charts) {
    const root = find(c);
    groups.set(root, [...(groups.get(root) ?? []), c]);
  }
  return [...groups.values()];
}
