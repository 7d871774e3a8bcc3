#!/usr/bin/env node
// `npm test`: promtool first (the rule tests need it), then the type-check, the linter and jest
// at once. tsc and ESLint use one core each for a few seconds; run one after the other before
// jest, they left the second core idle. Each check's output is printed whole (the checks' own
// after they end, jest's as it runs), and the run fails when any of them fails. Arguments go to jest.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
if (spawnSync(process.execPath, [path.join(__dirname, 'ensure-promtool.js')], { stdio: 'inherit' }).status !== 0) process.exit(1);

/** Runs `cmd`, its output kept until it ends (or passed through), resolving to its exit status. */
function run(name, cmd, args, passThrough) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: passThrough ? 'inherit' : 'pipe' });
    let out = '';
    if (!passThrough) {
      child.stdout.on('data', (d) => { out += d; });
      child.stderr.on('data', (d) => { out += d; });
    }
    child.on('close', (code, signal) => {
      if (out) process.stderr.write(out);
      if (code !== 0) process.stderr.write(`${name} failed (${signal ?? `exit ${code}`})\n`);
      resolve(code ?? 1);
    });
  });
}

Promise.all([
  // `tsc -b` skips the check when no file it read changed since a check without errors (its build
  // info, node_modules/.cache/tsc/, records each file's hash and the errors); after an edit it checks
  // again, incrementally, and errors are reported on every run until they are fixed.
  run('tsc', bin('tsc'), ['-b', 'tsconfig.dev.json']),
  run('eslint', 'npm', ['run', '--silent', 'lint']),
  run('jest', bin('jest'), process.argv.slice(2), true),
]).then((codes) => process.exit(codes.some((c) => c !== 0) ? 1 : 0));
