import { Construct } from 'constructs';
import type { ExportTo } from '../core/export-to';
import { Labels } from '../core/labels';
import { dns1123LabelProblem } from '../core/names';
import type { Problem } from '../core/problem';
import { HTTP_PROTOCOLS } from '../core/ports';
import { Principal } from '../core/principal';
import { NON_IDEMPOTENT_RETRY_ON, Retries } from '../core/retries';
import { Weight } from '../core/weight';
import { Chart } from 'cdk8s';
import { hasBrand, isMeshChart, isRemoteService, meshChartOf, MESH_SERVICE_BRAND, setBrand } from './brands';
import { recordRemoteCalls } from './remote-calls';
import { ServiceSlo } from '../core/slo';
import { HostRenderContext } from './traffic/host-traffic.render';
import { addServiceDestinationRule, addServiceVirtualService } from './mesh-service.render';
import { HostPorts, HostTraffic, HttpRouteOptions, RouteDestinationOptions, TcpRouteOptions, TlsRouteOptions } from './traffic/host-traffic';
import { mergeTierSettings, resolveRouteSettings, Tier, TierSettings } from '../core/tier';
import { TierDefaults } from './tier-defaults';
import { plaintextCallProblems } from './security/plaintext-callers';
import { ServiceSecurity } from './security/service-security';
import type { AdmitOptions } from './security/remote-admission';
import type { RemoteCaller } from './remote-caller';
import { ContainerResources, StatefulOptions, withResourceDefaults } from '../workload/container-options';
import { AppMetricsOptions, PodOptions } from '../workload/pod-props';
import {
  addDeploymentLabel, addServiceAccount, WorkloadDeployment, WorkloadResource, WorkloadServiceAccount, WorkloadStatefulSet,
} from '../workload/workload';
import { sidecarLabels } from '../workload/pod-checks';
import { quantityProblems } from '../workload/quantities';
import { Adoption, adoptionOf, adoptionProblems, adoptionProps } from './adopted-workload';
import { ExternalService } from './external-service';
import { AddressForm, CallOptions, calledPorts, ExternalCallOptions, serviceAddress } from './service-call';
import { ServiceOptions, ServiceType } from './service-exposure';
import { ServiceVersion, VersionOptions, versionProblems } from './service-version';
import { containerPortPlan, ContainerPortPlan, DEFAULT_PORTS, defaultProbes, ResolvedServicePort, resolvePorts } from './service-port';
import {
  callPortProblems, externalServiceProblems, headlessSidecarProblems, mirrorCallerProblems, settingsProblems, singleVersionProblem,
  drainProblems, streamDrainProblems, streamLatencyProblems, workloadProblems,
  healthCheckPathProblems,
} from './service-problems';
import { headlessServiceName, podHostnamesOf, ServiceWorkloads, writeHeadlessService, writeService } from './service-workload';

import { IVersionedService, MeshServiceProps, MeshWorkloadProps } from './mesh-service-props';
import type { ExternalCall, IMeshChart, IMeshService, IMeshServiceNode, ServiceCall } from './interfaces';
import { policyProblems } from './policy-problems';
import { onceDuringSynth } from '../private/synth-memo';
import { CalledService, callProblems } from './call-problems';
import { addProblems, setPrimaryObject } from '../private/construct-problems';
import { HttpMethod, mayWrite } from '../core/http';
import { DeclaredInitCall, declaredInitCalls, initCallProblems, podWithInitCalls, renameCallFields } from './init-container-calls';
import { podWithVault, VaultAgent, vaultAnnotationProblems, vaultInitCall } from './vault-agent';

export { IMeshService, IVersionedService, MeshServiceProps } from './mesh-service-props';
export type { IMeshServiceNode } from './interfaces';

/**
 * One service of the mesh: its workload (a cdk8s-plus-27 Deployment, a StatefulSet for a
 * stateful service, or a team's own cdk8s-plus workload meshed as it is), Service,
 * ServiceAccount, and its host's one DestinationRule and one VirtualService. Traffic settings
 * are the tier's defaults with the service's own on top; other constructs (canaries, faults,
 * gateways) contribute to {@link MeshService.traffic} and everything is rendered at synth.
 *
 * @example
 * const order = new MeshService(chart, 'order-service', {
 *   image: 'registry.example.com/order-service:1.4.2',
 *   tier: Tier.SERVICE,
 *   retries: Retries.of({ attempts: 3 }),
 * });
 * order.calls(payment, { methods: ['POST'], paths: ['/api/payments/*'] });
 */
export class MeshService extends Construct implements IVersionedService, IMeshServiceNode {
  /**
   * Whether `x` is a MeshService: a brand check rather than `instanceof`, so it holds
   * across two copies of the library (as cdk8s's `Chart.isChart` does).
   */
  public static isMeshService(x: unknown): x is MeshService {
    return hasBrand(x, MESH_SERVICE_BRAND);
  }

