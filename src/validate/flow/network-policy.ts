/**
 * Kubernetes NetworkPolicy, as a NetworkPolicy-enforcing CNI applies it.
 * https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
import { Manifest } from '../finding';
import { inCidr } from '../../core/cidr';
import { labelSelectorMatches } from '../model/selectors';
import { ClusterMemo, FlowCluster, FlowPod, nsOf } from './cluster';

/** The direction a policy governs. */
export type NetworkDirection = 'Ingress' | 'Egress';

/** What NetworkPolicy says about one connection at one end. */
export interface NetworkDecision {
  readonly allowed: boolean;
  /** The admitting policy, or the refusing one (the most specific policy that selects the pod). */
  readonly policy?: Manifest;
  readonly reason: string;
}

/**
 * The policy types of `np`: as written, else Ingress always and Egress when it has
 * egress rules ("If no policyTypes are specified ... Ingress will always be set and
 * Egress will be set if the NetworkPolicy has any egress rules").
 * https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/#NetworkPolicySpec
 */
export function policyTypes(np: Manifest): NetworkDirection[] {
  const written = np.spec?.policyTypes;
  if (Array.isArray(written) && written.length > 0) return written.filter((t: string) => t === 'Ingress' || t === 'Egress');
  const out: NetworkDirection[] = ['Ingress'];
  if (Array.isArray(np.spec?.egress) && np.spec.egress.length > 0) out.push('Egress');
  return out;
}

/**
 * The policies selecting each pod for each direction, worked out once per run (a pod's object is
 * one per workload and never changes). The decisions on the connections a flow's server side
 * opens are kept by {@link Connections}; the others are asked once per pod (readiness, DNS) or pair.
 */
const memos = new ClusterMemo(() => new Map<FlowPod, { Ingress?: readonly Manifest[]; Egress?: readonly Manifest[] }>());

/** The policies of `pod`'s namespace that select it for `direction`, in input order. */
export function policiesFor(cluster: FlowCluster, pod: FlowPod, direction: NetworkDirection): readonly Manifest[] {
  const memo = memos.of(cluster);
  let byDirection = memo.get(pod);
  if (!byDirection) memo.set(pod, byDirection = {});
  let out = byDirection[direction];
  if (!out) {
    // A VM outside the cluster is no pod: no NetworkPolicy selects it (see networkPolicyDecision).
    out = pod.outsideCluster ? [] : cluster.selecting('NetworkPolicy', pod.namespace, pod.labels, podSelectorOf)
      .filter((np) => String(np.apiVersion ?? '').startsWith('networking.k8s.io/') && policyTypes(np).includes(direction));
    byDirection[direction] = out;
  }
  return out;
}

const podSelectorOf = (np: Manifest) => np.spec?.podSelector ?? {};

/**
 * True if `peer` (a NetworkPolicyPeer of a policy in `policyNs`) covers `pod`:
 * podSelector alone selects pods of the policy's namespace; namespaceSelector alone
 * every pod of the selected namespaces; both together (one element) pods matching
 * both (AND); ipBlock the pod's addresses in `cidr` and outside `except`.
 * https://kubernetes.io/docs/concepts/services-networking/network-policies/#behavior-of-to-and-from-selectors
 */
export function peerCovers(cluster: FlowCluster, peer: Manifest, policyNs: string, pod: FlowPod): boolean {
  if (peer.ipBlock) {
    // Pod IPs are not known before apply: only addresses given for platform pods match.
    const cidr = String(peer.ipBlock.cidr ?? '');
    const except: string[] = (peer.ipBlock.except ?? []).map(String);
    return pod.addresses.some((ip) => inCidr(ip, cidr) && !except.some((e) => inCidr(ip, e)));
  }
  // Selectors pick pods; a VM outside the cluster (a WorkloadEntry) is covered only by an ipBlock of its address.
  if (pod.outsideCluster) return false;
  return selectorsCover(peer, policyNs, cluster.namespaceLabels(pod.namespace), pod);
}

/**
 * True if `peer`'s selectors (not its ipBlock: false) pick `pod`, whose namespace has `namespaceLabels`: podSelector alone
 * pods of the policy's namespace, namespaceSelector alone every pod of the namespaces it selects, both the pods matching both.
 */
export function selectorsCover(
  peer: Manifest, policyNs: string, namespaceLabels: Readonly<Record<string, string>>,
  pod: { readonly namespace: string; readonly labels: Readonly<Record<string, string>> },
): boolean {
  if (peer.ipBlock || (!peer.podSelector && !peer.namespaceSelector)) return false;
  const nsOk = peer.namespaceSelector ? labelSelectorMatches(peer.namespaceSelector, namespaceLabels) : pod.namespace === policyNs;
  return nsOk && labelSelectorMatches(peer.podSelector ?? {}, pod.labels);
}

/** True if a rule's peers (none: every peer) cover `pod`. */
function peersCover(cluster: FlowCluster, peers: Manifest[] | undefined, policyNs: string, pod: FlowPod): boolean {
  if (!Array.isArray(peers) || peers.length === 0) return true;
  for (const p of peers) if (peerCovers(cluster, p, policyNs, pod)) return true;
  return false;
}

/**
 * True if a rule's `ports` admit `port` on `protocol`: no ports = every port; a port
 * by number, a range with endPort, or by name, resolved against the destination pod's
 * container ports ("named port ... refers to the port name on the destination pod").
 * https://kubernetes.io/docs/concepts/services-networking/network-policies/#targeting-a-range-of-ports
 */
