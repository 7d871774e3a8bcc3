// quay.io/keycloak/keycloak's management interface, port 9000: /health only with health-enabled and /metrics only with
// metrics-enabled, build-time options whose default is false (keycloak/keycloak quarkus/config-api HealthOptions, MetricsOptions;
// https://www.keycloak.org/server/management-interface), and nothing listening there while both are off.
import { EnvVarValue, HealthProbe, MeshService, WorkloadVolume } from '../../src';
import { analyze } from '../../src/validate/analysis';
import { meshChart, synth, synthError } from '../util';
import { deployment } from './flow/fixtures';

type Options = { env?: Record<string, string>; args?: string[]; probe?: HealthProbe; metrics?: { port: number; path?: string }; mountConf?: boolean };

/** Keycloak as a MeshService: `start` on an emptyDir at lib/quarkus (MESH052 aside), its management port declared. */
function keycloak(o: Options = {}) {
  const { app, chart } = meshChart();
  new MeshService(chart, 'identity', {
    image: 'quay.io/keycloak/keycloak:26.0',
    ports: [{ port: 8080, name: 'http' }, { port: 9000, name: 'http-management' }],
    args: o.args ?? ['start'],
    env: Object.fromEntries(Object.entries(o.env ?? {}).map(([k, v]) => [k, EnvVarValue.of(v)])),
    volumes: [WorkloadVolume.emptyDir('quarkus'), WorkloadVolume.configMap('conf', 'keycloak-conf')],
    mounts: [{ volume: 'quarkus', path: '/opt/keycloak/lib/quarkus' }, ...(o.mountConf ? [{ volume: 'conf', path: '/opt/keycloak/conf' }] : [])],
    ...(o.probe ? { probes: { readiness: o.probe } } : {}),
    ...(o.metrics ? { metrics: o.metrics } : {}),
  });
  return app;
}

const management = (m: Record<string, any>[]) => analyze(m).filter((f) => /MESH24[67]/.test(f.code))
  .map((f) => `${f.code} ${f.severity ?? 'error'} ${f.field}`);
const ready = HealthProbe.http('/health/ready', { port: 9000 });
const on = { KC_HEALTH_ENABLED: 'true', KC_METRICS_ENABLED: 'true' };

describe('quay.io/keycloak/keycloak: probes and scrapes of its management port 9000 need health-enabled and metrics-enabled', () => {
  test('MESH246: a readiness probe of /health/ready on 9000 without KC_HEALTH_ENABLED=true fails synth: the pod would never be ready', () => {
    expect(synthError(keycloak({ probe: ready }))).toMatch(/Deployment\/identity: spec\.template\.spec\.containers\[0\]\.readinessProbe\.httpGet: container 'app' runs quay\.io\/keycloak\/keycloak:26\.0, whose readinessProbe asks \/health\/ready on its management port 9000, but its health checks are off \(KC_HEALTH_ENABLED is not true; .*\): the probe fails at every period and the pod never becomes ready; set KC_HEALTH_ENABLED=true \(or --health-enabled=true\) \[MESH246\]/);
    expect(synthError(keycloak({ probe: ready, env: { KC_HEALTH_ENABLED: 'false', KC_METRICS_ENABLED: 'true' } }))).toMatch(/\[MESH246\]/);
    // Turned on by its env variable or its option, as kc.sh reads them
    expect(management(synth(keycloak({ probe: ready, env: { KC_HEALTH_ENABLED: 'true' } })))).toEqual([]);
    expect(management(synth(keycloak({ probe: ready, args: ['start', '--health-enabled=true'] })))).toEqual([]);
    expect(management(synth(keycloak({ probe: ready, args: ['start', '--health-enabled', 'true'] })))).toEqual([]);
    // /metrics on 9000 needs metrics-enabled alone
    expect(synthError(keycloak({ probe: HealthProbe.http('/metrics', { port: 9000 }), env: { KC_HEALTH_ENABLED: 'true' } })))
      .toMatch(/asks \/metrics on its management port 9000, but its metrics are off \(KC_METRICS_ENABLED is not true.*\[MESH246\]/);
  });

  test('a probe on the main port, or a configuration the manifests do not show, is not judged', () => {
    expect(management(synth(keycloak({ probe: HealthProbe.http('/health/ready', { port: 8080 }) })))).toEqual([]);
    // a keycloak.conf of its own, an image built with its options (--optimized), another management port or path
    expect(management(synth(keycloak({ probe: ready, mountConf: true })))).toEqual([]);
    expect(management(synth(keycloak({ probe: ready, args: ['start', '--optimized'] })))).toEqual([]);
    expect(management(synth(keycloak({ probe: ready, env: { KC_HTTP_MANAGEMENT_PORT: '9001' } })))).toEqual([]);
    expect(management(synth(keycloak({ probe: ready, env: { KC_HTTP_RELATIVE_PATH: '/auth' } })))).toEqual([]);
  });

  test('MESH247 (warning): a scrape of /metrics on 9000 without KC_METRICS_ENABLED=true; with it, none', () => {
    const m = synth(keycloak({ metrics: { port: 9000 }, env: { KC_HEALTH_ENABLED: 'true' } }));
    expect(management(m)).toEqual(['MESH247 warning spec.template.metadata.annotations.prometheus.io/port']);
    expect(analyze(m).find((f) => f.code === 'MESH247')!.message).toMatch(/scrape \/metrics on port 9000, the management port of container 'app' \(quay\.io\/keycloak\/keycloak:26\.0\), whose metrics are off .*set KC_METRICS_ENABLED=true/);
    expect(management(synth(keycloak({ metrics: { port: 9000 }, env: on, probe: ready })))).toEqual([]);
  });

  test('over hand-written manifests: a tcpSocket probe of 9000 with both off, a named port, a liveness probe', () => {
    const d = deployment('identity', 'iam', { ports: { http: 8080, management: 9000 } });
    const c = d.spec.template.spec.containers[0];
    Object.assign(c, { image: 'quay.io/keycloak/keycloak:26.0', args: ['start-dev'] });
    c.livenessProbe = { httpGet: { path: '/health/live', port: 'management' } };
    c.readinessProbe = { tcpSocket: { port: 9000 } };
    expect(management([d])).toEqual([
      'MESH246 error spec.template.spec.containers[0].readinessProbe.tcpSocket', 'MESH246 error spec.template.spec.containers[0].livenessProbe.httpGet',
    ]);
    expect(analyze([d]).find((f) => f.field.endsWith('livenessProbe.httpGet'))!.message).toMatch(/the kubelet restarts the container for ever/);
    // metrics on alone makes 9000 listen: the TCP probe passes, /health/live does not
    c.env = [{ name: 'KC_METRICS_ENABLED', value: 'true' }];
    expect(management([d])).toEqual(['MESH246 error spec.template.spec.containers[0].livenessProbe.httpGet']);
    // a value from a Secret is not known
    c.env = [{ name: 'KC_HEALTH_ENABLED', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }];
    expect(management([d])).toEqual([]);
  });
});
