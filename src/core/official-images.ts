/**
 * What Docker's official images need of their pod, read from their Dockerfiles and
 * entrypoints: the user they keep their data as, the directories they write as they start, and
 * the command their entrypoint runs as the server. Each is an image of docker.io/library, but
 * for the few others teams run as they would an official one (bitnami/postgresql), each named
 * by its repository.
 */
import { ImageReference } from './image-reference';

/** A directory an image writes. */
export interface ImageDirectory {
  readonly path: string;
  /** What it holds, for messages: `the socket and lock file`. */
  readonly holds: string;
  /** True if the server cannot start when it cannot write there. */
  readonly writtenAtStart: boolean;
  /** The env variables that move it, first the one that wins (emqx's EMQX_LOG_DIR); a value not a literal absolute path leaves it unknown. */
  readonly env?: readonly string[];
  /** The env variables that, set at all, leave it unknown (Kafka's EXTRA_ARGS and KAFKA_GC_LOG_OPTS, which say whether and where its GC log goes). */
  readonly unknownWith?: readonly string[];
  /** What a volume there must hold besides, for messages (Elasticsearch's config directory: the image's own files, which a volume hides). */
  readonly mustHold?: string;
}

/** One official image's needs. */
export interface OfficialImage {
  /** `postgres` (docker.io/library/postgres). */
  readonly name: string;
  /**
   * Its repository on docker.io when it is not `library/<name>`: an image built on an official one with its entrypoint
   * (`timescale/timescaledb`), or one teams run as they would an official one (`bitnami/postgresql`).
   * @default - library/<name>
   */
  readonly repository?: string;
  /**
   * The registry that serves it, when it is not docker.io: a vendor's own registry serving the same image as docker.io's
   * official one (`docker.elastic.co` for `elasticsearch/elasticsearch`).
   * @default 'docker.io'
   */
  readonly registry?: string;
  /**
   * True if its Dockerfile's `USER` is its user, not root: a pod that sets no runAsUser runs it as that user. Unset, the
   * image starts as root and its entrypoint drops to its user (MESH215 judges that).
   */
  readonly startsAsUser?: boolean;
  /**
   * True if its entrypoint runs the server only for its own command, never for options alone (bitnami's runs its setup when
   * the arguments name `server`, and execs the arguments otherwise).
   */
  readonly serverOnlyByName?: boolean;
  /**
   * Its data directory (PostgreSQL's, which initdb chmods to 0700 and the server refuses unless it owns it): the env variables
   * that set it, first the one that wins, and where it is without them (for postgres, by the tag: {@link postgresDataDirectory}).
   */
  readonly dataDirectory?: {
    readonly env: readonly string[];
    /** Where it is without them; none: postgres's, by the tag. */
    readonly fallback?: string;
    /** The env variable that moves the fallback's parent (bitnami's POSTGRESQL_VOLUME_DIR: `<it>/data`). */
    readonly volumeEnv?: string;
    /**
     * True if the server keeps its data at a volume's mount point as well (emqx's, Kafka's, which chmod nothing); unset, it is
     * PostgreSQL's, which must be below it.
     */
    readonly mountPointAllowed?: boolean;
    /** True if its env variable may list several directories, comma-separated (Kafka's log.dirs): then it is not checked. */
    readonly commaList?: boolean;
  };
  /** The user and group its Dockerfile creates and its entrypoint drops to from root. */
  readonly uid: number;
  readonly gid: number;
  readonly user: string;
  /**
   * The variants (tags matching `tag`) whose Dockerfile differs: another user (`uid`, `gid`), or
   * none known (then the image is not checked).
   */
  readonly variants?: readonly { readonly tag: RegExp; readonly uid?: number; readonly gid?: number; readonly source?: string }[];
  /** The server its entrypoint runs when the arguments start with an option or name it (`postgres`). */
  readonly server: string;
  /** Other names of the server's command (emqx's `emqx`, its bin/emqx linked into /usr/local/bin). */
  readonly serverAliases?: readonly string[];
  /** Where the Dockerfile says so, for messages. */
  readonly source: string;
  /** Its directories; for postgres PGDATA is worked out from the tag and the container's env ({@link postgresDataDirectory}). */
  readonly directories: readonly ImageDirectory[];
  /**
   * For postgres and the images built on it: how the tag names the postgres major (its first group), which PGDATA follows.
   * @default - not postgres
   */
  readonly postgresMajor?: RegExp;
}

