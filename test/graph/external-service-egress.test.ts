// Calls to a host outside the mesh through the platform's egress gateway (`egress: EgressRoute.viaGateway()`): the platform
// declares the gateway as typed data (EgressGatewayInstall), the ExternalService writes what Istio's egress gateway tasks write
// (Gateway, the gateway Service's DestinationRule subset with ISTIO_MUTUAL and the host as SNI, the callers' and the gateway's
// VirtualServices, the gateway's AuthorizationPolicy), the callers' Sidecar and NetworkPolicy lead to the gateway, and the flows
// follow caller -> egress gateway -> host.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as jsyaml from 'js-yaml';
import { App, Cron, Testing } from 'cdk8s';
import {
  Cidr, Codes, EgressGatewayInstall, EgressRoute, ExportTo, ExternalService, ExternalServiceProps, MeshApp, MeshChart, MeshCronJob, MeshPlatform,
  MeshService, PLATFORM_ANNOTATION, TlsOrigination,
} from '../../src';
import { evaluateFlow, platformFlowOptions, validateCli, validateManifests } from '../../src/validate';
import { platformGateways } from '../../src/validate/analysis';
import { platformFromData, platformToData } from '../../src/platform/platform-file';
import { find, synth, synthError } from '../util';

const PLATFORM = MeshPlatform.of({ egressGateway: EgressGatewayInstall.istioctl() });

const PROVIDER: ExternalServiceProps = {
  hosts: ['api.payment-provider.example'],
  ports: [{ number: 443, protocol: 'HTTPS' }],
  egress: EgressRoute.viaGateway(),
};

const MAIL: ExternalServiceProps = {
  hosts: ['api.mail.example'],
  ports: [{ number: 80, protocol: 'HTTP', targetPort: 443 }],
  tls: TlsOrigination.simple({ port: 80, caCertificates: '/etc/certs/mail-ca.pem' }),
  egress: EgressRoute.viaGateway(),
};

function shop(options: { platform?: MeshPlatform; provider?: Partial<ExternalServiceProps>; mail?: boolean } = {}) {
  const app = new MeshApp({ outdir: Testing.app().outdir, platform: options.platform ?? PLATFORM });
  const chart = new MeshChart(app, 'test', { namespace: 'production' });
  const payment = new MeshService(chart, 'payment-service', { image: 'payment:1' });
  const provider = new ExternalService(chart, 'payment-provider', { ...PROVIDER, ...options.provider });
  payment.calls(provider, { port: provider.ports[0].number });
  if (options.mail) {
    const mail = new ExternalService(chart, 'mail', MAIL);
    payment.calls(mail, { port: 80, methods: ['POST'], paths: ['/v1/send'] });
  }
  return { app, chart, payment, provider };
}

const EGRESS_KINDS = ['Gateway', 'VirtualService', 'DestinationRule', 'AuthorizationPolicy', 'ServiceEntry'];

