/**
 * Values worked out once per synth. Within {@link memoizingDuringSynth} (a synth's validations,
 * checks and rendering, during which the construct tree does not change) a value asked for
 * twice, by a construct's validation and again by its renderer, is computed once; outside it,
 * every call computes afresh. Nothing outlives the synth: the memo is dropped when it returns.
 */

import type { IConstruct } from 'constructs';

let memo: WeakMap<object, Map<string, unknown>> | undefined;

/** Runs `f` with the memo (or within the one already open). */
export function memoizingDuringSynth<T>(f: () => T): T {
  if (memo) return f();
  memo = new WeakMap();
  try {
    return f();
  } finally {
    memo = undefined;
  }
}

/**
 * `scope` and every construct below it, in `findAll()` order: walked once per synth, where the
 * validations, the checks and the rendering each ask for it (25,000 constructs at 1,000 services
 * x 3 environments). The list is shared: callers do not change it.
 */
export function constructsUnder(scope: IConstruct): readonly IConstruct[] {
  return onceDuringSynth(scope, 'constructs-under', () => scope.node.findAll());
}

/** `compute()`, once per synth for `owner` and `key`; afresh when no synth is running. */
export function onceDuringSynth<T>(owner: object, key: string, compute: () => T): T {
  if (!memo) return compute();
  let values = memo.get(owner);
  if (!values) memo.set(owner, (values = new Map()));
  if (values.has(key)) return values.get(key) as T;
  const value = compute();
  values.set(key, value);
  return value;
}
