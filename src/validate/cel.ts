/**
 * x-kubernetes-validations: CEL rules evaluated with @bufbuild/cel plus the
 * Kubernetes CEL library functions the CRDs use (`url`, `isURL`, `getScheme`, ...;
 * `duration`, `matches`, `size`, `all`, `exists_one` are standard CEL).
 *
 * @see https://kubernetes.io/docs/reference/using-api/cel/
 */
import { celEnv, celError, celFunc, celMethod, CelScalar, isCelError, parse, plan } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';

/** Go's url.ParseRequestURI, approximately: an absolute URL or an absolute path. */
export function isKubernetesUrl(s: string): boolean {
  if (s.startsWith('/')) return !/\s/.test(s);
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(s)) return false;
  try {
    new URL(s);
    return true;
  } catch {
    return false;
  }
}

function parts(s: string): { scheme: string; host: string; hostname: string; port: string; path: string; query: string } {
  if (s.startsWith('/')) {
    const [p, q = ''] = s.split('?', 2);
    return { scheme: '', host: '', hostname: '', port: '', path: p, query: q };
  }
  const u = new URL(s);
  return {
    scheme: u.protocol.replace(/:$/, ''),
    host: u.host,
    hostname: u.hostname,
    port: u.port,
    path: u.pathname,
    query: u.search.replace(/^\?/, ''),
  };
}

// A URL value is carried as its string; the url() function checks it, the getters read it.
const urlFuncs = [
  celFunc('isURL', [CelScalar.STRING], CelScalar.BOOL, (s) => isKubernetesUrl(s)),
  celFunc('url', [CelScalar.STRING], CelScalar.STRING, (s) => {
    // an evaluation error, as the Kubernetes CEL library's url() returns for a string url.Parse rejects
    // (https://github.com/kubernetes/apiserver/blob/master/pkg/cel/library/urls.go)
    return isKubernetesUrl(s) ? s : celError(`URL parse error: ${s}`) as unknown as string;
  }),
  celMethod('getScheme', CelScalar.STRING, [], CelScalar.STRING, function (this: string) { return parts(this).scheme; }),
  celMethod('getHost', CelScalar.STRING, [], CelScalar.STRING, function (this: string) { return parts(this).host; }),
  celMethod('getHostname', CelScalar.STRING, [], CelScalar.STRING, function (this: string) { return parts(this).hostname; }),
  celMethod('getPort', CelScalar.STRING, [], CelScalar.STRING, function (this: string) { return parts(this).port; }),
  celMethod('getEscapedPath', CelScalar.STRING, [], CelScalar.STRING, function (this: string) { return parts(this).path; }),
  celMethod('getQuery', CelScalar.STRING, [], CelScalar.STRING, function (this: string) { return parts(this).query; }),
];

const env = celEnv({ funcs: [...strings, ...urlFuncs] });

type Program = (bindings: { self: any }) => unknown;
const programs = new Map<string, Program | Error>();

function program(rule: string): Program | Error {
  let p = programs.get(rule);
  if (!p) {
    try {
      p = plan(env, parse(rule)) as unknown as Program;
    } catch (e) {
      p = e instanceof Error ? e : new Error(String(e));
    }
    programs.set(rule, p);
  }
  return p;
}

/** The outcome of one rule: passed, failed, or could not be evaluated (with why). */
export type RuleOutcome = { readonly ok: true } | { readonly ok: false; readonly error?: string };

/** Evaluates `rule` with `self` bound to `value` (already converted: integers as bigint). */
export function evaluateRule(rule: string, value: unknown): RuleOutcome {
  const p = program(rule);
  if (p instanceof Error) return { ok: false, error: `rule does not compile: ${p.message}` };
  let result: unknown;
  try {
    result = p({ self: value });
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
  if (isCelError(result)) return { ok: false, error: result.message };
  return result === true ? { ok: true } : { ok: false };
}
