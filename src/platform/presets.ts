/**
 * Presets: the values of a platform component as its usual install writes them, read from
 * the install's own source (each factory cites it). A preset is the component's props, every
 * field set, so `MeshPlatform.of({ ingressGateway: IngressGatewayInstall.helmChart({...}) })`
 * takes it as it is and `{ ...preset, serviceAccount: 'x' }` overrides one field.
 */
import { Codes } from '../core/codes';
import { MeshError } from '../core/errors';
import { dns1123LabelProblem } from '../core/names';
import type {
  EgressGatewayPlatformProps, IngressGatewayPlatformProps, PlatformLabels, PrometheusPlatformProps, TracingCollectorProps,
} from './platform-props';

/** Options for {@link IngressGatewayInstall.istioctl}. */
export interface IstioctlIngressGatewayOptions {
  /**
   * The gateway's namespace.
   * @default 'istio-system'
   */
  readonly namespace?: string;
  /**
   * The gateway's name (`components.ingressGateways[].name` of the IstioOperator).
   * @default 'istio-ingressgateway'
   */
  readonly name?: string;
  /**
   * Its `app` and `istio` labels (`components.ingressGateways[].label`).
   * @default { app: 'istio-ingressgateway', istio: 'ingressgateway' }
   */
  readonly labels?: PlatformLabels;
}

/** Options for {@link IngressGatewayInstall.helmChart}. */
export interface HelmChartInstallOptions {
  /** The Helm release's name (`helm install <release> ...`). */
  readonly release: string;
  /** The release's namespace (`-n <namespace>`). */
  readonly namespace: string;
}

/**
 * How the ingress gateway was installed, as its props: its Service, pod labels,
 * ServiceAccount and ports. Every field of {@link IngressGatewayPlatformProps} is set.
 */
export class IngressGatewayInstall implements Required<IngressGatewayPlatformProps> {
  /**
   * The gateway `istioctl install` (or the IstioOperator) creates, the seeds' default:
   * Deployment and Service `istio-ingressgateway`, pods labelled `app: istio-ingressgateway`,
   * `istio: ingressgateway`, ServiceAccount `<name>-service-account`, the Service's 80 and 443
   * targeting the pods' 8080 and 8443 (the pods run as user 1337 and cannot bind ports under 1024).
   * @see https://github.com/istio/istio/blob/1.24.6/manifests/charts/gateways/istio-ingress/values.yaml
   * @see https://github.com/istio/istio/blob/1.24.6/manifests/charts/gateways/istio-ingress/templates/deployment.yaml
   * @see https://github.com/istio/istio/blob/1.24.6/manifests/charts/gateways/istio-ingress/templates/serviceaccount.yaml
   */
  public static istioctl(options: IstioctlIngressGatewayOptions = {}): IngressGatewayInstall {
    const name = checkedName('IngressGatewayInstall.istioctl', 'name', options.name ?? 'istio-ingressgateway');
    const namespace = checkedName('IngressGatewayInstall.istioctl', 'namespace', options.namespace ?? 'istio-system');
    const labels = { ...(options.labels ?? { app: 'istio-ingressgateway', istio: 'ingressgateway' }) };
    return new IngressGatewayInstall({ ...istioctlGateway("istioctl's gateway", 'IngressGateways', name, namespace, labels), otherPorts: [] });
  }

  /**
   * A gateway installed with the `istio/gateway` Helm chart (`helm install <release> istio/gateway
   * -n <namespace>`): Deployment, Service and ServiceAccount named after the release, pods labelled
   * `app: <release>` and `istio: <release without its istio- prefix>` (`_helpers.tpl`, gateway.name,
   * gateway.selectorLabels, gateway.serviceAccountName), the Service's 80 and 443 targeting the
   * pods' own 80 and 443, which the chart lets an unprivileged Envoy bind with the pod sysctl
   * `net.ipv4.ip_unprivileged_port_start: "0"` (its default securityContext).
   * @see https://github.com/istio/istio/blob/1.24.6/manifests/charts/gateway/templates/_helpers.tpl
   * @see https://github.com/istio/istio/blob/1.24.6/manifests/charts/gateway/values.yaml
   * @see https://github.com/istio/istio/blob/1.24.6/manifests/charts/gateway/templates/deployment.yaml
   */
  public static helmChart(options: HelmChartInstallOptions): IngressGatewayInstall {
    const name = checkedName('IngressGatewayInstall.helmChart', 'release', options.release);
    const namespace = checkedName('IngressGatewayInstall.helmChart', 'namespace', options.namespace);
    return new IngressGatewayInstall({ ...helmChartGateway(name, namespace), otherPorts: [] });
  }

