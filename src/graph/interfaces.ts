/**
 * The mesh graph as the models its nodes compose read it: services (nodes), their chart,
 * declared calls (edges) and external services, as interfaces. This module imports no
 * construct, so graph/security/ and graph/traffic/ (which MeshService creates), the renderers
 * and the checks can read the graph without an import going in a circle
 * (aws-cdk-lib/aws-appmesh keeps its shared-interfaces.ts for the same reason).
 */
import type { IConstruct } from 'constructs';
import type { Cidr } from '../core/cidr';
import type { HttpMethod } from '../core/http';
import type { PortProtocol } from '../core/ports';
import type { Principal } from '../core/principal';
import type { MeshPlatform } from '../platform/platform';
import type { IntendedFlow } from '../core/flow';
import type { TracingProvider } from './observability/telemetry';
import type { ResolvedServicePort } from './service-port';
import type { AppMetricsOptions } from '../workload/pod-props';

/** Options of `TlsOrigination.simple`: the one-way TLS a sidecar originates towards an external service. */
export interface SimpleTlsOriginationOptions {
  /**
   * The port of the ServiceEntry on which the sidecar originates TLS (the application
   * sends plain HTTP there).
   */
  readonly port: number;
  /**
   * The SNI the sidecar presents.
   * @default - the external service's first host
   */
  readonly sni?: string;
  /**
   * The file of CA certificates, in the sidecar, that verifies the provider's certificate.
   * @default - the proxy's system CA bundle (istiod writes an empty caCertificates as `system`)
   */
  readonly caCertificates?: string;
  /**
   * Names the provider's certificate must carry.
   * @default - the SNI
   */
  readonly subjectAltNames?: string[];
}

/**
 * Options of `TlsOrigination.mutual`: the mutual TLS a sidecar originates towards an external service, with the client
 * certificate, its key and the CA certificates of a Kubernetes Secret that istiod serves the sidecar over SDS.
 */
export interface MutualTlsOriginationOptions {
  /**
   * The port of the ServiceEntry on which the sidecar originates TLS (the application
   * sends plain HTTP there).
   */
  readonly port: number;
  /**
   * The Secret, in the namespace of the external service and of its callers, holding the client certificate and key
   * (`tls.crt`, `tls.key`) and the CA certificates that verify the provider (`ca.crt`), or `cert`, `key` and `cacert`.
   * istiod serves it only to proxies of its own namespace.
   * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#ClientTLSSettings
   */
  readonly credentialName: string;
  /**
   * The SNI the sidecar presents.
   * @default - the external service's first host
   */
  readonly sni?: string;
  /**
   * Names the provider's certificate must carry.
   * @default - the SNI
   */
  readonly subjectAltNames?: string[];
}

/** A workload that calls an external service, as its TLS origination selects its pods. */
export interface ExternalCaller {
  /** The workload's name (its `app` label). */
  readonly name: string;
  /** Its namespace. */
  readonly namespace: string;
  /** The labels that select its pods. */
  readonly podLabels: Readonly<Record<string, string>>;
  /**
   * Its pods' ServiceAccount, whose principal an egress gateway admits.
   * @default - its name
   */
  readonly serviceAccount?: string;
}

/** A service of the mesh, as other constructs refer to it. */
export interface IMeshService extends IConstruct {
  /** The service's name: its Service, Deployment and ServiceAccount are named so. */
  readonly name: string;
  /** The namespace it runs in. */
  readonly namespace: string;
  /** The ServiceAccount its pods run as. */
  readonly serviceAccountName: string;
  /** Its mTLS identity, derived from the ServiceAccount. */
  readonly principal: Principal;
  /** The labels that select all its pods, whatever their version (`app: <name>`). */
  readonly selectorLabels: Readonly<Record<string, string>>;
  /** Its ports, names and defaults worked out. */
  readonly ports: readonly ResolvedServicePort[];
  /**
   * The pod-by-pod host names of a StatefulSet behind a headless Service
   * (`<name>-0.<name>-headless.<namespace>.svc.cluster.local`, ... under a stateful service's headless governing Service), which
   * Istio routes as that Service's host.
   * @default - none
   */
  readonly podHostnames?: readonly string[];
}

/** A service another chart or repository synthesizes (a `RemoteService`), as its callers see it. */
export interface IRemoteService extends IMeshService {
  /** The labels on its pods. */
  readonly podLabels: Readonly<Record<string, string>>;
  /** Always true: its ports are given. */
  readonly hasService: boolean;
  /** True: its visibility is its own team's to say. */
  exportedTo(namespace: string): boolean;
  /**
   * Whether its pods run an Istio sidecar; false: it is called in plaintext and holds no identity.
   * @default true
   */
  readonly sidecar?: boolean;
  /**
   * Whether a Flagger Canary releases it: its callers' Sidecars import its `-primary` and `-canary` hosts too.
   * @default false
   */
  readonly releasedByFlagger?: boolean;
}

/** A declared call from one service to another: an edge of the mesh graph. */
export interface ServiceCall {
  /** The calling service. */
  readonly source: IMeshService;
  /** The called service. */
  readonly target: IMeshService;
  /** Methods used; undefined for every method. */
  readonly methods?: readonly HttpMethod[];
  /** Paths used; undefined for every path. */
  readonly paths?: readonly string[];
  /** The Service port called; undefined for every port (its HTTP ports, with methods or paths). */
  readonly port?: number;
  /** True for an asynchronous edge. */
  readonly asynchronous: boolean;
  /**
   * The init container of the caller's pods that makes the call (`initContainers[].calls`).
   * @default - the pod's containers
   */
  readonly initContainer?: string;
}

