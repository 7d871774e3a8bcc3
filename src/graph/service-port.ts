import { Codes } from '../core/codes';
import { formatProblem } from '../core/errors';
import { portNameProblem, Protocol } from '../core/ports';
import { integerProblems } from '../private/checks';
import { HealthProbe, ProbesOptions } from '../views/workload/pod-options';

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

/**
 * The container ports of a service's ports: each target port once, named after its first port.
 * @internal
 */
export function uniqueTargetPorts(ports: readonly ResolvedServicePort[]): { name: string; number: number }[] {
  const seen = new Set<number>();
  const out: { name: string; number: number }[] = [];
  for (const p of ports) {
    if (seen.has(p.targetPort)) continue;
    seen.add(p.targetPort);
    out.push({ name: p.name, number: p.targetPort });
  }
  return out;
}

/**
 * Problems with a service's ports, each naming its field: names by Istio's convention, numbers, duplicates.
 * @internal
 */
export function servicePortProblems(ports: readonly ResolvedServicePort[]): string[] {
  const out: string[] = [];
  const seenNames = new Set<string>();
  const seenPorts = new Set<number>();
  ports.forEach((p, i) => {
    const field = `ports[${i}]`;
    const nameProblem = portNameProblem(p.name);
    if (nameProblem) out.push(formatProblem(Codes.INVALID_PORT_NAME, `${field}.name: ${nameProblem}`));
    out.push(...integerProblems({ [`${field}.port`]: p.port, [`${field}.targetPort`]: p.targetPort }, 1, 65535));
    if (seenNames.has(p.name)) out.push(formatProblem(Codes.DUPLICATE_ENTRY, `${field}.name: '${p.name}' is used twice`));
    if (seenPorts.has(p.port)) out.push(formatProblem(Codes.DUPLICATE_ENTRY, `${field}.port: ${p.port} is used twice`));
    seenNames.add(p.name);
    seenPorts.add(p.port);
  });
  return out;
}

/**
 * The probes of a service's application container, worked out.
 * @internal
 */
export interface ResolvedProbes {
  readonly readiness?: HealthProbe;
  readonly liveness?: HealthProbe;
  readonly startup?: HealthProbe;
}

/**
 * The probes of the application container: the user's, else by the first port's
 * protocol: HTTP GET `<health>/ready` and `/live` for HTTP, the gRPC health protocol for
 * gRPC (never HTTP, which a gRPC server answers with 4xx/415), a TCP connection for
 * other TCP protocols, none for UDP. Ports left out are the first container port.
 * @see https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#define-a-grpc-liveness-probe
 * @internal
 */
export function defaultProbes(ports: readonly ResolvedServicePort[], healthCheckPath: string | undefined, given: ProbesOptions = {}): ResolvedProbes {
  const first = ports[0];
  const byProtocol = (slot: 'ready' | 'live'): HealthProbe | undefined => {
    if (!first) return undefined;
    if (healthCheckPath !== undefined) return HealthProbe.http(`${healthCheckPath}/${slot}`, { port: first.targetPort });
    if (first.protocol === 'grpc') return HealthProbe.grpc({ port: first.targetPort });
    if (first.protocol === 'udp') return undefined;
    return HealthProbe.tcp({ port: first.targetPort });
  };
  const withPort = (p: HealthProbe | undefined): HealthProbe | undefined => {
    if (!p || p.check.kind === 'none') return undefined;
    return p.withDefaultPort(first?.targetPort);
  };
  return {
    readiness: withPort(given.readiness ?? byProtocol('ready')),
    liveness: withPort(given.liveness ?? byProtocol('live')),
    startup: withPort(given.startup),
  };
}
