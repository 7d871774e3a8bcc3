/**
 * The layers of docs/ARCHITECTURE.md, enforced on every import of src/ (type-only imports
 * included: `tsPreCompilationDeps`). `npm run layers` prints any violation; the test
 * test/architecture/layers.test.ts fails on one, and proves on a fixture that a multi-line
 * upward import is caught.
 */
const fs = require('node:fs');

/** The layers, bottom first: a module may import its own layer and those below, never one above. */
const LAYERS = [
  ['imports', '^imports/'],
  ['core', '^src/core/'],
  ['private', '^src/private/'],
  ['platform', '^src/platform/'],
  ['workload', '^src/workload/'],
  ['graph', '^src/graph/'],
  ['views', '^src/views/'],
  ['validate', '^src/validate/'],
  ['review', '^src/review/'],
  ['synth', '^src/synth/'],
  ['entry', '^src/index[.]ts$'],
  ['app', '^src/(app/|main[.]ts$)'],
];

/** One rule per layer: nothing in it imports a layer above it. */
const upward = LAYERS.slice(0, -1).map(([name, path], i) => ({
  name: `no-upward-from-${name}`,
  comment: `${name} may import only ${LAYERS.slice(0, i + 1).map(([n]) => n).join(', ')} (docs/ARCHITECTURE.md, Layers)`,
  severity: 'error',
  from: { path },
  to: { path: LAYERS.slice(i + 1).map(([, p]) => p) },
}));

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'no-circular',
      comment: 'no import cycle between files of src/, type-only imports included',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'only-renderers-import-imports',
      comment: "only a construct's renderer (<construct>.render.ts beside it) builds objects from the generated types of imports/",
      severity: 'error',
      from: { path: '^src/', pathNot: '[.]render[.]ts$' },
      to: { path: '^imports/' },
    },
    {
      name: 'only-workload-imports-cdk8s-plus',
      comment: 'cdk8s-plus-27 stays inside src/workload/, so that a newer cdk8s-plus is a change of one dependency and one folder',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/workload/' },
      to: { path: '(^|/)node_modules/cdk8s-plus-27/' },
    },
    {
      name: 'core-is-vocabulary',
      comment: 'src/core/ holds values and pure functions: of cdk8s only its Duration, no constructs, no cdk8s-plus, no YAML or file system',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: ['(^|/)node_modules/(constructs|cdk8s-plus-27|yaml|js-yaml)/', '^(fs|path|child_process)$'] },
    },
    {
      name: 'no-unresolvable',
      comment: "every import of a file of the project resolves (a package the resolver cannot follow is the compiler's to judge)",
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true, path: '^[.]' },
    },
  ],
  options: {
    doNotFollow: { path: '(^|/)node_modules/' },
    tsPreCompilationDeps: true,
    ...(fs.existsSync('tsconfig.json') ? { tsConfig: { fileName: 'tsconfig.json' } } : {}),
    enhancedResolveOptions: {
      extensions: ['.ts', '.js', '.json', '.d.ts'],
      conditionNames: ['require', 'node', 'types', 'default'],
      exportsFields: ['exports'],
    },
  },
};
