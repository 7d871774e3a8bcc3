#!/usr/bin/env node
/**
 * cdk8s-mesh-validate: the synth-time checks over any YAML files or directories,
 * hand-written ones included.
 *
 *   cdk8s-mesh-validate [--format text|json] [--schema-only] [--strict] [--crds <dir>] [--istio-version 1.24|1.30]
 *                       [--max-document-bytes <n>] [--platform <file>]... <file|dir>...
 *   cdk8s-mesh-validate --flow '<source> -> <host>:<port> [tcp|tls|grpc|http|https|udp] [METHOD] [path]' [--flows[=all|declared]]
 *                       [--platform <file>]... <file|dir>...
 *
 * `--flows` lists every ordered pair of workloads, every public host and every recorded call with its verdict;
 * `--flows=declared` the recorded calls alone (the calls to other teams' services their callers' synth declared).
 *
 * `--platform` (repeatable) reads the platform: a snapshot of the cluster and/or a map of its
 * components with presets (src/platform/platform-file.ts), or a list of platform pods for flows.
 *
 * Files are read by the package's one YAML reader (src/private/yaml-reader.ts), which refuses
 * what kube-apiserver refuses (alias bombs, documents over 3 MiB, deep nesting, binary files)
 * with a MESH156 finding naming the file and line, before any check walks a document; the
 * values are then those kube-apiserver decodes (./yaml.ts: go-yaml v2, YAML 1.1).
 *
 * Without `--platform`, the checks assume the platform each environment's Namespace records
 * (`mesh.cdk8s.io/platform`, written at synth; src/platform/platform-record.ts), else istioctl
 * analyze's default gateway. With `--platform`, each field on which the platform given contradicts a
 * Namespace's record is an error on that Namespace (MESH086, src/platform/platform-compare.ts): the
 * manifests were written for another platform than the cluster runs. A warning acknowledged on its object
 * (`acknowledged.mesh.cdk8s.io/<code>: <reason>`, written at synth; ./acknowledgements.ts) is
 * listed as acknowledged and not counted.
 *
 * `--istio-version` names the Istio release the cluster runs (default: the platform's
 * `istio.version`, from `--platform` or the Namespaces' records, else 1.24): Istio objects are
 * checked against that release's CRDs and istiod's webhook rules of that release.
 *
 * Exit codes: 0 clean (warnings allowed), 1 on errors, 2 on a usage error. A readable file never
 * ends the tool with 2: what it holds is reported as findings.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Codes } from '../core/codes';
import { FLOW_LISTINGS, FlowListing, PlatformFile, readPlatform, recordFindings, runFlowCommand } from './flow/cli-flow';
import { platformEgressGateway, platformGateways, platformIngressGateway } from './analysis';
import { CliIo, processIo } from '../private/cli-io';
import { decodeYamlText, readYamlFile, YamlReadError } from '../private/yaml-reader';
import { Finding, finding, formatFinding, isError, Manifest, refOf, sortFindings } from './finding';
import { meshIdentityConflicts, sameObjectCollisions } from './collisions';
import { AnnotatedAcknowledgement, splitAcknowledged } from './acknowledgements';
import type { FlowWorkload } from './flow/flow';
import { platformClusterOptions } from './flow/platform-flows';
import type { MeshPlatform } from '../platform/platform';
import { PLATFORM_ANNOTATION, RecordedPlatform, recordedPlatforms } from '../platform/platform-record';
import { platformContradictions } from '../platform/platform-compare';
import { platformComponentsNeeded } from '../platform/platform-needs';
import { checkManifests } from './validate';
import { listItems, mayDecodeDifferentlyAsYaml11, parseManifests } from './yaml';
import { MeshError } from '../core/errors';
import { isIstioVersion, ISTIO_VERSIONS } from '../core/istio-version';

/** Where the tool writes; tests pass their own. */

