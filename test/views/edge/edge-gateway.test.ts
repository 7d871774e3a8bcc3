import { EdgeGateway, GatewayServer, GatewayTls, IngressGateway, MeshService } from '../../../src';
import { find, meshChart, synth, synthError } from '../../util';

function build(servers: GatewayServer[]) {
  const { app, chart } = meshChart();
  new EdgeGateway(chart, 'edge', { servers });
  return app;
}

describe('EdgeGateway', () => {
  test('renders servers as given (snapshot)', () => {
    const app = build([{ port: { number: 8443, name: 'tls-passthrough', protocol: 'TLS' }, hosts: ['db.example.com'], tls: GatewayTls.passthrough() }]);
    expect(find(synth(app), 'Gateway', 'edge')).toMatchSnapshot();
  });

  test('bind keeps one VirtualService per host, bound to mesh and the gateway, with both hosts', () => {
    const { app, chart } = meshChart();
    const api = new MeshService(chart, 'api-gateway', { image: 'api:1' });
    const gw = new IngressGateway(chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls' });
    gw.bind(api, ['shop.example.com']);
    const out = synth(app);
    const vss = out.filter((m) => m.kind === 'VirtualService');
    expect(vss).toHaveLength(1);
    expect(vss[0].metadata.name).toBe('api-gateway');
    expect(vss[0].spec.gateways).toEqual(['mesh', 'production/shop']);
    expect(vss[0].spec.hosts).toEqual(['api-gateway', 'shop.example.com']);
    expect(gw.ref).toBe('production/shop');
    // Bound means reachable: the gateway pods through the NetworkPolicy, its principal through the policy.
    expect(find(out, 'NetworkPolicy', 'api-gateway').spec.ingress[0].from[0].namespaceSelector.matchLabels).toEqual({ 'kubernetes.io/metadata.name': 'istio-system' });
    expect(find(out, 'AuthorizationPolicy', 'api-gateway-policy').spec.rules[0]).toEqual({
      from: [{ source: { principals: ['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'] } }],
    });
  });

  test('a service bound to two gateways still has one VirtualService', () => {
    const { app, chart } = meshChart();
    const api = new MeshService(chart, 'api-gateway', { image: 'api:1' });
    const a = new IngressGateway(chart, 'a', { hosts: ['a.example.com'], credentialName: 'a-tls' });
    const b = new IngressGateway(chart, 'b', { hosts: ['b.example.com'], credentialName: 'b-tls', namespace: 'edge' });
    b.bind(api, ['b.example.com']);
    a.bind(api, ['a.example.com']);
    const vs = find(synth(app), 'VirtualService', 'api-gateway');
    expect(vs.spec.gateways).toEqual(['mesh', 'edge/b', 'production/a']);
    expect(vs.spec.hosts).toEqual(['api-gateway', 'a.example.com', 'b.example.com']);
  });

  test('a server without a port name fails synth (MESH504)', () => {
    const err = synthError(build([{ port: { number: 80, name: '', protocol: 'HTTP' }, hosts: ['a.example.com'] }]));
    expect(err).toMatch(/\[test\/edge\] servers\[0\]\.port\.name: a gateway server's port needs a name \(port 80\) \[MESH504\]/);
  });

  test('an HTTPS server without tls fails synth (MESH505)', () => {
    const err = synthError(build([{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['a.example.com'] }]));
    expect(err).toMatch(/\[test\/edge\] servers\[0\]\.tls: a HTTPS server needs tls settings.*\[MESH505\]/);
  });

  test('tls on a plain HTTP server, other than a redirect, fails synth (MESH505)', () => {
    const err = synthError(build([{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['a.example.com'], tls: GatewayTls.istioMutual() }]));
    expect(err).toMatch(/\[test\/edge\] servers\[0\]\.tls: a HTTP server does not terminate TLS.*\[MESH505\]/);
  });

  test('servers without hosts, with bad hosts, duplicate names or ports out of range fail synth', () => {
    const err = synthError(build([
      { port: { number: 0, name: 'http', protocol: 'HTTP' }, hosts: [] },
      { port: { number: 65536, name: 'http', protocol: 'HTTP' }, hosts: ['Bad_Host'] },
    ]));
    expect(err).toMatch(/servers\[0\]\.hosts: a server needs at least one host \[MESH507\]/);
    expect(err).toMatch(/servers\[1\]\.hosts: 'Bad_Host' is not a host name Istio accepts \[MESH507\]/);
    expect(err).toMatch(/servers\[1\]\.port\.name: 'http' is used twice \[MESH020\]/);
    expect(err).toMatch(/servers\[0\]\.port\.number must be a whole number from 1 to 65535, got 0 \[MESH004\]/);
    expect(err).toMatch(/servers\[1\]\.port\.number must be a whole number from 1 to 65535, got 65536 \[MESH004\]/);
  });

  test('port boundaries 1 and 65535 are accepted', () => {
    const app = build([
      { port: { number: 1, name: 'http', protocol: 'HTTP' }, hosts: ['*'] },
      { port: { number: 65535, name: 'http-2', protocol: 'HTTP' }, hosts: ['ns/*.example.com'] },
    ]);
    expect(find(synth(app), 'Gateway', 'edge').spec.servers.map((s: any) => s.port.number)).toEqual([1, 65535]);
  });

  test('GatewayTls.simple rejects a credential that is not a Secret name at once', () => {
    expect(() => GatewayTls.simple('Bad Secret')).toThrow(/credentialName.*\[MESH505\]/);
  });
});
