/**
 * Whether a pod reaches the cluster DNS: a name a workload dials is looked up first, on 53/UDP to the DNS pods (a
 * NetworkPolicy that selects the pod and leaves that out keeps every name from resolving:
 * https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/).
 */
import { Manifest } from '../finding';
import { FlowCluster, FlowPod } from './cluster';
import { networkPolicyDecision } from './network-policy';

/** The NetworkPolicy that keeps a pod from the cluster DNS, at either end. */
export interface DnsRefusal {
  readonly direction: 'Egress' | 'Ingress';
  readonly policy?: Manifest;
  readonly reason: string;
}

/** The DNS refusals of a cluster's pods, each worked out once. */
export class DnsReachability {
  /** What refuses each source pod's DNS lookups (null: nothing). */
  private readonly refusals = new Map<FlowPod, DnsRefusal | null>();

  public constructor(private readonly cluster: FlowCluster) {}

  /** The NetworkPolicy that keeps `source` from the cluster DNS on 53/UDP, at either end, if any. */
  public refusal(source: FlowPod): DnsRefusal | undefined {
    const dns = this.cluster.dnsPod;
    if (!dns) return undefined;
    let known = this.refusals.get(source);
    if (known === undefined) {
      known = null;
      for (const direction of ['Egress', 'Ingress'] as const) {
        const d = networkPolicyDecision(this.cluster, direction, source, dns, 53, 'UDP');
        if (!d.allowed) {
          known = { direction, policy: d.policy, reason: d.reason };
          break;
        }
      }
      this.refusals.set(source, known);
    }
    return known ?? undefined;
  }
}
