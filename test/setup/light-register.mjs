// Loaded first in each worker of the shared-module project (jest.config.js). The worker imports test
// files with import(): the ESM hook registered here tells Node that a .ts file is CommonJS, and Node's
// CommonJS loader then compiles it with the hook ts-node registers here (SWC, no type-check, as @swc/jest does).
import { register } from 'node:module';
import { URL } from 'node:url';
import { register as registerTsNode } from 'ts-node';

registerTsNode({ swc: true, transpileOnly: true, project: new URL('../../tsconfig.json', import.meta.url).pathname });
register('./ts-as-commonjs.mjs', import.meta.url);
