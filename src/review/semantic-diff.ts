import {
  describeAuthorizationPolicy, describePeerAuthentication, describeRemovedGuard,
} from './describe-security';
import { describeNetworkPolicy } from './describe-network';
import { describeDestinationRule, describeVirtualService, genericFindings } from './describe-traffic';
import { DescribeContext, Describer, ChangeNote } from './change-note';
import { compare, ManifestTree, resourcesOf, TOPOLOGY_FILE, TreeResource, YamlReadOptions } from './manifest-tree';
import { acknowledgementsOf } from '../validate/acknowledgements';

/** How a resource or file changed. */
export type ChangeStatus = 'added' | 'removed' | 'modified';

/** One resource that differs between two trees, with what changed in it. */
export interface ResourceChange {
  /** The environment (first folder of the tree). */
  readonly environment: string;
  /** The resource's kind. */
  readonly kind: string;
  /** The resource's name. */
  readonly name: string;
  /** The file the resource is in (the new one, unless it was removed). */
  readonly file: string;
  /** Added, removed or modified. */
  readonly status: ChangeStatus;
  /** What changed, in a reviewer's words. */
  readonly findings: readonly ChangeNote[];
  /** True when any finding weakens security. */
  readonly downgrade: boolean;
}

/** One file that differs between two trees. */
export interface FileChange {
  /** Path relative to the tree's root. */
  readonly path: string;
  /** Added, removed or modified. */
  readonly status: ChangeStatus;
  /** The old text, unless the file was added. */
  readonly before?: string;
  /** The new text, unless the file was removed. */
  readonly after?: string;
}

/**
 * An acknowledged warning (the annotation `acknowledged.mesh.cdk8s.io/<code>` synth writes on
 * the object the warning is reported on) that a change adds, removes, or gives another reason.
 */
export interface AcknowledgementChange {
  /** The environment (first folder of the tree). */
  readonly environment: string;
  /** The resource's kind. */
  readonly kind: string;
  /** The resource's name. */
  readonly name: string;
  /** The warning's code. */
  readonly code: string;
  /** Added, removed, or modified (another reason). */
  readonly status: ChangeStatus;
  /** The reason: the new one, or the old one of a removed acknowledgement. */
  readonly reason: string;
}

/** What differs between two synthesized trees. */
export interface SemanticDiff {
  /** The environments with any change, sorted. */
  readonly environments: readonly string[];
  /** Every changed resource, by environment, kind and name. */
  readonly resources: readonly ResourceChange[];
  /** Every changed file but the generated topology pictures, by path. */
  readonly files: readonly FileChange[];
  /** How many findings weaken security. */
  readonly downgrades: number;
  /** Every acknowledged warning the change adds, removes or rewords, by environment, kind, name and code. */
  readonly acknowledgements: readonly AcknowledgementChange[];
}

/** At most this many findings per resource are listed (downgrades always are). */
const MAX_FINDINGS = 25;

/** Spec fields a kind's describer already covers; the rest is compared leaf by leaf. */
const DESCRIBERS: Record<string, { describe: Describer; handles: string[] }> = {
  VirtualService: { describe: describeVirtualService, handles: ['spec'] },
  DestinationRule: { describe: describeDestinationRule, handles: ['spec'] },
  PeerAuthentication: { describe: describePeerAuthentication, handles: ['spec.mtls', 'spec.portLevelMtls'] },
  AuthorizationPolicy: { describe: describeAuthorizationPolicy, handles: ['spec.rules', 'spec.action', 'spec.selector'] },
  NetworkPolicy: { describe: describeNetworkPolicy, handles: ['spec.podSelector', 'spec.policyTypes', 'spec.ingress', 'spec.egress'] },
  RequestAuthentication: { describe: describeRemovedGuard, handles: [] },
  Sidecar: { describe: describeRemovedGuard, handles: [] },
};

/**
 * Compares two synthesized trees resource by resource; `options` are the YAML reader's
 * limits (a refused document throws a YamlReadError [MESH156]).
 */
