/** A unified diff of two texts, line by line, with `context` lines around each hunk. */
export function unifiedDiff(before: string, after: string, fromName: string, toName: string, context = 3): string {
  const a = splitLines(before);
  const b = splitLines(after);
  const ops = diffLines(a, b);
  const hunks: string[] = [];
  let i = 0;
  while (i < ops.length) {
    if (ops[i].op === ' ') { i++; continue; }
    let start = Math.max(0, i - context);
    let end = i;
    // Extend the hunk while the next change is within 2 * context lines.
    for (;;) {
      while (end < ops.length && ops[end].op !== ' ') end++;
      let next = end;
      while (next < ops.length && ops[next].op === ' ') next++;
      if (next < ops.length && next - end <= 2 * context) end = next;
      else break;
    }
    const stop = Math.min(ops.length, end + context);
    const slice = ops.slice(start, stop);
    const aStart = ops[start].a;
    const bStart = ops[start].b;
    const aLen = slice.filter((o) => o.op !== '+').length;
    const bLen = slice.filter((o) => o.op !== '-').length;
    hunks.push(`@@ -${range(aStart, aLen)} +${range(bStart, bLen)} @@`);
    for (const o of slice) hunks.push(`${o.op}${o.line}`);
    i = stop;
    start = stop;
  }
  if (hunks.length === 0) return '';
  return [`--- ${fromName}`, `+++ ${toName}`, ...hunks].join('\n') + '\n';
}

interface Op { readonly op: ' ' | '-' | '+'; readonly line: string; readonly a: number; readonly b: number }

function range(start: number, len: number): string {
  return len === 0 ? `${start},0` : `${start + 1},${len}`;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Longest-common-subsequence line diff; `a`/`b` are 0-based positions before each op. */
function diffLines(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  if (n * m > 4_000_000) {
    return [...a.map((line, i) => ({ op: '-' as const, line, a: i, b: 0 })), ...b.map((line, j) => ({ op: '+' as const, line, a: n, b: j }))];
  }
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push({ op: ' ', line: a[i], a: i, b: j });
      i++;
      j++;
    } else if (i < n && (j >= m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      out.push({ op: '-', line: a[i], a: i, b: j });
      i++;
    } else {
      out.push({ op: '+', line: b[j], a: i, b: j });
      j++;
    }
  }
  return out;
}
