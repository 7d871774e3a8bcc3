import { HttpMethod } from '../core/http';
import type { IMeshService } from './interfaces';

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

/** Options for {@link MeshService.calls}. */
export interface CallOptions {
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
