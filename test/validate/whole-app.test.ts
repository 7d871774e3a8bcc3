/**
 * The whole-app check: every chart of an app is one cluster's objects, checked once, together
 * with the cluster folder, so that what `cdk8s-mesh-validate dist` reports over the whole
 * output synth reports first, with construct paths; collisions between environments are
 * reported once, naming both constructs.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiObject, App, JsonPatch, Testing } from 'cdk8s';
import {
  EdgeGateway, ExternalService, GatewayTls, IngressGateway, MeshApp, MeshChart, MeshPlatform, MeshService,
} from '../../src';
import { meshChart, synthError } from '../util';

function app(): MeshApp {
  return new MeshApp({ outdir: Testing.app().outdir });
}

/** An environment with one web service behind the shared ingress gateway, on `hosts` at port 8080. */
function bookinfoLike(scope: App, env: string, hosts: string[]): MeshChart {
  const chart = new MeshChart(scope, env, { namespace: env });
  const web = new MeshService(chart, 'web', { image: 'web:1' });
  const gateway = new EdgeGateway(chart, 'gateway', { servers: [{ port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts }] });
  gateway.route(web, { virtualServiceName: 'routes' });
  return chart;
}

/** An environment of a shop behind the shared ingress gateway, serving `host` with the Secret `credential`. */
function shop(scope: MeshApp, env: string, host: string, credential: string): MeshChart {
  const chart = new MeshChart(scope, env, { namespace: env });
  const web = new MeshService(chart, 'web', { image: 'web:1' });
  new IngressGateway(chart, 'shop-gateway', { hosts: [host], credentialName: credential }).route(web);
  return chart;
}

