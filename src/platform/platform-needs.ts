/**
 * The platform components a set of manifests needs, so that a snapshot of the cluster read for
 * them (`--platform`) must hold those and only those: a cluster without Flagger checks an app
 * that has no Canary. Each component with the first object that needs it, for messages:
 *
 * - istiod, always: the sidecars of every meshed pod take their configuration from it;
 * - the ingress gateway, for an Istio `Gateway` or a `VirtualService` bound to a Gateway
 *   (`spec.gateways` naming other than `mesh`): their routes run on its pods
 *   (https://istio.io/latest/docs/reference/config/networking/virtual-service/#VirtualService, gateways);
 * - Prometheus, for a prometheus-operator object (`PodMonitor`, `ServiceMonitor`, `PrometheusRule`,
 *   `Probe`: Prometheus selects them by its selector labels) or a Flagger `Canary` (its analysis queries it);
 * - the tracing collector, for a `Telemetry` with `tracing` (the proxies send it spans);
 * - Flagger, for a Flagger `Canary` (its controller runs the rollout:
 *   https://docs.flagger.app/usage/how-it-works).
 *
 * The others (the rate-limit service, the API server's endpoints, the cluster DNS, the edge
 * proxies) are read when the snapshot holds them, as before.
 */
import type { PlatformComponent } from './platform-props';

/** A component needed, and the object that needs it (`Canary dev/web`). */
export type PlatformNeeds = ReadonlyMap<PlatformComponent, string>;

/** The components `manifests` need, each with the first object that needs it, in input order. */
export function platformComponentsNeeded(manifests: readonly Record<string, any>[]): PlatformNeeds {
  const needs = new Map<PlatformComponent, string>([['istiod', 'the mesh (every sidecar)']]);
  const need = (component: PlatformComponent, m: Record<string, any>) => {
    if (!needs.has(component)) needs.set(component, `${m.kind} ${m.metadata?.namespace ? `${m.metadata.namespace}/` : ''}${m.metadata?.name}`);
  };
  for (const m of manifests) {
    if (!m || typeof m !== 'object') continue;
    const group = typeof m.apiVersion === 'string' ? m.apiVersion.split('/')[0] : '';
    if (group === 'networking.istio.io') {
      if (m.kind === 'Gateway') need('ingressGateway', m);
      else if (m.kind === 'VirtualService' && Array.isArray(m.spec?.gateways) && m.spec.gateways.some((g: unknown) => g !== 'mesh')) {
        need('ingressGateway', m);
      }
    } else if (group === 'monitoring.coreos.com' && ['PodMonitor', 'ServiceMonitor', 'PrometheusRule', 'Probe'].includes(m.kind)) {
      need('prometheus', m);
    } else if (group === 'telemetry.istio.io' && m.kind === 'Telemetry' && Array.isArray(m.spec?.tracing) && m.spec.tracing.length > 0) {
      need('tracing', m);
    } else if (group === 'flagger.app' && m.kind === 'Canary') {
      need('flagger', m);
      need('prometheus', m);
    }
  }
  return needs;
}
