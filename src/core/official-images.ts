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
  /**
   * Other paths of the same directory, through a link of the image's (nginx's /var/run, a link to /run in Debian and Alpine):
   * a volume mounted at any of them holds it.
   */
  readonly links?: readonly string[];
  /** Arguments with any of which the server does not write it (Keycloak's `--optimized`, which skips the rebuild). */
  readonly unlessArgs?: readonly string[];
  /**
   * A file whose presence makes the entrypoint leave the directory alone (PgBouncer's pgbouncer.ini, written only where none is): a
   * volume mounted at it, or at the directory, is taken to bring it.
   */
  readonly unlessMounted?: string;
  /** Another way out than a writable volume, for messages (Keycloak's `start --optimized` on an image built with `kc.sh build`). */
  readonly otherwise?: string;
}

/**
 * The ports an image's server listens on, as its own configuration says, and what makes them unknown: a configuration of the
 * container's own (a volume at, below or above `configDirectory`, an env variable, an option naming another file).
 */
export interface ImageListener {
  /** The TCP ports it listens on. */
  readonly ports: readonly number[];
  /** Ports it may listen on as well, which a container may declare (bitnami/nginx's 8443, where a server block of its is enabled). */
  readonly otherPorts?: readonly number[];
  /** Where it says so, for messages: `its /etc/nginx/conf.d/default.conf: listen 80`. */
  readonly source: string;
  /** The directory (or file) its configuration is read from; a volume mounted at, below or above it leaves the ports unknown. */
  readonly configDirectory: string;
  /** A volume mounted exactly here that is an emptyDir leaves them known: the entrypoint fills it from the image's defaults (bitnami's conf). */
  readonly refilledAtStart?: string;
  /** Env variables that, set at all, leave them unknown; a name ending in `*` is a prefix (nginx's NGINX_ENVSUBST_*). */
  readonly unknownWith?: readonly string[];
  /** Arguments that name another configuration (nginx's `-c`, `-p`): any of them leaves the ports unknown. */
  readonly configArgs?: readonly string[];
  /** Where to put a configuration of one's own, for messages. */
  readonly ownConfig: string;
  /**
   * True where its own configuration binds `ports` to the loopback addresses alone (mosquitto 2's local only mode): then no container
   * port answers from outside the pod, and the sidecar, which delivers inbound connections to the pod's own IP, reaches none.
   */
  readonly loopbackOnly?: boolean;
}

/**
 * An endpoint of an image's management server that serves only where an option turns it on (Keycloak's /health with
 * `health-enabled`).
 */
export interface ManagementEndpoint {
  /** The path it serves, and the paths below it (`/health`: /health/ready, /health/live, /health/started). */
  readonly path: string;
  /** What it is, for messages: `health checks`. */
  readonly what: string;
  /** The env variable that turns it on with the value `true` (`KC_HEALTH_ENABLED`). */
  readonly env: string;
  /** The option that does (`--health-enabled`, as `--health-enabled=true` or `--health-enabled true`). */
  readonly option: string;
}

/**
 * An image's management server: a port of its own whose endpoints are off unless options turn them on (Keycloak's 9000), and
 * what leaves them unknown: a configuration file of the container's own, an env variable or an option that moves the port or the
 * endpoints, an `envFrom`.
 */
