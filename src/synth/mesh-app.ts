import * as os from 'node:os';
import * as path from 'node:path';
import { ApiObject, App, AppProps, Chart } from 'cdk8s';
import type { IConstruct } from 'constructs';
import { Codes } from '../core/codes';
import { MeshError } from '../core/errors';
import { checkIstioVersion, IstioVersion } from '../core/istio-version';
import { MeshPlatform } from '../platform/platform';
import { topologyFiles } from '../review/topology';
import {
  ChartValidations, chartsInOrder, folderOf, formatConstructProblem, formatSynthLine, keyOfManifest, keyOfRef, MeshSynthCheck, SynthVerdict,
  validateOptionsOf, warningSummary,
} from '../validate/synth-check';
import { ConstructProblem, constructErrors, thrownProblem } from '../private/construct-problems';
import type { MeshChart } from '../graph/mesh-chart';
import { hasBrand, MESH_APP_BRAND, setBrand } from '../graph/brands';
import { renderingEachWorkloadOnce } from '../workload/mesh-pod';
import { constructsUnder, memoizingDuringSynth } from '../private/synth-memo';
import { renderingInOnePass } from '../private/fast-to-json';
import type { ValidateOptions } from '../validate/validate';
import { fileName, linkTree, replaceTree, toYaml, writeFiles } from './output';
import { WorkerObjectChecks } from './parallel-checks';
import './synth-check-wiring';

/** One synthesized resource and the file it is written to. */
export interface ManifestFile {
  /** Path relative to the output directory: `<environment>/<kind>.<name>.yaml`. */
  readonly path: string;
  /** The resource. */
  readonly manifest: Record<string, any>;
}

/** Props for {@link MeshApp}. */
export interface MeshAppProps extends AppProps {
  /**
   * Whether synth checks every rendered manifest against its schema (CRD
   * openAPIV3Schema and CEL rules, core Kubernetes schemas) before anything is written;
   * istiod's webhook checks and the cross-resource analysis, over every environment
   * together, run either way.
   * @default true
   */
  readonly schemaValidation?: boolean;
  /**
   * The directory holding the Istio, Flagger and prometheus-operator CRDs (CRD YAML
   * files, or schema bundles as `npm run import` writes them).
   * @default - $CDK8S_MESH_CRDS, else the schemas the package carries (schemas/)
   */
  readonly crdDirectory?: string;
  /**
   * The platform every MeshChart of the app runs on, unless a chart names its own.
   * @default MeshPlatform.default()
   */
  readonly platform?: MeshPlatform;
  /**
   * Whether synth follows every flow the constructs intend (declared calls, gateway
   * routes, scrapes, spans) through all the environments' rendered manifests (one
   * cluster), and checks that every pair of workloads without a declared call is refused
   * by some layer.
   * @default true
   */
  readonly flowVerification?: boolean;
  /**
   * The Istio release the cluster runs: synth checks the output against that release's CRDs and
   * istiod's webhook rules of that release. Set it on the platform (`MeshPlatform.of({ istio:
   * { version } })`) or here; both set and different is an error [MESH189]. Given without a
   * platform, the app's platform is the stock one of this release (its packaged patch release,
   * which istiod.values' `helm upgrade --version` pins and each Namespace records).
   * @default - the platform's release (`platform.istio.version`, 1.24 by default)
   */
  readonly istioVersion?: IstioVersion;
  /**
   * Whether synth runs the per-object checks (schema, CEL, istiod's webhook) and writes the manifests'
   * files on a worker thread, while its own thread runs the analysis and the flows: the same checks with the
   * same verdict, on a second core. A worker costs about a second to start, which a small app does
   * not win back, and a single core gains nothing.
   * @default - for an app of 2,000 or more objects, where the process may use two or more cores (`os.availableParallelism()`)
   */
  readonly parallelChecks?: boolean;
}

/** The number of objects from which synth checks them on a worker thread by default. */
const PARALLEL_FROM = 2000;

