// A pod's own metrics (an exporter's, or the application's), scraped on kube-prometheus-stack through
// Istio's metrics merging: prometheus.io annotations the injector hands to the agent
// (istio/istio pkg/kube/inject/inject.go applyPrometheusMerge), served on 15020 /stats/prometheus, a
// PodMonitor that scrapes them there, Prometheus admitted by both policies, and the flow verified at synth.
import { EnvVarValue, HealthProbe, MeshPlatform, MeshService, ObservabilityStack } from '../../../src';
import { evaluateFlow } from '../../../src/validate';
import { find, meshChart, synth, synthError } from '../../util';

function catalogue() {
  const { app, chart } = meshChart();
  const svc = new MeshService(chart, 'catalogue', {
    image: 'registry.example.com/catalogue:0.3.5',
    containers: [{
      name: 'exporter', image: 'registry.example.com/catalogue-exporter:1.0.0', env: { TARGET: EnvVarValue.of('http://localhost:8080/metrics') },
      ports: [{ number: 9419, name: 'http-metrics' }], probes: { readiness: HealthProbe.http('/health') }, security: { runAsUser: 65535, runAsGroup: 65535 },
    }],
    metrics: { port: 9419 },
  });
  new MeshService(chart, 'plain', { image: 'registry.example.com/plain:1.0.0' });
  new ObservabilityStack(chart, 'observability');
  return { app, chart, svc, out: synth(app) };
}

describe('a pod\'s own metrics, merged on 15020 and scraped by a PodMonitor', () => {
  const { chart, out } = catalogue();

  test('the annotations the injector moves to the agent, and the label the PodMonitor selects, on that pod only', () => {
    const t = find(out, 'Deployment', 'catalogue').spec.template.metadata;
    expect(t.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9419', 'prometheus.io/path': '/metrics' });
    expect(t.labels['mesh.cdk8s.io/metrics']).toBe('merged');
    const plain = find(out, 'Deployment', 'plain').spec.template.metadata;
    expect(plain.labels['mesh.cdk8s.io/metrics']).toBeUndefined();
    expect(Object.keys(plain.annotations ?? {}).filter((k) => k.startsWith('prometheus.io/'))).toEqual([]);
  });

  test('the app-metrics PodMonitor scrapes 15020 /stats/prometheus of the labelled pods, without Envoy\'s series twice', () => {
    const pm = find(out, 'PodMonitor', 'app-metrics');
    expect(pm.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
    expect(pm.spec.selector).toEqual({ matchLabels: { 'mesh.cdk8s.io/metrics': 'merged' } });
    const [e] = pm.spec.podMetricsEndpoints;
    expect(e).toMatchObject({ port: 'http-envoy-prom', path: '/stats/prometheus' });
    const [r] = e.relabelings;
    expect(r).toMatchObject({ sourceLabels: ['__address__'], targetLabel: '__address__', action: 'replace', replacement: '${1}:15020' });
    // Prometheus's relabeling: a full-match RE2 of the address, IPv4 and IPv6 alike
    const move = (addr: string) => addr.replace(new RegExp(`^${r.regex}$`), '$1:15020');
    expect(move('10.0.0.7:15090')).toBe('10.0.0.7:15020');
    expect(move('[fd00::7]:15090')).toBe('[fd00::7]:15020');
    expect(e.metricRelabelings).toEqual([{ sourceLabels: ['__name__'], regex: '(envoy|istio)_.*', action: 'drop' }]);
  });

  test('Prometheus reaches 15020 through the NetworkPolicy and the AuthorizationPolicy; the exporter\'s own port stays closed', () => {
    const prometheus = MeshPlatform.default().prometheusWorkload();
    const scrape = (port: number) => evaluateFlow(out, {
      source: { platform: prometheus }, host: 'catalogue.production.svc.cluster.local', pods: { workload: 'catalogue', namespace: 'production' },
      port, method: 'GET', path: port === 15020 ? '/stats/prometheus' : '/metrics',
    }, { platform: [prometheus] });
    expect(scrape(15020).allowed).toBe(true);
    expect(scrape(9419).allowed).toBe(false);
    expect(chart.intendedFlows().map((f) => f.description)).toContain('Prometheus scrapes catalogue\'s own metrics (:9419/metrics) merged on 15020');
  });
});

describe('a metrics endpoint the pod does not have fails synth (MESH409)', () => {
  test.each([
    [{ metrics: { port: 9999 } }, /metrics\.port: 9999 is no container port of the pod \(declared: 8080\) \[MESH409\]/],
    [{ metrics: { port: 8080, path: 'metrics' } }, /metrics\.path: 'metrics' is not an absolute path \[MESH409\]/],
    [{ metrics: { port: 8080 }, sidecar: { inject: false } }, /metrics: merging needs the sidecar.*\[MESH409\]/],
    [{ podAnnotations: { 'prometheus.io/scrape': 'true' } }, /podAnnotations\.prometheus\.io\/scrape: set where the pod serves its metrics.*\[MESH409\]/],
  ])('%p', (props, expected) => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'api', { image: 'x/api:1', ...props });
    expect(synthError(app)).toMatch(expected);
  });
});
