// Istio's host semantics as the model writes them once (src/validate/model/hosts.ts), checked
// against istio/istio pkg/config/host/name.go (Name.Matches, Name.SubsetOf and their doc
// examples), names.go (MoreSpecific), pilot/pkg/model/config.go (MostSpecificHostMatch,
// ResolveShortnameToFQDN) and pkg/config/analysis/analyzers/util/hosts.go (ConvertHostToFQDN).
import * as fc from 'fast-check';
import {
  analyzerFqdn, dialedHost, hostsMatch, hostSubsetOf, moreSpecific, mostSpecificHostMatch, resolveShortname, routeHost, serviceOfHost,
} from '../../../src/validate/model/hosts';

// Few labels, so that generated names share suffixes often; one upper-case label for case.
const label = fc.constantFrom('a', 'b', 'foo', 'com', 'Foo');
const exact = fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => l.join('.'));
const wildcard = fc.oneof(fc.constant('*'), exact.map((h) => `*.${h}`));
const host = fc.oneof(exact, wildcard);

describe('Name.Matches and Name.SubsetOf', () => {
  test.each([
    // name.go's own examples
    ['foo.com', 'foo.com', true], ['foo.com', 'bar.com', false], ['*.com', 'foo.com', true], ['bar.com', '*.com', true],
    ['*.foo.com', 'foo.com', false], ['*', 'foo.com', true], ['*', '*.com', true],
  ])('Matches(%s, %s) is %s', (n, o, expected) => {
    expect(hostsMatch(n, o)).toBe(expected);
  });

  test('Matches is symmetric: two names overlap or they do not', () => {
    fc.assert(fc.property(host, host, (a, b) => hostsMatch(a, b) === hostsMatch(b, a)));
  });

  test('SubsetOf is Matches in one direction: it implies Matches, and is reflexive and transitive', () => {
    fc.assert(fc.property(host, host, (a, b) => !hostSubsetOf(a, b) || hostsMatch(a, b)));
    fc.assert(fc.property(host, (a) => hostSubsetOf(a, a)));
    fc.assert(fc.property(host, host, host, (a, b, c) => !(hostSubsetOf(a, b) && hostSubsetOf(b, c)) || hostSubsetOf(a, c)));
  });

  test('asymmetry: a wildcard is never a subset of an exact name, an exact name is a subset of every wildcard it matches', () => {
    fc.assert(fc.property(exact, wildcard, (e, w) => !hostSubsetOf(w, e) && hostSubsetOf(e, w) === hostsMatch(e, w)));
    expect(hostSubsetOf('a.foo.com', '*.foo.com')).toBe(true);
    expect(hostSubsetOf('*.foo.com', 'a.foo.com')).toBe(false);
    expect(hostsMatch('*.foo.com', 'a.foo.com')).toBe(true);
  });

  test('wildcards: `*` covers every name; `*.x` covers names ending in `.x` but not `x`; of two wildcards the longer is the subset', () => {
    fc.assert(fc.property(host, (h) => hostSubsetOf(h, '*')));
    fc.assert(fc.property(exact, exact, (x, y) => hostSubsetOf(`${y}.${x}`, `*.${x}`) && !hostSubsetOf(x, `*.${x}`)));
    expect(hostSubsetOf('*.a.com', '*.com')).toBe(true);
    expect(hostSubsetOf('*.com', '*.a.com')).toBe(false);
    expect(hostsMatch('*.com', '*.a.com')).toBe(true);
  });

  test('case: Istio compares host names as written (its validation admits upper case); routes and dialed names are folded', () => {
    // pkg/config/labels/instance.go dns1123LabelFmt is [a-zA-Z0-9]...; name.go compares strings.
    expect(hostsMatch('Foo.com', 'foo.com')).toBe(false);
    expect(hostSubsetOf('a.Foo.com', '*.foo.com')).toBe(false);
    // httproute.go SelectVirtualServices lower-cases VirtualService hosts; DNS names are case-insensitive.
    expect(routeHost('Reviews', 'shop')).toBe('reviews.shop.svc.cluster.local');
    expect(dialedHost('Reviews.Shop', 'x')).toBe('reviews.shop.svc.cluster.local');
    fc.assert(fc.property(exact, (h) => routeHost(h, 'ns') === routeHost(h.toLowerCase(), 'ns')));
  });
});

