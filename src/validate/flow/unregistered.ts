/**
 * A public host that no Service or ServiceEntry names, as Istio routes it: the application resolves it by public DNS; the
 * sidecar's REGISTRY_ONLY sends the connection to BlackHoleCluster (502), ALLOW_ANY (the mesh default) passes it through
 * (PassthroughCluster), and a pod without a sidecar sends it itself.
 * https://istio.io/latest/docs/tasks/traffic-management/egress/egress-control/
 */
import { FlowCluster, FlowPod, nsOf } from './cluster';
import { Flow, FlowVerdict } from './flow';
import { networkPolicyDecision } from './network-policy';
import { externalPod } from './service-entry';
import { sidecarFor } from './sidecar';
import { decider, refused } from './verdicts';

/**
 * Whether `host` is a public name, which cluster DNS leaves to public DNS: three labels or more (`api.example.com`), not a
 * cluster name (`*.cluster.local`, `<name>.<ns>.svc`, a StatefulSet pod's `<pod>.<service>.<ns>` of a namespace the cluster
 * has). One or two labels are read as the cluster's (`<service>`, `<service>.<namespace>`): the search list completes them
 * first. https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/#namespaces-of-services
 */
export function outsideCluster(host: string, namespaces: readonly string[]): boolean {
  const labels = host.toLowerCase().replace(/\.$/, '').split('.');
  const last = labels[labels.length - 1];
  if (labels.length < 3 || last === 'svc' || labels.slice(-2).join('.') === 'cluster.local' || /^[0-9]+$/.test(last) || host.includes(':')) {
    return false;
  }
  return labels.length > 3 || !namespaces.includes(last);
}

/**
 * The verdict of `flow` from `source` to a public host no Service or ServiceEntry names: refused by a REGISTRY_ONLY Sidecar,
 * else judged by the source's NetworkPolicy egress, as a ServiceEntry endpoint of no known address is.
 */
export function unregisteredHost(cluster: FlowCluster, source: FlowPod, flow: Flow, hops: string[]): FlowVerdict {
  const sidecar = sidecarFor(cluster, source);
  if (sidecar?.spec?.outboundTrafficPolicy?.mode === 'REGISTRY_ONLY') {
    const name = `${nsOf(sidecar)}/${sidecar.metadata?.name}`;
    const why = `no Service or ServiceEntry for ${flow.host}: Sidecar ${name}'s REGISTRY_ONLY sends it to BlackHoleCluster (502)`;
    return refused(decider('Sidecar egress', sidecar), why, hops);
  }
  hops.push(`${source.meshed ? 'passthrough (ALLOW_ANY)' : 'no sidecar'} → ${flow.host}:${flow.port}`);
  if (source.kind !== 'Platform') {
    const np = networkPolicyDecision(cluster, 'Egress', source, externalPod({}, flow.host), flow.port);
    if (!np.allowed) return refused(decider('NetworkPolicy egress', np.policy), np.reason, hops);
  }
  const how = source.meshed ? `${source.name}'s sidecar passes it through (ALLOW_ANY)` : 'it leaves unproxied';
  return { allowed: true, reason: `${flow.host} is in no Service or ServiceEntry: ${how}`, hops };
}
