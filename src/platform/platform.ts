import { Cidr } from '../core/cidr';
import { Codes } from '../core/codes';
import { MeshError } from '../core/errors';
import { dns1123LabelProblem } from '../core/names';
import { Principal } from '../core/principal';
import type { FlowWorkload } from '../validate/flow/flow';

/**
 * The shared components a mesh's output runs on but does not own: istiod and the root
 * namespace, the ingress gateway, Prometheus, the tracing collector, the global
 * rate-limit service, Flagger. Typed data with the defaults of a stock install and of
 * the seeds; every derived object (NetworkPolicy peers, Sidecar hosts, principals,
 * selector labels, addresses) takes its values from here.
 */

/** Istio's control plane. */
export interface IstioPlatformProps {
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
   * The Istio release installed (its Helm charts' version): `helm upgrade` commands the library
   * writes pin `--version` to it, so applying a values change never upgrades Istio as well.
   * @default '1.24.6'
   * @see https://istio.io/latest/docs/setup/install/helm/
   */
  readonly release?: string;
  /**
   * The control plane's revision (`istio.io/rev`); none for the default revision.
   * @default - the default revision
   * @see https://istio.io/latest/docs/setup/upgrade/canary/
   */
  readonly revision?: string;
  /**
   * istiod's pod labels.
   * @default { app: 'istiod' }
   */
  readonly istiodLabels?: Readonly<Record<string, string>>;
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
}

/** An Istio ingress gateway deployment (the `istio/gateway` chart's defaults). */
export interface IngressGatewayPlatformProps {
  /**
   * The gateway's name, for messages.
   * @default 'istio-ingressgateway'
   */
  readonly name?: string;
  /**
   * The gateway pods' namespace.
   * @default 'istio-system'
   */
  readonly namespace?: string;
  /**
   * The gateway pods' labels; a Gateway's selector is these.
   * @default { istio: 'ingressgateway', app: 'istio-ingressgateway' }
   * @see https://github.com/istio/istio/blob/master/manifests/charts/gateways/istio-ingress/values.yaml
   */
  readonly podLabels?: Readonly<Record<string, string>>;
  /**
   * The labels a Gateway's selector names, a subset of `podLabels`.
   * @default { istio: 'ingressgateway' }
   * @see https://istio.io/latest/docs/reference/config/networking/gateway/#Gateway
   */
  readonly selector?: Readonly<Record<string, string>>;
  /**
   * The gateway pods' ServiceAccount: its principal is what AuthorizationPolicies admit.
   * @default 'istio-ingressgateway-service-account'
   */
  readonly serviceAccount?: string;
  /**
   * The pods' HTTP port (the Service's 80 targets it; Gateway servers name the Service port).
   * @default 8080
   */
  readonly httpPort?: number;
  /**
   * The pods' HTTPS port (the Service's 443 targets it).
   * @default 8443
   */
  readonly httpsPort?: number;
  /**
   * The gateway Service's HTTP port, which targets `httpPort`. A Gateway server may name
   * either; istioctl analyze checks a server port against both (IST0162).
   * @default 80
   * @see https://github.com/istio/istio/blob/master/manifests/charts/gateways/istio-ingress/values.yaml (ports: http2 80 -> 8080)
   */
  readonly httpServicePort?: number;
  /**
   * The gateway Service's HTTPS port, which targets `httpsPort`.
   * @default 443
   * @see https://github.com/istio/istio/blob/master/manifests/charts/gateways/istio-ingress/values.yaml (ports: https 443 -> 8443)
   */
  readonly httpsServicePort?: number;
}

/** Prometheus as kube-prometheus-stack installs it. */
export interface PrometheusPlatformProps {
  /**
   * Prometheus's namespace (seeds 003 and 004).
   * @default 'observability'
   */
  readonly namespace?: string;
  /**
   * Prometheus's pod labels, which NetworkPolicy ingress admits.
   * @default { 'app.kubernetes.io/name': 'prometheus' }
   * @see https://github.com/prometheus-operator/prometheus-operator/blob/main/pkg/prometheus/statefulset.go
   */
  readonly podLabels?: Readonly<Record<string, string>>;
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
  readonly selectorLabels?: Readonly<Record<string, string>>;
  /**
   * Prometheus's in-cluster URL (the operator's governing Service `prometheus-operated`).
   * @default - `http://prometheus-operated.<namespace>.svc.cluster.local:9090`
   */
  readonly address?: string;
}

/** The tracing collector the Telemetry resources send spans to. */
export interface TracingCollectorProps {
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
   * The collector's port for that protocol.
   * @default - 9411 for Zipkin, 4317 for OTLP/gRPC
   */
  readonly port?: number;
  /**
   * The collector's pod labels (the Jaeger chart's collector).
   * @default { 'app.kubernetes.io/name': 'jaeger', 'app.kubernetes.io/component': 'collector' }
   */
  readonly podLabels?: Readonly<Record<string, string>>;
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
   * Its pod labels.
   * @default { app: 'ratelimit' }
   */
  readonly podLabels?: Readonly<Record<string, string>>;
}

/** Flagger, the progressive delivery operator. */
export interface FlaggerPlatformProps {
  /**
   * Flagger's namespace.
   * @default 'istio-system'
   * @see https://docs.flagger.app/install/flagger-install-on-kubernetes
   */
  readonly namespace?: string;
  /**
   * The Prometheus Flagger queries for its metric checks.
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

/** Props for {@link MeshPlatform}. */
export interface MeshPlatformProps {
  /**
   * The mesh's trust domain, the first part of every principal.
   * @default 'cluster.local'
   */
  readonly trustDomain?: string;
  /** @default - a stock istiod in istio-system */
  readonly istio?: IstioPlatformProps;
  /** @default - the `istio/gateway` chart's ingress gateway in istio-system */
  readonly ingressGateway?: IngressGatewayPlatformProps;
  /** @default - kube-prometheus-stack in observability */
  readonly prometheus?: PrometheusPlatformProps;
  /** @default - Jaeger's collector in observability, Zipkin on 9411 (seed 000) */
  readonly tracing?: TracingCollectorProps;
  /** @default - envoyproxy/ratelimit beside the services, gRPC 8081 */
  readonly rateLimit?: RateLimitServiceProps;
  /** @default - Flagger in istio-system */
  readonly flagger?: FlaggerPlatformProps;
  /** @default - the `kubernetes` Service in `default`, its endpoints unknown, ports 443 and 6443 */
  readonly apiServer?: ApiServerPlatformProps;
}

/** A resolved platform component: every field set. */
export interface PlatformIstio {
  readonly release: string;
  readonly rootNamespace: string;
  readonly controlPlaneNamespace: string;
  readonly revision?: string;
  readonly istiodLabels: Readonly<Record<string, string>>;
  readonly xdsPort: number;
  readonly webhookPort: number;
}
/** The resolved ingress gateway. */
export type PlatformIngressGateway = Required<IngressGatewayPlatformProps>;
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

/** The Envoy port Prometheus scrapes for the proxy's own statistics (`/stats/prometheus`). */
export const ENVOY_PROMETHEUS_PORT = 15090;
/** The pilot-agent's merged metrics port (application and proxy, `/stats/prometheus`). */
export const MERGED_METRICS_PORT = 15020;

/**
 * The platform a mesh runs on. `MeshPlatform.default()` is a stock install matching the
 * seeds; `MeshPlatform.of({...})` overrides any part. Immutable.
 *
 * @see https://istio.io/latest/docs/ops/deployment/application-requirements/#ports-used-by-istio
 */
export class MeshPlatform {
  /** A stock Istio 1.24, kube-prometheus-stack and Jaeger install, as the seeds describe. */
  public static default(): MeshPlatform {
    return (MeshPlatform._default ??= new MeshPlatform({}));
  }

