// jest's globalSetup: brings the compiled copy of the library up to date (test/setup/compiled.js), sizes the
// young generation of the workers' heaps, and gives the run a temporary folder of its own.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const v8 = require('node:v8');
const { compileLibrary } = require('./compiled');

/**
 * The suite allocates short-lived objects by the gigabyte (synths, YAML, ajv and CEL results): with V8's
 * default semi-space of 16 MiB, the garbage collector took nearly a tenth of the workers' CPU
 * time; with 64 MiB, fewer objects are copied to the old generation for nothing. A V8 flag set at run time
 * applies to the heaps created after it, and the workers (threads of this process, jest-light-runner) start
 * after the global setup. The old generation, and the heap bounds the library gives its own worker
 * (src/synth/parallel-checks.ts) and tests give their child processes, are unchanged.
 */
const SEMI_SPACE_MIB = 64;

/**
 * cdk8s's `Testing.app()` makes an output folder under the system's temporary one for every app a test builds, and
 * leaves it (thousands a run). The run's own folder, `TMPDIR` for the workers (threads started after this, with a
 * copy of this environment) and for every child they start, is removed by the global teardown, so nothing is left
 * behind and no test lists a folder other runs fill.
 */
function runTemporaryFolder() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-mesh-test-'));
  process.env.CDK8S_MESH_TEST_TMPDIR = dir;
  process.env.TMPDIR = dir;
}

module.exports = () => {
  v8.setFlagsFromString(`--max-semi-space-size=${SEMI_SPACE_MIB}`);
  runTemporaryFolder();
  compileLibrary();
};
