import { ApiObject, ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';
import { WorkloadEntry, WorkloadEntrySpec, WorkloadGroup, WorkloadGroupSpec } from '../../imports/networking.istio.io';
import { lazyWithoutUnset } from '../private/defined';

/** One VM as its WorkloadEntry reads it. */
export interface VirtualMachineEntrySource {
  /** Its IP address. */
  readonly address: string;
  /** Its labels: the group's, the service's selector, the version, its own. */
  readonly labels: Readonly<Record<string, string>>;
  /** Its network, if it is not the cluster's. */
  readonly network?: string;
  /** Its locality (`region/zone/subzone`), if given. */
  readonly locality?: string;
  /** Its load-balancing weight, if given. */
  readonly weight?: number;
}

/**
 * A `VirtualMachineGroup` as its WorkloadGroup and WorkloadEntries read it: the construct passes itself (this module does not
 * import it, so that no import goes in a circle).
 */
export interface VirtualMachineGroupSource {
  /** The labels every VM carries. */
  readonly labels: Readonly<Record<string, string>>;
  /** The ServiceAccount the VMs run as. */
  readonly serviceAccountName: string;
  /** Whether they run a sidecar: without one, their WorkloadEntries name no ServiceAccount. */
  readonly sidecar: boolean;
  /** The network of the group, if it is not the cluster's. */
  readonly network?: string;
  /** The port each VM listens on, by the name of the service's port. */
  readonly portsByName: Readonly<Record<string, number>>;
}

/**
 * The spec of a group's WorkloadGroup: the template `istioctl x workload entry configure` reads to bootstrap each VM's proxy
 * (its ServiceAccount, network and ports), and the labels of its VMs.
 * @see https://istio.io/latest/docs/reference/config/networking/workload-group/
 * @see https://istio.io/latest/docs/setup/install/virtual-machine/
 */
export function renderWorkloadGroupSpec(group: VirtualMachineGroupSource): WorkloadGroupSpec {
  return {
    metadata: { labels: { ...group.labels } },
    template: {
      serviceAccount: group.serviceAccountName,
      ...(group.network !== undefined ? { network: group.network } : {}),
      ports: { ...group.portsByName },
    },
  };
}

/**
 * The spec of one VM's WorkloadEntry: its address, labels (which the service's Kubernetes Service selects), ServiceAccount
 * (its principal, and the TLS mode `istio` that auto mTLS reads), network and the port it listens on for each Service port.
 * @see https://istio.io/latest/docs/reference/config/networking/workload-entry/
 */
export function renderWorkloadEntrySpec(group: VirtualMachineGroupSource, vm: VirtualMachineEntrySource): WorkloadEntrySpec {
  const network = vm.network ?? group.network;
  return {
    address: vm.address,
    labels: { ...vm.labels },
    ports: { ...group.portsByName },
    ...(group.sidecar ? { serviceAccount: group.serviceAccountName } : {}),
    ...(network !== undefined ? { network } : {}),
    ...(vm.locality !== undefined ? { locality: vm.locality } : {}),
    ...(vm.weight !== undefined ? { weight: vm.weight } : {}),
  };
}

/** A WorkloadGroup (networking.istio.io/v1) of `group` under `scope`, its spec read at synth. */
export function addWorkloadGroup(scope: Construct, id: string, metadata: ApiObjectMetadata, group: VirtualMachineGroupSource): ApiObject {
  return new WorkloadGroup(scope, id, { metadata, spec: lazyWithoutUnset(() => renderWorkloadGroupSpec(group)) });
}

/** A WorkloadEntry (networking.istio.io/v1) of one VM of `group` under `scope`, its spec read at synth. */
export function addWorkloadEntry(
  scope: Construct, id: string, metadata: ApiObjectMetadata, group: VirtualMachineGroupSource, vm: VirtualMachineEntrySource,
): ApiObject {
  return new WorkloadEntry(scope, id, { metadata, spec: lazyWithoutUnset(() => renderWorkloadEntrySpec(group, vm)) });
}
