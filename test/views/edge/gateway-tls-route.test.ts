import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiObject, JsonPatch, Size } from 'cdk8s';
import { EdgeGateway, GatewayServer, GatewayTls, MeshApp, MeshChart, MeshPlatform, MeshService, VolumeClaim, WorkloadVolume } from '../../../src';
import { FlowEvaluator } from '../../../src/validate';
import { main } from '../../../src/validate/cli';
import { find, meshChart, synth, synthError } from '../../util';

const PASSTHROUGH: GatewayServer = {
  port: { number: 8883, name: 'tls-mqtt', protocol: 'TLS' }, hosts: ['mqtt.example.com', 'mqtt-eu.example.com'], tls: GatewayTls.passthrough(),
};

/** An MQTT broker that terminates its devices' TLS itself (8883), with a dashboard on HTTP beside it. */
function broker(servers: GatewayServer[] = [PASSTHROUGH]) {
  const { app, chart } = meshChart();
  const emqx = new MeshService(chart, 'emqx', {
    image: 'emqx/emqx:5.8.4',
    ports: [{ port: 18083, protocol: 'http', name: 'http-dashboard' }, { port: 8883, protocol: 'tls', name: 'tls-mqtt' }],
    stateful: { volumeClaims: [VolumeClaim.of('data', { size: Size.gibibytes(1) })] },
    mounts: [{ volume: 'data', path: '/opt/emqx/data' }], podSecurity: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 },
  });
  const gateway = new EdgeGateway(chart, 'devices', { servers });
  return { app, chart, emqx, gateway };
}

