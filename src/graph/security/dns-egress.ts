import type { PlatformDns } from '../../platform/network-props';
import type { NetworkPeer, NetworkRule } from '../../workload/workload';

/**
 * The NetworkPolicy egress that lets a pod resolve names with the platform's DNS
 * (`MeshPlatform.dns`), on UDP and TCP: the DNS pods as their Service selects them, on
 * their port; and, where NodeLocal DNSCache runs, its addresses on 53 as `ipBlock`s
 * (node-local-dns runs with `hostNetwork: true`, which no pod selector reaches). Every
 * NetworkPolicy the library writes takes its DNS egress from here.
 * @see https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/
 * @see https://github.com/kubernetes/kubernetes/blob/master/cluster/addons/dns/nodelocaldns/README.md (Network policy and DNS connectivity)
 */
export function dnsEgressRules(dns: PlatformDns): NetworkRule[] {
  const ports = (port: number) => [{ port, protocol: 'UDP' as const }, { port, protocol: 'TCP' as const }];
  const pods: NetworkPeer = { namespace: dns.namespace, podLabels: { ...dns.serviceSelector } };
  const cache: NetworkPeer[] = dns.nodeLocalAddresses.map((c) => ({ cidr: String(c) }));
  // node-local-dns answers on 53; the DNS pods on their own port (53 unless the install says otherwise).
  if (cache.length === 0) return [{ peers: [pods], ports: ports(dns.port) }];
  if (dns.port === 53) return [{ peers: [pods, ...cache], ports: ports(53) }];
  return [{ peers: [pods], ports: ports(dns.port) }, { peers: cache, ports: ports(53) }];
}
