import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildEcEnvironment } from '../../../src/app/ec-environment';
import { ENVIRONMENTS } from '../../../src/app/environments';
import { Codes, MeshApp, MeshService } from '../../../src';
import { Manifest, validateCli as main } from '../../../src/validate';
import { checkIntendedFlows, FlowEvaluator, IntendedFlow, undeclaredOpenPairs, workloadPairs } from '../../../src/validate/flow';
import { app, authorizationPolicy, call, DNS_EGRESS, networkPolicy, sidecar } from './fixtures';
import { counted } from '../../read-counter';

/** A request a declared call makes: its first method on its first path, wildcards filled in. */
function intendedCalls(services: readonly MeshService[], constructPath: string): IntendedFlow[] {
  return services.flatMap((s) => s.outboundCalls.map((c) => ({
    source: { workload: s.name, namespace: s.namespace },
    host: c.target.name,
    port: 80,
    method: (c.methods?.[0] ?? 'GET') as IntendedFlow['method'],
    path: (c.paths?.[0] ?? '/').replace(/\{\*\*?\}|\*/g, 'x'),
    expect: 'allow' as const,
    constructPath: `${constructPath}/${s.name}`,
    description: `${s.name} calls ${c.target.name}`,
  })));
}

describe('the EC site: every declared call works and no undeclared pair is open', () => {
  const meshApp = new MeshApp({ outdir: '/nonexistent', schemaValidation: false }); // flows need the objects, not the schema check
  const envs = ENVIRONMENTS.map((env) => ({ env, built: buildEcEnvironment(meshApp, env) }));
  const manifests = meshApp.manifests().map((f) => f.manifest);

  test.each(envs.map((e) => [e.env.name, e] as const))('%s', (_name, { env, built }) => {
    const intended = intendedCalls(built.chart.services, env.name);
    expect(intended).toHaveLength(7);
    const evaluator = new FlowEvaluator(manifests);
    expect(checkIntendedFlows(evaluator, intended)).toEqual([]);
    const open = undeclaredOpenPairs(evaluator, intended).filter((f) => f.resource.namespace === env.namespace);
    expect(open).toEqual([]);
    // Without the declarations, exactly the declared calls are the open pairs.
    const undeclared = undeclaredOpenPairs(evaluator, []).filter((f) => f.resource.namespace === env.namespace);
    expect(undeclared.map((f) => f.message.split(' can reach ').map((x) => x.split(' ')[0]).join(' -> ')).sort())
      .toEqual(intended.map((f) => `${env.namespace}/${(f.source as { workload: string }).workload} -> ${env.namespace}/${f.host}`).sort());
  });
});

describe('checkIntendedFlows', () => {
  const objs = [...app('a', 'shop'), ...app('b', 'shop'), authorizationPolicy('b', 'shop', { selector: { matchLabels: { app: 'b' } }, rules: [{ to: [{ operation: { methods: ['GET'] } }] }] })];
  const intent = (flow: ReturnType<typeof call>, expect: 'allow' | 'deny'): IntendedFlow => ({ ...flow, expect, constructPath: 'prod/a', description: `a ${expect}s b ${flow.method}` });

  test('MESH600 for a refused intended flow names the deciding resource, the description and the construct path', () => {
    const [f, ...rest] = checkIntendedFlows(objs, [intent(call('a', 'shop', 'b', 80, 'POST'), 'allow'), intent(call('a', 'shop', 'b', 80, 'GET'), 'allow')]);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ code: Codes.INTENDED_FLOW_REFUSED, constructPath: 'prod/a', resource: { kind: 'AuthorizationPolicy', namespace: 'shop', name: 'b', apiVersion: 'security.istio.io/v1' } });
    expect(f.message).toContain('a allows b POST: refused by AuthorizationPolicy shop/b');
  });

  test('MESH601 for an allowed flow meant to be refused', () => {
    const [f, ...rest] = checkIntendedFlows(objs, [intent(call('a', 'shop', 'b', 80, 'GET'), 'deny'), intent(call('a', 'shop', 'b', 80, 'POST'), 'deny')]);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ code: Codes.UNINTENDED_FLOW_ALLOWED, constructPath: 'prod/a' });
  });
});

