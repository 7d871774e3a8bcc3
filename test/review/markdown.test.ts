import { unifiedDiff } from '../../src/private/line-diff';
import { rawDiff, renderMarkdown } from '../../src/review/markdown';
import { semanticDiff } from '../../src/review';
import { service, tree } from './fixtures';

describe('unifiedDiff', () => {
  test('hunks with three lines of context, - before +', () => {
    const a = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'].join('\n') + '\n';
    const b = ['1', '2', '3', '4', 'five', '6', '7', '8', '9', '10', '11'].join('\n') + '\n';
    expect(unifiedDiff(a, b, 'a/x', 'b/x')).toBe([
      '--- a/x', '+++ b/x',
      '@@ -2,9 +2,10 @@', ' 2', ' 3', ' 4', '-5', '+five', ' 6', ' 7', ' 8', ' 9', ' 10', '+11', '',
    ].join('\n'));
  });

  test('distant changes make separate hunks', () => {
    const lines = Array.from({ length: 20 }, (_, i) => `l${i + 1}`);
    const changed = lines.map((l) => (l === 'l2' || l === 'l19' ? `${l}!` : l));
    const out = unifiedDiff(lines.join('\n'), changed.join('\n'), 'a', 'b');
    expect(out.split('\n').filter((l) => l.startsWith('@@'))).toEqual(['@@ -1,5 +1,5 @@', '@@ -16,5 +16,5 @@']);
  });

  test('an added file starts at 0,0; equal texts give nothing', () => {
    expect(unifiedDiff('', 'x\ny\n', '/dev/null', 'b/f')).toBe('--- /dev/null\n+++ b/f\n@@ -0,0 +1,2 @@\n+x\n+y\n');
    expect(unifiedDiff('x\n', 'x\n', 'a', 'b')).toBe('');
  });
});

describe('renderMarkdown', () => {
  const diff = semanticDiff(tree({ production: [service('a')] }), tree({ production: [service('a'), service('b')] }));

  test('a fence longer than any backtick run in the diff', () => {
    const sneaky = semanticDiff(new Map([['p/x.yaml', 'a: 1\n']]), new Map([['p/x.yaml', 'a: "```"\n']]));
    expect(renderMarkdown(sneaky)).toContain('\n````diff\n');
  });

  test('cuts a raw diff longer than maxRawDiffChars', () => {
    const md = renderMarkdown(diff, { maxRawDiffChars: 20 });
    expect(md).toContain(`${rawDiff(diff).slice(0, 20)}\n… (cut at 20 characters)\n`);
  });

  test('singular and plural counts, custom title', () => {
    expect(renderMarkdown(diff, { title: 'Mesh changes' })).toMatch(/^## Mesh changes\n\n\*\*1 resource changed\*\* in production\.\n/);
    expect(renderMarkdown(diff)).toContain('Raw YAML diff (1 file)');
  });
});
