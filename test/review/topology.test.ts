import { Testing } from 'cdk8s';
import { MeshApp } from '../../src/mesh/mesh-app';
import { environment } from '../../src/app/environments';
import { buildEcSite } from '../../src/app/ec-site';
import { topologyFiles, renderMermaid, renderTopology, topologyModel } from '../../src/review/topology';
import { synth } from '../util';
import { authorizationPolicy, deployment, flaggerCanary, peerAuthentication, service, virtualService, weightedRoute } from './fixtures';

describe('topology of the EC site (seed 000)', () => {
  const app = new MeshApp({ outdir: Testing.app().outdir });
  const site = buildEcSite(app, environment('production'));
  const files = app.manifests().filter((f) => f.path.startsWith('production/'));
  const [picture] = topologyFiles([site.chart], files);

  test('is written as production/topology.md', () => {
    expect(picture.path).toBe('production/topology.md');
    expect(picture.content).toMatchSnapshot();
  });

  test("has seed 000's seven calls, order → notification asynchronous", () => {
    const edges = picture.content.split('\n').filter((l) => /-->|-\.->|==>/.test(l) && !l.startsWith('Edges')).map((l) => l.trim());
    expect(edges).toEqual([
      'api_gateway ==>|"✔ authorized: GET,POST /api/orders/*"| order_service',
      'api_gateway ==>|"✔ authorized: GET /api/search/*"| search_service',
      'api_gateway ==>|"✔ authorized: GET,POST /api/users/*"| user_service',
      'order_service ==>|"✔ authorized: GET,POST /api/inventory/*"| inventory_service',
      'order_service -.->|"async, ✔ authorized: POST /api/notifications/*"| notification_service',
      'order_service ==>|"✔ authorized: POST /api/payments/* /api/refunds/*"| payment_service',
      'search_service ==>|"✔ authorized: GET /api/inventory/*"| inventory_service',
    ]);
  });

  test('has the eight services of the seed, web-frontend without calls', () => {
    const nodes = picture.content.match(/^ {4}(\w+)\["/gm)!.map((l) => l.trim().replace('["', ''));
    expect(nodes).toEqual(['api_gateway', 'inventory_service', 'notification_service', 'order_service',
      'payment_service', 'search_service', 'user_service', 'web_frontend']);
  });

  test('skips charts that are not MeshCharts', () => {
    expect(topologyFiles([], files)).toEqual([]);
  });

  test('is the same in a second synth of a fresh app', () => {
    const again = new MeshApp({ outdir: Testing.app().outdir });
    const site2 = buildEcSite(again, environment('production'));
    expect(topologyFiles([site2.chart], again.manifests().filter((f) => f.path.startsWith('production/')))).toEqual([picture]);
    expect(synth(again).length).toBeGreaterThan(0);
  });
});

describe('topology from manifests', () => {
  const manifests = [
    service('order-service'), service('payment-service'), service('user-service'),
    deployment('order-service'), deployment('payment-service'),
    peerAuthentication('default', 'STRICT'),
    { ...peerAuthentication('payment-legacy', 'PERMISSIVE'), spec: { selector: { matchLabels: { 'app.kubernetes.io/name': 'payment-service' } }, mtls: { mode: 'PERMISSIVE' } } },
    authorizationPolicy('payment-service', [['order-service', ['POST'], ['/api/payments/*']]]),
    virtualService('order-service', [weightedRoute('order-service', { stable: 95, canary: 5 })]),
    flaggerCanary('order-service', { stepWeight: 5, maxWeight: 50 }),
  ];

  test('mTLS per workload, else per namespace; canary split; Flagger; authorized edges', () => {
    const model = topologyModel(manifests);
    expect(model.nodes).toEqual([
      { name: 'order-service', mtls: 'STRICT', split: 'stable 95% / canary 5%', progressive: 'Flagger canary +5% to 50%' },
      { name: 'payment-service', mtls: 'PERMISSIVE', split: undefined, progressive: undefined },
      { name: 'user-service', mtls: 'STRICT', split: undefined, progressive: undefined },
    ]);
    expect(model.edges).toEqual([{
      source: 'order-service', target: 'payment-service', declared: false, asynchronous: false,
      authorized: true, denied: false, operations: 'POST /api/payments/*',
    }]);
  });

  test('a declared call the target does not authorize is marked denied and drawn red', () => {
    const model = topologyModel(manifests, [
      { source: 'order-service', target: 'payment-service', methods: ['POST'], paths: ['/api/payments/*'] },
      { source: 'user-service', target: 'payment-service' },
      { source: 'user-service', target: 'order-service', asynchronous: true },
    ]);
    expect(model.edges.map((e) => [e.source, e.target, e.authorized, e.denied, e.asynchronous, e.operations])).toEqual([
      ['order-service', 'payment-service', true, false, false, 'POST /api/payments/*'],
      ['user-service', 'order-service', false, false, true, 'any request'],
      ['user-service', 'payment-service', false, true, false, 'any request'],
    ]);
    const mermaid = renderMermaid(model);
    expect(mermaid).toContain('order_service ==>|"✔ authorized: POST /api/payments/*"| payment_service');
    expect(mermaid).toContain('user_service -.->|"async: any request"| order_service');
    expect(mermaid).toContain('user_service -->|"✖ not authorized: any request"| payment_service');
    expect(mermaid).toContain('linkStyle 2 stroke:#dc3545,stroke-dasharray:4');
    expect(mermaid).toContain('class order_service,user_service mtls_strict');
    expect(mermaid).toContain('class payment_service mtls_permissive');
  });

  test('renders Markdown with a heading, a mermaid block and a legend', () => {
    const md = renderTopology(manifests, { title: 'Topology: production' });
    expect(md.startsWith('# Topology: production\n\n```mermaid\ngraph LR\n')).toBe(true);
    expect(md).toContain('order_service["order-service<br/>mTLS STRICT<br/>stable 95% / canary 5%<br/>Flagger canary +5% to 50%"]');
    expect(md).toMatch(/```\n\nNodes show/);
  });

  test('quotes in labels are escaped; no PeerAuthentication is UNSET', () => {
    const md = renderMermaid(topologyModel([service('a')], [{ source: 'a', target: 'b', paths: ['/"x"'] }]));
    expect(md).toContain('a -->|"/#quot;x#quot;"| b');
    expect(md).toContain('a["a<br/>mTLS UNSET"]');
  });
});
