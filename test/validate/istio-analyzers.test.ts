/**
 * Parity with istioctl analyze on Istio's own analyzer table tests
 * (../shared/istio-analyzers, from istio/istio pkg/config/analysis/analyzers/analyzers_test.go):
 * every included case runs through our analysis; an expected message counts as matched when
 * our check mapped to its Istio code (ISTIO_PARITY) reports on the named resource.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as fc from 'fast-check';
import { analyze } from '../../src/validate/analysis';
import { ISTIO_PARITY } from '../../src/validate/analysis/istio-parity';
import { Finding, parseManifests } from '../../src/validate';
import { withSharedData } from '../util';

const CASES = path.join(__dirname, '..', '..', '..', 'shared', 'istio-analyzers');

interface Expected { readonly code: string; readonly kind: string; readonly namespace: string; readonly name: string }
interface Case {
  readonly dir: string;
  readonly name: string;
  readonly analyzer: string;
  readonly include: boolean;
  readonly inputs: string[];
  readonly targetKinds: string[];
  readonly expected: Expected[];
}

function loadCases(): Case[] {
  return fs.readdirSync(CASES).sort()
    .filter((d) => fs.existsSync(path.join(CASES, d, 'expected.json')))
    .map((d) => ({ dir: d, ...JSON.parse(fs.readFileSync(path.join(CASES, d, 'expected.json'), 'utf8')) }))
    .filter((c: Case) => c.include);
}

const resourceKey = (kind: string, namespace: string | undefined, name: string) => `${kind}/${namespace ?? ''}/${name}`;

interface CaseResult {
  readonly dir: string;
  readonly expected: number;
  readonly matched: number;
  readonly missed: string[];
  readonly falsePositives: string[];
}

/** Runs one case: which expected messages our mapped checks report, and what they report that Istio does not. */
function runCase(c: Case): CaseResult {
  const manifests = c.inputs.flatMap((f) => parseManifests(fs.readFileSync(path.join(CASES, c.dir, f), 'utf8')));
  const map = ISTIO_PARITY[c.analyzer] ?? {};
  const ours: Finding[] = analyze(manifests).filter((f) => f.code in map);
  // Our findings as Istio would name them, counted per resource and code. A collision Istio
  // reports on both resources is ours once, naming the other as its related resource: it
  // counts for both.
  const reported = new Map<string, number>();
  for (const f of ours) {
    for (const r of f.related ? [f.resource, f.related] : [f.resource]) {
      const key = `${map[f.code]} ${resourceKey(r.kind, r.namespace, r.name)}`;
      reported.set(key, (reported.get(key) ?? 0) + 1);
    }
  }
  let matched = 0;
  const missed: string[] = [];
  const used = new Map<string, number>();
  for (const e of c.expected) {
    const key = `${e.code} ${resourceKey(e.kind, e.namespace || undefined, e.name)}`;
    const n = used.get(key) ?? 0;
    if (n < (reported.get(key) ?? 0)) { matched++; used.set(key, n + 1); } else missed.push(key);
  }
  const silent = new Set(c.expected.map((e) => resourceKey(e.kind, e.namespace || undefined, e.name)));
  const falsePositives = ours
    .filter((f) => c.targetKinds.includes(f.resource.kind) && !silent.has(resourceKey(f.resource.kind, f.resource.namespace, f.resource.name)))
    .map((f) => `${f.code} ${resourceKey(f.resource.kind, f.resource.namespace, f.resource.name)} ${f.field}: ${f.message}`);
  return { dir: c.dir, expected: c.expected.length, matched, missed, falsePositives };
}

// Istio's cases are data beside the checkout (../shared); without it the suite is skipped (failed in CI).
const withCases = withSharedData(CASES);

describe("Istio's analyzer test cases", () => {
  const cases = fs.existsSync(CASES) ? loadCases() : [];
  const results = cases.map(runCase);

  withCases('the included cases are all there', () => {
    expect(cases.length).toBe(69);
  });

  withCases('score: at least 131 expected messages matched, no false positive on a resource Istio leaves silent', () => {
    const total = results.reduce((n, r) => n + r.expected, 0);
    const matched = results.reduce((n, r) => n + r.matched, 0);
    const fps = results.flatMap((r) => r.falsePositives.map((f) => `${r.dir}: ${f}`));
    const misses = results.flatMap((r) => r.missed.map((m) => `${r.dir}: ${m}`));

    console.log(`istioctl analyze parity: ${matched}/${total} matched, ${fps.length} false positives\n`
      + `missed:\n  ${misses.join('\n  ') || '-'}\nfalse positives:\n  ${fps.join('\n  ') || '-'}`);
    expect(fps).toEqual([]);
    expect(matched).toBeGreaterThanOrEqual(131);
  });
});

test("the README's parity table is the one in code", () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  for (const [analyzer, map] of Object.entries(ISTIO_PARITY)) {
    const name = analyzer.startsWith('schemaValidation') ? 'schemaValidation (VirtualService)' : analyzer;
    const row = readme.split('\n').find((l) => l.startsWith(`| ${name} |`));
    expect(row).toBeDefined();
    for (const [code, istio] of Object.entries(map)) expect(row).toContain(`${code} → ${istio}`);
  }
});

withCases('the analysis of a case does not depend on the order of its objects', () => {
  // GIVEN Istio's cases with more than one object, each read once
  const sets = loadCases()
    .map((c) => c.inputs.flatMap((f) => parseManifests(fs.readFileSync(path.join(CASES, c.dir, f), 'utf8'))))
    .filter((ms) => ms.length > 1);
  const verdict = (ms: any[]) => analyze(ms).map((f) => `${f.code} ${f.resource.kind}/${f.resource.namespace}/${f.resource.name} ${f.field}`).sort();
  const expected = sets.map(verdict);
  // WHEN a case's objects come in any order THEN the findings are the same
  fc.assert(
    fc.property(
      fc
        .integer({ min: 0, max: sets.length - 1 })
        .chain((i) => fc.tuple(fc.constant(i), fc.shuffledSubarray(sets[i], { minLength: sets[i].length, maxLength: sets[i].length }))),
      ([i, shuffled]) => {
        expect(verdict(shuffled)).toEqual(expected[i]);
      },
    ),
    { numRuns: 60 },
  );
});
