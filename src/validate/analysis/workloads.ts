/**
 * Checks that tie policies and subsets to the workloads they mean: selectors,
 * principals, port names, subset labels and mTLS modes.
 */
import { Codes } from '../../core/codes';
import { Principal } from '../../core/principal';
import { Finding, finding, Manifest } from '../finding';
import { AnalysisCheck } from './check';
import { isIgnoredNamespace, isIstioControlPlane, isManagedGatewayService } from './config-checks';
import { servicePortProtocol } from '../flow/protocol';
import { AnalysisView, namespaceOf, push, Workload } from './view';
import { analyzerFqdn } from '../model/hosts';
import { FLAGGER_APEX_STAND_IN } from '../model/flagger';
import { dict, list } from '../values';

/** MESH105: a Service port whose name does not tell Istio its protocol (and no appProtocol does). */
export const portNameConvention: AnalysisCheck = {
  code: Codes.PORT_NAME_CONVENTION,
  title: 'port names outside the protocol convention',
  istio: ['IST0118'],
  kiali: ['KIA0601'],
  run(index) {
    const out: Finding[] = [];
    for (const svc of index.ofKind('Service')) {
      // istioctl analyze skips system namespaces, the control plane's own Services and
      // ExternalName Services (MESH136): istio/istio pkg/config/analysis/analyzers/service/portname.go.
      if (isIgnoredNamespace(namespaceOf(svc)) || isIstioControlPlane(svc) || svc.spec?.type === 'ExternalName') continue;
      if (isManagedGatewayService(svc)) continue;
      list(svc.spec?.ports).forEach((p: any, i: number) => {
        const name = String(p?.name ?? '');
        // As istiod reads the port (ConvertProtocol: UDP, appProtocol, the name, then TCP on 25, 53, 3306 and 27017); istioctl
        // reports the rest at Info level (IST0118), since the sidecar sniffs their protocol: a warning, never a refusal.
        if (servicePortProtocol(p) === undefined) {
          out.push(
            finding(
              Codes.PORT_NAME_CONVENTION,
              svc,
              `spec.ports[${i}].name`,
              `port name '${name}' does not follow <protocol>[-<suffix>] (http, http2, https, grpc, grpc-web, tcp, tls, mongo, mysql, redis, udp) `
                + 'and no appProtocol is set: the sidecar sniffs its protocol from the first bytes'
                // Flagger's Services copy the other container ports of the Canary's target under their names (portDiscovery).
                + (FLAGGER_APEX_STAND_IN.has(svc) && i > 0
                  ? `; Flagger writes this port of its Services from the target's container port '${name}' (portDiscovery): name that `
                    + `container port by its protocol (http-${name}, tcp-${name})`
                  : ''),
              'warning',
            ),
          );
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

/**
 * MESH107: a PeerAuthentication or Sidecar whose selector matches no workload: istio/istio
 * pkg/config/analysis/analyzers/sidecar/selector.go (IST0101, an error). Namespaces that hold no
 * workload of the set are not checked, so a partial set does not report policies whose
 * workloads live elsewhere. A WorkloadEntry with the labels is a workload (a VM whose sidecar applies the
 * policy); istioctl analyze reads Pods alone and reports it.
 */
export const selectorMatchesNothing: AnalysisCheck = {
  code: Codes.SELECTOR_MATCHES_NOTHING,
  title: 'a PeerAuthentication or Sidecar selector that matches no workload',
  istio: ['IST0101'],
  kiali: ['KIA0004'],
  run(index) {
    const out: Finding[] = [];
    for (const kind of ['PeerAuthentication', 'Sidecar']) {
      for (const m of index.ofKind(kind)) {
        const selector = selectorOf(m);
        const ns = namespaceOf(m);
        if (!selector || Object.keys(selector).length === 0 || !index.workloadNamespaces.has(ns)) continue;
        if (index.workloadsMatching(ns, selector).length === 0 && index.workloadEntriesMatching(ns, selector).length === 0) {
          const field = kind === 'Sidecar' ? 'spec.workloadSelector.labels' : 'spec.selector.matchLabels';
          out.push(finding(Codes.SELECTOR_MATCHES_NOTHING, m, field, `no workload in namespace ${ns} has the labels ${labelText(selector)}`));
        }
      }
    }
    return out;
  },
};

/**
 * MESH691, a warning: an AuthorizationPolicy that applies to no workload, as istioctl analyze
 * reports it (IST0127 NoMatchingWorkloadsFound, level Warning: istio/istio
 * pkg/config/analysis/analyzers/authz/authorizationpolicies.go, analyzeNoMatchingWorkloads;
 * pkg/config/analysis/msg/messages.yaml). A root-namespace policy selects in every namespace; a
 * selector-less one reports a namespace with no workload. Namespaces that hold no workload of the
 * set are not checked for selectors, and selector-less policies only when the set holds
 * workloads. A policy that applies to nothing denies and admits nothing, so it is reported, not refused.
 * A WorkloadEntry with the labels is a workload (a VM whose sidecar applies the policy, as the flows
 * evaluate it); istioctl analyze reads Pods alone (initPodLabelsMap) and reports it.
 */
export const authorizationPolicyMatchesNothing: AnalysisCheck = {
  code: Codes.AUTHORIZATION_POLICY_MATCHES_NOTHING,
  title: 'an AuthorizationPolicy that applies to no workload',
  istio: ['IST0127'],
  kiali: ['KIA0004'],
  run(index) {
    const out: Finding[] = [];
    const warn = (m: Manifest, field: string, message: string) =>
      out.push(finding(Codes.AUTHORIZATION_POLICY_MATCHES_NOTHING, m, field, message, 'warning'));
    for (const m of index.ofKind('AuthorizationPolicy')) {
      const selector = selectorOf(m);
      const ns = namespaceOf(m);
      const field = 'spec.selector.matchLabels';
      const hasSelector = !!selector && Object.keys(selector).length > 0;
      if (ns === index.rootNamespace) {
        const none = hasSelector && index.workloadsMatchingAnywhere(selector).length === 0;
        if (none && index.workloadEntriesMatching(undefined, selector).length === 0) {
          warn(m, field, `no workload in any namespace has the labels ${labelText(selector)}`);
        }
      } else if (!hasSelector) {
        if (index.hasOwnWorkloads && !index.workloadNamespaces.has(ns)) warn(m, 'spec', `applies to namespace ${ns}, where no workload runs`);
      } else if (index.workloadNamespaces.has(ns) && index.workloadsMatching(ns, selector).length === 0
        && index.workloadEntriesMatching(ns, selector).length === 0) {
        warn(m, field, `no workload in namespace ${ns} has the labels ${labelText(selector)}`);
      }
    }
    return out;
  },
};

function labelText(selector: Readonly<Record<string, string>>): string {
  return Object.entries(selector).map(([k, v]) => `${k}=${v}`).sort().join(',');
}

/** True if `exp` (`*`, `prefix*`, `*suffix` or a name) matches namespace `ns` (authorizationpolicies.go, namespaceMatch). */
function namespaceMatch(ns: string, exp: string): boolean {
  if (exp === '*') return true;
  if (exp.startsWith('*')) return ns.endsWith(exp.slice(1));
  if (exp.endsWith('*')) return ns.startsWith(exp.slice(0, -1));
  return ns.toLowerCase() === exp.toLowerCase();
}

/**
 * MESH129: an AuthorizationPolicy source namespace (or notNamespace) that matches no
 * Namespace object: authorizationpolicies.go, analyzeNamespaceNotFound (IST0101). Only sets
 * that declare Namespaces are checked, and a namespace objects of the set live in, the assumed
 * ingress gateway's (the platform's at synth) or istio-system counts as existing.
 */
export const namespaceNotFound: AnalysisCheck = {
  code: Codes.NAMESPACE_NOT_FOUND,
  title: 'an AuthorizationPolicy source namespace that does not exist',
  istio: ['IST0101'],
  run(index) {
    const namespaces = index.ofKind('Namespace').map((n) => String(n.metadata?.name));
    if (namespaces.length === 0) return [];
    const out: Finding[] = [];
    for (const ap of index.ofKind('AuthorizationPolicy')) {
      list(ap.spec?.rules).forEach((rule: any, i: number) => {
        list(rule?.from).forEach((from: any, j: number) => {
          for (const key of ['namespaces', 'notNamespaces']) {
            list(from?.source?.[key]).forEach((exp: unknown, k: number) => {
              // Also known: namespaces objects of the set live in, and the control plane's.
              const known = index.namespaces.has(String(exp)) || index.assumedNamespaces.has(String(exp)) || String(exp) === index.rootNamespace;
              if (known || namespaces.some((ns) => namespaceMatch(ns, String(exp)))) return;
              out.push(
                finding(
                  Codes.NAMESPACE_NOT_FOUND,
                  ap,
                  `spec.rules[${i}].from[${j}].source.${key}[${k}]`,
                  `namespace '${String(exp)}' matches no Namespace`,
                ),
              );
            });
          }
        });
      });
    }
    return out;
  },
};

/** True if a Namespace runs in ambient mode (istio/istio pkg/config/analysis/analyzers/util/in_mesh.go, NamespaceInAmbientMode). */
function namespaceInAmbient(ns: Manifest | undefined): boolean {
  const labels = dict(ns?.metadata?.labels);
  if (labels['istio-injection'] === 'enabled' || (labels['istio.io/rev'] ?? '') !== '') return false;
  return labels['istio.io/dataplane-mode'] === 'ambient';
}

/**
 * True if a workload gets a sidecar: an istio-proxy container, else its
 * `sidecar.istio.io/inject` label or annotation, else its Namespace's `istio-injection: enabled`
 * or `istio.io/rev` label (istio/istio pkg/config/analysis/analyzers/util/in_mesh.go;
 * https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/#controlling-the-injection-policy).
 * Without a Namespace object in the set, the workload is taken as injected.
 */
export function inMesh(w: Workload, ns: Manifest | undefined): boolean {
  const template = w.manifest.kind === 'Pod' ? w.manifest : w.manifest.spec?.template;
  if (list(template?.spec?.containers).some((c: any) => c?.name === 'istio-proxy' && c?.image)) return true;
  const inject = w.labels['sidecar.istio.io/inject'] ?? w.annotations['sidecar.istio.io/inject'];
  if (inject !== undefined) return inject === 'true';
  if (!ns) return true;
  const labels = dict(ns.metadata?.labels);
  return labels['istio-injection'] === 'enabled' || (labels['istio-injection'] === undefined && (labels['istio.io/rev'] ?? '') !== '');
}

/** True if a pod runs in ambient mode (in_mesh.go, PodInAmbientMode). */
function podInAmbient(w: Workload): boolean {
  return w.annotations['ambient.istio.io/redirection'] === 'enabled';
}

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
      list(ap.spec?.rules).forEach((rule: any, i: number) => {
        list(rule?.from).forEach((from: any, j: number) => {
          for (const key of ['principals', 'notPrincipals']) {
            list(from?.source?.[key]).forEach((text: string, k: number) => {
              const p = typeof text === 'string' && !text.includes('*') ? Principal.parse(text) : undefined;
              if (!p || !index.ownWorkloadNamespaces.has(p.namespace) || index.hasServiceAccount(p.namespace, p.serviceAccount)) return;
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
 * MESH109: two Sidecars, or two PeerAuthentications, select one workload; MESH145: two
 * selector-less ones share a namespace; MESH121: a Sidecar in an ambient namespace or on an
 * ambient pod has no effect. Which one applies is undefined: istio/istio
 * pkg/config/analysis/analyzers/sidecar/selector.go (IST0110, IST0111, IST0167).
 */
export const conflictingSelectors: AnalysisCheck = {
  code: Codes.CONFLICTING_SELECTORS,
  title: 'two Sidecars or PeerAuthentications selecting one workload',
  istio: ['IST0110', 'IST0111', 'IST0167'],
  kiali: ['KIA0002', 'KIA0003'],
  run(index) {
    const out: Finding[] = [];
    const namespaces = new Map(index.ofKind('Namespace').map((n) => [String(n.metadata?.name), n]));
    const ineffective = new Set<Manifest>();
    const reportIneffective = (m: Manifest, why: string) => {
      if (ineffective.has(m)) return;
      ineffective.add(m);
      out.push(finding(Codes.SIDECAR_IN_AMBIENT, m, 'spec', `${why}: a Sidecar has no effect there`, 'warning'));
    };
    for (const kind of ['Sidecar', 'PeerAuthentication']) {
      const byWorkload = new Map<Workload, Manifest[]>();
      const namespaceWide = new Map<string, Manifest[]>();
      for (const m of index.ofKind(kind)) {
        const selector = selectorOf(m);
        if (!selector || Object.keys(selector).length === 0) {
          push(namespaceWide, namespaceOf(m), m);
          continue;
        }
        for (const w of index.workloadsMatching(namespaceOf(m), selector)) push(byWorkload, w, m);
      }
      const reported = new Set<string>();
      for (const [w, list] of byWorkload) {
        if (kind === 'Sidecar' && podInAmbient(w)) {
          list.forEach((m) => reportIneffective(m, `the selected workload ${w.manifest.kind}/${w.manifest.metadata?.name} runs in ambient mode`));
          continue;
        }
        const key = list.map((m) => m.metadata?.name).sort().join('\u0000');
        if (list.length < 2 || reported.has(key)) continue;
        reported.add(key);
        const names = list.map((m) => m.metadata?.name).sort().join(', ');
        for (const m of list) {
          out.push(finding(Codes.CONFLICTING_SELECTORS, m, kind === 'Sidecar' ? 'spec.workloadSelector' : 'spec.selector',
            `${list.length} ${kind}s (${names}) select workload ${w.manifest.kind}/${w.manifest.metadata?.name}`));
        }
      }
      for (const [ns, list] of namespaceWide) {
        if (kind === 'Sidecar' && namespaceInAmbient(namespaces.get(ns))) {
          list.forEach((m) => reportIneffective(m, `namespace ${ns} runs in ambient mode`));
          continue;
        }
        if (list.length < 2) continue;
        const names = list.map((m) => m.metadata?.name).sort().join(', ');
        for (const m of list) {
          out.push(
            finding(
              Codes.MULTIPLE_NAMESPACE_WIDE,
              m,
              kind === 'Sidecar' ? 'spec.workloadSelector' : 'spec.selector',
              `${list.length} ${kind}s (${names}) have no selector in namespace ${ns}`,
            ),
          );
        }
      }
    }
    return out;
  },
};

/**
 * MESH127/MESH128: the Services in front of one Deployment disagree: one port with two
 * protocols (IST0116), or two ports on one target port (IST0137). Port of istio/istio
 * pkg/config/analysis/analyzers/deployment/services.go.
 */
export const deploymentServices: AnalysisCheck = {
  code: Codes.DEPLOYMENT_MULTIPLE_SERVICES,
  title: 'Services in front of one Deployment that disagree on a port',
  istio: ['IST0116', 'IST0137'],
  run(index) {
    const out: Finding[] = [];
    const namespaces = new Map(index.ofKind('Namespace').map((n) => [String(n.metadata?.name), n]));
    for (const w of index.workloads) {
      if (w.manifest.kind !== 'Deployment' || !inMesh(w, namespaces.get(w.namespace))) continue;
      const svcs = index.servicesSelecting(w);
      if (svcs.length < 2) continue;
      const protocols = new Map<number, Map<string, string[]>>();
      const targets = new Map<string, Map<number, string>>();
      for (const s of svcs) {
        const name = `${namespaceOf(s)}/${s.metadata?.name}`;
        for (const p of list(s.spec?.ports)) {
          const port = Number(p?.port);
          const byProto = protocols.get(port) ?? new Map<string, string[]>();
          push(byProto, String(p?.protocol || 'TCP'), name);
          protocols.set(port, byProto);
          const target =
            p?.targetPort === undefined || String(p.targetPort) === '0' || String(p.targetPort) === '' ? String(port) : String(p.targetPort);
          const byPort = targets.get(target) ?? new Map<number, string>();
          byPort.set(port, name);
          targets.set(target, byPort);
        }
      }
      for (const [port, byProto] of protocols) {
        if (byProto.size < 2) continue;
        const names = [...byProto.values()].flat().sort().join(', ');
        out.push(
          finding(
            Codes.DEPLOYMENT_MULTIPLE_SERVICES,
            w.manifest,
            'spec.template.metadata.labels',
            `port ${port} has protocols ${[...byProto.keys()].sort().join(' and ')} in the Services that select this Deployment (${names})`,
            'warning',
          ),
        );
      }
      for (const [target, byPort] of targets) {
        if (byPort.size < 2) continue;
        out.push(
          finding(
            Codes.DEPLOYMENT_CONFLICTING_PORTS,
            w.manifest,
            'spec.template.metadata.labels',
            `Services ${[...new Set(byPort.values())].sort().join(', ')} send ports ${[...byPort.keys()].sort((a, b) => a - b).join(', ')} to one `
              + `target port ${target}`,
            'warning',
          ),
        );
      }
    }
    return out;
  },
};

/**
 * MESH110: a DestinationRule subset whose labels match no pod template behind its host, nor a WorkloadEntry its Service selects
 * (a Service that is not headless selects the WorkloadEntries of its namespace as istiod does: kube/controller/controller.go,
 * serviceInstancesFromWorkloadInstances).
 */
export const subsetSelectsNoPods: AnalysisCheck = {
  code: Codes.SUBSET_SELECTS_NO_PODS,
  title: 'subset labels that match no pod template',
  istio: ['IST0173'],
  kiali: ['KIA0203'],
  run(index) {
    const out: Finding[] = [];
    for (const dr of index.ofKind('DestinationRule')) {
      const svc = index.service(analyzerFqdn(String(dr.spec?.host ?? ''), namespaceOf(dr)));
      if (!svc || !svc.spec?.selector) continue;
      list(dr.spec?.subsets).forEach((s: any, i: number) => {
        const selector = { ...svc.spec.selector, ...(dict(s?.labels)) };
        const vms = svc.spec.clusterIP === 'None' ? [] : index.workloadEntriesMatching(namespaceOf(svc), selector);
        if (index.endpointsMatching(namespaceOf(svc), selector).length === 0 && vms.length === 0) {
          const labels = Object.entries(dict(s?.labels)).map(([k, v]) => `${k}=${v}`).join(',');
          out.push(
            finding(
              Codes.SUBSET_SELECTS_NO_PODS,
              dr,
              `spec.subsets[${i}].labels`,
              `subset '${s?.name}' (${labels || 'no labels'}) matches no pod template behind Service ${svc.metadata?.name}; requests to it fail `
                + 'with 503 UH',
            ),
          );
        }
      });
    }
    return out;
  },
};

/**
 * The mTLS mode each workload runs with: its own PeerAuthentication, else its namespace's, else the mesh's; and on a container
 * port, its own PeerAuthentication's `portLevelMtls` for that port first (istio/istio pilot/pkg/security/authn, the port-level
 * mode of the workload's policy wins over its and the namespace's mode).
 */
function mtlsModes(index: AnalysisView): (workload: Manifest, port?: number) => string | undefined {
  const meshWide = index.ofKind('PeerAuthentication').find((p) => namespaceOf(p) === index.rootNamespace && !selectorOf(p));
  const byNamespace = new Map<string, string>();
  const byWorkload = new Map<Manifest, Manifest>();
  for (const pa of index.ofKind('PeerAuthentication')) {
    const selector = selectorOf(pa);
    if (!selector || Object.keys(selector).length === 0) {
      const mode = pa.spec?.mtls?.mode;
      if (mode && mode !== 'UNSET') byNamespace.set(namespaceOf(pa), mode);
    } else for (const w of index.workloadsMatching(namespaceOf(pa), selector)) byWorkload.set(w.manifest, pa);
  }
  const namespaceOfWorkload = new Map(index.workloads.map((w) => [w.manifest, w.namespace] as const));
  return (workload, port) => {
    const own = byWorkload.get(workload);
    const atPort = port === undefined ? undefined : own?.spec?.portLevelMtls?.[String(port)]?.mode;
    const ownMode = own?.spec?.mtls?.mode;
    for (const mode of [atPort, ownMode, byNamespace.get(namespaceOfWorkload.get(workload) ?? ''), meshWide?.spec?.mtls?.mode]) {
      if (mode && mode !== 'UNSET') return mode;
    }
    return undefined;
  };
}

/** The container port a Service sends its port `port` to, where its targetPort is a number (else the port itself when it has none). */
function targetPortOf(svc: Manifest, port: number | undefined): number | undefined {
  if (port === undefined) return undefined;
  const p = list(svc.spec?.ports).find((x: any) => Number(x?.port) === port);
  if (!p) return undefined;
  return p.targetPort === undefined ? port : typeof p.targetPort === 'number' ? p.targetPort : undefined;
}

/** MESH108: a DestinationRule that sends plaintext (tls.mode DISABLE) to a STRICT workload. */
export const plaintextToStrict: AnalysisCheck = {
  code: Codes.PLAINTEXT_TO_STRICT,
  title: 'a DestinationRule that sends plaintext to a STRICT workload',
  kiali: ['KIA0207'],
  run(index) {
    const out: Finding[] = [];
    let modeOf: ((workload: Manifest, port?: number) => string | undefined) | undefined;
    for (const dr of index.ofKind('DestinationRule')) {
      const svc = index.service(analyzerFqdn(String(dr.spec?.host ?? ''), namespaceOf(dr)));
      if (!svc || !svc.spec?.selector) continue;
      const policies: { field: string; tls: any; labels: Record<string, string>; port?: number }[] = [
        { field: 'spec.trafficPolicy.tls.mode', tls: dr.spec?.trafficPolicy?.tls, labels: {} },
        ...list(dr.spec?.trafficPolicy?.portLevelSettings).map((p: any, i: number) => ({
          field: `spec.trafficPolicy.portLevelSettings[${i}].tls.mode`,
          tls: p?.tls,
          labels: {},
          // A port's setting meets the workload's mode on the container port the Service sends that port to.
          port: targetPortOf(svc, p?.port?.number === undefined ? undefined : Number(p.port.number)),
        })),
        ...list(dr.spec?.subsets).map((s: any, i: number) => ({
          field: `spec.subsets[${i}].trafficPolicy.tls.mode`,
          tls: s?.trafficPolicy?.tls,
          labels: dict(s?.labels),
        })),
      ];
      for (const p of policies) {
        if (p.tls?.mode !== 'DISABLE') continue;
        modeOf ??= mtlsModes(index);
        const strict = index
          .workloadsMatching(namespaceOf(svc), { ...svc.spec.selector, ...p.labels })
          .filter((w) => modeOf!(w.manifest, p.port) === 'STRICT');
        if (strict.length > 0) {
          out.push(
            finding(
              Codes.PLAINTEXT_TO_STRICT,
              dr,
              p.field,
              `tls mode DISABLE sends plaintext to ${strict.map((w) => `${w.manifest.kind}/${w.manifest.metadata?.name}`).join(', ')}, whose `
                + `PeerAuthentication is STRICT${p.port === undefined ? '' : ` on port ${p.port}`}: every request is refused`,
            ),
          );
        }
      }
    }
    return out;
  },
};

/** The workload checks. */
export const WORKLOAD_CHECKS: readonly AnalysisCheck[] = [
  portNameConvention,
  principalNotFound,
  selectorMatchesNothing,
  authorizationPolicyMatchesNothing,
  namespaceNotFound,
  deploymentServices,
  plaintextToStrict,
  conflictingSelectors,
  subsetSelectsNoPods,
];