const USAGE = 'usage: cdk8s-mesh-validate [--format text|json] [--schema-only] [--strict] [--crds <dir>] [--istio-version 1.24|1.30]'
  + ' [--max-document-bytes <n>] [--platform <file>]... <file|dir>...'
  + '\n       cdk8s-mesh-validate [--flow \'<source> -> <host>:<port> [tcp|tls|grpc|http|https|udp] [METHOD] [path] [name=value]...\']...'
  + ' [--flows[=all|declared]] [--platform <file>]... <file|dir>...'
  + '\n         source: external, <namespace>/<workload>, <workload> or platform:<component>;'
  + ' destination: <host>:<port> or platform:<component>[:<port>] (ingress-gateway, prometheus, tracing, istiod, rate-limit, flagger, api-server)';

/**
 * The YAML files of `p`: `p` itself unless it is a directory, else every *.yaml and *.yml
 * below it except Helm values files (`values.yaml`, `*.values.yaml`), which are not
 * manifests. Symbolic links to directories are not followed, so a link loop cannot recurse;
 * a file that cannot be read (a link loop) is left to the reader, which reports it.
 */
function yamlFiles(p: string): string[] {
  let directory: boolean;
  try {
    directory = fs.statSync(p).isDirectory();
  } catch {
    directory = false;
  }
  if (!directory) return [p];
  return fs.readdirSync(p, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((e) => (e.isDirectory() ? yamlFiles(path.join(p, e.name))
    : /\.ya?ml$/.test(e.name) && !/(^|\.)values\.ya?ml$/.test(e.name) ? [path.join(p, e.name)] : []));
}

export type { CliIo };

/** Runs the tool; returns the exit code. */
export function main(argv: readonly string[], io: CliIo = processIo()): number {
  const args = parseArgs(argv, io);
  if (typeof args === 'number') return args;
  const read = readInputs(args.inputs, io, { maxDocumentBytes: args.maxDocumentBytes === undefined ? undefined : Number(args.maxDocumentBytes) });
  if (typeof read === 'number') return read;
  const { manifests, parseErrors } = read;
  let platform: PlatformFile | undefined;
  try {
    // Several files are one platform: a snapshot split by namespace, and the presets it is read with.
    platform = args.platformFiles.length === 0 ? undefined
      // A snapshot must hold the components these manifests need (a Canary needs Flagger), unless the map lists `components`.
      : readPlatform(args.platformFiles.map((file) => ({ text: fs.readFileSync(path.resolve(io.cwd, file), 'utf8'), file })),
          platformComponentsNeeded(manifests));
  } catch (e) {
    io.stderr(`${(e as Error).message}\n`);
    return 2;
  }
  // Without --platform, the platforms the environments' Namespaces record (mesh.cdk8s.io/platform,
  // written at synth): the checks then assume what synth assumed. With it, the checks assume the
  // platform given (what the cluster runs), and each record it contradicts is an error (MESH086).
  const allRecords = recordedPlatforms(manifests);
  const given = platform?.platform;
  const records = platform ? { recorded: [], problems: allRecords.problems } : allRecords;
  const contradicted = given ? recordContradictions(allRecords.recorded, given, platform?.describes, args.platformFiles) : [];
  platform ??= platformOfRecords(records.recorded);
  const described = platform?.platform;

  // Flow verification: verdicts instead of findings (src/validate/flow/cli-flow.ts).
  if (args.flows.length > 0 || args.listFlows !== undefined) {
    if (parseErrors.length > 0) {
      io.stderr(`${parseErrors[0].file}: ${parseErrors[0].message}\n`);
      return 2;
    }
    if (records.problems.length > 0) {
      io.stderr(`${records.problems[0].message} [${records.problems[0].code}]\n`);
      return 2;
    }
    try {
      const options = described ? platformClusterOptions(described) : {};
      const flowOptions = { ...options, platform: platform?.workloads };
      const listing = (args.listFlows ?? false) as FlowListing | false;
      return runFlowCommand(manifests, args.flows, listing, io, flowOptions, args.format as 'text' | 'json', described);
    } catch (e) {
      io.stderr(`${(e as Error).message}\n`);
      return 2;
    }
  }
  const findings = manifestFindings(args, read, platform, records, io);
  if (typeof findings === 'number') return findings;
  return report(args, io, read, [...findings, ...contradicted], records);
}

/** The command line's options. */
interface CliArgs {
  readonly format: string;
  readonly schemaOnly: boolean;
  readonly strict: boolean;
  readonly crds?: string;
  readonly maxDocumentBytes?: string;
  readonly istioVersion?: string;
  readonly inputs: string[];
  readonly flows: string[];
  /** What `--flows` lists (`all`, `declared`), when given; a value outside those is a usage error. */
  readonly listFlows?: string;
  readonly platformFiles: string[];
}

/** The options of `argv`, or the exit code when the invocation ends here (help, 0; a bad option, 2). */
function parseArgs(argv: readonly string[], io: CliIo): CliArgs | number {
  let format = 'text';
  let schemaOnly = false;
  let strict = false;
  let crds: string | undefined;
  let maxDocumentBytes: string | undefined;
  let istioVersion: string | undefined;
  const inputs: string[] = [];
  const flows: string[] = [];
  let listFlows: string | undefined;
  const platformFiles: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--format') format = argv[++i] ?? '';
    else if (a.startsWith('--format=')) format = a.slice('--format='.length);
    else if (a === '--schema-only') schemaOnly = true;
    else if (a === '--strict') strict = true;
    else if (a === '--flow') flows.push(argv[++i] ?? '');
    else if (a.startsWith('--flow=')) flows.push(a.slice('--flow='.length));
    else if (a === '--flows') listFlows = 'all';
    else if (a.startsWith('--flows=')) listFlows = a.slice('--flows='.length);
    else if (a === '--platform') platformFiles.push(argv[++i] ?? '');
    else if (a.startsWith('--platform=')) platformFiles.push(a.slice('--platform='.length));
    else if (a === '--crds') crds = argv[++i];
    else if (a.startsWith('--crds=')) crds = a.slice('--crds='.length);
    else if (a === '--istio-version') istioVersion = argv[++i] ?? '';
    else if (a.startsWith('--istio-version=')) istioVersion = a.slice('--istio-version='.length);
    else if (a === '--max-document-bytes') maxDocumentBytes = argv[++i] ?? '';
    else if (a.startsWith('--max-document-bytes=')) maxDocumentBytes = a.slice('--max-document-bytes='.length);
    else if (a === '--help' || a === '-h') {
      io.stdout(`${USAGE}\n`);
      return 0;
    } else if (a.startsWith('-')) {
      io.stderr(`unknown option ${a}\n${USAGE}\n`);
      return 2;
    } else inputs.push(a);
  }
  return checkArgs({ format, schemaOnly, strict, crds, maxDocumentBytes, istioVersion, inputs, flows, listFlows, platformFiles }, argv, io);
}

