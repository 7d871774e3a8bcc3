/**
 * The props of {@link MeshPlatform}'s components and their resolved forms. Each component
 * says where it runs (namespace, Service), which pods it has (their labels, their Service's
 * selector, their ServiceAccount) and its ports. Presets (./presets.ts) fill every field as
 * an install writes it; a snapshot of the cluster (./snapshot.ts) reads them.
 */
import type { Cidr } from '../core/cidr';
import type { IstioVersion } from '../core/istio-version';
import type { DnsPlatformProps, EdgeProxyPlatformProps } from './network-props';
import type { LoadTesterPlatformProps } from './load-tester';

/** Labels, as Kubernetes objects carry them. */
export type PlatformLabels = Readonly<Record<string, string>>;

/** Istio's control plane (the `istiod` chart, `manifests/charts/istio-control/istio-discovery`). */
export interface IstioPlatformProps {
  /**
   * The Istio release the cluster runs: validation checks against its CRDs and istiod's
   * webhook rules of that release.
   * @default - the minor of `release` when it is given (`1.30` for `1.30.3`), else '1.24'
   * @see https://istio.io/latest/docs/releases/supported-releases/
   */
  readonly version?: IstioVersion;
  /**
   * The Istio release installed (its Helm charts' version), a release of `version`: `helm upgrade`
   * commands the library writes pin `--version` to it, so applying a values change never upgrades
   * Istio as well.
   * @default - the release of `version` whose CRDs the package carries (1.24.6, 1.30.3)
   * @see https://istio.io/latest/docs/setup/install/helm/
   */
  readonly release?: string;
  /**
   * Istio's root namespace: policies there apply mesh-wide.
   * @default 'istio-system'
   * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#MeshConfig (rootNamespace)
   */
  readonly rootNamespace?: string;
  /**
   * The namespace istiod runs in.
   * @default - the root namespace
   */
  readonly controlPlaneNamespace?: string;
  /**
   * The control plane's revision (`istio.io/rev`); none for the default revision.
   * @default - the default revision
   * @see https://istio.io/latest/docs/setup/upgrade/canary/
   */
  readonly revision?: string;
  /**
   * istiod's Service, which every sidecar dials for its configuration and certificates.
   * @default - `istiod`, or `istiod-<revision>`
   * @see https://github.com/istio/istio/blob/1.24.6/manifests/charts/istio-control/istio-discovery/templates/service.yaml
   */
  readonly serviceName?: string;
  /**
   * istiod's pod labels (the chart's pod template labels).
   * @default - `app: istiod`, `istio: pilot` (`istiod` with a revision), `istio.io/rev`, `sidecar.istio.io/inject: "false"`,
   *   `operator.istio.io/component: Pilot`, `istio.io/dataplane-mode: none`, `app.kubernetes.io/name: istiod`, `app.kubernetes.io/part-of: istio`
   * @see https://github.com/istio/istio/blob/1.24.6/manifests/charts/istio-control/istio-discovery/templates/deployment.yaml
   */
  readonly istiodLabels?: PlatformLabels;
  /**
   * The selector of istiod's Service, by which NetworkPolicy egress to istiod selects its pods.
   * @default - `{ app: istiod, istio: pilot }`, or `{ app: istiod, istio.io/rev: <revision> }`; `istiodLabels` when only those are given
   * @see https://github.com/istio/istio/blob/1.24.6/manifests/charts/istio-control/istio-discovery/templates/service.yaml
   */
  readonly serviceSelector?: PlatformLabels;
  /**
   * istiod's ServiceAccount.
   * @default - the Service's name
   */
  readonly serviceAccount?: string;
  /**
   * istiod's xDS and certificate port, which every sidecar reaches.
   * @default 15012
   * @see https://istio.io/latest/docs/ops/deployment/application-requirements/#ports-used-by-istio
   */
  readonly xdsPort?: number;
  /**
   * istiod's webhook port, which the API server reaches.
   * @default 15017
   */
  readonly webhookPort?: number;
  /**
   * Whether istiod injects the proxy as a Kubernetes native sidecar (an init container with `restartPolicy: Always`, which
   * the kubelet stops once the pod's containers have exited, so a Job's pods complete): istiod's `ENABLE_NATIVE_SIDECARS`
   * environment variable is `"true"` (Helm value `pilot.env.ENABLE_NATIVE_SIDECARS` with istioctl, `env.ENABLE_NATIVE_SIDECARS`
   * with the istiod chart), or, from Istio 1.27, left `auto` on a cluster whose every node runs kubelet 1.33 or later. A pod's
   * `sidecar.istio.io/nativeSidecar` annotation overrides it. Native sidecars need Kubernetes 1.29 or later.
   * @default false - Istio 1.24's (ENABLE_NATIVE_SIDECARS false): the proxy is an ordinary container
   * @see https://github.com/istio/istio/blob/1.24.6/manifests/charts/istio-control/istio-discovery/files/injection-template.yaml
   * @see https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/
   */
  readonly nativeSidecars?: boolean;
}

