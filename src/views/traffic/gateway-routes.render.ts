/**
 * The VirtualService of a `GatewayRoutes`: bound to its gateway only, one HTTP
 * route per route of the construct, each to one service (and port, subset) or
 * answered at the gateway.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#VirtualService
 */
import { ApiObject, ApiObjectMetadata, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { VirtualService, VirtualServiceSpec, VirtualServiceSpecHttp } from '../../../imports/networking.istio.io';
import type { GatewayRouteOptions, IGatewayRef } from './gateway-routes-props';
import { HTTP_PROTOCOLS } from '../../core/ports';
import { toIstioDuration } from '../../core/duration';
import { portOf, renderActions, renderFault, renderMatch, renderRetries } from '../../graph/traffic/http-route.render';

/**
 * A `GatewayRoutes` as its VirtualService reads it: the construct passes itself (this module does
 * not import it, so that no import goes in a circle).
 */
export interface GatewayRoutesSource {
  /** The VirtualService's namespace. */
  readonly namespace: string;
  /** The gateway the routes are bound to. */
  readonly gateway: IGatewayRef;
  /** The hosts served. */
  readonly hosts: readonly string[];
  /** The routes, tried in order. */
  readonly routes: readonly GatewayRouteOptions[];
}

/**
 * Adds the VirtualService ApiObject under `scope` with id `id`, its spec produced at synth.
 * The generated type writes Istio's field names and order.
 */
export function addVirtualService(scope: Construct, id: string, metadata: ApiObjectMetadata, spec: () => VirtualServiceSpec): ApiObject {
  return new VirtualService(scope, id, { metadata, spec: Lazy.any({ produce: spec }) });
}

/** The VirtualService spec of gateway routes. */
export function renderGatewayRoutesSpec(s: GatewayRoutesSource): VirtualServiceSpec {
  const g = s.gateway;
  return {
    hosts: [...s.hosts],
    // A gateway in the VirtualService's namespace is named alone, as Istio's samples do.
    gateways: [g.namespace === s.namespace ? g.name : `${g.namespace}/${g.name}`],
    http: s.routes.map((r) => {
      const target = r.to;
      const port = r.port ?? target?.ports.find((p) => HTTP_PROTOCOLS.includes(p.protocol))?.port;
      const host = !target ? undefined : target.namespace === s.namespace ? target.name : `${target.name}.${target.namespace}.svc.cluster.local`;
      return renderGatewayRoute(r, host ? { host, port, subset: r.subset } : undefined);
    }),
  };
}

/**
 * One route of a gateway-only VirtualService: to one service (and port, subset), or
 * answered at the gateway; only its own timeout, retries and fault.
 */
function renderGatewayRoute(r: GatewayRouteOptions, to: { host: string; port?: number; subset?: string } | undefined): VirtualServiceSpecHttp {
  const forwards = !r.redirect && !r.directResponse && to;
  return {
    name: r.name,
    match: r.match.map(renderMatch),
    route: forwards ? [{ destination: { host: to.host, subset: to.subset, port: portOf(to.port) } }] : undefined,
    timeout: r.timeout ? toIstioDuration(r.timeout) : undefined,
    retries: renderRetries(r.retries),
    fault: forwards ? renderFault(r.fault) : undefined,
    ...renderActions(r),
  };
}