  /** What installed the component, as messages name it. */
  public readonly installedBy: string;
  /** The gateway's Service (and Deployment) name. */
  public readonly name: string;
  /** The component's namespace. */
  public readonly namespace: string;
  /** The pods' labels (those the install writes whatever its version). */
  public readonly podLabels: PlatformLabels;
  /** The selector of the component's Service, by which NetworkPolicy peers select its pods. */
  public readonly serviceSelector: PlatformLabels;
  /** The labels a Gateway's selector names. */
  public readonly selector: PlatformLabels;
  /** The pods' ServiceAccount. */
  public readonly serviceAccount: string;
  /** The pods' HTTP port. */
  public readonly httpPort: number;
  /** The pods' HTTPS port. */
  public readonly httpsPort: number;
  /** The Service's HTTP port. */
  public readonly httpServicePort: number;
  /** The Service's HTTPS port. */
  public readonly httpsServicePort: number;
  /** The Service's other ports, each targeting the pods' port of its number. */
  public readonly otherPorts: readonly number[];

  private constructor(p: Required<IngressGatewayPlatformProps>) {
    this.installedBy = p.installedBy;
    this.name = p.name;
    this.namespace = p.namespace;
    this.podLabels = p.podLabels;
    this.serviceSelector = p.serviceSelector;
    this.selector = p.selector;
    this.serviceAccount = p.serviceAccount;
    this.httpPort = p.httpPort;
    this.httpsPort = p.httpsPort;
    this.httpServicePort = p.httpServicePort;
    this.httpsServicePort = p.httpsServicePort;
    this.otherPorts = Object.freeze([...p.otherPorts]);
  }
}

/**
 * The props of a gateway istioctl (or the IstioOperator) installs from Istio's `gateways/istio-ingress` or
 * `gateways/istio-egress` chart: the pod template's labels that depend on neither the Istio version nor istioctl's owner,
 * the Service's `selector: $gateway.labels`, ServiceAccount `<name>-service-account`, the Service's 80 and 443 targeting
 * the pods' 8080 and 8443 (the pods run as user 1337 and cannot bind ports under 1024).
 * @see https://github.com/istio/istio/blob/1.24.6/manifests/charts/gateways/istio-ingress/templates/deployment.yaml
 * @see https://github.com/istio/istio/blob/1.24.6/manifests/charts/gateways/istio-egress/templates/deployment.yaml
 */
function istioctlGateway(
  installedBy: string, component: 'IngressGateways' | 'EgressGateways', name: string, namespace: string, labels: PlatformLabels,
): Required<EgressGatewayPlatformProps> {
  return {
    installedBy,
    name,
    namespace,
    podLabels: {
      ...labels,
      'service.istio.io/canonical-name': name,
      'service.istio.io/canonical-revision': 'latest',
      'istio.io/rev': 'default',
      'operator.istio.io/component': component,
      'sidecar.istio.io/inject': 'false',
      'app.kubernetes.io/name': component === 'IngressGateways' ? 'istio-ingressgateway' : 'istio-egressgateway',
      'app.kubernetes.io/part-of': 'istio',
    },
    serviceSelector: labels,
    selector: labels.istio !== undefined ? { istio: labels.istio } : labels,
    serviceAccount: `${name}-service-account`,
    httpPort: 8080,
    httpsPort: 8443,
    httpServicePort: 80,
    httpsServicePort: 443,
  };
}

/**
 * The props of a gateway the `istio/gateway` Helm chart installs as release `name`: Deployment, Service and
 * ServiceAccount named after the release, pods labelled `app: <release>` and `istio: <release without its istio-
 * prefix>` (`_helpers.tpl`, gateway.name, gateway.selectorLabels, gateway.serviceAccountName), the Service's 80 and 443
 * targeting the pods' own 80 and 443 (the chart's pod sysctl `net.ipv4.ip_unprivileged_port_start: "0"`).
 * @see https://github.com/istio/istio/blob/1.24.6/manifests/charts/gateway/templates/_helpers.tpl
 */
