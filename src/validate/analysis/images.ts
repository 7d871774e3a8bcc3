/**
 * Checks of the images pods run, as the manifests show them, written once for the library's
 * pods and hand-written ones alike.
 */
import { Codes } from '../../core/codes';
import { ImageReference, parseImageReference } from '../../core/image-reference';
import { ImageDirectory, ImageListener, officialImage, OfficialImage, postgresDataDirectory } from '../../core/official-images';
import { Finding, finding, Manifest, podTemplate, podTemplateField } from '../finding';
import { AnalysisCheck } from './check';
import { AnalysisView } from './view';

/** The container lists of a pod spec, in the order the kubelet starts them. */
const CONTAINER_LISTS = ['initContainers', 'containers'] as const;

/** One container of a workload's pod template, with the field path that names it. */
export interface PodContainer {
  readonly manifest: Manifest;
  /** The pod spec. */
  readonly spec: Record<string, any>;
  readonly container: Record<string, any>;
  /** `spec.template.spec.containers[0]`. */
  readonly field: string;
}

/** Every container of every pod template of `index`'s own manifests (none of the workloads it assumes). */
export function podContainers(index: AnalysisView): PodContainer[] {
  const out: PodContainer[] = [];
  for (const w of index.model.workloads) {
    const spec = podTemplate(w.manifest)?.spec;
    if (!spec || typeof spec !== 'object') continue;
    const at = podTemplateField(w.manifest);
    for (const list of CONTAINER_LISTS) {
      const containers: unknown = spec[list];
      if (!Array.isArray(containers)) continue;
      containers.forEach((c: any, i: number) => {
        if (c && typeof c === 'object') out.push({ manifest: w.manifest, spec, container: c, field: `${at ? `${at}.` : ''}spec.${list}[${i}]` });
      });
    }
  }
  return out;
}

/**
 * MESH050: a container image the kubelet cannot parse. The API server checks an image's
 * whitespace for Pods only (pkg/apis/core/validation/validation.go validateContainersOnlyForPod),
 * so a Deployment, StatefulSet or Job with `'web:1 '`, `''` or `Registry.example.com/Web:1` is
 * admitted and its pods never start: the kubelet parses every image with
 * distribution/reference's ParseNormalizedNamed (pkg/kubelet/images/image_manager.go
 * applyDefaultImageTag) and fails the container with InvalidImageName.
 * @see https://github.com/distribution/reference/blob/main/reference.go (the grammar)
 */
export const invalidImage: AnalysisCheck = {
  code: Codes.INVALID_IMAGE,
  title: 'a container image the kubelet cannot parse (InvalidImageName)',
  run(index: AnalysisView) {
    const out: Finding[] = [];
    for (const { manifest, container, field } of podContainers(index)) {
      const image: unknown = container.image;
      // A missing or non-string image is the schema's to report.
      if (typeof image !== 'string') continue;
      const parsed = parseImageReference(image);
      if (parsed.error === undefined) continue;
      out.push(finding(Codes.INVALID_IMAGE, manifest, `${field}.image`,
        `container '${String(container.name)}': image ${JSON.stringify(image)} is not an image reference: ${parsed.error}; `
        + 'the kubelet fails the container with InvalidImageName'));
    }
    return out;
  },
};

/** A container running an official image's own server, as a user who is not root. */
interface OfficialContainer extends PodContainer {
  readonly image: OfficialImage;
  readonly reference: ImageReference;
  readonly uid: number;
  /** The field that sets the user: the container's runAsUser, else the pod's. */
  readonly userField: string;
  /** The directories it writes, its data directory included where it is known. */
  readonly directories: readonly ImageDirectory[];
  /** Its data directory (PostgreSQL's), where it is known. */
  readonly data?: ImageDirectory;
}

/** Where a directory of a container lives: the volume mounted at it or above it, else the root filesystem. */
interface Storage {
  /** The mount, with its index in volumeMounts; none for the root filesystem. */
  readonly mount?: { readonly index: number; readonly name: string; readonly mountPath: string; readonly readOnly: boolean };
  /** A PersistentVolumeClaim (or a StatefulSet's claim template). */
  readonly claim: boolean;
  /** An emptyDir, deleted with the pod. */
  readonly emptyDir?: boolean;
  /** Nothing the container can write: a read-only mount, a ConfigMap, Secret, downward API or projected volume, a read-only root filesystem. */
  readonly readOnly: boolean;
}

