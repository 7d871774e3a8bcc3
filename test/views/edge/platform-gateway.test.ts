/**
 * A Gateway the platform team owns (MeshPlatformProps.gateways, EdgeGateway.fromPlatform): routes bind to it from each
 * environment's namespace; the library writes no Gateway; the checks and the flows assume it, at synth and over dist/.
 * Istio: a VirtualService names a Gateway of another namespace as `<namespace>/<name>`
 * (https://istio.io/latest/docs/reference/config/networking/virtual-service/#VirtualService, gateways), and istiod merges the
 * routes of VirtualServices bound to one Gateway for one host (pilot/pkg/networking/core/gateway.go, buildGatewayRoutes).
 */
import { Testing } from 'cdk8s';
import {
  Codes, EdgeGateway, GatewayTls, IngressGatewayInstall, MeshApp, MeshChart, MeshPlatform, MeshPlatformProps, MeshService, StringMatch,
} from '../../../src';
import { evaluateFlow, platformFlowOptions, validateCli, validateManifests } from '../../../src/validate';
import { synthError } from '../../util';

const GATEWAYS: MeshPlatformProps['gateways'] = [{
  name: 'public',
  servers: [
    { port: 80, protocol: 'HTTP', hosts: ['*.example.com'], httpsRedirect: true },
    { port: 443, protocol: 'HTTPS', hosts: ['*.example.com'], credentialName: 'wildcard-example-com' },
  ],
}];

function platform(gateways = GATEWAYS): MeshPlatform {
  return MeshPlatform.of({ ingressGateway: IngressGatewayInstall.helmChart({ release: 'istio-ingress', namespace: 'istio-ingress' }), gateways });
}

/** One environment per entry, each routing its web service through the platform's Gateway on its host (undefined: the Gateway's). */
function shop(envs: Record<string, string | undefined>, p = platform()): MeshApp {
  const app = new MeshApp({ outdir: Testing.app().outdir, platform: p });
  for (const [env, host] of Object.entries(envs)) {
    const chart = new MeshChart(app, env, { namespace: env });
    const web = new MeshService(chart, 'web', { image: 'registry.example.com/web:1.0.0' });
    EdgeGateway.fromPlatform(chart, 'public', 'public').route(web, { hosts: host ? [host] : undefined, subset: 'stable' });
  }
  return app;
}

const manifestsOf = (app: MeshApp) => app.manifests().map((f) => f.manifest);