function helmChartGateway(name: string, namespace: string): Required<EgressGatewayPlatformProps> {
  const selector = { app: name, istio: name.startsWith('istio-') ? name.slice('istio-'.length) : name };
  return {
    installedBy: `the istio/gateway Helm chart, release ${name}`,
    name,
    namespace,
    podLabels: {
      'sidecar.istio.io/inject': 'true',
      ...selector,
      'app.kubernetes.io/name': name,
      'app.kubernetes.io/managed-by': 'Helm',
      'app.kubernetes.io/instance': name,
      'app.kubernetes.io/part-of': 'istio',
    },
    serviceSelector: selector,
    selector: { istio: selector.istio },
    serviceAccount: name,
    httpPort: 80,
    httpsPort: 443,
    httpServicePort: 80,
    httpsServicePort: 443,
  };
}

/** Options for {@link EgressGatewayInstall.istioctl}. */
export interface IstioctlEgressGatewayOptions {
  /**
   * The gateway's namespace.
   * @default 'istio-system'
   */
  readonly namespace?: string;
  /**
   * The gateway's name (`components.egressGateways[].name` of the IstioOperator).
   * @default 'istio-egressgateway'
   */
  readonly name?: string;
  /**
   * Its `app` and `istio` labels (`components.egressGateways[].label`).
   * @default { app: 'istio-egressgateway', istio: 'egressgateway' }
   */
  readonly labels?: PlatformLabels;
}

/**
 * How the egress gateway was installed, as its props: its Service, pod labels, ServiceAccount and ports. Every field of
 * {@link EgressGatewayPlatformProps} is set. `MeshPlatform.of({ egressGateway: EgressGatewayInstall.istioctl() })`.
 */
export class EgressGatewayInstall implements Required<EgressGatewayPlatformProps> {
  /**
   * The egress gateway of istioctl's `demo` profile (or `components.egressGateways` of an IstioOperator): Deployment and
   * Service `istio-egressgateway` in `istio-system`, pods labelled `app: istio-egressgateway`, `istio: egressgateway`,
   * ServiceAccount `<name>-service-account`, the Service's 80 (`http2`) and 443 (`https`) targeting the pods' 8080 and 8443.
   * @see https://github.com/istio/istio/blob/1.24.6/manifests/charts/gateways/istio-egress/values.yaml
   * @see https://github.com/istio/istio/blob/1.24.6/manifests/charts/gateways/istio-egress/templates/deployment.yaml
   * @see https://github.com/istio/istio/blob/1.24.6/manifests/charts/gateways/istio-egress/templates/serviceaccount.yaml
   * @see https://github.com/istio/istio/blob/1.24.6/manifests/profiles/demo.yaml
   */
  public static istioctl(options: IstioctlEgressGatewayOptions = {}): EgressGatewayInstall {
    const name = checkedName('EgressGatewayInstall.istioctl', 'name', options.name ?? 'istio-egressgateway');
    const namespace = checkedName('EgressGatewayInstall.istioctl', 'namespace', options.namespace ?? 'istio-system');
    const labels = { ...(options.labels ?? { app: 'istio-egressgateway', istio: 'egressgateway' }) };
    return new EgressGatewayInstall(istioctlGateway("istioctl's egress gateway", 'EgressGateways', name, namespace, labels));
  }

  /**
   * An egress gateway installed with the `istio/gateway` Helm chart (`helm install <release> istio/gateway -n <namespace>
   * --set service.type=ClusterIP`): Deployment, Service and ServiceAccount named after the release, pods labelled
   * `app: <release>` and `istio: <release without its istio- prefix>`, the Service's 80 and 443 targeting the pods' own 80 and 443.
   * @see https://github.com/istio/istio/blob/1.24.6/manifests/charts/gateway/templates/_helpers.tpl
   * @see https://github.com/istio/istio/blob/1.24.6/manifests/charts/gateway/values.yaml
   */
  public static helmChart(options: HelmChartInstallOptions): EgressGatewayInstall {
    const name = checkedName('EgressGatewayInstall.helmChart', 'release', options.release);
    const namespace = checkedName('EgressGatewayInstall.helmChart', 'namespace', options.namespace);
    return new EgressGatewayInstall(helmChartGateway(name, namespace));
  }

