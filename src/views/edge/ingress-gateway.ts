import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { Codes } from '../../core/codes';
import { formatProblem } from '../../core/errors';
import { Labels, MANAGED_BY } from '../../core/labels';
import type { IntendedFlow } from '../../core/flow';
import { MeshChart } from '../../graph/mesh-chart';
import { MeshService } from '../../graph/mesh-service';
import { addIngressRoutes } from './ingress-gateway.render';
import { ServiceSecurity } from '../../graph/security/service-security';
import type { ITieredService } from '../../graph/mesh-service-props';
import { EdgeGateway, GatewayPlacement, GatewayServer } from './edge-gateway';
import { GatewayTls } from './gateway-tls';
import { addProblems } from '../../private/construct-problems';

/** Props for {@link IngressGateway}. */
export interface IngressGatewayProps extends GatewayPlacement {
  /** The public hosts served (`shop.example.com`). */
  readonly hosts: string[];
  /**
   * The Secret holding the hosts' certificate and key. Istio reads it in the gateway
   * pods' namespace (the platform's, `istio-system` by default), not the Gateway's.
   * @see https://istio.io/latest/docs/tasks/traffic-management/ingress/secure-ingress/
   */
  readonly credentialName: string;
  /**
   * Whether an HTTP server on port 80 redirects every request to HTTPS.
   * @default true
   */
  readonly redirectHttp?: boolean;
}

/** Options for {@link IngressGateway.route}. */
export interface IngressRouteOptions {
  /**
   * The requests routed to the service: those whose path starts with this prefix, `/`
   * or a path ending in `/` (`/api/`). Longer prefixes are matched first, so `/` is
   * the fallback whatever the order of the calls.
   * @default '/' - every request no other route takes
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPMatchRequest
   */
  readonly pathPrefix?: string;
  /**
   * How long the gateway waits for the service. It must not be shorter than the service's
   * own route timeout: the gateway would answer 504 while the service still works (MESH660).
   * @default - the service's own route timeout (its tier's or its own); none if it has none
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute
   */
  readonly timeout?: Duration;
}

export { INGRESS_ROUTE_RETRIES } from './ingress-gateway.render';

/** A route of an {@link IngressGateway}: a path prefix and the service it goes to. */
export interface IngressRoute {
  /** The path prefix. */
  readonly pathPrefix: string;
  /** The service. */
  readonly service: ITieredService;
  /** The timeout, if one was given. */
  readonly timeout?: Duration;
}

/**
 * The gateway for traffic from outside the mesh: HTTPS on 443 with SIMPLE TLS from
 * the certificate in `credentialName`, and by default HTTP on 80 redirecting to HTTPS.
 *
 * Its public hosts get one VirtualService, named after the gateway and bound only to
 * it, with a route per path prefix ({@link route}). Each routed service admits the
 * gateway: NetworkPolicy ingress from the gateway pods and an ALLOW rule for the
 * gateway's principal on the routed paths (the platform's, `MeshChart.platform`).
 */
export class IngressGateway extends EdgeGateway {
  /** The public hosts served. */
  public readonly hosts: readonly string[];
  private readonly _routes: IngressRoute[] = [];

  public constructor(scope: Construct, id: string, props: IngressGatewayProps) {
    const servers: GatewayServer[] = [{
      port: { number: 443, name: 'https', protocol: 'HTTPS' },
      tls: GatewayTls.simple(props.credentialName),
      hosts: [...props.hosts],
    }];
    if (props.redirectHttp ?? true) {
      servers.push({ port: { number: 80, name: 'http', protocol: 'HTTP' }, tls: GatewayTls.httpsRedirect(), hosts: [...props.hosts] });
    }
    super(scope, id, { name: props.name, namespace: props.namespace, selector: props.selector, servers });
    this.hosts = [...props.hosts];
    addProblems(this, () => this.routeProblems());
    MeshChart.of(this).addIntendedFlows(() => this.intendedFlows());
  }

  /**
   * The flows the routes mean: an external client reaches each route's service on the
   * first public host over HTTPS (signed in where an end-user rule guards the path), and
   * where one does, the same request without a token is refused.
   */
  public intendedFlows(): IntendedFlow[] {
    const host = this.hosts[0];
    if (!host) return [];
    const out: IntendedFlow[] = [];
    for (const r of this.routes) {
      const path = r.pathPrefix === '/' ? '/' : `${r.pathPrefix}x`;
      const principal = ServiceSecurity.of(r.service).endUserPrincipalFor(path);
      const flow = { source: { external: true as const }, host, port: 443, protocol: 'HTTPS' as const, method: 'GET' as const, path };
      out.push({ ...flow, requestPrincipal: principal, expect: 'allow', constructPath: this.node.path,
        description: `a browser reaches ${r.service.name} through ${this.name}: GET https://${host}${path}${principal ? ' signed in' : ''}` });
      if (principal) {
        out.push({ ...flow, expect: 'deny', constructPath: this.node.path,
          description: `${this.name} refuses GET https://${host}${path} without a token (${r.service.name} needs one)` });
      }
    }
    return out;
  }

  /**
   * @internal How long a route waits: its own timeout, else its service's resolved one (the tier's
   * under the service's own, MeshService.policy), read at synth; none for a service of no tier.
   */
  public _timeoutOf(route: IngressRoute): Duration | undefined {
    return route.timeout ?? (MeshService.isMeshService(route.service) ? route.service.policy.timeout : undefined);
  }

  /** The routes, longest prefix first (the order Envoy tries them in). */
  public get routes(): readonly IngressRoute[] {
    return [...this._routes].sort((a, b) => b.pathPrefix.length - a.pathPrefix.length || (a.pathPrefix < b.pathPrefix ? -1 : 1));
  }

  /**
   * Routes the public hosts' requests under `pathPrefix` to `service`, and admits the
   * gateway at the service: NetworkPolicy ingress from the gateway pods, an ALLOW rule
   * for its principal on `<prefix>*` (paths a RequestAuthentication guards keep their
   * end-user rule).
   */
  public route(service: ITieredService, options: IngressRouteOptions = {}): IngressRoute {
    const route: IngressRoute = Object.freeze({ pathPrefix: options.pathPrefix ?? '/', service, timeout: options.timeout });
    if (this._routes.length === 0) {
      // The public hosts' one VirtualService, written once the gateway routes anything.
      addIngressRoutes(this, 'Routes', { name: this.name, namespace: this.namespace, labels: { [Labels.MANAGED_BY]: MANAGED_BY } }, this);
    }
    this._routes.push(route);
    this.admit(service, route.pathPrefix === '/' ? undefined : [`${route.pathPrefix}*`]);
    return route;
  }

  private routeProblems(): string[] {
    const out: string[] = [];
    const seen = new Set<string>();
    this._routes.forEach((r, i) => {
      if (!/^\/([A-Za-z0-9._~!$&'()*+,;=:@%-]+\/)*$/.test(r.pathPrefix)) {
        out.push(
          formatProblem(
            Codes.INGRESS_ROUTE_INVALID,
            `routes[${i}].pathPrefix: '${r.pathPrefix}' must be '/' or a path ending in '/' (${r.service.name})`,
          ),
        );
      }
      if (seen.has(r.pathPrefix)) {
        out.push(
          formatProblem(
            Codes.INGRESS_ROUTE_INVALID,
            `routes[${i}].pathPrefix: '${r.pathPrefix}' is routed twice; the second route could never match`,
          ),
        );
      }
      seen.add(r.pathPrefix);
    });
    return out;
  }
}
