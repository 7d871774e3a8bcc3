/**
 * The checks over rendered manifests (schema, CEL, cross-resource analysis), wherever
 * the constructs are synthesized: a MeshApp, a plain cdk8s App (any output layout) or
 * `cdk8s synth`. The first MeshChart of an app registers one validation on the app's
 * root; cdk8s runs it with every other validation before it writes a file
 * (cdk8s lib/app.ts `validate()`), and each problem is reported on the construct that
 * rendered the resource, so its message carries that construct's path.
 */
import { ApiObject, Chart, DependencyGraph } from 'cdk8s';
import { IConstruct, IValidation } from 'constructs';
import { Codes } from '../core/codes';
import type { IstioVersion } from '../core/istio-version';
import { push } from './analysis/mesh-index';
import { Finding, formatFinding, isError, Manifest } from './finding';
import { analyzeRetryChains, AssumedIngressGateway, platformIngressGateway } from './analysis';
import { validateManifests } from './validate';
import { Acknowledgement, acknowledgementOf, Warnings } from './warnings';
import { chartsByCalls, clusterFlowFindings, FlowCheckedChart } from './flow-check';
import { hasBrand, MESH_CHART_BRAND } from '../graph/brands';
import { CLUSTER_FOLDER, MESH_APP_MARKER } from '../graph/mesh-cluster';

/** One rendered resource, with the environment folder it is written to. */
export interface RenderedManifest {
  /** `production` */
  readonly folder: string;
  /** The resource. */
  readonly manifest: Manifest;
}

/** How the rendered manifests are checked. */
export interface SynthCheckOptions {
  /**
   * The CRD directory.
   * @default - $CDK8S_MESH_CRDS, else the schemas the package carries
   */
  readonly crdDirectory?: string;
  /**
   * Whether schema and CEL checks run; the cross-resource analysis always does.
   * @default true
   */
  readonly schemaValidation?: boolean;
  /**
   * Whether every flow the MeshCharts intend is followed through their environment's
   * manifests (and the cluster-wide ones), and every undeclared pair of workloads must be
   * refused (src/validate/flow/); runs once the other checks pass.
   * @default true
   */
  readonly flowVerification?: boolean;
  /**
   * The Istio release the cluster runs, whose CRDs and webhook rules check the output.
   * @default - each environment's platform release (its MeshCharts' `platform.istio.version`)
   */
  readonly istioVersion?: IstioVersion;
}

/** One problem of a rendered resource, with the construct that rendered it. */
export interface SynthProblem {
  /** What the check found. */
  readonly finding: Finding;
  /** The environment folder of the resource. */
  readonly folder: string;
  /** The path of the construct that rendered the resource (its chart's when unknown). */
  readonly path: string;
  /** The path of the construct behind the finding's related resource, if any (the other route of a retry chain). */
  readonly related?: string;
  /** The acknowledgement covering it, for an acknowledged warning. */
  readonly acknowledgement?: Acknowledgement;
}

/** A warning a construct acknowledged, with the acknowledgement. */
export interface AcknowledgedProblem extends SynthProblem {
  /** The acknowledgement covering it. */
  readonly acknowledgement: Acknowledgement;
}

/** Every chart rendered, and what the checks found in the result. */
export interface SynthVerdict {
  /** Each chart's resources, as they are written. */
  readonly rendered: ReadonlyMap<Chart, readonly Manifest[]>;
  /** Errors: synth fails. */
  readonly errors: readonly SynthProblem[];
  /** Warnings no construct acknowledged: printed once per synth. */
  readonly warnings: readonly SynthProblem[];
  /** Warnings a construct acknowledged: listed in one line. */
  readonly acknowledged: readonly AcknowledgedProblem[];
  /** Acknowledgements that cover no warning any more [MESH062]. */
  readonly staleAcknowledgements: readonly Acknowledgement[];
}

/** Kinds without a namespace, among those a mesh chart writes. */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  'Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PriorityClass',
  'StorageClass', 'PersistentVolume', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration',
]);

/**
 * A chart's resources as they are written: its own ApiObjects (not those of nested
 * charts) in dependency order, each rendered, as cdk8s's `chartToKube` does
 * (cdk8s lib/app.ts). Not `chart.toJson()`: that validates the whole app again for
 * every chart, and this runs inside the app's validation. A chart's default namespace
 * reaches cluster-scoped objects too; kube-apiserver drops it, so do we
 * (https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/#not-all-objects-are-in-a-namespace).
 */
