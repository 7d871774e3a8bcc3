/**
 * Well-known images built with typed props only (no JSON patch, no whole-pod exemption), each
 * pod checked against what its image's Dockerfile and entrypoint require: user, writable paths,
 * capabilities, ports, probes. The shop is the one the issue measured (weaveworks' Sock Shop,
 * microservices-demo/microservices-demo deploy/kubernetes/manifests): a Go service with a file
 * capability on port 80, a Java service started by a shell wrapper, MongoDB, MySQL, Redis and
 * RabbitMQ with a metrics exporter beside it. Synth checks every declared flow (MESH600).
 */
import { Duration, Size } from 'cdk8s';
import { Cpu, EnvVarValue, FlaggerCanary, HardeningException, HealthProbe, MeshService, ServiceType, VolumeClaim, WorkloadVolume } from '../../src';
import { evaluateFlow } from '../../src/validate';
import { find, meshChart, synth, synthError } from '../util';

/** Every exception annotation of a pod template. */
const exceptions = (d: Record<string, any>) => Object.fromEntries(Object.entries(d.spec.template.metadata.annotations ?? {})
  .filter(([k]) => k.startsWith('mesh.cdk8s.io/hardening.')));
const container = (d: Record<string, any>, name = 'app') => d.spec.template.spec.containers.find((c: any) => c.name === name);
const mounts = (c: Record<string, any>) =>
  Object.fromEntries(c.volumeMounts.map((m: any) => [m.mountPath, { name: m.name, readOnly: m.readOnly ?? false }]));

