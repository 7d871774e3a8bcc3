/**
 * Checks of releases over the rendered manifests: what a Flagger Canary does to the
 * workload it releases.
 */
import { Codes } from '../../core/codes';
import { Finding, finding, Manifest } from '../finding';
import { AnalysisCheck } from './check';
import { dict, list } from '../values';
import { AnalysisView, namespaceOf } from './view';

/** Methods that may change state: a mirrored one is applied twice. */
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The methods the ALLOW AuthorizationPolicies of `namespace` that select `labels` admit
 * that may be writes (`any method` for a rule or operation that names none).
 */
function admittedWrites(index: AnalysisView, namespace: string, labels: Readonly<Record<string, string>>): string[] {
  const out = new Set<string>();
  for (const ap of index.ofKind('AuthorizationPolicy')) {
    if (namespaceOf(ap) !== namespace || (ap.spec?.action ?? 'ALLOW') !== 'ALLOW') continue;
    const selector: Record<string, string> = dict(ap.spec?.selector?.matchLabels);
    if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) continue;
    for (const rule of list(ap.spec?.rules)) {
      const ops: Manifest[] = list(rule?.to).map((t: Manifest) => dict(t?.operation));
      if (ops.length === 0) out.add('any method');
      for (const op of ops) {
        if (!Array.isArray(op.methods)) out.add('any method');
        else for (const m of op.methods) if (WRITES.has(String(m))) out.add(String(m));
      }
    }
  }
  return [...out].sort();
}

/**
 * MESH320 (warning): a Flagger Canary that mirrors requests to its canary
 * (`analysis.mirror`) while the released workload admits requests that may be writes.
 * "Mirroring should be used for requests that are idempotent or capable of being processed
 * twice (once by the primary and once by the canary)": a mirrored POST is applied by both.
 * https://docs.flagger.app/usage/deployment-strategies#blue-green-with-traffic-mirroring
 */
export const flaggerMirrorsWrites: AnalysisCheck = {
  code: Codes.FLAGGER_MIRRORS_WRITES,
  title: 'a Flagger Canary mirroring requests that may be writes',
  run(index) {
    const out: Finding[] = [];
    for (const canary of index.ofKind('Canary')) {
      if (!String(canary.apiVersion ?? '').startsWith('flagger.app/') || canary.spec?.analysis?.mirror !== true) continue;
      const ns = namespaceOf(canary);
      const target = canary.spec?.targetRef?.name;
      const workload = index.workloads.find((w) => w.namespace === ns && w.manifest.kind === 'Deployment' && w.manifest.metadata?.name === target);
      if (!workload) continue;
      const writes = admittedWrites(index, ns, workload.labels);
      if (writes.length === 0) continue;
      const share = canary.spec.analysis.mirrorWeight ?? 100;
      out.push(finding(Codes.FLAGGER_MIRRORS_WRITES, canary, 'spec.analysis.mirror',
        `Flagger mirrors ${share}% of the requests to ${target} to its canary, and ${target} admits ${writes.join(', ')}: `
        + 'a mirrored write is applied twice, once by the primary and once by the canary; mirror only idempotent requests, '
        + 'or give the canary its own store', 'warning'));
    }
    return out;
  },
};

/** The release checks. */
export const RELEASE_CHECKS: readonly AnalysisCheck[] = [flaggerMirrorsWrites];
