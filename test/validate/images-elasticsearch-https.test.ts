// Elasticsearch 8 serves HTTPS on 9200 from its first start: its security auto-configuration generates TLS certificates for the
// HTTP layer unless security or TLS is configured, or the node is set up for a multi-node cluster
// (elastic/elasticsearch x-pack/plugin/security/cli AutoConfigureNode.java; https://www.elastic.co/docs/deploy-manage/security/self-auto-setup).
// Istio's sidecar forwards the callers' plaintext HTTP to a port declared http, which Elasticsearch then refuses.
import { EnvVarValue, MeshService, Protocol, WorkloadVolume } from '../../src';
import { analyze } from '../../src/validate/analysis';
import { meshChart, synth, synthError } from '../util';

type Options = { image?: string; env?: Record<string, string>; protocol?: Protocol; configMap?: boolean };

/** Elasticsearch as a MeshService, its config and logs on emptyDirs filled from the image (MESH052 aside). */
function elasticsearch(o: Options = {}) {
  const { app, chart } = meshChart();
  const image = o.image ?? 'docker.elastic.co/elasticsearch/elasticsearch:8.15.3';
  new MeshService(chart, 'search', {
    image,
    ports: [{ port: 9200, protocol: o.protocol ?? 'http' }],
    env: Object.fromEntries(Object.entries({ 'discovery.type': 'single-node', ...o.env }).map(([k, v]) => [k, EnvVarValue.of(v)])),
    podSecurity: { runAsUser: 1000, runAsGroup: 0, fsGroup: 0 },
    volumes: [
      WorkloadVolume.emptyDir('config'), WorkloadVolume.emptyDir('logs'), WorkloadVolume.emptyDir('data'),
      ...(o.configMap ? [WorkloadVolume.configMap('yml', 'search-config')] : []),
    ],
    initContainers: [{
      name: 'copy-config', image, command: ['sh', '-c', 'cp -a /usr/share/elasticsearch/config/. /mnt/config/'],
      mounts: [{ volume: 'config', path: '/mnt/config' }],
    }],
    mounts: [
      { volume: 'config', path: '/usr/share/elasticsearch/config' },
      { volume: 'logs', path: '/usr/share/elasticsearch/logs' },
      { volume: 'data', path: '/usr/share/elasticsearch/data' },
      ...(o.configMap ? [{ volume: 'yml', path: '/usr/share/elasticsearch/config/elasticsearch.yml', subPath: 'elasticsearch.yml' }] : []),
    ],
  });
  return app;
}

const https = (o: Options) => analyze(synth(elasticsearch(o))).filter((f) => f.code === 'MESH249');

describe('Elasticsearch 8 behind a port declared http (MESH249)', () => {
  test('its HTTPS on 9200, declared http: synth fails naming the Service port, the image and the setting that turns TLS off', () => {
    expect(synthError(elasticsearch())).toMatch(new RegExp(
      "Service/search: spec\\.ports\\[0\\]\\.name: port 9200 is declared http \\(name http\\), but it targets 9200 of container 'app' "
      + '\\(docker\\.elastic\\.co/elasticsearch/elasticsearch:8\\.15\\.3\\), which serves HTTPS there from its first start.*'
      + 'set xpack\\.security\\.http\\.ssl\\.enabled=false .* \\[MESH249\\]'));
    // docker.io's official image is the same image.
    expect(synthError(elasticsearch({ image: 'elasticsearch:8.15.3' }))).toMatch(/\[MESH249\]/);
  });

  test.each([
    ['TLS of the HTTP layer turned off', { env: { 'xpack.security.http.ssl.enabled': 'false' } }],
    ['security turned off, as ES_SETTING_*', { env: { ES_SETTING_XPACK_SECURITY_ENABLED: 'false' } }],
    ['a node set up to form a multi-node cluster', { env: { 'discovery.type': 'multi-node', 'discovery.seed_hosts': 'search-headless' } }],
    ['Elasticsearch 7, which configures no TLS itself', { image: 'docker.elastic.co/elasticsearch/elasticsearch:7.17.24' }],
    ['the port declared https, which the sidecar passes through', { protocol: 'https' as Protocol }],
    ['an elasticsearch.yml of its own (a ConfigMap mounted over the image file), which the check cannot read', { configMap: true }],
  ])('no finding: %s', (_name, o) => {
    expect(https(o)).toEqual([]);
  });
});
