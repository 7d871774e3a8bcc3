// jest's globalSetup: brings the compiled copy of the library up to date (test/setup/compiled.js), and
// sizes the young generation of the workers' heaps.
'use strict';
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

module.exports = () => {
  v8.setFlagsFromString(`--max-semi-space-size=${SEMI_SPACE_MIB}`);
  compileLibrary();
};