  /** What installed the component, as messages name it. */
  public readonly installedBy: string;
  /** The gateway's Service (and Deployment) name. */
  public readonly name: string;
  /** The component's namespace. */
  public readonly namespace: string;
  /** The pods' labels. */
  public readonly podLabels: PlatformLabels;
  /** The selector of the gateway's Service. */
  public readonly serviceSelector: PlatformLabels;
  /** The labels a Gateway's selector names. */
  public readonly selector: PlatformLabels;
  /** The pods' ServiceAccount. */
  public readonly serviceAccount: string;
  /** The pods' HTTP port. */
  public readonly httpPort: number;
  /** The pods' HTTPS port. */
  public readonly httpsPort: number;
  /** The Service's HTTP port. */
  public readonly httpServicePort: number;
  /** The Service's HTTPS port. */
  public readonly httpsServicePort: number;

  private constructor(p: Required<EgressGatewayPlatformProps>) {
    this.installedBy = p.installedBy;
    this.name = p.name;
    this.namespace = p.namespace;
    this.podLabels = p.podLabels;
    this.serviceSelector = p.serviceSelector;
    this.selector = p.selector;
    this.serviceAccount = p.serviceAccount;
    this.httpPort = p.httpPort;
    this.httpsPort = p.httpsPort;
    this.httpServicePort = p.httpServicePort;
    this.httpsServicePort = p.httpsServicePort;
  }
}

/** The protocol a collector receives spans in, and the provider's name in the mesh config. */
export interface CollectorProtocolOptions {
  /**
   * The protocol the proxies send spans in.
   * @default - 'zipkin' for Jaeger (seed 000's provider), 'opentelemetry' for an OpenTelemetry collector
   */
  readonly protocol?: 'zipkin' | 'opentelemetry';
  /**
   * The extension provider's name in the mesh config.
   * @default - 'jaeger' for Jaeger, 'otel-tracing' for an OpenTelemetry collector
   */
  readonly providerName?: string;
}

/**
 * The deployment strategy the Jaeger operator runs a `Jaeger` resource with (`spec.strategy`, after
 * the operator's normalization): `production` and `streaming` run a separate collector Deployment
 * `<name>-collector`, `allInOne` one Deployment `<name>`. The operator runs `allInOne` for a
 * `Jaeger` without a strategy (or with an unknown one), and whatever the strategy for one whose
 * storage is `memory` or `badger` (the default storage is `memory`).
 * @see https://github.com/jaegertracing/jaeger-operator/blob/main/pkg/strategy/controller.go (normalize, distributedStorage)
 */
export type JaegerStrategy = 'production' | 'streaming' | 'allInOne';

/** Options for {@link TracingCollectorInstall.jaegerOperator}. */
export interface JaegerOperatorOptions extends CollectorProtocolOptions {
  /**
   * The `Jaeger` resource's name.
   * @default 'jaeger'
   */
  readonly name?: string;
  /**
   * Its namespace.
   * @default 'observability'
   */
  readonly namespace?: string;
  /**
   * The strategy the operator runs it with, which decides the labels of the pods the
   * `<name>-collector` Service selects: `production` and `streaming`, the collector's
   * (`app.kubernetes.io/name: <name>-collector`, `app.kubernetes.io/component: collector`);
   * `allInOne`, the all-in-one pod's (`app.kubernetes.io/name: <name>`, `app.kubernetes.io/component: all-in-one`).
   * A `Jaeger` without `strategy`, or with `memory` or `badger` storage, runs `allInOne`.
   * @default 'production' (seed 004's `Jaeger`: strategy production, Elasticsearch storage)
   * @see https://github.com/jaegertracing/jaeger-operator/blob/main/pkg/strategy/controller.go
   */
  readonly strategy?: JaegerStrategy;
}

/** Options for {@link TracingCollectorInstall.jaegerHelmChart} and {@link TracingCollectorInstall.openTelemetryCollector}. */
export interface CollectorHelmChartOptions extends HelmChartInstallOptions, CollectorProtocolOptions {}

/**
 * How the tracing collector was installed, as its props: its Service, pod labels,
 * ServiceAccount and the port of the protocol the proxies send spans in.
 */