/** `args`, or 2 after the usage or the reason when they cannot run. */
function checkArgs(args: CliArgs, argv: readonly string[], io: CliIo): CliArgs | number {
  if (!['text', 'json'].includes(args.format) || args.crds === undefined && argv.includes('--crds') || args.inputs.length === 0) {
    io.stderr(`${USAGE}\n`);
    return 2;
  }
  if (args.maxDocumentBytes !== undefined && !/^[1-9][0-9]{0,14}$/.test(args.maxDocumentBytes)) {
    io.stderr(`--max-document-bytes must be a positive whole number of bytes, got '${args.maxDocumentBytes}'\n${USAGE}\n`);
    return 2;
  }
  if (args.listFlows !== undefined && !(FLOW_LISTINGS as readonly string[]).includes(args.listFlows)) {
    io.stderr(`--flows must be one of ${FLOW_LISTINGS.join(', ')}, got '${args.listFlows}'\n${USAGE}\n`);
    return 2;
  }
  if (args.istioVersion !== undefined && !isIstioVersion(args.istioVersion)) {
    io.stderr(`--istio-version must be one of ${ISTIO_VERSIONS.join(', ')}, got '${args.istioVersion}'\n${USAGE}\n`);
    return 2;
  }
  return args;
}

/** What the files given hold: the manifests, the file each came from, and a finding for each file that cannot be read. */
interface ReadInputs {
  readonly manifests: Manifest[];
  readonly fileOf: Map<Manifest, string>;
  readonly parseErrors: Finding[];
}