/**
 * A synth that failed: one line per problem, each with the construct path, the
 * resource, the field, the message, the code and a hint where there is one. Its code is
 * MESH690 ({@link Codes.SYNTH_FAILED}); its message is the heading and the problems' lines, each
 * with its own code, and its stack is its message, so that a pipeline's log shows the problems
 * and nothing else.
 */
export class MeshSynthError extends MeshError {
  /** One line per problem (not enumerable: Node prints an uncaught error's own properties after its stack, and the lines are already the message). */
  declare public readonly problems: readonly string[];

  public constructor(heading: string, problems: readonly string[]) {
    super(Codes.SYNTH_FAILED, heading);
    this.message = `${heading}\n  ${problems.join('\n  ')}`;
    Object.defineProperty(this, 'name', { value: 'MeshSynthError', enumerable: false, configurable: true, writable: true });
    Object.defineProperty(this, 'problems', { value: problems, enumerable: false });
    // Printed uncaught as the README shows it: the heading and one line per problem, no stack trace and no property dump
    // (Node's util.inspect prints an error's stack, then its own enumerable properties; the code is in the heading's lines).
    for (const key of ['code', 'detail'] as const) Object.defineProperty(this, key, { value: this[key], enumerable: false });
    Object.defineProperty(this, 'stack', { value: this.message, configurable: true, writable: true });
  }
}

/**
 * An app that writes one folder per environment and one file per resource,
 * `dist/<environment>/<kind>.<name>.yaml`, with stable names and order so that a
 * pull request's diff shows exactly what changed. Every validation and check runs before the
 * output directory is touched: the new tree is written beside it (a large app's worker writes
 * there while it checks), removed on any error, and swapped in only when it is complete.
 *
 * The checks over rendered manifests are not MeshApp's own: every MeshChart registers
 * them (the synth check, `MeshSynthCheck`), so they also run under a plain cdk8s App. MeshApp
 * runs them once and keeps the rendered charts for writing.
 */
export class MeshApp extends App {
  /** Whether synth validates the rendered manifests against their schemas. */
  public readonly schemaValidation: boolean;
  /** The CRD directory given, if any. */
  public readonly crdDirectory?: string;
  private _verdict?: SynthVerdict;
  /** The platform the app's charts share. */
  public readonly platform: MeshPlatform;
  /** Whether synth verifies flows. */
  public readonly flowVerification: boolean;
  /** The Istio release the output is checked against. */
  public readonly istioVersion: IstioVersion;
  private readonly parallelChecks?: boolean;
  private _pool?: WorkerObjectChecks;

  /**
   * Whether `x` is a MeshApp: a brand check rather than `instanceof`, so it holds across
   * two copies of the library (as cdk8s's `Chart.isChart` does).
   */
  public static isMeshApp(x: unknown): x is MeshApp {
    return hasBrand(x, MESH_APP_BRAND);
  }

  public constructor(props: MeshAppProps = {}) {
    super(props);
    // The brand: its charts share one MeshCluster for the objects that belong to the cluster,
    // and the synth check leaves printing warnings to synth.
    setBrand(this, MESH_APP_BRAND);
    this.schemaValidation = props.schemaValidation ?? true;
    this.crdDirectory = props.crdDirectory;
    // A release given here without a platform is the cluster's: the stock platform of that release (its packaged patch
    // release), so the helm command of istiod.values and the platform recorded on each Namespace say what synth checked.
    this.platform = props.platform ?? (props.istioVersion === undefined ? MeshPlatform.default()
      : MeshPlatform.of({ istio: { version: checkIstioVersion(props.istioVersion, 'MeshAppProps.istioVersion') } }));
    this.flowVerification = props.flowVerification ?? true;
    this.istioVersion = istioVersionOf(props, this.platform);
    this.parallelChecks = props.parallelChecks;
    MeshSynthCheck.of(this).options = {
      crdDirectory: this.crdDirectory, schemaValidation: this.schemaValidation, flowVerification: this.flowVerification,
      istioVersion: this.istioVersion,
    };
  }

