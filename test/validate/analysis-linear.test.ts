// The cross-resource analysis reads each manifest a bounded number of times, whatever the mesh's size: the reads of every
// property of every manifest (a counting Proxy) grow in proportion to the services, as the index promises (2.01 times at
// 50 and 100 services of the benchmark's mesh in two environments). MESH614's egress check as it was once, filtering every
// workload for each policy's peer, read 3.4 times as much at twice the services.
import { ApiObject, App } from 'cdk8s';
import { analyze } from '../../src/validate/analysis';
import { buildSyntheticMesh } from '../../bench/synthetic-mesh';
import { counted } from '../read-counter';

function readsFor(services: number): { reads: number; objects: number } {
  const app = new App({ outdir: '/tmp/unused' });
  const charts = buildSyntheticMesh(app, services, ['dev', 'production']);
  // Each object rendered alone: the app's synth check, which runs the analysis itself, stays out of the count.
  const manifests = charts.flatMap((c) => c.node.findAll().filter(ApiObject.isApiObject).map((o) => o.toJson()));
  const counter = { reads: 0 };
  expect(analyze(counted(manifests, counter)).filter((f) => f.severity !== 'warning')).toEqual([]);
  return { reads: counter.reads, objects: manifests.length };
}

test('the analysis reads linearly many properties: twice the services, about twice the reads', () => {
  const small = readsFor(50);
  const large = readsFor(100);
  expect(large.objects / small.objects).toBeLessThan(2.1);
  expect(large.reads / small.reads).toBeLessThan(2.5);
});
