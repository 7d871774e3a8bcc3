/**
 * Istio's protocol selection by port name: a Service port named `<protocol>[-<suffix>]`
 * tells the sidecar how to treat its traffic. These are the names istio/istio
 * pkg/config/protocol/instance.go (Parse) knows, but `http_proxy` (Sidecar listeners only); a
 * protocol it does not know (AMQP, Kafka) is `tcp`, named after it (`tcp-amqp`). `mongo`,
 * `mysql` and `redis` are proxied as TCP: istiod 1.24 puts only the Mongo filter, a stats
 * filter, before the TCP proxy by default; the Redis and MySQL filters are off
 * (pilot/pkg/features/xds.go, PILOT_ENABLE_MONGO_FILTER true, PILOT_ENABLE_REDIS_FILTER and
 * PILOT_ENABLE_MYSQL_FILTER false; pilot/pkg/networking/core/networkfilter.go, buildNetworkFiltersStack).
 *
 * @see https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/
 */
export type Protocol = 'http' | 'http2' | 'https' | 'grpc' | 'grpc-web' | 'tcp' | 'tls' | 'mongo' | 'mysql' | 'redis' | 'udp';

/**
 * The `protocol` field of Istio's own port messages: a Gateway server's `port` and a ServiceEntry's
 * `ports` (networking/v1 `Port` and `ServicePort`), upper-case as that API spells it. It is a second
 * type, apart from {@link Protocol}, because the two mean different things: {@link Protocol} is how a
 * Kubernetes Service port tells the sidecar what it serves (its name's prefix, lower-case, UDP and the
 * database protocols included), while a Gateway or ServiceEntry port is served by Envoy itself, which
 * proxies only TCP-based protocols: "Non-TCP based protocols, such as UDP, are not proxied ... and
 * cannot be used in proxy-only components such as ingress or egress gateways" (protocol selection).
 * The values are the ones the mesh renders and checks: HTTP, HTTPS, HTTP2, GRPC, TCP and TLS.
 *
 * @see https://istio.io/latest/docs/reference/config/networking/gateway/#Port
 * @see https://istio.io/latest/docs/reference/config/networking/service-entry/#ServicePort
 * @see https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/
 */
export type PortProtocol = 'HTTP' | 'HTTPS' | 'HTTP2' | 'GRPC' | 'TCP' | 'TLS';

/**
 * Every protocol prefix Istio recognises, longest first so that `grpc-web` wins over `grpc`.
 * @internal
 */
export const PROTOCOLS: readonly Protocol[] = ['grpc-web', 'http2', 'https', 'http', 'grpc', 'tcp', 'tls', 'mongo', 'mysql', 'redis', 'udp'];

/**
 * Protocols whose traffic Istio routes with HTTP rules (VirtualService `http:`).
 * @internal
 */
export const HTTP_PROTOCOLS: readonly Protocol[] = ['http', 'http2', 'grpc', 'grpc-web'];

/**
 * Protocols whose traffic Istio routes with TCP rules (VirtualService `tcp:`): opaque TCP, and the protocols whose Envoy filters
 * istiod leaves off, so that their traffic is proxied as TCP.
 * @internal
 */
export const TCP_PROTOCOLS: readonly Protocol[] = ['tcp', 'mongo', 'mysql', 'redis'];

/**
 * Protocols whose every request is `POST /<package.Service>/<Method>`: gRPC over HTTP/2
 * (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md, Request-Headers: `:method POST`,
 * `:path /Service-Name/{method name}`) and gRPC-Web, which keeps the method and path
 * (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md).
 * @internal
 */
export const GRPC_PROTOCOLS: readonly Protocol[] = ['grpc', 'grpc-web'];

/**
 * How a service's failed requests show in Istio's standard metrics, by the protocols of its HTTP-family ports: `http`, every
 * request port HTTP, whose failures are 5xx responses (`response_code`); `grpc`, every request port gRPC, whose failed calls
 * are HTTP 200 with a grpc-status trailer of a server fault (`grpc_response_status`; gRPC's status codes,
 * https://grpc.github.io/grpc/core/md_doc_statuscodes.html); `http-and-grpc`, a service serving both on ports of their own
 * (a model server's REST and gRPC ports), whose failures are either, each counted where its protocol says it.
 * @see https://istio.io/latest/docs/reference/config/metrics/#labels
 */
export type RequestProtocols = 'http' | 'grpc' | 'http-and-grpc';

/**
 * The {@link RequestProtocols} of a service's ports: a `grpc` port's calls are gRPC; `http`, `http2` and `grpc-web` ports
 * are counted by their HTTP status (a gRPC-Web response carries its trailers in its body,
 * https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md); other ports (TCP, TLS, databases) have no requests.
 * `http` when no port is gRPC.
 * @internal
 */
export function requestProtocolsOf(ports: readonly { readonly protocol: Protocol }[]): RequestProtocols {
  const request = ports.filter((p) => HTTP_PROTOCOLS.includes(p.protocol));
  const grpc = request.filter((p) => p.protocol === 'grpc').length;
  if (grpc === 0) return 'http';
  return grpc === request.length ? 'grpc' : 'http-and-grpc';
}

/**
 * Whether an AuthorizationPolicy path `pattern` can match a gRPC request's `/<package.Service>/<Method>`: two
 * segments (either may be a `{*}` template or end in `*`), or a prefix (`/pkg.Service/*`, `/pkg.*`), suffix
 * (`*\/Method`) or presence (`*`) match, which Istio's path matching allows
 * (https://istio.io/latest/docs/reference/config/security/authorization-policy/#Operation).
 * @internal
 */
export function matchesGrpcPath(pattern: string): boolean {
  return pattern.startsWith('*') || pattern.endsWith('*') || /^\/[^/]+\/[^/]+$/.test(pattern);
}

/**
 * The protocol a port name declares, or undefined if Istio cannot classify it.
 * @internal
 */
export function protocolOfPortName(name: string): Protocol | undefined {
  const lower = name.toLowerCase();
  for (const p of PROTOCOLS) {
    if (lower === p || lower.startsWith(`${p}-`)) return p;
  }
  return undefined;
}

/**
 * Why `name` is not a port name of the protocol convention, or undefined.
 * @internal
 */
export function portNameProblem(name: string): string | undefined {
  if (name.length > 15 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
    return `port name '${name}' is not an IANA service name (at most 15 lowercase letters, digits and '-')`;
  }
  if (!protocolOfPortName(name)) {
    return `port name '${name}' does not start with a protocol Istio recognises (${PROTOCOLS.join(', ')}) followed by '-' or nothing`;
  }
  return undefined;
}
