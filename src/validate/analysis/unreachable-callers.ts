/**
 * ALLOW rules that admit a caller whose own egress never reaches the callee. A workload's Sidecar
 * with egress listeners gives its proxy routes to the listed hosts only: a request to another
 * host is dropped (REGISTRY_ONLY) or passed through as plain TCP (ALLOW_ANY), without the
 * workload's mTLS identity, so a rule naming its principal never matches it there. Such a rule
 * is no call: the retry analysis leaves it out (retry-chain.ts), and it is reported, since it
 * grants what nothing uses (or a call was meant and not declared).
 * @see https://istio.io/latest/docs/reference/config/networking/sidecar/#IstioEgressListener
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source (principals: "derived from the peer certificate")
 */
import { Codes } from '../../core/codes';
import { Finding, finding, Manifest } from '../finding';
import { applicableSidecar, sidecarListsAny } from '../model/sidecar-egress';
import { isMeshed } from '../model/workload';
import { AnalysisCheck } from './check';
import { gatewayIdentities } from './rule-sources';
import { AnalysisView, namespaceOf, push, Workload } from './view';
import { dict, list } from '../values';

/** Each view's answers: by caller, by callee (null: it may reach it). */
const refusals = new WeakMap<AnalysisView, Map<Workload, Map<Workload, Manifest | null>>>();

/**
 * The Sidecar of `caller` that lists no host of `callee`, if its own Sidecar refuses it; undefined when it may reach it.
 * Worked out once per pair and view: this check and the retry chain's calls (retry-chain.ts) ask for the same pairs.
 */
export function egressRefusing(index: AnalysisView, caller: Workload, callee: Workload): Manifest | undefined {
  let byCaller = refusals.get(index);
  if (!byCaller) refusals.set(index, byCaller = new Map());
  let byCallee = byCaller.get(caller);
  if (!byCallee) byCaller.set(caller, byCallee = new Map());
  let known = byCallee.get(callee);
  if (known === undefined) byCallee.set(callee, known = refusingSidecar(index, caller, callee) ?? null);
  return known ?? undefined;
}

function refusingSidecar(index: AnalysisView, caller: Workload, callee: Workload): Manifest | undefined {
  if (caller === callee || gatewayIdentities(index).has(`${caller.namespace}/${caller.serviceAccount}`)) return undefined;
  // A pod without a sidecar has no Sidecar to refuse it (and no identity for any rule: not this check's concern).
  if (!isMeshed(caller, index.model.namespaceLabels().get(caller.namespace))) return undefined;
  const sidecar = applicableSidecar(index.model, caller.namespace, caller.labels, index.rootNamespace);
  if (!sidecar) return undefined;
  const hosts = index.servicesSelecting(callee)
    .map((s) => ({ host: `${s.metadata?.name}.${namespaceOf(s)}.svc.cluster.local`, namespace: namespaceOf(s) }));
  // A callee no Service selects is reached by pod address, which the Sidecar's hosts do not govern.
  if (hosts.length === 0) return undefined;
  return sidecarListsAny(sidecar, hosts) ? undefined : sidecar;
}

/** The workloads of each identity (`<namespace>/<service account>`) in the manifests. */
export function workloadsByIdentity(index: AnalysisView): Map<string, Workload[]> {
  const out = new Map<string, Workload[]>();
  for (const w of index.workloads) push(out, `${w.namespace}/${w.serviceAccount}`, w);
  return out;
}

/**
 * MESH218 (warning): an ALLOW rule admits the principal of a workload of the manifests whose own
 * Sidecar lists no host of the workload the policy selects: the caller cannot reach it, so the rule
 * grants nothing (a call meant and not declared, or a rule left over). Named on both sides.
 */
export const unreachableCaller: AnalysisCheck = {
  code: Codes.RULE_CALLER_CANNOT_REACH,
  title: 'an ALLOW rule admits a caller whose own egress refuses the callee',
  run(index: AnalysisView) {
    const out: Finding[] = [];
    const byIdentity = workloadsByIdentity(index);
    for (const ap of index.ofKind('AuthorizationPolicy')) {
      if ((ap.spec?.action ?? 'ALLOW') !== 'ALLOW') continue;
      const callees = index.workloadsMatching(namespaceOf(ap), dict(ap.spec?.selector?.matchLabels));
      list(ap.spec?.rules).forEach((rule: any, i: number) => list(rule?.from).forEach((from: any, j: number) =>
        list(from?.source?.principals).forEach((p: unknown, k: number) => {
          const m = /\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(String(p));
          if (!m) return;
          for (const caller of byIdentity.get(`${m[1]}/${m[2]}`) ?? []) {
            const refused = callees.map((c) => ({ callee: c, sidecar: egressRefusing(index, caller, c) })).filter((r) => r.sidecar);
            if (refused.length === 0 || refused.length < callees.length) continue;
            const sidecar = refused[0].sidecar!;
            out.push(finding(Codes.RULE_CALLER_CANNOT_REACH, ap, `spec.rules[${i}].from[${j}].source.principals[${k}]`,
              `admits ${caller.namespace}/${caller.name} on ${callees.map((c) => `${c.namespace}/${c.name}`).join(', ')}, which it cannot reach: `
              + `its Sidecar ${namespaceOf(sidecar)}/${sidecar.metadata?.name} lists no host of ${refused[0].callee.name}, so its requests never `
              + `carry its identity there; declare the call (${caller.name}.calls(${refused[0].callee.name})) or drop the rule`, 'warning'));
          }
        })));
    }
    return out;
  },
};
