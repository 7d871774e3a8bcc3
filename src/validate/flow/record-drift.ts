/**
 * A remote-calls record describes its callee as the caller's chart declared it (Service port,
 * container port, protocol, pod labels, ServiceAccount), and the caller's own side is written from
 * that description (its Sidecar, its NetworkPolicy egress to the callee's pods on the container
 * port). When the callee's folder is given with the caller's, each difference between the record's
 * description and the callee's manifests is the cause of whatever its calls then meet: it is
 * reported once, naming the record's field and the callee's value, before the calls are evaluated.
 */
import type { RemoteCallEntry } from '../../core/remote-calls';
import type { Manifest } from '../finding';
import type { FlowCluster, FlowPod, FlowService } from './cluster';
import { FLAGGER_ROUTED_TO } from '../model/flagger';

/** One difference between a record's description of its callee and the callee's manifests. */
export interface CalleeDifference {
  /** The entry's field that differs: `callee.port.targetPort`. */
  readonly field: string;
  /** What differs, naming both values. */
  readonly message: string;
}

/**
 * The protocol a Service port declares: its `appProtocol`, else its name's prefix (`http-api` is
 * HTTP). https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/#explicit-protocol-selection
 */
const protocolOf = (name: string | undefined, appProtocol?: string) => (appProtocol ?? String(name ?? '').split('-')[0]).toLowerCase();

const declaredBy = (sp: Manifest) => (sp.appProtocol ? `appProtocol ${sp.appProtocol}` : sp.name ?? 'unnamed');

const labelText = (labels: Readonly<Record<string, string>>) => Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(', ');

/** The container port a Service port reaches on `pods`: its number, or its name as the first pod that has it declares it. */
function targetOf(sp: Manifest, pods: readonly FlowPod[]): number | undefined {
  const t = sp.targetPort ?? sp.port;
  if (typeof t === 'number') return t;
  if (/^\d+$/.test(String(t))) return Number(t);
  return pods.map((p) => p.namedPorts[String(t)]).find((n) => n !== undefined);
}

/**
 * The differences between the callee `entry` describes and `service` with its pods, as the callee's
 * folder has them: the Service port the record calls (missing, another container port, another
 * protocol), pod labels that select none of the Service's pods, a ServiceAccount its pods do not
 * run as, a sidecar they do not run (or run where the record says none). Empty when the record still describes the callee.
 */
export function calleeDifferences(entry: RemoteCallEntry, service: FlowService, cluster: FlowCluster): CalleeDifference[] {
  const { callee } = entry;
  const svc = `Service ${service.namespace}/${service.name}`;
  const pods = cluster.podsOfService(service);
  const ports: Manifest[] = service.manifest.spec?.ports ?? [];
  const show = (p: Manifest) => `${p.port} → ${targetOf(p, pods) ?? p.targetPort ?? p.port} (${p.name ?? 'unnamed'})`;
  const says = `${callee.port.port} → ${callee.port.targetPort} (${callee.port.name})`;
  const out: CalleeDifference[] = [];
  const sp = ports.find((p) => Number(p.port) === callee.port.port);
  if (!sp) {
    out.push({
      field: 'callee.port.port',
      message: `the record says ${says}, but ${svc} has no port ${callee.port.port} (it has ${ports.map(show).join(', ') || 'none'})`,
    });
  } else {
    const target = targetOf(sp, pods);
    if (target !== undefined && target !== callee.port.targetPort) {
      out.push({ field: 'callee.port.targetPort', message: `the record says ${says}, but ${svc} has ${show(sp)}` });
    }
    if (protocolOf(callee.port.name) !== protocolOf(sp.name, sp.appProtocol)) {
      out.push({
        field: 'callee.port.name',
        message: `the record says port ${callee.port.port} speaks ${protocolOf(callee.port.name)} (${callee.port.name}), but ${svc}'s `
          + `port ${sp.port} speaks ${protocolOf(sp.name, sp.appProtocol)} (${declaredBy(sp)})`,
      });
    }
  }
  if (pods.length === 0) return out;
  const selected = pods.filter((p) => Object.entries(callee.podLabels).every(([k, v]) => p.labels[k] === v));
  if (selected.length === 0) {
    const selector: Record<string, string> = service.manifest.spec?.selector ?? {};
    // A Service Flagger took over selects the primary's pods, whose `app` Flagger renamed (fluxcd/flagger pkg/canary/util.go,
    // makePrimaryLabels): the caller's RemoteService did not say Flagger releases it.
    const flagger = FLAGGER_ROUTED_TO.has(service.manifest)
      ? `: Flagger releases ${service.name} (a Canary of ${service.namespace}), so declare its RemoteService with releasedByFlagger: true, `
        + 'which selects its pods by app.kubernetes.io/name and imports its -primary and -canary hosts'
      : '';
    out.push({
      field: 'callee.podLabels',
      message: `the record's pod labels ${labelText(callee.podLabels)} select no pod of ${svc} (it selects ${labelText(selector)})${flagger}`,
    });
  }
  const accounts = [...new Set((selected.length > 0 ? selected : pods).map((p) => p.serviceAccount))];
  if (!accounts.includes(callee.serviceAccount)) {
    out.push({
      field: 'callee.serviceAccount',
      message: `the record says its pods run as ServiceAccount ${callee.serviceAccount}, but the pods of ${svc} run as ${accounts.join(', ')}`,
    });
  }
  // Whether its pods run a sidecar: the record's `callee.sidecar` (absent: they do) against the pods its labels select.
  const meshed = (selected.length > 0 ? selected : pods).map((p) => p.meshed);
  const recorded = callee.sidecar !== false;
  if (meshed.every((m) => m !== recorded)) {
    out.push({
      field: 'callee.sidecar',
      message: recorded
        ? `the record says its pods run a sidecar (mTLS, an identity its policies check), but the pods of ${svc} run none: `
          + 'they are called in plaintext (its RemoteService needs sidecar: false)'
        : `the record says its pods run no sidecar (sidecar: false, plaintext), but the pods of ${svc} run one`,
    });
  }
  return out;
}
