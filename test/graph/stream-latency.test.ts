// MESH410 (warning): a latency objective or check on a service whose calls are streams. Istio records a stream's
// istio_request_duration_milliseconds when it ends, from its start (istio/proxy istio_stats.cc `log`: info.requestComplete()),
// so a heartbeat stream open for minutes is a request of minutes.
import { Duration } from 'cdk8s';
import {
  FlaggerCanary, FlaggerMetric, MeshService, MeshServiceProps, ObservabilityStack, Percentage, Rps, ServiceSlo, Tier, TierDefaults, Warnings,
} from '../../src';
import { meshChart } from '../util';

const SLO: ServiceSlo = {
  latency: { p50: Duration.millis(20), p95: Duration.millis(100), p99: Duration.millis(250) },
  errorRate: Percentage.of(0.1),
  trafficCapacity: Rps.of(100),
  saturation: { cpu: Percentage.of(70), memory: Percentage.of(80) },
};
const GRPC = { image: 'playback:1', ports: [{ port: 9090, protocol: 'grpc' as const }] };

function warningsOf(build: (chart: ReturnType<typeof meshChart>['chart']) => void): string[] {
  const { app, chart } = meshChart();
  build(chart);
  app.manifests();
  return app.warnings.filter((w) => w.includes('[MESH410]'));
}

describe('MESH410: latency measured on streams', () => {
  test("a streaming service's SLO latency is a warning on slo.latency, naming why; a service of requests has none", () => {
    const warnings = warningsOf((chart) => new MeshService(chart, 'playback', { ...GRPC, streaming: true, slo: SLO }));
    expect(warnings).toEqual([expect.stringMatching(/^\[test\/playback\] .*slo\.latency: the SLO's latency objective measures playback's requests by Istio's request duration, which for a stream \(playback is streaming\) is how long the stream stays open/)]);
    expect(warningsOf((chart) => new MeshService(chart, 'catalog', { ...GRPC, slo: SLO }))).toEqual([]);
    // Acknowledged where the streams are short
    expect(warningsOf((chart) => {
      const playback = new MeshService(chart, 'playback', { ...GRPC, streaming: true, slo: SLO });
      Warnings.of(playback).acknowledge('MESH410', 'each stream answers once, within 100ms');
    })).toEqual([]);
  });

  test("streaming from the service's tier counts; the service's own timeout over it does not; an SLO given by the stack alike", () => {
    const tiered = (props: Partial<MeshServiceProps>) => warningsOf((chart) => {
      new TierDefaults(chart, 'TierDefaults', { tiers: { streams: { streaming: true } } });
      new MeshService(chart, 'playback', { ...GRPC, tier: Tier.named('streams'), ...props });
    });
    expect(tiered({ slo: SLO })).toHaveLength(1);
    expect(tiered({ slo: SLO, timeout: Duration.seconds(2) })).toEqual([]);
    expect(warningsOf((chart) => {
      const playback = new MeshService(chart, 'playback', { ...GRPC, streaming: true });
      new ObservabilityStack(chart, 'observability', { name: 'vod' }).addSlo(playback, SLO);
    })).toEqual([expect.stringMatching(/^\[test\/playback\] .*slo\.latency: .*\[MESH410\]/)]);
  });

  test("Flagger's request-duration on a streaming service is a warning on the metric; its success rate is not", () => {
    const warnings = warningsOf((chart) => {
      const playback = new MeshService(chart, 'playback', { ...GRPC, streaming: true });
      new FlaggerCanary(chart, 'playback-canary', {
        service: playback, stepWeights: [10, 50],
        metrics: [FlaggerMetric.requestSuccessRate(Percentage.of(99)), FlaggerMetric.requestDuration(Duration.millis(500))],
      });
    });
    expect(warnings).toEqual([expect.stringMatching(/^\[test\/playback-canary\] .*metrics\[1\]: Flagger's request-duration check measures playback's requests by Istio's request duration/)]);
  });
});
