import { Duration } from 'cdk8s';
import { isIanaServiceName } from '../core/names';
import { Codes } from '../core/codes';
import { formatProblem } from '../core/errors';
import { portNameProblem, Protocol } from '../core/ports';
import { integerProblems } from '../private/checks';
import type { ContainerPortOptions } from '../workload/container-options';
import { HealthProbe, ProbesOptions } from '../workload/pod-options';

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

/** The container ports of a pod, worked out from the Service's ports and the containers'. */
export interface ContainerPortPlan {
  /** The application container's ports: the Service target ports no other container declares, then its own. */
  readonly app: ContainerPortOptions[];
  /** Ports some container declares that no Service port targets, with where they are declared (`rabbitmq-exporter`, `app`). */
  readonly containerOnly: ReadonlyMap<number, string>;
  readonly problems: string[];
}

/**
 * The pod's container ports: each Service target port is the application container's
 * (named after its first Service port) unless another container declares it; the
 * application's own `containerPorts` and the other containers' ports must not repeat a
 * number or a name (the containers share the pod's network namespace).
 * @internal
 */
export function containerPortPlan(ports: readonly ResolvedServicePort[], own: readonly ContainerPortOptions[] = [],
  others: readonly { readonly name: string; readonly ports?: readonly ContainerPortOptions[] }[] = []): ContainerPortPlan {
  const problems: string[] = [];
  const declared = new Map<number, string>();
  const names = new Set<string>();
  const declare = (field: string, where: string, p: ContainerPortOptions) => {
    problems.push(...integerProblems({ [`${field}.number`]: p.number }, 1, 65535));
    if (declared.has(p.number)) {
      problems.push(formatProblem(Codes.CONTAINER_PORT_CONFLICT, `${field}.number: ${p.number} is also declared by ${declared.get(p.number)}`));
    }
    declared.set(p.number, where);
    if (p.name === undefined) return;
    if (!isIanaServiceName(p.name)) {
      problems.push(formatProblem(Codes.CONTAINER_PORT_CONFLICT,
        `${field}.name: '${p.name}' is not an IANA service name (at most 15 lowercase letters, digits and '-')`));
    }
    if (names.has(p.name)) problems.push(formatProblem(Codes.CONTAINER_PORT_CONFLICT, `${field}.name: '${p.name}' is used twice in the pod`));
    names.add(p.name);
  };
  others.forEach((c) => (c.ports ?? []).forEach((p, j) => declare(`containers[${c.name}].ports[${j}]`, c.name, p)));
  const app: ContainerPortOptions[] = [];
  const targeted = new Set<number>();
  for (const p of ports) {
    if (targeted.has(p.targetPort)) continue;
    targeted.add(p.targetPort);
    if (declared.has(p.targetPort)) continue;
    app.push({ name: p.name, number: p.targetPort, protocol: p.protocol === 'udp' ? 'UDP' : undefined });
    declared.set(p.targetPort, `the Service port ${p.name}`);
    names.add(p.name);
  }
  own.forEach((p, i) => {
    declare(`containerPorts[${i}]`, 'app', p);
    app.push({ ...p });
  });
  const containerOnly = new Map<number, string>();
  for (const [n, where] of declared) if (!targeted.has(n)) containerOnly.set(n, where);
  return { app, containerOnly, problems };
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
 * The probes of a service's application container, worked out. Not marked internal: the
 * declaration of ServiceWorkload's constructor names it.
 */
export interface ResolvedProbes {
  readonly readiness?: HealthProbe;
  readonly liveness?: HealthProbe;
  readonly startup?: HealthProbe;
}

/**
 * The probes of the application container: the user's, else by the first port's protocol:
 * HTTP GET `<health>/ready` and `/live` when the service names its health path, the gRPC
 * health protocol for gRPC, a TCP connection to the serving port otherwise (an HTTP GET to a
 * guessed path answers 404 on most images), none for UDP. Ports left out are the first
 * container port. A stateful service whose liveness probe is the default gets a startup probe of the same check, 30 × 10s:
 * a database image's first start initializes its data directory with a temporary server that does not listen on the port
 * (docker-library's mysql entrypoint starts it with `--skip-networking`, postgres's with `listen_addresses=''`, mongo's on
 * 127.0.0.1 alone), and a liveness probe that fails meanwhile restarts the container mid-initialization; the kubelet runs no
 * liveness probe until the startup probe succeeds (Kubernetes, "Protect slow starting containers with startup probes").
 * @see https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#define-startup-probes
 * @see https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#define-a-tcp-liveness-probe
 * @see https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#define-a-grpc-liveness-probe
 * @internal
 */
export function defaultProbes(
  ports: readonly ResolvedServicePort[], healthCheckPath: string | undefined, given: ProbesOptions = {}, stateful = false,
): ResolvedProbes {
  const first = ports[0];
  const byProtocol = (slot: 'ready' | 'live', timing: { period?: Duration; failureThreshold?: number } = {}): HealthProbe | undefined => {
    if (!first) return undefined;
    if (healthCheckPath !== undefined) return HealthProbe.http(`${healthCheckPath}/${slot}`, { port: first.targetPort, ...timing });
    if (first.protocol === 'grpc') return HealthProbe.grpc({ port: first.targetPort, ...timing });
    if (first.protocol === 'udp') return undefined;
    return HealthProbe.tcp({ port: first.targetPort, ...timing });
  };
  const startup = given.startup
    ?? (stateful && !given.liveness ? byProtocol('live', { period: Duration.seconds(10), failureThreshold: 30 }) : undefined);
  const withPort = (p: HealthProbe | undefined): HealthProbe | undefined => {
    if (!p || p.check.kind === 'none') return undefined;
    return p.withDefaultPort(first?.targetPort);
  };
  return {
    readiness: withPort(given.readiness ?? byProtocol('ready')),
    liveness: withPort(given.liveness ?? byProtocol('live')),
    startup: withPort(startup),
  };
}
