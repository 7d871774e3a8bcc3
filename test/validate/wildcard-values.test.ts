// MESH695 over manifests: istiod matches an AuthorizationPolicy value's '*' only alone, as one leading '*' (a suffix) or as one
// trailing '*' (a prefix), and any other '*' as the character itself (istio/istio pilot/pkg/security/authz/matcher/string.go,
// StringMatcherWithPrefix; matcher/header.go, HeaderMatcher and HostMatcher): a value with a '*' inside or at both ends matches
// next to nothing, which istiod's webhook accepts.
import { AuthorizationAction, MeshAuthorizationPolicy, MeshService, Warnings } from '../../src';
import { analyze } from '../../src/validate/analysis';
import { stringMatches } from '../../src/validate/flow/authorization';
import { meshChart, synth } from '../util';

type M = Record<string, any>;
const policy = (action: string, rule: M): M => ({
  apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'p', namespace: 'partners' },
  spec: { action, selector: { matchLabels: { app: 'api' } }, rules: [rule] },
});
const found = (manifests: M[]) => analyze(manifests).filter((f) => f.code === 'MESH695').map((f) => `${f.field} ${f.severity}`);

describe("MESH695 (warning): an AuthorizationPolicy value whose '*' istiod reads as itself", () => {
  test("a client certificate's identity looked for inside X-Forwarded-Client-Cert with '*' at both ends never matches", () => {
    const deny = policy('DENY', {
      to: [{ operation: { paths: ['/v1/acme/*'] } }],
      when: [{ key: 'request.headers[x-forwarded-client-cert]', notValues: ['*URI=spiffe://partners.example.com/acme*'] }],
    });
    expect(found([deny])).toEqual(['spec.rules[0].when[0].notValues[0] warning']);
    const [f] = analyze([deny]).filter((x) => x.code === 'MESH695');
    expect(f.message).toMatch(/^'\*URI=spiffe:\/\/partners\.example\.com\/acme\*' has more than one '\*' or one inside it: .*the exception it makes matches next to nothing, so this DENY rule applies to the requests it meant to leave out/);
    // as the flows evaluate it: a suffix match with a literal '*', which the header never ends with
    expect(stringMatches('*URI=spiffe://partners.example.com/acme*', 'Hash=ab;URI=spiffe://partners.example.com/acme;DNS=x')).toBe(false);
  });

  test('principals, hosts and the string-matched when keys; a single leading or trailing * and * alone are matches', () => {
    expect(found([policy('ALLOW', {
      from: [{ source: { principals: ['cluster.local/ns/*/sa/api', 'cluster.local/ns/partners/*', '*/sa/api', '*'], notPrincipals: ['*a*'] } }],
      to: [{ operation: { hosts: ['api.*.example.com', '*.example.com'] } }],
      when: [
        { key: 'request.auth.claims[groups]', values: ['partner-*-admins'] },
        { key: 'connection.sni', values: ['*.partners.example.com'] },
        { key: 'source.principal', values: ['**'] },
      ],
    })])).toEqual([
      'spec.rules[0].from[0].source.principals[0] warning',
      'spec.rules[0].from[0].source.notPrincipals[0] warning',
      'spec.rules[0].to[0].operation.hosts[0] warning',
      'spec.rules[0].when[0].values[0] warning',
      'spec.rules[0].when[2].values[0] warning',
    ]);
  });

  test('namespaces (a regex of every *), IP ranges, ports, request principals and paths are other matchers: not reported', () => {
    expect(found([policy('ALLOW', {
      from: [{ source: { namespaces: ['team-*-prod'], requestPrincipals: ['https://login.example.com/*'], ipBlocks: ['10.0.0.0/8'] } }],
      to: [{ operation: { paths: ['/api/{*}/orders'], ports: ['8080'] } }],
      when: [{ key: 'source.namespace', values: ['a*b'] }, { key: 'destination.port', values: ['8080'] }],
    })])).toEqual([]);
  });

  test('at synth, on the MeshAuthorizationPolicy that wrote it, acknowledgeable there', () => {
    const build = (acknowledge: boolean) => {
      const { app, chart } = meshChart({ namespace: 'partners' });
      const api = new MeshService(chart, 'api', { image: 'registry.example.com/api:1.0.0' });
      const p = new MeshAuthorizationPolicy(chart, 'partner-acme', {
        action: AuthorizationAction.deny(), service: api,
        rules: [{ to: [{ paths: ['/v1/acme/*'], ports: [8080] }], when: [{ key: 'request.headers[x-forwarded-client-cert]', notValues: ['*acme*'] }] }],
      });
      if (acknowledge) Warnings.of(p).acknowledge('MESH695', 'the header holds the literal value');
      synth(app);
      return app.warnings.filter((w) => w.includes('MESH695'));
    };
    expect(build(false)).toEqual([expect.stringMatching(/^(warning: )?\[test\/partner-acme\/Resource\] .*when\[0\]\.notValues\[0\]: '\*acme\*' has more than one .*\[MESH695\]$/)]);
    expect(build(true)).toEqual([]);
  });
});
