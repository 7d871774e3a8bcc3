import { EdgeGateway, IngressGatewayInstall, MeshApp, MeshChart, MeshPlatform, MeshService, ServiceSecurity, StringMatch } from '../../src';
import { validateManifests } from '../../src/validate';
import { meshChart, synth } from '../util';

/**
 * The analysis at synth assumes the platform's ingress gateway, not istioctl analyze's offline
 * default: a Gateway server may name the gateway Service's port or the pod port it targets
 * (istio/istio pkg/config/analysis/analyzers/gateway/gateway.go, IST0162, checks both).
 */
describe("the analysis assumes the platform's ingress gateway", () => {
  const gatewayOn = (chart: MeshChart, port: number) => new EdgeGateway(chart, 'edge', {
    servers: [{ port: { number: port, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }],
  });
  const gatewayPortWarnings = (app: MeshApp) => app.warnings.filter((w) => w.includes('[MESH117]'));

  test.each([80, 8080])('a Gateway on port %i (the stock gateway Service 80 -> pods 8080) raises no MESH117', (port) => {
    const { app, chart } = meshChart();
    gatewayOn(chart, port);
    synth(app);
    expect(gatewayPortWarnings(app)).toEqual([]);
  });

  test('a platform whose gateway pods listen on 9080 makes a Gateway on 8080 a port no Service exposes', () => {
    const platform = MeshPlatform.of({ ingressGateway: { httpPort: 9080 } });
    const { app, chart } = meshChart({ platform });
    gatewayOn(chart, 8080);
    synth(app);
    expect(gatewayPortWarnings(app)).toEqual([expect.stringMatching(/spec\.servers\[0\]\.port\.number: port 8080 is not a port of any Service in front of the pods labelled istio=ingressgateway \(80, 443, 8443, 9080\) \[MESH117\]/)]);
  });

  test("a platform's own Service ports count too", () => {
    const platform = MeshPlatform.of({ ingressGateway: { httpServicePort: 8000 } });
    const { app, chart } = meshChart({ platform });
    gatewayOn(chart, 8000);
    synth(app);
    expect(gatewayPortWarnings(app)).toEqual([]);
  });

  test("over plain manifests, with no platform given, the check keeps istioctl analyze's default gateway (80, 443, 31400, 15443)", () => {
    const { app, chart } = meshChart();
    gatewayOn(chart, 8080);
    const manifests = synth(app);
    const codes = validateManifests(manifests, { analysisOnly: true }).map((f) => `${f.code} ${f.field}`);
    expect(codes).toContain('MESH117 spec.servers[0].port.number');
  });
});

describe("the analysis knows the platform gateway's namespace exists", () => {
  test('routes admitting the namespace of a gateway the istio/gateway chart installed (istio-ingress) raise no MESH129 at synth', () => {
    // GIVEN the platform's gateway in its own namespace, routes to a service (admitting the gateway's principal), and a
    // rule of the service's own admitting that namespace
    const platform = MeshPlatform.of({ ingressGateway: IngressGatewayInstall.helmChart({ release: 'istio-ingress', namespace: 'istio-ingress' }) });
    const { app, chart } = meshChart({ platform });
    const web = new MeshService(chart, 'web', { image: 'registry.example.com/web:1.0.0' });
    const gateway = new EdgeGateway(chart, 'edge', { servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] });
    gateway.route(web, { match: [{ uri: StringMatch.prefix('/') }], virtualServiceName: 'public' });
    ServiceSecurity.of(web).allow({ from: [{ namespaces: ['istio-ingress'] }], to: [{ methods: ['GET'], paths: ['/status'] }] });
    // WHEN it is synthesized (the analysis assumes the platform's gateway, and so its namespace)
    const manifests = synth(app);
    const policy = manifests.find((m) => m.kind === 'AuthorizationPolicy' && m.metadata.name === 'web-policy');
    expect(JSON.stringify(policy?.spec.rules)).toContain('"namespaces":["istio-ingress"]');
    // THEN no MESH129; over the same files with istioctl analyze's default gateway, the namespace is unknown
    expect(validateManifests(manifests, { analysisOnly: true }).map((f) => f.code)).toContain('MESH129');
  });
});