/**
 * EMQX's image, docker.io's official `emqx` (emqx/emqx-docker 5.8/Dockerfile) and emqx/emqx (emqx/emqx deploy/docker/Dockerfile)
 * alike: `groupadd -r -g 1000 emqx`, `useradd -r -m -u 1000 -g emqx emqx`, its release (owned by emqx) in /opt/emqx,
 * `ln -s /opt/emqx/bin/* /usr/local/bin/`, `USER emqx`, `VOLUME ["/opt/emqx/log", "/opt/emqx/data"]`, `CMD ["/opt/emqx/bin/emqx",
 * "foreground"]`; its docker-entrypoint.sh sets the node name and `exec "$@"`, whatever the arguments. bin/emqx, for a boot command
 * (start, console, foreground): `mkdir -p "$EMQX_LOG_DIR"` (releases/emqx_vars: `${EMQX_LOG_DIR:-${RUNNER_LOG_DIR:-...}}`,
 * `$BASE_RUNNER_ROOT_DIR/log` in the tgz release the image holds, mix.exs), then the data directory from node.data_dir (etc/emqx.conf
 * `data_dir = "data"`, relative to /opt/emqx; EMQX_NODE__DATA_DIR overrides it, bin/emqx's hocon reading `EMQX_` variables), `mkdir -p
 * "$CONFIGS_DIR"` (`$DATA_DIR/configs`) and generate_config writes app.<time>.config and vm.<time>.args there, with mnesia in
 * `$DATA_DIR/mnesia`. Its logs go to the console unless configured (bin/emqx `maybe_log_to_console`: EMQX_DEFAULT_LOG_HANDLER
 * console), so it starts without writing its log directory, which its release ships (mix.exs `create_directory(log)`); bin/emqx
 * writes nothing in /opt/emqx/etc. The emqx/emqx 4.x tags are another image (its own entrypoint and config), not checked.
 */
const EMQX: Omit<OfficialImage, 'name' | 'repository' | 'source'> = {
  uid: 1000, gid: 1000, user: 'emqx', server: '/opt/emqx/bin/emqx', serverAliases: ['emqx'], startsAsUser: true, serverOnlyByName: true,
  dataDirectory: { env: ['EMQX_NODE__DATA_DIR'], fallback: '/opt/emqx/data', mountPointAllowed: true },
  directories: [{ path: '/opt/emqx/log', holds: 'its log files', writtenAtStart: false, env: ['EMQX_LOG_DIR', 'RUNNER_LOG_DIR'] }],
};

/**
 * Elasticsearch's image, docker.io's official `elasticsearch` and Elastic's own docker.elastic.co/elasticsearch/elasticsearch, built
 * from one Dockerfile (elastic/elasticsearch distribution/docker/src/docker/Dockerfile): a user `elasticsearch` of UID 1000 in group
 * root (`adduser -u 1000 ... -G 0`, `chown -R 1000:0 /usr/share/elasticsearch`, `chmod -R ug+w config data logs plugins`),
 * `USER elasticsearch:root`, `ENTRYPOINT ["/bin/tini", "--", "/usr/local/bin/docker-entrypoint.sh"]`, `CMD ["eswrapper"]`. Its
 * docker-entrypoint.sh runs Elasticsearch when the first argument is `eswrapper` or a path whose basename is `elasticsearch`, and
 * execs any other arguments as given. As it starts, the server writes:
 * - its keystore, `config/elasticsearch.keystore`, when the image has none (the Dockerfile makes none): KeyStoreWrapper.bootstrap
 *   `KeyStoreWrapper.create()` then `save(configDir, ...)`, through `elasticsearch.keystore.tmp` beside it (elastic/elasticsearch
 *   server/src/main/java/org/elasticsearch/common/settings/KeyStoreWrapper.java; issue 119341, "Can't create keystore.tmp with a
 *   read only filesystem"). A volume mounted at `config` hides the image's elasticsearch.yml, jvm.options and log4j2.properties,
 *   without which it does not start: it is filled from the image first, as ECK's `elastic-internal-init-filesystem` init container
 *   does;
 * - its GC log, `logs/gc.log` under its home (config/jvm.options `-Xlog:gc*,...:file=logs/gc.log`), which the JVM must open to start;
 *   `path.logs` does not move it;
 * - its data, `path.data` (`data` under its home by default), which may be a volume's mount point (it chmods nothing). Docker's
 *   image reads settings from env variables named as them (`path.data`) or as `ES_SETTING_PATH_DATA`.
 */
