/**
 * Hosts outside the mesh's workloads: ServiceEntries, found by host or, for a connection to
 * an IP address, by their `addresses`; and their endpoints as a NetworkPolicy sees them.
 * https://istio.io/latest/docs/reference/config/networking/service-entry/
 */
import { EXTERNAL_ADDRESSES_ANNOTATION } from '../../core/labels';
import { Manifest } from '../finding';
import { FlowCluster, FlowPod } from './cluster';

/** The ServiceEntry a client in `namespace` reaches at `host` (a name, or an IP address its `addresses` cover). */
export function serviceEntryFor(cluster: FlowCluster, host: string, namespace: string): Manifest | undefined {
  return cluster.serviceEntryFor(host, namespace) ?? cluster.serviceEntryAt(host);
}

/**
 * The endpoint of a ServiceEntry host as a NetworkPolicy sees it: the address connected to
 * when the flow names one; else the first address of each of its `addresses` (resolution NONE:
 * the original destination, which the application reaches in those ranges); else its STATIC
 * endpoints' addresses; else, for DNS resolution, the first address of each range its
 * `mesh.cdk8s.io/addresses` annotation declares the host resolves in (an ExternalService's
 * `addresses`, which the spec cannot carry for DNS); else (addresses unknown before the
 * connection) a public address of the documentation range, which only a rule open to any address admits.
 * https://istio.io/latest/docs/reference/config/networking/service-entry/#ServiceEntry-Resolution
 * https://datatracker.ietf.org/doc/html/rfc5737
 */
export function externalPod(entry: Manifest, host: string): FlowPod {
  const ip = /^[0-9a-fA-F.:]+$/.test(host) && (host.includes(':') || /^\d+\.\d+\.\d+\.\d+$/.test(host)) ? [host] : [];
  const ranges = (entry.spec?.addresses ?? []).map((a: unknown) => String(a).split('/')[0]);
  const endpoints = (entry.spec?.endpoints ?? []).map((e: Manifest) => String(e.address ?? ''));
  const declared = String(entry.metadata?.annotations?.[EXTERNAL_ADDRESSES_ANNOTATION] ?? '').split(',').map((a) => a.trim().split('/')[0])
    .filter((a) => a !== '');
  const given = [ip, ranges, endpoints, declared].find((list) => list.length > 0)?.filter((a: string) => /^[0-9a-fA-F.:]+$/.test(a)) ?? [];
  return {
    id: `external:${host}`, name: host, namespace: '', labels: {}, serviceAccount: '', meshed: false,
    namedPorts: {}, portNumbers: [], addresses: given.length > 0 ? given : ['203.0.113.10'], kind: 'External', gateway: false,
  };
}

/** The ServiceEntry port `port` names, if it has it. */
export function entryPort(entry: Manifest, port: number): Manifest | undefined {
  return (entry.spec?.ports ?? []).find((x: Manifest) => Number(x.number) === port);
}

/** The port the sidecar connects to for a ServiceEntry port: its targetPort, else its number. */
export function externalTargetPort(entry: Manifest, port: number): number {
  const p = entryPort(entry, port);
  return p?.targetPort !== undefined ? Number(p.targetPort) : port;
}

/**
 * The hosts of a ServiceEntry, as Sidecar egress hosts are matched against them: as written
 * (istiod names the entry's services by its hosts, pilot/pkg/serviceregistry/serviceentry/conversion.go).
 */
export function entryHosts(entry: Manifest): string[] {
  return (entry.spec?.hosts ?? []).map((h: unknown) => String(h));
}
