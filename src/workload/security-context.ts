/**
 * Security settings of a pod and its containers, as typed data: the user and groups, the
 * seccomp profile, and the loosenings of the hardened context, each a named exception with
 * its reason. An exception is written as an annotation on the pod template next to the field
 * it loosens (`mesh.cdk8s.io/hardening.<container>.<field>: <reason>`), and the hardening
 * check (MESH208, src/views/security/pod-hardening.ts) judges each field against it.
 */
import { Codes } from '../core/codes';
import { formatProblem, MeshError } from '../core/errors';

/**
 * A Linux capability as Kubernetes takes it: the kernel's `CAP_` constant without its
 * prefix. Every capability of linux/include/uapi/linux/capability.h (CAP_CHOWN, 0, to
 * CAP_CHECKPOINT_RESTORE, 40).
 * @see https://man7.org/linux/man-pages/man7/capabilities.7.html
 * @see https://kubernetes.io/docs/tasks/configure-pod-container/security-context/#set-capabilities-for-a-container
 */
export type LinuxCapability =
  | 'CHOWN' | 'DAC_OVERRIDE' | 'DAC_READ_SEARCH' | 'FOWNER' | 'FSETID' | 'KILL' | 'SETGID' | 'SETUID' | 'SETPCAP'
  | 'LINUX_IMMUTABLE' | 'NET_BIND_SERVICE' | 'NET_BROADCAST' | 'NET_ADMIN' | 'NET_RAW' | 'IPC_LOCK' | 'IPC_OWNER'
  | 'SYS_MODULE' | 'SYS_RAWIO' | 'SYS_CHROOT' | 'SYS_PTRACE' | 'SYS_PACCT' | 'SYS_ADMIN' | 'SYS_BOOT' | 'SYS_NICE'
  | 'SYS_RESOURCE' | 'SYS_TIME' | 'SYS_TTY_CONFIG' | 'MKNOD' | 'LEASE' | 'AUDIT_WRITE' | 'AUDIT_CONTROL' | 'SETFCAP'
  | 'MAC_OVERRIDE' | 'MAC_ADMIN' | 'SYSLOG' | 'WAKE_ALARM' | 'BLOCK_SUSPEND' | 'AUDIT_READ' | 'PERFMON' | 'BPF'
  | 'CHECKPOINT_RESTORE';

/**
 * Every {@link LinuxCapability}, in the kernel's order.
 * @internal
 */
export const LINUX_CAPABILITIES: ReadonlySet<string> = new Set<LinuxCapability>([
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP',
  'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER',
  'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE',
  'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP',
  'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF',
  'CHECKPOINT_RESTORE',
]);

/** What {@link HardeningException.rootEntrypoint} needs to know of an image's entrypoint. */
export interface RootEntrypointOptions {
  /** The UID the entrypoint drops to (docker-library's postgres, redis, mongo and rabbitmq: 999). */
  readonly dropsToUser: number;
  /** Why: the image and what its entrypoint does. */
  readonly reason: string;
  /**
   * Whether it chowns its data directory (`find <dir> \! -user X -exec chown X`): CHOWN and DAC_READ_SEARCH.
   * @default true
   */
  readonly chownsData?: boolean;
  /**
   * Whether it chmods directories its user owns and relies on it (postgres ignores the failure: `chmod 00700 "$PGDATA" || :`): FOWNER.
   * @default false
   */
  readonly chmodsData?: boolean;
}

/** The field of the hardened context an exception loosens; also the last part of its annotation's key. */
export type HardeningField =
  | 'runAsNonRoot' | 'capabilities' | 'allowPrivilegeEscalation' | 'readOnlyRootFilesystem' | 'seccompProfile'
  | 'resources.limits.cpu' | 'resources.limits.memory';

/** The prefix of the annotations that record exceptions: `mesh.cdk8s.io/hardening.<container>.<field>`. */
export const HARDENING_ANNOTATION_PREFIX = 'mesh.cdk8s.io/hardening.';

/**
 * The annotation key that excuses `field` of `container` (for capabilities, one key per
 * capability: `...<container>.capabilities.NET_BIND_SERVICE`).
 * @internal
 */
export function exceptionKey(container: string, field: HardeningField, capability?: string): string {
  return `${HARDENING_ANNOTATION_PREFIX}${container}.${field}${capability ? `.${capability}` : ''}`;
}

