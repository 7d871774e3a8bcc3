import { Duration } from 'cdk8s';
import { MeshService, ObservabilityStack, Percentage, Rps, ServiceSlo } from '../../../src';
import { find, meshChart, synth, synthError } from '../../util';
import { testRules } from '../../promtool';

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

describe('a service of HTTP and gRPC ports (a model server: REST on 8080, gRPC on 7070) counts the failures of both', () => {
  // GIVEN a model server whose first port is HTTP and whose second is gRPC, and one whose first port is gRPC
  const { app, chart } = meshChart();
  new MeshService(chart, 'ranker', { image: 'img', ports: [{ port: 8080, protocol: 'http' }, { port: 7070, protocol: 'grpc' }], slo });
  new MeshService(chart, 'vision', { image: 'img', ports: [{ port: 7070, protocol: 'grpc' }, { port: 8080, protocol: 'http' }], slo });
  new ObservabilityStack(chart, 'observability');
  const out = synth(app);
  const rules = (name: string) => find(out, 'PrometheusRule', name).spec.groups.flatMap((g: any) => g.rules);
  const caller = (svc: string) => `reporter="source",source_workload="gateway",destination_service="${svc}.production.svc.cluster.local",`
    + `destination_service_namespace="production",destination_service_name="${svc}"`;
  // 1,000 requests a minute: 600 REST calls (6 of them 503) and 400 gRPC calls (HTTP 200, 14 of them UNAVAILABLE): 2% failed.
  const series = (svc: string) => [
    { series: `istio_requests_total{${caller(svc)},response_code="200",grpc_response_status=""}`, values: '0+594x20' },
    { series: `istio_requests_total{${caller(svc)},response_code="503",grpc_response_status=""}`, values: '0+6x20' },
    { series: `istio_requests_total{${caller(svc)},response_code="200",grpc_response_status="0"}`, values: '0+386x20' },
    { series: `istio_requests_total{${caller(svc)},response_code="200",grpc_response_status="14"}`, values: '0+14x20' },
  ];

  test.each(['ranker', 'vision'])('%s: the burn-rate recording is the share of 5xx and gRPC faults together, whichever port is first', (svc) => {
    // WHEN promtool evaluates the 5m error-ratio recording over both kinds of failure
    const group = find(out, 'PrometheusRule', `${svc}-slo`).spec.groups.find((g: any) => g.rules.some((r: any) => r.record));
    const recording = group.rules.find((r: any) => r.record === 'slo:istio_request_errors:ratio_rate5m');
    // THEN it is 20 of 1,000 requests: neither the REST 503s nor the gRPC UNAVAILABLEs are missed
    testRules({ groups: [{ name: 'g', rules: [recording] }] }, [{
      interval: '1m',
      input_series: series(svc),
      promql_expr_test: [{
        // in hundredths of a per cent, rounded: the rates' sums are floating point, added in whatever order Prometheus takes them
        expr: `round(slo:istio_request_errors:ratio_rate5m{destination_service_name="${svc}"} * 10000)`, eval_time: '10m',
        exp_samples: [{ labels: `{destination_service_name="${svc}",destination_service_namespace="production"}`, value: 200 }],
      }],
    }]);
  });

  test('the error-rate alert and the dashboard count both as well', () => {
    const alert = rules('mesh-service-mesh-alerts').find((r: any) => r.alert === 'RankerHighErrorRate');
    expect(alert.expr).toContain('response_code=~"5.*"');
    expect(alert.expr).toContain('response_code!~"5.*",grpc_response_status=~"2|4|12|13|14|15"');
    const detail = JSON.parse(Object.values<string>(out.find((m) => m.metadata?.name?.endsWith('dashboard-service-detail'))!.data)[0]);
    const success = detail.panels.find((p: any) => p.title === 'Ranker: success rate').targets[0].expr;
    expect(success).toContain('response_code!~"5.*",grpc_response_status!~"2|4|12|13|14|15"');
  });
});

test("a gRPC service's dashboard success rate is its calls without a server fault's grpc-status, as its SLO counts them", () => {
  // GIVEN a gRPC service, each failed call an HTTP 200
  const { app, chart } = meshChart();
  new MeshService(chart, 'ratings', { image: 'img', ports: [{ port: 9090, protocol: 'grpc' }], slo });
  new ObservabilityStack(chart, 'observability');
  const detail = JSON.parse(Object.values<string>(synth(app).find((m) => m.metadata?.name?.endsWith('dashboard-service-detail'))!.data)[0]);
  // THEN its success panel counts the calls without a fault's grpc-status, not the non-5xx responses (every call)
  const success = detail.panels.find((p: any) => p.title === 'Ratings: success rate').targets[0].expr;
  expect(success).toContain('grpc_response_status!~"2|4|12|13|14|15"');
  expect(success).not.toContain('response_code');
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