function shop() {
  const { app, chart } = meshChart();

  // microservices-demo/catalogue docker/catalogue/Dockerfile (commit 22b5fc3): `USER ${SERVICE_USER}` (UID 10001, line 29),
  // `setcap 'cap_net_bind_service=+ep' /app` (line 27) and `CMD ["/app", "-port=80"]` (line 45). A binary whose file
  // capability has the effective bit fails execve with EPERM unless the capability is in the bounding set
  // (capabilities(7), "Safety checking for capability-dumb binaries"), and no_new_privs, which
  // allowPrivilegeEscalation: false sets, keeps execve from granting it.
  const fileCaps = [
    HardeningException.addCapabilities(
      ['NET_BIND_SERVICE'],
      'the binary carries setcap cap_net_bind_service=+ep to bind port 80; exec fails (EPERM) if it is not in the bounding set',
    ),
    HardeningException.allowPrivilegeEscalation('file capabilities are granted on exec only without no_new_privs'),
  ];
  const catalogue = new MeshService(chart, 'catalogue', {
    image: 'weaveworksdemos/catalogue:0.3.5',
    ports: [{ port: 80, protocol: 'http' }],
    // The Sock Shop's services answer GET /health (deploy/kubernetes/manifests/05-catalogue-dep.yaml's probes).
    probes: { readiness: HealthProbe.http('/health'), liveness: HealthProbe.http('/health', { initialDelay: Duration.seconds(30) }) },
    security: { exceptions: fileCaps },
  });

  // microservices-demo/carts docker/carts/Dockerfile: `FROM weaveworksdemos/msd-java`, `USER ${SERVICE_USER}`,
  // `ENTRYPOINT ["/usr/local/bin/java.sh","-jar","./app.jar", "--port=80"]`; microservices-demo/msd-java Dockerfile:
  // SERVICE_UID=10001, `setcap 'cap_net_bind_service=+ep' $(readlink -f $(which java))`; java.sh is `#!/bin/sh` and runs
  // `java $JAVA_OPTS $*`: the shell execs java, whose file capability needs the same two loosenings.
  const carts = new MeshService(chart, 'carts', {
    image: 'weaveworksdemos/carts:0.4.8',
    ports: [{ port: 80, protocol: 'http' }],
    env: { JAVA_OPTS: EnvVarValue.of('-Xms64m -Xmx128m -XX:+UseG1GC -Djava.security.egd=file:/dev/urandom') },
    resources: { memoryLimit: Size.mebibytes(500), cpuRequest: Cpu.millis(100) },
    security: {
      exceptions: [
        ...fileCaps,
        HardeningException.noCpuLimit('a CPU quota throttles the JVM through its start-up JIT; the request reserves its share'),
      ],
    },
  });

  // docker-library/mongo 7.0/Dockerfile: `useradd --uid 999 ... mongodb`, `chown -R mongodb:mongodb /data/db /data/configdb`,
  // `VOLUME /data/db /data/configdb`, `EXPOSE 27017`. 7.0/docker-entrypoint.sh: only when `id -u` is 0 does it chown and
  // `exec gosu mongodb` ("allow the container to be started with `--user`"), so UID 999 needs no root; it writes
  // $TMPDIR/docker-entrypoint-config.json with TMPDIR=/tmp, where mongod also puts its socket.
  const cartsDb = new MeshService(chart, 'carts-db', {
    image: 'mongo:7.0',
    ports: [{ port: 27017, protocol: 'mongo' }],
    stateful: { volumeClaims: [VolumeClaim.of('data', { size: Size.gibibytes(10) })] },
    podSecurity: { runAsUser: 999, runAsGroup: 999, fsGroup: 999 },
    volumes: [WorkloadVolume.emptyDir('configdb')],
    mounts: [{ volume: 'data', path: '/data/db' }, { volume: 'configdb', path: '/data/configdb' }],
  });

  // docker-library/mysql 8.4/Dockerfile.oracle: `useradd --system --uid 999 --gid 999 ... mysql` (line 11), `VOLUME
  // /var/lib/mysql`, /var/run/mysqld "used for socket and lock files" (lines 89-92), `EXPOSE 3306 33060`.
  // 8.4/docker-entrypoint.sh: docker_create_db_directories chowns only as root, then `exec gosu mysql` only as root; it
  // needs MYSQL_ROOT_PASSWORD (or another of docker_verify_minimum_env's variables) on a first start.
  const catalogueDb = new MeshService(chart, 'catalogue-db', {
    image: 'mysql:8.4',
    ports: [{ port: 3306, protocol: 'mysql' }],
    env: { MYSQL_ROOT_PASSWORD: EnvVarValue.fromSecret('catalogue-db', 'root-password'), MYSQL_DATABASE: EnvVarValue.of('socksdb') },
    stateful: { volumeClaims: [VolumeClaim.of('data', { size: Size.gibibytes(5), storageClassName: 'standard-rwo' })] },
    podSecurity: { runAsUser: 999, runAsGroup: 999, fsGroup: 999 },
    volumes: [WorkloadVolume.emptyDir('run')],
    mounts: [{ volume: 'data', path: '/var/lib/mysql' }, { volume: 'run', path: '/var/run/mysqld' }],
    containerPorts: [{ number: 33060, name: 'mysqlx' }],
  });

  // docker-library/redis 7.2/debian/Dockerfile: `useradd -r -g redis -u 999 redis` (lines 11-12), `RUN mkdir /data &&
  // chown redis:redis /data`, `VOLUME /data`, `WORKDIR /data` (lines 142-144), `EXPOSE 6379`; docker-entrypoint.sh
  // chowns and drops to redis only `-a "$(id -u)" = '0'` (lines 10-14).
  const sessionDb = new MeshService(chart, 'session-db', {
    image: 'redis:7.2',
    ports: [{ port: 6379, protocol: 'redis' }],
    stateful: { volumeClaims: [VolumeClaim.of('data', { size: Size.gibibytes(1) })] },
    podSecurity: { runAsUser: 999, runAsGroup: 999, fsGroup: 999 },
    mounts: [{ volume: 'data', path: '/data' }],
  });

  // docker-library/rabbitmq 4.1/ubuntu/Dockerfile: `useradd --uid 999 ... rabbitmq`, RABBITMQ_DATA_DIR=/var/lib/rabbitmq
  // (its VOLUME, and HOME, where the Erlang cookie goes), `EXPOSE 4369 5671 5672 15691 15692 25672`;
  // 4.1/ubuntu/management/Dockerfile adds `EXPOSE 15671 15672` (the management UI and API). docker-entrypoint.sh chowns and
  // `exec gosu rabbitmq` only as root. AMQP is not a protocol Istio knows (istio/istio pkg/config/protocol/instance.go,
  // Parse): its port is TCP, named `tcp-amqp`. kbudde/rabbitmq_exporter Dockerfile: `USER 65535:65535`, `EXPOSE 9419`,
  // HEALTHCHECK on http://localhost:9419/health; it reads the management API, which stays a container port.
  const rabbitmq = new MeshService(chart, 'rabbitmq', {
    image: 'rabbitmq:4.1-management',
    ports: [{ port: 5672, protocol: 'tcp', name: 'tcp-amqp' }],
    containerPorts: [{ number: 15672, name: 'management' }],
    stateful: { volumeClaims: [VolumeClaim.of('data', { size: Size.gibibytes(2) })] },
    podSecurity: { runAsUser: 999, runAsGroup: 999, fsGroup: 999 },
    mounts: [{ volume: 'data', path: '/var/lib/rabbitmq' }],
    containers: [{
      name: 'exporter',
      image: 'kbudde/rabbitmq-exporter:1.0.0',
      env: { RABBIT_URL: EnvVarValue.of('http://localhost:15672') },
      ports: [{ number: 9419, name: 'http-metrics' }],
      probes: { readiness: HealthProbe.http('/health'), liveness: HealthProbe.http('/health') },
      security: { runAsUser: 65535, runAsGroup: 65535 },
      resources: { cpuLimit: Cpu.millis(100), memoryLimit: Size.mebibytes(64) },
    }],
    // Istio merges the exporter's metrics into the agent's 15020, which Prometheus scrapes under STRICT mTLS.
    // https://istio.io/latest/docs/ops/integrations/prometheus/#option-1-metrics-merging
    metrics: { port: 9419 },
  });
  const queueMaster = new MeshService(chart, 'queue-master', {
    image: 'weaveworksdemos/queue-master:0.3.1',
    ports: [{ port: 80, protocol: 'http' }],
    security: { exceptions: fileCaps },
  });

  carts.calls(cartsDb);
  catalogue.calls(catalogueDb);
  carts.calls(sessionDb);
  queueMaster.calls(rabbitmq, { port: 5672 });
  carts.calls(catalogue, { methods: ['GET'], paths: ['/catalogue/*'] });
  return { app, chart, catalogue, carts, cartsDb, catalogueDb, sessionDb, rabbitmq, queueMaster };
}

