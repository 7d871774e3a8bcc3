#!/usr/bin/env node
import * as fs from 'node:fs';
import * as path from 'node:path';
import { connectivityDiff, ConnectivityDiff, environmentNamespace } from './connectivity';
import { ManifestTree, readTreeFromDir, readTreeFromGit, resourcesOf, TOPOLOGY_FILE, YamlReadError, YamlReadOptions } from './manifest-tree';
import { renderJson, renderMarkdown } from './markdown';
import { namespaceGroups } from './namespace-groups';
import { semanticDiff, SemanticDiff } from './semantic-diff';
import { CLUSTER_FOLDER } from '../graph/mesh-cluster';
import { MeshPlatform } from '../platform/platform';
import { platformFromFiles, readPlatformFile } from '../platform/platform-file';
import { platformComponentsNeeded } from '../platform/platform-needs';
import { recordedPlatforms } from '../platform/platform-record';
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
  /** A flow no manifest declares is allowed after the change and was refused before. */
  UNDECLARED_FLOW_OPENED: 4,
  /** A flow the manifests still declare was allowed before the change and is refused after. */
  INTENDED_FLOW_BROKEN: 5,
} as const;

export const USAGE = `Usage:
  cdk8s-mesh-diff [options] <old-dir> <new-dir>
  cdk8s-mesh-diff [options] --git <ref> [dir]     (dir: the working tree's dist/ by default)

Compares two synthesized trees (dist/<environment>/<kind>.<name>.yaml) and prints
a pull-request summary: the flows the change opens or breaks, what changed per
environment and resource, security downgrades marked, the new topology of changed
environments, then the raw diff.

Options:
  --format markdown|json   output format (default: markdown)
  --exit-zero              exit 0 whenever the comparison succeeds
  --max-document-bytes <n> the largest YAML document read (default: 3145728,
                           kube-apiserver's 3 MiB request body limit)
  --platform <file>        the platform the trees run on (repeatable): a snapshot of
                           the cluster (kubectl get deploy,statefulset,daemonset,
                           svc,sa,endpoints -A -o yaml) and/or a YAML or JSON map of
                           MeshPlatformProps (istio, ingressGateway, prometheus,
                           tracing, rateLimit, flagger, apiServer, trustDomain), a
                           component given as props or as a preset; default: the
                           platform the new tree's Namespaces record
                           (mesh.cdk8s.io/platform), else the seeds' install
  -h, --help               this text

Exit codes: 0 no changes, 1 changes, 2 an error, 3 a security downgrade,
4 an undeclared flow opens, 5 an intended flow breaks (the highest applies).
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
  /** The `--platform` files, in order. */
  readonly platformFiles: readonly string[];
}

function parseArgs(argv: readonly string[]): Args | string {
  let format: 'markdown' | 'json' = 'markdown';
  let exitZero = false;
  let gitRef: string | undefined;
  let help = false;
  let maxDocumentBytes: number | undefined;
  const platformFiles: string[] = [];
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
    } else if (a === '--platform' || a.startsWith('--platform=')) {
      const file = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (!file) return '--platform needs a file';
      platformFiles.push(file);
    } else if (a.startsWith('-')) return `unknown option '${a}'`;
    else dirs.push(a);
  }
  if (!help) {
    if (gitRef !== undefined && dirs.length > 1) return '--git takes at most one directory';
    if (gitRef === undefined && dirs.length !== 2) return 'expected two directories, or --git <ref> [dir]';
  }
  return { format, exitZero, gitRef, dirs, help, limits: { maxDocumentBytes }, platformFiles };
}

/** The exit code a diff earns: the highest of those that apply. */
export function exitCodeOf(diff: SemanticDiff, connectivity?: ConnectivityDiff): number {
  if (connectivity && connectivity.intendedBroken > 0) return ExitCodes.INTENDED_FLOW_BROKEN;
  if (connectivity && connectivity.undeclaredOpened > 0) return ExitCodes.UNDECLARED_FLOW_OPENED;
  if (diff.downgrades > 0) return ExitCodes.SECURITY_DOWNGRADE;
  return diff.resources.length > 0 || diff.files.length > 0 ? ExitCodes.CHANGES : ExitCodes.NO_CHANGES;
}

/**
 * The new topology of each changed environment: its topology.md, else drawn from its manifests and the cluster-wide ones, with
 * those of the environments its objects name (the namespace groups the connectivity diff evaluates together), so that a call
 * across namespaces is drawn with its verdict, not as a policy no workload can be evaluated for.
 */
export function topologiesOf(tree: ManifestTree, environments: readonly string[], options: YamlReadOptions = {}): Map<string, string> {
  const out = new Map<string, string>();
  const all = [...new Set(resourcesOf(tree, options).map((r) => r.environment))].filter((e) => e !== CLUSTER_FOLDER).sort();
  const manifests = manifestsByEnvironment(tree, all, options);
  const namespaceOf = new Map(all.map((env) => [env, environmentNamespace(manifests.get(env) ?? []) ?? env]));
  const groups = namespaceGroups(all, namespaceOf, manifests);
  for (const env of environments.filter((e) => e !== CLUSTER_FOLDER)) {
    const list = manifests.get(env) ?? [];
    const written = tree.get(`${env}/${TOPOLOGY_FILE}`);
    const group = groups.get(env) ?? [env];
    // The cluster-wide objects are one list shared by every environment's: the set keeps one copy.
    const union = group.length > 1 ? [...new Set(group.flatMap((e) => manifests.get(e) ?? []))] : list;
    const namespace = group.length > 1 ? { namespace: namespaceOf.get(env) } : {};
    if (written) out.set(env, written);
    else if (list.length > 0) out.set(env, renderTopology(union, { title: `Topology: ${env}`, ...namespace }));
  }
  return out;
}

/**
 * The manifests of each of `environments` in a tree, each with the cluster-wide ones
 * (`cluster/`: the root namespace's PeerAuthentication and the like), which apply to every environment.
 */
export function manifestsByEnvironment(
  tree: ManifestTree,
  environments: readonly string[],
  options: YamlReadOptions = {},
): Map<string, Record<string, any>[]> {
  const out = new Map<string, Record<string, any>[]>(environments.filter((e) => e !== CLUSTER_FOLDER).map((e) => [e, []]));
  const clusterWide: Record<string, any>[] = [];
  for (const r of resourcesOf(tree, options)) {
    if (r.environment === CLUSTER_FOLDER) clusterWide.push(r.manifest);
    else out.get(r.environment)?.push(r.manifest);
  }
  for (const list of out.values()) if (list.length > 0) list.push(...clusterWide);
  return out;
}

/**
 * The connectivity changes of the changed environments of two trees; every environment's
 * when the cluster-wide objects changed.
 */
export function connectivityOf(
  before: ManifestTree,
  after: ManifestTree,
  diff: SemanticDiff,
  options: YamlReadOptions = {},
  platform?: MeshPlatform,
): ConnectivityDiff {
  // Every environment's objects are read, so that a call across namespaces meets both ends'
  // policies; only the changed environments (and those calling into them) are compared.
  const all = [...new Set([...resourcesOf(before, options), ...resourcesOf(after, options)].map((r) => r.environment))].sort();
  const environments = diff.environments.includes(CLUSTER_FOLDER) ? all : diff.environments;
  return connectivityDiff(manifestsByEnvironment(before, all, options), manifestsByEnvironment(after, all, options), { platform, environments });
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
        if (!fs.existsSync(path.resolve(io.cwd, d))) { io.stderr(`cdk8s-mesh-diff: no such directory: ${d}\n`); return ExitCodes.ERROR; }
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
  let platform: MeshPlatform | undefined;
  if (args.platformFiles.length > 0) {
    try {
      // Several files are one platform: a snapshot split by namespace, and the presets it is read with; the
      // snapshot must hold the components either tree needs (src/platform/platform-needs.ts).
      const texts = args.platformFiles.map((file) => ({ text: fs.readFileSync(path.resolve(io.cwd, file), 'utf8'), file }));
      const manifests = [before, after].flatMap((tree) => resourcesOf(tree, args.limits).map((r) => r.manifest));
      platform = platformFromFiles(texts.map(readPlatformFile), platformComponentsNeeded(manifests));
    } catch (e) {
      io.stderr(`cdk8s-mesh-diff: ${(e as Error).message.split('\n')[0]}\n`);
      return ExitCodes.ERROR;
    }
  }
  // Without --platform, the platform the new tree's Namespaces record (mesh.cdk8s.io/platform).
  if (!platform) {
    const { recorded, problems } = recordedPlatforms(resourcesOf(after, args.limits).map((r) => r.manifest));
    if (problems.length > 0) {
      io.stderr(`cdk8s-mesh-diff: ${names[1]}: ${problems[0].message} [${problems[0].code}]\n`);
      return ExitCodes.ERROR;
    }
    platform = recorded[0]?.platform;
  }
  const diff = semanticDiff(before, after, args.limits);
  const connectivity = connectivityOf(before, after, diff, args.limits, platform);
  const code = exitCodeOf(diff, connectivity);
  if (args.format === 'json') io.stdout(renderJson(diff, code, connectivity));
  else io.stdout(renderMarkdown(diff, { connectivity, topologies: topologiesOf(after, diff.environments, args.limits) }));
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
