import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository's root and its src/. */
export const ROOT = path.join(__dirname, '..', '..');
export const SRC = path.join(ROOT, 'src');

/** Every .ts file below `dir` (an absolute path), as absolute paths. */
export function tsFilesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return tsFilesUnder(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}
