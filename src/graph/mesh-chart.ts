import { Chart, ChartProps } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { Codes } from '../core/codes';
import { formatProblem, MeshError } from '../core/errors';
import { Labels, MANAGED_BY } from '../core/labels';
import { dns1123LabelProblem } from '../core/names';
import type { IntendedFlow } from '../core/flow';
import type { TracingProvider } from './observability/telemetry';
import { MeshPlatform } from '../platform/platform';
import { PLATFORM_ANNOTATION, platformRecord } from '../platform/platform-record';
import { MeshSecurity, MeshSecurityProps } from './security/mesh-security';
import type { MeshService } from './mesh-service';
import { unhardenedPodProblems } from '../workload/pod-checks';
import { addNamespace } from '../workload/workload';
import { derivedIntendedFlows } from './intended-flows';
import { runMeshChartHooks } from './chart-hooks';
import { hasBrand, isMeshChart, meshChartOf, MESH_APP_BRAND, MESH_CHART_BRAND, setBrand } from './brands';
import type { IExternalService, IMeshChart, ServiceCall } from './interfaces';
import { addProblems } from '../private/construct-problems';

export type { IExternalService, IMeshChart } from './interfaces';

/** Props for {@link MeshChart}. */
export interface MeshChartProps extends ChartProps {
  /** The namespace every service of the chart runs in (`production`); also the chart's default namespace. */
  readonly namespace: string;
  /**
   * The environment's name; also the folder of the chart's manifests in dist/.
   * @default - the chart's id
   */
  readonly environment?: string;
  /**
   * The shared components the chart's output runs on: istiod, the ingress gateway,
   * Prometheus, the tracing collector, the rate-limit service, Flagger.
   * @default - the MeshApp's platform, else `MeshPlatform.default()`
   */
  readonly platform?: MeshPlatform;
  /**
   * Whether this environment serves real users: guards that keep risky tests (a 100%
   * fault, say) out of production read this, never the environment's name.
   * @default false
   */
  readonly production?: boolean;
  /**
   * The application the services are part of (`app.kubernetes.io/part-of`).
   * @default - no such label
   */
  readonly partOf?: string;
  /**
   * Whether the chart writes its Namespace, labelled for sidecar injection.
   * @default true
   */
  readonly createNamespace?: boolean;
  /**
   * The namespace's security: mTLS layers, the allow-nothing baseline, metrics scraping.
   * @default - secure defaults: STRICT mTLS in the namespace (no mesh-wide policy: `MeshWideMtls.none()`), allow-nothing, deny-by-default
   */
  readonly security?: MeshSecurityProps;
}

/**
 * A chart for one environment (or one namespace of an app) of the mesh: every service
 * in it shares one namespace, and rules that span services (unique names) are checked
 * here at synth. Its services may call those of other charts of the same app.
 */
export class MeshChart extends Chart implements IMeshChart {
  /**
   * cdk8s's Chart answers `instanceof` for every chart; a MeshChart answers only for
   * MeshCharts, so that other charts of the app (its MeshCluster) are not taken for one.
   */
  public static [Symbol.hasInstance](o: unknown): o is Chart {
    return MeshChart.isMeshChart(o);
  }

  /** Whether `x` is a MeshChart: a brand check, true across two copies of the library too. */
  public static isMeshChart(x: unknown): x is MeshChart {
    return isMeshChart(x);
  }

  /** The MeshChart that `scope` belongs to; throws if there is none (MESH070). Creates nothing. */
  public static of(scope: IConstruct): MeshChart {
    // The brand says it is a MeshChart (of this copy of the library, or another).
    return meshChartOf(scope) as MeshChart;
  }

  /** The namespace of the chart's services. */
  public declare readonly namespace: string;
  /** The environment's name. */
  public readonly environment: string;
  /** The mesh's trust domain (the platform's). */
  public readonly trustDomain: string;
  /** The platform the chart's output runs on. */
  public readonly platform: MeshPlatform;
  /** Whether this environment serves real users. */
  public readonly production: boolean;
  /** The `app.kubernetes.io/part-of` value, if any. */
  public readonly partOf?: string;

  private readonly _services: MeshService[] = [];
  private readonly _serviceListeners: ((service: MeshService) => void)[] = [];
  private readonly _externals: IExternalService[] = [];
  private readonly _calls: ServiceCall[] = [];
  private readonly _callsTo = new Map<IConstruct, ServiceCall[]>();
  private readonly _outputFiles = new Map<string, () => string>();
  private _tracing?: TracingProvider;
  private readonly _intended: (() => IntendedFlow[])[] = [];

  public constructor(scope: Construct, id: string, props: MeshChartProps) {
    super(scope, id, props);
    setBrand(this, MESH_CHART_BRAND);
    this.environment = props.environment ?? id;
    // A MeshApp (recognized by its brand) carries the platform its charts share.
    const root = this.node.root;
    this.platform =
      props.platform ?? (hasBrand(root, MESH_APP_BRAND) ? (root as unknown as { readonly platform: MeshPlatform }).platform : MeshPlatform.default());
    this.trustDomain = this.platform.trustDomain;
    this.production = props.production ?? false;
    this.partOf = props.partOf;
    if (props.createNamespace ?? true) {
      const ns = addNamespace(this, 'Namespace', this.namespace, {
        [Labels.ISTIO_INJECTION]: 'enabled',
        [Labels.MANAGED_BY]: MANAGED_BY,
      });
      // The platform the chart's output assumes, for the command-line tools to read back.
      ns.metadata.addAnnotation(PLATFORM_ANNOTATION, platformRecord(this.platform));
    }
    new MeshSecurity(this, 'Security', props.security);
    addProblems(this, () => this.problems());
    // Every pod of the chart is hardened, hand-added ones included (MESH208).
    addProblems(this, () => unhardenedPodProblems(this));
    // Schema, CEL and cross-resource checks of the rendered manifests, under any App: the synth
    // layer registers them (src/synth/synth-check-wiring.ts).
    runMeshChartHooks(this);
  }

