#!/usr/bin/env node
// The rule tests run promtool (Debian's `prometheus` package). On a fresh Debian machine
// where we are root, install it; anywhere else, say how. The tests never skip without it.
'use strict';
const { execSync, spawnSync } = require('node:child_process');

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
if (has('promtool')) process.exit(0);
const root = typeof process.getuid === 'function' && process.getuid() === 0;
if (root && has('apt-get')) {
  console.error('promtool is missing: installing Debian\'s prometheus package (apt-get install prometheus)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execSync('apt-get update -qq && apt-get install -y -qq --no-install-recommends prometheus >/dev/null', { stdio: 'inherit', env });
  process.exit(0);
}
console.error('promtool is missing: install Debian\'s `prometheus` package (or put promtool on PATH). The rule tests need it.');
process.exit(1);
