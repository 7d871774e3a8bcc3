/**
 * Presets of the platform's network components, each read from the install's own source
 * (each factory cites it): the cluster DNS ({@link DnsInstall}) and the edge proxies in
 * front of the mesh ({@link EdgeProxyInstall}). A preset is the component's props, every
 * field set, so it can be given as it is or spread with one field overridden.
 */
import { Cidr } from '../core/cidr';
import type { DnsPlatformProps, EdgeProxyPlatformProps, EdgeProxyUpstream } from './network-props';
import { checkedName, helmFullname } from './presets';

/** Options for {@link DnsInstall.coreDnsHelmChart}. */
export interface CoreDnsHelmChartOptions {
  /** The Helm release's name (`helm install <release> coredns/coredns`). */
  readonly release: string;
  /**
   * The release's namespace.
   * @default 'kube-system'
   */
  readonly namespace?: string;
}

/** Options for {@link DnsInstall.nodeLocalDnsCache}. */
export interface NodeLocalDnsCacheOptions {
  /**
   * The link-local address node-local-dns listens on (`__PILLAR__LOCAL__DNS__`).
   * @default Cidr.of('169.254.20.10/32')
   */
  readonly localAddress?: Cidr;
  /**
   * The kube-dns Service's ClusterIP, which node-local-dns also binds where kube-proxy runs
   * in iptables mode and the kubelet's `--cluster-dns` is left as it is (pods then keep
   * querying it); leave it out in IPVS mode, where `--cluster-dns` names the local address.
   * @default - IPVS mode: pods query the local address only
   */
  readonly kubeDnsServiceIp?: Cidr;
  /**
   * The DNS the cache forwards cluster names to, and that pods fall back to.
   * @default DnsInstall.kubeadmCoreDns()
   */
  readonly upstream?: DnsInstall;
}

/**
 * How the cluster DNS was installed, as its props: the DNS pods' namespace, labels,
 * ServiceAccount and port, and NodeLocal DNSCache's addresses where it runs. Every field
 * of {@link DnsPlatformProps} is set.
 */
export class DnsInstall implements Required<DnsPlatformProps> {
  /**
   * The CoreDNS kubeadm installs (the default, and what most distributions keep): Deployment
   * `coredns` in kube-system, pods labelled `k8s-app: kube-dns` under ServiceAccount `coredns`,
   * Service `kube-dns` selecting them, DNS on 53/UDP and 53/TCP.
   * @see https://github.com/kubernetes/kubernetes/blob/master/cmd/kubeadm/app/phases/addons/dns/manifests.go
   */
  public static kubeadmCoreDns(): DnsInstall {
    const labels = { 'k8s-app': 'kube-dns' };
    return new DnsInstall({
      installedBy: "kubeadm's CoreDNS", namespace: 'kube-system', serviceName: 'kube-dns', podLabels: labels, serviceSelector: labels,
      serviceAccount: 'coredns', port: 53, nodeLocalAddresses: [],
    });
  }

  /**
   * CoreDNS installed with the `coredns/coredns` Helm chart as the cluster service (its
   * default `isClusterService: true`): Deployment and Service `<release>` (or
   * `<release>-coredns`), pods and Service selector `k8s-app: coredns`,
   * `app.kubernetes.io/name: coredns`, `app.kubernetes.io/instance: <release>`, the namespace's
   * `default` ServiceAccount (`serviceAccount.create: false`), DNS on 53.
   * @see https://github.com/coredns/helm/blob/master/charts/coredns/templates/_helpers.tpl
   * @see https://github.com/coredns/helm/blob/master/charts/coredns/templates/deployment.yaml
   * @see https://github.com/coredns/helm/blob/master/charts/coredns/values.yaml
   */
  public static coreDnsHelmChart(options: CoreDnsHelmChartOptions): DnsInstall {
    const where = 'DnsInstall.coreDnsHelmChart';
    const release = checkedName(where, 'release', options.release);
    const namespace = checkedName(where, 'namespace', options.namespace ?? 'kube-system');
    const labels = { 'k8s-app': 'coredns', 'app.kubernetes.io/name': 'coredns', 'app.kubernetes.io/instance': release };
    return new DnsInstall({
      installedBy: `the coredns/coredns Helm chart, release ${release}`, namespace, serviceName: helmFullname(release, 'coredns', 63),
      podLabels: labels, serviceSelector: labels, serviceAccount: 'default', port: 53, nodeLocalAddresses: [],
    });
  }

