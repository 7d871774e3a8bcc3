/**
 * The containers of a pod besides the application's: extra containers (exporters,
 * helpers) and native sidecar init containers, each with its own image, ports, probes,
 * security and resources; container ports that no Service port exposes; volume claims of a
 * StatefulSet. Pure types and value classes.
 */
import { Size, SizeRoundingBehavior } from 'cdk8s';
import { Codes } from '../core/codes';
import { formatProblem } from '../core/errors';
import { dns1123LabelProblem } from '../core/names';
import { EnvVarValue, ImagePullPolicy, ProbesOptions, VolumeMountOptions } from './pod-options';
import { Cpu, cpuMillis, ExtendedResource, mebibytesOf } from './quantities';
import { ContainerSecurityOptions } from './security-context';

/**
 * CPU and memory requests and limits of a container: whole millicores (`Cpu.millis(250)`, `Cpu.units(1)`)
 * and whole mebibytes (`Size.mebibytes(256)`, `Size.gibibytes(1)`), each request at most its limit.
 * @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
 */
export interface ContainerResources {
  /**
   * CPU request.
   * @default Cpu.millis(100)
   */
  readonly cpuRequest?: Cpu;
  /**
   * CPU limit; `HardeningException.noCpuLimit(reason)` leaves it unset.
   * @default Cpu.millis(500)
   */
  readonly cpuLimit?: Cpu;
  /**
   * Memory request.
   * @default Size.mebibytes(128)
   */
  readonly memoryRequest?: Size;
  /**
   * Memory limit; `HardeningException.noMemoryLimit(reason)` leaves it unset.
   * @default Size.mebibytes(512)
   */
  readonly memoryLimit?: Size;
  /**
   * Extended resources, each a whole number of a device a node advertises (`ExtendedResource.of('nvidia.com/gpu', 1)`),
   * written as the container's limits (Kubernetes takes them as its requests too); combine with `nodeSelector` and
   * `tolerations` for a tainted pool. The application's init containers do not inherit them.
   * @default - none
   */
  readonly extended?: ExtendedResource[];
}

/** The defaults of {@link ContainerResources}. */
export const DEFAULT_RESOURCES: Required<ContainerResources> = {
  cpuRequest: Cpu.millis(100),
  cpuLimit: Cpu.millis(500),
  memoryRequest: Size.mebibytes(128),
  memoryLimit: Size.mebibytes(512),
  extended: [],
};

/**
 * `given` over `base`, with each request `given` leaves out at most the limit it ends with: a
 * container given only a limit of 50m gets a request of 50m, not the default 100m, which the API
 * server would reject (a request must be at most its limit, ValidateContainerResourceRequirements
 * in k8s.io/kubernetes pkg/apis/core/validation/validation.go). A request given explicitly is
 * kept; one above its limit is reported by quantityProblems (MESH212).
 */
export function withResourceDefaults(given: ContainerResources | undefined,
  base: Required<ContainerResources> = DEFAULT_RESOURCES): Required<ContainerResources> {
  // Only a limit `given` sets bounds a request of `base`: `base` as it is stays as it is (checked by quantityProblems).
  const cpu = (req: Cpu, limit: Cpu | undefined) => (limit === undefined || cpuMillis(req) <= cpuMillis(limit) ? req : limit);
  const memory = (req: Size, limit: Size | undefined) => (limit === undefined || mebibytesOf(req) <= mebibytesOf(limit) ? req : limit);
  return {
    cpuLimit: given?.cpuLimit ?? base.cpuLimit,
    memoryLimit: given?.memoryLimit ?? base.memoryLimit,
    cpuRequest: given?.cpuRequest ?? cpu(base.cpuRequest, given?.cpuLimit),
    memoryRequest: given?.memoryRequest ?? memory(base.memoryRequest, given?.memoryLimit),
    extended: given?.extended ?? base.extended,
  };
}

/**
 * A port a container listens on. A Service port may target it; one that none targets is
 * reachable only from inside the pod (`localhost`, an exporter beside the server) or by
 * `kubectl port-forward`: the NetworkPolicy admits callers on Service ports only, and a call
 * to it is refused at synth (MESH042).
 */
export interface ContainerPortOptions {
  /** The port number. */
  readonly number: number;
  /**
   * The port's name (an IANA service name: at most 15 lowercase letters, digits and '-').
   * @default - none, or the Service port's name when one targets it
   */
  readonly name?: string;
  /**
   * The transport protocol.
   * @default 'TCP'
   */
  readonly protocol?: 'TCP' | 'UDP';
}

/** A container of the pod besides the application's: an exporter, a log shipper, a helper. */
export interface ContainerOptions {
  /** The container's name, a DNS-1123 label other than `app` (and short enough for its exception annotations). */
  readonly name: string;
  /** Its image. */
  readonly image: string;
  /**
   * Its command.
   * @default - the image's entrypoint
   */
  readonly command?: string[];
  /**
   * Its arguments.
   * @default - the image's
   */
  readonly args?: string[];
  /**
   * Its environment.
   * @default - none
   */
  readonly env?: Record<string, EnvVarValue>;
  /**
   * The ports it listens on; a Service port may target one of them.
   * @default - none
   */
  readonly ports?: ContainerPortOptions[];
  /**
   * Its probes; their ports default to its first port.
   * @default - none
   */
  readonly probes?: ProbesOptions;
  /**
   * Its security settings, over the pod's.
   * @default - hardened
   */
  readonly security?: ContainerSecurityOptions;
  /**
   * Its CPU and memory.
   * @default - 100m/500m CPU, 128Mi/512Mi memory
   */
  readonly resources?: ContainerResources;
  /**
   * Volumes it mounts.
   * @default - none besides /tmp
   */
  readonly mounts?: VolumeMountOptions[];
  /**
   * When the kubelet pulls its image.
   * @default - Kubernetes' default (Always for `:latest` or no tag, else IfNotPresent)
   */
  readonly imagePullPolicy?: ImagePullPolicy;
}

