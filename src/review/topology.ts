import type { IConstruct } from 'constructs';
import { MeshChart } from '../mesh/mesh-chart';
import { at } from '../private/flatten';
import { callerName, selectorOf } from './describe-security';
import { compare, TOPOLOGY_FILE } from './manifest-tree';

/** A call between two services, as the topology draws it. */
export interface TopologyCall {
  /** The calling service's name. */
  readonly source: string;
  /** The called service's name. */
  readonly target: string;
  /**
   * True for an asynchronous, event-driven edge, drawn dotted.
   * @default false
   */
  readonly asynchronous?: boolean;
  /**
   * The methods used.
   * @default - every method
   */
  readonly methods?: readonly string[];
  /**
   * The paths used.
   * @default - every path
   */
  readonly paths?: readonly string[];
}

/** Options for {@link renderTopology}. */
export interface TopologyOptions {
  /**
   * The heading of the picture.
   * @default 'Topology'
   */
  readonly title?: string;
  /**
   * Calls declared in code (the manifests reveal only authorized callers, not asynchronous edges).
   * @default - only the callers AuthorizationPolicies name
   */
  readonly calls?: readonly TopologyCall[];
}

/** A service node of the picture. */
export interface TopologyNode {
  readonly name: string;
  /** STRICT, PERMISSIVE, DISABLE or UNSET: the workload's PeerAuthentication, else its namespace's. */
  readonly mtls: string;
  /** The traffic split of its VirtualService, `stable 95% / canary 5%`, when it sends to several subsets. */
  readonly split?: string;
  /** A progressive-delivery controller (Flagger Canary) drives its rollout. */
  readonly progressive?: string;
}

/** A call edge of the picture. */
export interface TopologyEdge {
  readonly source: string;
  readonly target: string;
  /** Declared in code. */
  readonly declared: boolean;
  readonly asynchronous: boolean;
  /** An ALLOW AuthorizationPolicy of the target names the caller. */
  readonly authorized: boolean;
  /** The target enforces ALLOW policies and none names the caller: the call is refused. */
  readonly denied: boolean;
  /** `POST /api/payments/*`: what the call uses, or what the caller is allowed. */
  readonly operations: string;
}

/** The services and calls of one environment, as its manifests (and declared calls) reveal them. */
export interface TopologyModel {
  readonly nodes: readonly TopologyNode[];
  readonly edges: readonly TopologyEdge[];
}

