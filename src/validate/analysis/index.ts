import { Finding, Manifest } from '../finding';
import { AnalysisCheck } from './check';
import { AUTOSCALER_CHECKS } from './autoscalers';
import { CONFIG_CHECKS } from './config-checks';
import { EDGE_CHECKS } from './edge';
import { GATEWAY_CHECKS } from './gateways';
import { HTTP_RULE_CHECKS } from './http-rules';
import { AnalysisView } from './view';
import { AssumedIngressGateway } from './assumed-gateways';
import { ClusterModel } from '../model/cluster-model';
import { RELEASE_CHECKS } from './release';
import { mirrorServesWrites } from './mirror-writes';
import { streamsConnectionCapped } from './stream-caps';
import { portSettingsDropPolicy } from './port-settings';
import { RETRY_CHAIN_CHECKS } from './retry-chain';
import { unreachableCaller } from './unreachable-callers';
import { narrowedRuleVoid } from './narrowed-rules';
import { STATEFUL_CHECKS } from './stateful';
import { POLICY_PORT_CHECKS } from './policy-ports';
import { PRIVILEGE_CHECKS } from './privileges';
import { IMAGE_CHECKS } from './images';
import { httpsServedAsHttp } from './image-https';
import { managementProbeDisabled, managementScrapeDisabled } from './image-management';
import { jobSidecarNeverExits } from './jobs';
import { vaultAgentBeforeSidecar, vaultAgentWithoutToken } from './vault-agent';
import { sidecarTlsCredentialUnselected } from './tls-origination';
import { auditPolicyRecordsNothing } from './audit-policies';
import { authorizationValueWildcardLiteral } from './wildcard-values';
import { LOAD_BALANCING_CHECKS } from './load-balancing';
import { meshOnlyRouteActions } from './mesh-only-actions';
import { ROUTING_CHECKS } from './routing';
import { WORKLOAD_CHECKS } from './workloads';

export { AnalysisCheck } from './check';
export {
  AssumedIngressGateway, ISTIOCTL_DEFAULT_INGRESS_GATEWAY, platformEgressGateway, platformGateways, platformIngressGateway,
} from './assumed-gateways';
export { AnalysisView } from './view';

/** Every cross-resource check, in code order. */
export const ANALYSIS_CHECKS: readonly AnalysisCheck[] = [
  ...ROUTING_CHECKS, ...HTTP_RULE_CHECKS, ...RETRY_CHAIN_CHECKS, unreachableCaller, ...WORKLOAD_CHECKS, ...STATEFUL_CHECKS, ...CONFIG_CHECKS,
  ...GATEWAY_CHECKS, ...RELEASE_CHECKS, mirrorServesWrites, ...EDGE_CHECKS, ...PRIVILEGE_CHECKS, ...IMAGE_CHECKS, ...AUTOSCALER_CHECKS,
  jobSidecarNeverExits, ...POLICY_PORT_CHECKS, ...LOAD_BALANCING_CHECKS, streamsConnectionCapped, portSettingsDropPolicy, narrowedRuleVoid,
  meshOnlyRouteActions, vaultAgentBeforeSidecar, vaultAgentWithoutToken, sidecarTlsCredentialUnselected,
  auditPolicyRecordsNothing, managementProbeDisabled, managementScrapeDisabled, authorizationValueWildcardLiteral, httpsServedAsHttp,
]
  .sort((a, b) => (a.code < b.code ? -1 : 1));

/**
 * Runs every cross-resource check over one set of manifests (one cluster's worth), or over the
 * model of them built once for every check.
 * @param ingressGateways the ingress gateway (or gateways) the cluster runs, each unless the
 * manifests define it (by default istioctl analyze's assumption, ISTIOCTL_DEFAULT_INGRESS_GATEWAY)
 * @param rootNamespace the mesh's root namespace (by default Istio's, istio-system)
 * @param nativeSidecars whether istiod injects native sidecars where a pod does not say (by default Istio 1.24's, false)
 */
export function analyze(
  manifests: readonly Manifest[] | ClusterModel, ingressGateways?: AssumedIngressGateway | readonly AssumedIngressGateway[], rootNamespace?: string,
  nativeSidecars?: boolean,
): Finding[] {
  const model = manifests instanceof ClusterModel ? manifests : ClusterModel.of(manifests);
  const view = AnalysisView.of(model, ingressGateways, rootNamespace, nativeSidecars);
  // A check may reach one finding by two paths (two rules of an inner route with one timeout): it is one finding.
  // The messages, long, are compared only among the findings of one code, resource, field and related resource.
  const seen = new Map<string, Finding[]>();
  return ANALYSIS_CHECKS.flatMap((c) => c.run(view)).filter((f) => {
    const r = f.resource;
    // A platform Gateway is the platform team's: a finding on it alone is not the files' (its Secret lives where they cannot see);
    // one that relates it to an object of the files (a conflict) is.
    if (r.kind === 'Gateway' && view.isAssumed(r) && !(f.related && !view.isAssumed(f.related))) return false;
    const rel = f.related;
    const key = `${f.code}\u0000${r.kind}\u0000${r.namespace ?? ''}\u0000${r.name}\u0000${f.field ?? ''}`
      + `\u0000${rel?.kind ?? ''}\u0000${rel?.namespace ?? ''}\u0000${rel?.name ?? ''}`;
    const same = seen.get(key);
    if (!same) {
      seen.set(key, [f]);
      return true;
    }
    if (same.some((g) => g.message === f.message)) return false;
    same.push(f);
    return true;
  });
}