/**
 * An Istio ingress gateway deployment. {@link IngressGatewayInstall} gives the values of
 * the two common installs; every field not given is istioctl's gateway's.
 */
export interface IngressGatewayPlatformProps {
  /**
   * What installed the gateway, as messages name it.
   * @default 'istioctl'
   */
  readonly installedBy?: string;
  /**
   * The gateway's Service (and Deployment) name.
   * @default 'istio-ingressgateway'
   */
  readonly name?: string;
  /**
   * The gateway pods' namespace.
   * @default 'istio-system'
   */
  readonly namespace?: string;
  /**
   * The gateway pods' labels.
   * @default - istioctl's: `app: istio-ingressgateway`, `istio: ingressgateway` and the chart's other pod labels
   * @see https://github.com/istio/istio/blob/1.24.6/manifests/charts/gateways/istio-ingress/templates/deployment.yaml
   */
  readonly podLabels?: PlatformLabels;
  /**
   * The selector of the gateway's Service, by which NetworkPolicy peers select the gateway pods.
   * @default - `{ app: istio-ingressgateway, istio: ingressgateway }`; `podLabels` when only those are given
   * @see https://github.com/istio/istio/blob/1.24.6/manifests/charts/gateways/istio-ingress/templates/service.yaml
   */
  readonly serviceSelector?: PlatformLabels;
  /**
   * The labels a Gateway's selector names, a subset of `podLabels`.
   * @default - `{ istio: ingressgateway }`; the pods' `istio` label when only `podLabels` are given
   * @see https://istio.io/latest/docs/reference/config/networking/gateway/#Gateway
   */
  readonly selector?: PlatformLabels;
  /**
   * The gateway pods' ServiceAccount: its principal is what AuthorizationPolicies admit.
   * @default 'istio-ingressgateway-service-account'
   */
  readonly serviceAccount?: string;
  /**
   * The pods' HTTP port (the Service's HTTP port targets it; Gateway servers name the Service port).
   * @default 8080
   */
  readonly httpPort?: number;
  /**
   * The pods' HTTPS port (the Service's HTTPS port targets it).
   * @default 8443
   */
  readonly httpsPort?: number;
  /**
   * The gateway Service's HTTP port, which targets `httpPort`. A Gateway server may name
   * either; istioctl analyze checks a server port against both (IST0162).
   * @default 80
   * @see https://github.com/istio/istio/blob/1.24.6/manifests/charts/gateways/istio-ingress/values.yaml (ports: http2 80 -> 8080)
   */
  readonly httpServicePort?: number;
  /**
   * The gateway Service's HTTPS port, which targets `httpsPort`.
   * @default 443
   * @see https://github.com/istio/istio/blob/1.24.6/manifests/charts/gateways/istio-ingress/values.yaml (ports: https 443 -> 8443)
   */
  readonly httpsServicePort?: number;
  /**
   * The gateway Service's ports beyond HTTP and HTTPS, each targeting the pods' port of the same number: those a
   * Gateway server of another protocol listens on (an MQTT broker's TLS 8883, which the install's Service values
   * add). A Gateway server on a port the Service does not expose receives nothing (MESH117).
   * @default - none
   * @see https://github.com/istio/istio/blob/1.24.6/manifests/charts/gateway/values.yaml (service.ports)
   */
  readonly otherPorts?: readonly number[];
}

