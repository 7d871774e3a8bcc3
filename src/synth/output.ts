import * as fs from 'node:fs';
import * as path from 'node:path';
import * as jsyaml from 'js-yaml';

/*
 * The output's file layout: one YAML file per resource, `<environment>/<kind>.<name>.yaml`,
 * written by atomic swap so that a failed synth never loses the previous tree.
 */

/**
 * One resource as YAML. js-yaml writes the same layout as cdk8s's `Yaml` about three
 * times faster, and quotes every string a YAML 1.1 reader (kubectl's) would take for
 * something else (`yes`, `on`, `0755`); long lines are never folded.
 */
export function toYaml(manifest: Record<string, any>): string {
  // A lone `.` (Istio's exportTo for the own namespace) is quoted too: the `yaml` package's
  // YAML 1.1 float pattern takes it for a number (NaN), and a quoted string reads the same everywhere.
  const yaml = jsyaml.dump(manifest, { noRefs: true, lineWidth: -1, quotingType: '"' });
  // Every such line ends in ` .` (`key: .`, `- .`): the pattern runs only over a text that has one.
  return yaml.includes(' .\n') ? yaml.replace(/^(\s*(?:- |[^\s:#]+: ))\.$/gm, '$1"."') : yaml;
}

/**
 * `<kind>.<name>.yaml`, or `<kind>.<namespace>.<name>.yaml` for a resource outside the chart's
 * namespace; a Namespace is `00-namespace.<name>.yaml`, first in its folder, since
 * `kubectl apply -f <folder>/` applies the files in name order and every other object needs it.
 */
export function fileName(manifest: Record<string, any>, chartNamespace: string | undefined): string {
  const kind = String(manifest.kind).toLowerCase();
  const name = String(manifest.metadata?.name ?? 'unnamed');
  const ns = manifest.metadata?.namespace;
  const parts = ns && ns !== chartNamespace && manifest.kind !== 'Namespace' ? [kind, ns, name] : [kind, name];
  return `${manifest.kind === 'Namespace' ? '00-' : ''}${parts.join('.').replace(/[^0-9a-zA-Z._-]/g, '_')}.yaml`;
}

/**
 * Writes files under `outdir` atomically: into a sibling directory first, then swapped
 * in by two renames (the old tree is moved aside, then removed), so a failure never
 * leaves a half-written or missing tree.
 */
export function writeTree(outdir: string, files: readonly { path: string; content: string }[]): void {
  replaceTree(outdir, (staging) => writeFiles(staging, files));
}

/**
 * Replaces `outdir` with the tree `fill` writes into an empty sibling directory: swapped in
 * ({@link swapIn}) once `fill` returns, removed if it throws, so the old tree stays whole.
 */
export function replaceTree<T>(outdir: string, fill: (staging: string) => T): T {
  const staging = stagingDirectory(outdir);
  try {
    const out = fill(staging);
    swapIn(staging, outdir);
    return out;
  } catch (e) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw e;
  }
}

/** The empty sibling directory a new tree for `outdir` is written into before {@link swapIn}. */
function stagingDirectory(outdir: string): string {
  const staging = `${path.resolve(outdir)}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  return staging;
}

/** Writes `files` under `dir`, each at its relative path. */
export function writeFiles(dir: string, files: readonly { path: string; content: string }[]): void {
  const made = new Set<string>();
  for (const f of files) {
    const p = path.join(dir, f.path);
    const parent = path.dirname(p);
    if (!made.has(parent)) fs.mkdirSync(parent, { recursive: true });
    made.add(parent);
    fs.writeFileSync(p, f.content);
  }
}

/** Replaces `outdir` with the complete tree in `staging`, by two renames (the old tree is moved aside, then removed). */
function swapIn(staging: string, outdir: string): void {
  const target = path.resolve(outdir);
  const old = `${target}.old-${process.pid}`;
  fs.rmSync(old, { recursive: true, force: true });
  const existed = fs.existsSync(target);
  if (existed) fs.renameSync(target, old);
  fs.renameSync(staging, target);
  if (existed) fs.rmSync(old, { recursive: true, force: true });
}

/** Hard-links (or, across devices, copies) `files` of `from` into `to`, which is emptied first. */
export function linkTree(from: string, to: string, files: readonly string[]): void {
  fs.rmSync(to, { recursive: true, force: true });
  for (const f of files) {
    const dest = path.join(to, f);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    try {
      fs.linkSync(path.join(from, f), dest);
    } catch {
      fs.copyFileSync(path.join(from, f), dest);
    }
  }
  fs.mkdirSync(to, { recursive: true });
}