export function renderChart(chart: Chart): Manifest[] {
  const out = new DependencyGraph(chart.node).topology()
    .filter((c): c is ApiObject => ApiObject.isApiObject(c) && Chart.of(c) === chart)
    .map((c) => c.toJson() as Manifest);
  for (const m of out) {
    if (CLUSTER_SCOPED_KINDS.has(m?.kind) && m.metadata) delete m.metadata.namespace;
  }
  return out;
}

/** The folder a chart's resources go to: its environment, else its id. */
export function folderOf(chart: Chart): string {
  return (chart as Chart & { environment?: string }).environment ?? chart.node.id;
}

function keyOf(apiVersion: unknown, kind: unknown, namespace: unknown, name: unknown): string {
  return `${apiVersion}/${kind}/${namespace ?? ''}/${name}`;
}

/**
 * Renders every chart of `app` and checks each folder's resources as one cluster's
 * objects; warnings are split by whether a construct acknowledged them ({@link Warnings}).
 */
export function checkApp(app: IConstruct, options: SynthCheckOptions = {}): SynthVerdict {
  const charts = app.node.findAll().filter((c): c is Chart => Chart.isChart(c));
  const paths = new Map<string, string>();
  for (const c of app.node.findAll()) {
    if (!ApiObject.isApiObject(c)) continue;
    const key = keyOf(c.apiVersion, c.kind, c.metadata.namespace, c.name);
    if (!paths.has(key)) paths.set(key, c.node.path);
    const bare = keyOf(c.apiVersion, c.kind, undefined, c.name);
    if (!paths.has(bare)) paths.set(bare, c.node.path);
  }
  const rendered = new Map<Chart, Manifest[]>();
  const byFolder = new Map<string, Manifest[]>();
  const chartOf = new Map<Manifest, Chart>();
  for (const chart of charts) {
    const manifests = renderChart(chart);
    rendered.set(chart, manifests);
    for (const m of manifests) {
      push(byFolder, folderOf(chart), m);
      chartOf.set(m, chart);
    }
  }
  const acks = Warnings.within(app);
  const used = new Set<Acknowledgement>();
  const errors: SynthProblem[] = [];
  const warnings: SynthProblem[] = [];
  const acknowledged: AcknowledgedProblem[] = [];
  const gatewayOf = new Map<string, AssumedIngressGateway>();
  const releaseOf = new Map<string, IstioVersion>();
  for (const chart of charts) {
    if (isMeshChart(chart) && !gatewayOf.has(folderOf(chart))) gatewayOf.set(folderOf(chart), platformIngressGateway(chart.platform));
    if (isMeshChart(chart) && !releaseOf.has(folderOf(chart))) releaseOf.set(folderOf(chart), chart.platform.istio.version);
  }
  const fallback = new Map<string, string>();
  for (const [m, chart] of chartOf) fallback.set(keyOf(m.apiVersion, m.kind, m.metadata?.namespace, m.metadata?.name), chart.node.path);
  /** Files a finding under the construct that rendered its resource: an error, a warning, or an acknowledged one. */
  const classify = (f: Finding, folder: string) => {
    const r = f.resource;
    const path = paths.get(keyOf(r.apiVersion, r.kind, r.namespace, r.name)) ?? paths.get(keyOf(r.apiVersion, r.kind, undefined, r.name))
      ?? fallback.get(keyOf(r.apiVersion, r.kind, r.namespace, r.name)) ?? folder;
    const rel = f.related;
    const related = rel && (paths.get(keyOf(rel.apiVersion, rel.kind, rel.namespace, rel.name)) ?? paths.get(keyOf(rel.apiVersion, rel.kind, undefined, rel.name)));
    if (isError(f)) {
      errors.push({ finding: f, folder, path, ...(related ? { related } : {}) });
      return;
    }
    const acknowledgement = acknowledgementOf(acks, f.code, path);
    if (acknowledgement) {
      used.add(acknowledgement);
      acknowledged.push({ finding: f, folder, path, acknowledgement, ...(related ? { related } : {}) });
    } else {
      warnings.push({ finding: f, folder, path, ...(related ? { related } : {}) });
    }
  };
  for (const [folder, manifests] of byFolder) {
    // A folder without a MeshChart (the cluster-wide objects) takes the release of the app's charts.
    const istioVersion = options.istioVersion ?? releaseOf.get(folder) ?? releaseOf.values().next().value;
    for (const f of validateManifests(manifests, {
      crdDirectory: options.crdDirectory, analysisOnly: options.schemaValidation === false, ingressGateway: gatewayOf.get(folder), istioVersion,
    })) {
      classify(f, folder);
    }
  }
  // Retry chains across namespaces: charts whose services call one another are one cluster's
  // namespaces, so a chain from one folder's route into another's is analysed over both; the
  // chains within one folder were found above.
  const meshCharts = charts.filter((c): c is Chart & FlowCheckedChart => isMeshChart(c) && folderOf(c) !== CLUSTER_FOLDER);
  const groups = chartsByCalls(meshCharts);
  for (const group of groups) {
    const folders = [...new Set(group.map(folderOf))];
    if (folders.length < 2) continue;
    const folderOfResource = new Map<string, string>();
    for (const folder of folders) for (const m of byFolder.get(folder) ?? []) folderOfResource.set(keyOf(m.apiVersion, m.kind, m.metadata?.namespace, m.metadata?.name), folder);
    const folderOfRef = (r: Finding['resource']) => folderOfResource.get(keyOf(r.apiVersion, r.kind, r.namespace, r.name));
    for (const f of analyzeRetryChains(folders.flatMap((folder) => byFolder.get(folder) ?? []))) {
      const folder = folderOfRef(f.resource);
      if (folder !== undefined && f.related && folderOfRef(f.related) !== folder) classify(f, folder);
    }
  }
  if (errors.length === 0 && options.flowVerification !== false) {
    // Flow verification per environment, over its manifests and the cluster-wide ones; charts
    // that call one another (namespaces of one app) together, over all their folders.
    const clusterWide = byFolder.get(CLUSTER_FOLDER) ?? [];
    for (const group of groups) {
      const folders = [...new Set(group.map(folderOf))];
      const manifests = [...folders.flatMap((f) => byFolder.get(f) ?? []), ...clusterWide];
      const folderOfPath = (path: string) => folderOf(group.find((c) => path === c.node.path || path.startsWith(`${c.node.path}/`)) ?? group[0]);
      for (const p of clusterFlowFindings(group, manifests)) errors.push({ ...p, folder: folderOfPath(p.path) });
    }
  }
  return { rendered, errors, warnings, acknowledged, staleAcknowledgements: acks.filter((a) => !used.has(a)) };
}

