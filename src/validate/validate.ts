/**
 * The whole verdict on a set of manifests, in the order a cluster applies them: each object
 * against its schema (CRD openAPIV3Schema, list types and CEL rules of the Istio release the
 * cluster runs, or the core Kubernetes schema), then istiod's validating webhook on what the API
 * server admitted, then the cross-resource analysis over what both admitted.
 *
 * kube-apiserver runs validating admission webhooks only on objects that passed its own
 * validation (k8s.io/apiserver pkg/registry/generic/registry/store.go, Create: BeforeCreate, then
 * createValidation): so istiod's checks never see a field of the wrong type. The analysis judges
 * every object without the values its schema refused, so a refused field is reported once, by
 * the schema, and the objects that refer to its object are still judged against its other fields.
 */
import { Codes } from '../core/codes';
import { checkIstioVersion, DEFAULT_ISTIO_VERSION, IstioVersion } from '../core/istio-version';
import { MeshError } from '../core/errors';
import { isDns1123Label } from '../core/names';
import { analyze, AssumedIngressGateway } from './analysis';
import { isCoreKind, checkCoreObject, checkMetadata } from './core';
import { bundlesForRelease, CrdBundle, loadCrdBundles, packagedSchemaDirectory, resolveCrdDirectory } from './crd-schemas';
import { Finding, finding, isError, Manifest, sortFindings } from './finding';
import { ClusterModel } from './model/cluster-model';
import { withoutRefused } from './refused';
import { checkCustomResource } from './schema';
import { checkWebhook } from './webhook';

/** Options for {@link validateManifests}. */
export interface ValidateOptions {
  /**
   * The directory holding the CRD files.
   * @default - $CDK8S_MESH_CRDS, else the schemas the package carries (schemas/)
   */
  readonly crdDirectory?: string;
  /**
   * Schema, CEL and istiod's webhook checks only, no cross-resource analysis: for a partial set
   * of files whose references live elsewhere.
   * @default false
   */
  readonly schemaOnly?: boolean;
  /**
   * istiod's webhook and the cross-resource analysis only: no schema or CEL findings are
   * reported. Objects the API server would refuse are still left out of the other checks, judged
   * by the schemas the package carries.
   * @default false
   */
  readonly analysisOnly?: boolean;
  /**
   * Report objects of kinds no CRD or core schema describes (a third-party operator's) as
   * errors; by default they are a warning that they were not validated.
   * @default false
   */
  readonly strict?: boolean;
  /**
   * The ingress gateway the analysis assumes the cluster runs (its pods' labels and its
   * Service's ports), where the manifests do not define it. Synth passes the platform's.
   * @default - istioctl analyze's default gateway (pods `istio: ingressgateway` in istio-system, Service ports 80, 443, 31400, 15443)
   */
  readonly ingressGateway?: AssumedIngressGateway;
  /**
   * Every ingress gateway the cluster runs, where the manifests do not define them: the
   * platforms of all environments of an app, at synth. Assumed besides `ingressGateway`.
   * @default - `ingressGateway` alone
   */
  readonly ingressGateways?: readonly AssumedIngressGateway[];
  /**
   * The Istio release the cluster runs: Istio objects are checked against that release's CRDs
   * only (the bundle named `istio-<release>...`) and istiod's webhook rules of that release.
   * Synth passes the platform's (`MeshPlatform` `istio.version`).
   * @default '1.24'
   */
  readonly istioVersion?: IstioVersion;
  /**
   * The mesh's root namespace (MeshConfig rootNamespace), whose selector-less Sidecar,
   * PeerAuthentication and policies apply to every namespace. Synth passes the platform's
   * (`MeshPlatform` `istio.rootNamespace`); the CLI the platform its input records or `--platform` describes.
   * @default 'istio-system'
   * @see https://istio.io/latest/docs/reference/config/istio.mesh.v1alpha1/#MeshConfig
   */
  readonly rootNamespace?: string;
  /**
   * Whether istiod injects the proxy as a Kubernetes native sidecar where a pod's `sidecar.istio.io/nativeSidecar` annotation
   * does not say (its `ENABLE_NATIVE_SIDECARS`): then a Job's pods complete with a sidecar (MESH053). Synth passes the
   * platform's (`MeshPlatform` `istio.nativeSidecars`, true only when every MeshChart's platform says so); the CLI the
   * platform `--platform` describes, else the one its input records.
   * @default false - Istio 1.24's default
   * @see https://github.com/istio/istio/blob/1.24.6/manifests/charts/istio-control/istio-discovery/files/injection-template.yaml
   */
  readonly nativeSidecars?: boolean;
}