/** Volume sources the kubelet mounts read-only (https://kubernetes.io/docs/concepts/storage/volumes/#configmap and the next). */
const READ_ONLY_SOURCES = ['configMap', 'secret', 'downwardAPI', 'projected'];

export const trimSlash = (p: string) => (p.length > 1 ? p.replace(/\/+$/, '') : p);

/** True if `a` and `b` are one path or one is below the other. */
export const overlaps = (a: string, b: string) => a === b || a.startsWith(b === '/' ? '/' : `${b}/`) || b.startsWith(a === '/' ? '/' : `${a}/`);

/** Where `dir` of `c` is stored. */
function storageOf(c: PodContainer, dir: string): Storage {
  let best: Storage['mount'];
  (Array.isArray(c.container.volumeMounts) ? c.container.volumeMounts : []).forEach((m: any, index: number) => {
    if (typeof m?.mountPath !== 'string' || typeof m?.name !== 'string') return;
    const at = trimSlash(m.mountPath);
    if (dir !== at && !dir.startsWith(at === '/' ? '/' : `${at}/`)) return;
    if (!best || at.length > best.mountPath.length) best = { index, name: m.name, mountPath: at, readOnly: m.readOnly === true };
  });
  if (!best) return { claim: false, readOnly: c.container.securityContext?.readOnlyRootFilesystem === true };
  const name = best.name;
  const volume = (Array.isArray(c.spec.volumes) ? c.spec.volumes : []).find((v: any) => v?.name === name);
  const templates = c.manifest.kind === 'StatefulSet' && Array.isArray(c.manifest.spec?.volumeClaimTemplates)
    ? c.manifest.spec.volumeClaimTemplates : [];
  const claim = volume ? !!volume.persistentVolumeClaim : templates.some((t: any) => t?.metadata?.name === name);
  const readOnlySource = volume !== undefined && (READ_ONLY_SOURCES.some((k) => k in volume) || volume.persistentVolumeClaim?.readOnly === true);
  const readOnly = best.readOnly || readOnlySource;
  return { mount: best, claim, readOnly, emptyDir: volume?.emptyDir !== undefined };
}

/** Where `d` of `c` is stored: at its path or any of its links, the first that a writable volume holds, else one that a volume holds. */
function storageOfDirectory(c: PodContainer, d: ImageDirectory): Storage {
  const all = [d.path, ...(d.links ?? [])].map((p) => storageOf(c, p));
  return all.find((s) => s.mount && !s.readOnly) ?? all.find((s) => s.mount) ?? all[0];
}

/**
 * True if the container runs its image's entrypoint into the server: no command, and arguments that are options or name the
 * server (only those that name it for an image whose entrypoint runs anything else as given).
 */
export function runsServer(container: Record<string, any>, image: OfficialImage): boolean {
  if (Array.isArray(container.command) && container.command.length > 0) return false;
  const first: unknown = Array.isArray(container.args) ? container.args[0] : undefined;
  if (first === undefined) return !image.noDefaultCommand;
  if (first === image.server || (typeof first === 'string' && image.serverAliases?.includes(first))) return true;
  return !image.serverOnlyByName && typeof first === 'string' && first.startsWith('-');
}

/** A literal env value of `c`, an absolute path without its trailing slash; null if the variable is set some other way. */
function envPath(c: PodContainer, name: string): string | null | undefined {
  const env = (Array.isArray(c.container.env) ? c.container.env : []).find((e: any) => e?.name === name);
  if (!env) return undefined;
  return typeof env.value === 'string' && env.value.startsWith('/') ? trimSlash(env.value) : null;
}

/**
 * The image's data directory in `c`: the first of its env variables the container sets, as a literal value, else the image's
 * default (postgres's for the tag); undefined if unknown (a variable from a ConfigMap or Secret, or a tag without a version).
 */
