/**
 * The apex Service of a service Flagger releases, carried into the Canary's `spec.service`.
 *
 * Flagger generates the apex Service `<name>` itself from the Canary's `spec.service` (a ClusterIP Service, headless with
 * `headless`, selecting `app: <name>-primary`, its first port `port`/`targetPort`/`portName`/`appProtocol`, the target's
 * other container ports with `portDiscovery`, `trafficDistribution`), with `spec.service.apex`'s labels and annotations:
 * fluxcd/flagger pkg/router/kubernetes_default.go, `Reconcile` and `reconcileService`. On a Service it did not create it
 * rewrites only the selector and the ports, and each `kubectl apply` of a written apex points it back at the canary's pods
 * (fluxcd/flagger issue 680). So the library writes no apex Service for a Flagger-released service: what it would have
 * written is carried here, and what Flagger cannot generate fails synth (MESH314).
 * @see https://docs.flagger.app/usage/how-it-works#canary-service
 */
import { Codes } from '../../core/codes';
import { formatProblem } from '../../core/errors';

/** What of the written Service the Canary's `spec.service` carries. */
export interface CarriedApex {
  /** `spec.service.apex`: the Service's labels and annotations. */
  readonly apex?: { readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  /** `spec.service.primary` and `canary`: the Service's `networking.istio.io/exportTo`, if restricted. */
  readonly primary?: { readonly annotations: Record<string, string> };
  /** As `primary`. */
  readonly canary?: { readonly annotations: Record<string, string> };
  /** `spec.service.headless`: a Service with `clusterIP: None`. */
  readonly headless?: boolean;
  /** `spec.service.appProtocol`: its first port's. */
  readonly appProtocol?: string;
  /** `spec.service.trafficDistribution`. */
  readonly trafficDistribution?: string;
}

/** The spec fields of a Service that Flagger's generated apex has (or that `spec.service` carries); any other cannot be carried. */
const CARRIED_SPEC = new Set(['ports', 'selector', 'type', 'clusterIP', 'externalIPs', 'trafficDistribution']);

/** Istio's annotation of a Service's visibility. https://istio.io/latest/docs/reference/config/annotations/#NetworkingExportTo */
const EXPORT_TO = 'networking.istio.io/exportTo';

const nonEmpty = (o: unknown): Record<string, string> | undefined =>
  o && typeof o === 'object' && Object.keys(o).length > 0 ? { ...(o as Record<string, string>) } : undefined;

/** What the Canary's `spec.service` carries of the written Service `svc` (its rendered JSON). */
export function carriedApex(svc: Record<string, any> | undefined): CarriedApex {
  if (!svc) return {};
  const labels = nonEmpty(svc.metadata?.labels);
  const annotations = nonEmpty(svc.metadata?.annotations);
  const first = Array.isArray(svc.spec?.ports) ? svc.spec.ports[0] : undefined;
  // Flagger's VirtualService sends the apex's callers to `<name>-primary` and `<name>-canary`: a service exported to some
  // namespaces only is so on those hosts too, or any namespace would reach its pods by them.
  const exportTo = annotations?.[EXPORT_TO];
  const restricted = exportTo !== undefined ? { annotations: { [EXPORT_TO]: exportTo } } : undefined;
  return {
    apex: labels || annotations ? { labels, annotations } : undefined,
    primary: restricted,
    canary: restricted,
    headless: svc.spec?.clusterIP === 'None' ? true : undefined,
    appProtocol: typeof first?.appProtocol === 'string' ? first.appProtocol : undefined,
    trafficDistribution: typeof svc.spec?.trafficDistribution === 'string' ? svc.spec.trafficDistribution : undefined,
  };
}

/**
 * MESH314: the settings of the written Service `svc` (its rendered JSON) that Flagger's apex cannot have: another type than
 * ClusterIP, a cluster IP other than `None`, external IPs, any other spec field (session affinity, traffic policies...), a UDP
 * port (Flagger's are TCP), and a port after the first whose number is not its target port (port discovery exposes each
 * container port as itself: fluxcd/flagger pkg/canary/util.go `getPorts`).
 */
export function apexProblems(name: string, svc: Record<string, any> | undefined): string[] {
  if (!svc) return [];
  const out: string[] = [];
  const bad = (field: string, what: string) => out.push(formatProblem(Codes.FLAGGER_APEX_NOT_CARRIED,
    `service: ${field} ${what}; Flagger generates the Service ${name} itself (a ClusterIP Service, from the Canary's spec.service), `
    + 'so the library writes none and this setting would be lost: drop it or drop the FlaggerCanary'));
  const spec = svc.spec ?? {};
  if (spec.type !== undefined && spec.type !== 'ClusterIP') bad('spec.type', `is ${spec.type}`);
  if (spec.clusterIP !== undefined && spec.clusterIP !== 'None') bad('spec.clusterIP', `is ${spec.clusterIP}`);
  if (Array.isArray(spec.externalIPs) && spec.externalIPs.length > 0) bad('spec.externalIPs', `is ${spec.externalIPs.join(', ')}`);
  for (const key of Object.keys(spec).sort()) {
    if (!CARRIED_SPEC.has(key) && spec[key] !== undefined) bad(`spec.${key}`, 'is set');
  }
  const ports: Record<string, any>[] = Array.isArray(spec.ports) ? spec.ports : [];
  ports.forEach((p, i) => {
    if (p?.protocol !== undefined && p.protocol !== 'TCP') bad(`spec.ports[${i}].protocol`, `is ${p.protocol} (Flagger's ports are TCP)`);
    if (i > 0 && p?.targetPort !== undefined && Number(p.targetPort) !== Number(p.port)) {
      bad(`spec.ports[${i}]`, `is port ${p.port} to ${p.targetPort} (Flagger's port discovery exposes container port ${p.targetPort} as itself)`);
    }
  });
  return out;
}
