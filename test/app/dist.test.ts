import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { buildApp } from '../../src/main';

const DIST = path.join(__dirname, '..', '..', 'dist');

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath ?? (e as any).path, e.name)))
    .sort();
}

describe('dist/', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-mesh-dist-'));
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));
  buildApp(outdir).synth();
  const fresh = listFiles(outdir);

  test('has a folder per environment and a file per resource', () => {
    expect([...new Set(fresh.map((f) => f.split(path.sep)[0]))]).toEqual(['dev', 'production', 'staging']);
    expect(fresh).toContain(path.join('production', 'virtualservice.order-service.yaml'));
    for (const f of fresh) {
      expect(fs.readFileSync(path.join(outdir, f), 'utf8').split(/^---$/m)).toHaveLength(1);
    }
  });

  test('is up to date: run `npx cdk8s synth` and commit dist/ when this fails', () => {
    expect(listFiles(DIST)).toEqual(fresh);
    const stale = fresh.filter((f) => fs.readFileSync(path.join(DIST, f), 'utf8') !== fs.readFileSync(path.join(outdir, f), 'utf8'));
    expect(stale).toEqual([]);
  });
  test('reads back as the same objects, with a YAML 1.1 reader as kubectl uses (no `yes`/`on`/octal surprises)', () => {
    const manifests = buildApp(outdir).manifests();
    for (const f of manifests) {
      expect(YAML.parse(fs.readFileSync(path.join(outdir, f.path), 'utf8'), { version: '1.1' })).toEqual(f.manifest);
    }
  });

  // Byte-identical output across runs, directories and time zones: test/review/determinism.test.ts.
});