function dataDirectoryOf(c: PodContainer, image: OfficialImage, ref: ImageReference): ImageDirectory | undefined {
  const data = image.dataDirectory;
  if (!data) return undefined;
  const at = (path: string | undefined, holds = `its data directory (${data.env[0]})`) =>
    (path === undefined ? undefined : { path, holds, writtenAtStart: true });
  for (const name of data.env) {
    const v = envPath(c, name);
    if (v !== undefined) return v === null || (data.commaList && v.includes(',')) ? undefined : at(v);
  }
  if (data.fallback === undefined) return at(image.postgresMajor ? postgresDataDirectory(ref.tag, image.postgresMajor) : undefined);
  const volume = data.volumeEnv ? envPath(c, data.volumeEnv) : undefined;
  if (volume === null) return undefined;
  if (volume !== undefined) return at(`${volume === '/' ? '' : volume}/data`);
  const unknown = data.fallbackUnknownWith;
  if (unknown) {
    const env: unknown[] = Array.isArray(c.container.env) ? c.container.env : [];
    const envFrom = Array.isArray(c.container.envFrom) && c.container.envFrom.length > 0;
    if (envFrom || env.some((e: any) => unknown.env.includes(e?.name))) return undefined;
    const mounts: any[] = Array.isArray(c.container.volumeMounts) ? c.container.volumeMounts : [];
    if (mounts.some((m) => typeof m?.mountPath !== 'string' || overlaps(trimSlash(m.mountPath), unknown.mount))) return undefined;
  }
  if (data.otherFallback !== undefined && storageOf(c, data.fallback).mount?.index !== storageOf(c, data.otherFallback).mount?.index) {
    return undefined;
  }
  return at(data.fallback, data.fallbackHolds);
}

/** `d` where `c`'s env puts it: none if an env variable of it is set some other way than a literal absolute path, or one that makes it unknown. */
function movedBy(c: PodContainer, d: ImageDirectory): ImageDirectory[] {
  const env: unknown[] = Array.isArray(c.container.env) ? c.container.env : [];
  if (d.unknownWith?.some((name) => env.some((e: any) => e?.name === name))) return [];
  for (const name of d.env ?? []) {
    const v = envPath(c, name);
    if (v !== undefined) return v === null ? [] : [{ ...d, path: v }];
  }
  return [d];
}

/** True if a volume that is not an emptyDir is mounted at `file` or at its directory (a file of the container's own there). */
function mountsFile(c: PodContainer, file: string): boolean {
  const dir = file.slice(0, file.lastIndexOf('/')) || '/';
  const volumes: any[] = Array.isArray(c.spec.volumes) ? c.spec.volumes : [];
  return (Array.isArray(c.container.volumeMounts) ? c.container.volumeMounts : [])
    .some((m: any) => typeof m?.mountPath === 'string' && [file, dir].includes(trimSlash(m.mountPath))
      && !volumes.some((v) => v?.name === m.name && v.emptyDir !== undefined));
}

/**
 * True if `c` leaves `d` alone: one of its arguments says so (Keycloak's `--optimized`), or a volume brings the file whose absence
 * has it written.
 */
function skipsDirectory(c: PodContainer, d: ImageDirectory): boolean {
  const args: unknown[] = Array.isArray(c.container.args) ? c.container.args : [];
  if (d.unlessArgs?.some((a) => args.includes(a))) return true;
  return d.unlessMounted !== undefined && mountsFile(c, d.unlessMounted);
}

/** The containers of `index` that run a known official image's server as a user who is not root. */
function officialContainers(index: AnalysisView): OfficialContainer[] {
  const out: OfficialContainer[] = [];
  for (const c of podContainers(index)) {
    if (typeof c.container.image !== 'string') continue;
    const parsed = parseImageReference(c.container.image);
    const image = parsed.error === undefined ? officialImage(parsed.reference) : undefined;
    if (!image || parsed.error !== undefined || !runsServer(c.container, image)) continue;
    const own = c.container.securityContext?.runAsUser;
    // Unset, the image's own USER applies: its user for an image that starts as it, else root, the entrypoint's to drop (MESH215).
    const uid = own ?? c.spec.securityContext?.runAsUser ?? (image.startsAsUser ? image.uid : undefined);
    if (typeof uid !== 'number' || uid === 0) continue;
    const data = dataDirectoryOf(c, image, parsed.reference);
    const directories = [...image.directories.flatMap((d) => movedBy(c, d)), ...(data ? [data] : [])];
    const podSpec = c.field.replace(/\.(init)?[cC]ontainers\[\d+\]$/, '');
    const userField = `${own !== undefined ? c.field : podSpec}.securityContext.runAsUser`;
    out.push({ ...c, image, reference: parsed.reference, uid, userField, directories, data });
  }
  return out;
}

