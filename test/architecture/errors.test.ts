import * as fs from 'node:fs';
import * as path from 'node:path';
import { Codes, ConsistentHash, MeshError } from '../../src';
import { weightSplitProblem } from '../../src/core/weight-split';
import { Duration } from 'cdk8s';

import { SRC, tsFilesUnder as sourceFiles } from './source';

describe('one error type', () => {
  test('no source file throws a plain Error: every thrown error is a MeshError with a code', () => {
    // private/fast-to-json.ts renders cdk8s's ApiObjects as cdk8s does, and fails as cdk8s fails: with cdk8s's own Error.
    const files = sourceFiles(SRC).filter((f) => path.relative(SRC, f) !== path.join('private', 'fast-to-json.ts'));
    expect(files.length).toBeGreaterThan(50);
    const offenders = files.flatMap((f) => fs.readFileSync(f, 'utf8').split('\n')
      .map((line, i) => ({ line, at: `${path.relative(SRC, f)}:${i + 1}` }))
      .filter(({ line }) => /throw\s+new\s+(Type|Range)?Error\s*\(/.test(line))
      .map(({ at }) => at));
    expect(offenders).toEqual([]);
  });

  test('every error class of src/ is a MeshError: no class extends Error but MeshError itself', () => {
    const classes = sourceFiles(SRC).flatMap((f) => [...fs.readFileSync(f, 'utf8').matchAll(/class (\w+) extends (\w*Error)\b/g)]
      .map((m) => `${path.relative(SRC, f).split(path.sep).join('/')}: ${m[1]} extends ${m[2]}`));
    expect(classes).toContain('synth/mesh-app.ts: MeshSynthError extends MeshError');
    expect(classes.filter((c) => / extends Error$/.test(c))).toEqual(['core/errors.ts: MeshError extends Error']);
  });

  test('no comment names a retired code', () => {
    const retired = ['MESH101', 'MESH112', 'MESH114', 'MESH205'];
    const offenders = sourceFiles(SRC).filter((f) => retired.some((c) => fs.readFileSync(f, 'utf8').includes(c)));
    expect(offenders).toEqual([]);
  });

  test('a duration Istio cannot take, given to a value class, throws MESH010 with the message apart', () => {
    let err: unknown;
    try { ConsistentHash.cookie('session', Duration.millis(0.5)); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(MeshError);
    expect((err as MeshError).code).toBe(Codes.INVALID_DURATION);
    expect((err as MeshError).detail).toBe('cookie session: ttl: 0.5ms is under 1ms');
    expect((err as MeshError).message).toBe('cookie session: ttl: 0.5ms is under 1ms [MESH010]');
  });
});

describe('the weights-off-100 rule, written once', () => {
  test.each([
    [[{ name: 'v1' }], undefined],
    [[{ name: 'v1', weight: 100 }], undefined],
    [[{ name: 'v1', weight: 99 }], 'weights sum to 99, expected 100 (v1 99)'],
    [[{ name: 'v1', weight: 50 }, { name: 'v2', weight: 50 }], undefined],
    [[{ name: 'v1', weight: 50 }, { name: 'v2', weight: 51 }], 'weights sum to 101, expected 100 (v1 50, v2 51)'],
    [[{ name: 'v1', weight: 100 }, { name: 'v2' }], 'destinations v2 have no weight'],
    [[{ name: 'v1' }, { name: 'v2' }], 'destinations v1, v2 have no weight'],
  ])('%j: %s', (dests, expected) => {
    expect(weightSplitProblem(dests)).toBe(expected);
  });
});