export class TracingCollectorInstall implements Required<TracingCollectorProps> {
  /**
   * The collector the Jaeger operator creates for a `Jaeger` resource (seed 004: name `jaeger`,
   * strategy production, in `observability`; the default): Service `<name>-collector`
   * (pkg/service/collector.go NewCollectorServices) whose selector is the pods' six labels
   * (pkg/util/util.go Labels): with the `production` or `streaming` strategy those of Deployment
   * `<name>-collector`, named `<name>-collector` with component `collector`
   * (pkg/deployment/collector.go labels), with `allInOne` those of Deployment `<name>`, named
   * `<name>` with component `all-in-one` (pkg/deployment/all_in_one.go labels, Services);
   * ServiceAccount `<name>` (pkg/account/main.go JaegerServiceAccountFor), Zipkin on 9411 and
   * OTLP/gRPC on 4317.
   * @see https://github.com/jaegertracing/jaeger-operator/blob/main/pkg/util/util.go
   * @see https://github.com/jaegertracing/jaeger-operator/blob/main/pkg/service/collector.go
   * @see https://github.com/jaegertracing/jaeger-operator/blob/main/pkg/deployment/all_in_one.go
   */
  public static jaegerOperator(options: JaegerOperatorOptions = {}): TracingCollectorInstall {
    const where = 'TracingCollectorInstall.jaegerOperator';
    const name = checkedName(where, 'name', options.name ?? 'jaeger');
    const namespace = checkedName(where, 'namespace', options.namespace ?? 'observability');
    const serviceName = checkedName(where, 'name', `${name}-collector`);
    const strategy = options.strategy ?? 'production';
    const allInOne = strategy === 'allInOne';
    const labels = {
      'app': 'jaeger',
      'app.kubernetes.io/name': allInOne ? name : serviceName,
      'app.kubernetes.io/instance': name,
      'app.kubernetes.io/component': allInOne ? 'all-in-one' : 'collector',
      'app.kubernetes.io/part-of': 'jaeger',
      'app.kubernetes.io/managed-by': 'jaeger-operator',
    };
    return TracingCollectorInstall.make(where, options, 'zipkin', 'jaeger', {
      installedBy: `the Jaeger operator, Jaeger ${name}${allInOne ? ' (allInOne)' : ''}`, serviceName, namespace,
      podLabels: labels, serviceSelector: labels, serviceAccount: name,
    });
  }

  /**
   * Jaeger installed with the `jaegertracing/jaeger` Helm chart (4.x, Jaeger v2 since the chart's
   * move to it in December 2025): one Deployment and Service named `<release>` (or
   * `<release>-jaeger` when the release's name lacks `jaeger`), selected by
   * `app.kubernetes.io/name: jaeger`, `app.kubernetes.io/instance: <release>`,
   * `app.kubernetes.io/component: all-in-one`, ServiceAccount the same name, Zipkin on 9411 and
   * OTLP/gRPC on 4317. The 3.x chart's separate collector is described with props or read from a snapshot.
   * @see https://github.com/jaegertracing/helm-charts/blob/main/charts/jaeger/templates/_helpers.tpl
   * @see https://github.com/jaegertracing/helm-charts/blob/main/charts/jaeger/templates/jaeger/jaeger-service.yaml
   */
  public static jaegerHelmChart(options: CollectorHelmChartOptions): TracingCollectorInstall {
    const where = 'TracingCollectorInstall.jaegerHelmChart';
    const release = checkedName(where, 'release', options.release);
    const namespace = checkedName(where, 'namespace', options.namespace);
    const fullname = helmFullname(release, 'jaeger', 63);
    const selector = { 'app.kubernetes.io/name': 'jaeger', 'app.kubernetes.io/instance': release, 'app.kubernetes.io/component': 'all-in-one' };
    return TracingCollectorInstall.make(where, options, 'zipkin', 'jaeger', {
      installedBy: `the jaegertracing/jaeger Helm chart, release ${release}`, serviceName: fullname, namespace,
      podLabels: selector, serviceSelector: selector, serviceAccount: fullname,
    });
  }

  /**
   * Istio's Jaeger addon (`kubectl apply -f samples/addons/jaeger.yaml`, seed 002): Deployment
   * `jaeger` in istio-system, pods labelled `app: jaeger` under the namespace's `default`
   * ServiceAccount, Zipkin on Service `zipkin` (9411, the address Istio's Zipkin default names)
   * and OTLP/gRPC on Service `jaeger-collector` (4317), both selecting `app: jaeger`.
   * @see https://github.com/istio/istio/blob/1.24.6/samples/addons/jaeger.yaml
   */
  public static istioJaegerAddon(options: CollectorProtocolOptions = {}): TracingCollectorInstall {
    const otlp = (options.protocol ?? 'zipkin') === 'opentelemetry';
    return TracingCollectorInstall.make('TracingCollectorInstall.istioJaegerAddon', options, 'zipkin', 'jaeger', {
      installedBy: "Istio's Jaeger addon", serviceName: otlp ? 'jaeger-collector' : 'zipkin', namespace: 'istio-system',
      podLabels: { 'app': 'jaeger', 'sidecar.istio.io/inject': 'false' }, serviceSelector: { app: 'jaeger' }, serviceAccount: 'default',
    });
  }

