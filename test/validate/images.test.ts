// Container images checked over the manifests: MESH050 (the kubelet's image reference grammar, github.com/distribution/reference).
import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { EnvVarValue, MeshService, VolumeClaim, WorkloadVolume } from '../../src';
import { parseImageReference } from '../../src/core/image-reference';
import { officialImage } from '../../src/core/official-images';
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

// The official images the checks know: docker-library's Dockerfiles (src/core/official-images.ts cites each).
describe('MESH051 and MESH052: an official image in a pod it cannot use', () => {
  type PgOptions = { env?: Record<string, any>; podSecurity?: Record<string, number>; mounts?: { volume: string; path: string }[] };
  const pg = (image: string, o: PgOptions = {}) => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'catalog-db', {
      image,
      ports: [{ port: 5432, protocol: 'tcp', name: 'tcp-postgres' }],
      stateful: { volumeClaims: [VolumeClaim.of('data', { size: Size.gibibytes(10) })] },
      volumes: [WorkloadVolume.emptyDir('run')],
      mounts: o.mounts ?? [{ volume: 'data', path: '/var/lib/postgresql/data' }],
      ...(o.env ? { env: o.env } : {}),
      ...(o.podSecurity ? { podSecurity: o.podSecurity } : {}),
    });
    return app;
  };
  const codes = (manifests: Record<string, any>[]) => analyze(manifests).filter((f) => /MESH05[12]/.test(f.code))
    .map((f) => `${f.code} ${f.severity ?? 'error'} ${f.field}`);

  test('the issue\'s postgres:16 with no podSecurity fails synth: PGDATA is the claim\'s mount point, /var/run/postgresql read-only', () => {
    const err = synthError(pg('postgres:16'));
    expect(err).toMatch(/StatefulSet\/catalog-db: spec\.template\.spec\.containers\[0\]\.volumeMounts\[\d\]\.mountPath: container 'app' runs postgres:16 as UID 10001, and its PGDATA \/var\/lib\/postgresql\/data is the mount point of volume 'data'.*\/var\/lib\/postgresql\/data\/pgdata\) \[MESH052\]/);
    expect(err).toMatch(/containers\[0\]\.securityContext\.readOnlyRootFilesystem: .*writes its socket and lock file to \/var\/run\/postgresql as it starts; it is on the read-only root filesystem.*\[MESH052\]/);
  });

  test('as UID 10001 with its data on a claim: a warning naming the image and the user it needs', () => {
    const { app, chart } = meshChart();
    const mounts = [{ volume: 'data', path: '/var/lib/postgresql/data' }, { volume: 'run', path: '/var/run/postgresql' }];
    new MeshService(chart, 'catalog-db', {
      image: 'postgres:16', ports: [{ port: 5432, protocol: 'tcp', name: 'tcp-postgres' }], env: { PGDATA: EnvVarValue.of('/var/lib/postgresql/data/pgdata') },
      stateful: { volumeClaims: [VolumeClaim.of('data', { size: Size.gibibytes(10) })] }, volumes: [WorkloadVolume.emptyDir('run')], mounts,
    });
    const out = synth(app);
    const found = analyze(out).filter((f) => f.code === 'MESH051');
    expect(found.map((f) => `${f.severity} ${f.field}`)).toEqual(['warning spec.template.spec.containers[0].securityContext.runAsUser']);
    expect(found[0].message).toContain('runs postgres:16 as UID 10001');
    expect(found[0].message).toContain('the image runs as UID 999 (postgres; docker-library/postgres Dockerfile (useradd --uid=999))');
    expect(found[0].message).toContain('podSecurity: { runAsUser: 999, runAsGroup: 999, fsGroup: 999 }');
  });

  test('the README\'s setup passes: UID 999, PGDATA below the mount, /var/run/postgresql an emptyDir', () => {
    const app = pg('postgres:17.5-bookworm', {
      env: { PGDATA: EnvVarValue.of('/var/lib/postgresql/data/pgdata') }, podSecurity: { runAsUser: 999, runAsGroup: 999, fsGroup: 999 },
      mounts: [{ volume: 'data', path: '/var/lib/postgresql/data' }, { volume: 'run', path: '/var/run/postgresql' }],
    });
    expect(codes(synth(app))).toEqual([]);
  });

  test('postgres 18 keeps PGDATA at /var/lib/postgresql/18/docker, below its volume /var/lib/postgresql', () => {
    const security = { podSecurity: { runAsUser: 999, runAsGroup: 999, fsGroup: 999 } };
    const below = pg('postgres:18.1', { ...security, mounts: [{ volume: 'data', path: '/var/lib/postgresql' }, { volume: 'run', path: '/var/run/postgresql' }] });
    expect(codes(synth(below))).toEqual([]);
    const at = pg('postgres:18', { ...security, mounts: [{ volume: 'data', path: '/var/lib/postgresql/18/docker' }, { volume: 'run', path: '/var/run/postgresql' }] });
    expect(synthError(at)).toMatch(/its PGDATA \/var\/lib\/postgresql\/18\/docker is the mount point of volume 'data'/);
  });

  test('timescale/timescaledb is postgres\'s alpine image with its entrypoint: its PGDATA, socket directory and user (70) are checked', () => {
    // The IoT team's TimescaleDB as it first wrote it: PGDATA the claim's mount point, the socket directory read-only, UID 999.
    const err = synthError(pg('timescale/timescaledb:2.17.2-pg16', { podSecurity: { runAsUser: 999, runAsGroup: 999, fsGroup: 999 } }));
    expect(err).toMatch(/containers\[0\]\.volumeMounts\[\d\]\.mountPath: container 'app' runs timescale\/timescaledb:2\.17\.2-pg16 as UID 999, and its PGDATA \/var\/lib\/postgresql\/data is the mount point of volume 'data'.*\[MESH052\]/);
    expect(err).toMatch(/timescale\/timescaledb:2\.17\.2-pg16 as UID 999, which writes its socket and lock file to \/var\/run\/postgresql.*\[MESH052\]/);
    // Fixed but for the user: the warning names the image's, 70.
    const fixed = { env: { PGDATA: EnvVarValue.of('/var/lib/postgresql/data/pgdata') },
      mounts: [{ volume: 'data', path: '/var/lib/postgresql/data' }, { volume: 'run', path: '/var/run/postgresql' }] };
    const as999 = analyze(synth(pg('timescale/timescaledb:2.17.2-pg16', { ...fixed, podSecurity: { runAsUser: 999, runAsGroup: 999, fsGroup: 999 } })));
    expect(as999.filter((f) => f.code === 'MESH051').map((f) => f.message)).toEqual([expect.stringContaining(
      'the image runs as UID 70 (postgres; timescale/timescaledb-docker Dockerfile (FROM postgres alpine: adduser -u 70)), whose files a UID 999 '
      + 'cannot own or open; run it as its user: podSecurity: { runAsUser: 70, runAsGroup: 70, fsGroup: 70 }')]);
    expect(codes(synth(pg('timescale/timescaledb:2.17.2-pg16', { ...fixed, podSecurity: { runAsUser: 70, runAsGroup: 70, fsGroup: 70 } })))).toEqual([]);
    // Its pg18 tags keep PGDATA where postgres 18 does.
    const pg18 = pg('timescale/timescaledb:latest-pg18', { podSecurity: { runAsUser: 70, runAsGroup: 70, fsGroup: 70 },
      mounts: [{ volume: 'data', path: '/var/lib/postgresql/18/docker' }, { volume: 'run', path: '/var/run/postgresql' }] });
    expect(synthError(pg18)).toMatch(/its PGDATA \/var\/lib\/postgresql\/18\/docker is the mount point of volume 'data'/);
  });

  const handWritten = (container: Record<string, any>, pod: Record<string, any> = {}, volumes: Record<string, any>[] = []) => {
    const d = deployment('db', 'shop');
    d.spec.template.spec.securityContext = pod;
    d.spec.template.spec.containers = [{ name: 'db', ...container }];
    d.spec.template.spec.volumes = volumes;
    return d;
  };
  const ro = { readOnlyRootFilesystem: true };

  test('mysql: its socket directory on the read-only root filesystem, its data on a ConfigMap; the pod\'s user named', () => {
    const d = handWritten({ image: 'mysql:8.4', securityContext: ro, volumeMounts: [{ name: 'conf', mountPath: '/var/lib/mysql' }] },
      { runAsUser: 999 }, [{ name: 'conf', configMap: { name: 'x' } }]);
    expect(codes([d])).toEqual([
      'MESH052 error spec.template.spec.containers[0].volumeMounts[0]',
      'MESH052 error spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem',
    ]);
    const claim = handWritten({ image: 'docker.io/library/mysql:8.4', volumeMounts: [{ name: 'data', mountPath: '/var/lib/mysql/' }] },
      { runAsUser: 10001 }, [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }]);
    expect(codes([claim])).toEqual(['MESH051 warning spec.template.spec.securityContext.runAsUser']);
  });

  test('root (the entrypoint drops to its user), a command of its own, another registry\'s image: not checked', () => {
    const mounts = [{ name: 'data', mountPath: '/var/lib/postgresql/data' }];
    const vols = [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }];
    expect(codes([handWritten({ image: 'postgres:16', securityContext: { ...ro, runAsUser: 0 }, volumeMounts: mounts }, {}, vols)])).toEqual([]);
    expect(codes([handWritten({ image: 'postgres:16', securityContext: ro, volumeMounts: mounts }, {}, vols)])).toEqual([]);
    expect(codes([handWritten({ image: 'postgres:16', command: ['psql'], securityContext: { ...ro, runAsUser: 10001 } })])).toEqual([]);
    expect(codes([handWritten({ image: 'postgres:16', args: ['pg_isready'], securityContext: { ...ro, runAsUser: 10001 } })])).toEqual([]);
    expect(codes([handWritten({ image: 'registry.example.com/postgres:16', securityContext: { ...ro, runAsUser: 10001 } })])).toEqual([]);
    // Options go to the server: still checked.
    expect(codes([handWritten({ image: 'postgres:16', args: ['-c', 'max_connections=200'], securityContext: { ...ro, runAsUser: 10001 } })]))
      .toContain('MESH052 error spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem');
  });

  test('redis writes /data only when it saves: an emptyDir as any user passes, a claim as another user is warned of', () => {
    const empty = handWritten({ image: 'redis:7.2', securityContext: { ...ro, runAsUser: 10001 }, volumeMounts: [{ name: 'data', mountPath: '/data' }] },
      {}, [{ name: 'data', emptyDir: {} }]);
    expect(codes([empty])).toEqual([]);
    const claim = handWritten({ image: 'redis:7.2', securityContext: { ...ro, runAsUser: 10001 }, volumeMounts: [{ name: 'data', mountPath: '/data' }] },
      {}, [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }]);
    expect(codes([claim])).toEqual(['MESH051 warning spec.template.spec.containers[0].securityContext.runAsUser']);
  });
});

