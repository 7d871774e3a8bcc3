// GatewayTls.mutual's options: the client certificates a partner API's gateway admits (ServerTLSSettings subjectAltNames), and
// OPTIONAL_MUTUAL, which admits clients without one ("a client certificate is not required", one presented is verified).
// https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings
import { EdgeGateway, GatewayTls, MeshService } from '../../../src';
import { find, meshChart, synth } from '../../util';

function gateway(tls: GatewayTls) {
  const { app, chart } = meshChart({ namespace: 'partners' });
  const api = new MeshService(chart, 'api', { image: 'registry.example.com/api:1.0.0' });
  new EdgeGateway(chart, 'partners', { servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['api.example.com'], tls }] })
    .route(api);
  return find(synth(app), 'Gateway', 'partners').spec.servers[0].tls;
}

describe('GatewayTls.mutual', () => {
  test('MUTUAL with the credential alone, as before', () => {
    expect(gateway(GatewayTls.mutual('api-mtls'))).toEqual({ mode: 'MUTUAL', credentialName: 'api-mtls' });
  });

  test("subjectAltNames narrow the partners' certificates the gateway admits; optional is OPTIONAL_MUTUAL; both pass Istio's webhook", () => {
    expect(gateway(GatewayTls.mutual('api-mtls', { subjectAltNames: ['acme.partners.example.com', 'spiffe://partners.example.com/globex'] })))
      .toEqual({ mode: 'MUTUAL', credentialName: 'api-mtls', subjectAltNames: ['acme.partners.example.com', 'spiffe://partners.example.com/globex'] });
    expect(gateway(GatewayTls.mutual('api-mtls', { optional: true }))).toEqual({ mode: 'OPTIONAL_MUTUAL', credentialName: 'api-mtls' });
    expect(GatewayTls.mutual('api-mtls', { optional: true }).credentialName).toBe('api-mtls');
  });

  test('MESH505: an empty list, or a name that is blank or holds whitespace', () => {
    expect(() => GatewayTls.mutual('api-mtls', { subjectAltNames: [] })).toThrow(/subjectAltNames: give at least one name.*\[MESH505\]/);
    expect(() => GatewayTls.mutual('api-mtls', { subjectAltNames: ['acme corp'] })).toThrow(/subjectAltNames: 'acme corp' is not a subject alternative name.*\[MESH505\]/);
    expect(() => GatewayTls.mutual('api-mtls', { subjectAltNames: [' '] })).toThrow(/\[MESH505\]/);
  });
});

describe("the intended flows of a MUTUAL server's routes", () => {
  function flows(tls: GatewayTls) {
    const { app, chart } = meshChart({ namespace: 'partners' });
    const api = new MeshService(chart, 'api', { image: 'registry.example.com/api:1.0.0' });
    new EdgeGateway(chart, 'partners', { servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['api.example.com'], tls }] })
      .route(api);
    synth(app); // synth proves the route's flow: a client without the certificate a MUTUAL server requires would fail it
    return chart.intendedFlows().filter((f) => 'external' in f.source).map((f) => f.source);
  }

  test("present the partner's certificate (the first subjectAltName) where the server requires one, none elsewhere", () => {
    expect(flows(GatewayTls.mutual('api-mtls', { subjectAltNames: ['spiffe://partners.example.com/acme', 'b.example.com'] })))
      .toEqual([{ external: true, clientCertificate: { subjectAltName: 'spiffe://partners.example.com/acme' } }]);
    expect(flows(GatewayTls.mutual('api-mtls'))).toEqual([{ external: true, clientCertificate: {} }]);
    expect(flows(GatewayTls.mutual('api-mtls', { optional: true }))).toEqual([{ external: true }]);
    expect(flows(GatewayTls.simple('api-tls'))).toEqual([{ external: true }]);
  });

  test("an answer on a MUTUAL server: its flow presents the partner's certificate too, so synth passes and proves it", () => {
    const { app, chart } = meshChart({ namespace: 'partners' });
    const api = new MeshService(chart, 'api', { image: 'registry.example.com/api:1.0.0' });
    const gw = new EdgeGateway(chart, 'partners', {
      servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['api.example.com'],
        tls: GatewayTls.mutual('api-mtls', { subjectAltNames: ['spiffe://partners.example.com/acme'] }) }],
    });
    gw.route(api);
    gw.respond({ pathPrefix: '/maintenance/', status: 503, body: 'back soon' });
    synth(app); // before, the answer's flow presented no certificate and the MUTUAL server refused it (MESH600)
    expect(chart.intendedFlows().filter((f) => f.expect === 'answer').map((f) => f.source))
      .toEqual([{ external: true, clientCertificate: { subjectAltName: 'spiffe://partners.example.com/acme' } }]);
  });
});
