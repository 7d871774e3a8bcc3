/**
 * The traffic policy a proxy applies to one port of a DestinationRule's host, for one subset: Istio's merge of the
 * rule's policy, its port-level settings and the subset's, written once for the flows and the analysis.
 *
 * istio/istio pilot/pkg/networking/util/util.go (1.24 and 1.30 alike):
 * - `GetPortLevelTrafficPolicy`: a `portLevelSettings` entry for the port replaces the policy's connectionPool,
 *   outlierDetection, loadBalancer and tls whole, the fields it leaves out included ("port level policies do not
 *   inherit and instead [default] if not provided");
 * - `MergeSubsetTrafficPolicy`: the rule's policy for the port (as above), then the subset's for the port: a field the
 *   subset's policy sets replaces the rule's, and where the subset has settings for the port, all four are the subset's
 *   port-level ones (`mergeTrafficPolicy`, `hasPortLevel`); a rule without a policy takes the subset's as it is.
 * pilot/pkg/networking/core/cluster_builder.go applies the first to the host's cluster (`applyDestinationRule`) and the
 * second to each subset's (`buildSubsetCluster`).
 */
import { Manifest } from '../finding';
import { list } from '../values';

/** The four fields a port's settings replace together. */
export const PORT_POLICY_FIELDS = ['connectionPool', 'outlierDetection', 'loadBalancer', 'tls'] as const;

/** One of {@link PORT_POLICY_FIELDS}. */
export type PortPolicyField = (typeof PORT_POLICY_FIELDS)[number];

/** A field of the policy that applies, with where the rule writes it (`spec.subsets[0].trafficPolicy.tls`). */
export interface AppliedField {
  readonly value: any;
  readonly field: string;
}

/** The policy that applies to a port: each field as the proxy gets it (absent: Istio's default for it). */
export type AppliedTrafficPolicy = { readonly [K in PortPolicyField]?: AppliedField };

/** `policy`'s fields for `port`, from its `portLevelSettings` entry for the port where it has one; `hasPortLevel` says so. */
function forPort(policy: any, base: string, port: number | undefined): { applied: AppliedTrafficPolicy; hasPortLevel: boolean } {
  const settings = list(policy?.portLevelSettings);
  const i = port === undefined ? -1 : settings.findIndex((s: any) => s?.port?.number !== undefined && Number(s.port.number) === port);
  const source = i < 0 ? policy : settings[i];
  const at = i < 0 ? base : `${base}.portLevelSettings[${i}]`;
  const applied: { [K in PortPolicyField]?: AppliedField } = {};
  for (const key of PORT_POLICY_FIELDS) {
    const value = source?.[key];
    if (value !== undefined && value !== null) applied[key] = { value, field: `${at}.${key}` };
  }
  return { applied, hasPortLevel: i >= 0 };
}

/**
 * The traffic policy of `dr` for `port` of its host (undefined: no port-level settings apply) and `subset` (undefined:
 * the host's own cluster), as istiod builds the cluster (see the file's comment).
 */
export function appliedTrafficPolicy(dr: Manifest | undefined, subset: string | undefined, port: number | undefined): AppliedTrafficPolicy {
  const top = dr?.spec?.trafficPolicy;
  const rule = top && typeof top === 'object' ? forPort(top, 'spec.trafficPolicy', port).applied : undefined;
  const s = subset === undefined ? -1 : list(dr?.spec?.subsets).findIndex((x: any) => x?.name === subset);
  const subsetPolicy = s < 0 ? undefined : dr!.spec.subsets[s]?.trafficPolicy;
  if (!subsetPolicy || typeof subsetPolicy !== 'object') return rule ?? {};
  const own = forPort(subsetPolicy, `spec.subsets[${s}].trafficPolicy`, port);
  if (!rule) return own.applied;
  const merged: { [K in PortPolicyField]?: AppliedField } = {};
  for (const key of PORT_POLICY_FIELDS) {
    const value = own.applied[key] !== undefined || own.hasPortLevel ? own.applied[key] : rule[key];
    if (value !== undefined) merged[key] = value;
  }
  return merged;
}

/**
 * Every traffic policy `dr` writes, with its field path: the rule's, each of its port settings, each subset's and each of
 * their port settings. For checks of a field wherever it is written (the policy that applies is {@link appliedTrafficPolicy}'s).
 */
export function writtenTrafficPolicies(dr: Manifest): { readonly policy: any; readonly at: string }[] {
  const out: { policy: any; at: string }[] = [];
  const add = (policy: any, at: string) => {
    if (!policy || typeof policy !== 'object') return;
    out.push({ policy, at });
    list(policy.portLevelSettings).forEach((p: any, i: number) => {
      if (p && typeof p === 'object') out.push({ policy: p, at: `${at}.portLevelSettings[${i}]` });
    });
  };
  add(dr.spec?.trafficPolicy, 'spec.trafficPolicy');
  list(dr.spec?.subsets).forEach((s: any, i: number) => add(s?.trafficPolicy, `spec.subsets[${i}].trafficPolicy`));
  return out;
}