/**
 * One loosening of a container's hardened security context, with the reason a reviewer
 * reads: the image needs it. Each is written as an annotation on the pod template next to
 * what it loosens, and the hardening check (MESH208) accepts that field, and only that one.
 *
 * @example
 * // The image's binary carries `setcap cap_net_bind_service=+ep` and binds port 80.
 * exceptions: [
 *   HardeningException.addCapabilities(['NET_BIND_SERVICE'], 'the binary carries cap_net_bind_service=+ep to bind port 80'),
 *   HardeningException.allowPrivilegeEscalation('file capabilities are granted only without no_new_privs'),
 * ]
 */
export class HardeningException {
  /**
   * Runs the container as root (UID 0, `runAsNonRoot: false`) with every capability still
   * dropped. An entrypoint that chowns and then drops privileges needs capabilities too: use
   * {@link HardeningException.rootEntrypoint}; with none of SETUID/SETGID it is warned of (MESH215).
   */
  public static runAsRoot(reason: string): HardeningException {
    return new HardeningException('runAsNonRoot', reason, []);
  }

  /**
   * An image whose entrypoint starts as root, chowns its data to its own user, and drops to
   * that user (docker-library's postgres, redis, mongo, rabbitmq, mysql: `find ... \! -user X
   * -exec chown X`, then `exec gosu X` / `su-exec X` / `setpriv --reuid X`): runAsRoot and
   * exactly the capabilities such an entrypoint uses, each an exception of its own with the
   * reason, for review. Spread it into `exceptions`. Root with ALL dropped cannot chown a file
   * it does not own (CAP_CHOWN), walk a directory of mode 0700 another user owns, which the data
   * directory is from the second start on (CAP_DAC_READ_SEARCH; postgres keeps PGDATA 0700), nor
   * change its user and groups (setuid, setgid and setgroups: CAP_SETUID, CAP_SETGID). Once it
   * has dropped to `dropsToUser` the process holds no capability (capabilities(7), "Effect of
   * user ID changes on capabilities"). An image that can simply start as its user
   * (`podSecurity: { runAsUser: 999 }`, as the entrypoints allow: "allow the container to be
   * started with `--user`") needs none of this, and is the safer choice.
   * @see https://github.com/docker-library/postgres/blob/master/17/bookworm/docker-entrypoint.sh (docker_create_db_directories, _main)
   * @see https://man7.org/linux/man-pages/man7/capabilities.7.html
   */
  public static rootEntrypoint(options: RootEntrypointOptions): HardeningException[] {
    const { dropsToUser: uid, reason } = options;
    if (!Number.isInteger(uid) || uid < 1 || uid > 2147483647 || uid === 1337) {
      throw new MeshError(Codes.INVALID_HARDENING_EXCEPTION,
        `rootEntrypoint: dropsToUser must be the image's user, a whole number from 1 (not 1337, Envoy's), got ${uid}`);
    }
    const why = (what: string) => `${reason?.trim() ?? ''}: root entrypoint dropping to UID ${uid}; ${what}`;
    const out = [
      HardeningException.runAsRoot(why('starts as root')),
      HardeningException.addCapabilities(['SETUID', 'SETGID'], why('gosu/su-exec/setpriv set its user and groups')),
    ];
    if (options.chownsData ?? true) {
      out.push(HardeningException.addCapabilities(['CHOWN', 'DAC_READ_SEARCH'],
        why('chowns its data to that user, walking directories of mode 0700 it owns from the second start on')));
    }
    if (options.chmodsData ?? false) out.push(HardeningException.addCapabilities(['FOWNER'], why('chmods directories that user owns')));
    return out;
  }

  /**
   * Adds capabilities to the container's bounding set (ALL stays dropped first). A binary
   * with a file capability (`setcap cap_net_bind_service=+ep`) fails to exec with EPERM
   * unless the capability is in the bounding set: capabilities(7), "Safety checking for
   * capability-dumb binaries".
   * @see https://man7.org/linux/man-pages/man7/capabilities.7.html
   */
  public static addCapabilities(capabilities: LinuxCapability[], reason: string): HardeningException {
    return new HardeningException('capabilities', reason, [...capabilities]);
  }

  /**
   * `allowPrivilegeEscalation: true`: the process may gain privileges on exec, which a
   * binary with file capabilities needs (Kubernetes otherwise sets no_new_privs, and
   * execve then grants no file capability).
   * @see https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
   * @see https://docs.kernel.org/userspace-api/no_new_privs.html
   */
  public static allowPrivilegeEscalation(reason: string): HardeningException {
    return new HardeningException('allowPrivilegeEscalation', reason, []);
  }

  /** A writable root filesystem, for an image that writes to paths no volume can cover. */
  public static writableRootFilesystem(reason: string): HardeningException {
    return new HardeningException('readOnlyRootFilesystem', reason, []);
  }