const ELASTICSEARCH: Omit<OfficialImage, 'name'> = {
  source: 'elastic/elasticsearch distribution/docker Dockerfile (adduser -u 1000 -G 0; USER elasticsearch:root)',
  uid: 1000, gid: 0, user: 'elasticsearch', server: 'eswrapper', startsAsUser: true, serverOnlyByName: true,
  serverAliases: ['elasticsearch', 'bin/elasticsearch', '/usr/share/elasticsearch/bin/elasticsearch'],
  dataDirectory: { env: ['path.data', 'ES_SETTING_PATH_DATA'], fallback: '/usr/share/elasticsearch/data', mountPointAllowed: true, commaList: true },
  directories: [
    {
      path: '/usr/share/elasticsearch/config', holds: 'its keystore (elasticsearch.keystore, created when the image has none)',
      writtenAtStart: true,
      mustHold: "the image's own elasticsearch.yml, jvm.options and log4j2.properties, which a volume hides: fill it from the image "
        + 'with an init container of the same image (`cp -a /usr/share/elasticsearch/config/. /mnt/config/`, the volume mounted there)',
    },
    { path: '/usr/share/elasticsearch/logs', holds: 'its GC log (jvm.options: -Xlog:gc*:file=logs/gc.log)', writtenAtStart: true },
  ],
};

/**
 * The official images the checks know. Images not listed (nginx, whose master process runs as
 * root and whose writable paths come from its package's nginx.conf, not its Dockerfile) are
 * not checked.
 */
