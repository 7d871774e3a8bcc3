/**
 * The validation MeshApp runs at synth over each environment's rendered manifests.
 */
import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { push } from './analysis/mesh-index';
import { Finding, formatFinding, isError, Manifest } from './finding';
import { validateManifests } from './validate';

/** One rendered resource, with the environment folder it is written to. */
export interface RenderedManifest {
  /** `production` */
  readonly folder: string;
  /** The resource. */
  readonly manifest: Manifest;
}

function keyOf(apiVersion: unknown, kind: unknown, namespace: unknown, name: unknown): string {
  return `${apiVersion}/${kind}/${namespace ?? ''}/${name}`;
}

/**
 * Validates each folder's manifests as one cluster's objects and returns every
 * error as `[<construct path>] <env>/<kind>/<name>: <field>: <message> [MESHxxx]`.
 * Warnings are left out: they do not fail synth. Without `schema`, only the
 * cross-resource analysis runs (no CRDs needed).
 */
export function renderedManifestErrors(scope: IConstruct, rendered: readonly RenderedManifest[], crdDirectory?: string, schema = true): string[] {
  return renderedManifestFindings(scope, rendered, crdDirectory, schema).errors;
}

/** Errors and warnings of each folder's manifests, formatted as {@link renderedManifestErrors} does. */
export function renderedManifestFindings(scope: IConstruct, rendered: readonly RenderedManifest[], crdDirectory?: string, schema = true):
{ errors: string[]; warnings: string[] } {
  const paths = new Map<string, string>();
  for (const c of scope.node.findAll()) {
    if (c instanceof ApiObject) paths.set(keyOf(c.apiVersion, c.kind, c.metadata.namespace, c.name), c.node.path);
  }
  const byFolder = new Map<string, Manifest[]>();
  for (const r of rendered) push(byFolder, r.folder, r.manifest);
  const errors: string[] = [];
  const warnings: string[] = [];
  for (const [folder, manifests] of byFolder) {
    for (const f of validateManifests(manifests, { crdDirectory, analysisOnly: !schema })) {
      const path = paths.get(keyOf(f.resource.apiVersion, f.resource.kind, f.resource.namespace, f.resource.name));
      const related = f.related && paths.get(keyOf(f.related.apiVersion, f.related.kind, f.related.namespace, f.related.name));
      (isError(f) ? errors : warnings).push(`${path ? `[${path}] ` : ''}${formatFinding(f, folder)}${related ? ` (with [${related}])` : ''}`);
    }
  }
  return { errors, warnings };
}

/** The findings of `manifests` by severity, for callers that want warnings too. */
export function splitBySeverity(findings: Finding[]): { errors: Finding[]; warnings: Finding[] } {
  return { errors: findings.filter(isError), warnings: findings.filter((f) => !isError(f)) };
}
