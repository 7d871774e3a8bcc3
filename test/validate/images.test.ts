// Container images checked over the manifests: MESH050 (the kubelet's image reference grammar, github.com/distribution/reference).
import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { MeshService } from '../../src';
import { parseImageReference } from '../../src/core/image-reference';
import { analyze } from '../../src/validate/analysis';
import { meshChart, synth, synthError } from '../util';
import { deployment } from './flow/fixtures';

const hex = (n: number, c = 'a') => c.repeat(n);

describe('the image reference grammar (distribution/reference Parse, ParseNormalizedNamed)', () => {
  test.each([
    ['postgres:16', 'docker.io', 'library/postgres', '16', undefined],
    ['nginx', 'docker.io', 'library/nginx', undefined, undefined],
    ['team/web:1.0.0', 'docker.io', 'team/web', '1.0.0', undefined],
    ['index.docker.io/redis:7', 'docker.io', 'library/redis', '7', undefined],
    ['Registry.Example.com:5000/web:1', 'Registry.Example.com:5000', 'web', '1', undefined],
    ['localhost/a--b__c.d/e_f:V1.0-rc_1', 'localhost', 'a--b__c.d/e_f', 'V1.0-rc_1', undefined],
    ['[::1]:5000/web', '[::1]:5000', 'web', undefined, undefined],
    [`registry.k8s.io/kubectl:v1.31.12@sha256:${hex(64)}`, 'registry.k8s.io', 'kubectl', 'v1.31.12', `sha256:${hex(64)}`],
    [`web@sha512:${hex(128, 'f')}`, 'docker.io', 'library/web', undefined, `sha512:${hex(128, 'f')}`],
  ])('%s', (image, domain, path, tag, digest) => {
    expect(parseImageReference(image)).toEqual({ reference: { domain, path, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) } });
  });

  test.each([
    ['', 'an image is required'],
    [' web:1', 'leading or trailing whitespace'],
    ['Registry.example.com/Web:1 ', 'leading or trailing whitespace'],
    ['registry.example.com/Web:1', 'repository name (Web) must be lowercase'],
    ['Web:1', 'repository name (library/Web) must be lowercase'],
    ['web:1:2', 'invalid reference format'],
    ['web:-1', 'invalid reference format'],
    [`web:${hex(129)}`, 'invalid reference format'],
    ['web:1 2', 'invalid reference format'],
    ['a.-b', 'invalid reference format'],
    ['a/', 'invalid reference format'],
    ['web@sha256:abc', 'invalid reference format'],
    [`web@sha256:${hex(64, 'A')}`, 'invalid checksum digest format'],
    [`web@sha256:${hex(63)}`, 'invalid checksum digest format'],
    [`web@md5:${hex(32)}`, 'unsupported digest algorithm'],
    [hex(64), 'cannot specify 64-byte hexadecimal strings'],
    [`x/${'a'.repeat(254)}`, 'must not be more than 255 characters'],
  ])('%j is refused: %s', (image, reason) => {
    expect(parseImageReference(image).error).toContain(reason);
  });

  test('a path of 255 characters is the longest', () => {
    expect(parseImageReference(`x/${'a'.repeat(253)}`).error).toBeUndefined();
  });
});

describe('MESH050 over manifests: every container of every pod template', () => {
  test('hand-written: containers and init containers, the field named', () => {
    const d = deployment('web', 'shop');
    d.spec.template.spec.containers[0].image = 'Web:1';
    d.spec.template.spec.initContainers = [{ name: 'init', image: 'busybox:1.36 ' }, { name: 'ok', image: 'busybox:1.36' }];
    const found = analyze([d]).filter((f) => f.code === 'MESH050');
    expect(found.map((f) => f.field).sort()).toEqual(['spec.template.spec.containers[0].image', 'spec.template.spec.initContainers[0].image']);
    expect(found.every((f) => f.severity === undefined)).toBe(true);
  });

  test('a CronJob\'s template too', () => {
    const job = {
      apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'nightly', namespace: 'shop' },
      spec: { schedule: '0 1 * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'run', image: '' }] } } } } },
    };
    expect(analyze([job]).filter((f) => f.code === 'MESH050').map((f) => f.field)).toEqual(['spec.jobTemplate.spec.template.spec.containers[0].image']);
  });
});

describe('MESH050 at synth: the typos a team makes, before any file is written', () => {
  test.each([['Registry.example.com/Web:1 ', 'whitespace'], ['', 'an image is required'], ['registry.example.com/Web:1', 'must be lowercase']])(
    'the app container: %j', (image, reason) => {
      const { app, chart } = meshChart();
      new MeshService(chart, 'web', { image });
      const err = synthError(app);
      expect(err).toContain('Deployment/web: spec.template.spec.containers[0].image:');
      expect(err).toContain(reason);
      expect(err).toMatch(/InvalidImageName \[MESH050\]/);
    });

  test('extra, native sidecar and init containers', () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'web', {
      image: 'registry.example.com/web:1.0.0',
      containers: [{ name: 'exporter', image: 'Exporter:1' }],
      sidecarContainers: [{ name: 'shipper', image: 'shipper:1 ' }],
      initContainers: [{ name: 'migrate', image: 'migrate@sha256:1234' }],
    });
    const err = synthError(app);
    expect(err).toMatch(/containers\[1\]\.image: container 'exporter'.*must be lowercase/);
    expect(err).toMatch(/initContainers\[\d\]\.image: container 'shipper'.*whitespace/);
    expect(err).toMatch(/initContainers\[\d\]\.image: container 'migrate'.*invalid reference format/);
  });

  test('an adopted cdk8s-plus workload\'s containers', () => {
    const { app, chart } = meshChart();
    const d = new kplus.Deployment(chart, 'legacy', {
      metadata: { name: 'legacy' },
      serviceAccount: new kplus.ServiceAccount(chart, 'legacy-sa', { metadata: { name: 'legacy' } }),
      containers: [{
        name: 'main', image: 'Team/Legacy:1', ports: [{ number: 8080, name: 'http' }],
        securityContext: { ensureNonRoot: true, user: 10001, group: 10001, capabilities: { drop: ['ALL' as kplus.Capability] } },
        resources: {
          cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(500) },
          memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) },
        },
      }],
    });
    MeshService.fromDeployment(chart, 'legacy-mesh', d);
    expect(synthError(app)).toMatch(/Deployment\/legacy: spec\.template\.spec\.containers\[0\]\.image: container 'main'.*must be lowercase.*\[MESH050\]/);
  });

  test('a valid reference synthesizes', () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'web', { image: `registry.example.com:5000/team/web:1.0.0@sha256:${hex(64)}` });
    expect(synth(app).length).toBeGreaterThan(0);
  });
});