export const OFFICIAL_IMAGES: readonly OfficialImage[] = [
  {
    // docker-library/postgres 16/bookworm/Dockerfile: `groupadd -r postgres --gid=999`, `useradd -r -g postgres --uid=999`,
    // `install ... --mode 3777 /var/run/postgresql` (its socket and lock file), `ENV PGDATA /var/lib/postgresql/data`
    // (18/*/Dockerfile: `ENV PGDATA /var/lib/postgresql/18/docker`, `VOLUME /var/lib/postgresql`), `CMD ["postgres"]`.
    // The alpine variants (16/alpine3.22/Dockerfile): `addgroup -g 70 -S postgres`, `adduser -u 70 -S -D -G postgres`.
    name: 'postgres', uid: 999, gid: 999, user: 'postgres', server: 'postgres',
    source: 'docker-library/postgres Dockerfile (useradd --uid=999)',
    dataDirectory: { env: ['PGDATA'] },
    variants: [{ tag: /alpine/, uid: 70, gid: 70, source: 'docker-library/postgres alpine Dockerfile (adduser -u 70)' }],
    directories: [{ path: '/var/run/postgresql', holds: 'its socket and lock file', writtenAtStart: true }],
    postgresMajor: /^(\d+)(?:[.-]|$)/,
  },
  {
    // timescale/timescaledb-docker Dockerfile: `ARG PG_VERSION`, `FROM postgres:${PG_VERSION}-alpine`, its init scripts in
    // /docker-entrypoint-initdb.d: postgres's alpine image, user, directories and entrypoint, the major in the tag
    // (`2.17.2-pg16`, `latest-pg17`). (timescale/timescaledb-ha is another image, not checked.)
    name: 'timescale/timescaledb', repository: 'timescale/timescaledb', uid: 70, gid: 70, user: 'postgres', server: 'postgres',
    source: 'timescale/timescaledb-docker Dockerfile (FROM postgres alpine: adduser -u 70)',
    dataDirectory: { env: ['PGDATA'] },
    directories: [{ path: '/var/run/postgresql', holds: 'its socket and lock file', writtenAtStart: true }],
    postgresMajor: /-pg(\d+)(?:[.-]|$)/,
  },
  {
    // docker-library/mysql 8.4/Dockerfile.oracle: `useradd --system --uid 999 --gid 999 ... mysql`, `VOLUME /var/lib/mysql`,
    // /var/run/mysqld "used for socket and lock files", `CMD ["mysqld"]`.
    // Only the Oracle Linux variant is read here: the debian ones are not checked.
    name: 'mysql', uid: 999, gid: 999, user: 'mysql', server: 'mysqld',
    source: 'docker-library/mysql Dockerfile.oracle (useradd --uid 999)',
    variants: [{ tag: /debian/ }],
    directories: [
      { path: '/var/lib/mysql', holds: 'its data directory', writtenAtStart: true },
      { path: '/var/run/mysqld', holds: 'its socket and lock files', writtenAtStart: true },
    ],
  },
  {
    // docker-library/mongo 7.0/Dockerfile: `useradd --uid 999 ... mongodb`, `VOLUME /data/db /data/configdb`, `CMD ["mongod"]`.
    name: 'mongo', uid: 999, gid: 999, user: 'mongodb', server: 'mongod',
    source: 'docker-library/mongo Dockerfile (useradd --uid 999)',
    variants: [{ tag: /windowsservercore|nanoserver/ }],
    directories: [
      { path: '/data/db', holds: 'its data directory (mongod --dbpath)', writtenAtStart: true },
      { path: '/data/configdb', holds: 'a config server\'s data', writtenAtStart: false },
    ],
  },
  {
    // docker-library/rabbitmq 4.1/ubuntu/Dockerfile: `useradd --uid 999 ... rabbitmq`, RABBITMQ_DATA_DIR=/var/lib/rabbitmq
    // (its VOLUME, and HOME, where the Erlang cookie goes), `CMD ["rabbitmq-server"]`.
    // Only the ubuntu variant is read here: the alpine ones are not checked.
    name: 'rabbitmq', uid: 999, gid: 999, user: 'rabbitmq', server: 'rabbitmq-server',
    source: 'docker-library/rabbitmq Dockerfile (useradd --uid 999)',
    variants: [{ tag: /alpine/ }],
    directories: [{ path: '/var/lib/rabbitmq', holds: 'its data directory and Erlang cookie', writtenAtStart: true }],
  },
  {
    // docker-library/redis 7.2/debian/Dockerfile: `useradd -r -g redis -u 999 redis`, `VOLUME /data`, `WORKDIR /data`,
    // `CMD ["redis-server"]`: it writes /data only when it saves (RDB, AOF), and starts without.
    // The alpine variants (7.2/alpine/Dockerfile): `addgroup -S -g 1000 redis`, `adduser -S -G redis -u 999 redis`.
    name: 'redis', uid: 999, gid: 999, user: 'redis', server: 'redis-server',
    source: 'docker-library/redis Dockerfile (useradd -u 999)',
    variants: [{ tag: /alpine/, uid: 999, gid: 1000, source: 'docker-library/redis alpine Dockerfile (adduser -u 999, addgroup -g 1000)' }],
    directories: [{ path: '/data', holds: 'its snapshots and append-only file', writtenAtStart: false }],
  },
  {
    // bitnami/containers bitnami/postgresql/17/debian-12/Dockerfile: `USER 1001` (its files `chmod g+rwX` for any UID of group
    // root), `VOLUME [ "/bitnami/postgresql", ... ]`, `ENTRYPOINT [ "/opt/bitnami/scripts/postgresql/entrypoint.sh" ]`,
    // `CMD [ "/opt/bitnami/scripts/postgresql/run.sh" ]`. rootfs/opt/bitnami/scripts/postgresql-env.sh: POSTGRESQL_CONF_DIR
    // /opt/bitnami/postgresql/conf, POSTGRESQL_TMP_DIR /opt/bitnami/postgresql/tmp (the pid file), POSTGRESQL_LOG_DIR
    // /opt/bitnami/postgresql/logs, POSTGRESQL_DATA_DIR from POSTGRESQL_DATA_DIR, POSTGRES_DATA_DIR or PGDATA, else
    // `${POSTGRESQL_VOLUME_DIR:-/bitnami/postgresql}/data`. Its entrypoint.sh copies conf.default into conf (`cp -nr`), runs
    // setup.sh only when the arguments hold run.sh (else `exec "$@"`) and touches tmp/.initialized; libpostgresql.sh
    // `postgresql_initialize` removes the pid file, writes postgresql.conf and pg_hba.conf in conf, and runs initdb on the data
    // directory. Its logs directory holds postgresql.log as a link to /dev/stdout (postgresql/postunpack.sh), written through
    // under a read-only root filesystem; bitnami/charts' postgresql StatefulSet mounts an emptyDir there as it does on conf
    // and tmp (templates/primary/statefulset.yaml). Its USER names no group (root's, which its files' g+rwX serve); the chart
    // runs it as runAsUser 1001, runAsGroup 0, fsGroup 1001 (values.yaml): the group here is 1001, the fsGroup its claims and
    // emptyDirs are given, which is all it writes under a read-only root filesystem.
    name: 'bitnami/postgresql', repository: 'bitnami/postgresql', uid: 1001, gid: 1001, user: '1001',
    server: '/opt/bitnami/scripts/postgresql/run.sh', startsAsUser: true, serverOnlyByName: true,
    source: 'bitnami/containers bitnami/postgresql Dockerfile (USER 1001)',
    dataDirectory: {
      env: ['POSTGRESQL_DATA_DIR', 'POSTGRES_DATA_DIR', 'PGDATA'], fallback: '/bitnami/postgresql/data', volumeEnv: 'POSTGRESQL_VOLUME_DIR',
    },
    directories: [
      { path: '/opt/bitnami/postgresql/conf', holds: 'its postgresql.conf and pg_hba.conf', writtenAtStart: true },
      { path: '/opt/bitnami/postgresql/tmp', holds: 'its pid file', writtenAtStart: true },
      { path: '/opt/bitnami/postgresql/logs', holds: 'its log files', writtenAtStart: false },
    ],
  },
  { ...EMQX, name: 'emqx', source: 'emqx/emqx-docker Dockerfile (useradd -u 1000, USER emqx)' },
  {
    ...EMQX, name: 'emqx/emqx', repository: 'emqx/emqx', source: 'emqx/emqx deploy/docker/Dockerfile (useradd -u 1000, USER emqx)',
    variants: [{ tag: /^v?4(?:[.-]|$)/ }],
  },
  {
    // apache/kafka docker/jvm/Dockerfile (the image since 3.7; docker/docker_official_images/3.7.0/jvm/Dockerfile the same):
    // `FROM eclipse-temurin:21-jre-alpine`, `adduser -h /home/appuser -D --shell /bin/bash appuser` (busybox's first free UID,
    // 1000, with its own group: the `id` its run script prints, `uid=1000(appuser) gid=1000(appuser)`), `chown appuser:appuser -R
    // ... /opt/kafka`, `mkdir -p /var/lib/kafka/data` (`chown appuser:root`), `USER appuser`, `VOLUME ["/etc/kafka/secrets",
    // "/var/lib/kafka/data", "/mnt/shared/config"]`, `CMD ["/etc/kafka/docker/run"]` (no ENTRYPOINT of its own: other arguments run
    // instead). resources/common-scripts/configure: `path /opt/kafka/config/ writable`, which exits unless it is; launch runs
    // KafkaDockerWrapper setup `--final-configs-dir /opt/kafka/config`, which writes server.properties (from the KAFKA_ variables,
    // else the kraft default), log4j.properties and tools-log4j.properties there and formats the storage (meta.properties in each
    // of log.dirs: KAFKA_LOG_DIRS, else a mounted server.properties's, else the default's /tmp/kraft-combined-logs or, with other
    // KAFKA_ variables, Kafka's /tmp/kafka-logs: only KAFKA_LOG_DIRS is read here), then `exec /opt/kafka/bin/kafka-server-start.sh`,
    // whose `-loggc` has kafka-run-class.sh `mkdir -p "$LOG_DIR"` (`$base_dir/logs`, /opt/kafka/logs, which the tarball lacks) and
    // pass `-Xlog:gc*:file=$LOG_DIR/kafkaServer-gc.log`: the JVM does not start when it cannot open it (kafka-server-start.sh's
    // `EXTRA_ARGS=${EXTRA_ARGS-'-name kafkaServer -loggc'}` and KAFKA_GC_LOG_OPTS change that: then it is not checked).
    name: 'apache/kafka', repository: 'apache/kafka', uid: 1000, gid: 1000, user: 'appuser', server: '/etc/kafka/docker/run',
    startsAsUser: true, serverOnlyByName: true,
    source: 'apache/kafka docker/jvm/Dockerfile (adduser appuser, UID 1000; USER appuser)',
    dataDirectory: { env: ['KAFKA_LOG_DIRS'], mountPointAllowed: true, commaList: true },
    directories: [
      { path: '/opt/kafka/config', holds: 'its server.properties and log4j.properties', writtenAtStart: true },
      {
        path: '/opt/kafka/logs', holds: 'its GC log and log files', writtenAtStart: true, env: ['LOG_DIR'],
        unknownWith: ['EXTRA_ARGS', 'KAFKA_GC_LOG_OPTS'],
      },
    ],
  },
  { ...ELASTICSEARCH, name: 'elasticsearch' },
  { ...ELASTICSEARCH, name: 'elasticsearch', registry: 'docker.elastic.co', repository: 'elasticsearch/elasticsearch' },
];