/** What the schema checks of one object need: the bundles of the target release, and how strict to be. */
export interface SchemaContext {
  /** The CRD bundles that apply (Istio's of the target release only). */
  readonly bundles: readonly CrdBundle[];
  /** Kinds no schema describes are errors rather than warnings. */
  readonly strict?: boolean;
  /** The openAPIV3Schema only: no list types or CEL rules (the admission gate of analysisOnly). */
  readonly structural?: boolean;
}

/** The schema context for `options`: the CRD bundles of the target release. Throws a MeshError [MESH155] if they cannot be read. */
export function schemaContext(options: ValidateOptions = {}, directory = resolveCrdDirectory(options.crdDirectory)): SchemaContext {
  const version = targetRelease(options);
  return { bundles: bundlesForRelease(loadCrdBundles(directory), version, directory), strict: options.strict };
}

/** The Istio release `options` target; throws a MeshError [MESH189] for one the validation does not know. */
export function targetRelease(options: ValidateOptions): IstioVersion {
  return options.istioVersion === undefined ? DEFAULT_ISTIO_VERSION : checkIstioVersion(options.istioVersion, 'istioVersion');
}

/**
 * Schema problems of one object: metadata, then its CRD's or its core schema. `refused` collects
 * the JSON pointers of the values the schema refuses ('' for the whole object).
 */
export function checkSchema(m: Manifest, context: SchemaContext = schemaContext(), refused?: string[]): Finding[] {
  if (!m || typeof m !== 'object' || Array.isArray(m) || typeof m.apiVersion !== 'string' || typeof m.kind !== 'string') {
    refused?.push('');
    return [finding(Codes.UNPARSABLE_MANIFEST, m && typeof m === 'object' ? m : {}, '',
      'not a Kubernetes object (apiVersion and kind are required)')];
  }
  // A core kind's schema (kubernetes-models) types its metadata; a CRD's says only that it is an object.
  const core = checkCoreObject(m, refused);
  if (core) return [...checkMetadata(m, refused, false), ...core];
  const custom = checkCustomResource(m, context.bundles, context.structural, refused);
  const metadataIsObject = m.metadata === undefined || (m.metadata !== null && typeof m.metadata === 'object' && !Array.isArray(m.metadata));
  if (custom) return [...checkMetadata(m, refused, metadataIsObject), ...custom];
  const out = checkMetadata(m, refused);
  if (!isCoreKind(m)) {
    out.push(finding(Codes.UNKNOWN_KIND, m, 'apiVersion', `not validated: no CRD or core schema known for ${m.apiVersion} ${m.kind}`,
      context.strict ? undefined : 'warning'));
  }
  return out;
}

/** Every problem of `manifests`, sorted; the analysis treats them as one cluster's objects. */
export function validateManifests(manifests: readonly Manifest[], options: ValidateOptions = {}): Finding[] {
  return checkManifests(manifests, options).findings;
}

/**
 * What the per-object checks find in one object: its schema's and istiod's webhook's findings, and
 * the JSON pointers of the values its schema refuses ('' for the whole object).
 */
export interface ObjectVerdict {
  /** The object's own findings: schema and CEL (unless analysisOnly), then istiod's webhook. */
  readonly findings: readonly Finding[];
  /** The values the API server would refuse, which the analysis must not see. */
  readonly refused: readonly string[];
}