  /**
   * An OpenTelemetry collector installed with the `open-telemetry/opentelemetry-collector` Helm
   * chart in `mode: deployment`: Deployment, Service and ServiceAccount named `<release>` (or
   * `<release>-opentelemetry-collector` when the release's name lacks it), selected by
   * `app.kubernetes.io/name: opentelemetry-collector`, `app.kubernetes.io/instance: <release>`,
   * `component: standalone-collector`; OTLP/gRPC on 4317 (the chart's `otlp` port), or Zipkin on 9411.
   * @see https://github.com/open-telemetry/opentelemetry-helm-charts/blob/main/charts/opentelemetry-collector/templates/_helpers.tpl
   * @see https://github.com/open-telemetry/opentelemetry-helm-charts/blob/main/charts/opentelemetry-collector/values.yaml (ports)
   */
  public static openTelemetryCollector(options: CollectorHelmChartOptions): TracingCollectorInstall {
    const where = 'TracingCollectorInstall.openTelemetryCollector';
    const release = checkedName(where, 'release', options.release);
    const namespace = checkedName(where, 'namespace', options.namespace);
    const fullname = helmFullname(release, 'opentelemetry-collector', 63);
    const selector = {
      'app.kubernetes.io/name': 'opentelemetry-collector', 'app.kubernetes.io/instance': release, 'component': 'standalone-collector',
    };
    return TracingCollectorInstall.make(where, options, 'opentelemetry', 'otel-tracing', {
      installedBy: `the opentelemetry-collector Helm chart, release ${release}`, serviceName: fullname, namespace,
      podLabels: selector, serviceSelector: selector, serviceAccount: fullname,
    });
  }

  /** What installed the component, as messages name it. */
  public readonly installedBy: string;
  /** The extension provider's name in the mesh config. */
  public readonly providerName: string;
  /** The Service's name. */
  public readonly serviceName: string;
  /** The component's namespace. */
  public readonly namespace: string;
  /** The protocol the proxies send spans in. */
  public readonly protocol: 'zipkin' | 'opentelemetry';
  /** The Service's port for that protocol. */
  public readonly port: number;
  /** The pods' port the Service's port targets. */
  public readonly targetPort: number;
  /** The pods' labels (those the install writes whatever its version). */
  public readonly podLabels: PlatformLabels;
  /** The selector of the component's Service, by which NetworkPolicy peers select its pods. */
  public readonly serviceSelector: PlatformLabels;
  /** The pods' ServiceAccount. */
  public readonly serviceAccount: string;

  private constructor(p: Required<TracingCollectorProps>) {
    this.installedBy = p.installedBy;
    this.providerName = p.providerName;
    this.serviceName = p.serviceName;
    this.namespace = p.namespace;
    this.protocol = p.protocol;
    this.port = p.port;
    this.targetPort = p.targetPort;
    this.podLabels = p.podLabels;
    this.serviceSelector = p.serviceSelector;
    this.serviceAccount = p.serviceAccount;
  }

  /** A collector preset with its protocol's port and provider name. */
  private static make(
    where: string, options: CollectorProtocolOptions, defaultProtocol: 'zipkin' | 'opentelemetry', defaultProvider: string,
    p: Omit<Required<TracingCollectorProps>, 'protocol' | 'port' | 'targetPort' | 'providerName'>,
  ): TracingCollectorInstall {
    const protocol = options.protocol ?? defaultProtocol;
    // Zipkin's API on 9411 and OTLP/gRPC on 4317, the same port on the Service and the pods in each of these installs.
    const port = protocol === 'opentelemetry' ? 4317 : 9411;
    const providerName = checkedName(where, 'providerName', options.providerName ?? defaultProvider);
    return new TracingCollectorInstall({ ...p, protocol, port, targetPort: port, providerName });
  }
}

/** Options for {@link PrometheusInstall.kubePrometheusStack}. */
export interface KubePrometheusStackOptions {
  /**
   * The Helm release's name.
   * @default 'kube-prometheus-stack'
   */
  readonly release?: string;
  /**
   * The release's namespace.
   * @default 'observability'
   */
  readonly namespace?: string;
}

