/**
 * Services and ServiceEntries as istioctl analyze looks up a route's destination host: keyed by
 * `<scope>/<fqdn>`, the scope being a namespace they are exported to or `*`. A port of istio/istio
 * pkg/config/analysis/analyzers/util/service_lookup.go (`InitServiceEntryHostMap`, `GetDestinationHost`).
 */
import { Manifest } from '../finding';
import { analyzerFqdn } from './hosts';
import { exportToList } from './visibility';

/** A service as the registry knows it: a Service or ServiceEntry, with its ports (unknown for Services Flagger creates). */
export interface RegisteredService {
  readonly manifest: Manifest;
  readonly ports?: readonly number[];
}

/** The registry. */
export class ServiceRegistry {
  private readonly byScopedHost = new Map<string, RegisteredService>();
  private readonly wildcards: { scope: string; suffix: string; service: RegisteredService }[] = [];

  /** Registers `host` (already fully qualified) in `scopes`. */
  public add(scopes: readonly string[], host: string, service: RegisteredService): void {
    for (const scope of scopes) {
      this.byScopedHost.set(`${scope}/${host}`, service);
      if (host.startsWith('*')) this.wildcards.push({ scope, suffix: host.slice(1), service });
    }
  }

  /**
   * The service `host` names for an object in `namespace` with `exportTo`: exported to all,
   * to the object's scopes, or a wildcard ServiceEntry host that is a suffix of it
   * (GetDestinationHost: first the `*` scope, then the object's own scopes, then wildcards).
   */
  public lookup(namespace: string, exportTo: unknown, host: string): RegisteredService | undefined {
    const fqdn = analyzerFqdn(host, namespace);
    const all = this.byScopedHost.get(`*/${fqdn}`);
    if (all) return all;
    const list = exportToList(exportTo);
    for (const scope of list.length === 0 ? [namespace] : list.map((e) => (e === '.' ? namespace : e))) {
      const found = this.byScopedHost.get(`${scope}/${fqdn}`);
      if (found) return found;
    }
    const bare = fqdn.startsWith('*') ? fqdn.slice(1) : fqdn;
    for (const w of this.wildcards) {
      if ((w.scope === '*' || w.scope === namespace) && bare.endsWith(w.suffix)) return w.service;
    }
    return undefined;
  }
}
