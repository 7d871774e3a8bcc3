import type { IMeshService } from '../../graph/interfaces';
import { serviceObjectOf } from '../../graph/handed-over-service';
import { Construct } from 'constructs';
import { Codes } from '../../core/codes';
import { formatProblem } from '../../core/errors';
import type { HttpMethod } from '../../core/http';
import { concretePath } from '../../graph/intended-flows';
import { MeshChart } from '../../graph/mesh-chart';
import type { PlatformEdgeProxy } from '../../platform/network-props';
import type { IntendedFlow } from '../../core/flow';
import { operationProblems } from '../../graph/security/authorization-rule';
import { ServiceSecurity } from '../../graph/security/service-security';
import { addProblems } from '../../private/construct-problems';
import { flowMethods } from '../../core/http';
import { HTTP_PROTOCOLS } from '../../core/ports';

/** Which edge proxy of the platform forwards: its API gateway (Kong) or its ingress controller (ingress-nginx). */
export type EdgeProxyKind = 'apiGateway' | 'ingressController';

/** Props for {@link EdgeProxyRoute}. */
export interface EdgeProxyRouteProps {
  /** The service the edge proxy forwards to. */
  readonly service: IMeshService;
  /**
   * The platform's edge proxy that forwards (`MeshPlatform.apiGateway` or `MeshPlatform.ingressController`).
   * @default 'apiGateway'
   */
  readonly proxy?: EdgeProxyKind;
  /**
   * The methods the proxy forwards.
   * @default - every method
   */
  readonly methods?: HttpMethod[];
  /**
   * The paths the proxy forwards, in AuthorizationPolicy form (`/api/v1/orders/*`, `/api/v1/orders`).
   * @default - every path
   * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Operation
   */
  readonly paths?: string[];
  /**
   * The service's port the proxy sends to, one that speaks HTTP.
   * @default - the service's first HTTP-family port
   */
  readonly port?: number;
}

/**
 * A route from an edge proxy of the platform to a service: seed 003's entry path
 * `Client → Nginx Ingress → Kong → Istio sidecar (mTLS) → service`, of which the library
 * writes the service's side, as the platform says the proxy runs
 * (`MeshPlatform.apiGateway`, `MeshPlatform.ingressController`):
 *
 * - a meshed proxy (Kong with a sidecar) is admitted by its principal, on the methods and
 *   paths forwarded (AuthorizationPolicy), from its pods (NetworkPolicy, namespace AND the
 *   proxy Service's selector) on the port's container port, over mTLS;
 * - a proxy without a sidecar sends plaintext: that container port becomes PERMISSIVE in the
 *   service's PeerAuthentication, only the proxy's pods get through the NetworkPolicy, and
 *   the AuthorizationPolicy admits requests with no mTLS identity (`notPrincipals: ["*"]`) on
 *   the forwarded methods and paths; meshed callers keep needing their own rules;
 * - where the proxy addresses a Service only when told (Kong's ingress controller:
 *   `ingress.kubernetes.io/service-upstream: "true"`), the service's Service carries the
 *   annotation, so the proxy's sidecar routes the request (Flagger's weights included) instead
 *   of sending it to a pod IP as plain TCP. For a service a `FlaggerCanary` releases, Flagger
 *   generates that Service: the annotation goes to the Canary's `spec.service.apex`, which
 *   Flagger writes on it (fluxcd/flagger pkg/router/kubernetes_default.go, reconcileService).
 *
 * Each forwarded method and path is an intended flow from the proxy's pods, to the
 * Service when the proxy addresses Services, else to the service's pods directly; synth's flow
 * check proves it (MESH600 naming this construct).
 *
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/
 * @see https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/#service-upstream
 */
export class EdgeProxyRoute extends Construct {
  /** The service routed to. */
  public readonly service: IMeshService;
  /** Which edge proxy forwards. */
  public readonly proxy: EdgeProxyKind;
  /** The methods forwarded, if restricted. */
  public readonly methods?: readonly HttpMethod[];
  /** The paths forwarded, if restricted. */
  public readonly paths?: readonly string[];
  /** The service port the proxy sends to. */
  public readonly port?: number;

  private readonly chart: MeshChart;

