/**
 * NetworkPolicy changes in a reviewer's words: what each direction admits, as a set of (peer, port), compared
 * as sets, so a rule dropped from the middle of the list reads as that peer removed, not as every later rule
 * re-pointed (`inventory-api NetworkPolicy: ingress from storefront-dev app=checkout on 8080 removed`).
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
import type { ChangeNote } from './change-note';
import { describeRemovedGuard } from './describe-security';

type Direction = 'ingress' | 'egress';

/** The label Kubernetes sets on every Namespace to its name. */
const NAMESPACE_NAME = 'kubernetes.io/metadata.name';

/** A label selector in words: `app=checkout,tier=web`, with its expressions; `{}` (every object) as undefined. */
function selectorText(s: Record<string, any> | undefined): string | undefined {
  const labels: Record<string, unknown> = s?.matchLabels ?? {};
  const parts = Object.keys(labels).sort().map((k) => `${k}=${String(labels[k])}`);
  for (const e of s?.matchExpressions ?? []) {
    const values = (e?.values ?? []).map(String).join(',');
    if (e?.operator === 'Exists' || e?.operator === 'DoesNotExist') parts.push(`${e.operator === 'Exists' ? '' : '!'}${e.key}`);
    else parts.push(`${e?.key} ${String(e?.operator).toLowerCase()} (${values})`);
  }
  return parts.length > 0 ? parts.join(',') : undefined;
}

/**
 * A peer in words. A `podSelector` alone selects pods of the policy's own namespace; with a `namespaceSelector`, pods of
 * the namespaces it selects (ANDed, one peer); a `namespaceSelector` that names one namespace by its
 * `kubernetes.io/metadata.name` label is that namespace's name.
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/#behavior-of-to-and-from-selectors
 */
function peerText(peer: Record<string, any>): string {
  if (peer.ipBlock) {
    const except: string[] = (peer.ipBlock.except ?? []).map(String);
    return `${peer.ipBlock.cidr}${except.length ? ` except ${except.join(', ')}` : ''}`;
  }
  const pods = selectorText(peer.podSelector);
  if (!peer.namespaceSelector) return pods ?? 'every pod of the namespace';
  const ns = peer.namespaceSelector;
  const labels = Object.keys(ns.matchLabels ?? {});
  const named = labels.length === 1 && labels[0] === NAMESPACE_NAME && !(ns.matchExpressions ?? []).length;
  const where = named ? String(ns.matchLabels[NAMESPACE_NAME]) : selectorText(ns) ? `namespaces ${selectorText(ns)}` : 'every namespace';
  return `${where} ${pods ?? 'every pod'}`;
}

/** A port in words: `8080` (TCP), `53/UDP`, a named port, a range `8000-8100`; none is every port. */
function portText(p: Record<string, any>): string {
  const protocol = String(p?.protocol ?? 'TCP');
  const number = p?.port === undefined ? 'every port' : `${p.port}${p.endPort !== undefined ? `-${p.endPort}` : ''}`;
  return protocol === 'TCP' ? number : `${number}/${protocol}`;
}

/** Every (peer, port) one direction of a policy admits, peer by peer: the rules are ORed, so order and grouping do not matter. */
function admitted(policy: Record<string, any> | undefined, direction: Direction): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const rule of policy?.spec?.[direction] ?? []) {
    const peers: Record<string, any>[] = rule?.[direction === 'ingress' ? 'from' : 'to'] ?? [];
    const ports: Record<string, any>[] = rule?.ports ?? [];
    for (const peer of peers.length ? peers.map(peerText) : ['anywhere']) {
      const set = out.get(peer) ?? new Set<string>();
      out.set(peer, set);
      for (const port of ports.length ? ports.map(portText) : ['every port']) set.add(port);
    }
  }
  return out;
}

/**
 * The directions a policy restricts: its `policyTypes`, else Ingress, and Egress when it has egress rules.
 * @see https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/#NetworkPolicySpec
 */
function restricts(policy: Record<string, any>, direction: Direction): boolean {
  const types: string[] | undefined = policy.spec?.policyTypes;
  if (types) return types.includes(direction === 'ingress' ? 'Ingress' : 'Egress');
  return direction === 'ingress' || (policy.spec?.egress ?? []).length > 0;
}

/** A peer that is anyone: no peer, every pod of every namespace, or every address (but some). */
function isAnyone(peer: string): boolean {
  return peer === 'anywhere' || peer === 'every namespace every pod' || /^(0\.0\.0\.0\/0|::\/0)( except |$)/.test(peer);
}

function describeDirection(head: string, direction: Direction, before: Record<string, any>, after: Record<string, any>): ChangeNote[] {
  const out: ChangeNote[] = [];
  const [x, y] = [before, after].map((p) => restricts(p, direction));
  if (x !== y) out.push({ message: `${head}: ${y ? 'now restricts' : 'no longer restricts'} ${direction}`, downgrade: x && !y });
  const a = admitted(before, direction);
  const b = admitted(after, direction);
  const word = direction === 'ingress' ? 'from' : 'to';
  const list = (s: Iterable<string>) => [...s].sort((p, q) => p.localeCompare(q, 'en', { numeric: true })).join(', ');
  for (const peer of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const was = a.get(peer) ?? new Set<string>();
    const is = b.get(peer) ?? new Set<string>();
    const added = [...is].filter((p) => !was.has(p));
    const removed = [...was].filter((p) => !is.has(p));
    if (added.length + removed.length === 0) continue;
    // Admitting more while the direction is restricted widens what reaches (or leaves) the pods.
    const down = y && added.length > 0 && (isAnyone(peer) || added.includes('every port') && was.size > 0);
    const what = `${direction} ${word} ${peer}`;
    if (was.size === 0) out.push({ message: `${head}: ${what} on ${list(added)} added`, downgrade: down });
    else if (is.size === 0) out.push({ message: `${head}: ${what} on ${list(removed)} removed` });
    else if (added.length > 0 && removed.length > 0) out.push({ message: `${head}: ${what} on ${list(removed)} → ${list(added)}`, downgrade: down });
    else if (added.length > 0) out.push({ message: `${head}: ${what} now also on ${list(added)}`, downgrade: down });
    else out.push({ message: `${head}: ${what} no longer on ${list(removed)}` });
  }
  return out;
}

/**
 * NetworkPolicy: the pods it selects, the directions it restricts, and per direction each peer and the ports it is
 * admitted on, compared as sets. Removing the policy, no longer restricting a direction, and admitting anyone (or every
 * port) where the direction is restricted are flagged.
 */
export function describeNetworkPolicy(before: Record<string, any> | undefined, after: Record<string, any> | undefined): ChangeNote[] {
  if (!before || !after) return describeRemovedGuard(before, after);
  const head = `${after.metadata?.name} NetworkPolicy`;
  const out: ChangeNote[] = [];
  const pods = (p: Record<string, any>) => selectorText(p.spec?.podSelector) ?? 'every pod of the namespace';
  if (pods(before) !== pods(after)) out.push({ message: `${head}: selects ${pods(before)} → ${pods(after)}` });
  for (const direction of ['ingress', 'egress'] as const) out.push(...describeDirection(head, direction, before, after));
  return out;
}