describe('well-known images, typed props only', () => {
  const built = shop();
  const out = synth(built.app); // every declared flow verified (MESH600), every pod hardened but for its exceptions (MESH208)
  const deployment = (name: string) => find(out, 'Deployment', name);
  const statefulSet = (name: string) => find(out, 'StatefulSet', name);

  test('a Go binary with a file capability binding port 80: NET_BIND_SERVICE and privilege escalation, each with its reason', () => {
    const d = deployment('catalogue');
    const c = container(d);
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: true, capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] }, privileged: false,
      readOnlyRootFilesystem: true, runAsGroup: 10001, runAsNonRoot: true, runAsUser: 10001,
    });
    expect(c.ports).toEqual([{ containerPort: 80, name: 'http' }]);
    expect(c.readinessProbe.httpGet).toMatchObject({ path: '/health', port: 80 });
    expect(exceptions(d)).toEqual({
      'mesh.cdk8s.io/hardening.app.capabilities.NET_BIND_SERVICE': expect.stringContaining('cap_net_bind_service=+ep'),
      'mesh.cdk8s.io/hardening.app.allowPrivilegeEscalation': expect.stringContaining('no_new_privs'),
    });
  });

  test('a Java image started through a shell wrapper: the same loosenings, a writable /tmp, and no CPU limit by exception', () => {
    const d = deployment('carts');
    const c = container(d);
    expect(c.securityContext).toMatchObject({
      allowPrivilegeEscalation: true,
      capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] },
      runAsUser: 10001,
    });
    // The JVM writes hsperfdata and Tomcat its work directory under /tmp.
    expect(mounts(c)['/tmp']).toEqual({ name: 'tmp', readOnly: false });
    expect(c.resources).toEqual({ limits: { memory: '500Mi' }, requests: { cpu: '100m', memory: '128Mi' } });
    expect(Object.keys(exceptions(d)).sort()).toEqual([
      'mesh.cdk8s.io/hardening.app.allowPrivilegeEscalation',
      'mesh.cdk8s.io/hardening.app.capabilities.NET_BIND_SERVICE',
      'mesh.cdk8s.io/hardening.app.resources.limits.cpu',
    ]);
  });

  test('mongo: a StatefulSet as UID/GID 999 with its claim at /data/db, /data/configdb and /tmp writable, behind a headless governing Service', () => {
    const s = statefulSet('carts-db');
    const c = container(s);
    expect(s.spec).toMatchObject({ serviceName: 'carts-db-headless', replicas: 1, podManagementPolicy: 'OrderedReady' });
    expect(s.spec.volumeClaimTemplates).toEqual([
      { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } } },
    ]);
    expect(s.spec.template.spec.securityContext).toMatchObject({ runAsUser: 999, runAsGroup: 999, fsGroup: 999, runAsNonRoot: true });
    expect(c.securityContext).toMatchObject({
      runAsUser: 999,
      runAsGroup: 999,
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    expect(mounts(c)).toEqual({
      '/tmp': { name: 'tmp', readOnly: false },
      '/data/db': { name: 'data', readOnly: false },
      '/data/configdb': { name: 'configdb', readOnly: false },
    });
    // The claim is the StatefulSet's, not a pod volume.
    expect(s.spec.template.spec.volumes.map((v: any) => v.name)).toEqual(['tmp', 'configdb']);
    expect(c.ports).toEqual([{ containerPort: 27017, name: 'mongo' }]);
    expect(c.readinessProbe).toEqual({ failureThreshold: 3, tcpSocket: { port: 27017 } });
    expect(find(out, 'Service', 'carts-db-headless').spec).toMatchObject({
      clusterIP: 'None',
      ports: [{ name: 'mongo', port: 27017, targetPort: 27017, protocol: 'TCP' }],
    });
    // Its clients dial the ClusterIP Service beside it.
    expect(find(out, 'Service', 'carts-db').spec).toMatchObject({ type: 'ClusterIP', ports: [{ name: 'mongo', port: 27017, targetPort: 27017, protocol: 'TCP' }] });
    expect(find(out, 'Service', 'carts-db').spec.clusterIP).toBeUndefined();
    expect(exceptions(s)).toEqual({});
  });

  test('mysql: UID 999, its claim at /var/lib/mysql, the socket directory writable, the X protocol port a container port only', () => {
    const s = statefulSet('catalogue-db');
    const c = container(s);
    expect(c.securityContext).toMatchObject({ runAsUser: 999, readOnlyRootFilesystem: true });
    expect(mounts(c)).toEqual({
      '/tmp': { name: 'tmp', readOnly: false },
      '/var/lib/mysql': { name: 'data', readOnly: false },
      '/var/run/mysqld': { name: 'run', readOnly: false },
    });
    expect(s.spec.volumeClaimTemplates[0].spec).toEqual({
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'standard-rwo',
      resources: { requests: { storage: '5Gi' } },
    });
    expect(c.env).toContainEqual({
      name: 'MYSQL_ROOT_PASSWORD',
      valueFrom: { secretKeyRef: { name: 'catalogue-db', key: 'root-password', optional: false } },
    });
    expect(c.ports).toEqual([{ containerPort: 3306, name: 'mysql' }, { containerPort: 33060, name: 'mysqlx' }]);
    expect(find(out, 'Service', 'catalogue-db').spec.ports).toEqual([{ name: 'mysql', port: 3306, targetPort: 3306, protocol: 'TCP' }]);
    expect(find(out, 'NetworkPolicy', 'catalogue-db').spec.ingress.flatMap((r: any) => r.ports.map((p: any) => p.port))).not.toContain(33060);
  });

  test('redis: UID 999 writing its claim at /data', () => {
    const c = container(statefulSet('session-db'));
    expect(c.securityContext).toMatchObject({ runAsUser: 999, runAsGroup: 999, readOnlyRootFilesystem: true });
    expect(mounts(c)['/data']).toEqual({ name: 'data', readOnly: false });
    expect(c.readinessProbe.tcpSocket).toEqual({ port: 6379 });
  });

  test('rabbitmq: AMQP on tcp-amqp, the management port for the exporter beside it only, the exporter as its own user with its own probes', () => {
    const s = statefulSet('rabbitmq');
    const app = container(s);
    const exporter = container(s, 'exporter');
    expect(app.ports).toEqual([{ containerPort: 5672, name: 'tcp-amqp' }, { containerPort: 15672, name: 'management' }]);
    expect(mounts(app)['/var/lib/rabbitmq']).toEqual({ name: 'data', readOnly: false });
    expect(exporter).toMatchObject({
      image: 'kbudde/rabbitmq-exporter:1.0.0',
      ports: [{ containerPort: 9419, name: 'http-metrics' }],
      readinessProbe: { httpGet: { path: '/health', port: 9419 } },
      securityContext: { runAsUser: 65535, runAsGroup: 65535, runAsNonRoot: true, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
      // The default memory request (128Mi) is lowered to the limit the exporter is given: a request above its limit is refused (MESH212).
      resources: { limits: { cpu: '100m', memory: '64Mi' }, requests: { cpu: '100m', memory: '64Mi' } },
    });
    expect(exporter).not.toHaveProperty('imagePullPolicy');
    expect(find(out, 'Service', 'rabbitmq').spec.ports).toEqual([{ name: 'tcp-amqp', port: 5672, targetPort: 5672, protocol: 'TCP' }]);
    // queue-master reaches AMQP and nothing else of the pod: the NetworkPolicy and the ALLOW rule name the port.
    const ingress = find(out, 'NetworkPolicy', 'rabbitmq').spec.ingress;
    expect(ingress[0]).toEqual({ from: [{ podSelector: { matchLabels: { app: 'queue-master' } } }], ports: [{ port: 5672, protocol: 'TCP' }] });
    expect(find(out, 'AuthorizationPolicy', 'rabbitmq-policy').spec.rules[0]).toEqual({
      from: [{ source: { principals: ['cluster.local/ns/production/sa/queue-master'] } }], to: [{ operation: { ports: ['5672'] } }],
    });
  });

  test('the calls to the databases are TCP flows, to the Service and to each pod by its own name, and hold at synth', () => {
    const flows = built.chart.intendedFlows().filter((f) => 'workload' in f.source && f.source.workload === 'carts' && f.host.includes('carts-db'));
    expect(flows.map((f) => `${f.host}:${f.port}/${f.protocol}`)).toEqual([
      'carts-db:27017/TCP',
      'carts-db-0.carts-db-headless.production.svc.cluster.local:27017/TCP',
    ]);
    const pod = (host: string) => evaluateFlow(out, { source: { workload: 'carts', namespace: 'production' }, host, port: 27017, protocol: 'TCP' });
    expect(pod('carts-db-0.carts-db-headless.production.svc.cluster.local').allowed).toBe(true);
    // A pod beyond the StatefulSet's replicas has no DNS name.
    expect(pod('carts-db-1.carts-db.production.svc.cluster.local')).toMatchObject({
      allowed: false,
      reason: expect.stringContaining('no Service or ServiceEntry'),
    });
    // Another workload did not declare the call: the NetworkPolicy refuses it.
    const other = evaluateFlow(out, { source: { workload: 'catalogue', namespace: 'production' }, host: 'carts-db', port: 27017, protocol: 'TCP' });
    expect(other).toMatchObject({ allowed: false });
  });
});

