/**
 * The regex engine the CRD schemas' `pattern`s are checked with: Go's `regexp`, as kube-apiserver
 * compiles them (k8s.io/kube-openapi pkg/validation/validate, via Go's regexp package), from
 * re2js (src/core/re2.ts). Its own module, so that cached standalone validators can require it.
 * ajv's flags (`u`) do not apply: Go's regexp always reads UTF-8 and takes flags inline (`(?i)`).
 */
import { goRegexp, GoRegexp } from '../core/re2';

export function goRegExp(pattern: string, _flags: string): GoRegexp {
  return goRegexp(pattern);
}
