// A host's requests mirrored to another service of the app (MirrorOptions.service): a new version that runs as a service of its own,
// such as a stateful service's next cluster, which cannot be a version of the service (MESH049).
import { MeshService, Percentage } from '../../../src';
import { FlowEvaluator } from '../../../src/validate';
import { find, meshChart, synth, synthError } from '../../util';

function setup(declareCall: boolean) {
  const { app, chart } = meshChart();
  const search = new MeshService(chart, 'search', { image: 'search:1', ports: [{ port: 9200, protocol: 'http' }] });
  const next = new MeshService(chart, 'search-next', { image: 'search:2', ports: [{ port: 9200, protocol: 'http' }] });
  const api = new MeshService(chart, 'api', { image: 'api:1' });
  api.calls(search, { methods: ['GET'], paths: ['/{*}/_search'] });
  if (declareCall) api.calls(next, { methods: ['GET'], paths: ['/{*}/_search'] });
  search.traffic.setMirror(search, { service: next, subset: next.subset, percentage: Percentage.of(20) });
  return { app, chart, search, next };
}

describe("a mirror to another service's subset", () => {
  test("the host's route mirrors to the other service's full name, subset and the route's port, and its callers' copies arrive", () => {
    // GIVEN search mirroring 20% to search-next, which its one caller, api, also calls
    const { app, chart } = setup(true);
    // WHEN synthesized
    const out = synth(app);
    // THEN the mirror names the other host, its subset and the port
    expect(find(out, 'VirtualService', 'search').spec.http[0]).toMatchObject({
      mirror: { host: 'search-next.production.svc.cluster.local', subset: 'stable', port: { number: 9200 } }, mirrorPercentage: { value: 20 },
    });
    // AND the copy, which api's sidecar sends as api, is admitted all the way
    const evaluator = new FlowEvaluator(out, { platform: chart.platform.workloads('production') });
    const copy = evaluator.evaluate({
      source: { workload: 'api', namespace: 'production' }, host: 'search-next', port: 9200, protocol: 'HTTP', method: 'GET', path: '/orders/_search',
    });
    expect(copy).toMatchObject({ allowed: true });
    expect(copy.reached?.map((p) => p.workload)).toEqual(['search-next']);
  });

  test('MESH250: a caller of the host that does not call the mirror, whose sidecar could not send the copies', () => {
    expect(synthError(setup(false).app)).toMatch(
      /\[test\/search\] mirror\.service: api calls search, whose requests are mirrored to search-next, but does not call search-next: the copies leave from api's sidecar.*declare api\.calls\(search-next, \.\.\.\).*\[MESH250\]/);
  });

  test('a subset the other service lacks (MESH013) and a port of it that is not HTTP (MESH030) fail synth', () => {
    const { app, chart } = meshChart();
    const search = new MeshService(chart, 'search', { image: 'search:1', ports: [{ port: 9200, protocol: 'http' }] });
    const next = new MeshService(chart, 'search-next', {
      image: 'search:2', ports: [{ port: 9200, protocol: 'http' }, { port: 9300, protocol: 'tcp', name: 'tcp-transport' }],
    });
    search.traffic.setMirror(search, { service: next, subset: 'v9', port: 9300 });
    const err = synthError(app);
    expect(err).toMatch(/\[test\/search\] mirror targets subset 'v9' of production\/search-next, which is not defined \[MESH013\]/);
    expect(err).toMatch(/\[test\/search\] mirror\.port: 9300 is not an HTTP port of production\/search-next \[MESH030\]/);
  });
});