  private static _default?: MeshPlatform;

  /** The platform with `props` overriding the defaults; throws a {@link MeshError} on a bad name or port. */
  public static of(props: MeshPlatformProps = {}): MeshPlatform {
    return new MeshPlatform(props);
  }

  /** The trust domain. */
  public readonly trustDomain: string;
  /** istiod and the root namespace. */
  public readonly istio: PlatformIstio;
  /** The ingress gateway. */
  public readonly ingressGateway: PlatformIngressGateway;
  /** Prometheus. */
  public readonly prometheus: PlatformPrometheus;
  /** The tracing collector. */
  public readonly tracing: PlatformTracing;
  /** The global rate-limit service. */
  public readonly rateLimit: PlatformRateLimit;
  /** Flagger. */
  public readonly flagger: PlatformFlagger;
  /** The API server. */
  public readonly apiServer: PlatformApiServer;

  private constructor(props: MeshPlatformProps) {
    this.trustDomain = props.trustDomain ?? 'cluster.local';
    const istio = props.istio ?? {};
    const rootNamespace = istio.rootNamespace ?? 'istio-system';
    this.istio = {
      release: istioRelease(istio.release ?? '1.24.6'),
      rootNamespace,
      controlPlaneNamespace: istio.controlPlaneNamespace ?? rootNamespace,
      revision: istio.revision,
      istiodLabels: { ...(istio.istiodLabels ?? { app: 'istiod' }) },
      xdsPort: port('istio.xdsPort', istio.xdsPort ?? 15012),
      webhookPort: port('istio.webhookPort', istio.webhookPort ?? 15017),
    };
    const gw = props.ingressGateway ?? {};
    this.ingressGateway = {
      name: gw.name ?? 'istio-ingressgateway',
      namespace: gw.namespace ?? 'istio-system',
      podLabels: { ...(gw.podLabels ?? { istio: 'ingressgateway', app: 'istio-ingressgateway' }) },
      selector: { ...(gw.selector ?? { istio: 'ingressgateway' }) },
      serviceAccount: gw.serviceAccount ?? 'istio-ingressgateway-service-account',
      httpPort: port('ingressGateway.httpPort', gw.httpPort ?? 8080),
      httpsPort: port('ingressGateway.httpsPort', gw.httpsPort ?? 8443),
      httpServicePort: port('ingressGateway.httpServicePort', gw.httpServicePort ?? 80),
      httpsServicePort: port('ingressGateway.httpsServicePort', gw.httpsServicePort ?? 443),
    };
    const prom = props.prometheus ?? {};
    const promNamespace = prom.namespace ?? 'observability';
    this.prometheus = {
      namespace: promNamespace,
      podLabels: { ...(prom.podLabels ?? { 'app.kubernetes.io/name': 'prometheus' }) },
      serviceAccount: prom.serviceAccount ?? 'kube-prometheus-stack-prometheus',
      selectorLabels: { ...(prom.selectorLabels ?? { release: 'kube-prometheus-stack' }) },
      // prometheus-operator creates the governing Service `prometheus-operated` for every Prometheus.
      address: prom.address ?? `http://prometheus-operated.${promNamespace}.svc.cluster.local:9090`,
    };
    const tr = props.tracing ?? {};
    const protocol = tr.protocol ?? 'zipkin';
    const trNamespace = tr.namespace ?? 'observability';
    const serviceName = tr.serviceName ?? 'jaeger-collector';
    this.tracing = {
      providerName: tr.providerName ?? 'jaeger',
      serviceName,
      namespace: trNamespace,
      protocol,
      port: port('tracing.port', tr.port ?? (protocol === 'zipkin' ? 9411 : 4317)),
      podLabels: { ...(tr.podLabels ?? { 'app.kubernetes.io/name': 'jaeger', 'app.kubernetes.io/component': 'collector' }) },
      host: `${serviceName}.${trNamespace}.svc.cluster.local`,
    };
    const rl = props.rateLimit ?? {};
    this.rateLimit = {
      name: rl.name ?? 'ratelimit',
      namespace: rl.namespace,
      grpcPort: port('rateLimit.grpcPort', rl.grpcPort ?? 8081),
      podLabels: { ...(rl.podLabels ?? { app: 'ratelimit' }) },
    };
    const fl = props.flagger ?? {};
    this.flagger = {
      namespace: fl.namespace ?? 'istio-system',
      prometheusAddress: fl.prometheusAddress ?? this.prometheus.address,
    };
    const api = props.apiServer ?? {};
    const apiNamespace = api.namespace ?? 'default';
    const apiService = api.serviceName ?? 'kubernetes';
    this.apiServer = {
      serviceName: apiService,
      namespace: apiNamespace,
      endpoints: [...(api.endpoints ?? [])],
      ports: (api.ports ?? [443, 6443]).map((p, i) => port(`apiServer.ports[${i}]`, p)),
      host: `${apiService}.${apiNamespace}.svc.cluster.local`,
    };
    for (const [field, value] of [
      ['apiServer.namespace', apiNamespace], ['apiServer.serviceName', apiService],
      ['istio.rootNamespace', rootNamespace], ['istio.controlPlaneNamespace', this.istio.controlPlaneNamespace],
      ['ingressGateway.namespace', this.ingressGateway.namespace], ['ingressGateway.serviceAccount', this.ingressGateway.serviceAccount],
      ['prometheus.namespace', promNamespace], ['prometheus.serviceAccount', this.prometheus.serviceAccount],
      ['tracing.namespace', trNamespace], ['tracing.serviceName', serviceName], ['tracing.providerName', this.tracing.providerName],
      ['rateLimit.name', this.rateLimit.name], ['flagger.namespace', this.flagger.namespace],
      ...(rl.namespace ? [['rateLimit.namespace', rl.namespace]] : []),
    ] as const) {
      const problem = dns1123LabelProblem(value);
      if (problem) throw new MeshError(Codes.INVALID_NAME, `platform ${field}: ${problem}`);
    }
  }