describe('EgressGatewayInstall', () => {
  test("istioctl's egress gateway: istio-egressgateway in istio-system, its labels, ServiceAccount and 80 -> 8080, 443 -> 8443", () => {
    const gw = EgressGatewayInstall.istioctl();
    expect([gw.name, gw.namespace, gw.serviceAccount]).toEqual(['istio-egressgateway', 'istio-system', 'istio-egressgateway-service-account']);
    expect(gw.serviceSelector).toEqual({ app: 'istio-egressgateway', istio: 'egressgateway' });
    expect(gw.selector).toEqual({ istio: 'egressgateway' });
    expect(gw.podLabels['operator.istio.io/component']).toBe('EgressGateways');
    expect([gw.httpServicePort, gw.httpPort, gw.httpsServicePort, gw.httpsPort]).toEqual([80, 8080, 443, 8443]);
  });

  test('the istio/gateway chart: labels from the release name, the pods serving 80 and 443 themselves', () => {
    const gw = EgressGatewayInstall.helmChart({ release: 'istio-egress', namespace: 'istio-egress' });
    expect([gw.name, gw.namespace, gw.serviceAccount]).toEqual(['istio-egress', 'istio-egress', 'istio-egress']);
    expect(gw.serviceSelector).toEqual({ app: 'istio-egress', istio: 'egress' });
    expect(gw.selector).toEqual({ istio: 'egress' });
    expect([gw.httpServicePort, gw.httpPort, gw.httpsServicePort, gw.httpsPort]).toEqual([80, 80, 443, 443]);
  });

  test('a platform has no egress gateway unless it says so; MeshPlatform resolves one given, and its workload and principal', () => {
    expect(MeshPlatform.default().egressGateway).toBeUndefined();
    expect(MeshPlatform.default().workloads('production').some((w) => w.name === 'istio-egressgateway')).toBe(false);
    expect(PLATFORM.egressGateway?.host).toBe('istio-egressgateway.istio-system.svc.cluster.local');
    expect(PLATFORM.egressGatewayPrincipal?.toString()).toBe('cluster.local/ns/istio-system/sa/istio-egressgateway-service-account');
    expect(PLATFORM.egressGatewayWorkload()).toMatchObject({ meshed: true, targetPorts: { 80: 8080, 443: 8443 } });
  });

  test('the platform file and the record carry it: a preset in a file, every field in a record, nothing when there is none', () => {
    const fromFile = platformFromData({ egressGateway: { preset: 'helmChart', release: 'istio-egress', namespace: 'istio-egress' } }, 'p.yaml');
    expect(fromFile.egressGateway?.serviceSelector).toEqual({ app: 'istio-egress', istio: 'egress' });
    const data = platformToData(PLATFORM);
    expect(data.egressGateway).toMatchObject({ name: 'istio-egressgateway', namespace: 'istio-system', httpsPort: 8443 });
    expect(platformFromData(JSON.parse(JSON.stringify(data)), 'record').egressGateway).toEqual(PLATFORM.egressGateway);
    expect('egressGateway' in platformToData(MeshPlatform.default())).toBe(false);
    const ns = find(synth(shop().app), 'Namespace', 'production');
    expect(JSON.parse(ns.metadata.annotations[PLATFORM_ANNOTATION]).egressGateway.name).toBe('istio-egressgateway');
  });

  test('a selector that does not select the pods is refused (MESH084)', () => {
    expect(() => MeshPlatform.of({ egressGateway: { ...EgressGatewayInstall.istioctl(), selector: { istio: 'other' } } }))
      .toThrow(/egressGateway.selector.*MESH084|MESH084/);
  });
});

