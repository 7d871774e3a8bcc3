/**
 * Walks a VirtualService's destinations (HTTP, TLS and TCP routes, and mirrors)
 * with the field path of each.
 */
import { Manifest } from '../finding';
import { dict, list } from '../values';

/** One destination of a VirtualService. */
export interface DestinationRef {
  /** `spec.http[0].route[1].destination` */
  readonly field: string;
  /** The destination object: host, subset, port. */
  readonly destination: { host?: string; subset?: string; port?: { number?: number } };
  /** The weight, if the destination is a weighted route destination. */
  readonly weight?: number;
}

/** Every destination of `vs`, routes and mirrors. */
export function destinationsOf(vs: Manifest): DestinationRef[] {
  const out: DestinationRef[] = [];
  for (const section of ['http', 'tls', 'tcp'] as const) {
    list(vs.spec?.[section]).forEach((rule: any, i: number) => {
      list(rule?.route).forEach((r: any, j: number) => {
        // A route without a destination is kept (with no host): Istio reports it as a missing host.
        out.push({ field: `spec.${section}[${i}].route[${j}].destination`, destination: dict(r?.destination), weight: r?.weight });
      });
      if (section === 'http' && rule?.mirror) out.push({ field: `spec.http[${i}].mirror`, destination: rule.mirror });
      list(rule?.mirrors).forEach((m: any, j: number) => {
        if (m?.destination) out.push({ field: `spec.http[${i}].mirrors[${j}].destination`, destination: m.destination });
      });
    });
  }
  return out;
}