/** How to run `image` as its own user. */
const asItsUser = (i: OfficialImage) => `podSecurity: { runAsUser: ${i.uid}, runAsGroup: ${i.gid}, fsGroup: ${i.gid} }`;

/**
 * MESH051 (warning): an official image run as a user other than its own while it keeps its data
 * on a claim. The files it writes there belong to the UID it runs as, so data its own user wrote
 * (an earlier run, a restore, a copy from another replica) is not that UID's: postgres refuses a
 * data directory it does not own, mysqld and mongod cannot open files of mode 0600 or 0700.
 * The image's user is its Dockerfile's (OFFICIAL_IMAGES, each entry citing it).
 */
export const officialImageUser: AnalysisCheck = {
  code: Codes.OFFICIAL_IMAGE_USER,
  title: 'an official image run as another user than its own, with its data on a claim',
  run(index: AnalysisView) {
    const out: Finding[] = [];
    for (const c of officialContainers(index)) {
      if (c.uid === c.image.uid) continue;
      const onClaim = c.directories.map((d) => ({ d, s: storageOfDirectory(c, d) })).find(({ s }) => s.claim);
      if (!onClaim) continue;
      out.push(finding(Codes.OFFICIAL_IMAGE_USER, c.manifest, c.userField,
        `container '${String(c.container.name)}' runs ${String(c.container.image)} as UID ${c.uid}, and keeps ${onClaim.d.holds} `
        + `(${onClaim.d.path}) on claim '${onClaim.s.mount!.name}': the image runs as UID ${c.image.uid} (${c.image.user}; ${c.image.source}), `
        + `whose files a UID ${c.uid} cannot own or open; run it as its user: ${asItsUser(c.image)}`, 'warning'));
    }
    return out;
  },
};

/**
 * MESH052: an official image that cannot start in its pod, as a user who is not root:
 * - a directory it writes as it starts (postgres's socket directory and PGDATA, mysql's data
 *   and socket directories, mongod's dbpath, RabbitMQ's data directory, bitnami/postgresql's conf,
 *   tmp and data directories, EMQX's data directory, apache/kafka's config and logs directories and
 *   KAFKA_LOG_DIRS, nginx's /var/cache/nginx and pid directory, Elasticsearch's config, logs and data directories) on the read-only root
 *   filesystem or on a read-only volume: the server exits with EROFS or EACCES;
 * - postgres's PGDATA the mount point of a volume: the kubelet leaves a mount point root's (an
 *   fsGroup changes only its group), initdb chmods PGDATA to 0700 and fails with EPERM, and
 *   postgres refuses a data directory it does not own ("data directory has wrong ownership");
 *   only root's entrypoint chowns it (docker-library/postgres docker-entrypoint.sh,
 *   docker_create_db_directories). PGDATA is a directory below the mount.
 * @see https://github.com/docker-library/postgres/blob/master/16/bookworm/Dockerfile (ENV PGDATA, /var/run/postgresql)
 * @see https://github.com/docker-library/mysql/blob/master/8.4/Dockerfile.oracle (/var/run/mysqld "used for socket and lock files")
 * @see https://github.com/emqx/emqx/blob/master/bin/emqx (a boot command writes `$DATA_DIR/configs` and `$DATA_DIR/mnesia`)
 * @see https://github.com/apache/kafka/tree/trunk/docker (jvm/Dockerfile; resources/common-scripts/configure: `path /opt/kafka/config/ writable`)
 * @see https://github.com/nginxinc/docker-nginx/blob/master/mainline/debian/Dockerfile (nginx.org's package: /var/cache/nginx, /var/run/nginx.pid)
 * @see https://github.com/elastic/elasticsearch/blob/main/distribution/docker/src/docker/Dockerfile (USER elasticsearch:root;
 *   KeyStoreWrapper.bootstrap writes config/elasticsearch.keystore at start)
 * @see https://github.com/bitnami/containers/tree/main/bitnami/postgresql (postgresql-env.sh: its conf, tmp and data directories;
 *   libpostgresql.sh `postgresql_initialize` chmods the data directory and runs initdb there)
 */