  /**
   * Meshes a team's cdk8s-plus-27 Deployment as it is, in the chart: the library writes its
   * Service (unless `existingService`), AuthorizationPolicy, NetworkPolicy, Sidecar,
   * DestinationRule and VirtualService, takes part in `calls()` on both sides, adds the
   * mesh's labels (`app`, `version`, `app.kubernetes.io/*`) and the sidecar settings to its
   * pod template and checks its pods like its own (MESH208). The Deployment needs a
   * ServiceAccount of its own and container ports named by Istio's convention (or `ports`).
   */
  public static fromDeployment(scope: Construct, id: string, deployment: WorkloadDeployment, props: MeshWorkloadProps = {}): MeshService {
    return MeshService.adopting(scope, id, deployment, props);
  }

  /**
   * Meshes a team's cdk8s-plus-27 StatefulSet as it is, with its governing Service (or
   * `existingService`) as the service's host; see {@link MeshService.fromDeployment}.
   */
  public static fromStatefulSet(scope: Construct, id: string, statefulSet: WorkloadStatefulSet, props: MeshWorkloadProps = {}): MeshService {
    return MeshService.adopting(scope, id, statefulSet, props);
  }

  private static adopting(scope: Construct, id: string, workload: WorkloadResource, props: MeshWorkloadProps): MeshService {
    return new MeshService(scope, id, adoptionProps(workload, props));
  }

  public readonly name: string;
  public readonly namespace: string;
  public readonly serviceAccountName: string;
  public readonly principal: Principal;
  public readonly ports: readonly ResolvedServicePort[];
  /** The tier. */
  public readonly tier: Tier;
  /** The version label of the current pods. */
  public readonly version: string;
  /** Replicas of the current version. */
  public readonly replicas: number;
  /** Everything that shapes this host's VirtualService and DestinationRule. */
  public readonly traffic: HostTraffic;
  /** The labels of the current version's pods. */
  public readonly podLabels: Readonly<Record<string, string>>;
  /** The labels of every resource the service writes (`app.kubernetes.io/name`, managed-by, part-of). */
  public readonly resourceLabels: Readonly<Record<string, string>>;
  /** The chart the service belongs to. */
  public readonly chart: IMeshChart;
  /** Base of the health-check paths (`/health`), if given and the service's first port speaks HTTP. */
  public readonly healthCheckPath?: string;
  /** True when `healthCheckPath` was given for a service whose first port does not speak HTTP, or that has none (MESH024). */
  private readonly _ignoredHealthCheckPath: boolean;
  /** The service's SLO, if given in its props. */
  public readonly slo?: ServiceSlo;
  /** The current version's subset name. */
  public readonly subset: string;
  /** False for a workload with no ports: no Service, VirtualService or DestinationRule. */
  public readonly hasService: boolean;
  /** The container image of the current version. */
  public readonly image: string;
  /**
   * The service's own traffic settings (timeout, retries, load balancer, connection pool,
   * outlier detection), which {@link policy} lays over its tier's field by field.
   */
  public readonly overrides: TierSettings;
  /** The namespaces the service is visible from, if restricted. */
  public readonly exportTo?: ExportTo;
  /** The shape of the service's pods (env, volumes, probes, sidecar settings, ...), as given. */
  public readonly pod: Readonly<PodOptions>;
  /** Where its pods serve metrics of their own, if they do (`metrics`), scraped merged on 15020. */
  public get appMetrics(): AppMetricsOptions | undefined {
    return this.pod.metrics;
  }
  /** Whether its pods run an Envoy sidecar: false when `sidecar.inject` is false. */
  public get meshed(): boolean {
    return this.pod.sidecar?.inject !== false;
  }
  /** Container CPU and memory of every version, over the library's default requests and limits. */
  public readonly resources: Required<ContainerResources>;
  /** Whether the pods mount their ServiceAccount token. */
  public readonly automountServiceAccountToken: boolean;
  /** The secrets Vault's agent injector renders into the pods, if any. */
  public readonly vault?: VaultAgent;
  /** How the Service is exposed. */
  public readonly serviceType: ServiceType;
  /** The StatefulSet's options, for a stateful service. */
  public readonly stateful?: StatefulOptions;
  /**
   * The replicas' traffic to each other, for a stateful service of more than one replica that
   * declares its `replication`: a call of the service to itself on every port (Sidecar egress to
   * its own host, NetworkPolicy ingress from its own pods, an ALLOW rule for its own principal);
   * with `stateful.peerPorts`, the first of {@link peerCalls}.
   */
  public readonly peerCall?: ServiceCall;
  /**
   * Every call of the replicas to each other: one on every port, or one per port of
   * `stateful.peerPorts`; empty for a service whose pods do not replicate.
   */
  public readonly peerCalls: readonly ServiceCall[];
  /**
   * The pod-by-pod host names of a StatefulSet behind a headless governing Service
   * (`<name>-0.<name>-headless.<namespace>.svc.cluster.local`; `<name>-0.<name>.<namespace>...` when its Service is headless).
   */
  public readonly podHostnames?: readonly string[];

