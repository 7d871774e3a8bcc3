/**
 * Tests are transpiled by SWC (no type-check per file); `npm run typecheck` checks types once.
 * The package tests (test/package/: build, `npm pack`, a consumer project, the API report) take
 * longer than the rest of the suite together; `npm run test:package` runs them, and `.ci/run` runs
 * both, so they stay off the edit-test loop but never out of CI.
 */
const base = {
  testEnvironment: 'node',
  testMatch: ['**/*.test.ts'],
  // The transformed files beside the other caches of `npm test` (tsc, ESLint, dependency-cruiser), not in the
  // /tmp/jest_* folder every project of the machine shares; a warm run reads them back instead of transpiling.
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};

/**
 * Suites that run in jest's default runner, each in a fresh module registry: those that mock modules
 * (`jest.mock`) or reload the library (`jest.isolateModules`, `jest.resetModules`), one that changes
 * the process (`process.chdir`, `TZ`, which a worker thread cannot), and those that set their own
 * timeout (`jest.setTimeout`, which jest-light-runner lacks) for the child processes they spawn.
 * Every other suite runs in jest-light-runner: its workers load the library once and share it (and
 * its caches: compiled CEL programs, ajv validators, PromQL shapes) between suites.
 */
const ISOLATED = [
  'test/validate/schema.test.ts',
  'test/synth/wiring.test.ts',
  'test/architecture/brands.test.ts',
  'test/architecture/security.test.ts',
  'test/app/dist.test.ts',
  'test/app/cli-synth.test.ts',
  'test/validate/hostile-input.test.ts',
  'test/review/hostile-input.test.ts',
];

const projects = [
  {
    ...base,
    displayName: 'shared',
    runner: 'jest-light-runner',
    roots: ['<rootDir>/test'],
    setupFiles: ['<rootDir>/test/setup/light-register.mjs'],
    testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/package/', ...ISOLATED.map((p) => `<rootDir>/${p}`)],
  },
  {
    ...base,
    displayName: 'isolated',
    roots: ['<rootDir>/test'],
    testMatch: ISOLATED.map((p) => `<rootDir>/${p}`),
  },
];

module.exports = process.env.CDK8S_MESH_TESTS === 'package'
  ? { ...base, maxWorkers: '100%', roots: ['<rootDir>/test/package'] }
  // Jest leaves one core idle by default; on a 2-core machine that halves the speed.
  : { maxWorkers: '100%', projects };
