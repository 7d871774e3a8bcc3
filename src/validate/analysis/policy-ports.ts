/**
 * Policy ports written as the Service's port where the policy is matched against the pod's: an
 * AuthorizationPolicy's `ports` and a NetworkPolicy's ingress and egress `ports` never see the Service's port
 * once it translates to another target port.
 */
import { Codes } from '../../core/codes';
import { Finding, finding, Manifest } from '../finding';
import { policyTypes, portsAdmit, selectorsCover } from '../flow/network-policy';
import { AnalysisCheck } from './check';
import { AnalysisView, namespaceOf, Workload } from './view';
import { dict, list } from '../values';

/** A Service port `number` of the workloads' Services that sends to another port of their pods, as `<service> <port> → <target>`. */
function translatedServicePort(index: AnalysisView, workloads: readonly Workload[], number: number): string | undefined {
  for (const w of workloads) {
    for (const service of index.servicesSelecting(w)) {
      for (const p of list(service.spec?.ports)) {
        if (p?.port !== number || (p?.protocol ?? 'TCP') !== 'TCP') continue;
        const target = p.targetPort === undefined ? number : typeof p.targetPort === 'number' ? p.targetPort : w.namedPorts[String(p.targetPort)];
        if (target !== undefined && target !== number) return `Service ${service.metadata?.name} maps ${number} → ${target}`;
      }
    }
  }
  return undefined;
}

/**
 * The Service translation that port `number` is written from, when no pod of `workloads` declares it: every workload declares
 * container ports, none is `number`, and a Service selecting one of them has `number` as its port with another target port.
 * A container may listen on a port it does not declare (https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#ports),
 * so this is a warning, and a workload that declares no port is not judged.
 */
function servicePortInsteadOfPodPort(index: AnalysisView, workloads: readonly Workload[], number: number): string | undefined {
  if (workloads.length === 0 || !Number.isInteger(number)) return undefined;
  if (workloads.some((w) => w.portNumbers.length === 0 || w.portNumbers.includes(number))) return undefined;
  return translatedServicePort(index, workloads, number);
}

function podPortsText(workloads: readonly Workload[]): string {
  return [...new Set(workloads.flatMap((w) => w.portNumbers))].sort((a, b) => a - b).join(', ');
}

/**
 * MESH613, a warning: an AuthorizationPolicy `ports` or `notPorts` value that is a Service port of the workloads it selects, not
 * a port of their pods. The sidecar matches it against the connection's destination port on its inbound listener, the pod's
 * port after the Service's translation (istio/api security/v1beta1/authorization.proto, Operation.ports: "A list of ports as
 * specified in the connection"; istio/istio pilot/pkg/security/authz/model/generator.go, destPortGenerator, an Envoy RBAC
 * `destination_port` permission), so `ports: ["80"]` on pods behind `80 → 8080` never matches: an ALLOW rule admits nothing
 * (every caller is refused) and a DENY rule denies nothing.
 */
export const authorizationPolicyServicePort: AnalysisCheck = {
  code: Codes.POLICY_PORT_IS_SERVICE_PORT,
  title: "an AuthorizationPolicy port that is a Service's port, not its pods'",
  run(index) {
    const out: Finding[] = [];
    for (const ap of index.ofKind('AuthorizationPolicy')) {
      const ns = namespaceOf(ap);
      const selector = dict(ap.spec?.selector?.matchLabels);
      if (ns === index.rootNamespace || Object.keys(selector).length === 0) continue;
      const workloads = index.workloadsMatching(ns, selector);
      list(ap.spec?.rules).forEach((rule: any, i: number) => list(rule?.to).forEach((to: any, j: number) => {
        for (const key of ['ports', 'notPorts']) {
          list(to?.operation?.[key]).forEach((port: unknown, k: number) => {
            const via = servicePortInsteadOfPodPort(index, workloads, Number(port));
            if (!via) return;
            out.push(finding(Codes.POLICY_PORT_IS_SERVICE_PORT, ap, `spec.rules[${i}].to[${j}].operation.${key}[${k}]`,
              `port ${String(port)} is a Service port (${via}), but the sidecar matches the port the pods receive on `
              + `(${podPortsText(workloads)}): this ${key === 'ports' ? 'port' : 'exclusion'} never matches a request`, 'warning'));
          });
        }
      }));
    }
    return out;
  },
};

/**
 * MESH614, a warning: a NetworkPolicy ingress port that is a Service port of the pods it selects, not a port of theirs. The
 * CNI matches it after kube-proxy has translated the Service's port to the target port: NetworkPolicyPort.port is "a numerical
 * or named port on a pod" (https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/), so
 * `ports: [{port: 80}]` on pods behind `80 → 8080` admits no connection through the Service.
 *
 * The same of an egress rule whose `to` peers select a Service's pods: a podSelector or namespaceSelector peer selects
 * "particular Pods ... as egress destinations"
 * (https://kubernetes.io/docs/concepts/services-networking/network-policies/#behavior-of-to-and-from-selectors), which a
 * connection to the Service's ClusterIP matches only once kube-proxy has translated it to a pod's address and target port,
 * so the port matched is again the pod's: `to: [{podSelector: {app: b}}], ports: [{port: 80}]` admits no connection to b's
 * Service `80 → 8080` unless the rule admits 8080 too.
 */
