// MESH196: a Gateway server no VirtualService bound to its Gateway routes (istio/istio pilot/pkg/networking/core/gateway.go).
import { Size } from 'cdk8s';
import { EdgeGateway, GatewayTls, MeshService, VolumeClaim } from '../../src';
import { analyze } from '../../src/validate/analysis';
import { meshChart, synth } from '../util';

const gateway = (servers: Record<string, any>[]) => ({
  apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'edge', namespace: 'shop' },
  spec: { selector: { istio: 'ingressgateway' }, servers },
});
const vs = (name: string, spec: Record<string, any>, namespace = 'shop') => ({
  apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name, namespace }, spec,
});
const unrouted = (manifests: Record<string, any>[]) => analyze(manifests).filter((f) => f.code === 'MESH196')
  .map((f) => `${f.severity} ${f.field}: ${f.message}`);

const HTTPS = { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['shop.example.com'], tls: { mode: 'SIMPLE', credentialName: 'shop' } };
const REDIRECT = { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['shop.example.com'], tls: { httpsRedirect: true } };
const MQTT = { port: { number: 8883, name: 'tls-mqtt', protocol: 'TLS' }, hosts: ['mqtt.example.com'], tls: { mode: 'PASSTHROUGH' } };
const TCP = { port: { number: 5432, name: 'tcp-db', protocol: 'TCP' }, hosts: ['db.example.com'] };

describe('MESH196 over manifests', () => {
  test('each server without a VirtualService of its kind for its hosts is a warning; a redirect routes nothing of its own', () => {
    expect(unrouted([gateway([REDIRECT, HTTPS, MQTT, TCP])])).toEqual([
      'warning spec.servers[1]: no VirtualService bound to Gateway shop/edge has http routes for shop.example.com (HTTPS on 443): istiod writes '
        + 'no route for the server, and its clients get 404',
      'warning spec.servers[2]: no VirtualService bound to Gateway shop/edge has tls routes for mqtt.example.com (TLS on 8883): istiod writes '
        + "no route for the server, and it gets no filter chain, so its clients' connections are closed",
      'warning spec.servers[3]: no VirtualService bound to Gateway shop/edge has tcp routes for db.example.com (TCP on 5432): istiod writes '
        + "no route for the server, and it gets no filter chain, so its clients' connections are closed",
    ]);
  });

  test('a VirtualService bound to the Gateway (by name, or namespace/name from another namespace) with rules of the kind routes it', () => {
    const http = vs('web', { hosts: ['shop.example.com'], gateways: ['edge'], http: [{ route: [{ destination: { host: 'web' } }] }] });
    const tls = vs('mqtt', {
      hosts: ['*.example.com'], gateways: ['shop/edge'],
      tls: [{ match: [{ port: 8883, sniHosts: ['mqtt.example.com'] }], route: [{ destination: { host: 'emqx.iot.svc.cluster.local' } }] }],
    }, 'iot');
    const tcp = vs('db', { hosts: ['db.example.com'], gateways: ['edge'], tcp: [{ route: [{ destination: { host: 'db' } }] }] });
    expect(unrouted([gateway([REDIRECT, HTTPS, MQTT, TCP]), http, tls, tcp])).toEqual([]);
    // An http VirtualService does not route the passthrough server; one bound to another Gateway, or for other hosts, routes none.
    const wrongKind = vs('mqtt', { hosts: ['mqtt.example.com'], gateways: ['edge'], http: [{ route: [{ destination: { host: 'emqx' } }] }] });
    const otherGateway = vs('web', { hosts: ['shop.example.com'], gateways: ['other'], http: [{ route: [{ destination: { host: 'web' } }] }] });
    const otherHost = vs('db', { hosts: ['db.example.org'], gateways: ['edge'], tcp: [{ route: [{ destination: { host: 'db' } }] }] });
    expect(unrouted([gateway([HTTPS, MQTT, TCP]), wrongKind, otherGateway, otherHost]).map((f) => f.slice(0, 'warning spec.servers[0]'.length)))
      .toEqual(['warning spec.servers[0]', 'warning spec.servers[1]', 'warning spec.servers[2]']);
  });

  test('at synth: an EdgeGateway whose PASSTHROUGH server nothing routes is warned of; routeTls routes it', () => {
    const build = (routed: boolean) => {
      const { app, chart } = meshChart();
      const emqx = new MeshService(chart, 'emqx', {
        image: 'emqx/emqx:5.8.4', ports: [{ port: 8883, protocol: 'tls', name: 'tls-mqtt' }], connectionPool: { tcp: { maxConnections: 50000 } },
        stateful: { volumeClaims: [VolumeClaim.of('data', { size: Size.gibibytes(1) })] }, mounts: [{ volume: 'data', path: '/opt/emqx/data' }],
      });
      const gw = new EdgeGateway(chart, 'devices', {
        servers: [{ port: { number: 443, name: 'tls-mqtt', protocol: 'TLS' }, hosts: ['mqtt.example.com'], tls: GatewayTls.passthrough() }],
      });
      if (routed) gw.routeTls(emqx);
      synth(app);
      return app.warnings.filter((w) => w.includes('MESH196'));
    };
    expect(build(false)).toEqual([expect.stringMatching(/^\[test\/devices\/Resource\] test\/Gateway\/devices: spec\.servers\[0\]: no VirtualService .*tls routes for mqtt\.example\.com.*\[MESH196\]$/)]);
    expect(build(true)).toEqual([]);
  });
});
