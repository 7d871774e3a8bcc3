/**
 * Checks that tie policies and subsets to the workloads they mean: selectors,
 * principals, port names, subset labels and mTLS modes.
 */
import { Codes } from '../../core/codes';
import { protocolOfPortName } from '../../core/ports';
import { Principal } from '../../core/principal';
import { Finding, finding, Manifest } from '../finding';
import { AnalysisCheck } from './check';
import { MeshIndex, namespaceOf, push, resolveHost, ROOT_NAMESPACE } from './mesh-index';

/** MESH105: a Service port whose name does not tell Istio its protocol (and no appProtocol does). */
export const portNameConvention: AnalysisCheck = {
  code: Codes.PORT_NAME_CONVENTION,
  title: 'port names outside the protocol convention',
  istio: ['IST0118'],
  kiali: ['KIA0601'],
  run(index) {
    const out: Finding[] = [];
    for (const svc of index.ofKind('Service')) {
      (svc.spec?.ports ?? []).forEach((p: any, i: number) => {
        if (p?.appProtocol) return;
        const name = String(p?.name ?? '');
        if (!protocolOfPortName(name)) {
          out.push(finding(Codes.PORT_NAME_CONVENTION, svc, `spec.ports[${i}].name`,
            `port name '${name}' does not follow <protocol>[-<suffix>] (http, http2, https, grpc, grpc-web, tcp, tls, mongo, mysql, redis, udp) and no appProtocol is set`));
        }
      });
    }
    return out;
  },
};

/** The selector of a policy: matchLabels of `selector` (or Sidecar's `workloadSelector.labels`). */
function selectorOf(m: Manifest): Record<string, string> | undefined {
  if (m.kind === 'Sidecar') return m.spec?.workloadSelector?.labels;
  return m.spec?.selector?.matchLabels;
}

const SELECTOR_KINDS = ['AuthorizationPolicy', 'PeerAuthentication', 'Sidecar'];

/**
 * MESH107: a policy whose selector matches no workload. Only namespaces that hold a
 * workload of the set are checked, so a partial set does not report policies whose
 * workloads live elsewhere.
 */
export const selectorMatchesNothing: AnalysisCheck = {
  code: Codes.SELECTOR_MATCHES_NOTHING,
  title: 'an AuthorizationPolicy, PeerAuthentication or Sidecar selector that matches no workload',
  istio: ['IST0127'],
  kiali: ['KIA0004'],
  run(index) {
    const out: Finding[] = [];
    for (const kind of SELECTOR_KINDS) {
      for (const m of index.ofKind(kind)) {
        const selector = selectorOf(m);
        const ns = namespaceOf(m);
        if (!selector || Object.keys(selector).length === 0 || !index.workloadNamespaces.has(ns)) continue;
        if (index.workloadsMatching(ns, selector).length === 0) {
          const field = kind === 'Sidecar' ? 'spec.workloadSelector.labels' : 'spec.selector.matchLabels';
          const labels = Object.entries(selector).map(([k, v]) => `${k}=${v}`).sort().join(',');
          out.push(finding(Codes.SELECTOR_MATCHES_NOTHING, m, field, `no workload in namespace ${ns} has the labels ${labels}`));
        }
      }
    }
    return out;
  },
};

/**
 * MESH106: an AuthorizationPolicy principal naming a ServiceAccount that does not exist.
 * Principals with wildcards, or in namespaces the set holds no workload of (the platform's
 * gateway in istio-system, say), are not checked.
 */
export const principalNotFound: AnalysisCheck = {
  code: Codes.PRINCIPAL_NOT_FOUND,
  title: 'a principal naming a ServiceAccount that does not exist',
  kiali: ['KIA0106'],
  run(index) {
    const out: Finding[] = [];
    for (const ap of index.ofKind('AuthorizationPolicy')) {
      (ap.spec?.rules ?? []).forEach((rule: any, i: number) => {
        (rule?.from ?? []).forEach((from: any, j: number) => {
          for (const key of ['principals', 'notPrincipals']) {
            (from?.source?.[key] ?? []).forEach((text: string, k: number) => {
              const p = typeof text === 'string' && !text.includes('*') ? Principal.parse(text) : undefined;
              if (!p || !index.workloadNamespaces.has(p.namespace) || index.hasServiceAccount(p.namespace, p.serviceAccount)) return;
              out.push(finding(Codes.PRINCIPAL_NOT_FOUND, ap, `spec.rules[${i}].from[${j}].source.${key}[${k}]`,
                `principal '${text}' names ServiceAccount ${p.namespace}/${p.serviceAccount}, which does not exist`));
            });
          }
        });
      });
    }
    return out;
  },
};

/**
 * MESH109: two Sidecars, or two PeerAuthentications, select one workload (or two
 * selector-less ones share a namespace): which one applies is undefined.
 */
