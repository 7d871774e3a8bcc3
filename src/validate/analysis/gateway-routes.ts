/**
 * MESH144: VirtualServices of one Gateway that share a host. For each server, istiod builds one
 * virtual host per host name the server and a VirtualService have in common, and appends to it the
 * routes of every further VirtualService with that name, in the order it lists them (its config
 * store's, which no field of theirs fixes): "if vHost, exists := vHostDedupMap[hostname]; exists {
 * vHost.Routes = append(vHost.Routes, routes...) }" (istio/istio pilot/pkg/networking/core/gateway.go,
 * buildGatewayRoutes). Envoy takes a virtual host's first matching route, so when a rule of one takes
 * every request a rule of the other would (a rule without a match, matching `/` alone, or one whose
 * matches imply the other's: shadowed-routes.ts), which of them serves those requests is up to that
 * order: two environments binding one host of a shared Gateway send each other's users to their own
 * services. Routes split by path, none covering another's, merge safely. Reported once per pair, on
 * the VirtualService whose name sorts last, naming the other.
 * @see https://istio.io/latest/docs/ops/best-practices/traffic-management/#split-virtual-services
 */
import { Codes } from '../../core/codes';
import { Finding, finding, Manifest, refOf } from '../finding';
import { routeHost } from '../model/hosts';
import { dict, list } from '../values';
import { AnalysisCheck } from './check';
import { gatewayHostsFor, gatewayReference, virtualHostName } from '../model/gateway-hosts';
import { matchImplies } from './shadowed-routes';
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

/** True if rule `a`, tried first, takes every request rule `b` would (each match of `b` implied by one of `a`'s: shadowed-routes.ts). */
function covers(a: any, b: any): boolean {
  if (takesEverything(a)) return true;
  const bm: any[] = list(b?.match).map(dict);
  return bm.length > 0 && bm.every((m) => list(a?.match).map(dict).some((x) => matchImplies(x, m)));
}

/** The first pair of rules (i of `x`, j of `y`) where `x`'s takes every request of `y`'s, if any. */
function firstCovered(x: Manifest, y: Manifest): [number, number] | undefined {
  const xs: any[] = list(x.spec?.http);
  const ys: any[] = list(y.spec?.http);
  for (let i = 0; i < xs.length; i++) for (let j = 0; j < ys.length; j++) if (covers(xs[i], ys[j])) return [i, j];
  return undefined;
}

/** The virtual hosts a VirtualService and a Gateway's server hosts give ({@link virtualHostName}), each once. */
function commonHosts(vs: Manifest, serverHosts: readonly string[]): string[] {
  const vsHosts = list(vs.spec?.hosts).map((h: unknown) => routeHost(String(h), namespaceOf(vs)));
  return [...new Set(vsHosts.flatMap((v) => serverHosts.flatMap((s) => virtualHostName(v, s) ?? [])))];
}

export const mergedGatewayRoutes: AnalysisCheck = {
  code: Codes.GATEWAY_ROUTES_MERGED,
  title: "VirtualServices of one Gateway sharing a host, a rule of one taking another's requests: which serves them depends on which came first",
  run(index) {
    const gateways = new Map(index.ofKind('Gateway').map((g) => [`${namespaceOf(g)}/${g.metadata?.name}`, g]));
    // `<gateway>\u0000<host>` -> the VirtualServices with routes there
    const byHost = new Map<string, Manifest[]>();
    for (const vs of index.ofKind('VirtualService')) {
      if (list(vs.spec?.http).length === 0) continue;
      for (const name of list(vs.spec?.gateways).map(String)) {
        if (name === 'mesh') continue;
        const ref = gatewayReference(name, namespaceOf(vs));
        const gw = gateways.get(ref);
        if (!gw) continue;
        for (const h of commonHosts(vs, gatewayHostsFor(gw, namespaceOf(vs)))) push(byHost, `${ref}\u0000${h}`, vs);
      }
    }
    const out: Finding[] = [];
    const reported = new Set<string>();
    for (const [key, members] of byHost) {
      const [ref, host] = key.split('\u0000');
      // Each pair once (by name), on the one whose name sorts last, naming the other (collision-report.ts).
      const byName = new Map(members.map((m) => [`${namespaceOf(m)}/${m.metadata?.name}`, m]));
      const names = [...byName.keys()].sort();
      for (let b = 1; b < names.length; b++) {
        for (let a = 0; a < b; a++) {
          const [first, later] = [byName.get(names[a])!, byName.get(names[b])!];
          const pair = `${ref}\u0000${names[a]}\u0000${names[b]}`;
          if (reported.has(pair)) continue;
          const firstWins = firstCovered(first, later);
          const laterWins = firstWins ? undefined : firstCovered(later, first);
          if (!firstWins && !laterWins) continue;
          reported.add(pair);
          const [i, j] = firstWins ?? [laterWins![1], laterWins![0]];
          const [takes, loses] = firstWins ? [`${names[a]}'s spec.http[${i}]`, `this one's spec.http[${j}]`]
            : [`this one's spec.http[${j}]`, `${names[a]}'s spec.http[${i}]`];
          out.push({
            ...finding(Codes.GATEWAY_ROUTES_MERGED, later, 'spec.hosts',
              `routes ${host} through Gateway ${ref} as VirtualService ${names[a]} does: istiod merges their routes in an order nothing fixes, `
              + `and ${takes} takes every request ${loses} would, so which one serves them is up to that order; give each its own host `
              + '(or one VirtualService the routes of both)'),
            related: refOf(first),
          });
        }
      }
    }
    return out;
  },
};