export function semanticDiff(before: ManifestTree, after: ManifestTree, options: YamlReadOptions = {}): SemanticDiff {
  const files = fileChanges(before, after);
  const ra = resourcesOf(before, options);
  const rb = resourcesOf(after, options);
  const byEnv = (list: TreeResource[]) => {
    const m = new Map<string, TreeResource[]>();
    for (const r of list) {
      const same = m.get(r.environment);
      if (same) same.push(r); // not a copy per resource: linear in the resources
      else m.set(r.environment, [r]);
    }
    return m;
  };
  const ea = byEnv(ra);
  const eb = byEnv(rb);
  const resources: ResourceChange[] = [];
  const acknowledgements: AcknowledgementChange[] = [];
  for (const env of [...new Set([...ea.keys(), ...eb.keys()])].sort(compare)) {
    const a = new Map((ea.get(env) ?? []).map((r) => [r.key, r]));
    const b = new Map((eb.get(env) ?? []).map((r) => [r.key, r]));
    const context: DescribeContext = {
      before: [...a.values()].map((r) => r.manifest),
      after: [...b.values()].map((r) => r.manifest),
    };
    for (const key of [...new Set([...a.keys(), ...b.keys()])].sort(compare)) {
      const x = a.get(key);
      const y = b.get(key);
      if (x && y && JSON.stringify(x.manifest) === JSON.stringify(y.manifest)) continue;
      const m = (y ?? x)!.manifest;
      acknowledgements.push(...acknowledgementChanges(env, m, x?.manifest, y?.manifest));
      const status: ChangeStatus = !x ? 'added' : !y ? 'removed' : 'modified';
      const findings = limit(describe(x?.manifest, y?.manifest, context));
      resources.push({
        environment: env, kind: String(m.kind), name: String(m.metadata?.name ?? ''), file: (y ?? x)!.file,
        status, findings, downgrade: findings.some((f) => f.downgrade),
      });
    }
  }
  resources.sort((p, q) => compare(p.environment, q.environment) || compare(p.kind, q.kind) || compare(p.name, q.name));
  const environments = [...new Set([...resources.map((r) => r.environment), ...files.map((f) => f.path.split('/')[0])])].sort(compare);
  return {
    environments,
    resources,
    files,
    downgrades: resources.reduce((n, r) => n + r.findings.filter((f) => f.downgrade).length, 0),
    acknowledgements,
  };
}

/** The acknowledgements of one resource that differ between its two versions (either may be missing). */
function acknowledgementChanges(
  environment: string, m: Record<string, any>, before?: Record<string, any>, after?: Record<string, any>,
): AcknowledgementChange[] {
  const a = before ? acknowledgementsOf(before) : new Map<string, string>();
  const b = after ? acknowledgementsOf(after) : new Map<string, string>();
  const out: AcknowledgementChange[] = [];
  for (const code of [...new Set([...a.keys(), ...b.keys()])].sort(compare)) {
    const was = a.get(code);
    const is = b.get(code);
    if (was === is) continue;
    const status: ChangeStatus = was === undefined ? 'added' : is === undefined ? 'removed' : 'modified';
    out.push({ environment, kind: String(m.kind), name: String(m.metadata?.name ?? ''), code, status, reason: (is ?? was)! });
  }
  return out;
}

/**
 * What changed in one resource; `before` or `after` is undefined for an added or removed one.
 * @internal
 */
export function describe(
  before: Record<string, any> | undefined, after: Record<string, any> | undefined, context: DescribeContext,
): ChangeNote[] {
  const m = (after ?? before)!;
  const entry = DESCRIBERS[m.kind];
  const out: ChangeNote[] = entry ? entry.describe(before, after, context) : [];
  if (before && after) {
    const rest = (r: Record<string, any>) => {
      const copy = JSON.parse(JSON.stringify(r));
      for (const p of entry?.handles ?? []) {
        const parts = p.split('.');
        const parent = parts.slice(0, -1).reduce((o: any, k) => o?.[k], copy);
        if (parent) delete parent[parts[parts.length - 1]];
      }
      return copy;
    };
    out.push(...genericFindings(`${m.metadata?.name} ${m.kind}`, rest(before), rest(after)));
  }
  return out;
}

function limit(findings: ChangeNote[]): ChangeNote[] {
  if (findings.length <= MAX_FINDINGS) return findings;
  const kept = findings.filter((f, i) => i < MAX_FINDINGS || f.downgrade);
  return [...kept, { message: `… and ${findings.length - kept.length} more changes (see the raw diff)` }];
}

/**
 * The files that differ, but the topology pictures, which are derived from the manifests.
 * @internal
 */
export function fileChanges(before: ManifestTree, after: ManifestTree): FileChange[] {
  const out: FileChange[] = [];
  for (const p of [...new Set([...before.keys(), ...after.keys()])].sort(compare)) {
    if (p === TOPOLOGY_FILE || p.endsWith(`/${TOPOLOGY_FILE}`)) continue;
    const a = before.get(p);
    const b = after.get(p);
    if (a === b) continue;
    out.push({ path: p, status: a === undefined ? 'added' : b === undefined ? 'removed' : 'modified', before: a, after: b });
  }
  return out;
}
