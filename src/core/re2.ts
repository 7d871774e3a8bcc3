/**
 * What RE2 (Envoy's regular-expression engine; Go's syntax) rejects. RE2 guarantees
 * linear time, so it has no lookaround, backreferences, possessive quantifiers,
 * atomic groups or conditionals.
 *
 * @see https://github.com/google/re2/wiki/Syntax
 * @see https://istio.io/latest/docs/reference/config/networking/virtual-service/#StringMatch
 */
const UNSUPPORTED: [RegExp, string][] = [
  [/^\(\?<?[=!]/, 'lookaround ((?=, (?!, (?<=, (?<!)'],
  [/^\(\?>/, 'atomic groups ((?>)'],
  [/^\(\?\(/, 'conditionals ((?()'],
  [/^\\[1-9]/, 'backreferences (\\1)'],
  [/^\\k</, 'named backreferences (\\k<name>)'],
  [/^\\[GZ]/, '\\G and \\Z'],
  [/^[*+?}]\+/, 'possessive quantifiers (*+, ++, ?+)'],
];

/**
 * Why RE2 rejects `pattern`, or undefined if it accepts it.
 * @internal
 */
export function re2Problem(pattern: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const rest = pattern.slice(i);
    if (!inClass) {
      for (const [re, what] of UNSUPPORTED) {
        if (re.test(rest)) return `RE2 does not support ${what}`;
      }
    }
    const c = pattern[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '[' && !inClass) inClass = true;
    else if (c === ']' && inClass) inClass = false;
  }
  // Go's named groups (?P<name>...) are JavaScript's (?<name>...); a leading (?i) is a flag.
  const js = pattern.replace(/\(\?P</g, '(?<').replace(/^(\^?)\(\?i\)/, '$1');
  try {
    new RegExp(js);
  } catch (e) {
    return `it does not compile: ${(e as Error).message}`;
  }
  return undefined;
}
