/**
 * MESH516, a warning: a DestinationRule's port settings that leave out a field its policy sets.
 */
import { Codes } from '../../core/codes';
import { Finding, finding, Manifest } from '../finding';
import { appliedTrafficPolicy, PORT_POLICY_FIELDS, PortPolicyField } from '../model/traffic-policy';
import { list } from '../values';
import { AnalysisCheck } from './check';

/** What a port gets without the field, by Istio's defaults (istio/api networking/v1alpha3/destination_rule.proto). */
function withoutIt(key: PortPolicyField, value: any): string {
  switch (key) {
    case 'tls': {
      const mode = typeof value?.mode === 'string' ? value.mode : 'DISABLE';
      return ['SIMPLE', 'MUTUAL'].includes(mode)
        ? `no TLS origination (tls.mode ${mode}): auto mTLS, plaintext to a server outside the mesh`
        : `auto mTLS instead of tls.mode ${mode}`;
    }
    case 'connectionPool': return 'no connection pool limits';
    case 'outlierDetection': return 'no outlier detection';
    default: return "Istio's default load balancing";
  }
}

/** A copy of `dr` without entry `i` of the port settings of its rule's policy (`subset` undefined) or of subset `subset`'s. */
function withoutEntry(dr: Manifest, subset: number | undefined, i: number): Manifest {
  const strip = (tp: any) => ({ ...tp, portLevelSettings: list(tp.portLevelSettings).filter((_: unknown, j: number) => j !== i) });
  if (subset === undefined) return { ...dr, spec: { ...dr.spec, trafficPolicy: strip(dr.spec.trafficPolicy) } };
  const subsets = list(dr.spec.subsets).map((s: any, j: number) => (j === subset ? { ...s, trafficPolicy: strip(s.trafficPolicy) } : s));
  return { ...dr, spec: { ...dr.spec, subsets } };
}

/**
 * MESH516, a warning: a `portLevelSettings` entry (of the rule's policy or a subset's) that leaves out a field of
 * connectionPool, outlierDetection, loadBalancer and tls that applies to the port without it. istiod applies the entry in
 * place of the policy, the fields it leaves out included: "port level policies do not inherit and instead [default] if
 * not provided" (istio/istio pilot/pkg/networking/util/util.go, GetPortLevelTrafficPolicy and mergeTrafficPolicy;
 * model/traffic-policy.ts), so a rule-wide `tls: SIMPLE` or connection pool is gone on that port while the file reads
 * as if it held there too.
 */
export const portSettingsDropPolicy: AnalysisCheck = {
  code: Codes.PORT_SETTINGS_DROP_POLICY,
  title: "a DestinationRule's port settings that leave out a field its policy sets",
  run(index) {
    const out: Finding[] = [];
    for (const dr of index.ofKind('DestinationRule')) {
      const policies: { subset?: number; name?: string; policy: any; at: string }[] = [
        { policy: dr.spec?.trafficPolicy, at: 'spec.trafficPolicy' },
        ...list(dr.spec?.subsets).map((s: any, i: number) => ({
          subset: i, name: typeof s?.name === 'string' ? s.name : undefined, policy: s?.trafficPolicy, at: `spec.subsets[${i}].trafficPolicy`,
        })),
      ];
      for (const { subset, name, policy, at } of policies) {
        if (!policy || typeof policy !== 'object' || (subset !== undefined && name === undefined)) continue;
        list(policy.portLevelSettings).forEach((entry: any, i: number) => {
          const port = Number(entry?.port?.number);
          if (!Number.isInteger(port)) return;
          const applied = appliedTrafficPolicy(dr, name, port);
          const inherited = appliedTrafficPolicy(withoutEntry(dr, subset, i), name, port);
          const dropped = PORT_POLICY_FIELDS.filter((k) => inherited[k] !== undefined && applied[k] === undefined);
          if (dropped.length === 0) return;
          const what = dropped.map((k) => `${k} (${inherited[k]!.field}: ${withoutIt(k, inherited[k]!.value)})`).join(', ');
          out.push(finding(Codes.PORT_SETTINGS_DROP_POLICY, dr, `${at}.portLevelSettings[${i}]`,
            `the settings for port ${port}${name === undefined ? '' : ` of subset ${name}`} leave out ${what}: istiod applies a port's `
            + 'settings in place of the policy\'s, without inheriting the fields they leave out, so the port gets Istio\'s default; '
            + `repeat ${dropped.join(' and ')} in the port's settings, or acknowledge it`, 'warning'));
        });
      }
    }
    return out;
  },
};
