/**
 * Loads CustomResourceDefinitions from a directory (never copied into the project)
 * and indexes their schemas by group, version and kind, one bundle per file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Codes } from '../core/codes';
import { MeshError } from '../core/errors';
import { parseYamlDocuments } from '../private/yaml-reader';

/** The environment variable that points to the CRD directory. */
export const CRDS_ENV = 'CDK8S_MESH_CRDS';

/** The schema of one served version of one CRD. */
export interface CrdVersionSchema {
  /** `networking.istio.io` */
  readonly group: string;
  /** `v1` */
  readonly version: string;
  /** `VirtualService` */
  readonly kind: string;
  /** Whether the version is served by the API server. */
  readonly served: boolean;
  /** The version's openAPIV3Schema. */
  readonly schema: Record<string, any>;
}

/** The CRDs of one file: `istio-1.24.6`, `flagger-1.44.0`, ... */
export interface CrdBundle {
  /** The file's name without extension. */
  readonly name: string;
  /** The groups any CRD of the file defines. */
  readonly groups: ReadonlySet<string>;
  /** `<group>/<kind>` of every CRD of the file. */
  readonly kinds: ReadonlySet<string>;
  /** Schemas by `<group>/<version>/<kind>`. */
  readonly schemas: ReadonlyMap<string, CrdVersionSchema>;
}

/** The key of a group, version and kind. */
export function gvkKey(group: string, version: string, kind: string): string {
  return `${group}/${version}/${kind}`;
}

let root: string | undefined;

/** The package's root: the nearest folder above this file holding package.json (looked up once). */
export function packageRoot(): string {
  root ??= findPackageRoot();
  return root;
}

function findPackageRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) return path.resolve(__dirname, '..', '..');
    dir = up;
  }
  return dir;
}

/**
 * The CRD directory: `explicit`, else `$CDK8S_MESH_CRDS`, else `../shared/crds`
 * from the package root.
 */
export function resolveCrdDirectory(explicit?: string): string {
  if (explicit) return path.resolve(explicit);
  const fromEnv = process.env[CRDS_ENV];
  if (fromEnv) return path.resolve(fromEnv);
  return path.resolve(packageRoot(), '..', 'shared', 'crds');
}

const bundleCache = new Map<string, CrdBundle[]>();

/**
 * Every bundle in `dir` (each *.yaml/*.yml file), parsed once per process.
 * Throws a MeshError [MESH155] that says how to point to the directory if it is missing.
 */
export function loadCrdBundles(dir: string): CrdBundle[] {
  const resolved = path.resolve(dir);
  const cached = bundleCache.get(resolved);
  if (cached) return cached;
  let files: string[];
  try {
    files = fs.readdirSync(resolved).filter((f) => /\.ya?ml$/.test(f)).sort();
  } catch {
    throw new MeshError(Codes.CRD_DIRECTORY_NOT_FOUND,
      `CRD directory ${resolved} cannot be read: point to the directory holding the Istio, Flagger and prometheus-operator CRDs `
      + `with the ${CRDS_ENV} environment variable or the crdDirectory option, or opt out with new MeshApp({ schemaValidation: false })`);
  }
  if (files.length === 0) {
    throw new MeshError(Codes.CRD_DIRECTORY_NOT_FOUND, `CRD directory ${resolved} holds no *.yaml files; set ${CRDS_ENV} to the right directory`);
  }
  const bundles = files.map((f) => parseBundle(f.replace(/\.ya?ml$/, ''), fs.readFileSync(path.join(resolved, f), 'utf8')));
  bundleCache.set(resolved, bundles);
  return bundles;
}

/**
 * One bundle from the text of a CRD file. js-yaml, not `yaml`: Flagger's CRDs hold
 * multi-line quoted descriptions that the API server accepts and `yaml` rejects. Read by
 * the command-line tools' YAML reader, so a hostile CRD file is refused like a manifest [MESH156].
 */
export function parseBundle(name: string, text: string): CrdBundle {
  const groups = new Set<string>();
  const kinds = new Set<string>();
  const schemas = new Map<string, CrdVersionSchema>();
  for (const doc of parseYamlDocuments(text, name).map((d) => d.value) as any[]) {
    if (!doc || doc.kind !== 'CustomResourceDefinition') continue;
    const group = String(doc.spec?.group);
    const kind = String(doc.spec?.names?.kind);
    groups.add(group);
    kinds.add(`${group}/${kind}`);
    for (const v of doc.spec?.versions ?? []) {
      const schema = v.schema?.openAPIV3Schema ?? doc.spec?.validation?.openAPIV3Schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
      schemas.set(gvkKey(group, v.name, kind), { group, version: v.name, kind, served: v.served !== false, schema });
    }
  }
  return { name, groups, kinds, schemas };
}
