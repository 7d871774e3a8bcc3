// The report a reader sees: verdict lines for a small mesh, one per kind of decision.
import { FlowEvaluator } from '../../../src/validate';
import { formatVerdict, parseFlowSpec } from '../../../src/validate/flow/cli-flow';
import { app, authorizationPolicy, deployment, destinationRule, gateway, INGRESS, networkPolicy, peerAuthentication, sidecar, virtualService } from './fixtures';

const objs = [
  ...app('web', 'shop'), ...app('orders', 'shop'), ...app('payments', 'shop'), deployment('orders-v2', 'shop', { labels: { app: 'orders', version: 'v2' } }),
  ...app('legacy', 'shop', { inject: false }),
  peerAuthentication('default', 'shop', { mtls: { mode: 'STRICT' } }),
  networkPolicy('payments', 'shop', { podSelector: { matchLabels: { app: 'payments' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'orders' } } }, { podSelector: { matchLabels: { app: 'legacy' } } }] }] }),
  authorizationPolicy('payments', 'shop', { selector: { matchLabels: { app: 'payments' } }, rules: [{ from: [{ source: { principals: ['cluster.local/ns/shop/sa/orders'] } }], to: [{ operation: { methods: ['POST'], paths: ['/api/payments/*'] } }] }] }),
  sidecar('web', 'shop', { workloadSelector: { labels: { app: 'web' } }, egress: [{ hosts: ['./orders.shop.svc.cluster.local'] }], outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } }),
  destinationRule('orders', 'shop', { host: 'orders', subsets: [{ name: 'stable', labels: { version: 'v1' } }, { name: 'canary', labels: { version: 'v3' } }] }),
  virtualService('orders', 'shop', { hosts: ['orders'], http: [{ match: [{ headers: { 'x-canary': { exact: 'true' } } }], route: [{ destination: { host: 'orders', subset: 'canary' } }] }, { route: [{ destination: { host: 'orders' } }] }] }),
  gateway('gw', 'shop', { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['shop.example.com'], tls: { mode: 'SIMPLE', credentialName: 'c' } }] }),
  virtualService('public', 'shop', { hosts: ['shop.example.com'], gateways: ['gw'], http: [{ route: [{ destination: { host: 'web' } }] }] }),
];

test('verdict lines for each kind of decision', () => {
  const evaluator = new FlowEvaluator(objs, { platform: [INGRESS] });
  const specs = [
    'orders -> payments:80 POST /api/payments/1',
    'orders -> payments:80 GET /api/payments/1',
    'web -> payments:80 POST /api/payments/1',
    'web -> orders:80 GET / x-canary=true',
    'legacy -> payments:80 POST /api/payments/1',
    'shop/orders-v2 -> payments:80 POST /api/payments/1',
    'external -> shop.example.com:443 GET /',
  ];
  expect(specs.map((s) => formatVerdict(s, evaluator.evaluate(parseFlowSpec(s, evaluator)))).join('\n')).toMatchSnapshot();
});
