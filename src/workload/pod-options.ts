/**
 * The shape of a workload's pods, as data: environment, volumes and mounts, probes,
 * lifecycle and the Istio pod annotations. Pure types and value classes; the
 * cdk8s-plus-27 rendering lives in workload.ts, the checks in pod-checks.ts.
 */
import { Duration, Size, SizeRoundingBehavior } from 'cdk8s';
import { Codes } from '../core/codes';
import { MeshError } from '../core/errors';

/** How one environment variable gets its value. */
export type EnvSource =
  | { readonly kind: 'value'; readonly value: string }
  | { readonly kind: 'configMap'; readonly name: string; readonly key: string; readonly optional: boolean }
  | { readonly kind: 'secret'; readonly name: string; readonly key: string; readonly optional: boolean }
  | { readonly kind: 'podField'; readonly fieldPath: PodFieldPath | 'metadata.labels' | 'metadata.annotations'; readonly key?: string };

/**
 * A field of the pod that the kubelet gives a container through the downward API (`fieldRef`): its
 * name (a StatefulSet pod's stable name, `kafka-2`), namespace, uid, node, ServiceAccount and
 * addresses. A label or annotation is {@link EnvVarValue.fromPodLabel} / `fromPodAnnotation`.
 * @see https://kubernetes.io/docs/concepts/workloads/pods/downward-api/#downwardapi-fieldRef
 */
export type PodFieldPath = 'metadata.name' | 'metadata.namespace' | 'metadata.uid' | 'spec.nodeName' | 'spec.serviceAccountName'
  | 'status.hostIP' | 'status.hostIPs' | 'status.podIP' | 'status.podIPs';

/** Every {@link PodFieldPath}, as the API server accepts them in an environment variable's `fieldRef`. */
export const POD_FIELD_PATHS: readonly PodFieldPath[] = [
  'metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName',
  'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs',
];

/**
 * The value of an environment variable: a literal, a key of a ConfigMap or Secret, or a field of the pod. Named apart
 * from cdk8s-plus's `EnvValue` so that a chart importing both needs no alias.
 *
 * @see https://kubernetes.io/docs/tasks/inject-data-application/define-environment-variable-container/
 */
export class EnvVarValue {
  /** A literal value. */
  public static of(value: string): EnvVarValue {
    return new EnvVarValue({ kind: 'value', value });
  }

  /**
   * The value of `key` in the ConfigMap `name` of the pod's namespace.
   * @param optional whether the pod starts when the ConfigMap or key is missing (default false)
   */
  public static fromConfigMap(name: string, key: string, optional = false): EnvVarValue {
    return new EnvVarValue({ kind: 'configMap', name, key, optional });
  }

  /**
   * The value of `key` in the Secret `name` of the pod's namespace.
   * @param optional whether the pod starts when the Secret or key is missing (default false)
   */
  public static fromSecret(name: string, key: string, optional = false): EnvVarValue {
    return new EnvVarValue({ kind: 'secret', name, key, optional });
  }

  /**
   * A field of the pod, through the downward API: `metadata.name` is a StatefulSet pod's own name
   * (`emqx-1`), which a clustered image builds its node name from (`emqx@$(POD_NAME).emqx.<namespace>.svc.cluster.local`,
   * as `$(VAR)` in a later variable's value or the args).
   * @see https://kubernetes.io/docs/concepts/workloads/pods/downward-api/#downwardapi-fieldRef
   */
  public static fromPodField(fieldPath: PodFieldPath): EnvVarValue {
    return new EnvVarValue({ kind: 'podField', fieldPath });
  }

  /**
   * The value of the pod's label `key`, through the downward API: `apps.kubernetes.io/pod-index`
   * is a StatefulSet pod's ordinal (Kubernetes 1.28 and later), a replica's id (KRaft's
   * `KAFKA_NODE_ID`). A label the pod lacks is the empty string.
   * @see https://kubernetes.io/docs/reference/labels-annotations-taints/#apps-kubernetes.io-pod-index
   */
  public static fromPodLabel(key: string): EnvVarValue {
    return new EnvVarValue({ kind: 'podField', fieldPath: 'metadata.labels', key });
  }

  /** The value of the pod's annotation `key`, through the downward API. */
  public static fromPodAnnotation(key: string): EnvVarValue {
    return new EnvVarValue({ kind: 'podField', fieldPath: 'metadata.annotations', key });
  }

  private constructor(
    /** Where the value comes from. */
    public readonly source: EnvSource,
  ) {}
}

