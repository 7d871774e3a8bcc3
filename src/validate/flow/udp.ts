/**
 * UDP flows. Istio's proxies carry TCP alone: "Non-TCP based protocols, such as UDP, are not proxied. These protocols will
 * continue to function as normal, without any interception by the Istio proxy but cannot be used in proxy-only components
 * such as ingress or egress gateways" (https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/).
 * So a UDP flow from a pod meets neither its Sidecar, a VirtualService, mTLS nor an AuthorizationPolicy: kube-proxy sends each
 * datagram to a pod of the Service, and the NetworkPolicies at both ends decide on the container port over UDP; and no gateway
 * carries one from outside (a Gateway server's protocols are TCP ones: HTTP, HTTPS, GRPC, GRPC-Web, HTTP2, MONGO, TCP, TLS).
 */
import { Manifest } from '../finding';
import { FlowCluster, FlowPod, FlowService } from './cluster';
import { Flow, FlowVerdict } from './flow';
import { Connections } from './network-policy';
import { targetPort } from './service-ports';
import { decider, refused } from './verdicts';
import { endpointAt, workloadEntryPort } from './vm-endpoints';

/** What the evaluator lends a UDP flow: its cluster, its NetworkPolicy table, its readiness and first-refusal rules. */
export interface UdpEvaluation {
  readonly cluster: FlowCluster;
  readonly connections: Connections;
  notReady(pod: FlowPod, hops: readonly string[]): FlowVerdict | undefined;
  each(checks: Array<() => FlowVerdict>): FlowVerdict;
}

/** An external client's UDP flow: refused at routing, since no Istio gateway carries UDP. */
export function udpFromOutside(flow: Flow, hops: readonly string[]): FlowVerdict {
  return refused(
    { layer: 'routing', kind: 'Gateway', name: '(none)' },
    `an Istio gateway proxies no UDP: a client outside reaches ${flow.host}:${flow.port}/UDP only through a Service of type LoadBalancer or NodePort`,
    hops,
  );
}

/**
 * A UDP flow from `source` to `service`'s UDP port `port` (undefined when the Service has none of that number): to each of its
 * pods, the NetworkPolicies at both ends deciding. `reached` collects the pods it reaches.
 */
export function udpToPods(
  e: UdpEvaluation, source: FlowPod, service: FlowService, port: Manifest | undefined, flow: Flow, hops: string[], reached: FlowPod[],
): FlowVerdict {
  const where = `${service.name}.${service.namespace}:${flow.port}/UDP`;
  if (!port) return refused(decider('routing', service.manifest), `Service ${service.namespace}/${service.name} has no UDP port ${flow.port}`, hops);
  const pods = e.cluster.podsOfService(service);
  if (pods.length === 0) return refused(decider('no endpoint', service.manifest), `${where} has no pods`, hops);
  hops.push(`${where}: UDP, which no sidecar captures (no route, mTLS or authorization applies)`);
  return e.each(pods.map((pod) => () => {
    const target = pod.outsideCluster ? workloadEntryPort(port, pod) : targetPort(port, pod);
    if (target === undefined) {
      return refused(decider('no endpoint', service.manifest), `pod ${pod.name} has no container port named ${port.targetPort}`, hops);
    }
    hops.push(`${where} → ${endpointAt(pod, target)}`);
    return udpToPod(e, source, pod, target, hops, reached);
  }));
}

/** A UDP flow to `dialed` served by a pod the manifests do not hold (a platform's, another team's as its record describes it). */
export function udpToDescribedPod(
  e: UdpEvaluation, source: FlowPod, pod: FlowPod, dialed: string, port: number, hops: string[], reached: FlowPod[],
): FlowVerdict {
  hops.push(`${dialed}/UDP → ${pod.namespace}/${pod.name}:${port} (no sidecar captures UDP)`);
  return udpToPod(e, source, pod, port, hops, reached);
}

/** A UDP datagram from `source` to `pod`:`port`: the NetworkPolicies at both ends decide, over UDP. */
export function udpToPod(e: UdpEvaluation, source: FlowPod, pod: FlowPod, port: number, hops: string[], reached: FlowPod[]): FlowVerdict {
  reached.push(pod);
  const notReady = e.notReady(pod, hops);
  if (notReady) return notReady;
  const { egress, ingress } = e.connections.of(source, pod, port, 'UDP');
  if (!ingress) return refused(decider('NetworkPolicy egress', egress.policy), egress.reason, hops);
  if (!ingress.allowed) return refused(decider('NetworkPolicy ingress', ingress.policy), ingress.reason, hops);
  const [layer, by] = ingress.policy ? ['NetworkPolicy ingress' as const, ingress] : ['NetworkPolicy egress' as const, egress];
  return {
    allowed: true,
    decidedBy: by.policy ? decider(layer, by.policy) : undefined,
    reason: `UDP is not proxied by Istio: no mTLS or authorization applies; ${by.reason}`,
    hops,
    reached: reached.map((p) => ({ namespace: p.namespace, workload: p.name })),
  };
}
