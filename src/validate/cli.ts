#!/usr/bin/env node
/**
 * cdk8s-mesh-validate: the synth-time checks over any YAML files or directories,
 * hand-written ones included.
 *
 *   cdk8s-mesh-validate [--format text|json] [--schema-only] [--strict] [--crds <dir>] [--max-document-bytes <n>] [--platform <file>]... <file|dir>...
 *   cdk8s-mesh-validate --flow '<source> -> <host>:<port> [METHOD] [path]' [--flows] [--platform <file>]... <file|dir>...
 *
 * `--platform` (repeatable) reads the platform: a snapshot of the cluster and/or a map of its
 * components with presets (src/platform/platform-file.ts), or a list of platform pods for flows.
 *
 * Files are read by the package's one YAML reader (src/private/yaml-reader.ts), which refuses
 * what kube-apiserver refuses (alias bombs, documents over 3 MiB, deep nesting, binary files)
 * with a MESH156 finding naming the file and line, before any check walks a document; the
 * values are then those kube-apiserver decodes (./yaml.ts: go-yaml v2, YAML 1.1).
 *
 * Exit codes: 0 clean (warnings allowed), 1 on errors, 2 on a usage error.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Codes } from '../core/codes';
import { PlatformFile, readPlatform, runFlowCommand } from './flow/cli-flow';
import { platformIngressGateway } from './analysis';
import { CliIo, processIo } from '../private/cli-io';
import { decodeYamlText, readYamlFile, YamlReadError } from '../private/yaml-reader';
import { Finding, formatFinding, isError, Manifest, sortFindings } from './finding';
import { validateManifests } from './validate';
import { listItems, mayDecodeDifferentlyAsYaml11, parseManifests } from './yaml';
import { MeshError } from '../core/errors';

/** Where the tool writes; tests pass their own. */

