// Loaded first in each worker of the shared-module project (jest.config.js). The worker imports test
// files with import(): the ESM hook registered here tells Node that a .ts file is CommonJS, and Node's
// CommonJS loader then compiles it with the require hook added here (pirates): the compiled copy
// jest's globalSetup brought up to date (test/setup/compiled.js: SWC, no type-check, as @swc/jest),
// or, for a file changed since, SWC at once. The copies carry inline source maps, which Node reads
// once enabled, so a stack names the TypeScript source's lines.
import { createRequire, register } from 'node:module';

const require = createRequire(import.meta.url);
const { addHook } = require('pirates');
const { compiledCode } = require('./compiled.js');

process.setSourceMapsEnabled(true);
addHook(compiledCode, { exts: ['.ts'], ignoreNodeModules: true });
register('./ts-as-commonjs.mjs', import.meta.url);