/** Prometheus as prometheus-operator runs it. {@link PrometheusInstall} gives kube-prometheus-stack's values. */
export interface PrometheusPlatformProps {
  /**
   * What installed Prometheus, as messages name it.
   * @default 'kube-prometheus-stack'
   */
  readonly installedBy?: string;
  /**
   * Prometheus's namespace (seeds 003 and 004).
   * @default 'observability'
   */
  readonly namespace?: string;
  /**
   * The Service in front of the Prometheus pods.
   * @default 'kube-prometheus-stack-prometheus'
   */
  readonly serviceName?: string;
  /**
   * Prometheus's pod labels.
   * @default - the labels prometheus-operator gives the pods of Prometheus `kube-prometheus-stack-prometheus`
   * @see https://github.com/prometheus-operator/prometheus-operator/blob/main/pkg/prometheus/server/statefulset.go
   */
  readonly podLabels?: PlatformLabels;
  /**
   * The selector of Prometheus's Service, by which NetworkPolicy ingress admits the scrapes.
   * @default - `{ app.kubernetes.io/name: prometheus, operator.prometheus.io/name: kube-prometheus-stack-prometheus }`;
   *   `podLabels` when only those are given
   * @see https://github.com/prometheus-community/helm-charts/blob/main/charts/kube-prometheus-stack/templates/prometheus/service.yaml
   */
  readonly serviceSelector?: PlatformLabels;
  /**
   * Prometheus's ServiceAccount.
   * @default 'kube-prometheus-stack-prometheus'
   */
  readonly serviceAccount?: string;
  /**
   * The labels Prometheus's ruleSelector, podMonitorSelector and serviceMonitorSelector
   * require: kube-prometheus-stack selects by its Helm release.
   * @default { release: 'kube-prometheus-stack' }
   * @see https://github.com/prometheus-community/helm-charts/blob/main/charts/kube-prometheus-stack/values.yaml (ruleSelectorNilUsesHelmValues)
   */
  readonly selectorLabels?: PlatformLabels;
  /**
   * Prometheus's in-cluster URL (the operator's governing Service `prometheus-operated`).
   * @default - `http://prometheus-operated.<namespace>.svc.cluster.local:9090`
   */
  readonly address?: string;
}

/**
 * The tracing collector the Telemetry resources send spans to. {@link TracingCollectorInstall}
 * gives the values of the common installs; every field not given is seed 004's Jaeger operator's.
 */
export interface TracingCollectorProps {
  /**
   * What installed the collector, as messages name it.
   * @default 'the Jaeger operator'
   */
  readonly installedBy?: string;
  /**
   * The extension provider's name in the mesh config, which Telemetry resources name.
   * @default 'jaeger'
   */
  readonly providerName?: string;
  /**
   * The collector Service's name.
   * @default 'jaeger-collector'
   */
  readonly serviceName?: string;
  /**
   * The collector's namespace.
   * @default 'observability'
   */
  readonly namespace?: string;
  /**
   * The protocol spans are sent in.
   * @default 'zipkin'
   * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#MeshConfig-ExtensionProvider
   */
  readonly protocol?: 'zipkin' | 'opentelemetry';
  /**
   * The collector Service's port for that protocol.
   * @default - 9411 for Zipkin, 4317 for OTLP/gRPC
   */
  readonly port?: number;
  /**
   * The collector pods' port the Service's `port` targets, which NetworkPolicy egress opens.
   * @default - `port`
   */
  readonly targetPort?: number;
  /**
   * The collector's pod labels.
   * @default - the Jaeger operator's labels of the collector of Jaeger `jaeger`: `app: jaeger`,
   *   `app.kubernetes.io/name: jaeger-collector`, `app.kubernetes.io/instance: jaeger`, `app.kubernetes.io/component: collector`,
   *   `app.kubernetes.io/part-of: jaeger`, `app.kubernetes.io/managed-by: jaeger-operator`
   * @see https://github.com/jaegertracing/jaeger-operator/blob/main/pkg/util/util.go (Labels)
   */
  readonly podLabels?: PlatformLabels;
  /**
   * The selector of the collector's Service, by which NetworkPolicy egress selects its pods.
   * @default - the Jaeger operator's (the same six labels); `podLabels` when only those are given
   * @see https://github.com/jaegertracing/jaeger-operator/blob/main/pkg/service/collector.go
   */
  readonly serviceSelector?: PlatformLabels;
  /**
   * The collector pods' ServiceAccount.
   * @default 'jaeger'
   */
  readonly serviceAccount?: string;
}