/** The manifests of `inputs` (files or folders, resolved from io.cwd), or 2 when one does not exist. */
function readInputs(inputs: readonly string[], io: CliIo, limits: { readonly maxDocumentBytes?: number }): ReadInputs | number {
  const manifests: Manifest[] = [];
  const fileOf = new Map<Manifest, string>();
  const parseErrors: Finding[] = [];
  for (const input of inputs) {
    // Paths are resolved from io.cwd and shown as they were given.
    const resolved = path.resolve(io.cwd, input);
    // lstat: a symbolic link loop exists (and is reported by the reader) though stat fails.
    if (!fs.existsSync(resolved) && !lstatable(resolved)) {
      io.stderr(`no such file or directory: ${input}\n${USAGE}\n`);
      return 2;
    }
    for (const found of yamlFiles(resolved)) {
      const file = input + found.slice(resolved.length);
      try {
        // The reader's limits first (nothing is expanded or walked before they pass), then
        // the values as kube-apiserver decodes them: the reader's own where YAML 1.1 cannot
        // read the text differently, else a YAML 1.1 parse.
        const docs = readYamlFile(found, file, limits);
        if (!docs.some(({ value }) => value !== null && value !== undefined)) continue;
        const text = decodeYamlText(fs.readFileSync(found), file);
        const values = mayDecodeDifferentlyAsYaml11(text) ? parseManifests(text) : docs.flatMap(({ value }) => listItems(value));
        for (const m of values) {
          manifests.push(m);
          fileOf.set(m, file);
        }
      } catch (e) {
        const err = e as Error;
        const message =
          e instanceof YamlReadError
            ? `${e.line > 0 ? `line ${e.line}: ` : ''}${e.reason}`
            : (e instanceof MeshError ? e.detail : err.message).split('\n')[0];
        parseErrors.push({ code: Codes.UNPARSABLE_MANIFEST, resource: { apiVersion: '', kind: 'File', name: file }, field: '', message, file });
      }
    }
  }
  return { manifests, fileOf, parseErrors };
}

type PlatformRecords = ReturnType<typeof recordedPlatforms>;

/** The findings of the checks over `manifests`, or 2 when the invocation cannot be checked (an unreadable CRD directory, say). */
function manifestFindings(
  args: CliArgs, read: ReadInputs, platform: PlatformFile | undefined, records: PlatformRecords, io: CliIo,
): Finding[] | number {
  const { manifests, fileOf } = read;
  const described = platform?.platform;
  let findings: Finding[];
  try {
    const checked = checkManifests(manifests, {
      crdDirectory: args.crds === undefined ? undefined : path.resolve(io.cwd, args.crds), schemaOnly: args.schemaOnly, strict: args.strict,
      ingressGateway: described && records.recorded.length === 0 ? platformIngressGateway(described) : undefined,
      ingressGateways: [
        ...distinctPlatforms(records.recorded).flatMap(platformGateways),
        ...(described && records.recorded.length === 0 ? [platformEgressGateway(described)].filter((g) => g !== undefined) : []),
      ],
      istioVersion: isIstioVersion(args.istioVersion) ? args.istioVersion : described?.istio.version,
      rootNamespace: described?.istio.rootNamespace,
      // The platform given, else native sidecars only where every environment's record says istiod injects them (MESH053).
      nativeSidecars: records.recorded.length > 0 ? records.recorded.every((r) => r.platform.istio.nativeSidecars) : described?.istio.nativeSidecars,
    });
    findings = checked.findings;
    // Calls recorded for other teams' services: proven over every folder given (MESH604), on the model the checks built.
    if (!args.schemaOnly) findings.push(...recordFindings(manifests, platform, checked.model));
  } catch (e) {
    // A CRD directory that cannot be read, an unknown release: the invocation, not the files.
    if (e instanceof MeshError) {
      io.stderr(`${e.message}\n`);
      return 2;
    }
    // Anything else is a bug of the checks; the files still get a verdict, and no stack trace.
    findings = [{
      code: Codes.INTERNAL_INVARIANT, resource: { apiVersion: '', kind: 'File', name: args.inputs.join(', ') }, field: '',
      message: `the checks failed on these files (a bug to report, with the files): ${(e as Error)?.message ?? String(e)}`,
    }];
  }
  for (const p of records.problems) findings.push(finding(p.code, p.manifest, `metadata.annotations.${PLATFORM_ANNOTATION}`, p.message));
  findings.push(...meshIdentityConflicts(records.recorded.map((r) => ({
    manifest: r.manifest, source: `Namespace ${r.namespace}`, trustDomain: r.platform.trustDomain, rootNamespace: r.platform.istio.rootNamespace,
  }))));
  // One object in two files with different content: one of them is lost on apply (MESH018).
  // Copies with the same content are one object, and each of their problems is reported once.
  findings.push(...sameObjectCollisions(manifests.map((m) => ({ manifest: m, source: fileOf.get(m)! })), false).map((c) => c.finding));
  return findings;
}

