/**
 * Construct problems on the one model (core/problem.ts): a construct registers what it checks
 * as a source of problems (code, field, message, severity), and the problems carry its path.
 * Its errors become its `node.addValidation` messages, `<field>: <message> [<code>]`, which
 * cdk8s prefixes with the construct path; its warnings are not validation errors: the synth check
 * collects them with the manifest findings' (src/validate/synth-check.ts), where they are
 * acknowledged or reported the same way. Messages a construct states as text (cdk8s-plus's own
 * validations) are read back into problems ({@link problemOf}).
 */
import { IConstruct } from 'constructs';
import { Codes } from '../core/codes';
import { formatProblem, MeshError } from '../core/errors';
import { isError, Problem, problemOf, problemText } from '../core/problem';
import { constructsUnder, onceDuringSynth } from './synth-memo';

/** A problem of one construct, with its path. */
export interface ConstructProblem extends Problem {
  /** The path of the construct (`production/order-service`). */
  readonly path: string;
}

/** What a construct checks: problems, or messages formatted as `<field>: <message> [<code>]`. */
export type ProblemSource = () => readonly (Problem | string)[];

const sources = new WeakMap<IConstruct, ProblemSource[]>();

/**
 * Registers `source` as `scope`'s check: its errors are `scope`'s validation messages, its
 * warnings reach the synth report ({@link constructWarnings}). Run at synth, so it sees every
 * contribution made after the construct was created.
 */
export function addProblems(scope: IConstruct, source: ProblemSource): void {
  let list = sources.get(scope);
  if (!list) {
    list = [];
    sources.set(scope, list);
    const own = list;
    scope.node.addValidation({ validate: () => own.flatMap(problemsFrom).filter((p) => isError(p)).map(problemText) });
  }
  list.push(source);
}

/**
 * What `source` finds: once per synth (the construct validations ask for the errors, the synth check for the warnings).
 * A check that throws is a problem of its construct too: a MeshError with its own code, anything else (a prop of a
 * type the types rule out, given from JavaScript) as MESH072, so that every line of a failed synth has a code.
 */
function problemsFrom(source: ProblemSource): Problem[] {
  return onceDuringSynth(source, 'problems', () => {
    try {
      return source().map((p) => (typeof p === 'string' ? problemOf(p) : p));
    } catch (e) {
      return [thrownProblem(e)];
    }
  });
}

/** The problem of a check that threw `e`: a MeshError with its own code, anything else as MESH072. */
export function thrownProblem(e: unknown): Problem {
  const message = String((e as Error)?.message ?? e);
  return problemOf(e instanceof MeshError ? message : formatProblem(Codes.INTERNAL_INVARIANT, `validation failed: ${message}`));
}

/** The problems `scope` registered, errors and warnings. */
export function problemsOf(scope: IConstruct): Problem[] {
  return (sources.get(scope) ?? []).flatMap(problemsFrom);
}

/** The warnings of every construct under `root` (itself included), each with its construct's path, in construct order. */
export function constructWarnings(root: IConstruct): ConstructProblem[] {
  const out: ConstructProblem[] = [];
  for (const c of constructsUnder(root)) {
    if (!sources.has(c)) continue;
    for (const p of problemsOf(c)) if (!isError(p)) out.push({ ...p, path: c.node.path });
  }
  return out;
}

/** Every validation error of `c`, its registered problems' and any other validation's, as problems with its path. */
export function constructErrors(c: IConstruct): ConstructProblem[] {
  return c.node.validate().map((text) => ({ ...problemOf(text), path: c.node.path }));
}