  /** @internal Ports some container declares that no Service port reaches. */
  public readonly _containerOnly: ReadonlyMap<number, string>;
  /** The exportTo list of the service's objects, if restricted. */
  /** @internal The namespaces that see the service's objects (`exportTo`), if restricted. */
  public readonly _exportToList?: string[];
  private readonly serviceOptions: ServiceOptions;
  private readonly plan: ContainerPortPlan;
  private readonly adoption?: Adoption;
  private readonly workloads: ServiceWorkloads;
  private readonly _calls: ServiceCall[] = [];
  private readonly _externalCalls: ExternalCall[] = [];
  private readonly _versions: ServiceVersion[] = [];
  private readonly _versionOptions: VersionOptions[] = [];
  private readonly _addressEnv: { name: string; target: IMeshService; form: AddressForm }[] = [];
  private readonly singleVersionProblems: string[] = [];
  private readonly initCalls: readonly DeclaredInitCall[];
  private readonly givenPodAnnotations?: Readonly<Record<string, string>>;
  /** The field that declares each call an init container makes (`initContainers[0].calls[1]`). */
  private readonly initCallFields = new Map<ServiceCall | ExternalCall, string>();

  /**
   * The labels that select the service's pods: `app: <name>`; once Flagger releases the
   * service, `app.kubernetes.io/name: <name>`, which Flagger keeps on the primary's pods
   * while it renames `app` to `<name>-primary` (fluxcd/flagger pkg/canary/util.go,
   * makePrimaryLabels). Read it at synth (lazily): a FlaggerCanary may come later.
   */
  public get selectorLabels(): Readonly<Record<string, string>> {
    return this.traffic?.virtualServiceOwner === 'flagger' ? { [Labels.NAME]: this.name } : { [Labels.APP]: this.name };
  }

  public constructor(scope: Construct, id: string, props: MeshServiceProps) {
    super(scope, id);
    setBrand(this, MESH_SERVICE_BRAND);
    const adoption = adoptionOf(props);
    this.adoption = adoption;
    // Every default worked out once, here; the pod's shape is whatever props remain.
    const {
      image, name, tier, version, subset, replicas, ports, timeout, streaming, retries, loadBalancer, connectionPool, outlierDetection,
      resources, healthCheckPath, automountServiceAccountToken, exportTo, slo, service, stateful, vault, ...pod
    } = props;
    // An init container's calls are the pod's, through istio-proxy as a native sidecar (init-container-calls.ts); so are Vault's (vault-agent.ts).
    [this.initCalls, this.givenPodAnnotations, this.vault] = [declaredInitCalls(pod.initContainers), pod.podAnnotations, vault];
    this.pod = podWithVault(podWithInitCalls(pod, pod.sidecar?.inject !== false), vault, pod.sidecar?.inject !== false);
    this.image = image;
    this.overrides = { timeout, streaming, retries, loadBalancer, connectionPool, outlierDetection };
    this.resources = withResourceDefaults(resources);
    this.automountServiceAccountToken = adoption?.description.automountServiceAccountToken ?? automountServiceAccountToken ?? !!vault;
    this.slo = slo;
    this.chart = meshChartOf(this);
    this.name = name ?? id;
    this.namespace = this.chart.namespace;
    // A team's workload keeps its own ServiceAccount (reported at synth, MESH047, when it has none).
    this.serviceAccountName = adoption ? adoption.description.serviceAccountName ?? 'default' : this.name;
    this.tier = tier ?? Tier.SERVICE;
    this.version = version ?? 'v1';
    this.subset = subset ?? 'stable';
    this.stateful = adoption ? undefined : stateful;
    this.replicas = replicas ?? (stateful ? 1 : 2);
    this.ports = resolvePorts(ports ?? DEFAULT_PORTS);
    this.hasService = this.ports.length > 0;
    this.serviceOptions = service ?? {};
    // A stateful service's pods take their DNS names from a headless governing Service of their own (`<name>-headless`), so
    // its Service is ClusterIP unless `service.type` says otherwise: the sidecars load-balance it (see writeHeadlessService).
    this.serviceType = service?.type ?? (adoption?.existingService?.headless ? ServiceType.headless() : ServiceType.clusterIp());
    const httpFirst = ['http', 'http2'].includes(this.ports[0]?.protocol);
    [this.healthCheckPath, this._ignoredHealthCheckPath] = [httpFirst ? healthCheckPath : undefined, !httpFirst && healthCheckPath !== undefined];
    [this.exportTo, this._exportToList] = [exportTo, exportTo?.toList(this.namespace)];
    this.plan = containerPortPlan(this.ports, pod.containerPorts, pod.containers ?? []);
    this._containerOnly = this.plan.containerOnly;
    // A name that cannot be a principal is reported at synth (MESH001), not thrown here.
    this.principal = dns1123LabelProblem(this.name) || dns1123LabelProblem(this.namespace)
      ? Principal.serviceAccount('invalid', 'invalid', this.chart.trustDomain)
      : Principal.serviceAccount(this.namespace, this.serviceAccountName, this.chart.trustDomain);

    const common = { ...this.chart.commonLabels(), [Labels.NAME]: this.name };
    this.resourceLabels = common;
    this.podLabels = {
      [Labels.APP]: this.name,
      [Labels.VERSION]: this.version,
      ...common,
      [Labels.INSTANCE_VERSION]: this.version,
      [Labels.TIER]: this.tier.name,
    };

    this.workloads = this.writeWorkloads(adoption, pod, common);
    this.podHostnames = podHostnamesOf(this, this.workloads.current, this.governingService);

    this.traffic = new HostTraffic(this.name, () => this.node.tryRemoveChild('VirtualService'), this.defaultSplit);
    this.traffic.addSubset(this, { name: this.subset, labels: { [Labels.VERSION]: this.version } });

    if (this.hasService) {
      addServiceDestinationRule(this, 'DestinationRule', { name: this.name, namespace: this.namespace, labels: common }, this);
      // A host with only TLS ports has no default route (see renderVirtualServiceSpec), and
      // a VirtualService without routes is invalid: it gets one with its first TLS route.
      const hostPorts = this.hostPorts;
      if (hostPorts.http.length > 0 || hostPorts.tcp.length > 0) this.ensureVirtualService();
    }

    this.chart._register(this);
    new ServiceSecurity(this, 'Security');
    // Replicas that replicate reach each other by pod name on the service's ports (a KRaft quorum, a MongoDB
    // replica set, a RabbitMQ cluster): declared replication is a call of the service to itself.
    const peerPorts = this.stateful?.peerPorts;
    this.peerCalls = !this.replicates ? [] : peerPorts === undefined || peerPorts.length === 0
      ? [this.callService(this, {})]
      : [...new Set(peerPorts)].map((port) => this.callService(this, { port }));
    this.peerCall = this.peerCalls[0];
    this.declareInitCalls();
    addProblems(this, () => this.problems());
  }