describe('ExternalService through the egress gateway', () => {
  test('the objects Istio\'s egress gateway tasks write, for an HTTPS port and an HTTP port whose TLS the gateway originates', () => {
    const out = synth(shop({ mail: true }).app);
    const objects = out.filter((m) => EGRESS_KINDS.includes(m.kind)
      && /payment-provider|mail|egress/.test(m.metadata.name));
    expect(objects).toMatchSnapshot();
    // Over the manifests, with the platform's gateways assumed beside them (the egress gateway's pods and Service): clean.
    expect(validateManifests(out, { ingressGateways: platformGateways(PLATFORM) })).toEqual([]);
  });

  test('cdk8s-mesh-validate over the written environment reads the egress gateway from the recorded platform: clean, no public host on the egress gateway', () => {
    const out = synth(shop({ mail: true }).app);
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'mesh-egress-'));
    fs.mkdirSync(path.join(d, 'production'));
    fs.writeFileSync(path.join(d, 'production', 'all.yaml'), out.map((m) => jsyaml.dump(m)).join('---\n'));
    let text = '';
    const code = validateCli([d, '--flows'], { stdout: (t) => { text += t; }, stderr: (t) => { text += t; }, cwd: d });
    expect(text).not.toMatch(/MESH\d+/);
    // The egress gateway's ISTIO_MUTUAL servers are no public host: no external client is probed through them.
    expect(text).not.toMatch(/REFUSED|external ->/);
    expect(code).toBe(0);
    // --flow follows the call through the gateway the record names.
    let flowText = '';
    const flowCode = validateCli([d, '--flow', 'production/payment-service -> api.payment-provider.example:443 tls'],
      { stdout: (t) => { flowText += t; }, stderr: (t) => { flowText += t; }, cwd: d });
    expect(flowText).toMatch(/^ALLOWED production\/payment-service -> api.payment-provider.example:443 tls by AuthorizationPolicy istio-system\/production-payment-provider-egress/);
    expect(flowText).toContain('istio-egressgateway.istio-system:443 subset payment-provider → istio-system/istio-egressgateway:8443');
    expect(flowCode).toBe(0);
  });

  test('TLS: the callers route by SNI to the gateway subset; the gateway terminates their mTLS and forwards the TLS inside as TCP', () => {
    const out = synth(shop().app);
    expect(find(out, 'Gateway', 'payment-provider-egress').spec).toEqual({
      selector: { istio: 'egressgateway' },
      servers: [{ port: { number: 443, name: 'tls-egress', protocol: 'TLS' }, hosts: ['api.payment-provider.example'], tls: { mode: 'ISTIO_MUTUAL' } }],
    });
    expect(find(out, 'DestinationRule', 'istio-egressgateway').spec).toEqual({
      host: 'istio-egressgateway.istio-system.svc.cluster.local',
      exportTo: ['.'],
      subsets: [{
        name: 'payment-provider',
        trafficPolicy: { portLevelSettings: [{ port: { number: 443 }, tls: { mode: 'ISTIO_MUTUAL', sni: 'api.payment-provider.example' } }] },
      }],
    });
    const mesh = find(out, 'VirtualService', 'payment-provider').spec;
    expect(mesh.exportTo).toEqual(['.']);
    expect(mesh.gateways).toBeUndefined();
    expect(mesh.tls).toEqual([{
      match: [{ port: 443, sniHosts: ['api.payment-provider.example'] }],
      route: [{ destination: { host: 'istio-egressgateway.istio-system.svc.cluster.local', subset: 'payment-provider', port: { number: 443 } } }],
    }]);
    const atGateway = find(out, 'VirtualService', 'payment-provider-egress');
    expect(atGateway.metadata.namespace).toBe('production');
    expect(atGateway.spec).toEqual({
      hosts: ['api.payment-provider.example'],
      gateways: ['payment-provider-egress'],
      exportTo: ['istio-system'],
      tcp: [{ match: [{ port: 443 }], route: [{ destination: { host: 'api.payment-provider.example', port: { number: 443 } } }] }],
    });
  });

  test("the gateway's AuthorizationPolicy, in its namespace, admits the callers' principals alone, on the host's SNI and pod port", () => {
    const out = synth(shop().app);
    const policy = find(out, 'AuthorizationPolicy', 'production-payment-provider-egress');
    expect(policy.metadata.namespace).toBe('istio-system');
    expect(policy.spec).toEqual({
      selector: { matchLabels: { app: 'istio-egressgateway', istio: 'egressgateway' } },
      action: 'ALLOW',
      rules: [{
        from: [{ source: { principals: ['cluster.local/ns/production/sa/payment-service'] } }],
        to: [{ operation: { ports: ['8443'] } }],
        when: [{ key: 'connection.sni', values: ['api.payment-provider.example'] }],
      }],
    });
  });

  test("the caller's Sidecar imports the gateway's Service; its NetworkPolicy leads to the gateway's pods, not to any address", () => {
    const { app } = shop();
    const out = synth(app);
    expect(find(out, 'Sidecar', 'payment-service').spec.egress[0].hosts)
      .toEqual(['./api.payment-provider.example', 'istio-system/istio-egressgateway.istio-system.svc.cluster.local']);
    const egress = find(out, 'NetworkPolicy', 'payment-service').spec.egress;
    expect(egress).toContainEqual({
      to: [{
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } },
        podSelector: { matchLabels: { app: 'istio-egressgateway', istio: 'egressgateway' } },
      }],
      ports: [{ port: 8443, protocol: 'TCP' }],
    });
    expect(JSON.stringify(egress)).not.toContain('0.0.0.0/0');
    // No MESH241: the caller's egress is limited to the gateway's pods.
    expect(app.warnings.filter((w) => w.includes(Codes.EXTERNAL_EGRESS_ANY_ADDRESS))).toEqual([]);
  });

  test('the ServiceEntry is exported to the gateway\'s namespace too when its exportTo is restricted', () => {
    const out = synth(shop({ provider: { exportTo: ExportTo.sameNamespace() } }).app);
    expect(find(out, 'ServiceEntry', 'payment-provider').spec.exportTo).toEqual(['.', 'istio-system']);
  });

  test('a Helm-installed gateway: its namespace, labels and ports in every object', () => {
    const platform = MeshPlatform.of({ egressGateway: EgressGatewayInstall.helmChart({ release: 'istio-egress', namespace: 'istio-egress' }) });
    const out = synth(shop({ platform }).app);
    expect(find(out, 'Gateway', 'payment-provider-egress').spec.selector).toEqual({ istio: 'egress' });
    expect(find(out, 'AuthorizationPolicy', 'production-payment-provider-egress').metadata.namespace).toBe('istio-egress');
    expect(find(out, 'AuthorizationPolicy', 'production-payment-provider-egress').spec.rules[0].to).toEqual([{ operation: { ports: ['443'] } }]);
    expect(find(out, 'VirtualService', 'payment-provider-egress').spec.exportTo).toEqual(['istio-egress']);
  });

  test('without egress, nothing changes: no Gateway, no gateway objects, egress to any address', () => {
    const out = synth(shop({ provider: { egress: EgressRoute.direct(), anyAddress: true } }).app);
    expect(out.some((m) => m.kind === 'Gateway' || m.metadata.name === 'istio-egressgateway')).toBe(false);
    expect(JSON.stringify(find(out, 'NetworkPolicy', 'payment-service').spec.egress)).toContain('0.0.0.0/0');
  });
});

