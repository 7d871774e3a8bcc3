import { IConstruct } from 'constructs';
import { Codes } from '../core/codes';
import type { ExportTo } from '../core/export-to';
import { formatProblem } from '../core/errors';
import type { ExternalCall, IMeshService, ServiceCall } from './interfaces';

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
 * and to external services (MESH037 for one of another App or a port it lacks, MESH038).
 * `meshService` gives the MeshService a call target is, if it is one.
 */
export function callProblems(
  caller: IConstruct & { readonly namespace: string },
  calls: readonly ServiceCall[],
  externalCalls: readonly ExternalCall[],
  meshService: (target: IMeshService) => CalledService | undefined,
): string[] {
  const out: string[] = [];
  for (const c of calls) {
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
  return out;
}

/** The ServiceEntry port protocols whose requests the sidecar reads as HTTP. */
const EXTERNAL_HTTP_PROTOCOLS: ReadonlySet<string> = new Set(['HTTP', 'HTTP2', 'GRPC']);
