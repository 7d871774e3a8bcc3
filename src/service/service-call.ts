import { HttpMethod } from '../core/http';
import type { IMeshService } from './mesh-service';

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
}

/** A declared call from one service to another: an edge of the mesh graph. */
export interface ServiceCall {
  /** The calling service. */
  readonly source: IMeshService;
  /** The called service. */
  readonly target: IMeshService;
  /** Methods used; undefined for every method. */
  readonly methods?: readonly HttpMethod[];
  /** Paths used; undefined for every path. */
  readonly paths?: readonly string[];
  /** True for an asynchronous edge. */
  readonly asynchronous: boolean;
}
