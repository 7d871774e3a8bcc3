import * as fs from 'node:fs';
import * as path from 'node:path';

// jest.config.js runs every suite in jest-light-runner, whose workers share one module registry and
// whose `jest` object has mock functions, spies and fake timers only (jest-light-runner
// src/global-setup.js: no module mocks, no isolateModules, no setTimeout); its worker threads
// cannot change the directory (`process.chdir` only changes what `process.cwd()` returns) or the time
// zone. A suite gives a slow test its own timeout and loads a second copy of the library with
// freshCopy (test/setup/compiled.js); what changes the process happens in a child process.
const ROOT = path.join(__dirname, '..', '..');
const NEEDS_JEST_RUNTIME = /\bjest\.(mock|doMock|unmock|isolateModules|resetModules|setTimeout|requireActual)\(|process\.chdir\(|process\.env\.TZ\b/;

function testFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'package' && dir === path.join(ROOT, 'test') ? [] : testFiles(p);
    return e.name.endsWith('.test.ts') ? [path.relative(ROOT, p)] : [];
  });
}

test('every suite runs in jest-light-runner, and none mocks modules, reloads them, sets its timeout or changes the process', () => {
  const config = require('../../jest.config.js') as { runner?: string; projects?: unknown };
  expect(config.runner).toBe('jest-light-runner');
  expect(config.projects).toBeUndefined();
  const files = testFiles(path.join(ROOT, 'test'));
  expect(files.length).toBeGreaterThan(100);
  expect(files.filter((f) => NEEDS_JEST_RUNTIME.test(fs.readFileSync(path.join(ROOT, f), 'utf8')))).toEqual([]);
});
