import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as jsyaml from 'js-yaml';
import { validateCli as main } from '../../src/validate';
import { app, route, virtualService } from './fixtures';

function run(args: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = main(args, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, cwd: process.cwd() });
  return { code, out, err };
}

function dir(files: Record<string, unknown[]>): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-validate-'));
  for (const [name, docs] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(d, name)), { recursive: true });
    fs.writeFileSync(path.join(d, name), docs.map((x) => jsyaml.dump(x)).join('---\n'));
  }
  return d;
}

describe('cdk8s-mesh-validate', () => {
  test('a clean directory (nested, multi-document) exits 0', () => {
    const d = dir({ 'a/orders.yaml': app('orders'), 'b/payments.yml': app('payments') });
    const r = run([d]);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toBe('10 resources checked: 0 errors, 0 warnings\n');
  });

  test('findings exit 1 with readable lines naming file, resource, field and code', () => {
    const [svc, sa, dep, dr] = app('orders');
    const d = dir({ 'orders.yaml': [svc, sa, dep, dr, virtualService('orders', [route('orders', 'canary')])] });
    const r = run([d]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^ERROR .*orders\.yaml: VirtualService\/orders: spec\.http\[0\]\.route\[0\]\.destination\.subset: subset 'canary'.*\[MESH013\]$/m);
  });

  test('each finding once: a resource copied into two files', () => {
    // GIVEN the same VirtualService (an undefined subset, a timeout under 1ms) in two files
    const vs = virtualService('orders', [{ ...route('orders', 'canary'), timeout: '999us' }]);
    const d = dir({ 'a.yaml': [vs], 'b.yaml': [vs] });
    const r = run([d]);
    // THEN each problem is one line naming both files, the schema error the CRDs of the release checked
    const lines = r.out.trim().split('\n');
    expect(lines.filter((l) => l.includes('[MESH013]'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('[MESH151]'))).toEqual([
      `ERROR ${d}/a.yaml, ${d}/b.yaml: VirtualService/orders: spec.http[0].timeout: must be a valid duration greater than 1ms (istio-1.24.6) [MESH151]`,
    ]);
    expect(new Set(lines).size).toBe(lines.length);
  });

  test('a value the schema refuses is reported once: neither the webhook nor the analysis judges it again', () => {
    // GIVEN a route whose destination is a string, and methods given as a string (issue 26)
    const vs = virtualService('orders', [{ route: 'orders' }]);
    const ap = { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'p', namespace: 'shop' },
      spec: { rules: [{ to: [{ operation: { methods: 'x' } }] }] } };
    const d = dir({ 'a.yaml': [vs, ap] });
    for (const args of [[d], ['--schema-only', d]]) {
      const r = run(args);
      expect(r).toMatchObject({ code: 1, err: '' });
      const lines = r.out.trim().split('\n');
      expect(lines).toEqual([
        `ERROR ${d}/a.yaml: AuthorizationPolicy/p: spec.rules[0].to[0].operation.methods: must be array (istio-1.24.6) [MESH150]`,
        `ERROR ${d}/a.yaml: VirtualService/orders: spec.http[0].route: must be array (istio-1.24.6) [MESH150]`,
        expect.stringMatching(/^2 resources checked.*: 2 errors, 0 warnings$/),
      ]);
    }
  });

  test('a readable file never ends the tool with 2 or a stack trace: what it holds is reported as findings', () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-validate-'));
    fs.writeFileSync(path.join(d, 'odd.yaml'), [
      'hello', '- 1\n- 2', 'apiVersion: v1\nkind: 5', 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: x\nspec: 7',
      'apiVersion: v1\nkind: List\nitems: [1, null, {kind: Service}]', 'apiVersion: v1\nkind: Service\nmetadata: {name: s, labels: 3}\nspec: {ports: x}',
    ].join('\n---\n'));
    for (const args of [[d], ['--schema-only', d], ['--format', 'json', d]]) {
      const r = run(args);
      expect(r).toMatchObject({ code: 1, err: '' });
      expect(r.out).not.toMatch(/TypeError| {4}at /);
    }
    const lines = run([d]).out.trim().split('\n');
    expect(lines.every((l) => l.startsWith(`ERROR ${d}/odd.yaml: `) || /resources checked/.test(l))).toBe(true);
    expect(lines).toContain(`ERROR ${d}/odd.yaml: Service/s: metadata.labels: must be object [MESH153]`);
    expect(lines).toContain(`ERROR ${d}/odd.yaml: VirtualService/: spec: must be object (istio-1.24.6) [MESH150]`);
  });

  test('--istio-version picks the CRDs and webhook rules of one release; an unknown one is a usage error', () => {
    const vs = virtualService('orders', [{ ...route('orders'), retries: { attempts: 2, backoff: '25ms' } }]);
    const d = dir({ 'vs.yaml': [vs] });
    expect(run(['--schema-only', d]).out).toMatch(/additional properties 'backoff' \(istio-1\.24\.6\) \[MESH150\]/);
    expect(run(['--schema-only', '--istio-version', '1.30', d])).toMatchObject({ code: 0 });
    expect(run(['--schema-only', '--istio-version=1.30', d])).toMatchObject({ code: 0 });
    // a --platform file's istio.version is the default; --istio-version overrides it
    const platform = path.join(d, '..', `platform-${path.basename(d)}.yaml`);
    fs.writeFileSync(platform, 'istio:\n  version: "1.30"\n');
    expect(run(['--schema-only', '--platform', platform, d])).toMatchObject({ code: 0 });
    expect(run(['--schema-only', '--platform', platform, '--istio-version', '1.24', d]).code).toBe(1);
    const bad = run(['--istio-version', '1.99', d]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--istio-version must be one of 1.24, 1.30, got '1.99'/);
  });

  test('--format json lists findings', () => {
    const d = dir({ 'vs.yaml': [virtualService('orders', [route('nowhere')])] });
    const r = run(['--format', 'json', d]);
    expect(r.code).toBe(1);
    const json = JSON.parse(r.out);
    expect(json).toMatchObject({ resources: 1, errors: 1, warnings: 0 });
    expect(json.findings[0]).toMatchObject({ code: 'MESH100', severity: 'error', field: 'spec.http[0].route[0].destination.host' });
  });

  test('--schema-only checks a partial set without its references', () => {
    const d = dir({ 'vs.yaml': [virtualService('orders', [route('nowhere', 'x')])] });
    expect(run(['--schema-only', d]).code).toBe(0);
    const bad = dir({ 'vs.yaml': [virtualService('orders', [{ ...route('orders'), timeout: '0s' }])] });
    const r = run(['--schema-only', bad]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/\[MESH151\]/);
  });

  test('unparsable YAML is a finding; usage errors exit 2', () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-validate-'));
    fs.writeFileSync(path.join(d, 'bad.yaml'), 'a: [unclosed\n');
    expect(run([d]).out).toMatch(/\[MESH156\]/);
    expect(run([]).code).toBe(2);
    expect(run(['--format', 'xml', d]).code).toBe(2);
    expect(run(['--nope', d]).code).toBe(2);
    expect(run(['/nonexistent/path']).code).toBe(2);
    const missing = run(['--crds', '/nonexistent', dir({ 'vs.yaml': [virtualService('orders', [route('orders')])] })]);
    expect(missing).toMatchObject({ code: 2 });
    expect(missing.err).toMatch(/CDK8S_MESH_CRDS.*--crds.*\[MESH155\]/);
  });
});