const BY_PATH = new Map(OFFICIAL_IMAGES.map((i) => [`${i.registry ?? 'docker.io'}/${i.repository ?? `library/${i.name}`}`, i]));

/**
 * The official image `ref` names, as its tag's variant has it, if the checks know it. A
 * reference by digest alone is taken as the default variant.
 */
export function officialImage(ref: ImageReference): OfficialImage | undefined {
  const image = BY_PATH.get(`${ref.domain}/${ref.path}`);
  const variant = image?.variants?.find((v) => v.tag.test(ref.tag ?? ''));
  if (!image || !variant) return image;
  if (variant.uid === undefined || variant.gid === undefined) return undefined;
  return { ...image, uid: variant.uid, gid: variant.gid, source: variant.source ?? image.source, variants: undefined };
}

/**
 * postgres's default PGDATA for `tag`: `/var/lib/postgresql/<major>/docker` from 18 on,
 * `/var/lib/postgresql/data` before (docker-library/postgres 18/*\/Dockerfile: "in 18+, PGDATA
 * has changed"); undefined when the tag names no major version (`latest`, `alpine`, none).
 * `majorFromTag` finds the major in the tag (its first group): postgres's own, by default, or an
 * image built on it ({@link OfficialImage.postgresMajor}).
 */
export function postgresDataDirectory(tag: string | undefined, majorFromTag: RegExp = /^(\d+)(?:[.-]|$)/): string | undefined {
  const major = majorFromTag.exec(tag ?? '');
  if (!major) return undefined;
  const n = Number(major[1]);
  return n >= 18 ? `/var/lib/postgresql/${n}/docker` : '/var/lib/postgresql/data';
}
