/**
 * MESH144: VirtualServices of one Gateway that share a host. For each server, istiod builds one
 * virtual host per host name the server and a VirtualService have in common, and appends to it the
 * routes of every further VirtualService with that name, in the order the gateway sees them
 * (creation time first): "if vHost, exists := vHostDedupMap[hostname]; exists { vHost.Routes =
 * append(vHost.Routes, routes...) }" (istio/istio pilot/pkg/networking/core/gateway.go,
 * buildGatewayRoutes). Envoy takes a virtual host's first matching route, so when one of them
 * routes every request (a rule without a match, or matching `/` alone), the other's routes
 * never match, and which one wins depends on which was applied first: two environments binding
 * one host of a shared Gateway send each other's users to their own services. Reported on each
 * VirtualService but the first, naming it.
 * @see https://istio.io/latest/docs/ops/best-practices/traffic-management/#split-virtual-services
 */
import { Codes } from '../../core/codes';
import { Finding, finding, Manifest } from '../finding';
import { hostsMatch, isWildcarded } from '../model/hosts';
import { list } from '../values';
import { AnalysisCheck } from './check';
import { onEachButFirst } from './collision-report';
import { gatewayHostsFor, gatewayRef } from './gateway-conflicts';
import { namespaceOf, push } from './view';

/** True if the HTTP rule takes every request: no match, or a match without conditions, or a uri prefix `/` alone. */
function takesEverything(rule: any): boolean {
  const matches = list(rule?.match);
  if (matches.length === 0) return true;
  return matches.some((m: any) => {
    const keys = Object.keys(m ?? {}).filter((k) => k !== 'name' && m[k] !== undefined);
    return keys.length === 0 || (keys.length === 1 && keys[0] === 'uri' && m.uri?.prefix === '/');
  });
}

/** The host names a VirtualService and a Gateway's server hosts have in common, as istiod names the virtual host (the more specific). */
function commonHosts(vsHosts: readonly string[], serverHosts: readonly string[]): string[] {
  const out = new Set<string>();
  for (const v of vsHosts) {
    for (const s of serverHosts) {
      if (!hostsMatch(v, s)) continue;
      out.add((isWildcarded(v) && !isWildcarded(s) ? s : v).toLowerCase());
    }
  }
  return [...out];
}

export const mergedGatewayRoutes: AnalysisCheck = {
  code: Codes.GATEWAY_ROUTES_MERGED,
  title: "VirtualServices of one Gateway sharing a host, one routing every request: the other's routes never match",
  run(index) {
    const gateways = new Map(index.ofKind('Gateway').map((g) => [`${namespaceOf(g)}/${g.metadata?.name}`, g]));
    // `<gateway>\u0000<host>` -> the VirtualServices with routes there
    const byHost = new Map<string, Manifest[]>();
    for (const vs of index.ofKind('VirtualService')) {
      if (list(vs.spec?.http).length === 0) continue;
      for (const name of list(vs.spec?.gateways).map(String)) {
        if (name === 'mesh') continue;
        const ref = gatewayRef(vs, name);
        const gw = gateways.get(ref);
        if (!gw) continue;
        for (const h of commonHosts(list(vs.spec?.hosts).map(String), gatewayHostsFor(gw, namespaceOf(vs)))) push(byHost, `${ref}\u0000${h}`, vs);
      }
    }
    const out: Finding[] = [];
    for (const [key, members] of byHost) {
      if (new Set(members.map((m) => `${namespaceOf(m)}/${m.metadata?.name}`)).size < 2) continue;
      const greedy = members.filter((m) => list(m.spec?.http).some(takesEverything));
      if (greedy.length === 0) continue;
      const [ref, host] = key.split('\u0000');
      const names = greedy.map((m) => `${namespaceOf(m)}/${m.metadata?.name}`).join(', ');
      out.push(...onEachButFirst(members, (vs, first) => finding(Codes.GATEWAY_ROUTES_MERGED, vs, 'spec.hosts',
        `routes ${host} through Gateway ${ref} as VirtualService ${namespaceOf(first)}/${first.metadata?.name} does: istiod merges their routes `
        + `in the order they were applied, and ${names} route${greedy.length === 1 ? 's' : ''} every request, so whichever came first takes `
        + 'all of them; give each its own host (or one VirtualService the routes of both)')));
    }
    return out;
  },
};