describe('undeclaredOpenPairs', () => {
  test('without any policy every ordered pair is open; declared pairs are not reported', () => {
    const objs = [...app('a', 'shop'), ...app('b', 'shop'), ...app('c', 'shop')];
    expect(undeclaredOpenPairs(objs, []).map((f) => f.code)).toEqual(Array(6).fill(Codes.UNDECLARED_PAIR_OPEN));
    const declared = [{ ...call('a', 'shop', 'b'), expect: 'allow' as const, constructPath: 'x', description: 'a calls b' }];
    const open = undeclaredOpenPairs(objs, declared);
    expect(open).toHaveLength(5);
    expect(open.some((f) => f.message.startsWith('shop/a can reach shop/b'))).toBe(false);
  });

  test("a source described by data (a RemoteCaller's pods) declares the pairs of the workloads it describes: labels AND ServiceAccount", () => {
    const objs = [...app('job', 'shop'), ...app('b', 'shop')];
    const described = (labels: Record<string, string>, serviceAccount: string) => [{
      source: { platform: { name: 'settlement', namespace: 'shop', labels, serviceAccount, meshed: true } },
      host: 'b.shop.svc.cluster.local', port: 80, method: 'POST' as const, path: '/', expect: 'allow' as const, constructPath: 'x', description: 'b admits job',
    }];
    const reported = (intended: IntendedFlow[]) => undeclaredOpenPairs(objs, intended).map((f) => f.message.split(' on port')[0]);
    expect(reported(described({ app: 'job' }, 'job'))).toEqual(['shop/b can reach shop/job']);
    // Pods of another identity, or a description that names no labels, are not the caller described: the pair stays undeclared.
    expect(reported(described({ app: 'job' }, 'other'))).toEqual(['shop/b can reach shop/job', 'shop/job can reach shop/b']);
    expect(reported(described({}, 'job'))).toEqual(['shop/b can reach shop/job', 'shop/job can reach shop/b']);
  });

  test('one refusing layer is enough: NetworkPolicy, Sidecar REGISTRY_ONLY, or AuthorizationPolicy', () => {
    const objs = [...app('a', 'shop'), ...app('b', 'shop')];
    const pair = (extra: Manifest[]) => undeclaredOpenPairs([...objs, ...extra], []).map((f) => f.message.split(' although')[0]);
    expect(pair([])).toEqual(['shop/a can reach shop/b on port 8080', 'shop/b can reach shop/a on port 8080']);
    expect(pair([networkPolicy('a', 'shop', { podSelector: { matchLabels: { app: 'a' } }, policyTypes: ['Egress'] })])).toEqual(['shop/b can reach shop/a on port 8080']);
    expect(pair([sidecar('default', 'shop', { egress: [{ hosts: ['~/*'] }], outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } })])).toEqual([]);
    // An ALLOW policy that admits nobody closes port 8080, but the proxy's ports stay reachable.
    expect(pair([authorizationPolicy('allow-nothing', 'shop', {})])).toEqual(['shop/a can reach shop/b on port 15020', 'shop/b can reach shop/a on port 15020']);
  });

  /** `n` deny-by-default services in a ring, each calling the next, with the flows that say so. */
  const chain = (n: number) => {
    const name = (i: number) => `svc-${i}`;
    const objs: Manifest[] = [networkPolicy('default-deny', 'big', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] })];
    const intended: IntendedFlow[] = [];
    for (let i = 0; i < n; i++) {
      objs.push(...app(name(i), 'big'));
      const next = (i + 1) % n;
      const prev = (i + n - 1) % n;
      objs.push(networkPolicy(name(i), 'big', {
        podSelector: { matchLabels: { app: name(i) } }, policyTypes: ['Ingress', 'Egress'],
        egress: [{ to: [{ podSelector: { matchLabels: { app: name(next) } } }], ports: [{ port: 8080 }] }, DNS_EGRESS],
        ingress: [{ from: [{ podSelector: { matchLabels: { app: name(prev) } } }], ports: [{ port: 8080 }] }],
      }));
      objs.push(authorizationPolicy(name(i), 'big', { selector: { matchLabels: { app: name(i) } }, rules: [{ from: [{ source: { principals: [`cluster.local/ns/big/sa/${name(prev)}`] } }] }] }));
      objs.push(sidecar(name(i), 'big', { workloadSelector: { labels: { app: name(i) } }, egress: [{ hosts: [`./${name(next)}.big.svc.cluster.local`] }], outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } }));
      intended.push({ ...call(name(i), 'big', name(next)), expect: 'allow', constructPath: `big/${name(i)}`, description: `${name(i)} calls ${name(next)}` });
    }
    return { objs, intended };
  };

  test('1,000 deny-by-default services in a chain: no open pair, and only linear many pairs are evaluated', () => {
    const n = 1000;
    const { objs, intended } = chain(n);
    const evaluator = new FlowEvaluator(objs);
    expect(checkIntendedFlows(evaluator, intended)).toEqual([]);
    expect(undeclaredOpenPairs(evaluator, intended)).toEqual([]);
    expect(workloadPairs(evaluator, intended, { openOnly: true }).length).toBeLessThanOrEqual(n);
  });

  test('the chain\'s flows and open pairs read linearly many properties of the manifests: twice the services, about twice the reads', () => {
    const reads = (n: number) => {
      const { objs, intended } = chain(n);
      const counter = { reads: 0 };
      const evaluator = new FlowEvaluator(counted(objs, counter));
      expect(checkIntendedFlows(evaluator, intended)).toEqual([]);
      expect(undeclaredOpenPairs(evaluator, intended)).toEqual([]);
      return counter.reads;
    };
    expect(reads(400) / reads(200)).toBeLessThan(2.2);
  });
});

