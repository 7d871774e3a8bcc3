/**
 * The VMs that serve a service beside (or instead of) its pods, as the NetworkPolicies of its callers and callees see them:
 * a VM is outside the cluster's pod network, so a NetworkPolicy reaches it by an `ipBlock` of its address only ("NetworkPolicies
 * apply to a connection with a pod on one or both ends", https://kubernetes.io/docs/concepts/services-networking/network-policies/).
 * A `VirtualMachineGroup` registers its VMs here; the NetworkPolicy renderer reads them, so neither imports the other.
 */
import type { NetworkPeer, NetworkPort, NetworkRule } from '../workload/workload';
import type { IMeshService, ServiceCall } from './interfaces';
import { calledPorts, restrictedTargetPorts } from './service-call';

/** A group of VMs serving a service, as the NetworkPolicies see it. */
export interface VmEndpoints {
  /** The VMs' IP addresses. */
  readonly addresses: readonly string[];
  /** The port the VMs listen on for the service's port `servicePort` (undefined for a port the service lacks). */
  portFor(servicePort: number): number | undefined;
}

const registry = new WeakMap<IMeshService, VmEndpoints[]>();

/** Registers `vms` as VMs of `service`. */
export function addVmEndpoints(service: IMeshService, vms: VmEndpoints): void {
  const list = registry.get(service) ?? [];
  list.push(vms);
  registry.set(service, list);
}

/** The VM groups of `service`, in the order added (none for most services). */
export function vmEndpointsOf(service: IMeshService): readonly VmEndpoints[] {
  return registry.get(service) ?? [];
}

/** The `ipBlock` of one address: `/32` for IPv4, `/128` for IPv6. */
export function addressCidr(address: string): string {
  return address.includes(':') ? `${address}/128` : `${address}/32`;
}

const peersOf = (vms: VmEndpoints): NetworkPeer[] => vms.addresses.map((a) => ({ cidr: addressCidr(a) }));

/**
 * Egress from a caller's pods to the VMs of the services it calls, on the ports the VMs listen on for the Service ports
 * called (istiod's endpoint port for a WorkloadEntry a Service selects: its `ports` entry named as the Service port, which the
 * group always writes). One rule per VM group; none when no callee has VMs.
 */
export function vmEgressRules(calls: readonly { readonly target: IMeshService; readonly port?: number }[]): NetworkRule[] {
  const byKey = new Map<string, NetworkRule>();
  for (const c of calls) {
    const groups = vmEndpointsOf(c.target);
    if (groups.length === 0) continue;
    const ports = calledPorts({ ...c, asynchronous: false, source: c.target } as ServiceCall);
    for (const vms of groups) {
      const peers = peersOf(vms);
      if (peers.length === 0) continue;
      const key = JSON.stringify(peers);
      const rule = byKey.get(key) ?? { peers, ports: [] };
      for (const p of ports) {
        const port = vms.portFor(p.port);
        const protocol = p.protocol === 'udp' ? 'UDP' : 'TCP';
        if (port !== undefined && !rule.ports.some((q) => q.port === port && q.protocol === protocol)) rule.ports.push({ port, protocol });
      }
      byKey.set(key, rule);
    }
  }
  return [...byKey.values()].filter((r) => r.ports.length > 0).map((r) => ({ peers: r.peers, ports: sortPorts(r.ports) }));
}

/**
 * Ingress to a service's pods from the VMs of the services that call it, on the container ports their calls reach
 * (`allPorts` when a call names none). One rule per VM group; none when no caller has VMs.
 */
export function vmIngressRules(calls: readonly ServiceCall[], allPorts: readonly NetworkPort[]): NetworkRule[] {
  const byKey = new Map<string, NetworkRule>();
  for (const c of calls) {
    for (const vms of vmEndpointsOf(c.source)) {
      const peers = peersOf(vms);
      if (peers.length === 0) continue;
      const key = JSON.stringify(peers);
      const rule = byKey.get(key) ?? { peers, ports: [] };
      for (const p of restrictedTargetPorts(c) ?? allPorts) {
        if (!rule.ports.some((q) => q.port === p.port && q.protocol === p.protocol)) rule.ports.push({ port: p.port, protocol: p.protocol });
      }
      byKey.set(key, rule);
    }
  }
  return [...byKey.values()].map((r) => ({ peers: r.peers, ports: sortPorts(r.ports) }));
}

function sortPorts(ports: readonly NetworkPort[]): NetworkPort[] {
  return [...ports].sort((a, b) => a.port - b.port || (a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0));
}