export const networkPolicyServicePort: AnalysisCheck = {
  code: Codes.NETWORK_POLICY_PORT_IS_SERVICE_PORT,
  title: "a NetworkPolicy ingress or egress port that is a Service's port, not its pods'",
  run(index) {
    const out: Finding[] = [];
    for (const np of index.ofKind('NetworkPolicy')) {
      const selector = np.spec?.podSelector;
      // Pods chosen by expressions are left to the flows; an empty selector is every pod of the namespace.
      if (list(selector?.matchExpressions).length > 0) continue;
      const workloads = index.workloadsMatching(namespaceOf(np), dict(selector?.matchLabels));
      list(np.spec?.ingress).forEach((rule: any, i: number) => list(rule?.ports).forEach((p: any, j: number) => {
        if (typeof p?.port !== 'number' || p?.endPort !== undefined || (p?.protocol ?? 'TCP') !== 'TCP') return;
        const via = servicePortInsteadOfPodPort(index, workloads, p.port);
        if (via) out.push(portFinding(np, `spec.ingress[${i}].ports[${j}].port`, p.port, via, workloads));
      }));
      if (policyTypes(np).includes('Egress')) out.push(...egressServicePorts(index, np));
    }
    return out;
  },
};

/** Each workload's place in `index.workloads`, so that a peer's workloads, looked up by label, keep that order. */
const positions = new WeakMap<AnalysisView, Map<Workload, number>>();

function positionOf(index: AnalysisView): Map<Workload, number> {
  let map = positions.get(index);
  if (!map) positions.set(index, map = new Map(index.workloads.map((w, i) => [w, i])));
  return map;
}

/**
 * The workloads a NetworkPolicyPeer of a policy in `policyNs` selects by podSelector and namespaceSelector, in the index's order;
 * none for an ipBlock. Looked up by the podSelector's matchLabels (in the policy's namespace where the peer has no
 * namespaceSelector), then judged whole by the flows' own rule: a scan of every workload per peer made the check quadratic.
 */
function peerWorkloads(index: AnalysisView, peer: any, policyNs: string): Workload[] {
  if (!peer || typeof peer !== 'object' || peer.ipBlock || (!peer.podSelector && !peer.namespaceSelector)) return [];
  const nsLabels = index.model.namespaceLabels();
  const podLabels = dict(peer.podSelector?.matchLabels);
  const candidates = peer.namespaceSelector ? index.workloadsMatchingAnywhere(podLabels) : index.workloadsMatching(policyNs, podLabels);
  // A namespace without its object in the manifests has the label Kubernetes sets on every namespace.
  const chosen = candidates.filter((w) => selectorsCover(peer, policyNs,
    nsLabels.get(w.namespace) ?? { 'kubernetes.io/metadata.name': w.namespace }, w));
  const at = positionOf(index);
  return chosen.sort((a, b) => at.get(a)! - at.get(b)!);
}

/**
 * MESH614 on egress: each egress port (a TCP number, no range) of a rule whose `to` peers select a workload that declares
 * ports but not this one, behind a Service that maps it to another target port the rule does not admit, where no workload
 * the peers select declares the port. One finding per port.
 */
function egressServicePorts(index: AnalysisView, np: Manifest): Finding[] {
  const out: Finding[] = [];
  const ns = namespaceOf(np);
  list(np.spec?.egress).forEach((rule: any, i: number) => {
    const ports = list(rule?.ports);
    const peers = list(rule?.to);
    if (ports.length === 0 || peers.length === 0) return;
    const workloads = [...new Set(peers.flatMap((peer: any) => peerWorkloads(index, peer, ns)))];
    ports.forEach((p: any, j: number) => {
      if (typeof p?.port !== 'number' || p?.endPort !== undefined || (p?.protocol ?? 'TCP') !== 'TCP') return;
      const via = egressTranslation(index, workloads, p.port, ports);
      if (via) {
        out.push(finding(Codes.NETWORK_POLICY_PORT_IS_SERVICE_PORT, np, `spec.egress[${i}].ports[${j}].port`,
          `port ${p.port} is a Service port (${via}), but egress to the Service's pods is matched on the port they receive on, `
          + 'the port the CNI sees once the Service has translated it: no connection through the Service is admitted', 'warning'));
      }
    });
  });
  return out;
}

/** The first translation `Service <ns>/<name> maps <port> → <target>` of the workloads' Services that the rule's ports miss. */
function egressTranslation(index: AnalysisView, workloads: readonly Workload[], port: number, ports: readonly any[]): string | undefined {
  // A pod the peers select that listens on the port may well be the one meant (a namespaceSelector peer selects many).
  if (workloads.some((w) => w.portNumbers.includes(port))) return undefined;
  for (const w of workloads) {
    if (w.portNumbers.length === 0 || w.portNumbers.includes(port)) continue;
    for (const service of index.servicesSelecting(w)) {
      for (const sp of list(service.spec?.ports)) {
        if (sp?.port !== port || (sp?.protocol ?? 'TCP') !== 'TCP') continue;
        const target = sp.targetPort === undefined ? port : typeof sp.targetPort === 'number' ? sp.targetPort : w.namedPorts[String(sp.targetPort)];
        if (target === undefined || target === port || portsAdmit(ports, target, 'TCP', w)) continue;
        return `Service ${namespaceOf(service)}/${service.metadata?.name} maps ${port} → ${target}`;
      }
    }
  }
  return undefined;
}

function portFinding(np: Manifest, field: string, port: number, via: string, workloads: readonly Workload[]): Finding {
  return finding(Codes.NETWORK_POLICY_PORT_IS_SERVICE_PORT, np, field,
    `port ${port} is a Service port (${via}), but the pods it selects receive on ${podPortsText(workloads)}, `
    + 'the port the CNI matches once the Service has translated it: no connection through the Service is admitted', 'warning');
}

export const POLICY_PORT_CHECKS: readonly AnalysisCheck[] = [authorizationPolicyServicePort, networkPolicyServicePort];
