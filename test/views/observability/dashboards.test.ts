import { buildEcSite } from '../../../src/app/ec-site';
import { environment } from '../../../src/app/environments';
import { applyObservability } from '../../../src/app/observability';
import { dashboardProblems, dashboardQueries, dashboardUid } from '../../../src/views/observability/dashboards';
import { expandGrafanaVariables, promqlProblem } from '../../../src/views/observability/promql';
import { ObservabilityStack } from '../../../src';
import { meshChart, synth } from '../../util';

const { app } = meshChart({}, 'unused');
app.node.tryRemoveChild('unused');
applyObservability(buildEcSite(app, environment('production')), environment('production'));
const configMaps = synth(app).filter((m) => m.kind === 'ConfigMap' && m.metadata.labels?.grafana_dashboard === '1');
const dashboards = configMaps.map((c) => JSON.parse(Object.values<string>(c.data)[0]));

describe('Grafana dashboards', () => {
  test("the uid names the environment once when the environment's name starts with the stack's (bookinfo-staging)", () => {
    const b = meshChart({ environment: 'bookinfo-staging', namespace: 'bookinfo-staging' });
    new ObservabilityStack(b.chart, 'observability', { name: 'bookinfo' });
    const uids = synth(b.app).filter((m) => m.kind === 'ConfigMap').map((c) => Object.keys(c.data)[0]);
    expect(uids).toEqual(['bookinfo-staging-mesh-overview.json', 'bookinfo-staging-service-detail.json', 'bookinfo-staging-troubleshooting.json']);
  });

  test("a long stack and environment name synthesizes: a uid over Grafana's 40 characters keeps its start and a hash of the whole", () => {
    // GIVEN a stack named as teams name their product, in an environment whose uids would be 45 characters and more
    const b = meshChart({ environment: 'production', namespace: 'library' });
    new ObservabilityStack(b.chart, 'observability', { name: 'library-lending' });
    // THEN synth passes, each uid fits, starts as the short ones do, and the three stay distinct and stable
    const maps = synth(b.app).filter((m) => m.kind === 'ConfigMap' && m.metadata.labels?.grafana_dashboard === '1');
    const uids = maps.map((c) => JSON.parse(Object.values<string>(c.data)[0]).uid);
    expect(uids.every((u: string) => u.length <= 40 && u.startsWith('library-lending-production-'))).toBe(true);
    expect(new Set(uids).size).toBe(3);
    expect(maps.map((c) => Object.keys(c.data)[0])).toEqual(uids.map((u: string) => `${u}.json`));
    expect(dashboardUid('library-lending-production', 'troubleshooting')).toBe(uids[2]);
    expect(dashboardUid('ec-site-production', 'troubleshooting')).toBe('ec-site-production-troubleshooting');
  });

  test('three levels, as ConfigMaps labelled for the Grafana sidecar', () => {
    expect(configMaps.map((c) => c.metadata.name)).toEqual([
      'ec-site-dashboard-mesh-overview', 'ec-site-dashboard-service-detail', 'ec-site-dashboard-troubleshooting',
    ]);
    expect(configMaps.map((c) => Object.keys(c.data))).toEqual([
      ['ec-site-production-mesh-overview.json'], ['ec-site-production-service-detail.json'], ['ec-site-production-troubleshooting.json'],
    ]);
    expect(dashboards.map((d) => d.title)).toEqual([
      'EC Site (production) / 1. Mesh overview', 'EC Site (production) / 2. Service detail', 'EC Site (production) / 3. Troubleshooting',
    ]);
  });

  test('each is valid dashboard JSON: uid, title, panels with queries, unique ids, every query parses as PromQL', () => {
    for (const d of dashboards) {
      expect(d.uid).toMatch(/^[a-z0-9-]{1,40}$/);
      expect(d.schemaVersion).toBeGreaterThan(30);
      expect(dashboardProblems(d)).toEqual([]);
      const panels = d.panels.filter((p: any) => p.type !== 'row');
      expect(panels.length).toBeGreaterThan(3);
      for (const p of panels) {
        expect(p.targets.length).toBeGreaterThan(0);
        expect(p.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
        expect(p.gridPos.w).toBeLessThanOrEqual(24);
      }
      const ids = d.panels.map((p: any) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const q of dashboardQueries(d)) expect([q.panel, promqlProblem(expandGrafanaVariables(q.expr))]).toEqual([q.panel, undefined]);
    }
  });

  test('queries read Istio\'s standard metrics as the callers report them, and the services for callers without a proxy', () => {
    const overview = dashboardQueries(dashboards[0]).map((q) => q.expr).join('\n');
    expect(overview).toContain('istio_requests_total{reporter="source",destination_service=~"[^.]+\\\\.production\\\\.svc\\\\.cluster\\\\.local"}');
    expect(overview).toContain('istio_requests_total{reporter="destination",source_workload="unknown",destination_service_namespace="production"}');
    expect(overview).toContain('istio_request_duration_milliseconds_bucket{reporter="source",');
    expect(overview).not.toMatch(/reporter="destination",destination_service_namespace/);
    expect(overview).toContain('ALERTS{alertstate="firing",namespace="production"}');
  });

  test('service detail: a row per SLO service, its objectives as threshold lines', () => {
    const d = dashboards[1];
    expect(d.panels.filter((p: any) => p.type === 'row').map((p: any) => p.title))
      .toEqual(['Api Gateway', 'Inventory Service', 'Order Service', 'Payment Service', 'Search Service']);
    const panel = (title: string) => d.panels.find((p: any) => p.title === title);
    expect(panel('Search Service: requests').fieldConfig.defaults.thresholds.steps).toEqual([{ value: null, color: 'green' }, { value: 960, color: 'red' }]);
    expect(panel('Order Service: latency').fieldConfig.defaults.thresholds.steps[1].value).toBe(500);
    expect(panel('Order Service: latency').targets.map((t: any) => t.legendFormat)).toEqual(['P50', 'P95', 'P99']);
    expect(panel('Payment Service: success rate').fieldConfig.defaults.thresholds.steps[1].value).toBe(0.999);
    expect(panel('Payment Service: inbound by source').targets[0].expr)
      .toBe('sum by (source_workload, response_code) ((rate(istio_requests_total{reporter="source",destination_service="payment-service.production.svc.cluster.local"}'
        + '[$__rate_interval]) or rate(istio_requests_total{reporter="destination",source_workload="unknown",destination_service_namespace="production",'
        + 'destination_service_name="payment-service"}[$__rate_interval])))');
  });

  test('troubleshooting: Envoy statistics, pods, and links to traces and logs', () => {
    const d = dashboards[2];
    const exprs = dashboardQueries(d).map((q) => q.expr).join('\n');
    for (const m of ['envoy_cluster_upstream_cx_overflow', 'envoy_cluster_upstream_rq_pending_overflow', 'envoy_cluster_upstream_rq_retry',
      'envoy_cluster_outlier_detection_ejections_active', 'kube_pod_container_status_restarts_total', 'container_cpu_cfs_throttled_periods_total']) {
      expect(exprs).toContain(m);
    }
    expect(d.links.map((l: any) => l.title)).toEqual(['Mesh dashboards', 'Traces (Jaeger)', 'Logs (Loki)']);
  });

  test('a dashboard with a broken query or no queries is reported', () => {
    const broken = { ...dashboards[0], panels: [{ type: 'timeseries', title: 'bad', targets: [{ expr: 'sum(rate(x[5m])' }] }, { type: 'stat', title: 'empty', targets: [] }] };
    expect(dashboardProblems(broken as any)).toEqual([
      "panel 'empty' has no queries",
      expect.stringMatching(/^panel 'bad': query is not valid PromQL/),
    ]);
    expect(dashboardProblems({ ...dashboards[0], uid: '' } as any)[0]).toMatch(/uid '' must be 1 to 40 characters/);
  });

  test('Grafana variables are expanded before parsing', () => {
    expect(expandGrafanaVariables('rate(x{a="$service"}[$__rate_interval])')).toBe('rate(x{a="x"}[5m])');
    expect(promqlProblem('rate(x[$__rate_interval])')).toMatch(/not valid PromQL/);
    expect(promqlProblem('')).toBe('is empty');
  });
});