describe('other callers and the pictures', () => {
  test("a MeshCronJob's call leaves through the gateway too: its Sidecar, NetworkPolicy and principal; the flow is proved at synth", () => {
    const { app, chart, provider } = shop();
    new MeshCronJob(chart, 'settlement', { image: 'registry.example.com/settle:1.0.0', schedule: Cron.schedule({ minute: '0', hour: '2' }) })
      .calls(provider, { port: 443 });
    const out = synth(app);
    expect(find(out, 'Sidecar', 'settlement').spec.egress[0].hosts).toContain('istio-system/istio-egressgateway.istio-system.svc.cluster.local');
    expect(JSON.stringify(find(out, 'NetworkPolicy', 'settlement').spec.egress)).not.toContain('0.0.0.0/0');
    expect(find(out, 'AuthorizationPolicy', 'production-payment-provider-egress').spec.rules[0].from[0].source.principals)
      .toEqual(['cluster.local/ns/production/sa/payment-service', 'cluster.local/ns/production/sa/settlement']);
  });

  test("the environment's topology draws each caller's edge to the host, proved through the gateway", () => {
    const { app } = shop({ mail: true });
    app.synth();
    const topology = fs.readFileSync(path.join(app.outdir, 'test', 'topology.md'), 'utf8');
    expect(topology).toContain('g_production ==>|"✔ :443"| x_api_payment_provider_example');
    expect(topology).toContain('g_production ==>|"✔ :80"| x_api_mail_example');
  });
});