/** Builds the graph of one environment from its manifests. */
export function topologyModel(manifests: readonly Record<string, any>[], calls: readonly TopologyCall[] = []): TopologyModel {
  const of = (kind: string) => manifests.filter((m) => m.kind === kind);
  const names = new Set<string>(of('Service').map((m) => String(m.metadata?.name)));
  // ServiceAccount → service, from the Deployments' pod specs; otherwise the names match.
  const serviceOfAccount = new Map<string, string>();
  for (const d of of('Deployment')) {
    const app = at(d, 'spec.template.metadata.labels')?.app ?? d.metadata?.name;
    const sa = at(d, 'spec.template.spec.serviceAccountName');
    if (sa && app) serviceOfAccount.set(sa, app);
  }
  const appOf = (m: Record<string, any>): string | undefined => {
    const labels = at(m, 'spec.selector.matchLabels');
    return labels?.app ?? labels?.['app.kubernetes.io/name'];
  };

  const peer = of('PeerAuthentication');
  const nsMode = peer.find((p) => selectorOf(p) === 'namespace-wide')?.spec?.mtls?.mode;
  const modeOf = (svc: string) => peer.find((p) => appOf(p) === svc)?.spec?.mtls?.mode ?? nsMode ?? 'UNSET';

  const splitOf = (svc: string): string | undefined => {
    const vs = of('VirtualService').find((v) => (v.spec?.hosts ?? []).some((h: string) => h.split('.')[0] === svc));
    for (const route of vs?.spec?.http ?? []) {
      const dests: any[] = route.route ?? [];
      if (dests.length > 1) return dests.map((d) => `${d.destination?.subset ?? d.destination?.host} ${d.weight ?? 0}%`).join(' / ');
    }
    return undefined;
  };
  const progressiveOf = (svc: string): string | undefined => {
    const c = of('Canary').find((m) => String(m.apiVersion).startsWith('flagger.app/') && at(m, 'spec.targetRef.name') === svc);
    if (!c) return undefined;
    const a = c.spec?.analysis ?? {};
    return `Flagger canary${a.stepWeight ? ` +${a.stepWeight}%` : ''}${a.maxWeight ? ` to ${a.maxWeight}%` : ''}`;
  };

  // Authorized callers per target, from ALLOW policies that select one workload.
  const allows = of('AuthorizationPolicy').filter((p) => (p.spec?.action ?? 'ALLOW') === 'ALLOW');
  const enforced = new Set<string>();
  const authorized = new Map<string, Map<string, Set<string>>>();
  const nsEnforced = allows.some((p) => selectorOf(p) === 'namespace-wide');
  for (const p of allows) {
    const target = appOf(p);
    if (!target) continue;
    enforced.add(target);
    names.add(target);
    for (const rule of p.spec?.rules ?? []) {
      const ops = operations(rule.to);
      for (const f of rule.from ?? []) {
        for (const principal of f.source?.principals ?? []) {
          const sa = callerName(principal, p.metadata?.namespace);
          const caller = serviceOfAccount.get(sa) ?? sa;
          const byCaller = authorized.get(target) ?? new Map<string, Set<string>>();
          authorized.set(target, byCaller);
          const set = byCaller.get(caller) ?? new Set<string>();
          byCaller.set(caller, set);
          for (const o of ops) set.add(o);
        }
      }
    }
  }

  const edges = new Map<string, TopologyEdge>();
  for (const c of calls) {
    names.add(c.source);
    names.add(c.target);
    const allowed = authorized.get(c.target)?.has(c.source) ?? false;
    const key = `${c.source}\u0000${c.target}`;
    const prev = edges.get(key);
    const ops = operations([{ operation: { methods: c.methods, paths: c.paths } }]).join(', ');
    edges.set(key, {
      source: c.source, target: c.target, declared: true,
      asynchronous: (prev?.asynchronous ?? true) && (c.asynchronous ?? false),
      authorized: allowed,
      denied: !allowed && (enforced.has(c.target) || nsEnforced),
      operations: prev ? `${prev.operations}, ${ops}` : ops,
    });
  }
  for (const [target, byCaller] of authorized) {
    for (const [caller, ops] of byCaller) {
      const key = `${caller}\u0000${target}`;
      if (edges.has(key)) continue;
      names.add(caller);
      edges.set(key, {
        source: caller, target, declared: false, asynchronous: false, authorized: true, denied: false,
        operations: [...ops].sort().join(', '),
      });
    }
  }
  const nodes = [...names].sort(compare).map((name) => ({
    name, mtls: modeOf(name), split: splitOf(name), progressive: progressiveOf(name),
  }));
  return {
    nodes,
    edges: [...edges.values()].sort((x, y) => compare(x.source, y.source) || compare(x.target, y.target)),
  };
}

function operations(tos: any[] | undefined): string[] {
  if (!tos || tos.length === 0) return ['any request'];
  return tos.map((to) => {
    const op = to.operation ?? {};
    const methods = op.methods?.length ? op.methods.join(',') : '';
    const paths = op.paths?.length ? op.paths.join(' ') : '';
    return [methods, paths].filter((s) => s).join(' ') || 'any request';
  });
}

/** A Mermaid node id: letters, digits and `_` only. */
function nodeId(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, '_');
}

function label(text: string): string {
  return `"${text.replace(/"/g, '#quot;')}"`;
}

