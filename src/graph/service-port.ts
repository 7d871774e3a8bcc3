import { Protocol } from '../core/ports';

/** A port of a service. */
export interface ServicePortOptions {
  /** The port the Service listens on. */
  readonly port: number;
  /**
   * The container port traffic is sent to.
   * @default - the same as `port`
   */
  readonly targetPort?: number;
  /**
   * The protocol, which names the port by Istio's convention (`http`, `grpc-...`).
   * @default 'http'
   */
  readonly protocol?: Protocol;
  /**
   * The port's name; it must start with the protocol (`http-metrics`).
   * @default - the protocol, with `-<port>` when another port has the same protocol
   */
  readonly name?: string;
}

/** A port with every default worked out. */
export interface ResolvedServicePort {
  readonly name: string;
  readonly port: number;
  readonly targetPort: number;
  readonly protocol: Protocol;
}

/** The ports of a service when none are given: HTTP on 80, to container port 8080. */
export const DEFAULT_PORTS: readonly ServicePortOptions[] = [{ port: 80, targetPort: 8080, protocol: 'http' }];

/** Works out names and target ports. */
export function resolvePorts(ports: readonly ServicePortOptions[]): ResolvedServicePort[] {
  const count = new Map<string, number>();
  for (const p of ports) count.set(p.protocol ?? 'http', (count.get(p.protocol ?? 'http') ?? 0) + 1);
  return ports.map((p) => {
    const protocol = p.protocol ?? 'http';
    return {
      name: p.name ?? ((count.get(protocol) ?? 0) > 1 ? `${protocol}-${p.port}` : protocol),
      port: p.port,
      targetPort: p.targetPort ?? p.port,
      protocol,
    };
  });
}
