/**
 * The value checks istiod's webhook shares between kinds, one table per ported function, each
 * citing the istio/istio (or Go) function it follows; cases beside Istio's own tables where they
 * exist (pkg/config/validation/agent/validation_test.go, pkg/config/security/security_test.go).
 */
import { attributeProblem, pathTemplateProblem, serviceAccountProblem, trustDomainProblem } from '../../src/validate/webhook/attributes';
import {
  fqdnProblem, gatewayBoundDomainProblem, hostSubsetOf, hostsMatch, isDns1123Label, isWildcardDns1123Label, namespaceSlashHostProblems,
  partialWildcardProblem, wildcardDomainProblem,
} from '../../src/validate/webhook/hosts';
import { exportTo, gatewayNames, labelProblems, parseProtocol, subsetNameProblem } from '../../src/validate/webhook/names';
import {
  atoi, ipSubnetProblem, ipsProblem, isValidIPAddress, parseAddr, portProblem, prefixProblem, securityPortProblem, splitHostPort, unixAddressProblem,
} from '../../src/validate/webhook/net';
import type { Report } from '../../src/validate/webhook/report';

/** Runs a reporting check and returns `<code> <field>: <message>` lines. */
function collect(run: (report: Report) => void): string[] {
  const out: string[] = [];
  run((code, field, message, severity) => out.push(`${code}${severity ? ` ${severity}` : ''} ${field}: ${message}`));
  return out;
}

describe("Go's net/netip, as istiod calls it", () => {
  test.each([
    // netip.ParseAddr (Go src/net/netip/netip.go): dotted decimal without leading zeros, IPv6 with one `::`, a zone
    ['1.1.1.1', true], ['255.255.255.255', true], ['0.0.0.0', true], ['1.1.A.1', false], ['256.1.1.1', false], ['01.2.3.4', false],
    ['1.2.3', false], ['1.2.3.4.5', false], ['1..2.3', false], ['.1.2.3', false], ['1.2.3.', false],
    ['2001:1::1', true], ['2001:1:G::1', false], ['::', true], ['::1', true], ['1::', true], ['001:db8::', true], ['2001:db8::1%eth0', true],
    ['2001:db8::1%', false], ['%eth0', false], ['1:2:3:4:5:6:7:8', true], ['1:2:3:4:5:6:7:8:9', false], ['1:2:3:4:5:6:7::8', false],
    ['1::2::3', false], ['::ffff:1.2.3.4', true], ['1:2:3:4:5:6:1.2.3.4', true], ['1:2:3:4:5:1.2.3.4', false], ['12345::', false],
    ['', false], ['localhost', false], ['1.2.3.4/32', false],
  ])('ParseAddr(%s) accepts: %s', (addr, ok) => {
    expect(parseAddr(addr).error === undefined).toBe(ok);
    expect(isValidIPAddress(addr)).toBe(ok);
  });

  test.each([
    // netip.ParsePrefix: no zone, a length without sign or leading zero, within the family's bits
    ['1.1.1.1/24', undefined], ['1.1.1.1/48', 'prefix length out of range'], ['2001:1::1/64', undefined], ['2001:1::1/132',
      'prefix length out of range'],
    ['10.0.0.0/0', undefined], ['10.0.0.0/08', 'bad bits after slash'], ['10.0.0.0/+8', 'bad bits after slash'], ['10.0.0.0/',
      'bad bits after slash'],
    ['fe80::1%eth0/64', 'IPv6 zones cannot be present in a prefix'], ['10.0.0.256/8', 'IPv4 field has value >255'], ['10.0.0.0', "no '/'"],
  ])('ParsePrefix(%s): %s', (prefix, problem) => {
    const p = prefixProblem(prefix);
    if (problem === undefined) expect(p).toBeUndefined();
    else expect(p).toContain(problem);
  });

  test('agent.ValidateIPSubnet and security.ValidateIPs: a CIDR when there is a slash, else an address', () => {
    expect(ipSubnetProblem('1.1.1.1/24')).toBeUndefined();
    expect(ipSubnetProblem('1.1.1.1/33')).toBe('1.1.1.1/33 is not a valid CIDR block');
    expect(ipSubnetProblem('1.1.1.1')).toBeUndefined();
    expect(ipSubnetProblem('a/b/c')).toBe('a/b/c is not a valid IP');
    expect(ipsProblem('10.0.0.0/8')).toBeUndefined();
    expect(ipsProblem('10.0.0.0/33')).toMatch(/^bad CIDR range \(10.0.0.0\/33\)/);
    expect(ipsProblem('10.0.0.999')).toBe('bad IP address (10.0.0.999)');
  });

  test.each([
    // net.SplitHostPort
    ['127.0.0.1:8080', '127.0.0.1', '8080', undefined], ['[::1]:80', '::1', '80', undefined], [':80', '', '80', undefined],
    ['127.0.0.1', '', '', 'missing port in address'], ['::1:80', '', '', 'too many colons in address'], ['[::1]', '', '', 'missing port in address'],
    ['[::1:80', '', '', "missing ']' in address"], ['[::1]x:80', '', '', 'missing port in address'],
  ])('SplitHostPort(%s)', (hostport, host, port, error) => {
    const r = splitHostPort(hostport);
    expect([r.host, r.port]).toEqual([host, port]);
    if (error) expect(r.error).toContain(error);
    else expect(r.error).toBeUndefined();
  });

  test('strconv.Atoi: a sign and decimal digits', () => {
    expect([atoi('80'), atoi('+80'), atoi('-1'), atoi('080'), atoi('8o'), atoi(''), atoi('1_000')]).toEqual([80, 80, -1, 80, undefined, undefined,
      undefined]);
  });
});

