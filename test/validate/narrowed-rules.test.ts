// MESH240: Istio allows a request that any ALLOW rule of the workload matches
// (https://istio.io/latest/docs/concepts/security/#allow-deny-and-custom-action), so an ALLOW rule narrowed by the client's
// address restricts nothing while a broader rule admits the same requests from anywhere.
import { Cidr, IngressGateway, MeshService, ServiceSecurity } from '../../src';
import { analyze } from '../../src/validate/analysis';
import { deployment, M } from './fixtures';
import { meshChart, synth } from '../util';

const GATEWAY = 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account';

function policy(name: string, rules: M[], selector: Record<string, string> | undefined = { app: 'hooks' }): M {
  return {
    apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace: 'shop' },
    spec: { ...(selector ? { selector: { matchLabels: selector } } : {}), action: 'ALLOW', rules },
  };
}

const narrowed = { from: [{ source: { principals: [GATEWAY], remoteIpBlocks: ['198.51.100.0/24'] } }], to: [{ operation: { methods: ['POST'], paths: ['/processor/*'] } }] };
const found = (ms: M[]) => analyze(ms).filter((f) => f.code === 'MESH240').map((f) => `${f.resource.name} ${f.field} ${f.severity}`);

describe('MESH240: an ALLOW rule narrowed by address that a broader ALLOW rule makes void', () => {
  test('a rule of the same principal on a prefix covering the path, without the addresses, in the same policy or another on the workload', () => {
    const broad = { from: [{ source: { principals: [GATEWAY] } }], to: [{ operation: { paths: ['/processor/*'] } }] };
    expect(found([deployment('hooks'), policy('hooks', [broad, narrowed])])).toEqual(['hooks spec.rules[1].from[0].source.remoteIpBlocks warning']);
    // a namespace-wide policy (no selector) applies to the workload too
    expect(found([deployment('hooks'), policy('hooks', [narrowed]), policy('all', [{ from: [{ source: { principals: ['*'] } }] }], undefined)]))
      .toEqual(['hooks spec.rules[0].from[0].source.remoteIpBlocks warning']);
    // a condition on remote.ip narrows as remoteIpBlocks does
    const when = { from: [{ source: { principals: [GATEWAY] } }], when: [{ key: 'remote.ip', values: ['198.51.100.0/24'] }] };
    expect(found([deployment('hooks'), policy('hooks', [when, { from: [{ source: { principals: [GATEWAY] } }] }])]))
      .toEqual(['hooks spec.rules[0].when[0] warning']);
  });

  test('not where the broader rule admits less: another principal, a narrower path or method, a condition, another workload', () => {
    const other = { from: [{ source: { principals: ['cluster.local/ns/shop/sa/other'] } }] };
    const path = { from: [{ source: { principals: [GATEWAY] } }], to: [{ operation: { paths: ['/processor/refunds'] } }] };
    const method = { from: [{ source: { principals: [GATEWAY] } }], to: [{ operation: { methods: ['GET'] } }] };
    const cond = { from: [{ source: { principals: [GATEWAY] } }], when: [{ key: 'request.headers[x-signed]', values: ['yes'] }] };
    const addresses = { from: [{ source: { principals: [GATEWAY], ipBlocks: ['10.0.0.0/8'] } }] };
    for (const broad of [other, path, method, cond, addresses]) {
      expect(found([deployment('hooks'), policy('hooks', [broad, narrowed])])).toEqual([]);
    }
    expect(found([deployment('hooks'), deployment('web'), policy('hooks', [narrowed]), policy('web', [{}], { app: 'web' })])).toEqual([]);
  });

  test("at synth: a service's own rule narrowed by address beside its gateway route's rule is warned of on the service", () => {
    const { app, chart } = meshChart({ namespace: 'payments' });
    const hooks = new MeshService(chart, 'hooks', { image: 'hooks:1' });
    new IngressGateway(chart, 'gw', { hosts: ['hooks.example.com'], credentialName: 'hooks-tls' }).route(hooks, { pathPrefix: '/processor/' });
    ServiceSecurity.of(hooks).allow({
      from: [{ principals: [chart.platform.ingressGatewayPrincipal], remoteIpBlocks: [Cidr.of('198.51.100.0/24')] }],
      to: [{ methods: ['POST'], paths: ['/processor/*'] }],
    });
    const f = analyze(synth(app)).filter((x) => x.code === 'MESH240');
    expect(f.map((x) => x.message)).toEqual([expect.stringMatching(/^admits its requests from some addresses only, but spec\.rules\[0\] of AuthorizationPolicy payments\/hooks-policy admits the same requests from any address.*sourceRanges/)]);
  });
});
