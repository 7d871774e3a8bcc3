import { Duration } from 'cdk8s';
import { MeshService, ObservabilityStack, Percentage, Rps, ServiceSlo } from '../../../src';
import { find, meshChart, synth, synthError } from '../../util';

const slo: ServiceSlo = {
  latency: { p50: Duration.millis(50), p95: Duration.millis(200), p99: Duration.millis(500) },
  errorRate: Percentage.of(0.1),
  trafficCapacity: Rps.of(100),
  saturation: { cpu: Percentage.of(80), memory: Percentage.of(85) },
};

describe('error-rate SLIs by protocol', () => {
  const { app, chart } = meshChart();
  new MeshService(chart, 'ratings', { image: 'img', ports: [{ port: 9090, protocol: 'grpc' }], slo });
  new MeshService(chart, 'web', { image: 'img', slo });
  new ObservabilityStack(chart, 'observability');
  const out = synth(app);
  const rules = (name: string) => find(out, 'PrometheusRule', name).spec.groups.flatMap((g: any) => g.rules);

  test('a gRPC service counts failures by grpc_response_status, in alerts and burn-rate recordings', () => {
    const alert = rules('mesh-service-mesh-alerts').find((r: any) => r.alert === 'RatingsHighErrorRate');
    expect(alert.expr).toContain('grpc_response_status=~"2|4|12|13|14|15"');
    expect(alert.expr).not.toContain('response_code=~"5.*"');
    const recordings = rules('ratings-slo').filter((r: any) => r.record?.startsWith('slo:istio_request_errors'));
    expect(recordings.length).toBeGreaterThan(0);
    for (const r of recordings) expect(r.expr).toContain('grpc_response_status=~"2|4|12|13|14|15"');
  });

  test('an HTTP service keeps counting 5xx', () => {
    const alert = rules('mesh-service-mesh-alerts').find((r: any) => r.alert === 'WebHighErrorRate');
    expect(alert.expr).toContain('response_code=~"5.*"');
    expect(alert.expr).not.toContain('grpc_response_status');
  });
});

test('an SLO on a TCP-only service fails synth: Istio records no requests for it', () => {
  const { app, chart } = meshChart();
  new MeshService(chart, 'db', { image: 'img', ports: [{ port: 5432, protocol: 'tcp' }], slo });
  expect(synthError(app)).toMatch(/\[test\/db\] slo: db has no HTTP or gRPC port, so Istio records no requests, errors or latencies to measure it by \[MESH034\]/);
});

test('the same SLO given with ObservabilityStack.addSlo fails synth the same way: one check for both', () => {
  // GIVEN a Redis service with an SLO added by the stack, not by its prop
  const { app, chart } = meshChart();
  const cache = new MeshService(chart, 'cache', { image: 'img', ports: [{ port: 6379, protocol: 'redis' }] });
  new ObservabilityStack(chart, 'observability').addSlo(cache, slo);
  // THEN synth names the service and MESH034, as for the prop
  expect(synthError(app)).toMatch(/\[test\/cache\] slo: cache has no HTTP or gRPC port, so Istio records no requests, errors or latencies to measure it by \[MESH034\]/);
});
