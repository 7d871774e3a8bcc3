import { IConstruct } from 'constructs';
import { Codes } from '../core/codes';
import type { ExportTo } from '../core/export-to';
import { formatProblem } from '../core/errors';
import { problem, Problem } from '../core/problem';
import { ObjectProblem, problemAbout } from '../private/construct-problems';
import type { ExternalCall, IExternalService, IMeshService, ServiceCall } from './interfaces';

/** What the checks read of a call to an external service (a service's, or a batch job's). */
export type ExternalCallShape = Pick<ExternalCall, 'target' | 'port' | 'methods' | 'paths'>;

/** What the checks need of a called MeshService. */
export interface CalledService extends IConstruct {
  readonly namespace: string;
  readonly hasService: boolean;
  readonly exportTo?: ExportTo;
  exportedTo(namespace: string): boolean;
}

/**
 * The problems of a service's declared calls: to services (MESH019 for one of another
 * App, MESH032 for a workload with no Service, MESH038 for one hidden by its exportTo)
 * and to external services (MESH037 for one of another App or a port it lacks, MESH038, MESH241 for one without addresses).
 * `meshService` gives the MeshService a call target is, if it is one; MESH241 is about the caller's `networkPolicy`, which
 * lets the port out to any address.
 */
export function callProblems(
  caller: IConstruct & { readonly namespace: string },
  calls: readonly ServiceCall[],
  externalCalls: readonly ExternalCallShape[],
  meshService: (target: IMeshService) => CalledService | undefined,
  fieldOf: (call: ServiceCall) => string | undefined = () => undefined,
  networkPolicy?: IConstruct,
): (string | ObjectProblem)[] {
  const out: (string | ObjectProblem)[] = [];
  for (const c of calls) {
    const field = fieldOf(c);
    const before = out.length;
    const target = meshService(c.target);
    // A service of any chart of the same app (one cluster) can be called; one of another App cannot.
    if (!target || target.node.root !== caller.node.root) {
      out.push(formatProblem(Codes.UNKNOWN_SERVICE, `calls ${c.target.node.path}, which is not a service of this app`));
    } else if (!target.hasService) {
      out.push(formatProblem(Codes.NO_SERVICE, `calls ${c.target.node.path}, a workload with no ports and no Service`));
    } else if (target.exportTo && !target.exportedTo(caller.namespace)) {
      // https://istio.io/latest/docs/reference/config/annotations/#NetworkingExportTo: a namespace
      // the Service is not exported to has no route to it (503 NR under REGISTRY_ONLY).
      out.push(
        formatProblem(
          Codes.NOT_EXPORTED_TO_CALLER,
          `calls ${c.target.node.path}, whose exportTo (${target.exportTo.toList(target.namespace).join(', ')}) hides it from namespace `
            + `${caller.namespace}`,
        ),
      );
    }
    // A call an init container declares is named by its field.
    if (field !== undefined) for (let k = before; k < out.length; k++) out[k] = `${field}: ${String(out[k])}`;
  }
  for (const [i, c] of externalCalls.entries()) {
    // An external service of another App is not in this cluster's manifests.
    if (c.target.node.root !== caller.node.root) {
      out.push(formatProblem(Codes.UNKNOWN_EXTERNAL_SERVICE, `externalCalls[${i}]: calls ${c.target.node.path}, which no chart of this app defines`));
    } else if (!c.target.exportedTo(caller.namespace)) {
      // https://istio.io/latest/docs/reference/config/networking/service-entry/#ServiceEntry-export_to
      out.push(
        formatProblem(
          Codes.NOT_EXPORTED_TO_CALLER,
          `externalCalls[${i}]: calls ${c.target.node.path}, whose exportTo hides it from namespace ${caller.namespace}`,
        ),
      );
    } else if (!c.target.port(c.port)) {
      out.push(
        formatProblem(
          Codes.UNKNOWN_EXTERNAL_SERVICE,
          `externalCalls[${i}].port: ${c.port} is not a port of ${c.target.node.path} (${c.target.ports.map((p) => p.number).join(', ')})`,
        ),
      );
    } else if ((c.methods !== undefined || c.paths !== undefined) && !EXTERNAL_HTTP_PROTOCOLS.has(c.target.port(c.port)!.protocol)) {
      // The sidecar proxies HTTPS, TLS and TCP ports as opaque TCP (TLS routed by SNI): it never sees a method or a path there, so
      // they would describe requests no layer reads, and the intended flows would prove what no proxy checks (as for a TCP port of
      // a service). https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/,
      // https://istio.io/latest/docs/tasks/traffic-management/egress/egress-tls-origination/
      const protocol = c.target.port(c.port)!.protocol;
      out.push(formatProblem(Codes.INVALID_CALL_PORT,
        `externalCalls[${i}]: port ${c.port} of ${c.target.node.path} is ${protocol}, whose requests the sidecar never reads: no HTTP methods or `
        + 'paths there; leave them out, or send plain HTTP to a port whose TLS the sidecar originates (`tls: TlsOrigination.simple(...)`)'));
    }
  }
  out.push(...anyAddressProblems(externalCalls).map((p) => problemAbout(networkPolicy, p)));
  return out;
}

/**
 * MESH241 (warning): calls to an external service without `addresses` (nor `anyAddress`), once per service, at its first
 * call. The caller's NetworkPolicy then lets the ports out to 0.0.0.0/0: a NetworkPolicy cannot name a DNS host ("targeting
 * of services by name" is among what NetworkPolicies cannot do), so its `ipBlock` is any address. `REGISTRY_ONLY` still limits
 * the hosts the sidecar's outbound listeners forward to, but the CNI admits the port to any address, so the policy no longer
 * limits where the pod connects (a process that bypasses the sidecar's redirection, or the sidecar's own passthrough of a
 * port it does not route).
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/#what-you-can-t-do-with-network-policies-at-least-not-yet
 * @see https://istio.io/latest/docs/reference/config/networking/sidecar/#OutboundTrafficPolicy-Mode
 */
function anyAddressProblems(externalCalls: readonly ExternalCallShape[]): Problem[] {
  const first = new Map<IExternalService, { index: number; ports: Set<number> }>();
  externalCalls.forEach((c, i) => {
    if (c.target.addresses.length > 0 || c.target.anyAddress) return;
    // Through the egress gateway, the caller's NetworkPolicy lets it out to the gateway's pods alone.
    if ((c.target as { _egressGateway?: object })._egressGateway) return;
    const port = c.target.port(c.port);
    if (!port) return; // MESH037
    const entry = first.get(c.target) ?? { index: i, ports: new Set<number>() };
    entry.ports.add(port.targetPort);
    first.set(c.target, entry);
  });
  return [...first].map(([target, { index, ports }]) => problem(Codes.EXTERNAL_EGRESS_ANY_ADDRESS, `externalCalls[${index}]`,
    `calls ${target.node.path}, which has no addresses, so this workload's NetworkPolicy lets port `
    + `${[...ports].sort((a, b) => a - b).join(', ')}/TCP out to any address (0.0.0.0/0): a NetworkPolicy cannot name a DNS host, and `
    + 'REGISTRY_ONLY limits the sidecar, not the addresses the pod reaches; give the provider\'s ranges in its `addresses` '
    + "(Cidr.of('203.0.113.0/24')), or `anyAddress: true` where it has none", 'warning'));
}

/** The ServiceEntry port protocols whose requests the sidecar reads as HTTP. */
const EXTERNAL_HTTP_PROTOCOLS: ReadonlySet<string> = new Set(['HTTP', 'HTTP2', 'GRPC']);
