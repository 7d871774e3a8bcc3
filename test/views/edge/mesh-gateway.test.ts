import { Duration } from 'cdk8s';
import { MeshGateway, MeshService } from '../../../src';
import { find, meshChart, synth, synthError } from '../../util';

/** A mesh gateway deployment of its own (the istio/gateway chart installed as `mesh-gateway`). */
const PODS = { namespace: 'service-mesh', serviceAccount: 'mesh-gateway', labels: { istio: 'mesh-gateway' } };

describe('MeshGateway', () => {
  test("seed 003's k1s0-mesh-gateway on its own pods, field by field", () => {
    const { app, chart } = meshChart();
    new MeshGateway(chart, 'k1s0-mesh-gateway', { namespace: 'service-mesh', pods: PODS, tierNamespaces: ['k1s0-system', 'k1s0-business', 'k1s0-service'] });
    const gw = find(synth(app), 'Gateway', 'k1s0-mesh-gateway');
    expect(gw).toMatchSnapshot();
    expect(gw.apiVersion).toBe('networking.istio.io/v1');
    expect(gw.metadata.namespace).toBe('service-mesh');
    expect(gw.spec).toEqual({
      selector: { istio: 'mesh-gateway' },
      servers: [{
        port: { number: 443, name: 'https', protocol: 'HTTPS' },
        tls: { mode: 'ISTIO_MUTUAL' },
        hosts: ['*.k1s0-system.svc.cluster.local', '*.k1s0-business.svc.cluster.local', '*.k1s0-service.svc.cluster.local'],
      }],
    });
  });

  test('props: name, port', () => {
    const { app, chart } = meshChart();
    new MeshGateway(chart, 'gw', { name: 'internal', pods: PODS, port: 8443, tierNamespaces: ['production'] });
    const gw = find(synth(app), 'Gateway', 'internal');
    expect(gw.metadata.namespace).toBe('production');
    expect(gw.spec.selector).toEqual({ istio: 'mesh-gateway' });
    expect(gw.spec.servers[0].port.number).toBe(8443);
  });

  test("seed 003's selector, the public ingress gateway's pods, fails synth (MESH513), as does no selector at all", () => {
    // The review: an ISTIO_MUTUAL server on the public pods routes nothing any mesh client calls.
    for (const labels of [{ istio: 'ingressgateway' }, { app: 'istio-ingressgateway', istio: 'ingressgateway' }] as Record<string, string>[]) {
      const { app, chart } = meshChart();
      new MeshGateway(chart, 'gw', { pods: { ...PODS, namespace: 'istio-system', labels }, tierNamespaces: ['k1s0-system'] });
      expect(synthError(app)).toMatch(/\[test\/gw\] pods\.labels: .* select the public ingress gateway's pods \(istio-system, .*\[MESH513\]/);
    }
    const b = meshChart();
    new MeshGateway(b.chart, 'gw', { pods: { ...PODS, labels: {} }, tierNamespaces: ['k1s0-system'] });
    expect(synthError(b.app)).toMatch(/\[test\/gw\] pods\.labels: a Gateway without a selector .*\[MESH513\]/);
  });

  test('a label shared with the public pods is fine when another one is not', () => {
    const { app, chart } = meshChart();
    new MeshGateway(chart, 'gw', { pods: { ...PODS, labels: { 'istio': 'ingressgateway', 'example.com/role': 'mesh' } }, tierNamespaces: ['production'] });
    expect(find(synth(app), 'Gateway', 'gw').spec.selector).toEqual({ 'istio': 'ingressgateway', 'example.com/role': 'mesh' });
  });

  test("a service bound to it admits the mesh gateway's own pods and principal, not the public gateway's", () => {
    const { app, chart } = meshChart();
    const gw = new MeshGateway(chart, 'gw', { pods: PODS, tierNamespaces: ['production'] });
    const svc = new MeshService(chart, 'order-service', { image: 'img' });
    const route = gw.route(svc, { hosts: ['orders.example.internal'] });
    const out = synth(app);
    expect(find(out, 'VirtualService', 'order-service').spec.gateways).toEqual(['mesh', 'production/gw']);
    expect(find(out, 'VirtualService', 'order-service').spec.hosts).toEqual(['order-service', 'orders.example.internal']);
    expect(out.filter((m) => m.kind === 'VirtualService')).toHaveLength(1);
    expect([route.paths, route.hosts]).toEqual([undefined, ['orders.example.internal']]);
    const principals = find(out, 'AuthorizationPolicy', 'order-service-policy').spec.rules.flatMap((r: any) => r.from?.[0].source.principals ?? []);
    expect(principals).toEqual(['cluster.local/ns/service-mesh/sa/mesh-gateway']);
    const peers = find(out, 'NetworkPolicy', 'order-service').spec.ingress.flatMap((r: any) => r.from ?? []);
    expect(peers).toContainEqual({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'service-mesh' } },
      podSelector: { matchLabels: { istio: 'mesh-gateway' } },
    });
  });

  test('a service routed through two mesh gateways still has one VirtualService, bound to both', () => {
    const { app, chart } = meshChart();
    const api = new MeshService(chart, 'api-gateway', { image: 'api:1' });
    const a = new MeshGateway(chart, 'a', { pods: PODS, tierNamespaces: ['production'] });
    const b = new MeshGateway(chart, 'b', { namespace: 'edge', pods: { ...PODS, labels: { istio: 'mesh-gateway-b' } }, tierNamespaces: ['production'] });
    b.route(api, { hosts: ['b.example.internal'] });
    a.route(api, { hosts: ['a.example.internal'] });
    const vs = find(synth(app), 'VirtualService', 'api-gateway');
    expect(vs.spec.gateways).toEqual(['mesh', 'edge/b', 'production/a']);
    expect(vs.spec.hosts).toEqual(['api-gateway', 'a.example.internal', 'b.example.internal']);
  });

  test("the options that shape a route are the service's own on a mesh gateway: each fails synth naming it (MESH630)", () => {
    const { app, chart } = meshChart();
    const gw = new MeshGateway(chart, 'gw', { pods: PODS, tierNamespaces: ['production'] });
    const svc = new MeshService(chart, 'order-service', { image: 'img' });
    gw.route(svc, { pathPrefix: '/', hosts: [] });
    gw.route(svc, { pathPrefix: '/api/', port: 8080, subset: 'v1', timeout: Duration.seconds(1), virtualServiceName: 'x' });
    const err = synthError(app);
    for (const field of ['pathPrefix', 'port', 'subset', 'timeout', 'virtualServiceName']) {
      expect(err).toMatch(new RegExp(`\\[test/gw/route-order-service-2\\] ${field}: a MeshGateway serves the service's own VirtualService.*\\[MESH630\\]`));
    }
    expect(err).not.toMatch(/\[test\/gw\/route-order-service\]/);
  });

  test('bad names fail synth', () => {
    const { app, chart } = meshChart();
    new MeshGateway(chart, 'gw', { pods: PODS, tierNamespaces: [] });
    expect(synthError(app)).toMatch(/\[test\/gw\] servers\[0\]\.hosts: a server needs at least one host \[MESH507\]/);
    const b = meshChart();
    new MeshGateway(b.chart, 'gw', { pods: PODS, tierNamespaces: ['Bad'] });
    expect(synthError(b.app)).toMatch(/\[test\/gw\] tierNamespaces\[0\]: 'Bad' is not a DNS-1123 label.*\[MESH001\]/);
    const c = meshChart();
    new MeshGateway(c.chart, 'gw', { pods: { namespace: 'Mesh', serviceAccount: 'x_y', labels: { 'bad key!': 'v' } }, tierNamespaces: ['production'] });
    const e = synthError(c.app);
    expect(e).toMatch(/pods\.namespace: 'Mesh' is not a DNS-1123 label.*\[MESH001\]/);
    expect(e).toMatch(/pods\.serviceAccount: 'x_y' is not a DNS-1123 subdomain \[MESH001\]/);
    expect(e).toMatch(/pods\.labels: 'bad key!: v' is not a Kubernetes label \[MESH001\]/);
  });
});
