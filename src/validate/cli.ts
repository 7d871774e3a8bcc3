#!/usr/bin/env node
/**
 * cdk8s-mesh-validate: the synth-time checks over any YAML files or directories,
 * hand-written ones included.
 *
 *   cdk8s-mesh-validate [--format text|json] [--schema-only] [--crds <dir>] <file|dir>...
 *
 * Exit codes: 0 clean (warnings allowed), 1 on errors, 2 on a usage error.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as jsyaml from 'js-yaml';
import { Codes } from '../core/codes';
import { Finding, formatFinding, isError, Manifest, sortFindings } from './finding';
import { validateManifests } from './validate';

/** Where the tool writes; tests pass their own. */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const USAGE = 'usage: cdk8s-mesh-validate [--format text|json] [--schema-only] [--crds <dir>] <file|dir>...';

/** Every *.yaml/*.yml file under `p`, sorted; `p` itself if it is a file. */
function yamlFiles(p: string): string[] {
  const stat = fs.statSync(p);
  if (stat.isFile()) return [p];
  return fs.readdirSync(p, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((e) => (e.isDirectory() ? yamlFiles(path.join(p, e.name)) : /\.ya?ml$/.test(e.name) ? [path.join(p, e.name)] : []));
}

/** Runs the tool; returns the exit code. */
export function main(argv: readonly string[], io: CliIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }): number {
  let format = 'text';
  let schemaOnly = false;
  let crds: string | undefined;
  const inputs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--format') format = argv[++i] ?? '';
    else if (a.startsWith('--format=')) format = a.slice('--format='.length);
    else if (a === '--schema-only') schemaOnly = true;
    else if (a === '--crds') crds = argv[++i];
    else if (a.startsWith('--crds=')) crds = a.slice('--crds='.length);
    else if (a === '--help' || a === '-h') { io.out(`${USAGE}\n`); return 0; }
    else if (a.startsWith('-')) { io.err(`unknown option ${a}\n${USAGE}\n`); return 2; }
    else inputs.push(a);
  }
  if (!['text', 'json'].includes(format) || crds === undefined && argv.includes('--crds') || inputs.length === 0) {
    io.err(`${USAGE}\n`);
    return 2;
  }

  const manifests: Manifest[] = [];
  const fileOf = new Map<Manifest, string>();
  const parseErrors: Finding[] = [];
  for (const input of inputs) {
    if (!fs.existsSync(input)) { io.err(`no such file or directory: ${input}\n${USAGE}\n`); return 2; }
    for (const file of yamlFiles(input)) {
      try {
        for (const doc of jsyaml.loadAll(fs.readFileSync(file, 'utf8'))) {
          if (doc === null || doc === undefined) continue;
          const items = (doc as any).kind === 'List' && Array.isArray((doc as any).items) ? (doc as any).items : [doc];
          for (const m of items) { manifests.push(m); fileOf.set(m, file); }
        }
      } catch (e) {
        parseErrors.push({ code: Codes.UNPARSABLE_MANIFEST, resource: { apiVersion: '', kind: 'File', name: file }, field: '', message: (e as Error).message.split('\n')[0], file });
      }
    }
  }

  let findings: Finding[];
  try {
    findings = validateManifests(manifests, { crdDirectory: crds, schemaOnly });
  } catch (e) {
    io.err(`${(e as Error).message}\n`);
    return 2;
  }
  // Findings name resources; give each the file its resource came from.
  const byRef = new Map<string, string>();
  for (const m of manifests) byRef.set(`${m?.kind}/${m?.metadata?.namespace ?? ''}/${m?.metadata?.name ?? ''}`, fileOf.get(m)!);
  const all = sortFindings([...parseErrors, ...findings.map((f) => ({ ...f, file: f.file ?? byRef.get(`${f.resource.kind}/${f.resource.namespace ?? ''}/${f.resource.name}`) }))]);
  const errors = all.filter(isError).length;

  if (format === 'json') {
    io.out(`${JSON.stringify({ resources: manifests.length, errors, warnings: all.length - errors, findings: all.map((f) => ({ severity: f.severity ?? 'error', ...f })) }, null, 2)}\n`);
  } else {
    for (const f of all) io.out(`${(f.severity ?? 'error').toUpperCase()} ${f.file ? `${f.file}: ` : ''}${formatFinding(f)}\n`);
    io.out(`${manifests.length} resources checked${schemaOnly ? ' (schema only)' : ''}: ${errors} errors, ${all.length - errors} warnings\n`);
  }
  return errors > 0 ? 1 : 0;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