  /**
   * Declares each call an init container makes as a call of the pod (init-container-calls.ts), and Vault's agent's (vault-agent.ts):
   * vault-agent-init before the application, vault-agent beside it.
   */
  private declareInitCalls(): void {
    if (this.vault) this.initCallFields.set(this.callService(this.vault.server, { port: this.vault.port }), 'vault');
    for (const d of this.initCalls) {
      const { target, port, methods, paths } = d.call;
      const call = ExternalService.isExternalService(target)
        ? this.callExternal(target, { port, methods, paths }, d.container)
        : this.callService(target as IMeshService, { port, methods, paths }, d.container);
      this.initCallFields.set(call, d.field);
    }
  }

  /** True for a stateful service of several replicas that declares how they replicate: its pods call one another. */
  private get replicates(): boolean {
    return Boolean(this.stateful?.replication?.trim()) && this.replicas > 1;
  }

  /**
   * The headless governing Service a StatefulSet's pods take their names from: a stateful service's `<name>-headless`
   * beside its client Service (its own Service when `service.type` is `ServiceType.headless()`), or a team's StatefulSet's
   * headless Service; undefined for a Deployment or a workload without a Service.
   */
  public get governingService(): string | undefined {
    if (!this.hasService) return undefined;
    if (this.adoption) {
      return this.adoption.description.kind === 'StatefulSet' && this.serviceType.headless ? this.name : undefined;
    }
    if (!this.stateful) return undefined;
    return this.serviceType.headless ? this.name : headlessServiceName(this.name);
  }

