/**
 * Whether a meshed pod's sidecar can become ready: it must reach istiod on its xDS port.
 * pilot-agent's readiness probe fails until Envoy has received its listeners and clusters
 * ("config not received from XDS server (is Istiod running?)": istio/istio
 * pilot/cmd/pilot-agent/status/ready/probe.go `checkConfigStatus`), and the agent fetches
 * the workload certificate from istiod on the same port. A pod that is never ready is kept out
 * of its Services' endpoints, and its own outbound traffic, captured into an Envoy without
 * listeners, goes nowhere: no flow from or to it holds.
 * https://istio.io/latest/docs/ops/deployment/application-requirements/#ports-used-by-istio
 *
 * The connection is the proxy's own (user 1337), which the sidecar's iptables rules do not
 * capture (istio/istio tools/istio-iptables/pkg/capture/run.go: `--uid-owner <proxy uid> -j
 * RETURN`), so only NetworkPolicy decides it: no Sidecar, route, mTLS or authorization.
 */
import { Manifest } from '../finding';
import { FlowCluster, FlowPod, nsOf } from './cluster';
import { networkPolicyDecision } from './network-policy';

/** Why a pod's sidecar never becomes ready, or nothing when it can. */
export interface NotReady {
  /** The NetworkPolicy that refuses the connection to istiod. */
  readonly policy?: Manifest;
  /** Which end refuses it. */
  readonly direction: 'Egress' | 'Ingress';
  readonly reason: string;
}

/** Sidecar readiness, worked out once per pod. */
export class SidecarReadiness {
  private readonly memo = new Map<FlowPod, NotReady | undefined>();

  public constructor(private readonly cluster: FlowCluster) {}

  /** Why `pod`'s sidecar never becomes ready; undefined when it can (or has no sidecar, or readiness is not checked). */
  public notReady(pod: FlowPod): NotReady | undefined {
    const cp = this.cluster.controlPlane;
    // A platform pod described by data (a gateway, the rate-limit service) is deployed with its own
    // policies, which the manifests do not hold: only pods of the manifests are judged.
    if (!cp || !pod.meshed || pod.kind === 'Platform' || pod === cp.pod) return undefined;
    if (this.memo.has(pod)) return this.memo.get(pod);
    let out: NotReady | undefined;
    for (const direction of ['Egress', 'Ingress'] as const) {
      const d = networkPolicyDecision(this.cluster, direction, pod, cp.pod, cp.port);
      if (d.allowed) continue;
      const np = d.policy ? `NetworkPolicy ${nsOf(d.policy)}/${d.policy.metadata?.name}` : 'NetworkPolicy';
      const what = direction === 'Egress' ? `lets no egress out of ${pod.name}` : `of istiod's namespace admits no ingress from ${pod.name}`;
      out = {
        policy: d.policy,
        direction,
        reason: `${pod.namespace}/${pod.name}'s sidecar never becomes ready: ${np} ${what} `
          + `to istiod (${cp.pod.namespace}/${cp.pod.name}) on ${cp.port}, `
          + 'so the proxy gets no configuration and no certificate and the pod stays out of its Services\' endpoints: no flow from or to it holds',
      };
      break;
    }
    this.memo.set(pod, out);
    return out;
  }
}
