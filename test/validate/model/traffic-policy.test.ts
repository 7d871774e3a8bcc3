// The traffic policy of a DestinationRule for a port and a subset, as istiod merges it: istio/istio
// pilot/pkg/networking/util/util.go (GetPortLevelTrafficPolicy, MergeSubsetTrafficPolicy: a port's settings replace the
// policy's connectionPool, outlierDetection, loadBalancer and tls whole, "port level policies do not inherit"), whose
// cases (util_test.go, TestMergeSubsetTrafficPolicy, 1.24.6) are those below, and what the flows and MESH676 make of it.
import * as fc from 'fast-check';
import { evaluateFlow } from '../../../src/validate';
import { analyze } from '../../../src/validate/analysis';
import { appliedTrafficPolicy, AppliedTrafficPolicy, writtenTrafficPolicies } from '../../../src/validate/model/traffic-policy';
import { app, call, destinationRule, peerAuthentication } from '../flow/fixtures';

const rule = (trafficPolicy?: Record<string, any>, subset?: Record<string, any>) => ({
  apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'b', namespace: 'shop' },
  spec: { host: 'b', ...(trafficPolicy ? { trafficPolicy } : {}), ...(subset ? { subsets: [{ name: 'v1', labels: { version: 'v1' }, trafficPolicy: subset }] } : {}) },
});
/** The applied values alone. */
const values = (p: AppliedTrafficPolicy) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v!.value]));
const retries10 = { http: { maxRetries: 10 } };
const roundRobin = { simple: 'ROUND_ROBIN' };

describe("a DestinationRule's policy for a port and a subset (istiod's TestMergeSubsetTrafficPolicy)", () => {
  test('no policy at all; no subset policy; no parent policy', () => {
    expect(appliedTrafficPolicy(rule(), 'v1', undefined)).toEqual({});
    expect(values(appliedTrafficPolicy(rule({ connectionPool: retries10 }), 'v1', undefined))).toEqual({ connectionPool: retries10 });
    expect(values(appliedTrafficPolicy(rule(undefined, { connectionPool: retries10 }), 'v1', undefined))).toEqual({ connectionPool: retries10 });
  });

  test('non-conflicting fields merge; a subset field replaces the rule\'s', () => {
    expect(values(appliedTrafficPolicy(rule({ tls: { mode: 'ISTIO_MUTUAL' } }, { connectionPool: retries10 }), 'v1', undefined)))
      .toEqual({ connectionPool: retries10, tls: { mode: 'ISTIO_MUTUAL' } });
    expect(values(appliedTrafficPolicy(rule({ tls: { mode: 'ISTIO_MUTUAL' }, connectionPool: retries10 }, { tls: { mode: 'SIMPLE' } }), 'v1', undefined)))
      .toEqual({ connectionPool: retries10, tls: { mode: 'SIMPLE' } });
  });

  test("a subset's port settings do not inherit its own policy's fields, nor the rule's", () => {
    const subset = {
      loadBalancer: roundRobin, connectionPool: retries10,
      portLevelSettings: [{ port: { number: 8080 }, loadBalancer: { simple: 'LEAST_REQUEST' } }],
    };
    expect(values(appliedTrafficPolicy(rule(undefined, subset), 'v1', 8080))).toEqual({ loadBalancer: { simple: 'LEAST_REQUEST' } });
    const top = { loadBalancer: roundRobin, outlierDetection: { consecutiveErrors: 20 },
      portLevelSettings: [{ port: { number: 8080 }, outlierDetection: { consecutiveErrors: 15 } }] };
    const own = { loadBalancer: roundRobin, connectionPool: retries10,
      portLevelSettings: [{ port: { number: 8080 }, outlierDetection: { consecutiveErrors: 13 } }] };
    const applied = appliedTrafficPolicy(rule(top, own), 'v1', 8080);
    expect(values(applied)).toEqual({ outlierDetection: { consecutiveErrors: 13 } });
    expect(applied.outlierDetection!.field).toBe('spec.subsets[0].trafficPolicy.portLevelSettings[0].outlierDetection');
    // another port: neither port's settings apply
    expect(values(appliedTrafficPolicy(rule(top, own), 'v1', 9090)))
      .toEqual({ loadBalancer: roundRobin, connectionPool: retries10, outlierDetection: { consecutiveErrors: 20 } });
  });

  test("the host's own cluster: the rule's port settings replace its policy's four fields; a subset's never apply", () => {
    const top = { tls: { mode: 'ISTIO_MUTUAL' }, connectionPool: retries10, portLevelSettings: [{ port: { number: 8080 }, loadBalancer: roundRobin }] };
    expect(values(appliedTrafficPolicy(rule(top, { tls: { mode: 'DISABLE' } }), undefined, 8080))).toEqual({ loadBalancer: roundRobin });
    expect(values(appliedTrafficPolicy(rule(top, { tls: { mode: 'DISABLE' } }), undefined, 80)))
      .toEqual({ tls: { mode: 'ISTIO_MUTUAL' }, connectionPool: retries10 });
  });

  test('properties: settings for another port change nothing; with no port settings, a subset field wins over the rule\'s', () => {
    const field = fc.option(fc.constantFrom({ a: 1 }, { b: 2 }), { nil: undefined });
    const policy = fc.record({ connectionPool: field, outlierDetection: field, loadBalancer: field, tls: field });
    const clean = (p: Record<string, any>) => Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined));
    fc.assert(fc.property(policy, policy, policy, (top, own, other) => {
      const plain = appliedTrafficPolicy(rule(clean(top), clean(own)), 'v1', 80);
      const withOther = appliedTrafficPolicy(rule({ ...clean(top), portLevelSettings: [{ port: { number: 9090 }, ...clean(other) }] },
        { ...clean(own), portLevelSettings: [{ port: { number: 9090 }, ...clean(other) }] }), 'v1', 80);
      expect(values(withOther)).toEqual(values(plain));
      for (const k of ['connectionPool', 'outlierDetection', 'loadBalancer', 'tls'] as const) {
        expect(plain[k]?.value).toEqual(own[k] ?? top[k]);
      }
    }));
  });
});