test('relative paths are resolved from io.cwd and shown as given', () => {
  let out = '';
  const code = main(['production', '--format', 'text'], { stdout: (t) => { out += t; }, stderr: () => undefined, cwd: require('node:path').join(__dirname, '..', '..', 'dist') });
  expect(code).toBe(0);
  // Its warnings are those the EC site acknowledges: listed in one line, not counted
  expect(out).toMatch(/^ACKNOWLEDGED 4 warnings .*MESH660 ×3 \(production\/VirtualService\/order-service, production\/VirtualService\/search-service\)/m);
  expect(out).toMatch(/resources checked \(platform as recorded on 1 Namespace\): 0 errors, 0 warnings, 4 acknowledged/);
  // The JSON output names each acknowledged warning's file and reason
  let json = '';
  main(['production', '--format', 'json'], { stdout: (t) => { json += t; }, stderr: () => undefined, cwd: require('node:path').join(__dirname, '..', '..', 'dist') });
  expect(JSON.parse(json).acknowledgedFindings).toContainEqual(expect.objectContaining({
    code: 'MESH660', file: 'production/virtualservice.order-service.yaml', acknowledged: expect.stringMatching(/^kept from seed 000/),
  }));
});

test('a kind no CRD describes is a warning (exit 0), an error with --strict (exit 1)', () => {
  const d = dir({ 'widget.yaml': [{ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'shop' } }] });
  const loose = run([d]);
  expect(loose.code).toBe(0);
  expect(loose.out).toMatch(/^WARNING .*Widget\/w: apiVersion: not validated: .*\[MESH152\]$/m);
  const strict = run(['--strict', d]);
  expect(strict.code).toBe(1);
  expect(strict.out).toMatch(/^ERROR .*Widget\/w: .*\[MESH152\]$/m);
});