  /**
   * Runs the container without a seccomp profile (`Unconfined`).
   * @see https://kubernetes.io/docs/tutorials/security/seccomp/
   */
  public static unconfinedSeccomp(reason: string): HardeningException {
    return new HardeningException('seccompProfile', reason, []);
  }

  /** Leaves the container's CPU limit unset (its request stays): for a runtime that a CPU quota throttles. */
  public static noCpuLimit(reason: string): HardeningException {
    return new HardeningException('resources.limits.cpu', reason, []);
  }

  /** Leaves the container's memory limit unset (its request stays). */
  public static noMemoryLimit(reason: string): HardeningException {
    return new HardeningException('resources.limits.memory', reason, []);
  }

  private constructor(
    /** The field it loosens. */
    public readonly field: HardeningField,
    /** Why the image needs it. */
    public readonly reason: string,
    /** The capabilities added, for `capabilities`. */
    public readonly capabilities: readonly LinuxCapability[],
  ) {}
}

/**
 * A seccomp profile that keeps the container confined: the container runtime's default,
 * or a profile file on the node. Unconfined is a {@link HardeningException}.
 * @see https://kubernetes.io/docs/tutorials/security/seccomp/
 */
export class SeccompProfile {
  /** The container runtime's default profile. */
  public static runtimeDefault(): SeccompProfile {
    return new SeccompProfile('RuntimeDefault');
  }

  /** A profile file on the node, relative to the kubelet's seccomp directory. */
  public static localhost(localhostProfile: string): SeccompProfile {
    return new SeccompProfile('Localhost', localhostProfile);
  }

  private constructor(
    /** Kubernetes' type of profile. */
    public readonly type: 'RuntimeDefault' | 'Localhost',
    /** The file of a `Localhost` profile. */
    public readonly localhostProfile?: string,
  ) {}
}

/** The security settings of one container, over the pod's. */
export interface ContainerSecurityOptions {
  /**
   * The UID the container runs as (not 0: that is {@link HardeningException.runAsRoot}; not 1337, Envoy's).
   * @default - the pod's
   */
  readonly runAsUser?: number;
  /**
   * The primary GID the container runs as.
   * @default - the pod's
   */
  readonly runAsGroup?: number;
  /**
   * The seccomp profile.
   * @default - the pod's (RuntimeDefault)
   */
  readonly seccompProfile?: SeccompProfile;
  /**
   * The loosenings of the hardened context the image needs, each with its reason.
   * @default - none: non-root, read-only root filesystem, no privilege escalation, all capabilities dropped
   */
  readonly exceptions?: HardeningException[];
}

/** The pod-wide security settings, which every container inherits. */
export interface PodSecurityOptions {
  /**
   * The UID containers run as (not 0, not 1337).
   * @default 10001
   */
  readonly runAsUser?: number;
  /**
   * The primary GID containers run as.
   * @default 10001
   */
  readonly runAsGroup?: number;
  /**
   * The group that owns the pod's volumes (claims, emptyDirs): what a non-root process
   * needs to write to a fresh volume.
   * @default - the runAsGroup
   * @see https://kubernetes.io/docs/tasks/configure-pod-container/security-context/#set-the-security-context-for-a-pod
   */
  readonly fsGroup?: number;
  /**
   * The seccomp profile of every container.
   * @default SeccompProfile.runtimeDefault()
   */
  readonly seccompProfile?: SeccompProfile;
}

/** The user and group workloads run as by default: not root, and not 1337 (Envoy's). */
export const WORKLOAD_UID = 10001;

/** Pod security with every default worked out. */
export interface ResolvedPodSecurity {
  readonly runAsUser: number;
  readonly runAsGroup: number;
  readonly fsGroup: number;
  readonly seccompProfile: SeccompProfile;
}

/** The pod's security settings with their defaults. */
export function resolvePodSecurity(o: PodSecurityOptions = {}): ResolvedPodSecurity {
  const runAsGroup = o.runAsGroup ?? WORKLOAD_UID;
  return {
    runAsUser: o.runAsUser ?? WORKLOAD_UID,
    runAsGroup,
    fsGroup: o.fsGroup ?? runAsGroup,
    seccompProfile: o.seccompProfile ?? SeccompProfile.runtimeDefault(),
  };
}

/** A container's security context (Kubernetes' form) and the annotations that excuse its loosenings. */
export interface RenderedContainerSecurity {
  readonly context: {
    runAsUser: number; runAsGroup: number; runAsNonRoot: boolean; readOnlyRootFilesystem: boolean;
    allowPrivilegeEscalation: boolean; privileged: false; capabilities: { drop: string[]; add?: string[] };
    seccompProfile?: { type: string; localhostProfile?: string };
  };
  readonly annotations: Record<string, string>;
  /** The resource limits the container leaves unset. */
  readonly noLimits: { readonly cpu: boolean; readonly memory: boolean };
}

