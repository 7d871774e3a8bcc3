/**
 * The props of {@link GatewayRoutes}, in a module of their own so that the renderer
 * (gateway-routes.render.ts) reads them without importing the construct.
 */
import type { IMeshService } from '../../graph/mesh-service-props';
import type { HttpRouteOptions } from '../../graph/traffic/http-route';

/** A Gateway, as a VirtualService names it (an `EdgeGateway` is one). */
export interface IGatewayRef {
  /** The Gateway's name. */
  readonly name: string;
  /** The Gateway's namespace. */
  readonly namespace: string;
}

/** The gateway's pods, which the routes' target services admit. */
export interface GatewayWorkload {
  /**
   * The pods' namespace.
   * @default - the platform's ingress gateway namespace (`MeshPlatform.ingressGateway.namespace`)
   */
  readonly namespace?: string;
  /**
   * Labels that select the pods, which NetworkPolicy peers name.
   * @default - the platform gateway Service's selector (`MeshPlatform.ingressGateway.serviceSelector`)
   */
  readonly labels?: Record<string, string>;
  /**
   * The pods' ServiceAccount: the targets admit its principal, not every identity of the namespace.
   * @default - the platform's ingress gateway's (`istio-ingressgateway-service-account`)
   */
  readonly serviceAccount?: string;
}

/** One route of a {@link GatewayRoutes}: a match and the service it goes to. */
export interface GatewayRouteOptions extends Omit<HttpRouteOptions, 'destinations' | 'mirror'> {
  /**
   * The service requests go to; not with a redirect or direct response.
   * @default - none: the route must redirect or answer directly
   */
  readonly to?: IMeshService;
  /**
   * The service port.
   * @default - the service's first HTTP port
   */
  readonly port?: number;
  /**
   * A subset of the service.
   * @default - none: the service's own routes do not apply at the gateway, so every endpoint
   */
  readonly subset?: string;
}

/** Props for {@link GatewayRoutes}. */
export interface GatewayRoutesProps {
  /** The gateway the routes are bound to, and only it (never `mesh`). */
  readonly gateway: IGatewayRef;
  /** The hosts served, as the gateway's servers list them; `*` is allowed here. */
  readonly hosts: string[];
  /** The routes, tried in order. */
  readonly routes: GatewayRouteOptions[];
  /**
   * The VirtualService's name.
   * @default - the construct's id
   */
  readonly name?: string;
  /**
   * The gateway's pods, which each target service's NetworkPolicy (namespace and labels) and
   * AuthorizationPolicy (the principal of their ServiceAccount) admit on the routes' paths.
   * @default - the platform's ingress gateway
   */
  readonly workload?: GatewayWorkload;
}
