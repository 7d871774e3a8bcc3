import { Finding, Manifest } from '../finding';
import { AnalysisCheck } from './check';
import { CONFIG_CHECKS } from './config-checks';
import { EDGE_CHECKS } from './edge';
import { GATEWAY_CHECKS } from './gateways';
import { HTTP_RULE_CHECKS } from './http-rules';
import { AnalysisView } from './view';
import { AssumedIngressGateway } from './assumed-gateways';
import { ClusterModel } from '../model/cluster-model';
import { RELEASE_CHECKS } from './release';
import { RETRY_CHAIN_CHECKS } from './retry-chain';
import { unreachableCaller } from './unreachable-callers';
import { STATEFUL_CHECKS } from './stateful';
import { PRIVILEGE_CHECKS } from './privileges';
import { ROUTING_CHECKS } from './routing';
import { WORKLOAD_CHECKS } from './workloads';

export { AnalysisCheck } from './check';
export { AssumedIngressGateway, ISTIOCTL_DEFAULT_INGRESS_GATEWAY, platformIngressGateway } from './assumed-gateways';
export { AnalysisView } from './view';

/** Every cross-resource check, in code order. */
export const ANALYSIS_CHECKS: readonly AnalysisCheck[] = [
  ...ROUTING_CHECKS, ...HTTP_RULE_CHECKS, ...RETRY_CHAIN_CHECKS, unreachableCaller, ...WORKLOAD_CHECKS, ...STATEFUL_CHECKS, ...CONFIG_CHECKS,
  ...GATEWAY_CHECKS, ...RELEASE_CHECKS, ...EDGE_CHECKS, ...PRIVILEGE_CHECKS,
]
  .sort((a, b) => (a.code < b.code ? -1 : 1));

/**
 * Runs every cross-resource check over one set of manifests (one cluster's worth), or over the
 * model of them built once for every check.
 * @param ingressGateways the ingress gateway (or gateways) the cluster runs, each unless the
 * manifests define it (by default istioctl analyze's assumption, ISTIOCTL_DEFAULT_INGRESS_GATEWAY)
 */
export function analyze(
  manifests: readonly Manifest[] | ClusterModel, ingressGateways?: AssumedIngressGateway | readonly AssumedIngressGateway[],
): Finding[] {
  const view = AnalysisView.of(manifests instanceof ClusterModel ? manifests : ClusterModel.of(manifests), ingressGateways);
  // A check may reach one finding by two paths (two rules of an inner route with one timeout): it is one finding.
  const seen = new Set<string>();
  return ANALYSIS_CHECKS.flatMap((c) => c.run(view)).filter((f) => {
    const r = f.resource;
    const key = [f.code, r.kind, r.namespace, r.name, f.field, f.message, f.related?.kind, f.related?.namespace, f.related?.name].join('\u0000');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
