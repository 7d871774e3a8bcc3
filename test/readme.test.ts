import * as fs from 'node:fs';
import * as path from 'node:path';

// The examples are type-checked by `tsc -b tsconfig.dev.json` (run by `npm test`),
// which compiles test/readme/*.ts with `cdk8s-mesh` mapped to src/index.ts.

const { examples, dir } = require('../scripts/readme-examples.js') as { examples: () => Record<string, string>; dir: string };

test('every TypeScript example of the README is in test/readme/, where the type-check compiles it (`npm run readme-examples`)', () => {
  const expected = examples();
  expect(Object.keys(expected).length).toBeGreaterThanOrEqual(10);
  const actual = Object.fromEntries(fs.readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
  expect(actual).toEqual(expected);
});

test('every stable code is documented in the README, and the README names no code that does not exist', () => {

  const { Codes } = require('../src/core/codes') as { Codes: Record<string, string> };
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const documented = new Set([...readme.matchAll(/^\| (MESH\d{3}) \|/gm)].map((m) => m[1]));
  const codes = new Set(Object.values(Codes));
  expect([...codes].filter((c) => !documented.has(c)).sort()).toEqual([]);
  expect([...documented].filter((c) => !codes.has(c)).sort()).toEqual([]);
});

test('the codes that can be acknowledged are exactly the warnings of the README tables (MESH062 aside, which is about acknowledgements)', () => {

  const { WARNING_CODES } = require('../src/validate/warnings') as { WARNING_CODES: readonly string[] };
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const warnings = [...readme.matchAll(/^\| (MESH\d{3}) \| \*warning\*/gm)].map((m) => m[1]).filter((c) => c !== 'MESH062');
  expect([...WARNING_CODES].sort()).toEqual(warnings.sort());
});
