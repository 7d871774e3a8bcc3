import * as fs from 'node:fs';
import * as path from 'node:path';
import { Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { Cidr, Codes, DnsInstall, EdgeProxyInstall, FaultInjectionTest, MeshApp, MeshChart, MeshPlatform, MeshService, Percentage } from '../../src';
import { FlowEvaluator } from '../../src/validate';
import { platformFromData } from '../../src/platform/platform-file';
import { Duration } from 'cdk8s';
import { find, synth, synthError } from '../util';

/**
 * The platform's network components (issue 24, minor finding 12 and the entry path): the
 * cluster DNS with NodeLocal DNSCache, and the edge proxies in front of the mesh, each a
 * preset read from its install's source, read back from a snapshot of that install
 * (test/fixtures/platform/), and used by every NetworkPolicy and flow.
 */
const FIXTURES = path.join(__dirname, '..', 'fixtures', 'platform');
const fixture = (name: string) => path.join(FIXTURES, `${name}.yaml`);
const SEEDS = ['istiod', 'gateway-istioctl', 'kube-prometheus-stack', 'jaeger-operator', 'flagger'].map(fixture);

const error = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
};

describe('the cluster DNS', () => {
  test("kubeadm's CoreDNS is the default: kube-dns in kube-system, k8s-app: kube-dns, ServiceAccount coredns, port 53", () => {
    expect(MeshPlatform.default().dns).toEqual({
      installedBy: "kubeadm's CoreDNS", namespace: 'kube-system', serviceName: 'kube-dns', podLabels: { 'k8s-app': 'kube-dns' },
      serviceSelector: { 'k8s-app': 'kube-dns' }, serviceAccount: 'coredns', port: 53, nodeLocalAddresses: [],
    });
  });

  test("the coredns Helm chart's labels and ServiceAccount (isClusterService: k8s-app: coredns; serviceAccount.create: false)", () => {
    expect({ ...DnsInstall.coreDnsHelmChart({ release: 'coredns' }) }).toMatchObject({
      namespace: 'kube-system', serviceName: 'coredns', serviceAccount: 'default',
      serviceSelector: { 'k8s-app': 'coredns', 'app.kubernetes.io/name': 'coredns', 'app.kubernetes.io/instance': 'coredns' },
    });
    expect(DnsInstall.coreDnsHelmChart({ release: 'dns', namespace: 'dns' }).serviceName).toBe('dns-coredns');
  });

  test('NodeLocal DNSCache: its link-local address, and the kube-dns ClusterIP in iptables mode, as ipBlocks', () => {
    expect(DnsInstall.nodeLocalDnsCache().nodeLocalAddresses.map(String)).toEqual(['169.254.20.10/32']);
    const iptables = DnsInstall.nodeLocalDnsCache({ kubeDnsServiceIp: Cidr.of('10.96.0.10/32') });
    expect(iptables.nodeLocalAddresses.map(String)).toEqual(['169.254.20.10/32', '10.96.0.10/32']);
    // It forwards to (and pods fall back to) the upstream's pods.
    expect(iptables.serviceSelector).toEqual({ 'k8s-app': 'kube-dns' });
  });

  test("every NetworkPolicy's DNS egress is the platform's: the DNS pods as their Service selects them, NodeLocal DNSCache's addresses", () => {
    const dns = DnsInstall.nodeLocalDnsCache({
      kubeDnsServiceIp: Cidr.of('10.96.0.10/32'), upstream: DnsInstall.coreDnsHelmChart({ release: 'coredns' }),
    });
    const app = new MeshApp({ outdir: Testing.app().outdir, platform: MeshPlatform.of({ dns, apiServer: { endpoints: [Cidr.of('10.0.0.1/32')] } }) });
    const chart = new MeshChart(app, 'staging', { namespace: 'staging' });
    const order = new MeshService(chart, 'order-service', { image: 'order:1' });
    new FaultInjectionTest(chart, 'faults', { services: [order], delay: { fixedDelay: Duration.millis(500), percentage: Percentage.of(10) } });
    const m = synth(app);
    const expected = {
      to: [
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
          podSelector: { matchLabels: { 'k8s-app': 'coredns', 'app.kubernetes.io/name': 'coredns', 'app.kubernetes.io/instance': 'coredns' } } },
        { ipBlock: { cidr: '169.254.20.10/32' } },
        { ipBlock: { cidr: '10.96.0.10/32' } },
      ],
      ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }],
    };
    expect(find(m, 'NetworkPolicy', 'order-service').spec.egress).toContainEqual(expected);
    expect(find(m, 'NetworkPolicy', 'fault-injection-test').spec.egress).toContainEqual(expected);
  });

  test("synth's flow check resolves names through the platform's DNS: a policy without NodeLocal DNSCache's address cannot", () => {
    // GIVEN the manifests of a chart synthesized for kube-dns alone
    const app = new MeshApp({ outdir: Testing.app().outdir });
    const chart = new MeshChart(app, 'production', { namespace: 'production' });
    const api = new MeshService(chart, 'api-gateway', { image: 'api:1' });
    api.calls(new MeshService(chart, 'order-service', { image: 'order:1' }), { methods: ['GET'], paths: ['/api/orders/*'] });
    const manifests = synth(app);
    const call = { source: { workload: 'api-gateway', namespace: 'production' }, host: 'order-service', port: 80, path: '/api/orders/1' };
    const withCache = MeshPlatform.of({ dns: DnsInstall.nodeLocalDnsCache() });
    // THEN on a cluster whose pods query NodeLocal DNSCache the call fails at the name lookup
    const verdict = new FlowEvaluator(manifests, { dns: withCache.dnsWorkload() }).evaluate(call);
    expect(verdict).toMatchObject({ allowed: false, decidedBy: { layer: 'NetworkPolicy egress', name: 'api-gateway' } });
    expect(verdict.reason).toMatch(/cannot resolve order-service/);
    // AND the same call on the platform it was synthesized for holds
    expect(new FlowEvaluator(manifests, { dns: MeshPlatform.default().dnsWorkload() }).evaluate(call).allowed).toBe(true);
    // AND synthesized for the cache, it holds there
    const cached = new MeshApp({ outdir: Testing.app().outdir, platform: withCache });
    const c2 = new MeshChart(cached, 'production', { namespace: 'production' });
    new MeshService(c2, 'api-gateway', { image: 'api:1' })
      .calls(new MeshService(c2, 'order-service', { image: 'order:1' }), { methods: ['GET'], paths: ['/api/orders/*'] });
    expect(new FlowEvaluator(synth(cached), { dns: withCache.dnsWorkload() }).evaluate(call).allowed).toBe(true);
  });

  test('a snapshot of kube-system gives the DNS pods and NodeLocal DNSCache\'s -localip addresses', () => {
    const read = MeshPlatform.fromManifests([...SEEDS, fixture('dns-nodelocal')]);
    expect(read.dns).toMatchObject({ serviceName: 'kube-dns', serviceAccount: 'coredns', port: 53, serviceSelector: { 'k8s-app': 'kube-dns' } });
    expect(read.dns.nodeLocalAddresses.map(String)).toEqual(['169.254.20.10/32', '10.96.0.10/32']);
    expect(read.dnsWorkload()).toMatchObject({ name: 'node-local-dns', addresses: ['169.254.20.10'], labels: {} });
    // A preset the snapshot contradicts is named with both values.
    expect(error(() => MeshPlatform.fromManifests([...SEEDS, fixture('dns-nodelocal')], { presets: { dns: DnsInstall.nodeLocalDnsCache() } })))
      .toMatch(/dns\.nodeLocalAddresses: the platform says \["169\.254\.20\.10\/32"\] .*answers on /);
    expect(error(() => MeshPlatform.fromManifests([...SEEDS, fixture('dns-nodelocal')], { presets: { dns: DnsInstall.nodeLocalDnsCache() } })))
      .toMatch(/ answers on \["10\.96\.0\.10\/32","169\.254\.20\.10\/32"\] \[MESH082\]/);
    // Without kube-system in the snapshot, the presets' DNS.
    expect(MeshPlatform.fromManifests(SEEDS).dns.nodeLocalAddresses).toEqual([]);
  });

  test('a platform file names the DNS by preset', () => {
    const p = platformFromData(YAML.parse('dns: { preset: nodeLocalDnsCache, kubeDnsServiceIp: 10.96.0.10/32 }'), 'platform.yaml');
    expect(p.dns.nodeLocalAddresses.map(String)).toEqual(['169.254.20.10/32', '10.96.0.10/32']);
    expect(error(() => platformFromData(YAML.parse('dns: { preset: nodeLocalDnsCache, localAddress: 169.254.20.10 }'), 'platform.yaml')))
      .toMatch(/platform\.yaml: dns\.localAddress: '169\.254\.20\.10' is not a CIDR/);
  });
});

