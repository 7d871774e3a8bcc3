import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Yaml } from 'cdk8s';

/**
 * promtool (Debian's `prometheus` package; `.ci/run` installs it). A missing promtool
 * fails the test with this message: rule checks are never skipped.
 */
export function promtoolPath(): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).concat(['/usr/bin', '/usr/local/bin'])) {
    const p = path.join(dir, 'promtool');
    if (fs.existsSync(p)) return p;
  }
  throw new Error('promtool is not installed: install Debian\'s "prometheus" package (apt-get install prometheus), as .ci/run does. Rule tests never skip.');
}

/** Runs promtool with `args` in `dir`; returns its output, or throws with it. */
function run(args: string[], dir: string): string {
  try {
    return execFileSync(promtoolPath(), args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e: any) {
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/** A temporary directory holding `files` (name → YAML object). */
function workdir(files: Record<string, unknown>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-promtool-'));
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), Yaml.stringify(content));
  return dir;
}

/** `promtool check rules` on a rules file made of `groups` (a PrometheusRule's spec). */
export function checkRules(spec: { groups: unknown[] }): string {
  const dir = workdir({ 'rules.yaml': spec });
  try {
    return run(['check', 'rules', 'rules.yaml'], dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `promtool test rules` with `tests` (promtool's unit-test format) against `spec`'s rules. */
export function testRules(spec: { groups: unknown[] }, tests: unknown[], evaluationInterval = '1m'): string {
  const dir = workdir({
    'rules.yaml': spec,
    'tests.yaml': { rule_files: ['rules.yaml'], evaluation_interval: evaluationInterval, tests },
  });
  try {
    return run(['test', 'rules', 'tests.yaml'], dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
