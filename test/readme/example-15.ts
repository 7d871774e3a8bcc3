// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { ApiObject, Size } from 'cdk8s';
import {
  EdgeGateway, GatewayTls, IngressGatewayInstall, MeshApp, MeshChart, MeshPlatform, MeshService, VolumeClaim, WorkloadVolume,
} from 'cdk8s-mesh';

const app = new MeshApp({ platform: MeshPlatform.of({ ingressGateway: { ...IngressGatewayInstall.istioctl(), otherPorts: [8883] } }) });
const chart = new MeshChart(app, 'iot', { namespace: 'iot' });
// mosquitto 2 listens beyond localhost only where its configuration says so.
new ApiObject(chart, 'mosquitto-config', {
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mosquitto-config' },
  data: { 'mosquitto.conf': 'listener 1883\nallow_anonymous true\npersistence true\npersistence_location /mosquitto/data/\n' },
});
const broker = new MeshService(chart, 'mqtt-broker', {
  image: 'eclipse-mosquitto:2.0.20',
  ports: [{ port: 1883, protocol: 'tcp', name: 'tcp-mqtt' }],
  stateful: { volumeClaims: [VolumeClaim.of('data', { size: Size.gibibytes(10) })] },
  podSecurity: { runAsUser: 1883, runAsGroup: 1883, fsGroup: 1883 },
  volumes: [WorkloadVolume.configMap('config', 'mosquitto-config')],
  mounts: [{ volume: 'data', path: '/mosquitto/data' }, { volume: 'config', path: '/mosquitto/config' }],
  connectionPool: { tcp: { maxConnections: 100000 } }, // one connection per device through each gateway pod
});
new EdgeGateway(chart, 'devices', {
  servers: [{ port: { number: 8883, name: 'tls-mqtt', protocol: 'TLS' }, hosts: ['mqtt.example.com'], tls: GatewayTls.simple('mqtt-tls') }],
}).routeTcp(broker); // VirtualService devices-mqtt-broker-tcp: tcp port 8883 -> mqtt-broker:1883
export {};