describe('cdk8s-mesh-validate --flow / --flows', () => {
  const run = (...args: string[]) => {
    let out = '';
    let err = '';
    const code = main(args, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, cwd: path.join(__dirname, '..', '..', '..', 'dist') });
    return { code, out, err };
  };

  test('an allowed flow: exit 0, the verdict and the deciding resource', () => {
    const r = run('--flow', 'api-gateway -> order-service:80 POST /api/orders/1', 'production');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ALLOWED api-gateway -> order-service:80 POST \/api\/orders\/1 by AuthorizationPolicy production\/order-service-policy/);
  });

  test('a refused flow: exit 1; namespace-qualified sources and hosts', () => {
    const r = run('--flow', 'production/inventory-service -> payment-service.production:80 POST /api/payments/1', 'production');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^REFUSED .* by \S+ production\/inventory-service/);
  });

  test('a flow that does not parse or names no workload: exit 2 with MESH603', () => {
    expect(run('--flow', 'api-gateway => order-service', 'production')).toMatchObject({ code: 2, err: expect.stringContaining('[MESH603]') });
    expect(run('--flow', 'nobody -> order-service:80', 'production')).toMatchObject({ code: 2, err: expect.stringContaining('no workload nobody') });
  });

  test('--format json: the parsed flow and its verdict', () => {
    const r = run('--format', 'json', '--flow', 'api-gateway -> order-service:80 POST /api/orders/1', 'production');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.flows[0]).toMatchObject({ flow: { source: { workload: 'api-gateway', namespace: 'production' }, host: 'order-service', port: 80, method: 'POST' }, verdict: { allowed: true, decidedBy: { kind: 'AuthorizationPolicy', name: 'order-service-policy' } } });
  });

  test('--platform: the gateway and other platform pods from a file; a malformed entry is MESH603 with its field', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flow-platform-'));
    const good = path.join(dir, 'platform.yaml');
    fs.writeFileSync(good, '- name: edge-gw\n  namespace: gateways\n  labels: { istio: ingressgateway }\n  serviceAccount: edge-gw\n  meshed: true\n');
    const r = run('--platform', good, '--flow', 'external -> shop.example.com:443 GET /api/orders/1', 'production');
    expect(r.out).toContain('external → gateways/edge-gw (Gateway production/shop-gateway)');
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, '- name: edge-gw\n  namespace: gateways\n  labels: {}\n  serviceAccount: edge-gw\n  meshed: "yes"\n');
    expect(run('--platform', bad, '--flow', 'external -> shop.example.com:443 GET /', 'production')).toMatchObject({ code: 2, err: expect.stringContaining('[0].meshed: must be true or false [MESH603]') });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('--flows lists every ordered pair and the public hosts', () => {
    const r = run('--flows', 'production');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n').filter((l) => /^(OPEN|REFUSED|ALLOWED)/.test(l));
    expect(lines.filter((l) => / production\/\S+ -> production\//.test(l))).toHaveLength(8 * 7);
    expect(r.out).toMatch(/^OPEN +production\/api-gateway -> production\/order-service:8080/m);
    expect(r.out).toMatch(/external -> shop\.example\.com:443 GET \//);
  });

  test("--flows lists the names a platform's wildcard Gateway serves through the folder's VirtualServices", () => {
    // GIVEN a platform Gateway for *.orders.example.com (MeshPlatformProps.gateways), which the folder does not hold, and a
    // VirtualService of the folder bound to it for shop.orders.example.com
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flows-platform-gw-'));
    fs.writeFileSync(path.join(dir, 'platform.yaml'), [
      'ingressGateway: { preset: helmChart, release: public-gw, namespace: ingress }',
      'gateways:',
      '  - name: wildcard',
      '    namespace: ingress',
      '    servers:',
      "      - { port: 80, protocol: HTTP, hosts: ['*.orders.example.com'], httpsRedirect: true }",
      "      - { port: 443, protocol: HTTPS, hosts: ['*.orders.example.com'], credentialName: wildcard-orders }",
    ].join('\n'));
    fs.mkdirSync(path.join(dir, 'orders'));
    const [deployment, service] = app('order-api', 'orders');
    const vs = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'order-api', namespace: 'orders' },
      spec: { gateways: ['ingress/wildcard'], hosts: ['shop.orders.example.com'], http: [{ route: [{ destination: { host: 'order-api' } }] }] } };
    fs.writeFileSync(path.join(dir, 'orders', 'all.yaml'), [deployment, service, vs].map((m) => JSON.stringify(m)).join('\n---\n'));
    let out = '';
    main(['--platform', path.join(dir, 'platform.yaml'), '--flows', path.join(dir, 'orders')], { stdout: (t) => { out += t; }, stderr: () => undefined, cwd: dir });
    fs.rmSync(dir, { recursive: true, force: true });
    // THEN the name is listed on both ports, as a client addresses it
    expect(out).toMatch(/^ALLOWED external -> shop\.orders\.example\.com:443 GET \/:/m);
    expect(out).toMatch(/^REFUSED external -> shop\.orders\.example\.com:80 GET \/ by Gateway ingress\/wildcard \(routing\)/m);
  });
});

describe('malformed flows and options: MESH603 with the field', () => {
  const objs = app('a', 'shop');
  test('evaluate throws a MeshError naming the field', () => {
    expect(() => new FlowEvaluator(objs).evaluate({ ...call('a', 'shop', 'b'), port: 70000 })).toThrow(/port: 70000 is not a port.*\[MESH603\]/);
    expect(() => new FlowEvaluator(objs).evaluate({ ...call('a', 'shop', 'b'), path: 'api' })).toThrow(/path: 'api' does not start with \/ \[MESH603\]/);
    expect(() => new FlowEvaluator(objs, { trustDomain: 'Not A Domain' })).toThrow(/trustDomain.*\[MESH603\]/);
  });

  test('checkIntendedFlows reports it as a finding with the construct path', () => {
    const [f] = checkIntendedFlows(objs, [{ ...call('a', 'shop', 'b'), method: 'FETCH' as 'GET', expect: 'allow', constructPath: 'prod/a', description: 'a calls b' }]);
    expect(f).toMatchObject({ code: Codes.INVALID_FLOW, field: 'method', constructPath: 'prod/a' });
  });
});
