import { MeshGateway } from '../../../src';
import { find, meshChart, synth, synthError } from '../../util';

describe('MeshGateway', () => {
  test("seed 003's k1s0-mesh-gateway, field by field", () => {
    const { app, chart } = meshChart();
    new MeshGateway(chart, 'k1s0-mesh-gateway', { namespace: 'service-mesh', tierNamespaces: ['k1s0-system', 'k1s0-business', 'k1s0-service'] });
    const gw = find(synth(app), 'Gateway', 'k1s0-mesh-gateway');
    expect(gw).toMatchSnapshot();
    expect(gw.apiVersion).toBe('networking.istio.io/v1');
    expect(gw.metadata.namespace).toBe('service-mesh');
    expect(gw.spec).toEqual({
      selector: { istio: 'ingressgateway' },
      servers: [{
        port: { number: 443, name: 'https', protocol: 'HTTPS' },
        tls: { mode: 'ISTIO_MUTUAL' },
        hosts: ['*.k1s0-system.svc.cluster.local', '*.k1s0-business.svc.cluster.local', '*.k1s0-service.svc.cluster.local'],
      }],
    });
  });

  test('props: name, selector, port', () => {
    const { app, chart } = meshChart();
    new MeshGateway(chart, 'gw', { name: 'internal', selector: { istio: 'eastwest' }, port: 8443, tierNamespaces: ['production'] });
    const gw = find(synth(app), 'Gateway', 'internal');
    expect(gw.metadata.namespace).toBe('production');
    expect(gw.spec.selector).toEqual({ istio: 'eastwest' });
    expect(gw.spec.servers[0].port.number).toBe(8443);
  });

  test('no tier namespace, or a bad one, fails synth', () => {
    const { app, chart } = meshChart();
    new MeshGateway(chart, 'gw', { tierNamespaces: [] });
    expect(synthError(app)).toMatch(/\[test\/gw\] servers\[0\]\.hosts: a server needs at least one host \[MESH507\]/);
    const b = meshChart();
    new MeshGateway(b.chart, 'gw', { tierNamespaces: ['Bad'] });
    expect(synthError(b.app)).toMatch(/\[test\/gw\] tierNamespaces\[0\]: 'Bad' is not a DNS-1123 label.*\[MESH001\]/);
  });
});