/**
 * The security context of `container` under `pod`: hardened, less the loosenings its valid
 * exceptions name (an exception without a reason, or naming no known capability, loosens
 * nothing: it is reported by {@link securityProblems}).
 */
export function renderContainerSecurity(container: string, pod: ResolvedPodSecurity, o: ContainerSecurityOptions = {}): RenderedContainerSecurity {
  const valid = (o.exceptions ?? []).filter((e) => exceptionProblem(e) === undefined);
  const has = (f: HardeningField) => valid.some((e) => e.field === f);
  const annotations: Record<string, string> = {};
  for (const e of valid) {
    if (e.field === 'capabilities') for (const c of e.capabilities) annotations[exceptionKey(container, e.field, c)] = e.reason.trim();
    else annotations[exceptionKey(container, e.field)] = e.reason.trim();
  }
  const root = has('runAsNonRoot');
  const add = [...new Set(valid.flatMap((e) => e.capabilities))].sort();
  // A container's own profile, or Unconfined by exception; else the pod's applies.
  const seccomp = has('seccompProfile') ? { type: 'Unconfined' }
    : o.seccompProfile ? { type: o.seccompProfile.type, localhostProfile: o.seccompProfile.localhostProfile } : undefined;
  return {
    context: {
      runAsUser: root ? 0 : o.runAsUser ?? pod.runAsUser,
      runAsGroup: o.runAsGroup ?? (root ? 0 : pod.runAsGroup),
      runAsNonRoot: !root,
      readOnlyRootFilesystem: !has('readOnlyRootFilesystem'),
      allowPrivilegeEscalation: has('allowPrivilegeEscalation'),
      privileged: false,
      capabilities: { drop: ['ALL'], add: add.length > 0 ? add : undefined },
      seccompProfile: seccomp,
    },
    annotations,
    noLimits: { cpu: has('resources.limits.cpu'), memory: has('resources.limits.memory') },
  };
}

/** Why an exception is invalid, if it is. */
function exceptionProblem(e: HardeningException): string | undefined {
  if (typeof e.reason !== 'string' || e.reason.trim() === '') return 'give the reason the image needs it';
  if (e.field === 'capabilities') {
    if (e.capabilities.length === 0) return 'name at least one capability';
    const unknown = e.capabilities.filter((c) => !LINUX_CAPABILITIES.has(c));
    if (unknown.length > 0) return `unknown capability ${unknown.map((c) => `'${c}'`).join(', ')}`;
  }
  return undefined;
}

/** Problems with a container's security options, under `field` (`security`, `containers[0].security`). */
export function securityProblems(field: string, o: ContainerSecurityOptions | undefined): string[] {
  const out: string[] = [];
  if (!o) return out;
  for (const [k, v] of [['runAsUser', o.runAsUser], ['runAsGroup', o.runAsGroup]] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v >= 0 && v <= 2147483647))
      out.push(formatProblem(Codes.INVALID_POD_SETTING, `${field}.${k}: must be a whole number from 0, got ${v}`));
  }
  if (o.runAsUser === 0) {
    out.push(formatProblem(Codes.INVALID_HARDENING_EXCEPTION, `${field}.runAsUser: 0 is root; say why with HardeningException.runAsRoot(reason)`));
  }
  const seen = new Set<string>();
  (o.exceptions ?? []).forEach((e, i) => {
    const at = `${field}.exceptions[${i}]`;
    const p = exceptionProblem(e);
    if (p)
      out.push(
        formatProblem(
          e.field === 'capabilities' && p.startsWith('unknown') ? Codes.UNKNOWN_CAPABILITY : Codes.INVALID_HARDENING_EXCEPTION,
          `${at}: ${p}`,
        ),
      );
    for (const key of e.field === 'capabilities' ? e.capabilities.map((c) => `capabilities.${c}`) : [e.field]) {
      if (seen.has(key)) out.push(formatProblem(Codes.INVALID_HARDENING_EXCEPTION, `${at}: ${key} is excused twice`));
      seen.add(key);
    }
  });
  if (o.seccompProfile && seen.has('seccompProfile')) {
    out.push(formatProblem(Codes.INVALID_HARDENING_EXCEPTION, `${field}.seccompProfile: set with an unconfinedSeccomp exception; choose one`));
  }
  if (o.seccompProfile?.type === 'Localhost' && !o.seccompProfile.localhostProfile) {
    out.push(formatProblem(Codes.INVALID_POD_SETTING, `${field}.seccompProfile: a Localhost profile names its file`));
  }
  return out;
}
