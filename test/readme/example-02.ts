// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { App, Duration } from 'cdk8s';
import { MeshChart, MeshService, Tier, TierDefaults } from 'cdk8s-mesh';

const chart = new MeshChart(new App(), 'staging', { namespace: 'staging' });
new TierDefaults(chart, 'TierDefaults', {
  tiers: { batch: { timeout: Duration.minutes(2) } },
});
new MeshService(chart, 'report-service', { image: 'registry.example.com/report:1.0.0', tier: Tier.named('batch') });
export {};
