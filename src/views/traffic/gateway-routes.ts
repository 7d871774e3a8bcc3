import { Construct } from 'constructs';
import { Codes } from '../../core/codes';
import { formatProblem } from '../../core/errors';
import { Labels, MANAGED_BY } from '../../core/labels';
import { dns1123LabelProblem } from '../../core/names';
import type { IMeshService } from '../../graph/mesh-service-props';
import { MeshChart } from '../../graph/mesh-chart';
import { addVirtualService, renderGatewayRoutesSpec } from './gateway-routes.render';
import { Principal } from '../../core/principal';
import { ServiceSecurity } from '../../graph/security/service-security';
import { GatewayRouteOptions, GatewayRoutesProps, IGatewayRef } from './gateway-routes-props';
import { HTTP_PROTOCOLS } from '../../core/ports';
import { httpRouteProblems } from '../../graph/traffic/route-checks';
import { addProblems } from '../../private/construct-problems';

export { GatewayRouteOptions, GatewayRoutesProps, GatewayWorkload, IGatewayRef } from './gateway-routes-props';

/**
 * Routes of an ingress gateway for hosts that are not services of the mesh (`*`,
 * `shop.example.com`): their own VirtualService bound to the gateway only, since a
 * `*` host is invalid on the `mesh` gateway. Each route's target service admits the
 * gateway's pods (NetworkPolicy) and their principal (AuthorizationPolicy) on the route's paths.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#VirtualService
 * @see https://istio.io/latest/docs/tasks/traffic-management/ingress/ingress-control/
 */
export class GatewayRoutes extends Construct {
  /** The VirtualService's name. */
  public readonly name: string;
  /** The namespace. */
  public readonly namespace: string;
  /** The gateway the routes are bound to. */
  public readonly gateway: IGatewayRef;
  /** The hosts served, as given. */
  public readonly hosts: readonly string[];
  /** The routes, tried in order. */
  public readonly routes: readonly GatewayRouteOptions[];
  /** The gateway's pods, defaults worked out: the namespace, labels and ServiceAccount the target services admit. */
  public readonly workload: { readonly namespace: string; readonly labels: Readonly<Record<string, string>>; readonly serviceAccount: string };

  public constructor(scope: Construct, id: string, props: GatewayRoutesProps) {
    super(scope, id);
    const chart = MeshChart.of(this);
    this.name = props.name ?? id;
    this.namespace = chart.namespace;
    this.gateway = { name: props.gateway.name, namespace: props.gateway.namespace };
    this.hosts = [...props.hosts];
    this.routes = [...props.routes];
    const platformGateway = chart.platform.ingressGateway;
    this.workload = {
      namespace: props.workload?.namespace ?? platformGateway.namespace,
      labels: { ...(props.workload?.labels ?? chart.platform.ingressGatewayPeerLabels()) },
      serviceAccount: props.workload?.serviceAccount ?? platformGateway.serviceAccount,
    };
    const principal = Principal.serviceAccount(this.workload.namespace, this.workload.serviceAccount, chart.platform.trustDomain);
    const byTarget = new Map<IMeshService, GatewayRouteOptions[]>();
    for (const r of this.routes) if (r.to) byTarget.set(r.to, [...(byTarget.get(r.to) ?? []), r]);
    for (const [target, routes] of byTarget) {
      // The paths the routes match: exact paths as they are, prefixes with a trailing '*'; a regex or no uri admits every path.
      const paths = routes.flatMap((r) =>
        r.match.map((m) => (m.uri?.kind === 'exact' ? m.uri.value : m.uri?.kind === 'prefix' ? `${m.uri.value}*` : undefined)),
      );
      // The gateway's pods (namespace AND labels) and its principal, never every identity of its namespace.
      ServiceSecurity.of(target).admitGateway({
        peer: { namespace: this.workload.namespace, podLabels: { ...this.workload.labels } },
        principal,
        paths: paths.includes(undefined) ? undefined : paths as string[],
      });
    }
    addVirtualService(this, 'Resource',
      { name: this.name, namespace: this.namespace, labels: { [Labels.MANAGED_BY]: MANAGED_BY, ...chart.commonLabels() } },
      () => renderGatewayRoutesSpec(this));
    addProblems(this, () => this.problems());
  }

  private problems(): string[] {
    const out: string[] = [];
    const np = dns1123LabelProblem(this.name);
    if (np) out.push(formatProblem(Codes.INVALID_NAME, `name: ${np}`));
    if (this.hosts.length === 0) out.push(formatProblem(Codes.GATEWAY_HOSTS, 'hosts: at least one host'));
    if (this.routes.length === 0) out.push(formatProblem(Codes.INVALID_MATCH, 'routes: at least one route'));
    this.routes.forEach((r, i) => {
      const where = `route ${r.name ?? i}`;
      out.push(...httpRouteProblems(where, { ...r, destinations: r.to ? [{ subset: r.subset ?? '' }] : undefined }));
      if (r.to && !r.to.ports.some((p) => HTTP_PROTOCOLS.includes(p.protocol))) {
        out.push(
          formatProblem(r.to.ports.length === 0 ? Codes.NO_SERVICE : Codes.ROUTE_PROTOCOL_MISMATCH, `${where}: ${r.to.node.path} has no HTTP port`),
        );
      }
      if (r.to && r.port !== undefined && !r.to.ports.some((p) => p.port === r.port)) {
        out.push(formatProblem(Codes.ROUTE_PROTOCOL_MISMATCH, `${where}: port ${r.port} is not a port of ${r.to.node.path}`));
      }
    });
    return out;
  }
}
