import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cachedValidator } from '../../src/validate/schema';
import { checkSchema, schemaContext, validateManifests } from '../../src/validate/validate';
import { freshCopy } from '../setup/compiled';
import { deployment, destinationRule, route, virtualService } from './fixtures';

const codes = (m: Record<string, any>, istioVersion: '1.24' | '1.30' = '1.24') =>
  checkSchema(m, schemaContext({ istioVersion })).map((f) => `${f.code} ${f.field} ${f.message}`);

describe('schema and CEL conformance', () => {
  test('a valid VirtualService passes both Istio versions', () => {
    expect(codes(virtualService('orders', [{ ...route('orders', 'stable'), timeout: '1ms' }]))).toEqual([]);
    expect(codes(virtualService('orders', [{ ...route('orders', 'stable'), timeout: '1ms' }]), '1.30')).toEqual([]);
  });

  test('CEL: a duration under 1ms fails x-kubernetes-validations in both Istio versions (boundary 1ms passes)', () => {
    // one finding, naming the CRDs of the release the cluster runs
    expect(codes(virtualService('orders', [{ ...route('orders'), timeout: '999us' }]))).toEqual([
      'MESH151 spec.http[0].timeout must be a valid duration greater than 1ms (istio-1.24.6)',
    ]);
    expect(codes(virtualService('orders', [{ ...route('orders'), timeout: '999us' }]), '1.30')).toEqual([
      'MESH151 spec.http[0].timeout must be a valid duration greater than 1ms (istio-1.30.3)',
    ]);
  });

  test('CEL: a port number outside 1-65535 (0 and 65536 fail, 65535 passes)', () => {
    const withPort = (n: number) => ({ apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'ext', namespace: 'shop' },
      spec: { hosts: ['api.example.com'], resolution: 'DNS', ports: [{ number: n, name: 'https', protocol: 'HTTPS' }] } });
    expect(codes(withPort(65535))).toEqual([]);
    expect(checkSchema(withPort(65536)).map((f) => f.code)).toContain('MESH151');
    expect(checkSchema(withPort(0)).map((f) => f.code)).toContain('MESH151');
  });

  test('schema: unknown fields and wrong types are errors, with their field path', () => {
    const vs = virtualService('orders', [{ ...route('orders'), retries: { attempts: 'three' }, retry: {} }]);
    const found = checkSchema(vs).map((f) => `${f.code} ${f.field}`);
    expect(found).toContain('MESH150 spec.http[0].retries.attempts');
    expect(found).toContain('MESH150 spec.http[0]');
    expect(checkSchema(vs).find((f) => f.field === 'spec.http[0]')?.message).toMatch(/additional properties 'retry'/);
  });

  test('schema: an enum value outside the CRD lists its allowed values', () => {
    const dr = destinationRule('orders', undefined, { trafficPolicy: { loadBalancer: { simple: 'FASTEST' } } });
    expect(codes(dr)[0]).toMatch(/^MESH150 spec.trafficPolicy.loadBalancer.simple .*ROUND_ROBIN/);
  });

  test('a field one Istio version lacks is rejected by that version only: the release the cluster runs decides', () => {
    // retries.backoff is new in Istio 1.30's VirtualService; 1.24's schema prunes it, so strict validation rejects it there
    const vs = virtualService('orders', [{ ...route('orders'), retries: { attempts: 2, backoff: '25ms' } }]);
    expect(codes(vs)).toEqual(["MESH150 spec.http[0].retries must NOT have additional properties 'backoff' (istio-1.24.6)"]);
    expect(codes(vs, '1.30')).toEqual([]);
    expect(validateManifests([vs], { schemaOnly: true, istioVersion: '1.30' })).toEqual([]);
    expect(validateManifests([vs], { schemaOnly: true }).map((f) => f.code)).toEqual(['MESH150']);
  });

  test('an unknown release, and a CRD directory without the CRDs of the release asked for', () => {
    expect(() => validateManifests([], { istioVersion: '1.99' as any })).toThrow(/"1.99" is not an Istio release the validation knows \(1.24, 1.30\) \[MESH189\]/);
    // GIVEN a directory holding only Istio 1.24's CRDs
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crds-'));
    fs.copyFileSync(path.join(__dirname, '..', '..', 'schemas', 'istio-1.24.6.json'), path.join(dir, 'istio-1.24.6.json'));
    expect(schemaContext({ crdDirectory: dir }).bundles.map((b) => b.name)).toEqual(['istio-1.24.6']);
    expect(() => schemaContext({ istioVersion: '1.30', crdDirectory: dir })).toThrow(/holds no Istio 1.30 CRDs .*it holds istio-1.24.6.*\[MESH155\]/);
    // and the package's schemas: one Istio bundle per release, the others whole
    const packaged = schemaContext({ istioVersion: '1.30' }).bundles.map((b) => b.name);
    expect(packaged).toContain('istio-1.30.3');
    expect(packaged).not.toContain('istio-1.24.6');
    expect(packaged).toContain('flagger-1.44.0');
  });

  test('an apiVersion that one Istio version does not serve, and an unknown kind', () => {
    const vs = { ...virtualService('orders', [route('orders')]), apiVersion: 'networking.istio.io/v9' };
    expect(codes(vs)).toEqual([
      'MESH152 apiVersion networking.istio.io/v9 VirtualService is not served by the CRDs of istio-1.24.6',
    ]);
    expect(codes({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })[0]).toMatch(/^MESH152/);
  });

  test('Flagger and prometheus-operator objects are checked against their CRDs', () => {
    const rule = { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'slo', namespace: 'shop' }, spec: { groups: [{ name: 'g', rules: [{ record: 'x', expr: 'up' }] }] } };
    expect(codes(rule)).toEqual([]);
    expect(codes({ ...rule, spec: { groups: [{ rules: [] }] } }).map((c) => c.split(' ')[0])).toEqual(['MESH150']);
    const canary = { apiVersion: 'flagger.app/v1beta1', kind: 'Canary', metadata: { name: 'orders', namespace: 'shop' },
      spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'orders' }, service: { port: 80 }, analysis: { interval: '1m', threshold: 5, maxWeight: 50, stepWeight: 10 } } };
    expect(codes(canary)).toEqual([]);
    expect(codes({ ...canary, spec: { ...canary.spec, service: { port: 'eighty' } } }).map((c) => c.split(' ').slice(0, 2).join(' '))).toEqual(['MESH150 spec.service.port']);
  });

  // A junctor's branch (oneOf, anyOf, allOf, not) is a value validation: its properties refuse no other field. Unknown fields
  // are the structural schema's to judge, which names every property a branch names (Kubernetes' CRD docs, "Specifying a
  // structural schema"). Flagger 1.44's loadBalancer is oneOf `simple` or `{ properties: { consistentHash } }`, and
  // localityLbSetting is one of its structural properties: a hash with a locality setting is admitted.
  test('a oneOf branch that names some properties refuses none of the others the structural schema has', () => {
    const canary = (loadBalancer: Record<string, any>) => ({ apiVersion: 'flagger.app/v1beta1', kind: 'Canary', metadata: { name: 'orders', namespace: 'shop' },
      spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'orders' }, service: { port: 80, trafficPolicy: { loadBalancer } },
        analysis: { interval: '1m', threshold: 5, maxWeight: 50, stepWeight: 10 } } });
    expect(codes(canary({ consistentHash: { httpHeaderName: 'x-session-id' }, localityLbSetting: { enabled: false } }))).toEqual([]);
    expect(codes(canary({ simple: 'ROUND_ROBIN', localityLbSetting: { enabled: true } }))).toEqual([]);
    // still refused: a field the structural schema lacks, and both branches at once (oneOf wants exactly one)
    expect(codes(canary({ simple: 'ROUND_ROBIN', warmup: '10s' })).map((c) => c.split(' ').slice(0, 2).join(' ')))
      .toEqual(['MESH150 spec.service.trafficPolicy.loadBalancer']);
    expect(codes(canary({ simple: 'ROUND_ROBIN', consistentHash: { httpHeaderName: 'x' } })).map((c) => c.split(' ')[0])).toContain('MESH150');
  });

  test('core objects: a Deployment with a string containerPort fails its schema', () => {
    const d = deployment('orders');
    expect(codes(d)).toEqual([]);
    d.spec.template.spec.containers[0].ports = [{ containerPort: 'http' }];
    expect(codes(d)).toEqual(['MESH153 spec.template.spec.containers[0].ports[0].containerPort must be integer']);
  });

  test('metadata: names and labels the API server rejects', () => {
    const d = deployment('orders');
    d.metadata.name = 'Orders_V1';
    d.metadata.labels = { 'app': 'a b' };
    expect(codes(d)).toEqual([
      "MESH154 metadata.name 'Orders_V1' is not a DNS-1123 subdomain",
      "MESH154 metadata.labels.app 'a b' is not a valid label value",
    ]);
    expect(codes({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'a.b' }, spec: { ports: [{ port: 80 }] } })).toEqual(["MESH154 metadata.name 'a.b' is not a DNS-1123 label"]);
  });

  test('a document that is not a Kubernetes object', () => {
    expect(codes({ hello: 'world' } as any)).toEqual(['MESH156  not a Kubernetes object (apiVersion and kind are required)']);
  });

  test('schemaOnly skips the cross-resource analysis', () => {
    const vs = virtualService('orders', [route('nowhere', 'x')]);
    expect(validateManifests([vs], { schemaOnly: true })).toEqual([]);
    expect(validateManifests([vs]).map((f) => f.code)).toEqual(['MESH100', 'MESH013']);
  });

  test('a missing CRD directory says how to point to it', () => {
    expect(() => checkSchema(virtualService('orders', [route('orders')]), schemaContext({ crdDirectory: '/nonexistent/crds' })))
      .toThrow(/CDK8S_MESH_CRDS.*\[MESH155\]/);
  });
});