  /** Writes the ServiceAccount, the Service and the current version's workload, or adopts the team's own. */
  private writeWorkloads(adoption: Adoption | undefined, pod: PodOptions, common: Record<string, string>): ServiceWorkloads {
    const sa = adoption ? undefined
      : addServiceAccount(this, 'ServiceAccount', this.serviceAccountName, this.namespace, common, pod.serviceAccountAnnotations);
    const serviceSpec = {
      options: this.serviceOptions, ports: this.ports, labels: { [Labels.APP]: this.name, ...common },
      exportTo: this._exportToList, peersBeforeReady: this.replicates,
    };
    const k8sService = this.hasService && !adoption?.existingService ? writeService(this, { ...serviceSpec, type: this.serviceType }) : undefined;
    const governing = this.stateful && k8sService && !this.serviceType.headless
      ? writeHeadlessService(this, serviceSpec, ServiceType.headless())
      : k8sService;
    const probes = defaultProbes(this.ports, this.healthCheckPath, pod.probes, this.stateful !== undefined && !adoption);
    const workloads = new ServiceWorkloads(this, probes, this.plan);
    // Its problems are about its workload (a warning is reported, and its acknowledgement recorded, on the Deployment or
    // StatefulSet), unless one names another object (MESH241 its NetworkPolicy).
    setPrimaryObject(this, () => workloads.current);
    if (adoption) {
      workloads.adopt(adoption, this.version);
    } else {
      const statefulSet = this.stateful && governing ? { options: this.stateful, service: governing } : undefined;
      workloads.deploy(this, statefulSet ? 'StatefulSet' : 'Deployment', {
        name: this.name, version: this.version, image: this.image, replicas: this.replicas, serviceAccount: sa, stateful: statefulSet,
      });
    }
    return workloads;
  }

  /**
   * The workload of the current version, for the rare escape hatch: the library's
   * cdk8s-plus-27 Deployment or StatefulSet, or the team's own one. A JSON patch on it is
   * checked like the rest (MESH208).
   */
  public get workload(): WorkloadResource {
    return this.workloads.current!;
  }

  /**
   * The resolved traffic settings: the tier's, with the service's own on top. A service
   * that a declared caller (or an admitted caller from outside the app, a meshed edge proxy addressing its Service, or a gateway
   * whose rule delegates to the host's routes or that they are bound to) POSTs or PATCHes to
   * (or calls with any method) on an HTTP port retries only on `reset-before-request,connect-failure`
   * unless its own `retries.retryOn` says otherwise: a retry on 5xx or `reset` may apply such a
   * request twice (Envoy's x-envoy-retry-on; MESH111, MESH662). A call to TCP ports only has no HTTP retries.
   */
  public get policy(): TierSettings {
    // Read by every renderer and check of the service and of its callers: worked out once per synth, whose tree does not change.
    return onceDuringSynth(this, 'policy', () => this.resolvePolicy());
  }

  private resolvePolicy(): TierSettings {
    const base = TierDefaults.of(this).settingsFor(this.tier) ?? {};
    const resolved = mergeTierSettings(base, this.overrides);
    const http = (c: ServiceCall) => calledPorts(c).some((p) => HTTP_PROTOCOLS.includes(p.protocol));
    const security = ServiceSecurity.of(this);
    const callers = [
      ...this.chart.callsTo(this).filter(http), ...security.remoteAdmissions.map((a) => a.options), ...security._hostRoutedCallers,
      ...this.gatewaysApplyingHostRoutes(security),
    ];
    if (this.overrides.retries?.retryOn === undefined && resolved.retries && !resolved.retries.disabled && callers.some((c) => mayWrite(c.methods))) {
      return { ...resolved, retries: Retries.of({ retryOn: [...NON_IDEMPOTENT_RETRY_ON] }).over(resolved.retries) };
    }
    return resolved;
  }

  /**
   * The gateways' admissions on HTTP ports where the host's own routes apply at the gateway, retries included: a gateway's rule
   * that delegates to the VirtualService a controller writes for the host (Flagger's with `delegation`), whose rules istiod
   * merges into the gateway's, each keeping its own retries (istio/istio pilot/pkg/model/virtualservice.go, mergeHTTPRoute: the
   * root's retries only where the delegate sets none), or a gateway the host's VirtualService is bound to (a MeshGateway).
   */
  private gatewaysApplyingHostRoutes(security: ServiceSecurity): { readonly methods?: readonly HttpMethod[] }[] {
    if (!this.traffic.virtualServiceDelegate && this.traffic.gateways.length === 0) return [];
    const httpTargets = new Set(this.ports.filter((p) => HTTP_PROTOCOLS.includes(p.protocol)).map((p) => p.targetPort));
    return security._gatewayAdmissions.filter((g) => !g.ports || g.ports.some((p) => httpTargets.has(p.port)));
  }

  /** The calls this service makes, in the order declared. */
  public get outboundCalls(): ServiceCall[] {
    return [...this._calls];
  }

  /** The calls this service makes to external services, in the order declared. */
  public get externalCalls(): ExternalCall[] {
    return [...this._externalCalls];
  }

  /**
   * Declares that this service calls `target` (one of its ports with `port`): an edge of the
   * mesh graph, from which authorization, network policy and sidecar scope are derived.
   */
  public calls(target: IMeshService, options?: CallOptions): ServiceCall;
  /**
   * Declares that this service calls an external service on one of its ports: the
   * ServiceEntry's hosts join the Sidecar's egress hosts, the NetworkPolicy lets the
   * port out, and the call is an intended flow checked at synth.
   */
  public calls(target: ExternalService, options: ExternalCallOptions): ExternalCall;
  public calls(target: IMeshService | ExternalService, options: CallOptions | ExternalCallOptions = {}): ServiceCall | ExternalCall {
    if (ExternalService.isExternalService(target)) return this.callExternal(target, options as ExternalCallOptions);
    return this.callService(target, options as CallOptions);
  }