/** The global rate-limit service (envoyproxy/ratelimit) the ingress gateway asks. */
export interface RateLimitServiceProps {
  /**
   * The service's name.
   * @default 'ratelimit'
   */
  readonly name?: string;
  /**
   * The service's namespace.
   * @default - the namespace of the chart that uses it
   */
  readonly namespace?: string;
  /**
   * Its gRPC port.
   * @default 8081
   * @see https://github.com/envoyproxy/ratelimit#configuration
   */
  readonly grpcPort?: number;
  /**
   * The labels that select its pods (its Service's selector).
   * @default { app: 'ratelimit' }
   */
  readonly podLabels?: PlatformLabels;
}

/** Flagger, the progressive delivery operator (the `flagger` Helm chart). */
export interface FlaggerPlatformProps {
  /**
   * Flagger's namespace.
   * @default 'istio-system'
   * @see https://docs.flagger.app/install/flagger-install-on-kubernetes
   */
  readonly namespace?: string;
  /**
   * Flagger's Deployment.
   * @default 'flagger'
   */
  readonly deploymentName?: string;
  /**
   * Flagger's pod labels.
   * @default { 'app.kubernetes.io/name': 'flagger', 'app.kubernetes.io/instance': 'flagger' }
   * @see https://github.com/fluxcd/flagger/blob/main/charts/flagger/templates/deployment.yaml
   */
  readonly podLabels?: PlatformLabels;
  /**
   * Flagger's ServiceAccount.
   * @default 'flagger'
   */
  readonly serviceAccount?: string;
  /**
   * The Prometheus Flagger queries for its metric checks (its `-metrics-server` argument).
   * @default - the platform's Prometheus address
   */
  readonly prometheusAddress?: string;
}

/**
 * The cluster's API server, which jobs that run kubectl reach. A NetworkPolicy sees the
 * `kubernetes` Service's endpoints after the Service's DNAT, and the API server runs
 * outside the pod network, so only `ipBlock` peers with the endpoints' addresses admit it.
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/#what-you-can-t-do-with-network-policies-at-least-not-yet
 * @see https://kubernetes.io/docs/tasks/run-application/access-api-from-pod/#directly-accessing-the-rest-api
 */
export interface ApiServerPlatformProps {
  /**
   * The Service in-cluster clients address (`KUBERNETES_SERVICE_HOST`).
   * @default 'kubernetes'
   */
  readonly serviceName?: string;
  /**
   * The Service's namespace.
   * @default 'default'
   */
  readonly namespace?: string;
  /**
   * The addresses of the Service's endpoints (`kubectl get endpoints kubernetes`). They
   * differ per cluster, so there is none by default and a job that reaches the API server
   * must be told them (MESH663).
   * @default [] - unknown
   */
  readonly endpoints?: Cidr[];
  /**
   * The endpoints' ports.
   * @default [443, 6443] - the Service's port and kube-apiserver's usual secure port
   */
  readonly ports?: number[];
}

/**
 * One server of a Gateway the platform team applies: a port the ingress gateway's pods listen on,
 * its protocol and the hosts it serves.
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/#Server
 */
export interface PlatformGatewayServer {
  /** The server's port number (the Gateway's `port.number`). */
  readonly port: number;
  /** HTTP, or HTTPS terminated at the gateway (SIMPLE TLS). */
  readonly protocol: 'HTTP' | 'HTTPS';
  /** The hosts served (`*.example.com`, `shop.example.com`). */
  readonly hosts: string[];
  /**
   * The Secret holding an HTTPS server's certificate, in the gateway pods' namespace (the
   * platform team's: applications never read it). Required for HTTPS.
   * @default - none
   */
  readonly credentialName?: string;
  /**
   * Whether an HTTP server answers every request with a redirect to HTTPS.
   * @default false
   */
  readonly httpsRedirect?: boolean;
}

/**
 * A Gateway the platform team applies on the ingress gateway's pods, which applications bind
 * their routes to (`EdgeGateway.fromPlatform`): a shared wildcard-TLS entry whose Secret the
 * application teams cannot read, say. The library writes no such Gateway; the checks assume it.
 */
export interface PlatformGatewayProps {
  /** The Gateway's name. */
  readonly name: string;
  /**
   * The Gateway's namespace.
   * @default - the ingress gateway's namespace (`ingressGateway.namespace`)
   */
  readonly namespace?: string;
  /** Its servers. */
  readonly servers: PlatformGatewayServer[];
}

