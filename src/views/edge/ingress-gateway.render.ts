import { ApiObject, ApiObjectMetadata, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { VirtualService } from '../../../imports/networking.istio.io';
import { toIstioDuration } from '../../core/duration';
import { HTTP_PROTOCOLS } from '../../core/ports';
import { portOf, renderHeaders } from '../../graph/traffic/http-route.render';
import { renderGatewayHostRoutes } from '../../graph/traffic/host-traffic.render';
import { NON_IDEMPOTENT_RETRY_ON } from '../../core/retries';
import { ServiceSecurity } from '../../graph/security/service-security';
import type { ITieredService } from '../../graph/mesh-service-props';
import type { HeadersOptions } from '../../graph/traffic/http-route';
import { lazyWithoutUnset } from '../../private/defined';
import { httpRuleOwner, setFieldOwner } from '../../private/field-owners';
import { pathPrefixMatches } from './path-prefix';

/**
 * The VirtualService of an `IngressGateway`'s routes: longest prefix first, `/` the fallback, built at synth.
 */

/**
 * The retries of every ingress route: 2 attempts, only when the request never reached
 * the service (`reset-before-request,connect-failure`), so a POST is never sent twice from
 * the edge; without `retries` Istio would retry 2× on 503 too (its default policy).
 * @see https://github.com/istio/istio/blob/1.24.6/pilot/pkg/networking/core/route/retry/retry.go
 */
export const INGRESS_ROUTE_RETRIES = { attempts: 2, retryOn: NON_IDEMPOTENT_RETRY_ON.join(',') };

/**
 * An `IngressGateway` as its routes' VirtualService reads it: the construct passes itself (this
 * module does not import it, so that no import goes in a circle).
 */
export interface IngressGatewaySource {
  /** The public hosts. */
  readonly hosts: readonly string[];
  /** The gateway, `namespace/name`. */
  readonly ref: string;
  /** The routes, in the order Envoy tries them. */
  readonly routes: readonly IngressRouteSource[];
  /** A route's timeout: its own, else its service's resolved one. */
  _timeoutOf(route: IngressRouteSource): Duration | undefined;
}

/** One route of an ingress gateway, as the renderer reads it. */
interface IngressRouteSource {
  readonly pathPrefix?: string;
  readonly service: ITieredService;
  readonly port?: number;
  readonly subset?: string;
  readonly timeout?: Duration;
  readonly headers?: HeadersOptions;
}

/**
 * The VirtualService of an ingress gateway's public hosts under `scope`, bound only to
 * the gateway, its spec rendered at synth from `state()`.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/
 */
export function addIngressRoutes(scope: Construct, id: string, metadata: ApiObjectMetadata, gateway: IngressGatewaySource): ApiObject {
  const vs = new VirtualService(scope, id, { metadata, spec: lazyWithoutUnset(() => renderIngressRoutesSpec(gateway)) });
  // A finding about `spec.http[i]` is the route's that wrote rule i (a route may write several: its header routes).
  setFieldOwner(vs, httpRuleOwner(() => gateway.routes.map((r) => [r, ingressRules(gateway, r).length] as const)));
  return vs;
}

/**
 * The spec of an ingress gateway's VirtualService: the HTTP routes of each path prefix, to the route's port (by default the
 * service's first HTTP port, else its first) and subset, or without one as the service's own default route sends requests
 * (its header routes, then its weighted subsets: renderGatewayHostRoutes), waiting as long as the route's timeout or the
 * service's own, with the gateway's retries.
 */
export function renderIngressRoutesSpec(gateway: IngressGatewaySource): Record<string, any> {
  return {
    hosts: [...gateway.hosts],
    gateways: [gateway.ref],
    http: gateway.routes.flatMap((r) => ingressRules(gateway, r)),
  };
}

/** The HTTP rules of one route of an ingress gateway, in order. */
function ingressRules(gateway: IngressGatewaySource, r: IngressRouteSource): Record<string, any>[] {
  const port = r.port ?? (r.service.ports.find((p) => HTTP_PROTOCOLS.includes(p.protocol)) ?? r.service.ports[0])?.port;
  const timeout = gateway._timeoutOf(r);
  // The service's sidecar adds these from a validated token (jwt_authn's addCopy, its own stripping of a client's copy running
  // only where its verifier does): a client's own copy must not reach it, or it could name another user.
  const removed = ServiceSecurity.of(r.service).headersSetFromClaims;
  const host = `${r.service.name}.${r.service.namespace}.svc.cluster.local`;
  const match = pathPrefixMatches(r.pathPrefix ?? '/');
  const routes = (r.subset === undefined ? renderGatewayHostRoutes(r.service.traffic, host, port, match) : undefined)
    ?? [{ match, route: [{ destination: { host, subset: r.subset, port: portOf(port) } }] }];
  // The last route is the prefix's weighted one and keeps the service's name; a header route ahead of it is named after it.
  return routes.map((x, i) => ({
    name: i === routes.length - 1 ? r.service.name : `${r.service.name}-headers-${i}`,
    match: x.match,
    route: x.route,
    delegate: 'delegate' in x && x.delegate ? { name: x.delegate.name, namespace: x.delegate.namespace } : undefined,
    timeout: timeout && toIstioDuration(timeout),
    retries: { ...INGRESS_ROUTE_RETRIES },
    headers: renderHeaders(r.headers, removed ?? []),
  }));
}
