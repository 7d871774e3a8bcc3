/**
 * A summary of a V8 CPU profile (`node --cpu-prof`), to find where a synth spends its time:
 * the functions with the most self time and the most inclusive time (each function counted
 * once per sample, however deep it recurses), and the share of chosen functions.
 *
 *   npx tsc -p tsconfig.bench.json && node --cpu-prof --cpu-prof-dir=.bench/prof .bench/build/bench/bench-worker.js mesh 1000 .bench/x
 *   npx ts-node --swc bench/profile-summary.ts .bench/prof/<file>.cpuprofile [top] [function-name ...] [--under function-name]
 *
 * With `--under f`, only the samples taken inside `f` count: where `f`'s own time goes.
 */
import * as fs from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

function label(n: ProfileNode): string {
  const url = n.callFrame.url.replace(/^.*\/(src|node_modules|bench)\//, '$1/');
  return `${n.callFrame.functionName || '(anonymous)'} ${url}:${n.callFrame.lineNumber + 1}`;
}

function summarize(file: string, top: number, chosen: readonly string[], under?: string): void {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  const inside = (id: number) => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) if (byId.get(at)!.callFrame.functionName === under) return true;
    return false;
  };
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    if (under !== undefined && !inside(id)) return;
    total += dt;
    const leaf = byId.get(id)!;
    self.set(label(leaf), (self.get(label(leaf)) ?? 0) + dt);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const l = label(byId.get(at)!);
      if (seen.has(l)) continue;
      seen.add(l);
      inclusive.set(l, (inclusive.get(l) ?? 0) + dt);
    }
  });
  const ms = (us: number) => `${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const print = (title: string, m: Map<string, number>) => {
    console.log(`\n${title}`);
    for (const [l, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${ms(us)}  ${l}`);
  };
  console.log(`total ${(total / 1000).toFixed(0)} ms`);
  print('self', self);
  print('inclusive', inclusive);
  if (chosen.length > 0) {
    console.log('\nchosen');
    for (const [l, us] of [...inclusive].filter(([l]) => chosen.some((c) => l.startsWith(`${c} `)))) console.log(`${ms(us)}  ${l}`);
  }
}

const args = process.argv.slice(2);
const underAt = args.indexOf('--under');
const under = underAt >= 0 ? args.splice(underAt, 2)[1] : undefined;
const [file, topArg, ...chosen] = args;
summarize(file, Number(topArg ?? 40), chosen, under);
