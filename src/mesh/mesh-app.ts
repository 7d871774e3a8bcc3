import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, AppProps } from 'cdk8s';
import * as jsyaml from 'js-yaml';
import { Codes } from '../core/codes';
import { MeshError } from '../core/errors';
import { MeshPlatform } from '../platform/platform';
import { topologyFiles } from '../review/topology';
import { renderedManifestFindings } from '../validate/synth-check';
import { chartFlowErrors } from './flow-check';
import { MeshChart } from './mesh-chart';
import { CLUSTER_FOLDER, MESH_APP_MARKER } from './mesh-cluster';

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
   * openAPIV3Schema and CEL rules, core Kubernetes schemas) and runs the
   * cross-resource analysis, per environment, before anything is written.
   * @default true
   */
  readonly schemaValidation?: boolean;
  /**
   * The directory holding the Istio, Flagger and prometheus-operator CRDs.
   * @default - $CDK8S_MESH_CRDS, else ../shared/crds from the package root
   */
  readonly crdDirectory?: string;
  /**
   * The platform every MeshChart of the app runs on, unless a chart names its own.
   * @default MeshPlatform.default()
   */
  readonly platform?: MeshPlatform;
  /**
   * Whether synth follows every flow the constructs intend (declared calls, gateway
   * routes, scrapes, spans) through each environment's rendered manifests, and checks
   * that every pair of workloads without a declared call is refused by some layer.
   * @default true
   */
  readonly flowVerification?: boolean;
}

/**
 * An app that writes one folder per environment and one file per resource,
 * `dist/<environment>/<kind>.<name>.yaml`, with stable names and order so that a
 * pull request's diff shows exactly what changed. Every validation runs first and
 * everything is rendered in memory: on any error nothing is written, and the
 * previous output is replaced only when the new one is complete.
 */
export class MeshApp extends App {
  /** Whether synth validates the rendered manifests. */
  public readonly schemaValidation: boolean;
  private _warnings: readonly string[] = [];
  /** The CRD directory given, if any. */
  public readonly crdDirectory?: string;
  /** The platform the app's charts share. */
  public readonly platform: MeshPlatform;
  /** Whether synth verifies flows. */
  public readonly flowVerification: boolean;

  public constructor(props: MeshAppProps = {}) {
    super(props);
    this.schemaValidation = props.schemaValidation ?? true;
    this.crdDirectory = props.crdDirectory;
    this.platform = props.platform ?? MeshPlatform.default();
    this.flowVerification = props.flowVerification ?? true;
    // Its charts share one MeshCluster for the objects that belong to the cluster.
    (this as any)[MESH_APP_MARKER] = true;
  }

  /** Validates every construct; throws one error listing every problem with its construct path. */
  public validateAll(): void {
    const errors: string[] = [];
    for (const c of this.node.findAll()) {
      let found: string[];
      try {
        found = c.node.validate();
      } catch (e) {
        // A validator that throws still names its construct.
        found = [`validation failed: ${(e as Error).message}`];
      }
      for (const e of found) errors.push(`[${c.node.path}] ${e}`);
    }
    if (errors.length > 0) {
      throw new Error(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);
    }
  }

