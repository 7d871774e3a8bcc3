import { ApiObject, ApiObjectMetadata, Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { VirtualService } from '../../../imports/networking.istio.io';
import { toIstioDuration } from '../../core/duration';

/**
 * The VirtualService of an `IngressGateway`'s routes: longest prefix first, `/` the fallback, built at synth.
 */

/** One route of an ingress gateway's VirtualService, resolved by its construct. */
export interface IngressRouteState {
  /** The route's name: the service's. */
  readonly name: string;
  /** The path prefix; `/` matches every request. */
  readonly pathPrefix: string;
  /** The destination's fully qualified host. */
  readonly host: string;
  /** The destination's port. */
  readonly port: number;
  /** How long the gateway waits, if it is bounded. */
  readonly timeout: Duration | undefined;
  /** The route's retries. */
  readonly retries: { readonly attempts: number; readonly retryOn: string };
  /** Request headers removed from what the client sent (those the service's sidecar sets from a token). */
  readonly removeRequestHeaders?: readonly string[];
}

/** What an ingress gateway's VirtualService is rendered from. */
export interface IngressRoutesState {
  /** The public hosts. */
  readonly hosts: readonly string[];
  /** The gateway, `namespace/name`. */
  readonly gateway: string;
  /** The routes, in the order Envoy tries them. */
  readonly routes: readonly IngressRouteState[];
}

/**
 * The VirtualService of an ingress gateway's public hosts under `scope`, bound only to
 * the gateway, its spec rendered at synth from `state()`.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/
 */
export function addIngressRoutes(scope: Construct, id: string, metadata: ApiObjectMetadata, state: () => IngressRoutesState): ApiObject {
  return new VirtualService(scope, id, { metadata, spec: Lazy.any({ produce: () => renderIngressRoutesSpec(state()) }) });
}

/** The spec of an ingress gateway's VirtualService: one HTTP route per path prefix. */
export function renderIngressRoutesSpec(state: IngressRoutesState): Record<string, any> {
  return {
    hosts: [...state.hosts],
    gateways: [state.gateway],
    http: state.routes.map((r) => ({
      name: r.name,
      match: r.pathPrefix === '/' ? undefined : [{ uri: { prefix: r.pathPrefix } }],
      route: [{ destination: { host: r.host, port: { number: r.port } } }],
      timeout: r.timeout && toIstioDuration(r.timeout),
      retries: { ...r.retries },
      headers: r.removeRequestHeaders?.length ? { request: { remove: [...r.removeRequestHeaders] } } : undefined,
    })),
  };
}
