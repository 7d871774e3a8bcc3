/**
 * Where a workload's pods may run: node selector, tolerations, node and pod (anti-)affinity,
 * topology spread and priority class, as typed data, rendered in Kubernetes' form (cdk8s-plus-27
 * has no nodeSelector, priority class or topology spread) and checked at synth.
 */
import { Duration } from 'cdk8s';
import { Codes } from '../core/codes';
import { formatProblem } from '../core/errors';

/** What a taint does to pods that do not tolerate it. */
export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

/**
 * A toleration of node taints.
 * @see https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/
 */
export class Toleration {
  /** Tolerates taints with `key`, whatever their value. */
  public static exists(key: string, options: TolerationOptions = {}): Toleration {
    return new Toleration(key, 'Exists', undefined, options);
  }

  /** Tolerates taints with `key` and `value`. */
  public static equal(key: string, value: string, options: TolerationOptions = {}): Toleration {
    return new Toleration(key, 'Equal', value, options);
  }

  private constructor(
    /** The taint's key. */
    public readonly key: string,
    /** How the value is compared. */
    public readonly operator: 'Exists' | 'Equal',
    /** The value, for `Equal`. */
    public readonly value: string | undefined,
    /** Effect and eviction delay. */
    public readonly options: TolerationOptions,
  ) {}
}

/** Options of a {@link Toleration}. */
export interface TolerationOptions {
  /**
   * The taint effect tolerated.
   * @default - every effect
   */
  readonly effect?: TaintEffect;
  /**
   * For `NoExecute`: how long the pod stays after the taint appears.
   * @default - forever
   */
  readonly tolerationSeconds?: Duration;
}

/** One requirement on a node label. */
export interface NodeLabelRequirement {
  /** The label's key (`topology.kubernetes.io/zone`). */
  readonly key: string;
  /** How the label is compared. */
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  /**
   * The values, for In and NotIn (at least one), Gt and Lt (one integer).
   * @default - none
   */
  readonly values?: string[];
}

/** A preference for nodes, weighed against the others. */
export interface PreferredNodeTerm {
  /** 1 to 100. */
  readonly weight: number;
  /** Every requirement must hold. */
  readonly requirements: NodeLabelRequirement[];
}

/** A rule placing pods near (affinity) or away from (anti-affinity) other pods. */
export interface PodAffinityRule {
  /** The node label whose values are the domains (`kubernetes.io/hostname`, `topology.kubernetes.io/zone`). */
  readonly topologyKey: string;
  /**
   * The labels of the other pods.
   * @default - the pods of this version of the service
   */
  readonly podLabels?: Record<string, string>;
  /**
   * A preference of this weight (1 to 100) instead of a requirement.
   * @default - required
   */
  readonly weight?: number;
}

/**
 * Node and pod affinity.
 * @see https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#affinity-and-anti-affinity
 */
export interface AffinityOptions {
  /**
   * Node requirements: a node qualifies if it meets every requirement of one term.
   * @default - none
   */
  readonly requiredNodeTerms?: NodeLabelRequirement[][];
  /**
   * Node preferences.
   * @default - none
   */
  readonly preferredNodeTerms?: PreferredNodeTerm[];
  /**
   * Place pods near these pods.
   * @default - none
   */
  readonly podAffinity?: PodAffinityRule[];
  /**
   * Place pods away from these pods (one replica per node: `kubernetes.io/hostname`).
   * @default - none
   */
  readonly podAntiAffinity?: PodAffinityRule[];
}

/** A topology spread constraint of the pods. */
export interface TopologySpreadOptions {
  /** The node label whose values are the domains (`topology.kubernetes.io/zone`). */
  readonly topologyKey: string;
  /**
   * Most pods more in one domain than in another.
   * @default 1
   */
  readonly maxSkew?: number;
  /**
   * Whether an unbalanced placement is refused or only avoided.
   * @default 'ScheduleAnyway'
   */
  readonly whenUnsatisfiable?: 'DoNotSchedule' | 'ScheduleAnyway';
}