describe('ports and sockets', () => {
  test.each([[0, false], [65536, false], [-1, false], [100, true], [1000, true], [65535, true], [1.5, false]])(
    'agent.ValidatePort(%s) accepts: %s', (port, ok) => expect(portProblem(port) === undefined).toBe(ok));

  test.each([['0', true], ['80', true], ['65535', true], ['65536', false], ['-1', false], ['+80', false], ['http', false], ['', false], ['080',
    true]])(
    'security.ValidatePorts(%s) accepts: %s (an AuthorizationPolicy port 0 is a port)', (port,
      ok) => expect(securityPortProblem(port) === undefined).toBe(ok));

  test.each([['@abstract', true], ['/var/run/a.sock', true], ['', false], ['relative.sock', false], ['/var/run/', false]])(
    'ValidateUnixAddress(%s) accepts: %s', (address, ok) => expect(unixAddressProblem(address) === undefined).toBe(ok));
});

describe('host names (agent/validation.go, labels/instance.go, host/name.go)', () => {
  test.each([
    // ValidateFQDN (TestValidateFQDN)
    ['x'.repeat(256), 'too long'], ['', 'empty domain name not allowed'], ['istio.io', undefined], ['istio.io.', undefined],
    ['istio-pilot.istio-system.svc.cluster.local', undefined], ['istio-pilot.istio-system.svc.cluster.local.', undefined],
    ['1.2.3.4', 'cannot be all-numeric'], ['-bad.example.com', 'label "-bad" invalid'], ['a b.example.com',
      'label "a b" invalid'], ['*.example.com', 'label "*" invalid'],
  ])('ValidateFQDN(%s): %s', (fqdn, problem) => {
    const p = fqdnProblem(fqdn);
    if (problem === undefined) expect(p).toBeUndefined();
    else expect(p).toContain(problem);
  });

  test.each([
    // ValidateWildcardDomain (TestValidateWildcardDomain), and the issue's measured misses
    ['', 'empty'], ['x'.repeat(256), 'too long'], ['x'.repeat(63), undefined], ['*', undefined], ['*.bar.com', undefined], ['*foo', undefined],
    ['*foo.bar.com', undefined], ['*-foo.bar.com', undefined], ['foo.*.com', 'invalid'], ['foo*.bar.com', 'invalid'], ['1.1.1.1', 'invalid'],
    ['*.*', 'invalid'], ['a*b.example.com', 'invalid'], ['-bad.example.com', 'invalid'], ['has space.example.com', 'invalid'], ['orders', undefined],
    ['x'.repeat(64), 'invalid'],
  ])('ValidateWildcardDomain(%s): %s', (domain, problem) => {
    const p = wildcardDomainProblem(domain);
    if (problem === undefined) expect(p).toBeUndefined();
    else expect(p).toContain(problem);
  });

  test.each([
    // ValidateWildcardDomainForVirtualServiceBoundToGateway (TestValidateWildcardDomainForVirtualServiceBoundToGateway)
    ['outbound_.80_._.e2e.foobar.mesh', true, undefined], ['outbound.com', true, undefined], ['neverbound_.80_._.e2e.foobar.mesh', true, 'invalid'],
    ['outbound_.thisIsNotAPort_._.e2e.foobar.mesh', true, 'invalid'], ['outbound_.80_._', true, 'invalid'], ['outbound_.80_._.e2e.foobar.mesh',
      false, 'invalid'],
  ])('ValidateWildcardDomainForVirtualServiceBoundToGateway(%s, sni %s): %s', (domain, sni, problem) => {
    const p = gatewayBoundDomainProblem(sni, domain);
    if (problem === undefined) expect(p).toBeUndefined();
    else expect(p).toContain(problem);
  });

  test.each([
    // ValidateNamespaceSlashWildcardHostname: Sidecar (isGateway false) and Gateway (true)
    ['ns/foo.com', false, []], ['*/foo.com', false, []], ['./foo.com', false, []], ['~/foo.com', false, []], ['*/*', false, []], ['ns/*.foo.com',
      false, []],
    ['foo.com', false, ['host must be of form namespace/dnsName']], ['ns/foo', false, ['short names (non FQDN) are not allowed']],
    ['NS_/foo.com', false, ['invalid namespace value "NS_" in sidecar']], ['/foo.com', false,
      ['config namespace and dnsName in host entry cannot be empty', 'invalid namespace value "" in sidecar']],
    ['ns/a*b.foo.com', false, ['domain name "a*b.foo.com" invalid (label "a*b" invalid)', 'partial wildcard "a*b.foo.com" not allowed']],
    ['foo.com', true, []], ['*', true, []], ['ns/foo.com', true, []], ['~/foo.com', true, ['invalid namespace value "~" in gateway']],
    ['1.2.3.4', true, []], ['ns/1.2.3.4', true, []], ['foo', true, ['short names (non FQDN) are not allowed']],
  ])('ValidateNamespaceSlashWildcardHostname(%s, gateway %s)', (host, isGateway, problems) => {
    expect(namespaceSlashHostProblems(host, isGateway)).toEqual(problems);
  });

  test('ValidatePartialWildCard, IsDNS1123Label, IsWildcardDNS1123Label', () => {
    expect([partialWildcardProblem('*'), partialWildcardProblem('*.a.com'), partialWildcardProblem('*a.com')]).toEqual([undefined, undefined,
      'partial wildcard "*a.com" not allowed']);
    expect([isDns1123Label('Foo-1'), isDns1123Label('-a'), isDns1123Label('a'.repeat(64)), isDns1123Label('a.b')]).toEqual([true, false, false,
      false]);
    expect([isWildcardDns1123Label('*'), isWildcardDns1123Label('*-a'), isWildcardDns1123Label('**'), isWildcardDns1123Label('a*')]).toEqual([true,
      true, false, false]);
  });

  test.each([
    // host.Name Matches and SubsetOf (pkg/config/host/name.go; name_test.go)
    ['foo.com', 'foo.com', true, true], ['foo.com', 'bar.com', false, false], ['*.com', 'foo.com', true, false], ['bar.com', '*.com', true, true],
    ['*.foo.com', 'foo.com', false, false], ['*', 'foo.com', true, false], ['*', '*.com', true, false], ['*.foo.com', '*.com', true, true],
  ])('%s matches %s: %s; is a subset of it: %s', (a, b, matches, subset) => {
    expect(hostsMatch(a, b)).toBe(matches);
    expect(hostSubsetOf(a, b)).toBe(subset);
  });
});