  /** The ingress gateway's mTLS principal, which AuthorizationPolicies on the routes bound to it admit. */
  public get ingressGatewayPrincipal(): Principal {
    return Principal.serviceAccount(this.ingressGateway.namespace, this.ingressGateway.serviceAccount, this.trustDomain);
  }

  /** The rate-limit service's namespace for a chart in `chartNamespace`. */
  public rateLimitNamespace(chartNamespace: string): string {
    return this.rateLimit.namespace ?? chartNamespace;
  }

  /** The rate-limit service's FQDN for a chart in `chartNamespace`. */
  public rateLimitHost(chartNamespace: string): string {
    return `${this.rateLimit.name}.${this.rateLimitNamespace(chartNamespace)}.svc.cluster.local`;
  }

  /** The ingress gateway as a flow's source or target. */
  public ingressGatewayWorkload(): FlowWorkload {
    const gw = this.ingressGateway;
    return {
      name: gw.name, namespace: gw.namespace, labels: gw.podLabels, serviceAccount: gw.serviceAccount, meshed: true,
      ports: { 'http2': gw.httpPort, 'https': gw.httpsPort },
    };
  }

  /** Prometheus as a flow's source: not meshed, it scrapes in plaintext. */
  public prometheusWorkload(): FlowWorkload {
    const p = this.prometheus;
    return { name: 'prometheus', namespace: p.namespace, labels: p.podLabels, serviceAccount: p.serviceAccount, meshed: false, ports: { web: 9090 } };
  }

