/**
 * A Service's ports as the flows read them: the port a client dials, and the container port it reaches on a pod
 * (https://kubernetes.io/docs/reference/kubernetes-api/service-resources/service-v1/#ServiceSpec: `targetPort`, a number or
 * the name of a container port, defaulting to `port`).
 */
import { Manifest } from '../finding';
import { FlowPod, FlowService } from './cluster';

/** The Service port `port` of `service`. */
export function portOf(service: FlowService, port: number): Manifest | undefined {
  return (service.manifest.spec?.ports ?? []).find((p: Manifest) => Number(p.port) === port);
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
