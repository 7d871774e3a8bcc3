/**
 * The shape of a flow: its host, ports, method, path, protocol and source, checked before it is
 * evaluated.
 */
import { isIpAddress } from '../../core/cidr';
import { Flow } from './flow';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE']);

type FlowProblem = { field: string; message: string } | undefined;

const isPort = (p: unknown) => Number.isInteger(p) && (p as number) >= 1 && (p as number) <= 65535;

/** The first malformed field of `flow`, if any: host, port (1-65535), method, path (starts with `/`), protocol, source. */
export function flowProblem(flow: Flow): FlowProblem {
  const bad = (field: string, message: string) => ({ field, message });
  const host = /^[A-Za-z0-9*]([A-Za-z0-9.-]*[A-Za-z0-9])?$/;
  if (typeof flow.host !== 'string' || !host.test(flow.host)) return bad('host', `'${flow.host}' is not a host name`);
  if (!isPort(flow.port)) return bad('port', `${flow.port} is not a port (1-65535)`);
  if (flow.targetPort !== undefined && !isPort(flow.targetPort)) return bad('targetPort', `${flow.targetPort} is not a port (1-65535)`);
  if (flow.method !== undefined && !METHODS.has(flow.method)) return bad('method', `'${flow.method}' is not an HTTP method`);
  if (flow.path !== undefined && !flow.path.startsWith('/')) return bad('path', `'${flow.path}' does not start with /`);
  const protocol = protocolProblem(flow);
  if (protocol) return protocol;
  const s = flow.source as Record<string, unknown>;
  if (!s || !(s.external === true || (typeof s.workload === 'string' && typeof s.namespace === 'string') || typeof s.platform === 'object')) {
    return bad('source', 'is not { workload, namespace }, { platform } or { external: true }');
  }
  if (flow.initContainer !== undefined && (typeof s.workload !== 'string' || typeof flow.initContainer !== 'string' || flow.initContainer === '')) {
    return bad('initContainer', 'names an init container of a { workload, namespace } source\'s pods');
  }
  if (flow.clientAddress !== undefined) {
    if (s.external !== true) return bad('clientAddress', 'is the address of an external client: give it to an { external: true } source only');
    if (typeof flow.clientAddress !== 'string' || !isIpAddress(flow.clientAddress)) {
      return bad('clientAddress', `'${flow.clientAddress}' is not an IP address`);
    }
  }
  return undefined;
}

/**
 * The protocol's problem, if any: a protocol this evaluator does not know, a gRPC call that is
 * not `POST /<service>/<method>`, an SNI that is no server name.
 */
function protocolProblem(flow: Flow): FlowProblem {
  const bad = (field: string, message: string) => ({ field, message });
  if (flow.protocol !== undefined && !['HTTP', 'HTTPS', 'GRPC', 'TCP', 'TLS', 'UDP'].includes(flow.protocol)) {
    return bad('protocol', `'${flow.protocol}' is not HTTP, HTTPS, GRPC, TCP, TLS or UDP`);
  }
  if (flow.protocol === 'UDP' && (flow.method !== undefined || flow.path !== undefined)) {
    return bad(flow.method !== undefined ? 'method' : 'path', 'a UDP flow has no method or path');
  }
  // gRPC is HTTP/2 `POST /<package.Service>/<Method>` (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md, Request-Headers).
  const grpc = flow.protocol === 'GRPC';
  if (grpc && flow.method !== undefined && flow.method !== 'POST') return bad('method', `a gRPC call is a POST, not ${flow.method}`);
  if (grpc && flow.path !== undefined && !/^\/[^/]+\/[^/]+$/.test(flow.path)) return bad('path', `'${flow.path}' is not /<package.Service>/<Method>`);
  const sni = /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/;
  if (flow.sni !== undefined && !sni.test(flow.sni)) return bad('sni', `'${flow.sni}' is not a server name`);
  return undefined;
}