  /** The tracing collector as a flow's target. */
  public tracingWorkload(): FlowWorkload {
    const t = this.tracing;
    return { name: t.serviceName, namespace: t.namespace, labels: t.podLabels, serviceAccount: 'jaeger', meshed: false, ports: { [t.protocol]: t.port } };
  }

  /** The rate-limit service as a flow's target, for a chart in `chartNamespace`. */
  public rateLimitWorkload(chartNamespace: string): FlowWorkload {
    const r = this.rateLimit;
    return {
      name: r.name, namespace: this.rateLimitNamespace(chartNamespace), labels: r.podLabels, serviceAccount: r.name, meshed: true,
      ports: { 'grpc': r.grpcPort },
    };
  }

  /** istiod as a flow's target. */
  public istiodWorkload(): FlowWorkload {
    const i = this.istio;
    return {
      name: 'istiod', namespace: i.controlPlaneNamespace, labels: i.istiodLabels, serviceAccount: 'istiod', meshed: false,
      ports: { 'grpc-xds': i.xdsPort, 'https-webhook': i.webhookPort },
    };
  }

  /** Flagger as a flow's source (it queries Prometheus). */
  public flaggerWorkload(): FlowWorkload {
    return { name: 'flagger', namespace: this.flagger.namespace, labels: { 'app.kubernetes.io/name': 'flagger' }, serviceAccount: 'flagger', meshed: false };
  }

  /**
   * The API server as a flow's target, reached at `addresses` (by default its endpoints'):
   * no sidecar, outside the pod network, so only NetworkPolicy egress `ipBlock` rules
   * decide. A range stands for its first address.
   */
  public apiServerWorkload(addresses: readonly Cidr[] = this.apiServer.endpoints): FlowWorkload {
    const a = this.apiServer;
    return {
      name: 'kube-apiserver', namespace: a.namespace, labels: {}, serviceAccount: 'kube-apiserver', meshed: false,
      ports: Object.fromEntries(a.ports.map((p, i) => [i === 0 ? 'https' : `https-${p}`, p])),
      addresses: addresses.map((c) => String(c).split('/')[0]),
    };
  }

  /** Every platform component as a flow workload. */
  public workloads(chartNamespace: string): FlowWorkload[] {
    return [this.ingressGatewayWorkload(), this.prometheusWorkload(), this.tracingWorkload(), this.rateLimitWorkload(chartNamespace),
      this.istiodWorkload(), this.flaggerWorkload()];
  }
}

/** An Istio release as its Helm charts are versioned: `1.24.6`. */
function istioRelease(value: string): string {
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(value)) {
    throw new MeshError(Codes.PLATFORM_ISTIO_RELEASE, `platform istio.release must be a full release such as 1.24.6 (Helm's --version), got '${value}'`);
  }
  return value;
}

function port(field: string, value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new MeshError(Codes.OUT_OF_RANGE, `platform ${field} must be a whole number from 1 to 65535, got ${value}`);
  }
  return value;
}