  /** Validates, then renders every chart's resources in memory, in file order. */
  public manifests(): ManifestFile[] {
    this.validateAll();
    const files: ManifestFile[] = [];
    const rendered: { folder: string; manifest: Record<string, any> }[] = [];
    const seen = new Map<string, string>();
    for (const chart of this.charts) {
      const folder = (chart as Partial<MeshChart>).environment ?? chart.node.id;
      const namespace = (chart as Partial<MeshChart>).namespace ?? chart.namespace;
      for (const manifest of chart.toJson() as Record<string, any>[]) {
        // A chart's default namespace reaches cluster-scoped objects too; kube-apiserver drops it, so do we.
        if (CLUSTER_SCOPED_KINDS.has(manifest.kind) && manifest.metadata) delete manifest.metadata.namespace;
        const file = `${folder}/${fileName(manifest, namespace)}`;
        const key = `${folder}/${manifest.apiVersion}/${manifest.kind}/${manifest.metadata?.namespace ?? ''}/${manifest.metadata?.name}`;
        const clash = seen.get(file) ?? seen.get(key);
        if (clash) {
          throw new MeshError(Codes.DUPLICATE_RESOURCE,
            `${manifest.kind} ${manifest.metadata?.namespace ?? ''}/${manifest.metadata?.name} is written twice in ${folder}`);
        }
        seen.set(file, key);
        seen.set(key, file);
        files.push({ path: file, manifest });
        rendered.push({ folder, manifest });
      }
    }
    const { errors, warnings } = renderedManifestFindings(this, rendered, this.crdDirectory, this.schemaValidation);
    if (errors.length === 0 && this.flowVerification) errors.push(...this.flowErrors(rendered));
    if (errors.length > 0) {
      throw new Error(`Manifest validation failed with the following errors:\n  ${errors.join('\n  ')}`);
    }
    this._warnings = warnings;
    return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** Flow verification per environment, over its manifests and the cluster-wide ones. */
  private flowErrors(rendered: readonly { folder: string; manifest: Record<string, any> }[]): string[] {
    const byFolder = new Map<string, Record<string, any>[]>();
    for (const r of rendered) byFolder.set(r.folder, [...(byFolder.get(r.folder) ?? []), r.manifest]);
    const clusterWide = byFolder.get(CLUSTER_FOLDER) ?? [];
    return this.charts.filter((c): c is MeshChart => c instanceof MeshChart).flatMap((chart) =>
      chartFlowErrors(chart, [...(byFolder.get(chart.environment) ?? []), ...clusterWide], chart.environment));
  }

  /** The charts' extra (non-resource) files, under each chart's folder; throws if one clashes with a manifest. */
  public outputFiles(taken: ReadonlySet<string> = new Set()): { path: string; content: string }[] {
    return this.charts.flatMap((chart) => {
      const folder = (chart as Partial<MeshChart>).environment ?? chart.node.id;
      const extra = (chart as Partial<MeshChart>).outputFiles?.call(chart) ?? [];
      return extra.map((f) => {
        const file = `${folder}/${f.path}`;
        if (taken.has(file)) throw new MeshError(Codes.DUPLICATE_RESOURCE, `${file} is written twice`);
        return { path: file, content: f.content };
      });
    });
  }

  /** Warnings of the last {@link manifests} call (MESH111, say): reported, not fatal. */
  public get warnings(): readonly string[] {
    return this._warnings;
  }

  /** Writes the manifests to the output directory, replacing what was there; prints the warnings to stderr. */
  public override synth(): void {
    const manifests = this.manifests();
    for (const w of this._warnings) process.stderr.write(`warning: ${w}\n`);
    const files = manifests.map((f) => ({ path: f.path, content: toYaml(f.manifest) }));
    // Each environment's topology picture, beside its manifests.
    const pictures = topologyFiles(this.charts, manifests);
    const taken = new Set([...files, ...pictures].map((f) => f.path));
    writeTree(this.outdir, [...files, ...pictures, ...this.outputFiles(taken)]);
  }
}

/**
 * One resource as YAML. js-yaml writes the same layout as cdk8s's `Yaml` about three
 * times faster, and quotes every string a YAML 1.1 reader (kubectl's) would take for
 * something else (`yes`, `on`, `0755`); long lines are never folded.
 */
export function toYaml(manifest: Record<string, any>): string {
  return jsyaml.dump(manifest, { noRefs: true, lineWidth: -1, quotingType: '"' });
}

/** Kinds without a namespace, among those a mesh chart writes. */
const CLUSTER_SCOPED_KINDS = new Set([
  'Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PriorityClass',
  'StorageClass', 'PersistentVolume', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration',
]);

/** `<kind>.<name>.yaml`, or `<kind>.<namespace>.<name>.yaml` for a resource outside the chart's namespace (or of a chart without one). */
export function fileName(manifest: Record<string, any>, chartNamespace: string | undefined): string {
  const kind = String(manifest.kind).toLowerCase();
  const name = String(manifest.metadata?.name ?? 'unnamed');
  const ns = manifest.metadata?.namespace;
  const parts = ns && ns !== chartNamespace && manifest.kind !== 'Namespace' ? [kind, ns, name] : [kind, name];
  return `${parts.join('.').replace(/[^0-9a-zA-Z._-]/g, '_')}.yaml`;
}

/**
 * Writes files under `outdir` atomically: into a sibling directory first, then
 * swapped in, so a failure never leaves a half-written tree.
 */
export function writeTree(outdir: string, files: { path: string; content: string }[]): void {
  const target = path.resolve(outdir);
  const staging = `${target}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  for (const f of files) {
    const p = path.join(staging, f.path);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, f.content);
  }
  fs.mkdirSync(staging, { recursive: true });
  fs.rmSync(target, { recursive: true, force: true });
  fs.renameSync(staging, target);
}
