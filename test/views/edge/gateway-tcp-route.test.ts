import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiObject, JsonPatch, Size } from 'cdk8s';
import { EdgeGateway, GatewayServer, GatewayTls, MeshApp, MeshChart, MeshPlatform, MeshService, VolumeClaim } from '../../../src';
import { main } from '../../../src/validate/cli';
import { find, meshChart, synth, synthError } from '../../util';

/** MQTT over TLS from devices, the TLS terminated at the gateway with the public certificate. */
const TERMINATED: GatewayServer = {
  port: { number: 8883, name: 'tls-mqtt', protocol: 'TLS' }, hosts: ['mqtt.example.com'], tls: GatewayTls.simple('mqtt-tls'),
};
const HTTPS: GatewayServer = { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['www.example.com'], tls: GatewayTls.simple('www-tls') };

/** eclipse-mosquitto on plain MQTT (1883, its no-auth configuration's listener) behind the gateway, its pool sized for the devices. */
function broker(servers: GatewayServer[] = [TERMINATED, HTTPS]) {
  const { app, chart } = meshChart();
  const mosquitto = new MeshService(chart, 'mosquitto', {
    image: 'eclipse-mosquitto:2.0.20',
    ports: [{ port: 1883, protocol: 'tcp', name: 'tcp-mqtt' }, { port: 8080, protocol: 'http', name: 'http-admin' }],
    stateful: { volumeClaims: [VolumeClaim.of('data', { size: Size.gibibytes(1) })] },
    mounts: [{ volume: 'data', path: '/mosquitto/data' }], podSecurity: { runAsUser: 1883, runAsGroup: 1883, fsGroup: 1883 },
    args: ['mosquitto', '-c', '/mosquitto-no-auth.conf'],
    connectionPool: { tcp: { maxConnections: 100000 } },
  });
  const gateway = new EdgeGateway(chart, 'devices', { servers });
  return { app, chart, mosquitto, gateway };
}