describe('wrong inputs', () => {
  test('no egress gateway on the platform: MESH233 naming the construct and the field', () => {
    const err = synthError(shop({ platform: MeshPlatform.default() }).app);
    expect(err).toMatch(/\[test\/payment-provider\] egress: EgressRoute.viaGateway\(\) needs the platform's egress gateway/);
    expect(err).toContain(`[${Codes.EGRESS_GATEWAY_UNDECLARED}]`);
  });

  test.each([
    [{ hosts: ['a.example', 'b.example'] }, /egress: the egress gateway serves one named host/],
    [{ hosts: ['*.example.com'], resolution: 'NONE' as const }, /egress: the egress gateway serves one named host/],
    [{ ports: [{ number: 5432, protocol: 'TCP' as const }] }, /ports\[0\]: TCP 5432: the egress gateway carries plain HTTP/],
    [{ ports: [{ number: 443, protocol: 'HTTPS' as const }, { number: 8443, protocol: 'TLS' as const }] }, /ports: HTTPS 443, TLS 8443: the egress gateway listens/],
    [{ ports: [{ number: 80, protocol: 'HTTP' as const }], tls: TlsOrigination.mutual({ port: 80, credentialName: 'client' }) }, /tls: mutual TLS from a Secret/],
  ])('%o: MESH234', (props, message) => {
    const err = synthError(shop({ provider: props }).app);
    expect(err).toMatch(/\[test\/payment-provider\]/);
    expect(err).toMatch(message);
    expect(err).toContain(`[${Codes.EGRESS_GATEWAY_UNSUPPORTED}]`);
  });

  test('a caller of another namespace: MESH234', () => {
    const { app, provider } = shop();
    const other = new MeshChart(app, 'other', { namespace: 'other' });
    new MeshService(other, 'mailer', { image: 'mailer:1' }).calls(provider, { port: 443 });
    const err = synthError(app);
    expect(err).toMatch(/other\/mailer calls the service from another namespace/);
    expect(err).toContain(`[${Codes.EGRESS_GATEWAY_UNSUPPORTED}]`);
  });

  test('two hosts through the gateway from two environments share one gateway without a collision', () => {
    const { app } = shop();
    const staging = new MeshChart(app, 'staging', { namespace: 'staging' });
    const p = new ExternalService(staging, 'payment-provider', { ...PROVIDER, hosts: ['sandbox.payment-provider.example'] });
    new MeshService(staging, 'payment-service', { image: 'payment:1' }).calls(p, { port: 443 });
    const out = synth(app);
    expect(out.filter((m) => m.kind === 'AuthorizationPolicy' && m.metadata.namespace === 'istio-system').map((m) => m.metadata.name).sort())
      .toEqual(['production-payment-provider-egress', 'staging-payment-provider-egress']);
  });
});

describe('flows through the egress gateway', () => {
  const options = platformFlowOptions(PLATFORM, 'production');
  const flow = { source: { workload: 'payment-service', namespace: 'production' }, host: 'api.payment-provider.example', port: 443 };

  test('a declared call is allowed through the gateway: caller -> egress gateway -> host', () => {
    const out = synth(shop({ mail: true }).app);
    const v = evaluateFlow(out, flow, options);
    expect(v.allowed).toBe(true);
    expect(v.reason).toMatch(/leaves through the egress gateway istio-system\/istio-egressgateway/);
    expect(v.hops.join(' | ')).toMatch(/istio-egressgateway.istio-system:443 subset payment-provider → .*istio-egressgateway.*:8443/);
    expect(v.hops.join(' | ')).toMatch(/Gateway production\/payment-provider-egress/);
    const http = evaluateFlow(out, { ...flow, host: 'api.mail.example', port: 80, method: 'POST', path: '/v1/send' }, options);
    expect(http.allowed).toBe(true);
    expect(http.hops.join(' | ')).toMatch(/Gateway production\/mail-egress/);
  });

  test("a caller the gateway's AuthorizationPolicy does not name is refused at the gateway", () => {
    const out = synth(shop().app);
    // Another workload of the namespace, with the caller's Sidecar and NetworkPolicy but its own ServiceAccount.
    const copy = (m: Record<string, any>) => JSON.parse(JSON.stringify(m).replace(/payment-service/g, 'intruder'));
    const intruder = ['Deployment', 'ServiceAccount', 'Sidecar', 'NetworkPolicy'].map((k) => copy(find(out, k, 'payment-service')));
    const v = evaluateFlow([...out, ...intruder], { ...flow, source: { workload: 'intruder', namespace: 'production' } }, options);
    expect(v.allowed).toBe(false);
    expect(v.decidedBy).toMatchObject({ layer: 'AuthorizationPolicy', namespace: 'istio-system', name: 'production-payment-provider-egress' });
  });

  test("a caller whose Sidecar does not import the gateway's Service is refused by its Sidecar", () => {
    const out = synth(shop().app);
    const sidecar = find(out, 'Sidecar', 'payment-service');
    sidecar.spec.egress[0].hosts = sidecar.spec.egress[0].hosts.filter((h: string) => !h.includes('egressgateway'));
    const v = evaluateFlow(out, flow, options);
    expect(v.allowed).toBe(false);
    expect(v.decidedBy).toMatchObject({ layer: 'Sidecar egress', name: 'payment-service' });
    expect(v.reason).toMatch(/routes api.payment-provider.example to the egress gateway .* does not import/);
  });

  test('a caller whose NetworkPolicy leads only to the host, not the gateway, is refused by it', () => {
    const out = synth(shop().app);
    const np = find(out, 'NetworkPolicy', 'payment-service');
    np.spec.egress = np.spec.egress.filter((r: any) => !JSON.stringify(r).includes('egressgateway'))
      .concat([{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 443, protocol: 'TCP' }] }]);
    const v = evaluateFlow(out, flow, options);
    expect(v.allowed).toBe(false);
    expect(v.decidedBy).toMatchObject({ layer: 'NetworkPolicy egress', name: 'payment-service' });
  });

  test('without the gateway route exported to its namespace, the gateway has no route for the host', () => {
    const out = synth(shop().app);
    find(out, 'VirtualService', 'payment-provider-egress').spec.exportTo = ['.'];
    const v = evaluateFlow(out, flow, options);
    expect(v.allowed).toBe(false);
    expect(v.reason).toMatch(/no VirtualService for api.payment-provider.example is bound to Gateway production\/payment-provider-egress/);
  });
});

