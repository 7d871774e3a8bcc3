/**
 * The whole verdict on a set of manifests: each object against its schema (CRD
 * openAPIV3Schema and CEL rules, or the core Kubernetes schema), then the
 * cross-resource analysis over the set.
 */
import { Codes } from '../core/codes';
import { analyze } from './analysis';
import { isCoreKind, checkCoreObject, checkMetadata } from './core';
import { loadCrdBundles, resolveCrdDirectory } from './crd-schemas';
import { Finding, finding, Manifest, sortFindings } from './finding';
import { checkCustomResource } from './schema';

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
}

/** Schema problems of one object: metadata, then its CRD's or its core schema. */
export function checkSchema(m: Manifest, crdDirectory?: string): Finding[] {
  if (!m || typeof m !== 'object' || typeof m.apiVersion !== 'string' || typeof m.kind !== 'string') {
    return [finding(Codes.UNPARSABLE_MANIFEST, m ?? {}, '', 'not a Kubernetes object (apiVersion and kind are required)')];
  }
  const out = checkMetadata(m);
  const core = checkCoreObject(m);
  if (core) return [...out, ...core];
  const custom = checkCustomResource(m, loadCrdBundles(resolveCrdDirectory(crdDirectory)));
  if (custom) return [...out, ...custom];
  if (!isCoreKind(m)) out.push(finding(Codes.UNKNOWN_KIND, m, 'apiVersion', `no CRD or core schema known for ${m.apiVersion} ${m.kind}`));
  return out;
}

/** Every problem of `manifests`, sorted; the analysis treats them as one cluster's objects. */
export function validateManifests(manifests: readonly Manifest[], options: ValidateOptions = {}): Finding[] {
  const out = options.analysisOnly ? [] : manifests.flatMap((m) => checkSchema(m, options.crdDirectory));
  if (!options.schemaOnly) out.push(...analyze(manifests.filter((m) => m && typeof m === 'object')));
  return sortFindings(out);
}
