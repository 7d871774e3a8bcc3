/**
 * How istiod finds the configuration of a host: the VirtualServices of a service host, the
 * DestinationRule a client uses for it, the ServiceEntry a client reaches by a name. Indexed on
 * first use, once per model.
 */
import { Manifest } from '../finding';
import { list } from '../values';
import { Delegates, delegatesOf, HttpRule, httpRulesOf } from './delegates';
import { dialedHost, hostsMatch, hostSubsetOf, isWildcarded, mostSpecificHostMatch, resolveShortname, routeHost } from './hosts';
import { destinationRuleExportedTo, destinationRuleIsExported, destinationRuleIsLocal, exportToList, visibleTo } from './visibility';
import { namespaceOf } from './workload';

/** DestinationRules of one namespace by host: the first of a host (istiod merges later ones into it). */
interface RulesByHost {
  readonly exact: Map<string, Manifest>;
  readonly wildcard: Map<string, Manifest>;
}

/** The DestinationRules by namespace as istiod files them: local, exported, and the root namespace's private ones. */
interface RuleIndex {
  readonly local: Map<string, RulesByHost>;
  readonly exported: Map<string, RulesByHost>;
  readonly rootLocal: Map<string, RulesByHost>;
}

/** The objects to look up, by kind (the model's). */
export interface ObjectsByKind {
  /** Manifests of `kind`, in input order. */
  ofKind(kind: string): Manifest[];
}

/** The lookups. */
export class HostLookups {
  private vsIndex?: { exact: Map<string, Manifest[]>; wildcard: [string, Manifest][]; order: Map<Manifest, number> };
  private readonly drIndexes = new Map<string, RuleIndex>();
  /** The answers of {@link virtualServicesFor}, by host: every flow to a service asks. */
  private readonly vsByHost = new Map<string, readonly Manifest[]>();
  private seIndex?: { exact: Map<string, Manifest[]>; wildcard: [string, Manifest][]; order: Map<Manifest, number> };
  private delegates?: Delegates;
  private readonly httpRulesMemo = new WeakMap<Manifest, readonly HttpRule[]>();

  public constructor(private readonly model: ObjectsByKind) {}

  /**
   * The VirtualServices (any namespace, any gateway) one of whose hosts overlaps the service host
   * `host`, in input order: istiod compares them lower-cased with `Name.Matches`, so a wildcard
   * on either side counts (httproute.go `SelectVirtualServices`).
   */
  public virtualServicesFor(host: string): readonly Manifest[] {
    const index = this.vsIndex ??= this.indexHosts('VirtualService', (vs) => list(vs.spec?.hosts).map((h) => routeHost(String(h), namespaceOf(vs))));
    const key = host.toLowerCase();
    let out = this.vsByHost.get(key);
    if (!out) this.vsByHost.set(key, out = this.lookup(index, key));
    return out;
  }

  /**
   * The HTTP rules of a VirtualService as the proxies get them, its delegates' rules merged in
   * (delegates.ts, istiod's `mergeVirtualServicesIfNeeded`). Every reader of a VirtualService's rules for routing asks here.
   */
  public httpRules(vs: Manifest): readonly HttpRule[] {
    let out = this.httpRulesMemo.get(vs);
    if (!out) this.httpRulesMemo.set(vs, out = httpRulesOf(vs, this.delegates ??= delegatesOf(this.model.ofKind('VirtualService'))));
    return out;
  }

  /**
   * The DestinationRule a client in `clientNs` uses for the service host `host` of `hostNs`, as
   * istiod picks it (push_context.go `destinationRule`): the most specific host match
   * (`MostSpecificHostMatch`) among the rules of the client's namespace (for a client of the root
   * namespace, its private rules), then among those the service's namespace exports to the client,
   * then among those the root namespace exports to it. Hosts are compared as written, each resolved
   * in its rule's namespace (`ResolveShortnameToFQDN`). A rule's workloadSelector is not read.
   */
  public destinationRuleFor(host: string, hostNs: string, clientNs: string, rootNs: string): Manifest | undefined {
    let index = this.drIndexes.get(rootNs);
    if (!index) {
      index = this.indexRules(rootNs);
      this.drIndexes.set(rootNs, index);
    }
    const match = (rules: RulesByHost | undefined) => (rules ? mostSpecificHostMatch(host, rules.exact, rules.wildcard)?.[1] : undefined);
    const exported = (ns: string) => {
      const dr = match(index.exported.get(ns));
      return dr && destinationRuleExportedTo(exportToList(dr.spec?.exportTo), clientNs) ? dr : undefined;
    };
    return match((clientNs === rootNs ? index.rootLocal : index.local).get(clientNs)) ?? exported(hostNs) ?? exported(rootNs);
  }

