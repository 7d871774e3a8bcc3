import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DiffExitCodes as ExitCodes, diffMain as main, ManifestTree } from '../../src/review';
import { authorizationPolicy, deployment, peerAuthentication, service, tree, virtualService, weightedRoute } from './fixtures';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-mesh-diff-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function write(dir: string, t: ManifestTree): string {
  const root = path.join(work, dir);
  fs.rmSync(root, { recursive: true, force: true });
  for (const [p, text] of t) {
    fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    fs.writeFileSync(path.join(root, p), text);
  }
  return root;
}

function run(...argv: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = main(argv, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, cwd: work });
  return { code, out, err };
}

const order = (stable: number, canary: number) => virtualService('order-service', [weightedRoute('order-service', { stable, canary })]);
const payment = (...callers: string[]) => authorizationPolicy('payment-service', callers.map((c) => [c, ['POST'], ['/api/payments/*']]));
const base = tree({ production: [order(95, 5), payment('order-service'), peerAuthentication('default', 'STRICT')], staging: [order(100, 0)] });

describe('cdk8s-mesh-diff <old-dir> <new-dir>', () => {
  write('old', base);

  test('no change: exit 0 and says so', () => {
    write('same', base);
    expect(run('old', 'same')).toEqual({ code: ExitCodes.NO_CHANGES, out: '## cdk8s-mesh diff\n\nNo changes to the synthesized manifests.\n', err: '' });
  });

  test('changes: exit 1, per environment and resource, then the raw diff in <details>', () => {
    write('new', tree({ production: [order(75, 25), payment('order-service', 'user-service'), peerAuthentication('default', 'STRICT')], staging: [order(100, 0)] }));
    const { code, out } = run('old', 'new');
    expect(code).toBe(ExitCodes.CHANGES);
    expect(out).toMatchSnapshot();
    expect(out).toContain('### production\n\n- **AuthorizationPolicy payment-service** changed\n'
      + '  - payment-service AuthorizationPolicy: new caller user-service POST /api/payments/*\n');
    expect(out).toContain('  - order-service canary weight 5% → 25%\n');
    expect(out).not.toContain('### staging');
    expect(out).toContain('<details><summary>Topology of production</summary>');
    expect(out).toContain('order_service["order-service<br/>mTLS STRICT<br/>stable 75% / canary 25%"]');
    expect(out).toMatch(/<details><summary>Raw YAML diff \(2 files\)<\/summary>\n\n```diff\n--- a\/production\/authorizationpolicy.payment-service.yaml\n\+\+\+ b\/production\/authorizationpolicy.payment-service.yaml\n@@ /);
    expect(out).toContain('\n-          weight: 95\n+          weight: 75\n');
  });

  test('a security downgrade: exit 3, a warning first and a marker on the finding', () => {
    write('weaker', tree({ production: [order(95, 5), payment('order-service'), peerAuthentication('default', 'PERMISSIVE')], staging: [order(100, 0)] }));
    const { code, out } = run('old', 'weaker');
    expect(code).toBe(ExitCodes.SECURITY_DOWNGRADE);
    expect(out).toContain('> [!WARNING]\n> This change weakens security:\n> - production: PeerAuthentication default: STRICT → PERMISSIVE\n');
    expect(out).toContain('- ⚠️ **PeerAuthentication default** changed\n  - ⚠️ **security downgrade:** PeerAuthentication default: STRICT → PERMISSIVE\n');
    expect(run('--exit-zero', 'old', 'weaker').code).toBe(0);
  });

  test('--format json', () => {
    const { code, out } = run('--format', 'json', 'old', 'weaker');
    expect(code).toBe(3);
    expect(JSON.parse(out)).toMatchObject({
      exitCode: 3, environments: ['production'], downgrades: 1,
      resources: [{ environment: 'production', kind: 'PeerAuthentication', name: 'default', status: 'modified', downgrade: true,
        findings: [{ message: 'PeerAuthentication default: STRICT → PERMISSIVE', downgrade: true }] }],
      files: [{ path: 'production/peerauthentication.default.yaml', status: 'modified' }],
    });
    expect(run('--format=json', 'old', 'old').out).toContain('"exitCode": 0');
  });

  test('added and removed files and resources; a written topology.md is embedded as is', () => {
    const t = new Map(base);
    t.delete('staging/virtualservice.order-service.yaml');
    t.set('production/topology.md', '# Topology: production\n\n```mermaid\ngraph LR\n    written_picture\n```\n');
    write('fewer', t);
    const { code, out } = run('old', 'fewer');
    expect(code).toBe(1);
    expect(out).toContain('### staging\n\n- **VirtualService order-service** removed\n');
    expect(out).toContain('--- a/staging/virtualservice.order-service.yaml\n+++ /dev/null\n@@ -1,');
    expect(out).not.toContain('written_picture'); // production did not change, so its picture is not shown
    t.set('production/virtualservice.order-service.yaml', base.get('production/virtualservice.order-service.yaml')!.replace('weight: 95', 'weight: 90').replace('weight: 5', 'weight: 10'));
    write('fewer', t);
    expect(run('old', 'fewer').out).toContain('<details><summary>Topology of production</summary>\n\n```mermaid\ngraph LR\n    written_picture\n```\n\n</details>');
  });

  test('an undeclared flow that opens: exit 4, the Opened table first, and the connectivity in the JSON', () => {
    // GIVEN two workloads under the allow-nothing baseline, WHEN the baseline is removed
    const workloads = [deployment('cart', { containers: [{ name: 'app', image: 'registry.example.com/cart:1.0.0', ports: [{ containerPort: 8080 }] }] }),
      deployment('ledger', { containers: [{ name: 'app', image: 'registry.example.com/ledger:1.0.0', ports: [{ containerPort: 8080 }] }] }),
      ...['cart', 'ledger'].map((n) => ({ ...service(n), spec: { selector: { app: n }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } }))];
    write('closed', tree({ production: [...workloads, authorizationPolicy(undefined, [])] }));
    write('open', tree({ production: workloads }));
    const { code, out } = run('closed', 'open');
    // THEN both ordered pairs open, undeclared, and the allow-nothing policy was what refused them
    expect(code).toBe(ExitCodes.UNDECLARED_FLOW_OPENED);
    expect(out).toContain('### Connectivity\n\n**Opened** (2): refused before, allowed after\n');
    expect(out).toContain('| production | cart | ledger | 8080 | any | any | **no** | AuthorizationPolicy production/allow-nothing | - |\n');
    expect(out.indexOf('### Connectivity')).toBeLessThan(out.indexOf('### production'));
    const json = JSON.parse(run('--format', 'json', 'closed', 'open').out);
    expect(json).toMatchObject({ exitCode: 4, connectivity: { undeclaredOpened: 2, intendedBroken: 0 } });
    expect(run('--exit-zero', 'closed', 'open').code).toBe(0);
  });

  test.each([
    [[], 'expected two directories'],
    [['a'], 'expected two directories'],
    [['--format', 'html', 'a', 'b'], "--format must be markdown or json, got 'html'"],
    [['--bogus', 'a', 'b'], "unknown option '--bogus'"],
    [['--git'], '--git needs a revision'],
    [['--git', 'HEAD', 'a', 'b'], '--git takes at most one directory'],
    [['old', 'missing'], 'no such directory: missing'],
  ])('usage error %j: exit 2', (argv, message) => {
    const { code, out, err } = run(...argv);
    expect(code).toBe(ExitCodes.ERROR);
    expect(out).toBe('');
    expect(err).toContain(message);
  });

  test('--help prints usage with the exit codes', () => {
    const { code, out } = run('--help');
    expect(code).toBe(0);
    expect(out).toContain('Exit codes: 0 no changes, 1 changes, 2 an error, 3 a security downgrade,\n4 an undeclared flow opens, 5 an intended flow breaks (the highest applies).');
  });
});

describe('cdk8s-mesh-diff --git <ref> [dir]', () => {
  // GIVEN a repository whose first commit has dist/ with STRICT mTLS and 5% canary
  const repo = path.join(work, 'repo');
  fs.mkdirSync(repo);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' }).toString();
  git('init', '-q');
  git('config', 'user.email', 'ci@example.com');
  git('config', 'user.name', 'CI');
  write('repo/dist', base);
  git('add', '.');
  git('commit', '-qm', 'first');
  // WHEN the working tree's dist/ changes
  write('repo/dist', tree({ production: [order(75, 25), payment('order-service'), peerAuthentication('default', 'STRICT')], staging: [order(100, 0)] }));

  function runIn(cwd: string, ...argv: string[]) {
    let out = '';
    let err = '';
    const code = main(argv, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, cwd });
    return { code, out, err };
  }

  test('compares the working tree with the ref (dist/ by default)', () => {
    const { code, out } = runIn(repo, '--git', 'HEAD');
    expect(code).toBe(1);
    expect(out).toContain('  - order-service canary weight 5% → 25%\n');
    expect(out).toContain('--- a/production/virtualservice.order-service.yaml\n');
  });

  test('from a subfolder, with an explicit dir', () => {
    fs.mkdirSync(path.join(repo, 'sub'), { recursive: true });
    expect(runIn(path.join(repo, 'sub'), '--git=HEAD', '../dist').out).toContain('order-service canary weight 5% → 25%');
  });

  test('a dir absent at the ref is an empty tree: everything added', () => {
    fs.mkdirSync(path.join(repo, 'other/production'), { recursive: true });
    fs.copyFileSync(path.join(repo, 'dist/production/peerauthentication.default.yaml'), path.join(repo, 'other/production/peerauthentication.default.yaml'));
    const { code, out } = runIn(repo, '--git', 'HEAD', 'other');
    expect(code).toBe(1);
    expect(out).toContain('- **PeerAuthentication default** added\n  - PeerAuthentication default: new, mTLS STRICT\n');
  });

  test('an unknown ref: exit 2 with git\'s message', () => {
    const { code, err } = runIn(repo, '--git', 'no-such-ref');
    expect(code).toBe(2);
    expect(err).toMatch(/cdk8s-mesh-diff: .*no-such-ref/);
  });
});