describe('the variants of an official image', () => {
  const ref = (image: string) => {
    const parsed = parseImageReference(image);
    if (parsed.error !== undefined) throw new Error(parsed.error);
    return officialImage(parsed.reference);
  };
  test('postgres alpine runs as 70, redis alpine as 999 of group 1000; variants not read are not checked', () => {
    expect(ref('postgres:16')).toMatchObject({ uid: 999, gid: 999 });
    expect(ref('postgres:16-alpine3.22')).toMatchObject({ uid: 70, gid: 70 });
    expect(ref('redis:7.2-alpine')).toMatchObject({ uid: 999, gid: 1000 });
    expect(ref('mysql:8.0-debian')).toBeUndefined();
    expect(ref('rabbitmq:4.1-alpine')).toBeUndefined();
    expect(ref('registry.example.com/postgres:16')).toBeUndefined();
  });

  test('a postgres alpine pod as 999 is warned of with the user it needs, 70', () => {
    const d = deployment('db', 'shop');
    d.spec.template.spec.containers = [{ name: 'db', image: 'postgres:17-alpine', securityContext: { runAsUser: 999 },
      env: [{ name: 'PGDATA', value: '/data/pgdata' }], volumeMounts: [{ name: 'data', mountPath: '/data' }] }];
    d.spec.template.spec.volumes = [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }];
    const found = analyze([d]).filter((f) => f.code === 'MESH051');
    expect(found).toHaveLength(1);
    expect(found[0].message).toContain('podSecurity: { runAsUser: 70, runAsGroup: 70, fsGroup: 70 }');
  });
});

describe('bitnami/postgresql: the directories its scripts write under a read-only root filesystem, as UID 1001', () => {
  // bitnami/containers bitnami/postgresql/17/debian-12: Dockerfile (USER 1001, VOLUME /bitnami/postgresql), postgresql-env.sh
  // (conf, tmp and logs under /opt/bitnami/postgresql; data in /bitnami/postgresql/data), entrypoint.sh and libpostgresql.sh.
  const BITNAMI_MOUNTS = [
    { volume: 'conf', path: '/opt/bitnami/postgresql/conf' }, { volume: 'pg-tmp', path: '/opt/bitnami/postgresql/tmp' },
    { volume: 'logs', path: '/opt/bitnami/postgresql/logs' },
  ];
  type Options = { env?: Record<string, any>; podSecurity?: Record<string, number>; mounts?: { volume: string; path: string }[]; args?: string[] };
  const bitnami = (o: Options = {}) => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'media-db', {
      image: 'bitnami/postgresql:17.5.0-debian-12-r0', ports: [{ port: 5432, protocol: 'tcp', name: 'tcp-postgresql' }],
      stateful: { volumeClaims: [VolumeClaim.of('data', { size: Size.gibibytes(10) })] },
      volumes: [WorkloadVolume.emptyDir('conf'), WorkloadVolume.emptyDir('pg-tmp'), WorkloadVolume.emptyDir('logs')],
      mounts: o.mounts ?? [{ volume: 'data', path: '/bitnami/postgresql' }],
      podSecurity: o.podSecurity ?? { runAsUser: 1001, runAsGroup: 1001, fsGroup: 1001 },
      ...(o.env ? { env: o.env } : {}),
      ...(o.args ? { args: o.args } : {}),
    });
    return app;
  };
  const codes = (manifests: Record<string, any>[]) => analyze(manifests).filter((f) => /MESH05[12]/.test(f.code))
    .map((f) => `${f.code} ${f.severity ?? 'error'} ${f.field}`);

  test('the image is known by its repository, as UID and group 1001; another registry\'s is not', () => {
    const ref = (image: string) => {
      const parsed = parseImageReference(image);
      if (parsed.error !== undefined) throw new Error(parsed.error);
      return officialImage(parsed.reference);
    };
    expect(ref('bitnami/postgresql:17')).toMatchObject({ name: 'bitnami/postgresql', uid: 1001, gid: 1001 });
    expect(ref('docker.io/bitnami/postgresql:16.4.0')).toMatchObject({ uid: 1001 });
    expect(ref('registry.example.com/bitnami/postgresql:17')).toBeUndefined();
    expect(ref('postgresql:17')).toBeUndefined();
  });

  test('with only its claim mounted, synth fails naming the conf and tmp directories its scripts write as it starts', () => {
    const err = synthError(bitnami({ mounts: [{ volume: 'data', path: '/bitnami/postgresql' }] }));
    expect(err).toMatch(/StatefulSet\/media-db: spec\.template\.spec\.containers\[0\]\.securityContext\.readOnlyRootFilesystem: container 'app' runs bitnami\/postgresql:17\.5\.0-debian-12-r0 as UID 1001, which writes its postgresql\.conf and pg_hba\.conf to \/opt\/bitnami\/postgresql\/conf as it starts; it is on the read-only root filesystem.*\[MESH052\]/);
    expect(err).toMatch(/writes its pid file to \/opt\/bitnami\/postgresql\/tmp as it starts; it is on the read-only root filesystem/);
    // AND its data directory, /bitnami/postgresql/data, with the claim elsewhere
    expect(synthError(bitnami({ mounts: [...BITNAMI_MOUNTS, { volume: 'data', path: '/data' }] })))
      .toMatch(/writes its data directory \(POSTGRESQL_DATA_DIR\) to \/bitnami\/postgresql\/data as it starts; it is on the read-only root filesystem/);
  });

  test("the chart's layout passes: emptyDirs on conf, tmp and logs, the claim on /bitnami/postgresql, as 1001", () => {
    expect(codes(synth(bitnami({ mounts: [...BITNAMI_MOUNTS, { volume: 'data', path: '/bitnami/postgresql' }] })))).toEqual([]);
  });

  test('its data directory as the claim\'s mount point, by default or by POSTGRESQL_DATA_DIR (over PGDATA), fails synth', () => {
    const at = [...BITNAMI_MOUNTS, { volume: 'data', path: '/bitnami/postgresql/data' }];
    expect(synthError(bitnami({ mounts: at })))
      .toMatch(/its POSTGRESQL_DATA_DIR \/bitnami\/postgresql\/data is the mount point of volume 'data'.*set POSTGRESQL_DATA_DIR to a directory below the mount \(\/bitnami\/postgresql\/data\/pgdata\) \[MESH052\]/);
    const mounted = [...BITNAMI_MOUNTS, { volume: 'data', path: '/pg' }];
    expect(synthError(bitnami({ mounts: mounted, env: { POSTGRESQL_DATA_DIR: EnvVarValue.of('/pg'), PGDATA: EnvVarValue.of('/pg/data') } })))
      .toMatch(/its POSTGRESQL_DATA_DIR \/pg is the mount point of volume 'data'/);
    expect(codes(synth(bitnami({ mounts: mounted, env: { PGDATA: EnvVarValue.of('/pg/data') } })))).toEqual([]);
    expect(codes(synth(bitnami({ mounts: mounted, env: { POSTGRESQL_VOLUME_DIR: EnvVarValue.of('/pg') } })))).toEqual([]);
  });

  test('as the library\'s UID 10001 with its data on a claim: a warning naming UID 1001', () => {
    const out = synth(bitnami({ mounts: [...BITNAMI_MOUNTS, { volume: 'data', path: '/bitnami/postgresql' }], podSecurity: {} }));
    const found = analyze(out).filter((f) => f.code === 'MESH051');
    expect(found.map((f) => `${f.severity} ${f.field}`)).toEqual(['warning spec.template.spec.containers[0].securityContext.runAsUser']);
    expect(found[0].message).toContain('the image runs as UID 1001 (1001; bitnami/containers bitnami/postgresql Dockerfile (USER 1001))');
    expect(found[0].message).toContain('podSecurity: { runAsUser: 1001, runAsGroup: 1001, fsGroup: 1001 }');
  });

  test('hand-written without runAsUser it runs as its USER 1001 and is checked; arguments its entrypoint execs instead are not', () => {
    const d = deployment('db', 'shop');
    d.spec.template.spec.securityContext = {};
    d.spec.template.spec.containers = [{ name: 'db', image: 'bitnami/postgresql:17', securityContext: { readOnlyRootFilesystem: true } }];
    expect(codes([d])).toEqual([
      'MESH052 error spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem',
      'MESH052 error spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem',
      'MESH052 error spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem',
    ]);
    d.spec.template.spec.containers[0].args = ['-c', 'max_connections=200'];
    expect(codes([d])).toEqual([]);
    d.spec.template.spec.containers[0].args = ['/opt/bitnami/scripts/postgresql/run.sh'];
    expect(codes([d])).toHaveLength(3);
  });
});