describe('EdgeGateway.routeTcp: the connections of a server that terminates TLS, or a TCP server, to a TCP port', () => {
  test('a tcp route by the server port in a VirtualService of its own, bound to the gateway; the service admits the gateway on its TCP port', () => {
    const { app, mosquitto, gateway } = broker();
    gateway.routeTcp(mosquitto);
    const manifests = synth(app);
    expect(find(manifests, 'VirtualService', 'devices-mosquitto-tcp').spec).toEqual({
      hosts: ['mqtt.example.com'],
      gateways: ['devices'],
      tcp: [{ match: [{ port: 8883 }], route: [{ destination: { host: 'mosquitto', port: { number: 1883 } } }] }],
    });
    expect(find(manifests, 'NetworkPolicy', 'mosquitto').spec.ingress).toContainEqual({
      from: [{
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } },
        podSelector: { matchLabels: { app: 'istio-ingressgateway', istio: 'ingressgateway' } },
      }],
      ports: [{ port: 1883, protocol: 'TCP' }],
    });
    expect(find(manifests, 'AuthorizationPolicy', 'mosquitto-policy').spec.rules).toContainEqual({
      from: [{ source: { principals: ['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'] } }],
      to: [{ operation: { ports: ['1883'] } }],
    });
    // The TLS server is routed (no MESH196 for it over the output); the HTTPS server beside it, which nothing routes here, is.
    expect(app.warnings.filter((w) => w.includes('MESH196')).map((w) => /spec\.servers\[(\d)\]/.exec(w)?.[1])).toEqual(['1']);
  });

  test('a client outside connecting to the server is an intended flow, verified at synth through the terminated TLS', () => {
    const { app, chart, mosquitto, gateway } = broker();
    gateway.routeTcp(mosquitto, { gatewayPort: 8883, port: 1883 });
    expect(chart.intendedFlows().filter((f) => f.constructPath === 'test/devices/tcp-route-mosquitto')).toEqual([expect.objectContaining({
      source: { external: true }, host: 'mqtt.example.com', port: 8883, protocol: 'TLS', sni: 'mqtt.example.com', expect: 'allow',
      reaches: { namespace: 'production', service: 'mosquitto' },
    })]);
    expect(() => synth(app)).not.toThrow();
  });

  test('a plain TCP server is routed the same way, its flow a TCP connection', () => {
    const tcp: GatewayServer = { port: { number: 1883, name: 'tcp-mqtt', protocol: 'TCP' }, hosts: ['mqtt-plain.example.com'] };
    const { app, chart, mosquitto, gateway } = broker([tcp]);
    gateway.routeTcp(mosquitto);
    expect(find(synth(app), 'VirtualService', 'devices-mosquitto-tcp').spec.tcp).toEqual([
      { match: [{ port: 1883 }], route: [{ destination: { host: 'mosquitto', port: { number: 1883 } } }] },
    ]);
    expect(chart.intendedFlows().find((f) => f.constructPath === 'test/devices/tcp-route-mosquitto')).toEqual(expect.objectContaining({
      host: 'mqtt-plain.example.com', port: 1883, protocol: 'TCP',
    }));
  });

  test('the flow fails synth naming the route when no tcp route of the gateway takes the connections (MESH600)', () => {
    const { app, mosquitto, gateway } = broker();
    gateway.routeTcp(mosquitto);
    // A `tls` rule by SNI in place of the tcp route: istiod routes a server that terminates TLS by `tcp` rules alone.
    ApiObject.of(gateway.node.findChild('tcp-route-mosquitto').node.findChild('VirtualService')).addJsonPatch(
      JsonPatch.remove('/spec/tcp'),
      JsonPatch.add('/spec/tls', [{
        match: [{ port: 8883, sniHosts: ['mqtt.example.com'] }], route: [{ destination: { host: 'mosquitto', port: { number: 1883 } } }],
      }]));
    expect(synthError(app)).toMatch(
      /\[test\/devices\/tcp-route-mosquitto\] .*a client reaches mosquitto through devices: TLS to mqtt\.example\.com:8883, terminated at the gateway.*refused .*\[MESH600\]/);
  });

  test('a gateway without such a server, a server routed twice, a service without a TCP port fail synth', () => {
    const passthrough: GatewayServer = { ...TERMINATED, tls: GatewayTls.passthrough() };
    const a = broker([passthrough, HTTPS]);
    a.gateway.routeTcp(a.mosquitto);
    expect(synthError(a.app)).toMatch(
      /\[test\/devices\/tcp-route-mosquitto\] gatewayPort: test\/devices has no TCP server, nor a TLS server that terminates TLS .*routeTls\(\) routes a PASSTHROUGH server.*\[MESH505\]/);

    const b = broker();
    b.gateway.routeTcp(b.mosquitto, { gatewayPort: 443 });
    expect(synthError(b.app)).toMatch(/gatewayPort: test\/devices has no TCP server, nor a TLS server that terminates TLS, on port 443 .*\[MESH505\]/);

    const c = broker();
    const other = new MeshService(c.chart, 'other-broker', { image: 'registry.example.com/broker:1.0.0', ports: [{ port: 1883, protocol: 'tcp' }] });
    c.gateway.routeTcp(c.mosquitto);
    c.gateway.routeTcp(other);
    expect(synthError(c.app)).toMatch(
      /\[test\/devices\/tcp-route-other-broker\] gatewayPort: the server on port 8883 \(\[mqtt\.example\.com\]\) is routed to test\/mosquitto already \(test\/devices\/tcp-route-mosquitto\).*\[MESH517\]/);

    const d = broker();
    d.gateway.routeTcp(d.mosquitto, { port: 8080 });
    expect(synthError(d.app)).toMatch(/\[test\/devices\/tcp-route-mosquitto\] port: 8080 is not a TCP port of test\/mosquitto \(tcp, mongo, mysql, redis\).*\[MESH030\]/);
  });

  test("routeTls on a server that terminates TLS names routeTcp, and the tier's connection cap is MESH675 here too", () => {
    const a = broker();
    a.gateway.routeTls(a.mosquitto);
    expect(synthError(a.app)).toMatch(/gatewayPort: test\/devices has no TLS server in PASSTHROUGH mode .*routeTcp\(\).*\[MESH505\]/);

    const { app, chart } = meshChart();
    const capped = new MeshService(chart, 'broker', { image: 'registry.example.com/broker:1.0.0', ports: [{ port: 1883, protocol: 'tcp' }] });
    new EdgeGateway(chart, 'devices', { servers: [TERMINATED] }).routeTcp(capped);
    synth(app);
    expect(app.warnings.filter((w) => w.includes('MESH675'))).toEqual([expect.stringMatching(
      /^\[test\/devices\/tcp-route-broker\] .*each pod of devices holds at most 100 connections to broker .*a connection the gateway forwards lasts.*\[MESH675\]$/)]);
  });

  test("`cdk8s-mesh-validate --flows` lists a TLS server's name as a connection, not GET /; unrouted, it is closed, not answered 404", () => {
    const run = (routed: boolean) => {
      const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-tcp-'));
      try {
        const app = new MeshApp({ outdir, platform: MeshPlatform.of({ ingressGateway: { otherPorts: [8883] } }) });
        const chart = new MeshChart(app, 'production', { namespace: 'iot' });
        const mosquitto = new MeshService(chart, 'mosquitto', {
          image: 'eclipse-mosquitto:2.0.20', ports: [{ port: 1883, protocol: 'tcp', name: 'tcp-mqtt' }],
          args: ['mosquitto', '-c', '/mosquitto-no-auth.conf'], connectionPool: { tcp: { maxConnections: 100000 } },
        });
        const gateway = new EdgeGateway(chart, 'devices', { servers: [TERMINATED] });
        if (routed) gateway.routeTcp(mosquitto);
        app.synth();
        let out = '';
        main(['--flows', 'production'], { stdout: (t) => { out += t; }, stderr: () => undefined, cwd: outdir });
        return out.split('\n').filter((l) => l.includes('external ->'));
      } finally {
        fs.rmSync(outdir, { recursive: true, force: true });
      }
    };
    expect(run(true)).toEqual([expect.stringMatching(/^ALLOWED external -> mqtt\.example\.com:8883 tls by AuthorizationPolicy iot\/mosquitto-policy/)]);
    expect(run(false)).toEqual([
      'REFUSED external -> mqtt.example.com:8883 tls by Gateway iot/devices (routing): no VirtualService for mqtt.example.com is bound to '
        + 'Gateway iot/devices (no filter chain: the connection is closed)',
    ]);
  });
});