describe('EdgeGateway.fromPlatform', () => {
  test("writes the route's VirtualService in the chart's namespace, bound to the platform's Gateway, and no Gateway (snapshot)", () => {
    const ms = manifestsOf(shop({ shop: 'shop.example.com' }));
    expect(ms.filter((m) => m.kind === 'Gateway')).toEqual([]);
    const vs = ms.find((m) => m.kind === 'VirtualService' && m.metadata.name === 'public');
    expect(vs).toMatchSnapshot();
    expect(vs?.metadata.namespace).toBe('shop');
    expect(vs?.spec.gateways).toEqual(['istio-ingress/public']);
    expect(vs?.spec.hosts).toEqual(['shop.example.com']);
  });

  test("the route's flow is the HTTPS server's (the HTTP server redirects) and holds: the gateway pods reach the service", () => {
    const app = shop({ shop: 'shop.example.com' });
    const chart = app.node.findChild('shop') as MeshChart;
    expect(chart.intendedFlows().filter((f) => f.constructPath === 'shop/public/route-web')).toEqual([expect.objectContaining({
      source: { external: true }, host: 'shop.example.com', port: 443, protocol: 'HTTPS', method: 'GET', path: '/', expect: 'allow',
    })]);
    const ms = manifestsOf(app);
    const options = platformFlowOptions(chart.platform, 'shop');
    const flow = { source: { external: true as const }, host: 'shop.example.com', port: 443, protocol: 'HTTPS' as const, method: 'GET' as const, path: '/' };
    const verdict = evaluateFlow(ms, flow, options);
    expect(verdict.allowed).toBe(true);
    expect(verdict.hops.join(' | ')).toMatch(/Gateway istio-ingress\/public.*→ shop\/web:8080/);
    // Without the platform's Gateway, no server listens for the host.
    expect(evaluateFlow(ms, flow, { ...options, gateways: [] }).allowed).toBe(false);
  });

  test('a name the platform does not describe fails synth, naming the construct and the Gateways it has (MESH085)', () => {
    const app = new MeshApp({ outdir: Testing.app().outdir, platform: platform() });
    const chart = new MeshChart(app, 'shop', { namespace: 'shop' });
    EdgeGateway.fromPlatform(chart, 'gw', 'private').route(new MeshService(chart, 'web', { image: 'registry.example.com/web:1' }));
    expect(synthError(app)).toMatch(/\[shop\/gw\] name: 'istio-ingress\/private' is not a Gateway of the platform \(the platform's: istio-ingress\/public\) \[MESH085\]/);
  });

  test('two environments routing one host through it fail synth once, naming both (MESH144); a host each passes', () => {
    const err = synthError(shop({ staging: undefined, shop: undefined }));
    const lines = err.split('\n').filter((l) => l.includes(`[${Codes.GATEWAY_ROUTES_MERGED}]`));
    expect(lines).toEqual([expect.stringMatching(
      /\[staging\/public\/route-web\/Resource\] staging\/VirtualService\/public: spec\.hosts: routes \*\.example\.com through Gateway istio-ingress\/public as VirtualService shop\/public does: .*shop\/public's spec\.http\[0\] takes every request this one's spec\.http\[0\] would.*\(with \[shop\/public\/route-web\/Resource\]\)/,
    )]);
    expect(() => manifestsOf(shop({ staging: 'staging.shop.example.com', shop: 'shop.example.com' }))).not.toThrow();
  });

  test.each(['shop', 'edge'])("a Gateway of the app's own on the same pods, port and host conflicts with it, reported on the app's whatever the "
    + 'names (MESH120): namespace %s', (ns) => {
    const app = shop({ [ns]: `${ns}.example.com` });
    const chart = app.node.findChild(ns) as MeshChart;
    new EdgeGateway(chart, 'mine', {
      servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['*.example.com'], tls: GatewayTls.simple('mine') }],
    });
    const lines = synthError(app).split('\n').filter((l) => l.includes('[MESH120]'));
    expect(lines).toEqual([expect.stringMatching(new RegExp(`^ +\\[${ns}/mine/Resource\\] ${ns}/Gateway/mine: .*conflicts with Gateway istio-ingress/public `))]);
  });

  test('a host the Gateway does not serve is reported on the route (MESH124)', () => {
    const app = shop({ shop: 'shop.other.org' });
    manifestsOf(app);
    expect(app.warnings.filter((w) => w.includes(`[${Codes.HOST_NOT_IN_GATEWAY}]`))).toEqual([
      expect.stringMatching(/\[shop\/public\/route-web\/Resource\] .*none of the hosts shop\.other\.org is served by Gateway istio-ingress\/public/),
    ]);
  });

  test('cdk8s-mesh-validate over the written files assumes the Gateway the Namespaces record: clean, and the flow through it holds', () => {
    const app = shop({ staging: 'staging.shop.example.com', shop: 'shop.example.com' });
    app.synth();
    let out = '';
    const io = { stdout: (t: string) => { out += t; }, stderr: (t: string) => { out += t; }, cwd: process.cwd() };
    expect(validateCli([app.outdir], io)).toBe(0);
    expect(out).toMatch(/resources checked \(platform as recorded on 2 Namespaces\): 0 errors, 0 warnings/);
    out = '';
    expect(validateCli(['--flow', 'external -> staging.shop.example.com:443 https GET /', app.outdir], io)).toBe(0);
    expect(out).toMatch(/^ALLOWED external -> staging\.shop\.example\.com:443 .*\n {2}via external → istio-ingress\/istio-ingress \(Gateway istio-ingress\/public\)/);
  });

  test('the analysis reports nothing on the platform\'s Gateway alone (its Secret is the platform team\'s)', () => {
    const ms = manifestsOf(shop({ shop: 'shop.example.com' }));
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app-secret', namespace: 'shop' }, type: 'Opaque', data: {} };
    const { platformIngressGateway } = require('../../../src/validate/analysis') as typeof import('../../../src/validate/analysis');
    const findings = validateManifests([...ms, secret], { ingressGateway: platformIngressGateway(platform()) });
    expect(findings.filter((f) => f.resource.kind === 'Gateway')).toEqual([]);
  });
});