describe('a placeholder address fails loudly (issue 24: the fault job egressed to 192.0.2.10)', () => {
  test.each([
    ['192.0.2.10/32', '192.0.2.0/24'], ['198.51.100.7/32', '198.51.100.0/24'], ['203.0.113.0/28', '203.0.113.0/24'],
    ['2001:db8::10/128', '2001:db8::/32'],
  ])(
    "the API server's endpoint %s is MESH090", (cidr, range) => {
      expect(error(() => MeshPlatform.of({ apiServer: { endpoints: [Cidr.of('10.0.0.1/32'), Cidr.of(cidr)] } })))
        .toBe(`platform apiServer.endpoints[1]: ${cidr} is in the documentation range ${range} (RFC 5737, RFC 3849), an example no network routes;`
          + " give the cluster's own addresses (kubectl get endpoints kubernetes -n default -o yaml) [MESH090]");
    });

  test('ranges next to them are addresses like any other', () => {
    for (const cidr of ['192.0.3.1/32', '198.51.101.1/32', '203.0.112.255/32', '192.0.0.0/16', '2001:db9::1/128', '10.96.0.1/32']) {
      expect(MeshPlatform.of({ apiServer: { endpoints: [Cidr.of(cidr)] } }).apiServer.endpoints.map(String)).toEqual([cidr]);
    }
  });

  test("NodeLocal DNSCache's addresses are checked too, and a snapshot's endpoints", () => {
    expect(error(() => MeshPlatform.of({ dns: DnsInstall.nodeLocalDnsCache({ kubeDnsServiceIp: Cidr.of('192.0.2.53/32') }) })))
      .toMatch(/^platform dns\.nodeLocalAddresses\[1\]: 192\.0\.2\.53\/32 is in the documentation range 192\.0\.2\.0\/24 .*\[MESH090\]$/);
    const placeholder = {
      apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'kubernetes', namespace: 'default' },
      subsets: [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ port: 6443 }] }],
    };
    expect(error(() => MeshPlatform.fromManifests([placeholder], { components: ['apiServer'] }))).toMatch(/\[MESH090\]$/);
  });

  test('a fault job told a documentation range fails synth (MESH663), naming the field', () => {
    const app = new MeshApp({ outdir: Testing.app().outdir });
    const chart = new MeshChart(app, 'staging', { namespace: 'staging' });
    const order = new MeshService(chart, 'order-service', { image: 'order:1' });
    new FaultInjectionTest(chart, 'faults', {
      services: [order], abort: { httpStatus: 503, percentage: Percentage.of(5) }, apiServer: { addresses: [Cidr.of('192.0.2.10/32')] },
    });
    expect(synthError(app))
      .toMatch(/\[staging\/faults\] apiServer\.addresses\[0\]: 192\.0\.2\.10\/32 is in the documentation range 192\.0\.2\.0\/24, a placeholder .*/);
    expect(synthError(app)).toMatch(/no network routes;.*\[MESH663\]/);
  });

  test("the example cluster's committed snapshot gives the staging job its endpoints", () => {
    const text = fs.readFileSync(path.join(__dirname, '..', '..', 'src', 'app', 'cluster', 'kubernetes-endpoints.yaml'), 'utf8');
    expect(text).toMatch(/kubectl get endpoints kubernetes -n default -o yaml/);
    const { exampleCluster } = require('../../src/app/cluster');
    expect((exampleCluster() as MeshPlatform).apiServer.endpoints.map(String)).toEqual(['10.20.0.11/32', '10.20.0.12/32', '10.20.0.13/32']);
  });
});