describe('the compiled-validator cache', () => {
  test('a validator loaded from the disk cache judges as the freshly compiled one did, Go patterns included', () => {
    // GIVEN a schema no other test uses, so its first use compiles it and writes the cache
    const tag = `${process.pid}-${Date.now()}`;
    const schema = {
      type: 'object',
      properties: {
        host: { type: 'string', pattern: `(?i)^example-${tag}\\.com$` }, port: { type: 'integer', maximum: 65535 },
        // a second pattern: ajv keys compiled patterns by their text, so each must keep its own
        name: { type: 'string', pattern: '^[a-z]+$' },
      },
      additionalProperties: false,
    };
    const fresh = cachedValidator(schema);
    // WHEN it is asked for again from another copy of the module (its own memory empty), it is read from the file
    const [copy] = freshCopy('src/validate/schema') as [typeof import('../../src/validate/schema')];
    const cached = copy.cachedValidator(schema);
    expect(cached).not.toBe(fresh);
    // THEN both accept and reject the same objects ((?i) made case-insensitive in both)
    for (const [value, ok] of [
      [{ host: `EXAMPLE-${tag}.COM`, port: 80 }, true],
      [{ port: 65536 }, false],
      [{ host: 'other.com' }, false],
      [{ extra: 1 }, false],
      [{ name: 'orders' }, true],
      [{ name: `EXAMPLE-${tag}.COM` }, false],
    ] as const) {
      expect([value, fresh(value)]).toEqual([value, ok]);
      expect([value, cached(value)]).toEqual([value, ok]);
    }
  });
});