/** A platform's Gateway, resolved: its namespace and the selector of the ingress gateway's pods. */
export interface PlatformGateway {
  /** The Gateway's name. */
  readonly name: string;
  /** Its namespace. */
  readonly namespace: string;
  /** The labels of the pods that serve it (the ingress gateway's `selector`). */
  readonly selector: PlatformLabels;
  /** Its servers. */
  readonly servers: readonly PlatformGatewayServer[];
}

/**
 * An Istio egress gateway deployment: the one place a zone's calls to hosts outside the mesh leave from (fixed source
 * addresses, one policy point). {@link EgressGatewayInstall} gives the values of the two common installs; every field
 * not given is istioctl's egress gateway's.
 * @see https://istio.io/latest/docs/tasks/traffic-management/egress/egress-gateway/
 */
export interface EgressGatewayPlatformProps {
  /**
   * What installed the gateway, as messages name it.
   * @default "istioctl's egress gateway"
   */
  readonly installedBy?: string;
  /**
   * The gateway's Service (and Deployment) name.
   * @default 'istio-egressgateway'
   */
  readonly name?: string;
  /**
   * The gateway pods' namespace.
   * @default 'istio-system'
   */
  readonly namespace?: string;
  /**
   * The gateway pods' labels.
   * @default - istioctl's: `app: istio-egressgateway`, `istio: egressgateway` and the chart's other pod labels
   * @see https://github.com/istio/istio/blob/1.24.6/manifests/charts/gateways/istio-egress/templates/deployment.yaml
   */
  readonly podLabels?: PlatformLabels;
  /**
   * The selector of the gateway's Service, by which NetworkPolicy peers select the gateway pods.
   * @default - `{ app: istio-egressgateway, istio: egressgateway }`
   */
  readonly serviceSelector?: PlatformLabels;
  /**
   * The labels a Gateway's selector names, a subset of `podLabels`.
   * @default - `{ istio: egressgateway }`
   */
  readonly selector?: PlatformLabels;
  /**
   * The gateway pods' ServiceAccount: its principal is the one the provider's connections come from.
   * @default 'istio-egressgateway-service-account'
   */
  readonly serviceAccount?: string;
  /**
   * The pods' port behind the Service's HTTP port.
   * @default 8080
   */
  readonly httpPort?: number;
  /**
   * The pods' port behind the Service's HTTPS port.
   * @default 8443
   */
  readonly httpsPort?: number;
  /**
   * The gateway Service's HTTP port (`http2`), which targets `httpPort`; the Gateway servers for plain HTTP calls listen on it.
   * @default 80
   * @see https://github.com/istio/istio/blob/1.24.6/manifests/charts/gateways/istio-egress/values.yaml
   */
  readonly httpServicePort?: number;
  /**
   * The gateway Service's HTTPS port (`https`), which targets `httpsPort`; the Gateway servers for TLS calls listen on it.
   * @default 443
   */
  readonly httpsServicePort?: number;
}

