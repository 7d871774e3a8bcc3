// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { App, Duration, Size } from 'cdk8s';
import { Cpu, EnvVarValue, HealthProbe, MeshChart, MeshService, WorkloadVolume } from 'cdk8s-mesh';

const chart = new MeshChart(new App(), 'production', { namespace: 'production' });
const ratings = new MeshService(chart, 'ratings', { image: 'registry.example.com/ratings:1.0.0', ports: [{ port: 9090, protocol: 'grpc' }] });
const reviews = new MeshService(chart, 'reviews', {
  image: 'registry.example.com/reviews:2.1.0',
  env: { LOG_LEVEL: EnvVarValue.of('info'), DB_PASSWORD: EnvVarValue.fromSecret('reviews-db', 'password') },
  volumes: [WorkloadVolume.configMap('config', 'reviews-config'), WorkloadVolume.emptyDir('cache', { sizeLimit: Size.mebibytes(256) })],
  mounts: [{ volume: 'config', path: '/etc/reviews' }, { volume: 'cache', path: '/var/cache/reviews' }],
  probes: { readiness: HealthProbe.http('/health', { headers: { 'x-probe': 'kubelet' }, period: Duration.seconds(5) }) },
  preStopCommand: ['sleep', '5'],
  terminationGracePeriod: Duration.seconds(40),
  sidecar: { holdApplicationUntilProxyStarts: true, cpuRequest: Cpu.millis(50), memoryLimit: Size.mebibytes(256) },
});
reviews.calls(ratings, { addressEnv: { name: 'RATINGS_ADDR' } }); // ratings.production.svc.cluster.local:9090
new MeshService(chart, 'indexer', { image: 'registry.example.com/indexer:1.0.0', ports: [] });
export {};