  private callExternal(target: ExternalService, o: ExternalCallOptions, initContainer?: string): ExternalCall {
    const ext: ExternalCall = {
      source: this, target, port: o.port,
      methods: o.methods ? [...o.methods] : undefined,
      paths: o.paths ? [...o.paths] : undefined,
      ...(initContainer !== undefined ? { initContainer } : {}),
    };
    this._externalCalls.push(ext);
    // The pods' labels read at synth: a FlaggerCanary made later changes them (selectorLabels).
    const labels = () => this.selectorLabels;
    const serviceAccount = this.serviceAccountName;
    target._originateFor?.({ name: this.name, namespace: this.namespace, serviceAccount, get podLabels() { return labels(); } });
    return ext;
  }

  private callService(target: IMeshService, options: CallOptions, initContainer?: string): ServiceCall {
    const call: ServiceCall = {
      source: this,
      // A team's own construct that wraps a service of the chart stands for that service.
      target: resolveService(this.chart, target),
      methods: options.methods ? [...options.methods] : undefined,
      paths: options.paths ? [...options.paths] : undefined,
      port: options.port,
      asynchronous: options.asynchronous ?? false,
      ...(initContainer !== undefined ? { initContainer } : {}),
    };
    if (options.addressEnv !== undefined) {
      const a = { name: options.addressEnv.name, target, form: options.addressEnv.form ?? 'url' };
      this._addressEnv.push(a);
      this.workloads.addEnv(a.name, () => serviceAddress(a.target, a.form));
    }
    this._calls.push(call);
    this.chart._registerCall(call);
    // A call to another team's service is recorded in this chart's output, for the check over both teams' folders.
    if (isRemoteService(target)) recordRemoteCalls(Chart.of(this));
    return call;
  }

  /**
   * Admits a named caller from outside the app (a workload another team's chart or repository
   * deploys, which calls this service as a RemoteService): see {@link ServiceSecurity.admit}.
   */
  public admits(caller: RemoteCaller, options?: AdmitOptions): void {
    ServiceSecurity.of(this).admit(caller, options);
  }

  /**
   * Adds a matched HTTP route ahead of the default route; routes are tried in the
   * order added. A route forwards to subsets, redirects or answers directly, with its
   * own timeout, retries, fault, mirror, rewrite, CORS policy and header changes.
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute
   */
  public addRoute(route: HttpRouteOptions): void {
    this.traffic.addRoute(this, route);
  }

  /** Adds a route for a TCP port (`tcp-`, `mongo-`, `mysql-`, `redis-`) ahead of the default one. */
  public addTcpRoute(route: TcpRouteOptions): void {
    this.traffic.addTcpRoute(this, route);
  }

  /** Adds a route by SNI for a TLS port (`tls-`, `https-`) ahead of the default one. */
  public addTlsRoute(route: TlsRouteOptions): void {
    this.traffic.addTlsRoute(this, route);
    if (this.hasService) this.ensureVirtualService();
  }

  private ensureVirtualService(): void {
    if (this.node.tryFindChild('VirtualService') || this.traffic.virtualServiceOwner) return;
    addServiceVirtualService(this, 'VirtualService', { name: this.name, namespace: this.namespace, labels: { ...this.resourceLabels } }, this);
  }

  /** True if a workload in `namespace` sees the service (its exportTo lists `*`, `namespace`, or `.` for its own). */
  public exportedTo(namespace: string): boolean {
    const list = this._exportToList;
    if (!list) return true;
    return list.includes('*') || list.includes(namespace) || (namespace === this.namespace && list.includes('.'));
  }

  /**
   * Adds another version of the service: its own Deployment `<service>-<version>` with
   * its own image, replicas, resources and env (over the service's), and a subset
   * (named after the version unless `subset` says otherwise) in the host's DestinationRule.
   * Route to it with {@link MeshService.setSplit} or {@link MeshService.addRoute}. A stateful
   * service or a workload meshed as it is has one version (MESH049).
   */
  public addVersion(options: VersionOptions): ServiceVersion {
    const sa = this.node.tryFindChild('ServiceAccount') as WorkloadServiceAccount | undefined;
    const version: ServiceVersion = {
      name: options.name,
      subset: options.subset ?? options.name,
      deploymentName: `${this.name}-${options.name}`,
      image: options.image ?? this.image,
      replicas: options.replicas ?? this.replicas,
    };
    this._versionOptions.push(options);
    // A second version of one name is reported at synth (MESH025), not deployed twice.
    if (options.name === this.version || this._versions.some((v) => v.name === options.name)) return version;
    this.singleVersion(`addVersion(${options.name})`);
    this._versions.push(version);
    this.workloads.deploy(this, `Version${options.name}`, {
      name: version.deploymentName, version: options.name, image: version.image, replicas: version.replicas, ownReplicas: options.replicas,
      serviceAccount: sa, resources: options.resources, env: options.env,
    });
    this.traffic.addSubset(this, {
      name: version.subset,
      labels: { [Labels.VERSION]: options.name },
      connectionPool: options.trafficPolicy?.connectionPool,
      loadBalancer: options.trafficPolicy?.loadBalancer,
      outlierDetection: options.trafficPolicy?.outlierDetection,
    });
    return version;
  }