describe('bad workload input fails synth with the construct path, the field and the code', () => {
  test.each([
    [
      'a loosening without a reason',
      { security: { exceptions: [HardeningException.writableRootFilesystem(' ')] } },
      /\[test\/svc\] security\.exceptions\[0\]: give the reason the image needs it \[MESH040\]/,
    ],
    [
      'an unknown capability',
      { security: { exceptions: [HardeningException.addCapabilities(['NET_BIND' as never], 'binds 80')] } },
      /security\.exceptions\[0\]: unknown capability 'NET_BIND' \[MESH041\]/,
    ],
    [
      'root by number',
      { security: { runAsUser: 0 } },
      /security\.runAsUser: 0 is root; say why with HardeningException\.runAsRoot\(reason\) \[MESH040\]/,
    ],
    [
      'a claim no container mounts',
      { ports: [{ port: 5432, protocol: 'tcp' }], stateful: { volumeClaims: [VolumeClaim.of('data', { size: Size.gibibytes(1) })] } },
      /stateful\.volumeClaims\[0\]: claim 'data' is mounted by no container.*\[MESH044\]/,
    ],
    [
      'a headless port that retargets',
      { ports: [{ port: 5432, targetPort: 5433, protocol: 'tcp' }], stateful: {}, service: { type: ServiceType.headless() } },
      /ports\[0\]\.targetPort: 5433 differs from port 5432, which a headless Service cannot translate \[MESH046\]/,
    ],
    [
      'a container port declared twice',
      { containerPorts: [{ number: 9000 }], containers: [{ name: 'side', image: 'x', ports: [{ number: 9000 }] }] },
      /containerPorts\[0\]\.number: 9000 is also declared by side \[MESH043\]/,
    ],
  ])('%s', (_name, props, expected) => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'svc', { image: 'img', ...(props as object) });
    const err = synthError(app);
    expect(err).toMatch(expected);
  });

  test('a port that is both container-only and called', () => {
    const { app, chart } = meshChart();
    const rabbit = new MeshService(chart, 'rabbitmq', {
      image: 'rabbitmq:4.1-management',
      ports: [{ port: 5672, protocol: 'tcp', name: 'tcp-amqp' }],
      containerPorts: [{ number: 15672, name: 'management' }],
    });
    const ops = new MeshService(chart, 'ops', { image: 'ops:1' });
    ops.calls(rabbit, { port: 15672 });
    ops.calls(rabbit, { port: 5672, methods: ['GET'] });
    const err = synthError(app);
    expect(err).toContain(
      "[test/ops] calls[0].port: 15672 is a container port of rabbitmq (app) that no Service port exposes; add it to rabbitmq's ports to call it [MESH042]",
    );
    expect(err).toContain('[test/ops] calls[1]: port 5672 of rabbitmq is tcp, which has no HTTP methods or paths [MESH042]');
  });

  test('more than one replica of a StatefulSet warns unless the image replicates', () => {
    const build = (replication?: string) => {
      const { app, chart } = meshChart();
      new MeshService(chart, 'orders-db', {
        image: 'mongo:7.0', replicas: 3, ports: [{ port: 27017, protocol: 'mongo' }], podSecurity: { runAsUser: 999, runAsGroup: 999 },
        stateful: { volumeClaims: [VolumeClaim.of('data', { size: Size.gibibytes(1) })], replication },
        mounts: [{ volume: 'data', path: '/data/db' }],
      });
      app.manifests();
      return app;
    };
    expect(build().warnings).toEqual([
      expect.stringMatching(/\[test\/orders-db\/StatefulSet\/Resource\] test\/StatefulSet\/orders-db: spec\.replicas: 3 replicas.*\[MESH045\]/),
    ]);
    const replicated = build('mongod --replSet rs0: the members find each other by their pod names');
    expect(replicated.warnings).toEqual([]);
  });
});

