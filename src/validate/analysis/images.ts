/**
 * Checks of the images pods run, as the manifests show them, written once for the library's
 * pods and hand-written ones alike.
 */
import { Codes } from '../../core/codes';
import { ImageReference, parseImageReference } from '../../core/image-reference';
import { ImageDirectory, officialImage, OfficialImage, postgresDataDirectory } from '../../core/official-images';
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
  /** Nothing the container can write: a read-only mount, a ConfigMap, Secret, downward API or projected volume, a read-only root filesystem. */
  readonly readOnly: boolean;
}

/** Volume sources the kubelet mounts read-only (https://kubernetes.io/docs/concepts/storage/volumes/#configmap and the next). */
const READ_ONLY_SOURCES = ['configMap', 'secret', 'downwardAPI', 'projected'];

const trimSlash = (p: string) => (p.length > 1 ? p.replace(/\/+$/, '') : p);

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
  return { mount: best, claim, readOnly };
}

/**
 * True if the container runs its image's entrypoint into the server: no command, and arguments that are options or name the
 * server (only those that name it for an image whose entrypoint runs anything else as given).
 */
function runsServer(container: Record<string, any>, image: OfficialImage): boolean {
  if (Array.isArray(container.command) && container.command.length > 0) return false;
  const first: unknown = Array.isArray(container.args) ? container.args[0] : undefined;
  if (first === undefined || first === image.server || (typeof first === 'string' && image.serverAliases?.includes(first))) return true;
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
function dataDirectoryOf(c: PodContainer, image: OfficialImage, ref: ImageReference): string | undefined {
  const data = image.dataDirectory;
  if (!data) return undefined;
  for (const name of data.env) {
    const v = envPath(c, name);
    if (v !== undefined) return v === null || (data.commaList && v.includes(',')) ? undefined : v;
  }
  if (data.fallback === undefined) return image.postgresMajor ? postgresDataDirectory(ref.tag, image.postgresMajor) : undefined;
  const volume = data.volumeEnv ? envPath(c, data.volumeEnv) : undefined;
  if (volume === null) return undefined;
  return volume !== undefined ? `${volume === '/' ? '' : volume}/data` : data.fallback;
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
    const path = dataDirectoryOf(c, image, parsed.reference);
    const data = path && image.dataDirectory
      ? { path, holds: `its data directory (${image.dataDirectory.env[0]})`, writtenAtStart: true } : undefined;
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
      const onClaim = c.directories.map((d) => ({ d, s: storageOf(c, d.path) })).find(({ s }) => s.claim);
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
 *   KAFKA_LOG_DIRS, Elasticsearch's config, logs and data directories) on the read-only root
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
      for (const d of c.directories.filter((x) => x.writtenAtStart)) {
        const s = storageOf(c, d.path);
        if (!s.readOnly) continue;
        const where = s.mount ? `${c.field}.volumeMounts[${s.mount.index}]` : `${c.field}.securityContext.readOnlyRootFilesystem`;
        const on = s.mount ? `read-only volume '${s.mount.name}'` : 'the read-only root filesystem';
        out.push(finding(Codes.OFFICIAL_IMAGE_CANNOT_START, c.manifest, where,
          `${who}, which writes ${d.holds} to ${d.path} as it starts; it is on ${on}, so the server cannot start: mount a writable volume `
          + `there (an emptyDir, or a claim for data)${d.mustHold ? ` holding ${d.mustHold}` : ''}`));
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

/** The checks of the images pods run. */
export const IMAGE_CHECKS: readonly AnalysisCheck[] = [invalidImage, officialImageUser, officialImageCannotStart];
