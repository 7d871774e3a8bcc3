/**
 * What synth assumed of the platform (the record on an environment's Namespace,
 * ./platform-record.ts) against what the cluster runs (the platform of `--platform`: a snapshot
 * of the cluster and its presets), field by field on the resolved platforms, both in the
 * `--platform` file format (./platform-file.ts platformToData), so that no field is forgotten:
 *
 * - the labels synth assumed a component's pods carry (`podLabels`, `istiodLabels`) and the
 *   selectors it wrote for them (`serviceSelector`, the gateway's `selector`, which NetworkPolicy
 *   peers and Gateways select the pods by) must be carried by the pods the platform given
 *   describes: a snapshot's pods carry more labels than a preset lists (`helm.sh/chart`, a
 *   version), which is no contradiction;
 * - the labels the platform given says Prometheus selects rules and monitors by (`selectorLabels`)
 *   must be among those synth wrote on them;
 * - the ingress gateway's other Service ports synth assumed (`otherPorts`) must be among the Service's;
 * - the platform's Gateways synth bound routes to must be the platform given's, with the same servers;
 * - every other field (a namespace, a Service's name, a ServiceAccount, a port, an address, the
 *   trust domain, the Istio release) must be equal. `installedBy` only names the install in messages.
 */
import type { MeshPlatform } from './platform';
import { platformToData } from './platform-file';

/** One field on which two platforms disagree. */
export interface PlatformContradiction {
  /** The field, as the `--platform` file format names it (`ingressGateway.namespace`, `prometheus.selectorLabels`). */
  readonly field: string;
  /** What synth assumed (the recorded platform's value), as text. */
  readonly assumed: string;
  /** What the platform given has, as text. */
  readonly given: string;
}

type Data = Record<string, unknown>;

/** The labels fields whose values are labels of the component's pods, and the selectors that must select them. */
const POD_LABELS = new Set(['podLabels', 'istiodLabels']);
const POD_SELECTORS = new Set(['serviceSelector', 'selector']);

/**
 * The fields on which `given` contradicts what `assumed` says, in the file format's order; only
 * those `describes` when given (those the `--platform` files describe: a component the snapshot
 * lacks and the map does not give, the trust domain the map does not give, a field a snapshot
 * does not show, is the default platform's, no fact of the cluster to hold the manifests against).
 */
export function platformContradictions(
  assumed: MeshPlatform, given: MeshPlatform, describes: (key: string, field?: string) => boolean = () => true,
): PlatformContradiction[] {
  const a = platformToData(assumed);
  const g = platformToData(given);
  const out: PlatformContradiction[] = [];
  for (const [key, value] of Object.entries(a)) {
    if (!describes(key)) continue;
    const other = g[key];
    if (key === 'gateways') out.push(...gatewayContradictions(value as Data[], (other ?? []) as Data[]));
    else if (other === undefined) out.push({ field: key, assumed: show(value), given: 'none' });
    else if (isMap(value) && isMap(other)) out.push(...componentContradictions(key, value, other, (field) => describes(key, field)));
    else if (!same(value, other)) out.push({ field: key, assumed: show(value), given: show(other) });
  }
  return out;
}

function componentContradictions(key: string, a: Data, g: Data, describes: (field: string) => boolean): PlatformContradiction[] {
  const out: PlatformContradiction[] = [];
  // The labels the pods the platform given describes carry: its pod labels and, as a preset lists fewer, its selectors'.
  const podLabels: Record<string, string> = {};
  for (const field of ['serviceSelector', 'selector', 'podLabels', 'istiodLabels']) Object.assign(podLabels, g[field] ?? {});
  for (const [field, value] of Object.entries(a)) {
    if (field === 'installedBy' || !describes(field)) continue;
    // A gateway Service of HTTP and HTTPS alone is recorded without other ports (platformToData): none.
    const other = g[field] ?? (key === 'ingressGateway' && field === 'otherPorts' ? [] : undefined);
    const at = `${key}.${field}`;
    if (other === undefined) {
      out.push({ field: at, assumed: show(value), given: 'none' });
    } else if (POD_LABELS.has(field) || POD_SELECTORS.has(field)) {
      // The pods must carry every label synth assumed: a NetworkPolicy peer or Gateway selecting by it selects them.
      const lacking = notCarried(value as Data, podLabels);
      if (lacking.length > 0) out.push({ field: at, assumed: labels(value as Data, lacking), given: `pods labelled ${labels(podLabels, lacking)}` });
    } else if (key === 'ingressGateway' && field === 'otherPorts') {
      // The ports synth assumed the gateway's Service exposes must be among its ports: more (a status port) are fine.
      const lacking = (value as number[]).filter((p) => !(other as number[]).includes(p));
      if (lacking.length > 0) out.push({ field: at, assumed: lacking.join(', '), given: `a Service of other ports ${show(other)}` });
    } else if (field === 'selectorLabels') {
      // Prometheus selects only the rules and monitors carrying each of its selector labels (prometheus-operator PrometheusSpec.ruleSelector).
      const lacking = notCarried(other as Data, value as Data);
      const selecting = `a Prometheus selecting ${labels(other as Data, lacking)}`;
      if (lacking.length > 0) out.push({ field: at, assumed: labels(value as Data, lacking), given: selecting });
    } else if (!same(value, other)) {
      out.push({ field: at, assumed: show(value), given: show(other) });
    }
  }
  return out;
}

/** Every Gateway synth assumed, by namespace and name, with the same servers on the platform given. */
function gatewayContradictions(a: readonly Data[], g: readonly Data[]): PlatformContradiction[] {
  const byName = new Map(g.map((x) => [`${x.namespace}/${x.name}`, x]));
  const out: PlatformContradiction[] = [];
  for (const gateway of a) {
    const name = `${gateway.namespace}/${gateway.name}`;
    const other = byName.get(name);
    if (!other) out.push({ field: `gateways[${name}]`, assumed: show(gateway.servers), given: 'no such Gateway' });
    else if (!same(gateway.servers, other.servers)) {
      out.push({ field: `gateways[${name}].servers`, assumed: show(gateway.servers), given: show(other.servers) });
    }
  }
  return out;
}

/** The keys of `wanted` whose value `labels` does not carry. */
function notCarried(wanted: Data, carried: Data): string[] {
  return Object.entries(wanted).filter(([k, v]) => carried[k] !== v).map(([k]) => k).sort();
}

/** `keys` of `l` as `k=v` (`k` absent when `l` lacks it). */
function labels(l: Data, keys: readonly string[]): string {
  return keys.map((k) => (l[k] === undefined ? `no ${k}` : `${k}=${String(l[k])}`)).join(', ');
}

const isMap = (v: unknown): v is Data => typeof v === 'object' && v !== null && !Array.isArray(v);

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
}

/** A value with its maps' keys in order and lists of scalars sorted, for comparison. */
function sorted(v: unknown): unknown {
  if (Array.isArray(v)) {
    const items = v.map(sorted);
    return items.every((x) => typeof x !== 'object') ? [...items].sort() : items;
  }
  if (isMap(v)) return Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : 1)).map(([k, x]) => [k, sorted(x)]));
  return v;
}

function show(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(sorted(v));
}