/** A port of an external service. */
export interface ExternalPort {
  /** The port the application connects to. */
  readonly number: number;
  /** The protocol the application speaks on it. */
  readonly protocol: PortProtocol;
  /**
   * The port's name.
   * @default - `<protocol in lower case>-<number>`
   */
  readonly name?: string;
  /**
   * The port the provider listens on, when the sidecar connects to another one than the
   * application (plain HTTP on 80 sent as TLS to 443).
   * @default - `number`
   * @see https://istio.io/latest/docs/tasks/traffic-management/egress/egress-tls-origination/
   */
  readonly targetPort?: number;
}

/** A service outside the mesh (an `ExternalService`), as its callers and its chart see it. */
export interface IExternalService extends IConstruct {
  /** The ServiceEntry's name. */
  readonly name: string;
  /** Its namespace. */
  readonly namespace: string;
  /** The hosts it declares. */
  readonly hosts: readonly string[];
  /** The ports, names and target ports worked out. */
  readonly ports: readonly Required<ExternalPort>[];
  /** The provider's known addresses (empty when unknown). */
  readonly addresses: readonly Cidr[];
  /** True when its callers' NetworkPolicy lets its ports out to any address on purpose. */
  readonly anyAddress?: boolean;
  /** The chart it belongs to. */
  readonly chart: IMeshChart;
  /** True if a workload in `namespace` sees the ServiceEntry. */
  exportedTo(namespace: string): boolean;
  /** The port named by its number, if the service has it. */
  port(number: number): Required<ExternalPort> | undefined;
  /** @internal Writes what a caller's sidecar needs to originate the service's TLS (mutual TLS: a rule selecting its pods). */
  _originateFor?(caller: ExternalCaller): void;
}

/** A declared call from a service to an external service: an edge leaving the mesh. */
export interface ExternalCall {
  /** The calling service. */
  readonly source: IMeshService;
  /** The external service. */
  readonly target: IExternalService;
  /** The port called. */
  readonly port: number;
  /** Methods used; undefined for GET only. */
  readonly methods?: readonly HttpMethod[];
  /** Paths used; undefined for `/`. */
  readonly paths?: readonly string[];
  /**
   * The init container of the caller's pods that makes the call (`initContainers[].calls`).
   * @default - the pod's containers
   */
  readonly initContainer?: string;
}

/**
 * A service node of the graph as the views derived from it read it (a `MeshService`):
 * its identity, its chart, the labels of its resources and its outgoing edges.
 */
export interface IMeshServiceNode extends IMeshService {
  /** The chart the service belongs to. */
  readonly chart: IMeshChart;
  /** The labels of every resource the service writes. */
  readonly resourceLabels: Readonly<Record<string, string>>;
  /** Base of the health-check paths (`/health`), if the service's first port speaks HTTP. */
  readonly healthCheckPath?: string;
  /** False for a workload with no ports: no Service, VirtualService or DestinationRule. */
  readonly hasService: boolean;
  /** The calls this service makes, in the order declared. */
  readonly outboundCalls: readonly ServiceCall[];
  /** The calls this service makes to external services, in the order declared. */
  readonly externalCalls: readonly ExternalCall[];
  /** Where its pods serve metrics of their own, if they do (scraped merged on 15020). */
  readonly appMetrics?: AppMetricsOptions;
  /** Whether its pods run an Envoy sidecar: false when its `sidecar.inject` is false. */
  readonly meshed: boolean;
}

/**
 * One environment of the mesh (a `MeshChart`) as its services and views see it: the
 * namespace, the platform, the services and every declared call.
 */
export interface IMeshChart extends IConstruct {
  /** The namespace of the chart's services. */
  readonly namespace: string;
  /** The environment's name. */
  readonly environment: string;
  /** The mesh's trust domain (the platform's). */
  readonly trustDomain: string;
  /** The platform the chart's output runs on. */
  readonly platform: MeshPlatform;
  /** Whether this environment serves real users. */
  readonly production: boolean;
  /** The `app.kubernetes.io/part-of` value, if any. */
  readonly partOf?: string;
  /** The services of this chart, in the order they were created. */
  readonly services: readonly IMeshServiceNode[];
  /** The external services (ServiceEntries) of this chart, in the order they were created. */
  readonly externalServices: readonly IExternalService[];
  /** Every declared call the chart's services make, in the order declared. */
  readonly calls: readonly ServiceCall[];
  /** The tracing provider the chart's Telemetry names, if tracing is on. */
  readonly tracing?: TracingProvider;
  /** The declared calls to `service`, a service of this chart, from any chart of the app. */
  callsTo(service: IConstruct): readonly ServiceCall[];
  /** Labels every resource of a service carries besides its own. */
  commonLabels(): Record<string, string>;
  /** Adds flows a construct means to work (or to be refused), produced at synth. */
  addIntendedFlows(produce: () => IntendedFlow[]): void;
  /** Every flow the chart's constructs intend. */
  intendedFlows(): IntendedFlow[];
  /** @internal */
  _register(service: IMeshServiceNode): void;
  /** @internal */
  _registerExternal(external: IExternalService): void;
  /** @internal The principals of the chart's workloads that are not services (a MeshCronJob's), in the order registered. */
  readonly _workloadPrincipals: readonly string[];
  /** @internal Registers the principal of a workload of the chart that is not a service, which policies may name. */
  _registerWorkloadPrincipal(principal: string): void;
  /** @internal */
  _registerCall(call: ServiceCall): void;
  /** @internal */
  _registerInbound(call: ServiceCall): void;
}