/** How Prometheus was installed, as its props. */
export class PrometheusInstall implements Required<PrometheusPlatformProps> {
  /**
   * Prometheus from the `prometheus-community/kube-prometheus-stack` Helm chart (the seeds'
   * default): Prometheus resource, Service and ServiceAccount `<fullname>-prometheus`
   * (`_helpers.tpl`: fullname is the release, or `<release>-kube-prometheus-stack`, cut to 26
   * characters), the Service selecting `app.kubernetes.io/name: prometheus` and
   * `operator.prometheus.io/name: <fullname>-prometheus`, the pods labelled by
   * prometheus-operator (pkg/prometheus/server/statefulset.go), and rule, pod and service
   * monitors selected by `release: <release>` (`*SelectorNilUsesHelmValues`).
   * @see https://github.com/prometheus-community/helm-charts/blob/main/charts/kube-prometheus-stack/templates/_helpers.tpl
   * @see https://github.com/prometheus-community/helm-charts/blob/main/charts/kube-prometheus-stack/templates/prometheus/service.yaml
   * @see https://github.com/prometheus-operator/prometheus-operator/blob/main/pkg/prometheus/server/statefulset_test.go (expectedPodLabels)
   */
  public static kubePrometheusStack(options: KubePrometheusStackOptions = {}): PrometheusInstall {
    const where = 'PrometheusInstall.kubePrometheusStack';
    const release = checkedName(where, 'release', options.release ?? 'kube-prometheus-stack');
    const namespace = checkedName(where, 'namespace', options.namespace ?? 'observability');
    const crname = `${helmFullname(release, 'kube-prometheus-stack', 26)}-prometheus`;
    return new PrometheusInstall({
      installedBy: `kube-prometheus-stack, release ${release}`,
      namespace,
      serviceName: crname,
      podLabels: {
        'app.kubernetes.io/name': 'prometheus',
        'app.kubernetes.io/instance': crname,
        'app.kubernetes.io/managed-by': 'prometheus-operator',
        'operator.prometheus.io/name': crname,
        'operator.prometheus.io/shard': '0',
        'prometheus': crname,
      },
      serviceSelector: { 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': crname },
      serviceAccount: crname,
      selectorLabels: { release },
      // prometheus-operator creates the governing Service `prometheus-operated` for every Prometheus.
      address: `http://prometheus-operated.${namespace}.svc.cluster.local:9090`,
    });
  }

  /** What installed the component, as messages name it. */
  public readonly installedBy: string;
  /** The component's namespace. */
  public readonly namespace: string;
  /** The Service's name. */
  public readonly serviceName: string;
  /** The pods' labels (those the install writes whatever its version). */
  public readonly podLabels: PlatformLabels;
  /** The selector of the component's Service, by which NetworkPolicy peers select its pods. */
  public readonly serviceSelector: PlatformLabels;
  /** The pods' ServiceAccount. */
  public readonly serviceAccount: string;
  /** The labels Prometheus's rule, pod monitor and service monitor selectors require. */
  public readonly selectorLabels: PlatformLabels;
  /** Prometheus's in-cluster URL. */
  public readonly address: string;

  private constructor(p: Required<PrometheusPlatformProps>) {
    this.installedBy = p.installedBy;
    this.namespace = p.namespace;
    this.serviceName = p.serviceName;
    this.podLabels = p.podLabels;
    this.serviceSelector = p.serviceSelector;
    this.serviceAccount = p.serviceAccount;
    this.selectorLabels = p.selectorLabels;
    this.address = p.address;
  }
}

/**
 * A Helm chart's `fullname` helper as these charts write it (jaeger, opentelemetry-collector,
 * kube-prometheus-stack `_helpers.tpl`): the release's name when it contains the chart's, else
 * `<release>-<chart>`, cut to `max` characters without a trailing `-`.
 * @internal
 */
export function helmFullname(release: string, chart: string, max: number): string {
  const full = release.includes(chart) ? release : `${release}-${chart}`;
  return full.slice(0, max).replace(/-+$/, '');
}

/**
 * `value` if it is a DNS-1123 label; throws MESH001 naming the preset and the option otherwise.
 * @internal
 */
export function checkedName(where: string, field: string, value: string): string {
  const problem = dns1123LabelProblem(value);
  if (problem) throw new MeshError(Codes.INVALID_NAME, `${where}: ${field}: ${problem}`);
  return value;
}
