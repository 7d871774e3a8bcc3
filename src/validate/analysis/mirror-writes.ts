/**
 * A VirtualService that mirrors the writes of a route: each mirrored request is served by the
 * route's destination and by the mirror, both of which act on it.
 */
import { Codes } from '../../core/codes';
import { Finding, finding, Manifest } from '../finding';
import { AnalysisCheck } from './check';
import { writesServedByRules } from './http-rules';
import { list } from '../values';

/** One mirror of an HTTP rule: where it is written, its destination and the share of requests it copies. */
interface RuleMirror {
  readonly field: string;
  readonly destination: any;
  readonly percent: number;
}

/**
 * The mirrors of HTTP rule `rule`: `mirror` with `mirrorPercentage` (or the deprecated `mirror_percent`),
 * and each of `mirrors` (Istio 1.18+) with its own `percentage`; a mirror without a percentage copies every
 * request ("If this field is absent, all the traffic (100%) will be mirrored").
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPMirrorPolicy
 */
function mirrorsOf(rule: any, i: number): RuleMirror[] {
  const share = (p: unknown, legacy?: unknown) => {
    const value = typeof p === 'object' && p !== null ? (p as { value?: unknown }).value : undefined;
    if (typeof value === 'number') return value;
    return typeof legacy === 'number' ? legacy : 100;
  };
  const out: RuleMirror[] = [];
  if (rule?.mirror) {
    out.push({ field: `spec.http[${i}].mirror`, destination: rule.mirror, percent: share(rule.mirrorPercentage, rule.mirrorPercent) });
  }
  list(rule?.mirrors).forEach((m: any, j: number) => {
    if (m?.destination) out.push({ field: `spec.http[${i}].mirrors[${j}]`, destination: m.destination, percent: share(m.percentage) });
  });
  return out.filter((m) => m.percent > 0);
}

/** `host`, `host (subset s)`. */
function describe(destination: any): string {
  const host = String(destination?.host ?? '');
  return destination?.subset ? `${host} (subset ${destination.subset})` : host;
}

/**
 * MESH669 (warning): an HTTP rule of a VirtualService that mirrors requests while it serves POST or
 * PATCH (the methods MESH111 reads: the rule's method match, else what the destination's ALLOW
 * AuthorizationPolicies grant). The sidecar sends the copy and discards its response, but the
 * mirror's workload acts on it: a shadow version runs under the same ServiceAccount, with the same
 * database and downstreams, so each mirrored write is applied twice. "Mirroring should be used for
 * requests that are idempotent or capable of being processed twice" (Flagger's words for the same
 * Envoy feature, which MESH320 reports for a Flagger Canary).
 * @see https://istio.io/latest/docs/tasks/traffic-management/mirroring/
 * @see https://docs.flagger.app/usage/deployment-strategies#blue-green-with-traffic-mirroring
 */
export const mirrorServesWrites: AnalysisCheck = {
  code: Codes.MIRROR_SERVES_WRITES,
  title: 'a VirtualService route that mirrors requests while it serves POST or PATCH',
  run(index) {
    const out: Finding[] = [];
    const writesOf = writesServedByRules(index);
    for (const vs of index.ofKind('VirtualService')) {
      const rules: Manifest[] = list(vs.spec?.http);
      const mirrored = rules.map(mirrorsOf);
      if (mirrored.every((m) => m.length === 0)) continue;
      const writes = writesOf(vs);
      mirrored.forEach((mirrors, i) => {
        const risky = (writes[i] ?? []).map((m) => (m === '*' ? 'any method' : m));
        if (risky.length === 0) return;
        for (const m of mirrors) {
          out.push(finding(Codes.MIRROR_SERVES_WRITES, vs, m.field,
            `mirrors ${m.percent}% of a route serving ${risky.join(', ')} to ${describe(m.destination)}: a mirrored write is applied twice, once `
            + 'by the route\'s destination and once by the mirror, which acts on it though its response is discarded; mirror a route that '
            + 'matches only idempotent methods (GET), or give the mirror a store and downstreams of its own', 'warning'));
        }
      });
    }
    return out;
  },
};