  /**
   * The ServiceEntry a client in `namespace` reaches by the name `host`: of the entries whose hosts
   * (lower-cased, as istiod builds the virtual hosts and Envoy matches the Host header) cover the
   * name as written or as cluster DNS completes it, those exported to the client's namespace; the one
   * in its own namespace, else the first. Environments of one cluster may each declare the same
   * external host: istiod keeps one per host name for a proxy, "the one in the configNamespace"
   * (pilot/pkg/model/sidecar.go, `selectServices`), else an arbitrary one.
   */
  public serviceEntryFor(host: string, namespace: string): Manifest | undefined {
    const index = this.seIndex ??= this.indexHosts('ServiceEntry', (se) => list(se.spec?.hosts).map((h) => String(h).toLowerCase()));
    const names = [...new Set([host.toLowerCase(), dialedHost(host, namespace)])];
    const found = new Set(names.flatMap((n) => this.lookup(index, n, true)));
    const visible = [...found].sort((a, b) => index.order.get(a)! - index.order.get(b)!)
      .filter((se) => visibleTo(exportToList(se.spec?.exportTo), namespaceOf(se), namespace));
    return visible.find((m) => namespaceOf(m) === namespace) ?? visible[0];
  }

  /** Objects of `kind` whose hosts cover `host` (`subset`: `Name.SubsetOf`) or overlap it (`Name.Matches`), in input order. */
  private lookup(index: NonNullable<HostLookups['vsIndex']>, host: string, subset = false): Manifest[] {
    const out = new Set<Manifest>(index.exact.get(host) ?? []);
    const covers = (pattern: string) => (subset ? hostSubsetOf(host, pattern) : hostsMatch(pattern, host));
    for (const [pattern, m] of index.wildcard) if (covers(pattern)) out.add(m);
    // A wildcard looked up overlaps exact hosts too.
    if (isWildcarded(host) && !subset) for (const [h, ms] of index.exact) if (hostsMatch(host, h)) for (const m of ms) out.add(m);
    return [...out].sort((a, b) => index.order.get(a)! - index.order.get(b)!);
  }

  private indexHosts(kind: string, hostsOf: (m: Manifest) => string[]): NonNullable<HostLookups['vsIndex']> {
    const index = { exact: new Map<string, Manifest[]>(), wildcard: [] as [string, Manifest][], order: new Map<Manifest, number>() };
    this.model.ofKind(kind).forEach((m, i) => {
      index.order.set(m, i);
      for (const h of new Set(hostsOf(m))) {
        if (isWildcarded(h)) index.wildcard.push([h, m]);
        else index.exact.set(h, [...(index.exact.get(h) ?? []), m]);
      }
    });
    return index;
  }

  /** The DestinationRules by namespace as `setDestinationRules` files them: local, exported, and the root namespace's private ones. */
  private indexRules(rootNs: string): RuleIndex {
    const index: RuleIndex = { local: new Map(), exported: new Map(), rootLocal: new Map() };
    const file = (by: Map<string, RulesByHost>, ns: string, host: string, dr: Manifest) => {
      const rules = by.get(ns) ?? { exact: new Map(), wildcard: new Map() };
      by.set(ns, rules);
      const map = isWildcarded(host) ? rules.wildcard : rules.exact;
      if (!map.has(host)) map.set(host, dr);
    };
    for (const dr of this.model.ofKind('DestinationRule')) {
      const ns = namespaceOf(dr);
      const host = resolveShortname(String(dr.spec?.host ?? ''), ns);
      // A rule with a workloadSelector is never exported (exportTo is `.`).
      const exportTo = dr.spec?.workloadSelector ? ['.'] : exportToList(dr.spec?.exportTo);
      if (destinationRuleIsLocal(exportTo, ns)) file(index.local, ns, host, dr);
      if (destinationRuleIsExported(exportTo, ns)) file(index.exported, ns, host, dr);
      else if (ns === rootNs) file(index.rootLocal, ns, host, dr);
    }
    return index;
  }
}
