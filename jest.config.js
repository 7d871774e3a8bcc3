/** Tests are transpiled by SWC (no type-check per file); `npm run typecheck` checks types once. */
module.exports = {
  testEnvironment: 'node',
  // Jest leaves one core idle by default; on a 2-core machine that halves the speed.
  maxWorkers: '100%',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