  /** Validates every construct; throws one error listing every problem with its construct path. */
  public validateAll(): void {
    new ConstructValidations(this).finish();
  }

  /** Validates, then renders every chart's resources in memory, in file order. */
  public manifests(): ManifestFile[] {
    return this.render();
  }

  /**
   * {@link manifests}, where a worker thread checking the objects writes their files under `staging`
   * (a new tree that synth swaps in once it is complete).
   */
  private render(staging?: string): ManifestFile[] {
    // Started first: the worker loads the schemas while this thread validates the constructs.
    const written = staging === undefined ? undefined : { dir: staging, placeOf };
    const pool = this.parallel() ? WorkerObjectChecks.start(this.checkOptions(), written) : undefined;
    this._pool = pool;
    let verdict: SynthVerdict;
    try {
      // Nothing changes the tree between the validations and the check: each workload is rendered once, and every
      // object in one pass rather than cdk8s's two (fast-to-json.ts).
      // The constructs are validated chart by chart as the charts render: the worker checks the first chart's objects
      // while the next is validated. Nothing is written where a construct has an error.
      verdict = renderingInOnePass(this, () => renderingEachWorkloadOnce(() => MeshSynthCheck.of(this).run(pool, new ConstructValidations(this))));
    } finally {
      pool?.close();
    }
    if (verdict.errors.length > 0) {
      throw new MeshSynthError(`Manifest validation failed with the following errors (${verdict.errors.length}; nothing was written):`,
        verdict.errors.map(formatSynthLine));
    }
    const files: ManifestFile[] = [];
    // One object written twice fails the check above (MESH018, with both constructs); two
    // objects whose names map to one file name (`a.b` and `a_b`) fail here.
    const seen = new Map<string, Record<string, any>>();
    for (const chart of chartsInOrder(this)) {
      const { folder, namespace } = placeOf(chart);
      for (const manifest of verdict.rendered.get(chart) ?? []) {
        const file = `${folder}/${fileName(manifest, namespace)}`;
        const clash = seen.get(file);
        if (clash) throw fileClash(this, file, [clash, manifest]);
        seen.set(file, manifest);
        files.push({ path: file, manifest });
      }
    }
    this._verdict = verdict;
    return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /**
   * The files of `manifests` the worker did not write, or wrote before an acknowledgement's annotation
   * was recorded on its object.
   */
  private unwritten(manifests: readonly ManifestFile[]): { path: string; content: string }[] {
    const pool = this._pool;
    const annotated = new Set((this._verdict?.acknowledged ?? []).map((a) => keyOfRef(a.finding.resource)));
    return manifests.filter((f) => !pool?.wrote(f.manifest) || annotated.has(keyOfManifest(f.manifest)))
      .map((f) => ({ path: f.path, content: toYaml(f.manifest) }));
  }

  /** Whether this synth checks the objects on a worker thread. */
  private parallel(): boolean {
    if (this.parallelChecks !== undefined) return this.parallelChecks;
    if (os.availableParallelism() < 2) return false;
    let objects = 0;
    for (const c of constructsUnder(this)) if (ApiObject.isApiObject(c) && ++objects >= PARALLEL_FROM) return true;
    return false;
  }

  /** The options of the per-object checks, as the synth check passes them. */
  private checkOptions(): ValidateOptions {
    return validateOptionsOf(MeshSynthCheck.of(this).options);
  }

  /** The charts' extra (non-resource) files, under each chart's folder; throws if one clashes with a manifest. */
  public outputFiles(taken: ReadonlySet<string> = new Set()): { path: string; content: string }[] {
    return chartsInOrder(this).flatMap((chart) => {
      const folder = folderOf(chart);
      const extra = (chart as Partial<MeshChart>).outputFiles?.call(chart) ?? [];
      return extra.map((f) => {
        const file = `${folder}/${f.path}`;
        if (taken.has(file)) throw new MeshError(Codes.DUPLICATE_RESOURCE, `${file} is written twice`);
        return { path: file, content: f.content };
      });
    });
  }

  /** Warnings of the last {@link manifests} call that no construct acknowledged (MESH111, say), one line each: reported, not fatal. */
  public get warnings(): readonly string[] {
    return (this._verdict?.warnings ?? []).map(formatSynthLine);
  }

  /** Warnings of the last {@link manifests} call that a construct acknowledged ({@link Warnings}), one line each. */
  public get acknowledgedWarnings(): readonly string[] {
    return (this._verdict?.acknowledged ?? []).map((w) => `${formatSynthLine(w)} (acknowledged: ${w.acknowledgement.reason})`);
  }

  /** The warning lines synth prints once: each unacknowledged warning, a count, and the acknowledged ones in one line. */
  public warningSummary(): string[] {
    return this._verdict ? warningSummary(this._verdict) : [];
  }

  /**
   * Writes the manifests to the output directory, replacing what was there by atomic
   * swap; prints the warnings to stderr once. When run by `cdk8s synth` with another
   * output folder (`CDK8S_OUTDIR`, which the CLI empties first), the files are also
   * linked there for the CLI to list.
   */
  public override synth(): void {
    // The tree does not change during a synth: what its validations worked out serves its extra files too.
    memoizingDuringSynth(() => this.synthesize());
  }

  private synthesize(): void {
    const all = replaceTree(this.outdir, (staging) => {
      // A large app's worker writes the manifests' files into the new tree as it checks them.
      const manifests = this.render(staging);
      // One write: a large app's thousands of warning lines are one system call, not one each.
      const summary = this.warningSummary();
      if (summary.length > 0) process.stderr.write(summary.map((line) => `${line}\n`).join(''));
      const files = this.unwritten(manifests);
      // Each environment's topology picture, beside its manifests: the declared calls as the flow check proved them.
      const pictures = topologyFiles(chartsInOrder(this), manifests, this.flowVerification);
      const taken = new Set([...manifests, ...pictures].map((f) => f.path));
      const extra = this.outputFiles(taken);
      writeFiles(staging, [...files, ...pictures, ...extra]);
      return [...taken, ...extra.map((f) => f.path)];
    });
    const cliOut = process.env.CDK8S_OUTDIR;
    if (cliOut && path.resolve(cliOut) !== path.resolve(this.outdir)) linkTree(this.outdir, cliOut, all);
  }
}

/**
 * Two objects of one folder whose file names are one (MESH018): an object of another namespace is written
 * `<kind>.<namespace>.<name>.yaml`, which a name with a dot in the chart's namespace may equal
 * (`ConfigMap prod/cfg` and `ConfigMap dev/prod.cfg`). A synth error naming both constructs, as the check's lines do.
 */
function fileClash(app: MeshApp, file: string, manifests: readonly Record<string, any>[]): MeshSynthError {
  const key = (kind: unknown, namespace: unknown, name: unknown) => `${kind}/${namespace ?? ''}/${name}`;
  const paths = new Map<string, string>();
  for (const c of constructsUnder(app)) {
    if (!ApiObject.isApiObject(c)) continue;
    const k = key(c.kind, c.metadata.namespace, c.name);
    if (!paths.has(k)) paths.set(k, c.node.path);
  }
  const [first, second] = manifests.map((m) => ({
    what: `${m.kind} ${m.metadata?.namespace ?? ''}/${m.metadata?.name}`,
    path: paths.get(key(m.kind, m.metadata?.namespace, m.metadata?.name)) ?? file.split('/')[0],
  }));
  return new MeshSynthError('Manifest validation failed with the following errors (1; nothing was written):', [
    `[${second.path}] ${second.what}: metadata.name: written to ${file}, as ${first.what} is (${first.path}): a name with a dot may `
    + 'equal the file name of an object of another namespace (<kind>.<namespace>.<name>.yaml); rename one [MESH018]',
  ]);
}

/**
 * Every construct's validations, run chart by chart ({@link ChartValidations}): a chart's own constructs (those whose
 * nearest chart it is), the constructs under no chart first. The errors are listed in the tree's order, as one
 * MeshSynthError, whatever order the charts were validated in.
 */
class ConstructValidations implements ChartValidations {
  private readonly pending = new Map<Chart | undefined, { construct: IConstruct; index: number }[]>();
  private readonly errors: { index: number; line: string }[] = [];