export interface ImageManagement {
  /** The port it listens on. */
  readonly port: number;
  /** Its endpoints, each off by default. */
  readonly endpoints: readonly ManagementEndpoint[];
  /** The directory its configuration file is read from; a volume at, below or above it leaves the endpoints unknown. */
  readonly configDirectory: string;
  /** Env variables that, set at all, leave them unknown. */
  readonly unknownWith: readonly string[];
  /** Arguments (`--x` or `--x=...`) any of which leaves them unknown. */
  readonly unknownArgs: readonly string[];
  /** Where it says so, for messages. */
  readonly source: string;
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
   * Its Dockerfile's `USER` as the image records it, where it starts as its user: a UID (`1001`) or a name (`emqx`), which the
   * kubelet cannot tell from root under runAsNonRoot without a runAsUser. Unset with `startsAsUser`, it is not known.
   */
  readonly imageUser?: string;
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
    /**
     * Where it is without them when other variables say so (Kafka's own log.dir, /tmp/kafka-logs, where any other KAFKA_ variable,
     * a Service link's `KAFKA_PORT` among them, makes its wrapper write server.properties from the env): the fallback is then
     * checked only where both are on one volume, or both on the root filesystem.
     */
    readonly otherFallback?: string;
    /** What the fallback holds, for messages, where it is not the env variable's (`log.dirs: the image's /tmp/kraft-combined-logs`). */
    readonly fallbackHolds?: string;
    /**
     * What leaves the fallback unknown: env variables set at all (Kafka's KAFKA_LOG_DIR), an envFrom, and a volume at, below or above
     * `mount` (Kafka's /mnt/shared/config, whose server.properties may name its log.dirs).
     */
    readonly fallbackUnknownWith?: { readonly env: readonly string[]; readonly mount: string };
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
  /**
   * True if its image has no CMD: without arguments its entrypoint runs no server (Keycloak's kc.sh prints its help and exits).
   */
  readonly noDefaultCommand?: boolean;
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
  /**
   * The ports its server listens on, where its configuration is the image's own (nginx's).
   * @default - not checked
   */
  readonly listens?: ImageListener;
  /**
   * Templates its entrypoint renders into its configuration as it starts, only where it can write there (nginx's
   * 20-envsubst-on-templates.sh): `from` (moved by `fromEnv`) into `to` (moved by `toEnv`).
   * @default - none
   */
  readonly renders?: {
    readonly from: string; readonly fromEnv: string; readonly to: string; readonly toEnv: string; readonly by: string;
  };
  /**
   * The user its server switches to as it starts, named in the configuration its entrypoint writes (PgBouncer's `user = postgres`):
   * as any other user than root or that one it cannot (setgid and setuid fail) and exits. A volume at `configFile` or its directory
   * (a configuration of one's own) or one of `args` (PgBouncer's `-u`) leaves it unknown.
   * @default - none
   */
  readonly switchesUser?: { readonly configFile: string; readonly setting: string; readonly args: readonly string[]; readonly by: string };
  /**
   * Its management server, whose endpoints a probe or a scrape reaches only where they are turned on (Keycloak's).
   * @default - none
   */
  readonly management?: ImageManagement;
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
  uid: 1000, gid: 1000, user: 'emqx', imageUser: 'emqx', server: '/opt/emqx/bin/emqx', serverAliases: ['emqx'], startsAsUser: true,
  serverOnlyByName: true,
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
  uid: 1000, gid: 0, user: 'elasticsearch', imageUser: 'elasticsearch', server: 'eswrapper', startsAsUser: true, serverOnlyByName: true,
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
 * Kafka's log.dirs in apache/kafka's images (jvm and native alike): KAFKA_LOG_DIRS, which their KafkaDockerWrapper (core/src/main/
 * scala/kafka/docker/KafkaDockerWrapper.scala `prepareServerConfigs`) writes to server.properties as `log.dirs` from the KAFKA_
 * variables (all but KAFKA_VERSION, KAFKA_HEAP_OPTS, KAFKA_OPTS and the other ExcludeServerPropsEnv), appended to a server.properties
 * mounted in /mnt/shared/config; with no such variable and no such file it copies the image's default, config/kraft/server.properties
 * (`log.dirs=/tmp/kraft-combined-logs`); with variables but no log.dirs among them Kafka's own default holds, `log.dir` /tmp/kafka-logs
 * (KAFKA_LOG_DIR moves it). Either default is under /tmp: on the library's /tmp emptyDir, deleted with the pod.
 */
const KAFKA_LOG_DIRS: NonNullable<OfficialImage['dataDirectory']> = {
  env: ['KAFKA_LOG_DIRS'], mountPointAllowed: true, commaList: true, fallback: '/tmp/kraft-combined-logs', otherFallback: '/tmp/kafka-logs',
  fallbackHolds: 'its data directory (log.dirs, with no KAFKA_LOG_DIRS: the image\'s /tmp/kraft-combined-logs, or Kafka\'s /tmp/kafka-logs)',
  fallbackUnknownWith: { env: ['KAFKA_LOG_DIR'], mount: '/mnt/shared/config' },
};

/**
 * What apache/kafka's images share (jvm and native: docker/jvm and docker/native Dockerfiles, one run script): `appuser`,
 * UID and group 1000 (busybox's first free IDs), `USER appuser`, `CMD ["/etc/kafka/docker/run"]`, and their log.dirs.
 */
const APACHE_KAFKA: Omit<OfficialImage, 'name' | 'repository' | 'source' | 'directories'> = {
  uid: 1000, gid: 1000, user: 'appuser', imageUser: 'appuser', server: '/etc/kafka/docker/run', startsAsUser: true,
  serverOnlyByName: true, dataDirectory: KAFKA_LOG_DIRS,
};

/**
 * docker.io's official `nginx` (nginxinc/docker-nginx mainline/debian/Dockerfile; alpine, alpine-slim, -perl and -otel alike):
 * `groupadd --system --gid 101 nginx`, `useradd --system --gid nginx ... --uid 101 nginx` (alpine: `addgroup -g 101 -S nginx`,
 * `adduser -S -D -H -u 101 ...`), nginx.org's package, no `USER` (its master runs as root, its workers as the package nginx.conf's
 * `user  nginx;`), `EXPOSE 80`, `ENTRYPOINT ["/docker-entrypoint.sh"]`, `CMD ["nginx", "-g", "daemon off;"]`. docker-entrypoint.sh
 * runs the scripts of /docker-entrypoint.d only when the first argument is `nginx` or `nginx-debug`, then `exec "$@"` whatever it
 * is. Those scripts skip what they cannot write: 10-listen-on-ipv6-by-default.sh and 30-tune-worker-processes.sh `touch` their
 * file and exit 0 ("read-only file system?"), 20-envsubst-on-templates.sh renders /etc/nginx/templates (none in the image) only
 * where /etc/nginx/conf.d is writable (else logs an ERROR and returns 0). The package's nginx.conf (which
 * nginxinc/docker-nginx-unprivileged's Dockerfile edits: `sed -i 's,/var/run/nginx.pid,/tmp/nginx.pid,'`, and adds the five
 * `*_temp_path /tmp/...` to `http {`) writes its pid file to /var/run/nginx.pid (/var/run a link to /run in Debian and Alpine) and
 * keeps the temporary files of request bodies and proxied, FastCGI, uWSGI and SCGI responses where the package's
 * `--http-*-temp-path` put them, /var/cache/nginx/client_temp and the like, which nginx creates as it starts (`mkdir()
 * "/var/cache/nginx/client_temp" failed (30: Read-only file system)` on a read-only root filesystem). Its
 * /etc/nginx/conf.d/default.conf: `listen 80;`. As a user who is not root, the package's /var/cache/nginx and /var/run are
 * root's (not checked: a read-only root filesystem is), and port 80 binds only where the runtime lets any user bind ports below
 * 1024 (net.ipv4.ip_unprivileged_port_start): not checked either. nginxinc/nginx-unprivileged is the image for a pod that is
 * not root.
 */
const NGINX_SERVER: Omit<OfficialImage, 'name' | 'repository' | 'source' | 'directories' | 'listens'> = {
  uid: 101, gid: 101, user: 'nginx', server: 'nginx', serverAliases: ['nginx-debug'], serverOnlyByName: true,
};

/**
 * nginxinc/nginx-unprivileged (nginxinc/docker-nginx-unprivileged mainline/debian/Dockerfile; alpine and alpine-slim alike):
 * nginx's image (its package, entrypoint and scripts: 10-listen-on-ipv6-by-default.sh edits for 8080) with `ARG UID=101`,
 * `ARG GID=101`, the nginx user and group of those IDs, and `RUN sed -i 's,listen       80;,listen       8080;,'
 * /etc/nginx/conf.d/default.conf`, `sed -i '/user  nginx;/d' /etc/nginx/nginx.conf`, `sed -i
 * 's,/var/run/nginx.pid,/tmp/nginx.pid,'` and `proxy_temp_path /tmp/proxy_temp; client_body_temp_path /tmp/client_temp;
 * fastcgi_temp_path /tmp/fastcgi_temp; uwsgi_temp_path /tmp/uwsgi_temp; scgi_temp_path /tmp/scgi_temp;` added to its `http {`:
 * its pid file and all five temporary directories in /tmp, nothing in /var/cache/nginx (chowned to it, `chown -R $UID:0`, as
 * /etc/nginx is), `EXPOSE 8080`, `USER $UID`, `CMD ["nginx", "-g", "daemon off;"]`. The library's /tmp emptyDir is all it
 * writes as it starts.
 */
const NGINX_UNPRIVILEGED: Omit<OfficialImage, 'name' | 'repository' | 'source' | 'directories' | 'listens'> = {
  ...NGINX_SERVER, startsAsUser: true, imageUser: '101',
};

/** How an nginx image's own configuration is replaced: /etc/nginx, its templates, another file (`nginx -c`). */
const NGINX_CONFIG = {
  configDirectory: '/etc/nginx', unknownWith: ['NGINX_ENVSUBST_*'], configArgs: ['-c', '-p'],
  ownConfig: 'a server block of your own at /etc/nginx/conf.d (a ConfigMap)',
};

/**
 * nginx's templates (docker-entrypoint.d/20-envsubst-on-templates.sh `auto_envsubst`): `${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/
 * templates}`, where it exists, rendered into `${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}`, which nginx.conf includes; `if [ !
 * -w "$output_dir" ]` it logs "ERROR: $template_dir exists, but $output_dir is not writable" and returns 0: nginx starts without them.
 */
const NGINX_TEMPLATES = {
  from: '/etc/nginx/templates', fromEnv: 'NGINX_ENVSUBST_TEMPLATE_DIR', to: '/etc/nginx/conf.d', toEnv: 'NGINX_ENVSUBST_OUTPUT_DIR',
  by: "its entrypoint's 20-envsubst-on-templates.sh",
};

/**
 * The official images the checks know. Images not listed are not checked.
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
    name: 'bitnami/postgresql', repository: 'bitnami/postgresql', uid: 1001, gid: 1001, user: '1001', imageUser: '1001',
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
    ...APACHE_KAFKA, name: 'apache/kafka', repository: 'apache/kafka',
    source: 'apache/kafka docker/jvm/Dockerfile (adduser appuser, UID 1000; USER appuser)',
    directories: [
      { path: '/opt/kafka/config', holds: 'its server.properties and log4j.properties', writtenAtStart: true },
      {
        path: '/opt/kafka/logs', holds: 'its GC log and log files', writtenAtStart: true, env: ['LOG_DIR'],
        unknownWith: ['EXTRA_ARGS', 'KAFKA_GC_LOG_OPTS'],
      },
    ],
  },
  {
    ...NGINX_SERVER, name: 'nginx', source: 'nginxinc/docker-nginx Dockerfile (useradd --uid 101; no USER: its master runs as root)',
    directories: [
      { path: '/var/cache/nginx', holds: 'its temporary files (client_temp, proxy_temp and the others)', writtenAtStart: true },
      { path: '/var/run', holds: 'its pid file (nginx.pid)', writtenAtStart: true, links: ['/run'] },
    ],
    listens: { ...NGINX_CONFIG, ports: [80], source: 'its /etc/nginx/conf.d/default.conf: listen 80' },
    renders: NGINX_TEMPLATES,
  },
  {
    ...NGINX_UNPRIVILEGED, name: 'nginxinc/nginx-unprivileged', repository: 'nginxinc/nginx-unprivileged',
    source: 'nginxinc/docker-nginx-unprivileged Dockerfile (ARG UID=101, USER $UID)',
    directories: [{ path: '/tmp', holds: 'its pid file and temporary files (nginx.pid, client_temp and the others)', writtenAtStart: true }],
    listens: { ...NGINX_CONFIG, ports: [8080], source: 'its /etc/nginx/conf.d/default.conf: listen 8080' },
    renders: NGINX_TEMPLATES,
  },
  {
    // apache/kafka docker/native/Dockerfile (KIP-974, since 3.8: Kafka compiled by GraalVM native-image): `FROM alpine:latest`,
    // `mkdir -p /etc/kafka/docker /mnt/shared/config /opt/kafka/config /etc/kafka/secrets`, `adduser -h /home/appuser -D --shell
    // /bin/bash appuser` (busybox's first free UID, 1000, with its own group, as the JVM image's), `chown appuser:root -R /etc/kafka
    // /opt/kafka /mnt/shared/config`, the default server.properties (config/kraft/server.properties: `log.dirs=/tmp/kraft-combined-logs`)
    // and log4j files in /etc/kafka/docker, `USER appuser`, `VOLUME ["/etc/kafka/secrets", "/mnt/shared/config"]` (no data volume),
    // `CMD ["/etc/kafka/docker/run"]`: the JVM image's run and configure (`path /opt/kafka/config/ writable`), then docker/native/launch:
    // `/opt/kafka/kafka.Kafka setup ... --final-configs-dir /opt/kafka/config` (server.properties and log4j.properties written there,
    // log.dirs formatted) and `exec /opt/kafka/kafka.Kafka start --config /opt/kafka/config/server.properties
    // -Dkafka.logs.dir=/opt/kafka/logs/`: no GC log (no kafka-server-start.sh, no -loggc), its log4j files in /opt/kafka/logs, which
    // the image lacks and log4j's appenders only fail to open on a read-only root filesystem (an error printed, the server runs).
    ...APACHE_KAFKA, name: 'apache/kafka-native', repository: 'apache/kafka-native',
    source: 'apache/kafka docker/native/Dockerfile (adduser appuser, UID 1000; USER appuser)',
    directories: [
      { path: '/opt/kafka/config', holds: 'its server.properties and log4j.properties', writtenAtStart: true },
      { path: '/opt/kafka/logs', holds: 'its log files', writtenAtStart: false },
    ],
  },
  {
    // bitnami/containers bitnami/nginx/1.27/debian-12/Dockerfile: `chmod g+rwX /opt/bitnami`, its logs linked to /dev/stdout and
    // /dev/stderr, `EXPOSE 8080 8443`, `WORKDIR /app`, `USER 1001`, `ENTRYPOINT [ "/opt/bitnami/scripts/nginx/entrypoint.sh" ]`, `CMD [
    // "/opt/bitnami/scripts/nginx/run.sh" ]`. rootfs/opt/bitnami/scripts/nginx-env.sh: NGINX_CONF_DIR /opt/bitnami/nginx/conf,
    // NGINX_TMP_DIR /opt/bitnami/nginx/tmp, NGINX_PID_FILE `${NGINX_TMP_DIR}/nginx.pid`, NGINX_DEFAULT_HTTP_PORT_NUMBER 8080.
    // rootfs/opt/bitnami/nginx/conf/nginx.conf: `pid "/opt/bitnami/nginx/tmp/nginx.pid"` and its five `*_temp_path
    // "/opt/bitnami/nginx/tmp/..."`, which nginx creates as it starts; nginx/postunpack.sh `nginx_configure_port
    // "$NGINX_DEFAULT_HTTP_PORT_NUMBER"` (its `listen 80;` made 8080 at build) and copies conf into conf.default. Its entrypoint.sh
    // copies conf.default into conf (`cp -nr ... || true`, so an emptyDir there is filled), runs setup.sh only when the arguments
    // hold run.sh (else `exec "$@"`); libnginx.sh `nginx_initialize` edits nginx.conf only where it is writable (`is_file_writable`;
    // else NGINX_HTTP_PORT_NUMBER "will not be applied") and the sample certificates are made only in a writable directory; run.sh
    // `exec "${NGINX_SBIN_DIR}/nginx" -c "$NGINX_CONF_FILE" -g "daemon off;"`. Its tmp directory is all it must write as it starts.
    // Its USER names no group (root's, which its files' g+rwX serve): the group here is 1001, as bitnami/postgresql's. Tags of
    // nginx before 1.20 (other scripts) are not checked.
    name: 'bitnami/nginx', repository: 'bitnami/nginx', uid: 1001, gid: 1001, user: '1001', imageUser: '1001',
    server: '/opt/bitnami/scripts/nginx/run.sh', startsAsUser: true, serverOnlyByName: true,
    source: 'bitnami/containers bitnami/nginx Dockerfile (USER 1001)',
    variants: [{ tag: /^1\.1?\d(?:[.-]|$)/ }],
    directories: [{ path: '/opt/bitnami/nginx/tmp', holds: 'its pid file and temporary files', writtenAtStart: true }],
    listens: {
      ports: [8080], otherPorts: [8443], source: 'its nginx.conf: listen 8080', configDirectory: '/opt/bitnami/nginx/conf',
      refilledAtStart: '/opt/bitnami/nginx/conf', unknownWith: ['NGINX_HTTP_PORT_NUMBER*', 'NGINX_HTTPS_PORT_NUMBER*'],
      ownConfig: 'NGINX_HTTP_PORT_NUMBER and nginx.conf writable (an emptyDir at /opt/bitnami/nginx/conf, which its entrypoint fills)',
    },
  },
  {
    // eclipse/mosquitto docker/2.0/Dockerfile (alpine; 2.0-openssl alike): `addgroup -S -g 1883 mosquitto`, `adduser -S -u 1883 ...
    // -G mosquitto mosquitto`, `install -m644 /build/mosq/mosquitto.conf /mosquitto/config/mosquitto.conf` (the source tree's example
    // configuration, every setting commented out), `VOLUME ["/mosquitto/data", "/mosquitto/log"]`, `EXPOSE 1883`, no USER,
    // `ENTRYPOINT ["/docker-entrypoint.sh"]` (chown -R of /mosquitto when run as root, then `exec "$@"`), `CMD ["/usr/sbin/mosquitto",
    // "-c", "/mosquitto/config/mosquitto.conf"]`. A configuration without a `listener` makes mosquitto 2 start "in local only mode":
    // src/mosquitto.c, listeners__start_local_only, 1883 on 127.0.0.1 and ::1 alone ("Connections will only be possible from clients
    // running on this machine"; its docker README: "Your configuration file must include a `listener`"). Istio's sidecar delivers
    // inbound connections to the pod's IP, not to localhost, since Istio 1.10 (https://istio.io/latest/blog/2021/upcoming-networking-changes/),
    // so nothing answers there. Nothing is written as it starts (persistence and file logging are off). 1.x tags listen on every
    // address and are not checked.
    name: 'eclipse-mosquitto', uid: 1883, gid: 1883, user: 'mosquitto', server: '/usr/sbin/mosquitto', serverAliases: ['mosquitto'],
    serverOnlyByName: true, source: 'eclipse/mosquitto docker/2.0/Dockerfile (adduser -u 1883 mosquitto; no USER)',
    variants: [{ tag: /^1\./ }],
    directories: [],
    listens: {
      ports: [1883], loopbackOnly: true, configDirectory: '/mosquitto/config', configArgs: ['-c'],
      source: 'its /mosquitto/config/mosquitto.conf configures no listener, so mosquitto 2 starts in local only mode: src/mosquitto.c, '
        + 'listeners__start_local_only',
      ownConfig: 'a mosquitto.conf of your own at /mosquitto/config (a ConfigMap) with `listener 1883` and its authentication '
        + '(or `allow_anonymous true`), or `args: [\'mosquitto\', \'-c\', \'/mosquitto-no-auth.conf\']`',
    },
  },
  {
    // pytorch/serve docker/Dockerfile, its production-image target: `useradd -m model-server` and `mkdir -p /home/model-server/tmp`,
    // `chown -R model-server /home/model-server`, `COPY docker/config.properties /home/model-server/config.properties`, `mkdir
    // /home/model-server/model-store`, `EXPOSE 8080 8081 8082 7070 7071`, `USER model-server`, `WORKDIR /home/model-server`, `ENV
    // TEMP=/home/model-server/tmp`, `ENTRYPOINT ["/usr/local/bin/dockerd-entrypoint.sh"]`, `CMD ["serve"]`. The images on docker.io
    // are built by docker/build_image.sh (docker/build_upload_release.py), whose `BASE_IMAGE="ubuntu:20.04"` (GPU:
    // nvidia/cuda:12.1.1-base-ubuntu20.04) has no user of UID 1000, so useradd gives model-server UID 1000 and a group of its own,
    // 1000 (the Dockerfile's own default, ubuntu:rolling, ships `ubuntu` at 1000 from 23.04 on: built that way it would be 1001,
    // not the published image). docker/dockerd-entrypoint.sh: for `serve`, `torchserve --start --ts-config
    // /home/model-server/config.properties --disable-token-auth`, else `eval "$@"` (`torchserve ...` reads ./config.properties,
    // the same file, from its WORKDIR: ConfigManager's default `config.properties`). ts/model_server.py passes TEMP to the
    // frontend as `-Djava.io.tmpdir`, where it unpacks each model archive it loads (ZipUtils.createTempDir(null, "models")) and
    // makes its workers' Unix sockets (Connector: `java.io.tmpdir + "/.ts.sock." + port`): no model is served without it. Its
    // logs (log4j2.xml: `${env:LOG_LOCATION:-logs}`, relative to /home/model-server) and config snapshots go to logs/, whose
    // appenders and snapshots only log an error when it cannot be written; model-store/ is written only when the management API
    // registers an archive by URL. docker/config.properties binds inference_address http://0.0.0.0:8080, management_address
    // :8081, metrics_address :8082 and grpc_inference_address and grpc_management_address 0.0.0.0 (ports 7070 and 7071), where
    // TorchServe's own defaults are 127.0.0.1 (ConfigManager); before 0.3 (metrics_address added, pytorch/serve#747) its metrics
    // were on 127.0.0.1: those tags are not checked, nor the `-cpp-` ones (docker/Dockerfile.cpp, no USER).
    name: 'pytorch/torchserve', repository: 'pytorch/torchserve', uid: 1000, gid: 1000, user: 'model-server', imageUser: 'model-server',
    server: 'serve', serverAliases: ['torchserve'], startsAsUser: true, serverOnlyByName: true,
    source: 'pytorch/serve docker/Dockerfile (useradd -m model-server on ubuntu:20.04, UID 1000; USER model-server)',
    variants: [{ tag: /^0\.[0-2]\.|cpp/ }],
    directories: [
      {
        path: '/home/model-server/tmp', holds: "the model archives it unpacks and its workers' sockets (TEMP, the frontend's "
          + 'java.io.tmpdir)', writtenAtStart: true, env: ['TEMP'],
      },
      { path: '/home/model-server/logs', holds: 'its log files and config snapshots', writtenAtStart: false, env: ['LOG_LOCATION'] },
      { path: '/home/model-server/model-store', holds: 'the model archives the management API downloads', writtenAtStart: false },
    ],
    listens: {
      ports: [8080, 8081, 8082, 7070, 7071], configDirectory: '/home/model-server/config.properties', configArgs: ['--ts-config'],
      unknownWith: ['TS_*'],
      source: 'its /home/model-server/config.properties: inference on 8080, management on 8081, metrics on 8082, gRPC on 7070 and 7071',
      ownConfig: 'a config.properties of your own at /home/model-server/config.properties (a ConfigMap) binding it on 0.0.0.0 '
        + '(inference_address=http://0.0.0.0:<port>)',
    },
  },
  {
    // keycloak/keycloak quarkus/container/Dockerfile (quay.io/keycloak/keycloak): the distribution in /opt/keycloak (`mkdir -p
    // /opt/keycloak/data`, `chmod -R g+rwX`, `COPY --chown=1000:0`), `echo "keycloak:x:1000:0:keycloak user:/opt/keycloak:/sbin/nologin"
    // >> /etc/passwd`, `USER 1000`, `EXPOSE 8080`, `EXPOSE 8443` (9000 as well since 25, its management interface), `ENTRYPOINT [
    // "/opt/keycloak/bin/kc.sh" ]` and no CMD: the container's arguments are kc.sh's command, the server only for `start` and
    // `start-dev`. `start` without `--optimized` (and `start-dev`) runs the `build` step first wherever its build options (KC_DB,
    // KC_HEALTH_ENABLED, KC_METRICS_ENABLED, KC_FEATURES...) differ from the image's, as a production configuration's do: "Changes
    // detected in configuration. Updating the server image.", Quarkus's JarResultBuildStep rewriting /opt/keycloak/lib/quarkus, which
    // fails on a read-only root filesystem (keycloak/keycloak#21616 `AccessDeniedException: /opt/keycloak/lib/quarkus/
    // build-system.properties`, #44632 `Read-only file system`); an image built with `kc.sh build` and started with `start --optimized`
    // skips it (https://www.keycloak.org/server/containers). Its themes' gzip cache and start-dev's H2 database go to /opt/keycloak/data
    // (QuarkusPlatform.getTmpDirectory: data/tmp, keycloak/keycloak#37533), written as requests come, not to start. It listens on
    // http-port 8080 (for `start`, with http-enabled), https-port 8443, and http-management-port 9000 (/health/ready and /metrics,
    // where health-enabled and metrics-enabled are set: https://www.keycloak.org/server/management-interface).
    name: 'keycloak/keycloak', registry: 'quay.io', repository: 'keycloak/keycloak', uid: 1000, gid: 0, user: 'keycloak', imageUser: '1000',
    server: 'start', serverAliases: ['start-dev'], startsAsUser: true, serverOnlyByName: true, noDefaultCommand: true,
    source: 'keycloak/keycloak quarkus/container/Dockerfile (keycloak:x:1000:0; USER 1000)',
    directories: [
      {
        path: '/opt/keycloak/lib/quarkus', writtenAtStart: true, unlessArgs: ['--optimized'],
        holds: "the server it rebuilds where its build options (KC_DB, KC_HEALTH_ENABLED, KC_FEATURES...) differ from the image's "
          + '(`start` without `--optimized`, and `start-dev`)',
        otherwise: 'build an image of your own with `kc.sh build` (its build options set) and run it with `args: [\'start\', \'--optimized\']`',
      },
      { path: '/opt/keycloak/data', holds: "its themes' gzip cache (data/tmp) and start-dev's H2 database", writtenAtStart: false },
    ],
    listens: {
      ports: [8080, 9000], otherPorts: [8443], configDirectory: '/opt/keycloak/conf',
      unknownWith: ['KC_HTTP_PORT', 'KC_HTTPS_PORT', 'KC_HTTP_MANAGEMENT_PORT'],
      configArgs: ['--http-port', '--https-port', '--http-management-port', '--config-file', '-cf'],
      source: 'its defaults: http-port 8080, https-port 8443, http-management-port 9000 (/health/ready, /metrics)',
      ownConfig: '`--http-port` (KC_HTTP_PORT) or `--http-management-port` (KC_HTTP_MANAGEMENT_PORT)',
    },
    // keycloak/keycloak quarkus/config-api HealthOptions and MetricsOptions: `health-enabled` and `metrics-enabled`, build-time
    // options whose default is false; "Management endpoints such as /metrics and /health are exposed on the default management
    // port 9000 when metrics and health are enabled" and the management interface "is turned on when something is exposed on it"
    // (https://www.keycloak.org/server/management-interface, https://www.keycloak.org/observability/health). `--optimized` runs
    // the image's build as it is, whose options the manifests do not show; the legacy interface and `health-on-main` put the
    // endpoints on the main port; a relative path, a keycloak.conf or another port moves them.
    management: {
      port: 9000, configDirectory: '/opt/keycloak/conf',
      endpoints: [
        { path: '/health', what: 'health checks', env: 'KC_HEALTH_ENABLED', option: '--health-enabled' },
        { path: '/metrics', what: 'metrics', env: 'KC_METRICS_ENABLED', option: '--metrics-enabled' },
      ],
      unknownWith: ['KC_HTTP_MANAGEMENT_PORT', 'KC_HTTP_MANAGEMENT_RELATIVE_PATH', 'KC_HTTP_RELATIVE_PATH', 'KC_LEGACY_OBSERVABILITY_INTERFACE',
        'KC_HEALTH_ON_MAIN', 'KC_HTTP_MANAGEMENT_HEALTH_ENABLED', 'KC_CONFIG_FILE'],
      unknownArgs: ['--optimized', '--http-management-port', '--http-management-relative-path', '--http-relative-path',
        '--legacy-observability-interface', '--health-on-main', '--http-management-health-enabled', '--config-file', '-cf'],
      source: 'keycloak/keycloak HealthOptions and MetricsOptions: health-enabled and metrics-enabled default to false; '
        + 'https://www.keycloak.org/server/management-interface',
    },
  },
  {
    // edoburu/docker-pgbouncer Dockerfile (docker.io/edoburu/pgbouncer): `FROM alpine`, `apk add ... postgresql-client` (whose
    // postgresql-common creates Alpine's `postgres`, UID and group 70, as docker-library/postgres's alpine Dockerfile notes), `mkdir -p
    // /etc/pgbouncer /var/log/pgbouncer /var/run/pgbouncer`, `touch /etc/pgbouncer/userlist.txt`, `chown -R postgres ...`, only
    // pgbouncer.ini.example in /etc/pgbouncer, `EXPOSE 5432`, `USER postgres`, `ENTRYPOINT ["/entrypoint.sh"]`, `CMD ["/usr/bin/pgbouncer",
    // "/etc/pgbouncer/pgbouncer.ini"]`. entrypoint.sh (`set -e`, whatever the arguments, then `exec "$@"`): touches userlist.txt where it
    // is missing, appends the credentials of DATABASE_URL (or DB_USER and DB_PASSWORD) to it, and `if [ ! -f "${PG_CONFIG_FILE}" ]`
    // writes /etc/pgbouncer/pgbouncer.ini from the env, `listen_port = ${LISTEN_PORT:-5432}` and `user = postgres`. pgbouncer's main.c
    // then switches to that user (`if (cf_username && *cf_username) change_user(cf_username)`), and change_user (src/util.c) calls
    // setgid and setuid, which fail for a user who is neither root nor it: "failed to assume identity of user 'postgres'".
    name: 'edoburu/pgbouncer', repository: 'edoburu/pgbouncer', uid: 70, gid: 70, user: 'postgres', imageUser: 'postgres',
    server: '/usr/bin/pgbouncer', serverAliases: ['pgbouncer'], startsAsUser: true,
    source: 'edoburu/docker-pgbouncer Dockerfile (USER postgres: Alpine\'s postgres, UID 70)',
    directories: [
      {
        path: '/etc/pgbouncer', writtenAtStart: true, unlessMounted: '/etc/pgbouncer/pgbouncer.ini',
        holds: 'the pgbouncer.ini and userlist.txt its entrypoint writes from DATABASE_URL and the other env variables',
        otherwise: 'mount a pgbouncer.ini and userlist.txt of your own there (a ConfigMap or Secret)',
      },
    ],
    switchesUser: {
      configFile: '/etc/pgbouncer/pgbouncer.ini', setting: 'user = postgres', args: ['-u'],
      by: "the pgbouncer.ini its entrypoint writes says `user = postgres`, and pgbouncer's change_user (setgid, setuid) fails as "
        + "any other user than root or it: \"failed to assume identity of user 'postgres'\"",
    },
  },
  {
    // bitnami/containers bitnami/pgbouncer/1/debian-12/Dockerfile: `chmod g+rwX /opt/bitnami`, `EXPOSE 6432`, `USER 1001`, `ENTRYPOINT [
    // "/opt/bitnami/scripts/pgbouncer/entrypoint.sh" ]`, `CMD [ "/opt/bitnami/scripts/pgbouncer/run.sh" ]`. Its entrypoint.sh runs
    // setup.sh only when the first argument is run.sh (else `exec "$@"`); rootfs/opt/bitnami/scripts/pgbouncer-env.sh: PGBOUNCER_CONF_DIR
    // /opt/bitnami/pgbouncer/conf, PGBOUNCER_TMP_DIR /opt/bitnami/pgbouncer/tmp (PGBOUNCER_PID_FILE pgbouncer.pid), PGBOUNCER_PORT 6432,
    // PGBOUNCER_SOCKET_DIR /tmp/, the mounted configuration in /bitnami/pgbouncer/conf. libpgbouncer.sh `pgbouncer_initialize` removes
    // the pid file, pgbouncer.ini and userlist.txt (`rm -f`), copies the mounted configuration into conf (`cp -Lr`), writes userlist.txt
    // and pgbouncer.ini there (`ini-file set`) unless mounted, with `pidfile` in tmp; `pgbouncer_enable_nss_wrapper` writes its passwd
    // and group files with mktemp, in /tmp. Its ini names no `user`. Its USER names no group (root's, which its files' g+rwX serve): the
    // group here is 1001, as bitnami/postgresql's.
    name: 'bitnami/pgbouncer', repository: 'bitnami/pgbouncer', uid: 1001, gid: 1001, user: '1001', imageUser: '1001',
    server: '/opt/bitnami/scripts/pgbouncer/run.sh', startsAsUser: true, serverOnlyByName: true,
    source: 'bitnami/containers bitnami/pgbouncer Dockerfile (USER 1001)',
    directories: [
      {
        path: '/opt/bitnami/pgbouncer/conf', holds: 'its pgbouncer.ini and userlist.txt (written from the env, or copied from '
          + '/bitnami/pgbouncer/conf, where a configuration of your own goes)', writtenAtStart: true,
      },
      { path: '/opt/bitnami/pgbouncer/tmp', holds: 'its pid file', writtenAtStart: true },
      { path: '/tmp', holds: "its unix socket and the nss_wrapper's passwd and group files", writtenAtStart: true },
    ],
    listens: {
      ports: [6432], source: 'its pgbouncer-env.sh: PGBOUNCER_PORT 6432', configDirectory: '/bitnami/pgbouncer/conf',
      unknownWith: ['PGBOUNCER_PORT', 'PGBOUNCER_PORT_FILE'],
      ownConfig: 'PGBOUNCER_PORT',
    },
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
