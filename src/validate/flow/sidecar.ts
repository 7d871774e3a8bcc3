/**
 * Istio's Sidecar resource: which hosts a sidecar's outbound listeners know.
 * https://istio.io/latest/docs/reference/config/networking/sidecar/
 */
import { Manifest } from '../finding';
import { applicableSidecar, egressHostCovers } from '../model/sidecar-egress';
import { ClusterMemo, FlowCluster, FlowPod, FlowService, nsOf } from './cluster';
import { serviceExportTo, visibleTo } from '../model/visibility';
import { list } from '../values';

export { egressHostCovers };

/** What the source's Sidecar says about a host. */
export interface SidecarDecision {
  /** True if the sidecar has a route for the host (no Sidecar, or a listed host). */
  readonly listed: boolean;
  /** `REGISTRY_ONLY` drops unlisted hosts (502 BlackHoleCluster); `ALLOW_ANY` passes them through as plain TCP. */
  readonly outboundMode: 'ALLOW_ANY' | 'REGISTRY_ONLY';
  readonly sidecar?: Manifest;
  readonly reason: string;
}

/** The Sidecar that applies to `pod` ({@link applicableSidecar}); none to a pod without a sidecar, nor to a gateway, which ignores Sidecars. */
export function sidecarFor(cluster: FlowCluster, pod: FlowPod): Manifest | undefined {
  if (!pod.meshed || pod.gateway) return undefined;
  const memo = sidecars.of(cluster);
  if (memo.has(pod)) return memo.get(pod);
  const out = applicableSidecar(cluster, pod.namespace, pod.labels, cluster.rootNamespace);
  memo.set(pod, out);
  return out;
}

/** The Sidecar of each pod, worked out once per run. */
const sidecars = new ClusterMemo(() => new Map<FlowPod, Manifest | undefined>());

/**
 * Whether `pod`'s Sidecar knows `host` (an FQDN of namespace `hostNs`) on `port`: the
 * egress listener bound to the port if there is one, else the port-less one.
 * Without a Sidecar the proxy knows every host. The outbound policy defaults to
 * ALLOW_ANY (meshConfig.outboundTrafficPolicy).
 */
export function sidecarDecision(cluster: FlowCluster, pod: FlowPod, host: string, hostNs: string, port: number): SidecarDecision {
  const sidecar = sidecarFor(cluster, pod);
  if (!sidecar)
    return { listed: true, outboundMode: 'ALLOW_ANY', reason: pod.meshed ? `no Sidecar limits ${pod.name}'s egress` : `${pod.name} has no sidecar` };
  const mode = sidecar.spec?.outboundTrafficPolicy?.mode === 'REGISTRY_ONLY' ? 'REGISTRY_ONLY' : 'ALLOW_ANY';
  const listeners: Manifest[] = sidecar.spec?.egress ?? [];
  if (listeners.length === 0) {
    // A Sidecar without egress listeners inherits the mesh default: every host.
    return { listed: true, outboundMode: mode, sidecar, reason: `Sidecar ${nsOf(sidecar)}/${sidecar.metadata?.name} has no egress section` };
  }
  const listener = listeners.find((l) => Number(l.port?.number) === port) ?? listeners.find((l) => !l.port);
  const listed = !!listener && list(listener.hosts).some((h: string) => egressHostCovers(String(h), nsOf(sidecar), host, hostNs));
  return {
    listed,
    outboundMode: mode,
    sidecar,
    reason: listed
      ? `Sidecar ${nsOf(sidecar)}/${sidecar.metadata?.name} lists ${host}`
      : `Sidecar ${nsOf(sidecar)}/${sidecar.metadata?.name} does not list `
        + `${hostNs}/${host}${mode === 'REGISTRY_ONLY' ? ' (REGISTRY_ONLY: 502 BlackHoleCluster)' : ' (ALLOW_ANY: passed through as plain TCP)'}`,
  };
}

/**
 * `sc`, the Sidecar's decision for `service`, unless the Service is not exported to `source`'s namespace
 * (`networking.istio.io/exportTo`): istiod then gives the proxy no cluster for it (push_context.go `IsServiceVisible`), so it is
 * as an unlisted host, dropped under REGISTRY_ONLY and passed through as plain TCP under ALLOW_ANY. A pod without a sidecar, or
 * a gateway, is left to its own decision.
 */
export function unexportedAsUnlisted(service: FlowService, source: FlowPod, sc: SidecarDecision): SidecarDecision {
  if (!sc.listed || !source.meshed || source.gateway) return sc;
  const exportTo = serviceExportTo(service.manifest.metadata?.annotations?.['networking.istio.io/exportTo'], service.namespace);
  if (visibleTo(exportTo, service.namespace, source.namespace)) return sc;
  const annotation = `networking.istio.io/exportTo: ${exportTo.join(',')}`;
  const hidden = `Service ${service.namespace}/${service.name} is not exported to ${source.namespace} (${annotation})`;
  const then = sc.outboundMode === 'REGISTRY_ONLY' ? ' (REGISTRY_ONLY: 502 BlackHoleCluster)' : ' (ALLOW_ANY: passed through as plain TCP)';
  return { ...sc, listed: false, reason: `${hidden}${then}` };
}