  /** The versions added with {@link MeshService.addVersion}, in order. */
  public get versions(): readonly ServiceVersion[] {
    return [...this._versions];
  }

  /**
   * Sets the default route's weighted split over any of the host's subsets; the
   * weights must sum to 100 (MESH012).
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRouteDestination
   */
  public setSplit(destinations: RouteDestinationOptions[]): void {
    this.traffic.setSplit(this, destinations);
  }

  /**
   * Adds a Deployment for another version of the service (a canary), with the
   * service's labels and `version: <version>`, and `replicas` if given, else the service's. Returns the Deployment's name.
   * @internal
   */
  public _addVersion(scope: Construct, id: string, options: { version: string; image: string; replicas?: number }): string {
    const sa = this.node.tryFindChild('ServiceAccount') as WorkloadServiceAccount | undefined;
    const name = `${this.name}-${options.version}`;
    this.singleVersion(`a release of version ${options.version} (${scope.node.path})`);
    this.workloads.deploy(scope, id, {
      version: options.version, image: options.image, replicas: options.replicas ?? this.replicas, ownReplicas: options.replicas, name,
      serviceAccount: sa,
    });
    return name;
  }

  /**
   * Removes the current version's Deployment: a release has completed and the old
   * version's pods are retired, and so is the `stable` subset that selected them.
   * @internal
   */
  public _retireCurrentVersion(): void {
    this.singleVersion('retiring the current version');
    this.workloads.retireCurrent();
    // Its subset selects no pods any more: a route to it would fail with 503 UH.
    this.traffic.removeSubset(this.subset);
  }

  /**
   * Labels the current version's Deployment and its pods: a blue/green release's blue side. A stateful service or a
   * team's own workload has one version (MESH049), so no Deployment of this construct's to label.
   * @internal
   */
  public _labelCurrentVersion(key: string, value: string): void {
    const current = this.node.tryFindChild('Deployment');
    if (current) addDeploymentLabel(current, key, value);
  }

  /** Records MESH049 for a stateful service or a team's workload, which have one version. */
  private singleVersion(what: string): void {
    if (this.stateful || this.adoption) this.singleVersionProblems.push(singleVersionProblem(what, this.name, this.adoption?.description.kind));
  }

  /** @internal The resolved settings, ports and default split the host's objects are rendered with, at synth. */
  public _hostContext(): HostRenderContext {
    const ports = this.hostPorts;
    // The service's settings resolved once (tier under service), and each route's over them, here: the renderer writes them.
    const policy = this.policy;
    const writes = this.traffic.writeRetries;
    return {
      policy,
      routeSettings: this.traffic.routes.map((r) => resolveRouteSettings(policy, r)),
      writeSettings: writes ? resolveRouteSettings(policy, { retries: writes }) : undefined,
      // With several ports every destination names one: the first HTTP port for HTTP routes (IST0112).
      destinationPort: this.ports.length > 1 ? (ports.http[0] ?? this.ports[0].port) : undefined,
      ports,
      meshed: this.meshed,
      plaintextPorts: this.ports.filter((p) => ServiceSecurity.of(this).mtlsModeOn(p.targetPort) === 'DISABLE').map((p) => p.port),
    };
  }

  /**
   * The service's ports by how Istio routes them: HTTP routes for HTTP, HTTP/2, gRPC and
   * gRPC-Web ports, TLS routes for tls and https ports (passed through), TCP routes for the rest.
   * @see https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/
   */
  public get hostPorts(): HostPorts {
    const of = (protocols: string[]) => this.ports.filter((p) => protocols.includes(p.protocol)).map((p) => p.port);
    return { http: of(['http', 'http2', 'grpc', 'grpc-web']), tcp: of(['tcp', 'mongo', 'mysql', 'redis']), tls: of(['tls', 'https']) };
  }

  private get defaultSplit(): RouteDestinationOptions[] {
    return [{ subset: this.subset, weight: Weight.all() }];
  }

