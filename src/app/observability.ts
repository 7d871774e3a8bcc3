import { Duration } from 'cdk8s';
import { ObservabilityStack, Percentage, Rps, ServiceSlo } from '../index';
import { EcSite } from './ec-site';
import { Environment, EnvironmentName } from './environments';

const ms = (n: number) => Duration.millis(n);

/**
 * Seed 000's SLO table (Mission 3, `serviceSLOs`), service by service. Seed 000's sampling
 * strategy traces payment at 100% (an audit requirement); payment's own sampling would never
 * apply, order-service's proxy deciding first (MESH408), so payment's record of every request is
 * its access log, which the namespace's Telemetry writes for every request.
 */
export const EC_SITE_SLOS: Readonly<Record<string, ServiceSlo>> = {
  'api-gateway': {
    latency: { p50: ms(10), p95: ms(50), p99: ms(100) },
    errorRate: Percentage.of(0.1),
    trafficCapacity: Rps.of(2000),
    saturation: { cpu: Percentage.of(70), memory: Percentage.of(80) },
  },
  'order-service': {
    latency: { p50: ms(50), p95: ms(200), p99: ms(500) },
    errorRate: Percentage.of(0.5),
    trafficCapacity: Rps.of(500),
    saturation: { cpu: Percentage.of(70), memory: Percentage.of(80) },
  },
  'payment-service': {
    latency: { p50: ms(200), p95: ms(500), p99: ms(1000) },
    errorRate: Percentage.of(0.1),
    trafficCapacity: Rps.of(200),
    saturation: { cpu: Percentage.of(60), memory: Percentage.of(70) },
  },
  'search-service': {
    latency: { p50: ms(30), p95: ms(100), p99: ms(300) },
    errorRate: Percentage.of(1.0),
    trafficCapacity: Rps.of(1200),
    saturation: { cpu: Percentage.of(80), memory: Percentage.of(85) },
  },
  'inventory-service': {
    latency: { p50: ms(20), p95: ms(80), p99: ms(200) },
    errorRate: Percentage.of(0.5),
    trafficCapacity: Rps.of(500),
    saturation: { cpu: Percentage.of(60), memory: Percentage.of(70) },
  },
};

/** Default trace sampling per environment: seed 000's 10% in production; everything in dev. */
const SAMPLING: Readonly<Record<EnvironmentName, number>> = { dev: 100, staging: 10, production: 10 };

/**
 * The EC site's observability (seed 000, Mission 3) in one environment: the SLOs of
 * seed 000's table on their services, alerts, burn-rate rules, dashboards and tracing.
 * web-frontend, user-service and notification-service have no SLO in the seed and get none.
 */
export function applyObservability(site: EcSite, env: Environment): ObservabilityStack {
  const stack = new ObservabilityStack(site.chart, 'observability', {
    name: 'ec-site',
    title: 'EC Site',
    runbookBaseUrl: 'https://wiki.example.com/runbooks',
    defaultSampling: Percentage.of(SAMPLING[env.name]),
    dashboardLinks: [
      { title: 'Traces (Jaeger)', url: '/jaeger/search' },
      { title: 'Logs (Loki)', url: '/explore' },
    ],
  });
  const services = [site.apiGateway, site.order, site.payment, site.search, site.inventory];
  for (const s of services) stack.addSlo(s, EC_SITE_SLOS[s.name]);
  return stack;
}