describe('names, labels, protocols and exportTo (validation.go, labels/instance.go, visibility, protocol)', () => {
  test('validateSubsetName, labels.Instance.Validate, protocol.Parse', () => {
    expect([subsetNameProblem(''), subsetNameProblem('v1'), subsetNameProblem('V_1')]).toEqual(['subset name cannot be empty', undefined,
      'subset name is invalid: V_1']);
    expect(labelProblems({ app: 'a', 'example.com/x': 'b', 'version': '' })).toEqual([]);
    expect(labelProblems({ 'a b': 'c', ok: 'd e', ['x'.repeat(64)]: 'v' })).toEqual(['invalid tag key: "a b"', 'invalid tag value: "d e"',
      `invalid tag key: "${'x'.repeat(64)}" (name is too long)`]);
    expect(['HTTP', 'http2', 'GRPC-Web', 'https', 'FOO', ''].map(parseProtocol)).toEqual(['http', 'http2', 'grpc-web', 'https', undefined,
      undefined]);
  });

  test.each([
    // validateExportTo (validation_test.go, TestValidateExportTo)
    [['.'], false, []], [['*'], false, []], [['ns1', 'ns2'], false, []], [['shop', '.'], false,
      ['duplicate entries in exportTo: . and current namespace shop']],
    [['.', 'shop'], false, ['duplicate entries in exportTo for entry shop']],
    [['ns1', 'ns1'], false, ['duplicate entries in exportTo for entry ns1']], [['*', 'ns1'], false,
      ['cannot have both public (*) and non-public exportTo values for a resource']],
    [['~'], false, ['exportTo ~ (none) is not allowed for Istio configuration objects']], [['~'], true, []],
    [['~', 'ns1'], true, ['cannot export service entry to no one (~) and someone']], [['Bad_NS'], false,
      ['only .,*, or a valid DNS 1123 label is allowed as exportTo entry']],
  ])('validateExportTo(%j, service entry %s)', (values, isServiceEntry, problems) => {
    expect(collect((r) => exportTo(values, 'shop', 'spec.exportTo', r, isServiceEntry)).map((l) => l.replace(/^MESH184 spec.exportTo: /,
      ''))).toEqual(problems);
  });

  test('validateExportTo: a DestinationRule with a workload selector exports to its own namespace only', () => {
    expect(collect((r) => exportTo(['other'], 'shop', 'f', r, false,
      true))).toEqual(['MESH184 f: destination rule with workload selector cannot have exportTo beyond current namespace']);
    expect(collect((r) => exportTo(['.', 'other'], 'shop', 'f', r, false,
      true))).toEqual(['MESH184 f: destination rule with workload selector cannot have multiple entries in exportTo']);
    expect(collect((r) => exportTo(['.'], 'shop', 'f', r, false, true))).toEqual([]);
  });

  test('validateGatewayNames: namespace/name labels, a legacy FQDN name (warned, and the loop ends there)', () => {
    expect(collect((r) => gatewayNames(['shop/gw', 'mesh'], 'g', r))).toEqual([]);
    expect(collect((r) => gatewayNames(['shop/Bad_Name'], 'g', r))).toEqual(['MESH183 g[0]: invalid value for gateway name: "Bad_Name"']);
    expect(collect((r) => gatewayNames(['/gw'], 'g', r))).toEqual(['MESH183 g[0]: config namespace and gateway name cannot be empty',
      'MESH183 g[0]: invalid value for namespace: ""']);
    expect(collect((r) => gatewayNames(['gw.shop', 'x/Bad_'], 'g',
      r))).toEqual(['MESH177 warning g[0]: using legacy gatewayName format "gw.shop"; prefer the <namespace>/<name> format: "shop/gw"']);
    expect(collect((r) => gatewayNames(['bad gw'], 'g', r))).toEqual(['MESH183 g[0]: domain name "bad gw" invalid (label "bad gw" invalid)']);
  });
});

