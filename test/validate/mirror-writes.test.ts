import { analyze } from '../../src/validate/analysis';
import { CanaryPlan, CanaryRelease, MeshService, Percentage, Warnings } from '../../src';
import { app, authorizationPolicy, M, route, virtualService } from './fixtures';
import { meshChart, synth } from '../util';

const allow = (methods?: string[]) =>
  authorizationPolicy('orders', { selector: { matchLabels: { app: 'orders' } }, rules: [{ to: [{ operation: methods ? { methods } : {} }] }] });

function mirrored(rule: M, policy: M): string[] {
  const [svc, sa, dep, dr] = app('orders');
  return analyze([svc, sa, dep, dr, policy, virtualService('orders', [rule])])
    .filter((f) => f.code === 'MESH669').map((f) => `${f.field} ${f.severity}: ${f.message}`);
}

describe('MESH669 (warning): a VirtualService route that mirrors while it serves POST or PATCH', () => {
  const mirror = { host: 'orders', subset: 'shadow' };

  test('over the manifests: the methods the destination admits decide, as for MESH111', () => {
    expect(mirrored({ ...route('orders', 'stable'), mirror, mirrorPercentage: { value: 25 } }, allow(['GET', 'POST']))).toEqual([
      expect.stringMatching(/^spec\.http\[0\]\.mirror warning: mirrors 25% of a route serving POST to orders \(subset shadow\): a mirrored write is applied twice/),
    ]);
    // No percentage: every request is copied. A rule that names no method admits any.
    expect(mirrored({ ...route('orders', 'stable'), mirror }, allow())).toEqual([expect.stringMatching(/mirrors 100% of a route serving any method/)]);
    // Reads only, a route matching GET, a 0% mirror: nothing.
    expect(mirrored({ ...route('orders', 'stable'), mirror }, allow(['GET', 'HEAD']))).toEqual([]);
    expect(mirrored({ match: [{ method: { exact: 'GET' } }], ...route('orders', 'stable'), mirror }, allow())).toEqual([]);
    expect(mirrored({ ...route('orders', 'stable'), mirror, mirrorPercentage: { value: 0 } }, allow())).toEqual([]);
  });

  test('each of `mirrors` is reported at its own field', () => {
    const rule = { ...route('orders', 'stable'), mirrors: [{ destination: mirror, percentage: { value: 5 } }, { destination: { host: 'audit' } }] };
    expect(mirrored(rule, allow(['PATCH']))).toEqual([
      expect.stringMatching(/^spec\.http\[0\]\.mirrors\[0\] warning: mirrors 5% of a route serving PATCH to orders \(subset shadow\)/),
      expect.stringMatching(/^spec\.http\[0\]\.mirrors\[1\] warning: mirrors 100% of a route serving PATCH to audit:/),
    ]);
  });

  test("at synth: a shadow version mirrored a service's POSTs is reported on its VirtualService, and can be acknowledged", () => {
    const { app: meshApp, chart } = meshChart();
    const api = new MeshService(chart, 'api', { image: 'registry.example.com/api:1.0.0' });
    new MeshService(chart, 'web', { image: 'registry.example.com/web:1.0.0' }).calls(api, { methods: ['GET', 'POST'], paths: ['/v1/*'] });
    api.addVersion({ name: 'shadow', image: 'registry.example.com/api:2.0.0' });
    api.traffic.setMirror(api, { subset: 'shadow', percentage: Percentage.of(25) });
    synth(meshApp);
    expect(meshApp.warnings.filter((w) => w.includes('[MESH669]'))).toEqual([
      expect.stringMatching(/^\[test\/api\/VirtualService\] .*spec\.http\[0\]\.mirror: mirrors 25% of a route serving POST to api(\.production\.svc\.cluster\.local)? \(subset shadow\)/),
    ]);
    const acked = meshChart();
    const api2 = new MeshService(acked.chart, 'api', { image: 'registry.example.com/api:1.0.0' });
    new MeshService(acked.chart, 'web', { image: 'registry.example.com/web:1.0.0' }).calls(api2, { methods: ['POST'] });
    api2.addVersion({ name: 'shadow', image: 'registry.example.com/api:2.0.0' });
    api2.traffic.setMirror(api2, { subset: 'shadow' });
    Warnings.of(api2).acknowledge('MESH669', 'the shadow version writes to a database of its own');
    synth(acked.app);
    expect(acked.app.warnings.filter((w) => w.includes('[MESH669]'))).toEqual([]);
  });

  test("a CanaryRelease's mirror of a service that is POSTed to is reported; one of a read-only service is not", () => {
    const build = (methods: ('GET' | 'POST')[]) => {
      const { app: meshApp, chart } = meshChart();
      const ingest = new MeshService(chart, 'ingest', { image: 'registry.example.com/ingest:1.0.0' });
      new MeshService(chart, 'api', { image: 'registry.example.com/api:1.0.0' }).calls(ingest, { methods, paths: ['/v1/push'] });
      new CanaryRelease(chart, 'ingest-v2', {
        service: ingest, image: 'registry.example.com/ingest:2.0.0', phase: 'shadow', mirror: Percentage.of(50),
        plan: CanaryPlan.of([{ name: 'shadow', canaryWeight: 0 }, { name: 'canary-10', canaryWeight: 10 }]),
      });
      synth(meshApp);
      return meshApp.warnings.filter((w) => w.includes('[MESH669]'));
    };
    expect(build(['POST'])).toEqual([expect.stringMatching(/mirrors 50% of a route serving POST to ingest.*\(subset canary\)/)]);
    expect(build(['GET'])).toEqual([]);
  });
});
