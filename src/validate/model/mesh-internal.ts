/**
 * The workloads behind a ServiceEntry inside the mesh: a `location: MESH_INTERNAL` entry whose
 * `workloadSelector` selects Pods and WorkloadEntries of its namespace, or whose `endpoints` (inline
 * WorkloadEntries) carry labels or a ServiceAccount. Their sidecars receive its traffic, so the
 * server side (PeerAuthentication, AuthorizationPolicy) applies to them as to any workload.
 * https://istio.io/latest/docs/reference/config/networking/service-entry/ (location, workloadSelector, endpoints)
 * istio/istio 1.24 pilot/pkg/serviceregistry/serviceentry/controller.go (buildServiceInstances) and
 * conversion.go (convertServiceEntryToInstances, convertEndpoint).
 */
import { Manifest } from '../finding';
import { dict, list } from '../values';
import type { ClusterModel } from './cluster-model';
import { hasLabels } from './selectors';
import { namespaceOf, VmWorkload, vmWorkloadOf, Workload } from './workload';

/** The pods and VMs a ServiceEntry inside the mesh sends its traffic to. */
export interface EntryWorkloads {
  /** Pods of the entry's namespace its workloadSelector selects. */
  readonly pods: readonly Workload[];
  /** WorkloadEntries its workloadSelector selects, or its labelled endpoints. */
  readonly vms: readonly VmWorkload[];
}

/**
 * The workloads behind `entry`, or undefined when it describes hosts outside the mesh: its location is
 * not MESH_INTERNAL (MESH_EXTERNAL is the default, the enum's zero), or it neither selects workloads nor
 * gives endpoints with labels or a ServiceAccount (then its endpoints are addresses, not workloads).
 * A workloadSelector selects with `labels.Instance.Match` in the entry's namespace (an empty one: nothing).
 */
export function meshInternalWorkloads(model: ClusterModel, entry: Manifest): EntryWorkloads | undefined {
  if (entry?.spec?.location !== 'MESH_INTERNAL') return undefined;
  const namespace = namespaceOf(entry);
  const selector = entry.spec.workloadSelector;
  if (selector) {
    const labels = dict(selector.labels);
    if (!hasLabels(labels)) return { pods: [], vms: [] };
    return { pods: model.workloadsMatching(namespace, labels), vms: model.workloadEntriesMatching(namespace, labels) };
  }
  const endpoints = list(entry.spec.endpoints);
  if (!endpoints.some((e) => hasLabels(e?.labels) || (typeof e?.serviceAccount === 'string' && e.serviceAccount !== ''))) return undefined;
  const name = String(entry.metadata?.name);
  return {
    pods: [],
    vms: endpoints.map((e, i) => vmWorkloadOf(entry, e, namespace, `${namespace}/ServiceEntry/${name}/endpoints/${i}`, `${name}[${i}]`)),
  };
}