/** Where a workload's pods may run. */
export interface PodSchedulingOptions {
  /**
   * Node labels a node must carry.
   * @default - any node
   * @see https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodeselector
   */
  readonly nodeSelector?: Record<string, string>;
  /**
   * Taints the pods tolerate.
   * @default - none
   */
  readonly tolerations?: Toleration[];
  /**
   * Node and pod affinity and anti-affinity.
   * @default - none
   */
  readonly affinity?: AffinityOptions;
  /**
   * How the pods spread over topology domains (counting the pods of the same version).
   * @default - none (HighAvailability adds a zone spread)
   * @see https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/
   */
  readonly topologySpread?: TopologySpreadOptions[];
  /**
   * The PriorityClass of the pods.
   * @default - the cluster's default priority
   * @see https://kubernetes.io/docs/concepts/scheduling-eviction/pod-priority-preemption/
   */
  readonly priorityClassName?: string;
}

/** The scheduling fields of a pod spec, in Kubernetes' form; `own` are the labels of the workload's pods. */
export function renderScheduling(o: PodSchedulingOptions, own: Record<string, string>): Record<string, unknown> {
  const term = (reqs: NodeLabelRequirement[]) => ({
    matchExpressions: reqs.map((r) => ({ key: r.key, operator: r.operator, values: r.values ? [...r.values] : undefined })),
  });
  const podTerm = (r: PodAffinityRule) => ({ topologyKey: r.topologyKey, labelSelector: { matchLabels: { ...(r.podLabels ?? own) } } });
  const podRules = (rules: PodAffinityRule[] | undefined) => {
    if (!rules || rules.length === 0) return undefined;
    const required = rules.filter((r) => r.weight === undefined).map(podTerm);
    const preferred = rules.filter((r) => r.weight !== undefined).map((r) => ({ weight: r.weight, podAffinityTerm: podTerm(r) }));
    return {
      requiredDuringSchedulingIgnoredDuringExecution: required.length > 0 ? required : undefined,
      preferredDuringSchedulingIgnoredDuringExecution: preferred.length > 0 ? preferred : undefined,
    };
  };
  const a = o.affinity ?? {};
  const node = a.requiredNodeTerms?.length || a.preferredNodeTerms?.length ? {
    requiredDuringSchedulingIgnoredDuringExecution: a.requiredNodeTerms?.length ? { nodeSelectorTerms: a.requiredNodeTerms.map(term) } : undefined,
    preferredDuringSchedulingIgnoredDuringExecution: a.preferredNodeTerms?.length
      ? a.preferredNodeTerms.map((p) => ({ weight: p.weight, preference: term(p.requirements) })) : undefined,
  } : undefined;
  const affinity = { nodeAffinity: node, podAffinity: podRules(a.podAffinity), podAntiAffinity: podRules(a.podAntiAffinity) };
  return {
    nodeSelector: o.nodeSelector && Object.keys(o.nodeSelector).length > 0 ? { ...o.nodeSelector } : undefined,
    tolerations: o.tolerations?.length ? o.tolerations.map((t) => ({
      key: t.key, operator: t.operator, value: t.value, effect: t.options.effect, tolerationSeconds: t.options.tolerationSeconds?.toSeconds(),
    })) : undefined,
    affinity: node || affinity.podAffinity || affinity.podAntiAffinity ? affinity : undefined,
    priorityClassName: o.priorityClassName,
  };
}

/** The topology spread constraints of the options, over the workload's own pods. */
export function spreadsOf(
  o: PodSchedulingOptions,
): { topologyKey: string; maxSkew: number; whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway' }[] {
  return (o.topologySpread ?? []).map((s) => ({
    topologyKey: s.topologyKey,
    maxSkew: s.maxSkew ?? 1,
    whenUnsatisfiable: s.whenUnsatisfiable ?? 'ScheduleAnyway',
  }));
}

