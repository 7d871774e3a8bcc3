/**
 * Checks of where traffic goes: hosts, subsets and ports that exist, one
 * VirtualService and one DestinationRule per host.
 */
import { Codes } from '../../core/codes';
import { Finding, finding, Manifest } from '../finding';
import { AnalysisCheck } from './check';
import { destinationsOf } from './destinations';
import { namespaceOf, push, resolveHost } from './mesh-index';

function isWildcard(host: string): boolean {
  return host.includes('*');
}

/** MESH100: a route (or DestinationRule) for a host with no Service or ServiceEntry. */
export const hostNotFound: AnalysisCheck = {
  code: Codes.HOST_NOT_FOUND,
  title: 'a route to a host with no Service',
  istio: ['IST0101'],
  kiali: ['KIA1101', 'KIA0202'],
  run(index) {
    const out: Finding[] = [];
    const known = (fqdn: string) => index.services.has(fqdn) || index.externalHosts.has(fqdn);
    for (const vs of index.ofKind('VirtualService')) {
      const ns = namespaceOf(vs);
      for (const d of destinationsOf(vs)) {
        const host = String(d.destination.host ?? '');
        if (host && !isWildcard(host) && !known(resolveHost(host, ns))) {
          out.push(finding(Codes.HOST_NOT_FOUND, vs, `${d.field}.host`, `host '${host}' has no Service or ServiceEntry (${resolveHost(host, ns)})`));
        }
      }
    }
    for (const dr of index.ofKind('DestinationRule')) {
      const host = String(dr.spec?.host ?? '');
      if (host && !isWildcard(host) && !known(resolveHost(host, namespaceOf(dr)))) {
        out.push(finding(Codes.HOST_NOT_FOUND, dr, 'spec.host', `host '${host}' has no Service or ServiceEntry`));
      }
    }
    return out;
  },
};

/** MESH101: a destination names a subset that no DestinationRule of its host defines (503 NR). */
export const subsetNotFound: AnalysisCheck = {
  code: Codes.UNKNOWN_SUBSET,
  title: 'a subset the DestinationRule does not define (503 NR)',
  istio: ['IST0101'],
  kiali: ['KIA1107'],
  run(index) {
    const out: Finding[] = [];
    for (const vs of index.ofKind('VirtualService')) {
      const ns = namespaceOf(vs);
      for (const d of destinationsOf(vs)) {
        const subset = d.destination.subset;
        if (!subset) continue;
        const host = resolveHost(String(d.destination.host ?? ''), ns);
        const defined = (index.destinationRules.get(host) ?? []).flatMap((dr) => (dr.spec?.subsets ?? []).map((s: any) => String(s?.name)));
        if (!defined.includes(subset)) {
          out.push(finding(Codes.UNKNOWN_SUBSET, vs, `${d.field}.subset`,
            `subset '${subset}' of host '${d.destination.host}' is not defined by any DestinationRule (defined: ${defined.join(', ') || 'none'}); requests would fail with 503 NR`));
        }
      }
    }
    return out;
  },
};

/** True if `vs` applies to sidecars (bound to the mesh gateway, explicitly or by default). */
function boundToMesh(vs: Manifest): boolean {
  const gateways: string[] | undefined = vs.spec?.gateways;
  return !gateways || gateways.length === 0 || gateways.includes('mesh');
}

/** MESH102: two VirtualServices for one host on the mesh gateway. */
export const duplicateVirtualServiceHost: AnalysisCheck = {
  code: Codes.DUPLICATE_VIRTUAL_SERVICE_HOST,
  title: 'two VirtualServices for one host',
  istio: ['IST0109'],
  kiali: ['KIA1106'],
  run(index) {
    const byHost = new Map<string, Manifest[]>();
    for (const vs of index.ofKind('VirtualService')) {
      if (!boundToMesh(vs)) continue;
      const hosts = new Set<string>((vs.spec?.hosts ?? []).map((h: string) => resolveHost(String(h), namespaceOf(vs))));
      for (const h of hosts) push(byHost, h, vs);
    }
    const out: Finding[] = [];
    for (const [host, list] of byHost) {
      if (list.length < 2) continue;
      const names = list.map((v) => `${namespaceOf(v)}/${v.metadata?.name}`).join(', ');
      for (const vs of list) {
        out.push(finding(Codes.DUPLICATE_VIRTUAL_SERVICE_HOST, vs, 'spec.hosts', `host ${host} is served by ${list.length} VirtualServices on the mesh gateway (${names}); only one takes effect`));
      }
    }
    return out;
  },
};

/** MESH103: a destination without a port when its Service has several, or with a port the Service lacks. */
export const destinationPortRequired: AnalysisCheck = {
  code: Codes.DESTINATION_PORT_REQUIRED,
  title: 'a destination without a port when the Service has several',
  istio: ['IST0112'],
  run(index) {
    const out: Finding[] = [];
    for (const vs of index.ofKind('VirtualService')) {
      const ns = namespaceOf(vs);
      for (const d of destinationsOf(vs)) {
        const svc = index.services.get(resolveHost(String(d.destination.host ?? ''), ns));
        if (!svc) continue;
        const ports: number[] = (svc.spec?.ports ?? []).map((p: any) => Number(p?.port));
        const port = d.destination.port?.number;
        if (port === undefined && ports.length > 1) {
          out.push(finding(Codes.DESTINATION_PORT_REQUIRED, vs, `${d.field}.port`,
            `Service ${svc.metadata?.name} has ${ports.length} ports (${ports.join(', ')}): the destination must name one`));
        } else if (port !== undefined && !ports.includes(Number(port))) {
          out.push(finding(Codes.DESTINATION_PORT_REQUIRED, vs, `${d.field}.port.number`,
            `port ${port} is not a port of Service ${svc.metadata?.name} (${ports.join(', ')})`));
        }
      }
    }
    return out;
  },
};

/** MESH113: two DestinationRules for one host in one namespace (Istio merges them unpredictably). */
export const duplicateDestinationRuleHost: AnalysisCheck = {
  code: Codes.DUPLICATE_DESTINATION_RULE_HOST,
  title: 'two DestinationRules for one host',
  kiali: ['KIA0201'],
  run(index) {
    const out: Finding[] = [];
    for (const [host, list] of index.destinationRules) {
      const byNs = new Map<string, Manifest[]>();
      for (const dr of list) if (!dr.spec?.workloadSelector) push(byNs, namespaceOf(dr), dr);
      for (const same of byNs.values()) {
        if (same.length < 2) continue;
        const names = same.map((d) => d.metadata?.name).join(', ');
        for (const dr of same) out.push(finding(Codes.DUPLICATE_DESTINATION_RULE_HOST, dr, 'spec.host', `host ${host} has ${same.length} DestinationRules in one namespace (${names})`));
      }
    }
    return out;
  },
};

/** The routing checks. */
export const ROUTING_CHECKS: readonly AnalysisCheck[] = [
  hostNotFound, subsetNotFound, duplicateVirtualServiceHost, destinationPortRequired, duplicateDestinationRuleHost,
];