describe('a stateful service has one version', () => {
  test('addVersion, a canary or a Flagger release of it is MESH049', () => {
    const { app, chart } = meshChart();
    const db = new MeshService(chart, 'orders-db', {
      image: 'mongo:7.0', ports: [{ port: 27017, protocol: 'mongo' }], podSecurity: { runAsUser: 999, runAsGroup: 999 },
      stateful: { volumeClaims: [VolumeClaim.of('data', { size: Size.gibibytes(1) })] }, mounts: [{ volume: 'data', path: '/data/db' }],
    });
    db.addVersion({ name: 'v2', image: 'mongo:8.0' });
    new FlaggerCanary(chart, 'release', { service: db });
    const err = synthError(app);
    expect(err).toContain(
      '[test/orders-db] addVersion(v2): orders-db is a stateful service (its pods and their claims are its identity), which has one version; '
        + 'run the next release as a service of its own, which orders-db may mirror to (traffic.setMirror with service) [MESH049]',
    );
    expect(err).toContain('[test/release] service: Flagger releases Deployment/orders-db, and orders-db\'s workload is a StatefulSet [MESH049]');
  });
});

// docker-library/postgres 17/bookworm/Dockerfile: `groupadd -r postgres --gid=999`, `useradd -r -g postgres --uid=999`,
// `mkdir -p /var/run/postgresql && chown -R postgres:postgres /var/run/postgresql && chmod 3777 /var/run/postgresql` (the
// socket and its lock file), PGDATA=/var/lib/postgresql/data, `VOLUME /var/lib/postgresql/data`. docker-entrypoint.sh:
// docker_create_db_directories mkdirs and chmods PGDATA and /var/run/postgresql, and only as root
// `find "$PGDATA" \! -user postgres -exec chown postgres '{}' +` (and /var/run/postgresql), then `exec gosu postgres`.
describe('postgres: as its own user, or from a root entrypoint with what it uses', () => {
  const pg = (security: Record<string, unknown>) => {
    const { app, chart } = meshChart();
    new MeshService(chart, 'orders-db', {
      image: 'postgres:17.5-bookworm',
      ports: [{ port: 5432, protocol: 'tcp', name: 'tcp-postgres' }],
      // initdb chmods PGDATA to 0700, which it cannot do to a volume's mount point it does not own: a directory below it.
      env: { PGDATA: EnvVarValue.of('/var/lib/postgresql/data/pgdata'), POSTGRES_PASSWORD: EnvVarValue.fromSecret('orders-db', 'password') },
      stateful: { volumeClaims: [VolumeClaim.of('data', { size: Size.gibibytes(20) })] },
      // The root filesystem is read-only: the socket directory is an emptyDir.
      volumes: [WorkloadVolume.emptyDir('run')],
      mounts: [{ volume: 'data', path: '/var/lib/postgresql/data' }, { volume: 'run', path: '/var/run/postgresql' }],
      ...security,
    });
    const out = synth(app);
    return { app, db: find(out, 'StatefulSet', 'orders-db') };
  };

  test('as UID 999: no exception, /var/run/postgresql and PGDATA writable, the root filesystem read-only', () => {
    const { app, db } = pg({ podSecurity: { runAsUser: 999, runAsGroup: 999, fsGroup: 999 } });
    const c = container(db);
    expect(c.securityContext).toMatchObject({ runAsUser: 999, runAsNonRoot: true, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(mounts(c)).toMatchObject({ '/var/run/postgresql': { name: 'run', readOnly: false }, '/var/lib/postgresql/data': { name: 'data', readOnly: false } });
    expect(db.spec.template.spec.securityContext).toMatchObject({ fsGroup: 999 });
    expect(exceptions(db)).toEqual({});
    expect(app.warnings).toEqual([]);
  });

  test('from its root entrypoint: runAsRoot with exactly SETUID, SETGID, CHOWN and DAC_READ_SEARCH, each a reviewed annotation', () => {
    const { app, db } = pg({ security: { exceptions: HardeningException.rootEntrypoint({ dropsToUser: 999, reason: 'postgres chowns PGDATA, then gosu postgres' }) } });
    const c = container(db);
    expect(c.securityContext).toMatchObject({
      runAsUser: 0, runAsNonRoot: false, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'], add: ['CHOWN', 'DAC_READ_SEARCH', 'SETGID', 'SETUID'] },
    });
    expect(Object.keys(exceptions(db)).sort()).toEqual([
      'mesh.cdk8s.io/hardening.app.capabilities.CHOWN', 'mesh.cdk8s.io/hardening.app.capabilities.DAC_READ_SEARCH',
      'mesh.cdk8s.io/hardening.app.capabilities.SETGID', 'mesh.cdk8s.io/hardening.app.capabilities.SETUID',
      'mesh.cdk8s.io/hardening.app.runAsNonRoot',
    ]);
    expect(exceptions(db)['mesh.cdk8s.io/hardening.app.capabilities.SETUID'])
      .toBe('postgres chowns PGDATA, then gosu postgres: root entrypoint dropping to UID 999; gosu/su-exec/setpriv set its user and groups');
    expect(app.warnings).toEqual([]);
  });

  test('chmodsData adds FOWNER, chownsData: false leaves CHOWN and DAC_READ_SEARCH out', () => {
    const caps = (o: Partial<Parameters<typeof HardeningException.rootEntrypoint>[0]>) =>
      HardeningException.rootEntrypoint({ dropsToUser: 999, reason: 'r', ...o }).flatMap((e) => e.capabilities).sort();
    expect(caps({ chmodsData: true })).toEqual(['CHOWN', 'DAC_READ_SEARCH', 'FOWNER', 'SETGID', 'SETUID']);
    expect(caps({ chownsData: false })).toEqual(['SETGID', 'SETUID']);
    for (const uid of [0, 1337, 1.5, -1]) expect(() => caps({ dropsToUser: uid })).toThrow(/dropsToUser .*\[MESH040\]/);
  });

  test('runAsRoot alone, every capability dropped: a warning (MESH215), since gosu cannot drop privileges', () => {
    const { app } = pg({ security: { exceptions: [HardeningException.runAsRoot('entrypoint chowns PGDATA then gosu postgres')] } });
    expect(app.warnings).toEqual([
      expect.stringMatching(/StatefulSet\/orders-db: spec\.template\.spec\.containers\[0\]\.securityContext: container 'app' runs as root with every capability dropped and neither SETUID nor SETGID added.*\[MESH215\]/),
    ]);
  });
});
