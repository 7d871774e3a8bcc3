import { parser } from '@prometheus-io/lezer-promql';

/**
 * PromQL checked by the Prometheus project's own grammar (the lezer grammar its
 * web UI uses): an expression whose parse tree holds an error node is malformed.
 */

/**
 * Expressions known to parse, by their shape: string literals emptied. A literal's
 * content never changes what the grammar accepts, so the rules of a thousand services
 * that differ only in label values are parsed once per template.
 */
const VALID_SHAPES = new Set<string>();
const MAX_SHAPES = 10_000;
const STRING_LITERAL = /"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`[^`]*`/g;

/** Why `expr` is not valid PromQL (with the offset of the first error), or undefined. */
export function promqlProblem(expr: string): string | undefined {
  if (expr.trim() === '') return 'is empty';
  const shape = expr.replace(STRING_LITERAL, '""');
  if (VALID_SHAPES.has(shape)) return undefined;
  const problem = parse(expr);
  if (!problem && VALID_SHAPES.size < MAX_SHAPES) VALID_SHAPES.add(shape);
  return problem;
}

function parse(expr: string): string | undefined {
  const tree = parser.parse(expr);
  let errorAt: number | undefined;
  tree.iterate({
    enter: (node) => {
      if (errorAt !== undefined) return false;
      if (node.type.isError) {
        errorAt = node.from;
        return false;
      }
      return undefined;
    },
  });
  if (errorAt === undefined) return undefined;
  const near = expr.slice(Math.max(0, errorAt - 20), errorAt + 20).replace(/\s+/g, ' ');
  return `is not valid PromQL: syntax error at offset ${errorAt} near '${near}'`;
}

/**
 * A Grafana panel query as Prometheus would see it: Grafana's interval variables
 * (`$__rate_interval`, `$__interval`, `$__range`) become a duration and other
 * variables (`$service`, `${namespace}`) a plain word, so the query can be parsed.
 */
export function expandGrafanaVariables(query: string): string {
  return query
    .replace(/\$__(rate_interval|interval|range)\b|\$\{__(rate_interval|interval|range)\}/g, '5m')
    .replace(/\$\{(\w+)(:\w+)?\}|\$(\w+)/g, 'x');
}
