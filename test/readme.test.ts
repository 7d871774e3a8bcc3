import * as fs from 'node:fs';
import * as path from 'node:path';

// The examples are type-checked by `tsc -p tsconfig.dev.json` (the first step of `npm test`),
// which compiles test/readme/*.ts with `cdk8s-mesh` mapped to src/index.ts.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { examples, dir } = require('../scripts/readme-examples.js') as { examples: () => Record<string, string>; dir: string };

test('every TypeScript example of the README is in test/readme/, where the type-check compiles it (`npm run readme-examples`)', () => {
  const expected = examples();
  expect(Object.keys(expected).length).toBeGreaterThanOrEqual(10);
  const actual = Object.fromEntries(fs.readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
  expect(actual).toEqual(expected);
});
