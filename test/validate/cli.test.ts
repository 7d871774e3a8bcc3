import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as jsyaml from 'js-yaml';
import { validateCli as main } from '../../src';
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

  test('each finding once: a resource copied into two files, rejected by both Istio versions', () => {
    // GIVEN the same VirtualService (an undefined subset, a timeout under 1ms) in two files
    const vs = virtualService('orders', [{ ...route('orders', 'canary'), timeout: '999us' }]);
    const d = dir({ 'a.yaml': [vs], 'b.yaml': [vs] });
    const r = run([d]);
    // THEN each problem is one line naming both files, and the schema error both Istio versions
    const lines = r.out.trim().split('\n');
    expect(lines.filter((l) => l.includes('[MESH013]'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('[MESH151]'))).toEqual([
      `ERROR ${d}/a.yaml, ${d}/b.yaml: VirtualService/orders: spec.http[0].timeout: must be a valid duration greater than 1ms (istio-1.24.6, istio-1.30.3) [MESH151]`,
    ]);
    expect(new Set(lines).size).toBe(lines.length);
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
  expect(code).toBe(0); // warnings only
  expect(out).toMatch(/^WARNING production\/virtualservice\.order-service\.yaml: .*\[MESH660\]$/m);
  expect(out).toMatch(/resources checked: 0 errors, 4 warnings/);
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
