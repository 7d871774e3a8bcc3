import { Duration, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { DestinationRule, VirtualService } from '../../imports/networking.istio.io';
import { Codes } from '../core/codes';
import { describeDuration } from '../core/duration';
import { formatProblem } from '../core/errors';
import { Labels } from '../core/labels';
import { LoadBalancer } from '../core/load-balancer';
import { dns1123LabelProblem, labelValueProblem } from '../core/names';
import { portNameProblem } from '../core/ports';
import { Principal } from '../core/principal';
import { Retries } from '../core/retries';
import { ConnectionPool, OutlierDetection } from '../core/traffic-policy';
import { Weight } from '../core/weight';
import { MeshChart } from '../mesh/mesh-chart';
import { ServiceSlo, sloProblems } from '../observability/slo';
import { durationProblems, integerProblems } from '../private/checks';
import { renderDestinationRuleSpec, renderVirtualServiceSpec, HostRenderContext } from '../render/traffic';
import { HostTraffic, HttpRouteOptions, RouteDestinationOptions } from '../traffic/host-traffic';
import { Tier, TierSettings } from '../traffic/tier';
import { mergeTierSettings, TierDefaults } from '../traffic/tier-defaults';
import { ServiceSecurity } from '../security/service-security';
import { addDeployment, addService, addServiceAccount, ContainerResources, DEFAULT_RESOURCES, WorkloadServiceAccount } from '../workload/workload';
import { CallOptions, ServiceCall } from './service-call';
import { DEFAULT_PORTS, ResolvedServicePort, resolvePorts, ServicePortOptions } from './service-port';

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
}

/** Props for {@link MeshService}. */
export interface MeshServiceProps {
  /** The container image of the service's current version. */
  readonly image: string;
  /**
   * The service's name, a DNS-1123 label; its resources are named so, never hashed.
   * @default - the construct's id
   */
  readonly name?: string;
  /**
   * The tier whose resilience defaults apply.
   * @default Tier.SERVICE
   */
  readonly tier?: Tier;
  /**
   * The version label of the current pods; they form the `stable` subset.
   * @default 'v1'
   */
  readonly version?: string;
  /**
   * Pod replicas of the current version.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * The service's ports. Names follow Istio's protocol convention.
   * @default - one HTTP port, 80 to container port 8080
   */
  readonly ports?: ServicePortOptions[];
  /**
   * Route timeout, over the tier's.
   * @default - the tier's
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute
   */
  readonly timeout?: Duration;
  /**
   * Retry policy, over the tier's field by field.
   * @default - the tier's
   * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRetry
   */
  readonly retries?: Retries;
  /**
   * Load balancer, over the tier's.
   * @default - the tier's, else Istio's own (LEAST_REQUEST)
   * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#LoadBalancerSettings
   */
  readonly loadBalancer?: LoadBalancer;
  /**
   * Connection-pool limits, over the tier's field by field.
   * @default - the tier's
   * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#ConnectionPoolSettings
   */
  readonly connectionPool?: ConnectionPool;
  /**
   * Outlier detection, over the tier's field by field.
   * @default - the tier's
   * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#OutlierDetection
   */
  readonly outlierDetection?: OutlierDetection;
  /**
   * Container CPU and memory.
   * @default - 100m/500m CPU, 128Mi/512Mi memory
   */
  readonly resources?: ContainerResources;
  /**
   * Base of the health-check paths: readiness at `<path>/ready`, liveness at `<path>/live`.
   * Only for services whose first port speaks HTTP.
   * @default '/health'
   */
  readonly healthCheckPath?: string;
  /**
   * Whether pods mount their ServiceAccount token (only services that call the Kubernetes API need it).
   * @default false
   */
  readonly automountServiceAccountToken?: boolean;
  /**
   * The service's golden-signal objectives; an ObservabilityStack in the chart turns
   * them into alerts, burn-rate rules, dashboards and trace sampling.
   * @default - no SLO (unless `ObservabilityStack.addSlo` gives one)
   */
  readonly slo?: ServiceSlo;
}

