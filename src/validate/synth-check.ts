/**
 * The checks over rendered manifests (schema, CEL, istiod's webhook, cross-resource analysis,
 * flows), wherever the constructs are synthesized: a MeshApp, a plain cdk8s App (any output
 * layout) or `cdk8s synth`. The first MeshChart of an app registers one validation on the
 * app's root; cdk8s runs it with every other validation before it writes a file
 * (cdk8s lib/app.ts `validate()`), and each problem is reported on the construct that
 * rendered the resource, so its message carries that construct's path. All charts of the
 * app are checked together, as one cluster's objects ({@link checkApp}).
 */
import { ApiObject, Chart, DependencyGraph } from 'cdk8s';
import { IConstruct, IValidation } from 'constructs';
import { Codes } from '../core/codes';
import type { IstioVersion } from '../core/istio-version';
import { Finding, formatFinding, isError, Manifest } from './finding';
import { platformGateways } from './analysis';
import { MeshIdentityClaim, meshIdentityConflicts, sameObjectCollisions } from './collisions';
import { analyseObjects, checkManifests, combineFindings, ObjectVerdict, refusesAny, ValidateOptions } from './validate';
import type { ClusterModel } from './model/cluster-model';
import { acknowledgementAnnotation, annotateAcknowledged } from './acknowledgements';
import { fieldOwner } from '../private/field-owners';
import { Acknowledgement, acknowledgementOf, Warnings } from './warnings';
import { clusterFlowFindings, FlowCheckedChart } from './flow-check';
import { hasBrand, MESH_CHART_BRAND } from '../graph/brands';
import { CLUSTER_FOLDER, MESH_APP_MARKER } from '../graph/mesh-cluster';
import { ConstructProblem, constructWarnings } from '../private/construct-problems';
import { problemText } from '../core/problem';
import { constructsUnder, onceDuringSynth } from '../private/synth-memo';

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
   * Whether every flow the MeshCharts intend is followed through all the app's manifests
   * (every environment's and the cluster-wide ones, one cluster), and every undeclared pair of
   * workloads must be refused (src/validate/flow/); runs once the other checks pass.
   * @default true
   */
  readonly flowVerification?: boolean;
  /**
   * The Istio release the cluster runs, whose CRDs and webhook rules check the output.
   * @default - the platform release of the MeshCharts (`platform.istio.version`; one cluster runs one, MESH632)
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

/**
 * The per-object checks (schema, CEL, istiod's webhook) run elsewhere, a worker thread, while the
 * analysis and the flows run: a chart's manifests are submitted as they are rendered, a slice at a
 * time, and their verdicts collected once the analysis is done. The verdicts must be those
 * `checkObjects` gives in the thread.
 */
export interface ObjectCheckPool {
  /** Starts the checks of `manifests` (`chart`'s, as rendered: the next ones of the chart, in order). */
  submit(manifests: readonly Manifest[], chart: Chart): void;
  /** The verdict of every manifest submitted, in the order submitted; waits for them. */
  collect(): readonly ObjectVerdict[];
}

/**
 * The construct validations, run chart by chart as the charts are rendered (MeshApp's), so that the worker checks a
 * chart's objects while the next chart is validated.
 */
export interface ChartValidations {
  /** Validates `chart`'s own constructs (and, the first time, those under no chart); whether no construct validated so far has an error. */
  before(chart: Chart): boolean;
  /** Validates the constructs not validated yet, then throws if any construct has an error. */
  finish(): void;
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
  return renderChartObjects(chart).map((o) => o.manifest);
}

/** How many rendered objects {@link renderChartObjects} hands on at a time. */
const RENDERED_SLICE = 200;

/**
 * A chart's resources as {@link renderChart} renders them, each with the path of its ApiObject;
 * `rendered` is given them as they are rendered, a slice at a time, in order (so that a worker
 * checks the first while the rest of a large chart renders).
 */
function renderChartObjects(chart: Chart, rendered?: (manifests: Manifest[]) => void): { manifest: Manifest; path: string }[] {
  const out: { manifest: Manifest; path: string }[] = [];
  let handed = 0;
  const handOn = () => {
    rendered?.(out.slice(handed).map((o) => o.manifest));
    handed = out.length;
  };
  for (const c of inDependencyOrder(chart)) {
    if (!ApiObject.isApiObject(c) || Chart.of(c) !== chart) continue;
    const manifest = c.toJson() as Manifest;
    if (CLUSTER_SCOPED_KINDS.has(manifest?.kind) && manifest.metadata) delete manifest.metadata.namespace;
    out.push({ manifest, path: c.node.path });
    if (out.length - handed >= RENDERED_SLICE) handOn();
  }
  if (out.length > handed) handOn();
  return out;
}

/**
 * The constructs of `scope` (a chart or an app; itself first) in cdk8s's dependency order,
 * `new DependencyGraph(scope.node).topology()`: with no dependency between them that order is the tree's,
 * `findAll()`'s. The graph puts a vertex per construct, in `findAll()` order, makes every vertex without an
 * inbound edge a child of its root, in that order, and visits each vertex's dependencies before it (cdk8s
 * lib/dependency.ts); building it costs as much as rendering a third of the objects, for nothing where no
 * construct declares a dependency.
 * @internal
 */
export function inDependencyOrder(scope: IConstruct): readonly IConstruct[] {
  const all = constructsUnder(scope);
  return all.some((c) => c.node.dependencies.length > 0) ? new DependencyGraph(scope.node).topology() : all;
}

/**
 * The charts of `app` in the order cdk8s's `App.charts` gives them (its DependencyGraph's topology, charts only),
 * worked out once per synth: `App.charts` builds the graph of the whole tree on each call.
 * @internal
 */
export function chartsInOrder(app: IConstruct): Chart[] {
  return onceDuringSynth(app, 'charts-in-order', () => inDependencyOrder(app).filter((c): c is Chart => Chart.isChart(c)));
}

/** The folder a chart's resources go to: its environment, else its id. */
export function folderOf(chart: Chart): string {
  return (chart as Chart & { environment?: string }).environment ?? chart.node.id;
}

function keyOf(apiVersion: unknown, kind: unknown, namespace: unknown, name: unknown): string {
  return `${apiVersion}/${kind}/${namespace ?? ''}/${name}`;
}

/**
 * The key of a finding's resource: its apiVersion, kind, namespace and name.
 * @internal
 */
export function keyOfRef(r: { apiVersion: unknown; kind: unknown; namespace?: unknown; name: unknown }): string {
  return keyOf(r.apiVersion, r.kind, r.namespace, r.name);
}

/**
 * The key of a rendered manifest, as {@link keyOfRef} gives its findings'.
 * @internal
 */
export function keyOfManifest(m: Manifest): string {
  return keyOf(m.apiVersion, m.kind, m.metadata?.namespace, m.metadata?.name);
}

/**
 * The options of the checks over the manifests, from the synth check's: the Istio release is the
 * app's, else `platformRelease` (its charts' platform's).
 * @internal
 */
export function validateOptionsOf(options: SynthCheckOptions, platformRelease?: IstioVersion): ValidateOptions {
  return {
    crdDirectory: options.crdDirectory, analysisOnly: options.schemaValidation === false, istioVersion: options.istioVersion ?? platformRelease,
  };
}

/** Every chart of an app rendered, each manifest with its chart and the path of its ApiObject. */
interface RenderedApp {
  readonly rendered: Map<Chart, Manifest[]>;
  /** Every manifest, in chart order, with the chart that wrote it. */
  readonly all: { readonly manifest: Manifest; readonly chart: Chart }[];
  /** The path of the ApiObject each manifest was rendered from. */
  readonly pathOf: ReadonlyMap<Manifest, string>;
}

/**
 * Renders every chart, in order. With `validations`, each chart's constructs are validated just before it renders: a
 * chart renders only while no construct has an error, and the construct errors are thrown once every construct is
 * validated; an error thrown by rendering (a construct of a chart not validated yet may cause it) is thrown after
 * them, where no construct has an error, as it would be thrown by rendering after all the validations.
 */
function renderApp(charts: readonly Chart[], pool?: ObjectCheckPool, validations?: ChartValidations): RenderedApp {
  const rendered = new Map<Chart, Manifest[]>();
  const all: { manifest: Manifest; chart: Chart }[] = [];
  const pathOf = new Map<Manifest, string>();
  let stopped = false;
  let failed: { error: unknown } | undefined;
  for (const chart of charts) {
    if (validations && !validations.before(chart)) stopped = true;
    if (stopped || failed) continue;
    let objects: { manifest: Manifest; path: string }[];
    try {
      // Checked elsewhere while the rest renders.
      objects = renderChartObjects(chart, pool && ((part) => pool.submit(part, chart)));
    } catch (error) {
      if (!validations) throw error;
      failed = { error };
      continue;
    }
    const manifests = objects.map((o) => o.manifest);
    rendered.set(chart, manifests);
    for (const { manifest, path } of objects) {
      all.push({ manifest, chart });
      pathOf.set(manifest, path);
    }
  }
  validations?.finish();
  if (failed) throw failed.error;
  return { rendered, all, pathOf };
}

/** `f` of `value`, or undefined without one. */
function mapDefined<T, U>(value: T | undefined, f: (value: T) => U): U | undefined {
  return value === undefined ? undefined : f(value);
}

/**
 * The resource a finding is reported on: a Flagger Canary's apex Service, which the manifests do not hold (Flagger writes it; the
 * analysis stands it in from the Canary, model/flagger.ts apexStandIns), is the Canary's, so its construct and folder, not the
 * cluster's; any other resource is itself.
 */
function reportedResource(r: Finding['resource'], held: ReadonlyMap<string, unknown>): Finding['resource'] {
  const canary = { ...r, apiVersion: 'flagger.app/v1beta1', kind: 'Canary' };
  return r.kind === 'Service' && !held.has(keyOfRef(r)) && held.has(keyOfRef(canary)) ? canary : r;
}

/**
 * Renders every chart of `app` and checks all of them as one cluster's objects, once: the
 * charts of one app (its environments, the namespaces of its tiers and the cluster-wide
 * objects) are applied to one cluster, share its ingress gateway and its mesh, and collide
 * there. The checks are those `cdk8s-mesh-validate` runs over the whole output (schema, CEL,
 * istiod's webhook, the cross-resource analysis), then the collisions only the charts show
 * (one object written by two charts [MESH018], environments assuming different mesh
 * identities [MESH632]), then the flows of every chart over all manifests. Each finding is
 * reported once, on the construct that rendered its resource (with the construct of its
 * related resource, for a collision); warnings are split by whether a construct
 * acknowledged them ({@link Warnings}).
 */
export function checkApp(app: IConstruct, options: SynthCheckOptions = {}, pool?: ObjectCheckPool, validations?: ChartValidations): SynthVerdict {
  const charts = constructsUnder(app).filter((c): c is Chart => Chart.isChart(c));
  const { paths, objects } = apiObjectPaths(app);
  const { rendered, all, pathOf: constructOf } = renderApp(charts, pool, validations);
  // Each object once, as the cluster holds it (the first chart's, where two write it: MESH018).
  const unique = new Map<string, { manifest: Manifest; chart: Chart }>();
  for (const e of all) {
    const key = keyOfManifest(e.manifest);
    if (!unique.has(key)) unique.set(key, e);
  }
  const pathOf = (ref: Finding['resource']) => {
    const r = reportedResource(ref, unique);
    return paths.get(keyOfRef(r)) ?? paths.get(keyOf(r.apiVersion, r.kind, undefined, r.name)) ?? unique.get(keyOfRef(r))?.chart.node.path;
  };
  const folderOfResource = (r: Finding['resource']) => mapDefined(unique.get(keyOfRef(reportedResource(r, unique))), (e) => folderOf(e.chart));
  const acks = Warnings.within(app);
  const used = new Set<Acknowledgement>();
  const errors: SynthProblem[] = [];
  const warnings: SynthProblem[] = [];
  const acknowledged: AcknowledgedProblem[] = [];
  /**
   * Files a finding under the construct that rendered its resource (or `at`, the manifest it is
   * about, where two charts render one resource): an error, a warning, or an acknowledged one.
   */
  const classify = (f: Finding, fallbackFolder: string, at?: { manifest: Manifest; chart: Chart; related: Manifest }, owner?: string) => {
    const folder = at ? folderOf(at.chart) : folderOfResource(f.resource) ?? fallbackFolder;
    const path = owner ?? (at && constructOf.get(at.manifest)) ?? fieldOwnerPath(objects, f) ?? pathOf(f.resource) ?? folder;
    const related = (at && constructOf.get(at.related)) ?? (f.related && pathOf(f.related));
    const problem = { finding: f, folder, path, ...(related ? { related } : {}) };
    if (isError(f)) {
      errors.push(problem);
      return;
    }
    const acknowledgement = acknowledgementOf(acks, f.code, path);
    if (acknowledgement) {
      used.add(acknowledgement);
      acknowledged.push({ ...problem, acknowledgement });
    } else {
      warnings.push(problem);
    }
  };
  // The constructs' warnings, filed like the manifests' (their errors stopped synth before it got here).
  for (const w of constructWarnings(app)) {
    const { finding: f, folder } = constructFinding(app, w);
    classify(f, folder, undefined, w.path);
  }
  const meshCharts = charts.filter((c): c is Chart & FlowCheckedChart => isMeshChart(c) && folderOf(c) !== CLUSTER_FOLDER);
  const chartOf = new Map(all.map((e) => [e.manifest, e.chart]));
  for (const c of sameObjectCollisions(all.map((e) => ({ manifest: e.manifest, source: e.chart.node.path })), true)) {
    classify(c.finding, CLUSTER_FOLDER, { manifest: c.later.manifest, chart: chartOf.get(c.later.manifest)!, related: c.first.manifest });
  }
  for (const f of meshIdentityConflicts(identityClaims(meshCharts, rendered))) classify(f, CLUSTER_FOLDER);
  const manifests = [...unique.values()].map((e) => e.manifest);
  const ingressGateways = [...new Map(meshCharts.map((c) => [c.platform, platformGateways(c.platform)])).values()].flat();
  // One cluster, one Istio release: the app's, else its charts' platform's (MESH632 when they differ).
  // The charts of an app agree on the root namespace (MESH_IDENTITY_CONFLICT otherwise, meshIdentityConflicts).
  // Native sidecars are assumed only where every chart's platform says istiod injects them (MESH053).
  const checkOptions: ValidateOptions = {
    ...validateOptionsOf(options, meshCharts[0]?.platform.istio.version), ingressGateways, rootNamespace: meshCharts[0]?.platform.istio.rootNamespace,
    nativeSidecars: meshCharts.length > 0 && meshCharts.every((c) => c.platform.istio.nativeSidecars),
  };
  const flowsOf: FlowsOf | undefined = options.flowVerification !== false && meshCharts.length > 0
    ? (model) => flowProblems(meshCharts, model, pathOf, folderOfResource)
    : undefined;
  // The model of the cluster is built once, by the analysis, and handed on to the flows.
  const { findings, flows } = pool
    ? checkWithPool(pool, all.map((e) => e.manifest), manifests, checkOptions, errors.length === 0 ? flowsOf : undefined)
    : checkInThread(manifests, checkOptions, flowsOf);
  for (const f of findings) classify(f, CLUSTER_FOLDER);
  if (errors.length === 0 && flowsOf) errors.push(...flows());
  // Each acknowledged warning travels with the object it is reported on, as the annotation
  // `cdk8s-mesh-validate` and `cdk8s-mesh-diff` read (acknowledgements.ts).
  for (const a of acknowledged) {
    const e = unique.get(keyOfRef(a.finding.resource));
    if (e) annotateAcknowledged(e.manifest, a.finding.code, a.acknowledgement.reason);
  }
  return { rendered, errors, warnings, acknowledged, staleAcknowledgements: acks.filter((a) => !used.has(a)) };
}

/**
 * The construct that contributed the part of its object a finding is about (a route of a shared VirtualService), whose path it
 * is reported on and acknowledged at, if the object's renderer registered one (private/field-owners.ts).
 */
function fieldOwnerPath(objects: ReadonlyMap<string, ApiObject>, f: Finding): string | undefined {
  const o = objects.get(keyOfRef(f.resource));
  return o ? fieldOwner(o, f.field)?.node.path : undefined;
}

/**
 * The path of each ApiObject under `app`, by its key with and without its namespace (the first, where two share one),
 * and each ApiObject by its key with its namespace.
 */
function apiObjectPaths(app: IConstruct): { paths: Map<string, string>; objects: Map<string, ApiObject> } {
  const paths = new Map<string, string>();
  const objects = new Map<string, ApiObject>();
  for (const c of constructsUnder(app)) {
    if (!ApiObject.isApiObject(c)) continue;
    const key = keyOf(c.apiVersion, c.kind, c.metadata.namespace, c.name);
    if (!objects.has(key)) objects.set(key, c);
    for (const k of [key, keyOf(c.apiVersion, c.kind, undefined, c.name)]) {
      if (!paths.has(k)) paths.set(k, c.node.path);
    }
  }
  return { paths, objects };
}

/** What {@link checkApp} learns of the manifests: their findings, and the flows' problems over the model of the cluster. */
interface ManifestVerdict {
  readonly findings: readonly Finding[];
  /** The flows' problems, run when the other checks found no error. */
  readonly flows: () => SynthProblem[];
}

/** The flow problems over a model of the cluster (or its manifests). */
type FlowsOf = (model: ClusterModel | readonly Manifest[]) => SynthProblem[];

/** Every check of `manifests` in this thread, one after the other. */
function checkInThread(manifests: readonly Manifest[], options: ValidateOptions, flowsOf: FlowsOf | undefined): ManifestVerdict {
  const { findings, model } = checkManifests(manifests, options);
  return { findings, flows: () => (flowsOf ? flowsOf(model ?? manifests) : []) };
}

/**
 * Every check of `manifests`, the per-object ones in `pool` (`submitted`: every manifest it was
 * given, in order) while this thread runs the analysis and the flows over the objects as rendered.
 * The verdict is the one {@link checkInThread} gives: the analysis and the flows are run again when
 * a schema refuses a value (the analysis must not see it), and the flows count only when no check
 * found an error.
 */
function checkWithPool(
  pool: ObjectCheckPool,
  submitted: readonly Manifest[],
  manifests: readonly Manifest[],
  options: ValidateOptions,
  flowsOf: FlowsOf | undefined,
): ManifestVerdict {
  let analysis: { findings: Finding[]; model: ClusterModel } | undefined;
  let flows: { problems?: SynthProblem[]; error?: unknown } | undefined;
  try {
    analysis = analyseObjects(manifests, undefined, options);
    if (flowsOf && !analysis.findings.some(isError)) {
      try {
        flows = { problems: flowsOf(analysis.model) };
      } catch (error) {
        // Rethrown below only if the manifests pass every other check.
        flows = { error };
      }
    }
  } catch {
    // Judged again below, without what the schemas refuse.
    analysis = undefined;
  }
  const collected = pool.collect();
  const verdictOf = new Map(submitted.map((m, i) => [m, collected[i]]));
  const verdicts = manifests.map((m) => verdictOf.get(m)!);
  if (!analysis || refusesAny(verdicts)) {
    analysis = analyseObjects(manifests, verdicts, options);
    flows = undefined;
  }
  const { model } = analysis;
  const findings = combineFindings(verdicts, analysis.findings);
  const ran = flows;
  return {
    findings,
    flows: () => {
      if (!flowsOf) return [];
      if (!ran) return flowsOf(model);
      if (ran.error !== undefined) throw ran.error;
      return ran.problems!;
    },
  };
}

/**
 * A construct's warning as a finding: on the object it is about (the problem's own, else the construct's primary object,
 * else the construct itself: construct-problems.ts), that object if it is an ApiObject, else the first ApiObject under it,
 * where its acknowledgement is recorded; on no object when there is none.
 */
function constructFinding(app: IConstruct, w: ConstructProblem): { finding: Finding; folder: string } {
  const c = w.about ?? findByPath(app, w.path);
  const object = c && (ApiObject.isApiObject(c) ? c : c.node.findAll().find((x): x is ApiObject => ApiObject.isApiObject(x)));
  const resource = object
    ? { apiVersion: object.apiVersion, kind: object.kind, name: object.name, namespace: object.metadata.namespace }
    : { apiVersion: '', kind: '', name: '' };
  const chart = (object ?? c)?.node.scopes.slice().reverse().find((x): x is Chart => Chart.isChart(x));
  const { path: _path, about: _about, ...p } = w;
  return { finding: { ...p, resource }, folder: chart ? folderOf(chart) : CLUSTER_FOLDER };
}

/** The ApiObject under `root` that renders `r` (under the whole app, `r`'s namespace too), if one does. */
function apiObjectOf(root: IConstruct, r: Finding['resource'], app = false): ApiObject | undefined {
  return root.node.findAll().find((x): x is ApiObject => ApiObject.isApiObject(x) && x.kind === r.kind && x.name === r.name
    && (!app || (x.metadata.namespace ?? '') === (r.namespace ?? '')));
}

/** The construct at `path` under `root`. */
function findByPath(root: IConstruct, path: string): IConstruct | undefined {
  const rootPath = root.node.path;
  const rest = rootPath === '' ? path : path.startsWith(`${rootPath}/`) ? path.slice(rootPath.length + 1) : path === rootPath ? '' : undefined;
  if (rest === undefined) return undefined;
  let c: IConstruct | undefined = root;
  for (const id of rest === '' ? [] : rest.split('/')) c = c?.node.tryFindChild(id);
  return c;
}

/**
 * Every chart's intended flows over every manifest: a call across namespaces meets the callee's
 * policies, and a pair of workloads of two environments must be refused too. A finding no construct
 * stated (an open pair) goes to the construct of its resource (the destination's Deployment).
 */
function flowProblems(
  meshCharts: readonly (Chart & FlowCheckedChart)[],
  manifests: readonly Manifest[] | ClusterModel,
  pathOf: (r: Finding['resource']) => string | undefined,
  folderOfResource: (r: Finding['resource']) => string | undefined,
): SynthProblem[] {
  const chartByPath = new Map(meshCharts.map((c) => [c.node.path, c]));
  const folderOfPath = (path: string) => {
    for (let p = path; p !== ''; p = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '') {
      const chart = chartByPath.get(p);
      if (chart) return folderOf(chart);
    }
    return folderOf(meshCharts[0]);
  };
  return clusterFlowFindings(meshCharts, manifests).map((p) => {
    const stated = (p.finding as { constructPath?: string }).constructPath !== undefined;
    const path = stated ? p.path : pathOf(p.finding.resource) ?? p.path;
    // The line names the deciding resource as `<folder>/<Kind>/<name>`: its own folder (the cluster's mesh-wide PeerAuthentication
    // `default`, not the construct's environment, which holds a namespace's PeerAuthentication `default` of its own).
    return { ...p, path, folder: folderOfResource(p.finding.resource) ?? folderOfPath(path) };
  });
}

/** What each MeshChart assumes about the mesh's identity, on its Namespace (else its first object). */
function identityClaims(charts: readonly FlowCheckedChart[], rendered: ReadonlyMap<Chart, readonly Manifest[]>): MeshIdentityClaim[] {
  return charts.flatMap((c) => {
    const own = rendered.get(c as unknown as Chart) ?? [];
    const manifest = own.find((m) => m.kind === 'Namespace') ?? own[0];
    return manifest ? [{
      manifest, source: c.node.path, trustDomain: c.platform.trustDomain, rootNamespace: c.platform.istio.rootNamespace,
      istioVersion: c.platform.istio.version,
    }] : [];
  });
}

/** A MeshChart, recognized by its brand (MeshChart.isMeshChart) without importing the chart, which imports this check. */
function isMeshChart(chart: Chart): chart is Chart & FlowCheckedChart {
  return hasBrand(chart, MESH_CHART_BRAND);
}

/** What to do about a code, where there is something to say beyond its message. */
const HINTS: Readonly<Record<string, string>> = {
  [Codes.RETRY_NON_IDEMPOTENT]:
    "if the handlers are idempotent, say so with Warnings.of(<service>).acknowledge('MESH111', '<reason>'); else drop the conditions it names from "
      + 'retryOn (reset-before-request,connect-failure retry only what never reached the server)',
  [Codes.SCHEMA_VIOLATION]: 'the API server would reject the object on apply; fix the prop (or the JSON patch) that sets this field',
  [Codes.CEL_RULE_VIOLATION]:
    'the API server would reject the object on apply (a CRD x-kubernetes-validations rule); fix the prop (or the JSON patch) that sets this field',
  [Codes.UNKNOWN_KIND]: 'every targeted CRD bundle must serve the apiVersion; point crdDirectory, CDK8S_MESH_CRDS or --crds to other CRDs',
  [Codes.UNKNOWN_SUBSET]: "define the subset (service.traffic.addSubset) or route to one the host's DestinationRule defines",
  [Codes.WEIGHTS_NOT_100]: "make the route's weights sum to 100",
  [Codes.CONFLICTING_GATEWAYS]:
    'Gateways that select the same pods share each port: give each its own hosts there (so too environments that share the '
      + "platform's ingress gateway), or its own gateway pods (MeshPlatform's ingressGateway)",
  [Codes.GATEWAY_DUPLICATE_CERTIFICATE]:
    "give each environment's hosts their own certificate (credentialName), " + 'or acknowledge it where one certificate is meant',
  [Codes.DUPLICATE_RESOURCE]:
    'two objects meant: give one another name; one object meant: write it in one chart (each chart its own namespace, '
      + 'a cluster-wide object once, to the cluster folder)',
  [Codes.MESH_IDENTITY_CONFLICT]:
    "give the app one platform (MeshAppProps.platform), or the charts' platforms the same trustDomain " + 'and istio.rootNamespace',
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

/**
 * One line of a pipeline log for a construct's own problem: `[<construct path>] <field>: <message> [MESHxxx]`, as
 * {@link formatSynthLine} lists a manifest's, without the resource it has none of.
 */
export function formatConstructProblem(p: ConstructProblem): string {
  return `[${p.path}] ${problemText(p)}`.replace(/\s*\n\s*/g, ' ');
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
    lines.push(
      `warning: [${a.path}] acknowledges ${a.code}, which no longer occurs there: remove the acknowledgement [${Codes.STALE_ACKNOWLEDGEMENT}]`,
    );
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

  /**
   * Renders and checks every chart now; the verdict is kept in {@link verdict}. With `pool`, the
   * per-object checks run there; with `validations`, the constructs are validated chart by chart as they render.
   */
  public run(pool?: ObjectCheckPool, validations?: ChartValidations): SynthVerdict {
    this.verdict = checkApp(this.root, this.options, pool, validations);
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
    // cdk8s renders the ApiObjects itself after the validations: the acknowledgements go onto them.
    for (const a of verdict.acknowledged) {
      const at = byPath.get(a.path);
      // A construct's own warning is recorded on the object it is about: one it renders, else (an object it names that
      // another construct renders) the app's.
      const r = a.finding.resource;
      const target = ApiObject.isApiObject(at) ? at : (at && apiObjectOf(at, r)) ?? apiObjectOf(this.root, r, true);
      if (target) target.metadata.addAnnotation(acknowledgementAnnotation(a.finding.code), a.acknowledgement.reason);
    }
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
          const summary = warningSummary(this.toPrint!);
          if (summary.length > 0) process.stderr.write(summary.map((line) => `${line}\n`).join(''));
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