/** An access mode of a persistent volume. */
export type AccessMode = 'ReadWriteOnce' | 'ReadOnlyMany' | 'ReadWriteMany' | 'ReadWriteOncePod';

/** Options of a {@link VolumeClaim}. */
export interface VolumeClaimOptions {
  /** The storage each pod requests. */
  readonly size: Size;
  /**
   * The StorageClass.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * The access modes.
   * @default ['ReadWriteOnce']
   */
  readonly accessModes?: AccessMode[];
}

/**
 * A volume each pod of a StatefulSet gets a claim of its own (`<volume>-<pod>`), kept
 * across restarts and rescheduling: a `volumeClaimTemplates` entry. Mount it by its name
 * with `mounts`, like any volume; a claim that no container mounts is an error (MESH044).
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#volume-claim-templates
 */
export class VolumeClaim {
  /** A claim template named `name`. */
  public static of(name: string, options: VolumeClaimOptions): VolumeClaim {
    return new VolumeClaim(name, options.size, options.storageClassName, [...(options.accessModes ?? ['ReadWriteOnce'])]);
  }

  private constructor(
    /** The volume's name, which mounts refer to. */
    public readonly name: string,
    /** The storage requested. */
    public readonly size: Size,
    /** The StorageClass, if not the default. */
    public readonly storageClassName: string | undefined,
    /** The access modes. */
    public readonly accessModes: readonly AccessMode[],
  ) {}
}

/**
 * The storage of a claim as a Kubernetes quantity: whole GiB when it is, else whole MiB.
 * @internal
 */
export function claimQuantity(size: Size): string {
  const gib = size.toGibibytes({ rounding: SizeRoundingBehavior.NONE });
  return Number.isInteger(gib) ? `${gib}Gi` : `${size.toMebibytes({ rounding: SizeRoundingBehavior.NONE })}Mi`;
}

const ACCESS_MODES: readonly string[] = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'];

/** Problems with volume claims: names, sizes, access modes, storage classes (MESH044). */
export function volumeClaimProblems(claims: readonly VolumeClaim[], mounted: ReadonlySet<string>, taken: ReadonlySet<string>): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  claims.forEach((c, i) => {
    const at = `stateful.volumeClaims[${i}]`;
    const bad = (m: string) => out.push(formatProblem(Codes.INVALID_VOLUME_CLAIM, `${at}${m}`));
    const p = dns1123LabelProblem(c.name);
    if (p) bad(`.name: ${p}`);
    if (seen.has(c.name) || taken.has(c.name)) bad(`.name: '${c.name}' is declared twice`);
    seen.add(c.name);
    const mib = c.size.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
    if (!(Number.isInteger(mib) && mib >= 1)) bad(`.size: must be a whole number of MiB, at least 1, got ${mib}`);
    if (c.accessModes.length === 0) bad('.accessModes: needs at least one mode');
    for (const m of c.accessModes) if (!ACCESS_MODES.includes(m)) bad(`.accessModes: '${m}' is not ${ACCESS_MODES.join(', ')}`);
    const sc = c.storageClassName;
    if (sc !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(sc)) {
      bad(`.storageClassName: '${sc}' is not a DNS-1123 subdomain`);
    }
    if (!mounted.has(c.name)) bad(`: claim '${c.name}' is mounted by no container; mount it with mounts: [{ volume: '${c.name}', path: ... }]`);
  });
  return out;
}

/**
 * A stateful service's StatefulSet: its pods' own volumes and how its image replicates.
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/
 */
export interface StatefulOptions {
  /**
   * Volumes each pod gets a claim of its own, mounted by name with `mounts`.
   * @default - none
   */
  readonly volumeClaims?: VolumeClaim[];
  /**
   * How the image keeps its replicas' data in step (`mongod --replSet rs0`, a primary and
   * replicas...), written as the `mesh.cdk8s.io/replication` annotation. Without it, more
   * than one replica with `volumeClaims` is a warning (MESH045): each pod would be an
   * independent database behind one Service.
   * @default - none
   */
  readonly replication?: string;
  /**
   * The ports the replicas reach each other on, where they are not every port of the service: a
   * broker's cluster ports (EMQX's 4370 and 5369) beside the ports its clients use (MQTT's 8883, a
   * dashboard), which the peer call then leaves closed to the replicas. Only with `replication`
   * and more than one replica, each a port of the service (MESH042).
   * @default - every port of the service
   */
  readonly peerPorts?: number[];
  /**
   * Whether pods start one by one (each ready before the next) or all at once.
   * @default 'OrderedReady'
   */
  readonly podManagementPolicy?: 'OrderedReady' | 'Parallel';
}
