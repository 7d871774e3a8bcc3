import { Finding, Manifest } from '../finding';
import { AnalysisCheck } from './check';
import { HTTP_RULE_CHECKS } from './http-rules';
import { MeshIndex } from './mesh-index';
import { RETRY_CHAIN_CHECKS } from './retry-chain';
import { ROUTING_CHECKS } from './routing';
import { WORKLOAD_CHECKS } from './workloads';

export { AnalysisCheck } from './check';
export { MeshIndex, resolveHost } from './mesh-index';

/** Every cross-resource check, in code order. */
export const ANALYSIS_CHECKS: readonly AnalysisCheck[] = [...ROUTING_CHECKS, ...HTTP_RULE_CHECKS, ...RETRY_CHAIN_CHECKS, ...WORKLOAD_CHECKS]
  .sort((a, b) => (a.code < b.code ? -1 : 1));

/** Runs every cross-resource check over one set of manifests (one cluster's worth). */
export function analyze(manifests: readonly Manifest[]): Finding[] {
  const index = new MeshIndex(manifests);
  return ANALYSIS_CHECKS.flatMap((c) => c.run(index));
}
