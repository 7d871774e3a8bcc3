import { Duration, Testing } from 'cdk8s';
import * as fc from 'fast-check';
import { FlowEvaluator, platformFlowOptions, undeclaredOpenPairs, validateManifests } from '../../src/validate';
import { HttpMethod, MeshApp, MeshChart, MeshService, Retries, Tier, Weight } from '../../src';
import { meshChart } from '../util';

const TIERS = [Tier.SYSTEM, Tier.SERVICE, Tier.BUSINESS];
const PORT_NAMES = ['http', 'grpc', 'tcp-db', 'web'];

const serviceArb = fc.record({
  tier: fc.integer({ min: 0, max: 2 }),
  ports: fc.uniqueArray(fc.record({ name: fc.constantFrom(...PORT_NAMES), port: fc.integer({ min: 1, max: 9000 }) }), {
    minLength: 1,
    maxLength: 2,
    selector: (p) => p.name,
  }),
  timeoutMs: fc.option(fc.integer({ min: 0, max: 5000 })),
  retry: fc.option(fc.record({ attempts: fc.integer({ min: 0, max: 3 }), perTryMs: fc.integer({ min: 1, max: 5000 }) })),
  canary: fc.option(fc.record({ weight: fc.integer({ min: 0, max: 100 }), defined: fc.boolean() })),
});

describe('random meshes', () => {
  test('either synthesize to output that passes every check, or fail naming a construct', () => {
    fc.assert(
      fc.property(
        fc.array(serviceArb, { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 4 }),
        (services, calls) => {
          const { app, chart } = meshChart();
          let built: MeshService[];
          try {
            built = services.map((s, i) => {
              const svc = new MeshService(chart, `svc-${i}`, {
                image: `svc-${i}:1`,
                tier: TIERS[s.tier],
                ports: s.ports.map((p) => ({ name: p.name, port: p.port })),
                timeout: s.timeoutMs === null ? undefined : Duration.millis(s.timeoutMs),
                retries: s.retry ? Retries.of({ attempts: s.retry.attempts, perTryTimeout: Duration.millis(s.retry.perTryMs) }) : undefined,
              });
              if (s.canary) {
                if (s.canary.defined) svc.traffic.addSubset(svc, { name: 'canary', labels: { version: 'v2' } });
                svc.traffic.setSplit(svc, [
                  { subset: 'stable', weight: Weight.percent(100 - s.canary.weight) },
                  { subset: 'canary', weight: Weight.percent(s.canary.weight) },
                ]);
              }
              return svc;
            });
          } catch (e) {
            // Value factories throw at once with a stable code.
            expect((e as Error).message).toMatch(/\[MESH\d{3}\]/);
            return;
          }
          for (const [a, b] of calls) built[a % built.length].calls(built[b % built.length], { methods: ['GET'] });
          let manifests: Record<string, any>[];
          try {
            manifests = app.manifests().map((f) => f.manifest);
          } catch (e) {
            expect(e).toBeInstanceOf(Error);
            expect((e as Error).message).toMatch(/\[test\/[^\]]+\].*\[MESH\d{3}\]/);
            return;
          }
          expect(validateManifests(manifests).filter((f) => (f.severity ?? 'error') === 'error')).toEqual([]);
        },
      ),
      { numRuns: 40, seed: 3 },
    );
  });
});

const flowServiceArb = fc.record({
  tier: fc.integer({ min: 0, max: 2 }),
  ports: fc.uniqueArray(
    fc.record({ protocol: fc.constantFrom('http' as const, 'grpc' as const, 'tcp' as const), port: fc.integer({ min: 1, max: 9000 }) }),
    { minLength: 1, maxLength: 2, selector: (p) => p.port },
  ),
});

const callArb = fc.record({
  from: fc.nat(), to: fc.nat(),
  methods: fc.option(fc.subarray<HttpMethod>(['GET', 'POST', 'PUT', 'DELETE'], { minLength: 1 }), { nil: undefined }),
  path: fc.constantFrom(undefined, '/api/*', '/v1/items', '/x/{*}/y'),
});

describe('random meshes and their flows', () => {
  // Issue 12, deliverable 5: synth fails naming a construct and a MESH code, or every
  // declared call gets through the rendered manifests and no undeclared pair is open.
  test('every declared call is allowed by the evaluator and no undeclared pair of services is open', () => {
    let checked = 0;
    fc.assert(fc.property(fc.array(flowServiceArb, { minLength: 2, maxLength: 5 }), fc.array(callArb, { maxLength: 6 }), (services, calls) => {
      // Schemas are not what this property is about: analysis and flows still run.
      const app = new MeshApp({ outdir: Testing.app().outdir, schemaValidation: false });
      const chart = new MeshChart(app, 'test', { namespace: 'production' });
      const built = services.map((s, i) => new MeshService(chart, `svc-${i}`, {
        image: `svc-${i}:1`,
        tier: TIERS[s.tier],
        ports: s.ports.map((p) => ({ protocol: p.protocol, port: p.port })),
      }));
      const declared: { from: MeshService; to: MeshService; method: HttpMethod; path: string }[] = [];
      for (const c of calls) {
        const from = built[c.from % built.length];
        const to = built[c.to % built.length];
        if (from === to) continue;
        // A call to gRPC ports is written as gRPC is called: POST /<package.Service>/<Method> (others are MESH042).
        const rpc = to.ports.filter((p) => p.protocol !== 'tcp');
        const grpc = rpc.length > 0 && rpc.every((p) => p.protocol === 'grpc');
        const methods: HttpMethod[] | undefined = grpc && c.methods ? ['POST'] : c.methods;
        const given = grpc && c.path !== undefined ? '/shop.v1.Items/*' : c.path;
        from.calls(to, { methods, paths: given === undefined ? undefined : [given] });
        const path = (given ?? '/').replace(/\{\*\}/g, 'seg').replace(/\*$/, 'anything');
        for (const method of methods ?? [grpc ? 'POST' as const : 'GET' as const]) declared.push({ from, to, method, path });
      }
      let manifests: Record<string, any>[];
      try {
        manifests = app.manifests().map((f) => f.manifest);
      } catch (e) {
        // A refused mesh names the construct path and a stable code.
        expect((e as Error).message).toMatch(/\[test(\/[^\]]+)?\].*\[MESH\d{3}\]/);
        return;
      }
      const platform = chart.platform;
      const evaluator = new FlowEvaluator(manifests, platformFlowOptions(platform, chart.namespace));
      for (const d of declared) {
        // The caller addresses the callee's first HTTP or gRPC port, else its first port, by its Service name;
        // the evaluator reads the protocol from the port's name, as the proxies do.
        const port = d.to.ports.find((p) => p.protocol !== 'tcp') ?? d.to.ports[0];
        const verdict = evaluator.evaluate({
          source: { workload: d.from.name, namespace: 'production' },
          host: d.to.name,
          port: port.port,
          method: d.method,
          path: d.path,
        });
        if (!verdict.allowed) throw new Error(`${d.from.name} -> ${d.to.name} ${d.method} ${d.path}: ${verdict.reason}`);
      }
      expect(undeclaredOpenPairs(evaluator, chart.intendedFlows())).toEqual([]);
      checked++;
    }), { numRuns: 40, seed: 12 });
    // The property is about synthesized meshes: most random ones must get that far.
    expect(checked).toBeGreaterThan(20);
  });
});
