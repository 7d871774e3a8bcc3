// A stateful service's first start: docker-library's database entrypoints initialize the data directory with a temporary
// server that does not listen on the port (mysql --skip-networking, postgres listen_addresses='', mongo on 127.0.0.1), so
// the default liveness probe is held by a startup probe of the same check (Kubernetes: "Protect slow starting containers
// with startup probes", https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/).
import { Duration, Size } from 'cdk8s';
import { HealthProbe, MeshService, VolumeClaim, WorkloadVolume } from '../../src';
import { find, meshChart, synth } from '../util';

const db = (extra: Partial<ConstructorParameters<typeof MeshService>[2]> = {}) => {
  const { app, chart } = meshChart();
  new MeshService(chart, 'mysql', {
    image: 'mysql:8.4', ports: [{ port: 3306, protocol: 'mysql' }], podSecurity: { runAsUser: 999, runAsGroup: 999, fsGroup: 999 },
    stateful: { volumeClaims: [VolumeClaim.of('data', { size: Size.gibibytes(10) })] }, volumes: [WorkloadVolume.emptyDir('run')],
    mounts: [{ volume: 'data', path: '/var/lib/mysql' }, { volume: 'run', path: '/var/run/mysqld' }], ...extra,
  });
  new MeshService(chart, 'web', { image: 'web:1' });
  return synth(app);
};
const container = (m: Record<string, any>[], kind: string, name: string) => find(m, kind, name).spec.template.spec.containers[0];

describe("a stateful service's default liveness probe waits for its startup probe", () => {
  test('the StatefulSet gets a startup probe of the liveness check, 30 × 10s; a Deployment gets none', () => {
    const m = db();
    const app = container(m, 'StatefulSet', 'mysql');
    expect(app.startupProbe).toEqual({ tcpSocket: { port: 3306 }, periodSeconds: 10, failureThreshold: 30 });
    expect(app.livenessProbe.tcpSocket).toEqual({ port: 3306 });
    expect(container(m, 'Deployment', 'web').startupProbe).toBeUndefined();
  });

  test('a liveness or startup probe of its own is kept, with no default startup probe beside it', () => {
    const own = HealthProbe.exec(['mysqladmin', 'ping'], { period: Duration.seconds(20) });
    expect(container(db({ probes: { liveness: own } }), 'StatefulSet', 'mysql').startupProbe).toBeUndefined();
    const startup = HealthProbe.tcp({ failureThreshold: 60, period: Duration.seconds(5) });
    expect(container(db({ probes: { startup } }), 'StatefulSet', 'mysql').startupProbe).toEqual({ tcpSocket: { port: 3306 }, periodSeconds: 5, failureThreshold: 60 });
  });
});