/**
 * One service of the mesh: its Deployment (cdk8s-plus-27), Service, ServiceAccount,
 * and its host's one DestinationRule and one VirtualService. Traffic settings are the
 * tier's defaults with the service's own on top; other constructs (canaries, faults,
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
export class MeshService extends Construct implements IMeshService {
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
  public readonly chart: MeshChart;
  /** Base of the health-check paths (`/health`), if the service's first port speaks HTTP. */
  public readonly healthCheckPath?: string;
  /** The service's SLO, if given in its props. */
  public readonly slo?: ServiceSlo;

  private readonly props: MeshServiceProps;
  private readonly _calls: ServiceCall[] = [];

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
    this.props = props;
    this.slo = props.slo;
    this.chart = MeshChart.of(this);
    this.name = props.name ?? id;
    this.namespace = this.chart.namespace;
    this.serviceAccountName = this.name;
    this.tier = props.tier ?? Tier.SERVICE;
    this.version = props.version ?? 'v1';
    this.replicas = props.replicas ?? 2;
    this.ports = resolvePorts(props.ports ?? DEFAULT_PORTS);
    this.healthCheckPath = ['http', 'http2'].includes(this.ports[0]?.protocol) ? props.healthCheckPath ?? '/health' : undefined;
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

    const sa = addServiceAccount(this, 'ServiceAccount', this.serviceAccountName, this.namespace, common);
    addService(this, 'Service', {
      name: this.name,
      namespace: this.namespace,
      labels: { [Labels.APP]: this.name, ...common },
      selector: { ...this.selectorLabels },
      ports: this.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.targetPort, protocol: p.protocol === 'udp' ? 'UDP' : 'TCP' })),
    });
    this.deploy(this, 'Deployment', { name: this.name, version: this.version, image: props.image, replicas: this.replicas, serviceAccount: sa });

    this.traffic = new HostTraffic(this.name, () => this.node.tryRemoveChild('VirtualService'));
    this.traffic.addSubset(this, { name: 'stable', labels: { [Labels.VERSION]: this.version } });

    const meta = { name: this.name, namespace: this.namespace, labels: common };
    new DestinationRule(this, 'DestinationRule', {
      metadata: meta,
      spec: Lazy.any({ produce: () => renderDestinationRuleSpec(this.traffic, this.renderContext()) }),
    });
    new VirtualService(this, 'VirtualService', {
      metadata: meta,
      spec: Lazy.any({ produce: () => renderVirtualServiceSpec(this.traffic, this.renderContext()) }),
    });

    this.chart._register(this);
    new ServiceSecurity(this, 'Security');
    this.node.addValidation({ validate: () => this.problems() });
  }

  /** The resolved traffic settings: the tier's, with the service's own on top. */
  public get policy(): TierSettings {
    const base = TierDefaults.of(this).settingsFor(this.tier) ?? {};
    return mergeTierSettings(base, {
      timeout: this.props.timeout,
      retries: this.props.retries,
      loadBalancer: this.props.loadBalancer,
      connectionPool: this.props.connectionPool,
      outlierDetection: this.props.outlierDetection,
    });
  }

  /** The calls this service makes, in the order declared. */
  public get outboundCalls(): ServiceCall[] {
    return [...this._calls];
  }

  /**
   * Declares that this service calls `target`: an edge of the mesh graph, from which
   * authorization, network policy and sidecar scope are derived.
   */
  public calls(target: IMeshService, options: CallOptions = {}): ServiceCall {
    const call: ServiceCall = {
      source: this,
      target,
      methods: options.methods ? [...options.methods] : undefined,
      paths: options.paths ? [...options.paths] : undefined,
      asynchronous: options.asynchronous ?? false,
    };
    this._calls.push(call);
    this.chart._registerCall(call);
    return call;
  }

  /** Adds a matched route ahead of the default route (header routing for QA, say). */
  public addRoute(route: HttpRouteOptions): void {
    this.traffic.addRoute(this, route);
  }

  /**
   * Adds a Deployment for another version of the service (a canary), with the
   * service's labels and `version: <version>`. Returns the Deployment's name.
   * @internal
   */
  public _addVersion(scope: Construct, id: string, options: { version: string; image: string; replicas: number }): string {
    const sa = this.node.findChild('ServiceAccount') as WorkloadServiceAccount;
    const name = `${this.name}-${options.version}`;
    this.deploy(scope, id, { ...options, name, serviceAccount: sa });
    return name;
  }

  /**
   * Removes the current version's Deployment: a release has completed and the old
   * version's pods are retired, and so is the `stable` subset that selected them.
   * @internal
   */
  public _retireCurrentVersion(): void {
    this.node.tryRemoveChild('Deployment');
    // Its subset selects no pods any more: a route to it would fail with 503 UH.
    this.traffic.removeSubset('stable');
  }

  private deploy(scope: Construct, id: string, options: {
    name: string; version: string; image: string; replicas: number; serviceAccount: WorkloadServiceAccount;
  }): void {
    const health = this.healthCheckPath;
    addDeployment(scope, id, {
      name: options.name,
      namespace: this.namespace,
      labels: { ...this.podLabels, [Labels.VERSION]: options.version, [Labels.INSTANCE_VERSION]: options.version },
      selector: { ...this.selectorLabels, [Labels.VERSION]: options.version },
      image: options.image,
      replicas: options.replicas,
      serviceAccount: options.serviceAccount,
      containerPorts: uniqueTargetPorts(this.ports),
      resources: { ...DEFAULT_RESOURCES, ...this.props.resources },
      readinessPath: health === undefined ? undefined : `${health}/ready`,
      livenessPath: health === undefined ? undefined : `${health}/live`,
      automountServiceAccountToken: this.props.automountServiceAccountToken ?? false,
    });
  }

  private renderContext(): HostRenderContext {
    return {
      policy: this.policy,
      destinationPort: this.ports.length > 1 ? this.ports[0].port : undefined,
      defaultSplit: DEFAULT_SPLIT,
    };
  }

  private problems(): string[] {
    const out: string[] = [];
    const nameProblem = dns1123LabelProblem(this.name);
    if (nameProblem) out.push(formatProblem(Codes.INVALID_NAME, `name: ${nameProblem}`));
    const versionProblem = labelValueProblem(this.version);
    if (versionProblem || this.version === '') out.push(formatProblem(Codes.INVALID_NAME, `version: ${versionProblem ?? 'must not be empty'}`));
    out.push(...integerProblems({ replicas: this.replicas }, 0));
    out.push(...this.portProblems());
    if (!TierDefaults.of(this).settingsFor(this.tier)) {
      out.push(formatProblem(Codes.UNKNOWN_TIER, `tier '${this.tier.name}' is not defined by TierDefaults (known: ${Object.keys(TierDefaults.of(this).tiers).join(', ')})`));
    }
    out.push(...policyProblems(this.policy));
    out.push(...this.traffic.problems(DEFAULT_SPLIT));
    if (this.slo) out.push(...sloProblems(this.slo));
    for (const c of this._calls) {
      if (!(c.target instanceof MeshService) || c.target.chart !== this.chart) {
        out.push(formatProblem(Codes.UNKNOWN_SERVICE, `calls ${c.target.node.path}, which is not a service of chart ${this.chart.node.path}`));
      }
    }
    return out;
  }

  private portProblems(): string[] {
    const out: string[] = [];
    const seenNames = new Set<string>();
    const seenPorts = new Set<number>();
    this.ports.forEach((p, i) => {
      const field = `ports[${i}]`;
      const nameProblem = portNameProblem(p.name);
      if (nameProblem) out.push(formatProblem(Codes.INVALID_PORT_NAME, `${field}.name: ${nameProblem}`));
      out.push(...integerProblems({ [`${field}.port`]: p.port, [`${field}.targetPort`]: p.targetPort }, 1, 65535));
      if (seenNames.has(p.name)) out.push(formatProblem(Codes.DUPLICATE_ENTRY, `${field}.name: '${p.name}' is used twice`));
      if (seenPorts.has(p.port)) out.push(formatProblem(Codes.DUPLICATE_ENTRY, `${field}.port: ${p.port} is used twice`));
      seenNames.add(p.name);
      seenPorts.add(p.port);
    });
    if (this.ports.length === 0) out.push(formatProblem(Codes.OUT_OF_RANGE, 'ports: a service needs at least one port'));
    return out;
  }
}

