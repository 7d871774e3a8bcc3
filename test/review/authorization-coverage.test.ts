import * as fc from 'fast-check';
import { pathPatternCovers, stringPatternCovers } from '../../src/review/authorization-coverage';
import { pathMatches, stringMatches } from '../../src/validate/flow/authorization';

// Paths over a small alphabet so that patterns and paths meet often.
const segment = fc.constantFrom('a', 'b', 'ab', 'x.js', '');
const path = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => `/${s.join('/')}`);
const pattern = fc.oneof(
  path,
  path.map((p) => `${p}*`),
  path.map((p) => `*${p.slice(1)}`),
  fc.constant('*'),
  fc.array(fc.constantFrom('a', 'b', '{*}'), { minLength: 1, maxLength: 3 }).map((s) => `/${s.join('/')}`),
  fc.array(fc.constantFrom('a', 'b'), { maxLength: 2 }).map((s) => `/${[...s, '{**}'].join('/')}`),
);

describe('authorization coverage', () => {
  test('a covered path pattern admits no path its cover refuses (Istio path match, validate/flow pathMatches)', () => {
    fc.assert(fc.property(pattern, pattern, fc.array(path, { minLength: 1, maxLength: 8 }), (outer, inner, paths) => {
      if (!pathPatternCovers(outer, inner)) return;
      for (const p of paths) if (pathMatches(inner, p)) expect(pathMatches(outer, p)).toBe(true);
    }), { numRuns: 3000 });
  });

  test('a covered string pattern admits no value its cover refuses (stringMatches)', () => {
    const value = fc.constantFrom('GET', 'GETX', 'XGET', 'POST', 'a.example.com', 'b.a.example.com');
    const strPattern = fc.oneof(value, value.map((v) => `${v.slice(0, 2)}*`), value.map((v) => `*${v.slice(-3)}`), fc.constant('*'));
    fc.assert(fc.property(strPattern, strPattern, fc.array(value, { minLength: 1 }), (outer, inner, values) => {
      if (!stringPatternCovers(outer, inner)) return;
      for (const v of values) if (stringMatches(inner, v)) expect(stringMatches(outer, v)).toBe(true);
    }), { numRuns: 3000 });
  });

  test.each([
    ['*', '/api/*', true],
    ['/api/*', '/api/v1/*', true],
    ['/api/*', '/api/status', true],
    ['/api/*', '/api/{*}/x', true],
    ['/api/v1/*', '/api/{*}/x', false],
    ['*.js', '*.min.js', true],
    ['/static/*', '*.js', false],
    ['/api/status', '/api/status*', false],
    ['/api/{*}', '/api/x', true],
    ['/api/{**}', '/api/*', false],
  ])('%s covers %s: %s', (outer, inner, covers) => {
    expect(pathPatternCovers(outer, inner)).toBe(covers);
  });
});