describe('emqx: its data directory under a read-only root filesystem, as UID 1000', () => {
  // emqx/emqx-docker 5.8/Dockerfile and emqx/emqx deploy/docker/Dockerfile (useradd -u 1000, USER emqx, VOLUME /opt/emqx/log and
  // /opt/emqx/data); bin/emqx writes data/configs (app.<time>.config, vm.<time>.args) and data/mnesia as it boots.
  type Options = {
    image?: string; env?: Record<string, any>; podSecurity?: Record<string, number>; mounts?: { volume: string; path: string }[]; args?: string[];
  };
  const emqx = (o: Options = {}) => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'broker', {
      image: o.image ?? 'emqx/emqx:5.8.6', ports: [{ port: 1883, protocol: 'tcp', name: 'tcp-mqtt' }],
      stateful: { volumeClaims: [VolumeClaim.of('data', { size: Size.gibibytes(5) })] },
      volumes: [WorkloadVolume.emptyDir('log')],
      mounts: o.mounts ?? [{ volume: 'data', path: '/opt/emqx/data' }],
      podSecurity: o.podSecurity ?? { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 },
      ...(o.env ? { env: o.env } : {}),
      ...(o.args ? { args: o.args } : {}),
    });
    return app;
  };
  const codes = (manifests: Record<string, any>[]) => analyze(manifests).filter((f) => /MESH05[12]/.test(f.code))
    .map((f) => `${f.code} ${f.severity ?? 'error'} ${f.field}`);
  const ref = (image: string) => {
    const parsed = parseImageReference(image);
    if (parsed.error !== undefined) throw new Error(parsed.error);
    return officialImage(parsed.reference);
  };

  test('emqx/emqx and the official emqx are known as UID and group 1000; emqx/emqx 4.x is not checked', () => {
    expect(ref('emqx/emqx:5.8.6')).toMatchObject({ name: 'emqx/emqx', uid: 1000, gid: 1000, user: 'emqx' });
    expect(ref('emqx:5.8')).toMatchObject({ name: 'emqx', uid: 1000, gid: 1000 });
    expect(ref('docker.io/emqx/emqx:latest')).toMatchObject({ uid: 1000 });
    expect(ref('emqx/emqx:4.4.19')).toBeUndefined();
    expect(ref('emqx/emqx:v4.0.0')).toBeUndefined();
    expect(ref('emqx/emqx-enterprise:5.8.6')).toBeUndefined();
  });

  test('with nothing mounted at its data directory, synth fails naming /opt/emqx/data', () => {
    expect(synthError(emqx({ mounts: [{ volume: 'data', path: '/data' }] })))
      .toMatch(/StatefulSet\/broker: spec\.template\.spec\.containers\[0\]\.securityContext\.readOnlyRootFilesystem: container 'app' runs emqx\/emqx:5\.8\.6 as UID 1000, which writes its data directory \(EMQX_NODE__DATA_DIR\) to \/opt\/emqx\/data as it starts; it is on the read-only root filesystem.*\[MESH052\]/);
    // AND the official image, by EMQX_NODE__DATA_DIR
    expect(synthError(emqx({ image: 'emqx:5.8.2', mounts: [{ volume: 'data', path: '/opt/emqx/data' }], env: { EMQX_NODE__DATA_DIR: EnvVarValue.of('/var/lib/emqx') } })))
      .toMatch(/runs emqx:5\.8\.2 as UID 1000, which writes its data directory \(EMQX_NODE__DATA_DIR\) to \/var\/lib\/emqx as it starts/);
  });

  test('its claim at /opt/emqx/data passes (a mount point it may own), or an emptyDir, or the claim where EMQX_NODE__DATA_DIR puts it', () => {
    expect(codes(synth(emqx()))).toEqual([]);
    expect(codes(synth(emqx({ mounts: [{ volume: 'log', path: '/opt/emqx/data' }, { volume: 'data', path: '/data' }] })))).toEqual([]);
    expect(codes(synth(emqx({ mounts: [{ volume: 'data', path: '/var/lib/emqx' }], env: { EMQX_NODE__DATA_DIR: EnvVarValue.of('/var/lib/emqx/') } })))).toEqual([]);
    // A data directory relative to /opt/emqx is not worked out: not checked.
    expect(codes(synth(emqx({ mounts: [{ volume: 'data', path: '/data' }], env: { EMQX_NODE__DATA_DIR: EnvVarValue.of('data') } })))).toEqual([]);
  });

  test('as the library\'s UID 10001 with its data on a claim: a warning naming UID 1000; its logs on a claim too', () => {
    const found = analyze(synth(emqx({ podSecurity: {} }))).filter((f) => f.code === 'MESH051');
    expect(found.map((f) => `${f.severity} ${f.field}`)).toEqual(['warning spec.template.spec.containers[0].securityContext.runAsUser']);
    expect(found[0].message).toContain("keeps its data directory (EMQX_NODE__DATA_DIR) (/opt/emqx/data) on claim 'data'");
    expect(found[0].message).toContain('the image runs as UID 1000 (emqx; emqx/emqx deploy/docker/Dockerfile (useradd -u 1000, USER emqx))');
    expect(found[0].message).toContain('podSecurity: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 }');
    const logs = emqx({ podSecurity: { runAsUser: 1001 }, mounts: [{ volume: 'log', path: '/opt/emqx/data' }, { volume: 'data', path: '/logs' }],
      env: { EMQX_LOG_DIR: EnvVarValue.of('/logs') } });
    expect(analyze(synth(logs)).filter((f) => f.code === 'MESH051').map((f) => f.message))
      .toEqual([expect.stringContaining("keeps its log files (/logs) on claim 'data'")]);
  });

  test('hand-written without runAsUser it runs as its USER 1000 and is checked, by its command\'s name too; other commands are not', () => {
    const d = deployment('broker', 'iot');
    d.spec.template.spec.securityContext = {};
    d.spec.template.spec.containers = [{ name: 'emqx', image: 'emqx/emqx:5.8.6', securityContext: { readOnlyRootFilesystem: true } }];
    expect(codes([d])).toEqual(['MESH052 error spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem']);
    d.spec.template.spec.containers[0].args = ['emqx', 'foreground'];
    expect(codes([d])).toHaveLength(1);
    d.spec.template.spec.containers[0].args = ['/opt/emqx/bin/emqx', 'foreground'];
    expect(codes([d])).toHaveLength(1);
    d.spec.template.spec.containers[0].args = ['sleep', 'infinity'];
    expect(codes([d])).toEqual([]);
    d.spec.template.spec.containers[0].args = ['-x'];
    expect(codes([d])).toEqual([]);
  });
});

