import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { VirtualService, VirtualServiceSpec } from '../../../imports/networking.istio.io';
import { Codes } from '../../core/codes';
import { formatProblem } from '../../core/errors';
import { Labels, MANAGED_BY } from '../../core/labels';
import { dns1123LabelProblem } from '../../core/names';
import { MeshChart } from '../../graph/mesh-chart';
import { renderGatewayRoute } from '../../render/traffic';
import { ServiceSecurity } from '../security/service-security';
import type { IMeshService } from '../../graph/mesh-service';
import { HttpRouteOptions } from './http-route';
import { httpRouteProblems, unreachableRouteProblems } from './route-checks';

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
   * @default 'istio-system'
   */
  readonly namespace?: string;
  /**
   * The pods' labels.
   * @default { istio: 'ingressgateway' }
   */
  readonly labels?: Record<string, string>;
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
   * The gateway's pods, which each target service's NetworkPolicy and AuthorizationPolicy admit on the routes' paths.
   * @default - the stock ingress gateway in istio-system
   */
  readonly workload?: GatewayWorkload;
}

/**
 * Routes of an ingress gateway for hosts that are not services of the mesh (`*`,
 * `shop.example.com`): their own VirtualService bound to the gateway only, since a
 * `*` host is invalid on the `mesh` gateway. Each route's target service admits the
 * gateway's pods (NetworkPolicy) and its namespace's mTLS identities (AuthorizationPolicy) on the route's paths.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#VirtualService
 * @see https://istio.io/latest/docs/tasks/traffic-management/ingress/ingress-control/
 */
export class GatewayRoutes extends Construct {
  /** The VirtualService's name. */
  public readonly name: string;
  /** The namespace. */
  public readonly namespace: string;
  private readonly props: GatewayRoutesProps;

  public constructor(scope: Construct, id: string, props: GatewayRoutesProps) {
    super(scope, id);
    this.props = props;
    const chart = MeshChart.of(this);
    this.name = props.name ?? id;
    this.namespace = chart.namespace;
    const w = props.workload ?? {};
    const gatewayNs = w.namespace ?? 'istio-system';
    const byTarget = new Map<IMeshService, GatewayRouteOptions[]>();
    for (const r of props.routes) if (r.to) byTarget.set(r.to, [...(byTarget.get(r.to) ?? []), r]);
    for (const [target, routes] of byTarget) {
      const security = ServiceSecurity.of(target);
      security.allowIngressFrom({ namespace: gatewayNs, podLabels: { ...(w.labels ?? { istio: 'ingressgateway' }) } });
      // The paths the routes match: exact paths as they are, prefixes with a trailing '*'; a regex or no uri admits every path.
      const paths = routes.flatMap((r) => r.match.map((m) => m.uri?.kind === 'exact' ? m.uri.value : m.uri?.kind === 'prefix' ? `${m.uri.value}*` : undefined));
      // The gateway's identity by its namespace (mTLS): the authorization rules name only the app's own ServiceAccounts as principals.
      security.allow({ from: [{ namespaces: [gatewayNs] }], to: paths.includes(undefined) ? undefined : [{ paths: paths as string[] }] });
    }
    new VirtualService(this, 'Resource', {
      metadata: { name: this.name, namespace: this.namespace, labels: { [Labels.MANAGED_BY]: MANAGED_BY, ...chart.commonLabels() } },
      spec: Lazy.any({ produce: () => this.toIstio() }),
    });
    this.node.addValidation({ validate: () => this.problems() });
  }

  private toIstio(): VirtualServiceSpec {
    const g = this.props.gateway;
    return {
      hosts: [...this.props.hosts],
      // A gateway in the VirtualService's namespace is named alone, as Istio's samples do.
      gateways: [g.namespace === this.namespace ? g.name : `${g.namespace}/${g.name}`],
      http: this.props.routes.map((r) => {
        const target = r.to;
        const port = r.port ?? target?.ports.find((p) => ['http', 'http2', 'grpc', 'grpc-web'].includes(p.protocol))?.port;
        const host = !target ? undefined : target.namespace === this.namespace ? target.name : `${target.name}.${target.namespace}.svc.cluster.local`;
        return renderGatewayRoute(r, host ? { host, port, subset: r.subset } : undefined);
      }),
    };
  }

  private problems(): string[] {
    const out: string[] = [];
    const np = dns1123LabelProblem(this.name);
    if (np) out.push(formatProblem(Codes.INVALID_NAME, `name: ${np}`));
    if (this.props.hosts.length === 0) out.push(formatProblem(Codes.GATEWAY_HOSTS, 'hosts: at least one host'));
    if (this.props.routes.length === 0) out.push(formatProblem(Codes.INVALID_MATCH, 'routes: at least one route'));
    this.props.routes.forEach((r, i) => {
      const where = `route ${r.name ?? i}`;
      out.push(...httpRouteProblems(where, { ...r, destinations: r.to ? [{ subset: r.subset ?? '' }] : undefined }));
      if (r.to && !r.to.ports.some((p) => ['http', 'http2', 'grpc', 'grpc-web'].includes(p.protocol))) {
        out.push(formatProblem(r.to.ports.length === 0 ? Codes.NO_SERVICE : Codes.ROUTE_PROTOCOL_MISMATCH, `${where}: ${r.to.node.path} has no HTTP port`));
      }
      if (r.to && r.port !== undefined && !r.to.ports.some((p) => p.port === r.port)) {
        out.push(formatProblem(Codes.ROUTE_PROTOCOL_MISMATCH, `${where}: port ${r.port} is not a port of ${r.to.node.path}`));
      }
    });
    out.push(...unreachableRouteProblems(this.props.routes.map((r) => ({ owner: this, value: { ...r, destinations: undefined } }))));
    return out;
  }
}
