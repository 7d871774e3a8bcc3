/**
 * The Service a MeshService writes, as users need it: its type (ClusterIP, headless,
 * NodePort, LoadBalancer), annotations and extra labels, and the checks its type implies.
 */
import { Cidr } from '../core/cidr';
import { Codes } from '../core/codes';
import { formatProblem } from '../core/errors';
import type { ResolvedServicePort } from './service-port';

/** Kubernetes' type of a Service, and what it exposes. */
export type ServiceTypeName = 'ClusterIP' | 'NodePort' | 'LoadBalancer';

/**
 * Which nodes take a NodePort or LoadBalancer Service's traffic from outside: `Local`, only the
 * nodes running its pods, each to its own pods, the client's address kept; `Cluster`, every node,
 * the connection SNATed to the forwarding node's address.
 * @see https://kubernetes.io/docs/reference/networking/virtual-ips/#external-traffic-policy
 */
export type ExternalTrafficPolicy = 'Local' | 'Cluster';

/** How a NodePort or LoadBalancer Service takes traffic from outside the cluster. */
export interface ExternalServiceTypeOptions {
  /**
   * Which nodes take the traffic, and whether the pods see the client's address. With `Cluster`,
   * kube-proxy sends a connection to a pod on another node SNATed to the node's own address
   * ("packets sent to Services with Type=LoadBalancer are source NAT'd by default"), so a
   * NetworkPolicy that admits the clients by address (`allowIngressFrom({ cidr })`) sees the
   * node instead (which address an `ipBlock` sees under such rewriting is undefined: MESH158).
   * `Local` keeps the address: a cloud load balancer sends only to the nodes whose health-check
   * node port reports a ready pod, and a NodePort client must address such a node itself.
   * @default 'Local'
   * @see https://kubernetes.io/docs/tutorials/services/source-ip/#source-ip-for-services-with-type-loadbalancer
   * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/#networkpolicy-resource (ipBlock)
   */
  readonly externalTrafficPolicy?: ExternalTrafficPolicy;
}

/**
 * How a Service is exposed. In the mesh a client addresses the Service by name; NodePort
 * and LoadBalancer also let clients outside the cluster in, who send plaintext, which
 * STRICT mTLS refuses: such a Service needs PERMISSIVE mTLS on its ports (MESH046).
 * @see https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types
 */
export class ServiceType {
  /** A cluster-internal virtual IP (Kubernetes' default). */
  public static clusterIp(): ServiceType {
    return new ServiceType('ClusterIP', false, {}, [], undefined);
  }

  /**
   * No virtual IP (`clusterIP: None`): DNS answers with the pods' addresses, and a
   * StatefulSet's pods get names of their own (`<pod>.<service>.<namespace>.svc.cluster.local`).
   * Istio routes such a name as the Service's host. A client connects to the pod on the port
   * it dials, so each port's targetPort must be the port itself.
   * @see https://kubernetes.io/docs/concepts/services-networking/service/#headless-services
   */
  public static headless(): ServiceType {
    return new ServiceType('ClusterIP', true, {}, [], undefined);
  }

  /**
   * A port on every node (30000-32767), besides the cluster IP.
   * @param nodePorts the node port of some Service ports, by Service port; the others are allocated
   * @param options which nodes take the traffic (by default the pods' own, the client's address kept)
   */
  public static nodePort(nodePorts: Record<number, number> = {}, options: ExternalServiceTypeOptions = {}): ServiceType {
    return new ServiceType('NodePort', false, { ...nodePorts }, [], options.externalTrafficPolicy ?? 'Local');
  }

  /**
   * A cloud load balancer in front of node ports.
   * @param sourceRanges the client ranges the load balancer admits (default: any)
   * @param options which nodes take the traffic (by default the pods' own, the client's address kept)
   */
  public static loadBalancer(sourceRanges: Cidr[] = [], options: ExternalServiceTypeOptions = {}): ServiceType {
    return new ServiceType('LoadBalancer', false, {}, [...sourceRanges], options.externalTrafficPolicy ?? 'Local');
  }

  private constructor(
    /** Kubernetes' type. */
    public readonly type: ServiceTypeName,
    /** True for `clusterIP: None`. */
    public readonly headless: boolean,
    /** Node ports by Service port. */
    public readonly nodePorts: Readonly<Record<number, number>>,
    /** The load balancer's source ranges. */
    public readonly sourceRanges: readonly Cidr[],
    /** Which nodes take traffic from outside (NodePort, LoadBalancer); undefined for a ClusterIP Service. */
    public readonly externalTrafficPolicy: ExternalTrafficPolicy | undefined,
  ) {}

  /** True if clients outside the cluster reach it (NodePort, LoadBalancer). */
  public get external(): boolean {
    return this.type !== 'ClusterIP';
  }
}

/** The Service of a MeshService. */
export interface ServiceOptions {
  /**
   * How the Service is exposed.
   * @default - ServiceType.clusterIp() (a stateful service's pods have a headless governing Service of their own besides, `<name>-headless`)
   */
  readonly type?: ServiceType;
  /**
   * Annotations of the Service (a cloud load balancer's settings, say).
   * @default - none (besides `networking.istio.io/exportTo` when exportTo is set)
   */
  readonly annotations?: Record<string, string>;
  /**
   * Labels of the Service, besides the library's (which win).
   * @default - none
   */
  readonly labels?: Record<string, string>;
}

const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Problems with a Service's options and the ports its type allows (MESH046). */
export function serviceExposureProblems(o: ServiceOptions, type: ServiceType, ports: readonly ResolvedServicePort[]): string[] {
  const out: string[] = [];
  const bad = (field: string, message: string) => out.push(formatProblem(Codes.INVALID_SERVICE_EXPOSURE, `${field}: ${message}`));
  for (const [k, v] of Object.entries(o.labels ?? {})) {
    if (!QUALIFIED_NAME.test(k)) bad('service.labels', `'${k}' is not a qualified name`);
    if (v.length > 63 || !LABEL_VALUE.test(v)) bad(`service.labels.${k}`, `'${v}' is not a label value`);
  }
  for (const k of Object.keys(o.annotations ?? {})) {
    if (!QUALIFIED_NAME.test(k)) bad('service.annotations', `'${k}' is not a qualified name`);
    if (k === 'networking.istio.io/exportTo') bad(`service.annotations.${k}`, 'set it with the exportTo prop');
  }
  if (type.headless) {
    ports.forEach((p, i) => {
      // No proxy translates a headless Service's ports: the client reaches the pod on the port it dials.
      if (p.targetPort !== p.port) {
        bad(`ports[${i}].targetPort`, `${p.targetPort} differs from port ${p.port}, which a headless Service cannot translate`);
      }
    });
  }
  const seen = new Set<number>();
  for (const [key, nodePort] of Object.entries(type.nodePorts)) {
    // https://kubernetes.io/docs/concepts/services-networking/service/#type-nodeport: the default range.
    if (!ports.some((p) => p.port === Number(key))) bad(`service.type.nodePorts.${key}`, `${key} is not a port of the service`);
    if (!(Number.isInteger(nodePort) && nodePort >= 30000 && nodePort <= 32767)) {
      bad(`service.type.nodePorts.${key}`, `${nodePort} is outside the node port range 30000-32767`);
    }
    if (seen.has(nodePort)) bad(`service.type.nodePorts.${key}`, `${nodePort} is used twice`);
    seen.add(nodePort);
  }
  if (type.external && ports.length === 0) bad('service.type', `a ${type.type} Service needs ports`);
  return out;
}