describe('what the flows and the analysis make of it', () => {
  const base = [...app('a', 'shop'), ...app('b', 'shop'), peerAuthentication('default', 'shop', { mtls: { mode: 'STRICT' } })];

  test('a port setting without tls leaves the port to auto mTLS, whatever tls the rule sets: a STRICT callee is reached', () => {
    // The Service's port is 80 (fixtures.service): the rule's DISABLE applies to every other port.
    const dr = destinationRule('b', 'shop', { host: 'b', trafficPolicy: {
      tls: { mode: 'DISABLE' }, portLevelSettings: [{ port: { number: 80 }, connectionPool: { tcp: { maxConnections: 100 } } }],
    } });
    expect(evaluateFlow([...base, dr], call('a', 'shop', 'b')).allowed).toBe(true);
    const otherPort = destinationRule('b', 'shop', { host: 'b', trafficPolicy: {
      tls: { mode: 'DISABLE' }, portLevelSettings: [{ port: { number: 8443 }, connectionPool: { tcp: { maxConnections: 100 } } }],
    } });
    expect(evaluateFlow([...base, otherPort], call('a', 'shop', 'b'))).toMatchObject({ allowed: false, decidedBy: { layer: 'mTLS', kind: 'DestinationRule' } });
  });

  test('a tls without a mode is DISABLE (the enum\'s zero value): a STRICT callee refuses the plaintext', () => {
    const dr = destinationRule('b', 'shop', { host: 'b', trafficPolicy: { tls: { sni: 'b.shop' } } });
    expect(evaluateFlow([...base, dr], call('a', 'shop', 'b'))).toMatchObject({ allowed: false, decidedBy: { layer: 'mTLS', kind: 'DestinationRule' } });
  });

  test("MESH676 reads the pool the port gets: the port's settings without a pool leave it uncapped", () => {
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'events', namespace: 'shop' },
      spec: { selector: { app: 'events' }, ports: [{ name: 'http', port: 8080, targetPort: 8080 }] } };
    const vs = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService',
      metadata: { name: 'events', namespace: 'shop', labels: { 'app.kubernetes.io/managed-by': 'cdk8s-mesh' } },
      spec: { hosts: ['events'], http: [{ route: [{ destination: { host: 'events', port: { number: 8080 } } }] }] } };
    const dr = (portLevel: Record<string, any>) => ({
      apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'events', namespace: 'shop' },
      spec: { host: 'events.shop.svc.cluster.local', trafficPolicy: { connectionPool: { tcp: { maxConnections: 10 } },
        portLevelSettings: [{ port: { number: 8080 }, ...portLevel }] } },
    });
    const codes = (m: Record<string, any>[]) => analyze(m).filter((f) => f.code === 'MESH676').map((f) => f.message.match(/\(spec[^)]*\)/)?.[0]);
    expect(codes([service, vs, dr({ loadBalancer: roundRobin })])).toEqual([]);
    expect(codes([service, vs, dr({ connectionPool: { tcp: { maxConnections: 20 } } })]))
      .toEqual(['(spec.trafficPolicy.portLevelSettings[0].connectionPool)']);
  });
});