describe('apache/kafka: its config, logs and log.dirs under a read-only root filesystem, as UID 1000', () => {
  // apache/kafka docker/jvm/Dockerfile (adduser appuser, USER appuser, CMD /etc/kafka/docker/run); its configure and launch write
  // /opt/kafka/config and format log.dirs; kafka-server-start.sh's -loggc writes /opt/kafka/logs/kafkaServer-gc.log.
  type Options = { env?: Record<string, any>; podSecurity?: Record<string, number>; mounts?: { volume: string; path: string }[] };
  const KAFKA_MOUNTS = [{ volume: 'config', path: '/opt/kafka/config' }, { volume: 'logs', path: '/opt/kafka/logs' }];
  const kafka = (o: Options = {}) => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'events', {
      image: 'apache/kafka:3.9.0', ports: [{ port: 9092, protocol: 'tcp', name: 'tcp-kafka' }],
      stateful: { volumeClaims: [VolumeClaim.of('data', { size: Size.gibibytes(20) })] },
      volumes: [WorkloadVolume.emptyDir('config'), WorkloadVolume.emptyDir('logs')],
      mounts: o.mounts ?? [...KAFKA_MOUNTS, { volume: 'data', path: '/var/lib/kafka/data' }],
      podSecurity: o.podSecurity ?? { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 },
      env: o.env ?? { KAFKA_LOG_DIRS: EnvVarValue.of('/var/lib/kafka/data') },
    });
    return app;
  };
  const codes = (manifests: Record<string, any>[]) => analyze(manifests).filter((f) => /MESH05[12]/.test(f.code))
    .map((f) => `${f.code} ${f.severity ?? 'error'} ${f.field}`);

  test('the image is known by its repository, as UID and group 1000; kafka is not', () => {
    const ref = (image: string) => {
      const parsed = parseImageReference(image);
      if (parsed.error !== undefined) throw new Error(parsed.error);
      return officialImage(parsed.reference);
    };
    expect(ref('apache/kafka:3.7.0')).toMatchObject({ name: 'apache/kafka', uid: 1000, gid: 1000, user: 'appuser' });
    expect(ref('docker.io/apache/kafka:latest')).toMatchObject({ uid: 1000 });
    expect(ref('kafka:3.7.0')).toBeUndefined();
    // apache/kafka-native is another image (docker/native/Dockerfile), known apart.
    expect(ref('apache/kafka-native:3.8.0')).toMatchObject({ name: 'apache/kafka-native', source: expect.stringContaining('docker/native/Dockerfile') });
  });

  test('with only its claim mounted, synth fails naming /opt/kafka/config and /opt/kafka/logs', () => {
    const err = synthError(kafka({ mounts: [{ volume: 'data', path: '/var/lib/kafka/data' }] }));
    expect(err).toMatch(/StatefulSet\/events: spec\.template\.spec\.containers\[0\]\.securityContext\.readOnlyRootFilesystem: container 'app' runs apache\/kafka:3\.9\.0 as UID 1000, which writes its server\.properties and log4j\.properties to \/opt\/kafka\/config as it starts; it is on the read-only root filesystem.*\[MESH052\]/);
    expect(err).toMatch(/writes its GC log and log files to \/opt\/kafka\/logs as it starts; it is on the read-only root filesystem/);
    // AND its KAFKA_LOG_DIRS with the claim elsewhere, and LOG_DIR moving its logs onto the root filesystem
    expect(synthError(kafka({ mounts: [...KAFKA_MOUNTS, { volume: 'data', path: '/data' }] })))
      .toMatch(/writes its data directory \(KAFKA_LOG_DIRS\) to \/var\/lib\/kafka\/data as it starts; it is on the read-only root filesystem/);
    expect(synthError(kafka({ env: { KAFKA_LOG_DIRS: EnvVarValue.of('/var/lib/kafka/data'), LOG_DIR: EnvVarValue.of('/var/log/kafka') } })))
      .toMatch(/writes its GC log and log files to \/var\/log\/kafka as it starts/);
    // EXTRA_ARGS without -loggc, or KAFKA_GC_LOG_OPTS, decide the GC log: its logs directory is then not checked.
    const config = [{ volume: 'config', path: '/opt/kafka/config' }, { volume: 'data', path: '/var/lib/kafka/data' }];
    expect(codes(synth(kafka({ mounts: config, env: { KAFKA_LOG_DIRS: EnvVarValue.of('/var/lib/kafka/data'), EXTRA_ARGS: EnvVarValue.of('-name kafkaServer') } }))))
      .toEqual([]);
    expect(codes(synth(kafka({ mounts: config, env: { KAFKA_LOG_DIRS: EnvVarValue.of('/var/lib/kafka/data'), KAFKA_GC_LOG_OPTS: EnvVarValue.of(' ') } }))))
      .toEqual([]);
  });

  test('emptyDirs on its config and logs and its claim at KAFKA_LOG_DIRS (a mount point it may own) pass', () => {
    expect(codes(synth(kafka()))).toEqual([]);
    expect(codes(synth(kafka({ env: { KAFKA_LOG_DIRS: EnvVarValue.of('/var/lib/kafka/data/logs'), LOG_DIR: EnvVarValue.of('/var/lib/kafka/data/app') } }))))
      .toEqual([]);
    // Its log.dirs where KAFKA_LOG_DIRS does not say, or says several: not checked.
    expect(codes(synth(kafka({ env: {}, mounts: [...KAFKA_MOUNTS, { volume: 'data', path: '/data' }] })))).toEqual([]);
    expect(codes(synth(kafka({ env: { KAFKA_LOG_DIRS: EnvVarValue.of('/a,/b') }, mounts: [...KAFKA_MOUNTS, { volume: 'data', path: '/a' }] }))))
      .toEqual([]);
  });

  test('as the library\'s UID 10001 with its data on a claim: a warning naming UID 1000', () => {
    const found = analyze(synth(kafka({ podSecurity: {} }))).filter((f) => f.code === 'MESH051');
    expect(found.map((f) => `${f.severity} ${f.field}`)).toEqual(['warning spec.template.spec.containers[0].securityContext.runAsUser']);
    expect(found[0].message).toContain("keeps its data directory (KAFKA_LOG_DIRS) (/var/lib/kafka/data) on claim 'data'");
    expect(found[0].message).toContain('the image runs as UID 1000 (appuser; apache/kafka docker/jvm/Dockerfile (adduser appuser, UID 1000; USER appuser))');
    expect(found[0].message).toContain('podSecurity: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 }');
  });

  test('hand-written without runAsUser it runs as appuser and is checked; arguments run instead of its run script are not', () => {
    const d = deployment('events', 'shop');
    d.spec.template.spec.securityContext = {};
    d.spec.template.spec.containers = [{ name: 'kafka', image: 'apache/kafka:3.8.1', securityContext: { readOnlyRootFilesystem: true } }];
    // Its config, its logs and, with no KAFKA_LOG_DIRS, its default log.dirs under /tmp, all on the read-only root filesystem.
    expect(codes([d])).toEqual([
      'MESH052 error spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem',
      'MESH052 error spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem',
      'MESH052 error spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem',
    ]);
    expect(analyze([d]).filter((f) => f.code === 'MESH052')[2].message).toContain(
      "writes its data directory (log.dirs, with no KAFKA_LOG_DIRS: the image's /tmp/kraft-combined-logs, or Kafka's /tmp/kafka-logs) to /tmp/kraft-combined-logs as it starts");
    d.spec.template.spec.containers[0].args = ['/etc/kafka/docker/run'];
    expect(codes([d])).toHaveLength(3);
    d.spec.template.spec.containers[0].args = ['/opt/kafka/bin/kafka-topics.sh', '--list'];
    expect(codes([d])).toEqual([]);
  });
});