export const officialImageCannotStart: AnalysisCheck = {
  code: Codes.OFFICIAL_IMAGE_CANNOT_START,
  title: 'an official image that cannot write where it must as it starts',
  run(index: AnalysisView) {
    const out: Finding[] = [];
    for (const c of officialContainers(index)) {
      const who = `container '${String(c.container.name)}' runs ${String(c.container.image)} as UID ${c.uid}`;
      for (const d of c.directories.filter((x) => x.writtenAtStart && !skipsDirectory(c, x))) {
        const s = storageOfDirectory(c, d);
        if (!s.readOnly) continue;
        const where = s.mount ? `${c.field}.volumeMounts[${s.mount.index}]` : `${c.field}.securityContext.readOnlyRootFilesystem`;
        const on = s.mount ? `read-only volume '${s.mount.name}'` : 'the read-only root filesystem';
        out.push(finding(Codes.OFFICIAL_IMAGE_CANNOT_START, c.manifest, where,
          `${who}, which writes ${d.holds} to ${d.path} as it starts; it is on ${on}, so the server cannot start: mount a writable volume `
          + `there (an emptyDir, or a claim for data)${d.mustHold ? ` holding ${d.mustHold}` : ''}${d.otherwise ? `, or ${d.otherwise}` : ''}`));
      }
      const data = c.data;
      const s = data ? storageOf(c, data.path) : undefined;
      if (data && s?.mount && s.mount.mountPath === data.path && !s.readOnly && !c.image.dataDirectory!.mountPointAllowed) {
        const env = c.image.dataDirectory!.env[0];
        out.push(finding(Codes.OFFICIAL_IMAGE_CANNOT_START, c.manifest, `${c.field}.volumeMounts[${s.mount.index}].mountPath`,
          `${who}, and its ${env} ${data.path} is the mount point of volume '${s.mount.name}', which the kubelet leaves root's: initdb cannot `
          + `chmod it to 0700 and postgres refuses a data directory it does not own; set ${env} to a directory below the mount `
          + `(${data.path === '/' ? '' : data.path}/pgdata)`));
      }
    }
    return out;
  },
};

/**
 * MESH244: an image whose server switches to the user its entrypoint's configuration names, run as another user who is not root.
 * edoburu/pgbouncer's entrypoint writes /etc/pgbouncer/pgbouncer.ini with `user = postgres` (Alpine's postgres, UID 70) where no
 * pgbouncer.ini is there; pgbouncer switches to it as it starts (main.c: `change_user(cf_username)`), and change_user's setgid and
 * setuid fail with EPERM for any other UID than root's or its own: the server exits ("failed to assume identity of user
 * 'postgres'"). A volume at the file or its directory (a pgbouncer.ini of one's own) or pgbouncer's `-u` leaves it unknown.
 * @see https://github.com/edoburu/docker-pgbouncer/blob/master/entrypoint.sh (`user = postgres`)
 * @see https://github.com/pgbouncer/pgbouncer/blob/master/src/main.c (`change_user(cf_username)`; src/util.c change_user)
 */
export const imageSwitchesUser: AnalysisCheck = {
  code: Codes.IMAGE_SWITCHES_USER,
  title: 'an image whose server switches to its own user, run as another',
  run(index: AnalysisView) {
    const out: Finding[] = [];
    for (const c of officialContainers(index)) {
      const sw = c.image.switchesUser;
      if (!sw || c.uid === c.image.uid || mountsFile(c, sw.configFile)) continue;
      const args: unknown[] = Array.isArray(c.container.args) ? c.container.args : [];
      if (args.some((a) => typeof a !== 'string' || sw.args.includes(a))) continue;
      out.push(finding(Codes.IMAGE_SWITCHES_USER, c.manifest, c.userField,
        `container '${String(c.container.name)}' runs ${String(c.container.image)} as UID ${c.uid}, but ${sw.by} (${c.image.user} is `
        + `UID ${c.image.uid}; ${c.image.source}): the server exits as it starts; run it as its user: ${asItsUser(c.image)}, or mount a `
        + `${sw.configFile.slice(sw.configFile.lastIndexOf('/') + 1)} of your own at ${sw.configFile} without \`${sw.setting}\``));
    }
    return out;
  },
};

/**
 * MESH066 (warning): an image the checks know that keeps its data directory on an emptyDir while its container mounts a claim: the
 * claim holds none of the data, which the kubelet deletes with the pod. apache/kafka's default log.dirs is under /tmp (the image's
 * /tmp/kraft-combined-logs, or Kafka's /tmp/kafka-logs), the library's /tmp emptyDir, where KAFKA_LOG_DIRS does not move it.
 * @see https://github.com/apache/kafka/blob/trunk/config/kraft/server.properties (`log.dirs=/tmp/kraft-combined-logs`)
 */
