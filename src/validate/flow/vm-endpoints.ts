/**
 * The VMs of WorkloadEntries as endpoints of a host: the port istiod gives one a Kubernetes Service selects, and the refusal of a
 * VM of another network reached without Istio mTLS.
 */
import { Manifest } from '../finding';
import { FlowPod } from './cluster';
import { FlowVerdict } from './flow';
import { decider, refused } from './verdicts';

/**
 * The port a Service port sends to on a WorkloadEntry it selects, as istiod makes the endpoint (istio/istio 1.24
 * pilot/pkg/serviceregistry/kube/controller/controller.go, serviceInstanceFromWorkloadInstance, with findServiceTargetPort of
 * util.go): a numbered targetPort (else the port), unless the WorkloadEntry's `ports` names the Service port; a named targetPort,
 * the WorkloadEntry's port of that name, and without one the WorkloadEntry is no endpoint of the port (undefined).
 */
export function workloadEntryPort(port: Manifest, pod: FlowPod): number | undefined {
  const t = port.targetPort;
  if (t !== undefined && t !== null && !(typeof t === 'number' || /^\d+$/.test(String(t)))) return pod.namedPorts[String(t)];
  const number = t === undefined || t === null || Number(t) === 0 ? Number(port.port) : Number(t);
  const named = typeof port.name === 'string' && port.name !== '' ? pod.namedPorts[port.name] : undefined;
  return named ?? number;
}

/**
 * The refusal of a connection to a VM of another network without an address: it is reached through its network's gateway, by
 * SNI, so only with Istio mTLS (istio/istio pilot/pkg/xds/endpoints/ep_filters.go, EndpointsByNetworkFilter: "Cross-network
 * traffic relies on mTLS"); undefined for any other endpoint.
 */
export function remoteRefusal(pod: FlowPod, tls: string | undefined, by: Manifest | undefined, hops: string[]): FlowVerdict | undefined {
  const remote = pod.network !== undefined && pod.addresses.length === 0;
  if (!remote || (pod.tlsMode === 'istio' && tls !== 'DISABLE' && tls !== 'SIMPLE' && tls !== 'MUTUAL')) return undefined;
  return refused(decider('mTLS', by),
    `${pod.name} is on network ${pod.network} without an address: its network's gateway forwards Istio mTLS only, and the client sends `
      + `${tls !== undefined ? `tls.mode ${tls}` : `plaintext (its TLS mode is ${pod.tlsMode})`}`, hops);
}

/** Where a hop reaches `pod` on `port`: `<namespace>/<name>:<port>`, a VM at its address (or through its network's gateway). */
export function endpointAt(pod: FlowPod, port: number): string {
  if (!pod.outsideCluster) return `${pod.namespace}/${pod.name}:${port}`;
  const remote = pod.network !== undefined && pod.addresses.length === 0;
  const through = remote ? `, through network ${pod.network}'s gateway` : '';
  return `${pod.addresses[0] ?? pod.name}:${port} (${pod.kind} ${pod.namespace}/${pod.name})${through}`;
}
