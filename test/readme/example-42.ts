// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { Autoscaling, AutoscalingMetric, MeshApp, MeshChart, MeshService } from 'cdk8s-mesh';

const chart = new MeshChart(new MeshApp(), 'game', { namespace: 'game' });
const matchmaker = new MeshService(chart, 'matchmaker', { image: 'registry.example.com/matchmaker:3.4.0', replicas: 3 });
new Autoscaling(chart, 'matchmaker-autoscaling', {
  service: matchmaker,
  minReplicas: 3,
  maxReplicas: 30,
  // prometheus-adapter serves both from the matchmaker's own metrics
  metrics: [
    AutoscalingMetric.podsAverage('matchmaking_tickets_in_flight', 50),
    AutoscalingMetric.external('lobby_players_waiting', { averageValue: 20 }, { queue: 'ranked' }),
  ],
});
export {};
