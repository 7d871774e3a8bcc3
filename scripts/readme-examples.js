#!/usr/bin/env node
// Writes the README's TypeScript examples to test/readme/example-N.ts, where the
// project's one type-check (`npm test` runs `tsc -b tsconfig.dev.json`) compiles them
// against the library; test/readme.test.ts fails when they are out of date.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const dir = path.join(root, 'test', 'readme');

/** The examples as files: name → content. */
function examples() {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  return Object.fromEntries(blocks.map((code, i) => [
    `example-${String(i + 1).padStart(2, '0')}.ts`,
    `// Generated from README.md by scripts/readme-examples.js: edit the README, then run \`npm run readme-examples\`.\n${code}export {};\n`,
  ]));
}

module.exports = { examples, dir };

if (require.main === module) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(examples())) fs.writeFileSync(path.join(dir, name), content);
  console.log(`wrote ${Object.keys(examples()).length} examples to ${path.relative(root, dir)}/`);
}
