/**
 * Go's regexp syntax from re2js (a port of RE2/J, itself a port of Go's regexp), and Envoy's
 * program-size limit in an Istio proxy (istio/istio pkg/bootstrap/config.go,
 * re2.max_program_size.error_level: 32768).
 */
import { ENVOY_RE2_MAX_PROGRAM_SIZE, envoyRegexProblem, goRegexp, goRegexpProblem, re2Problem } from '../../src/core/re2';
import { StringMatch } from '../../src';

describe("Go's regexp.Compile (istiod's webhook, validation.go validateStringRegexp)", () => {
  test.each([
    // Inline flags anywhere, ungreedy, flag groups and Unicode classes: Go accepts them.
    ['a(?i)b'], ['(?U)a+'], ['(?s:.)'], ['\\p{Greek}+'], ['\\pN'], ['(?P<id>[0-9]+)'], ['(?<id>[0-9]+)'],
    ['[[:alpha:]]'], ['\\Q*+\\E'], ['\\x{41}'], ['\\z'], ['[(?=]'], ['\\(?='], ['a{1000}'], ['^/api/v[0-9]+/.*$'],
  ])('accepts %s', (pattern) => {
    expect(goRegexpProblem(pattern)).toBeUndefined();
  });

  test.each([
    // Escapes JavaScript knows and Go does not.
    ['\\u0041', /invalid escape sequence: `\\u`/],
    ['\\cA', /invalid escape sequence: `\\c`/],
    ['\\e', /invalid escape sequence: `\\e`/],
    ['\\Z', /invalid escape sequence: `\\Z`/],
    ['\\C', /invalid escape sequence: `\\C`/],
    // Repeat counts over 1000, alone or nested.
    ['a{1001}', /invalid repeat count: `\{1001\}`/],
    ['(a{1000}){1000}', /invalid repeat count/],
    // What needs backtracking, with the reason.
    ['^/(?!admin)', /`\(\?!` \(RE2 has no lookaround\)/],
    ['^/(?<=x)', /RE2 has no lookaround/],
    ['(?>a)', /RE2 has no atomic groups/],
    ['(a)\\1', /`\\1` \(RE2 has no backreferences\)/],
    ['a*+', /`\*\+` \(RE2 has no possessive quantifiers\)/],
    ['x{2}{3}', /invalid nested repetition operator/],
    ['(?#comment)', /invalid or unsupported Perl syntax/],
    ['[a-\\d]', /invalid/],
    ['(', /missing closing \)/],
  ])('refuses %s', (pattern, message) => {
    expect(goRegexpProblem(pattern)).toMatch(message);
    expect(re2Problem(pattern)).toMatch(message);
  });

  test('matches as Go does: a search anywhere, UTF-8 aware, flags inline', () => {
    expect(goRegexp('^/api/(v1|v2)/').test('/api/v2/items')).toBe(true);
    expect(goRegexp('(?i)^GET$').test('get')).toBe(true);
    expect(goRegexp('\\p{Greek}').test('abc')).toBe(false);
    expect(goRegexp('\\p{Greek}').test('αβγ')).toBe(true);
    expect(() => goRegexp('\\e')).toThrow(/invalid escape sequence/);
  });
});

describe("Envoy's RE2 program size in an Istio proxy", () => {
  // 34 repeats of 1000 letters: Go compiles it, istiod accepts it (under 1024 bytes), Envoy does not.
  const large = 'abcdefghijklmnopqrstuvwxyzABCDEFGH'.split('').map((c) => `${c}{1000}`).join('');

  test('a program over 32768 instructions is refused, one under is not', () => {
    expect(ENVOY_RE2_MAX_PROGRAM_SIZE).toBe(32768);
    expect(large.length).toBeLessThan(1024);
    expect(goRegexpProblem(large)).toBeUndefined();
    expect(envoyRegexProblem(large)).toMatch(/RE2 program has 340\d\d instructions, over the 32768/);
    expect(envoyRegexProblem(large.slice(0, 7 * 30))).toBeUndefined();
    expect(re2Problem(large)).toMatch(/over the 32768/);
  });

  test('the constructs refuse it too (MESH027)', () => {
    expect(() => StringMatch.regex(large)).toThrow(/over the 32768.*\[MESH027\]/);
    expect(() => StringMatch.regex('\\e')).toThrow(/invalid escape sequence.*\[MESH027\]/);
    expect(StringMatch.regex('a(?i)b').value).toBe('a(?i)b');
  });
});
