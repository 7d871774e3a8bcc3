// A gateway route's client address ranges (GatewayRouteOptions.sourceRanges): a payment processor's callbacks, admitted from
// its published ranges only, are refused at the gateway from any other address (Istio's ingress allow list:
// https://istio.io/latest/docs/tasks/security/authorization/authz-ingress/).
import {
  Cidr, EdgeGateway, GatewayTls, IngressGateway, IngressGatewayInstall, MeshApp, MeshChart, MeshGateway, MeshPlatform, MeshService, ServiceSecurity,
} from '../../../src';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkIntendedFlows, FlowEvaluator } from '../../../src/validate';
import { main } from '../../../src/validate/cli';
import { find, meshChart, synth, synthError } from '../../util';

const RANGES = [Cidr.of('198.51.100.0/24'), Cidr.of('203.0.113.64/26')];

function setup(platform?: MeshPlatform, outdir?: string) {
  const { app, chart } = outdir
    ? { app: new MeshApp({ outdir }), chart: undefined }
    : meshChart({ namespace: 'payments', ...(platform ? { platform } : {}) });
  return withServices(app, chart ?? new MeshChart(app, 'test', { namespace: 'payments' }));
}

function withServices(app: MeshApp, chart: MeshChart) {
  const hooks = new MeshService(chart, 'processor-webhooks', { image: 'hooks:1', ports: [{ port: 80, targetPort: 8080 }] });
  const api = new MeshService(chart, 'payments-api', { image: 'api:1', ports: [{ port: 80, targetPort: 8080 }] });
  return { app, chart, hooks, api };
}

function evaluate(chart: ReturnType<typeof setup>['chart'], manifests: Record<string, any>[], host: string, path: string, clientAddress?: string) {
  const evaluator = new FlowEvaluator(manifests, { platform: chart.platform.workloads(chart.namespace), trustDomain: chart.platform.trustDomain });
  return evaluator.evaluate({
    source: { external: true }, host, port: 443, protocol: 'HTTPS', method: 'POST', path, ...(clientAddress ? { clientAddress } : {}),
  });
}

