#!/usr/bin/env node
/**
 * cdk8s-mesh-validate: the synth-time checks over any YAML files or directories,
 * hand-written ones included.
 *
 *   cdk8s-mesh-validate [--format text|json] [--schema-only] [--crds <dir>] <file|dir>...
 *   cdk8s-mesh-validate --flow '<source> -> <host>:<port> [METHOD] [path]' [--flows] <file|dir>...
 *
 * Exit codes: 0 clean (warnings allowed), 1 on errors, 2 on a usage error.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as jsyaml from 'js-yaml';
import { Codes } from '../core/codes';
import { readPlatform, runFlowCommand } from '../flow/cli-flow';
import { CliIo, processIo } from '../private/cli-io';
import { Finding, formatFinding, isError, Manifest, sortFindings } from './finding';
import { validateManifests } from './validate';

/** Where the tool writes; tests pass their own. */

const USAGE = 'usage: cdk8s-mesh-validate [--format text|json] [--schema-only] [--crds <dir>] <file|dir>...\n'
  + '       cdk8s-mesh-validate [--flow \'<source> -> <host>:<port> [METHOD] [path]\']... [--flows] [--platform <file>] <file|dir>...';

/** Every *.yaml/*.yml file under `p`, sorted; `p` itself if it is a file. */
/**
 * The YAML files of `p`: `p` itself if it is a file, else every *.yaml and *.yml below it
 * except Helm values files (`values.yaml`, `*.values.yaml`), which are not manifests.
 */
function yamlFiles(p: string): string[] {
  const stat = fs.statSync(p);
  if (stat.isFile()) return [p];
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
  let crds: string | undefined;
  const inputs: string[] = [];
  const flows: string[] = [];
  let listFlows = false;
  let platformFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--format') format = argv[++i] ?? '';
    else if (a.startsWith('--format=')) format = a.slice('--format='.length);
    else if (a === '--schema-only') schemaOnly = true;
    else if (a === '--flow') flows.push(argv[++i] ?? '');
    else if (a.startsWith('--flow=')) flows.push(a.slice('--flow='.length));
    else if (a === '--flows') listFlows = true;
    else if (a === '--platform') platformFile = argv[++i];
    else if (a === '--crds') crds = argv[++i];
    else if (a.startsWith('--crds=')) crds = a.slice('--crds='.length);
    else if (a === '--help' || a === '-h') { io.stdout(`${USAGE}\n`); return 0; }
    else if (a.startsWith('-')) { io.stderr(`unknown option ${a}\n${USAGE}\n`); return 2; }
    else inputs.push(a);
  }
  if (!['text', 'json'].includes(format) || crds === undefined && argv.includes('--crds') || inputs.length === 0) {
    io.stderr(`${USAGE}\n`);
    return 2;
  }

  const manifests: Manifest[] = [];
  const fileOf = new Map<Manifest, string>();
  const parseErrors: Finding[] = [];
  for (const input of inputs) {
    // Paths are resolved from io.cwd and shown as they were given.
    const resolved = path.resolve(io.cwd, input);
    if (!fs.existsSync(resolved)) { io.stderr(`no such file or directory: ${input}\n${USAGE}\n`); return 2; }
    for (const found of yamlFiles(resolved)) {
      const file = input + found.slice(resolved.length);
      try {
        for (const doc of jsyaml.loadAll(fs.readFileSync(found, 'utf8'))) {
          if (doc === null || doc === undefined) continue;
          const items = (doc as any).kind === 'List' && Array.isArray((doc as any).items) ? (doc as any).items : [doc];
          for (const m of items) { manifests.push(m); fileOf.set(m, file); }
        }
      } catch (e) {
        parseErrors.push({ code: Codes.UNPARSABLE_MANIFEST, resource: { apiVersion: '', kind: 'File', name: file }, field: '', message: (e as Error).message.split('\n')[0], file });
      }
    }
  }

  // Flow verification: verdicts instead of findings (src/flow/cli-flow.ts).
  if (flows.length > 0 || listFlows) {
    if (parseErrors.length > 0) { io.stderr(`${parseErrors[0].file}: ${parseErrors[0].message}\n`); return 2; }
    try {
      const platform = platformFile === undefined ? undefined : readPlatform(fs.readFileSync(path.resolve(io.cwd, platformFile), 'utf8'), platformFile);
      return runFlowCommand(manifests, flows, listFlows, io, { platform }, format as 'text' | 'json');
    } catch (e) { io.stderr(`${(e as Error).message}\n`); return 2; }
  }

  let findings: Finding[];
  try {
    findings = validateManifests(manifests, { crdDirectory: crds === undefined ? undefined : path.resolve(io.cwd, crds), schemaOnly });
  } catch (e) {
    io.stderr(`${(e as Error).message}\n`);
    return 2;
  }
  // Findings name resources; give each the file its resource came from.
  const byRef = new Map<string, string>();
  for (const m of manifests) byRef.set(`${m?.kind}/${m?.metadata?.namespace ?? ''}/${m?.metadata?.name ?? ''}`, fileOf.get(m)!);
  const all = sortFindings([...parseErrors, ...findings.map((f) => ({ ...f, file: f.file ?? byRef.get(`${f.resource.kind}/${f.resource.namespace ?? ''}/${f.resource.name}`) }))]);
  const errors = all.filter(isError).length;

  if (format === 'json') {
    io.stdout(`${JSON.stringify({ resources: manifests.length, errors, warnings: all.length - errors, findings: all.map((f) => ({ severity: f.severity ?? 'error', ...f })) }, null, 2)}\n`);
  } else {
    for (const f of all) io.stdout(`${(f.severity ?? 'error').toUpperCase()} ${f.file ? `${f.file}: ` : ''}${formatFinding(f)}\n`);
    io.stdout(`${manifests.length} resources checked${schemaOnly ? ' (schema only)' : ''}: ${errors} errors, ${all.length - errors} warnings\n`);
  }
  return errors > 0 ? 1 : 0;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