describe('nginx: its temporary files and pid file under a read-only root filesystem; the port its default.conf listens on', () => {
  // nginxinc/docker-nginx mainline/debian/Dockerfile (useradd --uid 101, no USER, EXPOSE 80, CMD nginx); the package's nginx.conf
  // writes /var/run/nginx.pid and creates /var/cache/nginx/*_temp as nginx starts; its default.conf listens on 80.
  type Options = {
    image?: string; port?: number; targetPort?: number; mounts?: { volume: string; path: string }[]; volumes?: WorkloadVolume[];
    podSecurity?: Record<string, number>; env?: Record<string, any>; args?: string[];
  };
  const NGINX_MOUNTS = [{ volume: 'cache', path: '/var/cache/nginx' }, { volume: 'run', path: '/var/run' }];
  const web = (o: Options = {}) => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'storefront', {
      image: o.image ?? 'nginx:1.27', ports: [{ port: o.port ?? 80, protocol: 'http', name: 'http', targetPort: o.targetPort }],
      volumes: o.volumes ?? [WorkloadVolume.emptyDir('cache'), WorkloadVolume.emptyDir('run')],
      mounts: o.mounts ?? NGINX_MOUNTS,
      ...(o.podSecurity ? { podSecurity: o.podSecurity } : {}),
      ...(o.env ? { env: o.env } : {}),
      ...(o.args ? { args: o.args } : {}),
    });
    return app;
  };
  const codes = (manifests: Record<string, any>[]) => analyze(manifests).filter((f) => /MESH05[12]|MESH065/.test(f.code))
    .map((f) => `${f.code} ${f.severity ?? 'error'} ${f.field}`);
  const ref = (image: string) => {
    const parsed = parseImageReference(image);
    if (parsed.error !== undefined) throw new Error(parsed.error);
    return officialImage(parsed.reference);
  };

  test('the official nginx is known, its alpine variants alike, as the UID 101 its workers run as; it starts as root', () => {
    expect(ref('nginx:1.27')).toMatchObject({ name: 'nginx', uid: 101, gid: 101, user: 'nginx', server: 'nginx' });
    expect(ref('nginx:1.27-alpine-slim')).toMatchObject({ uid: 101 });
    expect(ref('docker.io/library/nginx')).toMatchObject({ uid: 101 });
    expect(ref('nginx:1.27')?.startsAsUser).toBeUndefined();
    expect(ref('registry.example.com/nginx:1.27')).toBeUndefined();
  });

  test('the team\'s nginx:1.27 under the default pod security fails synth naming /var/cache/nginx and /var/run', () => {
    const err = synthError(web({ mounts: [], volumes: [] }));
    expect(err).toMatch(/Deployment\/storefront: spec\.template\.spec\.containers\[0\]\.securityContext\.readOnlyRootFilesystem: container 'app' runs nginx:1\.27 as UID 10001, which writes its temporary files \(client_temp, proxy_temp and the others\) to \/var\/cache\/nginx as it starts; it is on the read-only root filesystem.*\[MESH052\]/);
    expect(err).toMatch(/runs nginx:1\.27 as UID 10001, which writes its pid file \(nginx\.pid\) to \/var\/run as it starts; it is on the read-only root filesystem/);
    // Only the pid file's directory missing; a ConfigMap over the cache
    expect(synthError(web({ mounts: [NGINX_MOUNTS[0]] }))).toMatch(/writes its pid file \(nginx\.pid\) to \/var\/run as it starts/);
    const app = web({ volumes: [WorkloadVolume.configMap('cache', 'site'), WorkloadVolume.emptyDir('run')] });
    expect(synthError(app)).toMatch(/containers\[0\]\.volumeMounts\[\d\]: .*writes its temporary files .* to \/var\/cache\/nginx as it starts; it is on read-only volume 'cache'/);
  });

  test('emptyDirs at /var/cache/nginx and /var/run (or /run, the same directory) pass, as any user', () => {
    expect(codes(synth(web()))).toEqual([]);
    expect(codes(synth(web({ mounts: [NGINX_MOUNTS[0], { volume: 'run', path: '/run' }] })))).toEqual([]);
    expect(codes(synth(web({ podSecurity: { runAsUser: 101, runAsGroup: 101, fsGroup: 101 } })))).toEqual([]);
  });

  test('a port its default.conf does not listen on fails synth; its own server block, templates or -c leave it unchecked', () => {
    const err = synthError(web({ port: 8080 }));
    expect(err).toMatch(/Deployment\/storefront: spec\.template\.spec\.containers\[0\]\.ports\[0\]\.containerPort: container 'app' declares port 8080, but nginx:1\.27 listens on 80 only \(its \/etc\/nginx\/conf\.d\/default\.conf: listen 80; nginxinc\/docker-nginx Dockerfile .*\): nothing answers on 8080; target 80 \(a MeshService port's targetPort: 80\).*\[MESH065\]/);
    expect(codes(synth(web({ port: 8080, targetPort: 80 })))).toEqual([]);
    const own = web({ port: 8080, volumes: [WorkloadVolume.emptyDir('cache'), WorkloadVolume.emptyDir('run'), WorkloadVolume.configMap('site', 'site')],
      mounts: [...NGINX_MOUNTS, { volume: 'site', path: '/etc/nginx/conf.d' }] });
    expect(codes(synth(own))).toEqual([]);
    expect(codes(synth(web({ port: 8080, env: { NGINX_ENVSUBST_TEMPLATE_DIR: EnvVarValue.of('/srv/templates') } })))).toEqual([]);
    expect(codes(synth(web({ port: 8080, args: ['nginx', '-c', '/srv/nginx.conf', '-g', 'daemon off;'] })))).toEqual([]);
  });

  test('hand-written: the pid directory on a read-only root, a port of another protocol, a command of its own', () => {
    const d = deployment('storefront', 'shop', { ports: { http: 8080 } });
    d.spec.template.spec.securityContext = { runAsUser: 101 };
    d.spec.template.spec.volumes = [{ name: 'cache', emptyDir: {} }];
    d.spec.template.spec.containers[0] = { ...d.spec.template.spec.containers[0], image: 'nginx:1.27-alpine',
      securityContext: { readOnlyRootFilesystem: true }, volumeMounts: [{ name: 'cache', mountPath: '/var/cache/nginx' }] };
    expect(codes([d])).toEqual([
      'MESH052 error spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem',
      'MESH065 error spec.template.spec.containers[0].ports[0].containerPort',
    ]);
    d.spec.template.spec.containers[0].ports = [{ name: 'http', containerPort: 80 }, { name: 'dns', containerPort: 53, protocol: 'UDP' }];
    expect(codes([d])).toEqual(['MESH052 error spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem']);
    d.spec.template.spec.containers[0].args = ['nginx-debug', '-g', 'daemon off;'];
    expect(codes([d])).toHaveLength(1);
    // Root (its own master process) is not checked for its directories; its port is.
    d.spec.template.spec.securityContext = {};
    d.spec.template.spec.containers[0].ports = [{ name: 'http', containerPort: 8080 }];
    expect(codes([d])).toEqual(['MESH065 error spec.template.spec.containers[0].ports[0].containerPort']);
    d.spec.template.spec.containers[0].args = ['sh', '-c', 'nginx -g "daemon off;"'];
    expect(codes([d])).toEqual([]);
  });
});

