import { leafChanges, show } from '../private/flatten';
import { isHardeningDowngrade } from './describe-security';
import { ChangeNote } from './change-note';

/** Leaf changes under `prefix`, in words: `<subject> <path> a → b`. */
export function genericFindings(subject: string, before: unknown, after: unknown, prefix = ''): ChangeNote[] {
  return leafChanges(before, after, prefix).map((c) => ({
    message: `${subject} ${c.path}: ${show(c.before)} → ${show(c.after)}`,
    downgrade: isHardeningDowngrade(c),
  }));
}

function keyed(list: any[] | undefined): Map<string, any> {
  const items = list ?? [];
  const named = items.every((r) => typeof r?.name === 'string') && new Set(items.map((r) => r.name)).size === items.length;
  return new Map(items.map((r, i) => [named ? `route '${r.name}'` : `route ${i + 1}`, r]));
}

function weightsOf(route: Record<string, any> | undefined): Map<string, number> {
  const dests: any[] = route?.route ?? [];
  return new Map(dests.map((d) => [
    [d.destination?.host, d.destination?.subset, d.destination?.port?.number].filter((x) => x !== undefined).join(' '),
    d.weight ?? (dests.length === 1 ? 100 : 0),
  ]));
}

function describeFault(f: any): string {
  const parts: string[] = [];
  if (f?.delay) parts.push(`delay ${f.delay.fixedDelay ?? f.delay.exponentialDelay} for ${f.delay.percentage?.value ?? f.delay.percent ?? 100}%`);
  if (f?.abort) parts.push(`abort ${f.abort.httpStatus ?? f.abort.grpcStatus ?? ''} for ${f.abort.percentage?.value ?? 100}%`);
  return parts.join('; ');
}

function describeMirror(r: any): string {
  const d = r?.mirror;
  return `${[d.host, d.subset].filter((x) => x).join(' ')} (${r.mirrorPercentage?.value ?? r.mirrorPercent ?? 100}%)`;
}

const HANDLED_ROUTE_FIELDS = new Set(['route', 'timeout', 'retries', 'fault', 'mirror', 'mirrorPercentage', 'mirrorPercent']);

/**
 * VirtualService: per HTTP route, destination weights (`order-service canary weight 5% → 25%`),
 * timeout (`search-service timeout 3s → 5s`), retries, fault injection and mirroring; the rest leaf by leaf.
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/
 */
export function describeVirtualService(before: Record<string, any> | undefined, after: Record<string, any> | undefined): ChangeNote[] {
  if (!before || !after) return [];
  const name = after.metadata?.name;
  const out: ChangeNote[] = [];
  const ra = keyed(before.spec?.http);
  const rb = keyed(after.spec?.http);
  const single = ra.size <= 1 && rb.size <= 1;
  for (const key of [...new Set([...ra.keys(), ...rb.keys()])]) {
    const a = ra.get(key);
    const b = rb.get(key);
    const subject = single ? name : `${name} ${key}`;
    if (!a || !b) {
      out.push({ message: `${subject}: ${a ? 'removed' : 'new'} HTTP route` });
      continue;
    }
    const wa = weightsOf(a);
    const wb = weightsOf(b);
    for (const dest of [...new Set([...wa.keys(), ...wb.keys()])]) {
      const x = wa.get(dest) ?? 0;
      const y = wb.get(dest) ?? 0;
      if (x !== y || wa.has(dest) !== wb.has(dest)) {
        out.push({ message: `${single ? '' : `${subject}: `}${dest} weight ${x}% → ${y}%` });
      }
    }
    if (a.timeout !== b.timeout) out.push({ message: `${subject} timeout ${a.timeout ?? 'none'} → ${b.timeout ?? 'none'}` });
    for (const c of leafChanges(a.retries, b.retries)) {
      out.push({ message: `${subject} retries ${c.path || '(all)'} ${show(c.before)} → ${show(c.after)}` });
    }
    if (!a.fault && b.fault) out.push({ message: `${subject} fault injection added: ${describeFault(b.fault)}` });
    else if (a.fault && !b.fault) out.push({ message: `${subject} fault injection removed (was ${describeFault(a.fault)})` });
    else if (describeFault(a.fault) !== describeFault(b.fault)) {
      out.push({ message: `${subject} fault injection ${describeFault(a.fault)} → ${describeFault(b.fault)}` });
    }
    if (!a.mirror && b.mirror) out.push({ message: `${subject} mirror added: ${describeMirror(b)}` });
    else if (a.mirror && !b.mirror) out.push({ message: `${subject} mirror removed (was ${describeMirror(a)})` });
    else if (a.mirror && describeMirror(a) !== describeMirror(b))
      out.push({ message: `${subject} mirror ${describeMirror(a)} → ${describeMirror(b)}` });
    const rest = (r: any) => Object.fromEntries(Object.entries(r).filter(([k]) => !HANDLED_ROUTE_FIELDS.has(k)));
    out.push(...genericFindings(subject, rest(a), rest(b)));
  }
  const spec = (m: Record<string, any>) => Object.fromEntries(Object.entries(m.spec ?? {}).filter(([k]) => k !== 'http'));
  out.push(...genericFindings(`${name} VirtualService`, spec(before), spec(after)));
  return out;
}

/**
 * DestinationRule: subsets added and removed, then traffic policy leaf by leaf
 * (`order-service DestinationRule trafficPolicy.connectionPool.tcp.maxConnections: 200 → 100`).
 * @see https://istio.io/latest/docs/reference/config/networking/destination-rule/
 */
export function describeDestinationRule(before: Record<string, any> | undefined, after: Record<string, any> | undefined): ChangeNote[] {
  if (!before || !after) return [];
  const subject = `${after.metadata?.name} DestinationRule`;
  const out: ChangeNote[] = [];
  const subsets = (m: Record<string, any>) => new Map<string, any>((m.spec?.subsets ?? []).map((s: any) => [s.name, s]));
  const sa = subsets(before);
  const sb = subsets(after);
  const labels = (s: any) => Object.entries(s.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  for (const n of [...new Set([...sa.keys(), ...sb.keys()])].sort()) {
    const a = sa.get(n);
    const b = sb.get(n);
    if (!a) out.push({ message: `${subject}: new subset ${n} (${labels(b)})` });
    else if (!b) out.push({ message: `${subject}: removed subset ${n} (${labels(a)})` });
    else out.push(...genericFindings(subject, a, b, `subsets[name=${n}]`));
  }
  const spec = (m: Record<string, any>) => Object.fromEntries(Object.entries(m.spec ?? {}).filter(([k]) => k !== 'subsets'));
  out.push(...genericFindings(subject, spec(before), spec(after)));
  return out;
}