const USAGE = 'usage: cdk8s-mesh-validate [--format text|json] [--schema-only] [--strict] [--crds <dir>] [--max-document-bytes <n>] [--platform <file>]... <file|dir>...'
  + '\n       cdk8s-mesh-validate [--flow \'<source> -> <host>:<port> [METHOD] [path]\']... [--flows] [--platform <file>]... <file|dir>...';

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
  let format = 'text';
  let schemaOnly = false;
  let strict = false;
  let crds: string | undefined;
  let maxDocumentBytes: string | undefined;
  const inputs: string[] = [];
  const flows: string[] = [];
  let listFlows = false;
  const platformFiles: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--format') format = argv[++i] ?? '';
    else if (a.startsWith('--format=')) format = a.slice('--format='.length);
    else if (a === '--schema-only') schemaOnly = true;
    else if (a === '--strict') strict = true;
    else if (a === '--flow') flows.push(argv[++i] ?? '');
    else if (a.startsWith('--flow=')) flows.push(a.slice('--flow='.length));
    else if (a === '--flows') listFlows = true;
    else if (a === '--platform') platformFiles.push(argv[++i] ?? '');
    else if (a.startsWith('--platform=')) platformFiles.push(a.slice('--platform='.length));
    else if (a === '--crds') crds = argv[++i];
    else if (a.startsWith('--crds=')) crds = a.slice('--crds='.length);
    else if (a === '--max-document-bytes') maxDocumentBytes = argv[++i] ?? '';
    else if (a.startsWith('--max-document-bytes=')) maxDocumentBytes = a.slice('--max-document-bytes='.length);
    else if (a === '--help' || a === '-h') { io.stdout(`${USAGE}\n`); return 0; }
    else if (a.startsWith('-')) { io.stderr(`unknown option ${a}\n${USAGE}\n`); return 2; }
    else inputs.push(a);
  }
  if (!['text', 'json'].includes(format) || crds === undefined && argv.includes('--crds') || inputs.length === 0) {
    io.stderr(`${USAGE}\n`);
    return 2;
  }
  if (maxDocumentBytes !== undefined && !/^[1-9][0-9]{0,14}$/.test(maxDocumentBytes)) {
    io.stderr(`--max-document-bytes must be a positive whole number of bytes, got '${maxDocumentBytes}'\n${USAGE}\n`);
    return 2;
  }
  const limits = { maxDocumentBytes: maxDocumentBytes === undefined ? undefined : Number(maxDocumentBytes) };

  const manifests: Manifest[] = [];
  const fileOf = new Map<Manifest, string>();
  const parseErrors: Finding[] = [];
  for (const input of inputs) {
    // Paths are resolved from io.cwd and shown as they were given.
    const resolved = path.resolve(io.cwd, input);
    // lstat: a symbolic link loop exists (and is reported by the reader) though stat fails.
    if (!fs.existsSync(resolved) && !lstatable(resolved)) { io.stderr(`no such file or directory: ${input}\n${USAGE}\n`); return 2; }
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
        for (const m of values) { manifests.push(m); fileOf.set(m, file); }
      } catch (e) {
        const err = e as Error;
        const message = e instanceof YamlReadError ? `${e.line > 0 ? `line ${e.line}: ` : ''}${e.reason}` : (e instanceof MeshError ? e.detail : err.message).split('\n')[0];
        parseErrors.push({ code: Codes.UNPARSABLE_MANIFEST, resource: { apiVersion: '', kind: 'File', name: file }, field: '', message, file });
      }
    }
  }

  let platform: PlatformFile | undefined;
  try {
    // Several files are one platform: a snapshot split by namespace, and the presets it is read with.
    platform = platformFiles.length === 0 ? undefined
      : readPlatform(platformFiles.map((file) => ({ text: fs.readFileSync(path.resolve(io.cwd, file), 'utf8'), file })));
  } catch (e) { io.stderr(`${(e as Error).message}\n`); return 2; }
  const described = platform?.platform;

  // Flow verification: verdicts instead of findings (src/validate/flow/cli-flow.ts).
  if (flows.length > 0 || listFlows) {
    if (parseErrors.length > 0) { io.stderr(`${parseErrors[0].file}: ${parseErrors[0].message}\n`); return 2; }
    try {
      const options = described
        ? { trustDomain: described.trustDomain, rootNamespace: described.istio.rootNamespace, dns: described.dnsWorkload() } : {};
      return runFlowCommand(manifests, flows, listFlows, io, { ...options, platform: platform?.workloads }, format as 'text' | 'json');
    } catch (e) { io.stderr(`${(e as Error).message}\n`); return 2; }
  }

  let findings: Finding[];
  try {
    findings = validateManifests(manifests, {
      crdDirectory: crds === undefined ? undefined : path.resolve(io.cwd, crds), schemaOnly, strict,
      ingressGateway: described ? platformIngressGateway(described) : undefined,
    });
  } catch (e) {
    io.stderr(`${(e as Error).message}\n`);
    return 2;
  }
  // Findings name resources; give each the files its resource came from. A resource in
  // several files (copies) is one object to the API server: each problem is reported once.
  const byRef = new Map<string, string[]>();
  for (const m of manifests) {
    const key = `${m?.kind}/${m?.metadata?.namespace ?? ''}/${m?.metadata?.name ?? ''}`;
    const list = byRef.get(key) ?? [];
    if (!list.includes(fileOf.get(m)!)) list.push(fileOf.get(m)!);
    byRef.set(key, list);
  }
  const once = new Map<string, Finding>();
  for (const f of findings) {
    const key = [f.code, f.resource.kind, f.resource.namespace ?? '', f.resource.name, f.field, f.message].join('\u0000');
    if (!once.has(key)) once.set(key, { ...f, file: f.file ?? byRef.get(`${f.resource.kind}/${f.resource.namespace ?? ''}/${f.resource.name}`)?.join(', ') });
  }
  const all = sortFindings([...parseErrors, ...once.values()]);
  const errors = all.filter(isError).length;

  if (format === 'json') {
    io.stdout(`${JSON.stringify({ resources: manifests.length, errors, warnings: all.length - errors, findings: all.map((f) => ({ severity: f.severity ?? 'error', ...f })) }, null, 2)}\n`);
  } else {
    for (const f of all) io.stdout(`${(f.severity ?? 'error').toUpperCase()} ${f.file ? `${f.file}: ` : ''}${formatFinding(f)}\n`);
    io.stdout(`${manifests.length} resources checked${schemaOnly ? ' (schema only)' : ''}: ${errors} errors, ${all.length - errors} warnings\n`);
  }
  return errors > 0 ? 1 : 0;
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