describe('nginxinc/nginx-unprivileged: its pid file and temporary files in /tmp, as UID 101, listening on 8080', () => {
  // nginxinc/docker-nginx-unprivileged mainline/debian/Dockerfile: `listen 8080`, pid and *_temp_path in /tmp, USER $UID (101).
  const web = (port: number, targetPort?: number) => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'storefront', {
      image: 'nginxinc/nginx-unprivileged:1.27-alpine', ports: [{ port, protocol: 'http', name: 'http', targetPort }],
    });
    return app;
  };
  const codes = (manifests: Record<string, any>[]) => analyze(manifests).filter((f) => /MESH05[12]|MESH065/.test(f.code))
    .map((f) => `${f.code} ${f.severity ?? 'error'} ${f.field}`);

  test('the image is known by its repository, as UID and group 101, starting as its user', () => {
    const parsed = parseImageReference('nginxinc/nginx-unprivileged:stable');
    if (parsed.error !== undefined) throw new Error(parsed.error);
    expect(officialImage(parsed.reference)).toMatchObject({ name: 'nginxinc/nginx-unprivileged', uid: 101, gid: 101, startsAsUser: true });
  });

  test('the team\'s port 80 fails synth naming 8080; targeting 8080 passes with nothing but the library\'s /tmp emptyDir', () => {
    expect(synthError(web(80))).toMatch(/Deployment\/storefront: spec\.template\.spec\.containers\[0\]\.ports\[0\]\.containerPort: container 'app' declares port 80, but nginxinc\/nginx-unprivileged:1\.27-alpine listens on 8080 only \(its \/etc\/nginx\/conf\.d\/default\.conf: listen 8080; nginxinc\/docker-nginx-unprivileged Dockerfile \(ARG UID=101, USER \$UID\)\): nothing answers on 80; target 8080 \(a MeshService port's targetPort: 8080\).*\[MESH065\]/);
    expect(codes(synth(web(80, 8080)))).toEqual([]);
    expect(codes(synth(web(8080)))).toEqual([]);
  });

  test('hand-written without runAsUser it runs as its USER 101: /tmp on a read-only root fails, an emptyDir there passes', () => {
    const d = deployment('storefront', 'shop', { ports: { http: 8080 } });
    d.spec.template.spec.containers[0] = { ...d.spec.template.spec.containers[0], image: 'nginxinc/nginx-unprivileged:1.27',
      securityContext: { readOnlyRootFilesystem: true } };
    expect(codes([d])).toEqual(['MESH052 error spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem']);
    expect(analyze([d]).find((f) => f.code === 'MESH052')?.message).toContain(
      'runs nginxinc/nginx-unprivileged:1.27 as UID 101, which writes its pid file and temporary files (nginx.pid, client_temp and the others) to /tmp');
    d.spec.template.spec.volumes = [{ name: 'tmp', emptyDir: {} }];
    d.spec.template.spec.containers[0].volumeMounts = [{ name: 'tmp', mountPath: '/tmp' }];
    expect(codes([d])).toEqual([]);
  });
});

describe('bitnami/nginx: its pid file and temporary files in /opt/bitnami/nginx/tmp, as UID 1001, listening on 8080', () => {
  // bitnami/containers bitnami/nginx/1.27/debian-12: USER 1001, nginx.conf's pid and *_temp_path in /opt/bitnami/nginx/tmp,
  // `listen 8080` (postunpack.sh), its entrypoint filling conf from conf.default, setup.sh only for run.sh.
  type Options = {
    port?: number; targetPort?: number; mounts?: { volume: string; path: string }[]; volumes?: WorkloadVolume[]; env?: Record<string, any>;
  };
  const web = (o: Options = {}) => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'storefront', {
      image: 'bitnami/nginx:1.27.3-debian-12-r5', ports: [{ port: o.port ?? 8080, protocol: 'http', name: 'http', targetPort: o.targetPort }],
      volumes: o.volumes ?? [WorkloadVolume.emptyDir('conf'), WorkloadVolume.emptyDir('nginx-tmp')],
      mounts: o.mounts ?? [{ volume: 'nginx-tmp', path: '/opt/bitnami/nginx/tmp' }],
      ...(o.env ? { env: o.env } : {}),
    });
    return app;
  };
  const codes = (manifests: Record<string, any>[]) => analyze(manifests).filter((f) => /MESH05[12]|MESH065/.test(f.code))
    .map((f) => `${f.code} ${f.severity ?? 'error'} ${f.field}`);
  const ref = (image: string) => {
    const parsed = parseImageReference(image);
    if (parsed.error !== undefined) throw new Error(parsed.error);
    return officialImage(parsed.reference);
  };

  test('the image is known by its repository, as UID 1001; its tags before nginx 1.20 are not checked', () => {
    expect(ref('bitnami/nginx:1.27')).toMatchObject({ name: 'bitnami/nginx', uid: 1001, gid: 1001, startsAsUser: true });
    expect(ref('bitnami/nginx:latest')).toMatchObject({ uid: 1001 });
    expect(ref('bitnami/nginx:1.20.2-debian-11-r0')).toMatchObject({ uid: 1001 });
    expect(ref('bitnami/nginx:1.18.0-debian-10-r1')).toBeUndefined();
    expect(ref('bitnami/nginx:1.9')).toBeUndefined();
  });

  test('without a volume at /opt/bitnami/nginx/tmp synth fails naming it; an emptyDir there passes', () => {
    expect(synthError(web({ mounts: [] }))).toMatch(/Deployment\/storefront: spec\.template\.spec\.containers\[0\]\.securityContext\.readOnlyRootFilesystem: container 'app' runs bitnami\/nginx:1\.27\.3-debian-12-r5 as UID 10001, which writes its pid file and temporary files to \/opt\/bitnami\/nginx\/tmp as it starts; it is on the read-only root filesystem.*\[MESH052\]/);
    expect(codes(synth(web()))).toEqual([]);
  });

  test('a port it does not listen on fails synth naming 8080; 8443, NGINX_HTTP_PORT_NUMBER or server blocks of its own are not checked', () => {
    expect(synthError(web({ port: 80 }))).toMatch(/containers\[0\]\.ports\[0\]\.containerPort: container 'app' declares port 80, but bitnami\/nginx:1\.27\.3-debian-12-r5 listens on 8080 only \(its nginx\.conf: listen 8080; .*\): nothing answers on 80; target 8080.*\[MESH065\]/);
    expect(codes(synth(web({ port: 80, targetPort: 8080 })))).toEqual([]);
    expect(codes(synth(web({ port: 8443 })))).toEqual([]);
    // Its conf an emptyDir (which its entrypoint fills from conf.default): still its own configuration.
    const conf = [{ volume: 'nginx-tmp', path: '/opt/bitnami/nginx/tmp' }, { volume: 'conf', path: '/opt/bitnami/nginx/conf' }];
    expect(synthError(web({ port: 80, mounts: conf }))).toMatch(/declares port 80, but bitnami\/nginx:1\.27\.3-debian-12-r5 listens on 8080 only.*\[MESH065\]/);
    expect(codes(synth(web({ port: 9000, mounts: conf, env: { NGINX_HTTP_PORT_NUMBER: EnvVarValue.of('9000') } })))).toEqual([]);
    const blocks = web({ port: 9000, volumes: [WorkloadVolume.configMap('conf', 'blocks'), WorkloadVolume.emptyDir('nginx-tmp')],
      mounts: [{ volume: 'nginx-tmp', path: '/opt/bitnami/nginx/tmp' }, { volume: 'conf', path: '/opt/bitnami/nginx/conf/server_blocks' }] });
    expect(codes(synth(blocks))).toEqual([]);
  });
});

describe('apache/kafka-native: its config directory under a read-only root filesystem, as UID 1000; no GC log', () => {
  // apache/kafka docker/native/Dockerfile (adduser appuser, USER appuser, no data volume); its configure and launch write
  // /opt/kafka/config and format log.dirs, then start kafka.Kafka with its log4j files in /opt/kafka/logs (not fatal).
  type Options = { env?: Record<string, any>; podSecurity?: Record<string, number>; mounts?: { volume: string; path: string }[] };
  const kafka = (o: Options = {}) => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'events', {
      image: 'apache/kafka-native:3.9.0', ports: [{ port: 9092, protocol: 'tcp', name: 'tcp-kafka' }],
      stateful: { volumeClaims: [VolumeClaim.of('data', { size: Size.gibibytes(20) })] },
      volumes: [WorkloadVolume.emptyDir('config')],
      mounts: o.mounts ?? [{ volume: 'config', path: '/opt/kafka/config' }, { volume: 'data', path: '/var/lib/kafka/data' }],
      podSecurity: o.podSecurity ?? { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 },
      env: o.env ?? { KAFKA_LOG_DIRS: EnvVarValue.of('/var/lib/kafka/data') },
    });
    return app;
  };
  const codes = (manifests: Record<string, any>[]) => analyze(manifests).filter((f) => /MESH05[12]/.test(f.code))
    .map((f) => `${f.code} ${f.severity ?? 'error'} ${f.field}`);

  test('the image is known by its repository, as UID and group 1000 (appuser)', () => {
    const parsed = parseImageReference('apache/kafka-native:3.8.0');
    if (parsed.error !== undefined) throw new Error(parsed.error);
    expect(officialImage(parsed.reference)).toMatchObject({ uid: 1000, gid: 1000, user: 'appuser', server: '/etc/kafka/docker/run' });
  });

  test('without a volume at /opt/kafka/config synth fails naming it; /opt/kafka/logs (log4j\'s files only) is not required', () => {
    const err = synthError(kafka({ mounts: [{ volume: 'data', path: '/var/lib/kafka/data' }] }));
    expect(err).toMatch(/StatefulSet\/events: spec\.template\.spec\.containers\[0\]\.securityContext\.readOnlyRootFilesystem: container 'app' runs apache\/kafka-native:3\.9\.0 as UID 1000, which writes its server\.properties and log4j\.properties to \/opt\/kafka\/config as it starts.*\[MESH052\]/);
    expect(err).not.toContain('/opt/kafka/logs');
    expect(codes(synth(kafka()))).toEqual([]);
  });

  test('its KAFKA_LOG_DIRS on the read-only root fails synth; as UID 10001 with it on a claim, a warning naming UID 1000', () => {
    expect(synthError(kafka({ mounts: [{ volume: 'config', path: '/opt/kafka/config' }, { volume: 'data', path: '/data' }] })))
      .toMatch(/writes its data directory \(KAFKA_LOG_DIRS\) to \/var\/lib\/kafka\/data as it starts; it is on the read-only root filesystem/);
    const found = analyze(synth(kafka({ podSecurity: {} }))).filter((f) => f.code === 'MESH051');
    expect(found[0]?.message).toContain('the image runs as UID 1000 (appuser; apache/kafka docker/native/Dockerfile (adduser appuser, UID 1000; USER appuser))');
  });
});