/** One item of a ConfigMap or Secret volume: a key written to a relative path. */
export interface KeyToPath {
  /** The key of the ConfigMap or Secret. */
  readonly key: string;
  /** The file's path relative to the mount point. */
  readonly path: string;
}

/** One source of a projected volume. */
export type ProjectedSource =
  | { readonly kind: 'configMap'; readonly name: string; readonly items?: readonly KeyToPath[] }
  | { readonly kind: 'secret'; readonly name: string; readonly items?: readonly KeyToPath[] }
  | { readonly kind: 'serviceAccountToken'; readonly path: string; readonly audience?: string; readonly expiration?: Duration };

/** The kinds of volume a workload may declare. */
export type VolumeSource =
  | { readonly kind: 'emptyDir'; readonly medium?: 'Memory'; readonly sizeLimit?: Size }
  | { readonly kind: 'configMap'; readonly name: string; readonly items?: readonly KeyToPath[]; readonly optional: boolean }
  | { readonly kind: 'secret'; readonly name: string; readonly items?: readonly KeyToPath[]; readonly optional: boolean }
  | { readonly kind: 'projected'; readonly sources: readonly ProjectedSource[] };

/**
 * A volume of a workload's pods. Only kinds that keep a pod portable and hardened:
 * scratch space, ConfigMaps, Secrets and projected volumes (no hostPath).
 *
 * @see https://kubernetes.io/docs/concepts/storage/volumes/
 */
export class WorkloadVolume {
  /**
   * Scratch space that lives as long as the pod (`/tmp`, caches).
   * @see https://kubernetes.io/docs/concepts/storage/volumes/#emptydir
   */
  public static emptyDir(name: string, options: { readonly memory?: boolean; readonly sizeLimit?: Size } = {}): WorkloadVolume {
    // The limit is written in Mi (cdk8s-plus-27's Volume.fromEmptyDir): a fraction of a MiB has no quantity there.
    const mib = options.sizeLimit?.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
    if (mib !== undefined && !(Number.isInteger(mib) && mib > 0)) {
      throw new MeshError(Codes.INVALID_VOLUME, `emptyDir ${name}: sizeLimit must be a whole number of mebibytes above 0, got ${mib}Mi`);
    }
    return new WorkloadVolume(name, {
      kind: 'emptyDir',
      medium: options.memory ? 'Memory' : undefined,
      sizeLimit: options.sizeLimit,
    });
  }

  /**
   * The keys of a ConfigMap as files.
   * @see https://kubernetes.io/docs/concepts/storage/volumes/#configmap
   */
  public static configMap(
    name: string,
    configMapName: string,
    options: { readonly items?: KeyToPath[]; readonly optional?: boolean } = {},
  ): WorkloadVolume {
    return new WorkloadVolume(name, { kind: 'configMap', name: configMapName, items: options.items, optional: options.optional ?? false });
  }

  /**
   * The keys of a Secret as files.
   * @see https://kubernetes.io/docs/concepts/storage/volumes/#secret
   */
  public static secret(
    name: string,
    secretName: string,
    options: { readonly items?: KeyToPath[]; readonly optional?: boolean } = {},
  ): WorkloadVolume {
    return new WorkloadVolume(name, { kind: 'secret', name: secretName, items: options.items, optional: options.optional ?? false });
  }

  /**
   * Several sources in one directory; a bound ServiceAccount token for an audience among them.
   * @see https://kubernetes.io/docs/concepts/storage/projected-volumes/
   */
  public static projected(name: string, sources: ProjectedSource[]): WorkloadVolume {
    if (sources.length === 0) throw new MeshError(Codes.INVALID_VOLUME, `projected volume '${name}' needs at least one source`);
    return new WorkloadVolume(name, { kind: 'projected', sources: [...sources] });
  }

  private constructor(
    /** The volume's name, which mounts refer to. */
    public readonly name: string,
    /** What backs it. */
    public readonly source: VolumeSource,
  ) {}
}

/** A volume mounted into the application container. */
export interface VolumeMountOptions {
  /** The name of a volume the workload declares. */
  readonly volume: string;
  /** The absolute path inside the container. */
  readonly path: string;
  /**
   * Whether the container may write to it.
   * @default - read-only for ConfigMap, Secret and projected volumes, writable for emptyDir
   */
  readonly readOnly?: boolean;
  /**
   * A path inside the volume to mount instead of its root.
   * @default - the volume's root
   */
  readonly subPath?: string;
}

