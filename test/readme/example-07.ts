// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { App, Size } from 'cdk8s';
import { EnvVarValue, MeshChart, MeshService, VolumeClaim, WorkloadVolume } from 'cdk8s-mesh';

const chart = new MeshChart(new App(), 'production', { namespace: 'production' });
new MeshService(chart, 'orders-db', {
  image: 'postgres:17.5-bookworm',
  ports: [{ port: 5432, protocol: 'tcp', name: 'tcp-postgres' }],
  env: { PGDATA: EnvVarValue.of('/var/lib/postgresql/data/pgdata'), POSTGRES_PASSWORD: EnvVarValue.fromSecret('orders-db', 'password') },
  stateful: { volumeClaims: [VolumeClaim.of('data', { size: Size.gibibytes(20) })] },
  podSecurity: { runAsUser: 999, runAsGroup: 999, fsGroup: 999 }, // or, from root: security: { exceptions: HardeningException.rootEntrypoint(...) }
  volumes: [WorkloadVolume.emptyDir('run')],
  mounts: [{ volume: 'data', path: '/var/lib/postgresql/data' }, { volume: 'run', path: '/var/run/postgresql' }],
});
export {};
