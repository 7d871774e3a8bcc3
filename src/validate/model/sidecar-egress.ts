/**
 * Istio's Sidecar resource as the analysis reads it: which hosts a workload's own sidecar knows.
 * https://istio.io/latest/docs/reference/config/networking/sidecar/
 */
import { Manifest } from '../finding';
import { ClusterModel } from './cluster-model';
import { hostSubsetOf } from './hosts';
import type { Labels } from './selectors';

/**
 * True if an egress host `<namespace>/<dnsName>` of a Sidecar in `sidecarNs` covers
 * `host` of `hostNs`: `*` any namespace, `.` the Sidecar's own, `~` none; the dnsName
 * an FQDN, `*` or a `*.suffix` wildcard that the host is a subset of, compared as written
 * (istio/istio pilot/pkg/model/sidecar.go, `hostClassification.Matches`: `h.SubsetOf(importedHost)`).
 */
export function egressHostCovers(entry: string, sidecarNs: string, host: string, hostNs: string): boolean {
  const slash = entry.indexOf('/');
  const ns = slash < 0 ? '*' : entry.slice(0, slash);
  const dns = slash < 0 ? entry : entry.slice(slash + 1);
  if (ns === '~') return false;
  if (ns !== '*' && (ns === '.' ? sidecarNs : ns) !== hostNs) return false;
  return hostSubsetOf(host, dns);
}

/** A Sidecar's selector as `selecting` reads it: its workloadSelector's labels, or none (every pod of its namespace). */
const workloadSelectorOf = (s: Manifest) => (s.spec?.workloadSelector ? { matchLabels: s.spec.workloadSelector.labels ?? {} } : undefined);

/**
 * The Sidecar that applies to a meshed pod with `labels` in `namespace` (a gateway's pods ignore Sidecars; the caller
 * leaves them out): one there whose workloadSelector selects it, else its namespace's selector-less one, else the root
 * namespace's selector-less one ("a Sidecar with a workloadSelector takes precedence over one without"; the root
 * namespace's is "the default for all namespaces without a Sidecar").
 * https://istio.io/latest/docs/reference/config/networking/sidecar/
 */
export function applicableSidecar(
  model: Pick<ClusterModel, 'selecting' | 'ofKind'>, namespace: string, labels: Labels, rootNamespace: string,
): Manifest | undefined {
  const own = model.selecting('Sidecar', namespace, labels, workloadSelectorOf);
  return own.find((s) => s.spec?.workloadSelector)
    ?? own.find((s) => !s.spec?.workloadSelector)
    ?? model.ofKind('Sidecar', rootNamespace).find((s) => !s.spec?.workloadSelector);
}

/**
 * Whether `sidecar`'s egress listeners list one of `hosts` (FQDNs with their namespaces) on any
 * port; a Sidecar without egress listeners knows every host. A host no listener lists is either
 * dropped (REGISTRY_ONLY) or passed through as plain TCP (ALLOW_ANY), without the workload's mTLS
 * identity: either way no rule that names its principal ever matches its requests there.
 */
export function sidecarListsAny(sidecar: Manifest, hosts: readonly { readonly host: string; readonly namespace: string }[]): boolean {
  const listeners: Manifest[] = Array.isArray(sidecar.spec?.egress) ? sidecar.spec.egress : [];
  if (listeners.length === 0) return true;
  const ns = String(sidecar.metadata?.namespace ?? 'default');
  return listeners.some((l) => (Array.isArray(l?.hosts) ? l.hosts : []).some((e: unknown) =>
    hosts.some((h) => egressHostCovers(String(e), ns, h.host, h.namespace))));
}
