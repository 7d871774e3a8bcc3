// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { App, Duration } from 'cdk8s';
import { MeshChart, MeshService, ObservabilityStack, Percentage, Rps } from 'cdk8s-mesh';

const app = new App();
const chart = new MeshChart(app, 'production', { namespace: 'production' });
const payment = new MeshService(chart, 'payment-service', {
  image: 'registry.example.com/payment-service:1.0.0',
  slo: {
    latency: { p50: Duration.millis(200), p95: Duration.millis(500), p99: Duration.seconds(1) },
    errorRate: Percentage.of(0.1),
    trafficCapacity: Rps.of(200),
    saturation: { cpu: Percentage.of(60), memory: Percentage.of(70) },
  },
});
const search = new MeshService(chart, 'search-service', { image: 'registry.example.com/search-service:1.0.0' });

const stack = new ObservabilityStack(chart, 'observability', {
  name: 'ec-site',
  runbookBaseUrl: 'https://wiki.example.com/runbooks',
  ruleSelectorLabels: { release: 'kube-prometheus-stack' },
});
// An SLO can also be given by the stack instead of the service's props.
stack.addSlo(search, {
  latency: { p50: Duration.millis(30), p95: Duration.millis(100), p99: Duration.millis(300) },
  errorRate: Percentage.of(1),
  trafficCapacity: Rps.of(1200),
  saturation: { cpu: Percentage.of(80), memory: Percentage.of(85) },
});
stack.addAlert({ alert: 'CheckoutStalled', expr: 'sum(rate(checkout_total[5m])) == 0', severity: 'warning', summary: 'No checkouts for 10m', for: Duration.minutes(10) });
void payment;
export {};
