import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Codes } from '../core/codes';
import { MeshError } from '../core/errors';
import { decodeYamlText, maxDocumentBytesOf, parseYamlDocuments, YamlReadOptions } from '../private/yaml-reader';

export { DEFAULT_MAX_DOCUMENT_BYTES, MAX_NESTING_DEPTH, YamlReadError } from '../private/yaml-reader';
export type { YamlReadOptions } from '../private/yaml-reader';

/**
 * A synthesized tree read back from disk or git: every file's text by its path
 * relative to the tree's root, `<environment>/<kind>.<name>.yaml`, with `/` as separator.
 */
export type ManifestTree = ReadonlyMap<string, string>;

/** One resource read from a tree. */
export interface TreeResource {
  /** The environment: the first folder of the file's path. */
  readonly environment: string;
  /** The file the resource was read from. */
  readonly file: string;
  /** `<group>/<kind>/<namespace>/<name>`: the same resource on both sides of a diff. */
  readonly key: string;
  /** The resource as a plain object. */
  readonly manifest: Record<string, any>;
}

/**
 * Name of the topology file written beside each environment's manifests.
 * @internal
 */
export const TOPOLOGY_FILE = 'topology.md';

/**
 * True for a file that holds manifests (`.yaml`/`.yml`).
 * @internal
 */
export function isManifestFile(file: string): boolean {
  return /\.ya?ml$/.test(file);
}

/**
 * Reads every file under `dir`, sorted by path; an absent directory is an empty tree.
 * Symbolic links are not followed, so a link loop cannot recurse. A manifest file that is
 * not UTF-8 text is an error (MESH156).
 */
export function readTreeFromDir(dir: string): ManifestTree {
  const out = new Map<string, string>();
  if (!fs.existsSync(dir)) return out;
  const walk = (rel: string): void => {
    const entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => compare(a.name, b.name));
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) out.set(r, textOf(r, fs.readFileSync(path.join(dir, r))));
    }
  };
  walk('');
  return out;
}

/**
 * Reads the tree `dir` as it was at git revision `ref`, with `git ls-tree` and one
 * `git cat-file --batch`. `dir` is relative to `cwd`, which must be inside the repository;
 * a directory absent at `ref` is an empty tree.
 */
export function readTreeFromGit(ref: string, dir: string, cwd: string): ManifestTree {
  const git = (args: string[], input?: string): Buffer =>
    execFileSync('git', args, { cwd, input, maxBuffer: 1 << 30, stdio: ['pipe', 'pipe', 'pipe'] });
  const prefix = git(['ls-tree', '-r', '--name-only', '--full-name', ref, '--', dir]).toString('utf8');
  const files = prefix.split('\n').filter((f) => f.length > 0);
  const out = new Map<string, string>();
  if (files.length === 0) return out;
  const root = git(['rev-parse', '--show-prefix']).toString('utf8').trim();
  const base = path.posix.normalize(path.posix.join(root, dir.split(path.sep).join('/'))).replace(/\/$/, '');
  const batch = git(['cat-file', '--batch'], files.map((f) => `${ref}:${f}`).join('\n') + '\n');
  let offset = 0;
  for (const f of files) {
    const headerEnd = batch.indexOf(0x0a, offset);
    const header = batch.subarray(offset, headerEnd).toString('utf8');
    const size = Number(header.split(' ')[2]);
    if (!Number.isFinite(size)) throw new MeshError(Codes.INTERNAL_INVARIANT, `git cat-file: unexpected answer '${header}' for ${f}`);
    const rel = base === '.' || base === '' ? f : path.posix.relative(base, f);
    const content = textOf(rel, batch.subarray(headerEnd + 1, headerEnd + 1 + size));
    offset = headerEnd + 1 + size + 1;
    out.set(rel, content);
  }
  return new Map([...out].sort(([a], [b]) => compare(a, b)));
}

/** A file's text: manifests must be UTF-8 (the reader's rule), other files are read leniently. */
function textOf(file: string, bytes: Buffer): string {
  return isManifestFile(file) ? decodeYamlText(bytes, file) : bytes.toString('utf8');
}

/**
 * Every resource of a tree's manifest files, in file order. Files are read by the YAML
 * reader of `cdk8s-mesh-validate`: a document it refuses (an alias bomb, over
 * `options.maxDocumentBytes`, nested too deep, not YAML) is an error (MESH156).
 * @internal
 */
export function resourcesOf(tree: ManifestTree, options: YamlReadOptions = {}): TreeResource[] {
  // A tree is read once per limit, however many views (diff, topology) ask for its resources.
  const limit = maxDocumentBytesOf(options);
  const cached = parsed.get(tree);
  if (cached?.limit === limit && cached.size === tree.size) return [...cached.resources];
  const out: TreeResource[] = [];
  for (const [file, text] of tree) {
    if (!isManifestFile(file)) continue;
    const environment = file.includes('/') ? file.split('/')[0] : '.';
    for (const { value: doc } of parseYamlDocuments(text, file, options)) {
      if (!doc || typeof doc !== 'object' || Array.isArray(doc)) continue;
      const manifest = doc as Record<string, any>;
      out.push({ environment, file, key: resourceKey(manifest), manifest });
    }
  }
  parsed.set(tree, { limit, size: tree.size, resources: out });
  return [...out];
}

const parsed = new WeakMap<ManifestTree, { limit: number; size: number; resources: readonly TreeResource[] }>();

/**
 * `<group>/<kind>/<namespace>/<name>`; the group without its version, so a v1beta1 → v1 move is one resource.
 * @internal
 */
export function resourceKey(m: Record<string, any>): string {
  const group = String(m.apiVersion ?? '').includes('/') ? String(m.apiVersion).split('/')[0] : 'core';
  const namespace = CLUSTER_SCOPED.has(m.kind) ? '' : m.metadata?.namespace ?? '';
  return `${group}/${m.kind}/${namespace}/${m.metadata?.name ?? ''}`;
}

/** Kinds without a namespace: a stray metadata.namespace on them does not make another resource. */
const CLUSTER_SCOPED = new Set([
  'Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PriorityClass', 'StorageClass',
  'PersistentVolume', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration',
]);

/**
 * Code-point order, independent of locale.
 * @internal
 */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