/**
 * A label key: an optional DNS-subdomain prefix and '/', then a name of at most 63 characters.
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set
 */
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Problems with scheduling options, each naming its field (MESH048). */
export function schedulingProblems(o: PodSchedulingOptions): string[] {
  const out: string[] = [];
  const bad = (field: string, message: string) => out.push(formatProblem(Codes.INVALID_SCHEDULING, `${field}: ${message}`));
  const key = (field: string, k: string) => { if (!LABEL_KEY.test(k)) bad(field, `'${k}' is not a label key`); };
  for (const [k, v] of Object.entries(o.nodeSelector ?? {})) {
    key('nodeSelector', k);
    if (v.length > 63 || !LABEL_VALUE.test(v)) bad(`nodeSelector.${k}`, `'${v}' is not a label value`);
  }
  (o.tolerations ?? []).forEach((t, i) => {
    const at = `tolerations[${i}]`;
    key(`${at}.key`, t.key);
    // https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#scheduling: tolerationSeconds only with NoExecute.
    if (t.options.tolerationSeconds && t.options.effect !== 'NoExecute') bad(`${at}.tolerationSeconds`, 'applies only to the NoExecute effect');
    if (t.value !== undefined && (t.value.length > 63 || !LABEL_VALUE.test(t.value))) bad(`${at}.value`, `'${t.value}' is not a label value`);
  });
  const requirements = (field: string, reqs: NodeLabelRequirement[]) => {
    if (reqs.length === 0) bad(field, 'needs at least one requirement');
    reqs.forEach((r, j) => {
      const at = `${field}[${j}]`;
      key(`${at}.key`, r.key);
      const n = r.values?.length ?? 0;
      // https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/node-selector-requirement/
      if ((r.operator === 'In' || r.operator === 'NotIn') && n === 0) bad(`${at}.values`, `${r.operator} needs at least one value`);
      if ((r.operator === 'Exists' || r.operator === 'DoesNotExist') && n > 0) bad(`${at}.values`, `${r.operator} takes no values`);
      if ((r.operator === 'Gt' || r.operator === 'Lt') && (n !== 1 || !/^-?\d+$/.test(r.values![0])))
        bad(`${at}.values`, `${r.operator} takes one integer`);
    });
  };
  const a = o.affinity ?? {};
  (a.requiredNodeTerms ?? []).forEach((t, i) => requirements(`affinity.requiredNodeTerms[${i}]`, t));
  (a.preferredNodeTerms ?? []).forEach((p, i) => {
    weight(`affinity.preferredNodeTerms[${i}].weight`, p.weight, bad);
    requirements(`affinity.preferredNodeTerms[${i}].requirements`, p.requirements);
  });
  for (const kind of ['podAffinity', 'podAntiAffinity'] as const) {
    (a[kind] ?? []).forEach((r, i) => {
      key(`affinity.${kind}[${i}].topologyKey`, r.topologyKey);
      if (r.weight !== undefined) weight(`affinity.${kind}[${i}].weight`, r.weight, bad);
      for (const k of Object.keys(r.podLabels ?? {})) key(`affinity.${kind}[${i}].podLabels`, k);
    });
  }
  const keys = new Set<string>();
  (o.topologySpread ?? []).forEach((s, i) => {
    key(`topologySpread[${i}].topologyKey`, s.topologyKey);
    if (s.maxSkew !== undefined && !(Number.isInteger(s.maxSkew) && s.maxSkew >= 1))
      bad(`topologySpread[${i}].maxSkew`, `must be a whole number of at least 1, got ${s.maxSkew}`);
    if (keys.has(s.topologyKey)) bad(`topologySpread[${i}].topologyKey`, `'${s.topologyKey}' is spread over twice`);
    keys.add(s.topologyKey);
  });
  const pc = o.priorityClassName;
  if (pc !== undefined && (pc.length > 253 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(pc))) {
    bad('priorityClassName', `'${pc}' is not a DNS-1123 subdomain`);
  }
  return out;
}

function weight(field: string, w: number, bad: (field: string, message: string) => void): void {
  if (!(Number.isInteger(w) && w >= 1 && w <= 100)) bad(field, `must be a whole number from 1 to 100, got ${w}`);
}
