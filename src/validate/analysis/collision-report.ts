/**
 * How the analysis reports a collision between several objects (VirtualServices claiming one
 * host, ServiceEntries giving one host two protocols): Istio reports it on every object of the
 * group; the analysis reports it on each object but the first, naming the first as the
 * finding's related resource, so that a collision between two environments is one finding
 * naming both (synth prints both constructs), and a group of three is two.
 */
import { Finding, Manifest, refOf } from '../finding';
import { namespaceOf } from './view';

/** `<namespace>/<name>` of `m`. */
function fullName(m: Manifest): string {
  return `${namespaceOf(m)}/${m.metadata?.name}`;
}

/**
 * One finding per member of a colliding group but the first (the first by `<namespace>/<name>`,
 * so the verdict does not depend on the order of the input), each with the first as related.
 * Members of one name (copies of one object) count once.
 */
export function onEachButFirst(members: readonly Manifest[], report: (m: Manifest, first: Manifest) => Finding): Finding[] {
  const byName = new Map<string, Manifest>();
  for (const m of members) if (!byName.has(fullName(m))) byName.set(fullName(m), m);
  const sorted = [...byName.keys()].sort().map((k) => byName.get(k)!);
  const [first, ...rest] = sorted;
  return rest.map((m) => ({ ...report(m, first), related: refOf(first) }));
}
