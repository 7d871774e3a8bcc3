/**
 * CPU and memory quantities: cdk8s-plus-27's `Cpu` (`Cpu.millis(250)`, `Cpu.units(0.5)`) and cdk8s's
 * `Size`, read back as whole millicores and mebibytes where a check or an annotation needs a number.
 */
import { Size, SizeRoundingBehavior } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-27';
import { Codes } from '../core/codes';
import { formatProblem, MeshError } from '../core/errors';
import { isLabelKey } from '../core/names';

export { Cpu };

/**
 * The millicores of `cpu`, or NaN when its amount is no number (`Cpu.millis(NaN)`).
 * cdk8s-plus-27 keeps the amount as the quantity it writes: `<n>m` (Cpu.millis) or `<n>` cores (Cpu.units).
 * @internal
 */
export function cpuMillis(cpu: Cpu): number {
  const a = cpu.amount;
  if (a.endsWith('m')) return Number(a.slice(0, -1));
  const millis = Number(a) * 1000;
  // 0.3 cores is 300.00000000000006 in binary floating point: a whole millicore within rounding is that millicore.
  return Math.abs(millis - Math.round(millis)) < 1e-6 ? Math.round(millis) : millis;
}

/**
 * The mebibytes of `size`, fractional when it is not whole (`Size.kibibytes(100)`).
 * @internal
 */
export function mebibytesOf(size: Size): number {
  return size.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
}

/**
 * A whole number of an extended resource, a device a node advertises through its device plugin (`nvidia.com/gpu`,
 * `amd.com/gpu`, `gpu.intel.com/i915`) or a node-level resource of the cluster's own: written as the container's
 * limit, which Kubernetes also takes as its request ("Kubernetes will use the limit as the request value by default";
 * extended resources cannot be overcommitted, so a request would have to equal it), and the scheduler places the pod
 * only on a node with that many unallocated.
 * @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#extended-resources
 * @see https://kubernetes.io/docs/tasks/manage-gpus/scheduling-gpus/
 */
export class ExtendedResource {
  /**
   * `count` of the extended resource `name`: a fully qualified name (`<domain>/<name>`) outside the `kubernetes.io`
   * domain, without the `requests.` prefix (k8s.io/kubernetes pkg/apis/core/v1/helper `IsExtendedResourceName`), and a
   * whole number above 0 (extended resources are integer resources); MESH220 otherwise.
   */
  public static of(name: string, count: number): ExtendedResource {
    const problem = extendedResourceNameProblem(name);
    if (problem) throw new MeshError(Codes.INVALID_EXTENDED_RESOURCE, `ExtendedResource.of('${name}'): ${problem}`);
    if (!Number.isInteger(count) || count < 1) {
      throw new MeshError(Codes.INVALID_EXTENDED_RESOURCE, `ExtendedResource.of('${name}'): the count must be a whole number above 0, got ${count}`);
    }
    return new ExtendedResource(name, count);
  }

  private constructor(
    /** The resource's name, `nvidia.com/gpu`. */
    public readonly name: string,
    /** How many the container gets. */
    public readonly count: number,
  ) {}
}

/** Why `name` is not an extended resource name Kubernetes takes, or undefined. */
function extendedResourceNameProblem(name: string): string | undefined {
  const parts = name.split('/');
  if (parts.length !== 2 || !isLabelKey(name)) {
    return 'must be a fully qualified name, <domain>/<name> (nvidia.com/gpu): a name without a domain is a resource of Kubernetes\' own';
  }
  if (name.includes('kubernetes.io/')) return 'names in the kubernetes.io domain are resources of Kubernetes\' own, not extended resources';
  if (name.startsWith('requests.')) return 'the requests. prefix is a ResourceQuota\'s, not a container\'s';
  return undefined;
}

/**
 * Why a CPU quantity is not one Kubernetes takes: whole millicores above 0 ("Kubernetes doesn't
 * allow you to specify CPU resources with a precision finer than 1m",
 * https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#meaning-of-cpu).
 * @internal
 */
export function cpuProblem(field: string, cpu: Cpu | undefined): string | undefined {
  if (cpu === undefined) return undefined;
  const m = cpuMillis(cpu);
  if (Number.isInteger(m) && m > 0) return undefined;
  return formatProblem(Codes.INVALID_POD_SETTING, `${field}: must be a whole number of millicores above 0 (Cpu.millis(n), n ≥ 1), got ${cpu.amount}`);
}

/**
 * Why a memory or volume size is not one the workload writes: whole mebibytes above 0 (the pod's
 * quantities are written in `Mi`, as cdk8s-plus-27 writes a container's memory).
 * @internal
 */
export function mebibytesProblem(field: string, size: Size | undefined): string | undefined {
  if (size === undefined) return undefined;
  const mib = mebibytesOf(size);
  if (Number.isInteger(mib) && mib > 0) return undefined;
  return formatProblem(Codes.INVALID_POD_SETTING, `${field}: must be a whole number of mebibytes above 0, got ${mib}Mi`);
}

/** A request and a limit of CPU and memory, as a container's resources and the sidecar's options both have them. */
interface Quantities {
  readonly cpuRequest?: Cpu;
  readonly cpuLimit?: Cpu;
  readonly memoryRequest?: Size;
  readonly memoryLimit?: Size;
  readonly extended?: readonly ExtendedResource[];
}

/**
 * Problems of a container's (or the sidecar's) quantities under `field`: each whole and above 0, each
 * request at most its limit (MESH212: the API server rejects a request above its limit,
 * ValidateContainerResourceRequirements in k8s.io/kubernetes pkg/apis/core/validation/validation.go;
 * https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#requests-and-limits).
 * `unlimited` lists the limits a HardeningException leaves unset (`resources.limits.cpu`), whose
 * requests have no bound.
 * @internal
 */
export function quantityProblems(field: string, q: Quantities | undefined, unlimited: readonly string[] = []): string[] {
  if (!q) return [];
  const out = [
    cpuProblem(`${field}.cpuRequest`, q.cpuRequest), cpuProblem(`${field}.cpuLimit`, q.cpuLimit),
    mebibytesProblem(`${field}.memoryRequest`, q.memoryRequest), mebibytesProblem(`${field}.memoryLimit`, q.memoryLimit),
  ].filter((p): p is string => p !== undefined);
  const seen = new Set<string>();
  (q.extended ?? []).forEach((e, i) => {
    if (seen.has(e.name)) out.push(formatProblem(Codes.INVALID_EXTENDED_RESOURCE, `${field}.extended[${i}]: ${e.name} is given twice`));
    seen.add(e.name);
  });
  if (out.length > 0) return out;
  const above = (what: string, request: string, limit: string) => formatProblem(Codes.REQUEST_ABOVE_LIMIT,
    `${field}.${what}Request (${request}) is above ${field}.${what}Limit (${limit}); the API server rejects a request above its limit`);
  if (q.cpuRequest && q.cpuLimit && !unlimited.includes('resources.limits.cpu') && cpuMillis(q.cpuRequest) > cpuMillis(q.cpuLimit)) {
    out.push(above('cpu', `${cpuMillis(q.cpuRequest)}m`, `${cpuMillis(q.cpuLimit)}m`));
  }
  if (q.memoryRequest && q.memoryLimit && !unlimited.includes('resources.limits.memory')
    && mebibytesOf(q.memoryRequest) > mebibytesOf(q.memoryLimit)) {
    out.push(above('memory', `${mebibytesOf(q.memoryRequest)}Mi`, `${mebibytesOf(q.memoryLimit)}Mi`));
  }
  return out;
}
