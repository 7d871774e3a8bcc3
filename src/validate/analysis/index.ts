import { Finding, Manifest } from '../finding';
import { AnalysisCheck } from './check';
import { CONFIG_CHECKS } from './config-checks';
import { EDGE_CHECKS } from './edge';
import { GATEWAY_CHECKS } from './gateways';
import { HTTP_RULE_CHECKS } from './http-rules';
import { AssumedIngressGateway, defaultIngressGateway, MeshIndex } from './mesh-index';
import { RELEASE_CHECKS } from './release';
import { RETRY_CHAIN_CHECKS } from './retry-chain';
import { STATEFUL_CHECKS } from './stateful';
import { ROUTING_CHECKS } from './routing';
import { WORKLOAD_CHECKS } from './workloads';

export { AnalysisCheck } from './check';
export { AssumedIngressGateway, ISTIOCTL_DEFAULT_INGRESS_GATEWAY, MeshIndex, platformIngressGateway, resolveHost } from './mesh-index';

/** Every cross-resource check, in code order. */
export const ANALYSIS_CHECKS: readonly AnalysisCheck[] = [
  ...ROUTING_CHECKS, ...HTTP_RULE_CHECKS, ...RETRY_CHAIN_CHECKS, ...WORKLOAD_CHECKS, ...STATEFUL_CHECKS, ...CONFIG_CHECKS, ...GATEWAY_CHECKS,
  ...RELEASE_CHECKS, ...EDGE_CHECKS,
]
  .sort((a, b) => (a.code < b.code ? -1 : 1));

/**
 * Runs every cross-resource check over one set of manifests (one cluster's worth).
 * @param ingressGateways the ingress gateway (or gateways) the cluster runs, each unless the
 * manifests define it (by default istioctl analyze's assumption, ISTIOCTL_DEFAULT_INGRESS_GATEWAY)
 */
export function analyze(manifests: readonly Manifest[], ingressGateways?: AssumedIngressGateway | readonly AssumedIngressGateway[]): Finding[] {
  const index = new MeshIndex(manifests, defaultIngressGateway(manifests, ingressGateways));
  return ANALYSIS_CHECKS.flatMap((c) => c.run(index));
}