describe('one host through the egress gateway from every environment of an app', () => {
  const ENVIRONMENTS = ['dev', 'staging', 'production'];
  const SHARED = 'api-payment-provider-example-egress';

  /** dev, staging and production of one app, each calling the payment provider (TLS) and the mail service (HTTP, TLS at the gateway). */
  function environments(options: { app?: MeshApp | App; provider?: Record<string, Partial<ExternalServiceProps>> } = {}) {
    // A plain App's test reads its own app, not this one.
    const app = (options.app ?? new MeshApp({ outdir: Testing.app().outdir, platform: PLATFORM })) as MeshApp;
    const charts = ENVIRONMENTS.map((env) => {
      const chart = new MeshChart(app, env, { namespace: env, platform: PLATFORM });
      const payment = new MeshService(chart, 'payment-service', { image: 'payment:1' });
      const provider = new ExternalService(chart, 'payment-provider', { ...PROVIDER, ...options.provider?.[env] });
      payment.calls(provider, { port: provider.ports[0].number });
      const mail = new ExternalService(chart, 'mail', MAIL);
      payment.calls(mail, { port: 80, methods: ['POST'], paths: ['/v1/send'] });
      return chart;
    });
    return { app, charts };
  }

  const shared = (out: Record<string, any>[]) => out.filter((m) => m.metadata.namespace === 'istio-system' && /egress/.test(m.metadata.name));

  test('the host\'s Gateway and the gateway\'s route are written once, in the gateway\'s namespace; each environment keeps its own route, subset and policy', () => {
    const out = synth(environments().app);
    expect(shared(out).map((m) => `${m.kind} ${m.metadata.name}`).sort()).toEqual([
      'AuthorizationPolicy dev-mail-egress', 'AuthorizationPolicy dev-payment-provider-egress',
      'AuthorizationPolicy production-mail-egress', 'AuthorizationPolicy production-payment-provider-egress',
      'AuthorizationPolicy staging-mail-egress', 'AuthorizationPolicy staging-payment-provider-egress',
      'Gateway api-mail-example-egress', `Gateway ${SHARED}`, 'VirtualService api-mail-example-egress', `VirtualService ${SHARED}`,
    ]);
    expect(out.filter((m) => m.kind === 'Gateway')).toHaveLength(2);
    expect(find(out, 'Gateway', SHARED).spec).toEqual({
      selector: { istio: 'egressgateway' },
      servers: [{ port: { number: 443, name: 'tls-egress', protocol: 'TLS' }, hosts: ['api.payment-provider.example'], tls: { mode: 'ISTIO_MUTUAL' } }],
    });
    expect(find(out, 'VirtualService', SHARED).spec).toEqual({
      hosts: ['api.payment-provider.example'],
      gateways: [SHARED],
      exportTo: ['istio-system'],
      tcp: [{ match: [{ port: 443 }], route: [{ destination: { host: 'api.payment-provider.example', port: { number: 443 } } }] }],
    });
    for (const env of ENVIRONMENTS) {
      const mine = out.filter((m) => m.metadata.namespace === env);
      expect(mine.filter((m) => m.kind === 'VirtualService' && m.metadata.name === 'payment-provider').map((m) => m.spec.exportTo)).toEqual([['.']]);
      expect(mine.filter((m) => m.kind === 'DestinationRule' && m.metadata.name === 'istio-egressgateway')).toHaveLength(1);
      expect(find(out.filter((m) => m.metadata.namespace === 'istio-system'), 'AuthorizationPolicy', `${env}-payment-provider-egress`).spec.rules)
        .toEqual([{
          from: [{ source: { principals: [`cluster.local/ns/${env}/sa/payment-service`] } }],
          to: [{ operation: { ports: ['8443'] } }],
          when: [{ key: 'connection.sni', values: ['api.payment-provider.example'] }],
        }]);
    }
    expect([...shared(out), ...out.filter((m) => m.metadata.namespace === 'staging' && EGRESS_KINDS.includes(m.kind))]).toMatchSnapshot();
  });

  test('MeshApp writes the shared Gateway and route to the cluster folder; cdk8s-mesh-validate over the whole output finds no conflict', () => {
    const { app } = environments();
    app.synth();
    const cluster = fs.readdirSync(path.join(app.outdir, 'cluster')).filter((f) => /egress/.test(f)).sort();
    expect(cluster).toEqual([
      'gateway.istio-system.api-mail-example-egress.yaml', `gateway.istio-system.${SHARED}.yaml`,
      'virtualservice.istio-system.api-mail-example-egress.yaml', `virtualservice.istio-system.${SHARED}.yaml`,
    ]);
    for (const env of ENVIRONMENTS) {
      expect(fs.readdirSync(path.join(app.outdir, env)).filter((f) => f.startsWith('gateway.'))).toEqual([]);
      // Each environment's picture draws its callers' edges to the hosts, proved through the shared server.
      const topology = fs.readFileSync(path.join(app.outdir, env, 'topology.md'), 'utf8');
      expect(topology).toContain(`g_${env} ==>|"✔ :443"| x_api_payment_provider_example`);
      expect(topology).toContain(`g_${env} ==>|"✔ :80"| x_api_mail_example`);
    }
    let text = '';
    const code = validateCli([app.outdir, '--flows'], { stdout: (t) => { text += t; }, stderr: (t) => { text += t; }, cwd: app.outdir });
    expect(text).not.toMatch(/MESH\d+/);
    expect(code).toBe(0);
    for (const env of ENVIRONMENTS) {
      let flowText = '';
      validateCli([app.outdir, '--flow', `${env}/payment-service -> api.payment-provider.example:443 tls`],
        { stdout: (t) => { flowText += t; }, stderr: (t) => { flowText += t; }, cwd: app.outdir });
      expect(flowText).toMatch(new RegExp(`^ALLOWED ${env}/payment-service -> api.payment-provider.example:443 tls`));
    }
  });

  test('over the manifests, one Gateway per environment for the host is the collision the analysis reports (MESH120)', () => {
    // What each environment wrote alone: its own Gateway for the host on the shared gateway's pods.
    const alone = ['staging', 'production'].flatMap((env) => {
      const app = new MeshApp({ outdir: Testing.app().outdir, platform: PLATFORM });
      const chart = new MeshChart(app, env, { namespace: env });
      new MeshService(chart, 'payment-service', { image: 'payment:1' }).calls(new ExternalService(chart, 'payment-provider', PROVIDER), { port: 443 });
      return synth(app).filter((m) => m.kind !== 'Namespace' || m.metadata.name === env);
    });
    const codes = validateManifests(alone, { ingressGateways: platformGateways(PLATFORM) }).map((f) => f.code);
    expect(codes).toContain(Codes.CONFLICTING_GATEWAYS);
    // Together, the app writes one.
    expect(validateManifests(synth(environments().app), { ingressGateways: platformGateways(PLATFORM) })).toEqual([]);
  });

  describe('flows', () => {
    const flow = (env: string, workload = 'payment-service') => ({
      source: { workload, namespace: env }, host: 'api.payment-provider.example', port: 443,
    });

    test("synth proves every environment's declared calls, through the one Gateway the app writes", () => {
      const out = synth(environments().app);
      for (const env of ENVIRONMENTS) {
        const options = platformFlowOptions(PLATFORM, env);
        const v = evaluateFlow(out, flow(env), options);
        expect(v.allowed).toBe(true);
        expect(v.reason).toMatch(/leaves through the egress gateway istio-system\/istio-egressgateway/);
        expect(v.hops.join(' | ')).toContain('istio-egressgateway.istio-system:443 subset payment-provider');
        expect(v.hops.join(' | ')).toContain(`Gateway istio-system/${SHARED}`);
        const http = evaluateFlow(out, { ...flow(env), host: 'api.mail.example', port: 80, method: 'POST', path: '/v1/send' }, options);
        expect(http.allowed).toBe(true);
        expect(http.hops.join(' | ')).toContain('Gateway istio-system/api-mail-example-egress');
      }
    });

    test("a caller of another environment that no environment declares is refused at the gateway's AuthorizationPolicy", () => {
      const out = synth(environments().app);
      // A workload of staging with the caller's Sidecar, subset and NetworkPolicy, but its own ServiceAccount.
      const copy = (m: Record<string, any>) => JSON.parse(JSON.stringify(m).replace(/payment-service/g, 'reporting'));
      const staging = out.filter((m) => m.metadata.namespace === 'staging');
      const reporting = ['Deployment', 'ServiceAccount', 'Sidecar', 'NetworkPolicy'].map((k) => copy(find(staging, k, 'payment-service')));
      const v = evaluateFlow([...out, ...reporting], flow('staging', 'reporting'), platformFlowOptions(PLATFORM, 'staging'));
      expect(v.allowed).toBe(false);
      expect(v.decidedBy).toMatchObject({ layer: 'AuthorizationPolicy', namespace: 'istio-system' });
      // Without dev's policy, dev's declared caller is refused too: each environment's rule admits its own callers alone.
      const withoutDev = out.filter((m) => !(m.kind === 'AuthorizationPolicy' && m.metadata.name === 'dev-payment-provider-egress'));
      const dev = evaluateFlow(withoutDev, flow('dev'), platformFlowOptions(PLATFORM, 'dev'));
      expect(dev.allowed).toBe(false);
      expect(dev.decidedBy).toMatchObject({ layer: 'AuthorizationPolicy', namespace: 'istio-system' });
    });
  });

  test('under a plain cdk8s App the first environment\'s ExternalService writes the shared objects, in the gateway\'s namespace', () => {
    const app = Testing.app();
    const { charts } = environments({ app });
    app.synth();
    const [dev, staging] = charts.map((c) => Testing.synth(c));
    expect(find(dev, 'Gateway', SHARED).metadata.namespace).toBe('istio-system');
    expect(find(dev, 'VirtualService', SHARED).metadata.namespace).toBe('istio-system');
    expect(staging.filter((m) => m.kind === 'Gateway')).toEqual([]);
  });

  test('charts whose ExternalServices are declared in another order than the charts still share one Gateway, written from the first declared', () => {
    const app = new MeshApp({ outdir: Testing.app().outdir, platform: PLATFORM });
    const charts = ENVIRONMENTS.map((env) => new MeshChart(app, env, { namespace: env }));
    for (const chart of [...charts].reverse()) {
      const port = chart.namespace === 'production' ? 8443 : 443;
      const provider = new ExternalService(chart, 'payment-provider', { ...PROVIDER, ports: [{ number: port, protocol: 'HTTPS' }] });
      new MeshService(chart, 'payment-service', { image: 'payment:1' }).calls(provider, { port });
    }
    // production's was declared first: the shared server is written from it, and the others differ from it.
    const err = synthError(app);
    expect(err).toMatch(/\[dev\/payment-provider\] ports: HTTPS 443 here, HTTPS 8443 at production\/payment-provider/);
    expect(err).toMatch(/\[staging\/payment-provider\] ports: HTTPS 443 here, HTTPS 8443 at production\/payment-provider/);
    expect(err).not.toMatch(/\[production\/payment-provider\]/);
    const same = new MeshApp({ outdir: Testing.app().outdir, platform: PLATFORM });
    const sameCharts = ENVIRONMENTS.map((env) => new MeshChart(same, env, { namespace: env }));
    for (const chart of [...sameCharts].reverse()) {
      new MeshService(chart, 'payment-service', { image: 'payment:1' }).calls(new ExternalService(chart, 'payment-provider', PROVIDER), { port: 443 });
    }
    const out = synth(same);
    expect(out.filter((m) => m.kind === 'Gateway').map((m) => `${m.metadata.namespace}/${m.metadata.name}`)).toEqual([`istio-system/${SHARED}`]);
  });

  test('one host twice in one namespace: MESH235 on both', () => {
    const { app, chart } = shop();
    new ExternalService(chart, 'payment-provider-2', PROVIDER);
    const err = synthError(app);
    expect(err).toMatch(/\[test\/payment-provider\] egress: test\/payment-provider-2 routes api.payment-provider.example through the egress gateway from namespace production too/);
    expect(err).toMatch(/\[test\/payment-provider-2\] egress: test\/payment-provider routes/);
    expect(err).toContain(`[${Codes.EGRESS_GATEWAY_HOST_TWICE}]`);
  });

  test.each([
    ['ports', { ports: [{ number: 8443, protocol: 'HTTPS' as const }] }, /\[staging\/payment-provider\] ports: HTTPS 8443 here, HTTPS 443 at dev\/payment-provider/],
    ['resolution', { resolution: 'STATIC' as const, addresses: [Cidr.of('203.0.113.10/32')] },
      /\[staging\/payment-provider\] resolution: resolution 'STATIC' here, resolution 'DNS' at dev\/payment-provider/],
    ['addresses', { addresses: [Cidr.of('203.0.113.0/24')] }, /\[staging\/payment-provider\] addresses: 203.0.113.0\/24 here, no addresses at dev\/payment-provider/],
  ])('%s differing between environments, which the gateway holds once: MESH235 naming the construct and the field', (_field, props, message) => {
    const { app } = environments({ provider: { staging: props } });
    const err = synthError(app);
    expect(err).toMatch(message);
    expect(err).toContain(`[${Codes.EGRESS_GATEWAY_HOST_TWICE}]`);
    expect(err).not.toMatch(/\[(dev|production)\/payment-provider\]/);
  });

  test('TLS origination differing between environments: MESH235 on the tls field', () => {
    const app = new MeshApp({ outdir: Testing.app().outdir, platform: PLATFORM });
    ENVIRONMENTS.forEach((env, i) => {
      const chart = new MeshChart(app, env, { namespace: env });
      const tls = TlsOrigination.simple({ port: 80, caCertificates: i === 2 ? '/etc/certs/other-ca.pem' : '/etc/certs/mail-ca.pem' });
      new MeshService(chart, 'payment-service', { image: 'payment:1' }).calls(new ExternalService(chart, 'mail', { ...MAIL, tls }), { port: 80 });
    });
    const err = synthError(app);
    expect(err).toMatch(/\[production\/mail\] tls: TlsOrigination.simple\(.*other-ca.pem.*\) here, TlsOrigination.simple\(.*mail-ca.pem.*\) at dev\/mail/);
    expect(err).toContain(`[${Codes.EGRESS_GATEWAY_HOST_TWICE}]`);
  });
});