/** Timing and thresholds of a probe; Kubernetes' defaults where unset. */
export interface ProbeTiming {
  /**
   * Wait before the first probe.
   * @default - Kubernetes' default, 0s
   */
  readonly initialDelay?: Duration;
  /**
   * Time between probes.
   * @default - Kubernetes' default, 10s
   */
  readonly period?: Duration;
  /**
   * Time after which a probe counts as failed.
   * @default - Kubernetes' default, 1s
   */
  readonly timeout?: Duration;
  /**
   * Consecutive failures before the probe fails.
   * @default - Kubernetes' default, 3
   */
  readonly failureThreshold?: number;
  /**
   * Consecutive successes before the probe passes again; Kubernetes accepts only 1 for liveness and startup probes.
   * @default - Kubernetes' default, 1
   */
  readonly successThreshold?: number;
}

/** How a probe checks the container. */
export type ProbeCheck =
  | { readonly kind: 'http'; readonly path: string; readonly port?: number; readonly headers: readonly { name: string; value: string }[] }
  | { readonly kind: 'grpc'; readonly port?: number; readonly service?: string }
  | { readonly kind: 'tcp'; readonly port?: number }
  | { readonly kind: 'exec'; readonly command: readonly string[] }
  | { readonly kind: 'none' };

/**
 * A readiness, liveness or startup probe. Istio rewrites HTTP, gRPC and TCP probes
 * to go through its agent (port 15020), so they work under STRICT mTLS.
 *
 * @see https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
 * @see https://istio.io/latest/docs/ops/configuration/mesh/app-health-check/
 */
export class HealthProbe {
  /** An HTTP GET of exactly `path`; any status from 200 to 399 passes. */
  public static http(path: string, options: ProbeTiming & {
    /** The container port. @default - the service's first port */
    readonly port?: number;
    /** Request headers. @default - none */
    readonly headers?: Record<string, string>;
  } = {}): HealthProbe {
    if (!path.startsWith('/')) throw new MeshError(Codes.INVALID_PROBE, `an HTTP probe path must start with '/', got '${path}'`);
    const headers = Object.entries(options.headers ?? {}).map(([name, value]) => ({ name, value }));
    return new HealthProbe({ kind: 'http', path, port: options.port, headers }, options);
  }

  /**
   * The gRPC health-checking protocol (grpc.health.v1.Health/Check).
   * @see https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#define-a-grpc-liveness-probe
   */
  public static grpc(options: ProbeTiming & {
    /** The container port. @default - the service's first port */
    readonly port?: number;
    /** The service name sent in the HealthCheckRequest. @default - the server's overall health */
    readonly service?: string;
  } = {}): HealthProbe {
    return new HealthProbe({ kind: 'grpc', port: options.port, service: options.service }, options);
  }

  /** A TCP connection to the port. */
  public static tcp(options: ProbeTiming & {
    /** The container port. @default - the service's first port */
    readonly port?: number;
  } = {}): HealthProbe {
    return new HealthProbe({ kind: 'tcp', port: options.port }, options);
  }

  /** A command run in the container; exit status 0 passes. */
  public static exec(command: string[], options: ProbeTiming = {}): HealthProbe {
    if (command.length === 0) throw new MeshError(Codes.INVALID_PROBE, 'an exec probe needs a command');
    return new HealthProbe({ kind: 'exec', command: [...command] }, options);
  }

  /** No probe. */
  public static none(): HealthProbe {
    return new HealthProbe({ kind: 'none' }, {});
  }

  /** This probe with `port` where it names none (HTTP, gRPC and TCP probes). */
  public withDefaultPort(port: number | undefined): HealthProbe {
    const c = this.check;
    if (port === undefined || !(c.kind === 'http' || c.kind === 'grpc' || c.kind === 'tcp') || c.port !== undefined) return this;
    return new HealthProbe({ ...c, port }, this.timing);
  }

  private constructor(
    /** What is checked. */
    public readonly check: ProbeCheck,
    /** When, and how many failures count. */
    public readonly timing: ProbeTiming,
  ) {}
}

/** A container's probes. */
export interface ProbesOptions {
  /**
   * Whether the pod receives traffic.
   * @default - HTTP GET `<healthCheckPath>/ready` when the service names its health path, gRPC health for a gRPC first port, else a TCP
   * connection to it
   */
  readonly readiness?: HealthProbe;
  /**
   * Whether the container is restarted.
   * @default - HTTP GET `<healthCheckPath>/live` when the service names its health path, gRPC health for a gRPC first port, else a TCP
   * connection to it
   */
  readonly liveness?: HealthProbe;
  /**
   * Holds the other probes until a slow start is over.
   * @default - none
   */
  readonly startup?: HealthProbe;
}

/** The pull policy of an image. */
export type ImagePullPolicy = 'Always' | 'IfNotPresent' | 'Never';