/**
 * The per-object checks of `manifests`, each object alone, in order: its schema, then istiod's
 * webhook on what the API server admitted. Independent of each other, they may run anywhere (synth
 * runs them on a worker thread for a large app, while the analysis runs).
 * @internal
 */
export function checkObjects(manifests: readonly Manifest[], options: ValidateOptions = {}): ObjectVerdict[] {
  return manifests.map(objectChecker(options));
}

/**
 * The check {@link checkObjects} runs on each object, with the schemas of `options` loaded once.
 * Throws a MeshError if they cannot be (an unknown release [MESH189], an unreadable directory [MESH155]).
 * @internal
 */
export function objectChecker(options: ValidateOptions = {}): (m: Manifest) => ObjectVerdict {
  const version = targetRelease(options);
  // analysisOnly reports no schema findings, but still keeps what the API server refuses out of the
  // deeper checks, judged by the package's own schemas (there whatever the CRD directory holds).
  const context = options.analysisOnly
    ? { ...schemaContext({ ...options, crdDirectory: undefined }, packagedSchemaDirectory()), structural: true }
    : schemaContext(options);
  return (m) => {
    const refused: string[] = [];
    const schema = checkSchema(m, context, refused);
    const findings = options.analysisOnly ? [] : schema;
    // istiod's webhook sees only what the API server's own checks admitted.
    return { findings: schema.some(isError) ? findings : [...findings, ...checkWebhook(m, version)], refused };
  };
}

/**
 * The cross-resource analysis of `manifests`, one cluster's objects, each without the values its
 * verdict says the schema refused (`verdicts` in the order of `manifests`; none refused when
 * absent), with the model of the cluster it built.
 * @internal
 */
export function analyseObjects(
  manifests: readonly Manifest[], verdicts: readonly ObjectVerdict[] | undefined, options: ValidateOptions = {},
): { findings: Finding[]; model: ClusterModel } {
  // The analysis judges every object (one refused by the webhook still names its hosts and
  // subsets), without the values the schema refused.
  const analysed = verdicts === undefined ? [...manifests]
    : manifests.flatMap((m, i) => withoutRefused(m, verdicts[i].refused) ?? []);
  if (options.rootNamespace !== undefined && !isDns1123Label(options.rootNamespace)) {
    throw new MeshError(Codes.INVALID_NAME, `validate options: rootNamespace '${options.rootNamespace}' is not a namespace name (an RFC 1123 label)`);
  }
  const model = ClusterModel.of(analysed);
  const assumed = [...(options.ingressGateway ? [options.ingressGateway] : []), ...(options.ingressGateways ?? [])];
  return { findings: analyze(model, assumed.length > 0 ? assumed : undefined, options.rootNamespace, options.nativeSidecars), model };
}

/** Whether any verdict refuses a value: then the analysis must not see `manifests` whole. */
export function refusesAny(verdicts: readonly ObjectVerdict[]): boolean {
  return verdicts.some((v) => v.refused.length > 0);
}

/**
 * The findings of {@link checkManifests} from its parts: each object's, in order, then the analysis's, sorted.
 * @internal
 */
export function combineFindings(verdicts: readonly ObjectVerdict[], analysis: readonly Finding[] = []): Finding[] {
  return sortFindings([...verdicts.flatMap((v) => v.findings), ...analysis]);
}

/**
 * What {@link validateManifests} finds, with the model of the cluster the analysis built over
 * what the API server admits (none with `schemaOnly`): synth and `cdk8s-mesh-validate` hand it on
 * to the flow checks, so the manifests are indexed once per run.
 * @internal
 */
export function checkManifests(manifests: readonly Manifest[], options: ValidateOptions = {}): { findings: Finding[]; model?: ClusterModel } {
  const verdicts = checkObjects(manifests, options);
  if (options.schemaOnly) return { findings: combineFindings(verdicts) };
  const { findings, model } = analyseObjects(manifests, verdicts, options);
  return { findings: combineFindings(verdicts, findings), model };
}