/** A MeshChart, recognized by its brand (MeshChart.isMeshChart) without importing the chart, which imports this check. */
function isMeshChart(chart: Chart): chart is Chart & FlowCheckedChart {
  return hasBrand(chart, MESH_CHART_BRAND);
}

/** What to do about a code, where there is something to say beyond its message. */
const HINTS: Readonly<Record<string, string>> = {
  [Codes.RETRY_NON_IDEMPOTENT]: "if the handlers are idempotent, say so with Warnings.of(<service>).acknowledge('MESH111', '<reason>'); else drop 5xx and gateway-error from retryOn",
  [Codes.SCHEMA_VIOLATION]: 'the API server would reject the object on apply; fix the prop (or the JSON patch) that sets this field',
  [Codes.CEL_RULE_VIOLATION]: 'the API server would reject the object on apply (a CRD x-kubernetes-validations rule); fix the prop (or the JSON patch) that sets this field',
  [Codes.UNKNOWN_KIND]: 'every targeted CRD bundle must serve the apiVersion; point crdDirectory, CDK8S_MESH_CRDS or --crds to other CRDs',
  [Codes.UNKNOWN_SUBSET]: "define the subset (service.traffic.addSubset) or route to one the host's DestinationRule defines",
  [Codes.WEIGHTS_NOT_100]: "make the route's weights sum to 100",
};

/** The hint for `code`, if there is one. */
export function hintOf(code: string): string | undefined {
  return HINTS[code];
}

/** `<folder>/<Kind>/<name>: <field>: <message> [MESHxxx] (hint: ...)`: one line, without the construct path. */
export function formatSynthProblem(p: SynthProblem): string {
  const hint = hintOf(p.finding.code);
  return `${formatFinding(p.finding, p.folder)}${hint ? ` (hint: ${hint})` : ''}`.replace(/\s*\n\s*/g, ' ');
}

/** One line of a pipeline log: `[<construct path>] <env>/<kind>/<name>: <field>: <message> [MESHxxx] (hint: ...)`. */
export function formatSynthLine(p: SynthProblem): string {
  return `[${p.path}] ${formatSynthProblem(p)}${p.related ? ` (with [${p.related}])` : ''}`;
}

/**
 * The warning lines of a synth, printed once: each unacknowledged warning, each stale
 * acknowledgement [MESH062], then one count line, and every acknowledged warning in one line.
 */