export const dataOnEmptyDir: AnalysisCheck = {
  code: Codes.DATA_ON_EMPTY_DIR,
  title: 'an image\'s data directory on an emptyDir, beside a claim that holds none of it',
  run(index: AnalysisView) {
    const out: Finding[] = [];
    for (const c of officialContainers(index)) {
      const s = c.data ? storageOf(c, c.data.path) : undefined;
      if (!c.data || !s?.mount || !s.emptyDir) continue;
      const claim = (Array.isArray(c.container.volumeMounts) ? c.container.volumeMounts : [])
        .filter((m: any) => typeof m?.mountPath === 'string').map((m: any) => storageOf(c, trimSlash(m.mountPath)))
        .find((x: Storage) => x.claim && x.mount && !x.readOnly);
      if (!claim) continue;
      const data = c.image.dataDirectory!;
      const at = claim.mount!.mountPath;
      const to = data.mountPointAllowed ? `${data.env[0]}: ${at}` : `${data.env[0]} to a directory below it (${at === '/' ? '' : at}/data)`;
      out.push(finding(Codes.DATA_ON_EMPTY_DIR, c.manifest, `${c.field}.volumeMounts[${s.mount.index}]`,
        `container '${String(c.container.name)}' runs ${String(c.container.image)} and keeps ${c.data.holds} at ${c.data.path}, on emptyDir `
        + `'${s.mount.name}', which is deleted with the pod, while claim '${claim.mount!.name}' (${claim.mount!.mountPath}) holds none of it: `
        + `set ${to}`, 'warning'));
    }
    return out;
  },
};

/** True if `c` runs its image's own configuration, by what `l` says replaces it. */
function ownConfiguration(c: PodContainer, l: ImageListener): boolean {
  const env: unknown[] = Array.isArray(c.container.env) ? c.container.env : [];
  const unknown = (name: unknown) => typeof name !== 'string' || (l.unknownWith ?? [])
    .some((u) => (u.endsWith('*') ? name.startsWith(u.slice(0, -1)) : name === u));
  if (env.some((e: any) => unknown(e?.name)) || (Array.isArray(c.container.envFrom) && c.container.envFrom.length > 0)) return false;
  const args: unknown[] = Array.isArray(c.container.args) ? c.container.args : [];
  if (args.some((a) => typeof a !== 'string' || (l.configArgs ?? []).some((o) => a === o || a.startsWith(o)))) return false;
  const volumes: any[] = Array.isArray(c.spec.volumes) ? c.spec.volumes : [];
  return (Array.isArray(c.container.volumeMounts) ? c.container.volumeMounts : []).every((m: any) => {
    if (typeof m?.mountPath !== 'string') return false;
    const at = trimSlash(m.mountPath);
    if (!overlaps(at, l.configDirectory)) return true;
    return at === l.refilledAtStart && !m.subPath && volumes.some((v) => v?.name === m.name && v.emptyDir !== undefined);
  });
}

/**
 * MESH065: a container that declares a port its image's server does not listen on, the image's configuration its own (no volume
 * at, below or above its configuration directory, no env variable or option that changes it): a Service or probe on that port
 * finds nothing (connection refused). nginx's default.conf listens on 80, nginxinc/nginx-unprivileged's on 8080.
 * @see https://github.com/nginxinc/docker-nginx-unprivileged/blob/main/mainline/debian/Dockerfile (`listen 8080`, `EXPOSE 8080`)
 */