describe('EdgeGateway.routeTls: a PASSTHROUGH server to a service that terminates the TLS', () => {
  test('a tls route by port and SNI, bound to the gateway only; the service admits the gateway pods on its TLS port', () => {
    const { app, emqx, gateway } = broker();
    gateway.routeTls(emqx);
    const manifests = synth(app);
    expect(find(manifests, 'VirtualService', 'devices-tls').spec).toEqual({
      hosts: ['mqtt.example.com', 'mqtt-eu.example.com'],
      gateways: ['devices'],
      tls: [{
        match: [{ port: 8883, sniHosts: ['mqtt.example.com', 'mqtt-eu.example.com'] }],
        route: [{ destination: { host: 'emqx', port: { number: 8883 } } }],
      }],
    });
    // NetworkPolicy: the platform's gateway pods, on the TLS port alone (not the dashboard's).
    const ingress = find(manifests, 'NetworkPolicy', 'emqx').spec.ingress;
    expect(ingress).toContainEqual({
      from: [{
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } },
        podSelector: { matchLabels: { app: 'istio-ingressgateway', istio: 'ingressgateway' } },
      }],
      ports: [{ port: 8883, protocol: 'TCP' }],
    });
    // AuthorizationPolicy: the gateway's principal on the TLS port alone; a TCP connection carries no method or path, and the
    // dashboard's HTTP route serves none of the gateway's connections (no MESH111 for its tier retries).
    expect(find(manifests, 'AuthorizationPolicy', 'emqx-policy').spec.rules).toContainEqual({
      from: [{ source: { principals: ['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'] } }],
      to: [{ operation: { ports: ['8883'] } }],
    });
    expect(app.warnings.filter((w) => /MESH111|MESH662/.test(w))).toEqual([]);
  });

  test('a client outside reaching the first name is an intended flow, verified at synth', () => {
    const { app, chart, emqx, gateway } = broker();
    gateway.routeTls(emqx, { hosts: ['mqtt-eu.example.com'] });
    expect(chart.intendedFlows().filter((f) => f.constructPath === 'test/devices/tls-route-emqx')).toEqual([expect.objectContaining({
      source: { external: true }, host: 'mqtt-eu.example.com', port: 8883, protocol: 'TLS', sni: 'mqtt-eu.example.com', expect: 'allow',
      reaches: { namespace: 'production', service: 'emqx' },
    })]);
    expect(() => synth(app)).not.toThrow();
  });

  test('the flow fails synth naming the route when the gateway does not take the connection to the service (MESH600)', () => {
    const { app, emqx, gateway } = broker();
    gateway.routeTls(emqx, { hosts: ['mqtt.example.com'] });
    // The VirtualService patched to another name: no route at the gateway takes mqtt.example.com's connections.
    ApiObject.of(gateway.node.findChild('TlsVirtualService')).addJsonPatch(
      JsonPatch.replace('/spec/hosts', ['other.example.com']), JsonPatch.replace('/spec/tls/0/match/0/sniHosts', ['other.example.com']));
    expect(synthError(app)).toMatch(
      /\[test\/devices\/tls-route-emqx\] .*a client reaches emqx through devices: TLS to mqtt\.example\.com:8883.*refused by Gateway production\/devices \(routing\).*\[MESH600\]/);
  });

  test("the tier's connection cap on the service, which the gateway applies to its clients' long-lived connections, is a warning (MESH675)", () => {
    const { app, emqx, gateway } = broker();
    gateway.routeTls(emqx);
    synth(app);
    expect(app.warnings.filter((w) => w.includes('MESH675'))).toEqual([expect.stringMatching(
      /^\[test\/devices\/tls-route-emqx\] .*service: each pod of devices holds at most 100 connections to emqx \(its tier's connectionPool\.tcp\.maxConnections, .*upstream_cx_overflow.*\[MESH675\]$/)]);
    // A service that sizes its own pool for its clients is not warned of.
    const { app: sized, chart } = meshChart();
    const big = new MeshService(chart, 'emqx', {
      image: 'emqx/emqx:5.8.4', ports: [{ port: 8883, protocol: 'tls', name: 'tls-mqtt' }], connectionPool: { tcp: { maxConnections: 100000 } },
      volumes: [WorkloadVolume.emptyDir('data')], mounts: [{ volume: 'data', path: '/opt/emqx/data' }],
    });
    new EdgeGateway(chart, 'devices', { servers: [PASSTHROUGH] }).routeTls(big);
    expect(find(synth(sized), 'DestinationRule', 'emqx').spec.trafficPolicy.connectionPool.tcp.maxConnections).toBe(100000);
    expect(sized.warnings.filter((w) => w.includes('MESH675'))).toEqual([]);
  });

  test('two servers passing through to one service: a tls route each, the gateway admitted once', () => {
    const { app, chart, emqx, gateway } = broker([PASSTHROUGH, { ...PASSTHROUGH, port: { number: 443, name: 'tls-443', protocol: 'TLS' }, hosts: ['mqtt-443.example.com'] }]);
    gateway.routeTls(emqx);
    gateway.routeTls(emqx, { gatewayPort: 443 });
    const out = synth(app);
    expect(find(out, 'VirtualService', 'devices-tls').spec.tls.map((r: any) => r.match)).toEqual([
      [{ port: 8883, sniHosts: ['mqtt.example.com', 'mqtt-eu.example.com'] }], [{ port: 443, sniHosts: ['mqtt-443.example.com'] }],
    ]);
    const gatewayRules = find(out, 'AuthorizationPolicy', 'emqx-policy').spec.rules
      .filter((r: any) => r.from[0].source.principals?.[0] === 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account');
    expect(gatewayRules).toEqual([{ from: gatewayRules[0].from, to: [{ operation: { ports: ['8883'] } }] }]);
    expect(chart.intendedFlows().filter((f) => f.constructPath.startsWith('test/devices/tls-route-emqx')).map((f) => `${f.host}:${f.port}`))
      .toEqual(['mqtt.example.com:8883', 'mqtt-443.example.com:443']);
  });

  test("an HTTP route of every host of the gateway beside a PASSTHROUGH server: the connection goes to the tls route's VirtualService", () => {
    // route() without hosts serves every host of the gateway's servers, the passed-through names too, in a VirtualService
    // without tls rules; istiod builds the PASSTHROUGH server's filter chains from the tls rules of every VirtualService bound
    // to the gateway for its hosts (istio/istio pilot/pkg/networking/core/gateway.go, buildGatewayNetworkFiltersFromTLSRoutes),
    // so the first one's having none takes nothing away: the flow used to stop there and fail synth (MESH600).
    const https: GatewayServer = { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['dashboard.example.com'], tls: GatewayTls.simple('dash-tls') };
    const { app, chart, emqx, gateway } = broker([https, { ...PASSTHROUGH, port: { number: 443, name: 'tls-mqtt', protocol: 'TLS' } }]);
    gateway.route(emqx, { port: 18083 });
    gateway.routeTls(emqx);
    const out = synth(app);
    expect(find(out, 'VirtualService', 'devices').spec.hosts).toEqual(['dashboard.example.com', 'mqtt.example.com', 'mqtt-eu.example.com']);
    const evaluator = new FlowEvaluator(out, { platform: chart.platform.workloads(chart.namespace), trustDomain: chart.platform.trustDomain });
    expect(evaluator.evaluate({ source: { external: true }, host: 'mqtt.example.com', port: 443, protocol: 'TLS' }).allowed).toBe(true);
    // A name no VirtualService's tls rule takes is refused, naming them all.
    const other = evaluator.evaluate({ source: { external: true }, host: 'mqtt.example.com', port: 443, protocol: 'TLS', sni: 'mqtt-x.example.com' });
    expect(other.allowed).toBe(false);
    expect(other.reason).toMatch(/no tls rule of VirtualServices production\/devices, production\/devices-tls matches SNI mqtt-x\.example\.com/);
  });

  test('a gateway without a PASSTHROUGH server, a name the server does not serve, a service without a TLS port fail synth', () => {
    const terminating: GatewayServer = { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['mqtt.example.com'], tls: GatewayTls.simple('mqtt-tls') };
    const a = broker([terminating]);
    a.gateway.routeTls(a.emqx);
    expect(synthError(a.app)).toMatch(/\[test\/devices\/tls-route-emqx\] gatewayPort: test\/devices has no TLS server in PASSTHROUGH mode \(GatewayTls\.passthrough\(\)\).*\[MESH505\]/);

    const b = broker();
    b.gateway.routeTls(b.emqx, { gatewayPort: 8884 });
    expect(synthError(b.app)).toMatch(/gatewayPort: test\/devices has no TLS server in PASSTHROUGH mode on port 8884.*\[MESH505\]/);

    const c = broker();
    c.gateway.routeTls(c.emqx, { hosts: ['mqtt.example.org'] });
    expect(synthError(c.app)).toMatch(/hosts: 'mqtt\.example\.org' is not a host of the server on port 8883 \(\[mqtt\.example\.com, mqtt-eu\.example\.com\]\) \[MESH507\]/);

    const d = broker();
    d.gateway.routeTls(d.emqx, { port: 18083 });
    expect(synthError(d.app)).toMatch(/port: 18083 is not a tls or https port of test\/emqx: the gateway passes the client's TLS through unread.*\[MESH030\]/);
  });

  test("the platform's gateway Service states its other ports (otherPorts): no MESH117 for the server on 8883, at synth and over the output", () => {
    const run = (platform: MeshPlatform | undefined) => {
      const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-ports-'));
      try {
        const app = new MeshApp({ outdir, platform });
        const chart = new MeshChart(app, 'production', { namespace: 'iot' });
        const emqx = new MeshService(chart, 'emqx', {
          image: 'emqx/emqx:5.8.4', ports: [{ port: 8883, protocol: 'tls', name: 'tls-mqtt' }], connectionPool: { tcp: { maxConnections: 50000 } },
          volumes: [WorkloadVolume.emptyDir('data')], mounts: [{ volume: 'data', path: '/opt/emqx/data' }],
        });
        new EdgeGateway(chart, 'devices', { servers: [PASSTHROUGH] }).routeTls(emqx);
        app.synth();
        let out = '';
        main(['production'], { stdout: (t) => { out += t; }, stderr: () => undefined, cwd: outdir });
        return { synth: app.warnings.filter((w) => w.includes('MESH117')).length, cli: out.split('\n').filter((l) => l.includes('MESH117')).length };
      } finally {
        fs.rmSync(outdir, { recursive: true, force: true });
      }
    };
    // istioctl's gateway Service exposes 80 and 443 alone (to 8080 and 8443): a server on 8883 receives nothing.
    expect(run(undefined)).toEqual({ synth: 1, cli: 1 });
    // The platform states the port its Service adds; the Namespace records it, and the command over the output assumes it too.
    expect(run(MeshPlatform.of({ ingressGateway: { otherPorts: [8883] } }))).toEqual({ synth: 0, cli: 0 });
  });
});