export function warningSummary(v: SynthVerdict): string[] {
  const lines = v.warnings.map((w) => `warning: ${formatSynthLine(w)}`);
  for (const a of v.staleAcknowledgements) {
    lines.push(`warning: [${a.path}] acknowledges ${a.code}, which no longer occurs there: remove the acknowledgement [${Codes.STALE_ACKNOWLEDGEMENT}]`);
  }
  const count = v.warnings.length + v.staleAcknowledgements.length;
  if (count > 0) lines.push(`cdk8s-mesh: ${count} warning${count === 1 ? '' : 's'}`);
  if (v.acknowledged.length > 0) {
    const byCode = new Map<string, Set<string>>();
    for (const a of v.acknowledged) {
      const set = byCode.get(a.finding.code) ?? new Set<string>();
      set.add(a.acknowledgement.path);
      byCode.set(a.finding.code, set);
    }
    const parts = [...byCode].map(([code, at]) =>
      `${code} ×${v.acknowledged.filter((a) => a.finding.code === code).length} (${[...at].sort().join(', ')})`);
    lines.push(`cdk8s-mesh: ${v.acknowledged.length} acknowledged warning${v.acknowledged.length === 1 ? '' : 's'}: ${parts.join('; ')}`);
  }
  return lines;
}

/**
 * The validation an app's first MeshChart (or its MeshApp) registers on the app's root.
 * Under a plain App, it first runs every other construct's validation, and checks the
 * rendered manifests only when they pass (rendering a chart whose constructs are
 * invalid may fail, and cdk8s lists their problems itself). Each problem becomes a
 * validation message of the construct that rendered the resource. MeshApp runs the
 * check itself, once ({@link MeshSynthCheck.run}).
 */
export class MeshSynthCheck implements IValidation {
  /** The check registered on `scope`'s app, registered now if there is none. */
  public static of(scope: IConstruct): MeshSynthCheck {
    const root = scope.node.root;
    let check = checks.get(root);
    if (!check) {
      check = new MeshSynthCheck(root);
      checks.set(root, check);
      root.node.addValidation(check);
    }
    return check;
  }

  /** How the manifests are checked. */
  public options: SynthCheckOptions = {};
  /** @internal Set by MeshApp while it runs the construct validations itself. */
  public _deferred = false;
  /** The verdict of the last run. */
  public verdict?: SynthVerdict;
  private messages = new WeakMap<IConstruct, string[]>();
  private cached?: { tick: object; size: number; own: string[] };
  private toPrint?: SynthVerdict;
  private readonly attached = new WeakSet<IConstruct>();

  private constructor(private readonly root: IConstruct) {}

  /** Renders and checks every chart now; the verdict is kept in {@link verdict}. */
  public run(): SynthVerdict {
    this.verdict = checkApp(this.root, this.options);
    return this.verdict;
  }

  public validate(): string[] {
    if (this._deferred) return [];
    // cdk8s validates the whole app once per synth and again for each chart it renders
    // (Chart.toJson): within one synchronous synth, of an unchanged tree, the first
    // verdict stands.
    const size = this.root.node.findAll().length;
    const tick = currentTick();
    if (this.cached && this.cached.tick === tick && this.cached.size === size) return this.cached.own;
    this.messages = new WeakMap();
    for (const c of this.root.node.findAll()) {
      if (c !== this.root && c.node.validate().length > 0) return [];
    }
    const verdict = this.run();
    const byPath = new Map(this.root.node.findAll().map((c) => [c.node.path, c]));
    const own: string[] = [];
    for (const e of verdict.errors) {
      const target = byPath.get(e.path);
      if (target && target !== this.root) this.attach(target, formatSynthProblem(e));
      else own.push(formatSynthLine(e));
    }
    this.cached = { tick, size, own };
    // Outside a MeshApp nothing else prints the warnings: once per synth, when it is over.
    if (verdict.errors.length === 0 && !(this.root as any)[MESH_APP_MARKER]) {
      if (!this.toPrint) {
        queueMicrotask(() => {
          for (const line of warningSummary(this.toPrint!)) process.stderr.write(`${line}\n`);
          this.toPrint = undefined;
        });
      }
      this.toPrint = verdict;
    }
    return own;
  }

  private attach(target: IConstruct, message: string): void {
    const list = this.messages.get(target) ?? [];
    list.push(message);
    this.messages.set(target, list);
    if (!this.attached.has(target)) {
      this.attached.add(target);
      target.node.addValidation({ validate: () => this.messages.get(target) ?? [] });
    }
  }
}

const checks = new WeakMap<IConstruct, MeshSynthCheck>();

let tickToken: object | undefined;

/** A token that stays the same until the current synchronous run of code ends. */
function currentTick(): object {
  if (!tickToken) {
    tickToken = {};
    queueMicrotask(() => { tickToken = undefined; });
  }
  return tickToken;
}


