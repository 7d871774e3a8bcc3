/** Tests are transpiled by SWC (no type-check per file); `npm run typecheck` checks types once. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
