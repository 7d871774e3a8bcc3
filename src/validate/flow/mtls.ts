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

/**
 * Why a plaintext connection to `pod`'s container port `port` fails under `mode`, where the port declares a server-first
 * protocol Istio knows, MySQL's (`mysql`, `mysql-<suffix>`): the server sends the first bytes, while a PERMISSIVE inbound
 * listener tells TLS from plaintext by the client's first bytes, so "plaintext requests to servers configured in mTLS
 * PERMISSIVE mode will fail" (istio.io, Protocol Selection, "Server first protocols"; "MySQL Connectivity Troubleshooting":
 * ERROR 2013). Undefined for any other port or mode.
 * @see https://istio.io/latest/docs/ops/deployment/application-requirements/#server-first-protocols
 */
export function serverFirstRefusal(pod: FlowPod, port: number, mode: MtlsMode): string | undefined {
  if (mode.mode !== 'PERMISSIVE') return undefined;
  const name = Object.entries(pod.namedPorts).find(([n, p]) => p === port && (n === 'mysql' || n.startsWith('mysql-')))?.[0];
  if (!name) return undefined;
  return `${pod.name}'s port ${port} (${name}), whose server speaks first: under PERMISSIVE mTLS its sidecar waits for the client's first `
    + 'bytes to tell TLS from plaintext while the client waits for the server\'s greeting, and the connection fails (MySQL: ERROR 2013, '
    + 'lost connection at \'reading initial communication packet\'); mesh the client, or DISABLE mTLS on the port'
    + (mode.policy ? ` (PeerAuthentication ${mode.policy.metadata?.namespace ?? 'default'}/${mode.policy.metadata?.name})` : '');
}

/** Why `source` sends plaintext to `pod`: no sidecar, a passthrough, auto mTLS to a non-`istio` endpoint, or its DestinationRule. */
export function plaintextReason(source: FlowPod, pod: FlowPod, opts: { passthrough: boolean; tls?: string }, drName: string): string {
  if (!source.meshed) return `${source.name} has no sidecar and sends plaintext`;
  if (opts.passthrough) return `${source.name}'s request is passed through as plain TCP`;
  if (opts.tls === undefined) return `auto mTLS sends plaintext to ${pod.name}, whose endpoint's TLS mode is ${pod.tlsMode}`;
  return `${drName} sets tls.mode ${opts.tls}`;
}
