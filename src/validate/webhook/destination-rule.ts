/**
 * istiod's webhook check of a DestinationRule: a port of istio/istio
 * pkg/config/validation/validation.go (ValidateDestinationRule, validateSubset, validateExportTo,
 * validateWorkloadSelector); traffic policies are in traffic-policy.ts.
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/
 */
import { Codes } from '../../core/codes';
import { Manifest } from '../finding';
import { wildcardDomainProblem } from './hosts';
import { exportTo, labels, subsetNameProblem, workloadSelector } from './names';
import type { Report, WebhookScope } from './report';
import { trafficPolicy } from './traffic-policy';
import { isSet, list, obj, str } from '../values';

/** ValidateDestinationRule: a wildcard-domain host, its policies, unique DNS-1123 subset names, exportTo and selector. */
export function destinationRule(dr: Manifest, report: Report, scope: WebhookScope): void {
  const spec = obj(dr.spec) ?? {};
  const host = wildcardDomainProblem(str(spec.host));
  if (host) report(Codes.INVALID_HOST, 'spec.host', host);
  trafficPolicy(spec.trafficPolicy, 'spec.trafficPolicy', report, scope);
  const seen = new Set<string>();
  list(spec.subsets).forEach((raw, i) => {
    const at = `spec.subsets[${i}]`;
    const s = obj(raw);
    if (!s) { report(Codes.DESTINATION_RULE_REJECTED, at, 'subset may not be null'); return; }
    const name = str(s.name);
    if (seen.has(name)) report(Codes.DESTINATION_RULE_REJECTED, `${at}.name`, `duplicate subset names: ${name}`);
    seen.add(name);
    const problem = subsetNameProblem(name);
    if (problem) report(Codes.INVALID_REFERENCE_NAME, `${at}.name`, problem);
    labels(s.labels, `${at}.labels`, report);
    trafficPolicy(s.trafficPolicy, `${at}.trafficPolicy`, report, scope);
  });
  exportTo(spec.exportTo, scope.namespace, 'spec.exportTo', report, false, isSet(spec.workloadSelector));
  workloadSelector(spec.workloadSelector, 'spec.workloadSelector', report);
}
