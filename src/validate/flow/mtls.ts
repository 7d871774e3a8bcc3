/**
 * Istio PeerAuthentication: whether a workload's sidecar accepts plaintext.
 * https://istio.io/latest/docs/reference/config/security/peer_authentication/
 */
import { Manifest } from '../finding';
import { ClusterMemo, FlowCluster, FlowPod } from './cluster';

/** The effective mTLS mode of a port, and the resource that set it. */
export interface MtlsMode {
  readonly mode: 'STRICT' | 'PERMISSIVE' | 'DISABLE';
  readonly policy?: Manifest;
}

/**
 * The mode `pod` applies on `port`: the workload policy's portLevelMtls for the port,
 * then the workload policy (selector matching the pod), the namespace policy (no
 * selector), the root namespace's, and PERMISSIVE when none says; UNSET inherits
 * from the next level ("the most specific policy wins"; portLevelMtls needs a selector).
 */
export function mtlsMode(cluster: FlowCluster, pod: FlowPod, port: number): MtlsMode {
  const memo = modes.of(cluster);
  let byPort = memo.get(pod);
  if (!byPort) memo.set(pod, byPort = new Map());
  let out = byPort.get(port);
  if (!out) byPort.set(port, out = modeOf(cluster, pod, port));
  return out;
}

/** The mode of each pod's port, worked out once per run. */
const modes = new ClusterMemo(() => new Map<FlowPod, Map<number, MtlsMode>>());

const selectorOf = (p: Manifest) => (p.spec?.selector ? { matchLabels: p.spec.selector.matchLabels ?? {} } : undefined);

function modeOf(cluster: FlowCluster, pod: FlowPod, port: number): MtlsMode {
  const own = cluster.selecting('PeerAuthentication', pod.namespace, pod.labels, selectorOf);
  const workload = own.find((p) => p.spec?.selector);
  const levels: Array<[Manifest | undefined, string | undefined]> = [
    [workload, workload?.spec?.portLevelMtls?.[String(port)]?.mode],
    [workload, workload?.spec?.mtls?.mode],
  ];
  const ns = own.find((p) => !p.spec?.selector);
  levels.push([ns, ns?.spec?.mtls?.mode]);
  const root = cluster.ofKind('PeerAuthentication', cluster.rootNamespace).find((p) => !p.spec?.selector);
  levels.push([root, root?.spec?.mtls?.mode]);
  for (const [policy, mode] of levels) {
    if (mode === 'STRICT' || mode === 'PERMISSIVE' || mode === 'DISABLE') return { mode, policy };
  }
  return { mode: 'PERMISSIVE' };
}
