import { Duration } from 'cdk8s';
import * as fc from 'fast-check';
import { Retries } from '../../src/core/retries';
import { Weight } from '../../src/core/weight';
import { MeshService } from '../../src/service/mesh-service';
import { Tier } from '../../src/traffic/tier';
import { validateManifests } from '../../src/validate/validate';
import { meshChart } from '../util';

const TIERS = [Tier.SYSTEM, Tier.SERVICE, Tier.BUSINESS];
const PORT_NAMES = ['http', 'grpc', 'tcp-db', 'web'];

const serviceArb = fc.record({
  tier: fc.integer({ min: 0, max: 2 }),
  ports: fc.uniqueArray(fc.record({ name: fc.constantFrom(...PORT_NAMES), port: fc.integer({ min: 1, max: 9000 }) }), { minLength: 1, maxLength: 2, selector: (p) => p.name }),
  timeoutMs: fc.option(fc.integer({ min: 0, max: 5000 })),
  retry: fc.option(fc.record({ attempts: fc.integer({ min: 0, max: 3 }), perTryMs: fc.integer({ min: 1, max: 5000 }) })),
  canary: fc.option(fc.record({ weight: fc.integer({ min: 0, max: 100 }), defined: fc.boolean() })),
});

describe('random meshes', () => {
  test('either synthesize to output that passes every check, or fail naming a construct', () => {
    fc.assert(fc.property(fc.array(serviceArb, { minLength: 1, maxLength: 4 }), fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 4 }), (services, calls) => {
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
            svc.traffic.setSplit(svc, [{ subset: 'stable', weight: Weight.percent(100 - s.canary.weight) }, { subset: 'canary', weight: Weight.percent(s.canary.weight) }]);
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
    }), { numRuns: 40, seed: 3 });
  });
});
