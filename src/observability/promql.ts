import { parser } from '@prometheus-io/lezer-promql';

/**
 * PromQL checked by the Prometheus project's own grammar (the lezer grammar its
 * web UI uses): an expression whose parse tree holds an error node is malformed.
 */

/** Why `expr` is not valid PromQL (with the offset of the first error), or undefined. */
export function promqlProblem(expr: string): string | undefined {
  if (expr.trim() === '') return 'is empty';
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
