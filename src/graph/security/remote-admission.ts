/**
 * The admission of named callers from outside the app (RemoteCallers: workloads other teams'
 * charts or repositories deploy) by a service: an ALLOW rule for each caller's principal (with
 * the methods, paths and port it may use), a NetworkPolicy ingress peer of its namespace AND pod
 * labels, and a flow the service means to work, from the caller's pods as described.
 */
import { Codes } from '../../core/codes';
import { formatProblem } from '../../core/errors';
import type { HttpMethod } from '../../core/http';
import { concretePath, httpPort } from '../intended-flows';
import type { IMeshServiceNode } from '../interfaces';
import type { RemoteCaller } from '../remote-caller';
import type { IntendedFlow } from '../../core/flow';
import type { NetworkPeer, NetworkPort } from '../../workload/workload';
import type { AuthorizationRule } from './authorization-rule';
import { flowMethods, ruleMethods } from '../../core/http';
import { GRPC_PROTOCOLS, HTTP_PROTOCOLS, Protocol } from '../../core/ports';
import { withCollectionPaths } from '../../core/authorization';

/** Options for {@link ServiceSecurity.admit} (and `MeshService.admits`). */
export interface AdmitOptions {
  /**
   * The HTTP methods the caller uses (HTTP and gRPC ports only: an ALLOW rule with methods never matches a TCP connection).
   * @default - every method
   * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Operation
   */
  readonly methods?: HttpMethod[];
  /**
   * The request paths the caller uses, as AuthorizationPolicy takes them (`/api/products/*`).
   * @default - every path
   */
  readonly paths?: string[];
  /**
   * The service's port the caller calls: the NetworkPolicy and the ALLOW rule admit its container port only.
   * @default - every port of the service
   */
  readonly port?: number;
}

/** One admitted caller from outside the app, and what it may do. */
export interface RemoteAdmission {
  /** The caller. */
  readonly caller: RemoteCaller;
  /** The methods, paths and port it is admitted on. */
  readonly options: AdmitOptions;
  /**
   * A workload of the app (a MeshCronJob), whose own flows, from its pods in the manifests, prove the call.
   * @internal
   */
  readonly _inApp?: boolean;
}

/** The Service port an admission names, if the service has it. */
function portOf(service: IMeshServiceNode, a: RemoteAdmission) {
  return a.options.port === undefined ? undefined : service.ports.find((p) => p.port === a.options.port);
}

/** The caller's pods as a NetworkPolicy ingress peer (namespace AND labels, one peer), and the container ports it may reach. */
export function admissionPeer(service: IMeshServiceNode, a: RemoteAdmission): { peer: NetworkPeer; ports?: NetworkPort[] } {
  const port = portOf(service, a);
  return {
    peer: { namespace: a.caller.namespace, podLabels: { ...a.caller.podLabels } },
    ...(port ? { ports: [{ port: port.targetPort, protocol: port.protocol === 'udp' ? 'UDP' as const : 'TCP' as const }] } : {}),
  };
}

/**
 * An admission's paths as its rule admits them: with each collection path, as for a declared call (`/api/status` beside
 * `/api/status/*`, core/authorization.ts withCollectionPaths), but on a gRPC port, whose every path is `/<package.Service>/<Method>`.
 */
function admittedPaths(paths: readonly string[], ports: readonly { readonly protocol: Protocol }[]): string[] {
  return ports.length > 0 && ports.every((p) => GRPC_PROTOCOLS.includes(p.protocol)) ? [...paths] : withCollectionPaths(paths);
}

/** One ALLOW rule per admission: the caller's principal, and what it may do. */
export function admissionRules(service: IMeshServiceNode, admissions: readonly RemoteAdmission[]): AuthorizationRule[] {
  return admissions.map((a) => {
    const port = portOf(service, a);
    const o = a.options;
    const httpPorts = port ? [port] : service.ports.filter((p) => HTTP_PROTOCOLS.includes(p.protocol));
    const op = {
      methods: ruleMethods(o.methods), paths: o.paths ? admittedPaths(o.paths, httpPorts) : undefined, ports: port ? [port.targetPort] : undefined,
    };
    return { from: [{ principals: [a.caller.principal(service.chart.trustDomain)] }], to: op.methods || op.paths || op.ports ? [op] : undefined };
  });
}

