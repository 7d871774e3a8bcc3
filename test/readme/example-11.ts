// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { MeshApp, MeshChart, MeshPlatform } from 'cdk8s-mesh';

const platform = MeshPlatform.of({
  istio: { rootNamespace: 'service-mesh' },
  prometheus: { namespace: 'monitoring', selectorLabels: { release: 'prom' } },
});
const app = new MeshApp({ platform });
const chart = new MeshChart(app, 'production', { namespace: 'production', production: true });
console.log(chart.platform.ingressGatewayPrincipal.toString()); // cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account
export {};
