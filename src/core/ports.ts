/**
 * Istio's protocol selection by port name: a Service port named `<protocol>[-<suffix>]`
 * tells the sidecar how to treat its traffic.
 *
 * @see https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/
 */
export type Protocol = 'http' | 'http2' | 'https' | 'grpc' | 'grpc-web' | 'tcp' | 'tls' | 'mongo' | 'mysql' | 'redis' | 'udp';

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
