/**
 * What the proxies do with a connection, by the protocol of the port it is sent to and what
 * the client sends: parse HTTP (routes by method, path and headers; authorization on every
 * field), forward opaque TCP (routes by port; authorization on the connection only), or
 * read the TLS handshake's SNI (routes by SNI; authorization on the connection only).
 */
import { Manifest } from '../finding';
import { Flow } from './flow';

/** A port's protocol as Istio reads it from a Service or ServiceEntry port. */
export type PortProtocol = 'HTTP' | 'HTTP2' | 'GRPC' | 'GRPC-Web' | 'HTTPS' | 'TLS' | 'TCP' | 'Mongo' | 'MySQL' | 'Redis' | 'UDP';

/** How the proxies handle a flow: HTTP, opaque TCP, or TLS routed by SNI. */
export type FlowMode = 'http' | 'tcp' | 'tls';

const BY_NAME: Readonly<Record<string, PortProtocol>> = {
  tcp: 'TCP', udp: 'UDP', grpc: 'GRPC', 'grpc-web': 'GRPC-Web', http: 'HTTP', http2: 'HTTP2',
  https: 'HTTPS', tls: 'TLS', mongo: 'Mongo', redis: 'Redis', mysql: 'MySQL',
};

/**
 * Ports Istio treats as TCP when their name says nothing: SMTP, DNS, MySQL and MongoDB,
 * which protocol sniffing would break. istio/istio pkg/config/kube/conversion.go `wellKnownPorts`.
 */
const WELL_KNOWN_TCP_PORTS: ReadonlySet<number> = new Set([25, 53, 3306, 27017]);

/**
 * The protocol of a Service port, as istiod reads it (istio/istio pkg/config/kube/conversion.go
 * `ConvertProtocol`): UDP by the port's `protocol`; else its `appProtocol` if set (with
 * Kubernetes' `kubernetes.io/h2c`, `kubernetes.io/ws` and `kubernetes.io/wss`), else its name;
 * the prefix before the first `-` names the protocol (`grpc-web` as a whole), case-insensitive
 * (pkg/config/protocol/instance.go `Parse`); a port it names none of is TCP on a well-known
 * port, else undefined: the sidecar sniffs the protocol from the first bytes.
 * @see https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/
 */
export function servicePortProtocol(port: Manifest | undefined): PortProtocol | undefined {
  if (!port) return undefined;
  if (String(port.protocol ?? 'TCP').toUpperCase() === 'UDP') return 'UDP';
  let name = String(port.name ?? '');
  if (typeof port.appProtocol === 'string' && port.appProtocol !== '') {
    name = port.appProtocol;
    if (name === 'kubernetes.io/h2c') return 'HTTP2';
    if (name === 'kubernetes.io/ws') return 'HTTP';
    if (name === 'kubernetes.io/wss') return 'HTTPS';
  }
  if (name.toLowerCase().startsWith('grpc-web')) return 'GRPC-Web';
  const prefix = name.split('-')[0].toLowerCase();
  return BY_NAME[prefix] ?? (WELL_KNOWN_TCP_PORTS.has(Number(port.port)) ? 'TCP' : undefined);
}

/**
 * The protocol of a ServiceEntry port: its `protocol` field (HTTP, HTTPS, GRPC, HTTP2,
 * MONGO, TCP, TLS), else (unset) as its name says.
 * @see https://istio.io/latest/docs/reference/config/networking/service-entry/#ServicePort
 */
export function serviceEntryPortProtocol(port: Manifest | undefined): PortProtocol | undefined {
  if (!port) return undefined;
  if (typeof port.protocol === 'string' && port.protocol !== '') return BY_NAME[port.protocol.toLowerCase()];
  return servicePortProtocol({ name: port.name, port: port.number });
}

/** True for the protocols the proxies parse as HTTP (istio/istio pkg/config/protocol/instance.go `IsHTTP`). */
export function isHttpProtocol(p: PortProtocol | undefined): boolean {
  return p === 'HTTP' || p === 'HTTP2' || p === 'GRPC' || p === 'GRPC-Web';
}

/**
 * How the proxies handle `flow` sent to a port of protocol `port`. The flow's own protocol,
 * when given, says what the client sends: HTTP and gRPC are parsed as HTTP; TCP is opaque;
 * TLS (and HTTPS the client encrypts itself) is routed by SNI on a TLS or HTTPS port
 * (pilot/pkg/networking/core/tls.go `buildSidecarOutboundTLSFilterChainOpts`) and is opaque
 * TCP on any other. Otherwise the port decides: an HTTP, HTTP/2, gRPC or gRPC-Web port is
 * HTTP; a TLS or HTTPS port is TLS; TCP, Mongo, MySQL, Redis and UDP ports are TCP
 * (`IsTCP`: "TCP, HTTPS, TLS, Mongo, Redis, MySQL"); an unnamed port is sniffed, and a
 * request with a method and a path is sniffed as HTTP.
 */
export function flowMode(flow: Pick<Flow, 'protocol'>, port: PortProtocol | undefined): FlowMode {
  const tlsPort = port === 'TLS' || port === 'HTTPS';
  switch (flow.protocol) {
    case 'HTTP': case 'GRPC': return 'http';
    case 'TCP': case 'UDP': return 'tcp';
    case 'TLS': case 'HTTPS': return tlsPort ? 'tls' : 'tcp';
    default:
      if (port === undefined || isHttpProtocol(port)) return 'http';
      return tlsPort ? 'tls' : 'tcp';
  }
}

/** `TCP`, `TLS` or the flow's HTTP protocol, for messages. */
export function modeName(mode: FlowMode, flow: Pick<Flow, 'protocol'>): string {
  return mode === 'tcp' ? 'TCP' : mode === 'tls' ? 'TLS' : flow.protocol === 'GRPC' ? 'gRPC' : 'HTTP';
}
