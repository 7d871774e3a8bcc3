// eclipse-mosquitto 2.x (eclipse/mosquitto docker/2.0/Dockerfile): its own mosquitto.conf configures no listener, so the broker
// starts in local only mode on 127.0.0.1 and ::1 (src/mosquitto.c, listeners__start_local_only), where no sidecar reaches it (MESH065).
import { ApiObject, Size } from 'cdk8s';
import { MeshService, VolumeClaim, WorkloadVolume } from '../../src';
import { parseImageReference } from '../../src/core/image-reference';
import { officialImage } from '../../src/core/official-images';
import { analyze } from '../../src/validate/analysis';
import { meshChart, synth, synthError } from '../util';
import { deployment } from './flow/fixtures';

type Options = { image?: string; config?: boolean; args?: string[] };

/** The broker of an IoT chart: MQTT on 1883, its persistence on a claim, as the image's user. */
function broker(o: Options = {}) {
  const { app, chart } = meshChart();
  if (o.config) {
    new ApiObject(chart, 'mosquitto-config', {
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mosquitto-config' },
      data: { 'mosquitto.conf': 'listener 1883\nallow_anonymous true\npersistence true\npersistence_location /mosquitto/data/\n' },
    });
  }
  new MeshService(chart, 'mqtt-broker', {
    image: o.image ?? 'eclipse-mosquitto:2.0.20',
    ports: [{ port: 1883, protocol: 'tcp', name: 'tcp-mqtt' }],
    stateful: { volumeClaims: [VolumeClaim.of('data', { size: Size.gibibytes(1) })] },
    podSecurity: { runAsUser: 1883, runAsGroup: 1883, fsGroup: 1883 },
    ...(o.config ? { volumes: [WorkloadVolume.configMap('config', 'mosquitto-config')] } : {}),
    mounts: [{ volume: 'data', path: '/mosquitto/data' }, ...(o.config ? [{ volume: 'config', path: '/mosquitto/config' }] : [])],
    ...(o.args ? { args: o.args } : {}),
  });
  return app;
}

const codes = (manifests: Record<string, any>[]) => analyze(manifests).filter((f) => /MESH05[12]|MESH065|MESH260/.test(f.code))
  .map((f) => `${f.code} ${f.severity ?? 'error'} ${f.field}`);

describe('eclipse-mosquitto: its own configuration listens on the loopback addresses alone (MESH065)', () => {
  test('the image is known as the official eclipse-mosquitto, UID and group 1883, starting as root; its 1.x tags are not checked', () => {
    const parsed = parseImageReference('eclipse-mosquitto:2.0.20-openssl');
    if (parsed.error !== undefined) throw new Error(parsed.error);
    expect(officialImage(parsed.reference)).toMatchObject({ name: 'eclipse-mosquitto', uid: 1883, gid: 1883, user: 'mosquitto' });
    expect(officialImage(parsed.reference)?.startsAsUser).toBeUndefined();
    const old = parseImageReference('eclipse-mosquitto:1.6.15');
    if (old.error !== undefined) throw new Error(old.error);
    expect(officialImage(old.reference)).toBeUndefined();
  });

  test('without a configuration of its own, synth fails naming the port nothing reaches and the configuration to give', () => {
    expect(synthError(broker())).toMatch(/StatefulSet\/mqtt-broker: spec\.template\.spec\.containers\[0\]\.ports\[0\]\.containerPort: container 'app' declares port 1883, but eclipse-mosquitto:2\.0\.20 listens on 127\.0\.0\.1 and ::1 only \(its \/mosquitto\/config\/mosquitto\.conf configures no listener, so mosquitto 2 starts in local only mode.*\): nothing outside the pod, its sidecar included .*reaches 1883; give it a mosquitto\.conf of your own at \/mosquitto\/config .*`listener 1883`.*\[MESH065\]/);
  });

  test('a mosquitto.conf mounted at /mosquitto/config, the image\'s no-auth configuration, or a 1.x tag pass', () => {
    expect(codes(synth(broker({ config: true })))).toEqual([]);
    expect(codes(synth(broker({ args: ['mosquitto', '-c', '/mosquitto-no-auth.conf'] })))).toEqual([]);
    expect(codes(synth(broker({ image: 'eclipse-mosquitto:1.6.15' })))).toEqual([]);
  });

  test('hand-written: the same over the manifests; a command of its own is not checked', () => {
    const d = deployment('broker', 'iot', { ports: { 'tcp-mqtt': 1883 } });
    d.spec.template.spec.containers[0] = { ...d.spec.template.spec.containers[0], image: 'docker.io/library/eclipse-mosquitto:2.0',
      securityContext: { runAsUser: 1883 } };
    expect(codes([d])).toEqual(['MESH065 error spec.template.spec.containers[0].ports[0].containerPort']);
    d.spec.template.spec.containers[0].command = ['/usr/sbin/mosquitto', '-c', '/etc/mosquitto/mosquitto.conf'];
    expect(codes([d])).toEqual([]);
  });
});