describe('GatewayRouteOptions.sourceRanges', () => {
  test("an IngressGateway route: a DENY policy on the gateway's pods for the route's hosts, paths and HTTP listeners, from other addresses", () => {
    const { app, chart, hooks } = setup();
    new IngressGateway(chart, 'hooks', { hosts: ['hooks.pay.example.com'], credentialName: 'hooks-tls' })
      .route(hooks, { pathPrefix: '/processor/', sourceRanges: RANGES });
    const m = synth(app);
    // istioctl's gateway: its Service's 80 and 443 reach the pods' 8080 and 8443, the ports the policy's operation reads
    expect(find(m, 'AuthorizationPolicy', 'payments-hooks-processor-webhooks-sources')).toMatchObject({
      metadata: { namespace: 'istio-system' },
      spec: {
        selector: { matchLabels: { istio: 'ingressgateway' } },
        action: 'DENY',
        // the plaintext listener's rule as it is; the HTTPS listener's also asks the server name of the route's HTTPS server
        rules: [{
          from: [{ source: { notRemoteIpBlocks: ['198.51.100.0/24', '203.0.113.64/26'] } }],
          to: [{ operation: { hosts: ['hooks.pay.example.com', 'hooks.pay.example.com:*'], paths: ['/processor/*'], ports: ['8080'] } }],
        }, {
          from: [{ source: { notRemoteIpBlocks: ['198.51.100.0/24', '203.0.113.64/26'] } }],
          to: [{ operation: { hosts: ['hooks.pay.example.com', 'hooks.pay.example.com:*'], paths: ['/processor/*'], ports: ['8443'] } }],
          when: [{ key: 'connection.sni', values: ['hooks.pay.example.com'] }],
        }],
      },
    });
  });

  test('synth proves a client of the ranges reaches the service and one outside them is refused at the gateway', () => {
    const { app, chart, hooks, api } = setup();
    const gateway = new IngressGateway(chart, 'public', { hosts: ['pay.example.com'], credentialName: 'pay-tls' });
    gateway.route(hooks, { pathPrefix: '/processor/', sourceRanges: RANGES });
    gateway.route(api);
    const m = synth(app);
    const flows = gateway.intendedFlows();
    expect(flows.map((f) => [f.path, f.clientAddress, f.expect])).toEqual([
      ['/processor/x', '198.51.100.0', 'allow'], ['/processor/x', '192.0.2.1', 'deny'], ['/', undefined, 'allow'],
    ]);
    expect(evaluate(chart, m, 'pay.example.com', '/processor/x', '198.51.100.7').allowed).toBe(true);
    const outside = evaluate(chart, m, 'pay.example.com', '/processor/x', '192.0.2.9');
    expect(outside.allowed).toBe(false);
    expect(outside.decidedBy).toMatchObject({ layer: 'AuthorizationPolicy', namespace: 'istio-system', name: 'payments-public-processor-webhooks-sources' });
    // A client of unknown address is refused too; the host's other routes are left to every client
    expect(evaluate(chart, m, 'pay.example.com', '/processor/x').allowed).toBe(false);
    expect(evaluate(chart, m, 'pay.example.com', '/v1/payments', '192.0.2.9').allowed).toBe(true);
    // AND without the policy, synth's flow check reports the client outside the ranges allowed (MESH601)
    const evaluator = new FlowEvaluator(m.filter((x) => !String(x.metadata?.name).endsWith('-sources')),
      { platform: chart.platform.workloads(chart.namespace), trustDomain: chart.platform.trustDomain });
    expect(checkIntendedFlows(evaluator, flows).map((f) => f.code)).toEqual(['MESH601']);
  });

  test("an EdgeGateway on the istio/gateway chart's pods: the pods' own 80 and 443, and the route's flows from its ranges", () => {
    const platform = MeshPlatform.of({ ingressGateway: IngressGatewayInstall.helmChart({ release: 'istio-ingress', namespace: 'istio-ingress' }) });
    const { app, chart, hooks } = setup(platform);
    const gateway = new EdgeGateway(chart, 'hooks', { servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['hooks.example.com'] }] });
    gateway.route(hooks, { pathPrefix: '/processor/', sourceRanges: [Cidr.of('2001:db8:1::/48')] });
    const m = synth(app);
    expect(find(m, 'AuthorizationPolicy', 'payments-hooks-processor-webhooks-sources')).toMatchObject({
      metadata: { namespace: 'istio-ingress' },
      spec: { selector: { matchLabels: { istio: 'ingress' } }, rules: [{ to: [{ operation: { ports: ['80'] } }] }] },
    });
    const flows = chart.intendedFlows().filter((f) => 'external' in f.source);
    expect(flows.map((f) => [f.clientAddress, f.expect])).toEqual([['2001:db8:1::', 'allow'], ['192.0.2.1', 'deny']]);
  });

  test("a passed-through TLS server on the HTTPS port of the same pods is not refused: the HTTPS listener's rule asks the server name", () => {
    // On the passed-through server's TCP filter chain a DENY rule's hosts and paths are ignored (istio/istio
    // pilot/pkg/security/authz/builder: HTTP fields of a DENY rule are dropped for TCP), so a rule on port 8443 without the
    // server name refused every client outside the ranges there, another environment's on the shared pods too.
    const { app } = setup();
    const charts = ['partners-staging', 'partners'].map((ns) => {
      const chart = new MeshChart(app, ns, { namespace: ns });
      const prefix = ns === 'partners' ? '' : 'staging.';
      const api = new MeshService(chart, 'api', { image: 'api:1' });
      const legacy = new MeshService(chart, 'legacy', { image: 'legacy:1', ports: [{ port: 8443, protocol: 'tls' }], connectionPool: { tcp: { maxConnections: 5000 } } });
      const gateway = new EdgeGateway(chart, 'partners', {
        servers: [
          { port: { number: 443, name: 'https-api', protocol: 'HTTPS' }, hosts: [`${prefix}api.example.com`], tls: GatewayTls.mutual(`${ns}-api`) },
          { port: { number: 443, name: 'tls-legacy', protocol: 'TLS' }, hosts: [`${prefix}legacy.example.com`], tls: GatewayTls.passthrough() },
        ],
      });
      gateway.route(api, { hosts: [`${prefix}api.example.com`], pathPrefix: '/v1/', sourceRanges: RANGES });
      gateway.routeTls(legacy);
      return { chart, prefix };
    });
    const m = synth(app); // the legacy servers' flows from outside the ranges failed synth (MESH600)
    expect(find(m, 'AuthorizationPolicy', 'partners-partners-api-sources')?.spec.rules).toEqual([{
      from: [{ source: { notRemoteIpBlocks: ['198.51.100.0/24', '203.0.113.64/26'] } }],
      to: [{ operation: { hosts: ['api.example.com', 'api.example.com:*'], paths: ['/v1/*'], ports: ['8443'] } }],
      when: [{ key: 'connection.sni', values: ['api.example.com'] }],
    }]);
    for (const { chart, prefix } of charts) {
      const evaluator = new FlowEvaluator(m, { platform: chart.platform.workloads(chart.namespace), trustDomain: chart.platform.trustDomain });
      const at = (host: string, protocol: 'TLS' | 'HTTPS', clientAddress: string) =>
        // The api server is MUTUAL: the partner presents its certificate.
        evaluator.evaluate({ source: { external: true, clientCertificate: {} }, host, port: 443, protocol, method: 'GET', path: '/v1/x', clientAddress });
      expect(at(`${prefix}legacy.example.com`, 'TLS', '192.0.2.9').allowed).toBe(true);
      expect(at(`${prefix}api.example.com`, 'HTTPS', '192.0.2.9').allowed).toBe(false);
      expect(at(`${prefix}api.example.com`, 'HTTPS', '198.51.100.7').allowed).toBe(true);
    }
  });

  test('MESH630: ranges on a route of a wildcard host, which a client would escape by adding a port to its Host header', () => {
    // The policy's hosts match the whole :authority; istiod's host matcher takes one leading or trailing '*', so '*.example.com'
    // misses 'a.example.com:443', which the gateway still routes (ignore_port_in_host_matching), and '*.example.com:*' is no match.
    const build = (hosts?: string[]) => {
      const { app, chart, hooks } = setup();
      new EdgeGateway(chart, 'hooks', {
        servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['*.example.com'], tls: GatewayTls.simple('hooks-tls') }],
      }).route(hooks, { pathPrefix: '/processor/', sourceRanges: RANGES, ...(hosts ? { hosts } : {}) });
      return app;
    };
    expect(synthError(build())).toMatch(
      /\[test\/hooks\/route-processor-webhooks\] sourceRanges: the route's host '\*\.example\.com' is a wildcard.*'a\.example\.com:443' under '\*\.example\.com' escapes it.*\[MESH630\]/);
    const app = build(['hooks.example.com']);
    expect(find(synth(app), 'AuthorizationPolicy', 'payments-hooks-processor-webhooks-sources').spec.rules[0].to[0].operation.hosts)
      .toEqual(['hooks.example.com', 'hooks.example.com:*']);
    expect(app.warnings.filter((w) => w.includes('MESH695'))).toEqual([]);
  });

  test('a rule of the service narrowed by address beside the route restricts nothing: the route admits the gateway from any client', () => {
    const { app, chart, hooks } = setup();
    new IngressGateway(chart, 'hooks', { hosts: ['hooks.pay.example.com'], credentialName: 'hooks-tls' }).route(hooks, { pathPrefix: '/processor/' });
    ServiceSecurity.of(hooks).allow({ from: [{ principals: [chart.platform.ingressGatewayPrincipal], remoteIpBlocks: RANGES }] });
    const m = synth(app);
    expect(evaluate(chart, m, 'hooks.pay.example.com', '/processor/x', '192.0.2.9').allowed).toBe(true);
  });

  test('MESH630: no ranges, or ranges on a MeshGateway route', () => {
    const { app, chart, hooks } = setup();
    new IngressGateway(chart, 'hooks', { hosts: ['hooks.pay.example.com'], credentialName: 'hooks-tls' }).route(hooks, { sourceRanges: [] });
    expect(synthError(app)).toMatch(/\[test\/hooks\/route-processor-webhooks\] sourceRanges: give at least one range.*\[MESH630\]/);
    const other = setup();
    new MeshGateway(other.chart, 'mesh', {
      namespace: 'mesh-gw', pods: { namespace: 'mesh-gw', serviceAccount: 'mesh-gateway', labels: { istio: 'mesh-gateway' } }, tierNamespaces: ['payments'],
    })
      .route(other.hooks, { sourceRanges: RANGES });
    expect(synthError(other.app)).toMatch(/sourceRanges: a MeshGateway's clients are workloads of the mesh.*\[MESH630\]/);
    // A gateway on pods of the user's own: the ports its pods listen on are not described
    const own = setup();
    new EdgeGateway(own.chart, 'own', {
      servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['hooks.example.com'] }],
      workload: { namespace: 'edge', labels: { app: 'edge-gw' }, serviceAccount: 'edge-gw' },
    }).route(own.hooks, { pathPrefix: '/processor/', sourceRanges: RANGES });
    expect(synthError(own.app)).toMatch(/\[test\/own\/route-processor-webhooks\] sourceRanges: the ports its pods listen on.*\[MESH630\]/);
  });

  test("a policy on the gateway's pods reads the pod's port behind the server's (istioctl's 443 -> 8443), as istiod's listener is", () => {
    const { app, chart, hooks } = setup();
    new IngressGateway(chart, 'hooks', { hosts: ['hooks.pay.example.com'], credentialName: 'hooks-tls' }).route(hooks);
    const deny = (port: string) => ({
      apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: `deny-${port}`, namespace: 'istio-system' },
      spec: { selector: { matchLabels: { istio: 'ingressgateway' } }, action: 'DENY', rules: [{ to: [{ operation: { ports: [port] } }] }] },
    });
    const m = synth(app);
    expect(evaluate(chart, [...m, deny('8443')], 'hooks.pay.example.com', '/').allowed).toBe(false);
    expect(evaluate(chart, [...m, deny('443')], 'hooks.pay.example.com', '/').allowed).toBe(true);
  });

  test('--flow takes the external client\'s address as client=<address>, for an external source only', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'source-ranges-'));
    try {
      const { app, chart, hooks } = setup(undefined, outdir);
      new IngressGateway(chart, 'hooks', { hosts: ['hooks.pay.example.com'], credentialName: 'hooks-tls' })
        .route(hooks, { pathPrefix: '/processor/', sourceRanges: RANGES });
      app.synth();
      const run = (flow: string) => {
        let out = '';
        const code = main(['--flow', flow, outdir], { stdout: (t) => { out += t; }, stderr: (t) => { out += t; }, cwd: outdir });
        return { code, out };
      };
      expect(run('external -> hooks.pay.example.com:443 POST /processor/x client=203.0.113.70')).toMatchObject({ code: 0 });
      const refused = run('external -> hooks.pay.example.com:443 POST /processor/x client=192.0.2.9');
      expect(refused.code).toBe(1);
      expect(refused.out).toMatch(/REFUSED .*by AuthorizationPolicy istio-system\/payments-hooks-processor-webhooks-sources/);
      expect(run('payments/processor-webhooks -> payments-api:80 GET / client=192.0.2.9')).toMatchObject({
        code: 2, out: expect.stringMatching(/clientAddress: is the address of an external client.*MESH603/),
      });
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});
