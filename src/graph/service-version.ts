import { Codes } from '../core/codes';
import { formatProblem } from '../core/errors';
import { LoadBalancer } from '../core/load-balancer';
import { dns1123LabelProblem, labelValueProblem } from '../core/names';
import { ConnectionPool, OutlierDetection } from '../core/traffic-policy';
import { integerProblems } from '../private/checks';
import { EnvVarValue } from '../workload/pod-options';
import { ContainerResources } from '../workload/workload';

/**
 * Traffic policy of one subset, over the host's field by field.
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#Subset
 */
export interface SubsetTrafficPolicy {
  /**
   * Connection-pool limits of the subset.
   * @default - the host's
   */
  readonly connectionPool?: ConnectionPool;
  /**
   * Load balancer of the subset.
   * @default - the host's
   */
  readonly loadBalancer?: LoadBalancer;
  /**
   * Outlier detection of the subset.
   * @default - the host's
   */
  readonly outlierDetection?: OutlierDetection;
}

/** Options for {@link MeshService.addVersion}. */
export interface VersionOptions {
  /** The version's `version` label (`v2`), also the suffix of its Deployment's name. */
  readonly name: string;
  /**
   * The version's container image.
   * @default - the service's image
   */
  readonly image?: string;
  /**
   * Pod replicas of the version; with an {@link Autoscaling} of the service, the floor
   * (`minReplicas`) of the version's own autoscaler (0: no autoscaler, the version stays at 0).
   * @default - the service's replicas; with an Autoscaling, its minReplicas
   */
  readonly replicas?: number;
  /**
   * Container CPU and memory, over the service's.
   * @default - the service's
   */
  readonly resources?: ContainerResources;
  /**
   * Environment variables, over the service's.
   * @default - the service's
   */
  readonly env?: Record<string, EnvVarValue>;
  /**
   * The version's subset name in the DestinationRule, a DNS-1123 label.
   * @default - the version's name
   */
  readonly subset?: string;
  /**
   * Traffic policy of the version's subset.
   * @default - the host's
   */
  readonly trafficPolicy?: SubsetTrafficPolicy;
}

/** A version added with {@link MeshService.addVersion}. */
export interface ServiceVersion {
  /** The `version` label. */
  readonly name: string;
  /** Its subset's name. */
  readonly subset: string;
  /** Its Deployment's name, `<service>-<version>`. */
  readonly deploymentName: string;
  /** Its image. */
  readonly image: string;
  /** Its replicas. */
  readonly replicas: number;
}

/**
 * Problems with a service's versions: names and subsets must be valid and unique, and
 * differ from the service's own version and subset (`taken`).
 */
export function versionProblems(versions: readonly VersionOptions[], own: { version: string; subset: string }): string[] {
  const out: string[] = [];
  const names = new Set([own.version]);
  const subsets = new Set([own.subset]);
  versions.forEach((v, i) => {
    const field = `versions[${i}]`;
    const vp = labelValueProblem(v.name);
    if (vp || v.name === '') out.push(formatProblem(Codes.INVALID_NAME, `${field}.name: ${vp ?? 'must not be empty'}`));
    else if (dns1123LabelProblem(`x-${v.name}`.toLowerCase()) || v.name !== v.name.toLowerCase()) {
      out.push(formatProblem(Codes.INVALID_NAME, `${field}.name: '${v.name}' must be lowercase letters, digits and '-', as it names a Deployment`));
    }
    if (names.has(v.name)) out.push(formatProblem(Codes.DUPLICATE_VERSION, `${field}.name: version '${v.name}' is defined twice`));
    names.add(v.name);
    const subset = v.subset ?? v.name;
    // https://istio.io/latest/docs/reference/config/networking/destination-rule/#Subset: the name is a DNS label.
    const sp = dns1123LabelProblem(subset);
    if (sp) out.push(formatProblem(Codes.INVALID_SUBSET_NAME, `${field}.subset: '${subset}' ${sp}`));
    else if (subsets.has(subset)) out.push(formatProblem(Codes.DUPLICATE_VERSION, `${field}.subset: subset '${subset}' is defined twice`));
    subsets.add(subset);
    out.push(...integerProblems({ [`${field}.replicas`]: v.replicas }, 0));
  });
  const sp = dns1123LabelProblem(own.subset);
  if (sp) out.push(formatProblem(Codes.INVALID_SUBSET_NAME, `subset: '${own.subset}' ${sp}`));
  return out;
}
