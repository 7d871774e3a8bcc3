import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readTreeFromDir } from '../../src/review';
import { COMPILED } from '../setup/compiled';

const ROOT = path.join(__dirname, '..', '..');

/**
 * Byte-identical output across runs and machines: the app synthesized in a fresh node
 * process with another cwd, TZ and locale must equal the committed dist/ byte for byte.
 */
describe('deterministic dist/', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-mesh-determinism-'));
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  // The committed dist/ (test/app/dist.test.ts proves it equals a fresh synth from another cwd and time zone).
  const first = readTreeFromDir(path.join(ROOT, 'dist'));

  test('covers every environment, with its topology picture', () => {
    expect(first.size).toBeGreaterThan(100);
    for (const env of ['dev', 'staging', 'production']) expect(first.has(`${env}/topology.md`)).toBe(true);
  });

  test('is up to date, and the same in another process, cwd, TZ and locale: run `npm run synth` and commit dist/ when this fails', () => {
    // (the library compiled, as a user's app loads it: test/setup/compiled.js)
    const script = `require(${JSON.stringify(path.join(COMPILED, 'src', 'main'))}).buildApp(${JSON.stringify(path.join(work, 'third'))}).synth();`;
    execFileSync(process.execPath, ['-e', script], {
      cwd: os.tmpdir(), stdio: 'pipe',
      env: { ...process.env, TZ: 'Pacific/Kiritimati', LANG: 'ja_JP.UTF-8', LC_ALL: 'ja_JP.UTF-8' },
    });
    const third = readTreeFromDir(path.join(work, 'third'));
    expect([...third.keys()]).toEqual([...first.keys()]);
    for (const [p, text] of first) expect(third.get(p)).toBe(text);
  });

  test('holds nothing time- or random-looking', () => {
    const problems: string[] = [];
    for (const [p, text] of first) {
      // The only hashes are cdk8s-plus-27's pod label `cdk8s.io/metadata.addr`, derived from the construct path,
      // and the image digests a pinned image carries (`@sha256:...`), which are fixed by the image, and images pinned to a
      // commit (envoyproxy/ratelimit publishes its images tagged by commit).
      const scrubbed = text.replace(/^\s*cdk8s\.io\/metadata\.addr: [\w-]+-[0-9a-f]{8}$/gm, '').replace(/@sha256:[0-9a-f]{64}\b/g, '')
        .replace(/^\s*image: \S+$/gm, '');
      const checks: [string, RegExp][] = [
        ['timestamp', /\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/],
        ['creationTimestamp', /creationTimestamp/],
        ['uuid', /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i],
        ['hash', /\b[0-9a-f]{8,}\b/],
        ['epoch', /\b1[6-9]\d{8}\b/],
      ];
      for (const [what, re] of checks) if (re.test(scrubbed)) problems.push(`${p}: ${what} ${re.exec(scrubbed)![0]}`);
    }
    expect(problems).toEqual([]);
  });

  test('names are the user\'s own, never suffixed', () => {
    const names = new Set<string>();
    for (const [p] of first) if (p.endsWith('.yaml')) names.add(path.basename(p).split('.').slice(1, -1).join('.'));
    for (const s of ['api-gateway', 'web-frontend', 'order-service', 'payment-service', 'inventory-service',
      'user-service', 'notification-service', 'search-service']) expect(names).toContain(s);
    // A generated suffix has digits in its last segment (`order-service-c8581303`, `-7d9f8`).
    expect([...names].filter((n) => /-(?=[a-z0-9]*\d)[a-z0-9]{5,}$/.test(n))).toEqual([]);
  });

  test('the one hash, cdk8s.io/metadata.addr, follows the construct path', () => {
    const text = first.get('production/deployment.order-service.yaml')!;
    expect(text).toMatch(/cdk8s\.io\/metadata\.addr: production-order-service-Deployment-[0-9a-f]{8}\n/);
  });
});
