import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';

const DIST = path.join(__dirname, '..', '..', 'dist');

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath ?? (e as any).path, e.name)))
    .sort();
}

/**
 * The committed dist/. That it is what a synth writes, byte for byte, from another process, working
 * directory, time zone and locale: test/review/determinism.test.ts (in one thread) and
 * test/synth/parallel-checks.test.ts (on two).
 */
describe('dist/', () => {
  const files = listFiles(DIST);

  test('has a folder per environment and a file per resource', () => {
    expect([...new Set(files.map((f) => f.split(path.sep)[0]))].sort()).toEqual([
      'bookinfo', 'bookinfo-dev', 'bookinfo-staging', 'catalog', 'checkout', 'cluster', 'dev', 'k1s0-business', 'k1s0-service', 'k1s0-system',
      'production', 'ratelimit', 'staging',
    ]);
    expect(files).toContain(path.join('production', 'virtualservice.order-service.yaml'));
    for (const f of files) {
      expect(fs.readFileSync(path.join(DIST, f), 'utf8').split(/^---$/m)).toHaveLength(1);
    }
  });

  test('reads the same with a YAML 1.1 reader (kubectl\'s) as with YAML 1.2: no `yes`/`on`/octal surprises', () => {
    for (const f of files.filter((x) => x.endsWith('.yaml'))) {
      const text = fs.readFileSync(path.join(DIST, f), 'utf8');
      expect(YAML.parse(text, { version: '1.1' })).toEqual(YAML.parse(text, { version: '1.2' }));
    }
  });
});
