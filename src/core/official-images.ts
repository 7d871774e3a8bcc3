/**
 * What Docker's official images need of their pod, read from their Dockerfiles and
 * entrypoints: the user they keep their data as, the directories they write as they start, and
 * the command their entrypoint runs as the server. Each is an image of docker.io/library, or one built on
 * such an image that keeps its entrypoint (timescale/timescaledb, postgres's alpine image).
 */
import { ImageReference } from './image-reference';

/** A directory an image writes. */
export interface ImageDirectory {
  readonly path: string;
  /** What it holds, for messages: `the socket and lock file`. */
  readonly holds: string;
  /** True if the server cannot start when it cannot write there. */
  readonly writtenAtStart: boolean;
}

/** One official image's needs. */
export interface OfficialImage {
  /** `postgres` (docker.io/library/postgres). */
  readonly name: string;
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
  /** Where the Dockerfile says so, for messages. */
  readonly source: string;
  /** Its directories; for postgres PGDATA is worked out from the tag and the container's env ({@link postgresDataDirectory}). */
  readonly directories: readonly ImageDirectory[];
  /**
   * The image's repository, where it is not `docker.io/library/<name>`: an image built on an official one, with its entrypoint.
   * @default - docker.io/library/<name>
   */
  readonly repository?: string;
  /**
   * For postgres and the images built on it: how the tag names the postgres major (its first group), which PGDATA follows.
   * @default - not postgres
   */
  readonly postgresMajor?: RegExp;
}

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
    variants: [{ tag: /alpine/, uid: 70, gid: 70, source: 'docker-library/postgres alpine Dockerfile (adduser -u 70)' }],
    directories: [{ path: '/var/run/postgresql', holds: 'its socket and lock file', writtenAtStart: true }],
    postgresMajor: /^(\d+)(?:[.-]|$)/,
  },
  {
    // timescale/timescaledb-docker Dockerfile: `ARG PG_VERSION`, `FROM postgres:${PG_VERSION}-alpine`, its init scripts in
    // /docker-entrypoint-initdb.d: postgres's alpine image, user, directories and entrypoint, the major in the tag
    // (`2.17.2-pg16`, `latest-pg17`). (timescale/timescaledb-ha is another image, not checked.)
    name: 'timescale/timescaledb', repository: 'docker.io/timescale/timescaledb', uid: 70, gid: 70, user: 'postgres', server: 'postgres',
    source: 'timescale/timescaledb-docker Dockerfile (FROM postgres alpine: adduser -u 70)',
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
];

const BY_PATH = new Map(OFFICIAL_IMAGES.map((i) => [i.repository ?? `docker.io/library/${i.name}`, i]));

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
