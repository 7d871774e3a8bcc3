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
  // Synthesized from another working directory and time zone: neither may show in the output.
  const cwd = process.cwd();
  const tz = process.env.TZ;
  try {
    process.chdir(os.tmpdir());
    process.env.TZ = 'Asia/Tokyo';
    buildApp(outdir).synth();
  } finally {
    process.chdir(cwd);
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
  }
  const fresh = listFiles(outdir);

  test('has a folder per environment and a file per resource', () => {
    expect([...new Set(fresh.map((f) => f.split(path.sep)[0]))].sort()).toEqual([
      'bookinfo', 'bookinfo-dev', 'bookinfo-staging', 'catalog', 'checkout', 'cluster', 'dev', 'k1s0-business', 'k1s0-service', 'k1s0-system',
      'production', 'ratelimit', 'staging',
    ]);
    expect(fresh).toContain(path.join('production', 'virtualservice.order-service.yaml'));
    for (const f of fresh) {
      expect(fs.readFileSync(path.join(outdir, f), 'utf8').split(/^---$/m)).toHaveLength(1);
    }
  });

  test('is up to date: run `npm run synth` and commit dist/ when this fails', () => {
    expect(listFiles(DIST)).toEqual(fresh);
    const stale = fresh.filter((f) => fs.readFileSync(path.join(DIST, f), 'utf8') !== fs.readFileSync(path.join(outdir, f), 'utf8'));
    expect(stale).toEqual([]);
  });
  test('reads the same with a YAML 1.1 reader (kubectl\'s) as with YAML 1.2: no `yes`/`on`/octal surprises', () => {
    for (const f of fresh.filter((x) => x.endsWith('.yaml'))) {
      const text = fs.readFileSync(path.join(outdir, f), 'utf8');
      expect(YAML.parse(text, { version: '1.1' })).toEqual(YAML.parse(text, { version: '1.2' }));
    }
  });

  // Byte-identical output in another process and locale: test/review/determinism.test.ts.
});