  public constructor(scope: Construct, id: string, props: EdgeProxyRouteProps) {
    super(scope, id);
    this.chart = MeshChart.of(this);
    this.service = props.service;
    this.proxy = props.proxy ?? 'apiGateway';
    this.methods = props.methods && [...props.methods];
    this.paths = props.paths && [...props.paths];
    this.port = props.port ?? this.service.ports.find((p) => HTTP_PROTOCOLS.includes(p.protocol))?.port;
    const edge = this.edge;
    const target = this.targetPort;
    if (target !== undefined) {
      const peer = { namespace: edge.namespace, podLabels: { ...edge.serviceSelector } };
      const ports = [{ port: target, protocol: 'TCP' as const }];
      const security = ServiceSecurity.of(this.service);
      if (edge.meshed) {
        const principal = this.chart.platform.edgeProxyPrincipal(this.proxy);
        security.admitGateway({ peer, principal, paths: this.paths, methods: this.methods, ports });
      } else {
        security.admitPlaintext({ peer, ports, paths: this.paths, methods: this.methods });
      }
      if (edge.upstream === 'service') {
        // A meshed proxy's sidecar routes by the Host header: the proxy must send the service's name, not the client's host.
        const host = edge.meshed && edge.hostHeaderAnnotation
          ? { [edge.hostHeaderAnnotation]: `${this.service.name}.${this.service.namespace}.svc.cluster.local` } : {};
        this.annotateService({ ...edge.serviceAnnotations, ...host });
      }
      // The meshed proxy's sidecar routes by the service's host: the service's VirtualService, retries included, applies.
      if (edge.meshed && edge.upstream === 'service') security._routedByHost(this.methods);
      this.chart.addIntendedFlows(() => this.flows());
    }
    addProblems(this, () => this.problems());
  }

  /** The edge proxy, as the platform describes it. */
  private get edge(): PlatformEdgeProxy {
    return this.chart.platform[this.proxy];
  }

  /** The container port behind {@link port}. */
  private get targetPort(): number | undefined {
    const p = this.service.ports.find((x) => x.port === this.port);
    return p && HTTP_PROTOCOLS.includes(p.protocol) ? p.targetPort : undefined;
  }

  /** The annotations that make the proxy address the Service, on the service's Service. */
  private annotateService(annotations: Readonly<Record<string, string>>): void {
    // The Service, or the one handed over to Flagger, whose Canary carries its annotations (src/graph/handed-over-service.ts).
    const object = serviceObjectOf(this.service);
    if (!object) return; // a workload without ports has no Service; reported below
    for (const [k, v] of Object.entries(annotations)) object.metadata.addAnnotation(k, v);
  }

  /**
   * Each forwarded method and path, from the proxy's pods: to the Service's host and port
   * when the proxy addresses Services (its sidecar routes it), else to the pods' container port.
   */
  private flows(): IntendedFlow[] {
    const edge = this.edge;
    const target = this.targetPort;
    if (target === undefined || this.port === undefined) return [];
    const s = this.service;
    const source = { platform: this.chart.platform.edgeProxyWorkload(this.proxy) };
    const byService = edge.upstream === 'service';
    const role = this.proxy === 'apiGateway' ? 'API gateway' : 'ingress controller';
    const out: IntendedFlow[] = [];
    const security = ServiceSecurity.of(s);
    for (const method of flowMethods(this.methods) as HttpMethod[]) {
      for (const path of (this.paths ?? ['/']).map(concretePath)) {
        const flow = {
          source, host: `${s.name}.${s.namespace}.svc.cluster.local`, port: byService ? this.port : target,
          ...(byService ? {} : { pods: { workload: s.name, namespace: s.namespace } }),
          method, path, constructPath: this.node.path,
        };
        // A path an EdgeAuthentication guards takes a token through the proxy too (forwarded with the request): without one
        // the service refuses it, as it does through a gateway.
        const principals = security.endUserPrincipalsFor(path);
        for (const principal of principals.length > 0 ? principals : [undefined]) {
          const signedIn = principal === undefined ? '' : principals.length > 1 ? ` signed in (${principal})` : ' signed in';
          out.push({ ...flow, requestPrincipal: principal, expect: 'allow',
            description: `${edge.name} (the platform's ${role}) forwards ${method} ${path} to ${s.name}${signedIn}` });
        }
        if (principals.length > 0) {
          out.push({ ...flow, expect: 'deny', description: `${s.name} refuses ${method} ${path} from ${edge.name} without a token` });
        }
      }
    }
    return out;
  }

  private problems(): string[] {
    const out: string[] = [];
    const p = this.service.ports.find((x) => x.port === this.port);
    if (this.port === undefined || !p) {
      const ports = this.service.ports.map((x) => `${x.port}/${x.protocol}`).join(', ') || 'none';
      out.push(formatProblem(Codes.EDGE_PROXY_ROUTE_INVALID,
        `port: ${this.service.name} has ${this.port === undefined ? 'no HTTP-family port' : `no port ${this.port}`} for the ${this.proxy} to send to`
        + ` (its ports: ${ports})`));
    } else if (!HTTP_PROTOCOLS.includes(p.protocol)) {
      out.push(formatProblem(Codes.EDGE_PROXY_ROUTE_INVALID,
        `port: ${this.service.name}'s port ${p.port} speaks ${p.protocol}, not HTTP: the proxy's methods and paths cannot be authorized on it`));
    }
    out.push(...operationProblems({ methods: this.methods, paths: this.paths }, 'route'));
    return out;
  }
}
