// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { App, Size } from 'cdk8s';
import { EnvVarValue, MeshChart, MeshService, VolumeClaim } from 'cdk8s-mesh';

const chart = new MeshChart(new App(), 'production', { namespace: 'production' });
// docker-library/mongo: UID/GID 999 owns /data/db; its entrypoint steps down from root only when started as root.
const cartsDb = new MeshService(chart, 'carts-db', {
  image: 'mongo:7.0',
  ports: [{ port: 27017, protocol: 'mongo' }],
  stateful: { volumeClaims: [VolumeClaim.of('data', { size: Size.gibibytes(10) })] },
  podSecurity: { runAsUser: 999, runAsGroup: 999, fsGroup: 999 },
  mounts: [{ volume: 'data', path: '/data/db' }],
});
// RabbitMQ: AMQP on tcp-amqp; its management port stays inside the pod.
const queue = new MeshService(chart, 'rabbitmq', {
  image: 'rabbitmq:4.1-management',
  ports: [{ port: 5672, protocol: 'tcp', name: 'tcp-amqp' }],
  containerPorts: [{ number: 15672, name: 'management' }],
  stateful: { volumeClaims: [VolumeClaim.of('data', { size: Size.gibibytes(2) })] },
  podSecurity: { runAsUser: 999, runAsGroup: 999, fsGroup: 999 },
  mounts: [{ volume: 'data', path: '/var/lib/rabbitmq' }],
});
const carts = new MeshService(chart, 'carts', { image: 'registry.example.com/carts:0.4.8', env: { DB: EnvVarValue.of('carts-db:27017') } });
carts.calls(cartsDb); // TCP flows to carts-db:27017 and to carts-db-0.carts-db.production.svc.cluster.local:27017
carts.calls(queue, { port: 5672 }); // only 5672 is opened, in the NetworkPolicy at both ends and in the ALLOW rule
export {};