  /**
   * NodeLocal DNSCache (the `node-local-dns` DaemonSet of kubernetes/kubernetes
   * `cluster/addons/dns/nodelocaldns`) in front of `upstream`: it runs with `hostNetwork:
   * true` and answers on a link-local address (169.254.20.10) and, in kube-proxy's iptables
   * mode, on the kube-dns ClusterIP too; a pod selector cannot reach a host-network pod, so
   * its addresses are `ipBlock` peers ("Using a namespace selector for dns egress traffic ...
   * might not be enough since the node-local-dns pods run with hostNetwork: True").
   * @see https://kubernetes.io/docs/tasks/administer-cluster/nodelocaldns/
   * @see https://github.com/kubernetes/kubernetes/blob/master/cluster/addons/dns/nodelocaldns/README.md
   */
  public static nodeLocalDnsCache(options: NodeLocalDnsCacheOptions = {}): DnsInstall {
    const upstream = options.upstream ?? DnsInstall.kubeadmCoreDns();
    const local = options.localAddress ?? Cidr.of('169.254.20.10/32');
    return new DnsInstall({
      ...upstream,
      installedBy: `NodeLocal DNSCache in front of ${upstream.installedBy}`,
      nodeLocalAddresses: [local, ...(options.kubeDnsServiceIp ? [options.kubeDnsServiceIp] : [])],
    });
  }

  /** What installed the component, as messages name it. */
  public readonly installedBy: string;
  /** The DNS pods' namespace. */
  public readonly namespace: string;
  /** The DNS Service. */
  public readonly serviceName: string;
  /** The DNS pods' labels. */
  public readonly podLabels: Readonly<Record<string, string>>;
  /** The DNS Service's selector. */
  public readonly serviceSelector: Readonly<Record<string, string>>;
  /** The DNS pods' ServiceAccount. */
  public readonly serviceAccount: string;
  /** The DNS pods' port. */
  public readonly port: number;
  /** NodeLocal DNSCache's addresses. */
  public readonly nodeLocalAddresses: Cidr[];

  private constructor(p: Required<DnsPlatformProps>) {
    this.installedBy = p.installedBy;
    this.namespace = p.namespace;
    this.serviceName = p.serviceName;
    this.podLabels = p.podLabels;
    this.serviceSelector = p.serviceSelector;
    this.serviceAccount = p.serviceAccount;
    this.port = p.port;
    this.nodeLocalAddresses = [...p.nodeLocalAddresses];
  }
}

/** Options of an edge proxy installed with a Helm chart. */
export interface EdgeProxyHelmChartOptions {
  /** The Helm release's name. */
  readonly release: string;
  /** The release's namespace. */
  readonly namespace: string;
  /**
   * Whether the proxy pods run an Istio sidecar (their namespace injects one). Seed 003's
   * Kong does (`Kong → Istio Sidecar (mTLS) → Backend Service`).
   */
  readonly meshed: boolean;
}

/** Options for {@link EdgeProxyInstall.ingressNginxHelmChart}. */
export interface IngressNginxHelmChartOptions extends EdgeProxyHelmChartOptions {
  /**
   * Whether the Ingresses routing to the mesh carry `nginx.ingress.kubernetes.io/service-upstream: "true"`,
   * so the controller sends to a Service's ClusterIP rather than its pod IPs.
   * @default false - the controller's default: the pods' endpoints
   * @see https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/#service-upstream
   */
  readonly serviceUpstream?: boolean;
}

/**
 * How an edge proxy in front of the mesh was installed, as its props: its pods' namespace,
 * labels and ServiceAccount, whether they are meshed, and how they address a service.
 * Every field of {@link EdgeProxyPlatformProps} is set.
 */
export class EdgeProxyInstall implements Required<EdgeProxyPlatformProps> {
  /**
   * Kong installed with the `kong/kong` Helm chart (its ingress controller enabled, the
   * chart's default): Deployment and ServiceAccount `<release>-kong` (the chart's fullname
   * always prefixes the release), proxy Service `<release>-kong-proxy` (80 and 443 to the pods'
   * 8000 and 8443), pods labelled `app.kubernetes.io/name: kong`, `app.kubernetes.io/instance:
   * <release>`, `app.kubernetes.io/component: app`, `app: <release>-kong`, selected by the first
   * three. The ingress controller sends to a Service's ClusterIP when the Service carries
   * `ingress.kubernetes.io/service-upstream: "true"`, which routes add.
   * @see https://github.com/Kong/charts/blob/main/charts/kong/templates/_helpers.tpl (kong.fullname, kong.selectorLabels, kong.serviceAccountName)
   * @see https://github.com/Kong/charts/blob/main/charts/kong/templates/deployment.yaml
   * @see https://github.com/Kong/charts/blob/main/charts/kong/values.yaml (proxy.http.containerPort 8000)
   */
  public static kongHelmChart(options: EdgeProxyHelmChartOptions): EdgeProxyInstall {
    const where = 'EdgeProxyInstall.kongHelmChart';
    const release = checkedName(where, 'release', options.release);
    const namespace = checkedName(where, 'namespace', options.namespace);
    const fullname = `${release}-kong`.slice(0, 63).replace(/-+$/, '');
    const selector = { 'app.kubernetes.io/name': 'kong', 'app.kubernetes.io/component': 'app', 'app.kubernetes.io/instance': release };
    return new EdgeProxyInstall({
      installedBy: `the kong/kong Helm chart, release ${release}`,
      name: fullname, namespace, serviceName: `${fullname}-proxy`,
      podLabels: { ...selector, 'app.kubernetes.io/managed-by': 'Helm', 'app': fullname },
      serviceSelector: selector, serviceAccount: fullname, httpPort: 8000, httpsPort: 8443, meshed: options.meshed,
      upstream: 'service', serviceAnnotations: { 'ingress.kubernetes.io/service-upstream': 'true' },
      // Kong keeps the client's Host by default; its sidecar routes by the Service's name (Kong/kubernetes-ingress-controller#597).
      hostHeaderAnnotation: 'konghq.com/host-header',
    });
  }

