/**
 * The props of the platform's network components: the cluster DNS every pod resolves names
 * with, and the edge proxies in front of the mesh (an API gateway such as Kong, an ingress
 * controller such as ingress-nginx). Presets (./network-presets.ts) fill every field as an
 * install writes it; a snapshot of the cluster (./snapshot.ts) reads them.
 */
import type { Cidr } from '../core/cidr';

/**
 * The cluster DNS (kube-dns or CoreDNS behind the `kube-dns` Service), and NodeLocal
 * DNSCache where it runs. Every NetworkPolicy's DNS egress admits exactly these.
 * {@link DnsInstall} gives the values of the common installs; every field not given is
 * kubeadm's CoreDNS's.
 * @see https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/
 */
export interface DnsPlatformProps {
  /**
   * What installed the DNS, as messages name it.
   * @default "kubeadm's CoreDNS"
   */
  readonly installedBy?: string;
  /**
   * The DNS pods' namespace.
   * @default 'kube-system'
   */
  readonly namespace?: string;
  /**
   * The DNS Service, which pods' resolv.conf names by its ClusterIP.
   * @default 'kube-dns'
   */
  readonly serviceName?: string;
  /**
   * The DNS pods' labels.
   * @default { 'k8s-app': 'kube-dns' }
   * @see https://github.com/kubernetes/kubernetes/blob/master/cmd/kubeadm/app/phases/addons/dns/manifests.go
   */
  readonly podLabels?: Readonly<Record<string, string>>;
  /**
   * The selector of the DNS Service, by which NetworkPolicy egress selects the DNS pods.
   * @default - `podLabels`
   */
  readonly serviceSelector?: Readonly<Record<string, string>>;
  /**
   * The DNS pods' ServiceAccount.
   * @default 'coredns'
   */
  readonly serviceAccount?: string;
  /**
   * The DNS pods' port (the Service's 53 targets it), on UDP and TCP.
   * @default 53
   */
  readonly port?: number;
  /**
   * The addresses NodeLocal DNSCache answers on, port 53: its link-local address
   * (169.254.20.10 by default), and, where kube-proxy runs in iptables mode and the kubelet's
   * `--cluster-dns` still names the kube-dns Service, that Service's ClusterIP, which
   * node-local-dns binds as well. node-local-dns runs with `hostNetwork: true`, so no pod
   * selector reaches it: NetworkPolicy egress admits these as `ipBlock`s, besides the DNS
   * pods it falls back to.
   * @default [] - no NodeLocal DNSCache
   * @see https://kubernetes.io/docs/tasks/administer-cluster/nodelocaldns/
   * @see https://github.com/kubernetes/kubernetes/blob/master/cluster/addons/dns/nodelocaldns/README.md
   */
  readonly nodeLocalAddresses?: Cidr[];
}

/** How an edge proxy addresses a mesh service it forwards to. */
export type EdgeProxyUpstream = 'service' | 'endpoints';

/**
 * A proxy in front of the mesh that forwards to its services: an API gateway (seed 003's
 * Kong) or an ingress controller (seed 003's Nginx Ingress). {@link EdgeProxyInstall} gives
 * the values of the common installs.
 */