/**
 * Prints the findings (each with the files its resource came from, each problem once however many
 * copies of the resource there are) and the acknowledged warnings; 1 when there is an error, else 0.
 */
function report(args: CliArgs, io: CliIo, read: ReadInputs, findings: Finding[], records: PlatformRecords): number {
  const { manifests, fileOf, parseErrors } = read;
  // Warnings the manifests acknowledge (acknowledged.mesh.cdk8s.io/<code>, as synth writes them).
  const split = splitAcknowledged(findings, manifests);
  // Findings name resources; give each the files its resource came from. A resource in
  // several files (copies) is one object to the API server: each problem is reported once.
  const byRef = new Map<string, string[]>();
  for (const m of manifests) {
    const r = refOf(m);
    const key = `${r.kind}/${r.namespace ?? ''}/${r.name}`;
    const list = byRef.get(key) ?? [];
    if (!list.includes(fileOf.get(m)!)) list.push(fileOf.get(m)!);
    byRef.set(key, list);
  }
  const withFiles = <T extends { finding: Finding }>(list: readonly T[]): T[] => {
    const once = new Map<string, T>();
    for (const x of list) {
      const f = x.finding;
      const key = [f.code, f.resource.kind, f.resource.namespace ?? '', f.resource.name, f.field, f.message].join('\u0000');
      const files = byRef.get(`${f.resource.kind}/${f.resource.namespace ?? ''}/${f.resource.name}`)?.join(', ');
      if (!once.has(key)) once.set(key, { ...x, finding: { ...f, file: f.file ?? files } });
    }
    return [...once.values()];
  };
  const all = sortFindings([...parseErrors, ...withFiles(split.findings.map((finding) => ({ finding }))).map((x) => x.finding)]);
  const acknowledged = withFiles(split.acknowledged);
  const errors = all.filter(isError).length;
  const source = args.platformFiles.length > 0 ? 'file' : records.recorded.length > 0 ? 'namespaces' : 'istioctl-default';
  if (args.format === 'json') {
    io.stdout(`${JSON.stringify({
      resources: manifests.length, errors, warnings: all.length - errors, acknowledged: acknowledged.length, platform: source,
      findings: all.map((f) => ({ severity: f.severity ?? 'error', ...f })),
      acknowledgedFindings: acknowledged.map((a) => ({ severity: 'warning', ...a.finding, acknowledged: a.reason })),
    }, null, 2)}\n`);
  } else {
    for (const f of all) io.stdout(`${(f.severity ?? 'error').toUpperCase()} ${f.file ? `${f.file}: ` : ''}${formatFinding(f)}\n`);
    if (acknowledged.length > 0) io.stdout(`${acknowledgedSummary(acknowledged)}\n`);
    const ack = acknowledged.length > 0 ? `, ${acknowledged.length} acknowledged` : '';
    const n = records.recorded.length;
    const assumed = source === 'namespaces' ? ` (platform as recorded on ${n} Namespace${n === 1 ? '' : 's'})` : '';
    const checked = `${manifests.length} resources checked${args.schemaOnly ? ' (schema only)' : ''}${assumed}`;
    io.stdout(`${checked}: ${errors} errors, ${all.length - errors} warnings${ack}\n`);
  }
  return errors > 0 ? 1 : 0;
}

