import { HttpMethod } from '../core/http';
import { GRPC_PROTOCOLS, HTTP_PROTOCOLS } from '../core/ports';
import type { IMeshService, ServiceCall } from './interfaces';
import type { ResolvedServicePort } from './service-port';

export type { ExternalCall, ServiceCall } from './interfaces';

/**
 * How a called service's address is written into the caller's environment:
 * `url` is `http://<host>:<port>` (plain `<host>:<port>` for a non-HTTP port), `host`
 * the fully qualified host alone, `host-port` `<host>:<port>`.
 * @see https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/#services
 */
export type AddressForm = 'url' | 'host' | 'host-port';

/** The address of `target` in the given form, from its first port. */
export function serviceAddress(target: IMeshService, form: AddressForm): string {
  const host = `${target.name}.${target.namespace}.svc.cluster.local`;
  const port = target.ports[0];
  if (form === 'host' || !port) return host;
  const http = ['http', 'http2', 'grpc-web'].includes(port.protocol);
  return form === 'url' && http ? `http://${host}:${port.port}` : `${host}:${port.port}`;
}

/**
 * The host a StatefulSet's pods' own names sit under (`<governing>.<namespace>.svc.cluster.local`) when it is not the
 * service's host: the headless Service a caller's sidecar needs among its egress hosts to reach a pod by name.
 */
export function podDnsHostOf(s: {
  readonly name: string; readonly namespace: string; readonly podHostnames?: readonly string[];
}): string | undefined {
  const first = s.podHostnames?.[0];
  if (first === undefined) return undefined;
  const host = first.slice(first.indexOf('.') + 1);
  return host === `${s.name}.${s.namespace}.svc.cluster.local` ? undefined : host;
}

/** Options for {@link MeshService.calls}. */
export interface CallOptions {
  /**
   * The Service port called, when the callee has several: only that port is opened (in
   * the NetworkPolicy at both ends and the ALLOW rule). A TCP-family port (`tcp`, `mongo`,
   * `mysql`, `redis`) carries no HTTP methods or paths (MESH042).
   * @default - every port of the callee; its HTTP ports only when methods or paths are given
   */
  readonly port?: number;
  /**
   * The HTTP methods the caller uses.
   * @default - every method
   */
  readonly methods?: HttpMethod[];
  /**
   * The request paths the caller uses: exact paths, prefixes ending in `*` (`/api/payments/*`),
   * or suffixes starting with `*`, as AuthorizationPolicy takes them.
   * @default - every path
   */
  readonly paths?: string[];
  /**
   * True for an asynchronous, event-driven edge (order-service → notification-service):
   * the caller does not wait for the callee's answer.
   * @default false
   */
  readonly asynchronous?: boolean;
  /**
   * Writes the callee's address into this environment variable of the caller's
   * containers, so that the code and the mesh graph name the same service.
   * @default - no variable
   */
  readonly addressEnv?: { readonly name: string; readonly form?: AddressForm };
}

/** Options for a call to an {@link ExternalService} (`service.calls(external, options)`). */
export interface ExternalCallOptions {
  /** The external service's port the caller connects to (one of its `ports`). */
  readonly port: number;
  /**
   * The HTTP methods the caller uses, for its intended flows.
   * @default - GET
   */
  readonly methods?: HttpMethod[];
  /**
   * The request paths the caller uses, for its intended flows.
   * @default - `/`
   */
  readonly paths?: string[];
}

/**
 * Whether every port `call` reaches speaks gRPC (`POST /<package.Service>/<Method>`: core/ports.ts GRPC_PROTOCOLS), so its
 * methods and paths must be gRPC's and its paths have no collection path.
 */
export function callsGrpcOnly(call: CallShape): boolean {
  const ports = calledPorts(call);
  return ports.length > 0 && ports.every((p) => GRPC_PROTOCOLS.includes(p.protocol));
}

/**
 * The callee's Service ports a call reaches: the one it names, else its HTTP-family ports
 * when it gives methods or paths (they are HTTP-only), else every port.
 */
/** What {@link calledPorts} reads of a call: its callee, and the port, methods and paths it names. */
export type CallShape = Pick<ServiceCall, 'target' | 'port' | 'methods' | 'paths'>;

export function calledPorts(call: CallShape): ResolvedServicePort[] {
  const ports = call.target.ports;
  if (call.port !== undefined) return ports.filter((p) => p.port === call.port);
  if (call.methods || call.paths) return ports.filter((p) => HTTP_PROTOCOLS.includes(p.protocol));
  return [...ports];
}

/**
 * The container ports a call reaches, when it names its port or reaches fewer than all of the
 * callee's ports (HTTP methods or paths to a callee with TCP ports too); undefined when it
 * reaches every port without naming one. The NetworkPolicy at both ends and the ALLOW rule
 * open these only.
 */
export function restrictedTargetPorts(call: ServiceCall): { readonly port: number; readonly protocol: 'TCP' | 'UDP' }[] | undefined {
  const called = calledPorts(call);
  if (call.port === undefined && called.length === call.target.ports.length) return undefined;
  const seen = new Map<number, 'TCP' | 'UDP'>();
  for (const p of called) seen.set(p.targetPort, p.protocol === 'udp' ? 'UDP' : 'TCP');
  return [...seen].sort(([a], [b]) => a - b).map(([port, protocol]) => ({ port, protocol }));
}