/**
 * The flows the admissions mean to work, from each caller's pods (as described) to the service's
 * FQDN: each method and path made concrete, or one connection on a TCP or TLS port.
 */
export function admissionFlows(service: IMeshServiceNode, admissions: readonly RemoteAdmission[]): IntendedFlow[] {
  const out: IntendedFlow[] = [];
  for (const a of admissions) {
    if (a._inApp) continue;
    const port = portOf(service, a) ?? service.ports.find((p) => p.port === httpPort(service));
    if (!port) continue;
    const base = {
      source: { platform: a.caller.workload() }, host: `${service.name}.${service.namespace}.svc.cluster.local`, port: port.port,
      expect: 'allow' as const, constructPath: service.node.path,
    };
    const who = `${service.name} admits ${a.caller}`;
    if (['tcp', 'mongo', 'mysql', 'redis', 'tls', 'https', 'udp'].includes(port.protocol)) {
      // A UDP port's datagrams pass no sidecar: the flow says so, for the NetworkPolicies alone to decide.
      const udp = port.protocol === 'udp' ? { protocol: 'UDP' as const } : {};
      out.push({ ...base, ...udp, description: `${who} on ${port.port}/${port.protocol.toUpperCase()}` });
      continue;
    }
    for (const method of flowMethods(a.options.methods)) {
      for (const path of admittedPaths(a.options.paths ?? ['/'], [port]).map(concretePath)) {
        out.push({ ...base, method, path, description: `${who} ${method} ${path}` });
      }
    }
  }
  return out;
}

/**
 * Problems of the admissions: a port the service lacks, a caller admitted twice (MESH605), and HTTP methods or
 * paths where the caller reaches no HTTP port (MESH042, as for a call: Istio ignores an ALLOW rule's HTTP fields
 * for TCP traffic, so the rule would admit nothing).
 * @see https://istio.io/latest/docs/reference/config/security/authorization-policy/#Operation
 */
export function admissionProblems(
  service: IMeshServiceNode, admissions: readonly RemoteAdmission[], exportedTo: (namespace: string) => boolean = () => true,
): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  admissions.forEach((a, i) => {
    // A namespace the Service is not exported to has no route to it: its sidecars drop the call (MESH038, as for a call in the app).
    // https://istio.io/latest/docs/reference/config/annotations/#NetworkingExportTo
    if (!exportedTo(a.caller.namespace)) {
      out.push(formatProblem(Codes.NOT_EXPORTED_TO_CALLER, `admits[${i}]: admits ${a.caller}, but ${service.name}'s exportTo hides it from `
        + `namespace ${a.caller.namespace}: its sidecars have no route to it`));
    }
    const port = portOf(service, a);
    if (a.options.port !== undefined && !port) {
      const ports = service.ports.map((p) => p.port).join(', ');
      out.push(formatProblem(Codes.INVALID_REMOTE_SERVICE, `admits[${i}].port: ${a.options.port} is not a port of ${service.name} (${ports})`));
    }
    const l7 = port ? HTTP_PROTOCOLS.includes(port.protocol) : service.ports.some((p) => HTTP_PROTOCOLS.includes(p.protocol));
    if ((a.options.methods || a.options.paths) && !l7 && service.ports.length > 0) {
      const on = port ? `port ${port.port} of ${service.name} is ${port.protocol}` : `${service.name} has no HTTP port`;
      out.push(formatProblem(Codes.INVALID_CALL_PORT, `admits[${i}]: ${on}; methods and paths are HTTP-only, so the rule would admit nothing`));
    }
    const key = `${a.caller}:${a.options.port ?? ''}`;
    if (seen.has(key)) {
      const on = a.options.port ? ` on ${a.options.port}` : '';
      const message = `admits[${i}]: ${a.caller} is admitted twice${on}; give every method and path in one admission`;
      out.push(formatProblem(Codes.INVALID_REMOTE_SERVICE, message));
    }
    seen.add(key);
  });
  return out;
}
