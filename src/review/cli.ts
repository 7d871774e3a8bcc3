#!/usr/bin/env node
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ManifestTree, readTreeFromDir, readTreeFromGit, resourcesOf, TOPOLOGY_FILE, YamlReadError, YamlReadOptions } from './manifest-tree';
import { renderJson, renderMarkdown } from './markdown';
import { semanticDiff, SemanticDiff } from './semantic-diff';
import { renderTopology } from './topology';

/** Where the command reads and writes; tests pass their own. */
import { CliIo, processIo } from '../private/cli-io';

export type { CliIo };

/** The exit codes of `cdk8s-mesh-diff`, for CI jobs. */
export const ExitCodes = {
  /** The trees are identical. */
  NO_CHANGES: 0,
  /** Something changed, nothing weakens security. */
  CHANGES: 1,
  /** Bad arguments, or a tree could not be read (a file the YAML reader refuses: MESH156). */
  ERROR: 2,
  /** At least one change weakens security (mTLS, authorization, pod hardening). */
  SECURITY_DOWNGRADE: 3,
} as const;

export const USAGE = `Usage:
  cdk8s-mesh-diff [options] <old-dir> <new-dir>
  cdk8s-mesh-diff [options] --git <ref> [dir]     (dir: the working tree's dist/ by default)

Compares two synthesized trees (dist/<environment>/<kind>.<name>.yaml) and prints
a pull-request summary: what changed per environment and resource, security
downgrades marked, the new topology of changed environments, then the raw diff.

Options:
  --format markdown|json   output format (default: markdown)
  --exit-zero              exit 0 whenever the comparison succeeds
  --max-document-bytes <n> the largest YAML document read (default: 3145728,
                           kube-apiserver's 3 MiB request body limit)
  -h, --help               this text

Exit codes: 0 no changes, 1 changes, 3 a security downgrade, 2 an error.
A tree that cannot be read, or holds a file the YAML reader refuses (an alias
bomb, a document over the limit, nesting deeper than 1000 levels), is an error.
`;

interface Args {
  readonly format: 'markdown' | 'json';
  readonly exitZero: boolean;
  readonly gitRef?: string;
  readonly dirs: string[];
  readonly help: boolean;
  readonly limits: YamlReadOptions;
}

function parseArgs(argv: readonly string[]): Args | string {
  let format: 'markdown' | 'json' = 'markdown';
  let exitZero = false;
  let gitRef: string | undefined;
  let help = false;
  let maxDocumentBytes: number | undefined;
  const dirs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') help = true;
    else if (a === '--exit-zero') exitZero = true;
    else if (a === '--format' || a.startsWith('--format=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v !== 'markdown' && v !== 'json') return `--format must be markdown or json, got '${v ?? ''}'`;
      format = v;
    } else if (a === '--git' || a.startsWith('--git=')) {
      gitRef = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (!gitRef) return '--git needs a revision';
    } else if (a === '--max-document-bytes' || a.startsWith('--max-document-bytes=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (!/^[1-9][0-9]{0,14}$/.test(v ?? '')) return `--max-document-bytes must be a positive whole number of bytes, got '${v ?? ''}'`;
      maxDocumentBytes = Number(v);
    } else if (a.startsWith('-')) return `unknown option '${a}'`;
    else dirs.push(a);
  }
  if (!help) {
    if (gitRef !== undefined && dirs.length > 1) return '--git takes at most one directory';
    if (gitRef === undefined && dirs.length !== 2) return 'expected two directories, or --git <ref> [dir]';
  }
  return { format, exitZero, gitRef, dirs, help, limits: { maxDocumentBytes } };
}

/** The exit code a diff earns. */
export function exitCodeOf(diff: SemanticDiff): number {
  if (diff.downgrades > 0) return ExitCodes.SECURITY_DOWNGRADE;
  return diff.resources.length > 0 || diff.files.length > 0 ? ExitCodes.CHANGES : ExitCodes.NO_CHANGES;
}

/** The new topology of each changed environment: its topology.md, else drawn from its manifests. */
export function topologiesOf(tree: ManifestTree, environments: readonly string[], options: YamlReadOptions = {}): Map<string, string> {
  const out = new Map<string, string>();
  const resources = resourcesOf(tree, options);
  for (const env of environments) {
    const written = tree.get(`${env}/${TOPOLOGY_FILE}`);
    const manifests = resources.filter((r) => r.environment === env).map((r) => r.manifest);
    if (written) out.set(env, written);
    else if (manifests.length > 0) out.set(env, renderTopology(manifests, { title: `Topology: ${env}` }));
  }
  return out;
}

/** Runs `cdk8s-mesh-diff` with `argv` (without node and the script); returns the exit code. */
export function main(argv: readonly string[], io: CliIo = processIo()): number {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    io.stderr(`cdk8s-mesh-diff: ${args}\n\n${USAGE}`);
    return ExitCodes.ERROR;
  }
  if (args.help) {
    io.stdout(USAGE);
    return ExitCodes.NO_CHANGES;
  }
  let before: ManifestTree;
  let after: ManifestTree;
  // Each tree's name in errors: a file the reader refuses is named `<tree>/<file>:<line>`.
  let names: [string, string];
  try {
    if (args.gitRef !== undefined) {
      const dir = args.dirs[0] ?? 'dist';
      names = [`${args.gitRef}:${dir}`, dir];
      before = readTree(names[0], () => readTreeFromGit(args.gitRef!, dir, io.cwd));
      after = readTree(names[1], () => readTreeFromDir(path.resolve(io.cwd, dir)));
    } else {
      for (const d of args.dirs) {
        if (!fs.existsSync(path.resolve(io.cwd, d))) throw new Error(`no such directory: ${d}`);
      }
      names = [args.dirs[0], args.dirs[1]];
      before = readTree(names[0], () => readTreeFromDir(path.resolve(io.cwd, args.dirs[0])));
      after = readTree(names[1], () => readTreeFromDir(path.resolve(io.cwd, args.dirs[1])));
    }
    // Every manifest passes the reader's limits before any description walks it (the
    // parsed resources are kept with the tree, so the diff does not read them again).
    readTree(names[0], () => resourcesOf(before, args.limits));
    readTree(names[1], () => resourcesOf(after, args.limits));
  } catch (e) {
    const err = e as Error & { stderr?: Buffer };
    io.stderr(`cdk8s-mesh-diff: ${err.stderr?.toString().trim() || err.message}\n`);
    return ExitCodes.ERROR;
  }
  const diff = semanticDiff(before, after, args.limits);
  const code = exitCodeOf(diff);
  if (args.format === 'json') io.stdout(renderJson(diff, code));
  else io.stdout(renderMarkdown(diff, { topologies: topologiesOf(after, diff.environments, args.limits) }));
  return args.exitZero ? ExitCodes.NO_CHANGES : code;
}

/** `read()`, with a refused file renamed `<tree>/<file>` so the message says which tree. */
function readTree<T>(name: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof YamlReadError) throw new YamlReadError(`${name.replace(/\/$/, '')}/${e.file}`, e.line, e.reason);
    throw e;
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