describe('Kafka\'s default log.dirs under /tmp, and MESH066: a data directory on an emptyDir beside a claim', () => {
  // config/kraft/server.properties `log.dirs=/tmp/kraft-combined-logs`, copied by KafkaDockerWrapper when no KAFKA_ variable names
  // server properties; with some, Kafka's own log.dir /tmp/kafka-logs. Either is on the library's /tmp emptyDir.
  const kafka = (image: string, env: Record<string, EnvVarValue>, extra: { volume: string; path: string }[] = []) => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'events', {
      image, ports: [{ port: 9092, protocol: 'tcp', name: 'tcp-kafka' }],
      stateful: { volumeClaims: [VolumeClaim.of('data', { size: Size.gibibytes(20) })] },
      volumes: [WorkloadVolume.emptyDir('config'), WorkloadVolume.emptyDir('logs'), WorkloadVolume.configMap('shared', 'kafka')],
      mounts: [{ volume: 'config', path: '/opt/kafka/config' }, { volume: 'logs', path: '/opt/kafka/logs' }, { volume: 'data', path: '/var/lib/kafka/data' }, ...extra],
      podSecurity: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 }, env,
    });
    return app;
  };
  const found = (manifests: Record<string, any>[]) => analyze(manifests).filter((f) => /MESH05[12]|MESH066/.test(f.code));

  test('no KAFKA_LOG_DIRS: its log.dirs on the /tmp emptyDir while the claim holds nothing is warned of, naming KAFKA_LOG_DIRS', () => {
    for (const image of ['apache/kafka:3.9.0', 'apache/kafka-native:3.9.0']) {
      const f = found(synth(kafka(image, { KAFKA_NODE_ID: EnvVarValue.of('1') })));
      expect(f.map((x) => `${x.code} ${x.severity} ${x.field}`)).toEqual(['MESH066 warning spec.template.spec.containers[0].volumeMounts[0]']);
      expect(f[0].message).toBe(`container 'app' runs ${image} and keeps its data directory (log.dirs, with no KAFKA_LOG_DIRS: the image's `
        + "/tmp/kraft-combined-logs, or Kafka's /tmp/kafka-logs) at /tmp/kraft-combined-logs, on emptyDir 'tmp', which is deleted with the pod, "
        + "while claim 'data' (/var/lib/kafka/data) holds none of it: set KAFKA_LOG_DIRS: /var/lib/kafka/data");
    }
    expect(found(synth(kafka('apache/kafka:3.9.0', { KAFKA_LOG_DIRS: EnvVarValue.of('/var/lib/kafka/data') })))).toEqual([]);
  });

  test('KAFKA_LOG_DIR, an envFrom, a server.properties mounted in /mnt/shared/config, or the two defaults apart: not checked', () => {
    expect(found(synth(kafka('apache/kafka:3.9.0', { KAFKA_LOG_DIR: EnvVarValue.of('/var/lib/kafka/data') })))).toEqual([]);
    expect(found(synth(kafka('apache/kafka:3.9.0', {}, [{ volume: 'shared', path: '/mnt/shared/config' }])))).toEqual([]);
    // A volume at /tmp/kraft-combined-logs alone: Kafka's /tmp/kafka-logs would be on the /tmp emptyDir, another volume.
    expect(found(synth(kafka('apache/kafka:3.9.0', {}, [{ volume: 'logs', path: '/tmp/kraft-combined-logs' }])))).toEqual([]);
    const d = deployment('events', 'shop');
    d.spec.template.spec.securityContext = {};
    d.spec.template.spec.containers = [{ name: 'kafka', image: 'apache/kafka-native:3.9.0', envFrom: [{ configMapRef: { name: 'kafka' } }],
      securityContext: { readOnlyRootFilesystem: true }, volumeMounts: [{ name: 'config', mountPath: '/opt/kafka/config' }] }];
    d.spec.template.spec.volumes = [{ name: 'config', emptyDir: {} }];
    expect(found([d])).toEqual([]);
    delete d.spec.template.spec.containers[0].envFrom;
    expect(found([d]).map((f) => f.message)).toEqual([expect.stringContaining('to /tmp/kraft-combined-logs as it starts; it is on the read-only root filesystem')]);
  });

  test('other images\' data directories on an emptyDir beside a claim: emqx\'s by default, postgres\'s PGDATA', () => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'broker', {
      image: 'emqx/emqx:5.8.6', ports: [{ port: 1883, protocol: 'tcp', name: 'tcp-mqtt' }],
      stateful: { volumeClaims: [VolumeClaim.of('data', { size: Size.gibibytes(1) })] }, volumes: [WorkloadVolume.emptyDir('scratch')],
      mounts: [{ volume: 'scratch', path: '/opt/emqx/data' }, { volume: 'data', path: '/var/lib/emqx' }],
      podSecurity: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 },
    });
    expect(found(synth(app)).map((f) => f.message)).toEqual([expect.stringContaining(
      "keeps its data directory (EMQX_NODE__DATA_DIR) at /opt/emqx/data, on emptyDir 'scratch', which is deleted with the pod, while claim 'data' (/var/lib/emqx) holds none of it: set EMQX_NODE__DATA_DIR: /var/lib/emqx")]);
    const pg = deployment('db', 'shop');
    pg.kind = 'StatefulSet';
    pg.spec.volumeClaimTemplates = [{ metadata: { name: 'data' } }];
    pg.spec.template.spec.securityContext = { runAsUser: 999 };
    pg.spec.template.spec.volumes = [{ name: 'scratch', emptyDir: {} }];
    pg.spec.template.spec.containers = [{ name: 'pg', image: 'postgres:17', env: [{ name: 'PGDATA', value: '/scratch/pgdata' }],
      volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }, { name: 'data', mountPath: '/var/lib/postgresql/data' }] }];
    expect(found([pg]).map((f) => `${f.code} ${f.field} ${f.message.split(': ').pop()}`))
      .toEqual(['MESH066 spec.template.spec.containers[0].volumeMounts[0] set PGDATA to a directory below it (/var/lib/postgresql/data/data)']);
    // Its data on the claim: nothing.
    pg.spec.template.spec.containers[0].env[0].value = '/var/lib/postgresql/data/pgdata';
    expect(found([pg])).toEqual([]);
  });
});