describe('MeshPlatformProps.gateways', () => {
  const { platformFromData, platformToData } = require('../../../src/platform/platform-file') as typeof import('../../../src/platform/platform-file');
  const { platformRecord } = require('../../../src/platform/platform-record') as typeof import('../../../src/platform/platform-record');
  const server = { port: 443, protocol: 'HTTPS' as const, hosts: ['*.example.com'], credentialName: 'wildcard' };

  test('each Gateway in the ingress gateway\'s namespace by default, on its pods; checked as istiod checks a Gateway, naming the field', () => {
    const p = platform();
    expect(p.gateways).toEqual([expect.objectContaining({ name: 'public', namespace: 'istio-ingress', selector: { istio: 'ingress' } })]);
    const bad = (gateways: MeshPlatformProps['gateways']) => () => MeshPlatform.of({ gateways });
    expect(bad([{ name: 'public', servers: [{ ...server, credentialName: undefined }] }]))
      .toThrow(/platform gateways\[0\]\.servers\[0\]\.credentialName: an HTTPS server needs the Secret of its certificate \[MESH505\]/);
    expect(bad([{ name: 'public', servers: [{ ...server, hosts: ['Shop.example.com'] }] }]))
      .toThrow(/platform gateways\[0\]\.servers\[0\]\.hosts: 'Shop\.example\.com' is not a host name Istio accepts \[MESH507\]/);
    expect(bad([{ name: 'public', servers: [{ port: 80, protocol: 'HTTPS', hosts: ['a.example.com'], credentialName: 'x', httpsRedirect: true }] }]))
      .toThrow(/httpsRedirect: only an HTTP server redirects to HTTPS \[MESH505\]/);
    expect(bad([{ name: 'public', servers: [server] }, { name: 'public', namespace: 'edge', servers: [{ ...server, hosts: ['*.example.org'] }] }])).not.toThrow();
    expect(bad([{ name: 'public', servers: [server] }, { name: 'public', servers: [server] }])).toThrow(/platform gateways\[1\]: .* given twice \[MESH020\]/);
    expect(bad([{ name: 'Public', servers: [server] }])).toThrow(/platform gateways\[0\]\.name: .*\[MESH001\]/);
    expect(bad([{ name: 'public', servers: [] }])).toThrow(/platform gateways\[0\]\.servers: a Gateway needs at least one server \[MESH507\]/);
    // All on the ingress gateway's pods: one kind per port, one server per host and port (pilot/pkg/model/gateway.go, MergeGateways).
    expect(bad([{ name: 'public', servers: [server] }, { name: 'shop', servers: [{ ...server, hosts: ['shop.example.com', '*.example.com'] }] }]))
      .toThrow(/platform gateways\[1\]\.servers\[0\]\.hosts: \*\.example\.com on port 443 is gateways\[0\]\.servers\[0\]'s too.*\[MESH120\]/);
    expect(bad([{ name: 'public', servers: [server, { port: 443, protocol: 'HTTP', hosts: ['plain.example.com'] }] }]))
      .toThrow(/platform gateways\[0\]\.servers\[1\]\.protocol: port 443 is HTTPS in gateways\[0\]\.servers\[0\].*\[MESH143\]/);
    expect(bad([{ name: 'public', servers: [server] }, { name: 'shop', servers: [{ ...server, hosts: ['shop.example.com'] }] }])).not.toThrow();
  });

  test('recorded and read back with the platform; a platform without Gateways records none, as before they could be given', () => {
    const p = platform();
    expect(platformFromData(JSON.parse(platformRecord(p)), 'record').gatewayManifests()).toEqual(p.gatewayManifests());
    expect(Object.keys(platformToData(MeshPlatform.default()))).not.toContain('gateways');
    expect(p.gatewayManifests()[0].spec.servers).toEqual([
      { port: { number: 80, name: 'http-80', protocol: 'HTTP' }, hosts: ['*.example.com'], tls: { httpsRedirect: true } },
      { port: { number: 443, name: 'https-443', protocol: 'HTTPS' }, hosts: ['*.example.com'], tls: { mode: 'SIMPLE', credentialName: 'wildcard-example-com' } },
    ]);
  });

  test('in a --platform file, each field is checked and a wrong one named', () => {
    const read = (gateways: unknown) => () => platformFromData({ gateways }, 'platform.yaml');
    expect(read([{ name: 'public', servers: [{ port: 443, protocol: 'HTTPS', hosts: ['*.example.com'], credentialName: 'w' }] }])().gateways)
      .toHaveLength(1);
    expect(read([{ name: 'public', servers: [{ port: 443, protocol: 'https', hosts: ['a.example.com'] }] }]))
      .toThrow(/platform\.yaml: gateways\[0\]\.servers\[0\]\.protocol: must be 'HTTP' or 'HTTPS' \[MESH603\]/);
    expect(read([{ name: 'public', servers: [{ port: 443, protocol: 'HTTPS', host: ['a.example.com'] }] }]))
      .toThrow(/platform\.yaml: gateways\[0\]\.servers\[0\]\.host: unknown field \(known: port, protocol, hosts, credentialName, httpsRedirect\) \[MESH603\]/);
    expect(read({ name: 'public' })).toThrow(/platform\.yaml: gateways: must be a list of Gateways/);
    expect(read([{ name: 'public' }])).toThrow(/platform\.yaml: gateways\[0\]: needs name, servers \(servers missing\) \[MESH603\]/);
  });
});

/**
 * One host of a shared Gateway split between environments by path: istiod appends the second VirtualService's routes to the
 * first's virtual host (pilot/pkg/networking/core/gateway.go, buildGatewayRoutes), so each path reaches its own service; a
 * rule of one that takes the other's requests sends them to the wrong service, which the route's flow states (MESH607).
 */
describe('environments sharing one host of the platform Gateway', () => {
  const split = (routes: Record<string, StringMatch>) => {
    const app = new MeshApp({ outdir: Testing.app().outdir, platform: platform() });
    for (const [env, uri] of Object.entries(routes)) {
      const chart = new MeshChart(app, env, { namespace: env });
      const web = new MeshService(chart, 'web', { image: 'registry.example.com/web:1.0.0' });
      EdgeGateway.fromPlatform(chart, 'public', 'public').route(web, { hosts: ['shop.example.com'], match: [{ uri }], subset: 'stable' });
    }
    return app;
  };

  test('split by path, each path reaches its own service: synth passes and the flows say where each request lands', () => {
    const app = split({ api: StringMatch.prefix('/api/'), web: StringMatch.prefix('/web/') });
    const ms = manifestsOf(app);
    const options = platformFlowOptions(platform(), 'api');
    const to = (path: string) => evaluateFlow(ms, { source: { external: true }, host: 'shop.example.com', port: 443, protocol: 'HTTPS', method: 'GET', path }, options);
    expect(to('/api/x').reached).toEqual([{ namespace: 'api', workload: 'web' }]);
    expect(to('/web/x').reached).toEqual([{ namespace: 'web', workload: 'web' }]);
    expect(to('/other').reason).toMatch(/no http rule of VirtualServices api\/public, web\/public matches GET \/other \(404 NR\)/);
  });

  test("a rule of one that takes the other's requests (a regex the analysis cannot compare) fails on the route it misroutes (MESH607)", () => {
    const err = synthError(split({ a: StringMatch.regex('/.*'), b: StringMatch.prefix('/shop/') }));
    expect(err.split('\n').filter((l) => l.includes(`[${Codes.INTENDED_FLOW_MISROUTED}]`))).toEqual([expect.stringMatching(
      /\[b\/public\/route-web\] .*a client reaches web through public: GET https:\/\/shop\.example\.com:443\/shop\/: reaches a\/web, which Service b\/web does not select/,
    )]);
  });
});