export const conflictingSelectors: AnalysisCheck = {
  code: Codes.CONFLICTING_SELECTORS,
  title: 'two Sidecars or PeerAuthentications selecting one workload',
  istio: ['IST0110', 'IST0111'],
  kiali: ['KIA0002', 'KIA0003'],
  run(index) {
    const out: Finding[] = [];
    for (const kind of ['Sidecar', 'PeerAuthentication']) {
      const byWorkload = new Map<Manifest, Manifest[]>();
      const namespaceWide = new Map<string, Manifest[]>();
      for (const m of index.ofKind(kind)) {
        const selector = selectorOf(m);
        if (!selector || Object.keys(selector).length === 0) {
          push(namespaceWide, namespaceOf(m), m);
          continue;
        }
        for (const w of index.workloadsMatching(namespaceOf(m), selector)) push(byWorkload, w.manifest, m);
      }
      const report = (list: Manifest[], what: string) => {
        const names = list.map((m) => m.metadata?.name).sort().join(', ');
        for (const m of list) out.push(finding(Codes.CONFLICTING_SELECTORS, m, kind === 'Sidecar' ? 'spec.workloadSelector' : 'spec.selector', `${list.length} ${kind}s (${names}) ${what}`));
      };
      const reported = new Set<string>();
      for (const [w, list] of byWorkload) {
        const key = list.map((m) => m.metadata?.name).sort().join('\u0000');
        if (list.length < 2 || reported.has(key)) continue;
        reported.add(key);
        report(list, `select workload ${w.kind}/${w.metadata?.name}`);
      }
      for (const [ns, list] of namespaceWide) if (list.length > 1) report(list, `have no selector in namespace ${ns}`);
    }
    return out;
  },
};

/** MESH110: a DestinationRule subset whose labels match no pod template behind its host. */
export const subsetSelectsNoPods: AnalysisCheck = {
  code: Codes.SUBSET_SELECTS_NO_PODS,
  title: 'subset labels that match no pod template',
  istio: ['IST0173'],
  kiali: ['KIA0203'],
  run(index) {
    const out: Finding[] = [];
    for (const dr of index.ofKind('DestinationRule')) {
      const svc = index.services.get(resolveHost(String(dr.spec?.host ?? ''), namespaceOf(dr)));
      if (!svc || !svc.spec?.selector) continue;
      (dr.spec?.subsets ?? []).forEach((s: any, i: number) => {
        const selector = { ...svc.spec.selector, ...(s?.labels ?? {}) };
        if (index.workloadsMatching(namespaceOf(svc), selector).length === 0) {
          const labels = Object.entries(s?.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
          out.push(finding(Codes.SUBSET_SELECTS_NO_PODS, dr, `spec.subsets[${i}].labels`,
            `subset '${s?.name}' (${labels || 'no labels'}) matches no pod template behind Service ${svc.metadata?.name}; requests to it fail with 503 UH`));
        }
      });
    }
    return out;
  },
};

/** The mTLS mode each workload runs with: its own PeerAuthentication, else its namespace's, else the mesh's. */
function mtlsModes(index: MeshIndex): Map<Manifest, string> {
  const meshWide = index.ofKind('PeerAuthentication').find((p) => namespaceOf(p) === ROOT_NAMESPACE && !selectorOf(p));
  const byNamespace = new Map<string, string>();
  const byWorkload = new Map<Manifest, string>();
  for (const pa of index.ofKind('PeerAuthentication')) {
    const mode = pa.spec?.mtls?.mode;
    if (!mode || mode === 'UNSET') continue;
    const selector = selectorOf(pa);
    if (!selector || Object.keys(selector).length === 0) byNamespace.set(namespaceOf(pa), mode);
    else for (const w of index.workloadsMatching(namespaceOf(pa), selector)) byWorkload.set(w.manifest, mode);
  }
  const out = new Map<Manifest, string>();
  for (const w of index.workloads) {
    const mode = byWorkload.get(w.manifest) ?? byNamespace.get(w.namespace) ?? meshWide?.spec?.mtls?.mode;
    if (mode) out.set(w.manifest, mode);
  }
  return out;
}

/** MESH108: a DestinationRule that sends plaintext (tls.mode DISABLE) to a STRICT workload. */
export const plaintextToStrict: AnalysisCheck = {
  code: Codes.PLAINTEXT_TO_STRICT,
  title: 'a DestinationRule that sends plaintext to a STRICT workload',
  kiali: ['KIA0207'],
  run(index) {
    const out: Finding[] = [];
    let modes: Map<Manifest, string> | undefined;
    for (const dr of index.ofKind('DestinationRule')) {
      const svc = index.services.get(resolveHost(String(dr.spec?.host ?? ''), namespaceOf(dr)));
      if (!svc || !svc.spec?.selector) continue;
      const policies: { field: string; tls: any; labels: Record<string, string> }[] = [
        { field: 'spec.trafficPolicy.tls.mode', tls: dr.spec?.trafficPolicy?.tls, labels: {} },
        ...(dr.spec?.trafficPolicy?.portLevelSettings ?? []).map((p: any, i: number) => ({ field: `spec.trafficPolicy.portLevelSettings[${i}].tls.mode`, tls: p?.tls, labels: {} })),
        ...(dr.spec?.subsets ?? []).map((s: any, i: number) => ({ field: `spec.subsets[${i}].trafficPolicy.tls.mode`, tls: s?.trafficPolicy?.tls, labels: s?.labels ?? {} })),
      ];
      for (const p of policies) {
        if (p.tls?.mode !== 'DISABLE') continue;
        modes ??= mtlsModes(index);
        const strict = index.workloadsMatching(namespaceOf(svc), { ...svc.spec.selector, ...p.labels }).filter((w) => modes!.get(w.manifest) === 'STRICT');
        if (strict.length > 0) {
          out.push(finding(Codes.PLAINTEXT_TO_STRICT, dr, p.field,
            `tls mode DISABLE sends plaintext to ${strict.map((w) => `${w.manifest.kind}/${w.manifest.metadata?.name}`).join(', ')}, whose PeerAuthentication is STRICT: every request is refused`));
        }
      }
    }
    return out;
  },
};

/** The workload checks. */
export const WORKLOAD_CHECKS: readonly AnalysisCheck[] = [
  portNameConvention, principalNotFound, selectorMatchesNothing, plaintextToStrict, conflictingSelectors, subsetSelectsNoPods,
];