export const imagePortNotListened: AnalysisCheck = {
  code: Codes.IMAGE_PORT_NOT_LISTENED,
  title: 'a container port its image does not listen on',
  run(index: AnalysisView) {
    const out: Finding[] = [];
    for (const c of podContainers(index)) {
      if (typeof c.container.image !== 'string' || !Array.isArray(c.container.ports)) continue;
      const parsed = parseImageReference(c.container.image);
      const image = parsed.error === undefined ? officialImage(parsed.reference) : undefined;
      const l = image?.listens;
      if (!image || !l || !runsServer(c.container, image) || !ownConfiguration(c, l)) continue;
      c.container.ports.forEach((p: any, i: number) => {
        const n: unknown = p?.containerPort;
        if (typeof n !== 'number' || (p.protocol !== undefined && p.protocol !== 'TCP')) return;
        if (l.loopbackOnly) {
          out.push(finding(Codes.IMAGE_PORT_NOT_LISTENED, c.manifest, `${c.field}.ports[${i}].containerPort`,
            `container '${String(c.container.name)}' declares port ${n}, but ${String(c.container.image)} listens on 127.0.0.1 and ::1 only `
            + `(${l.source}; ${image.source}): nothing outside the pod, its sidecar included (which delivers inbound connections to the `
            + `pod's IP), reaches ${n}; give it ${l.ownConfig}`));
          return;
        }
        if (l.ports.includes(n) || l.otherPorts?.includes(n)) return;
        const on = l.ports.length > 1 ? `${l.ports.slice(0, -1).join(', ')} and ${l.ports[l.ports.length - 1]}` : `${l.ports[0]}`;
        out.push(finding(Codes.IMAGE_PORT_NOT_LISTENED, c.manifest, `${c.field}.ports[${i}].containerPort`,
          `container '${String(c.container.name)}' declares port ${n}, but ${String(c.container.image)} listens on ${on} only `
          + `(${l.source}; ${image.source}): nothing answers on ${n}; target ${l.ports[0]} (a MeshService port's targetPort: ${l.ports[0]}), `
          + `or listen on ${n} with ${l.ownConfig}`));
      });
    }
    return out;
  },
};

/**
 * MESH261: templates mounted where an image's entrypoint renders them (nginx's /etc/nginx/templates, or NGINX_ENVSUBST_TEMPLATE_DIR)
 * while the directory it renders them into (/etc/nginx/conf.d, or NGINX_ENVSUBST_OUTPUT_DIR) is read-only: the read-only root
 * filesystem, or a ConfigMap there. 20-envsubst-on-templates.sh then logs an ERROR and returns 0, and nginx starts with the image's
 * default.conf (its welcome page on its own port) instead of the configuration the templates hold.
 * @see https://github.com/nginxinc/docker-nginx/blob/master/mainline/debian/20-envsubst-on-templates.sh (`if [ ! -w "$output_dir" ]`)
 */
export const templatesNotRendered: AnalysisCheck = {
  code: Codes.TEMPLATES_NOT_RENDERED,
  title: 'templates an image renders as it starts, into a directory it cannot write',
  run(index: AnalysisView) {
    const out: Finding[] = [];
    for (const c of podContainers(index)) {
      if (typeof c.container.image !== 'string') continue;
      const parsed = parseImageReference(c.container.image);
      const image = parsed.error === undefined ? officialImage(parsed.reference) : undefined;
      const r = image?.renders;
      if (!image || !r || !runsServer(c.container, image)) continue;
      const from = envPath(c, r.fromEnv);
      const to = envPath(c, r.toEnv);
      if (from === null || to === null) continue;
      const templates = from ?? r.from;
      const mounts: any[] = Array.isArray(c.container.volumeMounts) ? c.container.volumeMounts : [];
      const i = mounts.findIndex((m) => typeof m?.mountPath === 'string'
        && (trimSlash(m.mountPath) === templates || trimSlash(m.mountPath).startsWith(`${templates}/`)));
      const output = to ?? r.to;
      const s = storageOf(c, output);
      if (i < 0 || !s.readOnly) continue;
      const where = s.mount ? `${c.field}.volumeMounts[${s.mount.index}]` : `${c.field}.securityContext.readOnlyRootFilesystem`;
      const on = s.mount ? `read-only volume '${s.mount.name}'` : 'the read-only root filesystem';
      out.push(finding(Codes.TEMPLATES_NOT_RENDERED, c.manifest, where,
        `container '${String(c.container.name)}' runs ${c.container.image} with templates at ${templates} (volume '${String(mounts[i].name)}'), `
        + `which ${r.by} renders into ${output} only where it can write; ${output} is on ${on}, so it skips them and the server starts `
        + `without the configuration they hold: mount an emptyDir at ${output}`));
    }
    return out;
  },
};

/** The checks of the images pods run. */
export const IMAGE_CHECKS: readonly AnalysisCheck[] = [
  invalidImage, officialImageUser, officialImageCannotStart, imagePortNotListened, dataOnEmptyDir, templatesNotRendered, imageSwitchesUser,
];
