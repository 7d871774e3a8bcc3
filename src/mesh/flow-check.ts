import { checkIntendedFlows, undeclaredOpenPairs } from '../flow/check';
import { FlowEvaluator } from '../flow/evaluate';
import { Finding, Manifest } from '../validate/finding';
import type { IntendedFlow } from '../flow/flow';
import type { MeshPlatform } from '../platform/platform';

/**
 * What the flow check reads of a chart (a MeshChart has it): an interface here, so that
 * the synth check, which the chart registers, does not import the chart back.
 */
export interface FlowCheckedChart {
  readonly node: { readonly path: string };
  readonly namespace: string;
  readonly platform: MeshPlatform;
  intendedFlows(): IntendedFlow[];
}

/**
 * The flow verification of one environment at synth: every flow its constructs intend
 * (MeshChart.intendedFlows) gets the verdict it expects over the environment's rendered
 * manifests plus the cluster-wide ones (MESH600/MESH601), and no pair of its workloads
 * without a declared flow is open (MESH602). Each error names the construct that stated
 * the intent (the chart for an open pair) and the deciding resource. The platform's
 * components (gateway, Prometheus, collector...) are the evaluator's platform pods.
 */
export function chartFlowFindings(chart: FlowCheckedChart, manifests: readonly Manifest[]): { finding: Finding; path: string }[] {
  const platform = chart.platform;
  const evaluator = new FlowEvaluator(manifests, {
    trustDomain: platform.trustDomain,
    rootNamespace: platform.istio.rootNamespace,
    platform: platform.workloads(chart.namespace),
  });
  const intended = chart.intendedFlows();
  const findings = [...checkIntendedFlows(evaluator, intended), ...undeclaredOpenPairs(evaluator, intended)];
  return findings.map((f) => ({ finding: f, path: f.constructPath ?? chart.node.path }));
}
