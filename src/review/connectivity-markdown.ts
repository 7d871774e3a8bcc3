import { ConnectivityChange, ConnectivityDiff } from './connectivity';

/** The marker of a path opened into a SecureService or from outside the mesh. */
export const CALLOUT_MARK = '🔓';

/** A table cell: pipes escaped, code in backticks. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

function decided(v: ConnectivityChange['before']): string {
  return v.decidedBy ? `${cell(v.decidedBy)}${v.layer && !v.decidedBy.startsWith(v.layer) ? ` (${v.layer})` : ''}` : '-';
}

function flowCells(c: ConnectivityChange): string {
  return `${c.environment} | ${cell(c.source)} | ${cell(c.destination)} | ${c.port} | ${c.method === 'any' ? 'any' : code(c.method)} | `
    + `${c.pathClass === 'any' ? 'any' : code(c.pathClass)}`;
}

/** One line for a change that is called out: where it opens a path to. */
function calloutLine(c: ConnectivityChange): string {
  const into = [c.fromOutside ? 'from outside the mesh' : '', c.secureDestination ? `into SecureService ${c.destination}` : '']
    .filter((s) => s)
    .join(', ');
  return `> - ${c.environment}: ${c.source} → ${c.destination}:${c.port} ${c.method} ${c.pathClass} opens ${into}`
    + ` (${c.intended ? 'declared' : '**undeclared**'}; admitted by ${c.after.decidedBy ?? 'no policy'})`;
}

/**
 * The connectivity section of the diff: paths opened into a SecureService or from
 * outside the mesh first, then intended flows that break, flows opened and flows closed,
 * each with its environment, endpoints, port, method, path class and deciding resource.
 */
export function renderConnectivity(c: ConnectivityDiff): string[] {
  const out: string[] = ['### Connectivity', ''];
  if (c.changes.length === 0) {
    out.push(`No flow changes its verdict (${c.compared} flows compared).`, '');
    return out;
  }
  const callouts = c.changes.filter((x) => x.change === 'opened' && (x.secureDestination || x.fromOutside));
  if (callouts.length > 0) {
    out.push(
      '> [!CAUTION]',
      `> ${CALLOUT_MARK} This change opens a path into a SecureService or from outside the mesh:`,
      ...callouts.map(calloutLine),
      '',
    );
  }
  const head = '| environment | source | destination | port | method | path |';
  const rule = '|---|---|---|---|---|---|';
  const broken = c.changes.filter((x) => x.change === 'closed' && x.intended);
  if (broken.length > 0) {
    out.push(`**Intended flows that break** (${broken.length}): declared after the change, allowed before, refused after`, '',
      `${head} refused by | why |`, `${rule}---|---|`);
    for (const x of broken) out.push(`| ${flowCells(x)} | ${decided(x.after)} | ${cell(x.after.reason)} |`);
    out.push('');
  }
  const opened = c.changes.filter((x) => x.change === 'opened');
  if (opened.length > 0) {
    out.push(
      `**Opened** (${opened.length}): refused before, allowed after`,
      '',
      `${head} declared | was refused by | now admitted by |`,
      `${rule}---|---|---|`,
    );
    for (const x of opened) {
      out.push(`| ${flowCells(x)} | ${x.intended ? 'yes' : '**no**'} | ${decided(x.before)} | ${decided(x.after)} |`);
    }
    out.push('');
  }
  const closed = c.changes.filter((x) => x.change === 'closed' && !x.intended);
  if (closed.length > 0) {
    out.push(`**Closed** (${closed.length}): allowed before, refused after, no longer declared`, '', `${head} refused by | why |`, `${rule}---|---|`);
    for (const x of closed) out.push(`| ${flowCells(x)} | ${decided(x.after)} | ${cell(x.after.reason)} |`);
    out.push('');
  }
  return out;
}