  private problems(): (string | Problem)[] {
    const out: (string | Problem)[] = workloadProblems({
      name: this.name, version: this.version, replicas: this.replicas, ports: this.ports, pod: this.pod, resources: this.resources, plan: this.plan,
      addressEnv: this._addressEnv.map((a) => a.name), stateful: this.stateful, service: this.serviceOptions, serviceType: this.serviceType,
      built: !this.adoption,
    });
    if (this.adoption) out.push(...adoptionProblems(this.adoption, this.chart, this.name));
    if (this._ignoredHealthCheckPath) out.push(...healthCheckPathProblems(this.ports));
    out.push(...this.singleVersionProblems);
    out.push(...settingsProblems({
      name: this.name, tier: this.tier, defaults: TierDefaults.of(this), slo: this.slo, hasService: this.hasService, hostPorts: this.hostPorts,
    }));
    out.push(...policyProblems(this.policy, this.overrides));
    if (this.slo) out.push(...streamLatencyProblems(this.name, this.policy.streaming, 'slo.latency', "the SLO's latency objective"));
    out.push(...drainProblems(this.name, this.slo, this.pod));
    out.push(...streamDrainProblems(this.name, this.policy.streaming, this.pod, this.chart.platform.istio.nativeSidecars));
    out.push(...this.traffic.problems(this.hostPorts));
    out.push(...versionProblems(this._versionOptions, { version: this.version, subset: this.subset }));
    // A limit a HardeningException leaves unset bounds no request.
    const unlimited = (this.pod.security?.exceptions ?? []).map((e) => e.field);
    out.push(...quantityProblems('resources', this.resources, unlimited));
    for (const v of this._versionOptions) out.push(...quantityProblems(`addVersion(${v.name}).resources`, v.resources, unlimited));
    const called = (t: IMeshService): CalledService | undefined => (MeshService.isMeshService(t) || isRemoteService(t) ? t : undefined);
    // A call an init container declares is named by its field (initContainers[i].calls[j]), the others by their index among calls().
    const callFields = this._calls.map((c) => this.initCallFields.get(c));
    const externalFields = this._externalCalls.map((c) => this.initCallFields.get(c));
    const networkPolicy = ServiceSecurity.of(this).networkPolicy;
    out.push(...callProblems(this, this._calls, this._externalCalls, called, (c) => this.initCallFields.get(c as ServiceCall), networkPolicy)
      .map((p) => (typeof p === 'string' ? renameCallFields([p], 'externalCalls', externalFields)[0] : p)));
    out.push(...renameCallFields(
      callPortProblems(this._calls, (t) => (MeshService.isMeshService(t) ? t._containerOnly : undefined)), 'calls', callFields));
    out.push(...initCallProblems(
      [...this.initCalls, ...(this.vault ? [vaultInitCall(this.vault)] : [])], this.meshed, this.givenPodAnnotations, this.chart.platform,
    ));
    out.push(...vaultAnnotationProblems(this.vault, this.givenPodAnnotations));
    // A stateful service's pods are a headless Service's too (its governing one), which its callers reach by pod name.
    const headless = this.serviceType.headless || this.governingService !== undefined;
    out.push(...headlessSidecarProblems(headless, this.pod.sidecar?.inject, this.chart.callsTo(this)));
    // Without a sidecar its calls are plaintext, which a meshed callee admits only by admitPlaintext (MESH293).
    if (!this.meshed) {
      // Its pods' labels as the workloads write them (pod-builder.ts): the pod options' and the sidecar's beside the library's; a team's
      // workload meshed as it is keeps its own.
      const podLabels = { ...this.adoption?.description.podLabels, ...this.pod.podLabels, ...sidecarLabels(this.pod.sidecar), ...this.podLabels };
      const caller = { name: this.name, namespace: this.namespace, principal: this.principal, podLabels };
      const meshedCallee = (c: ServiceCall) => (MeshService.isMeshService(c.target) && c.target.meshed ? ServiceSecurity.of(c.target) : undefined);
      out.push(...plaintextCallProblems(caller, this._calls, meshedCallee));
    }
    out.push(...mirrorCallerProblems(this, this.chart.callsTo(this)));
    out.push(...externalServiceProblems(this.serviceType, this.ports, (port) => ServiceSecurity.of(this).mtlsModeOn(port)));
    return out;
  }
}

/**
 * The MeshService of `chart` that `target` stands for: itself, or the service of the
 * same name and namespace that a wrapper construct exposes; else `target` (reported at synth).
 */
function resolveService(chart: IMeshChart, target: IMeshService): IMeshService {
  // Another team's service stays theirs, even when one build holds both teams' charts.
  if (MeshService.isMeshService(target) || isRemoteService(target)) return target;
  const charts = [chart, ...chart.node.root.node.children.filter((c): c is IMeshChart => isMeshChart(c) && c !== chart)];
  for (const c of charts) {
    const found = c.services.find((s) => s.name === target.name && s.namespace === target.namespace);
    if (found) return found;
  }
  return target;
}