describe('the whole app is one cluster, checked once', () => {
  test('environments claiming one host and port of the shared gateway fail synth once per pair, naming both constructs [MESH120]', () => {
    // GIVEN three environments binding `*` on 8080 of the one ingress gateway (Istio's Bookinfo sample, three times)
    const a = app();
    for (const env of ['dev', 'staging', 'production']) bookinfoLike(a, env, ['*']);
    // THEN synth fails before writing, each pair once, on one Gateway's construct with the other's
    const lines = synthError(a).split('\n').filter((l) => l.includes('[MESH120]'));
    expect(lines).toHaveLength(3);
    expect(lines).toContainEqual(expect.stringMatching(
      /^\s*\[staging\/gateway\/Resource\] staging\/Gateway\/gateway: spec\.servers\[0\]\.hosts: conflicts with Gateway dev\/gateway \(workload selector istio=ingressgateway, port 8080, hosts \*\).*\[MESH120\].* \(with \[dev\/gateway\/Resource\]\)$/));
  });

  test('two Gateways of one environment on one host and port conflict too, and the hint says so', () => {
    const { app: a, chart } = meshChart();
    const web = new MeshService(chart, 'web', { image: 'web:1' });
    new IngressGateway(chart, 'shop', { hosts: ['shop.example.com'], credentialName: 'shop-tls' }).route(web);
    new EdgeGateway(chart, 'edge', {
      servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['shop.example.com'], tls: GatewayTls.simple('edge-tls') }],
    }).route(web);
    const line = synthError(a).split('\n').find((l) => l.includes('[MESH120]'));
    expect(line).toMatch(/test\/Gateway\/shop: .*conflicts with Gateway production\/edge .*port 443, hosts shop\.example\.com\)/);
    expect(line).toContain('(hint: Gateways that select the same pods share each port: give each its own hosts there (so too environments that share the '
      + "platform's ingress gateway), or its own gateway pods (MeshPlatform's ingressGateway))");
  });

  test('under a plain cdk8s App too: its charts are one cluster, and the collision fails synth before any file is written', () => {
    const plain = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-whole-')) });
    for (const env of ['dev', 'staging']) bookinfoLike(plain, env, ['*']);
    expect(() => plain.synth()).toThrow(/\[staging\/gateway\/Resource\] staging\/Gateway\/gateway: spec\.servers\[0\]\.hosts: conflicts with Gateway dev\/gateway .*\[MESH120\]/);
    expect(fs.readdirSync(plain.outdir)).toEqual([]);
  });

  test('each environment its own host on the shared gateway: synth passes, and every route is a flow that holds', () => {
    const a = app();
    for (const env of ['dev', 'staging', 'production']) bookinfoLike(a, env, [`${env}.example.com`]);
    expect(() => a.manifests()).not.toThrow();
    expect(a.warnings.filter((w) => /\[MESH1(20|34)\]/.test(w))).toEqual([]);
  });

  test('one certificate on two environments\' Gateways of the same pods: a warning once per pair, naming both [MESH134]', () => {
    const a = app();
    shop(a, 'dev', 'dev.shop.example.com', 'shop-tls');
    shop(a, 'production', 'shop.example.com', 'shop-tls');
    a.manifests();
    const found = a.warnings.filter((w) => w.includes('[MESH134]'));
    expect(found).toEqual([expect.stringMatching(
      /^\[production\/shop-gateway\/Resource\] production\/Gateway\/shop-gateway: spec\.servers\[\d\]\.tls: serves the same credential shop-tls as Gateway dev\/shop-gateway .*\[MESH134\].* \(with \[dev\/shop-gateway\/Resource\]\)$/)]);
    // AND each environment its own certificate is clean
    const b = app();
    shop(b, 'dev', 'dev.shop.example.com', 'shop-dev-tls');
    shop(b, 'production', 'shop.example.com', 'shop-production-tls');
    b.manifests();
    expect(b.warnings.filter((w) => w.includes('[MESH134]'))).toEqual([]);
  });

  test('one object written by two charts fails synth once, naming both constructs [MESH018]', () => {
    const a = app();
    for (const env of ['dev', 'staging']) {
      const chart = new MeshChart(a, env, { namespace: env });
      new MeshService(chart, 'web', { image: 'web:1' });
      new ApiObject(chart, 'ops-config', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ops', namespace: 'ops' }, data: { owner: env } } as any);
    }
    const lines = synthError(a).split('\n').filter((l) => l.includes('[MESH018]'));
    expect(lines).toEqual([expect.stringMatching(
      /^\s*\[staging\/ops-config\] staging\/ConfigMap\/ops: metadata\.name: ConfigMap ops\/ops is also written by dev, with other content: .*\[MESH018\].* \(with \[dev\/ops-config\]\)$/)]);
  });

  test('two charts in one namespace write its Namespace and baseline policies twice [MESH018]', () => {
    const a = app();
    for (const id of ['orders', 'payments']) new MeshService(new MeshChart(a, id, { namespace: 'shop' }), id, { image: `${id}:1` });
    const message = synthError(a);
    expect(message).toMatch(/\[payments\/Namespace\/Resource\] payments\/Namespace\/shop: metadata\.name: Namespace shop is also written by orders: .*\[MESH018\].* \(with \[orders\/Namespace\/Resource\]\)/);
    // AND its PeerAuthentication, allow-nothing AuthorizationPolicy and default-deny NetworkPolicy, each once
    expect(message.split('\n').filter((l) => l.includes('[MESH018]'))).toHaveLength(4);
  });

  test('environments assuming different trust domains fail synth naming both charts [MESH632]', () => {
    const a = app();
    new MeshService(new MeshChart(a, 'dev', { namespace: 'dev' }), 'web', { image: 'web:1' });
    new MeshService(new MeshChart(a, 'prod', { namespace: 'prod', platform: MeshPlatform.of({ trustDomain: 'prod.example.com' }) }), 'web', { image: 'web:1' });
    expect(synthError(a)).toMatch(
      /\[prod\/Namespace\/Resource\] prod\/Namespace\/prod: prod assumes trust domain prod\.example\.com \(dev: cluster\.local\): one cluster runs one mesh.*\[MESH632\].* \(with \[dev\/Namespace\/Resource\]\)/);
  });

  test("an analyzer's collision across environments is found at synth: ServiceEntries giving one host two protocols [MESH142]", () => {
    // GIVEN dev and staging each declaring api.example.com:443, one as HTTPS and one as TLS, both exported everywhere
    const a = app();
    for (const [env, protocol] of [['dev', 'HTTPS'], ['staging', 'TLS']] as const) {
      const chart = new MeshChart(a, env, { namespace: env });
      const web = new MeshService(chart, 'web', { image: 'web:1' });
      web.calls(new ExternalService(chart, 'api', { hosts: ['api.example.com'], ports: [{ number: 443, protocol }] }), { port: 443 });
    }
    a.manifests();
    // THEN one warning, on staging's entry, naming dev's
    expect(a.warnings.filter((w) => w.includes('[MESH142]'))).toEqual([expect.stringMatching(
      /^\[staging\/api\/Resource\] staging\/ServiceEntry\/api: spec\.ports: ServiceEntries dev\/api, staging\/api define host api\.example\.com port 443 with different protocols \(HTTPS, TLS\) \[MESH142\].* \(with \[dev\/api\/Resource\]\)$/)]);
  });

  test('a pair of workloads of two environments must be refused too: one left open fails synth on the destination [MESH602]', () => {
    // GIVEN two environments, each deny-by-default: synth passes
    const build = (open: boolean) => {
      const a = app();
      const web: Record<string, MeshService> = {};
      for (const env of ['dev', 'production']) web[env] = new MeshService(new MeshChart(a, env, { namespace: env }), 'web', { image: 'web:1' });
      const policy = (env: string, kind: string) => ApiObject.of(web[env].node.findChild('Security').node.findChild(kind));
      if (open) {
        // dev's web may leave for any host and pod, production's web admits any pod at the network layer
        policy('dev', 'Sidecar').addJsonPatch(JsonPatch.replace('/spec/egress/0/hosts', ['*/*']));
        policy('dev', 'NetworkPolicy').addJsonPatch(JsonPatch.add('/spec/egress/-', {}));
        policy('production', 'NetworkPolicy').addJsonPatch(JsonPatch.add('/spec/ingress/-', {}));
      }
      return a;
    };
    expect(() => build(false).manifests()).not.toThrow();
    // WHEN the network layers let dev's web reach production's THEN the open pair across the environments fails synth,
    // on the destination's Deployment (its AuthorizationPolicy admits its health path from any source)
    expect(synthError(build(true))).toMatch(
      /\[production\/web\/Deployment\/Resource\] production\/Deployment\/web: dev\/web can reach production\/web on port \d+ although no flow between them is declared.*\[MESH602\]/);
  });

  test('each environment its own ServiceEntry of one external host: a caller gets its own namespace\'s, and its flow holds', () => {
    // GIVEN every environment declaring api.example.com itself (istiod keeps the caller's namespace's)
    const a = app();
    for (const env of ['dev', 'staging', 'production']) {
      const chart = new MeshChart(a, env, { namespace: env });
      const web = new MeshService(chart, 'web', { image: 'web:1' });
      web.calls(new ExternalService(chart, 'api', { hosts: ['api.example.com'], ports: [{ number: 443, protocol: 'TLS' }] }), { port: 443 });
    }
    // THEN each web's egress flow to it holds through its own Sidecar
    expect(() => a.manifests()).not.toThrow();
  });
});

