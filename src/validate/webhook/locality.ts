/**
 * istiod's webhook check of a DestinationRule's locality load-balancer settings: a port of
 * istio/istio pkg/config/validation/agent/validation.go (ValidateLocalityLbSetting,
 * validateLocalities, getLocalityParam), the same in Istio 1.24 and master.
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/#LocalityLoadBalancerSetting
 */
import { Codes } from '../../core/codes';
import type { Report } from './report';

/**
 * The node labels of Kubernetes' and Istio's topology (istio/api label/labels.gen.go,
 * LabelTopologyRegion, LabelTopologyZone, LabelTopologySubzone;
 * https://kubernetes.io/docs/reference/labels-annotations-taints/#topologykubernetesiozone).
 */
const TOPOLOGY_LABELS = new Set(['topology.kubernetes.io/region', 'topology.kubernetes.io/zone', 'topology.istio.io/subzone']);

const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);

/**
 * Why a list of localities is refused (validateLocalities): a `*` anywhere but at the end or
 * more than once, an empty region, zone or subzone, or a locality that overlaps an earlier one
 * (the same, or inside a region or zone already given whole).
 */
function localitiesProblem(localities: string[]): string | undefined {
  // region -> zone -> subzones; '*' stands for "the whole region" or "the whole zone".
  const seen = new Map<string, Map<string, Set<string>>>();
  const overlap = (l: string) => `locality '${l}' overlaps one given before`;
  for (const locality of localities) {
    const stars = locality.split('*').length - 1;
    if (stars > 1 || (stars === 1 && !locality.endsWith('*'))) return `locality '${locality}': a '*' may come once, at the end`;
    if (seen.has('*')) return overlap(locality);
    // getLocalityParam splits on the first two '/' only (Go's strings.SplitN(locality, "/", 3)).
    const parts = locality.split('/');
    const items = parts.length > 3 ? [parts[0], parts[1], parts.slice(2).join('/')] : parts;
    if (items.some((p) => p === '')) return `locality '${locality}' has an empty region, zone or subzone`;
    const [region, zone, subzone] = items;
    const zones = seen.get(region);
    if (items.length === 1) {
      if (zones) return overlap(locality);
      seen.set(region, new Map([['*', new Set(['*'])]]));
    } else if (!zones) {
      seen.set(region, new Map([[zone, new Set([items.length === 2 ? '*' : subzone])]]));
    } else {
      if (zones.has('*')) return overlap(locality);
      const subzones = zones.get(zone);
      if (items.length === 2) {
        if (subzones) return overlap(locality);
        zones.set(zone, new Set(['*']));
      } else if (!subzones) {
        zones.set(zone, new Set([subzone]));
      } else {
        if (subzones.has('*') || subzones.has(subzone)) return overlap(locality);
        subzones.add(subzone);
      }
    }
  }
  return undefined;
}

/**
 * ValidateLocalityLbSetting: distribute and failover exclude each other; failover excludes the
 * topology labels in failoverPriority; each `distribute` entry's weights are 1-100 and sum to 100
 * over localities that do not overlap, and its `from`s do not overlap; a failover goes from one
 * region to another, regions only, without `*`; failover without outlier detection at the same
 * policy level is admitted with a warning (MESH177; the LocalityLoadBalancing construct refuses it
 * outright, MESH503).
 */
export function localityLbSetting(lb: any, at: string, report: Report, outlier?: unknown): void {
  if (!lb || typeof lb !== 'object') return;
  const distribute = list(lb.distribute);
  const failover = list(lb.failover);
  const priority = list(lb.failoverPriority);
  // The locality codes (MESH506, MESH502 for a region failing over to itself), whether the setting
  // came from a LocalityLoadBalancing construct or a hand-written DestinationRule: one rule, one code.
  const fail = (field: string, message: string, code: string = Codes.LOCALITY_INVALID) => report(code, field, message);
  if (distribute.length > 0 && failover.length > 0) return fail(`${at}.failover`, 'distribute and failover cannot both be set');
  if (failover.length > 0) {
    const i = priority.findIndex((l) => TOPOLOGY_LABELS.has(String(l)));
    if (i >= 0) return fail(`${at}.failoverPriority[${i}]`, `failover cannot be set with the topology label '${priority[i]}' in failoverPriority`);
  }
  const froms: string[] = [];
  for (let i = 0; i < distribute.length; i++) {
    const d = distribute[i] ?? {};
    const dat = `${at}.distribute[${i}]`;
    froms.push(String(d.from ?? ''));
    const to = d.to && typeof d.to === 'object' ? Object.entries<any>(d.to) : [];
    let total = 0;
    for (const [loc, w] of to) {
      const weight = Number(w);
      // The webhook stops at the first bad weight or sum (it returns).
      if (!(weight > 0 && weight <= 100)) return fail(`${dat}.to.${loc}`, `locality weight ${w} is not in 1-100`);
      total += weight;
    }
    if (total !== 100) return fail(`${dat}.to`, `locality weights sum to ${total}, expected 100`);
    const problem = localitiesProblem(to.map(([loc]) => loc));
    if (problem) fail(`${dat}.to`, problem);
  }
  const fromProblem = localitiesProblem(froms);
  if (fromProblem) fail(`${at}.distribute`, fromProblem);
  if ((failover.length > 0 || priority.length > 0) && (outlier === undefined || outlier === null)) {
    report(Codes.WEBHOOK_WARNING, at, 'outlier detection policy must be provided for failover', 'warning');
  }
  failover.forEach((f: any, i: number) => {
    const from = String(f?.from ?? '');
    const to = String(f?.to ?? '');
    if (from === to) fail(`${at}.failover[${i}]`, `failover from '${from}' to itself: give two different regions`, Codes.LOCALITY_SELF_FAILOVER);
    if (from.includes('/') || to.includes('/')) fail(`${at}.failover[${i}]`, 'failover takes regions only, not zones (no \'/\')');
    if (from.includes('*') || to.includes('*')) fail(`${at}.failover[${i}]`, 'a failover region may not hold a \'*\' wildcard');
  });
}
