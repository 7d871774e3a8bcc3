// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { Duration } from 'cdk8s';
import { Autoscaling, HighAvailability, MeshApp, MeshChart, MeshService, ScalingPolicy } from 'cdk8s-mesh';

const chart = new MeshChart(new MeshApp(), 'production', { namespace: 'production' });
const user = new MeshService(chart, 'user-service', { image: 'registry.example.com/user:1.0.0', replicas: 3 });
new Autoscaling(chart, 'user-autoscaling', {
  service: user,
  minReplicas: 3,
  maxReplicas: 50,
  scaleUp: { stabilizationWindow: Duration.seconds(60), policies: [ScalingPolicy.percent(100, Duration.seconds(15))] },
});
new HighAvailability(chart, 'user-availability', { service: user, maxUnavailable: 1, zoneSpread: { maxSkew: 1 } });
export {};