describe('two objects of one name in one chart are one file', () => {
  test('MESH018: two hand-written objects of one name in one chart fail synth, naming both constructs', () => {
    // GIVEN two ConfigMaps of one name, with other content, written by two constructs of one chart
    const { app, chart } = meshChart();
    new ApiObject(chart, 'settings', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { a: '1' } });
    new ApiObject(chart, 'settings-copy', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { a: '2' } });
    // THEN synth refuses, where the later object would have replaced the other's file unseen
    expect(synthError(app)).toMatch(/\[test\/settings-copy\] .*ConfigMap production\/settings is written twice in test, with other content: .*give one of them another name \[MESH018\] \(hint: two objects meant: give one another name; .*\(with \[test\/settings\]\)/);
  });

  test('MESH273: a gateway route named after the service\'s own VirtualService fails at the route, naming the field and the service', () => {
    // GIVEN an EdgeGateway route whose VirtualService takes the name of the service's mesh route
    const { app, chart } = meshChart();
    const other = new MeshService(chart, 'other', { image: 'o:1' });
    const gw = new EdgeGateway(chart, 'gw', {
      servers: [{ port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['other.example.com'] }],
    });
    gw.route(other, { virtualServiceName: 'other' });
    // THEN synth refuses at the route, before any manifest is checked
    expect(synthError(app)).toMatch(/\[test\/gw\/route-other\] virtualServiceName: 'other' is the name of test\/other's VirtualService in namespace production: .*\[MESH273\]/);
  });
});
