/**
 * The connectivity diff's and the topology's flows of VMs and of calls outside the mesh: a caller's request as it reaches each
 * VM (a WorkloadEntry a Service selects), and a workload's or job's connections to the hosts outside the mesh its Sidecar imports.
 */
import type { FlowVerdict } from '../validate/flow';
import type { FlowCluster, FlowPod, FlowService } from '../validate/flow/cluster';
import { nsOf } from '../validate/flow/cluster';
import { sidecarDecision, sidecarFor } from '../validate/flow/sidecar';
import type { Manifest } from '../validate/finding';
import type { RequestProbe } from './remote-probes';

/** An egress probe (kind `egress`): a workload's or job's connection to an outside host its Sidecar imports. */
export type EgressProbe = RequestProbe<'egress'>;

/** A pod's name for people: its name in the environment's namespace, else `<namespace>/<name>`. */
function display(p: { readonly name: string; readonly namespace: string }, namespace: string): string {
  return p.namespace === namespace ? p.name : `${p.namespace}/${p.name}`;
}

/** The name a VM (a WorkloadEntry a Service selects) has in probes and pictures: `<name> (VM)`, `<namespace>/<name> (VM)` elsewhere. */
export function vmName(vm: { readonly name: string; readonly namespace: string }, namespace: string): string {
  return `${display(vm, namespace)} (VM)`;
}

/** The VMs among the endpoints of a Service: the WorkloadEntries it selects (validate/flow `podsOfService`); none without one. */
export function vmsOf(cluster: FlowCluster, service: FlowService | undefined): FlowPod[] {
  return service ? cluster.podsOfService(service).filter((p) => p.kind === 'WorkloadEntry') : [];
}

/**
 * The verdict of a request to a host as one of its VMs sees it, from the evaluator's hops (each endpoint of the host is a hop
 * `<host>:<port> → <address>:<port> (WorkloadEntry <namespace>/<name>)`, taken in order, the first refusal ending the request):
 * the request's when it reached the VM and was allowed or refused there, allowed when a later endpoint refused it; undefined
 * when the request never reached the VM (refused on the way, or routed to endpoints without it).
 */
export function vmReach(v: FlowVerdict, vm: { readonly name: string; readonly namespace: string }): FlowVerdict | undefined {
  const marker = `(WorkloadEntry ${vm.namespace}/${vm.name})`;
  const at = v.hops.findIndex((h) => h.includes(marker));
  if (at < 0) return undefined;
  if (v.allowed) return v;
  const passed = v.hops.slice(at + 1).some((h) => / \((?:WorkloadEntry|ServiceEntry endpoint) [^)]*\)/.test(h));
  return passed ? { allowed: true, reason: `${vm.name} takes it (another endpoint refuses it: ${v.reason})`, hops: v.hops.slice(0, at + 1) } : v;
}

/**
 * The verdict of an `endpoint` probe (`destination`: `<name> (VM)`) from its request's: {@link vmReach}, else refused, by what
 * refused the request on the way, or, when the request is allowed without reaching the VM, for want of that endpoint.
 */
export function vmVerdict(v: FlowVerdict, destination: string, namespace: string): FlowVerdict {
  const name = destination.replace(/ \(VM\)$/, '');
  const [ns, we] = name.includes('/') ? name.split('/') : [namespace, name];
  const reach = vmReach(v, { name: we, namespace: ns });
  if (reach) return reach;
  if (!v.allowed) return { ...v, reason: `refused before ${name}: ${v.reason}` };
  return {
    allowed: false, hops: v.hops, decidedBy: { layer: 'no endpoint', kind: 'WorkloadEntry', namespace: ns, name: we },
    reason: `${name} is no endpoint of the request (${v.hops[v.hops.length - 1] ?? ''})`,
  };
}

/** A change as {@link withoutRepeatedEndpoints} reads it. */
interface Change {
  readonly kind: string;
  readonly change: 'opened' | 'closed';
  readonly source: string;
  readonly port: number;
  readonly method: string;
  readonly pathClass: string;
}

/**
 * A VM's change told once: a request refused at any endpoint of its host is refused (the host's every endpoint must take it), so
 * when the caller's own request to the host changes the same way, that change carries it; what is left is a VM that the host
 * gains or loses while its callers' requests keep their verdict.
 */
export function withoutRepeatedEndpoints<C extends Change>(changes: readonly C[]): C[] {
  const keyOf = (c: C) => [c.change, c.source, c.port, c.method, c.pathClass].join('\u0000');
  const told = new Set(changes.filter((c) => c.kind === 'call' || c.kind === 'route').map(keyOf));
  return changes.filter((c) => c.kind !== 'endpoint' || !told.has(keyOf(c)));
}

/**
 * The connections of a service's workload or a batch job to the hosts outside the mesh its Sidecar imports (a MeshService's,
 * MeshJob's or MeshCronJob's ExternalService calls: validate/flow `sidecarDecision`), one per ServiceEntry host and port, as the
 * topology draws egress: opaque TCP. A workload's pods are its own Sidecar's callers (their `egress` lists the host), so a call
 * the change adds or drops is a flow one side has and the other refuses; a VM (a WorkloadEntry) and a bare Pod are not callers.
 * @see https://istio.io/latest/docs/reference/config/networking/sidecar/#IstioEgressListener
 */
export function egressProbes(cluster: FlowCluster, namespace: string, add: (p: EgressProbe) => void): void {
  const callers = cluster.pods.filter((p) => !['Platform', 'Pod', 'WorkloadEntry'].includes(p.kind) && p.meshed
    && sidecarFor(cluster, p) !== undefined);
  for (const se of callers.length > 0 ? cluster.ofKind('ServiceEntry') : []) {
    const host = String(se.spec?.hosts?.[0] ?? '');
    if (!host || host.includes('*')) continue;
    for (const port of (se.spec?.ports ?? []).map((p: Manifest) => Number(p.number))) {
      for (const caller of callers.filter((j) => sidecarDecision(cluster, j, host, nsOf(se), port).listed)) {
        add({
          kind: 'egress', source: display(caller, namespace), destination: host, port, method: 'any', pathClass: 'any',
          flow: { source: { workload: caller.name, namespace: caller.namespace }, host, port, protocol: 'TCP' },
        });
      }
    }
  }
}