describe('AuthorizationPolicy values (pkg/config/security/security.go)', () => {
  test.each([
    // ValidateAttribute (security_test.go, TestValidateAttribute) and the issue's measured misses
    ['request.headers[User-Agent]', ['a'], undefined], ['request.headers', ['a'], 'bad key'], ['request.headers[]', ['a'], 'bad key'],
    ['source.ip', ['10.0.0.1', '10.0.0.0/8'], undefined], ['source.ip', ['10.0.0.256'], 'bad IP address'], ['remote.ip', ['10.0.0.0/33'],
      'bad CIDR range'],
    ['destination.ip', ['::1'], undefined], ['destination.port', ['80', '0'], undefined], ['destination.port', ['http'], 'bad port'],
    ['destination.port', ['70000'], 'bad port'], ['source.namespace', ['ns'], undefined], ['source.principal', ['cluster.local/ns/a/sa/b'],
      undefined],
    ['request.auth.claims[iss]', ['a'], undefined], ['request.auth.claims', ['a'], 'bad key'], ['experimental.envoy.filters.a[b]', ['x'], undefined],
    ['connection.sni', ['a.com'], undefined], ['destination.namespace', ['a'], 'replaced by the metadata.namespace'], ['destination.labels[app]',
      ['a'], 'replaced by the workload selector'],
    ['destination.name', ['a'], 'only supported in v1alpha1'], ['destination.user', ['a'], 'only supported in v1alpha1'], ['source.user', ['a'],
      'unknown attribute: source.user'],
    ['source.ip', [''], 'empty value not allowed'],
  ])('ValidateAttribute(%s, %j): %s', (key, values, problem) => {
    const p = attributeProblem(key, values, false);
    if (problem === undefined) expect(p).toBeUndefined();
    else expect(p).toContain(problem);
  });

  test('1.30 adds source.serviceAccount and source.trustDomain (CheckServiceAccount, CheckWildcardValues)', () => {
    expect(attributeProblem('source.serviceAccount', ['ns/sa'], false)).toBe('unknown attribute: source.serviceAccount');
    expect(attributeProblem('source.serviceAccount', ['ns/sa', 'sa'], true)).toBeUndefined();
    expect(attributeProblem('source.serviceAccount', ['ns/*'], true)).toMatch(/wildcard not allowed/);
    expect(attributeProblem('source.trustDomain', ['*.example.com', 'example.*'], true)).toBeUndefined();
    expect(attributeProblem('source.trustDomain', ['a*b'], true)).toMatch(/only allowed at the start or end/);
    expect(serviceAccountProblem('k', ['a/b/c'])).toMatch(/expected format/);
    expect(serviceAccountProblem('k', ['/sa'])).toMatch(/empty namespace/);
    expect(serviceAccountProblem('k', Array.from({ length: 17 }, (_, i) => `sa${i}`))).toBe('may not have more than 16 values');
    expect(trustDomainProblem('k', ['a/b'])).toMatch(/must not contain '\/'/);
    expect(trustDomainProblem('k', ['**'])).toMatch(/at most one wildcard/);
  });

  test.each([
    // CheckValidPathTemplate (security_test.go, TestCheckValidPathTemplate)
    ['/foo/{*}', undefined], ['/foo/{**}', undefined], ['/{**}/path/template', undefined], ['/foo/{*}/bar/{**}', undefined],
    ['/foo/{**}/{*}', '{**} is not the last operator'], ['/foo/{**}/bar/{**}', '{**} is not the last operator'], ['/foo/{bar}',
      "Contains '{' or '}'"],
    ['/foo/{*}/b*r', 'invalid string literal'], ['/foo/b*r', undefined], ['/a//{*}', 'invalid string literal'],
  ])('CheckValidPathTemplate(%s): %s', (path, problem) => {
    const p = pathTemplateProblem('Paths', path);
    if (problem === undefined) expect(p).toBeUndefined();
    else expect(p).toContain(problem);
  });
});