/** One line for the acknowledged warnings, as synth prints them: each code, how often, and on which resources. */
function acknowledgedSummary(acknowledged: readonly AnnotatedAcknowledgement[]): string {
  const byCode = new Map<string, Set<string>>();
  for (const { finding: f } of acknowledged) {
    const at = byCode.get(f.code) ?? new Set<string>();
    at.add(`${f.resource.namespace ? `${f.resource.namespace}/` : ''}${f.resource.kind}/${f.resource.name}`);
    byCode.set(f.code, at);
  }
  const parts = [...byCode].sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([code, at]) => `${code} ×${acknowledged.filter((a) => a.finding.code === code).length} (${[...at].sort().join(', ')})`);
  const n = acknowledged.length;
  return `ACKNOWLEDGED ${n} warning${n === 1 ? '' : 's'} (acknowledged.mesh.cdk8s.io annotations; --format json lists each with its reason): `
    + parts.join('; ');
}

/**
 * MESH086 for each field on which the platform given with `--platform` (what the cluster runs)
 * contradicts the one a Namespace records (what synth assumed), on that Namespace: the manifests
 * were written for another platform (a NetworkPolicy peer in the wrong namespace, a principal of
 * another ServiceAccount), though the checks, assuming the platform given, cannot see it.
 * Only the fields the files describe are compared (`describes`); each distinct record once.
 */
function recordContradictions(
  recorded: readonly RecordedPlatform[], given: MeshPlatform, describes: ((key: string, field?: string) => boolean) | undefined,
  files: readonly string[],
): Finding[] {
  const byRecord = new Map<string, ReturnType<typeof platformContradictions>>();
  const out: Finding[] = [];
  for (const r of recorded) {
    let found = byRecord.get(r.record);
    if (!found) byRecord.set(r.record, found = platformContradictions(r.platform, given, describes));
    for (const c of found) {
      out.push(finding(Codes.PLATFORM_RECORD_CONTRADICTED, r.manifest, `metadata.annotations.${PLATFORM_ANNOTATION}.${c.field}`,
        `synth assumed ${c.assumed} (Namespace ${r.namespace}'s record), the platform given with --platform`
        + ` (${files.join(', ')}) has ${c.given}: the manifests were synthesized for another platform;`
        + ' synthesize them with the platform the cluster runs'));
    }
  }
  return out;
}

/** The distinct platforms among `recorded`, in order. */
function distinctPlatforms(recorded: readonly RecordedPlatform[]): MeshPlatform[] {
  return [...new Map(recorded.map((r) => [r.record, r.platform])).values()];
}

/**
 * The platform the recorded ones describe for flows: the first one's trust domain and root
 * namespace (MESH632 reports any other), and every one's pods, the rate-limit service of
 * each Namespace's platform in that namespace (as synth places it).
 */
function platformOfRecords(recorded: readonly RecordedPlatform[]): PlatformFile | undefined {
  if (recorded.length === 0) return undefined;
  const workloads = new Map<string, FlowWorkload>();
  for (const r of recorded) {
    for (const w of r.platform.workloads(r.namespace)) if (!workloads.has(`${w.namespace}/${w.name}`)) workloads.set(`${w.namespace}/${w.name}`, w);
  }
  return { platform: recorded[0].platform, workloads: [...workloads.values()] };
}

function lstatable(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