/** Props for {@link MeshPlatform}. */
export interface MeshPlatformProps {
  /**
   * The mesh's trust domain, the first part of every principal.
   * @default 'cluster.local'
   */
  readonly trustDomain?: string;
  /**
   * The Kubernetes minor the cluster runs (`'1.29'`), the oldest of its API server's and its nodes' kubelets': what decides
   * whether a pod's containers may be native sidecars (init containers with `restartPolicy: Always`, on by default from
   * Kubernetes 1.29, the `SidecarContainers` feature), which an init container's declared calls need
   * (`initContainers[].calls`, MESH242), and which a MeshCronJob's or MeshJob's pods always are (MESH539 below 1.29).
   * @default - not said: what needs native sidecars declared (an init container's calls, `vault`) fails synth (MESH242),
   *   while a batch job's pods are written for a cluster that runs them (1.29 or later) and are not reported
   * @see https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/
   */
  readonly kubernetesVersion?: string;
  /** @default - a stock istiod in istio-system */
  readonly istio?: IstioPlatformProps;
  /** @default - istioctl's ingress gateway in istio-system (`IngressGatewayInstall.istioctl()`) */
  readonly ingressGateway?: IngressGatewayPlatformProps;
  /**
   * The egress gateway, through which an `ExternalService` with `egress: EgressRoute.viaGateway()` is called.
   * @default - none: calls to external hosts leave from the caller's sidecar
   */
  readonly egressGateway?: EgressGatewayPlatformProps;
  /** @default - kube-prometheus-stack in observability (`PrometheusInstall.kubePrometheusStack()`) */
  readonly prometheus?: PrometheusPlatformProps;
  /** @default - the Jaeger operator's collector of Jaeger `jaeger` in observability, Zipkin on 9411 (`TracingCollectorInstall.jaegerOperator()`) */
  readonly tracing?: TracingCollectorProps;
  /** @default - envoyproxy/ratelimit beside the services, gRPC 8081 */
  readonly rateLimit?: RateLimitServiceProps;
  /** @default - Flagger in istio-system */
  readonly flagger?: FlaggerPlatformProps;
  /**
   * Flagger's load tester, which a `FlaggerCanary`'s `loadTest` calls.
   * @default - the Flagger docs' install: `LoadTesterInstall.helmChart({ release: 'flagger-loadtester', namespace: 'test', meshed: true })`
   */
  readonly loadTester?: LoadTesterPlatformProps;
  /** @default - the `kubernetes` Service in `default`, its endpoints unknown, ports 443 and 6443 */
  readonly apiServer?: ApiServerPlatformProps;
  /** @default - kubeadm's CoreDNS behind `kube-dns` in kube-system, no NodeLocal DNSCache (`DnsInstall.kubeadmCoreDns()`) */
  readonly dns?: DnsPlatformProps;
  /**
   * The API gateway in front of the mesh, which services are routed from with `EdgeProxyRoute`.
   * @default - seed 003's Kong: the kong/kong chart as release `kong` in `kong`, meshed
   *   (`EdgeProxyInstall.kongHelmChart({ release: 'kong', namespace: 'kong', meshed: true })`)
   */
  readonly apiGateway?: EdgeProxyPlatformProps;
  /**
   * The ingress controller in front of the mesh (or of the API gateway).
   * @default - seed 003's Nginx Ingress: the ingress-nginx chart as release `ingress-nginx` in `ingress-nginx`, not meshed,
   *   sending to pods' endpoints
   *   (`EdgeProxyInstall.ingressNginxHelmChart({ release: 'ingress-nginx', namespace: 'ingress-nginx', meshed: false })`)
   */
  readonly ingressController?: EdgeProxyPlatformProps;
  /**
   * Gateways the platform team applies on the ingress gateway's pods, to which applications bind routes.
   * @default [] - none
   */
  readonly gateways?: PlatformGatewayProps[];
}

/** The resolved istiod: every field set. */
export interface PlatformIstio extends Required<Omit<IstioPlatformProps, 'revision'>> {
  readonly revision?: string;
}
/** The resolved ingress gateway. */
export type PlatformIngressGateway = Required<IngressGatewayPlatformProps>;
/** The resolved egress gateway. */
export interface PlatformEgressGateway extends Required<EgressGatewayPlatformProps> {
  /** The gateway Service's FQDN: `istio-egressgateway.istio-system.svc.cluster.local`. */
  readonly host: string;
}
/** The resolved Prometheus. */
export type PlatformPrometheus = Required<PrometheusPlatformProps>;
/** The resolved tracing collector. */
export interface PlatformTracing extends Required<TracingCollectorProps> {
  /** The collector's FQDN: `jaeger-collector.observability.svc.cluster.local`. */
  readonly host: string;
}
/** The resolved rate-limit service (its namespace may still be the chart's). */
export interface PlatformRateLimit extends Required<Omit<RateLimitServiceProps, 'namespace'>> {
  readonly namespace?: string;
}
/** The resolved Flagger. */
export type PlatformFlagger = Required<FlaggerPlatformProps>;
/** The resolved API server. */
export interface PlatformApiServer {
  readonly serviceName: string;
  readonly namespace: string;
  readonly endpoints: readonly Cidr[];
  readonly ports: readonly number[];
  /** The Service's FQDN: `kubernetes.default.svc.cluster.local`. */
  readonly host: string;
}

/** A component of the platform, as snapshots and messages name it. */
export type PlatformComponent = 'istiod' | 'ingressGateway' | 'prometheus' | 'tracing' | 'flagger' | 'rateLimit' | 'apiServer' | 'dns'
| 'apiGateway' | 'ingressController';