describe('two environments routing TCP through the shared gateway (MESH541)', () => {
  // A plain TCP connection carries no host, and istiod merges a port's plaintext servers only when both are HTTP
  // (pilot/pkg/model/gateway.go, canMergeProtocols): the later environment's server is rejected and its players reach nothing.
  const environments = (ports: [number, number]) => {
    const platform = MeshPlatform.of({ ingressGateway: { otherPorts: [...new Set(ports)] } });
    const app = new MeshApp({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'tcp-envs-')), platform });
    for (const [i, [env, host]] of [['game-dev', 'dev.play.example.com'], ['game', 'play.example.com']].entries()) {
      const chart = new MeshChart(app, env, { namespace: env });
      const server = new MeshService(chart, 'gameserver', {
        image: 'registry.example.com/gameserver:7.0.1', ports: [{ port: 7777, protocol: 'tcp', name: 'tcp-game' }],
        connectionPool: { tcp: { maxConnections: 20000 } },
      });
      new EdgeGateway(chart, 'game-tcp', { servers: [{ port: { number: ports[i], name: 'tcp-game', protocol: 'TCP' }, hosts: [host] }] })
        .routeTcp(server);
    }
    return app;
  };

  test('one port with hosts of their own fails synth, naming both Gateways; a port each synthesizes', () => {
    expect(synthError(environments([7777, 7777]))).toMatch(
      /\[game\/game-tcp\/Resource\] game\/Gateway\/game-tcp: spec\.servers\[0\]\.port: plaintext servers on one port of the same gateway pods that istiod cannot merge .*\[MESH541\] \(with \[game-dev\/game-tcp\/Resource\]\)/);
    expect(() => synth(environments([7787, 7777]))).not.toThrow();
  });
});
