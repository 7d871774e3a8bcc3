// MESH045 over manifests: a StatefulSet of several replicas, each with claims of its own, that does not say how its image keeps
// them in step; one without claims (game servers reached by pod name, whose state lives and dies with the pod) is not reported.
import { Size } from 'cdk8s';
import { analyze } from '../../src/validate/analysis';
import { MeshService, VolumeClaim } from '../../src';
import { meshChart, synth } from '../util';

const statefulSet = (replicas: number, claims: boolean, replication?: string) => ({
  apiVersion: 'apps/v1', kind: 'StatefulSet',
  metadata: { name: 'db', namespace: 'r', ...(replication ? { annotations: { 'mesh.cdk8s.io/replication': replication } } : {}) },
  spec: {
    replicas, serviceName: 'db-headless', selector: { matchLabels: { app: 'db' } },
    template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'app', image: 'registry.example.com/db:1.0.0' }] } },
    ...(claims ? { volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }] } : {}),
  },
});
const found = (m: Record<string, any>) => analyze([m]).filter((f) => f.code === 'MESH045').map((f) => `${f.field}: ${f.message}`);

describe('MESH045: several replicas of a StatefulSet with claims, without a word on replication', () => {
  test('claims of their own and no replication annotation: a warning naming the claims', () => {
    expect(found(statefulSet(3, true))).toEqual([
      'spec.replicas: 3 replicas, each with its own claims (volumeClaimTemplates), and no mesh.cdk8s.io/replication annotation saying how '
      + 'the image keeps them in step: unless it replicates, they are independent databases behind one Service',
    ]);
  });

  test('one replica, the annotation, or no claims: not reported', () => {
    expect(found(statefulSet(1, true))).toEqual([]);
    expect(found(statefulSet(3, true, 'mongod --replSet rs0'))).toEqual([]);
    expect(found(statefulSet(4, false))).toEqual([]);
  });

  test('a MeshService of stable pod names and no claims (game servers) synthesizes without it; one with claims still warns', () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'gameserver', {
      image: 'registry.example.com/gameserver:7.0.1', replicas: 4, stateful: {}, ports: [{ port: 7777, protocol: 'tcp', name: 'tcp-game' }],
    });
    const out = synth(app);
    expect(analyze(out).filter((f) => f.code === 'MESH045')).toEqual([]);

    const { app: app2, chart: chart2 } = meshChart();
    new MeshService(chart2, 'store', {
      image: 'registry.example.com/store:1.0.0', replicas: 3, ports: [{ port: 7000, protocol: 'tcp', name: 'tcp-store' }],
      stateful: { volumeClaims: [VolumeClaim.of('data', { size: Size.gibibytes(1) })] }, mounts: [{ volume: 'data', path: '/data' }],
    });
    expect(analyze(synth(app2)).filter((f) => f.code === 'MESH045').map((f) => f.resource.name)).toEqual(['store']);
  });
});
