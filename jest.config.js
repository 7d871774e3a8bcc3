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
 * The suite runs in jest-light-runner: its workers (threads) load the library once and share it (and
 * its caches: compiled CEL programs, ajv validators, PromQL shapes) between suites, each .ts file
 * compiled once per run (test/setup/compiled.js, light-register.mjs). Its `jest` object has mock
 * functions, spies and fake timers only (jest-light-runner src/global-setup.js): a slow test gives its
 * own timeout (`test(name, fn, ms)`), a test that needs a second copy of the library
 * loads one with freshCopy (test/setup/compiled.js), and none may change the process
 * (`process.chdir`, `TZ`), which a worker thread cannot; test/architecture/test-projects.test.ts
 * holds every suite to that.
 */
const suite = {
  ...base,
  runner: 'jest-light-runner',
  roots: ['<rootDir>/test'],
  setupFiles: ['<rootDir>/test/setup/light-register.mjs'],
  // The library and the tests compiled once per run (test/setup/compiled.js).
  globalSetup: '<rootDir>/test/setup/global-setup.js',
  globalTeardown: '<rootDir>/test/setup/global-teardown.js',
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/package/'],
  // Jest leaves one core idle by default; on a 2-core machine that halves the speed.
  maxWorkers: '100%',
};

module.exports = process.env.CDK8S_MESH_TESTS === 'package'
  ? { ...base, maxWorkers: '100%', roots: ['<rootDir>/test/package'] }
  : suite;
