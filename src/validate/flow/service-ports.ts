/**
 * A Service's ports as the flows read them: the port a client dials, and the container port it reaches on a pod
 * (https://kubernetes.io/docs/reference/kubernetes-api/service-resources/service-v1/#ServiceSpec: `targetPort`, a number or
 * the name of a container port, defaulting to `port`).
 */
import { Manifest } from '../finding';
import { FlowPod, FlowService } from './cluster';

/** The Service port `port` of `service`. */
export function portOf(service: FlowService, port: number, protocol?: 'TCP' | 'UDP'): Manifest | undefined {
  const ports: Manifest[] = service.manifest.spec?.ports ?? [];
  return ports.find((p) => Number(p.port) === port && (protocol === undefined || portProtocol(p) === protocol));
}

/** Why `service` has no port `port` for a TCP flow: none of that number, or (`byProtocol`) only a UDP one. */
export function missingPort(service: FlowService, port: number, byProtocol: boolean): string {
  const udpOnly = byProtocol && portOf(service, port, 'UDP') !== undefined;
  return `Service ${service.namespace}/${service.name} ${udpOnly ? `has no TCP port ${port} (its port ${port} is UDP)` : `has no port ${port}`}`;
}

/** A Service port's transport protocol: its `protocol`, TCP when unset (SCTP is read as TCP: no flow sends it). */
export function portProtocol(port: Manifest): 'TCP' | 'UDP' {
  return String(port.protocol ?? 'TCP').toUpperCase() === 'UDP' ? 'UDP' : 'TCP';
}

/**
 * Whether `flow` to `service` is UDP: a flow that says so, or one that says nothing to a port number the Service
 * has over UDP alone (a Service may have both, as DNS's 53/UDP and 53/TCP).
 */
export function isUdpFlow(service: FlowService, flow: { readonly port: number; readonly protocol?: string }): boolean {
  if (flow.protocol !== undefined) return flow.protocol === 'UDP';
  const ports: Manifest[] = (service.manifest.spec?.ports ?? []).filter((p: Manifest) => Number(p.port) === flow.port);
  return ports.length > 0 && ports.every((p) => portProtocol(p) === 'UDP');
}

/** The one port of a Service that has one. */
export function onlyPort(service: FlowService): Manifest | undefined {
  const ports = service.manifest.spec?.ports ?? [];
  return ports.length === 1 ? ports[0] : undefined;
}

/** The container port a Service port sends to on `pod`: targetPort by number or name, else the port. */
export function targetPort(port: Manifest, pod: FlowPod): number | undefined {
  const t = port.targetPort;
  if (t === undefined || t === null) return Number(port.port);
  if (typeof t === 'number' || /^\d+$/.test(String(t))) return Number(t);
  return pod.namedPorts[String(t)];
}
