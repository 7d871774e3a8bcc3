import { IngressGateway } from '../../src/edge/ingress-gateway';
import { find, meshChart, synth } from '../util';

describe('IngressGateway', () => {
  test('HTTPS with SIMPLE TLS from credentialName, and an HTTP redirect (snapshot)', () => {
    const { app, chart } = meshChart();
    new IngressGateway(chart, 'shop', { hosts: ['shop.example.com', 'www.example.com'], credentialName: 'shop-example-com-tls' });
    const gw = find(synth(app), 'Gateway', 'shop');
    expect(gw).toMatchSnapshot();
    expect(gw.spec.servers).toEqual([
      { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['shop.example.com', 'www.example.com'], tls: { mode: 'SIMPLE', credentialName: 'shop-example-com-tls' } },
      { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['shop.example.com', 'www.example.com'], tls: { httpsRedirect: true } },
    ]);
  });

  test('redirectHttp: false leaves only the HTTPS server', () => {
    const { app, chart } = meshChart();
    new IngressGateway(chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls', redirectHttp: false, namespace: 'istio-system' });
    const gw = find(synth(app), 'Gateway', 'shop');
    expect(gw.metadata.namespace).toBe('istio-system');
    expect(gw.spec.servers.map((s: any) => s.port.name)).toEqual(['https']);
  });
});
