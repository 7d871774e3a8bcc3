import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { DIST } from '../../src/main';
import { COMPILED } from '../setup/compiled';

const ROOT = path.join(__dirname, '..', '..');
const CDK8S = path.join(ROOT, 'node_modules', '.bin', 'cdk8s');

/**
 * `cdk8s synth` empties its output folder before it runs the app
 * (cdk8s-cli lib/cli/cmds/synth.js: `fs.rmSync(outdir, { recursive: true })`), so the
 * project's cdk8s.yaml points `output:` at a scratch folder and the app swaps dist/ in
 * itself, only after every check passed.
 */
describe('cdk8s synth through the CLI', () => {
  test("the project's cdk8s.yaml writes to a scratch folder, and the app to dist/ at the project's root", () => {
    const config = YAML.parse(fs.readFileSync(path.join(ROOT, 'cdk8s.yaml'), 'utf8'));
    expect(config.output).toBe('.cdk8s-out');
    expect(fs.readFileSync(path.join(ROOT, '.gitignore'), 'utf8').split('\n')).toContain('.cdk8s-out/');
    expect(DIST).toBe(path.join(ROOT, 'dist'));
  });

  test('a failing synth leaves the committed output intact and prints one line per problem, no stack trace', () => {
    // GIVEN a project whose dist/ holds committed output, configured as this one is
    const project = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-cli-synth-'));
    const dist = path.join(project, 'dist');
    fs.mkdirSync(path.join(dist, 'dev'), { recursive: true });
    fs.writeFileSync(path.join(dist, 'dev', 'committed.yaml'), 'kind: Committed\n');
    fs.writeFileSync(path.join(project, 'cdk8s.yaml'), YAML.stringify({
      language: 'typescript', output: '.cdk8s-out',
      // the fixture app as a user's app runs: compiled JavaScript (test/setup/compiled.js)
      app: `${process.execPath} ${path.join(COMPILED, 'test', 'app', 'fixtures', 'cli-app.js')}`,
    }));
    const synth = (fail: boolean) => spawnSync(CDK8S, ['synth', '--check-upgrade=false'], {
      cwd: project, encoding: 'utf8',
      env: { ...process.env, MESH_TEST_DIST: dist, MESH_TEST_FAIL: fail ? '1' : '', CDK8S_CHECK_UPGRADE: 'false' },
    });

    // WHEN synth fails
    const failed = synth(true);
    // THEN it exits non-zero, dist/ is as it was, and the log holds the problem in one line
    expect(failed.status).not.toBe(0);
    expect(fs.readdirSync(path.join(dist, 'dev'))).toEqual(['committed.yaml']);
    expect(failed.stderr).toMatch(/^ {2}\[dev\/search-service\/DestinationRule\] dev\/DestinationRule\/search-service: spec\.subsets\[\d\]\.labels: .*\[MESH110\]$/m);
    // (the cdk8s CLI then prints its own error, that the app exited with 1, with the CLI's stack)
    const ours = failed.stderr.split('\n').filter((l) => /^\s+at /.test(l) && !/cdk8s-cli|node:/.test(l));
    expect(ours).toEqual([]);
    expect(failed.stderr).toMatch(/^Manifest validation failed with the following errors \(1; nothing was written\):$/m);

    // WHEN it passes, dist/ is replaced as a whole and the CLI's folder lists the same files
    const passed = synth(false);
    expect(passed.status).toBe(0);
    const written = fs.readdirSync(path.join(dist, 'dev')).sort();
    expect(written).toContain('virtualservice.search-service.yaml');
    expect(written).not.toContain('committed.yaml');
    expect(fs.readdirSync(path.join(project, '.cdk8s-out', 'dev')).sort()).toEqual(written);
    expect(passed.stdout).toContain(path.join('.cdk8s-out', 'dev', 'virtualservice.search-service.yaml'));
    expect(fs.readdirSync(project).filter((f) => f.startsWith('dist.'))).toEqual([]);
    fs.rmSync(project, { recursive: true, force: true });
  }, 60_000);
});