export function portsAdmit(
  ports: readonly Manifest[] | undefined, port: number, protocol: string, destination: Pick<FlowPod, 'namedPorts'>,
): boolean {
  if (!Array.isArray(ports) || ports.length === 0) return true;
  for (const p of ports) if (portAdmits(p, port, protocol, destination)) return true;
  return false;
}

function portAdmits(p: Manifest, port: number, protocol: string, destination: Pick<FlowPod, 'namedPorts'>): boolean {
  if ((p.protocol ?? 'TCP') !== protocol) return false;
  if (p.port === undefined || p.port === null) return true;
  if (typeof p.port === 'number') return p.endPort === undefined ? port === p.port : port >= p.port && port <= Number(p.endPort);
  if (typeof p.port === 'string' && !/^\d+$/.test(p.port)) return destination.namedPorts[p.port] === port;
  const start = Number(p.port);
  const end = p.endPort === undefined ? start : Number(p.endPort);
  return port >= start && port <= end;
}

/**
 * NetworkPolicy at one end of a connection from `source` to `destination`:`port`.
 * A pod no policy selects for the direction is non-isolated and admits everything;
 * an isolated pod admits a connection any rule of any selecting policy allows
 * (policies are additive; an empty rule list allows nothing).
 * https://kubernetes.io/docs/concepts/services-networking/network-policies/#the-two-sorts-of-pod-isolation
 */
export function networkPolicyDecision(
  cluster: FlowCluster, direction: NetworkDirection, source: FlowPod, destination: FlowPod, port: number, protocol = 'TCP',
): NetworkDecision {
  const pod = direction === 'Egress' ? source : destination;
  const peer = direction === 'Egress' ? destination : source;
  // "NetworkPolicies apply to a connection with a pod on one or both ends, and are not relevant to other
  // connections": a VM a WorkloadEntry describes is outside the cluster's pod network, no CNI enforces them there.
  // https://kubernetes.io/docs/concepts/services-networking/network-policies/
  if (pod.outsideCluster) {
    return { allowed: true, reason: `${pod.name} is outside the cluster's pods: no NetworkPolicy applies to it (${direction.toLowerCase()})` };
  }
  const policies = policiesFor(cluster, pod, direction);
  if (policies.length === 0) return { allowed: true, reason: `no NetworkPolicy isolates ${pod.name} for ${direction.toLowerCase()}` };
  for (const np of policies) {
    const rules: Manifest[] = (direction === 'Egress' ? np.spec?.egress : np.spec?.ingress) ?? [];
    const policyNs = nsOf(np);
    for (const rule of rules) {
      // The ports first: a number compared, where the peers are selectors matched (both must hold).
      if (!portsAdmit(rule.ports, port, protocol, destination)) continue;
      const peers: Manifest[] | undefined = direction === 'Egress' ? rule.to : rule.from;
      if (peersCover(cluster, peers, policyNs, peer)) {
        return {
          allowed: true,
          policy: np,
          reason: `NetworkPolicy ${nsOf(np)}/${np.metadata?.name} admits `
            + `${direction === 'Egress' ? `egress to ${peer.name}` : `ingress from ${peer.name}`} on ${port}/${protocol}`,
        };
      }
    }
  }
  const decider =
    policies.find(
      (np) => Object.keys(np.spec?.podSelector?.matchLabels ?? {}).length > 0 || (np.spec?.podSelector?.matchExpressions ?? []).length > 0,
    ) ?? policies[0];
  return {
    allowed: false,
    policy: decider,
    reason: `no NetworkPolicy selecting ${pod.name} admits ${direction === 'Egress' ? `egress to ${peer.name}` : `ingress from ${peer.name}`} on `
      + `${port}/${protocol} (${policies.map((p) => p.metadata?.name).join(', ')})`,
  };
}

/** NetworkPolicy's decisions on one TCP connection: the ingress end's only when the egress end lets it out. */
export interface Connection {
  readonly egress: NetworkDecision;
  readonly ingress?: NetworkDecision;
}

/**
 * NetworkPolicy at both ends of each connection (source pod, destination pod, port, TCP or UDP), worked out
 * once per connection: the flows of one call (its methods and paths) share it. The pods are the
 * cluster's own objects, one per workload, so the table grows with the connections, not the flows.
 */
export class Connections {
  private readonly known = new Map<FlowPod, Map<FlowPod, Map<number | string, Connection>>>();

  public constructor(private readonly cluster: FlowCluster) {}

  /** The decisions on the connection from `source` to `destination`:`port` over `protocol`. */
  public of(source: FlowPod, destination: FlowPod, port: number, protocol: 'TCP' | 'UDP' = 'TCP'): Connection {
    let byDestination = this.known.get(source);
    if (!byDestination) this.known.set(source, byDestination = new Map());
    let byPort = byDestination.get(destination);
    if (!byPort) byDestination.set(destination, byPort = new Map());
    const key = protocol === 'TCP' ? port : `${port}/${protocol}`;
    let known = byPort.get(key);
    if (!known) {
      const egress = networkPolicyDecision(this.cluster, 'Egress', source, destination, port, protocol);
      known = egress.allowed ? { egress, ingress: networkPolicyDecision(this.cluster, 'Ingress', source, destination, port, protocol) } : { egress };
      byPort.set(key, known);
    }
    return known;
  }
}