const MTLS_CLASSES: Record<string, string> = {
  STRICT: 'fill:#d4edda,stroke:#28a745,color:#333',
  PERMISSIVE: 'fill:#fff3cd,stroke:#f0ad4e,color:#333',
  DISABLE: 'fill:#f8d7da,stroke:#dc3545,color:#333',
  UNSET: 'fill:#eeeeee,stroke:#999999,color:#333',
};

/** The graph as a Mermaid `graph LR`. */
export function renderMermaid(model: TopologyModel): string {
  const lines = ['graph LR'];
  for (const n of model.nodes) {
    const parts = [n.name, `mTLS ${n.mtls}`, ...(n.split ? [n.split] : []), ...(n.progressive ? [n.progressive] : [])];
    lines.push(`    ${nodeId(n.name)}[${label(parts.join('<br/>'))}]`);
  }
  const denied: number[] = [];
  model.edges.forEach((e, i) => {
    const marks = [e.asynchronous ? 'async' : '', e.authorized ? '✔ authorized' : '', e.denied ? '✖ not authorized' : ''];
    const text = [marks.filter((s) => s).join(', '), e.operations].filter((s) => s).join(': ');
    const arrow = e.asynchronous ? '-.->' : e.authorized ? '==>' : '-->';
    lines.push(`    ${nodeId(e.source)} ${arrow}|${label(text)}| ${nodeId(e.target)}`);
    if (e.denied) denied.push(i);
  });
  for (const [mode, style] of Object.entries(MTLS_CLASSES)) {
    const members = model.nodes.filter((n) => (MTLS_CLASSES[n.mtls] ? n.mtls : 'UNSET') === mode).map((n) => nodeId(n.name));
    if (members.length === 0) continue;
    lines.push(`    classDef mtls_${mode.toLowerCase()} ${style}`);
    lines.push(`    class ${members.join(',')} mtls_${mode.toLowerCase()}`);
  }
  if (denied.length > 0) lines.push(`    linkStyle ${denied.join(',')} stroke:#dc3545,stroke-dasharray:4`);
  return lines.join('\n') + '\n';
}

/** The picture as Markdown: a heading, the Mermaid block and its legend. */
export function renderTopology(manifests: readonly Record<string, any>[], options: TopologyOptions = {}): string {
  const model = topologyModel(manifests, options.calls);
  return [
    `# ${options.title ?? 'Topology'}`,
    '',
    '```mermaid',
    renderMermaid(model).trimEnd(),
    '```',
    '',
    'Nodes show each service\'s mTLS mode (green STRICT, amber PERMISSIVE, red DISABLE, grey unset) and its canary split.',
    'Edges: `==>` authorized by an AuthorizationPolicy, `-->` declared, `-.->` asynchronous; red dashed: declared but not authorized.',
    '',
  ].join('\n');
}

/** The picture of a MeshChart's environment: its manifests plus the calls declared in code. */
export function renderChartTopology(chart: MeshChart, manifests: readonly Record<string, any>[]): string {
  return renderTopology(manifests, {
    title: `Topology: ${chart.environment}`,
    calls: chart.calls.map((c) => ({
      source: c.source.name, target: c.target.name, asynchronous: c.asynchronous, methods: c.methods, paths: c.paths,
    })),
  });
}

/**
 * `<environment>/topology.md` for each MeshChart of an app, from the files it writes.
 * MeshApp.synth writes these beside the manifests.
 */
export function topologyFiles(
  charts: readonly IConstruct[], files: readonly { path: string; manifest: Record<string, any> }[],
): { path: string; content: string }[] {
  return charts.filter((c): c is MeshChart => c instanceof MeshChart).map((chart) => ({
    path: `${chart.environment}/${TOPOLOGY_FILE}`,
    content: renderChartTopology(chart, files.filter((f) => f.path.startsWith(`${chart.environment}/`)).map((f) => f.manifest)),
  }));
}
