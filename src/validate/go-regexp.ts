/**
 * Go RE2 patterns in JavaScript: a leading `(?i)` becomes the `i` flag. Its own module,
 * so that cached standalone validators can require it.
 */
export function goRegExp(pattern: string, flags: string): RegExp {
  const m = /^(\^?)\(\?i\)/.exec(pattern);
  return m ? new RegExp(m[1] + pattern.slice(m[0].length), `${flags}i`) : new RegExp(pattern, flags);
}
