// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { App, Duration } from 'cdk8s';
import { FlaggerCanary, FlaggerMetric, MeshChart, MeshService, Percentage } from 'cdk8s-mesh';

const app = new App();
const chart = new MeshChart(app, 'tickets', { namespace: 'tickets-service' });
const booking = new MeshService(chart, 'booking-api', { image: 'registry.example.com/booking-api:1.0.0' });

new FlaggerCanary(chart, 'booking-api-flagger', {
  service: booking,
  stepWeight: 10,
  metrics: [FlaggerMetric.requestSuccessRate(Percentage.of(99), Duration.minutes(1))],
  // 20 requests per second (10 per worker) for a minute, each interval
  loadTest: { rate: 20, duration: Duration.minutes(1), concurrency: 2, path: '/api/bookings' },
});
export {};
