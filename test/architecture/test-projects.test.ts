import * as fs from 'node:fs';
import * as path from 'node:path';

// jest.config.js runs most suites in jest-light-runner, whose workers share one module registry and
// whose `jest` object has no module mocks, no `setTimeout`, and whose worker threads cannot change
// the directory (`process.chdir` only changes what `process.cwd()` returns) or the time zone.
// A suite that needs any of these must be in the isolated project, which runs jest's default runner.
const ROOT = path.join(__dirname, '..', '..');
const NEEDS_ISOLATION = /\bjest\.(mock|doMock|unmock|isolateModules|resetModules|setTimeout|requireActual)\(|process\.chdir\(|process\.env\.TZ\b/;

function testFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'package' && dir === path.join(ROOT, 'test') ? [] : testFiles(p);
    return e.name.endsWith('.test.ts') ? [path.relative(ROOT, p)] : [];
  });
}

test('every suite that mocks modules, reloads them, sets its timeout or changes the process runs in the isolated project', () => {
  const config = require('../../jest.config.js') as { projects: { displayName: string; testMatch?: string[] }[] };
  const isolated = config.projects.find((p) => p.displayName === 'isolated')!.testMatch!.map((m) => m.replace('<rootDir>/', ''));
  const needing = testFiles(path.join(ROOT, 'test')).filter((f) => NEEDS_ISOLATION.test(fs.readFileSync(path.join(ROOT, f), 'utf8')));
  expect(needing.length).toBeGreaterThanOrEqual(4);
  expect(needing.filter((f) => !isolated.includes(f))).toEqual([]);
  // and the list names no suite that does not exist
  expect(isolated.filter((f) => !fs.existsSync(path.join(ROOT, f)))).toEqual([]);
});
