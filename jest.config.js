/**
 * Tests are transpiled by SWC (no type-check per file); `npm run typecheck` checks types once.
 * The package tests (test/package/: build, `npm pack`, a consumer project, the API report) take
 * longer than the rest of the suite together; `npm run test:package` runs them, and `.ci/run` runs
 * both, so they stay off the edit-test loop but never out of CI.
 */
const base = {
  testEnvironment: 'node',
  // Jest leaves one core idle by default; on a 2-core machine that halves the speed.
  maxWorkers: '100%',
  testMatch: ['**/*.test.ts'],
  // The transformed files beside the other caches of `npm test` (tsc, ESLint, dependency-cruiser), not in the
  // /tmp/jest_* folder every project of the machine shares; a warm run reads them back instead of transpiling.
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};

module.exports = process.env.CDK8S_MESH_TESTS === 'package'
  ? { ...base, roots: ['<rootDir>/test/package'] }
  : { ...base, roots: ['<rootDir>/test'], testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/package/'] };
