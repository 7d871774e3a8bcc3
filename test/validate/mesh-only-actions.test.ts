// MESH686: a gateway applies only the VirtualServices bound to it (VirtualService.gateways), so a mesh-only rule's redirect,
// direct answer or rewrite never meets the requests a gateway-only VirtualService routes to the same host.
import { EdgeGateway, MeshService, StringMatch, Warnings } from '../../src';
import { analyze } from '../../src/validate/analysis';
import { meshChart, synth } from '../util';

const vs = (name: string, spec: Record<string, any>, namespace = 'shop') => ({
  apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace }, spec,
});
const publicRoute = vs('public', { hosts: ['shop.example.com'], gateways: ['istio-system/public'], http: [{ route: [{ destination: { host: 'legacy' } }] }] });
const found = (manifests: Record<string, any>[]) => analyze(manifests).filter((f) => f.code === 'MESH686').map((f) => `${f.resource.name} ${f.field} ${f.severity}`);

describe("MESH686: a mesh-only rule's action for a host a gateway routes to", () => {
  test('a redirect, a direct answer or a rewrite of a mesh-only VirtualService for the host is a warning on its rule', () => {
    const own = vs('legacy', { hosts: ['legacy'], http: [
      { match: [{ uri: { exact: '/checkout.jsp' } }], redirect: { uri: '/cart' } },
      { match: [{ uri: { prefix: '/maintenance' } }], directResponse: { status: 503 } },
      { match: [{ uri: { prefix: '/v1/' } }], rewrite: { uri: '/' }, route: [{ destination: { host: 'legacy' } }] },
      { route: [{ destination: { host: 'legacy' } }] },
    ] });
    expect(found([publicRoute, own])).toEqual(['legacy spec.http[0] warning', 'legacy spec.http[1] warning', 'legacy spec.http[2] warning']);
    expect(analyze([publicRoute, own]).find((f) => f.code === 'MESH686')!.message)
      .toMatch(/^redirects \(\/cart\) for the mesh's callers of legacy\.shop\.svc\.cluster\.local only: VirtualService shop\/public, bound to istio-system\/public/);
  });

  test('bound to the gateway as well, for a host no gateway routes to, or a rule that only forwards: nothing to report', () => {
    const redirect = { match: [{ uri: { exact: '/old' } }], redirect: { uri: '/new' } };
    expect(found([publicRoute, vs('legacy', { hosts: ['legacy'], gateways: ['mesh', 'istio-system/public'], http: [redirect] })])).toEqual([]);
    expect(found([publicRoute, vs('other', { hosts: ['other'], http: [redirect] })])).toEqual([]);
    expect(found([publicRoute, vs('legacy', { hosts: ['legacy'], http: [{ route: [{ destination: { host: 'legacy' } }] }] })])).toEqual([]);
  });

  test("a MeshService's addRoute redirect behind an EdgeGateway route is reported on the service at synth, and acknowledged there", () => {
    const { app, chart } = meshChart();
    const legacy = new MeshService(chart, 'legacy', { image: 'legacy:1' });
    legacy.addRoute({ name: 'retired', match: [{ uri: StringMatch.exact('/checkout.jsp') }], redirect: { uri: '/cart' } });
    new EdgeGateway(chart, 'public', { servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['shop.example.com'] }] }).route(legacy);
    synth(app);
    expect(app.warnings).toEqual([expect.stringMatching(/^\[test\/legacy\/VirtualService\] .*spec\.http\[0\]: redirects \(\/cart\) .*\[MESH686\]/)]);
    Warnings.of(legacy).acknowledge('MESH686', 'only the mesh callers still use the retired URL');
    synth(app);
    expect(app.warnings).toEqual([]);
  });
});