describe('MESH261: nginx\'s templates where its entrypoint cannot write what it renders', () => {
  // 20-envsubst-on-templates.sh: /etc/nginx/templates rendered into /etc/nginx/conf.d only `if [ -w "$output_dir" ]`, else an ERROR
  // logged and nginx started without them.
  const web = (image: string, mounts: { volume: string; path: string }[], env: Record<string, EnvVarValue> = {}) => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'storefront', {
      image, ports: [{ port: 8080, protocol: 'http', name: 'http' }], env,
      volumes: [WorkloadVolume.configMap('templates', 'storefront-nginx'), WorkloadVolume.emptyDir('conf'), WorkloadVolume.emptyDir('cache')],
      mounts: [{ volume: 'templates', path: '/etc/nginx/templates' }, ...mounts],
    });
    return app;
  };
  const found = (manifests: Record<string, any>[]) => analyze(manifests).filter((f) => f.code === 'MESH261');

  test('templates mounted under the read-only root filesystem fail synth, naming the emptyDir to mount at /etc/nginx/conf.d', () => {
    expect(synthError(web('nginxinc/nginx-unprivileged:1.27', []))).toMatch(/Deployment\/storefront: spec\.template\.spec\.containers\[0\]\.securityContext\.readOnlyRootFilesystem: container 'app' runs nginxinc\/nginx-unprivileged:1\.27 with templates at \/etc\/nginx\/templates \(volume 'templates'\), which its entrypoint's 20-envsubst-on-templates\.sh renders into \/etc\/nginx\/conf\.d only where it can write; \/etc\/nginx\/conf\.d is on the read-only root filesystem, so it skips them and the server starts without the configuration they hold: mount an emptyDir at \/etc\/nginx\/conf\.d \[MESH261\]/);
    expect(found(synth(web('nginxinc/nginx-unprivileged:1.27', [{ volume: 'conf', path: '/etc/nginx/conf.d' }])))).toEqual([]);
  });

  test('NGINX_ENVSUBST_TEMPLATE_DIR and NGINX_ENVSUBST_OUTPUT_DIR move them; a template directory elsewhere is not the one rendered', () => {
    const moved = { NGINX_ENVSUBST_TEMPLATE_DIR: EnvVarValue.of('/srv/templates') };
    expect(found(synth(web('nginxinc/nginx-unprivileged:1.27', [], moved)))).toEqual([]);
    const app = web('nginxinc/nginx-unprivileged:1.27', [{ volume: 'templates', path: '/srv/templates/site' }], moved);
    expect(synthError(app)).toMatch(/with templates at \/srv\/templates \(volume 'templates'\).*\[MESH261\]/);
    const out = { NGINX_ENVSUBST_OUTPUT_DIR: EnvVarValue.of('/etc/nginx/site') };
    expect(synthError(web('nginxinc/nginx-unprivileged:1.27', [{ volume: 'conf', path: '/etc/nginx/conf.d' }], out)))
      .toMatch(/renders into \/etc\/nginx\/site only where it can write; \/etc\/nginx\/site is on the read-only root filesystem/);
  });

  test('hand-written: the official nginx with its conf.d a ConfigMap; another command is not checked', () => {
    const d = deployment('storefront', 'shop', { ports: { http: 80 } });
    d.spec.template.spec.volumes = [{ name: 't', configMap: { name: 't' } }, { name: 'c', configMap: { name: 'c' } }];
    d.spec.template.spec.containers[0] = { ...d.spec.template.spec.containers[0], image: 'nginx:1.27',
      volumeMounts: [{ name: 't', mountPath: '/etc/nginx/templates/' }, { name: 'c', mountPath: '/etc/nginx/conf.d' }] };
    expect(found([d]).map((f) => `${f.field} ${f.message.split('; ')[1]}`)).toEqual([
      "spec.template.spec.containers[0].volumeMounts[1] /etc/nginx/conf.d is on read-only volume 'c', so it skips them and the server starts without the configuration they hold: mount an emptyDir at /etc/nginx/conf.d",
    ]);
    d.spec.template.spec.containers[0].command = ['nginx', '-g', 'daemon off;'];
    expect(found([d])).toEqual([]);
  });
});

describe('elasticsearch: its config, logs and data under a read-only root filesystem, as UID 1000 in group root', () => {
  // elastic/elasticsearch distribution/docker/src/docker/Dockerfile (adduser -u 1000 -G 0, USER elasticsearch:root, CMD eswrapper);
  // KeyStoreWrapper.bootstrap writes config/elasticsearch.keystore at start when there is none; jvm.options's GC log is logs/gc.log.
  type Options = { image?: string; env?: Record<string, any>; podSecurity?: Record<string, number>; mounts?: { volume: string; path: string }[] };
  const ES_MOUNTS = [{ volume: 'config', path: '/usr/share/elasticsearch/config' }, { volume: 'logs', path: '/usr/share/elasticsearch/logs' }];
  const search = (o: Options = {}) => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'search', {
      image: o.image ?? 'docker.elastic.co/elasticsearch/elasticsearch:8.15.3', ports: [{ port: 9200, protocol: 'http' }],
      stateful: { volumeClaims: [VolumeClaim.of('data', { size: Size.gibibytes(20) })] },
      volumes: [WorkloadVolume.emptyDir('config'), WorkloadVolume.emptyDir('logs')],
      initContainers: [{
        name: 'copy-config', image: o.image ?? 'docker.elastic.co/elasticsearch/elasticsearch:8.15.3',
        command: ['cp', '-a', '/usr/share/elasticsearch/config/.', '/mnt/config/'], mounts: [{ volume: 'config', path: '/mnt/config' }],
      }],
      mounts: o.mounts ?? [...ES_MOUNTS, { volume: 'data', path: '/usr/share/elasticsearch/data' }],
      podSecurity: o.podSecurity ?? { runAsUser: 1000, runAsGroup: 0, fsGroup: 1000 },
      // Its HTTP layer's TLS off, as a meshed Elasticsearch 8 needs behind a port declared http (MESH249).
      env: o.env ?? { 'discovery.type': EnvVarValue.of('single-node'), 'xpack.security.http.ssl.enabled': EnvVarValue.of('false') },
    });
    return app;
  };
  const codes = (manifests: Record<string, any>[]) => analyze(manifests).filter((f) => /MESH05[12]/.test(f.code))
    .map((f) => `${f.code} ${f.severity ?? 'error'} ${f.field}`);

  test("the image is known on docker.io and on Elastic's registry, as UID 1000 and group 0", () => {
    const ref = (image: string) => {
      const parsed = parseImageReference(image);
      if (parsed.error !== undefined) throw new Error(parsed.error);
      return officialImage(parsed.reference);
    };
    expect(ref('elasticsearch:8.15.3')).toMatchObject({ name: 'elasticsearch', uid: 1000, gid: 0, user: 'elasticsearch' });
    expect(ref('docker.elastic.co/elasticsearch/elasticsearch:8.15.3')).toMatchObject({ uid: 1000, gid: 0 });
    expect(ref('docker.io/elasticsearch/elasticsearch:8.15.3')).toBeUndefined();
  });

  test('with only its claim mounted, synth fails naming its config directory (and what a volume there must hold) and its logs', () => {
    const err = synthError(search({ mounts: [{ volume: 'data', path: '/usr/share/elasticsearch/data' }] }));
    expect(err).toMatch(/StatefulSet\/search: spec\.template\.spec\.containers\[0\]\.securityContext\.readOnlyRootFilesystem: container 'app' runs docker\.elastic\.co\/elasticsearch\/elasticsearch:8\.15\.3 as UID 1000, which writes its keystore \(elasticsearch\.keystore, created when the image has none\) to \/usr\/share\/elasticsearch\/config as it starts; it is on the read-only root filesystem.*holding the image's own elasticsearch\.yml, jvm\.options and log4j2\.properties.*\[MESH052\]/);
    expect(err).toMatch(/writes its GC log \(jvm\.options: -Xlog:gc\*:file=logs\/gc\.log\) to \/usr\/share\/elasticsearch\/logs as it starts/);
    // AND its data, where path.data puts it, off the claim
    expect(synthError(search({ image: 'elasticsearch:8.15.3', env: { 'path.data': EnvVarValue.of('/var/lib/es') } })))
      .toMatch(/runs elasticsearch:8\.15\.3 as UID 1000, which writes its data directory \(path\.data\) to \/var\/lib\/es as it starts/);
  });

  test('emptyDirs on its config and logs and its claim at its data directory pass; a command of its own is not checked', () => {
    expect(codes(synth(search()))).toEqual([]);
    const d = deployment('search', 'shop');
    d.spec.template.spec.securityContext = {};
    d.spec.template.spec.containers = [{ name: 'es', image: 'elasticsearch:8.15.3', securityContext: { readOnlyRootFilesystem: true } }];
    expect(codes([d])).toHaveLength(3);
    d.spec.template.spec.containers[0].args = ['eswrapper'];
    expect(codes([d])).toHaveLength(3);
    d.spec.template.spec.containers[0].args = ['/usr/share/elasticsearch/bin/elasticsearch-keystore', 'list'];
    expect(codes([d])).toEqual([]);
  });

  test('as the library\'s UID 10001 with its data on a claim: a warning naming UID 1000', () => {
    const found = analyze(synth(search({ podSecurity: {} }))).filter((f) => f.code === 'MESH051');
    expect(found.map((f) => `${f.severity} ${f.field}`)).toEqual(['warning spec.template.spec.containers[0].securityContext.runAsUser']);
    expect(found[0].message).toContain('podSecurity: { runAsUser: 1000, runAsGroup: 0, fsGroup: 0 }');
  });
});
