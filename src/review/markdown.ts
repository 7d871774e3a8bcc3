import { unifiedDiff } from '../private/line-diff';
import { ConnectivityDiff } from './connectivity';
import { renderConnectivity } from './connectivity-markdown';
import { ChangeStatus, SemanticDiff } from './semantic-diff';

/** Options for {@link renderMarkdown}. */
export interface MarkdownOptions {
  /**
   * The heading of the summary.
   * @default 'cdk8s-mesh diff'
   */
  readonly title?: string;
  /**
   * The new topology picture (Markdown with a Mermaid block) of each changed environment.
   * @default - no pictures
   */
  readonly topologies?: ReadonlyMap<string, string>;
  /**
   * Raw diffs longer than this many characters are cut, so the comment stays within GitHub's limit.
   * @default 60000
   */
  readonly maxRawDiffChars?: number;
  /**
   * What the change does to traffic, shown first.
   * @default - no connectivity section
   */
  readonly connectivity?: ConnectivityDiff;
}

/**
 * The marker of a security downgrade.
 * @internal
 */
export const DOWNGRADE_MARK = '⚠️';

const STATUS_WORD: Record<ChangeStatus, string> = { added: 'added', removed: 'removed', modified: 'changed' };

/**
 * The whole unified diff of the changed files.
 * @internal
 */
export function rawDiff(diff: SemanticDiff): string {
  return diff.files.map((f) => unifiedDiff(f.before ?? '', f.after ?? '',
    f.before === undefined ? '/dev/null' : `a/${f.path}`, f.after === undefined ? '/dev/null' : `b/${f.path}`)).join('');
}

/** A code fence longer than any run of backticks in `text`. */
function fence(text: string): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((s) => s.length));
  return '`'.repeat(longest + 1);
}

/**
 * A pull-request comment: per environment and resource what changed in words, security
 * downgrades marked, the new topology of changed environments, then the raw YAML diff
 * in a collapsible block.
 */
export function renderMarkdown(diff: SemanticDiff, options: MarkdownOptions = {}): string {
  const out: string[] = [`## ${options.title ?? 'cdk8s-mesh diff'}`, ''];
  if (diff.resources.length === 0 && diff.files.length === 0) {
    out.push('No changes to the synthesized manifests.', '');
    return out.join('\n');
  }
  const envs = diff.environments;
  out.push(`**${diff.resources.length} resource${diff.resources.length === 1 ? '' : 's'} changed** in ${envs.join(', ')}`
    + (diff.downgrades > 0 ? `; ${DOWNGRADE_MARK} **${diff.downgrades} security downgrade${diff.downgrades === 1 ? '' : 's'}**` : '')
    + '.', '');
  if (options.connectivity) out.push(...renderConnectivity(options.connectivity));
  out.push(...renderAcknowledgements(diff));
  if (diff.downgrades > 0) {
    out.push('> [!WARNING]', '> This change weakens security:');
    for (const r of diff.resources) {
      for (const f of r.findings) if (f.downgrade) out.push(`> - ${r.environment}: ${f.message}`);
    }
    out.push('');
  }
  for (const env of envs) {
    out.push(`### ${env}`, '');
    for (const r of diff.resources.filter((x) => x.environment === env)) {
      out.push(`- ${r.downgrade ? `${DOWNGRADE_MARK} ` : ''}**${r.kind} ${r.name}** ${STATUS_WORD[r.status]}`);
      for (const f of r.findings) out.push(`  - ${f.downgrade ? `${DOWNGRADE_MARK} **security downgrade:** ` : ''}${f.message}`);
    }
    out.push('');
    const picture = options.topologies?.get(env);
    if (picture) {
      out.push('<details><summary>Topology of ' + env + '</summary>', '', picture.replace(/^# .*\n+/, '').trimEnd(), '', '</details>', '');
    }
  }
  let raw = rawDiff(diff);
  const max = options.maxRawDiffChars ?? 60000;
  if (raw.length > max) raw = `${raw.slice(0, max)}\n… (cut at ${max} characters)\n`;
  const f = fence(raw);
  out.push(`<details><summary>Raw YAML diff (${diff.files.length} file${diff.files.length === 1 ? '' : 's'})</summary>`, '',
    `${f}diff`, raw.trimEnd(), f, '', '</details>', '');
  return out.join('\n');
}

const ACKNOWLEDGEMENT_WORD: Record<ChangeStatus, string> = {
  added: 'newly acknowledged', removed: 'no longer acknowledged', modified: 'acknowledged for another reason',
};

/**
 * The warnings the change acknowledges, stops acknowledging or acknowledges for another
 * reason (`acknowledged.mesh.cdk8s.io/<code>` annotations): a reviewer approves each new one.
 */
function renderAcknowledgements(diff: SemanticDiff): string[] {
  const list = diff.acknowledgements ?? [];
  if (list.length === 0) return [];
  const count = (s: ChangeStatus) => list.filter((a) => a.status === s).length;
  const out = [`### Acknowledged warnings (${count('added')} added, ${count('removed')} removed, ${count('modified')} reworded)`, ''];
  for (const a of list) out.push(`- ${a.environment}: **${a.kind} ${a.name}** ${a.code} ${ACKNOWLEDGEMENT_WORD[a.status]}: ${a.reason}`);
  out.push('');
  return out;
}

/** The diff as JSON for tools: every resource change with its findings, the connectivity changes, and the exit code. */
export function renderJson(diff: SemanticDiff, exitCode: number, connectivity?: ConnectivityDiff): string {
  return JSON.stringify({
    exitCode,
    ...(connectivity ? { connectivity } : {}),
    environments: diff.environments,
    downgrades: diff.downgrades,
    acknowledgements: diff.acknowledgements,
    resources: diff.resources,
    files: diff.files.map((f) => ({ path: f.path, status: f.status })),
  }, null, 2) + '\n';
}