describe('host resolution', () => {
  test.each([
    ['reviews', 'reviews.shop.svc.cluster.local'], ['reviews.other', 'reviews.other'], ['*', '*'], ['*.example.com', '*.example.com'],
    ['10.0.0.1', '10.0.0.1'], ['fd00::1', 'fd00::1'], ['Reviews', 'Reviews.shop.svc.cluster.local'],
  ])('ResolveShortnameToFQDN(%s) in shop is %s', (h, expected) => {
    expect(resolveShortname(h, 'shop')).toBe(expected);
  });

  test('istioctl analyze (ConvertHostToFQDN) and istiod (ResolveShortnameToFQDN) agree but for a dot-less wildcard and an IPv6 address', () => {
    // The analysis ports istioctl analyze, the flows istiod: each reads hosts as its source does.
    fc.assert(fc.property(exact, (h) => analyzerFqdn(h, 'ns') === resolveShortname(h, 'ns')));
    expect([analyzerFqdn('*foo', 'ns'), resolveShortname('*foo', 'ns')]).toEqual(['*foo', '*foo.ns.svc.cluster.local']);
    expect([analyzerFqdn('fd00::1', 'ns'), resolveShortname('fd00::1', 'ns')]).toEqual(['fd00::1.ns.svc.cluster.local', 'fd00::1']);
  });

  test.each([
    ['b', 'shop', 'b.shop.svc.cluster.local'], ['b.other', 'shop', 'b.other.svc.cluster.local'], ['b.other.svc', 'shop', 'b.other.svc.cluster.local'],
    ['b.other.svc.cluster.local', 'shop', 'b.other.svc.cluster.local'], ['api.example.com', 'shop', 'api.example.com'],
  ])('a client dialing %s from %s reaches %s (the pod\'s DNS search list)', (h, ns, expected) => {
    expect(dialedHost(h, ns)).toBe(expected);
  });

  test('the Service of a cluster host: GetFullNameFromFQDN\'s greedy pattern, the namespace is the label before svc', () => {
    expect(serviceOfHost('reviews.shop.svc.cluster.local')).toEqual({ name: 'reviews', namespace: 'shop' });
    expect(serviceOfHost('web-0.web.shop.svc.cluster.local')).toEqual({ name: 'web-0.web', namespace: 'shop' });
    expect(serviceOfHost('*.shop.svc.cluster.local')).toEqual({ name: '*', namespace: 'shop' });
    expect(serviceOfHost('api.example.com')).toBeUndefined();
  });
});

describe('MostSpecificHostMatch', () => {
  const naive = (needle: string, keys: readonly string[]) => {
    if (keys.includes(needle)) return needle;
    const bare = needle.startsWith('*') ? needle.slice(1) : needle;
    const candidates = keys.filter((k) => k.startsWith('*') && bare.endsWith(k.slice(1)));
    // names.go sorts "longest to shortest, alphabetically, with wildcards last"
    return [...candidates].sort((a, b) => (moreSpecific(a, b) ? -1 : 1))[0];
  };

  test('the needle itself, else the longest wildcard covering it, as a sort by MoreSpecific has it', () => {
    fc.assert(fc.property(host, fc.uniqueArray(host, { maxLength: 6 }), (needle, keys) => {
      const exactMap = new Map(keys.filter((k) => !k.startsWith('*')).map((k) => [k, k]));
      const wildMap = new Map(keys.filter((k) => k.startsWith('*')).map((k) => [k, k]));
      return mostSpecificHostMatch(needle, exactMap, wildMap)?.[0] === naive(needle, keys);
    }));
  });

  test('an exact rule wins over a wildcard that comes first', () => {
    const wild = new Map([['*.shop.svc.cluster.local', 'wild'], ['*.svc.cluster.local', 'wider']]);
    expect(mostSpecificHostMatch('b.shop.svc.cluster.local', new Map([['b.shop.svc.cluster.local', 'own']]), wild)?.[1]).toBe('own');
    expect(mostSpecificHostMatch('b.shop.svc.cluster.local', new Map(), wild)?.[1]).toBe('wild');
  });
});
