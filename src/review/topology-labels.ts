/** The short labels of the topology's edges: operations, gRPC paths, counts. */
import type { ConnectivityProbe } from './connectivity';

/** `[methods, path]` of each operation of an AuthorizationPolicy rule: `['GET,POST', '/api/*']`; none is `['', '']`. */
export function ruleOperations(rule: Record<string, any>): [string, string][] {
  const tos: any[] = rule?.to?.length ? rule.to : [{}];
  return tos.map((to) => [(to.operation?.methods ?? []).join(','), shorten((to.operation?.paths ?? []).map(grpcShort))]);
}

/** `POST /api/payments/*`: methods (none: any) and paths (none: any). */
export function operation(methods: readonly string[] | undefined, paths: readonly string[] | undefined): string {
  return [methods?.length ? methods.join(',') : '', paths?.length ? shorten(paths.map(grpcShort)) : ''].filter((s) => s).join(' ') || 'any request';
}

/** A gRPC method path without its package, so labels stay short: `/catalog.pricing.v1.Pricing/Quote` is `Pricing/Quote`. */
export function grpcShort(path: string): string {
  const m = /^\/(?:[A-Za-z_][\w]*\.)+([A-Za-z_]\w*)\/([A-Za-z_]\w*|\*)$/.exec(path);
  return m ? `${m[1]}/${m[2]}` : path;
}

/** Call probes as operations, methods merged per path: `GET,POST /api/orders/*`. */
export function byMethod(list: readonly ConnectivityProbe[]): string[] {
  const m = new Map<string, string[]>();
  for (const p of list) m.set(p.pathClass, [...new Set([...(m.get(p.pathClass) ?? []), p.method])]);
  return [...m].map(([path, methods]) => `${methods.join(',')} ${path === '/*' ? 'any path' : grpcShort(path)}`);
}

/** The first item and how many more: labels stay short so they do not overlap. */
export function shorten(items: readonly string[]): string {
  const unique = [...new Set(items.map(grpcShort))];
  return unique.length <= 1 ? unique[0] ?? '' : `${unique[0]} +${unique.length - 1}`;
}

export function count(names: readonly string[]): string {
  return names.length === 1 ? names[0] : `${names.length}`;
}