describe('MESH516: port settings that leave out a field the policy sets', () => {
  const found = (dr: Record<string, any>) => analyze([dr]).filter((f) => f.code === 'MESH516');
  const external = (trafficPolicy: Record<string, any>, subsets?: any[]) => ({
    apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'payments', namespace: 'shop' },
    spec: { host: 'api.payments.example', trafficPolicy, ...(subsets ? { subsets } : {}) },
  });

  test('a rule-wide tls SIMPLE and pool beside settings for port 443 with a load balancer only: both are gone on 443, a warning names them', () => {
    const [f, ...rest] = found(external({
      tls: { mode: 'SIMPLE' }, connectionPool: { tcp: { maxConnections: 50 } },
      portLevelSettings: [{ port: { number: 443 }, loadBalancer: roundRobin }],
    }));
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ severity: 'warning', field: 'spec.trafficPolicy.portLevelSettings[0]' });
    expect(f.message).toMatch(/port 443 leave out connectionPool \(spec\.trafficPolicy\.connectionPool: no connection pool limits\), tls \(spec\.trafficPolicy\.tls: no TLS origination \(tls\.mode SIMPLE\): auto mTLS, plaintext to a server outside the mesh\)/);
    expect(f.message).toMatch(/repeat connectionPool and tls in the port's settings/);
  });

  test("a subset's port settings drop the subset's and the rule's fields; settings that repeat them, or a policy without them, are not reported", () => {
    const subsets = [{ name: 'v2', labels: { version: 'v2' }, trafficPolicy: {
      outlierDetection: { consecutive5xxErrors: 5 }, portLevelSettings: [{ port: { number: 443 }, connectionPool: { tcp: { maxConnections: 9 } } }],
    } }];
    const tls = { mode: 'SIMPLE', sni: 'api.payments.example' };
    expect(found(external({ tls }, subsets)).map((f) => [f.field, f.message.match(/leave out (\w+) .*, (\w+) \(/)?.slice(1)]))
      .toEqual([['spec.subsets[0].trafficPolicy.portLevelSettings[0]', ['outlierDetection', 'tls']]]);
    expect(found(external({ tls, portLevelSettings: [{ port: { number: 443 }, tls, loadBalancer: roundRobin }] }))).toEqual([]);
    expect(found(external({ portLevelSettings: [{ port: { number: 443 }, tls }] }))).toEqual([]);
  });

  test("the library's own TLS origination rule (port settings alone) is not reported", () => {
    expect(found(external({ portLevelSettings: [{ port: { number: 443 }, tls: { mode: 'SIMPLE', sni: 'api.payments.example' } }] }))).toEqual([]);
  });
});

describe('every traffic policy a DestinationRule writes', () => {
  test("the rule's, its port settings', each subset's and their port settings', each with its field; MESH148 reads them all", () => {
    const lb = { simple: 'LEAST_REQUEST' };
    const written = rule({ loadBalancer: lb, portLevelSettings: [{ port: { number: 80 }, loadBalancer: lb }] },
      { portLevelSettings: [{ port: { number: 80 }, loadBalancer: lb }] });
    expect(writtenTrafficPolicies(written).map((p) => p.at)).toEqual([
      'spec.trafficPolicy', 'spec.trafficPolicy.portLevelSettings[0]', 'spec.subsets[0].trafficPolicy',
      'spec.subsets[0].trafficPolicy.portLevelSettings[0]',
    ]);
    const headless = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'b', namespace: 'shop' },
      spec: { clusterIP: 'None', selector: { app: 'b' }, ports: [{ name: 'http', port: 80 }] } };
    expect(analyze([headless, { ...written, spec: { ...written.spec, host: 'b' } }]).filter((f) => f.code === 'MESH148').map((f) => f.field))
      .toEqual(['spec.trafficPolicy.loadBalancer', 'spec.trafficPolicy.portLevelSettings[0].loadBalancer',
        'spec.subsets[0].trafficPolicy.portLevelSettings[0].loadBalancer']);
  });
});