describe('the edge proxies in front of the mesh (seed 003: Client → Nginx Ingress → Kong → sidecar → service)', () => {
  test("the kong/kong chart: fullname <release>-kong, selectors, ServiceAccount, proxy Service, the ingress controller's service-upstream", () => {
    expect({ ...EdgeProxyInstall.kongHelmChart({ release: 'kong', namespace: 'kong', meshed: true }) }).toEqual({
      installedBy: 'the kong/kong Helm chart, release kong', name: 'kong-kong', namespace: 'kong', serviceName: 'kong-kong-proxy',
      podLabels: {
        'app.kubernetes.io/name': 'kong', 'app.kubernetes.io/component': 'app', 'app.kubernetes.io/instance': 'kong',
        'app.kubernetes.io/managed-by': 'Helm', 'app': 'kong-kong',
      },
      serviceSelector: { 'app.kubernetes.io/name': 'kong', 'app.kubernetes.io/component': 'app', 'app.kubernetes.io/instance': 'kong' },
      serviceAccount: 'kong-kong', httpPort: 8000, httpsPort: 8443, meshed: true, upstream: 'service',
      serviceAnnotations: { 'ingress.kubernetes.io/service-upstream': 'true' },
      // Kong keeps the client's Host unless the Service names another (Kong/kubernetes-ingress-controller#597).
      hostHeaderAnnotation: 'konghq.com/host-header',
    });
  });

  test('the ingress-nginx chart: the release as fullname when it contains the chart name, the controller addressing endpoints unless told', () => {
    const nginx = EdgeProxyInstall.ingressNginxHelmChart({ release: 'ingress-nginx', namespace: 'ingress-nginx', meshed: false });
    expect({ ...nginx }).toMatchObject({
      name: 'ingress-nginx-controller', serviceName: 'ingress-nginx-controller', serviceAccount: 'ingress-nginx', upstream: 'endpoints',
      httpPort: 80, httpsPort: 443, serviceAnnotations: {}, hostHeaderAnnotation: '',
      serviceSelector: {
        'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/instance': 'ingress-nginx', 'app.kubernetes.io/component': 'controller',
      },
    });
    const edge = EdgeProxyInstall.ingressNginxHelmChart({ release: 'edge', namespace: 'edge', meshed: true, serviceUpstream: true });
    expect([edge.name, edge.serviceAccount, edge.upstream]).toEqual(['edge-ingress-nginx-controller', 'edge-ingress-nginx', 'service']);
  });

  test("the seeds' platform: Kong meshed in kong, ingress-nginx without a sidecar in ingress-nginx; principals from their ServiceAccounts", () => {
    const p = MeshPlatform.default();
    expect([p.apiGateway.name, p.apiGateway.meshed, p.ingressController.name, p.ingressController.meshed])
      .toEqual(['kong-kong', true, 'ingress-nginx-controller', false]);
    expect(p.edgeProxyPrincipal('apiGateway').toString()).toBe('cluster.local/ns/kong/sa/kong-kong');
  });

  test('a snapshot of each install reads back to its preset', () => {
    const read = MeshPlatform.fromManifests([...SEEDS, fixture('kong'), fixture('ingress-nginx')]);
    const strip = (e: object) => Object.fromEntries(Object.entries(e).filter(([k]) => k !== 'podLabels' && k !== 'installedBy'));
    expect(strip(read.apiGateway)).toEqual(strip(MeshPlatform.default().apiGateway));
    expect(read.apiGateway.podLabels).toMatchObject({ ...MeshPlatform.default().apiGateway.podLabels, 'version': '3.9' });
    expect(strip(read.ingressController)).toEqual(strip(MeshPlatform.default().ingressController));
    // Kong released under another name is found where the preset says, and its ServiceAccount read.
    const other = EdgeProxyInstall.kongHelmChart({ release: 'gateway', namespace: 'kong', meshed: true });
    expect(error(() => MeshPlatform.fromManifests([...SEEDS, fixture('kong')], { presets: { apiGateway: other }, components: ['apiGateway'] })))
      .toMatch(/the snapshot lacks the API gateway: no Service kong\/gateway-kong-proxy .*Services in kong: kong-kong-proxy\) \[MESH081\]/);
    expect(error(() => MeshPlatform.fromManifests([...SEEDS, fixture('kong')], { presets: { apiGateway: { serviceAccount: 'kong' } } })))
      .toMatch(/apiGateway\.serviceAccount: the platform says kong, the snapshot's pods .* use kong-kong \[MESH082\]/);
    expect(error(() => MeshPlatform.fromManifests([...SEEDS, fixture('kong')], { presets: { apiGateway: { httpPort: 8080 } } })))
      .toMatch(/apiGateway\.httpPort: the platform says 8080, .*Service port 80 targets 8000 \[MESH082\]/);
  });

  test('a platform file names them by preset, with the options each needs', () => {
    const p = platformFromData(YAML.parse('apiGateway: { preset: kongHelmChart, release: edge, namespace: edge, meshed: false }'), 'platform.yaml');
    expect([p.apiGateway.name, p.apiGateway.meshed]).toEqual(['edge-kong', false]);
    expect(error(() => platformFromData(YAML.parse('apiGateway: { preset: kongHelmChart, release: edge, namespace: edge }'), 'platform.yaml')))
      .toMatch(/platform\.yaml: apiGateway\.meshed: the kongHelmChart preset needs it/);
    expect(error(() => platformFromData(YAML.parse('ingressController: { upstream: pods }'), 'platform.yaml')))
      .toMatch(/platform\.yaml: ingressController\.upstream: must be 'service' or 'endpoints'/);
  });

  test("a service selector that misses the proxy's pods is refused (MESH084)", () => {
    expect(error(() => MeshPlatform.of({ apiGateway: { podLabels: { app: 'kong' }, serviceSelector: { app: 'gateway' } } })))
      .toMatch(/platform apiGateway\.serviceSelector: .* app=gateway missing \[MESH084\]/);
  });
});

test('the preset options are checked at once (MESH001)', () => {
  expect(error(() => EdgeProxyInstall.kongHelmChart({ release: 'Kong', namespace: 'kong', meshed: true })))
    .toMatch(/EdgeProxyInstall\.kongHelmChart: release: .*\[MESH001\]/);
  expect(Codes.PLATFORM_PLACEHOLDER_ADDRESS).toBe('MESH090');
});