export interface EdgeProxyPlatformProps {
  /**
   * What installed the proxy, as messages name it.
   * @default - the preset's (`the kong/kong Helm chart, release kong`)
   */
  readonly installedBy?: string;
  /**
   * The proxy's Deployment, for messages and flows.
   * @default - the preset's
   */
  readonly name?: string;
  /**
   * The proxy pods' namespace.
   * @default - the preset's
   */
  readonly namespace?: string;
  /**
   * The Service in front of the proxy pods (`kong-kong-proxy`), by which a snapshot finds them.
   * @default - the preset's
   */
  readonly serviceName?: string;
  /**
   * The proxy pods' labels.
   * @default - the preset's
   */
  readonly podLabels?: Readonly<Record<string, string>>;
  /**
   * The selector of the proxy's Service, by which NetworkPolicy ingress of a routed service selects its pods.
   * @default - `podLabels`
   */
  readonly serviceSelector?: Readonly<Record<string, string>>;
  /**
   * The proxy pods' ServiceAccount: its principal is what a routed service's
   * AuthorizationPolicy admits when the proxy is meshed.
   * @default - the preset's
   */
  readonly serviceAccount?: string;
  /**
   * The proxy pods' HTTP port (the Service's 80 targets it): Kong's 8000, ingress-nginx's 80.
   * @default - the preset's
   */
  readonly httpPort?: number;
  /**
   * The proxy pods' HTTPS port (the Service's 443 targets it): Kong's 8443, ingress-nginx's 443.
   * @default - the preset's
   */
  readonly httpsPort?: number;
  /**
   * Whether the proxy pods run an Istio sidecar (seed 003's Kong: `Kong → Istio Sidecar (mTLS)`):
   * a meshed proxy is admitted by its principal over mTLS; one without a sidecar sends
   * plaintext, which a routed service accepts on its port only (PERMISSIVE there) from the
   * proxy's pods (NetworkPolicy) and from no mTLS identity (AuthorizationPolicy `notPrincipals: ["*"]`).
   * @default false
   * @see https://istio.io/latest/docs/reference/config/security/peer_authentication/
   */
  readonly meshed?: boolean;
  /**
   * How the proxy addresses a routed service: `service`, its Service (ClusterIP and port),
   * which lets a sidecar route the request (a canary's weights, Flagger's VirtualService)
   * and send it over mTLS; `endpoints`, the service's pod IPs directly, as ingress
   * controllers do by default, past any VirtualService. A meshed proxy must address the
   * Service: a request to a pod IP leaves its sidecar as plain TCP (no route), which STRICT
   * mTLS refuses, as synth's flow check shows.
   * @default 'endpoints'
   * @see https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/#service-upstream
   */
  readonly upstream?: EdgeProxyUpstream;
  /**
   * Annotations a routed service's Service carries so that the proxy addresses it as
   * `upstream` says (Kong's ingress controller: `ingress.kubernetes.io/service-upstream: "true"`;
   * ingress-nginx reads its `nginx.ingress.kubernetes.io/service-upstream` from the Ingress, which
   * the library does not write).
   * @default {}
   * @see https://docs.konghq.com/kubernetes-ingress-controller/latest/reference/annotations/#ingresskubernetesioservice-upstream
   */
  readonly serviceAnnotations?: Readonly<Record<string, string>>;
  /**
   * The annotation of a routed service's Service that sets the Host header the proxy sends it, which the library sets to the
   * Service's cluster name (`<name>.<namespace>.svc.cluster.local`) where a meshed proxy addresses the Service: its sidecar
   * picks the route by the Host header, and a proxy that keeps the client's (`shop.example.com`, Kong's default) matches no
   * route of the service, so the request leaves as plain TCP, past the service's VirtualService, and STRICT mTLS refuses it.
   * Kong's ingress controller reads `konghq.com/host-header` from the Service.
   * @default '' - none: the proxy's own Host header is assumed to be the service's name
   * @see https://developer.konghq.com/kubernetes-ingress-controller/reference/host-manipulation
   * @see https://istio.io/latest/docs/ops/configuration/traffic-management/traffic-routing/#http
   */
  readonly hostHeaderAnnotation?: string;
}

/** The resolved cluster DNS: every field set. */
export interface PlatformDns extends Required<Omit<DnsPlatformProps, 'nodeLocalAddresses'>> {
  /** NodeLocal DNSCache's addresses; none without it. */
  readonly nodeLocalAddresses: readonly Cidr[];
}

/** A resolved edge proxy: every field set. */
export type PlatformEdgeProxy = Required<EdgeProxyPlatformProps>;