  /** The services of this chart, in the order they were created. */
  public get services(): readonly MeshService[] {
    return this._services;
  }

  /** Every declared call the chart's services make (to services of any chart of the app), in the order declared. */
  public get calls(): ServiceCall[] {
    return [...this._calls];
  }

  /** The declared calls to `service`, a service of this chart, from any chart of the app, in the order declared. */
  public callsTo(service: IConstruct): readonly ServiceCall[] {
    return this._callsTo.get(service) ?? [];
  }

  /**
   * Records that the chart's Telemetry sends spans to `provider`'s collector (an
   * ObservabilityStack does this): every workload's Sidecar then imports the collector's
   * host and its NetworkPolicy allows egress to it, or Envoy rejects the listener update
   * ("unknown cluster", istio/istio#43043).
   */
  public useTracing(provider: TracingProvider): void {
    this._tracing = provider;
  }

  /**
   * Adds flows a construct means to work (or to be refused), produced at synth: the
   * ingress gateway's routes, say. Synth checks them against the rendered manifests.
   */
  public addIntendedFlows(produce: () => IntendedFlow[]): void {
    this._intended.push(produce);
  }

  /**
   * Every flow the chart's constructs intend: each declared call, the scrapes, the spans
   * to the collector, and what constructs added with {@link addIntendedFlows}.
   */
  public intendedFlows(): IntendedFlow[] {
    return [...derivedIntendedFlows(this), ...this._intended.flatMap((p) => p())];
  }

  /** The tracing provider the chart's Telemetry names, if tracing is on. */
  public get tracing(): TracingProvider | undefined {
    return this._tracing;
  }

  /** Labels every resource of a service carries besides its own. */
  public commonLabels(): Record<string, string> {
    return {
      [Labels.MANAGED_BY]: MANAGED_BY,
      ...(this.partOf ? { [Labels.PART_OF]: this.partOf } : {}),
    };
  }

  /**
   * Adds a file that is not a Kubernetes resource (Helm values for the Istio install,
   * say) to the chart's output: written at synth to `<environment>/<relativePath>`,
   * its content produced then. Throws if the path is taken.
   */
  public addOutputFile(relativePath: string, produce: () => string): void {
    if (relativePath.startsWith('/') || relativePath.split('/').includes('..') || !relativePath.endsWith('.yaml')) {
      throw new MeshError(Codes.INVALID_OUTPUT_FILE, `output file '${relativePath}' must be a relative .yaml path inside the environment's folder`);
    }
    if (this._outputFiles.has(relativePath)) throw new MeshError(Codes.INVALID_OUTPUT_FILE, `output file '${relativePath}' is added twice`);
    this._outputFiles.set(relativePath, produce);
  }

  /** The chart's extra output files, sorted by path, their content produced now. */
  public outputFiles(): { path: string; content: string }[] {
    return [...this._outputFiles.keys()].sort().map((p) => ({ path: p, content: this._outputFiles.get(p)!() }));
  }

  /** The external services (ServiceEntries) of this chart, in the order they were created. */
  public get externalServices(): readonly IExternalService[] {
    return this._externals;
  }

  /** @internal */
  public _registerExternal(external: IExternalService): void {
    this._externals.push(external);
  }

  /** @internal */
  public readonly _workloadPrincipals: string[] = [];

  /** @internal */
  public _registerWorkloadPrincipal(principal: string): void {
    this._workloadPrincipals.push(principal);
  }

  /** @internal */
  public _register(service: MeshService): void {
    this._services.push(service);
    for (const listener of this._serviceListeners) listener(service);
  }

  /** @internal Calls `listener` for each service registered from now on (a construct that derives children from services). */
  public _onService(listener: (service: MeshService) => void): void {
    this._serviceListeners.push(listener);
  }

  /** @internal */
  public _registerCall(call: ServiceCall): void {
    this._calls.push(call);
    // The callee's chart keeps its inbound calls, whichever chart the caller is in.
    const target = (call.target as { chart?: unknown }).chart;
    (isMeshChart(target) ? target : this)._registerInbound(call);
  }

  /** @internal */
  public _registerInbound(call: ServiceCall): void {
    const list = this._callsTo.get(call.target);
    if (list) list.push(call);
    else this._callsTo.set(call.target, [call]);
  }

  private problems(): string[] {
    const out: string[] = [];
    const ns = dns1123LabelProblem(this.namespace);
    if (ns) out.push(formatProblem(Codes.INVALID_NAME, `namespace: ${ns}`));
    const byName = new Map<string, MeshService[]>();
    for (const s of this._services) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
    for (const [name, list] of byName) {
      if (list.length > 1) {
        out.push(formatProblem(Codes.DUPLICATE_SERVICE,
          `service name '${name}' is used by ${list.length} services: ${list.map((s) => s.node.path).join(', ')}`));
      }
    }
    return out;
  }
}