  /**
   * The ingress-nginx controller installed with the `ingress-nginx/ingress-nginx` Helm chart:
   * Deployment and Service `<fullname>-controller` (fullname: the release when it contains
   * `ingress-nginx`, else `<release>-ingress-nginx`), ServiceAccount `<fullname>`, pods labelled
   * `app.kubernetes.io/name: ingress-nginx`, `app.kubernetes.io/instance: <release>`,
   * `app.kubernetes.io/component: controller` (its selector), `app.kubernetes.io/part-of: ingress-nginx`; HTTP 80 and HTTPS 443
   * (`controller.containerPort`).
   * The controller sends to the pods' endpoints unless an Ingress says `service-upstream`.
   * @see https://github.com/kubernetes/ingress-nginx/blob/main/charts/ingress-nginx/templates/_helpers.tpl
   * @see https://github.com/kubernetes/ingress-nginx/blob/main/charts/ingress-nginx/templates/controller-deployment.yaml
   */
  public static ingressNginxHelmChart(options: IngressNginxHelmChartOptions): EdgeProxyInstall {
    const where = 'EdgeProxyInstall.ingressNginxHelmChart';
    const release = checkedName(where, 'release', options.release);
    const namespace = checkedName(where, 'namespace', options.namespace);
    const controller = `${helmFullname(release, 'ingress-nginx', 63)}-controller`.slice(0, 63).replace(/-+$/, '');
    const selector = {
      'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/instance': release, 'app.kubernetes.io/component': 'controller',
    };
    const upstream: EdgeProxyUpstream = options.serviceUpstream ? 'service' : 'endpoints';
    return new EdgeProxyInstall({
      installedBy: `the ingress-nginx/ingress-nginx Helm chart, release ${release}`,
      name: controller, namespace, serviceName: controller,
      podLabels: { ...selector, 'app.kubernetes.io/part-of': 'ingress-nginx', 'app.kubernetes.io/managed-by': 'Helm' },
      serviceSelector: selector, serviceAccount: helmFullname(release, 'ingress-nginx', 63), httpPort: 80, httpsPort: 443, meshed: options.meshed,
      upstream, serviceAnnotations: {}, hostHeaderAnnotation: '',
    });
  }

  /** What installed the component, as messages name it. */
  public readonly installedBy: string;
  /** The proxy's Deployment. */
  public readonly name: string;
  /** The proxy pods' namespace. */
  public readonly namespace: string;
  /** The Service in front of the proxy pods. */
  public readonly serviceName: string;
  /** The proxy pods' labels (those the install writes whatever its version). */
  public readonly podLabels: Readonly<Record<string, string>>;
  /** The selector of the proxy's Service. */
  public readonly serviceSelector: Readonly<Record<string, string>>;
  /** The proxy pods' ServiceAccount. */
  public readonly serviceAccount: string;
  /** The proxy pods' HTTP port. */
  public readonly httpPort: number;
  /** The proxy pods' HTTPS port. */
  public readonly httpsPort: number;
  /** Whether the proxy pods run an Istio sidecar. */
  public readonly meshed: boolean;
  /** How the proxy addresses a routed service. */
  public readonly upstream: EdgeProxyUpstream;
  /** Annotations a routed service's Service carries for `upstream`. */
  public readonly serviceAnnotations: Readonly<Record<string, string>>;
  /** The Service annotation that sets the Host header the proxy sends, or '' for none. */
  public readonly hostHeaderAnnotation: string;

  private constructor(p: Required<EdgeProxyPlatformProps>) {
    this.installedBy = p.installedBy;
    this.name = p.name;
    this.namespace = p.namespace;
    this.serviceName = p.serviceName;
    this.podLabels = p.podLabels;
    this.serviceSelector = p.serviceSelector;
    this.serviceAccount = p.serviceAccount;
    this.httpPort = p.httpPort;
    this.httpsPort = p.httpsPort;
    this.meshed = p.meshed;
    this.upstream = p.upstream;
    this.serviceAnnotations = p.serviceAnnotations;
    this.hostHeaderAnnotation = p.hostHeaderAnnotation;
  }
}
