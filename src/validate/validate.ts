/**
 * The whole verdict on a set of manifests: each object against its schema (CRD
 * openAPIV3Schema and CEL rules, or the core Kubernetes schema), then the
 * cross-resource analysis over the set.
 */
import { Codes } from '../core/codes';
import { analyze, AssumedIngressGateway } from './analysis';
import { isCoreKind, checkCoreObject, checkMetadata } from './core';
import { loadCrdBundles, resolveCrdDirectory } from './crd-schemas';
import { Finding, finding, Manifest, sortFindings } from './finding';
import { checkCustomResource } from './schema';
import { checkWebhook } from './webhook';

/** Options for {@link validateManifests}. */
export interface ValidateOptions {
  /**
   * The directory holding the CRD files.
   * @default - $CDK8S_MESH_CRDS, else ../shared/crds from the package root
   */
  readonly crdDirectory?: string;
  /**
   * Schema and CEL checks only, no cross-resource analysis: for a partial set of
   * files whose references live elsewhere.
   * @default false
   */
  readonly schemaOnly?: boolean;
  /**
   * Cross-resource analysis only, no schema or CEL checks: where no CRDs are at hand.
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
}

/** Schema problems of one object: metadata, then its CRD's or its core schema. */
export function checkSchema(m: Manifest, crdDirectory?: string, strict = false): Finding[] {
  if (!m || typeof m !== 'object' || typeof m.apiVersion !== 'string' || typeof m.kind !== 'string') {
    return [finding(Codes.UNPARSABLE_MANIFEST, m ?? {}, '', 'not a Kubernetes object (apiVersion and kind are required)')];
  }
  const out = checkMetadata(m);
  const core = checkCoreObject(m);
  if (core) return [...out, ...core];
  const custom = checkCustomResource(m, loadCrdBundles(resolveCrdDirectory(crdDirectory)));
  if (custom) return [...out, ...custom];
  if (!isCoreKind(m)) {
    out.push(finding(Codes.UNKNOWN_KIND, m, 'apiVersion', `not validated: no CRD or core schema known for ${m.apiVersion} ${m.kind}`, strict ? undefined : 'warning'));
  }
  return out;
}

/** Every problem of `manifests`, sorted; the analysis treats them as one cluster's objects. */
export function validateManifests(manifests: readonly Manifest[], options: ValidateOptions = {}): Finding[] {
  const out = options.analysisOnly ? [] : manifests.flatMap((m) => checkSchema(m, options.crdDirectory, options.strict));
  // istiod's webhook: per object, and needs no CRDs, so it runs in both modes.
  for (const m of manifests) if (m && typeof m === 'object') out.push(...checkWebhook(m));
  if (!options.schemaOnly) {
    const assumed = [...(options.ingressGateway ? [options.ingressGateway] : []), ...(options.ingressGateways ?? [])];
    out.push(...analyze(manifests.filter((m) => m && typeof m === 'object'), assumed.length > 0 ? assumed : undefined));
  }
  return sortFindings(out);
}