  public constructor(private readonly app: MeshApp) {
    constructsUnder(app).forEach((construct, index) => {
      const chart = chartOf(construct);
      const list = this.pending.get(chart);
      if (list) list.push({ construct, index });
      else this.pending.set(chart, [{ construct, index }]);
    });
  }

  public before(chart: Chart): boolean {
    this.validate(undefined);
    this.validate(chart);
    return this.errors.length === 0;
  }

  public finish(): void {
    for (const chart of [...this.pending.keys()]) this.validate(chart);
    if (this.errors.length > 0) {
      const lines = this.errors.sort((a, b) => a.index - b.index).map((e) => e.line);
      throw new MeshSynthError(`Validation failed with the following errors (${lines.length}; nothing was written):`, lines);
    }
  }

  /** Runs the validations of `chart`'s own constructs (of those under no chart: undefined), once. */
  private validate(chart: Chart | undefined): void {
    const constructs = this.pending.get(chart);
    if (!constructs) return;
    this.pending.delete(chart);
    const check = MeshSynthCheck.of(this.app);
    check._deferred = true;
    try {
      for (const { construct, index } of constructs) {
        let found: ConstructProblem[];
        try {
          found = constructErrors(construct);
        } catch (e) {
          // A validator that throws still names its construct, with a code.
          found = [{ ...thrownProblem(e), path: construct.node.path }];
        }
        for (const p of found) this.errors.push({ index, line: formatConstructProblem(p) });
      }
    } finally {
      check._deferred = false;
    }
  }
}

/** The chart `c` belongs to (itself, if it is one), or undefined under none. */
function chartOf(c: IConstruct): Chart | undefined {
  for (let s: IConstruct | undefined = c; s; s = s.node.scope) if (Chart.isChart(s)) return s;
  return undefined;
}

/** The folder of `chart`'s files, and its namespace, which their names leave out. */
/**
 * A chart's folder and the namespace its files leave out of their names (`<kind>.<name>.yaml`). Charts of several
 * namespaces in one environment's folder (a legacy namespace beside the new services' one, each a MeshChart with the
 * same `environment`) name every namespaced object with its namespace (`<kind>.<namespace>.<name>.yaml`), so that
 * their objects of one kind and name (each namespace's PeerAuthentication `default`) are files of their own.
 */
function placeOf(chart: Chart): { folder: string; namespace?: string } {
  const folder = folderOf(chart);
  const namespace = namespaceOf(chart);
  const shared = chartsInOrder(chart.node.root).some((c) => folderOf(c) === folder && namespaceOf(c) !== namespace);
  return { folder, namespace: shared ? undefined : namespace };
}

function namespaceOf(chart: Chart): string | undefined {
  return (chart as Partial<MeshChart>).namespace ?? chart.namespace;
}

/** The release `props` name, which must agree with the platform's when both are set. */
function istioVersionOf(props: MeshAppProps, platform: MeshPlatform): IstioVersion {
  if (props.istioVersion === undefined) return platform.istio.version;
  const version = checkIstioVersion(props.istioVersion, 'MeshAppProps.istioVersion');
  if (props.platform !== undefined && version !== platform.istio.version) {
    throw new MeshError(Codes.UNKNOWN_ISTIO_VERSION,
      `MeshAppProps.istioVersion: '${version}' differs from the platform's istio.version '${platform.istio.version}': the cluster runs one release`);
  }
  return version;
}