const DEFAULT_SPLIT: RouteDestinationOptions[] = [{ subset: 'stable', weight: Weight.all() }];

function uniqueTargetPorts(ports: readonly ResolvedServicePort[]): { name: string; number: number }[] {
  const seen = new Set<number>();
  const out: { name: string; number: number }[] = [];
  for (const p of ports) {
    if (seen.has(p.targetPort)) continue;
    seen.add(p.targetPort);
    out.push({ name: p.name, number: p.targetPort });
  }
  return out;
}

/** Problems with resolved traffic settings, each naming its field. */
export function policyProblems(p: TierSettings): string[] {
  const out = durationProblems({
    'timeout': p.timeout,
    'retries.perTryTimeout': p.retries?.perTryTimeout,
    'connectionPool.tcp.connectTimeout': p.connectionPool?.tcp?.connectTimeout,
    'connectionPool.http.idleTimeout': p.connectionPool?.http?.idleTimeout,
    'outlierDetection.interval': p.outlierDetection?.interval,
    'outlierDetection.baseEjectionTime': p.outlierDetection?.baseEjectionTime,
  });
  out.push(...integerProblems({
    'connectionPool.tcp.maxConnections': p.connectionPool?.tcp?.maxConnections,
    'connectionPool.http.http1MaxPendingRequests': p.connectionPool?.http?.http1MaxPendingRequests,
    'connectionPool.http.http2MaxRequests': p.connectionPool?.http?.http2MaxRequests,
    'connectionPool.http.maxRequestsPerConnection': p.connectionPool?.http?.maxRequestsPerConnection,
    'connectionPool.http.maxRetries': p.connectionPool?.http?.maxRetries,
    'outlierDetection.consecutive5xxErrors': p.outlierDetection?.consecutive5xxErrors,
    'outlierDetection.consecutiveGatewayErrors': p.outlierDetection?.consecutiveGatewayErrors,
  }, 1, 2 ** 31 - 1));
  out.push(...integerProblems({
    'outlierDetection.maxEjectionPercent': p.outlierDetection?.maxEjectionPercent,
    'outlierDetection.minHealthPercent': p.outlierDetection?.minHealthPercent,
  }, 0, 100));
  const retriesProblem = p.retries?.problem();
  if (retriesProblem) out.push(formatProblem(Codes.RETRY_ON_WITHOUT_ATTEMPTS, retriesProblem));
  const timeout = p.timeout?.toMilliseconds({ integral: false });
  const perTry = p.retries?.perTryTimeout?.toMilliseconds({ integral: false });
  if (timeout !== undefined && perTry !== undefined && !p.retries?.disabled && perTry > timeout) {
    out.push(formatProblem(Codes.PER_TRY_TIMEOUT_EXCEEDS_TIMEOUT,
      `retries.perTryTimeout (${describeDuration(p.retries!.perTryTimeout!)}) is longer than timeout (${describeDuration(p.timeout!)})`));
  }
  return out;
}
